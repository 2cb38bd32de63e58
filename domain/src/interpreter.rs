//! The interpreter log (`domain.md`, "Interpreter log"): language access
//! under Section 1557 (45 CFR 92.201) and the ADA. An entry is validated
//! as a whole; it is corrected only by an amendment with a reason, which
//! keeps what the entry said before.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use super::complaint::{UserRef, spelled_enum};
use super::text::{Label, Name, Note};
use super::work::{Checks, PatientRef, Stamp, optional_text, required_reason, required_text};
use super::{Violation, ViolationKind};

spelled_enum! {
    #[cfg_attr(feature = "graphql", graphql(name = "InterpreterModality"))]
    pub enum Modality {
        InPerson = "IN_PERSON",
        VideoRemote = "VIDEO_REMOTE",
        Phone = "PHONE",
        CertifiedDeafInterpreter = "CERTIFIED_DEAF_INTERPRETER",
        CartCaptioning = "CART_CAPTIONING",
    }
}

spelled_enum! {
    #[cfg_attr(feature = "graphql", graphql(name = "InterpreterPurpose"))]
    pub enum Purpose {
        Consent = "CONSENT",
        Diagnosis = "DIAGNOSIS",
        Treatment = "TREATMENT",
        Medication = "MEDICATION",
        Discharge = "DISCHARGE",
        Billing = "BILLING",
        General = "GENERAL",
    }
}

spelled_enum! {
    #[cfg_attr(feature = "graphql", graphql(name = "InterpreterOutcome"))]
    pub enum Outcome {
        Provided = "PROVIDED",
        Delayed = "DELAYED",
        Unavailable = "UNAVAILABLE",
        /// The patient declined a free interpreter and used a companion.
        Declined = "DECLINED",
    }
}

spelled_enum! {
    /// The interpreter's qualification (45 CFR 92.4, "qualified interpreter").
    #[cfg_attr(feature = "graphql", graphql(name = "InterpreterQualification"))]
    pub enum Qualification {
        /// Certified by a national body (CCHI, NBCMI, RID).
        CertifiedMedicalInterpreter = "CERTIFIED_MEDICAL_INTERPRETER",
        /// Assessed as qualified by the hospital or the vendor.
        QualifiedInterpreter = "QUALIFIED_INTERPRETER",
        /// Bilingual staff assessed as qualified to interpret.
        QualifiedBilingualStaff = "QUALIFIED_BILINGUAL_STAFF",
    }
}

/// Who interpreted: a staff member, or a vendor and the vendor's
/// interpreter id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Interpreter {
    pub staff_id: Option<String>,
    pub vendor: Option<String>,
    pub interpreter_id: Option<String>,
    pub qualification: Qualification,
}

/// The companion a patient chose instead of a free interpreter.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Companion {
    pub name: String,
    pub relationship: String,
    /// Under 18.
    pub minor: bool,
    /// The patient asked for this companion to interpret.
    pub patient_requested: bool,
    /// The companion agreed to interpret.
    pub companion_agreed: bool,
    pub emergency: bool,
}

/// Everything a log entry says; amendments replace it as a whole.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Entry {
    pub patient: PatientRef,
    pub encounter: String,
    pub department: String,
    /// A normalised BCP 47 tag, e.g. `es`, `zh-Hant`, `ase`.
    pub language: String,
    pub modality: Modality,
    pub interpreter: Option<Interpreter>,
    /// Who asked for the interpreter (name or role).
    pub requested_by: String,
    pub requested_at: DateTime<Utc>,
    pub connected_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
    pub purpose: Purpose,
    pub outcome: Outcome,
    pub companion: Option<Companion>,
    pub notes: Option<String>,
}

/// One correction: who, when, why, which fields, and the entry as it was.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Amendment {
    pub by: UserRef,
    pub at: DateTime<Utc>,
    pub reason: String,
    pub changed_fields: Vec<String>,
    pub previous: Entry,
}

