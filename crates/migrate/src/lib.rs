//! Gatehouse's own schema (`gatehouse.*`), versioned, and the runner behind
//! `gatehouse migrate up | down | status`.
//!
//! The migrations are the files of `migrations/` at the workspace root, `NNNN_name.up.sql` and
//! `NNNN_name.down.sql`, embedded in the binary at build time ([`migrations`]). [`up`] applies
//! the pending ones in order, each in a transaction of its own that also records it in
//! `gatehouse.schema_migrations` (version, name, SHA-256 of the up file, time); [`down`]
//! reverts the newest (or every one newer than a version); [`status`] says which are applied
//! and whether each applied file is still the one that was applied. Every entry point refuses
//! to go on, naming the file, when an applied file was edited or when the database has a
//! version this binary does not know. `up` and `down` hold a session-level advisory lock
//! ([`LOCK_KEY`]) so two instances never migrate the same database at once.
//!
//! Migrating needs a role that may create schemas in the database (CREATE on the database;
//! typically the database owner), distinct from the least-privilege role `serve` connects as.
//! That role needs only what [`GRANTS`] lists ([`grant`] runs them): USAGE on the schema,
//! INSERT on the audit log, SELECT on the bookkeeping table (so that `serve` can check with
//! [`require_current`] that nothing is pending), SELECT on the API keys and UPDATE of their
//! `last_used_at` column alone.
//!
//! This crate deliberately does no TLS and opens no connection: it takes a
//! `tokio_postgres::Client` it is given (opened by `pg`). Its SQL is fixed text; values travel
//! as bind parameters. It does not write audit rows either; it only owns their table.

use std::fmt;

use sha2::{Digest, Sha256};
use tokio_postgres::Client;
use tokio_postgres::error::SqlState;

/// The schema the migrations manage.
pub const SCHEMA: &str = "gatehouse";

/// The key of the session-level advisory lock `up` and `down` hold (`pg_advisory_lock`):
/// "gatehous" in ASCII. Advisory locks are per database, so this only serializes migrations of
/// the same database.
pub const LOCK_KEY: i64 = 0x6761_7465_686f_7573;

/// What the serving role needs on the schema at the newest migration, as `format()` patterns
/// whose `%I` is the role. [`grant`] runs them; `gatehouse migrate up` prints them as advice.
pub const GRANTS: &[&str] = &[
    "grant usage on schema gatehouse to %I",
    "grant insert on gatehouse.audit_log to %I",
    "grant select on gatehouse.schema_migrations to %I",
    // API keys: read them to check a key; write only when each was last used.
    "grant select on gatehouse.api_keys to %I",
    "grant update (last_used_at) on gatehouse.api_keys to %I",
];

/// One migration: the two files `migrations/NNNN_name.up.sql` and `.down.sql`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Migration {
    /// The number the files start with (`0001` is 1).
    pub version: i64,
    /// The rest of the file name (`audit_log`).
    pub name: &'static str,
    /// The SQL that applies it.
    pub up: &'static str,
    /// The SQL that reverts it.
    pub down: &'static str,
}

impl Migration {
    /// `0001_audit_log`.
    pub fn stem(&self) -> String {
        format!("{:04}_{}", self.version, self.name)
    }

    /// `migrations/0001_audit_log.up.sql`.
    pub fn up_file(&self) -> String {
        format!("migrations/{}.up.sql", self.stem())
    }

    /// `migrations/0001_audit_log.down.sql`.
    pub fn down_file(&self) -> String {
        format!("migrations/{}.down.sql", self.stem())
    }

    /// The SHA-256 of the up file, lowercase hex: what `schema_migrations` records.
    pub fn checksum(&self) -> String {
        hex::encode(Sha256::digest(self.up.as_bytes()))
    }
}

impl fmt::Display for Migration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}_{}", self.version, self.name)
    }
}

static EMBEDDED: &[Migration] = include!(concat!(env!("OUT_DIR"), "/migrations.rs"));

/// The migrations embedded in this binary, in version order.
pub fn migrations() -> &'static [Migration] {
    EMBEDDED
}

