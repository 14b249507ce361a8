//! The test kit: a real PostgreSQL over TLS and a fresh database per test.
//!
//! [`TestDatabase::new`] clones `gatehouse_template` into a new database named
//! `gh_test_<pid>_<n>_<random>` and drops it when the value is dropped, so tests run in parallel
//! without sharing state. The server is a private [`localpg`] cluster under the system
//! temporary directory, one per OS user and checkout, started once and reused across test
//! processes and runs; or, when `GATEHOUSE_TEST_DATABASE_URL` is set, that server (a role with
//! CREATEDB and CREATEROLE; its CA in `GATEHOUSE_TEST_CA_FILE` or the URL's `sslrootcert`).
//! Set `GATEHOUSE_TEST_KEEP_DB=1` to keep each test's database for inspection.
//!
//! Tests connect as the superuser ([`TestDatabase::admin_client`], to set up schemas) or as
//! `gatehouse_app`, a role without any special privilege ([`TestDatabase::app_client`]), always
//! with `verify-full` and SCRAM channel binding. The app role is shared by every database of
//! the server: tests must not alter it.
//!
//! The template holds [`TEMPLATE_SETUP`], then Gatehouse's own migrations (applied with
//! [`migrate::up`]) with the serving privileges on them granted to `gatehouse_app`
//! ([`migrate::grant`]), so every test database has the `gatehouse` schema, current. Beyond
//! that this crate deliberately does not build schemas or know Gatehouse's tables: each test
//! adds its own SQL. It is a dev-dependency only; nothing here is fit for production (it
//! panics on failure, by design).

use std::fs;
use std::io::Read;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

/// The application role: LOGIN, no superuser, no CREATEDB, no CREATEROLE, no BYPASSRLS.
pub const APP_ROLE: &str = "gatehouse_app";

/// The template every test database is cloned from.
pub const TEMPLATE_DB: &str = "gatehouse_template";

/// Prefix of the per-test databases.
pub const TEST_DB_PREFIX: &str = "gh_test_";

/// What the template holds, run in order as the superuser when the template is built, before
/// Gatehouse's migrations. Editing this list (or a migration, or [`migrate::GRANTS`]) rebuilds
/// the template on the next test run (its fingerprint is stored as the template's comment).
pub const TEMPLATE_SETUP: &[&str] = &["create extension if not exists pgcrypto"];

/// Bump to force a rebuild of existing templates after a change this list does not show.
const TEMPLATE_VERSION: &str = "1";

/// The server and credentials shared by every test of this process.
#[derive(Debug)]
struct Shared {
    /// The superuser-ish role, on the maintenance database.
    admin: pg::ConnectOptions,
    app_password: String,
    ca_file: PathBuf,
    /// Whether dead processes' databases may be dropped (only on our private cluster, where
    /// every process is on this machine).
    private: bool,
}

static SHARED: OnceLock<Result<Shared, String>> = OnceLock::new();

/// The shared server, set up on first use (on a thread of its own, with its own runtime, so
/// that no connection outlives the test runtime that happened to ask first).
fn shared() -> &'static Shared {
    let result = SHARED.get_or_init(|| {
        std::thread::spawn(setup)
            .join()
            .unwrap_or_else(|_| Err("the test kit's setup panicked".to_owned()))
    });
    match result {
        Ok(shared) => shared,
        Err(msg) => panic!("testkit: {msg}"),
    }
}

