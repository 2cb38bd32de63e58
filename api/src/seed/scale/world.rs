//! The world the scale seed simulates: its facilities (zones, languages,
//! deadline policies), created through the same services as the API, and
//! the pool of users who act in it.

use std::collections::BTreeSet;

use chrono_tz::Tz;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use super::super::fail;
use crate::domain::actor::{Actor, FacilityScope, Role};
use crate::domain::clocks::{self, PolicyRules, Program, Span, TimeUnit};
use crate::domain::facility::FacilityDraft;
use crate::domain::money::Money;
use crate::services::policies::{self, PolicyDraft};
use crate::services::{Caller, facilities, facility_lookup};

/// A facility of the simulated health system.
pub(super) struct Facility {
    pub code: &'static str,
    pub id: Uuid,
    pub tz: Tz,
    /// Its `default_language`.
    pub language: &'static str,
    pub threshold: Money,
    /// Its deadline policies: program, policy id, rules.
    pub policies: Vec<(Program, Uuid, PolicyRules)>,
    /// Its share of the complaints (relative weight).
    pub weight: u32,
}

impl Facility {
    pub fn policy(&self, program: Program) -> Option<&(Program, Uuid, PolicyRules)> {
        self.policies.iter().find(|(p, _, _)| *p == program)
    }
}

/// The facilities and the users.
pub(super) struct World {
    pub facilities: Vec<Facility>,
    /// Front-desk staff (log complaints, interpreter sessions, requests).
    pub staff: Vec<Actor>,
    /// Patient relations specialists (own and work complaints).
    pub specialists: Vec<Actor>,
    /// Patient relations managers (reassign, reopen, approve, deny).
    pub managers: Vec<Actor>,
}

struct Spec {
    code: &'static str,
    name: &'static str,
    tz: &'static str,
    language: &'static str,
    threshold: &'static str,
    /// Policies besides the CMS hospital one every facility has.
    extra: &'static [Program],
    weight: u32,
}

/// Seven facilities in five zones (Eastern, Central, Mountain with and without
/// DST, Pacific, Hawaii), one Spanish-speaking by default, with different
/// programs and thresholds.
const SPECS: &[Spec] = &[
    Spec {
        code: "SCALE-BOS",
        name: "Harborview Medical Center (Boston)",
        tz: "America/New_York",
        language: "en",
        threshold: "250.00",
        extra: &[Program::MedicareAdvantage],
        weight: 26,
    },
    Spec {
        code: "SCALE-MIA",
        name: "Bayfront Hospital (Miami)",
        tz: "America/New_York",
        language: "es",
        threshold: "200.00",
        extra: &[Program::MedicaidManagedCare],
        weight: 16,
    },
    Spec {
        code: "SCALE-CHI",
        name: "Lakeshore General (Chicago)",
        tz: "America/Chicago",
        language: "en",
        threshold: "300.00",
        extra: &[Program::MedicareAdvantage, Program::MedicaidManagedCare],
        weight: 22,
    },
    Spec {
        code: "SCALE-DEN",
        name: "Front Range Medical (Denver)",
        tz: "America/Denver",
        language: "en",
        threshold: "250.00",
        extra: &[Program::Commercial],
        weight: 12,
    },
    Spec {
        code: "SCALE-PHX",
        name: "Desert Sun Hospital (Phoenix)",
        tz: "America/Phoenix",
        language: "en",
        threshold: "150.00",
        extra: &[],
        weight: 10,
    },
    Spec {
        code: "SCALE-SEA",
        name: "Sound Regional (Seattle)",
        tz: "America/Los_Angeles",
        language: "en",
        threshold: "250.00",
        extra: &[Program::MedicareAdvantage],
        weight: 10,
    },
    Spec {
        code: "SCALE-HNL",
        name: "Aloha Medical Center (Honolulu)",
        tz: "Pacific/Honolulu",
        language: "en",
        threshold: "250.00",
        extra: &[],
        weight: 4,
    },
];

/// The facility codes the scale seed creates.
pub fn codes() -> Vec<&'static str> {
    SPECS.iter().map(|s| s.code).collect()
}

