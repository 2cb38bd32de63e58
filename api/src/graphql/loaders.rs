//! DataLoaders: children of a list of complaints load in one query per
//! kind, not one per complaint. They do not cache (each load reads the
//! database), so they are safe to share across requests; they only batch.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, Loader};
use entity::{complaint_contact, complaint_note, facility};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::services;

pub struct FacilityLoader(pub DatabaseConnection);
pub struct NotesLoader(pub DatabaseConnection);
pub struct ContactsLoader(pub DatabaseConnection);

impl Loader<Uuid> for FacilityLoader {
    type Value = facility::Model;
    type Error = Arc<sea_orm::DbErr>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rows = facility::Entity::find()
            .filter(facility::Column::Id.is_in(keys.iter().copied()))
            .all(&self.0)
            .await
            .map_err(Arc::new)?;
        Ok(rows.into_iter().map(|f| (f.id, f)).collect())
    }
}

/// Groups rows by their complaint, keeping their order.
fn by_complaint<T>(rows: Vec<T>, complaint: impl Fn(&T) -> Uuid) -> HashMap<Uuid, Vec<T>> {
    let mut out: HashMap<Uuid, Vec<T>> = HashMap::new();
    for row in rows {
        out.entry(complaint(&row)).or_default().push(row);
    }
    out
}

impl Loader<Uuid> for NotesLoader {
    type Value = Vec<complaint_note::Model>;
    type Error = Arc<sea_orm::DbErr>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rows = services::complaints::notes_for(&self.0, keys)
            .await
            .map_err(Arc::new)?;
        Ok(by_complaint(rows, |n| n.complaint_id))
    }
}

impl Loader<Uuid> for ContactsLoader {
    type Value = Vec<complaint_contact::Model>;
    type Error = Arc<sea_orm::DbErr>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rows = services::complaints::contacts_for(&self.0, keys)
            .await
            .map_err(Arc::new)?;
        Ok(by_complaint(rows, |c| c.complaint_id))
    }
}

/// Every loader, registered as schema data.
pub struct Loaders {
    pub facilities: DataLoader<FacilityLoader>,
    pub notes: DataLoader<NotesLoader>,
    pub contacts: DataLoader<ContactsLoader>,
}

impl Loaders {
    pub fn new(db: &DatabaseConnection) -> Self {
        Loaders {
            facilities: DataLoader::new(FacilityLoader(db.clone()), tokio::spawn),
            notes: DataLoader::new(NotesLoader(db.clone()), tokio::spawn),
            contacts: DataLoader::new(ContactsLoader(db.clone()), tokio::spawn),
        }
    }
}
