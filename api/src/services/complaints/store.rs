//! How a complaint is stored: its row, its issue rows, and what a
//! command may need loaded besides it.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use entity::complaint::{self, Entity as Complaint};
use entity::complaint_issue::{self, Entity as ComplaintIssue};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel,
    QueryFilter,
};
use uuid::Uuid;

use super::row;
use crate::domain::actor::FacilityScope;
use crate::domain::command::{Context, Needs, PolicyContext};
use crate::domain::complaint::ComplaintState;
use crate::services::audit::RECORD_COMPLAINT;
use crate::services::stored::{Stored, Versioned};
use crate::services::{facility_lookup, links, policies};

/// Writes a complaint's issue rows; `replacing` when it had some before (a
/// new complaint has none to delete: one statement fewer while the write
/// lock is held).
pub(super) async fn write_issues(
    txn: &impl ConnectionTrait,
    id: Uuid,
    s: &ComplaintState,
    replacing: bool,
) -> Result<(), DbErr> {
    if replacing {
        ComplaintIssue::delete_many()
            .filter(complaint_issue::Column::ComplaintId.eq(id))
            .exec(txn)
            .await?;
    }
    if s.issues.is_empty() {
        return Ok(());
    }
    let rows = issue_rows(id, s)
        .into_iter()
        .map(|row| row.into_active_model().reset_all());
    ComplaintIssue::insert_many(rows)
        .exec_without_returning(txn)
        .await?;
    Ok(())
}

/// The `complaint_issue` rows of a complaint, projected from its issues in
/// order (`redress verify` checks the stored ones against them).
pub fn issue_rows(id: Uuid, s: &ComplaintState) -> Vec<complaint_issue::Model> {
    s.issues
        .iter()
        .enumerate()
        .map(|(i, issue)| complaint_issue::Model {
            id: issue.id,
            complaint_id: id,
            position: i32::try_from(i).unwrap_or(i32::MAX),
            category: issue.category.as_str().to_owned(),
            severity: i16::from(issue.severity),
            stage_of_care: issue.stage_of_care.as_str().to_owned(),
        })
        .collect()
}

pub(super) fn time_zone(name: &str) -> Result<Tz, DbErr> {
    name.parse::<Tz>()
        .map_err(|_| DbErr::Custom(format!("stored time zone {name:?} is not an IANA zone")))
}

impl Stored for ComplaintState {
    const RECORD_TYPE: &'static str = RECORD_COMPLAINT;
    const NOUN: &'static str = "complaint";

    fn facility_code(&self) -> &str {
        &self.facility_code
    }
    fn complaint_of(&self, id: Uuid) -> Option<Uuid> {
        Some(id)
    }
    fn created_by(&self) -> &str {
        &self.created_by.subject
    }

    crate::services::stored::stored_in!(Complaint, row);

    /// The issue rows, when the issues changed.
    async fn project(
        db: &impl ConnectionTrait,
        id: Uuid,
        before: Option<&Self>,
        after: &Self,
    ) -> Result<(), DbErr> {
        if before.is_none_or(|b| b.issues != after.issues) {
            write_issues(db, id, after, before.is_some()).await?;
        }
        Ok(())
    }
}

impl Versioned for ComplaintState {
    fn version(&self) -> i32 {
        self.version
    }
    fn touch(&mut self, version: i32, now: DateTime<Utc>) {
        self.version = version;
        self.updated_at = now;
    }

    crate::services::stored::versioned_in!(Complaint, complaint, row);

    /// The deadline policy and the facility's time zone when the command
    /// needs them; the linked work not finished yet (for `complaintClose`),
    /// read inside the transaction: writers are serialised, so nothing
    /// slips in between.
    async fn load_context(
        db: &impl ConnectionTrait,
        id: Uuid,
        state: &Self,
        needs: Needs,
        cx: &mut Context<'_>,
    ) -> Result<(), DbErr> {
        if needs.policy {
            let facility = facility_lookup::by_id(db, &FacilityScope::All, state.facility_id)
                .await?
                .ok_or_else(|| DbErr::RecordNotFound(format!("facility {}", state.facility_id)))?;
            let policy_id = state.clocks.policy_id;
            let policy = policies::by_id(db, policy_id)
                .await?
                .ok_or_else(|| DbErr::RecordNotFound(format!("policy {policy_id}")))?;
            let rules = policies::rules_of(&policy)
                .ok_or_else(|| DbErr::Custom(format!("policy {} unreadable", policy.id)))?;
            cx.policy = Some(PolicyContext {
                rules,
                tz: time_zone(&facility.time_zone)?,
            });
        }
        if needs.unfinished_work {
            cx.unfinished = links::unfinished_work(db, id).await?;
        }
        if needs.documents {
            cx.documents =
                Some(crate::services::attachments::documents_on_file(db, id, state).await?);
        }
        if needs.letters {
            cx.letters = crate::services::letters::for_context(db, id).await?;
        }
        Ok(())
    }

    fn stale(&self, expected: i32) -> String {
        format!(
            "complaint {} is at version {}, not {expected}; someone changed it since you read it",
            self.reference, self.version
        )
    }

    /// Today's wording: the stale message, at the version read.
    fn raced(&self, expected: i32) -> String {
        self.stale(expected)
    }
}
