//! `accessReview`.

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};

use super::{ReportFilterInput, report_error};
use crate::graphql::common::paging::page_size;
use crate::graphql::context::ContextExt;
use crate::ids::{NodeKind, encode_id};
use crate::services::reports::access_review::{self, Paged, ReviewPaging};

/// Where each list of the review continues: the `endCursor` of the page
/// before (each list pages on its own).
#[derive(InputObject, Default)]
pub struct AccessReviewPaging {
    /// Items per list (default and limit as for every connection).
    pub first: Option<i32>,
    pub users_after: Option<String>,
    pub complaints_after: Option<String>,
    pub flagged_after: Option<String>,
    pub runs_after: Option<String>,
}

/// The end of a page: pass `endCursor` back to continue.
#[derive(SimpleObject)]
pub struct ReviewPageInfo {
    pub end_cursor: Option<String>,
    pub has_next_page: bool,
}

fn info<T>(p: &Paged<T>) -> ReviewPageInfo {
    ReviewPageInfo {
        end_cursor: p.end_cursor.clone(),
        has_next_page: p.has_next_page,
    }
}

/// One user's complaint reads in scope and period.
#[derive(SimpleObject)]
pub struct AccessReviewUser {
    pub subject: String,
    pub name: String,
    pub reads: u64,
    /// Distinct complaints read.
    pub complaints: u64,
    /// Reads flagged (see `AccessReviewFlaggedRead`).
    pub flagged: u64,
    /// The department most of their reads are in (ties: first by name).
    pub usual_department: Option<String>,
}

/// One complaint's reads in the period.
#[derive(SimpleObject)]
pub struct AccessReviewComplaint {
    pub complaint_id: ID,
    pub reference: String,
    pub facility_code: String,
    pub reads: u64,
    /// Distinct readers.
    pub readers: u64,
    pub flagged: u64,
}

/// A read that stands out: by someone neither owner (assignee) nor creator
/// of the complaint, or outside the reader's usual department.
#[derive(SimpleObject)]
pub struct AccessReviewFlaggedRead {
    pub accessed_at: DateTime<Utc>,
    pub subject: String,
    pub name: String,
    pub complaint_id: ID,
    pub reference: String,
    pub facility_code: String,
    pub department: String,
    pub not_involved: bool,
    pub outside_usual_department: bool,
}

/// Report runs (compliance reports, this review included) per user.
#[derive(SimpleObject)]
pub struct AccessReviewRuns {
    pub subject: String,
    pub name: String,
    pub runs: u64,
}

#[derive(SimpleObject)]
pub struct AccessReviewUsers {
    pub nodes: Vec<AccessReviewUser>,
    pub page_info: ReviewPageInfo,
}

#[derive(SimpleObject)]
pub struct AccessReviewComplaints {
    pub nodes: Vec<AccessReviewComplaint>,
    pub page_info: ReviewPageInfo,
}

#[derive(SimpleObject)]
pub struct AccessReviewFlagged {
    pub nodes: Vec<AccessReviewFlaggedRead>,
    pub page_info: ReviewPageInfo,
}

#[derive(SimpleObject)]
pub struct AccessReviewRunList {
    pub nodes: Vec<AccessReviewRuns>,
    pub page_info: ReviewPageInfo,
}

#[derive(SimpleObject)]
pub struct AccessReview {
    /// Reads per user, by subject.
    pub users: AccessReviewUsers,
    /// Reads per complaint, by complaint.
    pub complaints: AccessReviewComplaints,
    /// Flagged reads, oldest first.
    pub flagged: AccessReviewFlagged,
    /// Report runs per user, by subject.
    pub report_runs: AccessReviewRunList,
}

#[derive(Default)]
pub struct AccessReviewQuery;

#[Object]
impl AccessReviewQuery {
    /// The information-system activity review (45 CFR
    /// 164.308(a)(1)(ii)(D)) over the access log: reads of complaints of
    /// the covered facilities in the period (local days at each
    /// complaint's facility; the department applied), per user and per
    /// complaint; flagged reads (reader neither owner nor creator of the
    /// complaint, or outside their usual department: the one most of
    /// their reads in the period are in); and report runs per user (over
    /// the widest instants the period covers at those facilities).
    /// `COMPLIANCE` only; facilities outside your scope are refused. Each
    /// run is one access-log entry, and appears in `reportRuns`.
    async fn access_review(
        &self,
        ctx: &Context<'_>,
        filter: ReportFilterInput,
        paging: Option<AccessReviewPaging>,
    ) -> Result<AccessReview> {
        let filter = filter.filter()?;
        let p = paging.unwrap_or_default();
        let paging = ReviewPaging {
            first: page_size(ctx, p.first)?,
            users_after: p.users_after,
            complaints_after: p.complaints_after,
            flagged_after: p.flagged_after,
            runs_after: p.runs_after,
        };
        let r = access_review::review(&ctx.reader()?, &filter, &paging)
            .await
            .map_err(report_error)?;
        let complaint = |id| encode_id(NodeKind::Complaint, id);
        Ok(AccessReview {
            users: AccessReviewUsers {
                page_info: info(&r.users),
                nodes: r
                    .users
                    .items
                    .into_iter()
                    .map(|u| AccessReviewUser {
                        subject: u.subject,
                        name: u.name,
                        reads: u.reads,
                        complaints: u.complaints,
                        flagged: u.flagged,
                        usual_department: u.usual_department,
                    })
                    .collect(),
            },
            complaints: AccessReviewComplaints {
                page_info: info(&r.complaints),
                nodes: r
                    .complaints
                    .items
                    .into_iter()
                    .map(|c| AccessReviewComplaint {
                        complaint_id: complaint(c.complaint_id),
                        reference: c.reference,
                        facility_code: c.facility_code,
                        reads: c.reads,
                        readers: c.readers,
                        flagged: c.flagged,
                    })
                    .collect(),
            },
            flagged: AccessReviewFlagged {
                page_info: info(&r.flagged),
                nodes: r
                    .flagged
                    .items
                    .into_iter()
                    .map(|f| AccessReviewFlaggedRead {
                        accessed_at: f.accessed_at,
                        subject: f.subject,
                        name: f.name,
                        complaint_id: complaint(f.complaint_id),
                        reference: f.reference,
                        facility_code: f.facility_code,
                        department: f.department,
                        not_involved: f.not_involved,
                        outside_usual_department: f.outside_usual_department,
                    })
                    .collect(),
            },
            report_runs: AccessReviewRunList {
                page_info: info(&r.report_runs),
                nodes: r
                    .report_runs
                    .items
                    .into_iter()
                    .map(|x| AccessReviewRuns {
                        subject: x.subject,
                        name: x.name,
                        runs: x.runs,
                    })
                    .collect(),
            },
        })
    }
}
