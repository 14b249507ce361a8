//! The gate every API request passes before its handler runs, in this order, all before any
//! database work of the request's own:
//!
//! 1. the client address: the socket's peer, or `X-Forwarded-For` through
//!    `GATEHOUSE_TRUSTED_PROXIES` ([`client`]); outside `GATEHOUSE_ALLOW_CIDRS` → 403 `GH307`;
//! 2. an API key in the URL → 400 `GH306` (URLs end up in logs);
//! 3. the credential → a [`policy::Principal`]: an API key (`Authorization: Bearer gh_…`, or
//!    the `apikey` header when there is no `Authorization`), a JWT, or none (the anonymous
//!    role). A key is checked against the verified-key cache, else looked up ([`apikey`]);
//!    failed attempts are limited per client address and per key id (429 `GH308`), so that
//!    neither guessing secrets nor making the server look up garbage works; an unusable key
//!    is 401 `GH305` whatever was wrong; a key used from outside its CIDRs is 403 `GH307`;
//! 4. the role's rate limit (`rate` / `burst` in the policy), per key id, JWT subject, or
//!    client address → 429 `GH308` with `Retry-After` and `RateLimit-*`.
//!
//! A JWT may also come in the cookie named by `GATEHOUSE_JWT_COOKIE` (only when there is
//! neither an `Authorization` header nor an API key). A JWT naming a `kid` we do not have makes
//! the authenticator fetch `GATEHOUSE_JWKS_URL` again (rate-limited) before it is refused.
//!
//! The outcome rides in the request's extensions ([`Admitted`]); `AppState::authenticate`
//! reads it there, so handlers do not authenticate twice. An `apikey` header that is not a
//! Gatehouse key (Supabase clients send their anon JWT there) is ignored.

pub mod client;
pub mod limit;

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpMessage as _, HttpRequest, web};

use crate::apikey::listener::AbortOnDrop;
use crate::apikey::{self, KeyRecord, Presented, Refusal};
use crate::auth::{API_KEY_PREFIX, AuthError};
use crate::error::ApiError;
use crate::settings::Settings;
use crate::startup::AppState;
use limit::{FailureLimiter, RateInfo, RoleLimits};

/// Failed authentication attempts allowed per client address at once…
const ADDRESS_FAILURES: u32 = 20;
/// …and then one more every this long.
const ADDRESS_FAILURE_EVERY: Duration = Duration::from_secs(3);
/// Failed checks allowed per key id at once…
const KEY_FAILURES: u32 = 10;
/// …and then one more every this long.
const KEY_FAILURE_EVERY: Duration = Duration::from_secs(6);
/// How often full rate-limit buckets are dropped.
const PRUNE_EVERY: Duration = Duration::from_secs(60);

/// What the gate found out about an admitted request.
#[derive(Debug, Clone)]
pub struct Admitted {
    principal: policy::Principal,
    client: Option<IpAddr>,
    key_id: Option<String>,
    rate: Option<RateInfo>,
}

impl Admitted {
    /// Who is asking.
    pub fn principal(&self) -> &policy::Principal {
        &self.principal
    }

    /// The client's address as the gate resolved it (see [`client`]).
    pub fn client(&self) -> Option<IpAddr> {
        self.client
    }

    /// The API key's public id, when the request came with one.
    pub fn key_id(&self) -> Option<&str> {
        self.key_id.as_deref()
    }
}

/// The client address the gate resolved for `request` (the socket's peer when the request did
/// not pass the gate). For audit rows.
pub fn client_addr(request: &HttpRequest) -> Option<IpAddr> {
    request
        .extensions()
        .get::<Admitted>()
        .map(Admitted::client)
        .unwrap_or_else(|| request.peer_addr().map(|addr| addr.ip()))
}

