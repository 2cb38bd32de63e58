//! `grievanceLog`: input → the services' log page → rows.

use async_graphql::connection::{Connection, Edge, EmptyFields};
use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};

use super::{ReportFilterInput, report_error};
use crate::domain::clocks::{ClockKind, ClockStatus};
use crate::domain::complaint::{
    Channel, Classification, ClassificationReason, ContactMethod, HcatCategory, StageOfCare, Status,
};
use crate::graphql::common::{DEFAULT_PAGE_SIZE, UserRef, page_size};
use crate::graphql::context::ContextExt;
use crate::ids::{NodeKind, encode_id};
use crate::services::reports::grievance_log::{self as svc, LogClock, LogCursor, LogRow, Outcome};
use crate::services::reports::months;

/// Which complaints the grievance log lists. Days are local days of
/// receipt at each facility.
#[derive(InputObject, Clone, Debug)]
pub struct GrievanceLogFilter {
    /// Facility codes; omit or leave empty for every facility you can see.
    pub facilities: Option<Vec<String>>,
    /// One department, as recorded on the complaints; omit for all.
    pub department: Option<String>,
    /// First local day of receipt covered.
    pub from: NaiveDate,
    /// Last local day of receipt covered (included).
    pub to: NaiveDate,
    /// `GRIEVANCE` when omitted (the log is of grievances); `COMPLAINT`
    /// lists the complaints that were not made grievances.
    pub classification: Option<Classification>,
    /// Any of these statuses; omit for all.
    pub status: Option<Vec<Status>>,
    /// Only complaints with at least one issue of this HCAT category.
    pub category: Option<HcatCategory>,
    /// `true`: only complaints with a missed clock (met after its due time,
    /// or open and past due now); `false`: only those without.
    pub missed_deadline: Option<bool>,
}

impl GrievanceLogFilter {
    fn to_service(&self) -> Result<svc::LogFilter> {
        let report = ReportFilterInput {
            facilities: self.facilities.clone(),
            department: self.department.clone(),
            from: self.from,
            to: self.to,
        }
        .filter()?;
        Ok(svc::LogFilter {
            report,
            classification: Some(self.classification.unwrap_or(Classification::Grievance)),
            statuses: self.status.clone().unwrap_or_default(),
            category: self.category,
            missed_deadline: self.missed_deadline,
        })
    }
}

/// How a complaint ended, or that it has not.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum GrievanceOutcome {
    /// Still being worked.
    Open,
    /// Resolved with a written response (A-0123).
    ResolvedInWriting,
    /// Resolved at the point of service by staff present.
    ResolvedAtPointOfService,
    /// Resolved without a written response, not at the point of service.
    Resolved,
    /// Withdrawn by the complainant.
    Withdrawn,
}

impl From<Outcome> for GrievanceOutcome {
    fn from(o: Outcome) -> Self {
        match o {
            Outcome::Open => GrievanceOutcome::Open,
            Outcome::ResolvedInWriting => GrievanceOutcome::ResolvedInWriting,
            Outcome::ResolvedAtPointOfService => GrievanceOutcome::ResolvedAtPointOfService,
            Outcome::Resolved => GrievanceOutcome::Resolved,
            Outcome::Withdrawn => GrievanceOutcome::Withdrawn,
        }
    }
}

/// One HCAT issue of a grievance.
#[derive(SimpleObject)]
pub struct GrievanceLogIssue {
    pub category: HcatCategory,
    /// 1 (low), 2 (medium), 3 (high).
    pub severity: i32,
    pub stage_of_care: StageOfCare,
}

/// One clock of a grievance.
#[derive(SimpleObject)]
pub struct GrievanceLogClock {
    pub kind: ClockKind,
    pub due_at: DateTime<Utc>,
    /// The due time in the facility's zone, with its offset.
    pub due_at_local: String,
    pub met_at: Option<DateTime<Utc>>,
    pub status: ClockStatus,
    /// Met after its due time, or open and past due now.
    pub missed: bool,
}

impl GrievanceLogClock {
    fn new(row: &LogRow, c: &LogClock) -> Self {
        GrievanceLogClock {
            kind: c.kind,
            due_at: c.due_at,
            due_at_local: row.local(c.due_at),
            met_at: c.met_at,
            status: c.status,
            missed: c.missed,
        }
    }
}

/// One grievance with every element a CMS surveyor cites (A-0118 to A-0123).
pub struct GrievanceLogEntry(LogRow);

