//! The access review as a table for the CSV export.

use serde_json::json;

use super::{REPORT, Review, runs};
use crate::domain::permissions::Operation;
use crate::services::reads::Reader;
use crate::services::reports::ReportFilter;
use crate::services::reports::table::{ExportParams, Table};
use crate::services::{Refusal, RefusalCode, ServiceError};

/// The review as a table for the CSV export: one list, all of it, chosen
/// by the `list` parameter (`users`, the default; `complaints`;
/// `flagged`; `runs`). One run, logged once, however many rows.
pub async fn table(
    reader: &Reader<'_>,
    filter: &ReportFilter,
    params: &ExportParams,
) -> Result<Table, ServiceError> {
    const BATCH: u64 = 1000;
    let list = params.get("list").map_or("users", String::as_str);
    if !["users", "complaints", "flagged", "runs"].contains(&list) {
        return Err(Refusal::new(
            RefusalCode::Validation,
            "list is one of users, complaints, flagged, runs",
        )
        .on(&["list"])
        .into());
    }
    let scope = reader
        .report(
            Operation::ReviewAccess,
            REPORT,
            filter,
            json!({ "list": list }),
        )
        .await?;
    let db = reader.db();
    let q = Review::new(db, &scope).await?;
    let mut t;
    match list {
        "complaints" => {
            t = Table::new(vec!["complaint", "facility", "reads", "readers", "flagged"]);
            let mut after = None;
            loop {
                let p = q.complaints(db, BATCH, after).await?;
                for c in &p.items {
                    t.push(vec![
                        c.reference.clone(),
                        c.facility_code.clone(),
                        c.reads.to_string(),
                        c.readers.to_string(),
                        c.flagged.to_string(),
                    ]);
                }
                after = p.items.last().map(|c| c.complaint_id);
                if !p.has_next_page {
                    break;
                }
            }
        }
        "flagged" => {
            t = Table::new(vec![
                "accessed_at",
                "subject",
                "name",
                "complaint",
                "facility",
                "department",
                "not_involved",
                "outside_usual_department",
            ]);
            let mut after = None;
            loop {
                let p = q.flagged(db, BATCH, after).await?;
                for f in &p.items {
                    let at = match scope.facility(&f.facility_code) {
                        Some(fac) => f.accessed_at.with_timezone(&fac.tz).to_rfc3339(),
                        None => f.accessed_at.to_rfc3339(),
                    };
                    t.push(vec![
                        at,
                        f.subject.clone(),
                        f.name.clone(),
                        f.reference.clone(),
                        f.facility_code.clone(),
                        f.department.clone(),
                        f.not_involved.to_string(),
                        f.outside_usual_department.to_string(),
                    ]);
                }
                after = p.items.last().map(|f| f.entry_id);
                if !p.has_next_page {
                    break;
                }
            }
        }
        "runs" => {
            t = Table::new(vec!["subject", "name", "runs"]);
            let mut after = None;
            loop {
                let p = runs(db, &scope, BATCH, after).await?;
                for r in &p.items {
                    t.push(vec![r.subject.clone(), r.name.clone(), r.runs.to_string()]);
                }
                after = p.items.last().map(|r| r.subject.clone());
                if !p.has_next_page {
                    break;
                }
            }
        }
        _ => {
            t = Table::new(vec![
                "subject",
                "name",
                "reads",
                "complaints",
                "flagged",
                "usual_department",
            ]);
            let mut after = None;
            loop {
                let p = q.users(db, BATCH, after).await?;
                for u in &p.items {
                    t.push(vec![
                        u.subject.clone(),
                        u.name.clone(),
                        u.reads.to_string(),
                        u.complaints.to_string(),
                        u.flagged.to_string(),
                        u.usual_department.clone().unwrap_or_default(),
                    ]);
                }
                after = p.items.last().map(|u| u.subject.clone());
                if !p.has_next_page {
                    break;
                }
            }
        }
    }
    Ok(t)
}
