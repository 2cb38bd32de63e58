//! Strict JWT verification, and signing for local use.
//!
//! The algorithm is pinned to the configured key's (with a key set, to the
//! algorithms of the key the token names); `exp`, `sub`, `iss` and `aud` are
//! required; `nbf` is honoured when present; leeway is capped.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use super::jwk_set::{KeySet, Lookup, printable};
use super::jwks::RemoteKeys;
use super::keys::KeyConfig;
use crate::domain::actor::{Actor, FacilityScope, Role};

/// Largest clock skew tolerated on `exp` and `nbf`.
pub const MAX_LEEWAY_SECONDS: u64 = 30;

/// Why a token was refused. The message is safe to show the client: it names
/// the defect, never the key or the token's content.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    #[error("the Authorization header must be `Bearer <token>`")]
    MalformedHeader,
    #[error("the token is malformed")]
    Malformed,
    #[error("the token's algorithm is not accepted")]
    WrongAlgorithm,
    #[error("the token's signature is invalid")]
    BadSignature,
    #[error("the token has expired")]
    Expired,
    #[error("the token is not valid yet")]
    NotYetValid,
    #[error("the token's issuer is not accepted")]
    WrongIssuer,
    #[error("the token's audience is not accepted")]
    WrongAudience,
    #[error("the token lacks the required claim `{0}`")]
    MissingClaim(String),
    #[error("the token's claims are invalid")]
    InvalidClaims,
    #[error("the token's signing key is not known")]
    UnknownKey,
    #[error("the token must name its signing key (`kid`)")]
    MissingKeyId,
    /// No key set could be fetched from the identity provider yet: a 503,
    /// not the client's fault.
    #[error("the identity provider's signing keys are not available; retry later")]
    KeysUnavailable,
}

impl AuthError {
    /// Whether the refusal is the server's (503), not the token's (401).
    pub fn is_unavailable(&self) -> bool {
        matches!(self, AuthError::KeysUnavailable)
    }
}

/// The claims Redress reads. `exp`, `iss`, `aud` and `nbf` are checked by
/// jsonwebtoken's validation and need no field here.
#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sub: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    #[serde(default)]
    roles: Vec<String>,
    #[serde(default)]
    facilities: Vec<String>,
}

/// What tokens are verified against.
enum Keys {
    /// A secret or a PEM key (its one algorithm is the validation's).
    Fixed(DecodingKey),
    /// A JWKS file's keys.
    Set(Arc<KeySet>),
    /// The keys of a JWKS URL, refreshed.
    Remote(Arc<RemoteKeys>),
}

/// Verifies bearer tokens against the configured key or key set.
pub struct TokenVerifier {
    keys: Keys,
    validation: Validation,
}

impl TokenVerifier {
    /// With a JWKS URL, fetches the set once (a failure leaves tokens
    /// answered 503 until a later fetch succeeds) and starts its refresh.
    pub async fn new(
        key: &KeyConfig,
        issuer: &str,
        audience: &str,
        leeway_seconds: u64,
    ) -> anyhow::Result<Self> {
        anyhow::ensure!(
            leeway_seconds <= MAX_LEEWAY_SECONDS,
            "JWT leeway must be at most {MAX_LEEWAY_SECONDS} seconds"
        );
        let keys = match (key, key.decoding_key()?, key.algorithm()) {
            (_, Some(decoding), Some(_)) => Keys::Fixed(decoding),
            (KeyConfig::JwksFile(set), _, _) => Keys::Set(set.clone()),
            (KeyConfig::JwksUrl { url, options }, _, _) => {
                Keys::Remote(RemoteKeys::start(url.clone(), options.clone()).await?)
            }
            _ => anyhow::bail!("no verification key"),
        };
        let mut validation = Validation::new(key.algorithm().unwrap_or(Algorithm::RS256));
        validation.algorithms = key.algorithm().into_iter().collect();
        validation.set_required_spec_claims(&["exp", "sub", "iss", "aud"]);
        validation.set_issuer(&[issuer]);
        validation.set_audience(&[audience]);
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.validate_aud = true;
        validation.leeway = leeway_seconds;
        Ok(TokenVerifier { keys, validation })
    }

