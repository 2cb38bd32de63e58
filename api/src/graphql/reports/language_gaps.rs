//! `languageAccessGaps`: translation only.

use async_graphql::{Context, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};

use super::{ReportFilterInput, report_error};
use crate::graphql::common::paging::page_size;
use crate::graphql::context::ContextExt;
use crate::ids::{NodeKind, encode_id};
use crate::services::reports::language_gaps::{self, LanguageGapPage};

#[derive(Default)]
pub struct LanguageGapsQuery;

#[Object]
impl LanguageGapsQuery {
    /// Grievances received in the period whose complainant's preferred
    /// language is not the facility's default language and that have no
    /// interpreter session logged on them (Section 1557, 45 CFR 92.201).
    /// Languages are compared by their primary subtag, case-insensitively
    /// (`es-MX` is the language of a facility working in `es`); a
    /// grievance with no preferred language recorded is not listed.
    /// Keyset pages (`first`, `after`), oldest receipt first. Roles
    /// PATIENT_RELATIONS_MANAGER and COMPLIANCE; each page is one
    /// access-log entry with its filter.
    async fn language_access_gaps(
        &self,
        ctx: &Context<'_>,
        filter: ReportFilterInput,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<LanguageAccessGaps> {
        let filter = filter.filter()?;
        let first = page_size(ctx, first)?;
        let page = language_gaps::language_gaps(&ctx.reader()?, &filter, first, after.as_deref())
            .await
            .map_err(report_error)?;
        Ok(LanguageAccessGaps::from(page))
    }
}

/// A page of language-access gaps.
#[derive(SimpleObject)]
pub struct LanguageAccessGaps {
    pub nodes: Vec<LanguageAccessGap>,
    /// Pass as `after` for the next page; null when the page is empty.
    pub end_cursor: Option<String>,
    pub has_next_page: bool,
}

/// A grievance with no interpreter session though its complainant
/// prefers another language than the facility's.
#[derive(SimpleObject)]
pub struct LanguageAccessGap {
    /// The complaint's global id.
    pub complaint_id: async_graphql::ID,
    pub reference: String,
    pub facility_code: String,
    /// The facility's default language (BCP 47).
    pub facility_language: String,
    pub received_at: DateTime<Utc>,
    /// Received at, in the facility's time zone with its offset.
    pub received_at_local: String,
    /// As recorded (free text).
    pub preferred_language: String,
    pub status: crate::domain::complaint::Status,
}

impl From<LanguageGapPage> for LanguageAccessGaps {
    fn from(p: LanguageGapPage) -> Self {
        LanguageAccessGaps {
            end_cursor: p.gaps.last().map(|g| g.cursor.clone()),
            has_next_page: p.has_next_page,
            nodes: p
                .gaps
                .into_iter()
                .map(|g| LanguageAccessGap {
                    complaint_id: encode_id(NodeKind::Complaint, g.id),
                    reference: g.reference,
                    facility_code: g.facility_code,
                    facility_language: g.facility_language,
                    received_at: g.received_at,
                    received_at_local: g
                        .received_at
                        .with_timezone(&g.tz)
                        .to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
                    preferred_language: g.preferred_language,
                    status: g.status,
                })
                .collect(),
        }
    }
}
