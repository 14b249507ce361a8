//! Why a request's credential was refused.

/// Why [`super::Authenticator::authenticate`] refused a request.
///
/// `Display` is the client-facing message: it is built from fixed text and, for
/// [`AuthError::UnknownRole`], the role named by a token whose signature was verified. It never
/// contains the token, a key, or the secret.
///
/// | variant | `code()` | `status()` | message |
/// | --- | --- | --- | --- |
/// | [`Unauthenticated`](AuthError::Unauthenticated) | `PGRST302` | 401 | Anonymous access is disabled |
/// | [`EmptyToken`](AuthError::EmptyToken) | `PGRST301` | 401 | Empty JWT is sent in Authorization header |
/// | [`InvalidToken`](AuthError::InvalidToken) | `PGRST301` | 401 | see [`TokenProblem`] (e.g. JWT cryptographic operation failed) |
/// | [`Claims`](AuthError::Claims) | `PGRST303` | 401 | see [`ClaimsProblem`] (e.g. JWT expired) |
/// | [`NoKeysConfigured`](AuthError::NoKeysConfigured) | `PGRST300` | 500 | Server lacks JWT secret |
/// | [`UnknownRole`](AuthError::UnknownRole) | `GH301` | 401 | JWT role 'x' is not declared by the policy |
/// | [`MissingRole`](AuthError::MissingRole) | `GH302` | 401 | JWT has no string claim 'role' |
/// | [`UnsupportedScheme`](AuthError::UnsupportedScheme) | `GH303` | 401 | Authorization header must be 'Bearer <token>' |
/// | [`KeyRoleUndeclared`](AuthError::KeyRoleUndeclared) | `GH301` | 401 | The API key's role 'x' is not declared by the policy |
/// | [`ApiKeysDisabled`](AuthError::ApiKeysDisabled) | `GH304` | 401 | API keys are not enabled on this server |
/// | [`InvalidApiKey`](AuthError::InvalidApiKey) | `GH305` | 401 | Invalid API key |
/// | [`KeyInUrl`](AuthError::KeyInUrl) | `GH306` | 400 | API keys must not be sent in the URL: … |
/// | [`AddressNotAllowed`](AuthError::AddressNotAllowed) | `GH307` | 403 | Requests from your address are not allowed |
/// | [`RateLimited`](AuthError::RateLimited) | `GH308` | 429 | Rate limit exceeded: … |
/// | [`TooManyFailures`](AuthError::TooManyFailures) | `GH308` | 429 | Too many failed authentication attempts: … |
///
/// The `PGRST3xx` codes, statuses and messages are PostgREST's (its `JwtError`). The `GH30x`
/// codes are ours; all are 401 because the credential cannot be used here at all (PostgREST also
/// answers 401 when a JWT names a role that does not exist). An unknown role is 401, not 403:
/// 403 would say "you are known, but may not do this", which is the policy's answer, not auth's.
///
/// An API key that is unknown, malformed, has a wrong secret, has expired, was revoked or whose
/// rotation overlap has ended gets one answer, [`AuthError::InvalidApiKey`]: the body does not
/// say which part was wrong (the server log does, with the key's public id only).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// No `Authorization` header and the policy declares no `anon` role.
    #[error("Anonymous access is disabled")]
    Unauthenticated,
    /// `Authorization: Bearer` with nothing after it (or an empty header).
    #[error("Empty JWT is sent in Authorization header")]
    EmptyToken,
    /// An `Authorization` header with another scheme than `Bearer` (e.g. `Basic`). PostgREST
    /// treats such a request as anonymous; we refuse it, since the client clearly meant to
    /// authenticate.
    #[error("Authorization header must be 'Bearer <token>'")]
    UnsupportedScheme,
    /// A `gh_…` API key, and this server has no `GATEHOUSE_API_KEY_PEPPER` (or the request did
    /// not pass through the key check).
    #[error("API keys are not enabled on this server")]
    ApiKeysDisabled,
    /// An API key that cannot be used: unknown, malformed, wrong secret, expired, revoked, or
    /// past its rotation overlap. One answer for all, on purpose.
    #[error("Invalid API key")]
    InvalidApiKey,
    /// A valid API key whose role the policy does not declare.
    #[error("The API key's role '{role}' is not declared by the policy")]
    KeyRoleUndeclared { role: String },
    /// Something that looks like an API key (or an `apikey` parameter) in the URL.
    #[error(
        "API keys must not be sent in the URL (URLs end up in logs, proxies and browser \
         history): send the key in the Authorization header (Bearer) or the apikey header, and \
         consider it exposed: rotate it"
    )]
    KeyInUrl,
    /// The client address is outside `GATEHOUSE_ALLOW_CIDRS` or the key's allowed CIDRs.
    #[error("Requests from your address are not allowed")]
    AddressNotAllowed,
    /// The principal's token bucket (its role's `rate` / `burst`) is empty.
    #[error("Rate limit exceeded: retry in {retry_after} s")]
    RateLimited {
        /// Whole seconds until a request would be admitted (at least 1).
        retry_after: u64,
        /// The bucket size (`burst`).
        limit: u32,
        /// `RateLimit-Policy`: `<requests>;w=<seconds>;burst=<burst>`.
        policy: String,
    },
    /// Too many failed authentication attempts from this address or for this key id.
    #[error("Too many failed authentication attempts: retry in {retry_after} s")]
    TooManyFailures {
        /// Whole seconds until another attempt is allowed (at least 1).
        retry_after: u64,
    },
    /// The token is malformed, uses an algorithm we do not accept, names no key we have, or its
    /// signature does not verify.
    #[error("{0}")]
    InvalidToken(TokenProblem),
    /// The signature is good but a registered claim (`exp`, `nbf`, `iat`, `aud`) refuses it, or
    /// the payload is not a JSON object.
    #[error("{0}")]
    Claims(ClaimsProblem),
    /// A bearer token arrived and neither `GATEHOUSE_JWT_SECRET` nor `GATEHOUSE_JWKS_FILE` is set.
    #[error("Server lacks JWT secret")]
    NoKeysConfigured,
    /// The role claim names a role the policy does not declare.
    #[error("JWT role '{role}' is not declared by the policy")]
    UnknownRole { role: String },
    /// The role claim is absent or not a string. PostgREST falls back to the anonymous role
    /// here; we refuse, so that a token never silently gets less (or other) rights than meant.
    #[error("JWT has no string claim '{claim}'")]
    MissingRole { claim: String },
}