/// A stricter commercial contract than the CMS default: acknowledge in 2
/// business days, resolve in 14 calendar days, up to two 7-day extensions,
/// a progress notice by day 5.
fn commercial_rules() -> PolicyRules {
    PolicyRules {
        acknowledgement: Span::new(2, TimeUnit::BusinessDays),
        resolution: Span::new(14, TimeUnit::CalendarDays),
        expedited_resolution: Some(Span::new(72, TimeUnit::Hours)),
        max_extensions: 2,
        max_extension: Some(Span::new(7, TimeUnit::CalendarDays)),
        progress_notice: Some(Span::new(5, TimeUnit::CalendarDays)),
    }
}

fn user(subject: String, name: String, role: Role) -> Actor {
    Actor {
        subject,
        name,
        roles: BTreeSet::from([role]),
        facilities: FacilityScope::All,
    }
}

/// Creates the facilities and their policies through the services (so they
/// are validated and on the audit trail) and returns the world.
pub(super) async fn build(db: &DatabaseConnection, caller: &Caller<'_>) -> anyhow::Result<World> {
    let mut out = Vec::new();
    for spec in SPECS {
        let draft = FacilityDraft {
            code: spec.code.to_owned(),
            name: spec.name.to_owned(),
            time_zone: spec.tz.to_owned(),
            approval_threshold_amount: spec.threshold.into(),
            approval_threshold_currency: "USD".to_owned(),
            default_language: Some(spec.language.to_owned()),
            required_documents: None,
            letters: None,
        };
        facilities::upsert(db, caller, &draft, None)
            .await
            .map_err(|e| fail("a facility", e))?;
        for program in spec.extra {
            let rules = match program {
                Program::Commercial => commercial_rules(),
                p => clocks::default_rules(*p),
            };
            let draft = PolicyDraft {
                facility_code: spec.code.to_owned(),
                program: *program,
                name: None,
                rules,
                expected_version: None,
            };
            policies::upsert(db, caller, &draft)
                .await
                .map_err(|e| fail("a deadline policy", e))?;
        }
        let model = facility_lookup::by_code(db, &FacilityScope::All, spec.code)
            .await?
            .ok_or_else(|| anyhow::anyhow!("facility {} vanished after creation", spec.code))?;
        let mut found = Vec::new();
        for program in std::iter::once(&Program::CmsHospital).chain(spec.extra) {
            let policy = policies::for_program(db, model.id, spec.code, *program)
                .await?
                .ok_or_else(|| {
                    anyhow::anyhow!("facility {} has no {} policy", spec.code, program.as_str())
                })?;
            found.push((*program, policy.model.id, policy.rules));
        }
        let threshold = Money::from_stored(
            &model.approval_threshold_amount,
            &model.approval_threshold_currency,
        )
        .ok_or_else(|| anyhow::anyhow!("facility {} threshold unreadable", spec.code))?;
        out.push(Facility {
            code: spec.code,
            id: model.id,
            tz: spec
                .tz
                .parse()
                .map_err(|_| anyhow::anyhow!("zone {}", spec.tz))?,
            language: spec.language,
            threshold,
            policies: found,
            weight: spec.weight,
        });
    }
    const FIRST: &[&str] = &[
        "Alex", "Blair", "Casey", "Dana", "Eli", "Frances", "Gabriel", "Hana", "Ivan", "Jordan",
        "Kai", "Lena", "Marisol", "Nadia", "Omar", "Priya", "Quinn", "Rosa", "Sam", "Tomas",
    ];
    const LAST: &[&str] = &[
        "Nguyen", "Garcia", "Smith", "Okafor", "Chen", "Patel", "Kowalski", "Haddad", "Silva",
        "Yamamoto", "Brown", "Lopez",
    ];
    let name = |i: usize| format!("{} {}", FIRST[i % FIRST.len()], LAST[(i * 7) % LAST.len()]);
    let staff = (0..10)
        .map(|i| user(format!("scale-staff-{i:02}"), name(i), Role::Staff))
        .collect();
    let specialists = (0..24)
        .map(|i| {
            user(
                format!("scale-pr-{i:02}"),
                name(i + 10),
                Role::PatientRelations,
            )
        })
        .collect();
    let managers = (0..6)
        .map(|i| {
            user(
                format!("scale-mgr-{i:02}"),
                name(i + 34),
                Role::PatientRelationsManager,
            )
        })
        .collect();
    Ok(World {
        facilities: out,
        staff,
        specialists,
        managers,
    })
}
