//! Survey readiness: what a surveyor would cite today, from the facts of
//! one complaint or one accessibility request. A report, not a lock:
//! nothing here refuses anything; it tells compliance where to look.
//!
//! Each [`SurveyRule`] names one thing a surveyor checks and the tag it is
//! cited under ([`SurveyTag`]): the CMS Conditions of Participation for
//! hospitals (42 CFR 482.13(a)(2), State Operations Manual Appendix A,
//! A-0118 … A-0123), or a rule of the hospital's own grievance policy
//! where the requirement comes from elsewhere (Section 504 / Section 1557).

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::accessibility::{AccessibilityRequestState, Status as RequestStatus};
use crate::complaint::{Channel, Classification, ComplaintState, Status};
use crate::report::{local_day, local_midnight};
use crate::spelled::spelled_enum;

spelled_enum! {
    /// Where a survey finding is cited: a CMS tag of Appendix A, or the
    /// hospital's grievance policy.
    pub enum SurveyTag {
        /// 42 CFR 482.13(a)(2): the hospital must have a grievance process,
        /// and what is a grievance (written is always one; a complaint not
        /// resolved at the time by staff present is one).
        A0118 = "A_0118",
        /// 42 CFR 482.13(a)(2): the governing body's responsibility for an
        /// effective grievance process.
        A0119 = "A_0119",
        /// 42 CFR 482.13(a)(2)(i): timely referral of quality-of-care and
        /// premature-discharge concerns to the QIO.
        A0120 = "A_0120",
        /// 42 CFR 482.13(a)(2): a clearly explained procedure for
        /// submitting a written or verbal grievance.
        A0121 = "A_0121",
        /// 42 CFR 482.13(a)(2)(ii): time frames for review of the grievance
        /// and for the response.
        A0122 = "A_0122",
        /// 42 CFR 482.13(a)(2)(iii): the written notice of the decision —
        /// contact person, steps taken to investigate, results, date of
        /// completion.
        A0123 = "A_0123",
        /// The hospital's grievance policy, for a requirement from outside
        /// the CMS hospital CoP (Section 504, 45 CFR 84.7; Section 1557,
        /// 45 CFR 92.7).
        Policy = "POLICY",
    }
}

impl SurveyTag {
    /// As a surveyor writes it: `A-0123`, or `Policy`.
    pub fn label(self) -> &'static str {
        match self {
            SurveyTag::A0118 => "A-0118",
            SurveyTag::A0119 => "A-0119",
            SurveyTag::A0120 => "A-0120",
            SurveyTag::A0121 => "A-0121",
            SurveyTag::A0122 => "A-0122",
            SurveyTag::A0123 => "A-0123",
            SurveyTag::Policy => "Policy",
        }
    }
}

spelled_enum! {
    /// One thing a surveyor checks, and would cite when it is not met.
    pub enum SurveyRule {
        /// A-0122: an open grievance whose acknowledgement clock passed
        /// without the complainant being told it was received.
        AcknowledgementOverdue = "ACKNOWLEDGEMENT_OVERDUE",
        /// A-0122: an open grievance past its resolution due time (its
        /// policy's time frame, extensions included).
        ResolutionOverdue = "RESOLUTION_OVERDUE",
        /// A-0122: an open grievance past its progress-notice due time (7
        /// days under the CMS hospital policy) with no notice sent that it
        /// is still being worked and when the response will come.
        ProgressNoticeOverdue = "PROGRESS_NOTICE_OVERDUE",
        /// A-0123: a grievance resolved (or closed) with no written
        /// response at all.
        WrittenResponseMissing = "WRITTEN_RESPONSE_MISSING",
        /// A-0123: a grievance's written response without one of its
        /// elements: contact person, steps taken to investigate, results,
        /// date of completion.
        WrittenResponseIncomplete = "WRITTEN_RESPONSE_INCOMPLETE",
        /// A-0120: a Medicare beneficiary's grievance about quality of care
        /// or a premature discharge, resolved without telling them of their
        /// right to refer it to the QIO.
        QioNoticeMissing = "QIO_NOTICE_MISSING",
        /// A-0118: a complaint received in writing (letter, email, fax,
        /// portal: always a grievance) resolved at the point of service.
        WrittenComplaintResolvedAtPointOfService = "WRITTEN_COMPLAINT_RESOLVED_AT_POINT_OF_SERVICE",
        /// A-0118: a verbal complaint (in person or by phone) still open
        /// after the local day it was received and not escalated: not
        /// resolved at the time by staff present, so it is a grievance.
        VerbalComplaintOpenPastPointOfService = "VERBAL_COMPLAINT_OPEN_PAST_POINT_OF_SERVICE",
        /// Policy (Section 504, 45 CFR 84.7; Section 1557, 45 CFR 92.7): a
        /// failed accommodation (denied, met with an alternative, fulfilled
        /// late, or still open past when it was needed) with no grievance
        /// linked to it.
        FailedAccommodationWithoutGrievance = "FAILED_ACCOMMODATION_WITHOUT_GRIEVANCE",
    }
}

