//! Accessibility requests (`domain.md`, "Accessibility requests"):
//! effective communication and reasonable modification (ADA, 28 CFR
//! 35.160; Section 504, 45 CFR 84). One transition table; reasons where
//! the rules ask for them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::Violation;
use super::complaint::{UserRef, spelled_enum};
use super::text::{Name, Note, Phrase};
use super::work::{
    Checks, Machine, PatientRef, Stamp, optional_text, required_reason, required_text,
};

spelled_enum! {
    #[cfg_attr(feature = "graphql", graphql(name = "AccessibilityNeedType"))]
    pub enum NeedType {
        SignLanguageInterpreter = "SIGN_LANGUAGE_INTERPRETER",
        CartCaptioning = "CART_CAPTIONING",
        TtyVideophone = "TTY_VIDEOPHONE",
        LargePrint = "LARGE_PRINT",
        Braille = "BRAILLE",
        AudioFormat = "AUDIO_FORMAT",
        Reader = "READER",
        Wheelchair = "WHEELCHAIR",
        MobilityAssistance = "MOBILITY_ASSISTANCE",
        TransferLift = "TRANSFER_LIFT",
        AccessibleExamTable = "ACCESSIBLE_EXAM_TABLE",
        AccessibleScale = "ACCESSIBLE_SCALE",
        ServiceAnimal = "SERVICE_ANIMAL",
        CognitiveSupport = "COGNITIVE_SUPPORT",
        ExtendedAppointment = "EXTENDED_APPOINTMENT",
        Other = "OTHER",
    }
}

spelled_enum! {
    #[cfg_attr(feature = "graphql", graphql(name = "AccessibilityRequestStatus"))]
    pub enum Status {
        Requested = "REQUESTED",
        Acknowledged = "ACKNOWLEDGED",
        Scheduled = "SCHEDULED",
        /// Finished: the requested aid was provided.
        Fulfilled = "FULFILLED",
        /// Finished: something else was provided, with the reason.
        AlternativeProvided = "ALTERNATIVE_PROVIDED",
        /// Finished: denied by a manager on a lawful ground.
        Denied = "DENIED",
        /// Finished.
        Cancelled = "CANCELLED",
    }
}

impl Status {
    /// Requested, acknowledged or scheduled: still to be met.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            Status::Requested | Status::Acknowledged | Status::Scheduled
        )
    }
}

spelled_enum! {
    #[cfg_attr(feature = "graphql", graphql(name = "AccessibilityRequestTransition"))]
    pub enum Action {
        Acknowledge = "ACKNOWLEDGE",
        Schedule = "SCHEDULE",
        Fulfill = "FULFILL",
        ProvideAlternative = "PROVIDE_ALTERNATIVE",
        Deny = "DENY",
        Cancel = "CANCEL",
    }
}

spelled_enum! {
    /// Why an aid may lawfully be denied (28 CFR 35.164).
    #[cfg_attr(feature = "graphql", graphql(name = "AccessibilityDenialGround"))]
    pub enum DenialGround {
        FundamentalAlteration = "FUNDAMENTAL_ALTERATION",
        UndueBurden = "UNDUE_BURDEN",
    }
}

