//! Authentication: the `Authorization` header becomes a [`policy::Principal`], or an
//! [`AuthError`].
//!
//! - No header: the `anon` role, if the policy declares it; else [`AuthError::Unauthenticated`].
//! - `Bearer <jwt>`: verified with the HS256 secret (`GATEHOUSE_JWT_SECRET`) or an RS256/ES256
//!   key of the JWKS file (`GATEHOUSE_JWKS_FILE`) or URL (`GATEHOUSE_JWKS_URL`, see [`remote`]),
//!   chosen by `kid`. Each key has one algorithm,
//!   fixed at startup; the token's header only selects a key, so `alg: none` and algorithm
//!   confusion (an HS256 token "signed" with a public key) are refused. Header members that
//!   carry keys or point at them (`jwk`, `jku`, `x5u`, `x5c`) are ignored: we only trust our own
//!   keys. `exp` is optional (as in PostgREST) but checked when present; `exp`, `nbf` and
//!   `iat` allow 30 s of clock skew; `aud` is checked when `GATEHOUSE_JWT_AUDIENCE` is set.
//! - The role is the role claim (`GATEHOUSE_JWT_ROLE_CLAIM`, a top-level string claim); it must
//!   be present and declared by the policy. The tenant is the tenant claim (string or number);
//!   without it the principal has [`policy::Tenant::Missing`] and tenant-scoped tables refuse it.
//! - `Bearer gh_…` is an API key. Keys are checked against the database by
//!   [`crate::gate`], which runs before every handler; this module refuses them
//!   ([`AuthError::ApiKeysDisabled`]) so that a request that did not pass the gate cannot use
//!   one.
//!
//! This module does not know HTTP: it reports a code and a status, and `api::error` turns them
//! into a response. It does no IO after startup (the JWKS file is read once, by
//! [`Authenticator::new`]).

mod claims;
mod error;
mod keys;
pub mod remote;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, Validation};
use policy::{Principal, Tenant};
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::settings::{ConfigError, JwtSettings};

pub use claims::LEEWAY_SECONDS;
pub use error::{AuthError, ClaimsProblem, TokenProblem};
use keys::Keys;

/// The role of requests without credentials, when the policy declares it.
pub const ANON_ROLE: &str = "anon";

/// The prefix of Gatehouse API keys (`gh_<public id>_<secret>`).
pub const API_KEY_PREFIX: &str = "gh_";

/// Turns `Authorization` headers into principals. Built once at startup; cheap to share.
#[derive(Debug)]
pub struct Authenticator {
    keys: Keys,
    audience: Option<String>,
    role_claim: String,
    tenant_claim: String,
    roles: BTreeSet<String>,
    /// `GATEHOUSE_JWKS_URL`: used instead of the file's keys.
    remote: Option<std::sync::Arc<remote::RemoteJwks>>,
    /// The remote set's refresh task, stopped with the authenticator.
    refresher: Option<crate::apikey::listener::AbortOnDrop<()>>,
}

