//! The GraphQL schema: thin resolvers over the services, one module per
//! area, merged into the query and mutation roots.

pub mod accessibility;
pub mod attachments;
pub mod audit;
pub mod checkpoints;
pub mod common;
pub mod complaint;
pub mod context;
pub mod document;
pub mod enums;
pub mod errors;
pub mod facilities;
pub mod interpreter;
pub mod letters;
pub mod loaders;
pub mod me;
pub mod money;
pub mod node;
pub mod policies;
pub mod reports;
pub mod request_context;
pub mod service_recovery;

use std::sync::Arc;

use async_graphql::{EmptySubscription, MergedObject, Schema, SchemaBuilder};
use sea_orm::DatabaseConnection;

use crate::checkpoint_key::CheckpointSigner;
use crate::config::Limits;

#[derive(MergedObject, Default)]
#[graphql(name = "Query")]
pub struct QueryRoot(
    me::MeQuery,
    node::NodeQuery,
    facilities::FacilityQuery,
    policies::PolicyQuery,
    complaint::ComplaintQuery,
    service_recovery::ServiceRecoveryQuery,
    interpreter::InterpreterQuery,
    accessibility::AccessibilityQuery,
    audit::AuditQuery,
    checkpoints::CheckpointQuery,
    reports::ReportsQuery,
);

#[derive(MergedObject, Default)]
#[graphql(name = "Mutation")]
pub struct MutationRoot(
    facilities::FacilityMutation,
    policies::PolicyMutation,
    complaint::ComplaintMutation,
    service_recovery::ServiceRecoveryMutation,
    interpreter::InterpreterMutation,
    accessibility::AccessibilityMutation,
    letters::LetterMutation,
    checkpoints::CheckpointMutation,
);

pub type RedressSchema = Schema<QueryRoot, MutationRoot, EmptySubscription>;

/// Options that shape the schema itself.
#[derive(Clone, Debug)]
pub struct SchemaOptions {
    pub limits: Limits,
    pub introspection: bool,
    pub field_suggestions: bool,
    /// The mail relay letters are emailed through, when SMTP is configured.
    pub mailer: Option<redress_correspondence::mail::Mailer>,
}

fn builder() -> SchemaBuilder<QueryRoot, MutationRoot, EmptySubscription> {
    Schema::build(
        QueryRoot::default(),
        MutationRoot::default(),
        EmptySubscription,
    )
    .register_output_type::<node::Node>()
}

/// The schema served over HTTP, with its limits, the database, its health
/// and the key that signs audit checkpoints.
pub fn build_schema(
    db: DatabaseConnection,
    health: crate::db::DbHealth,
    checkpoint_signer: Arc<CheckpointSigner>,
    access_log: crate::services::access_log::Writer,
    options: &SchemaOptions,
) -> RedressSchema {
    let mut schema = builder()
        .data(loaders::Loaders::new(&db))
        .data(access_log)
        .data(db)
        .data(health)
        .data(checkpoint_signer)
        .data(options.limits.clone())
        .limit_depth(options.limits.max_query_depth)
        .limit_complexity(options.limits.max_query_complexity)
        .limit_recursive_depth(options.limits.max_query_depth.max(32))
        .limit_directives(8);
    if let Some(mailer) = &options.mailer {
        schema = schema.data(mailer.clone());
    }
    if !options.introspection {
        schema = schema.disable_introspection();
    }
    if !options.field_suggestions {
        schema = schema.disable_suggestions();
    }
    schema.finish()
}

/// The SDL built from the code; `schema.graphql` must equal it.
pub fn sdl() -> String {
    builder().finish().sdl()
}