/// The status machine.
pub const MACHINE: Machine<Status, Action> = Machine {
    noun: "accessibility request",
    table: {
        use Action::*;
        use Status::*;
        &[
            (Requested, Acknowledge, Acknowledged),
            (Acknowledged, Schedule, Scheduled),
            (Requested, Fulfill, Fulfilled),
            (Acknowledged, Fulfill, Fulfilled),
            (Scheduled, Fulfill, Fulfilled),
            (Requested, ProvideAlternative, AlternativeProvided),
            (Acknowledged, ProvideAlternative, AlternativeProvided),
            (Scheduled, ProvideAlternative, AlternativeProvided),
            (Requested, Deny, Denied),
            (Acknowledged, Deny, Denied),
            (Scheduled, Deny, Denied),
            (Requested, Cancel, Cancelled),
            (Acknowledged, Cancel, Cancelled),
            (Scheduled, Cancel, Cancelled),
        ]
    },
};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Scheduling {
    pub by: UserRef,
    pub at: DateTime<Utc>,
    /// When the aid is booked for.
    pub scheduled_for: DateTime<Utc>,
    /// Who or what provides it (vendor, interpreter, equipment).
    pub provider: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Alternative {
    pub by: UserRef,
    pub at: DateTime<Utc>,
    /// What was provided instead.
    pub provided: String,
    /// Why the requested aid was not used.
    pub reason: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Denial {
    pub by: UserRef,
    pub at: DateTime<Utc>,
    pub ground: DenialGround,
    pub reason: String,
}

/// The whole request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessibilityRequestState {
    pub facility_id: Uuid,
    pub facility_code: String,
    /// The complaint it belongs to, or the one opened from its failure.
    pub complaint_id: Option<Uuid>,
    pub patient: PatientRef,
    pub department: String,
    pub need_type: NeedType,
    pub details: String,
    /// The aid the patient asked for; it gets primary consideration.
    pub requested_aid: String,
    pub needed_by: DateTime<Utc>,
    pub status: Status,
    pub requested: Stamp,
    pub acknowledged: Option<Stamp>,
    pub scheduled: Option<Scheduling>,
    pub fulfilled: Option<Stamp>,
    pub alternative: Option<Alternative>,
    pub denial: Option<Denial>,
    pub cancelled: Option<Stamp>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl AccessibilityRequestState {
    /// Still open when it was needed.
    pub fn is_overdue(&self, now: DateTime<Utc>) -> bool {
        self.status.is_open() && now > self.needed_by
    }

    /// Whether the accommodation failed: denied, met with an alternative,
    /// fulfilled late, or still open past its needed-by time. A complaint
    /// may be opened only from a failed request.
    pub fn has_failed(&self, now: DateTime<Utc>) -> bool {
        match self.status {
            Status::Denied | Status::AlternativeProvided => true,
            Status::Fulfilled => self
                .fulfilled
                .as_ref()
                .is_some_and(|f| f.at > self.needed_by),
            Status::Cancelled => false,
            _ => self.is_overdue(now),
        }
    }
}

/// A request as entered.
#[derive(Clone, Debug)]
pub struct RequestDraft {
    pub patient_mrn: Option<String>,
    pub patient_name: String,
    pub department: String,
    pub need_type: NeedType,
    pub details: String,
    pub requested_aid: String,
    pub needed_by: DateTime<Utc>,
}

#[derive(Clone, Debug)]
pub struct Filing<'a> {
    pub facility_id: Uuid,
    pub facility_code: &'a str,
    pub complaint_id: Option<Uuid>,
    pub by: UserRef,
    pub now: DateTime<Utc>,
}

/// Validates and files a request (`REQUESTED`). A needed-by time in the
/// past is accepted: requests are often logged after the need arose.
pub fn file(d: &RequestDraft, f: Filing<'_>) -> Result<AccessibilityRequestState, Vec<Violation>> {
    let mut checks = Checks::default();
    let patient = checks.take(PatientRef::validated(
        d.patient_mrn.as_deref(),
        &d.patient_name,
    ));
    let department = checks.take(required_text::<Name>(
        &["input", "department"],
        &d.department,
        "the department",
    ));
    let details = checks.take(required_text::<Note>(
        &["input", "details"],
        &d.details,
        "the details",
    ));
    let requested_aid = checks.take(required_text::<Phrase>(
        &["input", "requestedAid"],
        &d.requested_aid,
        "the aid the patient asked for",
    ));
    // `finish` returned every error, so each value taken above is present.
    checks.finish()?;
    Ok(AccessibilityRequestState {
        facility_id: f.facility_id,
        facility_code: f.facility_code.to_owned(),
        complaint_id: f.complaint_id,
        patient: patient.unwrap_or_default(),
        department: department.unwrap_or_default(),
        need_type: d.need_type,
        details: details.unwrap_or_default(),
        requested_aid: requested_aid.unwrap_or_default(),
        needed_by: d.needed_by,
        status: Status::Requested,
        requested: Stamp {
            by: f.by,
            at: f.now,
            reason: None,
        },
        acknowledged: None,
        scheduled: None,
        fulfilled: None,
        alternative: None,
        denial: None,
        cancelled: None,
        version: 1,
        created_at: f.now,
        updated_at: f.now,
    })
}

/// Who acts and when.
#[derive(Clone, Debug)]
pub struct Actx<'a> {
    pub by: &'a UserRef,
    pub now: DateTime<Utc>,
}

fn stamp(cx: &Actx<'_>, reason: Option<String>) -> Stamp {
    Stamp {
        by: cx.by.clone(),
        at: cx.now,
        reason,
    }
}

/// REQUESTED → ACKNOWLEDGED.
pub fn acknowledge(s: &mut AccessibilityRequestState, cx: &Actx<'_>) -> Result<(), Vec<Violation>> {
    s.status = MACHINE.step(s.status, Action::Acknowledge)?;
    s.acknowledged = Some(stamp(cx, None));
    Ok(())
}

