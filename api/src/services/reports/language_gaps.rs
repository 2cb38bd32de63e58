//! Language-access gaps (Section 1557, 45 CFR 92.201): grievances received
//! in the period whose complainant's preferred language is not the
//! facility's default language and that have no interpreter session
//! logged on them. SQL narrows first (grievances in scope and period with
//! no `interpreter_session` row for the complaint, in `(received_at, id)`
//! order, a batch at a time); the preferred language, free text in the
//! record, is then read per candidate and compared by its primary language
//! subtag (`es-MX` matches a facility working in `es`). A grievance with no
//! preferred language recorded is not a gap.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::{Value, json};
use uuid::Uuid;

use super::months::{after, decode_cursor, encode_cursor, status};
use super::table::{ExportParams, Table};
use super::{ReportFilter, ReportScope};
use crate::domain::complaint::Status;
use crate::domain::permissions::Operation;
use crate::services::ServiceError;
use crate::services::reads::Reader;
use entity::{complaint, interpreter_session};

pub const REPORT: &str = "languageAccessGaps";

/// Candidates read per statement while filling a page.
const BATCH: u64 = 500;

/// The primary language subtag of a tag or name, lower case: `es-MX` →
/// `es`, ` ZH_hant ` → `zh`. `None` when blank.
pub fn primary_language(tag: &str) -> Option<String> {
    let primary = tag
        .trim()
        .split(['-', '_'])
        .next()?
        .trim()
        .to_ascii_lowercase();
    (!primary.is_empty()).then_some(primary)
}

/// A grievance with a language-access gap.
#[derive(Clone, Debug, PartialEq)]
pub struct LanguageGap {
    pub id: Uuid,
    pub reference: String,
    pub facility_code: String,
    pub facility_language: String,
    pub received_at: DateTime<Utc>,
    pub tz: chrono_tz::Tz,
    pub preferred_language: String,
    pub status: Status,
    pub cursor: String,
}

#[derive(Clone, Debug, Default)]
pub struct LanguageGapPage {
    pub gaps: Vec<LanguageGap>,
    pub has_next_page: bool,
}

pub async fn language_gaps(
    reader: &Reader<'_>,
    filter: &ReportFilter,
    first: u64,
    after_cursor: Option<&str>,
) -> Result<LanguageGapPage, ServiceError> {
    let cursor = after_cursor.map(decode_cursor).transpose()?;
    let scope = reader
        .report(
            Operation::ReadReports,
            REPORT,
            filter,
            json!({ "first": first, "after": after_cursor }),
        )
        .await?;
    Ok(page(reader.db(), &scope, first, cursor).await?)
}

type Candidate = (Uuid, String, String, DateTime<Utc>, String, String);

async fn page(
    db: &impl ConnectionTrait,
    scope: &ReportScope,
    first: u64,
    mut cursor: Option<(DateTime<Utc>, Uuid)>,
) -> Result<LanguageGapPage, DbErr> {
    use complaint::Column as C;
    let want = usize::try_from(first).unwrap_or(usize::MAX);
    let mut gaps = Vec::new();
    loop {
        let sessions = Query::select()
            .expr(Expr::val(1))
            .from(interpreter_session::Entity)
            .and_where(
                Expr::col((
                    interpreter_session::Entity,
                    interpreter_session::Column::ComplaintId,
                ))
                .equals((complaint::Entity, C::Id)),
            )
            .to_owned();
        let mut query = complaint::Entity::find()
            .select_only()
            .columns([
                C::Id,
                C::Reference,
                C::FacilityCode,
                C::ReceivedAt,
                C::Status,
                C::Record,
            ])
            .filter(scope.within(C::FacilityCode, C::ReceivedAt, C::Department))
            .filter(C::Classification.eq("GRIEVANCE"))
            .filter(Expr::exists(sessions).not());
        if let Some(c) = cursor {
            query = query.filter(after(C::ReceivedAt, C::Id, c));
        }
        let batch: Vec<Candidate> = query
            .order_by_asc(C::ReceivedAt)
            .order_by_asc(C::Id)
            .limit(BATCH)
            .into_tuple()
            .all(db)
            .await?;
        let exhausted = (batch.len() as u64) < BATCH;
        for (id, reference, code, received_at, stored_status, record) in batch {
            cursor = Some((received_at, id));
            let Some(facility) = scope.facility(&code) else {
                continue;
            };
            let preferred = serde_json::from_str::<Value>(&record).ok().and_then(|r| {
                r["complainant"]["preferredLanguage"]
                    .as_str()
                    .map(str::to_owned)
            });
            let Some(preferred) = preferred else { continue };
            let Some(primary) = primary_language(&preferred) else {
                continue;
            };
            if primary_language(&facility.default_language).as_deref() == Some(primary.as_str()) {
                continue;
            }
            if gaps.len() == want {
                return Ok(LanguageGapPage {
                    gaps,
                    has_next_page: true,
                });
            }
            gaps.push(LanguageGap {
                id,
                reference,
                facility_code: code,
                facility_language: facility.default_language.clone(),
                received_at,
                tz: facility.tz,
                preferred_language: preferred,
                status: status(&stored_status)?,
                cursor: encode_cursor(received_at, id),
            });
        }
        if exhausted {
            return Ok(LanguageGapPage {
                gaps,
                has_next_page: false,
            });
        }
    }
}

/// Every gap in the period as a table (read a batch at a time).
pub async fn table(
    reader: &Reader<'_>,
    filter: &ReportFilter,
    _params: &ExportParams,
) -> Result<Table, ServiceError> {
    let scope = reader
        .report(
            Operation::ReadReports,
            REPORT,
            filter,
            json!({ "export": true }),
        )
        .await?;
    let all = page(reader.db(), &scope, u64::MAX >> 1, None).await?;
    let mut table = Table::new(vec![
        "reference",
        "facility",
        "facility_language",
        "received_at",
        "preferred_language",
        "status",
    ]);
    for g in all.gaps {
        table.push(vec![
            g.reference,
            g.facility_code,
            g.facility_language,
            g.received_at
                .with_timezone(&g.tz)
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
            g.preferred_language,
            g.status.as_str().to_owned(),
        ]);
    }
    Ok(table)
}

#[cfg(test)]
mod tests {
    use super::primary_language;

    #[test]
    fn primary_subtags() {
        for (tag, want) in [
            ("es-MX", Some("es")),
            ("es", Some("es")),
            (" ZH_hant ", Some("zh")),
            ("Spanish", Some("spanish")),
            ("", None),
            ("  ", None),
        ] {
            assert_eq!(primary_language(tag).as_deref(), want, "{tag:?}");
        }
    }
}
