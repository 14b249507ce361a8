//! The SQL of `gatehouse.api_keys`: fixed text, values as bind parameters.
//!
//! Serving uses [`lookup`] and [`touch`] (the serving role may read the table and write
//! `last_used_at`, nothing more); `gatehouse keys` uses the rest, as the owner role.

use std::time::{Duration, SystemTime};

use tokio_postgres::GenericClient;
use tokio_postgres::types::ToSql;

use super::record::KeyRecord;
use super::token::{Digest, Generated, Pepper};
use super::{Error, KeyScope};

const LOOKUP: &str = "select secret_hash, role, tenant, cross_tenant, allowed_cidrs::text[], \
     expires_at, revoked_at, overlap_until \
     from gatehouse.api_keys where id = $1";

const TOUCH: &str = "update gatehouse.api_keys as k set last_used_at = u.at \
     from rows from (pg_catalog.unnest($1::text[]), pg_catalog.unnest($2::timestamptz[])) \
     as u (id, at) \
     where k.id = u.id and (k.last_used_at is null or k.last_used_at < u.at)";

const INSERT: &str = "insert into gatehouse.api_keys \
     (id, secret_hash, role, tenant, cross_tenant, allowed_cidrs, description, expires_at, \
      rotated_from) \
     values ($1, $2, $3, $4, $5, $6::text[]::cidr[], $7, \
      now() + pg_catalog.make_interval(secs => $8::float8), $9) \
     returning created_at, expires_at";

const LIST: &str = "select id, role, tenant, cross_tenant, allowed_cidrs::text[], description, \
     created_at, expires_at, revoked_at, last_used_at, rotated_from, overlap_until, \
     coalesce(revoked_at <= now(), false), \
     coalesce(expires_at <= now(), false) or coalesce(overlap_until <= now(), false) \
     from gatehouse.api_keys order by created_at, id";

const LOCK_FOR_ROTATION: &str = "select role, tenant, cross_tenant, allowed_cidrs::text[], \
     description, extract(epoch from expires_at - created_at)::float8, \
     revoked_at is not null, \
     coalesce(expires_at <= now(), false) or coalesce(overlap_until <= now(), false), \
     overlap_until is not null \
     from gatehouse.api_keys where id = $1 for update";

const END_OVERLAP: &str = "update gatehouse.api_keys \
     set overlap_until = now() + pg_catalog.make_interval(secs => $2::float8) \
     where id = $1 returning overlap_until";

const REVOKE: &str = "update gatehouse.api_keys set revoked_at = now() \
     where id = $1 and revoked_at is null returning revoked_at";

const EXISTS: &str = "select revoked_at from gatehouse.api_keys where id = $1";

/// A key row as serving reads it.
#[derive(Debug)]
pub(crate) struct Stored {
    pub(crate) secret_hash: Vec<u8>,
    pub(crate) record: KeyRecord,
}

/// The row of `id`, or `None`.
pub(crate) async fn lookup(
    client: &impl GenericClient,
    id: &str,
) -> Result<Option<Stored>, tokio_postgres::Error> {
    let Some(row) = client.query_opt(LOOKUP, &[&id]).await? else {
        return Ok(None);
    };
    let tenant: Option<String> = row.try_get(2)?;
    let cross_tenant: bool = row.try_get(3)?;
    let cidrs: Vec<String> = row.try_get(4)?;
    let expires_at: Option<SystemTime> = row.try_get(5)?;
    let revoked_at: Option<SystemTime> = row.try_get(6)?;
    let overlap_until: Option<SystemTime> = row.try_get(7)?;
    let not_after = match (expires_at, overlap_until) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    Ok(Some(Stored {
        secret_hash: row.try_get(0)?,
        record: KeyRecord {
            id: id.to_owned(),
            role: row.try_get(1)?,
            tenant: match (cross_tenant, tenant) {
                (true, _) => policy::Tenant::All,
                (false, Some(tenant)) => policy::Tenant::One(tenant),
                (false, None) => policy::Tenant::Missing,
            },
            // A CIDR the database holds always parses; one that did not would make the key
            // unusable from anywhere rather than from everywhere.
            allowed: cidrs
                .iter()
                .map(|text| {
                    text.parse::<ipnet::IpNet>().unwrap_or_else(|_| {
                        ipnet::IpNet::from(std::net::IpAddr::from(std::net::Ipv6Addr::UNSPECIFIED))
                    })
                })
                .collect(),
            not_after,
            revoked_at,
        },
    }))
}