/// The whole session.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InterpreterSessionState {
    pub facility_id: Uuid,
    pub facility_code: String,
    pub complaint_id: Option<Uuid>,
    pub entry: Entry,
    pub logged: Stamp,
    pub amendments: Vec<Amendment>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl InterpreterSessionState {
    /// The entry as first logged.
    pub fn original(&self) -> &Entry {
        self.amendments
            .first()
            .map(|a| &a.previous)
            .unwrap_or(&self.entry)
    }
}

/// An entry as entered, before validation.
#[derive(Clone, Debug)]
pub struct EntryDraft {
    pub patient_mrn: Option<String>,
    pub patient_name: String,
    pub encounter: String,
    pub department: String,
    pub language: String,
    pub modality: Modality,
    pub interpreter: Option<InterpreterDraft>,
    pub requested_by: String,
    pub requested_at: DateTime<Utc>,
    pub connected_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
    pub purpose: Purpose,
    pub outcome: Outcome,
    pub companion: Option<CompanionDraft>,
    pub notes: Option<String>,
}

#[derive(Clone, Debug)]
pub struct InterpreterDraft {
    pub staff_id: Option<String>,
    pub vendor: Option<String>,
    pub interpreter_id: Option<String>,
    pub qualification: Qualification,
}

#[derive(Clone, Debug)]
pub struct CompanionDraft {
    pub name: String,
    pub relationship: String,
    pub minor: bool,
    pub patient_requested: bool,
    pub companion_agreed: bool,
    pub emergency: bool,
}

/// How far in the future a time may lie (clock skew between devices).
const SKEW: i64 = 5;

/// A BCP 47 tag, well-formed per RFC 5646 and normalised in case
/// (`ZH-hant` → `zh-Hant`).
pub fn language_tag(tag: &str) -> Result<String, Violation> {
    let tag = tag.trim();
    oxilangtag::LanguageTag::parse_and_normalize(tag)
        .map(|t| t.into_inner())
        .map_err(|_| {
            Violation::validation(
                &["input", "entry", "language"],
                "the language must be a BCP 47 tag such as es, zh-Hant or ase (American Sign Language)",
            )
        })
}

fn checked_interpreter(d: &InterpreterDraft, checks: &mut Checks) -> Option<Interpreter> {
    let f = |name: &'static str| -> [&'static str; 4] { ["input", "entry", "interpreter", name] };
    let staff_id = checks.take(optional_text::<Label>(
        &f("staffId"),
        d.staff_id.as_deref(),
        "the staff id",
    ))?;
    let vendor = checks.take(optional_text::<Name>(
        &f("vendor"),
        d.vendor.as_deref(),
        "the vendor",
    ))?;
    let interpreter_id = checks.take(optional_text::<Label>(
        &f("interpreterId"),
        d.interpreter_id.as_deref(),
        "the interpreter id",
    ))?;
    match (&staff_id, &vendor, &interpreter_id) {
        (Some(_), None, None) | (None, Some(_), Some(_)) => {}
        _ => {
            checks.push(Violation::validation(
                &["input", "entry", "interpreter"],
                "name the interpreter either by staff id, or by vendor and the vendor's interpreter id",
            ));
            return None;
        }
    }
    Some(Interpreter {
        staff_id,
        vendor,
        interpreter_id,
        qualification: d.qualification,
    })
}

