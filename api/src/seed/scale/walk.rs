//! One complaint's life: intake, then (as far as now) resolved at the point
//! of service, withdrawn, or acknowledged, assigned, investigated (with
//! service recovery, interpreter sessions and accessibility requests
//! around it), sometimes extended, resolved, closed, and about one in ten
//! reopened and resolved again. Clocks are met or missed as the simulated
//! times fall against each complaint's own policy (a progress notice is
//! sent on most complaints still unresolved at its due time).

use chrono::{DateTime, Duration, Utc};
use rand::Rng;

use super::intake;
use super::sim::{Sim, pick};
use super::work;
use super::world::Facility;
use super::write::{Batch, Chain};
use crate::domain::actor::Actor;
use crate::domain::clocks::ClockKind;
use crate::domain::command::complaint::ComplaintCommand;
use crate::domain::command::letter::{DraftLetter, LetterCommand};
use crate::domain::command::{ComplaintSetting, OpenComplaint, PolicyContext};
use crate::domain::complaint::intake::{reference, reference_year};
use crate::domain::complaint::resolution::{Finding, ResolveInput};
use crate::domain::complaint::{
    Channel, Classification, ComplaintState, ContactMethod, Status, UserRef,
};
use crate::domain::facility::FacilityLetters;
use crate::domain::letter::{
    ContentInput, DraftInput, LetterFormat, LetterKind, LetterSetting, SendMethod, SendRules,
    check_content,
};
use crate::domain::permissions::Operation;
use crate::services::complaints;
use crate::services::letters::{self, compose, rendition};
use chrono::SubsecRound;
use entity::letter_rendition;

/// A complaint as the walk changes it.
struct Walk<'c> {
    id: uuid::Uuid,
    state: ComplaintState,
    chain: &'c mut Chain,
}

impl Walk<'_> {
    /// Runs `command` by `actor` at `at`: false (and nothing done) when
    /// `at` is still in the future.
    fn step(
        &mut self,
        sim: &mut Sim<'_>,
        actor: &Actor,
        command: ComplaintCommand,
        at: DateTime<Utc>,
        policy: Option<PolicyContext>,
    ) -> anyhow::Result<bool> {
        if at > sim.now {
            return Ok(false);
        }
        sim.change(
            self.chain,
            actor,
            self.id,
            &mut self.state,
            command,
            at,
            policy,
        )?;
        Ok(true)
    }
}

fn resolution(state: &ComplaintState) -> ResolveInput {
    ResolveInput {
        findings: state
            .issues
            .iter()
            .filter(|i| i.finding.is_none())
            .map(|i| Finding {
                issue_id: i.id,
                finding: "Reviewed with the unit manager and the staff involved.".to_owned(),
            })
            .collect(),
        summary: Some("Concern reviewed; actions agreed with the unit.".to_owned()),
        // A grievance's RESOLUTION letter, sent just before.
        letter_id: None,
        written_notice_exception: None,
    }
}

