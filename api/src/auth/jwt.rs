//! Strict JWT verification, and signing for local use.
//!
//! The algorithm is pinned to the configured key's; `exp`, `sub`, `iss` and
//! `aud` are required; `nbf` is honoured when present; leeway is capped.

use std::collections::BTreeSet;
use std::time::Duration;

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

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

/// Verifies bearer tokens against one key and one algorithm.
pub struct TokenVerifier {
    key: DecodingKey,
    validation: Validation,
}

impl TokenVerifier {
    pub fn new(
        key: &KeyConfig,
        issuer: &str,
        audience: &str,
        leeway_seconds: u64,
    ) -> anyhow::Result<Self> {
        anyhow::ensure!(
            leeway_seconds <= MAX_LEEWAY_SECONDS,
            "JWT leeway must be at most {MAX_LEEWAY_SECONDS} seconds"
        );
        let mut validation = Validation::new(key.algorithm());
        validation.algorithms = vec![key.algorithm()];
        validation.set_required_spec_claims(&["exp", "sub", "iss", "aud"]);
        validation.set_issuer(&[issuer]);
        validation.set_audience(&[audience]);
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.validate_aud = true;
        validation.leeway = leeway_seconds;
        Ok(TokenVerifier {
            key: key.decoding_key()?,
            validation,
        })
    }

    /// Verifies the value of an `Authorization` header.
    pub fn verify_header(&self, header: &str) -> Result<Actor, AuthError> {
        let mut parts = header.trim().splitn(2, ' ');
        match (parts.next(), parts.next()) {
            (Some(scheme), Some(token)) if scheme.eq_ignore_ascii_case("bearer") => {
                self.verify(token.trim())
            }
            _ => Err(AuthError::MalformedHeader),
        }
    }

    /// Verifies a compact JWT and builds the actor from its claims.
    pub fn verify(&self, token: &str) -> Result<Actor, AuthError> {
        let data = jsonwebtoken::decode::<Claims>(token, &self.key, &self.validation)
            .map_err(|e| classify(e.kind()))?;
        let claims = data.claims;
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
            anyhow::anyhow!(
                "tokens are verified with an identity provider's public key \
                 (REDRESS_JWT_PUBLIC_KEY); get a token from that identity provider"
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

    #[test]
    fn signed_token_round_trips() -> anyhow::Result<()> {
        let signer = TokenSigner::new(&key(), "redress", "redress")?;
        let verifier = TokenVerifier::new(&key(), "redress", "redress", 0)?;
        let token = signer.sign(&TokenRequest {
            subject: "u-1".into(),
            name: Some("Dana Reyes".into()),
            roles: vec![Role::PatientRelations],
            facilities: vec!["main".into()],
            ttl: Duration::from_secs(60),
        })?;
        let actor = verifier.verify_header(&format!("Bearer {token}"));
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

    #[test]
    fn leeway_is_capped() {
        assert!(TokenVerifier::new(&key(), "i", "a", MAX_LEEWAY_SECONDS + 1).is_err());
    }

    #[test]
    fn header_scheme_is_checked() -> anyhow::Result<()> {
        let verifier = TokenVerifier::new(&key(), "redress", "redress", 0)?;
        for header in ["", "Bearer", "Basic abc", "token"] {
            assert!(verifier.verify_header(header).is_err(), "{header}");
        }
        Ok(())
    }
}