/// Sets `last_used_at` of each key to its time, unless it already holds a later one. One
/// statement for the whole batch, in a `read write` transaction (pooled connections are
/// read-only by default).
pub(crate) async fn touch(
    client: &mut tokio_postgres::Client,
    used: &[(String, SystemTime)],
) -> Result<u64, tokio_postgres::Error> {
    let ids: Vec<&str> = used.iter().map(|(id, _)| id.as_str()).collect();
    let times: Vec<SystemTime> = used.iter().map(|(_, at)| *at).collect();
    let transaction = client.build_transaction().read_only(false).start().await?;
    let updated = transaction.execute(TOUCH, &[&ids, &times]).await?;
    transaction.commit().await?;
    Ok(updated)
}

/// What `gatehouse keys create` asks for.
#[derive(Debug, Clone)]
pub struct NewKey {
    pub role: String,
    pub scope: KeyScope,
    pub expires_in: Option<Duration>,
    pub allowed_cidrs: Vec<ipnet::IpNet>,
    pub description: Option<String>,
}

/// A key just made: the token is here, once.
#[derive(Debug)]
pub struct Created {
    pub id: String,
    /// The full `gh_<id>_<secret>`: show it once, never log it.
    pub token: crate::settings::Secret,
    pub created_at: SystemTime,
    pub expires_at: Option<SystemTime>,
}

fn seconds(duration: Option<Duration>) -> Option<f64> {
    duration.map(|d| d.as_secs_f64())
}

async fn insert(
    client: &impl GenericClient,
    pepper: &Pepper,
    key: &NewKey,
    rotated_from: Option<&str>,
) -> Result<Created, Error> {
    let generated = Generated::new();
    let digest: Digest = generated.digest(pepper);
    let (tenant, cross_tenant) = match &key.scope {
        KeyScope::Tenant(tenant) => (Some(tenant.as_str()), false),
        KeyScope::CrossTenant => (None, true),
        KeyScope::NoTenant => (None, false),
    };
    let cidrs: Vec<String> = key.allowed_cidrs.iter().map(ToString::to_string).collect();
    let digest_bytes: &[u8] = &digest;
    let params: [&(dyn ToSql + Sync); 9] = [
        &generated.id,
        &digest_bytes,
        &key.role,
        &tenant,
        &cross_tenant,
        &cidrs,
        &key.description,
        &seconds(key.expires_in),
        &rotated_from,
    ];
    let row = client
        .query_one(INSERT, &params)
        .await
        .map_err(|cause| Error::Database {
            action: "insert the key",
            cause,
        })?;
    Ok(Created {
        token: crate::settings::Secret::new(generated.token()),
        id: generated.id,
        created_at: row.try_get(0).map_err(|cause| Error::Database {
            action: "read the new key",
            cause,
        })?,
        expires_at: row.try_get(1).map_err(|cause| Error::Database {
            action: "read the new key",
            cause,
        })?,
    })
}

/// Makes a key and stores its hash.
pub async fn create(
    client: &impl GenericClient,
    pepper: &Pepper,
    key: &NewKey,
) -> Result<Created, Error> {
    insert(client, pepper, key, None).await
}

/// A key as `gatehouse keys list` shows it: no secret, no hash.
#[derive(Debug, Clone, PartialEq)]
pub struct Listed {
    pub id: String,
    pub role: String,
    pub scope: KeyScope,
    pub allowed_cidrs: Vec<String>,
    pub description: Option<String>,
    pub created_at: SystemTime,
    pub expires_at: Option<SystemTime>,
    pub revoked_at: Option<SystemTime>,
    pub last_used_at: Option<SystemTime>,
    pub rotated_from: Option<String>,
    pub overlap_until: Option<SystemTime>,
    pub revoked: bool,
    pub expired: bool,
}

/// Every key, oldest first.
pub async fn list(client: &impl GenericClient) -> Result<Vec<Listed>, Error> {
    let rows = client
        .query(LIST, &[])
        .await
        .map_err(|cause| Error::Database {
            action: "list the keys",
            cause,
        })?;
    rows.iter()
        .map(|row| {
            let tenant: Option<String> = row.try_get(2)?;
            let cross_tenant: bool = row.try_get(3)?;
            Ok(Listed {
                id: row.try_get(0)?,
                role: row.try_get(1)?,
                scope: match (cross_tenant, tenant) {
                    (true, _) => KeyScope::CrossTenant,
                    (false, Some(tenant)) => KeyScope::Tenant(tenant),
                    (false, None) => KeyScope::NoTenant,
                },
                allowed_cidrs: row.try_get(4)?,
                description: row.try_get(5)?,
                created_at: row.try_get(6)?,
                expires_at: row.try_get(7)?,
                revoked_at: row.try_get(8)?,
                last_used_at: row.try_get(9)?,
                rotated_from: row.try_get(10)?,
                overlap_until: row.try_get(11)?,
                revoked: row.try_get(12)?,
                expired: row.try_get(13)?,
            })
        })
        .collect::<Result<_, tokio_postgres::Error>>()
        .map_err(|cause| Error::Database {
            action: "read the keys",
            cause,
        })
}

