//! Service recovery (`domain.md`, "Service recovery"): what was done to make
//! things right, its money, and who approved it. One transition table;
//! each action checks the table, then its guards.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::Violation;
use super::complaint::{UserRef, spelled_enum};
use super::money::{Money, MoneyError, RawAmount};
use super::text::Note;
use super::work::{Checks, Machine, Stamp, optional_text, required_reason, required_text};

spelled_enum! {
    /// What kind of making-things-right.
    #[cfg_attr(feature = "graphql", graphql(name = "ServiceRecoveryKind"))]
    pub enum Kind {
        Apology = "APOLOGY",
        Explanation = "EXPLANATION",
        BillAdjustment = "BILL_ADJUSTMENT",
        BillWriteOff = "BILL_WRITE_OFF",
        Refund = "REFUND",
        MealVoucher = "MEAL_VOUCHER",
        ParkingVoucher = "PARKING_VOUCHER",
        GiftCard = "GIFT_CARD",
        ExpeditedAppointment = "EXPEDITED_APPOINTMENT",
        CareTeamChange = "CARE_TEAM_CHANGE",
        StaffCoaching = "STAFF_COACHING",
        PolicyChange = "POLICY_CHANGE",
        Other = "OTHER",
    }
}

spelled_enum! {
    #[cfg_attr(feature = "graphql", graphql(name = "ServiceRecoveryStatus"))]
    pub enum Status {
        Proposed = "PROPOSED",
        Approved = "APPROVED",
        /// Finished.
        Completed = "COMPLETED",
        /// Finished.
        Declined = "DECLINED",
        /// Finished.
        Cancelled = "CANCELLED",
    }
}

impl Status {
    /// Completed, declined or cancelled: nothing left to do.
    pub fn is_finished(self) -> bool {
        matches!(
            self,
            Status::Completed | Status::Declined | Status::Cancelled
        )
    }
}

spelled_enum! {
    #[cfg_attr(feature = "graphql", graphql(name = "ServiceRecoveryTransition"))]
    pub enum Action {
        Approve = "APPROVE",
        Decline = "DECLINE",
        Complete = "COMPLETE",
        Cancel = "CANCEL",
    }
}

/// The status machine. `PROPOSED → COMPLETED` is in the table but guarded:
/// only an action that needs no approval takes it.
pub const MACHINE: Machine<Status, Action> = Machine {
    noun: "service-recovery action",
    table: {
        use Action::*;
        use Status::*;
        &[
            (Proposed, Approve, Approved),
            (Proposed, Decline, Declined),
            (Proposed, Complete, Completed),
            (Approved, Complete, Completed),
            (Proposed, Cancel, Cancelled),
            (Approved, Cancel, Cancelled),
        ]
    },
};

/// The whole action.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceRecoveryState {
    pub facility_id: Uuid,
    pub facility_code: String,
    pub complaint_id: Uuid,
    /// The complaint's department when proposed (for cost reports).
    pub department: String,
    pub kind: Kind,
    pub description: String,
    pub amount: Option<Money>,
    /// The facility's threshold when it was proposed; the rule that applied
    /// stays on the record even if the threshold changes later.
    pub approval_threshold: Money,
    /// At or above the threshold: a manager who did not propose it must
    /// approve it before it is completed.
    pub approval_required: bool,
    pub status: Status,
    pub proposed: Stamp,
    pub approved: Option<Stamp>,
    pub declined: Option<Stamp>,
    pub completed: Option<Stamp>,
    pub cancelled: Option<Stamp>,
    /// What was actually done, recorded at completion.
    pub completion_note: Option<String>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What `serviceRecoveryPropose` asks for.
#[derive(Clone, Debug)]
pub struct ProposalDraft {
    pub kind: Kind,
    pub description: String,
    /// Amount and currency as entered.
    /// The amount as sent and its currency; [`Money::parse_raw`] judges.
    pub amount: Option<(RawAmount, String)>,
}

/// What a proposal sees besides the draft.
#[derive(Clone, Debug)]
pub struct Proposing<'a> {
    pub facility_id: Uuid,
    pub facility_code: &'a str,
    pub complaint_id: Uuid,
    pub department: &'a str,
    pub threshold: Money,
    pub by: UserRef,
    pub now: DateTime<Utc>,
}