/// ACKNOWLEDGED → SCHEDULED, for a time.
pub fn schedule(
    s: &mut AccessibilityRequestState,
    cx: &Actx<'_>,
    scheduled_for: DateTime<Utc>,
    provider: Option<&str>,
) -> Result<(), Vec<Violation>> {
    let to = MACHINE.step(s.status, Action::Schedule)?;
    let provider = optional_text::<Name>(&["input", "provider"], provider, "the provider")
        .map_err(|v| vec![v])?;
    s.status = to;
    s.scheduled = Some(Scheduling {
        by: cx.by.clone(),
        at: cx.now,
        scheduled_for,
        provider,
    });
    Ok(())
}

/// Any open status → FULFILLED (straight from REQUESTED or ACKNOWLEDGED
/// when the aid was at hand).
pub fn fulfill(
    s: &mut AccessibilityRequestState,
    cx: &Actx<'_>,
    note: Option<&str>,
) -> Result<(), Vec<Violation>> {
    let to = MACHINE.step(s.status, Action::Fulfill)?;
    let note = optional_text::<Note>(&["input", "note"], note, "the note").map_err(|v| vec![v])?;
    s.status = to;
    s.fulfilled = Some(stamp(cx, note));
    Ok(())
}

/// Any open status → ALTERNATIVE_PROVIDED: what was provided instead, and
/// why the requested aid was not used.
pub fn provide_alternative(
    s: &mut AccessibilityRequestState,
    cx: &Actx<'_>,
    provided: &str,
    reason: &str,
) -> Result<(), Vec<Violation>> {
    let to = MACHINE.step(s.status, Action::ProvideAlternative)?;
    let mut checks = Checks::default();
    let provided = checks.take(required_text::<Phrase>(
        &["input", "alternative"],
        provided,
        "what was provided instead",
    ));
    let reason = checks.take(
        required_reason(
            reason,
            "provide an alternative (why the requested aid was not used)",
        )
        .map_err(|mut v| v.remove(0)),
    );
    checks.finish()?;
    s.status = to;
    s.alternative = Some(Alternative {
        by: cx.by.clone(),
        at: cx.now,
        provided: provided.unwrap_or_default(),
        reason: reason.unwrap_or_default(),
    });
    Ok(())
}

/// Any open status → DENIED, on a lawful ground with a reason. Only a
/// manager denies; the permission table enforces that.
pub fn deny(
    s: &mut AccessibilityRequestState,
    cx: &Actx<'_>,
    ground: DenialGround,
    reason: &str,
) -> Result<(), Vec<Violation>> {
    let to = MACHINE.step(s.status, Action::Deny)?;
    let reason = required_reason(reason, "deny an accessibility request")?;
    s.status = to;
    s.denial = Some(Denial {
        by: cx.by.clone(),
        at: cx.now,
        ground,
        reason,
    });
    Ok(())
}

/// Any open status → CANCELLED, with a reason.
pub fn cancel(
    s: &mut AccessibilityRequestState,
    cx: &Actx<'_>,
    reason: &str,
) -> Result<(), Vec<Violation>> {
    let to = MACHINE.step(s.status, Action::Cancel)?;
    let reason = required_reason(reason, "cancel an accessibility request")?;
    s.status = to;
    s.cancelled = Some(stamp(cx, Some(reason)));
    Ok(())
}

#[cfg(test)]
pub mod testing {
    use super::*;

    pub fn draft(needed_by: DateTime<Utc>) -> RequestDraft {
        RequestDraft {
            patient_mrn: Some("MRN-9".into()),
            patient_name: "Sam Lee".into(),
            department: "Radiology".into(),
            need_type: NeedType::SignLanguageInterpreter,
            details: "Deaf patient, MRI appointment".into(),
            requested_aid: "On-site ASL interpreter".into(),
            needed_by,
        }
    }

    pub fn filed(needed_by: DateTime<Utc>, now: DateTime<Utc>) -> AccessibilityRequestState {
        file(
            &draft(needed_by),
            Filing {
                facility_id: Uuid::nil(),
                facility_code: "MAIN",
                complaint_id: None,
                by: UserRef {
                    subject: "staff".into(),
                    name: "Staff".into(),
                },
                now,
            },
        )
        .unwrap_or_else(|e| panic!("{e:?}"))
    }
}

#[cfg(test)]
mod tests {
    use super::testing::*;
    use super::*;
    use crate::ViolationKind;
    use chrono::Duration;

