//! What resolving needs: a finding for every issue, and for a grievance the
//! written response of A-0123 (with A-0120's QIO notice where owed).

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{Classification, ComplaintState, WrittenResponse};
use crate::Violation;
use crate::text::{LongText, Name, TextError, TextKind};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub issue_id: Uuid,
    pub finding: String,
}

#[derive(Clone, Debug, Default)]
pub struct ResolveInput {
    pub findings: Vec<Finding>,
    pub summary: Option<String>,
    pub written_response: Option<WrittenResponse>,
}

/// What resolving records, every text checked.
#[derive(Clone, Debug)]
pub struct Checked {
    pub findings: Vec<Finding>,
    pub summary: Option<String>,
    pub written_response: Option<WrittenResponse>,
}

/// Checks the input against the complaint and returns the findings, the
/// summary and the response to keep, or every reason it falls short.
pub fn check(
    state: &ComplaintState,
    input: &ResolveInput,
    now: DateTime<Utc>,
) -> Result<Checked, Vec<Violation>> {
    let mut violations = Vec::new();
    let summary = LongText::parse_optional(&["input", "summary"], input.summary.as_deref())
        .map_err(|v| violations.push(v))
        .ok()
        .flatten()
        .map(LongText::into_string);
    let mut findings: Vec<Finding> = Vec::new();
    for (i, f) in input.findings.iter().enumerate() {
        let index = i.to_string();
        let path = ["input", "findings", index.as_str(), "finding"];
        if !state.issues.iter().any(|issue| issue.id == f.issue_id) {
            violations.push(Violation::validation(
                &["input", "findings", index.as_str(), "issueId"],
                "no such issue on this complaint",
            ));
        } else if findings.iter().any(|seen| seen.issue_id == f.issue_id) {
            violations.push(Violation::validation(
                &["input", "findings", index.as_str(), "issueId"],
                "a finding for this issue is given twice",
            ));
        } else {
            match LongText::check(&f.finding) {
                Err(TextError::Empty) => violations.push(Violation::validation(
                    &path,
                    "the finding must not be empty",
                )),
                Err(e) => violations.push(e.violation(&path, "the finding")),
                Ok(text) => findings.push(Finding {
                    issue_id: f.issue_id,
                    finding: text.into_string(),
                }),
            }
        }
    }
    let missing: Vec<usize> = state
        .issues
        .iter()
        .enumerate()
        .filter(|(_, issue)| {
            issue.finding.is_none() && !findings.iter().any(|f| f.issue_id == issue.id)
        })
        .map(|(i, _)| i + 1)
        .collect();
    if !missing.is_empty() {
        violations.push(Violation::guard(
            &["input", "findings"],
            format!(
                "every issue needs a finding before the complaint is resolved; missing for issue(s) {}",
                missing
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }

    let response = match (&input.written_response, state.classification) {
        (None, Classification::Grievance) => {
            violations.push(Violation::guard(
                &["input", "writtenResponse"],
                "a grievance needs its written response (A-0123) before it is resolved",
            ));
            None
        }
        (None, Classification::Complaint) => None,
        (Some(r), _) => {
            check_response(state, r, now, &mut violations);
            Some(trimmed(r))
        }
    };

    if violations.is_empty() {
        Ok(Checked {
            findings,
            summary,
            written_response: response,
        })
    } else {
        Err(violations)
    }
}

/// The response as stored: its texts trimmed exactly as `check_response`
/// checked them.
fn trimmed(r: &WrittenResponse) -> WrittenResponse {
    WrittenResponse {
        contact_person: r.contact_person.trim().to_owned(),
        investigation_steps: r.investigation_steps.trim().to_owned(),
        results: r.results.trim().to_owned(),
        language: r.language.trim().to_owned(),
        sent_at: chrono::SubsecRound::trunc_subsecs(r.sent_at, 6),
        ..r.clone()
    }
}

fn check_response(
    state: &ComplaintState,
    r: &WrittenResponse,
    now: DateTime<Utc>,
    violations: &mut Vec<Violation>,
) {
    let f = |name: &'static str| -> [&'static str; 3] { ["input", "writtenResponse", name] };
    let texts = [
        (
            Name::check(&r.contact_person).map(drop),
            "contactPerson",
            "the name of the hospital contact person",
        ),
        (
            LongText::check(&r.investigation_steps).map(drop),
            "investigationSteps",
            "the steps taken to investigate",
        ),
        (
            LongText::check(&r.results).map(drop),
            "results",
            "the results of the grievance process",
        ),
        (
            Name::check(&r.language).map(drop),
            "language",
            "the language it was written in",
        ),
    ];
    for (checked, field, what) in texts {
        match checked {
            Ok(()) => {}
            Err(TextError::Empty) => violations.push(Violation::guard(
                &f(field),
                format!("the written response must state {what} (A-0123)"),
            )),
            Err(e) => violations.push(e.violation(&f(field), "")),
        }
    }
    let received_on = state.received_at.date_naive();
    if r.completed_on < received_on || r.completed_on > now.date_naive() + chrono::Days::new(1) {
        violations.push(Violation::validation(
            &["input", "writtenResponse", "completedOn"],
            "the date of completion must be between receipt and today",
        ));
    }
    if r.sent_at < state.received_at || r.sent_at > now + chrono::Duration::minutes(5) {
        violations.push(Violation::validation(
            &["input", "writtenResponse", "sentAt"],
            "when it was sent must be between receipt and now",
        ));
    }
    if state.needs_qio_notice() && !r.qio_notice_included {
        violations.push(Violation::guard(
            &["input", "writtenResponse", "qioNoticeIncluded"],
            "a Medicare beneficiary's grievance about quality of care or premature discharge must tell them of their right to refer it to the QIO (A-0120)",
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ViolationKind;
    use crate::complaint::testing::{response_input, sample};

    #[test]
    fn response_guards_table() {
        type Edit = fn(&mut ComplaintState, &mut ResolveInput);
        #[allow(clippy::type_complexity)] // a table of cases, read row by row
        let cases: &[(&str, Edit, Option<(ViolationKind, &str)>)] = &[
            ("complete", |_, _| {}, None),
            (
                "missing finding",
                |_, i| i.findings.clear(),
                Some((ViolationKind::GuardFailed, "findings")),
            ),
            (
                "no response",
                |_, i| i.written_response = None,
                Some((ViolationKind::GuardFailed, "writtenResponse")),
            ),
            (
                "no contact",
                |_, i| {
                    if let Some(r) = i.written_response.as_mut() {
                        r.contact_person = " ".into()
                    }
                },
                Some((ViolationKind::GuardFailed, "contactPerson")),
            ),
            (
                "no steps",
                |_, i| {
                    if let Some(r) = i.written_response.as_mut() {
                        r.investigation_steps = String::new()
                    }
                },
                Some((ViolationKind::GuardFailed, "investigationSteps")),
            ),
            (
                "no results",
                |_, i| {
                    if let Some(r) = i.written_response.as_mut() {
                        r.results = String::new()
                    }
                },
                Some((ViolationKind::GuardFailed, "results")),
            ),
            (
                "completed before receipt",
                |s, i| {
                    if let Some(r) = i.written_response.as_mut() {
                        r.completed_on = s.received_at.date_naive() - chrono::Days::new(3)
                    }
                },
                Some((ViolationKind::Validation, "completedOn")),
            ),
            (
                "qio owed",
                |s, i| {
                    s.medicare_beneficiary = true;
                    s.concerns_quality_of_care = true;
                    if let Some(r) = i.written_response.as_mut() {
                        r.qio_notice_included = false
                    }
                },
                Some((ViolationKind::GuardFailed, "qioNoticeIncluded")),
            ),
            (
                "qio given",
                |s, i| {
                    s.medicare_beneficiary = true;
                    s.concerns_premature_discharge = true;
                    if let Some(r) = i.written_response.as_mut() {
                        r.qio_notice_included = true
                    }
                },
                None,
            ),
            (
                "qio not owed without medicare",
                |s, i| {
                    s.concerns_quality_of_care = true;
                    if let Some(r) = i.written_response.as_mut() {
                        r.qio_notice_included = false
                    }
                },
                None,
            ),
        ];
        for (name, edit, expected) in cases {
            let mut state = sample(Classification::Grievance);
            let mut input = response_input(&state);
            edit(&mut state, &mut input);
            let now = state.received_at + chrono::Duration::days(3);
            let result = check(&state, &input, now);
            match expected {
                None => assert!(result.is_ok(), "{name}: {result:?}"),
                Some((kind, field)) => {
                    let errors = result.err().unwrap_or_default();
                    assert!(
                        errors.iter().any(|e| e.kind == *kind
                            && e.field.last().map(String::as_str) == Some(*field)),
                        "{name}: {errors:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn a_plain_complaint_needs_findings_but_no_letter() {
        let state = sample(Classification::Complaint);
        let mut input = response_input(&state);
        input.written_response = None;
        let now = state.received_at + chrono::Duration::days(1);
        assert!(check(&state, &input, now).is_ok());
        input.findings.clear();
        assert!(check(&state, &input, now).is_err());
    }
}
