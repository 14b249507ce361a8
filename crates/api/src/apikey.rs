//! API keys: `gh_<id>_<secret>`, stored as a keyed hash in `gatehouse.api_keys`.
//!
//! - [`token`]: the format, generation, parsing and the keyed hash (HMAC-SHA256 with the
//!   server-side pepper `GATEHOUSE_API_KEY_PEPPER`), compared in constant time.
//! - [`store`]: the SQL: the lookup and the batched `last_used_at` write that serving does, and
//!   what `gatehouse keys create | list | rotate | revoke` does as the owner role.
//! - [`cache`]: successful checks remembered for 30 s, keyed by the token's keyed hash; the
//!   [`listener`] evicts a key's entries when `NOTIFY gatehouse_keys` names it.
//! - [`usage`]: last-use times written in batches.
//!
//! [`Keys`] ties them together for serving; [`crate::gate`] calls it before any handler, and
//! decides what to do with the answer (rate limits on failures, allowed addresses, the
//! principal). Nothing here logs, returns or stores a token or a secret: only the public id
//! appears in logs.

pub mod cache;
pub mod listener;
pub mod record;
pub mod store;
pub mod token;
pub mod usage;

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

pub use record::KeyRecord;
pub use store::{Created, Listed, NewKey, Rotated};
pub use token::Pepper;

/// Which tenant a key acts for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyScope {
    /// One tenant (`--tenant T`).
    Tenant(String),
    /// Every tenant (`--cross-tenant`): made so explicitly.
    CrossTenant,
    /// No tenant: tenant-scoped tables refuse the key.
    NoTenant,
}

impl std::fmt::Display for KeyScope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeyScope::Tenant(tenant) => write!(f, "tenant {tenant}"),
            KeyScope::CrossTenant => f.write_str("cross-tenant"),
            KeyScope::NoTenant => f.write_str("no tenant"),
        }
    }
}

/// What managing keys can fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{action}: {}", pg::describe(cause))]
    Database {
        action: &'static str,
        cause: tokio_postgres::Error,
    },
    #[error("there is no API key {id:?}")]
    NoSuchKey { id: String },
    #[error("API key {id:?} is revoked")]
    Revoked { id: String },
    #[error("API key {id:?} has expired (or its rotation overlap has ended)")]
    Expired { id: String },
    #[error("API key {id:?} was already rotated: rotate its successor instead")]
    AlreadyRotated { id: String },
}

/// How a presented token fared before any database work.
#[derive(Debug)]
pub enum Presented<'a> {
    /// Not shaped like a key.
    Malformed,
    /// Checked recently and still usable.
    Cached(Arc<KeyRecord>),
    /// Checked recently, and no longer usable (expired, or its overlap ended).
    Unusable { id: &'a str },
    /// Not checked recently: [`Keys::check`] it.
    Unknown(Candidate<'a>),
}

/// A token to look up.
#[derive(Debug)]
pub struct Candidate<'a> {
    /// The public id (fine to log).
    pub id: &'a str,
    digest: token::Digest,
    generation: u64,
}

/// Why a lookup did not give a usable key.
#[derive(Debug)]
pub enum Refusal {
    /// The key cannot be used; the reason is for the log only.
    Invalid { reason: &'static str },
    /// The database could not be asked.
    Unavailable { detail: String },
}

/// Serving's side of API keys. One per application; cheap to share.
#[derive(Debug)]
pub struct Keys {
    pepper: Pepper,
    /// Bounds a lookup's wait for the database (`db::within_deadline`).
    statement_timeout: Duration,
    cache: Arc<cache::Cache>,
    usage: Arc<usage::Usage>,
}

impl Keys {
    pub fn new(pepper: Pepper, statement_timeout: Duration) -> Self {
        Self {
            pepper,
            statement_timeout,
            cache: Arc::new(cache::Cache::default()),
            usage: Arc::new(usage::Usage::default()),
        }
    }

    /// Spawns the LISTEN task (on its own connection, `options`) and the `last_used_at` writer
    /// (on `pool`). They run until the returned handles are dropped.
    pub fn start(
        &self,
        options: &pg::ConnectOptions,
        pool: &deadpool_postgres::Pool,
    ) -> Vec<listener::AbortOnDrop<()>> {
        vec![
            listener::AbortOnDrop(tokio::spawn(listener::run(
                options.clone(),
                Arc::clone(&self.cache),
            ))),
            listener::AbortOnDrop(tokio::spawn(usage::run(
                pool.clone(),
                Arc::clone(&self.usage),
            ))),
        ]
    }

    /// The cache, for tests and metrics.
    pub fn cache(&self) -> &cache::Cache {
        &self.cache
    }

    /// Parses the token and consults the cache: no IO.
    pub fn present<'a>(&self, token: &'a str, now: SystemTime, instant: Instant) -> Presented<'a> {
        let Some(parts) = token::parse(token) else {
            return Presented::Malformed;
        };
        let digest = self.pepper.digest(parts.id, parts.secret);
        match self.cache.get(&digest, instant) {
            Some(record) if record.usable_at(now) => Presented::Cached(record),
            Some(_) => Presented::Unusable { id: parts.id },
            None => Presented::Unknown(Candidate {
                id: parts.id,
                generation: self.cache.generation(),
                digest,
            }),
        }
    }

    /// Looks the key up and checks it: the hash (in constant time), revocation, expiry and
    /// rotation overlap. A usable key is remembered for [`cache::TTL`].
    pub async fn check(
        &self,
        pool: &deadpool_postgres::Pool,
        candidate: Candidate<'_>,
        now: SystemTime,
        instant: Instant,
    ) -> Result<Arc<KeyRecord>, Refusal> {
        let client = pool.get().await.map_err(|err| Refusal::Unavailable {
            detail: pg::describe(&err),
        })?;
        let stored =
            crate::db::within_deadline(self.statement_timeout, 1, client, async |client| {
                store::lookup(&***client, candidate.id).await
            })
            .await
            .map_err(|waited| Refusal::Unavailable {
                detail: format!("the database did not answer within {waited:?}"),
            })?
            .map_err(|err| Refusal::Unavailable {
                detail: pg::describe(&err),
            })?;
        let Some(stored) = stored else {
            return Err(Refusal::Invalid { reason: "unknown" });
        };
        if !token::hashes_match(&stored.secret_hash, &candidate.digest) {
            return Err(Refusal::Invalid {
                reason: "wrong secret",
            });
        }
        let record = stored.record;
        if record.revoked_at.is_some_and(|at| at <= now) {
            return Err(Refusal::Invalid { reason: "revoked" });
        }
        if !record.usable_at(now) {
            return Err(Refusal::Invalid {
                reason: "expired or past its rotation overlap",
            });
        }
        let record = Arc::new(record);
        self.cache.insert(
            candidate.digest,
            Arc::clone(&record),
            candidate.generation,
            instant,
        );
        Ok(record)
    }

    /// Notes a use of key `id` (written later, in a batch).
    pub fn used(&self, id: &str, at: SystemTime) {
        self.usage.record(id, at);
    }
}