fn setup() -> Result<Shared, String> {
    let state = state_dir()?;
    let (admin, private) = match std::env::var("GATEHOUSE_TEST_DATABASE_URL") {
        Ok(url) => {
            let mut admin = pg::ConnectOptions::from_url(&url)
                .map_err(|e| format!("GATEHOUSE_TEST_DATABASE_URL: {}", pg::describe(&e)))?;
            if let Some(ca) = std::env::var_os("GATEHOUSE_TEST_CA_FILE") {
                admin = admin.ca_file(ca);
            }
            if admin.effective_ca_file().is_none() {
                return Err(
                    "GATEHOUSE_TEST_DATABASE_URL is set: set GATEHOUSE_TEST_CA_FILE \
                            (or sslrootcert in the URL) to the server's CA too"
                        .to_owned(),
                );
            }
            (admin, false)
        }
        Err(_) => {
            let cluster = localpg::Cluster::ensure(&state.join("cluster"), &Default::default())
                .map_err(|e| {
                    format!("start the private PostgreSQL cluster: {}", pg::describe(&e))
                })?;
            let admin = pg::ConnectOptions::from_url(&cluster.url("postgres"))
                .map_err(|e| pg::describe(&e))?;
            (admin, true)
        }
    };
    let ca_file = admin
        .effective_ca_file()
        .map(Path::to_path_buf)
        .ok_or("no CA file")?;

    let lock_path = state.join("testkit.lock");
    let lock = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|e| format!("open {}: {e}", lock_path.display()))?;
    lock.lock()
        .map_err(|e| format!("lock {}: {e}", lock_path.display()))?;

    let app_password = app_password(&state)?;
    let shared = Shared {
        admin,
        app_password,
        ca_file,
        private,
    };
    runtime()
        .block_on(prepare_server(&shared))
        .map_err(|e| format!("prepare the test server: {e}"))?;
    drop(lock);
    Ok(shared)
}

/// Role, cleanup and template, under the cross-process lock.
async fn prepare_server(shared: &Shared) -> Result<(), String> {
    let client = pg::connect(&shared.admin)
        .await
        .map_err(|e| pg::describe(&e))?;
    let db = |e: tokio_postgres::Error| pg::describe(&e);

    // The application role, with the password this checkout keeps.
    let exists = client
        .query_opt(
            "select 1 from pg_catalog.pg_roles where rolname = $1",
            &[&APP_ROLE],
        )
        .await
        .map_err(db)?
        .is_some();
    // (Changing SUPERUSER or BYPASSRLS on an existing role takes a superuser, which the role of
    // GATEHOUSE_TEST_DATABASE_URL need not be: the attributes are checked instead.)
    let statement = if exists {
        "alter role %I with login password %L"
    } else {
        "create role %I with login nosuperuser nocreatedb nocreaterole nobypassrls password %L"
    };
    execute(&client, statement, &[APP_ROLE, &shared.app_password]).await?;
    let privileged: bool = client
        .query_one(
            "select rolsuper or rolcreatedb or rolcreaterole or rolbypassrls or rolreplication \
             from pg_catalog.pg_roles where rolname = $1",
            &[&APP_ROLE],
        )
        .await
        .map_err(db)?
        .get(0);
    if privileged {
        return Err(format!(
            "the role {APP_ROLE} exists with special privileges: drop it, or alter it to \
             NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS NOREPLICATION"
        ));
    }

    if shared.private {
        drop_dead_databases(&client).await?;
    }

    // The template, rebuilt when its fingerprint changed.
    let fingerprint = template_fingerprint();
    let comment: Option<Option<String>> = client
        .query_opt(
            "select pg_catalog.shobj_description(oid, 'pg_database') from pg_catalog.pg_database \
             where datname = $1",
            &[&TEMPLATE_DB],
        )
        .await
        .map_err(db)?
        .map(|row| row.get(0));
    if comment.as_ref().and_then(Option::as_deref) == Some(fingerprint.as_str()) {
        return Ok(());
    }
    if comment.is_some() {
        execute(
            &client,
            "alter database %I is_template false",
            &[TEMPLATE_DB],
        )
        .await?;
        execute(&client, "drop database %I with (force)", &[TEMPLATE_DB]).await?;
    }
    execute(
        &client,
        "create database %I template template0 encoding 'UTF8' lc_collate 'C' lc_ctype 'C'",
        &[TEMPLATE_DB],
    )
    .await?;
    {
        let mut template = pg::connect(&shared.admin.with_dbname(TEMPLATE_DB))
            .await
            .map_err(|e| pg::describe(&e))?;
        for statement in TEMPLATE_SETUP {
            template
                .batch_execute(statement)
                .await
                .map_err(|e| format!("template setup `{statement}`: {}", pg::describe(&e)))?;
        }
        migrate::up(&mut template)
            .await
            .map_err(|e| format!("template setup: apply Gatehouse's migrations: {e}"))?;
        migrate::grant(&template, APP_ROLE)
            .await
            .map_err(|e| format!("template setup: grant {APP_ROLE} the serving privileges: {e}"))?;
    }
    execute(
        &client,
        "alter database %I with is_template true allow_connections false",
        &[TEMPLATE_DB],
    )
    .await?;
    // Last: the fingerprint says the template is complete.
    execute(
        &client,
        "comment on database %I is %L",
        &[TEMPLATE_DB, &fingerprint],
    )
    .await?;
    Ok(())
}