/// The gate's state: limits, the key service, and the tasks it runs.
#[derive(Debug)]
pub struct Gate {
    keys: Option<apikey::Keys>,
    limits: Arc<RoleLimits>,
    failed_by_address: FailureLimiter<IpAddr>,
    failed_by_key: FailureLimiter<String>,
    allow: Vec<ipnet::IpNet>,
    trusted: Vec<ipnet::IpNet>,
    tasks: Mutex<Vec<AbortOnDrop<()>>>,
}

/// The credential a request carries.
enum Credential<'a> {
    None,
    /// The raw `Authorization` header (a JWT, or a malformed header).
    Authorization(&'a str),
    /// A JWT from the cookie named by `GATEHOUSE_JWT_COOKIE`.
    Cookie(String),
    /// A `gh_…` token.
    Key(&'a str),
}

impl Gate {
    /// The gate for these settings and this policy. Nothing runs until [`Gate::start`].
    pub fn new(settings: &Settings, policy: &policy::PolicyFile) -> Self {
        let nz = |n: u32| NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN);
        Self {
            keys: settings.api_keys.pepper.as_ref().map(|pepper| {
                apikey::Keys::new(
                    apikey::Pepper::new(pepper),
                    settings.database.statement_timeout,
                )
            }),
            limits: Arc::new(RoleLimits::from_policy(policy)),
            failed_by_address: FailureLimiter::new(nz(ADDRESS_FAILURES), ADDRESS_FAILURE_EVERY),
            failed_by_key: FailureLimiter::new(nz(KEY_FAILURES), KEY_FAILURE_EVERY),
            allow: settings.network.allow_cidrs.clone(),
            trusted: settings.network.trusted_proxies.clone(),
            tasks: Mutex::new(Vec::new()),
        }
    }

    /// Starts the background tasks: the key-change listener (its own connection with
    /// `options`), the `last_used_at` writer and the pruning of rate-limit buckets. They stop
    /// when the gate is dropped.
    pub fn start(&self, options: &pg::ConnectOptions, pool: &deadpool_postgres::Pool) {
        let mut tasks = self.tasks.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(keys) = &self.keys {
            tasks.extend(keys.start(options, pool));
        }
        let limits = Arc::clone(&self.limits);
        tasks.push(AbortOnDrop(tokio::spawn(async move {
            let mut tick = tokio::time::interval(PRUNE_EVERY);
            loop {
                tick.tick().await;
                limits.prune();
            }
        })));
    }

    /// The key service, when keys are enabled.
    pub fn keys(&self) -> Option<&apikey::Keys> {
        self.keys.as_ref()
    }

    /// Runs the checks of the module doc for one request.
    pub async fn admit(
        &self,
        state: &AppState,
        request: &HttpRequest,
    ) -> Result<Admitted, ApiError> {
        let client = client::resolve(
            request.peer_addr().map(|addr| addr.ip()),
            request
                .headers()
                .get_all("x-forwarded-for")
                .filter_map(|value| value.to_str().ok()),
            &self.trusted,
        );
        if !self.allow.is_empty()
            && !client.is_some_and(|addr| self.allow.iter().any(|net| net.contains(&addr)))
        {
            tracing::info!(client = ?client, "request refused: address outside GATEHOUSE_ALLOW_CIDRS");
            return Err(AuthError::AddressNotAllowed.into());
        }
        if key_in_url(request) {
            tracing::warn!(
                client = ?client,
                "request refused: an API key in the URL (the key should be rotated)"
            );
            return Err(AuthError::KeyInUrl.into());
        }
        let now = SystemTime::now();
        let instant = Instant::now();
        let credential = credential(request, state.settings.jwt_cookie.as_deref())?;
        let (principal, key_id) = match credential {
            Credential::None => (state.authenticator.authenticate(None)?, None),
            Credential::Authorization(_) | Credential::Cookie(_) => {
                if let Some(addr) = client {
                    self.failed_by_address
                        .admit(&addr, instant)
                        .map_err(too_many)?;
                }
                let check = || match &credential {
                    Credential::Cookie(token) => state.authenticator.authenticate_token(token),
                    Credential::Authorization(header) => {
                        state.authenticator.authenticate(Some(header))
                    }
                    Credential::None | Credential::Key(_) => Err(AuthError::Unauthenticated),
                };
                let mut outcome = check();
                if let Err(err) = &outcome
                    && state.authenticator.refresh_for(err).await
                {
                    outcome = check();
                }
                match outcome {
                    Ok(principal) => (principal, None),
                    Err(err) => {
                        if err.status() == 401
                            && let Some(addr) = client
                        {
                            self.failed_by_address.fail(&addr, instant);
                        }
                        return Err(err.into());
                    }
                }
            }
            Credential::Key(token) => {
                let record = self.key(state, token, client, now, instant).await?;
                (record.principal(), Some(record.id.clone()))
            }
        };
        let bucket = match (&key_id, &principal.subject) {
            (Some(id), _) => format!("key:{id}"),
            (None, Some(subject)) => format!("sub:{subject}"),
            (None, None) => match client {
                Some(addr) => format!("addr:{addr}"),
                None => "addr:unknown".to_owned(),
            },
        };
        let rate = self.limits.check(&principal.role, &bucket)?;
        if let (Some(keys), Some(id)) = (&self.keys, &key_id) {
            keys.used(id, now);
        }
        Ok(Admitted {
            principal,
            client,
            key_id,
            rate,
        })
    }

    /// Checks an API key: the cache, else (within the failure budgets) the database; then the
    /// role and the key's allowed addresses.
    async fn key(
        &self,
        state: &AppState,
        token: &str,
        client: Option<IpAddr>,
        now: SystemTime,
        instant: Instant,
    ) -> Result<Arc<KeyRecord>, ApiError> {
        let Some(keys) = &self.keys else {
            return Err(AuthError::ApiKeysDisabled.into());
        };
        let record = match keys.present(token, now, instant) {
            Presented::Cached(record) => record,
            Presented::Malformed => {
                if let Some(addr) = client {
                    self.failed_by_address
                        .take(&addr, instant)
                        .map_err(too_many)?;
                }
                tracing::info!(client = ?client, "API key refused: malformed");
                return Err(AuthError::InvalidApiKey.into());
            }
            Presented::Unusable { id } => {
                tracing::info!(key_id = %id, client = ?client, "API key refused: expired or past its rotation overlap");
                return Err(AuthError::InvalidApiKey.into());
            }
            Presented::Unknown(candidate) => {
                let id = candidate.id.to_owned();
                if let Some(addr) = client {
                    self.failed_by_address
                        .take(&addr, instant)
                        .map_err(too_many)?;
                }
                if let Err(wait) = self.failed_by_key.take(&id, instant) {
                    if let Some(addr) = client {
                        self.failed_by_address.give_back(&addr, instant);
                    }
                    tracing::info!(key_id = %id, client = ?client, "API key check refused: too many failures for this key id");
                    return Err(too_many(wait));
                }
                let give_back = || {
                    if let Some(addr) = client {
                        self.failed_by_address.give_back(&addr, instant);
                    }
                    self.failed_by_key.give_back(&id, instant);
                };
                match keys.check(&state.pool, candidate, now, instant).await {
                    Ok(record) => {
                        give_back();
                        record
                    }
                    Err(Refusal::Invalid { reason }) => {
                        tracing::info!(key_id = %id, client = ?client, reason, "API key refused");
                        return Err(AuthError::InvalidApiKey.into());
                    }
                    Err(Refusal::Unavailable { detail }) => {
                        give_back();
                        return Err(ApiError::Unavailable { detail });
                    }
                }
            }
        };
        if !state.policy.roles.contains_key(&record.role) {
            tracing::warn!(key_id = %record.id, role = %record.role, "API key refused: its role is not declared by the policy");
            return Err(AuthError::KeyRoleUndeclared {
                role: record.role.clone(),
            }
            .into());
        }
        if !record.allows(client) {
            tracing::info!(key_id = %record.id, client = ?client, "API key refused: address outside the key's allowed CIDRs");
            return Err(AuthError::AddressNotAllowed.into());
        }
        Ok(record)
    }
}

