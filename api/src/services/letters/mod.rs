//! Letters on a complaint: how they are stored, drafted (`DraftLetter`
//! through `services::create`) and changed (`LetterCommand`s through the
//! change path). Sending also stores the rendition (`rendition`), replaces
//! the letter a correction supersedes, and has its effect on the
//! complaint (`on_letter_sent`), all in one transaction.

pub mod compose;
mod email;
pub mod rendition;
pub mod setup;
mod store;

pub use store::{
    LetterPdf, LetterRecord, facility_letters, for_context, of_complaint, rendition, row,
};

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use entity::letter_rendition;
use entity::{complaint, facility};
use redress_correspondence::mail::{Mailer, find_address};
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbErr, EntityTrait,
    IntoActiveModel,
};
use uuid::Uuid;

use super::change::change_in;
use super::create::{self, Create};
use super::scope::{forbidden, new_id, now};
use super::stored::{self, visible_by_id};
use super::{Caller, Refusal, RefusalCode, ServiceError, finish, links};
use crate::db;
use crate::domain::actor::{Actor, FacilityScope};
use crate::domain::command::complaint::ComplaintCommand;
use crate::domain::command::letter::{DraftLetter, LetterCommand};
use crate::domain::complaint::{ComplaintState, Status};
use crate::domain::facility::FacilityLetters;
use crate::domain::letter::{
    Composition, Delivery, DraftInput, LetterContent, LetterKind, LetterSetting, LetterState,
    SendMethod, SendRules, UpdateInput, check_content,
};
use crate::domain::permissions::{Operation, permits};

/// Everything a letter is written from, read in the transaction.
struct Found {
    complaint: ComplaintState,
    facility: facility::Model,
    letters: FacilityLetters,
    tz: Tz,
}

impl Found {
    fn source(&self) -> compose::Source<'_> {
        compose::Source {
            complaint: &self.complaint,
            facility_name: &self.facility.name,
            facility_code: &self.facility.code,
            tz: self.tz,
            letters: &self.letters,
        }
    }

    fn preferred_language(&self) -> String {
        compose::preferred_language(&self.complaint, &self.facility.default_language)
    }

    fn compose(
        &self,
        kind: LetterKind,
        language: &str,
        format: crate::domain::letter::LetterFormat,
        content: &LetterContent,
        dated: DateTime<Utc>,
    ) -> Composition {
        let src = self.source();
        let vars = compose::vars(&src, kind, language, format, content, dated);
        compose::compose(&src, &vars, content.text.as_deref())
    }
}

async fn found(db: &impl ConnectionTrait, complaint: complaint::Model) -> Result<Found, DbErr> {
    let state: ComplaintState = stored::decode(complaint.id, &complaint.record)?;
    let facility = super::facility_lookup::by_id(db, &FacilityScope::All, state.facility_id)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound(format!("facility {}", state.facility_id)))?;
    let letters = facility_letters(&facility)?;
    let tz = facility
        .time_zone
        .parse::<Tz>()
        .map_err(|_| DbErr::Custom(format!("facility {} has no IANA time zone", facility.id)))?;
    Ok(Found {
        complaint: state,
        facility,
        letters,
        tz,
    })
}

async fn found_for_letter(db: &impl ConnectionTrait, l: &LetterState) -> Result<Found, DbErr> {
    let m = complaint::Entity::find_by_id(l.complaint_id)
        .one(db)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound(format!("complaint {}", l.complaint_id)))?;
    found(db, m).await
}

pub const OP_DRAFT: &str = "letterDraft";

impl Create for DraftLetter {
    const OPERATION: &'static str = OP_DRAFT;