#[Object]
impl GrievanceLogEntry {
    /// The complaint's global id (for `node` / `complaint`).
    async fn complaint_id(&self) -> ID {
        encode_id(NodeKind::Complaint, self.0.id)
    }
    async fn reference(&self) -> &str {
        &self.0.reference
    }
    async fn facility_code(&self) -> &str {
        &self.0.facility_code
    }
    async fn facility_name(&self) -> &str {
        &self.0.facility_name
    }
    async fn department(&self) -> &str {
        &self.0.department
    }
    async fn received_at(&self) -> DateTime<Utc> {
        self.0.received_at
    }
    /// Receipt in the facility's zone, with its offset (RFC 3339).
    async fn received_at_local(&self) -> String {
        self.0.local(self.0.received_at)
    }
    async fn channel(&self) -> Channel {
        self.0.channel
    }
    async fn classification(&self) -> Classification {
        self.0.classification
    }
    /// Why it is a grievance.
    async fn classification_reasons(&self) -> &[ClassificationReason] {
        &self.0.classification_reasons
    }
    /// HCAT categories, severities and stages of care.
    async fn issues(&self) -> Vec<GrievanceLogIssue> {
        self.0
            .issues
            .iter()
            .map(|i| GrievanceLogIssue {
                category: i.category,
                severity: i32::from(i.severity),
                stage_of_care: i.stage_of_care,
            })
            .collect()
    }
    async fn owner(&self) -> Option<UserRef> {
        self.0.owner.as_ref().map(UserRef::from)
    }
    async fn status(&self) -> Status {
        self.0.status
    }
    async fn acknowledged_at(&self) -> Option<DateTime<Utc>> {
        self.0.acknowledged_at
    }
    /// How the acknowledgement was given.
    async fn acknowledgement_method(&self) -> Option<ContactMethod> {
        self.0.acknowledgement_method
    }
    async fn resolved_at(&self) -> Option<DateTime<Utc>> {
        self.0.resolved_at
    }
    async fn written_response_sent_at(&self) -> Option<DateTime<Utc>> {
        self.0.written_response_sent_at
    }
    /// How the written response was sent.
    async fn written_response_method(&self) -> Option<ContactMethod> {
        self.0.written_response_method
    }
    /// A Medicare beneficiary's grievance about quality of care or a
    /// premature discharge: the response owes the QIO notice (A-0120).
    async fn qio_notice_required(&self) -> bool {
        self.0.qio_notice_required
    }
    /// Whether the written response included the QIO notice; null without
    /// a written response.
    async fn qio_notice_included(&self) -> Option<bool> {
        self.0.qio_notice_included
    }
    /// The acknowledgement and resolution clocks, and the progress notice
    /// where the grievance's policy has that duty.
    async fn clocks(&self) -> Vec<GrievanceLogClock> {
        self.0
            .clocks
            .iter()
            .map(|c| GrievanceLogClock::new(&self.0, c))
            .collect()
    }
    async fn outcome(&self) -> GrievanceOutcome {
        self.0.outcome.into()
    }
    /// How many times it was reopened.
    async fn reopen_count(&self) -> i32 {
        i32::try_from(self.0.reopen_count).unwrap_or(i32::MAX)
    }
    /// Whole days from receipt to resolution or withdrawal, or to now
    /// while open.
    async fn days_open(&self) -> i64 {
        self.0.days_open
    }
}

/// Grievance log pages: keyset-paged, oldest receipt first. No total count
/// (counting every match of a large system is a scan a page does not need).
pub type GrievanceLogConnection = Connection<String, GrievanceLogEntry, EmptyFields, EmptyFields>;

/// The reports' `(received_at, id)` cursor (`services::reports::months`).
fn encode_cursor(c: LogCursor) -> String {
    months::encode_cursor(c.received_at, c.id)
}

fn decode_cursor(cursor: &str) -> Result<LogCursor> {
    let (received_at, id) = months::decode_cursor(cursor).map_err(report_error)?;
    Ok(LogCursor { received_at, id })
}

#[derive(Default)]
pub struct GrievanceLogQuery;

#[Object]
impl GrievanceLogQuery {
    /// The grievance log surveyors ask for first: one row per grievance
    /// received in the period (local days at each facility), with every
    /// element CMS cites — reference, facility, department, receipt,
    /// channel, classification reasons, HCAT issues, owner, acknowledgement,
    /// resolution, written response, QIO notice, each clock with due time
    /// and met/missed, outcome, reopenings and days open. Oldest receipt
    /// first, keyset-paged. PATIENT_RELATIONS_MANAGER and COMPLIANCE; each
    /// call is one access-log entry (operation `grievanceLog`) with its
    /// filter.
    #[graphql(
        complexity = "first.map_or(DEFAULT_PAGE_SIZE as usize, |n| n.max(0) as usize) * child_complexity + 1"
    )]
    async fn grievance_log(
        &self,
        ctx: &Context<'_>,
        filter: GrievanceLogFilter,
        #[graphql(desc = "Page size: at most the configured limit, 20 when omitted.")]
        first: Option<i32>,
        #[graphql(desc = "The `endCursor` of the previous page.")] after: Option<String>,
    ) -> Result<GrievanceLogConnection> {
        let limit = page_size(ctx, first)?;
        let filter = filter.to_service()?;
        let after = after.as_deref().map(decode_cursor).transpose()?;
        let page = svc::page(&ctx.reader()?, &filter, after, limit)
            .await
            .map_err(report_error)?;
        let mut connection = Connection::new(after.is_some(), page.has_next);
        connection.edges.extend(
            page.rows
                .into_iter()
                .map(|r| Edge::new(encode_cursor(r.cursor()), GrievanceLogEntry(r))),
        );
        Ok(connection)
    }
}