    /// Whether tokens can be verified now (a JWKS URL's first fetch may
    /// not have succeeded yet).
    pub fn has_keys(&self) -> bool {
        match &self.keys {
            Keys::Remote(remote) => remote.current().is_some(),
            Keys::Fixed(_) | Keys::Set(_) => true,
        }
    }

    /// Verifies the value of an `Authorization` header.
    pub async fn verify_header(&self, header: &str) -> Result<Actor, AuthError> {
        let mut parts = header.trim().splitn(2, ' ');
        match (parts.next(), parts.next()) {
            (Some(scheme), Some(token)) if scheme.eq_ignore_ascii_case("bearer") => {
                self.verify(token.trim()).await
            }
            _ => Err(AuthError::MalformedHeader),
        }
    }

    /// Verifies a compact JWT and builds the actor from its claims. With a
    /// JWKS URL, a `kid` the set lacks may wait for one (rate-limited)
    /// refresh of the set.
    pub async fn verify(&self, token: &str) -> Result<Actor, AuthError> {
        let claims = match &self.keys {
            Keys::Fixed(key) => self.decode(token, key, &self.validation)?,
            Keys::Set(set) => {
                let header = header_of(token)?;
                let key = set.select(&header).map_err(refusal)?;
                self.decode(token, key.decoding_key(), &self.for_algorithm(header.alg))?
            }
            Keys::Remote(remote) => {
                let header = header_of(token)?;
                let seen = remote.current();
                let set = match seen.as_ref().map(|set| set.select(&header)) {
                    Some(Ok(_)) => seen,
                    Some(Err(Lookup::UnknownKid(_))) | None => {
                        remote.refresh_for_unknown_kid(seen.as_ref()).await
                    }
                    Some(Err(other)) => return Err(refusal(other)),
                };
                let set = set.ok_or(AuthError::KeysUnavailable)?;
                let key = set.select(&header).map_err(refusal)?;
                self.decode(token, key.decoding_key(), &self.for_algorithm(header.alg))?
            }
        };
        if claims.sub.trim().is_empty() {
            return Err(AuthError::MissingClaim("sub".into()));
        }
        let roles: BTreeSet<Role> = claims.roles.iter().filter_map(|r| Role::parse(r)).collect();
        let name = claims
            .name
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| claims.sub.clone());
        Ok(Actor {
            subject: claims.sub,
            name,
            roles,
            facilities: FacilityScope::from_claim(&claims.facilities),
        })
    }
}

impl TokenVerifier {
    fn for_algorithm(&self, algorithm: Algorithm) -> Validation {
        let mut validation = self.validation.clone();
        validation.algorithms = vec![algorithm];
        validation
    }

    fn decode(
        &self,
        token: &str,
        key: &DecodingKey,
        validation: &Validation,
    ) -> Result<Claims, AuthError> {
        jsonwebtoken::decode::<Claims>(token, key, validation)
            .map(|data| data.claims)
            .map_err(|e| classify(e.kind()))
    }
}

fn header_of(token: &str) -> Result<Header, AuthError> {
    jsonwebtoken::decode_header(token).map_err(|e| match e.kind() {
        ErrorKind::InvalidAlgorithmName => AuthError::WrongAlgorithm,
        _ => AuthError::Malformed,
    })
}

/// A token no key of the set fits. The unknown `kid` is logged (escaped,
/// shortened), never the token.
fn refusal(lookup: Lookup) -> AuthError {
    match lookup {
        Lookup::UnknownKid(kid) => {
            tracing::info!(
                kid = printable(&kid),
                "token names a key the identity provider's set lacks"
            );
            AuthError::UnknownKey
        }
        Lookup::MissingKid => AuthError::MissingKeyId,
        Lookup::WrongAlgorithm => AuthError::WrongAlgorithm,
    }
}

fn classify(kind: &ErrorKind) -> AuthError {
    match kind {
        ErrorKind::ExpiredSignature => AuthError::Expired,
        ErrorKind::ImmatureSignature => AuthError::NotYetValid,
        ErrorKind::InvalidIssuer => AuthError::WrongIssuer,
        ErrorKind::InvalidAudience => AuthError::WrongAudience,
        ErrorKind::InvalidSignature => AuthError::BadSignature,
        ErrorKind::InvalidAlgorithm | ErrorKind::InvalidAlgorithmName => AuthError::WrongAlgorithm,
        ErrorKind::MissingRequiredClaim(claim) => AuthError::MissingClaim(claim.clone()),
        ErrorKind::InvalidClaimFormat(_) | ErrorKind::InvalidSubject | ErrorKind::Json(_) => {
            AuthError::InvalidClaims
        }
        _ => AuthError::Malformed,
    }
}

