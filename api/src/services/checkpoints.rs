//! Signed checkpoints of the audit trail: signing the chain's head, listing
//! the checkpoints, and checking the chain against them.
//!
//! Taking a checkpoint is not itself an audit event: an event would move
//! the head it signs. It is attributable through `created_by`.

use std::collections::HashMap;

use chrono::{DateTime, SubsecRound, Utc};
use entity::audit_checkpoint::{self, Entity as AuditCheckpoint};
use entity::audit_event::{self, Entity as AuditEvent};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    IntoActiveModel, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use super::{Refusal, RefusalCode, ServiceError, finish};
use crate::checkpoint_key::CheckpointSigner;
use crate::db::begin_write;
use crate::domain::checkpoint::{CheckpointProblem, Head, SignedCheckpoint, VerifyingKey};

/// `created_by` of the checkpoints the server takes on its own.
pub const SYSTEM: &str = "system";

/// How many checkpoints are checked per database round trip.
const BATCH: usize = 500;

/// The highest sequence any checkpoint signed.
async fn latest_signed(db: &impl ConnectionTrait) -> Result<Option<i64>, DbErr> {
    let latest: Option<Option<i64>> = AuditCheckpoint::find()
        .select_only()
        .column_as(audit_checkpoint::Column::Sequence.max(), "latest")
        .into_tuple()
        .one(db)
        .await?;
    Ok(latest.flatten())
}

async fn insert(
    db: &impl ConnectionTrait,
    signer: &CheckpointSigner,
    created_by: &str,
    (sequence, hash): (i64, String),
    now: DateTime<Utc>,
) -> Result<audit_checkpoint::Model, DbErr> {
    let signed = signer.sign(Head {
        sequence,
        hash,
        signed_at: now.trunc_subsecs(6),
    });
    let model = audit_checkpoint::Model {
        id: Uuid::now_v7(),
        sequence: signed.head.sequence,
        key_id: signed.key_id(),
        public_key: hex::encode(signed.public_key),
        signature: hex::encode(signed.signature),
        hash: signed.head.hash,
        signed_at: signed.head.signed_at,
        created_by: created_by.to_owned(),
    };
    AuditCheckpoint::insert(model.clone().into_active_model())
        .exec_without_returning(db)
        .await?;
    Ok(model)
}

/// Signs the head of the chain and stores the checkpoint. The head is read
/// inside a write transaction (`db::begin_write`), so no writer can extend
/// the chain between reading and signing it. Refused when the trail has no
/// events, and when `expected_sequence` is given and the head is elsewhere.
pub async fn create(
    db: &DatabaseConnection,
    signer: &CheckpointSigner,
    created_by: &str,
    now: DateTime<Utc>,
    expected_sequence: Option<i64>,
) -> Result<audit_checkpoint::Model, ServiceError> {
    let txn = begin_write(db).await?;
    let outcome = async {
        let Some(head) = super::audit::last_event(&txn).await? else {
            return Err(Refusal::new(
                RefusalCode::GuardFailed,
                "the audit trail has no events yet: there is no head to sign",
            )
            .into());
        };
        if let Some(expected) = expected_sequence
            && expected != head.0
        {
            return Err(Refusal::new(
                RefusalCode::Conflict,
                format!(
                    "the head of the audit trail is at sequence {}, not {expected}",
                    head.0
                ),
            )
            .on(&["input", "expectedSequence"])
            .into());
        }
        Ok(insert(&txn, signer, created_by, head, now).await?)
    }
    .await;
    finish(txn, outcome).await
}