/// A grievance's RESOLUTION letter, drafted and sent by mail at `at` as the
/// services would (its events on the chain, its rows in the batch); the
/// walk's resolve then finds it.
fn resolution_letter(
    sim: &mut Sim<'_>,
    w: &mut Walk<'_>,
    batch: &mut Batch,
    f: &Facility,
    actor: &Actor,
    at: DateTime<Utc>,
) -> anyhow::Result<()> {
    if w.state.classification != Classification::Grievance || at > sim.now {
        return Ok(());
    }
    let content = ContentInput {
        contact_name: Some(actor.name.clone()),
        contact_title: Some("Patient Relations".to_owned()),
        investigation_steps: Some(
            "Interviewed the staff on shift and reviewed the record.".to_owned(),
        ),
        results: Some(
            "Concern substantiated in part; training and follow-up scheduled.".to_owned(),
        ),
        completed_on: Some(at.with_timezone(&f.tz).date_naive()),
        qio_notice: w.state.needs_qio_notice(),
        ..ContentInput::default()
    };
    let facility_letters = FacilityLetters::default();
    let src = compose::Source {
        complaint: &w.state,
        facility_name: f.code,
        facility_code: f.code,
        tz: f.tz,
        letters: &facility_letters,
    };
    let language = compose::preferred_language(&w.state, f.language);
    let mut checked =
        check_content(&content).map_err(|v| anyhow::anyhow!("resolution letter: {v:?}"))?;
    let mut input = content.clone();
    let vars = compose::vars(
        &src,
        LetterKind::Resolution,
        &language,
        LetterFormat::Standard,
        &checked,
        at,
    );
    if compose::compose(&src, &vars, None).language_gap {
        // No template in the complainant's language: the synthetic
        // letter's text is given in it by hand.
        let text = format!("[{language}] Respuesta por escrito / written response.");
        input.text = Some(text.clone());
        checked.text = Some(text);
    }
    let composition = compose::compose(&src, &vars, checked.text.as_deref());
    let setting = LetterSetting {
        facility_id: f.id,
        facility_code: f.code.to_owned(),
        complaint_id: w.id,
        complaint_reference: w.state.reference.clone(),
        complaint_created_by: w.state.created_by.subject.clone(),
        complaint_accepts_letters: true,
        preferred_language: language,
        large_print: false,
        superseded: None,
        composition: composition.clone(),
    };
    let draft = DraftLetter {
        complaint_id: w.id,
        input: DraftInput {
            kind: LetterKind::Resolution,
            language: None,
            language_reason: None,
            format: Some(LetterFormat::Standard),
            supersedes: None,
            content: input,
        },
    };
    let (id, mut letter) = sim.create(w.chain, actor, draft, &setting, at, |_, _| {})?;
    let doc = compose::document(&composition)
        .ok_or_else(|| anyhow::anyhow!("resolution letter has no document"))?;
    let rendered = vec![rendition::text_only(&doc)];
    let primary = rendered
        .first()
        .ok_or_else(|| anyhow::anyhow!("no rendition"))?;
    let send = LetterCommand::MarkSent {
        method: SendMethod::Mail,
        sent_at: at,
        rules: SendRules {
            approval_required: false,
            qio_owed: w.state.needs_qio_notice(),
            received_at: w.state.received_at,
        },
        composition,
        rendition: primary.summary.clone(),
    };
    sim.change(w.chain, actor, id, &mut letter, send, at, None)?;
    for r in &rendered {
        batch.renditions.push(letter_rendition::Model {
            id: uuid::Uuid::now_v7(),
            letter_id: id,
            media_type: r.summary.media_type.clone(),
            sha256: r.summary.sha256.clone(),
            bytes: r.bytes.clone(),
            created_at: at.trunc_subsecs(6),
        });
    }
    batch.letters.push(letters::row(id, &letter)?);
    sim.letters.push((id, letter));
    Ok(())
}