/// Signs HS256 tokens with the local secret (`redress token`, tests).
pub struct TokenSigner {
    key: EncodingKey,
    issuer: String,
    audience: String,
}

/// What goes into a token signed locally.
#[derive(Clone, Debug)]
pub struct TokenRequest {
    pub subject: String,
    pub name: Option<String>,
    pub roles: Vec<Role>,
    pub facilities: Vec<String>,
    pub ttl: Duration,
}

#[derive(Serialize)]
struct SignedClaims<'a> {
    #[serde(flatten)]
    claims: Claims,
    iss: &'a str,
    aud: &'a str,
    iat: i64,
    nbf: i64,
    exp: i64,
}

impl TokenSigner {
    /// Refuses a public-key configuration: Redress never holds the identity
    /// provider's private key.
    pub fn new(key: &KeyConfig, issuer: &str, audience: &str) -> anyhow::Result<Self> {
        let key = key.encoding_key().ok_or_else(|| {
            let setting = match key {
                KeyConfig::JwksUrl { .. } => "REDRESS_JWT_JWKS_URL",
                KeyConfig::JwksFile(_) => "REDRESS_JWT_JWKS_FILE",
                _ => "REDRESS_JWT_PUBLIC_KEY",
            };
            anyhow::anyhow!(
                "tokens are verified with an identity provider's public keys \
                 ({setting}); get a token from that identity provider"
            )
        })?;
        Ok(TokenSigner {
            key,
            issuer: issuer.to_owned(),
            audience: audience.to_owned(),
        })
    }

    pub fn sign(&self, request: &TokenRequest) -> anyhow::Result<String> {
        anyhow::ensure!(
            !request.subject.trim().is_empty(),
            "the subject must not be empty"
        );
        let now = chrono::Utc::now().timestamp();
        let ttl = i64::try_from(request.ttl.as_secs())?;
        let claims = SignedClaims {
            claims: Claims {
                sub: request.subject.clone(),
                name: request.name.clone(),
                roles: request
                    .roles
                    .iter()
                    .map(|r| r.as_str().to_owned())
                    .collect(),
                facilities: request.facilities.clone(),
            },
            iss: &self.issuer,
            aud: &self.audience,
            iat: now,
            nbf: now,
            exp: now.saturating_add(ttl),
        };
        Ok(jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &self.key,
        )?)
    }
}

#[cfg(test)]
mod tests {
    use secrecy::SecretString;

    use super::*;

    fn key() -> KeyConfig {
        KeyConfig::Secret(SecretString::from("0123456789abcdef0123456789abcdef"))
    }

    #[tokio::test]
    async fn signed_token_round_trips() -> anyhow::Result<()> {
        let signer = TokenSigner::new(&key(), "redress", "redress")?;
        let verifier = TokenVerifier::new(&key(), "redress", "redress", 0).await?;
        let token = signer.sign(&TokenRequest {
            subject: "u-1".into(),
            name: Some("Dana Reyes".into()),
            roles: vec![Role::PatientRelations],
            facilities: vec!["main".into()],
            ttl: Duration::from_secs(60),
        })?;
        let actor = verifier.verify_header(&format!("Bearer {token}")).await;
        assert_eq!(
            actor,
            Ok(Actor {
                subject: "u-1".into(),
                name: "Dana Reyes".into(),
                roles: [Role::PatientRelations].into(),
                facilities: FacilityScope::Only(["MAIN".to_owned()].into()),
            })
        );
        Ok(())
    }

    #[tokio::test]
    async fn leeway_is_capped() {
        assert!(
            TokenVerifier::new(&key(), "i", "a", MAX_LEEWAY_SECONDS + 1)
                .await
                .is_err()
        );
    }

    #[tokio::test]
    async fn header_scheme_is_checked() -> anyhow::Result<()> {
        let verifier = TokenVerifier::new(&key(), "redress", "redress", 0).await?;
        for header in ["", "Bearer", "Basic abc", "token"] {
            assert!(verifier.verify_header(header).await.is_err(), "{header}");
        }
        Ok(())
    }
}