/// The rule for family and friends as interpreters (45 CFR 92.201(e)):
/// never a minor, except in an emergency; an adult only in an emergency,
/// or when the patient asked and the adult agreed.
fn checked_companion(d: &CompanionDraft, checks: &mut Checks) -> Option<Companion> {
    let f = |name: &'static str| -> [&'static str; 4] { ["input", "entry", "companion", name] };
    let name = checks.take(required_text::<Name>(
        &f("name"),
        &d.name,
        "the companion's name",
    ));
    let relationship = checks.take(required_text::<Label>(
        &f("relationship"),
        &d.relationship,
        "the companion's relationship to the patient",
    ));
    if d.minor && !d.emergency {
        checks.push(Violation::new(
            ViolationKind::GuardFailed,
            &f("minor"),
            "a minor may not interpret except in an emergency (45 CFR 92.201(e)); offer a qualified interpreter",
        ));
        return None;
    }
    let adult_may = d.emergency || (d.patient_requested && d.companion_agreed);
    if !d.minor && !adult_may {
        checks.push(Violation::new(
            ViolationKind::GuardFailed,
            &f("patientRequested"),
            "an accompanying adult may interpret only in an emergency, or when the patient asked for it and the adult agreed; record both",
        ));
        return None;
    }
    Some(Companion {
        name: name?,
        relationship: relationship?,
        minor: d.minor,
        patient_requested: d.patient_requested,
        companion_agreed: d.companion_agreed,
        emergency: d.emergency,
    })
}

/// Validates an entry as a whole; every problem is reported at once.
pub fn validate(d: &EntryDraft, now: DateTime<Utc>) -> Result<Entry, Vec<Violation>> {
    let mut checks = Checks::default();
    let f = |name: &'static str| -> [&'static str; 3] { ["input", "entry", name] };
    let patient = checks.take(
        PatientRef::validated(d.patient_mrn.as_deref(), &d.patient_name).map_err(|mut v| {
            v.field.insert(1, "entry".to_owned());
            v
        }),
    );
    let encounter = checks.take(required_text::<Label>(
        &f("encounter"),
        &d.encounter,
        "the encounter",
    ));
    let department = checks.take(required_text::<Name>(
        &f("department"),
        &d.department,
        "the department",
    ));
    let language = checks.take(language_tag(&d.language));
    let requested_by = checks.take(required_text::<Name>(
        &f("requestedBy"),
        &d.requested_by,
        "who requested the interpreter",
    ));
    let notes = checks.take(optional_text::<Note>(
        &f("notes"),
        d.notes.as_deref(),
        "the notes",
    ));

    let latest = now + Duration::minutes(SKEW);
    for (name, at) in [
        ("requestedAt", Some(d.requested_at)),
        ("connectedAt", d.connected_at),
        ("endedAt", d.ended_at),
    ] {
        if at.is_some_and(|at| at > latest) {
            checks.push(Violation::validation(&f(name), "cannot be in the future"));
        }
    }
    if let Some(connected) = d.connected_at
        && connected < d.requested_at
    {
        checks.push(Violation::validation(
            &f("connectedAt"),
            "the interpreter cannot connect before being requested (requestedAt ≤ connectedAt)",
        ));
    }
    match (d.connected_at, d.ended_at) {
        (None, Some(_)) => checks.push(Violation::validation(
            &f("endedAt"),
            "a session that never connected has no end time",
        )),
        (Some(connected), Some(ended)) if ended < connected => checks.push(Violation::validation(
            &f("endedAt"),
            "the session cannot end before it connected (connectedAt ≤ endedAt)",
        )),
        _ => {}
    }

    let interpreter = d
        .interpreter
        .as_ref()
        .map(|i| checked_interpreter(i, &mut checks));
    let companion = d
        .companion
        .as_ref()
        .map(|c| checked_companion(c, &mut checks));
    match d.outcome {
        Outcome::Provided | Outcome::Delayed => {
            if d.interpreter.is_none() {
                checks.push(Violation::validation(
                    &f("interpreter"),
                    "name the interpreter who interpreted",
                ));
            }
            if d.connected_at.is_none() {
                checks.push(Violation::validation(
                    &f("connectedAt"),
                    "when the interpreter connected is required",
                ));
            }
            if d.ended_at.is_none() {
                checks.push(Violation::validation(
                    &f("endedAt"),
                    "when the session ended is required",
                ));
            }
        }
        Outcome::Unavailable => {
            if d.connected_at.is_some() {
                checks.push(Violation::validation(
                    &f("connectedAt"),
                    "an unavailable interpreter never connected; use DELAYED if one came late",
                ));
            }
        }
        Outcome::Declined => {
            if d.companion.is_none() {
                checks.push(Violation::validation(
                    &f("companion"),
                    "a declined interpreter needs the companion used: who, relationship, that the patient asked and the companion agreed, and whether it was an emergency",
                ));
            }
        }
    }
    if d.companion.is_some() && d.outcome != Outcome::Declined {
        checks.push(Violation::validation(
            &f("companion"),
            "a companion is recorded only when the patient declined a free interpreter (outcome DECLINED)",
        ));
    }
    // `finish` returned every error, so each value taken above is present.
    checks.finish()?;
    Ok(Entry {
        patient: patient.unwrap_or_default(),
        encounter: encounter.unwrap_or_default(),
        department: department.unwrap_or_default(),
        language: language.unwrap_or_default(),
        modality: d.modality,
        interpreter: interpreter.flatten(),
        requested_by: requested_by.unwrap_or_default(),
        requested_at: d.requested_at,
        connected_at: d.connected_at,
        ended_at: d.ended_at,
        purpose: d.purpose,
        outcome: d.outcome,
        companion: companion.flatten(),
        notes: notes.flatten(),
    })
}