    /// The complaint in the caller's scope, its facility, the letter a
    /// correction replaces, and the letter composed.
    async fn setting(
        &self,
        db: &impl ConnectionTrait,
        actor: &Actor,
    ) -> Result<LetterSetting, ServiceError> {
        let m = links::linked_complaint(db, actor, self.complaint_id, None).await?;
        let f = found(db, m).await?;
        let preferred = f.preferred_language();
        let superseded = match self.input.supersedes {
            None => None,
            Some(id) => visible_by_id::<LetterState>(db, actor, id)
                .await?
                .map(|l| (id, l.kind, l.status, l.complaint_id)),
        };
        let language = match self.input.language.as_deref() {
            Some(tag) => crate::domain::letter::check_language(&[], tag)
                .unwrap_or_else(|_| preferred.clone()),
            None => preferred.clone(),
        };
        let large_print = compose::wants_large_print(&f.complaint);
        let format = self.input.format.unwrap_or(if large_print {
            crate::domain::letter::LetterFormat::LargePrint
        } else {
            crate::domain::letter::LetterFormat::Standard
        });
        let content = check_content(&self.input.content).unwrap_or_default();
        let composition = f.compose(self.input.kind, &language, format, &content, now());
        Ok(LetterSetting {
            facility_id: f.complaint.facility_id,
            facility_code: f.complaint.facility_code.clone(),
            complaint_id: self.complaint_id,
            complaint_reference: f.complaint.reference.clone(),
            complaint_created_by: f.complaint.created_by.subject.clone(),
            complaint_accepts_letters: !matches!(
                f.complaint.status,
                Status::Closed | Status::Withdrawn
            ),
            preferred_language: preferred,
            large_print,
            superseded,
            composition,
        })
    }
}

/// What `letterDraft` asks for.
#[derive(Clone, Debug)]
pub struct DraftRequest {
    pub complaint_id: Uuid,
    pub input: DraftInput,
    pub idempotency_key: Option<String>,
}

/// Drafts a letter on a complaint. A repeated key returns the first letter
/// (`true` in the third place).
pub async fn draft(
    db: &DatabaseConnection,
    caller: &Caller<'_>,
    r: &DraftRequest,
) -> Result<(Uuid, LetterState, bool), ServiceError> {
    let command = DraftLetter {
        complaint_id: r.complaint_id,
        input: r.input.clone(),
    };
    let c = create::create(db, caller, command, r.idempotency_key.as_deref()).await?;
    Ok((c.id, c.state, c.replayed))
}

/// Runs one letter step in a write transaction of its own, after `prepare`
/// built the command from the letter and what it is written from.
async fn step<F>(
    db: &DatabaseConnection,
    caller: &Caller<'_>,
    id: Uuid,
    expected_version: i32,
    operation: Operation,
    prepare: F,
) -> Result<LetterState, ServiceError>
where
    F: for<'a> FnOnce(
        &'a LetterState,
        &'a Found,
    ) -> Result<(LetterCommand, Vec<rendition::Rendered>), ServiceError>,
{
    if !permits(caller.actor, operation) {
        return Err(forbidden(operation));
    }
    let txn = db::begin_write(db).await?;
    let outcome = async {
        let Some(letter) = visible_by_id::<LetterState>(&txn, caller.actor, id).await? else {
            return Err(Refusal::new(RefusalCode::NotFound, "letter not found")
                .on(&["input", "id"])
                .into());
        };
        let f = found_for_letter(&txn, &letter).await?;
        // A send comes with its renditions, rendered once by `prepare`.
        let (command, rendered) = prepare(&letter, &f)?;
        let sent = matches!(command, LetterCommand::MarkSent { .. });
        let state = change_in(&txn, caller, id, expected_version, command).await?;
        if sent {
            if rendered.is_empty() {
                return Err(DbErr::Custom(format!("letter {id} has no document to send")).into());
            }
            store_renditions(&txn, id, &rendered, now()).await?;
            after_send(&txn, caller, id, &state, &f).await?;
        }
        Ok(state)
    }
    .await;
    finish(txn, outcome).await
}

