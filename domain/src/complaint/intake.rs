//! Intake and edits of a complaint's details: what makes a valid record,
//! its reference, and its first state.

use chrono::{DateTime, Datelike, Duration, SubsecRound, Utc};
use chrono_tz::Tz;
use uuid::Uuid;

use super::classification::{classify, reasons, reclassify};
use super::{
    Channel, Classification, Clocks, Complainant, ComplaintState, GrievanceFacts, HcatCategory,
    Issue, Patient, PersonInvolved, StageOfCare, Status, UserRef,
};
use crate::Violation;
use crate::clocks::{self, PolicyRules, Program};
use crate::text::{Code, LongText, Name, Summary, TextKind};

pub const SHORT_MAX: usize = Name::MAX;
pub const TEXT_MAX: usize = LongText::MAX;
pub const ISSUES_MAX: usize = 20;
pub const PEOPLE_MAX: usize = 50;

/// An HCAT issue as the caller sends it. `id` keeps an existing issue (and
/// its finding) on update.
#[derive(Clone, Debug)]
pub struct IssueDraft {
    pub id: Option<Uuid>,
    pub category: HcatCategory,
    pub severity: i32,
    pub stage_of_care: StageOfCare,
    pub summary: Option<String>,
}

/// A complaint as intake sends it.
#[derive(Clone, Debug)]
pub struct IntakeDraft {
    pub department: String,
    pub channel: Channel,
    pub received_at: DateTime<Utc>,
    pub received_by: String,
    pub complainant: Complainant,
    pub patient: Patient,
    pub medicare_beneficiary: bool,
    pub concerns_quality_of_care: bool,
    pub concerns_premature_discharge: bool,
    pub facts: GrievanceFacts,
    pub description: String,
    pub desired_outcome: Option<String>,
    pub people_involved: Vec<PersonInvolved>,
    pub issues: Vec<IssueDraft>,
    pub program: Program,
    pub expedited: bool,
}

/// A required text of kind `K`; a refusal is collected in `v`.
fn text<K: TextKind>(v: &mut Vec<Violation>, path: &[&str], value: &str) -> String {
    match K::parse(path, value) {
        Ok(t) => t.into_string(),
        Err(e) => {
            v.push(e);
            String::new()
        }
    }
}

/// An optional text of kind `K`: blank is `None`.
fn optional<K: TextKind>(
    v: &mut Vec<Violation>,
    path: &[&str],
    value: &Option<String>,
) -> Option<String> {
    match K::parse_optional(path, value.as_deref()) {
        Ok(t) => t.map(K::into_string),
        Err(e) => {
            v.push(e);
            None
        }
    }
}

pub fn clean_complainant(v: &mut Vec<Violation>, c: &Complainant) -> Complainant {
    Complainant {
        name: text::<Name>(v, &["input", "complainant", "name"], &c.name),
        relationship: c.relationship,
        contact: optional::<Name>(v, &["input", "complainant", "contact"], &c.contact),
        preferred_language: optional::<Code>(
            v,
            &["input", "complainant", "preferredLanguage"],
            &c.preferred_language,
        ),
        communication_needs: optional::<Summary>(
            v,
            &["input", "complainant", "communicationNeeds"],
            &c.communication_needs,
        ),
    }
}

pub fn clean_patient(v: &mut Vec<Violation>, p: &Patient) -> Patient {
    Patient {
        mrn: optional::<Code>(v, &["input", "patient", "mrn"], &p.mrn),
        name: text::<Name>(v, &["input", "patient", "name"], &p.name),
    }
}

pub fn clean_people(v: &mut Vec<Violation>, people: &[PersonInvolved]) -> Vec<PersonInvolved> {
    if people.len() > PEOPLE_MAX {
        v.push(Violation::validation(
            &["input", "peopleInvolved"],
            format!("at most {PEOPLE_MAX} people"),
        ));
    }
    people
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let i = i.to_string();
            PersonInvolved {
                name: text::<Name>(v, &["input", "peopleInvolved", &i, "name"], &p.name),
                role: optional::<Name>(v, &["input", "peopleInvolved", &i, "role"], &p.role),
            }
        })
        .collect()
}