/// Everything that can go wrong.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A statement of the runner's own failed.
    #[error("{action}: {}", pg::describe(cause))]
    Database {
        action: &'static str,
        cause: tokio_postgres::Error,
    },
    /// The role may not read `gatehouse.schema_migrations`.
    #[error(
        "read gatehouse.schema_migrations: {}; the role needs USAGE on schema gatehouse and \
         SELECT on gatehouse.schema_migrations (`gatehouse migrate up --grant-to ROLE`, run as \
         the owner role, grants them)",
        pg::describe(cause)
    )]
    ReadDenied { cause: tokio_postgres::Error },
    /// A migration file failed; its transaction was rolled back.
    #[error(
        "{file} failed and was rolled back (migrations before it in this run stay applied): {}",
        pg::describe(cause)
    )]
    Apply {
        file: String,
        cause: tokio_postgres::Error,
    },
    /// An applied migration's up file is not the one that was applied.
    #[error(
        "{file} was edited after it was applied (the database recorded sha256 {recorded}, this \
         binary has {embedded}): refusing to go on; restore the file as it was applied and put \
         the change in a new migration"
    )]
    ChecksumMismatch {
        file: String,
        recorded: String,
        embedded: String,
    },
    /// The database has a version applied that this binary has no file for.
    #[error(
        "the database has migration {version:04}_{name} applied, which this binary does not \
         know (migrations/{version:04}_{name}.up.sql is not in it; a newer gatehouse applied \
         it?): refusing to go on"
    )]
    UnknownVersion { version: i64, name: String },
    /// A migration is pending although a newer one is applied.
    #[error(
        "{file} is pending but the newer migration {applied:04} is already applied: \
         refusing to apply out of order; revert down to below it first, or renumber the file"
    )]
    OutOfOrder { file: String, applied: i64 },
    /// `down --to` named a version that is neither 0 nor a migration.
    #[error("cannot revert down to version {version}: there is no such migration (0 reverts all)")]
    UnknownTarget { version: i64 },
    /// The migration list given to [`Migrator::new`] is not strictly increasing from 1 up.
    #[error("migration {version:04}: {problem}")]
    InvalidList { version: i64, problem: &'static str },
    /// [`require_current`]: the database is behind this binary.
    #[error(
        "the database's gatehouse schema is not current: {} pending; run `gatehouse migrate up` \
         (as the owner role)",
        pending.join(", ")
    )]
    Pending { pending: Vec<String> },
}

fn db(action: &'static str) -> impl FnOnce(tokio_postgres::Error) -> Error {
    move |cause| Error::Database { action, cause }
}

/// Whether the bookkeeping table exists; asks the catalog, so it needs no privilege.
const TABLE_EXISTS: &str = "select exists (select 1 from pg_catalog.pg_class c \
     join pg_catalog.pg_namespace n on n.oid = c.relnamespace \
     where n.nspname = 'gatehouse' and c.relname = 'schema_migrations')";
const CREATE_TABLE: &str = "create table gatehouse.schema_migrations (\
     version bigint primary key, \
     name text not null, \
     checksum text not null, \
     applied_at timestamptz not null default now()); \
     comment on table gatehouse.schema_migrations is \
     'The migrations applied by `gatehouse migrate` (checksum: SHA-256 of the up file).'";
const READ_APPLIED: &str = "select version, name, checksum, \
     to_char(applied_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS\"Z\"') \
     from gatehouse.schema_migrations order by version";
const RECORD: &str =
    "insert into gatehouse.schema_migrations (version, name, checksum) values ($1, $2, $3)";
const FORGET: &str = "delete from gatehouse.schema_migrations where version = $1";
const COUNT: &str = "select count(*) from gatehouse.schema_migrations";
const DROP_TABLE: &str = "drop table gatehouse.schema_migrations";
const TRY_LOCK: &str = "select pg_catalog.pg_try_advisory_lock($1)";
const LOCK: &str = "select pg_catalog.pg_advisory_lock($1)";
const UNLOCK: &str = "select pg_catalog.pg_advisory_unlock($1)";
const FORMAT: &str = "select pg_catalog.format($1, $2::text)";

/// A row of `gatehouse.schema_migrations`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Applied {
    version: i64,
    name: String,
    checksum: String,
    applied_at: String,
}

