//! The demo's attachment: the original letter of the first demo complaint
//! that came by letter, as plain text, stored in the object store and
//! recorded through the same path as an upload (`redress seed --demo`).

use entity::complaint::{self, Entity as Complaint};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use super::{fail, seeder};
use crate::attachments::Objects;
use crate::attachments::detect;
use crate::attachments::store::sha256_hex;
use crate::domain::attachment::AttachmentKind;
use crate::domain::command::attachment::AddAttachment;
use crate::services::{Caller, attachments};

/// The letter, for a complaint with this reference.
fn letter(reference: &str) -> String {
    format!(
        "Mercy Main Hospital\nPatient Relations\n\n\
         Re: my visit (your reference {reference})\n\n\
         Dear Patient Relations team,\n\n\
         I am writing about my mother's stay. She waited for hours without an update,\n\
         and nobody explained the delay to us. I would like a written answer.\n\n\
         Yours sincerely,\nA. Demo\n"
    )
}

/// Attaches the incoming letter to the first LETTER complaint of the demo;
/// `None` when there is none. Returns the attachment's id.
pub async fn demo_letter(
    db: &DatabaseConnection,
    objects: &Objects,
) -> anyhow::Result<Option<Uuid>> {
    let Some(c) = Complaint::find()
        .filter(complaint::Column::Channel.eq("LETTER"))
        .order_by_asc(complaint::Column::Id)
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let bytes = letter(&c.reference).into_bytes();
    let media_type = detect::detect(&bytes).map_err(|e| anyhow::anyhow!("{e}"))?;
    let sha256 = sha256_hex(&bytes);
    let size_bytes = i64::try_from(bytes.len())?;
    objects.put(&sha256, bytes).await?;
    let actor = seeder();
    let caller = Caller {
        actor: &actor,
        request_id: "seed-demo",
    };
    let command = AddAttachment {
        complaint_id: c.id,
        kind: AttachmentKind::IncomingCorrespondence,
        filename: "original-letter.txt".to_owned(),
        media_type: media_type.to_owned(),
        size_bytes,
        sha256,
    };
    let (id, _, _) = attachments::add(db, &caller, command, Some("seed-demo-letter"))
        .await
        .map_err(|e| fail("the demo letter", e))?;
    Ok(Some(id))
}
