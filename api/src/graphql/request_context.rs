//! What the HTTP layer gives each request: the verified caller and the
//! request id. A leaf module, so both the context helpers and the error
//! handling (which stamps the request id on faults) can use it.

use crate::domain::actor::Actor;

/// Per-request data, inserted by the HTTP layer.
#[derive(Clone, Debug)]
pub struct RequestContext {
    /// `None` when the request carried no token.
    pub actor: Option<Actor>,
    pub request_id: String,
}