impl SurveyRule {
    /// The tag it is cited under.
    pub fn tag(self) -> SurveyTag {
        match self {
            SurveyRule::AcknowledgementOverdue
            | SurveyRule::ResolutionOverdue
            | SurveyRule::ProgressNoticeOverdue => SurveyTag::A0122,
            SurveyRule::WrittenResponseMissing | SurveyRule::WrittenResponseIncomplete => {
                SurveyTag::A0123
            }
            SurveyRule::QioNoticeMissing => SurveyTag::A0120,
            SurveyRule::WrittenComplaintResolvedAtPointOfService
            | SurveyRule::VerbalComplaintOpenPastPointOfService => SurveyTag::A0118,
            SurveyRule::FailedAccommodationWithoutGrievance => SurveyTag::Policy,
        }
    }
}

/// One finding: the rule and what is missing, in words a compliance
/// officer can act on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub rule: SurveyRule,
    pub missing: String,
}

fn finding(rule: SurveyRule, missing: String) -> Finding {
    Finding { rule, missing }
}

/// An instant as a person at the facility reads it.
fn local(at: DateTime<Utc>, tz: Tz) -> String {
    at.with_timezone(&tz)
        .format("%Y-%m-%d %H:%M %Z")
        .to_string()
}

/// What a surveyor would cite on this complaint now, in rule order. `tz`
/// is its facility's zone (the point-of-service day is a local day).
pub fn complaint_findings(c: &ComplaintState, now: DateTime<Utc>, tz: Tz) -> Vec<Finding> {
    let mut out = Vec::new();
    let grievance = c.classification == Classification::Grievance;
    if grievance && c.status.is_open() {
        let clocks = &c.clocks;
        if clocks.acknowledgement_met_at.is_none() && clocks.acknowledgement_due_at < now {
            out.push(finding(
                SurveyRule::AcknowledgementOverdue,
                format!(
                    "Acknowledgement was due {} and has not been recorded: tell the complainant the grievance was received, and record when and how.",
                    local(clocks.acknowledgement_due_at, tz)
                ),
            ));
        }
        if clocks.resolution_met_at.is_none() && clocks.resolution_due_at < now {
            out.push(finding(
                SurveyRule::ResolutionOverdue,
                format!(
                    "Resolution was due {} and the grievance is still open: send the written response, or grant an extension the policy allows and tell the complainant when to expect it.",
                    local(clocks.resolution_due_at, tz)
                ),
            ));
        }
        if let Some(due) = clocks.progress_notice_due_at
            && clocks.progress_notice_met_at.is_none()
            && due < now
        {
            out.push(finding(
                SurveyRule::ProgressNoticeOverdue,
                format!(
                    "A progress notice was due {} and none has been sent: tell the complainant in writing that the grievance is still being worked and when the written response will come.",
                    local(due, tz)
                ),
            ));
        }
    }
    standing_findings(c, tz, &mut out);
    if matches!(c.channel, Channel::InPerson | Channel::Phone) && !grievance && c.status.is_open() {
        let day = local_day(c.received_at, tz);
        let day_ends = local_midnight(day.succ_opt().unwrap_or(day), tz);
        if now >= day_ends {
            out.push(finding(
                SurveyRule::VerbalComplaintOpenPastPointOfService,
                format!(
                    "Received {} on {day} and still open after that day: a complaint not resolved at the time by staff present is a grievance. Escalate it so its clocks and written response apply.",
                    channel_words(c.channel)
                ),
            ));
        }
    }
    out
}

