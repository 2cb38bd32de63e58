//! What resolving needs: a finding for every issue, and for a grievance the
//! written response of A-0123 (with A-0120's QIO notice where owed).

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{Classification, ComplaintState, WrittenResponse};
use super::{ContactMethod, ResponseFormat};
use crate::Violation;
use crate::letter::{LetterFormat, LetterKind, LetterState, LetterStatus, SendMethod};
use crate::text::{LongText, Note, TextError, TextKind};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub issue_id: Uuid,
    pub finding: String,
}

#[derive(Clone, Debug, Default)]
pub struct ResolveInput {
    pub findings: Vec<Finding>,
    pub summary: Option<String>,
    /// The sent RESOLUTION letter that is the written response; absent,
    /// the latest sent one no correction replaced.
    pub letter_id: Option<Uuid>,
    /// Why written notice went another lawful way (instead of a letter).
    pub written_notice_exception: Option<String>,
}

/// What resolving records, every text checked.
#[derive(Clone, Debug)]
pub struct Checked {
    pub findings: Vec<Finding>,
    pub summary: Option<String>,
    pub written_response: Option<WrittenResponse>,
    pub written_notice_exception: Option<String>,
}

/// Checks the input against the complaint and its letters and returns the
/// findings, the summary and the written notice to keep, or every reason
/// it falls short.
pub fn check(
    state: &ComplaintState,
    input: &ResolveInput,
    letters: &[(Uuid, LetterState)],
    _now: DateTime<Utc>,
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

    let notice = match written_notice(state, input, letters) {
        Ok(n) => Some(n),
        Err(v) => {
            violations.extend(v);
            None
        }
    };

    match notice {
        Some(notice) if violations.is_empty() => Ok(Checked {
            findings,
            summary,
            written_response: notice.response,
            written_notice_exception: notice.exception,
        }),
        _ => Err(violations),
    }
}

/// The written notice a resolution records.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WrittenNotice {
    /// Copied from the sent RESOLUTION letter.
    pub response: Option<WrittenResponse>,
    /// Why written notice went another lawful way.
    pub exception: Option<String>,
}

/// The guard on a grievance's written notice (A-0123, A-0120): a sent
/// RESOLUTION letter (the one the input names, else the latest sent one no
/// correction replaced), or a recorded reason why written notice went
/// another lawful way. A plain complaint needs neither, but a sent
/// resolution letter is still copied.
pub fn written_notice(
    state: &ComplaintState,
    input: &ResolveInput,
    letters: &[(Uuid, LetterState)],
) -> Result<WrittenNotice, Vec<Violation>> {
    let exception = Note::parse_optional_named(
        &["input", "writtenNoticeException", "reason"],
        input.written_notice_exception.as_deref(),
        "the reason written notice went another way",
    )
    .map_err(|v| vec![v])?
    .map(Note::into_string);
    if exception.is_some() && input.letter_id.is_some() {
        return Err(vec![Violation::validation(
            &["input", "letterId"],
            "name the resolution letter or the reason written notice went another way, not both",
        )]);
    }
    if exception.is_some() {
        return Ok(WrittenNotice {
            response: None,
            exception,
        });
    }
    let letter = match input.letter_id {
        Some(id) => {
            let Some((_, l)) = letters.iter().find(|(lid, _)| *lid == id) else {
                return Err(vec![Violation::validation(
                    &["input", "letterId"],
                    "no such letter on this complaint",
                )]);
            };
            if l.kind != LetterKind::Resolution || l.status != LetterStatus::Sent {
                return Err(vec![Violation::guard(
                    &["input", "letterId"],
                    format!(
                        "the written response is a RESOLUTION letter marked sent and not superseded; this one is a {} letter that is {}",
                        l.kind.as_str(),
                        l.status.as_str()
                    ),
                )]);
            }
            Some((id, l))
        }
        None => letters
            .iter()
            .filter(|(_, l)| l.kind == LetterKind::Resolution && l.status == LetterStatus::Sent)
            .max_by_key(|(_, l)| l.sent.as_ref().map(|s| s.sent_at))
            .map(|(id, l)| (*id, l)),
    };
    let response = letter.and_then(|(id, l)| written_response_of(id, l));
    match (&response, state.classification) {
        (None, Classification::Grievance) => {
            return Err(vec![Violation::guard(
                &["input", "letterId"],
                "a grievance is resolved once its RESOLUTION letter (the written response, A-0123) is marked sent, or with the reason written notice went another lawful way (writtenNoticeException)",
            )]);
        }
        (Some(r), _) if state.needs_qio_notice() && !r.qio_notice_included => {
            return Err(vec![Violation::guard(
                &["input", "letterId"],
                "a Medicare beneficiary's grievance about quality of care or premature discharge must tell them of their right to refer it to the QIO (A-0120); the resolution letter does not: send a correction",
            )]);
        }
        _ => {}
    }
    Ok(WrittenNotice {
        response,
        exception: None,
    })
}

