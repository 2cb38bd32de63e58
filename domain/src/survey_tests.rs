//! Each survey rule as a table: the facts, the moment, and exactly which
//! findings apply.

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;

use super::*;
use crate::accessibility::testing::filed;
use crate::accessibility::{Alternative, Denial, DenialGround};
use crate::complaint::testing::{sample, user};
use crate::complaint::{ComplaintState, Resolution};
use crate::work::Stamp;

const CHICAGO: Tz = chrono_tz::America::Chicago;

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
}

fn grievance() -> ComplaintState {
    sample(Classification::Grievance)
}

fn complaint() -> ComplaintState {
    sample(Classification::Complaint)
}

/// Resolved with the complete response the guards accept.
fn resolved(mut c: ComplaintState) -> ComplaintState {
    let (id, letter) = crate::letter::testing::sent_resolution(&c, false);
    let response = crate::complaint::resolution::written_response_of(id, &letter);
    c.status = Status::Resolved;
    c.clocks.acknowledgement_met_at = Some(c.received_at + Duration::hours(2));
    c.clocks.resolution_met_at = Some(c.received_at + Duration::days(2));
    c.resolution = Some(Resolution {
        at: c.received_at + Duration::days(2),
        by: user("pr-1"),
        at_point_of_service: false,
        summary: None,
        written_response: response,
        written_notice_exception: None,
    });
    c
}

fn at_point_of_service(mut c: ComplaintState) -> ComplaintState {
    c.status = Status::Resolved;
    c.resolution = Some(Resolution {
        at: c.received_at + Duration::minutes(10),
        by: user("staff-1"),
        at_point_of_service: true,
        summary: Some("apologised".into()),
        written_response: None,
        written_notice_exception: None,
    });
    c
}

fn edit(mut c: ComplaintState, f: impl FnOnce(&mut ComplaintState)) -> ComplaintState {
    f(&mut c);
    c
}

fn qio(mut c: ComplaintState) -> ComplaintState {
    c.medicare_beneficiary = true;
    c.concerns_quality_of_care = true;
    c
}

fn response(c: &mut ComplaintState) -> &mut crate::complaint::WrittenResponse {
    match c
        .resolution
        .as_mut()
        .and_then(|r| r.written_response.as_mut())
    {
        Some(r) => r,
        None => panic!("no written response"),
    }
}