/// A rotation: the new key, and until when the old one keeps working.
#[derive(Debug)]
pub struct Rotated {
    pub new: Created,
    pub old_id: String,
    pub old_until: SystemTime,
}

/// Makes a successor of `id` with the same role, tenant, allowed addresses and description,
/// and lets `id` work for `overlap` more (zero: it stops now). The successor expires after
/// `expires_in`, or, when that is `None`, after as long as the old key was meant to live (never,
/// if it had no expiry). One transaction: both happen or neither. Refuses a revoked or expired
/// key, and one already rotated.
pub async fn rotate(
    client: &mut tokio_postgres::Client,
    pepper: &Pepper,
    id: &str,
    overlap: Duration,
    expires_in: Option<Duration>,
) -> Result<Rotated, Error> {
    let db = |action: &'static str| move |cause| Error::Database { action, cause };
    let tx = client
        .transaction()
        .await
        .map_err(db("begin the rotation"))?;
    let row = tx
        .query_opt(LOCK_FOR_ROTATION, &[&id])
        .await
        .map_err(db("read the key"))?
        .ok_or_else(|| Error::NoSuchKey { id: id.to_owned() })?;
    let read = |row: &tokio_postgres::Row| -> Result<_, tokio_postgres::Error> {
        let tenant: Option<String> = row.try_get(1)?;
        let cross_tenant: bool = row.try_get(2)?;
        let lifetime: Option<f64> = row.try_get(5)?;
        Ok((
            NewKey {
                role: row.try_get(0)?,
                scope: match (cross_tenant, tenant) {
                    (true, _) => KeyScope::CrossTenant,
                    (false, Some(tenant)) => KeyScope::Tenant(tenant),
                    (false, None) => KeyScope::NoTenant,
                },
                expires_in: lifetime
                    .filter(|s| s.is_finite() && *s > 0.0)
                    .map(Duration::from_secs_f64),
                allowed_cidrs: Vec::new(),
                description: row.try_get(4)?,
            },
            row.try_get::<_, Vec<String>>(3)?,
            row.try_get::<_, bool>(6)?,
            row.try_get::<_, bool>(7)?,
            row.try_get::<_, bool>(8)?,
        ))
    };
    let (mut key, cidrs, revoked, expired, rotated) = read(&row).map_err(db("read the key"))?;
    if revoked {
        return Err(Error::Revoked { id: id.to_owned() });
    }
    if rotated {
        return Err(Error::AlreadyRotated { id: id.to_owned() });
    }
    if expired {
        return Err(Error::Expired { id: id.to_owned() });
    }
    key.allowed_cidrs = cidrs.iter().filter_map(|text| text.parse().ok()).collect();
    if expires_in.is_some() {
        key.expires_in = expires_in;
    }
    let new = insert(&tx, pepper, &key, Some(id)).await?;
    let old_until: SystemTime = tx
        .query_one(END_OVERLAP, &[&id, &overlap.as_secs_f64()])
        .await
        .map_err(db("set the old key's overlap"))?
        .try_get(0)
        .map_err(db("set the old key's overlap"))?;
    tx.commit().await.map_err(db("commit the rotation"))?;
    Ok(Rotated {
        new,
        old_id: id.to_owned(),
        old_until,
    })
}

/// Revokes `id` now. Every running instance forgets it within a second (the table's trigger
/// sends `NOTIFY gatehouse_keys`).
pub async fn revoke(client: &impl GenericClient, id: &str) -> Result<SystemTime, Error> {
    let db = |action: &'static str| move |cause| Error::Database { action, cause };
    if let Some(row) = client
        .query_opt(REVOKE, &[&id])
        .await
        .map_err(db("revoke the key"))?
    {
        return row.try_get(0).map_err(db("revoke the key"));
    }
    match client
        .query_opt(EXISTS, &[&id])
        .await
        .map_err(db("read the key"))?
    {
        None => Err(Error::NoSuchKey { id: id.to_owned() }),
        Some(_) => Err(Error::Revoked { id: id.to_owned() }),
    }
}