fn money_error(e: MoneyError) -> Violation {
    let field: &[&str] = match e {
        MoneyError::UnknownCurrency => &["input", "amount", "currency"],
        _ => &["input", "amount", "amount"],
    };
    Violation::validation(field, e.to_string())
}

/// Validates a proposal and builds the action (`PROPOSED`).
pub fn propose(
    draft: &ProposalDraft,
    p: Proposing<'_>,
) -> Result<ServiceRecoveryState, Vec<Violation>> {
    let mut checks = Checks::default();
    let description = checks.take(required_text::<Note>(
        &["input", "description"],
        &draft.description,
        "a description",
    ));
    let amount = match &draft.amount {
        None => None,
        Some((amount, currency)) => match Money::parse_raw(amount, currency) {
            Err(e) => {
                checks.push(money_error(e));
                None
            }
            Ok(m) if m.amount.is_zero() => {
                checks.push(Violation::validation(
                    &["input", "amount", "amount"],
                    "an amount must be more than zero; leave it out for an action without money",
                ));
                None
            }
            Ok(m) if m.currency != p.threshold.currency => {
                checks.push(Violation::validation(
                    &["input", "amount", "currency"],
                    format!(
                        "facility {} approves service recovery in {}; propose the amount in {}",
                        p.facility_code, p.threshold.currency, p.threshold.currency
                    ),
                ));
                None
            }
            Ok(m) => Some(m),
        },
    };
    checks.finish()?;
    let approval_required = amount
        .as_ref()
        .is_some_and(|m| m.amount >= p.threshold.amount);
    Ok(ServiceRecoveryState {
        facility_id: p.facility_id,
        facility_code: p.facility_code.to_owned(),
        complaint_id: p.complaint_id,
        department: p.department.to_owned(),
        kind: draft.kind,
        description: description.unwrap_or_default(),
        amount,
        approval_threshold: p.threshold,
        approval_required,
        status: Status::Proposed,
        proposed: Stamp {
            by: p.by,
            at: p.now,
            reason: None,
        },
        approved: None,
        declined: None,
        completed: None,
        cancelled: None,
        completion_note: None,
        version: 1,
        created_at: p.now,
        updated_at: p.now,
    })
}

/// Who acts, when, and whether they hold the manager role.
#[derive(Clone, Debug)]
pub struct Decider<'a> {
    pub by: &'a UserRef,
    pub is_manager: bool,
    pub now: DateTime<Utc>,
}

fn threshold_text(s: &ServiceRecoveryState) -> String {
    format!(
        "{} {}",
        s.approval_threshold.currency, s.approval_threshold.amount
    )
}

/// Approval and decline of an action at or above the threshold belong to a
/// manager who did not propose it.
fn check_decider(
    s: &ServiceRecoveryState,
    d: &Decider<'_>,
    what: &str,
) -> Result<(), Vec<Violation>> {
    if !s.approval_required {
        return Ok(());
    }
    if !d.is_manager {
        return Err(vec![Violation::guard(
            &["input", "id"],
            format!(
                "only a PATIENT_RELATIONS_MANAGER may {what} an action at or above the facility's approval threshold ({})",
                threshold_text(s)
            ),
        )]);
    }
    if d.by.subject == s.proposed.by.subject {
        return Err(vec![Violation::guard(
            &["input", "id"],
            format!(
                "you proposed this action; another manager must {what} it (at or above the approval threshold of {})",
                threshold_text(s)
            ),
        )]);
    }
    Ok(())
}

/// PROPOSED → APPROVED.
pub fn approve(s: &mut ServiceRecoveryState, d: &Decider<'_>) -> Result<(), Vec<Violation>> {
    let to = MACHINE.step(s.status, Action::Approve)?;
    check_decider(s, d, "approve")?;
    s.status = to;
    s.approved = Some(Stamp {
        by: d.by.clone(),
        at: d.now,
        reason: None,
    });
    Ok(())
}

/// PROPOSED → DECLINED, with a reason.
pub fn decline(
    s: &mut ServiceRecoveryState,
    d: &Decider<'_>,
    reason: &str,
) -> Result<(), Vec<Violation>> {
    let to = MACHINE.step(s.status, Action::Decline)?;
    let reason = required_reason(reason, "decline a service-recovery action")?;
    check_decider(s, d, "decline")?;
    s.status = to;
    s.declined = Some(Stamp {
        by: d.by.clone(),
        at: d.now,
        reason: Some(reason),
    });
    Ok(())
}

