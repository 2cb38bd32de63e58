//! Facilities: `facilities`, `facility(code:)` and `facilityUpsert`.

use async_graphql::connection::{Connection, Edge, EmptyFields};
use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::common::{ConnectionFields, DEFAULT_PAGE_SIZE, Payload, UserError, page_size, payload};
use super::context::ContextExt;
use super::errors;
use super::money::{MoneyInput, MoneyObject};
use crate::domain::attachment::AttachmentKind;
use crate::domain::attachment::required::DocumentRequirement;
use crate::domain::complaint::Channel;
use crate::domain::facility::{FacilityDraft, FacilityLetters as DomainLetters};
use crate::domain::money::Money;
use crate::domain::permissions::Operation;
use crate::ids::{NodeKind, encode_id};
use crate::services;

/// A hospital facility: the scope of every record and every token.
#[derive(Clone, Debug)]
pub struct Facility {
    uuid: Uuid,
    code: String,
    name: String,
    time_zone: String,
    default_language: String,
    required_documents: Vec<RequiredDocuments>,
    letters: Option<Box<DomainLetters>>,
    approval_threshold: Option<Money>,
    version: i32,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<entity::facility::Model> for Facility {
    fn from(m: entity::facility::Model) -> Self {
        let required_documents = services::facilities::required_documents_of(&m)
            .into_iter()
            .map(|r| RequiredDocuments {
                channel: r.channel,
                kinds: r.kinds,
            })
            .collect();
        Facility {
            required_documents,
            approval_threshold: Money::from_stored(
                &m.approval_threshold_amount,
                &m.approval_threshold_currency,
            ),
            letters: services::facilities::letters_of(&m).map(Box::new),
            uuid: m.id,
            code: m.code,
            name: m.name,
            time_zone: m.time_zone,
            default_language: m.default_language,
            version: m.version,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

#[Object]
impl Facility {
    pub async fn id(&self) -> ID {
        encode_id(NodeKind::Facility, self.uuid)
    }
    /// Short code used in tokens' `facilities` claim.
    async fn code(&self) -> &str {
        &self.code
    }
    async fn name(&self) -> &str {
        &self.name
    }
    /// IANA time zone; due times are computed in it and shown in it.
    async fn time_zone(&self) -> &str {
        &self.time_zone
    }
    /// BCP 47 tag of the language the facility works in (`en` unless set):
    /// complainants who prefer another need language access
    /// (`languageAccessGaps`).
    async fn default_language(&self) -> &str {
        &self.default_language
    }
    /// Documents a complaint must have attached before it is resolved, by
    /// the channel it came through.
    async fn required_documents(&self) -> &[RequiredDocuments] {
        &self.required_documents
    }
    /// How its letters are headed and sent.
    async fn letters(&self) -> FacilityLetters {
        let l = self.letters.as_deref().cloned().unwrap_or_default();
        FacilityLetters {
            address_lines: l.address_lines,
            qio_name: l.qio_name,
            qio_phone: l.qio_phone,
            require_approval: l.require_approval,
        }
    }
    /// Service recovery above this amount needs a manager's approval.
    async fn approval_threshold(&self) -> Result<MoneyObject> {
        self.approval_threshold
            .clone()
            .map(MoneyObject::from)
            .ok_or_else(|| {
                anyhow::anyhow!("stored threshold of {} is not a decimal", self.uuid).into()
            })
    }
    /// Send it back as `expectedVersion` to change the facility.
    async fn version(&self) -> i32 {
        self.version
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.created_at
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.updated_at
    }
}

/// How a facility's letters are headed and sent.
#[derive(SimpleObject)]
pub struct FacilityLetters {
    /// The address block under the facility's name.
    pub address_lines: Vec<String>,
    /// The Quality Improvement Organization named in A-0120 notices.
    pub qio_name: Option<String>,
    pub qio_phone: Option<String>,
    /// A manager other than the drafter approves each letter before it
    /// goes out.
    pub require_approval: bool,
}

/// A facility's letter settings (replaced as a whole).
#[derive(InputObject)]
pub struct FacilityLettersInput {
    /// At most 6 lines.
    #[graphql(default)]
    pub address_lines: Vec<String>,
    pub qio_name: Option<String>,
    pub qio_phone: Option<String>,
    #[graphql(default)]
    pub require_approval: bool,
}

#[derive(Default)]
pub struct FacilityQuery;

fn encode_cursor(code: &str) -> String {
    URL_SAFE_NO_PAD.encode(code)
}

fn decode_cursor(cursor: &str) -> Result<String> {
    URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(|| errors::bad_input("`after` is not a cursor from this connection"))
}

#[Object]
impl FacilityQuery {
    /// The facilities your token grants, ordered by code.
    #[graphql(
        complexity = "first.map_or(DEFAULT_PAGE_SIZE as usize, |n| n.max(0) as usize) * child_complexity + 1"
    )]
    async fn facilities(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size: at most 100 (the configured limit), 20 when omitted.")]
        first: Option<i32>,
        #[graphql(desc = "The `endCursor` of the previous page.")] after: Option<String>,
    ) -> Result<Connection<String, Facility, ConnectionFields, EmptyFields>> {
        let actor = ctx.authorize(Operation::ReadFacilities)?;
        let db = ctx.db()?;
        let limit = page_size(ctx, first)?;
        let after = after.as_deref().map(decode_cursor).transpose()?;
        let (rows, has_next) =
            services::facilities::list(db, &actor.facilities, after.as_deref(), limit).await?;
        let total = services::facilities::count(db, &actor.facilities).await?;
        let mut connection = Connection::with_additional_fields(
            after.is_some(),
            has_next,
            ConnectionFields { total_count: total },
        );
        connection.edges.extend(
            rows.into_iter()
                .map(|m| Edge::new(encode_cursor(&m.code), Facility::from(m))),
        );
        Ok(connection)
    }

    /// One facility by code; null when it does not exist or is outside your
    /// facilities.
    async fn facility(&self, ctx: &Context<'_>, code: String) -> Result<Option<Facility>> {
        let actor = ctx.authorize(Operation::ReadFacilities)?;
        let row = services::facilities::by_code(ctx.db()?, &actor.facilities, &code).await?;
        Ok(row.map(Facility::from))
    }
}

/// For complaints that came through `channel`, a document of each of
/// `kinds` must be attached before resolution.
#[derive(Clone, Debug, SimpleObject)]
pub struct RequiredDocuments {
    pub channel: Channel,
    pub kinds: Vec<AttachmentKind>,
}

#[derive(InputObject)]
pub struct RequiredDocumentsInput {
    pub channel: Channel,
    pub kinds: Vec<AttachmentKind>,
}

#[derive(InputObject)]
pub struct FacilityUpsertInput {
    /// 2–32 of A–Z, 0–9, `-`, `_` (lower case is upper-cased).
    pub code: String,
    pub name: String,
    /// IANA time zone, e.g. `America/Chicago`.
    pub time_zone: String,
    /// Service recovery above this needs a manager's approval.
    pub approval_threshold: MoneyInput,
    /// BCP 47 tag of the language the facility works in; omit to keep
    /// what it has (`en` for a new facility).
    pub default_language: Option<String>,
    /// Documents required before resolution, by channel (e.g. the original
    /// letter, `INCOMING_CORRESPONDENCE`, for `LETTER` complaints); omit to
    /// keep what the facility has (none for a new facility), `[]` for none.
    pub required_documents: Option<Vec<RequiredDocumentsInput>>,
    /// Letter settings; omit to keep what the facility has.
    pub letters: Option<FacilityLettersInput>,
    /// Omit to create; to change an existing facility, the version you read.
    pub expected_version: Option<i32>,
}

#[derive(SimpleObject)]
pub struct FacilityUpsertPayload {
    /// The facility as stored; null when refused.
    pub facility: Option<Facility>,
    /// True when this call created the facility.
    pub created: bool,
    pub user_errors: Vec<UserError>,
}

impl Payload for FacilityUpsertPayload {
    fn refused(user_errors: Vec<UserError>) -> Self {
        FacilityUpsertPayload {
            facility: None,
            created: false,
            user_errors,
        }
    }
}

#[derive(Default)]
pub struct FacilityMutation;

#[Object]
impl FacilityMutation {
    /// Creates a facility, or changes one at `expectedVersion` (ADMIN only).
    async fn facility_upsert(
        &self,
        ctx: &Context<'_>,
        input: FacilityUpsertInput,
    ) -> Result<FacilityUpsertPayload> {
        let caller = ctx.caller()?;
        let draft = FacilityDraft {
            code: input.code,
            name: input.name,
            time_zone: input.time_zone,
            approval_threshold_amount: input.approval_threshold.amount.0,
            approval_threshold_currency: input.approval_threshold.currency,
            default_language: input.default_language,
            required_documents: input.required_documents.map(|list| {
                list.into_iter()
                    .map(|r| DocumentRequirement {
                        channel: r.channel,
                        kinds: r.kinds,
                    })
                    .collect()
            }),
            letters: input.letters.map(|l| DomainLetters {
                address_lines: l.address_lines,
                qio_name: l.qio_name,
                qio_phone: l.qio_phone,
                require_approval: l.require_approval,
            }),
        };
        let result =
            services::facilities::upsert(ctx.db()?, &caller, &draft, input.expected_version).await;
        payload(result, |(model, upserted)| {
            tracing::info!(
                facility_id = %model.id,
                version = model.version,
                created = upserted == services::facilities::Upserted::Created,
                "facility upserted"
            );
            FacilityUpsertPayload {
                facility: Some(model.into()),
                created: upserted == services::facilities::Upserted::Created,
                user_errors: Vec::new(),
            }
        })
    }
}