/// The contact method the complaint's written response records for how
/// its letter went out.
pub fn contact_method(m: SendMethod) -> ContactMethod {
    match m {
        SendMethod::Mail => ContactMethod::Letter,
        SendMethod::Email => ContactMethod::Email,
        SendMethod::Portal => ContactMethod::Portal,
        SendMethod::Fax => ContactMethod::Fax,
        SendMethod::HandDelivered => ContactMethod::InPerson,
    }
}

/// The complaint's written response, copied from a sent RESOLUTION letter.
pub fn written_response_of(id: Uuid, l: &LetterState) -> Option<WrittenResponse> {
    let sent = l.sent.as_ref()?;
    Some(WrittenResponse {
        contact_person: l.content.contact.as_ref().map(|c| c.name.clone())?,
        investigation_steps: l.content.investigation_steps.clone()?,
        results: l.content.results.clone()?,
        completed_on: l.content.completed_on?,
        sent_at: sent.sent_at,
        sent_by: contact_method(sent.method),
        language: l.language.clone(),
        format: match l.format {
            LetterFormat::Standard => ResponseFormat::Standard,
            LetterFormat::LargePrint => ResponseFormat::LargePrint,
        },
        qio_notice_included: l.content.qio_notice,
        letter_id: Some(id),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ViolationKind;
    use crate::complaint::testing::{response_input, sample};
    use crate::letter::testing::sent_resolution;
    use crate::letter::{LetterKind, LetterStatus};

    type Letters = Vec<(Uuid, LetterState)>;
    type Edit = fn(&mut ComplaintState, &mut ResolveInput, &mut Letters);

    /// Every rule of a grievance's written notice, one row each: the
    /// letter found or named, the exception, and A-0120 again at resolve.
    #[test]
    fn written_notice_guards_table() {
        #[allow(clippy::type_complexity)] // a table of cases, read row by row
        let cases: &[(&str, Edit, Option<(ViolationKind, &str)>)] = &[
            ("sent resolution letter", |_, _, _| {}, None),
            (
                "missing finding",
                |_, i, _| i.findings.clear(),
                Some((ViolationKind::GuardFailed, "findings")),
            ),
            (
                "no letter",
                |_, _, l| l.clear(),
                Some((ViolationKind::GuardFailed, "letterId")),
            ),
            (
                "letter still a draft",
                |_, _, l| l[0].1.status = LetterStatus::Draft,
                Some((ViolationKind::GuardFailed, "letterId")),
            ),
            (
                "letter superseded",
                |_, _, l| l[0].1.status = LetterStatus::Superseded,
                Some((ViolationKind::GuardFailed, "letterId")),
            ),
            (
                "only a progress notice sent",
                |_, _, l| l[0].1.kind = LetterKind::ProgressNotice,
                Some((ViolationKind::GuardFailed, "letterId")),
            ),
            ("named letter", |_, i, l| i.letter_id = Some(l[0].0), None),
            (
                "named letter not on the complaint",
                |_, i, _| i.letter_id = Some(Uuid::from_u128(5)),
                Some((ViolationKind::Validation, "letterId")),
            ),
            (
                "named letter not a resolution",
                |_, i, l| {
                    i.letter_id = Some(l[0].0);
                    l[0].1.kind = LetterKind::Other;
                },
                Some((ViolationKind::GuardFailed, "letterId")),
            ),
            (
                "exception instead of a letter",
                |_, i, l| {
                    l.clear();
                    i.written_notice_exception =
                        Some("Complainant asked for the response by phone only".into());
                },
                None,
            ),
            (
                "blank exception",
                |_, i, l| {
                    l.clear();
                    i.written_notice_exception = Some("  ".into());
                },
                Some((ViolationKind::GuardFailed, "letterId")),
            ),
            (
                "exception with a control character",
                |_, i, _| i.written_notice_exception = Some("a\u{7}b".into()),
                Some((ViolationKind::Validation, "reason")),
            ),
            (
                "both letter and exception",
                |_, i, l| {
                    i.letter_id = Some(l[0].0);
                    i.written_notice_exception = Some("by phone".into());
                },
                Some((ViolationKind::Validation, "letterId")),
            ),
            (
                "qio owed, letter lacks it",
                |s, _, _| {
                    s.medicare_beneficiary = true;
                    s.concerns_quality_of_care = true;
                },
                Some((ViolationKind::GuardFailed, "letterId")),
            ),
            (
                "qio owed and given",
                |s, _, l| {
                    s.medicare_beneficiary = true;
                    s.concerns_premature_discharge = true;
                    l[0].1.content.qio_notice = true;
                },
                None,
            ),
            (
                "qio not owed without medicare",
                |s, _, _| s.concerns_quality_of_care = true,
                None,
            ),
        ];
        for (name, edit, expected) in cases {
            let mut state = sample(Classification::Grievance);
            let mut input = response_input(&state);
            let mut letters = vec![sent_resolution(&state, false)];
            edit(&mut state, &mut input, &mut letters);
            let now = state.received_at + chrono::Duration::days(3);
            let result = check(&state, &input, &letters, now);
            match expected {
                None => {
                    let checked = result.unwrap_or_else(|e| panic!("{name}: {e:?}"));
                    let exception = checked.written_notice_exception.is_some();
                    let response = checked.written_response;
                    assert!(response.is_some() != exception, "{name}");
                    if let Some(r) = response {
                        assert_eq!(r.letter_id, Some(letters[0].0), "{name}");
                        assert_eq!(r.contact_person, "Pat Relations");
                    }
                }
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

    /// The latest sent resolution letter is the response; a superseded
    /// one never is.
    #[test]
    fn the_latest_current_letter_is_copied() {
        let state = sample(Classification::Grievance);
        let (a, mut first) = sent_resolution(&state, false);
        let (_, mut second) = sent_resolution(&state, false);
        let b = Uuid::from_u128(100);
        if let Some(s) = second.sent.as_mut() {
            s.sent_at += chrono::Duration::hours(1);
        }
        second.content.results = Some("Corrected results".into());
        let now = state.received_at + chrono::Duration::days(3);
        let letters = vec![(a, first.clone()), (b, second.clone())];
        let checked = check(&state, &response_input(&state), &letters, now);
        let r = checked.ok().and_then(|c| c.written_response);
        assert_eq!(r.as_ref().and_then(|r| r.letter_id), Some(b));
        second.status = LetterStatus::Superseded;
        first.status = LetterStatus::Sent;
        let letters = vec![(a, first), (b, second)];
        let checked = check(&state, &response_input(&state), &letters, now);
        let r = checked.ok().and_then(|c| c.written_response);
        assert_eq!(r.and_then(|r| r.letter_id), Some(a));
    }

    #[test]
    fn a_plain_complaint_needs_findings_but_no_letter() {
        let state = sample(Classification::Complaint);
        let mut input = response_input(&state);
        let now = state.received_at + chrono::Duration::days(1);
        assert!(check(&state, &input, &[], now).is_ok());
        input.findings.clear();
        assert!(check(&state, &input, &[], now).is_err());
    }
}