fn too_many(wait: Duration) -> ApiError {
    AuthError::TooManyFailures {
        retry_after: limit::ceil_seconds(wait).max(1),
    }
    .into()
}

/// `Authorization` wins; without it, an `apikey` header holding a Gatehouse key; without
/// either, the JWT cookie when one is configured.
fn credential<'a>(
    request: &'a HttpRequest,
    cookie: Option<&str>,
) -> Result<Credential<'a>, AuthError> {
    let headers = request.headers();
    if let Some(value) = headers.get(actix_web::http::header::AUTHORIZATION) {
        let header = value
            .to_str()
            .map_err(|_| AuthError::InvalidToken(crate::auth::TokenProblem::Undecodable))?;
        return Ok(match crate::auth::bearer_token(header) {
            Ok(token) if token.starts_with(API_KEY_PREFIX) => Credential::Key(token),
            _ => Credential::Authorization(header),
        });
    }
    if let Some(value) = headers.get("apikey") {
        let token = value.to_str().map_err(|_| AuthError::InvalidApiKey)?.trim();
        if token.starts_with(API_KEY_PREFIX) {
            return Ok(Credential::Key(token));
        }
    }
    if let Some(name) = cookie
        && let Some(token) = cookie_value(headers, name)
    {
        return Ok(Credential::Cookie(token));
    }
    Ok(Credential::None)
}

