//! Authentication: turning a bearer token into an [`Actor`](crate::domain::actor::Actor).
//!
//! - [`keys`]: where the verification key comes from (configured secret,
//!   identity provider public key, or the generated local secret).
//! - [`jwt`]: strict verification, and signing for `redress token`.

pub mod jwt;
pub mod keys;

pub use jwt::{AuthError, TokenSigner, TokenVerifier};
pub use keys::{KeyConfig, KeySource};