#[test]
fn complaint_rules_table() {
    use SurveyRule::*;
    // Received 2026-11-02 15:00 UTC = 09:00 in Chicago; the local day ends
    // at 2026-11-03 06:00 UTC. Acknowledgement due +7 days, resolution +30.
    let day_one = at("2026-11-02T20:00:00Z");
    let next_local_day = at("2026-11-03T06:00:00Z");
    let just_before = at("2026-11-03T05:59:59Z");
    let ack_late = at("2026-11-10T00:00:00Z");
    let both_late = at("2026-12-03T00:00:00Z");
    let cases: Vec<(&str, ComplaintState, DateTime<Utc>, Vec<SurveyRule>)> = vec![
        ("new grievance, on time", grievance(), day_one, vec![]),
        (
            "grievance past acknowledgement (and the 7-day progress notice)",
            grievance(),
            ack_late,
            vec![AcknowledgementOverdue, ProgressNoticeOverdue],
        ),
        (
            "grievance past acknowledgement, progress notice sent",
            edit(grievance(), |c| {
                c.clocks.progress_notice_met_at = Some(c.received_at + Duration::days(6));
            }),
            ack_late,
            vec![AcknowledgementOverdue],
        ),
        (
            "grievance past acknowledgement, policy without a progress notice",
            edit(grievance(), |c| c.clocks.progress_notice_due_at = None),
            ack_late,
            vec![AcknowledgementOverdue],
        ),
        (
            "grievance acknowledged, progress notice sent, not yet due",
            edit(grievance(), |c| {
                c.status = Status::Acknowledged;
                c.clocks.acknowledgement_met_at = Some(c.received_at);
                c.clocks.progress_notice_met_at = Some(c.received_at + Duration::days(6));
            }),
            ack_late,
            vec![],
        ),
        (
            "grievance acknowledged, no progress notice by day 7",
            edit(grievance(), |c| {
                c.status = Status::Acknowledged;
                c.clocks.acknowledgement_met_at = Some(c.received_at);
            }),
            ack_late,
            vec![ProgressNoticeOverdue],
        ),
        (
            "grievance past every clock",
            grievance(),
            both_late,
            vec![
                AcknowledgementOverdue,
                ResolutionOverdue,
                ProgressNoticeOverdue,
            ],
        ),
        (
            "acknowledged grievance past resolution, progress notice sent late",
            edit(grievance(), |c| {
                c.status = Status::Investigating;
                c.clocks.acknowledgement_met_at = Some(c.received_at);
                c.clocks.progress_notice_met_at = Some(c.received_at + Duration::days(9));
            }),
            both_late,
            vec![ResolutionOverdue],
        ),
        (
            "due exactly now is not yet past",
            grievance(),
            at("2026-11-09T15:00:00Z"),
            vec![],
        ),
        (
            "withdrawn grievance: clocks stopped",
            edit(grievance(), |c| c.status = Status::Withdrawn),
            both_late,
            vec![],
        ),
        (
            "resolved grievance, complete response",
            resolved(grievance()),
            both_late,
            vec![],
        ),
        (
            "closed grievance, complete response",
            edit(resolved(grievance()), |c| c.status = Status::Closed),
            both_late,
            vec![],
        ),
        (
            "resolved grievance, no response",
            edit(resolved(grievance()), |c| {
                if let Some(r) = c.resolution.as_mut() {
                    r.written_response = None;
                }
            }),
            both_late,
            vec![WrittenResponseMissing],
        ),
        (
            "closed grievance, no resolution at all",
            edit(grievance(), |c| c.status = Status::Closed),
            both_late,
            vec![WrittenResponseMissing],
        ),
        (
            "response without contact person",
            edit(resolved(grievance()), |c| {
                response(c).contact_person = " ".into()
            }),
            both_late,
            vec![WrittenResponseIncomplete],
        ),
        (
            "response without steps or results",
            edit(resolved(grievance()), |c| {
                response(c).investigation_steps = String::new();
                response(c).results = String::new();
            }),
            both_late,
            vec![WrittenResponseIncomplete],
        ),
        (
            "response completed before receipt",
            edit(resolved(grievance()), |c| {
                response(c).completed_on =
                    chrono::NaiveDate::from_ymd_opt(2026, 11, 1).unwrap_or_default();
            }),
            both_late,
            vec![WrittenResponseIncomplete],
        ),
        (
            "resolved complaint without response is fine",
            edit(resolved(complaint()), |c| {
                if let Some(r) = c.resolution.as_mut() {
                    r.written_response = None;
                }
            }),
            both_late,
            vec![],
        ),
        (
            "Medicare quality grievance with QIO notice",
            edit(resolved(qio(grievance())), |c| {
                response(c).qio_notice_included = true
            }),
            both_late,
            vec![],
        ),
        (
            "Medicare quality grievance without QIO notice",
            resolved(qio(grievance())),
            both_late,
            vec![QioNoticeMissing],
        ),
        (
            "Medicare discharge grievance without any response",
            edit(resolved(grievance()), |c| {
                c.medicare_beneficiary = true;
                c.concerns_premature_discharge = true;
                if let Some(r) = c.resolution.as_mut() {
                    r.written_response = None;
                }
            }),
            both_late,
            vec![WrittenResponseMissing, QioNoticeMissing],
        ),
        (
            "quality grievance, not a Medicare beneficiary",
            edit(resolved(qio(grievance())), |c| {
                c.medicare_beneficiary = false
            }),
            both_late,
            vec![],
        ),
        (
            "Medicare quality plain complaint: no QIO notice owed",
            resolved(qio(complaint())),
            both_late,
            vec![],
        ),
        (
            "open Medicare quality grievance: response not due yet",
            qio(grievance()),
            day_one,
            vec![],
        ),
        (
            "letter resolved at point of service",
            edit(at_point_of_service(complaint()), |c| {
                c.channel = Channel::Letter
            }),
            both_late,
            vec![WrittenComplaintResolvedAtPointOfService],
        ),
        (
            "portal resolved at point of service, closed",
            edit(at_point_of_service(complaint()), |c| {
                c.channel = Channel::Portal;
                c.status = Status::Closed;
            }),
            both_late,
            vec![WrittenComplaintResolvedAtPointOfService],
        ),
        (
            "phone complaint resolved at point of service",
            at_point_of_service(complaint()),
            both_late,
            vec![],
        ),
        (
            "email grievance resolved with a response",
            edit(resolved(grievance()), |c| c.channel = Channel::Email),
            both_late,
            vec![],
        ),
        (
            "phone complaint open the same local day",
            complaint(),
            just_before,
            vec![],
        ),
        (
            "phone complaint open past its local day",
            complaint(),
            next_local_day,
            vec![VerbalComplaintOpenPastPointOfService],
        ),
        (
            "in-person complaint open past its local day",
            edit(complaint(), |c| c.channel = Channel::InPerson),
            both_late,
            vec![VerbalComplaintOpenPastPointOfService],
        ),
        (
            "escalated phone complaint is a grievance, clocks apply instead",
            edit(grievance(), |c| {
                c.status = Status::Acknowledged;
                c.clocks.acknowledgement_met_at = Some(c.received_at);
            }),
            next_local_day,
            vec![],
        ),
        (
            "survey comment open: not a verbal complaint",
            edit(complaint(), |c| c.channel = Channel::SurveyComment),
            both_late,
            vec![],
        ),
        (
            "phone complaint withdrawn",
            edit(complaint(), |c| c.status = Status::Withdrawn),
            both_late,
            vec![],
        ),
    ];
    for (name, c, now, expected) in cases {
        let got: Vec<SurveyRule> = complaint_findings(&c, now, CHICAGO)
            .into_iter()
            .map(|f| f.rule)
            .collect();
        assert_eq!(got, expected, "{name}");
        // The projection agrees on the rules no clock decides.
        let standing = got.iter().any(|r| STANDING.contains(r));
        assert_eq!(response_falls_short(&c), standing, "{name}: projection");
    }
}