/// The value of cookie `name` in the `Cookie` headers (RFC 6265: `a=1; b=2`), if present and
/// not empty.
fn cookie_value(headers: &actix_web::http::header::HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(actix_web::http::header::COOKIE)
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.trim().trim_matches('"').to_owned())
        .filter(|value| !value.is_empty())
}

/// Query parameters that name a credential.
const CREDENTIAL_PARAMS: &[&str] = &[
    "apikey",
    "api_key",
    "api-key",
    "key",
    "token",
    "access_token",
];

/// Whether the URL carries an API key: a credential parameter holding a `gh_` value, or
/// anything shaped like a key anywhere in the path or the query (decoded or not).
fn key_in_url(request: &HttpRequest) -> bool {
    let query = request.query_string();
    let raw_path = request.uri().path();
    if apikey::token::contains_key(query) || apikey::token::contains_key(raw_path) {
        return true;
    }
    let decoded_path = percent_encoding::percent_decode_str(raw_path).decode_utf8_lossy();
    if apikey::token::contains_key(&decoded_path) {
        return true;
    }
    url::form_urlencoded::parse(query.as_bytes()).any(|(name, value)| {
        (CREDENTIAL_PARAMS
            .iter()
            .any(|param| name.eq_ignore_ascii_case(param))
            && value.trim().starts_with(API_KEY_PREFIX))
            || apikey::token::contains_key(&name)
            || apikey::token::contains_key(&value)
    })
}

/// The actix middleware around the API's routes (`App::wrap(from_fn(gate::middleware))`).
pub async fn middleware(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let Some(state) = request.app_data::<web::Data<AppState>>().cloned() else {
        return next
            .call(request)
            .await
            .map(ServiceResponse::map_into_left_body);
    };
    match state.gate.admit(&state, request.request()).await {
        Ok(admitted) => {
            let rate = admitted.rate.clone();
            request.extensions_mut().insert(admitted);
            let mut response = next.call(request).await?;
            if let Some(rate) = rate {
                for (name, value) in rate.headers() {
                    if let Ok(value) = HeaderValue::from_str(&value) {
                        response
                            .headers_mut()
                            .insert(HeaderName::from_static(name), value);
                    }
                }
            }
            Ok(response.map_into_left_body())
        }
        Err(err) => Ok(request.error_response(err).map_into_right_body()),
    }
}