/// Runs a given list of migrations; the free functions run the embedded one
/// ([`Migrator::embedded`]). Tests use other lists (an edited file, an extra migration).
#[derive(Debug, Clone, Copy)]
pub struct Migrator<'a> {
    migrations: &'a [Migration],
}

impl Migrator<'static> {
    /// The migrations embedded in this binary.
    pub fn embedded() -> Self {
        Migrator {
            migrations: EMBEDDED,
        }
    }
}

impl<'a> Migrator<'a> {
    /// A runner for `migrations`, which must have strictly increasing positive versions.
    pub fn new(migrations: &'a [Migration]) -> Result<Self, Error> {
        let mut previous = 0;
        for migration in migrations {
            if migration.version <= previous {
                return Err(Error::InvalidList {
                    version: migration.version,
                    problem: "versions must be positive and strictly increasing",
                });
            }
            previous = migration.version;
        }
        Ok(Migrator { migrations })
    }

    /// The list this runs.
    pub fn migrations(&self) -> &'a [Migration] {
        self.migrations
    }

    /// Applies every pending migration in order, each in its own transaction, under the
    /// advisory lock. Returns the ones applied (empty when the database was current).
    pub async fn up(&self, client: &mut Client) -> Result<Vec<Migration>, Error> {
        lock(client).await?;
        let result = self.up_locked(client).await;
        unlock_after(client, result).await
    }

    async fn up_locked(&self, client: &mut Client) -> Result<Vec<Migration>, Error> {
        let applied = read_applied(client).await?;
        let pending = self.plan(&applied)?;
        for migration in &pending {
            let tx = client
                .transaction()
                .await
                .map_err(db("begin a transaction"))?;
            tx.batch_execute(migration.up)
                .await
                .map_err(|cause| Error::Apply {
                    file: migration.up_file(),
                    cause,
                })?;
            let exists: bool = tx
                .query_one(TABLE_EXISTS, &[])
                .await
                .map_err(db("look for gatehouse.schema_migrations"))?
                .get(0);
            if !exists {
                tx.batch_execute(CREATE_TABLE)
                    .await
                    .map_err(db("create gatehouse.schema_migrations"))?;
            }
            tx.execute(
                RECORD,
                &[&migration.version, &migration.name, &migration.checksum()],
            )
            .await
            .map_err(db("record the migration in gatehouse.schema_migrations"))?;
            tx.commit()
                .await
                .map_err(db("commit the migration's transaction"))?;
            tracing::debug!(migration = %migration, "applied");
        }
        Ok(pending)
    }

    /// Reverts, newest first and each in its own transaction, under the advisory lock: the
    /// newest applied migration when `to` is `None`, else every applied migration whose
    /// version is above `to` (0 reverts them all). Returns the ones reverted.
    ///
    /// When the last applied migration is reverted, the bookkeeping table is dropped first (in
    /// the same transaction), so that its down file can drop the schema.
    pub async fn down(
        &self,
        client: &mut Client,
        to: Option<i64>,
    ) -> Result<Vec<Migration>, Error> {
        if let Some(version) = to
            && version != 0
            && !self.migrations.iter().any(|m| m.version == version)
        {
            return Err(Error::UnknownTarget { version });
        }
        lock(client).await?;
        let result = self.down_locked(client, to).await;
        unlock_after(client, result).await
    }

    async fn down_locked(
        &self,
        client: &mut Client,
        to: Option<i64>,
    ) -> Result<Vec<Migration>, Error> {
        let applied = read_applied(client).await?;
        self.verify(&applied)?;
        let newest_first = applied.iter().rev().filter_map(|a| self.find(a.version));
        let targets: Vec<Migration> = match to {
            None => newest_first.take(1).collect(),
            Some(to) => newest_first.filter(|m| m.version > to).collect(),
        };
        for migration in &targets {
            let tx = client
                .transaction()
                .await
                .map_err(db("begin a transaction"))?;
            tx.execute(FORGET, &[&migration.version])
                .await
                .map_err(db("remove the migration from gatehouse.schema_migrations"))?;
            let remaining: i64 = tx
                .query_one(COUNT, &[])
                .await
                .map_err(db("count the applied migrations"))?
                .get(0);
            if remaining == 0 {
                tx.batch_execute(DROP_TABLE)
                    .await
                    .map_err(db("drop gatehouse.schema_migrations"))?;
            }
            tx.batch_execute(migration.down)
                .await
                .map_err(|cause| Error::Apply {
                    file: migration.down_file(),
                    cause,
                })?;
            tx.commit()
                .await
                .map_err(db("commit the migration's transaction"))?;
            tracing::debug!(migration = %migration, "reverted");
        }
        Ok(targets)
    }

    /// Each migration (and each applied version this list lacks), applied or pending. Reading
    /// it does not fail on an edited or unknown migration: [`Status::check`] says so.
    pub async fn status(&self, client: &Client) -> Result<Status, Error> {
        let applied = read_applied(client).await?;
        let mut entries: Vec<Entry> = self
            .migrations
            .iter()
            .map(|m| {
                let state = match applied.iter().find(|a| a.version == m.version) {
                    None => State::Pending,
                    Some(a) => State::Applied {
                        applied_at: a.applied_at.clone(),
                        checksum_matches: a.checksum == m.checksum(),
                    },
                };
                Entry {
                    version: m.version,
                    name: m.name.to_owned(),
                    state,
                }
            })
            .collect();
        entries.extend(
            applied
                .iter()
                .filter(|a| self.find(a.version).is_none())
                .map(|a| Entry {
                    version: a.version,
                    name: a.name.clone(),
                    state: State::Unknown {
                        applied_at: a.applied_at.clone(),
                    },
                }),
        );
        entries.sort_by_key(|e| e.version);
        Ok(Status {
            entries,
            check: self.plan(&applied).map(drop),
        })
    }

    /// The migrations not yet applied, in order; an error when the database cannot be
    /// migrated by this binary (an edited or unknown applied migration, or a gap).
    pub async fn pending(&self, client: &Client) -> Result<Vec<Migration>, Error> {
        let applied = read_applied(client).await?;
        self.plan(&applied)
    }

    /// `Ok` when nothing is pending; else [`Error::Pending`], whose message says to run
    /// `gatehouse migrate up`.
    pub async fn require_current(&self, client: &Client) -> Result<(), Error> {
        let pending = self.pending(client).await?;
        if pending.is_empty() {
            Ok(())
        } else {
            Err(Error::Pending {
                pending: pending.iter().map(Migration::stem).collect(),
            })
        }
    }

    fn find(&self, version: i64) -> Option<Migration> {
        self.migrations
            .iter()
            .find(|m| m.version == version)
            .copied()
    }

    /// Every applied row matches a migration of the list, checksum included.
    fn verify(&self, applied: &[Applied]) -> Result<(), Error> {
        for row in applied {
            let Some(migration) = self.find(row.version) else {
                return Err(Error::UnknownVersion {
                    version: row.version,
                    name: row.name.clone(),
                });
            };
            let embedded = migration.checksum();
            if row.checksum != embedded {
                return Err(Error::ChecksumMismatch {
                    file: migration.up_file(),
                    recorded: row.checksum.clone(),
                    embedded,
                });
            }
        }
        Ok(())
    }

    /// [`Self::verify`], then what is pending, which must all be newer than what is applied.
    fn plan(&self, applied: &[Applied]) -> Result<Vec<Migration>, Error> {
        self.verify(applied)?;
        let newest = applied.iter().map(|a| a.version).max().unwrap_or(0);
        let pending: Vec<Migration> = self
            .migrations
            .iter()
            .filter(|m| !applied.iter().any(|a| a.version == m.version))
            .copied()
            .collect();
        if let Some(early) = pending.iter().find(|m| m.version < newest) {
            return Err(Error::OutOfOrder {
                file: early.up_file(),
                applied: newest,
            });
        }
        Ok(pending)
    }
}