/// What logging a session sees besides the entry.
#[derive(Clone, Debug)]
pub struct Logging<'a> {
    pub facility_id: Uuid,
    pub facility_code: &'a str,
    pub complaint_id: Option<Uuid>,
    pub by: UserRef,
    pub now: DateTime<Utc>,
}

/// A new log entry.
pub fn log(d: &EntryDraft, l: Logging<'_>) -> Result<InterpreterSessionState, Vec<Violation>> {
    let entry = validate(d, l.now)?;
    Ok(InterpreterSessionState {
        facility_id: l.facility_id,
        facility_code: l.facility_code.to_owned(),
        complaint_id: l.complaint_id,
        entry,
        logged: Stamp {
            by: l.by,
            at: l.now,
            reason: None,
        },
        amendments: Vec::new(),
        version: 1,
        created_at: l.now,
        updated_at: l.now,
    })
}

/// The top-level fields of two entries that differ, by their JSON names.
fn changed_fields(old: &Entry, new: &Entry) -> Vec<String> {
    let (Ok(Value::Object(a)), Ok(Value::Object(b))) =
        (serde_json::to_value(old), serde_json::to_value(new))
    else {
        return Vec::new();
    };
    let mut keys: Vec<String> = a.keys().chain(b.keys()).cloned().collect();
    keys.sort();
    keys.dedup();
    keys.into_iter().filter(|k| a.get(k) != b.get(k)).collect()
}

/// Replaces the entry with a corrected one, keeping the old one and who
/// changed what and why.
pub fn amend(
    s: &mut InterpreterSessionState,
    d: &EntryDraft,
    reason: &str,
    by: &UserRef,
    now: DateTime<Utc>,
) -> Result<(), Vec<Violation>> {
    let reason = required_reason(reason, "amend an interpreter log entry")?;
    let entry = validate(d, now)?;
    let changed = changed_fields(&s.entry, &entry);
    if changed.is_empty() {
        return Err(vec![Violation::validation(
            &["input", "entry"],
            "the amendment changes nothing",
        )]);
    }
    let previous = std::mem::replace(&mut s.entry, entry);
    s.amendments.push(Amendment {
        by: by.clone(),
        at: now,
        reason,
        changed_fields: changed,
        previous,
    });
    Ok(())
}

#[cfg(test)]
pub mod testing {
    use super::*;

    /// A valid PROVIDED entry, requested an hour ago.
    pub fn provided(now: DateTime<Utc>) -> EntryDraft {
        EntryDraft {
            patient_mrn: Some("MRN-1".into()),
            patient_name: "Ana Pérez".into(),
            encounter: "ENC-7".into(),
            department: "Emergency".into(),
            language: "es".into(),
            modality: Modality::VideoRemote,
            interpreter: Some(InterpreterDraft {
                staff_id: None,
                vendor: Some("LanguageLine".into()),
                interpreter_id: Some("LL-4411".into()),
                qualification: Qualification::CertifiedMedicalInterpreter,
            }),
            requested_by: "RN Kim".into(),
            requested_at: now - Duration::minutes(60),
            connected_at: Some(now - Duration::minutes(55)),
            ended_at: Some(now - Duration::minutes(30)),
            purpose: Purpose::Consent,
            outcome: Outcome::Provided,
            companion: None,
            notes: None,
        }
    }