/// Validates the issues; existing ones (by id) keep their finding.
pub fn clean_issues(
    v: &mut Vec<Violation>,
    drafts: &[IssueDraft],
    existing: &[Issue],
) -> Vec<Issue> {
    if drafts.is_empty() {
        v.push(Violation::validation(
            &["input", "issues"],
            "code at least one HCAT issue",
        ));
    }
    if drafts.len() > ISSUES_MAX {
        v.push(Violation::validation(
            &["input", "issues"],
            format!("at most {ISSUES_MAX} issues"),
        ));
    }
    let mut out: Vec<Issue> = Vec::new();
    for (i, d) in drafts.iter().enumerate() {
        let index = i.to_string();
        if !(1..=3).contains(&d.severity) {
            v.push(Violation::validation(
                &["input", "issues", &index, "severity"],
                "severity is 1 (low), 2 (medium) or 3 (high)",
            ));
        }
        let kept = d.id.and_then(|id| existing.iter().find(|e| e.id == id));
        if d.id.is_some() && kept.is_none() {
            v.push(Violation::validation(
                &["input", "issues", &index, "id"],
                "no such issue on this complaint",
            ));
        }
        if let Some(id) = d.id
            && out.iter().any(|o| o.id == id)
        {
            v.push(Violation::validation(
                &["input", "issues", &index, "id"],
                "the same issue is listed twice",
            ));
        }
        let summary = optional::<Summary>(v, &["input", "issues", &index, "summary"], &d.summary);
        let changed_coding = kept.is_some_and(|k| k.category != d.category);
        out.push(Issue {
            id: kept.map(|k| k.id).unwrap_or_else(Uuid::now_v7),
            category: d.category,
            severity: u8::try_from(d.severity.clamp(1, 3)).unwrap_or(1),
            stage_of_care: d.stage_of_care,
            summary,
            // A finding answers the issue as coded; recoding it to another
            // category asks for a new finding.
            finding: kept
                .filter(|_| !changed_coding)
                .and_then(|k| k.finding.clone()),
        });
    }
    out
}

/// Everything intake needs besides the draft.
pub struct Opening<'a> {
    pub facility_id: Uuid,
    pub facility_code: &'a str,
    pub tz: Tz,
    pub policy_id: Uuid,
    pub rules: &'a PolicyRules,
    pub by: UserRef,
    pub now: DateTime<Utc>,
}