    /// Every (status, action) pair: allowed ones move as the table says,
    /// the rest are refused naming the status and the allowed actions.
    #[test]
    fn transition_table_every_pair() {
        use Action::*;
        let now = Utc::now();
        let by = UserRef {
            subject: "m".into(),
            name: "M".into(),
        };
        let cx = Actx { by: &by, now };
        for &from in Status::ALL {
            for &action in Action::ALL {
                let mut s = filed(now + Duration::days(1), now);
                s.status = from;
                let result = match action {
                    Acknowledge => acknowledge(&mut s, &cx),
                    Schedule => schedule(
                        &mut s,
                        &cx,
                        now + Duration::hours(3),
                        Some("ASL Services Inc."),
                    ),
                    Fulfill => fulfill(&mut s, &cx, None),
                    ProvideAlternative => {
                        provide_alternative(&mut s, &cx, "VRI", "no on-site interpreter")
                    }
                    Deny => deny(&mut s, &cx, DenialGround::UndueBurden, "documented"),
                    Cancel => cancel(&mut s, &cx, "patient rescheduled"),
                };
                match MACHINE.next(from, action) {
                    Some(to) => {
                        assert!(result.is_ok(), "{from:?} {action:?}: {result:?}");
                        assert_eq!(s.status, to);
                    }
                    None => {
                        let err = result.err().unwrap_or_default();
                        assert_eq!(
                            err[0].kind,
                            ViolationKind::InvalidTransition,
                            "{from:?} {action:?}"
                        );
                        assert!(err[0].message.contains(from.as_str()));
                        assert_eq!(s.status, from);
                    }
                }
            }
        }
        // The finished states are the ones with no way out.
        for &s in Status::ALL {
            assert_eq!(MACHINE.allowed(s).is_empty(), !s.is_open(), "{s:?}");
        }
    }

    #[test]
    fn reasons_where_required() {
        let now = Utc::now();
        let by = UserRef {
            subject: "m".into(),
            name: "M".into(),
        };
        let cx = Actx { by: &by, now };
        let mut s = filed(now, now);
        let e = provide_alternative(&mut s, &cx, "VRI", " ")
            .err()
            .unwrap_or_default();
        assert_eq!(e[0].field, ["input", "reason"]);
        let e = provide_alternative(&mut s, &cx, "", "")
            .err()
            .unwrap_or_default();
        assert_eq!(e.len(), 2);
        assert!(deny(&mut s, &cx, DenialGround::FundamentalAlteration, "").is_err());
        assert!(cancel(&mut s, &cx, "").is_err());
        assert_eq!(s.status, Status::Requested);
    }

    #[test]
    fn overdue_and_failed() {
        let now = Utc::now();
        let by = UserRef {
            subject: "m".into(),
            name: "M".into(),
        };
        let past = now - Duration::hours(1);
        let future = now + Duration::hours(1);
        assert!(filed(past, now).is_overdue(now));
        assert!(!filed(future, now).is_overdue(now));
        assert!(filed(past, now).has_failed(now));
        assert!(!filed(future, now).has_failed(now));
        let cx = Actx { by: &by, now };
        // (how it ended, needed by, failed)
        let cases: &[(Action, DateTime<Utc>, bool)] = &[
            (Action::Fulfill, future, false),
            (Action::Fulfill, past, true),
            (Action::Deny, future, true),
            (Action::ProvideAlternative, future, true),
            (Action::Cancel, past, false),
        ];
        for (action, needed_by, failed) in cases {
            let mut s = filed(*needed_by, now);
            let r = match action {
                Action::Fulfill => fulfill(&mut s, &cx, None),
                Action::Deny => deny(&mut s, &cx, DenialGround::UndueBurden, "cost"),
                Action::ProvideAlternative => {
                    provide_alternative(&mut s, &cx, "VRI", "none on site")
                }
                _ => cancel(&mut s, &cx, "not needed"),
            };
            assert!(r.is_ok());
            assert!(!s.is_overdue(now), "finished requests are never overdue");
            assert_eq!(s.has_failed(now), *failed, "{action:?}");
        }
    }

    #[test]
    fn filing_is_validated() {
        let now = Utc::now();
        let d = RequestDraft {
            patient_name: "".into(),
            details: " ".into(),
            requested_aid: "".into(),
            ..draft(now)
        };
        let e = file(
            &d,
            Filing {
                facility_id: Uuid::nil(),
                facility_code: "MAIN",
                complaint_id: None,
                by: UserRef {
                    subject: "s".into(),
                    name: "S".into(),
                },
                now,
            },
        )
        .err()
        .unwrap_or_default();
        let fields: Vec<&str> = e
            .iter()
            .filter_map(|v| v.field.last().map(String::as_str))
            .collect();
        assert_eq!(fields, ["name", "details", "requestedAid"]);
    }
}