/// For the periodic task: signs the head only when the chain has advanced
/// past the latest checkpoint (and has events at all); `None` otherwise.
/// Several server processes on one database sign each head once: the check
/// and the insert share one serialised write transaction.
pub async fn create_if_advanced(
    db: &DatabaseConnection,
    signer: &CheckpointSigner,
    now: DateTime<Utc>,
) -> Result<Option<audit_checkpoint::Model>, DbErr> {
    let txn = begin_write(db).await?;
    let outcome = async {
        let Some(head) = super::audit::last_event(&txn).await? else {
            return Ok(None);
        };
        if latest_signed(&txn).await?.is_some_and(|s| s >= head.0) {
            return Ok(None);
        }
        insert(&txn, signer, SYSTEM, head, now).await.map(Some)
    }
    .await;
    match outcome {
        Ok(model) => {
            txn.commit().await?;
            Ok(model)
        }
        Err(e) => {
            txn.rollback().await?;
            Err(e)
        }
    }
}

/// One page of checkpoints, newest first (highest sequence, then latest
/// taken), after the keyset `(sequence, id)` of the previous page's last.
pub async fn list(
    db: &impl ConnectionTrait,
    after: Option<(i64, Uuid)>,
    limit: u64,
) -> Result<(Vec<audit_checkpoint::Model>, bool), DbErr> {
    let mut query = AuditCheckpoint::find()
        .order_by_desc(audit_checkpoint::Column::Sequence)
        .order_by_desc(audit_checkpoint::Column::Id);
    if let Some((sequence, id)) = after {
        query = query.filter(
            Condition::any()
                .add(audit_checkpoint::Column::Sequence.lt(sequence))
                .add(
                    Condition::all()
                        .add(audit_checkpoint::Column::Sequence.eq(sequence))
                        .add(audit_checkpoint::Column::Id.lt(id)),
                ),
        );
    }
    let mut rows = query.limit(limit + 1).all(db).await?;
    let has_next = rows.len() as u64 > limit;
    rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    Ok((rows, has_next))
}

pub async fn count(db: &impl ConnectionTrait) -> Result<u64, DbErr> {
    AuditCheckpoint::find().count(db).await
}

/// A page and the total, read in one snapshot: a checkpoint signed between
/// the two reads would otherwise be counted but not listed.
pub async fn page(
    db: &DatabaseConnection,
    after: Option<(i64, Uuid)>,
    limit: u64,
) -> Result<(Vec<audit_checkpoint::Model>, bool, u64), DbErr> {
    let txn = crate::db::begin_read_snapshot(db).await?;
    let (rows, has_next) = list(&txn, after, limit).await?;
    let total = count(&txn).await?;
    txn.commit().await?;
    Ok((rows, has_next, total))
}

/// A stored checkpoint as the domain checks it. A key or signature that is
/// not valid hex of the right length (someone wrote the row by hand) reads
/// as zeros, which never verify: `BAD_SIGNATURE`.
pub fn signed(row: &audit_checkpoint::Model) -> SignedCheckpoint {
    fn bytes<const N: usize>(text: &str) -> [u8; N] {
        let mut out = [0u8; N];
        if hex::decode_to_slice(text, &mut out).is_err() {
            out = [0u8; N];
        }
        out
    }
    SignedCheckpoint {
        head: Head {
            sequence: row.sequence,
            hash: row.hash.clone(),
            signed_at: row.signed_at,
        },
        public_key: bytes(&row.public_key),
        signature: bytes(&row.signature),
    }
}

/// Where a checked checkpoint came from.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// The `audit_checkpoint` row with this id.
    Stored(Uuid),
    /// The supplied checkpoint at this index (0-based).
    Supplied(usize),
}

/// The first (lowest-sequence) checkpoint the trail fails.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckpointFinding {
    pub sequence: i64,
    pub problem: CheckpointProblem,
    /// The key id the checkpoint names.
    pub key_id: String,
    pub origin: Origin,
}

/// The outcome of checking the trail against checkpoints. No record
/// content: sequences, key ids and problem codes only.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CheckpointReport {
    /// Checkpoints checked, stored and supplied.
    pub checked: u64,
    /// The highest sequence a checkpoint vouched for and the trail matched.
    pub latest_verified_sequence: Option<i64>,
    pub first_problem: Option<CheckpointFinding>,
}

impl CheckpointReport {
    pub fn intact(&self) -> bool {
        self.first_problem.is_none()
    }

