//! `redress seed --scale N`: N complaints over the three years before now
//! across seven facilities in five time zones, with their linked work, for
//! benchmarks and for trying the compliance reports at the size of a
//! health system.
//!
//! Every record is built and changed by the domain's own commands (`handle`
//! with a `Context` at the simulated time of each step, after the same
//! permission checks as the services), and every change is on the
//! hash-chained audit trail, computed in Rust in time order. Rows go in by
//! batched multi-row INSERTs, a few thousand records per transaction,
//! while the next batch is simulated on another thread. The random choices
//! follow `--seed`; ids (UUIDv7) and "now" are those of the run.

mod intake;
mod sim;
mod walk;
mod work;
mod world;
mod write;

use std::collections::HashMap;
use std::io::IsTerminal;
use std::time::{Duration as StdDuration, Instant};

use chrono::{Duration, SubsecRound, Utc};
use entity::reference_counter::{self, Entity as ReferenceCounter};
use entity::{complaint, facility};
use rand::Rng;
use rand::SeedableRng;
use rand::rngs::StdRng;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, Set,
};

pub use sim::Counts;

use super::seeder;
use crate::services::{Caller, audit};

/// The `request_id` on every seeded event.
pub(crate) const REQUEST_ID: &str = "seed-scale";

/// Complaints per batch (one transaction each, with their linked records
/// and the audit events released by then).
const BATCH: usize = 2_000;

/// What `seed --scale` did.
#[derive(Clone, Debug)]
pub struct ScaleSummary {
    pub counts: Counts,
    pub facilities: usize,
    pub elapsed: StdDuration,
}

impl std::fmt::Display for ScaleSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let c = &self.counts;
        let secs = self.elapsed.as_secs_f64().max(0.001);
        writeln!(f, "seeded in {:.1} s:", secs)?;
        writeln!(f, "  facilities               {:>10}", self.facilities)?;
        writeln!(
            f,
            "  complaints               {:>10}  ({} grievances, {} HCAT issues)",
            c.complaints, c.grievances, c.issues
        )?;
        writeln!(
            f,
            "    open now               {:>10}\n    resolved on the spot   {:>10}\n    closed                 {:>10}\n    withdrawn              {:>10}\n    reopened               {:>10}\n    deadline extensions    {:>10}",
            c.open, c.resolved_at_point_of_service, c.closed, c.withdrawn, c.reopened, c.extensions
        )?;
        writeln!(
            f,
            "  service-recovery actions {:>10}",
            c.service_recovery_actions
        )?;
        writeln!(
            f,
            "  interpreter sessions     {:>10}",
            c.interpreter_sessions
        )?;
        writeln!(
            f,
            "  accessibility requests   {:>10}",
            c.accessibility_requests
        )?;
        writeln!(f, "  audit events             {:>10}", c.audit_events)?;
        write!(
            f,
            "  rate                     {:>10.0} complaints/s",
            c.complaints as f64 / secs
        )
    }
}

/// Seeds `n` complaints (and everything around them) into a database that
/// holds no complaints yet; refuses otherwise, in words.
pub async fn scale(db: &DatabaseConnection, n: u64, seed: u64) -> anyhow::Result<ScaleSummary> {
    let started = Instant::now();
    let existing = complaint::Entity::find().count(db).await?;
    if existing > 0 {
        anyhow::bail!(
            "this database already holds {existing} complaints: seed --scale fills an empty \
             database only (so its figures are the seed's and nothing is doubled); create a new \
             database and point REDRESS_DATABASE_URL at it"
        );
    }
    let codes = world::codes();
    let taken = facility::Entity::find()
        .filter(facility::Column::Code.is_in(codes.iter().copied()))
        .count(db)
        .await?;
    if taken > 0 {
        anyhow::bail!(
            "facilities {} already exist: seed --scale creates them; use a fresh database",
            codes.join(", ")
        );
    }
    let actor = seeder();
    let caller = Caller {
        actor: &actor,
        request_id: REQUEST_ID,
    };
    let world = world::build(db, &caller).await?;
    let facilities = world.facilities.len();
    let head = audit::last_event(db).await?;
    let numbers: HashMap<i32, i64> = ReferenceCounter::find()
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.year, c.last_value))
        .collect();

    let now = Utc::now().trunc_subsecs(0);
    let bar = indicatif::ProgressBar::with_draw_target(
        Some(n),
        if std::io::stderr().is_terminal() {
            indicatif::ProgressDrawTarget::stderr()
        } else {
            indicatif::ProgressDrawTarget::hidden()
        },
    );
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} complaints ({per_sec}, eta {eta})",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );

    let (tx, mut rx) = tokio::sync::mpsc::channel::<write::Batch>(2);
    let simulate =
        tokio::task::spawn_blocking(move || -> anyhow::Result<(Counts, HashMap<i32, i64>)> {
            // Receipt times first, sorted, so batches go out in time order
            // and the chain can release every event older than the next
            // receipt.
            let mut times_rng = StdRng::seed_from_u64(seed ^ 0x5eed_5ca1e);
            let span = (Duration::days(3 * 365) - Duration::minutes(10)).num_seconds();
            let start = now - Duration::days(3 * 365);
            let mut offsets: Vec<i64> = (0..n).map(|_| times_rng.random_range(0..span)).collect();
            offsets.sort_unstable();
            let mut sim = sim::Sim::new(&world, seed, now, numbers);
            let mut chain = write::Chain::after(head);
            let mut batch = write::Batch::default();
            for (i, offset) in offsets.iter().enumerate() {
                sim.complaint(start + Duration::seconds(*offset), &mut batch, &mut chain)?;
                if batch.complaints.len() >= BATCH {
                    let watermark = offsets.get(i + 1).map(|o| start + Duration::seconds(*o));
                    chain.release(watermark, &mut batch.events);
                    if tx.blocking_send(std::mem::take(&mut batch)).is_err() {
                        anyhow::bail!("the writer stopped");
                    }
                }
            }
            chain.release(None, &mut batch.events);
            if tx.blocking_send(batch).is_err() {
                anyhow::bail!("the writer stopped");
            }
            Ok((sim.counts, sim.numbers))
        });
    let written = async {
        while let Some(batch) = rx.recv().await {
            let complaints = batch.complaints.len() as u64;
            write::write(db, batch).await?;
            bar.inc(complaints);
        }
        Ok::<(), sea_orm::DbErr>(())
    }
    .await;
    // A failed write drops the receiver, which stops the simulation.
    drop(rx);
    let simulated = simulate.await?;
    written?;
    let (counts, numbers) = simulated?;
    bar.finish_and_clear();

    // The reference counters, once, at the end.
    for (year, last) in numbers {
        let found = ReferenceCounter::find_by_id(year).one(db).await?;
        match found {
            Some(c) => {
                let mut active: reference_counter::ActiveModel = c.into();
                active.last_value = Set(last);
                active.update(db).await?;
            }
            None => {
                reference_counter::ActiveModel {
                    year: Set(year),
                    last_value: Set(last),
                }
                .insert(db)
                .await?;
            }
        }
    }
    // Fresh statistics: the planner's estimates after a bulk load are
    // otherwise those of empty tables until autovacuum gets to them.
    db.execute_unprepared("ANALYZE").await?;
    Ok(ScaleSummary {
        counts,
        facilities,
        elapsed: started.elapsed(),
    })
}
