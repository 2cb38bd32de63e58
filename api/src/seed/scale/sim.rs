//! The simulator: each record built and changed by the domain's own command
//! `handle` functions with a `Context` at the simulated time of the step,
//! exactly as the create and change paths run them, with the permission
//! checks of those paths; each step's audit event made as they make it.

use std::collections::HashMap;

use chrono::{DateTime, Duration, SubsecRound, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use uuid::Uuid;

use super::REQUEST_ID;
use super::world::World;
use super::write::{Batch, Chain, Pending};
use crate::domain::Violation;
use crate::domain::actor::Actor;
use crate::domain::command::{AuditAction, Command, Context, CreateCommand, PolicyContext};
use crate::domain::permissions::{Operation, permits};
use crate::services::Caller;
use crate::services::audit::NewEvent;
use crate::services::stored::{Stored, Versioned};

/// What the seed made.
#[derive(Clone, Debug, Default)]
pub struct Counts {
    pub complaints: u64,
    pub grievances: u64,
    pub issues: u64,
    pub open: u64,
    pub resolved_at_point_of_service: u64,
    pub closed: u64,
    pub withdrawn: u64,
    pub reopened: u64,
    pub extensions: u64,
    pub service_recovery_actions: u64,
    pub interpreter_sessions: u64,
    pub accessibility_requests: u64,
    pub audit_events: u64,
}

pub(super) struct Sim<'w> {
    pub world: &'w World,
    pub rng: StdRng,
    /// The real time the seed runs: nothing happens after it.
    pub now: DateTime<Utc>,
    order: u64,
    /// The last reference number of each year.
    pub numbers: HashMap<i32, i64>,
    pub counts: Counts,
    serial: u64,
    /// The letters of the complaint being walked (what `complaintResolve`
    /// reads in the change path).
    pub letters: Vec<(Uuid, crate::domain::letter::LetterState)>,
}

fn describe(violations: &[Violation]) -> String {
    violations
        .iter()
        .map(|v| format!("{}: {}", v.field.join("."), v.message))
        .collect::<Vec<_>>()
        .join("; ")
}

/// Picks by relative weight.
pub(super) fn pick<T: Copy>(rng: &mut StdRng, items: &[(T, u32)]) -> T {
    let total: u32 = items.iter().map(|(_, w)| *w).sum();
    let mut roll = rng.random_range(0..total.max(1));
    for (item, weight) in items {
        if roll < *weight {
            return *item;
        }
        roll -= weight;
    }
    items[items.len() - 1].0
}

impl<'w> Sim<'w> {
    pub fn new(
        world: &'w World,
        seed: u64,
        now: DateTime<Utc>,
        numbers: HashMap<i32, i64>,
    ) -> Self {
        Sim {
            world,
            rng: StdRng::seed_from_u64(seed),
            now,
            order: 0,
            numbers,
            counts: Counts::default(),
            serial: 0,
            letters: Vec::new(),
        }
    }

    /// A running number for synthetic names and MRNs.
    pub fn serial(&mut self) -> u64 {
        self.serial += 1;
        self.serial
    }

    pub fn chance(&mut self, p: f64) -> bool {
        self.rng.random_bool(p.clamp(0.0, 1.0))
    }

    pub fn minutes(&mut self, from: i64, to: i64) -> Duration {
        Duration::minutes(self.rng.random_range(from..=to))
    }

    /// A moment `fraction` (0–1, random in the range) of the way from
    /// `from` to `to`.
    pub fn between(
        &mut self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        fraction: std::ops::RangeInclusive<f64>,
    ) -> DateTime<Utc> {
        let f = self.rng.random_range(fraction);
        let span = (to - from).num_seconds().max(60) as f64;
        from + Duration::seconds((span * f) as i64)
    }

