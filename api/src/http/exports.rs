//! `GET /exports/<report>.csv`: a report as RFC 4180 CSV (the `csv`
//! crate), for spreadsheets and surveyors.
//!
//! - The bearer token is verified as on `/graphql`; without one, or with a
//!   bad one, 401. While the database is known to be down, 503 at once
//!   (`Retry-After: 1`). The report authorises and access-logs the run once
//!   (operation `export:<report>` for the grievance log, the report's
//!   name otherwise), so a role without reports gets 403.
//! - The filter is in the query string: `from` and `to` (local days,
//!   `YYYY-MM-DD`, both required), `facilities=A,B`, `department`, and the
//!   report's own parameters (`groupBy`, the grievance log's
//!   `classification`, `status=A,B`, `category`, `missedDeadline`). A bad
//!   or unknown parameter, or a facility outside your scope, is a 400 that
//!   says which; an unknown report a 404.
//! - A header row, then one row per record; times in the facility's zone
//!   with their offset; `Content-Type: text/csv; charset=utf-8` and
//!   `Content-Disposition: attachment; filename="<report>_<from>_<to>.csv"`.
//! - Formula injection: a cell that starts with `=`, `+`, `-`, `@`, a tab
//!   or a carriage return gets a leading `'`, which spreadsheets read as
//!   "this is text" (OWASP's advice); the rest of the cell is unchanged.
//! - The grievance log streams from the database in keyset batches of
//!   1,000 rows, so an export of a year of a large system never sits in
//!   memory. Every status and header is decided before the first byte; a
//!   database fault mid-stream is logged and ends the body without its
//!   final chunk (chunked transfer), so the client sees a truncated,
//!   failed download — never a short file that looks complete.
//!   Other reports are built whole through their `table()` (they are
//!   aggregates: a few rows per facility and month).
//! - Each request spends one export from its user's and its address's
//!   budgets first (`http::rate_limit`): over either, 429 `RATE_LIMITED`.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, ContentDisposition, DispositionParam, DispositionType};
use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::StreamExt;
use sea_orm::DatabaseConnection;
use tracing_actix_web::RequestId;

use super::answers::{RequestReads, bad_request, error, refusal_message, unauthorized};
use super::graphql::GraphqlEndpoint;
use super::rate_limit::{Class, RateLimits};
use crate::auth::AuthError;
use crate::auth::jwks::KEYS_RETRY_AFTER_SECONDS;
use crate::domain::report::Period;
use crate::services::reads::Reader;
use crate::services::reports::grievance_log::{self, LogFilter};
use crate::services::reports::table::{ExportParams, Table};
use crate::services::reports::{self, ReportFilter};
use crate::services::{RefusalCode, ServiceError};

/// What a spreadsheet would run as a formula when a cell starts with it.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// A cell as text a spreadsheet will not evaluate: a leading `'` before a
/// formula start, the cell unchanged otherwise.
pub fn neutralise(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(FORMULA_STARTS) {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
}

fn refused(e: ServiceError) -> HttpResponse {
    match e {
        ServiceError::Refused(refusals) => {
            let message = refusal_message(&refusals);
            if refusals.iter().any(|r| r.code == RefusalCode::Forbidden) {
                error(StatusCode::FORBIDDEN, "FORBIDDEN", &message)
            } else {
                bad_request(&message)
            }
        }
        ServiceError::Db(e) => {
            tracing::error!(error = %e, "export failed");
            error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "INTERNAL_SERVER_ERROR",
                "the export could not be read",
            )
        }
    }
}