/// One line of [`Status`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub version: i64,
    pub name: String,
    pub state: State,
}

/// Where a migration stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum State {
    /// Known, not applied.
    Pending,
    /// Known and applied (`applied_at` in UTC, `YYYY-MM-DD HH:MM:SSZ`).
    Applied {
        applied_at: String,
        checksum_matches: bool,
    },
    /// Applied, but this binary has no such migration.
    Unknown { applied_at: String },
}

/// What [`status`] found.
#[derive(Debug)]
pub struct Status {
    /// Every known migration and every unknown applied one, by version.
    pub entries: Vec<Entry>,
    check: Result<(), Error>,
}

impl Status {
    /// The first reason `up` or `down` would refuse to run (an edited or unknown applied
    /// migration, or a pending one older than an applied one), if any.
    pub fn check(&self) -> Result<(), &Error> {
        self.check.as_ref().copied()
    }

    /// The known migrations not applied.
    pub fn pending(&self) -> impl Iterator<Item = &Entry> {
        self.entries
            .iter()
            .filter(|e| matches!(e.state, State::Pending))
    }
}

/// One line per migration: `0001_audit_log  applied 2025-01-31 12:00:00Z, checksum ok`.
impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.entries.is_empty() {
            return writeln!(f, "no migrations");
        }
        let width = self
            .entries
            .iter()
            .map(|e| e.name.len() + 5)
            .max()
            .unwrap_or(0);
        for entry in &self.entries {
            let stem = format!("{:04}_{}", entry.version, entry.name);
            match &entry.state {
                State::Pending => writeln!(f, "{stem:width$}  pending")?,
                State::Applied {
                    applied_at,
                    checksum_matches: true,
                } => writeln!(f, "{stem:width$}  applied {applied_at}, checksum ok")?,
                State::Applied {
                    applied_at,
                    checksum_matches: false,
                } => writeln!(
                    f,
                    "{stem:width$}  applied {applied_at}, CHECKSUM MISMATCH: \
                     migrations/{stem}.up.sql was edited since"
                )?,
                State::Unknown { applied_at } => writeln!(
                    f,
                    "{stem:width$}  applied {applied_at}, UNKNOWN to this binary"
                )?,
            }
        }
        Ok(())
    }
}