/// A letter the PDF renderer cannot print (a character no configured font
/// has, right-to-left text): refused at send, nothing written.
fn unprintable(e: redress_correspondence::RenderError) -> ServiceError {
    Refusal::new(
        RefusalCode::GuardFailed,
        format!("the letter cannot be printed as a PDF: {e}"),
    )
    .on(&["input", "id"])
    .into()
}

async fn store_renditions(
    txn: &DatabaseTransaction,
    letter_id: Uuid,
    renditions: &[rendition::Rendered],
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    for r in renditions {
        letter_rendition::Model {
            id: new_id(),
            letter_id,
            media_type: r.summary.media_type.clone(),
            sha256: r.summary.sha256.clone(),
            bytes: r.bytes.clone(),
            created_at: at,
        }
        .into_active_model()
        .reset_all()
        .insert(txn)
        .await?;
    }
    Ok(())
}

/// After a letter is sent: the letter a correction replaces becomes
/// SUPERSEDED (its own audited change), then the send's effect on the
/// complaint.
async fn after_send(
    txn: &DatabaseTransaction,
    caller: &Caller<'_>,
    id: Uuid,
    state: &LetterState,
    f: &Found,
) -> Result<(), ServiceError> {
    if let Some(old) = state.supersedes {
        let Some(before) = visible_by_id::<LetterState>(txn, caller.actor, old).await? else {
            return Err(
                Refusal::new(RefusalCode::NotFound, "the corrected letter is gone")
                    .on(&["input", "id"])
                    .into(),
            );
        };
        change_in(
            txn,
            caller,
            old,
            before.version,
            LetterCommand::Supersede { by_letter: id },
        )
        .await?;
    }
    on_letter_sent(txn, caller, state, f).await
}

/// What sending a letter does to its complaint, in one place:
/// * ACKNOWLEDGEMENT: a complaint still RECEIVED is acknowledged in
///   writing, at the time the letter went out (its own audited change).
/// * PROGRESS_NOTICE: meets the seven-day progress-notice clock at the time
///   it went out, when the complaint's policy has that duty and the clock
///   is still open (its own audited change; nothing otherwise).
/// * RESOLUTION: nothing yet; `complaintResolve` copies the letter.
async fn on_letter_sent(
    txn: &DatabaseTransaction,
    caller: &Caller<'_>,
    letter: &LetterState,
    f: &Found,
) -> Result<(), ServiceError> {
    let Some(sent) = &letter.sent else {
        return Ok(());
    };
    if letter.kind == LetterKind::Acknowledgement && f.complaint.status == Status::Received {
        change_in(
            txn,
            caller,
            letter.complaint_id,
            f.complaint.version,
            ComplaintCommand::Acknowledge {
                method: crate::domain::complaint::resolution::contact_method(sent.method),
                at: Some(sent.sent_at),
            },
        )
        .await?;
    }
    if letter.kind == LetterKind::ProgressNotice {
        crate::services::progress_notice::record_progress_notice(
            txn,
            caller,
            letter.complaint_id,
            sent.sent_at,
        )
        .await?;
    }
    Ok(())
}

/// `letterUpdate`: new content (composed again), language or format.
pub async fn update(
    db: &DatabaseConnection,
    caller: &Caller<'_>,
    id: Uuid,
    expected_version: i32,
    input: UpdateInput,
) -> Result<LetterState, ServiceError> {
    step(
        db,
        caller,
        id,
        expected_version,
        Operation::DraftLetter,
        |l, f| {
            let preferred = f.preferred_language();
            let language = input
                .language
                .as_deref()
                .and_then(|t| crate::domain::letter::check_language(&[], t).ok())
                .unwrap_or_else(|| l.language.clone());
            let format = input.format.unwrap_or(l.format);
            let content = check_content(&input.content).unwrap_or_default();
            let composition = f.compose(l.kind, &language, format, &content, now());
            Ok((
                LetterCommand::Update {
                    input: Box::new(input),
                    preferred_language: preferred,
                    composition,
                },
                Vec::new(),
            ))
        },
    )
    .await
}