/// Drop the test databases of processes that are gone (killed, crashed, or whose drop did not
/// run), so the cluster does not grow without bound.
async fn drop_dead_databases(client: &tokio_postgres::Client) -> Result<(), String> {
    if !Path::new("/proc/self").exists() {
        return Ok(());
    }
    let pattern = format!("{TEST_DB_PREFIX}%");
    let rows = client
        .query(
            "select datname from pg_catalog.pg_database where datname like $1",
            &[&pattern],
        )
        .await
        .map_err(|e| pg::describe(&e))?;
    for row in rows {
        let name: String = row.get(0);
        let Some(pid) = name
            .strip_prefix(TEST_DB_PREFIX)
            .and_then(|rest| rest.split('_').next())
            .and_then(|pid| pid.parse::<u32>().ok())
        else {
            continue;
        };
        if pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists() {
            // Another process may be dropping it too: ignore failures.
            let _ = execute(client, "drop database if exists %I with (force)", &[&name]).await;
        }
    }
    Ok(())
}

/// Run a statement that cannot take bind parameters (DDL). `statement` is fixed text with
/// `%I` (identifier) and `%L` (literal) placeholders; the server's `format()` quotes the
/// arguments, so no value is ever spliced into SQL text here.
async fn execute(
    client: &tokio_postgres::Client,
    statement: &'static str,
    args: &[&str],
) -> Result<(), String> {
    let args: Vec<&str> = args.to_vec();
    let sql: String = client
        .query_one(
            "select pg_catalog.format($1, variadic $2::text[])",
            &[&statement, &args],
        )
        .await
        .map_err(|e| format!("format `{statement}`: {}", pg::describe(&e)))?
        .get(0);
    client
        .batch_execute(&sql)
        .await
        .map_err(|e| format!("`{statement}`: {}", pg::describe(&e)))
}

/// A database of its own for one test, dropped (with its sessions) when this is dropped.
#[derive(Debug)]
pub struct TestDatabase {
    name: String,
    admin: pg::ConnectOptions,
    app: pg::ConnectOptions,
    ca_file: PathBuf,
}

impl TestDatabase {
    /// A fresh database cloned from the template. Panics with a clear message on failure.
    pub async fn new() -> TestDatabase {
        let shared = shared();
        let name = unique_name();
        let client = pg::connect(&shared.admin)
            .await
            .unwrap_or_else(|e| panic!("testkit: connect as the admin: {}", pg::describe(&e)));
        let mut attempt = 0;
        loop {
            let created = client
                .query_one(
                    "select pg_catalog.format('create database %I template %I', $1::text, $2::text)",
                    &[&name, &TEMPLATE_DB],
                )
                .await;
            let result = match created {
                Ok(row) => client.batch_execute(row.get::<_, &str>(0)).await,
                Err(e) => Err(e),
            };
            match result {
                Ok(()) => break,
                // The template is briefly in use (another process is rebuilding it).
                Err(e)
                    if e.code() == Some(&tokio_postgres::error::SqlState::OBJECT_IN_USE)
                        && attempt < 20 =>
                {
                    attempt += 1;
                    tokio::time::sleep(Duration::from_millis(250)).await;
                }
                Err(e) => panic!("testkit: create database {name}: {}", pg::describe(&e)),
            }
        }
        TestDatabase {
            admin: shared.admin.with_dbname(&name),
            app: shared
                .admin
                .with_dbname(&name)
                .with_credentials(APP_ROLE, &shared.app_password),
            ca_file: shared.ca_file.clone(),
            name,
        }
    }