/// [`Migrator::up`] with the embedded migrations.
pub async fn up(client: &mut Client) -> Result<Vec<Migration>, Error> {
    Migrator::embedded().up(client).await
}

/// [`Migrator::down`] with the embedded migrations.
pub async fn down(client: &mut Client, to: Option<i64>) -> Result<Vec<Migration>, Error> {
    Migrator::embedded().down(client, to).await
}

/// [`Migrator::status`] with the embedded migrations.
pub async fn status(client: &Client) -> Result<Status, Error> {
    Migrator::embedded().status(client).await
}

/// [`Migrator::pending`] with the embedded migrations: what `serve` checks before starting.
pub async fn pending(client: &Client) -> Result<Vec<Migration>, Error> {
    Migrator::embedded().pending(client).await
}

/// [`Migrator::require_current`] with the embedded migrations.
pub async fn require_current(client: &Client) -> Result<(), Error> {
    Migrator::embedded().require_current(client).await
}

/// Grants `role` what serving needs ([`GRANTS`]); run as the owner role after [`up`]. The role
/// name is quoted by the server's `format('%I')`, never spliced in here.
pub async fn grant(client: &Client, role: &str) -> Result<(), Error> {
    for pattern in GRANTS {
        let statement: String = client
            .query_one(FORMAT, &[pattern, &role])
            .await
            .map_err(db("quote the role name"))?
            .get(0);
        client
            .batch_execute(&statement)
            .await
            .map_err(db("grant the serving role its privileges"))?;
    }
    Ok(())
}

async fn read_applied(client: &Client) -> Result<Vec<Applied>, Error> {
    let exists: bool = client
        .query_one(TABLE_EXISTS, &[])
        .await
        .map_err(db("look for gatehouse.schema_migrations"))?
        .get(0);
    if !exists {
        return Ok(Vec::new());
    }
    let rows = client.query(READ_APPLIED, &[]).await.map_err(|cause| {
        if cause.code() == Some(&SqlState::INSUFFICIENT_PRIVILEGE) {
            Error::ReadDenied { cause }
        } else {
            Error::Database {
                action: "read gatehouse.schema_migrations",
                cause,
            }
        }
    })?;
    Ok(rows
        .iter()
        .map(|row| Applied {
            version: row.get(0),
            name: row.get(1),
            checksum: row.get(2),
            applied_at: row.get(3),
        })
        .collect())
}