/// `letterApprove`.
pub async fn approve(
    db: &DatabaseConnection,
    caller: &Caller<'_>,
    id: Uuid,
    expected_version: i32,
) -> Result<LetterState, ServiceError> {
    step(
        db,
        caller,
        id,
        expected_version,
        Operation::ApproveLetter,
        |_, _| Ok((LetterCommand::Approve, Vec::new())),
    )
    .await
}

/// `letterMarkSent`: composed again as of the day it went out, rendered,
/// stored, its hash on the audit event.
///
/// With EMAIL and a `mailer` (SMTP configured), the server emails the
/// letter to the complainant once the send is committed (a complaint with
/// no email address in the complainant's contact is refused first, and
/// nothing is written), then records the relay's answer as its own audited
/// change: accepted, the relay's Message-ID on the sending (delivery stays
/// SENT); refused for good, delivery FAILED with the reply code; not now
/// (4xx, connection, timeout), nothing more: a warning is logged and the
/// outcome is recorded by hand. The letter returned reflects what was
/// recorded.
pub async fn mark_sent(
    db: &DatabaseConnection,
    caller: &Caller<'_>,
    id: Uuid,
    expected_version: i32,
    method: SendMethod,
    sent_at: Option<DateTime<Utc>>,
    mailer: Option<&Mailer>,
) -> Result<LetterState, ServiceError> {
    let sent_at = sent_at.unwrap_or_else(now);
    let mailer = mailer.filter(|_| method == SendMethod::Email);
    let mut recipient: Option<String> = None;
    let state = step(
        db,
        caller,
        id,
        expected_version,
        Operation::SendLetter,
        |l, f| {
            if mailer.is_some() {
                let address = f
                    .complaint
                    .complainant
                    .contact
                    .as_deref()
                    .and_then(find_address);
                let Some(address) = address else {
                    return Err(Refusal::new(
                        RefusalCode::Validation,
                        "the complainant has no email address: add one to the complainant's \
                         contact, or send the letter another way",
                    )
                    .on(&["input", "method"])
                    .into());
                };
                recipient = Some(address);
            }
            let composition = f.compose(l.kind, &l.language, l.format, &l.content, sent_at);
            let rendered = compose::document(&composition)
                .map(|doc| rendition::at_send(&doc))
                .transpose()
                .map_err(unprintable)?
                .unwrap_or_default();
            let summary = rendered.first().map_or(
                crate::domain::letter::Rendition {
                    media_type: String::new(),
                    sha256: String::new(),
                    bytes: 0,
                },
                |r| r.summary.clone(),
            );
            let command = LetterCommand::MarkSent {
                method,
                sent_at,
                rules: SendRules {
                    approval_required: f.letters.require_approval,
                    qio_owed: f.complaint.needs_qio_notice(),
                    received_at: f.complaint.received_at,
                },
                composition,
                rendition: summary,
            };
            Ok((command, rendered))
        },
    )
    .await?;
    match (mailer, recipient) {
        (Some(mailer), Some(to)) => email::send(db, caller, id, state, mailer, to).await,
        _ => Ok(state),
    }
}

/// `letterRecordDelivery`.
pub async fn record_delivery(
    db: &DatabaseConnection,
    caller: &Caller<'_>,
    id: Uuid,
    expected_version: i32,
    outcome: Delivery,
    note: Option<String>,
) -> Result<LetterState, ServiceError> {
    step(
        db,
        caller,
        id,
        expected_version,
        Operation::SendLetter,
        |_, _| Ok((LetterCommand::RecordDelivery { outcome, note }, Vec::new())),
    )
    .await
}

/// Whether the facility of this letter requires approval (for
/// `allowedActions`).
pub async fn approval_required(
    db: &impl ConnectionTrait,
    facility_id: Uuid,
) -> Result<bool, DbErr> {
    let Some(f) = super::facility_lookup::by_id(db, &FacilityScope::All, facility_id).await? else {
        return Ok(false);
    };
    Ok(facility_letters(&f)?.require_approval)
}