/// Validates the draft and builds the new complaint: classified, clocks set
/// from the policy in the facility's time zone. The reference is left empty
/// for the caller to number once the complaint is known to be valid (see
/// [`reference`]), so a refusal uses up no number.
pub fn open(draft: &IntakeDraft, o: Opening<'_>) -> Result<ComplaintState, Vec<Violation>> {
    let mut v = Vec::new();
    let received_at = draft.received_at.trunc_subsecs(6);
    check_received_at(&mut v, received_at, o.now);
    let department = text::<Name>(&mut v, &["input", "department"], &draft.department);
    let received_by = text::<Name>(&mut v, &["input", "receivedBy"], &draft.received_by);
    let complainant = clean_complainant(&mut v, &draft.complainant);
    let patient = clean_patient(&mut v, &draft.patient);
    let description = text::<LongText>(&mut v, &["input", "description"], &draft.description);
    let desired_outcome =
        optional::<LongText>(&mut v, &["input", "desiredOutcome"], &draft.desired_outcome);
    let people_involved = clean_people(&mut v, &draft.people_involved);
    let issues = clean_issues(&mut v, &draft.issues, &[]);
    if !v.is_empty() {
        return Err(v);
    }
    let classification_reasons = reasons(draft.channel, draft.medicare_beneficiary, &draft.facts);
    let (ack_due, res_due) = clocks::initial_due(o.rules, received_at, o.tz, draft.expedited);
    Ok(ComplaintState {
        reference: String::new(),
        facility_id: o.facility_id,
        facility_code: o.facility_code.to_owned(),
        department,
        channel: draft.channel,
        received_at,
        received_by,
        complainant,
        patient,
        medicare_beneficiary: draft.medicare_beneficiary,
        concerns_quality_of_care: draft.concerns_quality_of_care,
        concerns_premature_discharge: draft.concerns_premature_discharge,
        facts: draft.facts,
        description,
        desired_outcome,
        people_involved,
        issues,
        classification: classify(&classification_reasons),
        classification_reasons,
        escalation: None,
        status: Status::Received,
        owner: None,
        created_by: o.by,
        acknowledgement: None,
        investigation_started_at: None,
        resolution: None,
        closed_at: None,
        withdrawal: None,
        reopenings: Vec::new(),
        accessibility_request_id: None,
        clocks: Clocks {
            policy_id: o.policy_id,
            program: draft.program,
            expedited: draft.expedited,
            acknowledgement_due_at: ack_due,
            acknowledgement_met_at: None,
            resolution_due_at: res_due,
            resolution_met_at: None,
            extensions: Vec::new(),
            progress_notice_due_at: clocks::progress_notice_due(o.rules, received_at, o.tz),
            progress_notice_met_at: None,
        },
        version: 1,
        created_at: o.now,
        updated_at: o.now,
    })
}

fn check_received_at(v: &mut Vec<Violation>, received_at: DateTime<Utc>, now: DateTime<Utc>) {
    if received_at > now + Duration::minutes(5) {
        v.push(Violation::validation(
            &["input", "receivedAt"],
            "cannot be in the future",
        ));
    }
    if received_at < now - Duration::days(366 * 6) {
        v.push(Violation::validation(
            &["input", "receivedAt"],
            "more than six years ago; older complaints are outside the retention period",
        ));
    }
}

/// The human reference: `GRV-2026-000123` for a grievance at intake,
/// `CMP-2026-000124` for a complaint. One counter per year for both, so a
/// number is never used twice. The reference never changes, even when a
/// complaint is escalated.
pub fn reference(classification: Classification, year: i32, number: i64) -> String {
    let prefix = match classification {
        Classification::Grievance => "GRV",
        Classification::Complaint => "CMP",
    };
    format!("{prefix}-{year}-{number:06}")
}

/// The year a complaint is numbered in: its receipt, in the facility's zone.
pub fn reference_year(received_at: DateTime<Utc>, tz: Tz) -> i32 {
    received_at.with_timezone(&tz).year()
}

/// Changes to the details of an open complaint; `None` leaves a field alone.
#[derive(Clone, Debug, Default)]
pub struct DetailsPatch {
    pub department: Option<String>,
    pub complainant: Option<Complainant>,
    pub patient: Option<Patient>,
    pub medicare_beneficiary: Option<bool>,
    pub concerns_quality_of_care: Option<bool>,
    pub concerns_premature_discharge: Option<bool>,
    pub formal_handling_requested: Option<bool>,
    pub alleges_abuse_neglect_or_harm: Option<bool>,
    pub concerns_conditions_of_participation: Option<bool>,
    pub medicare_billing_rights: Option<bool>,
    pub description: Option<String>,
    pub desired_outcome: Option<String>,
    pub people_involved: Option<Vec<PersonInvolved>>,
    pub issues: Option<Vec<IssueDraft>>,
}