/// The findings no clock decides (the written response, A-0123 and
/// A-0120; a written complaint resolved at the point of service, A-0118):
/// they hold from the moment the complaint is finished until it changes.
fn standing_findings(c: &ComplaintState, tz: Tz, out: &mut Vec<Finding>) {
    let grievance = c.classification == Classification::Grievance;
    let finished = matches!(c.status, Status::Resolved | Status::Closed);
    let response = c
        .resolution
        .as_ref()
        .and_then(|r| r.written_response.as_ref());
    if grievance && finished {
        match response {
            None => out.push(finding(
                SurveyRule::WrittenResponseMissing,
                "Resolved with no written response on record: send the complainant a written response naming the hospital contact person, the steps taken to investigate, the results and the date of completion.".to_owned(),
            )),
            Some(r) => {
                let mut lacking = Vec::new();
                if r.contact_person.trim().is_empty() {
                    lacking.push("the name of the hospital contact person");
                }
                if r.investigation_steps.trim().is_empty() {
                    lacking.push("the steps taken to investigate");
                }
                if r.results.trim().is_empty() {
                    lacking.push("the results of the grievance process");
                }
                if r.completed_on < local_day(c.received_at, tz) {
                    lacking.push("a date of completion (the one recorded is before receipt)");
                }
                if !lacking.is_empty() {
                    out.push(finding(
                        SurveyRule::WrittenResponseIncomplete,
                        format!(
                            "The written response does not state {}: send a corrected response that does.",
                            lacking.join(", ")
                        ),
                    ));
                }
            }
        }
    }
    if c.needs_qio_notice() && finished && !response.is_some_and(|r| r.qio_notice_included) {
        let about = match (c.concerns_quality_of_care, c.concerns_premature_discharge) {
            (true, true) => "quality of care and a premature discharge",
            (true, false) => "quality of care",
            _ => "a premature discharge",
        };
        out.push(finding(
            SurveyRule::QioNoticeMissing,
            format!(
                "A Medicare beneficiary's grievance about {about}, resolved without notice of the right to refer it to the Quality Improvement Organization: send that notice and record it on the response."
            ),
        ));
    }
    if c.channel.is_written()
        && finished
        && c.resolution.as_ref().is_some_and(|r| r.at_point_of_service)
    {
        out.push(finding(
            SurveyRule::WrittenComplaintResolvedAtPointOfService,
            format!(
                "Received by {} (written, so always a grievance) but resolved at the point of service: reopen it, handle it as a grievance and send the written response.",
                channel_words(c.channel)
            ),
        ));
    }
}

/// Whether a finished complaint falls short of a rule no clock decides
/// (its projection column, so the report reads only those). It judges
/// the date of completion against the latest local day receipt can fall
/// on anywhere (UTC+14): never false where [`complaint_findings`] finds
/// one of these rules at the facility's own zone.
pub fn response_falls_short(c: &ComplaintState) -> bool {
    let mut out = Vec::new();
    standing_findings(c, chrono_tz::Etc::GMTMinus14, &mut out);
    !out.is_empty()
}

fn channel_words(channel: Channel) -> &'static str {
    match channel {
        Channel::InPerson => "in person",
        Channel::Phone => "by phone",
        Channel::Letter => "letter",
        Channel::Email => "email",
        Channel::Fax => "fax",
        Channel::Portal => "web portal",
        Channel::SurveyComment => "survey comment",
        Channel::AgencyReferral => "agency referral",
    }
}

/// The complaint an accessibility request is linked to, as far as the
/// rule needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkedComplaint {
    pub reference: String,
    pub classification: Classification,
}

/// What a surveyor would cite on this accessibility request now: a failed
/// accommodation (the domain's [`AccessibilityRequestState::has_failed`])
/// needs a grievance; `linked` is the complaint it is linked to, if any.
pub fn accommodation_findings(
    r: &AccessibilityRequestState,
    linked: Option<&LinkedComplaint>,
    now: DateTime<Utc>,
    tz: Tz,
) -> Vec<Finding> {
    if !r.has_failed(now) {
        return Vec::new();
    }
    let how = match r.status {
        RequestStatus::Denied => "was denied".to_owned(),
        RequestStatus::AlternativeProvided => {
            "was met with an alternative, not the aid asked for".to_owned()
        }
        RequestStatus::Fulfilled => format!(
            "was fulfilled after it was needed ({})",
            local(r.needed_by, tz)
        ),
        _ => format!(
            "is still {} past when it was needed ({})",
            r.status.as_str().to_lowercase(),
            local(r.needed_by, tz)
        ),
    };
    let need = r.need_type.as_str().to_lowercase().replace('_', " ");
    let missing = match linked {
        Some(c) if c.classification == Classification::Grievance => return Vec::new(),
        Some(c) => format!(
            "The {need} request {how}, and its complaint {} is not a grievance: escalate it, since a failed accommodation goes through the grievance procedure (Section 504, Section 1557).",
            c.reference
        ),
        None => format!(
            "The {need} request {how}, and no grievance is linked to it: open a grievance from the request (Section 504, Section 1557 require the grievance procedure)."
        ),
    };
    vec![finding(
        SurveyRule::FailedAccommodationWithoutGrievance,
        missing,
    )]
}

#[cfg(test)]
#[path = "survey_tests.rs"]
mod tests;
