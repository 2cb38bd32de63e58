//! The generators: one [`Step`] is an actor (a role and a facility scope),
//! a command on one record (picked by index among the records the case has
//! made so far) and the version it sends. Inputs are mostly valid, with a
//! share of blank or control-character texts, early dates, missing
//! findings, amounts above the threshold, unknown programs, stale or
//! future versions, actors without the role or outside the facility: every
//! kind of refusal appears in the generated sequences.

use proptest::prelude::*;

/// How many actors [`super::world::ACTORS`] lists.
pub const ACTOR_COUNT: usize = 9;

/// A text input: mostly a real sentence, sometimes blank or carrying a
/// control character (both refused by the domain's text types).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Text {
    Good,
    Blank,
    Control,
}

impl Text {
    pub fn render(self, good: &str) -> String {
        match self {
            Text::Good => good.to_owned(),
            Text::Blank => "   ".to_owned(),
            Text::Control => format!("{good}\u{0}\u{7}"),
        }
    }
}

/// Which facility a new record is placed in (WEST is outside most actors'
/// tokens).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Fac {
    Main,
    West,
}

impl Fac {
    pub fn code(self) -> &'static str {
        match self {
            Fac::Main => "MAIN",
            Fac::West => "WEST",
        }
    }
}

/// The version a change sends: the stored one, one behind, one ahead.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum VersionPick {
    Current,
    Stale,
    Ahead,
}

/// A service-recovery amount: none, under the facility's 250.00 USD
/// threshold, at or above it, zero (refused), another currency (refused).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Amount {
    None,
    Small,
    Large,
    Zero,
    Euro,
}

/// The deadline program of a new complaint: MAIN has policies for the
/// first two, none for the third (refused by a guard).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum ProgramPick {
    CmsHospital,
    MedicareAdvantage,
    MedicaidManagedCare,
}

/// What intake sends for a new complaint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Intake {
    pub written: bool,
    pub program: ProgramPick,
    pub issues: usize,
    pub description: Text,
    pub medicare_quality: bool,
}

/// The records whose tables an [`Cmd::Advance`] follows.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Table {
    Complaint,
    Recovery,
    Request,
}

/// One command. Creates name their setting by index (`target` of the
/// step: the complaint a note, contact, proposal or linked record goes
/// on, or the request a complaint is opened from).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cmd {
    OpenComplaint {
        facility: Fac,
        intake: Intake,
        from_request: bool,
    },
    AddNote {
        body: Text,
    },
    LogContact {
        in_range: bool,
        summary: Text,
    },
    ProposeRecovery {
        amount: Amount,
        description: Text,
    },
    LogInterpreter {
        facility: Fac,
        on_complaint: bool,
        language_ok: bool,
    },
    FileRequest {
        facility: Fac,
        on_complaint: bool,
        overdue: bool,
        details: Text,
    },
    // Changes of a complaint.
    Update {
        description: Text,
        formal: Option<bool>,
    },
    Assign {
        owner: usize,
    },
    Acknowledge {
        before_receipt: bool,
    },
    StartInvestigation,
    Escalate {
        reason: Text,
    },
    ResolveAtPointOfService {
        resolution: Text,
    },
    Resolve {
        findings: bool,
        response: bool,
        qio: bool,
    },
    Close,
    Withdraw {
        reason: Text,
    },
    Reopen {
        reason: Text,
    },
    Extend {
        resolution_clock: bool,
        days: u32,
        reason: Text,
    },
    // Changes of a service-recovery action.
    Approve,
    Decline {
        reason: Text,
    },
    Complete {
        note: Option<Text>,
    },
    CancelRecovery {
        reason: Text,
    },
    // Change of an interpreter log entry.
    Amend {
        notes: u8,
        reason: Text,
    },
    // Changes of an accessibility request.
    AcknowledgeRequest,
    Schedule {
        provider: Option<Text>,
    },
    Fulfill {
        note: Option<Text>,
    },
    ProvideAlternative {
        reason: Text,
    },
    Deny {
        reason: Text,
    },
    CancelRequest {
        reason: Text,
    },
    /// The `choice`th move the record's table allows from its status now
    /// (for a complaint without an owner, assigning the actor is one of
    /// them), with valid inputs: what a user working the case does next.
    /// Chosen when the step runs; the actor's role may still not allow it.
    Advance {
        table: Table,
        choice: u8,
    },
    /// The move that takes the record toward its end (for a resolved
    /// complaint with unfinished linked work, that work's next move), with
    /// the inputs its guards need: what a user closing the case does next.
    /// On a closed complaint, the `choice`th of the changes a closed
    /// complaint must refuse (or its reopening).
    Progress {
        table: Table,
        choice: u8,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    pub actor: usize,
    pub target: usize,
    pub version: VersionPick,
    pub cmd: Cmd,
}