/// Why a token is invalid (`PGRST301`). Messages are PostgREST's; [`TokenProblem::details`]
/// says more where it helps the client and reveals nothing secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenProblem {
    /// Not three dot-separated parts (a JWE has five: not supported).
    #[error("Expected 3 parts in JWT; got {found}")]
    Parts { found: usize },
    /// A part is not base64url, the header is not JSON, or a header field has the wrong type.
    #[error("JWT couldn't be decoded")]
    Undecodable,
    /// The header's `alg` is not one we accept (`none`, `HS512`, `PS256`, …), or the header has
    /// a `crit` member (we understand no extensions).
    #[error("Wrong or unsupported encoding algorithm")]
    UnsupportedAlgorithm,
    /// The header's `alg` differs from the algorithm of the key chosen for it.
    #[error("Wrong or unsupported encoding algorithm")]
    AlgorithmMismatch,
    /// The header's `kid` names no key we have.
    #[error("No suitable key or wrong key type")]
    UnknownKid,
    /// No `kid`, and several keys could verify the token.
    #[error("No suitable key or wrong key type")]
    KidRequired,
    /// No configured key for the header's algorithm (e.g. an HS256 token and no
    /// `GATEHOUSE_JWT_SECRET`).
    #[error("No suitable key or wrong key type")]
    NoKeyForAlgorithm,
    /// The signature does not verify with the chosen key.
    #[error("JWT cryptographic operation failed")]
    BadSignature,
}

impl TokenProblem {
    /// Extra detail for the error body's `details`, where it helps the client.
    pub fn details(self) -> Option<&'static str> {
        match self {
            TokenProblem::Parts { .. } | TokenProblem::Undecodable | TokenProblem::BadSignature => {
                None
            }
            TokenProblem::UnsupportedAlgorithm => Some("Accepted algorithms: HS256, RS256, ES256"),
            TokenProblem::AlgorithmMismatch => {
                Some("The token's algorithm is not the one of the key it names")
            }
            TokenProblem::UnknownKid => Some("No key matches the token's kid"),
            TokenProblem::KidRequired => {
                Some("Several keys are configured: the token header must name one with kid")
            }
            TokenProblem::NoKeyForAlgorithm => {
                Some("No key is configured for the token's algorithm")
            }
        }
    }
}

/// Why a verified token's claims are refused (`PGRST303`). Messages are PostgREST's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ClaimsProblem {
    /// `exp` is more than the leeway in the past.
    #[error("JWT expired")]
    Expired,
    /// `nbf` is more than the leeway in the future.
    #[error("JWT not yet valid")]
    NotYetValid,
    /// `iat` is more than the leeway in the future.
    #[error("JWT issued at future")]
    IssuedInFuture,
    /// An audience is configured and `aud` is absent or does not contain it.
    #[error("JWT not in audience")]
    NotInAudience,
    /// The payload is not a JSON object.
    #[error("Parsing claims failed")]
    Unparsable,
    /// `exp`, `nbf` or `iat` is not a number.
    #[error("The JWT '{claim}' claim must be a number")]
    NotANumber { claim: &'static str },
    /// `aud` is neither a string nor an array of strings.
    #[error("The JWT 'aud' claim must be a string or an array of strings")]
    AudienceFormat,
}