/// The common filter and the report's own parameters, from the query
/// string.
fn filter_of(query: &str) -> Result<(ReportFilter, ExportParams), String> {
    let pairs = web::Query::<Vec<(String, String)>>::from_query(query)
        .map_err(|_| "the query string is malformed".to_owned())?
        .into_inner();
    let mut params = ExportParams::new();
    for (k, v) in pairs {
        if params.insert(k.clone(), v).is_some() {
            return Err(format!("`{k}` is given twice"));
        }
    }
    let mut day = |name: &str| -> Result<chrono::NaiveDate, String> {
        let v = params
            .remove(name)
            .ok_or_else(|| format!("`{name}` is required (a local day, YYYY-MM-DD)"))?;
        chrono::NaiveDate::parse_from_str(v.trim(), "%Y-%m-%d")
            .map_err(|_| format!("`{name}` must be a day as YYYY-MM-DD, not `{v}`"))
    };
    let (from, to) = (day("from")?, day("to")?);
    let period =
        Period::new(from, to).map_err(|e| format!("{}: {}", e.field.join("."), e.message))?;
    let facilities = params
        .remove("facilities")
        .map(|f| {
            f.split(',')
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let department = params
        .remove("department")
        .map(|d| d.trim().to_owned())
        .filter(|d| !d.is_empty());
    Ok((
        ReportFilter {
            facilities,
            department,
            period,
        },
        params,
    ))
}

fn csv_bytes(rows: impl IntoIterator<Item = Vec<String>>) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::WriterBuilder::new()
        .has_headers(false)
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    for row in rows {
        w.write_record(row.iter().map(|c| neutralise(c).into_owned()))?;
    }
    w.into_inner().map_err(|e| e.into_error().into())
}

fn header_row(header: &[&str]) -> Vec<String> {
    header.iter().map(|h| (*h).to_owned()).collect()
}

fn csv_response(report: &str, period: Period) -> actix_web::HttpResponseBuilder {
    let mut ok = HttpResponse::Ok();
    ok.content_type("text/csv; charset=utf-8")
        .insert_header(ContentDisposition {
            disposition: DispositionType::Attachment,
            parameters: vec![DispositionParam::Filename(format!(
                "{report}_{}_{}.csv",
                period.from(),
                period.to()
            ))],
        })
        .insert_header((header::CACHE_CONTROL, "no-store"));
    ok
}

/// `GET /exports/{file}`.
pub async fn export(
    request: HttpRequest,
    file: web::Path<String>,
    endpoint: web::Data<GraphqlEndpoint>,
    db: web::Data<DatabaseConnection>,
    rate_limits: web::Data<RateLimits>,
    request_id: RequestId,
) -> HttpResponse {
    let verified = match request.headers().get(header::AUTHORIZATION) {
        None => None,
        Some(value) => Some(match value.to_str() {
            Ok(value) => endpoint.verifier.verify_header(value).await,
            Err(_) => Err(AuthError::MalformedHeader),
        }),
    };
    // Rate limits (http/rate_limit.rs): an export counts against its user
    // and address; without a valid token, against the address only.
    let subject = match &verified {
        Some(Ok(actor)) => Some(actor.subject.as_str()),
        _ => None,
    };
    if let Err(limited) = rate_limits.gate(&request, subject).check(Class::Export) {
        return limited.json_response();
    }
    let actor = match verified {
        Some(Ok(actor)) => actor,
        None => return unauthorized("an export needs a bearer token"),
        Some(Err(e)) if e.is_unavailable() => {
            let mut response = error(
                StatusCode::SERVICE_UNAVAILABLE,
                "AUTH_KEYS_UNAVAILABLE",
                &e.to_string(),
            );
            response.headers_mut().insert(
                header::RETRY_AFTER,
                header::HeaderValue::from_static(KEYS_RETRY_AFTER_SECONDS),
            );
            return response;
        }
        Some(Err(_)) => return unauthorized("the bearer token was refused"),
    };
    if !endpoint.health.is_up() {
        let mut response = error(
            StatusCode::SERVICE_UNAVAILABLE,
            "DATABASE_UNAVAILABLE",
            "the database is unavailable; nothing was read: retry later",
        );
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, header::HeaderValue::from_static("1"));
        return response;
    }
    let unknown = || {
        error(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            &format!(
                "no report export `{file}`; exports are /exports/<report>.csv, e.g. /exports/grievance-log.csv"
            ),
        )
    };
    let Some(report) = file.strip_suffix(".csv") else {
        return unknown();
    };
    if !is_report(report) {
        return unknown();
    }
    let (filter, params) = match filter_of(request.query_string()) {
        Ok(f) => f,
        Err(message) => return bad_request(&message),
    };
    let reads = RequestReads::new(&request_id);
    let reader = reads.reader(db.get_ref(), &actor, &endpoint);
    if report == "grievance-log" {
        return grievance_log_csv(&reader, filter, &params).await;
    }
    if let Some(name) = params
        .keys()
        .find(|k| !own_params(report).contains(&k.as_str()))
    {
        return bad_request(&format!("the {report} export takes no parameter `{name}`"));
    }
    let table = match table_of(report, &reader, &filter, &params).await {
        Some(Ok(table)) => table,
        Some(Err(e)) => return refused(e),
        None => return unknown(),
    };
    let rows = std::iter::once(header_row(&table.header)).chain(table.rows);
    match csv_bytes(rows) {
        Ok(body) => csv_response(report, filter.period).body(body),
        Err(e) => refused(ServiceError::Db(sea_orm::DbErr::Custom(e.to_string()))),
    }
}