fn text() -> impl Strategy<Value = Text> {
    prop_oneof![8 => Just(Text::Good), 1 => Just(Text::Blank), 1 => Just(Text::Control)]
}

fn fac() -> impl Strategy<Value = Fac> {
    prop_oneof![5 => Just(Fac::Main), 1 => Just(Fac::West)]
}

fn version() -> impl Strategy<Value = VersionPick> {
    prop_oneof![
        8 => Just(VersionPick::Current),
        1 => Just(VersionPick::Stale),
        1 => Just(VersionPick::Ahead)
    ]
}

fn intake() -> impl Strategy<Value = Intake> {
    (
        any::<bool>(),
        prop_oneof![
            6 => Just(ProgramPick::CmsHospital),
            2 => Just(ProgramPick::MedicareAdvantage),
            1 => Just(ProgramPick::MedicaidManagedCare)
        ],
        prop_oneof![1 => Just(0usize), 6 => Just(1usize), 3 => Just(2usize)],
        text(),
        prop::bool::weighted(0.3),
    )
        .prop_map(
            |(written, program, issues, description, medicare_quality)| Intake {
                written,
                program,
                issues,
                description,
                medicare_quality,
            },
        )
}

fn amount() -> impl Strategy<Value = Amount> {
    prop_oneof![
        3 => Just(Amount::None),
        3 => Just(Amount::Small),
        3 => Just(Amount::Large),
        1 => Just(Amount::Zero),
        1 => Just(Amount::Euro)
    ]
}

fn advance(table: Table) -> impl Strategy<Value = Cmd> {
    any::<u8>().prop_map(move |choice| Cmd::Advance { table, choice })
}

fn complaint_cmds() -> impl Strategy<Value = Cmd> {
    prop_oneof![
        3 => (fac(), intake(), prop::bool::weighted(0.2)).prop_map(|(facility, intake, from_request)| {
            Cmd::OpenComplaint { facility, intake, from_request }
        }),
        24 => advance(Table::Complaint),
        2 => (text(), prop::option::of(any::<bool>()))
            .prop_map(|(description, formal)| Cmd::Update { description, formal }),
        3 => (0..ACTOR_COUNT).prop_map(|owner| Cmd::Assign { owner }),
        2 => prop::bool::weighted(0.2).prop_map(|before_receipt| Cmd::Acknowledge { before_receipt }),
        2 => Just(Cmd::StartInvestigation),
        1 => text().prop_map(|reason| Cmd::Escalate { reason }),
        1 => text().prop_map(|resolution| Cmd::ResolveAtPointOfService { resolution }),
        3 => (prop::bool::weighted(0.7), prop::bool::weighted(0.7), prop::bool::weighted(0.7))
            .prop_map(|(findings, response, qio)| Cmd::Resolve { findings, response, qio }),
        2 => Just(Cmd::Close),
        1 => text().prop_map(|reason| Cmd::Withdraw { reason }),
        1 => text().prop_map(|reason| Cmd::Reopen { reason }),
        2 => (any::<bool>(), 1u32..20, text()).prop_map(|(resolution_clock, days, reason)| {
            Cmd::Extend { resolution_clock, days, reason }
        }),
    ]
}

fn note_cmds() -> impl Strategy<Value = Cmd> {
    prop_oneof![
        text().prop_map(|body| Cmd::AddNote { body }),
        (prop::bool::weighted(0.8), text())
            .prop_map(|(in_range, summary)| Cmd::LogContact { in_range, summary }),
    ]
}

fn recovery_cmds() -> impl Strategy<Value = Cmd> {
    prop_oneof![
        4 => (amount(), text())
            .prop_map(|(amount, description)| Cmd::ProposeRecovery { amount, description }),
        5 => advance(Table::Recovery),
        2 => Just(Cmd::Approve),
        1 => text().prop_map(|reason| Cmd::Decline { reason }),
        2 => prop::option::of(text()).prop_map(|note| Cmd::Complete { note }),
        1 => text().prop_map(|reason| Cmd::CancelRecovery { reason }),
    ]
}

fn session_cmds() -> impl Strategy<Value = Cmd> {
    prop_oneof![
        1 => (fac(), any::<bool>(), prop::bool::weighted(0.85)).prop_map(
            |(facility, on_complaint, language_ok)| Cmd::LogInterpreter { facility, on_complaint, language_ok }
        ),
        2 => (0u8..3, text()).prop_map(|(notes, reason)| Cmd::Amend { notes, reason }),
    ]
}