impl AuthError {
    /// The error code of the body: PostgREST's where it has one, ours (`GH3xx`) otherwise.
    pub fn code(&self) -> &'static str {
        match self {
            AuthError::Unauthenticated => "PGRST302",
            AuthError::EmptyToken | AuthError::InvalidToken(_) => "PGRST301",
            AuthError::Claims(_) => "PGRST303",
            AuthError::NoKeysConfigured => "PGRST300",
            AuthError::UnknownRole { .. } | AuthError::KeyRoleUndeclared { .. } => "GH301",
            AuthError::MissingRole { .. } => "GH302",
            AuthError::UnsupportedScheme => "GH303",
            AuthError::ApiKeysDisabled => "GH304",
            AuthError::InvalidApiKey => "GH305",
            AuthError::KeyInUrl => "GH306",
            AuthError::AddressNotAllowed => "GH307",
            AuthError::RateLimited { .. } | AuthError::TooManyFailures { .. } => "GH308",
        }
    }

    /// The HTTP status.
    pub fn status(&self) -> u16 {
        match self {
            AuthError::NoKeysConfigured => 500,
            AuthError::Unauthenticated
            | AuthError::EmptyToken
            | AuthError::UnsupportedScheme
            | AuthError::ApiKeysDisabled
            | AuthError::InvalidApiKey
            | AuthError::KeyRoleUndeclared { .. }
            | AuthError::InvalidToken(_)
            | AuthError::Claims(_)
            | AuthError::UnknownRole { .. }
            | AuthError::MissingRole { .. } => 401,
            AuthError::KeyInUrl => 400,
            AuthError::AddressNotAllowed => 403,
            AuthError::RateLimited { .. } | AuthError::TooManyFailures { .. } => 429,
        }
    }

    /// Extra detail for the body's `details` (fixed text; never token material).
    pub fn details(&self) -> Option<&'static str> {
        match self {
            AuthError::InvalidToken(problem) => problem.details(),
            _ => None,
        }
    }

    /// Headers the response carries besides `WWW-Authenticate`: `Retry-After` and the
    /// `RateLimit-*` fields of a 429. Values are numbers and fixed text.
    pub fn headers(&self) -> Vec<(&'static str, String)> {
        match self {
            AuthError::RateLimited {
                retry_after,
                limit,
                policy,
            } => vec![
                ("retry-after", retry_after.to_string()),
                ("ratelimit-limit", limit.to_string()),
                ("ratelimit-remaining", "0".to_owned()),
                ("ratelimit-reset", retry_after.to_string()),
                ("ratelimit-policy", policy.clone()),
            ],
            AuthError::TooManyFailures { retry_after } => vec![
                ("retry-after", retry_after.to_string()),
                ("ratelimit-remaining", "0".to_owned()),
                ("ratelimit-reset", retry_after.to_string()),
            ],
            _ => Vec::new(),
        }
    }

    /// The `WWW-Authenticate` header for a 401, as PostgREST sends it: `Bearer` when no
    /// credential was given, `Bearer error="invalid_token", error_description="…"` when one was
    /// refused. The description is fixed text (no role name, nothing from the request), so the
    /// header value is always plain ASCII without quotes to escape. `None` for a 500 and for
    /// what is not a 401 (400, 403, 429).
    pub fn www_authenticate(&self) -> Option<String> {
        let description = match self {
            AuthError::NoKeysConfigured
            | AuthError::KeyInUrl
            | AuthError::AddressNotAllowed
            | AuthError::RateLimited { .. }
            | AuthError::TooManyFailures { .. } => return None,
            AuthError::Unauthenticated => return Some("Bearer".to_owned()),
            AuthError::ApiKeysDisabled => "API keys are not enabled on this server",
            AuthError::InvalidApiKey => "Invalid API key",
            AuthError::KeyRoleUndeclared { .. } => "API key role is not declared by the policy",
            AuthError::UnknownRole { .. } => "JWT role is not declared by the policy",
            AuthError::MissingRole { .. } => "JWT has no role claim",
            AuthError::EmptyToken => "Empty JWT is sent in Authorization header",
            AuthError::UnsupportedScheme => "Authorization header must use the Bearer scheme",
            AuthError::InvalidToken(problem) => match problem {
                TokenProblem::Parts { .. } => "Expected 3 parts in JWT",
                TokenProblem::Undecodable => "JWT couldn't be decoded",
                TokenProblem::UnsupportedAlgorithm | TokenProblem::AlgorithmMismatch => {
                    "Wrong or unsupported encoding algorithm"
                }
                TokenProblem::UnknownKid
                | TokenProblem::KidRequired
                | TokenProblem::NoKeyForAlgorithm => "No suitable key or wrong key type",
                TokenProblem::BadSignature => "JWT cryptographic operation failed",
            },
            AuthError::Claims(problem) => match problem {
                ClaimsProblem::Expired => "JWT expired",
                ClaimsProblem::NotYetValid => "JWT not yet valid",
                ClaimsProblem::IssuedInFuture => "JWT issued at future",
                ClaimsProblem::NotInAudience => "JWT not in audience",
                ClaimsProblem::Unparsable => "Parsing claims failed",
                ClaimsProblem::NotANumber { .. } => "A JWT time claim must be a number",
                ClaimsProblem::AudienceFormat => {
                    "The JWT aud claim must be a string or an array of strings"
                }
            },
        };
        Some(format!(
            "Bearer error=\"invalid_token\", error_description=\"{description}\""
        ))
    }
}
