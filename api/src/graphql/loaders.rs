//! DataLoaders: children of a list of complaints load in one query per
//! kind, not one per complaint, through the services. What they load is
//! sealed (`Unread`): a resolver reads it through
//! `services::reads::Reader`, which logs. They do not cache (each load
//! reads the database), so they are safe to share across requests; they
//! only batch.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, Loader};
use entity::{complaint_contact, complaint_note, facility};
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use crate::domain::accessibility::AccessibilityRequestState;
use crate::domain::interpreter::InterpreterSessionState;
use crate::domain::service_recovery::ServiceRecoveryState;
use crate::services;
use crate::services::reads::Unread;

pub struct FacilityLoader(pub DatabaseConnection);
pub struct NotesLoader(pub DatabaseConnection);
pub struct ContactsLoader(pub DatabaseConnection);

impl Loader<Uuid> for FacilityLoader {
    type Value = facility::Model;
    type Error = Arc<sea_orm::DbErr>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rows = services::facilities::by_ids(&self.0, keys)
            .await
            .map_err(Arc::new)?;
        Ok(rows.into_iter().map(|f| (f.id, f)).collect())
    }
}

impl Loader<Uuid> for NotesLoader {
    type Value = Unread<Vec<complaint_note::Model>>;
    type Error = Arc<sea_orm::DbErr>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        services::complaints::notes_for(&self.0, keys)
            .await
            .map_err(Arc::new)
    }
}

impl Loader<Uuid> for ContactsLoader {
    type Value = Unread<Vec<complaint_contact::Model>>;
    type Error = Arc<sea_orm::DbErr>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        services::complaints::contacts_for(&self.0, keys)
            .await
            .map_err(Arc::new)
    }
}

/// Service-recovery actions, interpreter sessions and accessibility
/// requests of a page of complaints, one query per kind.
pub struct ServiceRecoveryLoader(pub DatabaseConnection);
pub struct InterpreterSessionsLoader(pub DatabaseConnection);
pub struct AccessibilityRequestsLoader(pub DatabaseConnection);

macro_rules! linked_loader {
    ($loader:ty, $state:ty, $query:path) => {
        impl Loader<Uuid> for $loader {
            type Value = Unread<Vec<(Uuid, $state)>>;
            type Error = Arc<sea_orm::DbErr>;

            async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
                $query(&self.0, keys).await.map_err(Arc::new)
            }
        }
    };
}

linked_loader!(
    ServiceRecoveryLoader,
    ServiceRecoveryState,
    services::service_recovery::for_complaints
);
linked_loader!(
    InterpreterSessionsLoader,
    InterpreterSessionState,
    services::interpreter::for_complaints
);
linked_loader!(
    AccessibilityRequestsLoader,
    AccessibilityRequestState,
    services::accessibility::for_complaints
);

/// Every loader, registered as schema data.
pub struct Loaders {
    pub facilities: DataLoader<FacilityLoader>,
    pub notes: DataLoader<NotesLoader>,
    pub contacts: DataLoader<ContactsLoader>,
    pub service_recovery: DataLoader<ServiceRecoveryLoader>,
    pub interpreter_sessions: DataLoader<InterpreterSessionsLoader>,
    pub accessibility_requests: DataLoader<AccessibilityRequestsLoader>,
}

impl Loaders {
    pub fn new(db: &DatabaseConnection) -> Self {
        Loaders {
            facilities: DataLoader::new(FacilityLoader(db.clone()), tokio::spawn),
            notes: DataLoader::new(NotesLoader(db.clone()), tokio::spawn),
            contacts: DataLoader::new(ContactsLoader(db.clone()), tokio::spawn),
            service_recovery: DataLoader::new(ServiceRecoveryLoader(db.clone()), tokio::spawn),
            interpreter_sessions: DataLoader::new(
                InterpreterSessionsLoader(db.clone()),
                tokio::spawn,
            ),
            accessibility_requests: DataLoader::new(
                AccessibilityRequestsLoader(db.clone()),
                tokio::spawn,
            ),
        }
    }
}