fn request_cmds() -> impl Strategy<Value = Cmd> {
    prop_oneof![
        4 => (fac(), any::<bool>(), any::<bool>(), text()).prop_map(
            |(facility, on_complaint, overdue, details)| Cmd::FileRequest { facility, on_complaint, overdue, details }
        ),
        5 => advance(Table::Request),
        1 => Just(Cmd::AcknowledgeRequest),
        1 => prop::option::of(text()).prop_map(|provider| Cmd::Schedule { provider }),
        1 => prop::option::of(text()).prop_map(|note| Cmd::Fulfill { note }),
        1 => text().prop_map(|reason| Cmd::ProvideAlternative { reason }),
        1 => text().prop_map(|reason| Cmd::Deny { reason }),
        1 => text().prop_map(|reason| Cmd::CancelRequest { reason }),
    ]
}

/// Who acts: mostly the working roles of MAIN (indexes of
/// [`super::world::ACTORS`]), sometimes a role that may not, a STAFF
/// member who did not log the record, or someone of another facility.
fn actor() -> impl Strategy<Value = usize> {
    prop_oneof![
        2 => Just(0usize),
        1 => Just(1usize),
        4 => Just(2usize),
        5 => Just(3usize),
        3 => Just(4usize),
        1 => Just(5usize),
        1 => Just(6usize),
        1 => Just(7usize),
        2 => Just(8usize),
    ]
}

/// Which record: counted from the newest, mostly the newest itself, so
/// that sequences take records deep into their tables.
fn target() -> impl Strategy<Value = usize> {
    prop_oneof![6 => Just(0usize), 3 => 1usize..3, 1 => 3usize..8]
}

/// One step.
pub fn step() -> impl Strategy<Value = Step> {
    (
        actor(),
        target(),
        version(),
        prop_oneof![
            6 => complaint_cmds(),
            1 => note_cmds(),
            3 => recovery_cmds(),
            2 => session_cmds(),
            3 => request_cmds()
        ],
    )
        .prop_map(|(actor, target, version, cmd)| Step {
            actor,
            target,
            version,
            cmd,
        })
}

/// A valid complaint logged in MAIN by STAFF, a specialist or a lead: the
/// record most steps work on (without one every change is NOT_FOUND).
fn opening() -> impl Strategy<Value = Step> {
    (
        prop_oneof![Just(0usize), Just(2usize), Just(3usize)],
        any::<bool>(),
        prop_oneof![
            Just(ProgramPick::CmsHospital),
            Just(ProgramPick::MedicareAdvantage)
        ],
        1usize..=2,
        prop::bool::weighted(0.3),
    )
        .prop_map(|(actor, written, program, issues, medicare_quality)| Step {
            actor,
            target: 0,
            version: VersionPick::Current,
            cmd: Cmd::OpenComplaint {
                facility: Fac::Main,
                intake: Intake {
                    written,
                    program,
                    issues,
                    description: Text::Good,
                    medicare_quality,
                },
                from_request: false,
            },
        })
}

/// A step of a case that works its records to their ends: by a lead or
/// a manager of MAIN (the roles that may take every move), on the newest
/// record of its kind mostly, with the version it read.
fn progress_step() -> impl Strategy<Value = Step> {
    (
        prop_oneof![1 => Just(2usize), 2 => Just(3usize), 2 => Just(4usize)],
        prop_oneof![4 => Just(0usize), 1 => Just(1usize)],
        prop_oneof![
            4 => Just(Table::Complaint),
            1 => Just(Table::Recovery),
            1 => Just(Table::Request)
        ],
        any::<u8>(),
    )
        .prop_map(|(actor, target, table, choice)| Step {
            actor,
            target,
            version: VersionPick::Current,
            cmd: Cmd::Progress { table, choice },
        })
}

/// A case: one or two complaints opened, then 1 to `max_steps` steps, on
/// one fresh database. Half the cases are random steps throughout; in the
/// other half most steps make progress (interleaved with random ones), so
/// that complaints, recoveries and requests reach their ends (a closed
/// complaint is about six moves away, more with linked work) and the
/// guards on finished records meet commands.
pub fn steps(max_steps: usize) -> impl Strategy<Value = Vec<Step>> {
    let progressing = prop_oneof![3 => progress_step(), 2 => step()];
    (
        prop::collection::vec(opening(), 1..=2),
        prop_oneof![
            1 => prop::collection::vec(step(), 1..=max_steps),
            1 => prop::collection::vec(progressing, max_steps / 2..=max_steps),
        ],
    )
        .prop_map(|(mut opening, rest)| {
            opening.extend(rest);
            opening
        })
}