impl Authenticator {
    /// Builds the authenticator from the JWT settings and the roles the policy declares (the
    /// anonymous role is allowed exactly when `roles` contains [`ANON_ROLE`]).
    ///
    /// Reads `GATEHOUSE_JWKS_FILE` if set. Fails, naming the variable, when the secret is
    /// shorter than 32 bytes, or the JWKS file cannot be read, is not a JWK Set, has a malformed
    /// signature key, repeats a kid, or has no usable RS256/ES256 key. Neither a secret nor a
    /// JWKS file is not an error: every bearer token is then refused with `PGRST300`.
    pub fn new<I, S>(settings: &JwtSettings, roles: I) -> Result<Self, ConfigError>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let jwks = match &settings.jwks_file {
            None => None,
            Some(path) => Some(std::fs::read_to_string(path).map_err(|err| ConfigError {
                variable: "GATEHOUSE_JWKS_FILE".to_owned(),
                problem: format!("read {}: {err}", path.display()),
            })?),
        };
        Self::build(settings, jwks.as_deref(), roles)
    }

    /// [`Authenticator::new`] with the roles of a policy file.
    pub fn from_policy(
        settings: &JwtSettings,
        policy: &policy::PolicyFile,
    ) -> Result<Self, ConfigError> {
        Self::new(settings, policy.roles.keys().cloned())
    }

    /// `new` without the file read: `jwks` is the file's text.
    fn build<I, S>(
        settings: &JwtSettings,
        jwks: Option<&str>,
        roles: I,
    ) -> Result<Self, ConfigError>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let secret = settings
            .secret
            .as_ref()
            .map(|secret| keys::secret_key(secret.expose()))
            .transpose()
            .map_err(|problem| ConfigError {
                variable: "GATEHOUSE_JWT_SECRET".to_owned(),
                problem,
            })?;
        let jwks = jwks
            .map(keys::parse_jwks)
            .transpose()
            .map_err(|problem| ConfigError {
                variable: "GATEHOUSE_JWKS_FILE".to_owned(),
                problem: match &settings.jwks_file {
                    Some(path) => format!("{}: {problem}", path.display()),
                    None => problem,
                },
            })?
            .unwrap_or_default();
        Ok(Self {
            keys: Keys { secret, jwks },
            audience: settings.audience.clone(),
            role_claim: settings.role_claim.clone(),
            tenant_claim: settings.tenant_claim.clone(),
            roles: roles.into_iter().map(Into::into).collect(),
            remote: None,
            refresher: None,
        })
    }

    /// Verifies JWTs with the key set at `url` (`GATEHOUSE_JWKS_URL`) instead of the file's:
    /// fetches it now (a failure is a configuration error naming the variable) and refreshes it
    /// in the background. `None` leaves the authenticator as it is.
    pub async fn with_remote_jwks(mut self, url: Option<&url::Url>) -> Result<Self, ConfigError> {
        let Some(url) = url else {
            return Ok(self);
        };
        let error = |problem: String| ConfigError {
            variable: "GATEHOUSE_JWKS_URL".to_owned(),
            problem,
        };
        let remote = std::sync::Arc::new(remote::RemoteJwks::new(url.clone()).map_err(error)?);
        let count = remote.fetch().await.map_err(error)?;
        tracing::info!(url = %url, keys = count, "JWKS fetched");
        self.refresher = Some(crate::apikey::listener::AbortOnDrop(tokio::spawn(
            std::sync::Arc::clone(&remote).run(),
        )));
        self.remote = Some(remote);
        Ok(self)
    }

    /// When a token was refused for naming a key we do not have, and keys come from a URL:
    /// fetch the set again (rate-limited). Whether trying the token again can help.
    pub async fn refresh_for(&self, refused: &AuthError) -> bool {
        let unknown_key = matches!(
            refused,
            AuthError::InvalidToken(TokenProblem::UnknownKid | TokenProblem::NoKeyForAlgorithm)
        );
        match &self.remote {
            Some(remote) if unknown_key => remote.refresh_for_unknown_kid().await,
            _ => false,
        }
    }

    /// The principal of a bare token (from a cookie): as [`Authenticator::authenticate`] with
    /// `Bearer <token>`.
    pub fn authenticate_token(&self, token: &str) -> Result<Principal, AuthError> {
        self.token_at(token.trim(), unix_now())
    }

    /// Whether requests without credentials are served (as [`ANON_ROLE`]).
    pub fn allows_anonymous(&self) -> bool {
        self.roles.contains(ANON_ROLE)
    }

    /// The principal of a request, from its raw `Authorization` header value.
    pub fn authenticate(&self, authorization: Option<&str>) -> Result<Principal, AuthError> {
        self.authenticate_at(authorization, unix_now())
    }

    fn authenticate_at(
        &self,
        authorization: Option<&str>,
        now: i64,
    ) -> Result<Principal, AuthError> {
        let Some(header) = authorization else {
            return self.anonymous();
        };
        let token = bearer_token(header)?;
        self.token_at(token, now)
    }

    fn token_at(&self, token: &str, now: i64) -> Result<Principal, AuthError> {
        if token.is_empty() {
            return Err(AuthError::EmptyToken);
        }
        if token.starts_with(API_KEY_PREFIX) {
            return Err(AuthError::ApiKeysDisabled);
        }
        let claims = self.verify(token, now)?;
        self.principal(claims)
    }

    fn anonymous(&self) -> Result<Principal, AuthError> {
        if !self.allows_anonymous() {
            return Err(AuthError::Unauthenticated);
        }
        Ok(Principal {
            role: ANON_ROLE.to_owned(),
            tenant: Tenant::Missing,
            subject: None,
            claims: BTreeMap::new(),
        })
    }

    /// Checks the signature with the key the header selects, then the registered claims.
    fn verify(&self, token: &str, now: i64) -> Result<Map<String, Value>, AuthError> {
        if self.keys.is_empty() && self.remote.is_none() {
            return Err(AuthError::NoKeysConfigured);
        }
        let found = token.split('.').count();
        if found != 3 {
            return Err(AuthError::InvalidToken(TokenProblem::Parts { found }));
        }
        let header = TokenHeader::parse(token).map_err(AuthError::InvalidToken)?;
        // jsonwebtoken reads the header again, with its own types (`typ`, `jwk`, `x5c`, …):
        // a failure there is the header's, not the payload's.
        jsonwebtoken::decode_header(token)
            .map_err(|_| AuthError::InvalidToken(TokenProblem::Undecodable))?;
        let remote = self.remote.as_ref().map(|remote| remote.keys());
        let jwks: &[keys::Key] = match &remote {
            Some(keys) => keys,
            None => &self.keys.jwks,
        };
        let key = keys::select(
            self.keys.secret.as_ref(),
            jwks,
            header.algorithm,
            header.kid.as_deref(),
        )
        .map_err(AuthError::InvalidToken)?;

        // jsonwebtoken checks the signature with the key's own algorithm; we check the claims
        // ourselves (PostgREST's rules and messages), so its claim validation is off.
        let mut validation = Validation::new(key.algorithm);
        validation.required_spec_claims.clear();
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.validate_aud = false;
        validation.leeway = 0;
        let data = jsonwebtoken::decode::<Map<String, Value>>(token, &key.decoding, &validation)
            .map_err(|err| decode_error(err.kind()))?;
        let claims = data.claims;
        claims::check(&claims, now, self.audience.as_deref()).map_err(AuthError::Claims)?;
        Ok(claims)
    }

    /// Role, tenant, subject and the scalar claims of a verified token.
    fn principal(&self, claims: Map<String, Value>) -> Result<Principal, AuthError> {
        let role = match claims.get(&self.role_claim) {
            Some(Value::String(role)) => role.clone(),
            _ => {
                return Err(AuthError::MissingRole {
                    claim: self.role_claim.clone(),
                });
            }
        };
        if !self.roles.contains(&role) {
            return Err(AuthError::UnknownRole { role });
        }
        let tenant = match claims.get(&self.tenant_claim).and_then(scalar_text) {
            Some(tenant) if !tenant.is_empty() => Tenant::One(tenant),
            _ => Tenant::Missing,
        };
        let subject = claims.get("sub").and_then(scalar_text);
        let claims = claims
            .iter()
            .filter_map(|(name, value)| Some((name.clone(), scalar_text(value)?)))
            .collect();
        Ok(Principal {
            role,
            tenant,
            subject,
            claims,
        })
    }
}