/// The rules the `response_gap` projection covers.
const STANDING: [SurveyRule; 4] = [
    SurveyRule::WrittenResponseMissing,
    SurveyRule::WrittenResponseIncomplete,
    SurveyRule::QioNoticeMissing,
    SurveyRule::WrittenComplaintResolvedAtPointOfService,
];

#[test]
fn the_projection_never_misses_a_completion_date_in_any_zone() {
    // Received 21:00 on November 2 in Chicago (03:00 UTC November 3),
    // completed on November 2: fine in Chicago, before receipt in Kiritimati
    // (UTC+14). The projection errs on the side of looking.
    let mut c = resolved(grievance());
    c.received_at = at("2026-11-03T03:00:00Z");
    response(&mut c).completed_on =
        chrono::NaiveDate::from_ymd_opt(2026, 11, 2).unwrap_or_default();
    assert!(complaint_findings(&c, at("2026-12-10T00:00:00Z"), CHICAGO).is_empty());
    assert!(response_falls_short(&c));
    // A day earlier falls short everywhere.
    response(&mut c).completed_on =
        chrono::NaiveDate::from_ymd_opt(2026, 11, 1).unwrap_or_default();
    let rules: Vec<SurveyRule> = complaint_findings(&c, at("2026-12-10T00:00:00Z"), CHICAGO)
        .into_iter()
        .map(|f| f.rule)
        .collect();
    assert_eq!(rules, vec![SurveyRule::WrittenResponseIncomplete]);
    assert!(response_falls_short(&c));
}

#[test]
fn the_point_of_service_day_is_local() {
    // 23:30 in Chicago on March 7 2026 is 05:30 UTC on March 8; the local
    // day ends at 06:00 UTC March 8 (CST), not at UTC midnight.
    let mut c = complaint();
    c.received_at = at("2026-03-08T05:30:00Z");
    let rules = |c: &ComplaintState, now: &str| -> Vec<SurveyRule> {
        complaint_findings(c, at(now), CHICAGO)
            .into_iter()
            .map(|f| f.rule)
            .collect()
    };
    assert!(rules(&c, "2026-03-08T05:59:00Z").is_empty());
    assert_eq!(
        rules(&c, "2026-03-08T06:00:00Z"),
        vec![SurveyRule::VerbalComplaintOpenPastPointOfService]
    );
    // Received 09:00 on March 8 (the DST day, 23 hours long): the day ends
    // at 05:00 UTC March 9 (CDT).
    c.received_at = at("2026-03-08T15:00:00Z");
    assert!(rules(&c, "2026-03-09T04:59:00Z").is_empty());
    assert_eq!(
        rules(&c, "2026-03-09T05:00:00Z"),
        vec![SurveyRule::VerbalComplaintOpenPastPointOfService]
    );
}