    /// A fresh database, then `sql` run as the superuser (so what it creates is owned by the
    /// superuser; see [`Self::grant_app`]).
    pub async fn with_schema(sql: &str) -> TestDatabase {
        let db = TestDatabase::new().await;
        db.admin_client()
            .await
            .batch_execute(sql)
            .await
            .unwrap_or_else(|e| panic!("testkit: run the schema SQL: {}", pg::describe(&e)));
        db
    }

    /// The database name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The CA bundle that verifies the server.
    pub fn ca_file(&self) -> &Path {
        &self.ca_file
    }

    /// `gatehouse_app` on this database: `verify-full`, the CA set.
    pub fn app_options(&self) -> pg::ConnectOptions {
        self.app.clone()
    }

    /// [`Self::app_options`] as a URL (with the password and `sslrootcert`).
    pub fn app_url(&self) -> String {
        self.app.to_url()
    }

    /// The superuser (or the role of `GATEHOUSE_TEST_DATABASE_URL`) on this database.
    pub fn admin_options(&self) -> pg::ConnectOptions {
        self.admin.clone()
    }

    /// [`Self::admin_options`] as a URL.
    pub fn admin_url(&self) -> String {
        self.admin.to_url()
    }

    /// A connection as `gatehouse_app`.
    pub async fn app_client(&self) -> tokio_postgres::Client {
        pg::connect(&self.app)
            .await
            .unwrap_or_else(|e| panic!("testkit: connect as {APP_ROLE}: {}", pg::describe(&e)))
    }

    /// A connection as the superuser.
    pub async fn admin_client(&self) -> tokio_postgres::Client {
        pg::connect(&self.admin)
            .await
            .unwrap_or_else(|e| panic!("testkit: connect as the admin: {}", pg::describe(&e)))
    }

    /// Let `gatehouse_app` use these schemas: USAGE on each, SELECT / INSERT / UPDATE / DELETE
    /// on all their tables and USAGE / SELECT / UPDATE on all their sequences (those existing
    /// now).
    pub async fn grant_app(&self, schemas: &[&str]) {
        let client = self.admin_client().await;
        for schema in schemas {
            for statement in [
                "grant usage on schema %I to %I",
                "grant select, insert, update, delete on all tables in schema %I to %I",
                "grant usage, select, update on all sequences in schema %I to %I",
            ] {
                execute(&client, statement, &[schema, APP_ROLE])
                    .await
                    .unwrap_or_else(|e| panic!("testkit: grant on schema {schema}: {e}"));
            }
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if std::env::var_os("GATEHOUSE_TEST_KEEP_DB").is_some() {
            eprintln!("testkit: kept database {}", self.name);
            return;
        }
        let name = self.name.clone();
        let Some(Ok(shared)) = SHARED.get() else {
            return;
        };
        // Drop runs inside the test's runtime, which cannot be blocked on: use a thread with a
        // runtime of its own. A failure only leaves the database for the next run to remove.
        let dropped = std::thread::spawn(move || {
            runtime().block_on(async {
                let client = pg::connect(&shared.admin)
                    .await
                    .map_err(|e| pg::describe(&e))?;
                execute(&client, "drop database if exists %I with (force)", &[&name]).await
            })
        })
        .join();
        if let Ok(Err(e)) = dropped {
            eprintln!("testkit: drop database {}: {e}", self.name);
        }
    }
}

/// The CA bundle of the test server.
pub fn cluster_ca_file() -> PathBuf {
    shared().ca_file.clone()
}

/// A cluster that does not speak TLS at all (`ssl = off`, plain `host` lines), for the tests
/// proving that clients refuse it.
#[derive(Debug, Clone)]
pub struct PlaintextCluster {
    port: u16,
    password: String,
    ca_file: PathBuf,
}

impl PlaintextCluster {
    /// The TCP port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The superuser's name and password.
    pub fn superuser(&self) -> (&str, &str) {
        (localpg::SUPERUSER, &self.password)
    }

