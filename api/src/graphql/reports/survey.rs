//! `surveyReadiness`: input → `services::reports::survey` → findings.

use async_graphql::connection::{Connection, Edge, EmptyFields};
use async_graphql::{Context, ID, Object, Result, SimpleObject};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{ReportFilterInput, report_error};
use crate::domain::accessibility::{NeedType, Status as RequestStatus};
use crate::domain::survey::{SurveyRule, SurveyTag};
use crate::graphql::common::paging::{ConnectionFields, page_size};
use crate::graphql::context::ContextExt;
use crate::graphql::errors;
use crate::ids::{NodeKind, encode_id};
use crate::services::reports::survey::{self, FindingKey, SurveyFinding as Finding};

/// What a surveyor would cite today, found on one complaint or one
/// accessibility request.
#[derive(SimpleObject)]
pub struct SurveyFinding {
    /// The rule not met.
    pub rule: SurveyRule,
    /// Where a surveyor cites it: an Appendix A tag, or `POLICY`.
    pub tag: SurveyTag,
    /// The tag as written in a survey report: `A-0123`, or `Policy`.
    pub tag_label: String,
    /// What is missing, and what to do about it.
    pub missing: String,
    /// The facility's code.
    pub facility: String,
    /// The department recorded on the complaint or request.
    pub department: String,
    /// The complaint the finding is about (none for an accessibility request).
    pub complaint: Option<SurveyFindingComplaint>,
    /// The accessibility request the finding is about (a failed
    /// accommodation with no grievance linked).
    pub accessibility_request: Option<SurveyFindingAccessibilityRequest>,
}

/// The complaint a survey finding is about.
#[derive(SimpleObject)]
pub struct SurveyFindingComplaint {
    /// The complaint's global id (`node(id:)`, `complaint(id:)`).
    pub id: ID,
    pub reference: String,
    pub received_at: DateTime<Utc>,
}

/// The accessibility request a survey finding is about.
#[derive(SimpleObject)]
pub struct SurveyFindingAccessibilityRequest {
    /// The request's global id.
    pub id: ID,
    pub need_type: NeedType,
    pub status: RequestStatus,
    pub needed_by: DateTime<Utc>,
}

impl From<Finding> for SurveyFinding {
    fn from(f: Finding) -> Self {
        SurveyFinding {
            rule: f.key.rule,
            tag: f.key.rule.tag(),
            tag_label: f.key.rule.tag().label().to_owned(),
            missing: f.missing,
            facility: f.facility_code,
            department: f.department,
            complaint: f.complaint.map(|c| SurveyFindingComplaint {
                id: encode_id(NodeKind::Complaint, c.id),
                reference: c.reference,
                received_at: c.received_at,
            }),
            accessibility_request: f.accessibility_request.map(|r| {
                SurveyFindingAccessibilityRequest {
                    id: encode_id(NodeKind::AccessibilityRequest, r.id),
                    need_type: r.need_type,
                    status: r.status,
                    needed_by: r.needed_by,
                }
            }),
        }
    }
}

fn cursor(key: &FindingKey) -> String {
    URL_SAFE_NO_PAD.encode(format!(
        "survey:{}:{}:{}",
        key.at.timestamp_micros(),
        key.id.simple(),
        key.rule.as_str()
    ))
}

fn parse_cursor(text: &str) -> Result<FindingKey> {
    let bad = || errors::bad_input("`after` is not a cursor from this connection");
    let raw = URL_SAFE_NO_PAD.decode(text.as_bytes()).map_err(|_| bad())?;
    let raw = String::from_utf8(raw).map_err(|_| bad())?;
    let mut parts = raw.splitn(4, ':');
    if parts.next() != Some("survey") {
        return Err(bad());
    }
    let at = parts
        .next()
        .and_then(|p| p.parse::<i64>().ok())
        .and_then(DateTime::<Utc>::from_timestamp_micros)
        .ok_or_else(bad)?;
    let id = parts
        .next()
        .and_then(|p| Uuid::try_parse(p).ok())
        .ok_or_else(bad)?;
    let rule = parts.next().and_then(SurveyRule::parse).ok_or_else(bad)?;
    Ok(FindingKey { at, id, rule })
}

#[derive(Default)]
pub struct SurveyQuery;

#[Object]
impl SurveyQuery {
    /// What a surveyor would cite today, in the facilities and period of
    /// `filter` (complaints by when they were received, accessibility
    /// requests by when they were needed, each in its facility's zone):
    /// open grievances past an acknowledgement or resolution due time
    /// (A-0122); grievances resolved without a written response or without
    /// one of its elements (A-0123); Medicare beneficiaries' quality-of-care
    /// or premature-discharge grievances resolved without the QIO notice
    /// (A-0120); written complaints resolved at the point of service, and
    /// verbal complaints still open after their local day of receipt
    /// without being escalated (A-0118); failed accommodations with no
    /// grievance linked (policy: Section 504, Section 1557). Ordered by
    /// that time, then record, then rule. A report, not a lock: it refuses
    /// nothing. COMPLIANCE and PATIENT_RELATIONS_MANAGER; each run is one
    /// access-log entry.
    async fn survey_readiness(
        &self,
        ctx: &Context<'_>,
        filter: ReportFilterInput,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, SurveyFinding, ConnectionFields, EmptyFields>> {
        let first = page_size(ctx, first)?;
        let after_key = after.as_deref().map(parse_cursor).transpose()?;
        let filter = filter.filter()?;
        let reader = ctx.reader()?;
        let page = survey::page(&reader, &filter, first, after_key)
            .await
            .map_err(report_error)?;
        let mut connection = Connection::with_additional_fields(
            after_key.is_some(),
            page.has_next,
            ConnectionFields {
                total_count: page.total,
            },
        );
        connection.edges.extend(
            page.findings
                .into_iter()
                .map(|f| Edge::new(cursor(&f.key), SurveyFinding::from(f))),
        );
        Ok(connection)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip() {
        let key = FindingKey {
            at: DateTime::<Utc>::from_timestamp_micros(1_780_000_000_123_456).unwrap_or_default(),
            id: Uuid::now_v7(),
            rule: SurveyRule::QioNoticeMissing,
        };
        assert_eq!(parse_cursor(&cursor(&key)).ok(), Some(key));
        assert!(parse_cursor("bm9wZQ").is_err());
    }
}
