//! Emailing a letter just sent by EMAIL (`letterMarkSent` with SMTP
//! configured) and recording the relay's answer as its own audited change:
//! accepted, the relay's Message-ID on the sending (delivery stays SENT);
//! refused for good, delivery FAILED with the reply code (never the
//! address); not now, nothing recorded and a warning logged (ids and codes
//! only): the user records the outcome by hand.

use redress_correspondence::mail::{MailError, Mailer, OutgoingLetter};
use sea_orm::{DatabaseConnection, DbErr};
use uuid::Uuid;

use super::{compose, rendition, step, store};
use crate::domain::command::letter::LetterCommand;
use crate::domain::letter::{Delivery, LetterState};
use crate::domain::permissions::Operation;
use crate::services::{Caller, ServiceError};

/// Emails a letter just sent and records the relay's answer (see
/// [`super::mark_sent`]). The send is already committed: a failure here is
/// logged (ids and codes only) and the sent letter returned.
pub(super) async fn send(
    db: &DatabaseConnection,
    caller: &Caller<'_>,
    id: Uuid,
    state: LetterState,
    mailer: &Mailer,
    to: String,
) -> Result<LetterState, ServiceError> {
    let letter = match outgoing(db, id, &state, to).await {
        Ok(letter) => letter,
        Err(_) => {
            // No database error text in the log: it may quote stored values.
            tracing::error!(letter = %id, "the sent letter could not be read back to email it; record its delivery by hand");
            return Ok(state);
        }
    };
    let command = match mailer.send(&letter).await {
        Ok(delivery) => {
            tracing::info!(letter = %id, "the mail relay accepted the letter");
            LetterCommand::RecordRelayAcceptance {
                message_id: delivery.message_id,
            }
        }
        Err(e) if e.is_permanent() => {
            let code = reply_code(&e);
            tracing::warn!(letter = %id, code, "the mail relay refused the letter permanently; its delivery is FAILED");
            LetterCommand::RecordDelivery {
                outcome: Delivery::Failed,
                note: Some(match code {
                    Some(code) => format!("refused by the mail relay ({code})"),
                    None => "refused: not a valid email address".to_owned(),
                }),
            }
        }
        Err(e) => {
            tracing::warn!(letter = %id, code = reply_code(&e), failure = %e, "the letter could not be emailed now; it stays SENT, record its delivery by hand");
            return Ok(state);
        }
    };
    let version = state.version;
    match step(db, caller, id, version, Operation::SendLetter, |_, _| {
        Ok((command, Vec::new()))
    })
    .await
    {
        Ok(recorded) => Ok(recorded),
        Err(_) => {
            tracing::error!(letter = %id, "the mail relay's answer could not be recorded; record the letter's delivery by hand");
            Ok(state)
        }
    }
}

/// The reply code of a relay's refusal, if it gave one.
fn reply_code(e: &MailError) -> Option<u16> {
    match e {
        MailError::Permanent { code, .. }
        | MailError::Transient { code, .. }
        | MailError::Authentication { code, .. } => Some(*code),
        _ => None,
    }
}

/// The email of a sent letter: its title as the subject, the stored text
/// rendition as the body, the stored PDF rendition (when there is one)
/// attached.
async fn outgoing(
    db: &DatabaseConnection,
    id: Uuid,
    state: &LetterState,
    to: String,
) -> Result<OutgoingLetter, DbErr> {
    let doc = compose::document(&state.composition)
        .ok_or_else(|| DbErr::Custom(format!("letter {id} has no document")))?;
    let text = store::rendition(db, id, rendition::TEXT)
        .await?
        .ok_or_else(|| DbErr::Custom(format!("letter {id} has no text rendition")))?;
    let text_body = String::from_utf8(text.bytes)
        .map_err(|_| DbErr::Custom(format!("letter {id}'s text rendition is not UTF-8")))?;
    let pdf = store::rendition(db, id, PDF).await?.map(|r| {
        (
            format!("{}.pdf", file_stem(&state.complaint_reference)),
            r.bytes,
        )
    });
    Ok(OutgoingLetter {
        to,
        subject: doc.title,
        text_body,
        pdf,
    })
}

/// The media type of the PDF rendition.
const PDF: &str = "application/pdf";

/// A file name from a reference: letters, digits and dashes.
fn file_stem(reference: &str) -> String {
    let stem: String = reference
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    if stem.is_empty() {
        "letter".into()
    } else {
        stem
    }
}