/// Applies the patch to an open complaint and reclassifies it (a grievance
/// stays a grievance).
pub fn update(state: &mut ComplaintState, patch: &DetailsPatch) -> Result<(), Vec<Violation>> {
    if !state.status.is_open() {
        return Err(vec![Violation::new(
            crate::ViolationKind::InvalidTransition,
            &["input", "id"],
            format!(
                "cannot change the details of a complaint that is {}; reopen it first",
                state.status.as_str()
            ),
        )]);
    }
    let mut v = Vec::new();
    let mut next = state.clone();
    if let Some(d) = &patch.department {
        next.department = text::<Name>(&mut v, &["input", "department"], d);
    }
    if let Some(c) = &patch.complainant {
        next.complainant = clean_complainant(&mut v, c);
    }
    if let Some(p) = &patch.patient {
        next.patient = clean_patient(&mut v, p);
    }
    if let Some(d) = &patch.description {
        next.description = text::<LongText>(&mut v, &["input", "description"], d);
    }
    if let Some(d) = &patch.desired_outcome {
        next.desired_outcome =
            optional::<LongText>(&mut v, &["input", "desiredOutcome"], &Some(d.clone()));
    }
    if let Some(p) = &patch.people_involved {
        next.people_involved = clean_people(&mut v, p);
    }
    if let Some(issues) = &patch.issues {
        next.issues = clean_issues(&mut v, issues, &state.issues);
    }
    let flags = [
        (patch.medicare_beneficiary, &mut next.medicare_beneficiary),
        (
            patch.concerns_quality_of_care,
            &mut next.concerns_quality_of_care,
        ),
        (
            patch.concerns_premature_discharge,
            &mut next.concerns_premature_discharge,
        ),
        (
            patch.formal_handling_requested,
            &mut next.facts.formal_handling_requested,
        ),
        (
            patch.alleges_abuse_neglect_or_harm,
            &mut next.facts.alleges_abuse_neglect_or_harm,
        ),
        (
            patch.concerns_conditions_of_participation,
            &mut next.facts.concerns_conditions_of_participation,
        ),
        (
            patch.medicare_billing_rights,
            &mut next.facts.medicare_billing_rights,
        ),
    ];
    for (value, slot) in flags {
        if let Some(value) = value {
            *slot = value;
        }
    }
    if !v.is_empty() {
        return Err(v);
    }
    reclassify(&mut next);
    *state = next;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::complaint::testing::sample;

    #[test]
    fn references() {
        assert_eq!(
            reference(Classification::Grievance, 2026, 123),
            "GRV-2026-000123"
        );
        assert_eq!(
            reference(Classification::Complaint, 2026, 1_234_567),
            "CMP-2026-1234567"
        );
        let new_year_eve_utc = "2027-01-01T03:00:00Z"
            .parse::<DateTime<Utc>>()
            .unwrap_or_default();
        assert_eq!(
            reference_year(new_year_eve_utc, chrono_tz::America::Chicago),
            2026
        );
    }

    #[test]
    fn update_reclassifies_upward_only() {
        let mut s = sample(Classification::Complaint);
        let patch = DetailsPatch {
            alleges_abuse_neglect_or_harm: Some(true),
            ..Default::default()
        };
        assert!(update(&mut s, &patch).is_ok());
        assert_eq!(s.classification, Classification::Grievance);
        let back = DetailsPatch {
            alleges_abuse_neglect_or_harm: Some(false),
            ..Default::default()
        };
        assert!(update(&mut s, &back).is_ok());
        assert_eq!(s.classification, Classification::Grievance, "never back");
    }

    #[test]
    fn update_refuses_bad_input_and_changes_nothing() {
        let mut s = sample(Classification::Complaint);
        let before = s.clone();
        let patch = DetailsPatch {
            department: Some("  ".into()),
            issues: Some(vec![IssueDraft {
                id: None,
                category: HcatCategory::Safety,
                severity: 4,
                stage_of_care: StageOfCare::Other,
                summary: None,
            }]),
            ..Default::default()
        };
        let errors = update(&mut s, &patch).err().unwrap_or_default();
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert_eq!(s, before);
        s.status = Status::Closed;
        assert!(update(&mut s, &DetailsPatch::default()).is_err());
    }
}
