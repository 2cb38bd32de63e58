//! Authentication: turning a bearer token into an [`Actor`](crate::domain::actor::Actor).
//!
//! - [`keys`]: where the verification key comes from (configured secret,
//!   identity provider public key, JWKS URL or file, or the generated local
//!   secret).
//! - [`jwk_set`]: the usable keys of a JWKS; [`jwks`]: fetching and
//!   refreshing one from the identity provider's URL.
//! - [`jwt`]: strict verification, and signing for `redress token`.

pub mod jwk_set;
pub mod jwks;
pub mod jwt;
pub mod keys;

pub use jwks::JwksOptions;
pub use jwt::{AuthError, TokenSigner, TokenVerifier};
pub use keys::{KeyConfig, KeySource};