/// Takes the advisory lock, waiting (and saying so) while another session holds it.
async fn lock(client: &Client) -> Result<(), Error> {
    let taken: bool = client
        .query_one(TRY_LOCK, &[&LOCK_KEY])
        .await
        .map_err(db("take the migration lock"))?
        .get(0);
    if !taken {
        tracing::info!("another session is migrating this database: waiting for it to finish");
        client
            .execute(LOCK, &[&LOCK_KEY])
            .await
            .map_err(db("take the migration lock"))?;
    }
    Ok(())
}

/// Releases the advisory lock, whatever `result` is; `result`'s error comes first.
async fn unlock_after<T>(client: &Client, result: Result<T, Error>) -> Result<T, Error> {
    let unlocked = client
        .query_one(UNLOCK, &[&LOCK_KEY])
        .await
        .map_err(db("release the migration lock"));
    let value = result?;
    if !unlocked?.get::<_, bool>(0) {
        tracing::warn!("the migration lock was not held at the end of the run");
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: Migration = Migration {
        version: 1,
        name: "a",
        up: "create schema gatehouse",
        down: "drop schema gatehouse",
    };
    const B: Migration = Migration {
        version: 2,
        name: "b",
        up: "create table gatehouse.b ()",
        down: "drop table gatehouse.b",
    };

    fn applied(m: &Migration) -> Applied {
        Applied {
            version: m.version,
            name: m.name.to_owned(),
            checksum: m.checksum(),
            applied_at: "2025-01-01 00:00:00Z".to_owned(),
        }
    }

    #[test]
    fn names_and_checksum() {
        assert_eq!(A.stem(), "0001_a");
        assert_eq!(A.up_file(), "migrations/0001_a.up.sql");
        assert_eq!(A.down_file(), "migrations/0001_a.down.sql");
        // sha256("create schema gatehouse")
        assert_eq!(A.checksum().len(), 64);
        assert_eq!(
            Migration { up: "", ..A }.checksum(),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn list_must_increase() {
        assert!(Migrator::new(&[A, B]).is_ok());
        assert!(matches!(
            Migrator::new(&[B, A]),
            Err(Error::InvalidList { version: 1, .. })
        ));
        assert!(Migrator::new(&[Migration { version: 0, ..A }]).is_err());
    }

    #[test]
    fn plan_lists_pending_in_order() {
        let migrator = Migrator::new(&[A, B]).expect("valid list");
        assert_eq!(migrator.plan(&[]).expect("plan"), vec![A, B]);
        assert_eq!(migrator.plan(&[applied(&A)]).expect("plan"), vec![B]);
        assert!(
            migrator
                .plan(&[applied(&A), applied(&B)])
                .expect("plan")
                .is_empty()
        );
    }

    #[test]
    fn plan_refuses_edited_unknown_and_out_of_order() {
        let migrator = Migrator::new(&[A, B]).expect("valid list");
        let mut edited = applied(&A);
        edited.checksum = "0".repeat(64);
        let err = migrator.plan(&[edited]).expect_err("edited");
        assert!(
            err.to_string()
                .contains("migrations/0001_a.up.sql was edited"),
            "{err}"
        );

        let unknown = Applied {
            version: 7,
            ..applied(&A)
        };
        let err = migrator.plan(&[applied(&A), unknown]).expect_err("unknown");
        assert!(
            matches!(err, Error::UnknownVersion { version: 7, .. }),
            "{err}"
        );

        let err = migrator.plan(&[applied(&B)]).expect_err("gap");
        assert!(
            matches!(&err, Error::OutOfOrder { file, applied: 2 } if file == "migrations/0001_a.up.sql"),
            "{err}"
        );
    }

    #[test]
    fn embedded_list_is_valid_and_starts_with_the_audit_log() {
        let list = migrations();
        assert!(Migrator::new(list).is_ok());
        assert_eq!(
            list.first().map(Migration::stem).as_deref(),
            Some("0001_audit_log")
        );
    }
}