/// See the module documentation.
pub(super) fn complaint(
    sim: &mut Sim<'_>,
    received: DateTime<Utc>,
    batch: &mut Batch,
    chain: &mut Chain,
) -> anyhow::Result<()> {
    let world = sim.world;
    let weights: Vec<(usize, u32)> = world
        .facilities
        .iter()
        .enumerate()
        .map(|(i, f)| (i, f.weight))
        .collect();
    let f = &world.facilities[pick(&mut sim.rng, &weights)];
    let draft = intake::draft(sim, f, received);
    let language = draft
        .complainant
        .preferred_language
        .clone()
        .unwrap_or_default();
    let (_, policy_id, rules) = f
        .policy(draft.program)
        .ok_or_else(|| anyhow::anyhow!("{} lacks {:?}", f.code, draft.program))?
        .clone();
    let policy = PolicyContext {
        rules: rules.clone(),
        tz: f.tz,
    };
    let setting = ComplaintSetting {
        facility_id: f.id,
        facility_code: f.code.to_owned(),
        tz: f.tz,
        policy_id,
        rules,
    };
    let front = if sim.chance(0.7) {
        sim.staff()
    } else {
        sim.specialist()
    };
    let creator = sim.actor_for(Operation::CreateComplaint, front);
    let created_at = (received + sim.minutes(0, 30)).min(sim.now);
    let channel = draft.channel;
    let command = OpenComplaint {
        facility_code: f.code.to_owned(),
        intake: draft,
        from_failed_request: None,
    };
    let (id, state) = sim.create(chain, creator, command, &setting, created_at, |sim, s| {
        let year = reference_year(s.received_at, f.tz);
        let number = sim.numbers.entry(year).or_insert(0);
        *number += 1;
        s.reference = reference(s.classification, year, *number);
    })?;
    sim.letters.clear();
    let mut w = Walk { id, state, chain };
    let mut t = created_at;
    let owner = sim.specialist();
    let manager = sim.manager();
    let mut work_unfinished = false;

    // Interpreter sessions not on any complaint, around the same time.
    if sim.chance(0.12) {
        let other = intake::language(sim, f);
        let other = if other == "en" { "es" } else { other };
        let at = created_at + sim.minutes(5, 600);
        work::interpreter_session(sim, w.chain, batch, f, None, other, at)?;
    }
    if sim.chance(0.05) {
        let at = created_at + sim.minutes(5, 600);
        let department = w.state.department.clone();
        work::accessibility_request(sim, w.chain, batch, f, None, &department, at)?;
    }

    let point_of_service = w.state.classification == Classification::Complaint
        && matches!(
            channel,
            Channel::InPerson | Channel::Phone | Channel::SurveyComment
        )
        && sim.chance(0.55);
    let done = if point_of_service {
        t += sim.minutes(5, 90);
        let actor = sim.actor_for(Operation::ResolveAtPointOfService, creator);
        let command = ComplaintCommand::ResolveAtPointOfService {
            resolution: "Explained and put right on the spot.".to_owned(),
        };
        w.step(sim, actor, command, t, None)?
    } else if sim.chance(0.05) {
        t += Duration::hours(sim.rng.random_range(2..=240));
        let actor = sim.actor_for(Operation::WithdrawComplaint, owner);
        let command = ComplaintCommand::Withdraw {
            reason: "The complainant asked to withdraw it".to_owned(),
        };
        w.step(sim, actor, command, t, None)?
    } else {
        investigate(
            sim,
            &mut w,
            batch,
            f,
            &policy,
            owner,
            manager,
            &language,
            &mut t,
            &mut work_unfinished,
        )?
    };

    // About one in ten finished complaints is reopened and resolved again.
    if done && !w.state.status.is_open() && sim.chance(0.105) {
        t += Duration::hours(sim.rng.random_range(24..=30 * 24));
        let reopen = ComplaintCommand::Reopen {
            reason: "The complainant wrote back: the concern persists".to_owned(),
        };
        let actor = sim.actor_for(Operation::ReopenComplaint, manager);
        if w.step(sim, actor, reopen, t, None)? {
            t += Duration::hours(sim.rng.random_range(48..=20 * 24));
            let resolver = sim.actor_for(Operation::ResolveComplaint, owner);
            resolution_letter(sim, &mut w, batch, f, resolver, t)?;
            let input = resolution(&w.state);
            if w.step(sim, resolver, ComplaintCommand::Resolve(input), t, None)? && !work_unfinished
            {
                t += Duration::hours(sim.rng.random_range(4..=5 * 24));
                let closer = sim.actor_for(Operation::CloseComplaint, owner);
                w.step(sim, closer, ComplaintCommand::Close, t, None)?;
            }
        }
    }

    let s = &w.state;
    let c = &mut sim.counts;
    c.complaints += 1;
    c.issues += s.issues.len() as u64;
    c.grievances += u64::from(s.classification == Classification::Grievance);
    c.open += u64::from(s.status.is_open());
    c.closed += u64::from(s.status == Status::Closed);
    c.withdrawn += u64::from(s.status == Status::Withdrawn);
    c.reopened += u64::from(!s.reopenings.is_empty());
    c.extensions += s.clocks.extensions.len() as u64;
    c.resolved_at_point_of_service += u64::from(
        s.status == Status::Resolved
            && s.resolution.as_ref().is_some_and(|r| r.at_point_of_service),
    );
    batch.issues.extend(complaints::issue_rows(id, s));
    batch.complaints.push(complaints::row(id, s)?);
    Ok(())
}