/// The token of `Bearer <token>` (scheme case-insensitive, as RFC 7235 says).
pub(crate) fn bearer_token(header: &str) -> Result<&str, AuthError> {
    let header = header.trim();
    if header.is_empty() {
        return Err(AuthError::EmptyToken);
    }
    let (scheme, rest) = header
        .split_once(|c: char| c.is_ascii_whitespace())
        .unwrap_or((header, ""));
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(AuthError::UnsupportedScheme);
    }
    let token = rest.trim();
    if token.is_empty() {
        return Err(AuthError::EmptyToken);
    }
    Ok(token)
}

/// The JOSE header members we use, read before any key is chosen.
struct TokenHeader {
    algorithm: Algorithm,
    kid: Option<String>,
}

#[derive(Deserialize)]
struct RawHeader {
    alg: String,
    #[serde(default)]
    kid: Option<String>,
    #[serde(default)]
    crit: Option<Value>,
}

impl TokenHeader {
    fn parse(token: &str) -> Result<Self, TokenProblem> {
        let encoded = token.split('.').next().unwrap_or_default();
        let bytes = URL_SAFE_NO_PAD
            .decode(encoded)
            .map_err(|_| TokenProblem::Undecodable)?;
        let raw: RawHeader =
            serde_json::from_slice(&bytes).map_err(|_| TokenProblem::Undecodable)?;
        if raw.crit.is_some() {
            return Err(TokenProblem::UnsupportedAlgorithm);
        }
        let algorithm = match raw.alg.as_str() {
            "HS256" => Algorithm::HS256,
            "RS256" => Algorithm::RS256,
            "ES256" => Algorithm::ES256,
            _ => return Err(TokenProblem::UnsupportedAlgorithm),
        };
        Ok(Self {
            algorithm,
            kid: raw.kid,
        })
    }
}

fn decode_error(kind: &jsonwebtoken::errors::ErrorKind) -> AuthError {
    use jsonwebtoken::errors::ErrorKind;
    match kind {
        ErrorKind::InvalidSignature
        | ErrorKind::InvalidEcdsaKey
        | ErrorKind::InvalidRsaKey(_)
        | ErrorKind::InvalidKeyFormat => AuthError::InvalidToken(TokenProblem::BadSignature),
        ErrorKind::InvalidAlgorithm
        | ErrorKind::InvalidAlgorithmName
        | ErrorKind::UnsupportedAlgorithm
        | ErrorKind::MissingAlgorithm => AuthError::InvalidToken(TokenProblem::AlgorithmMismatch),
        // Both headers parsed before, and the signature is checked before the payload is
        // read: a JSON error here is the payload's.
        ErrorKind::Json(_) => AuthError::Claims(ClaimsProblem::Unparsable),
        _ => AuthError::InvalidToken(TokenProblem::Undecodable),
    }
}

/// A string, number or boolean claim as text; `None` for null, arrays and objects.
fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        Value::Bool(flag) => Some(flag.to_string()),
        Value::Null | Value::Array(_) | Value::Object(_) => None,
    }
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| {
            i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX)
        })
}