    fn record(&mut self, sequence: i64, outcome: Option<CheckpointFinding>) {
        self.checked += 1;
        match outcome {
            None => {
                self.latest_verified_sequence = self.latest_verified_sequence.max(Some(sequence));
            }
            Some(finding) => {
                if self
                    .first_problem
                    .as_ref()
                    .is_none_or(|first| finding.sequence < first.sequence)
                {
                    self.first_problem = Some(finding);
                }
            }
        }
    }
}

/// Checks one batch: each checkpoint's signature under the trusted key, then
/// the stored hash of the event at its sequence.
async fn check_batch(
    db: &impl ConnectionTrait,
    trusted: &VerifyingKey,
    batch: &[(Origin, SignedCheckpoint)],
    report: &mut CheckpointReport,
) -> Result<(), DbErr> {
    let mut sequences: Vec<i64> = batch.iter().map(|(_, c)| c.head.sequence).collect();
    sequences.sort_unstable();
    sequences.dedup();
    let hashes: HashMap<i64, String> = AuditEvent::find()
        .select_only()
        .column(audit_event::Column::Sequence)
        .column(audit_event::Column::Hash)
        .filter(audit_event::Column::Sequence.is_in(sequences))
        .into_tuple::<(i64, String)>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    for (origin, checkpoint) in batch {
        let sequence = checkpoint.head.sequence;
        let finding = checkpoint
            .check(trusted, hashes.get(&sequence).map(String::as_str))
            .map(|problem| CheckpointFinding {
                sequence,
                problem,
                key_id: checkpoint.key_id(),
                origin: *origin,
            });
        report.record(sequence, finding);
    }
    Ok(())
}

/// Checks the trail against checkpoints (for example exported lines kept
/// off the server): each must be signed by `trusted` (a checkpoint signed by
/// another key is `UNTRUSTED_KEY`, not accepted), its sequence must still
/// exist (`EVENTS_MISSING`) and hold the hash it signed (`HASH_MISMATCH`).
/// Origins are `Supplied(index)`.
pub async fn verify_against(
    db: &impl ConnectionTrait,
    trusted: &VerifyingKey,
    checkpoints: &[SignedCheckpoint],
) -> Result<CheckpointReport, DbErr> {
    let mut report = CheckpointReport::default();
    add_supplied(db, trusted, checkpoints, &mut report).await?;
    Ok(report)
}

async fn add_supplied(
    db: &impl ConnectionTrait,
    trusted: &VerifyingKey,
    checkpoints: &[SignedCheckpoint],
    report: &mut CheckpointReport,
) -> Result<(), DbErr> {
    for (n, chunk) in checkpoints.chunks(BATCH).enumerate() {
        let batch: Vec<(Origin, SignedCheckpoint)> = chunk
            .iter()
            .enumerate()
            .map(|(i, c)| (Origin::Supplied(n * BATCH + i), c.clone()))
            .collect();
        check_batch(db, trusted, &batch, report).await?;
    }
    Ok(())
}

/// [`verify_against`] the stored checkpoints and the supplied ones
/// together: what `auditTrailVerification` reports. The stored ones are
/// read in batches, so memory stays flat however many there are.
pub async fn verify_all(
    db: &impl ConnectionTrait,
    trusted: &VerifyingKey,
    supplied: &[SignedCheckpoint],
) -> Result<CheckpointReport, DbErr> {
    let mut report = CheckpointReport::default();
    let mut after: Option<(i64, Uuid)> = None;
    loop {
        let (rows, has_next) = list(db, after, BATCH as u64).await?;
        let batch: Vec<(Origin, SignedCheckpoint)> = rows
            .iter()
            .map(|row| (Origin::Stored(row.id), signed(row)))
            .collect();
        check_batch(db, trusted, &batch, &mut report).await?;
        match rows.last() {
            Some(last) if has_next => after = Some((last.sequence, last.id)),
            _ => break,
        }
    }
    add_supplied(db, trusted, supplied, &mut report).await?;
    Ok(report)
}