#[test]
fn findings_say_what_is_missing() {
    let mut c = resolved(grievance());
    response(&mut c).results = String::new();
    let f = complaint_findings(&c, at("2026-12-03T00:00:00Z"), CHICAGO);
    assert_eq!(f.len(), 1);
    assert!(
        f[0].missing
            .contains("the results of the grievance process"),
        "{}",
        f[0].missing
    );
    assert!(!f[0].missing.contains("contact person"), "{}", f[0].missing);
    let f = complaint_findings(&grievance(), at("2026-11-10T00:00:00Z"), CHICAGO);
    // Due 2026-11-09 15:00 UTC = 09:00 CST.
    assert!(
        f[0].missing.contains("2026-11-09 09:00 CST"),
        "{}",
        f[0].missing
    );
}

#[test]
fn every_rule_has_its_tag() {
    use SurveyRule::*;
    let table = [
        (AcknowledgementOverdue, SurveyTag::A0122),
        (ResolutionOverdue, SurveyTag::A0122),
        (ProgressNoticeOverdue, SurveyTag::A0122),
        (WrittenResponseMissing, SurveyTag::A0123),
        (WrittenResponseIncomplete, SurveyTag::A0123),
        (QioNoticeMissing, SurveyTag::A0120),
        (WrittenComplaintResolvedAtPointOfService, SurveyTag::A0118),
        (VerbalComplaintOpenPastPointOfService, SurveyTag::A0118),
        (FailedAccommodationWithoutGrievance, SurveyTag::Policy),
    ];
    assert_eq!(table.len(), SurveyRule::ALL.len());
    for (rule, tag) in table {
        assert_eq!(rule.tag(), tag, "{rule:?}");
    }
    assert_eq!(SurveyTag::A0123.label(), "A-0123");
}

#[test]
fn accommodation_rules_table() {
    let now = at("2026-11-10T12:00:00Z");
    let past = at("2026-11-09T12:00:00Z");
    let future = at("2026-11-11T12:00:00Z");
    let stamp = |at: DateTime<Utc>| Stamp {
        by: user("pr-1"),
        at,
        reason: None,
    };
    let grievance_link = LinkedComplaint {
        reference: "GRV-2026-000001".into(),
        classification: Classification::Grievance,
    };
    let complaint_link = LinkedComplaint {
        reference: "CMP-2026-000002".into(),
        classification: Classification::Complaint,
    };
    let denied = {
        let mut r = filed(future, past);
        r.status = RequestStatus::Denied;
        r.denial = Some(Denial {
            by: user("mgr"),
            at: past,
            ground: DenialGround::UndueBurden,
            reason: "cost".into(),
        });
        r
    };
    let alternative = {
        let mut r = filed(future, past);
        r.status = RequestStatus::AlternativeProvided;
        r.alternative = Some(Alternative {
            by: user("pr-1"),
            at: past,
            provided: "VRI".into(),
            reason: "no interpreter".into(),
        });
        r
    };
    let fulfilled = |at: DateTime<Utc>, needed_by: DateTime<Utc>| {
        let mut r = filed(needed_by, at - Duration::days(3));
        r.status = RequestStatus::Fulfilled;
        r.fulfilled = Some(stamp(at));
        r
    };
    let cancelled = {
        let mut r = filed(past, past - Duration::days(1));
        r.status = RequestStatus::Cancelled;
        r.cancelled = Some(stamp(past));
        r
    };
    let cases: Vec<(
        &str,
        AccessibilityRequestState,
        Option<&LinkedComplaint>,
        bool,
    )> = vec![
        ("denied, nothing linked", denied.clone(), None, true),
        (
            "denied, grievance linked",
            denied.clone(),
            Some(&grievance_link),
            false,
        ),
        (
            "denied, plain complaint linked",
            denied,
            Some(&complaint_link),
            true,
        ),
        (
            "alternative provided, nothing linked",
            alternative,
            None,
            true,
        ),
        (
            "open past needed-by",
            filed(past, past - Duration::days(1)),
            None,
            true,
        ),
        (
            "open past needed-by, grievance linked",
            filed(past, past - Duration::days(1)),
            Some(&grievance_link),
            false,
        ),
        ("open, not yet needed", filed(future, past), None, false),
        ("fulfilled on time", fulfilled(past, future), None, false),
        ("fulfilled late", fulfilled(now, past), None, true),
        ("cancelled", cancelled, None, false),
    ];
    for (name, r, linked, expected) in cases {
        let got = accommodation_findings(&r, linked, now, CHICAGO);
        assert_eq!(got.len(), usize::from(expected), "{name}: {got:?}");
        if let Some(f) = got.first() {
            assert_eq!(f.rule, SurveyRule::FailedAccommodationWithoutGrievance);
        }
    }
}