/// Acknowledged (on time or late against the policy), assigned,
/// investigated with its linked work, maybe extended, resolved (on time or
/// late), closed. True when it got to the end.
#[allow(clippy::too_many_arguments)] // the walk's pieces, named at the one call site
fn investigate<'w>(
    sim: &mut Sim<'w>,
    w: &mut Walk<'_>,
    batch: &mut Batch,
    f: &super::world::Facility,
    policy: &PolicyContext,
    owner: &'w Actor,
    manager: &'w Actor,
    language: &str,
    t: &mut DateTime<Utc>,
    work_unfinished: &mut bool,
) -> anyhow::Result<bool> {
    let received = w.state.received_at;
    let ack_due = w.state.clocks.acknowledgement_due_at;
    *t = if sim.chance(0.86) {
        sim.between(*t, ack_due, 0.05..=0.95)
    } else {
        ack_due + Duration::hours(sim.rng.random_range(2..=120))
    };
    let method = pick(
        &mut sim.rng,
        &[
            (ContactMethod::Phone, 45),
            (ContactMethod::Letter, 20),
            (ContactMethod::Email, 25),
            (ContactMethod::Portal, 10),
        ],
    );
    let acknowledger = sim.actor_for(Operation::AcknowledgeComplaint, owner);
    let ack = ComplaintCommand::Acknowledge { method, at: None };
    if !w.step(sim, acknowledger, ack, *t, None)? {
        return Ok(false);
    }
    *t += sim.minutes(5, 12 * 60);
    let assigner = sim.actor_for(Operation::AssignComplaint, owner);
    let assign = ComplaintCommand::Assign {
        owner: UserRef {
            subject: owner.subject.clone(),
            name: owner.name.clone(),
        },
    };
    if !w.step(sim, assigner, assign, *t, None)? {
        return Ok(false);
    }
    *t += sim.minutes(10, 24 * 60);
    let investigator = sim.actor_for(Operation::StartInvestigation, owner);
    if !w.step(
        sim,
        investigator,
        ComplaintCommand::StartInvestigation,
        *t,
        None,
    )? {
        return Ok(false);
    }
    let investigating_since = *t;

    // An extension, where the policy allows one, shortly before the due time.
    if let Some(by) = policy.rules.max_extension
        && policy.rules.max_extensions > 0
        && sim.chance(0.05)
    {
        let at = w.state.clocks.resolution_due_at - Duration::hours(36);
        if at > *t {
            let extend = ComplaintCommand::ExtendDeadline {
                clock: ClockKind::Resolution,
                by,
                reason: "Waiting for the outside reviewer's report".to_owned(),
            };
            let actor = sim.actor_for(Operation::ExtendDeadline, manager);
            if !w.step(sim, actor, extend, at, Some(policy.clone()))? {
                return Ok(false);
            }
            *t = at;
        }
    }
    let due = w.state.clocks.resolution_due_at;
    let mut resolve_at = if sim.chance(0.8) {
        sim.between(investigating_since, due, 0.15..=0.97)
    } else {
        due + Duration::hours(sim.rng.random_range(6..=25 * 24))
    };

    // Linked work during the investigation.
    let department = w.state.department.clone();
    if language != "en" && language != f.language && sim.chance(0.7) {
        let at = investigating_since + sim.minutes(10, 180);
        work::interpreter_session(sim, w.chain, batch, f, Some(w.id), language, at)?;
        resolve_at = resolve_at.max(at + Duration::hours(1));
    }
    if sim.chance(0.27) {
        let d = work::service_recovery(
            sim,
            w.chain,
            batch,
            f,
            w.id,
            &department,
            owner,
            investigating_since,
            resolve_at,
        )?;
        *work_unfinished |= !d.finished;
        resolve_at = resolve_at.max(d.last + Duration::hours(1));
    }
    if sim.chance(0.03) {
        let at = investigating_since + sim.minutes(30, 600);
        let d = work::accessibility_request(sim, w.chain, batch, f, Some(w.id), &department, at)?;
        *work_unfinished |= !d.finished;
        resolve_at = resolve_at.max(d.last + Duration::hours(1));
    }

    // A progress notice where the policy has the duty and the complaint
    // is still unresolved at its due time: mostly on time, some late,
    // some never (the clock is then met late by the resolution).
    if let Some(notice_due) = w.state.clocks.progress_notice_due_at
        && resolve_at > notice_due
        && sim.chance(0.8)
    {
        let at = if notice_due > *t && sim.chance(0.85) {
            sim.between(*t, notice_due, 0.3..=0.95)
        } else {
            notice_due.max(*t) + Duration::hours(sim.rng.random_range(2..=96))
        };
        if at < resolve_at {
            let sender = sim.actor_for(Operation::LogContact, owner);
            let notice = ComplaintCommand::RecordProgressNotice { sent_at: at };
            if !w.step(sim, sender, notice, at, None)? {
                return Ok(false);
            }
            *t = at;
        }
    }

    *t = resolve_at.max(*t + Duration::minutes(5)).max(received);
    let resolver = sim.actor_for(Operation::ResolveComplaint, owner);
    resolution_letter(sim, w, batch, f, resolver, *t)?;
    let input = resolution(&w.state);
    if !w.step(sim, resolver, ComplaintCommand::Resolve(input), *t, None)? {
        return Ok(false);
    }
    if *work_unfinished || sim.chance(0.08) {
        return Ok(true);
    }
    *t += Duration::hours(sim.rng.random_range(2..=7 * 24));
    let closer = sim.actor_for(Operation::CloseComplaint, owner);
    w.step(sim, closer, ComplaintCommand::Close, *t, None)?;
    Ok(true)
}