/// The reports that export, by their path name: checked before the
/// filter, so an unknown report is a 404 whatever its parameters. Public
/// so the end-to-end tests can check each one is tested.
pub const REPORTS: &[&str] = &[
    "grievance-log",
    "survey-readiness",
    "timeliness",
    "trends",
    "reopen",
    "language-access-gaps",
    "service-recovery-cost",
    "interpreter-usage",
    "accessibility",
    "access-review",
];

fn is_report(report: &str) -> bool {
    REPORTS.contains(&report)
}

/// The parameters a table report takes beyond the common filter; any
/// other is a 400 rather than silently ignored (a misspelt `groupby`
/// must not export something other than what was asked for).
fn own_params(report: &str) -> &'static [&'static str] {
    match report {
        "trends" => &["groupBy"],
        "access-review" => &["list"],
        _ => &[],
    }
}

/// A report's table (every report but the grievance log, which streams);
/// `None` for a name without an arm. Adding a report is its name in
/// [`REPORTS`] and one arm here, e.g.
/// `"timeliness" => reports::timeliness::table(reader, filter, params).await`.
async fn table_of(
    report: &str,
    reader: &Reader<'_>,
    filter: &ReportFilter,
    params: &ExportParams,
) -> Option<Result<Table, ServiceError>> {
    Some(match report {
        "survey-readiness" => reports::survey::table(reader, filter, params).await,
        "timeliness" => reports::timeliness::table(reader, filter, params).await,
        "trends" => reports::trends::table(reader, filter, params).await,
        "reopen" => reports::reopen::table(reader, filter, params).await,
        "language-access-gaps" => reports::language_gaps::table(reader, filter, params).await,
        "service-recovery-cost" => reports::recovery_cost::table(reader, filter, params).await,
        "interpreter-usage" => reports::interpreter_usage::table(reader, filter, params).await,
        "accessibility" => reports::accessibility_report::table(reader, filter, params).await,
        "access-review" => reports::access_review::table(reader, filter, params).await,
        _ => return None,
    })
}

/// The grievance log, streamed in batches as the client reads.
async fn grievance_log_csv(
    reader: &Reader<'_>,
    filter: ReportFilter,
    params: &ExportParams,
) -> HttpResponse {
    let period = filter.period;
    let log_filter = match LogFilter::from_params(filter, params) {
        Ok(f) => f,
        Err(e) => return refused(e),
    };
    let batches = match grievance_log::export(reader, log_filter).await {
        Ok(s) => s,
        Err(e) => return refused(e),
    };
    let header = csv_bytes([header_row(&grievance_log::header())]);
    let head = futures_util::stream::once(async move { header });
    let body = batches.map(|batch| {
        batch
            .map_err(|e| csv::Error::from(std::io::Error::other(e.to_string())))
            .and_then(|rows| csv_bytes(rows.iter().map(grievance_log::row_cells)))
    });
    let body = head.chain(body).map(|chunk| {
        chunk.map(web::Bytes::from).map_err(|e| {
            tracing::error!(error = %e, "grievance log export ended early");
            actix_web::error::ErrorInternalServerError("export failed")
        })
    });
    csv_response("grievance-log", period).streaming(body)
}