/// APPROVED → COMPLETED, or PROPOSED → COMPLETED when no approval is needed.
pub fn complete(
    s: &mut ServiceRecoveryState,
    by: &UserRef,
    now: DateTime<Utc>,
    note: Option<&str>,
) -> Result<(), Vec<Violation>> {
    let to = MACHINE.step(s.status, Action::Complete)?;
    if s.status == Status::Proposed && s.approval_required {
        return Err(vec![Violation::guard(
            &["input", "id"],
            format!(
                "this action is at or above the facility's approval threshold ({}); a manager who did not propose it must approve it before it is completed",
                threshold_text(s)
            ),
        )]);
    }
    let note = optional_text::<Note>(&["input", "note"], note, "the note").map_err(|v| vec![v])?;
    s.status = to;
    s.completion_note = note;
    s.completed = Some(Stamp {
        by: by.clone(),
        at: now,
        reason: None,
    });
    Ok(())
}

/// PROPOSED/APPROVED → CANCELLED, with a reason.
pub fn cancel(
    s: &mut ServiceRecoveryState,
    by: &UserRef,
    now: DateTime<Utc>,
    reason: &str,
) -> Result<(), Vec<Violation>> {
    let to = MACHINE.step(s.status, Action::Cancel)?;
    let reason = required_reason(reason, "cancel a service-recovery action")?;
    s.status = to;
    s.cancelled = Some(Stamp {
        by: by.clone(),
        at: now,
        reason: Some(reason),
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ViolationKind;
    use rust_decimal::Decimal;

    fn user(subject: &str) -> UserRef {
        UserRef {
            subject: subject.into(),
            name: format!("User {subject}"),
        }
    }

    fn usd(amount: i64, scale: u32) -> Money {
        Money::new(Decimal::new(amount, scale), "USD").unwrap_or_else(|e| panic!("{e}"))
    }

    fn proposed(amount: Option<(i64, u32)>) -> ServiceRecoveryState {
        let draft = ProposalDraft {
            kind: Kind::MealVoucher,
            description: "Voucher for the cafeteria".into(),
            amount: amount.map(|(a, s)| {
                (
                    Decimal::new(a, s).to_string().as_str().into(),
                    "usd".to_owned(),
                )
            }),
        };
        propose(
            &draft,
            Proposing {
                facility_id: Uuid::nil(),
                facility_code: "MAIN",
                complaint_id: Uuid::nil(),
                department: "ED",
                threshold: usd(25000, 2),
                by: user("proposer"),
                now: Utc::now(),
            },
        )
        .unwrap_or_else(|e| panic!("{e:?}"))
    }

    fn in_status(status: Status, needs_approval: bool) -> ServiceRecoveryState {
        let mut s = proposed(needs_approval.then_some((30000, 2)));
        s.status = status;
        s
    }

    /// Every (status, action) pair, for an action with and without the
    /// approval requirement, decided by a manager who did not propose it.
    #[test]
    fn transition_table_every_pair() {
        use Action::*;
        use Status::*;
        let manager = user("manager");
        for &needs_approval in &[false, true] {
            for &from in Status::ALL {
                for &action in Action::ALL {
                    let mut s = in_status(from, needs_approval);
                    let d = Decider {
                        by: &manager,
                        is_manager: true,
                        now: Utc::now(),
                    };
                    let result = match action {
                        Approve => approve(&mut s, &d),
                        Decline => decline(&mut s, &d, "not warranted"),
                        Complete => complete(&mut s, &manager, d.now, Some("given")),
                        Cancel => cancel(&mut s, &manager, d.now, "patient left"),
                    };
                    let expected = match (from, action) {
                        (Proposed, Complete) if needs_approval => None,
                        _ => MACHINE.next(from, action),
                    };
                    match expected {
                        Some(to) => {
                            assert!(
                                result.is_ok(),
                                "{from:?} {action:?} {needs_approval}: {result:?}"
                            );
                            assert_eq!(s.status, to);
                        }
                        None => {
                            let err = result.err().unwrap_or_default();
                            assert_eq!(err.len(), 1, "{from:?} {action:?}");
                            let kind = if MACHINE.next(from, action).is_some() {
                                ViolationKind::GuardFailed
                            } else {
                                ViolationKind::InvalidTransition
                            };
                            assert_eq!(
                                err[0].kind, kind,
                                "{from:?} {action:?}: {}",
                                err[0].message
                            );
                            assert_eq!(s.status, from, "a refusal changes nothing");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn threshold_decides_who_approves() {
        // (amount in cents, needs approval)
        for (cents, needed) in [
            (None, false),
            (Some(24999), false),
            (Some(25000), true),
            (Some(25001), true),
        ] {
            let s = proposed(cents.map(|c| (c, 2)));
            assert_eq!(s.approval_required, needed, "{cents:?}");
        }
        let proposer = user("proposer");
        let other = user("other");
        // (approver, is manager, allowed)
        for (by, is_manager, allowed) in [
            (&other, true, true),
            (&proposer, true, false),
            (&other, false, false),
            (&proposer, false, false),
        ] {
            let mut s = proposed(Some((30000, 2)));
            let d = Decider {
                by,
                is_manager,
                now: Utc::now(),
            };
            let r = approve(&mut s, &d);
            assert_eq!(r.is_ok(), allowed, "{} {is_manager}", by.subject);
            if let Err(e) = r {
                assert_eq!(e[0].kind, ViolationKind::GuardFailed);
                assert!(e[0].message.contains("USD 250.00"), "{}", e[0].message);
            }
            let mut s = proposed(Some((30000, 2)));
            assert_eq!(decline(&mut s, &d, "no").is_ok(), allowed);
        }
        // Below the threshold anyone allowed to approve may, the proposer too.
        let mut s = proposed(Some((1000, 2)));
        let d = Decider {
            by: &proposer,
            is_manager: false,
            now: Utc::now(),
        };
        assert!(approve(&mut s, &d).is_ok());
    }

    #[test]
    fn proposals_are_validated() {
        let base = Proposing {
            facility_id: Uuid::nil(),
            facility_code: "MAIN",
            complaint_id: Uuid::nil(),
            department: "ED",
            threshold: usd(25000, 2),
            by: user("p"),
            now: Utc::now(),
        };
        #[allow(clippy::type_complexity)] // a table of cases, read row by row
        let cases: &[(&str, Option<(Decimal, &str)>, &[&str])] = &[
            ("", None, &["description"]),
            ("ok", Some((Decimal::new(1, 3), "USD")), &["amount"]),
            ("ok", Some((Decimal::new(-100, 2), "USD")), &["amount"]),
            ("ok", Some((Decimal::ZERO, "USD")), &["amount"]),
            ("ok", Some((Decimal::new(100, 2), "EUR")), &["currency"]),
            ("ok", Some((Decimal::new(100, 2), "XYZ")), &["currency"]),
            (
                "",
                Some((Decimal::new(100, 2), "EUR")),
                &["description", "currency"],
            ),
        ];
        for (description, amount, fields) in cases {
            let draft = ProposalDraft {
                kind: Kind::Refund,
                description: (*description).into(),
                amount: amount.map(|(a, c)| (a.to_string().as_str().into(), c.to_owned())),
            };
            let err = propose(&draft, base.clone()).err().unwrap_or_default();
            let got: Vec<&str> = err
                .iter()
                .filter_map(|v| v.field.last().map(String::as_str))
                .collect();
            assert_eq!(&got, fields, "{description:?} {amount:?}");
        }
        let ok = ProposalDraft {
            kind: Kind::Refund,
            description: " Refund the copay ".into(),
            amount: Some(("4".into(), "usd".into())),
        };
        let s = propose(&ok, base).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(s.description, "Refund the copay");
        assert_eq!(s.amount, Some(usd(400, 2)));
        assert_eq!(
            s.amount.as_ref().map(|m| m.amount.to_string()),
            Some("4.00".into())
        );
    }

    #[test]
    fn reasons_are_required_and_finished_means_done() {
        let by = user("m");
        let mut s = proposed(None);
        let d = Decider {
            by: &by,
            is_manager: true,
            now: Utc::now(),
        };
        assert!(decline(&mut s, &d, "  ").is_err());
        assert!(cancel(&mut s, &by, d.now, "").is_err());
        assert_eq!(s.status, Status::Proposed);
        let finished: Vec<Status> = Status::ALL
            .iter()
            .copied()
            .filter(|s| s.is_finished())
            .collect();
        assert_eq!(
            finished,
            [Status::Completed, Status::Declined, Status::Cancelled]
        );
        // Finished states have no way out.
        for s in finished {
            assert!(MACHINE.allowed(s).is_empty(), "{s:?}");
        }
    }
}
