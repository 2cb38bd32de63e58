//! Facility lookups in the caller's scope: listing, counting, by code, by
//! id, and the facility an input names. A leaf below the facility and
//! policy configuration (`facilities`, `policies`) and every record's
//! create, so neither needs the other for them.

use entity::facility::{self, Entity as Facility};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Select,
};
use uuid::Uuid;

use crate::domain::actor::FacilityScope;

/// Facilities the scope allows, as a query to refine.
fn scoped(scope: &FacilityScope) -> Select<Facility> {
    match scope {
        FacilityScope::All => Facility::find(),
        FacilityScope::Only(codes) => {
            Facility::find().filter(facility::Column::Code.is_in(codes.iter().cloned()))
        }
    }
}

/// One page of facilities in scope, ordered by code, after `after_code`.
pub async fn list(
    db: &impl ConnectionTrait,
    scope: &FacilityScope,
    after_code: Option<&str>,
    limit: u64,
) -> Result<(Vec<facility::Model>, bool), sea_orm::DbErr> {
    let mut query = scoped(scope).order_by_asc(facility::Column::Code);
    if let Some(after) = after_code {
        query = query.filter(facility::Column::Code.gt(after));
    }
    let mut rows = query.limit(limit + 1).all(db).await?;
    let has_next = rows.len() as u64 > limit;
    rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    Ok((rows, has_next))
}

pub async fn count(
    db: &impl ConnectionTrait,
    scope: &FacilityScope,
) -> Result<u64, sea_orm::DbErr> {
    scoped(scope).count(db).await
}

pub async fn by_code(
    db: &impl ConnectionTrait,
    scope: &FacilityScope,
    code: &str,
) -> Result<Option<facility::Model>, sea_orm::DbErr> {
    let code = crate::domain::facility::normalize_code(code);
    if !scope.contains(&code) {
        return Ok(None);
    }
    Facility::find()
        .filter(facility::Column::Code.eq(code))
        .one(db)
        .await
}

/// The facility named by an input's `facilityCode`, if it is in scope;
/// otherwise the refusal every create gives (NOT_FOUND: outside scope a
/// facility does not exist).
pub async fn for_input(
    db: &impl ConnectionTrait,
    scope: &FacilityScope,
    code: &str,
) -> Result<facility::Model, crate::services::ServiceError> {
    let code = input_code(scope, code)?;
    by_code(db, scope, &code)
        .await?
        .ok_or_else(|| not_found(&code))
}

/// An input's `facilityCode`, normalised, when it is a code at all and in
/// the caller's scope; otherwise the refusal of [`for_input`]. For a
/// lookup that reads the facility together with something else.
pub fn input_code(
    scope: &FacilityScope,
    code: &str,
) -> Result<String, crate::services::ServiceError> {
    let code = crate::domain::facility::normalize_code(code);
    if !crate::domain::facility::code_is_valid(&code) {
        // No facility has such a code; say what a code looks like, without
        // echoing what was sent (it may hold control characters).
        return Err(crate::services::Refusal::new(
            crate::services::RefusalCode::Validation,
            format!(
                "a facility code is 2 to {} letters, digits, '-' or '_'",
                crate::domain::facility::CODE_MAX
            ),
        )
        .on(&["input", "facilityCode"])
        .into());
    }
    if !scope.contains(&code) {
        return Err(not_found(&code));
    }
    Ok(code)
}

/// The refusal for an input's facility that does not exist or is outside
/// the caller's scope (the two look the same).
pub fn not_found(code: &str) -> crate::services::ServiceError {
    crate::services::Refusal::new(
        crate::services::RefusalCode::NotFound,
        format!("facility {code} not found"),
    )
    .on(&["input", "facilityCode"])
    .into()
}

pub async fn by_id(
    db: &impl ConnectionTrait,
    scope: &FacilityScope,
    id: Uuid,
) -> Result<Option<facility::Model>, sea_orm::DbErr> {
    Ok(Facility::find_by_id(id)
        .one(db)
        .await?
        .filter(|f| scope.contains(&f.code)))
}

/// Facilities by id, for a DataLoader (the caller's scope is applied where
/// they are shown).
pub async fn by_ids(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<Vec<facility::Model>, sea_orm::DbErr> {
    Facility::find()
        .filter(facility::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await
}
