//! What a resolver knows about the request: who is asking and its id.

use std::sync::Arc;

use async_graphql::{Context, Result};
use sea_orm::DatabaseConnection;

use super::errors;
use crate::checkpoint_key::CheckpointSigner;
use crate::config::Limits;
use crate::domain::actor::Actor;
use crate::domain::permissions::{self, Operation};
use crate::services::reads::{ReadLog, Reader};
use crate::services::{Caller, access_log};

pub use super::request_context::RequestContext;
use redress_correspondence::mail::Mailer;

pub trait ContextExt {
    fn request_context(&self) -> Result<&RequestContext>;
    /// The verified caller, or `UNAUTHENTICATED`.
    fn actor(&self) -> Result<&Actor>;
    /// The caller, if one of their roles permits `op`; else `FORBIDDEN`.
    fn authorize(&self, op: Operation) -> Result<&Actor>;
    fn db(&self) -> Result<&DatabaseConnection>;
    fn limits(&self) -> Result<&Limits>;
    /// The key that signs audit checkpoints.
    fn checkpoint_signer(&self) -> Result<&CheckpointSigner>;
    fn request_id(&self) -> &str;
    /// The mail relay letters are emailed through; `None`: SMTP is not
    /// configured and email delivery is recorded by hand.
    fn mailer(&self) -> Option<&Mailer>;
    /// The verified caller and the request id, for attribution.
    fn caller(&self) -> Result<Caller<'_>>;
    /// The caller as a reader of record content: the only way to it.
    fn reader(&self) -> Result<Reader<'_>>;
}

impl ContextExt for Context<'_> {
    fn request_context(&self) -> Result<&RequestContext> {
        self.data_opt::<RequestContext>()
            .ok_or_else(errors::unauthenticated)
    }

    fn actor(&self) -> Result<&Actor> {
        self.request_context()?
            .actor
            .as_ref()
            .ok_or_else(errors::unauthenticated)
    }

    fn authorize(&self, op: Operation) -> Result<&Actor> {
        let actor = self.actor()?;
        if permissions::permits(actor, op) {
            Ok(actor)
        } else {
            Err(errors::forbidden(op.refusal()))
        }
    }

    fn db(&self) -> Result<&DatabaseConnection> {
        self.data_opt::<DatabaseConnection>()
            .ok_or_else(|| errors::fault("schema built without a database"))
    }

    fn mailer(&self) -> Option<&Mailer> {
        self.data_opt::<Mailer>()
    }

    fn limits(&self) -> Result<&Limits> {
        self.data_opt::<Limits>()
            .ok_or_else(|| errors::fault("schema built without limits"))
    }

    fn checkpoint_signer(&self) -> Result<&CheckpointSigner> {
        self.data_opt::<Arc<CheckpointSigner>>()
            .map(AsRef::as_ref)
            .ok_or_else(|| errors::fault("schema built without a checkpoint key"))
    }

    fn request_id(&self) -> &str {
        self.data_opt::<RequestContext>()
            .map(|c| c.request_id.as_str())
            .unwrap_or("-")
    }

    fn reader(&self) -> Result<Reader<'_>> {
        let log = self
            .data_opt::<ReadLog>()
            .ok_or_else(|| errors::fault("request without a read log"))?;
        let writer = self
            .data_opt::<access_log::Writer>()
            .ok_or_else(|| errors::fault("schema built without an access-log writer"))?;
        Ok(Reader::new(self.db()?, self.caller()?, log, writer))
    }

    fn caller(&self) -> Result<Caller<'_>> {
        let rc = self.request_context()?;
        let actor = rc.actor.as_ref().ok_or_else(errors::unauthenticated)?;
        Ok(Caller {
            actor,
            request_id: &rc.request_id,
        })
    }
}