    /// Options as a careful client would have them: `verify-full`, host `localhost`
    /// (connecting to 127.0.0.1), a CA file. The server cannot satisfy them.
    pub fn options(&self) -> pg::ConnectOptions {
        pg::ConnectOptions::from_url(&format!(
            "postgres://{}@localhost:{}/postgres?hostaddr=127.0.0.1",
            localpg::SUPERUSER,
            self.port
        ))
        .expect("a fixed URL parses")
        .with_credentials(localpg::SUPERUSER, &self.password)
        .ca_file(&self.ca_file)
    }
}

/// The plaintext cluster (started once per process, reused across runs).
pub async fn plaintext_cluster() -> PlaintextCluster {
    static PLAINTEXT: OnceLock<Result<PlaintextCluster, String>> = OnceLock::new();
    let result = PLAINTEXT.get_or_init(|| {
        let options = localpg::Options { ssl: false };
        let dir = state_dir()?.join("plaintext");
        let cluster = localpg::Cluster::ensure(&dir, &options)
            .map_err(|e| format!("start the plaintext cluster: {}", pg::describe(&e)))?;
        Ok(PlaintextCluster {
            port: cluster.port(),
            password: cluster.superuser().1.to_owned(),
            ca_file: cluster.ca_file().to_path_buf(),
        })
    });
    match result {
        Ok(cluster) => cluster.clone(),
        Err(msg) => panic!("testkit: {msg}"),
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a current-thread tokio runtime builds")
}

/// `gh_test_<pid>_<n>_<random>`: the pid lets a later run drop it if this process dies.
fn unique_name() -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let random = random_hex(3).unwrap_or_else(|_| "000000".to_owned());
    format!("{TEST_DB_PREFIX}{}_{n}_{random}", std::process::id())
}

/// `<temp>/gatehouse-testkit-<uid>-<checkout hash>`, created if missing, ours.
fn state_dir() -> Result<PathBuf, String> {
    let uid = fs::metadata("/proc/self").map_or(u32::MAX, |m| m.uid());
    let user = if uid == u32::MAX {
        std::env::var("USER").unwrap_or_else(|_| "user".to_owned())
    } else {
        uid.to_string()
    };
    // The private cluster belongs to this checkout; an external server is keyed by its URL
    // alone, so that every checkout of this user agrees on the app role's password there.
    let key = std::env::var("GATEHOUSE_TEST_DATABASE_URL")
        .unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_owned());
    let dir = std::env::temp_dir().join(format!(
        "gatehouse-testkit-{user}-{:016x}",
        fnv1a(key.as_bytes())
    ));
    fs::create_dir_all(&dir).map_err(|e| format!("create {}: {e}", dir.display()))?;
    let meta = fs::symlink_metadata(&dir).map_err(|e| format!("inspect {}: {e}", dir.display()))?;
    if uid != u32::MAX && (meta.uid() != uid || !meta.is_dir()) {
        return Err(format!(
            "{} is not a directory owned by this user: remove it",
            dir.display()
        ));
    }
    Ok(dir)
}

/// The app role's password for this checkout, made once.
fn app_password(state: &Path) -> Result<String, String> {
    let path = state.join("app.password");
    if let Ok(text) = fs::read_to_string(&path) {
        let text = text.trim();
        if !text.is_empty() {
            return Ok(text.to_owned());
        }
    }
    let password = random_hex(24)?;
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(&path)
        .map_err(|e| format!("create {}: {e}", path.display()))?;
    std::io::Write::write_all(&mut file, password.as_bytes())
        .map_err(|e| format!("write {}: {e}", path.display()))?;
    Ok(password)
}

fn template_fingerprint() -> String {
    let mut text = String::from(TEMPLATE_VERSION);
    for statement in TEMPLATE_SETUP {
        text.push('\0');
        text.push_str(statement);
    }
    // The migrations as applied: their checksums are of the up files.
    for migration in migrate::migrations() {
        text.push('\0');
        text.push_str(&migration.stem());
        text.push(' ');
        text.push_str(&migration.checksum());
    }
    for grant in migrate::GRANTS {
        text.push('\0');
        text.push_str(grant);
    }
    format!("gatehouse-testkit template {:016x}", fnv1a(text.as_bytes()))
}

/// FNV-1a, 64 bits: stable across Rust releases (unlike `DefaultHasher`).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, b| {
        (hash ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

fn random_hex(n: usize) -> Result<String, String> {
    let mut bytes = vec![0u8; n];
    fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .map_err(|e| format!("read /dev/urandom: {e}"))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}