    pub fn companion(minor: bool, asked: bool, agreed: bool, emergency: bool) -> CompanionDraft {
        CompanionDraft {
            name: "Luis Pérez".into(),
            relationship: "son".into(),
            minor,
            patient_requested: asked,
            companion_agreed: agreed,
            emergency,
        }
    }

    pub fn declined(now: DateTime<Utc>, c: CompanionDraft) -> EntryDraft {
        EntryDraft {
            interpreter: None,
            connected_at: None,
            ended_at: None,
            outcome: Outcome::Declined,
            companion: Some(c),
            ..provided(now)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::testing::*;
    use super::*;

    fn fields(r: Result<Entry, Vec<Violation>>) -> Vec<(String, ViolationKind)> {
        r.err()
            .unwrap_or_default()
            .into_iter()
            .map(|v| (v.field.last().cloned().unwrap_or_default(), v.kind))
            .collect()
    }

    #[test]
    fn languages_are_bcp47_and_normalised() {
        for (input, expected) in [
            ("es", Some("es")),
            ("ZH-hant", Some("zh-Hant")),
            ("ase", Some("ase")),
            ("en-US", Some("en-US")),
            (" pt-br ", Some("pt-BR")),
            ("sgn-US", Some("sgn-US")),
            ("", None),
            ("spanish!", None),
            ("e", None),
            ("en--US", None),
            ("toolongsubtag", None),
        ] {
            assert_eq!(language_tag(input).ok().as_deref(), expected, "{input:?}");
        }
    }

    #[test]
    fn times_must_be_in_order() {
        let now = Utc::now();
        let ok = provided(now);
        assert!(validate(&ok, now).is_ok());
        let h = |m: i64| Some(now - Duration::minutes(m));
        // (connected, ended, the field refused)
        #[allow(clippy::type_complexity)] // a table of cases, read row by row
        let cases: &[(Option<DateTime<Utc>>, Option<DateTime<Utc>>, &str)] = &[
            (h(61), h(30), "connectedAt"),
            (h(55), h(56), "endedAt"),
            (None, h(30), "endedAt"),
            (
                Some(now + Duration::hours(1)),
                Some(now + Duration::hours(2)),
                "connectedAt",
            ),
        ];
        for (connected, ended, field) in cases {
            let d = EntryDraft {
                connected_at: *connected,
                ended_at: *ended,
                ..provided(now)
            };
            let got = fields(validate(&d, now));
            assert!(
                got.iter().any(|(f, _)| f == field),
                "{connected:?} {ended:?}: {got:?}"
            );
        }
        // Equal times are consistent.
        let d = EntryDraft {
            connected_at: Some(ok.requested_at),
            ended_at: Some(ok.requested_at),
            ..provided(now)
        };
        assert!(validate(&d, now).is_ok());
    }

    /// The companion rule as a table: (minor, asked, agreed, emergency) → allowed.
    #[test]
    fn companion_rule_table() {
        let now = Utc::now();
        for minor in [false, true] {
            for asked in [false, true] {
                for agreed in [false, true] {
                    for emergency in [false, true] {
                        let allowed = if minor {
                            emergency
                        } else {
                            emergency || (asked && agreed)
                        };
                        let r = validate(
                            &declined(now, companion(minor, asked, agreed, emergency)),
                            now,
                        );
                        assert_eq!(
                            r.is_ok(),
                            allowed,
                            "minor={minor} asked={asked} agreed={agreed} emergency={emergency}"
                        );
                        if let Err(e) = r {
                            assert_eq!(e.len(), 1);
                            assert_eq!(e[0].kind, ViolationKind::GuardFailed);
                        }
                    }
                }
            }
        }
        let r = fields(validate(
            &declined(now, companion(true, true, true, false)),
            now,
        ));
        assert_eq!(r, [("minor".to_owned(), ViolationKind::GuardFailed)]);
    }

    #[test]
    fn outcome_shapes_the_entry() {
        let now = Utc::now();
        let no_interpreter = EntryDraft {
            interpreter: None,
            ..provided(now)
        };
        assert_eq!(
            fields(validate(&no_interpreter, now)),
            [("interpreter".to_owned(), ViolationKind::Validation)]
        );
        let unavailable_connected = EntryDraft {
            outcome: Outcome::Unavailable,
            ..provided(now)
        };
        assert_eq!(
            fields(validate(&unavailable_connected, now))[0].0,
            "connectedAt"
        );
        let unavailable = EntryDraft {
            outcome: Outcome::Unavailable,
            interpreter: None,
            connected_at: None,
            ended_at: None,
            ..provided(now)
        };
        assert!(validate(&unavailable, now).is_ok());
        let declined_without = EntryDraft {
            companion: None,
            ..declined(now, companion(false, true, true, false))
        };
        assert_eq!(fields(validate(&declined_without, now))[0].0, "companion");
        let companion_on_provided = EntryDraft {
            companion: Some(companion(false, true, true, false)),
            ..provided(now)
        };
        assert_eq!(
            fields(validate(&companion_on_provided, now))[0].0,
            "companion"
        );
        let both_ids = EntryDraft {
            interpreter: Some(InterpreterDraft {
                staff_id: Some("S-1".into()),
                vendor: Some("V".into()),
                interpreter_id: Some("I".into()),
                qualification: Qualification::QualifiedInterpreter,
            }),
            ..provided(now)
        };
        assert_eq!(fields(validate(&both_ids, now))[0].0, "interpreter");
        let blank = EntryDraft {
            patient_name: " ".into(),
            encounter: String::new(),
            language: "??".into(),
            ..provided(now)
        };
        let got: Vec<String> = fields(validate(&blank, now))
            .into_iter()
            .map(|(f, _)| f)
            .collect();
        assert_eq!(got, ["name", "encounter", "language"]);
    }

    #[test]
    fn amendments_keep_the_original() {
        let now = Utc::now();
        let by = UserRef {
            subject: "s".into(),
            name: "S".into(),
        };
        let mut s = log(
            &provided(now),
            Logging {
                facility_id: Uuid::nil(),
                facility_code: "MAIN",
                complaint_id: None,
                by: by.clone(),
                now,
            },
        )
        .unwrap_or_else(|e| panic!("{e:?}"));
        let first = s.entry.clone();
        assert!(amend(&mut s, &provided(now), "no change", &by, now).is_err());
        assert!(
            amend(
                &mut s,
                &EntryDraft {
                    language: "pt".into(),
                    ..provided(now)
                },
                " ",
                &by,
                now
            )
            .is_err()
        );
        let fixed = EntryDraft {
            language: "pt".into(),
            modality: Modality::Phone,
            ..provided(now)
        };
        assert!(amend(&mut s, &fixed, "wrong language picked", &by, now).is_ok());
        assert_eq!(s.entry.language, "pt");
        assert_eq!(s.amendments[0].changed_fields, ["language", "modality"]);
        assert_eq!(s.amendments[0].previous, first);
        let again = EntryDraft {
            language: "pt-BR".into(),
            ..fixed
        };
        assert!(amend(&mut s, &again, "dialect", &by, now).is_ok());
        assert_eq!(s.original(), &first);
        assert_eq!(s.amendments.len(), 2);
        // A refused amendment changes nothing.
        let before = s.clone();
        let bad = EntryDraft {
            language: "!!".into(),
            ..provided(now)
        };
        assert!(amend(&mut s, &bad, "typo", &by, now).is_err());
        assert_eq!(s, before);
    }
}