    pub fn staff(&mut self) -> &'w Actor {
        let w = self.world;
        &w.staff[self.rng.random_range(0..w.staff.len())]
    }
    pub fn specialist(&mut self) -> &'w Actor {
        let w = self.world;
        &w.specialists[self.rng.random_range(0..w.specialists.len())]
    }
    pub fn manager(&mut self) -> &'w Actor {
        let w = self.world;
        &w.managers[self.rng.random_range(0..w.managers.len())]
    }

    /// `preferred` when their roles permit `op`, else a manager who may.
    pub fn actor_for(&mut self, op: Operation, preferred: &'w Actor) -> &'w Actor {
        if permits(preferred, op) {
            preferred
        } else {
            self.manager()
        }
    }

    fn next_order(&mut self) -> u64 {
        self.order += 1;
        self.order
    }

    /// The create path: the permission, the domain's `handle` in a context
    /// at `at`, the creation event. Returns the new record's id and state.
    pub fn create<C>(
        &mut self,
        chain: &mut Chain,
        actor: &Actor,
        command: C,
        setting: &C::Setting,
        at: DateTime<Utc>,
        number: impl FnOnce(&mut Self, &mut C::State),
    ) -> anyhow::Result<(Uuid, C::State)>
    where
        C: CreateCommand,
        C::State: Stored,
    {
        let op = command.operation();
        anyhow::ensure!(permits(actor, op), "{} may not {op:?}", actor.subject);
        let at = at.trunc_subsecs(6);
        let cx = Context::new(actor, at);
        let action = command.audit_action();
        let mut state = command
            .handle(setting, &cx)
            .map_err(|v| anyhow::anyhow!("{}: {}", action.as_str(), describe(&v)))?;
        number(self, &mut state);
        let id = Uuid::now_v7();
        let document = state.audit_document()?;
        let event = NewEvent::change(action.as_str(), C::State::RECORD_TYPE, id, None, &document)
            .complaint_opt(state.complaint_of(id))
            .facility(state.facility_code());
        self.push(chain, actor, event, at);
        Ok((id, state))
    }

    /// The change path: the permissions (the command's, and the one the
    /// record calls for), the domain's `handle` at `at`, the new version,
    /// the change event with the fields that differ.
    #[allow(clippy::too_many_arguments)] // mirrors services::change's inputs, plus the simulated time
    pub fn change<C>(
        &mut self,
        chain: &mut Chain,
        actor: &Actor,
        id: Uuid,
        state: &mut C::State,
        command: C,
        at: DateTime<Utc>,
        policy: Option<PolicyContext>,
    ) -> anyhow::Result<()>
    where
        C: Command,
        C::State: Versioned,
    {
        anyhow::ensure!(
            permits(actor, command.operation()) && permits(actor, command.operation_on(state)),
            "{} may not {:?}",
            actor.subject,
            command.operation_on(state)
        );
        let at = at.trunc_subsecs(6);
        let mut cx = Context::new(actor, at);
        cx.policy = policy;
        if command.needs().documents {
            // The scale facilities require no documents, and attach none.
            cx.documents = Some(Default::default());
        }
        if command.needs().letters {
            cx.letters = self.letters.clone();
        }
        let action: AuditAction = command.audit_action();
        let reason = command
            .reason()
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .map(str::to_owned);
        let before = state.audit_document()?;
        let mut next = state.clone();
        command
            .handle(&mut next, &cx)
            .map_err(|v| anyhow::anyhow!("{}: {}", action.as_str(), describe(&v)))?;
        next.touch(state.version() + 1, at);
        let after = next.audit_document()?;
        let event = NewEvent::change(
            action.as_str(),
            C::State::RECORD_TYPE,
            id,
            Some(&before),
            &after,
        )
        .complaint_opt(next.complaint_of(id))
        .facility(next.facility_code())
        .reason(reason.as_deref());
        self.push(chain, actor, event, at);
        *state = next;
        Ok(())
    }

    fn push(&mut self, chain: &mut Chain, actor: &Actor, event: NewEvent<'_>, at: DateTime<Utc>) {
        let caller = Caller {
            actor,
            request_id: REQUEST_ID,
        };
        let order = self.next_order();
        chain.push(Pending::of(&caller, event, at, order));
        self.counts.audit_events += 1;
    }

    /// Simulates one complaint received at `received` and everything done
    /// on it and around it up to now, into `batch` and `chain`.
    pub fn complaint(
        &mut self,
        received: DateTime<Utc>,
        batch: &mut Batch,
        chain: &mut Chain,
    ) -> anyhow::Result<()> {
        super::walk::complaint(self, received, batch, chain)
    }
}
