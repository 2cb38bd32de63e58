//! Attachments' bytes: type detection from the content ([`detect`]) and
//! storage by content hash ([`store`]). The records are
//! `services::attachments`; the endpoints `http::attachments`.

pub mod detect;
pub mod store;

pub use store::Objects;
