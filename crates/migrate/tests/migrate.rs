//! The runner against a real PostgreSQL (the test kit). Test databases are cloned from a
//! template that already has the migrations applied, so a test that needs an empty database
//! first reverts everything ([`unmigrated`]).

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::Duration;

use gatehouse_migrate as migrate;
use migrate::{Error, Migration, Migrator, State};
use testkit::TestDatabase;
use tokio_postgres::Client;

/// A fresh database with every migration reverted, and an admin client on it.
async fn unmigrated() -> (TestDatabase, Client) {
    let db = TestDatabase::new().await;
    let mut client = db.admin_client().await;
    migrate::down(&mut client, Some(0))
        .await
        .expect("revert every migration");
    (db, client)
}

async fn schema_exists(client: &Client) -> bool {
    client
        .query_one(
            "select exists (select 1 from pg_catalog.pg_namespace where nspname = $1)",
            &[&migrate::SCHEMA],
        )
        .await
        .expect("query pg_namespace")
        .get(0)
}

/// `to_regclass` of each name, as text (None when absent).
async fn relations(client: &Client, names: &[&str]) -> Vec<Option<String>> {
    let mut out = Vec::new();
    for name in names {
        let row = client
            .query_one("select pg_catalog.to_regclass($1)::text", &[name])
            .await
            .expect("to_regclass");
        out.push(row.get(0));
    }
    out
}

const OBJECTS: &[&str] = &[
    "gatehouse.audit_log",
    "gatehouse.audit_log_relation_at",
    "gatehouse.audit_log_tenant_at",
    "gatehouse.schema_migrations",
    "gatehouse.api_keys",
    "gatehouse.api_keys_rotated_from",
];

async fn recorded(client: &Client) -> Vec<(i64, String, String)> {
    client
        .query(
            "select version, name, checksum from gatehouse.schema_migrations order by version",
            &[],
        )
        .await
        .expect("read schema_migrations")
        .iter()
        .map(|row| (row.get(0), row.get(1), row.get(2)))
        .collect()
}

fn expected_records() -> Vec<(i64, String, String)> {
    migrate::migrations()
        .iter()
        .map(|m| (m.version, m.name.to_owned(), m.checksum()))
        .collect()
}

#[test]
fn every_file_of_the_migrations_folder_is_embedded() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../migrations");
    let mut files = BTreeSet::new();
    for entry in std::fs::read_dir(&dir).expect("read migrations/") {
        let entry = entry.expect("read migrations/");
        let name = entry.file_name().into_string().expect("UTF-8 file name");
        if name == "README.md" {
            continue;
        }
        let text = std::fs::read_to_string(entry.path()).expect("read a migration");
        let embedded = migrate::migrations().iter().find_map(|m| {
            if name == format!("{}.up.sql", m.stem()) {
                Some(m.up)
            } else if name == format!("{}.down.sql", m.stem()) {
                Some(m.down)
            } else {
                None
            }
        });
        assert_eq!(
            embedded,
            Some(text.as_str()),
            "migrations/{name} is not embedded as it is on disk"
        );
        files.insert(name);
    }
    assert_eq!(files.len(), 2 * migrate::migrations().len());
    assert!(files.contains("0001_audit_log.up.sql"));
    assert!(files.contains("0001_audit_log.down.sql"));
}

#[tokio::test]
async fn up_down_up_round_trip() {
    let db = TestDatabase::new().await;
    let mut client = db.admin_client().await;
    let all = migrate::migrations().to_vec();

    // The template is migrated: nothing to do, everything applied and unchanged.
    assert!(migrate::up(&mut client).await.expect("up").is_empty());
    let status = migrate::status(&client).await.expect("status");
    assert!(status.check().is_ok());
    assert_eq!(status.entries.len(), all.len());
    assert!(status.entries.iter().all(|e| matches!(
        e.state,
        State::Applied {
            checksum_matches: true,
            ..
        }
    )));
    let text = status.to_string();
    assert!(
        text.lines().next().is_some_and(|line| line
            .split_whitespace()
            .take(2)
            .eq(["0001_audit_log", "applied"])
            && line.ends_with(", checksum ok")),
        "{text}"
    );
    assert_eq!(recorded(&client).await, expected_records());

    // down: the newest only.
    let reverted = migrate::down(&mut client, None).await.expect("down");
    assert_eq!(reverted, vec![*all.last().expect("a migration")]);
    // down to 0: the rest, newest first.
    let rest = migrate::down(&mut client, Some(0))
        .await
        .expect("down --to 0");
    assert_eq!(rest.len(), all.len() - 1);
    assert!(!schema_exists(&client).await);
    assert_eq!(relations(&client, OBJECTS).await, vec![None; OBJECTS.len()]);
    let status = migrate::status(&client).await.expect("status");
    assert!(status.check().is_ok());
    assert_eq!(status.pending().count(), all.len());
    // (Names are padded to the longest: compare the words.)
    assert_eq!(
        status
            .to_string()
            .lines()
            .next()
            .map(|line| line.split_whitespace().collect::<Vec<_>>()),
        Some(vec!["0001_audit_log", "pending"])
    );
    // Nothing left to revert.
    assert!(
        migrate::down(&mut client, None)
            .await
            .expect("down")
            .is_empty()
    );

    // up again: all of them, in order.
    assert_eq!(migrate::up(&mut client).await.expect("up"), all);
    assert!(schema_exists(&client).await);
    assert_eq!(
        relations(&client, OBJECTS).await,
        OBJECTS
            .iter()
            .map(|name| Some((*name).to_owned()))
            .collect::<Vec<_>>()
    );
    assert_eq!(recorded(&client).await, expected_records());
    assert!(migrate::pending(&client).await.expect("pending").is_empty());
}

#[tokio::test]
async fn the_audit_log_has_the_documented_shape() {
    let db = TestDatabase::new().await;
    let client = db.admin_client().await;
    let columns: Vec<(String, String, String)> = client
        .query(
            "select column_name::text, data_type::text, is_nullable::text \
             from information_schema.columns \
             where table_schema = $1 and table_name = $2 order by ordinal_position",
            &[&"gatehouse", &"audit_log"],
        )
        .await
        .expect("columns")
        .iter()
        .map(|row| (row.get(0), row.get(1), row.get(2)))
        .collect();
    let expected = [
        ("id", "bigint", "NO"),
        ("at", "timestamp with time zone", "NO"),
        ("request_id", "text", "NO"),
        ("principal", "text", "YES"),
        ("role", "text", "NO"),
        ("tenant", "text", "YES"),
        ("client_addr", "inet", "YES"),
        ("relation", "text", "NO"),
        ("operation", "text", "NO"),
        ("primary_keys", "jsonb", "NO"),
        ("changed_columns", "ARRAY", "NO"),
        ("values", "jsonb", "YES"),
    ];
    assert_eq!(
        columns,
        expected
            .iter()
            .map(|(a, b, c)| ((*a).to_owned(), (*b).to_owned(), (*c).to_owned()))
            .collect::<Vec<_>>()
    );
    let indexes: Vec<String> = client
        .query(
            "select pg_catalog.pg_get_indexdef(indexrelid) from pg_catalog.pg_index \
             where indrelid = 'gatehouse.audit_log'::regclass and not indisprimary \
             order by 1",
            &[],
        )
        .await
        .expect("indexes")
        .iter()
        .map(|row| row.get(0))
        .collect();
    assert_eq!(
        indexes,
        vec![
            "CREATE INDEX audit_log_relation_at ON gatehouse.audit_log USING btree (relation, at)",
            "CREATE INDEX audit_log_tenant_at ON gatehouse.audit_log USING btree (tenant, at)",
        ]
    );
}

const INSERT_AUDIT: &str = "insert into gatehouse.audit_log \
     (request_id, principal, role, tenant, client_addr, relation, operation, primary_keys, \
      changed_columns, \"values\") \
     values ($1, $2, $3, $4, $5::text::inet, $6, $7, $8::text::jsonb, $9, $10::text::jsonb)";

async fn insert_audit(
    client: &Client,
    operation: &str,
    primary_keys: &str,
) -> Result<u64, tokio_postgres::Error> {
    client
        .execute(
            INSERT_AUDIT,
            &[
                &"req-1",
                &"key_abc",
                &"admin",
                &"t1",
                &"203.0.113.7",
                &"public.customers",
                &operation,
                &primary_keys,
                &vec!["name".to_owned(), "email".to_owned()],
                &None::<String>,
            ],
        )
        .await
}

#[tokio::test]
async fn the_serving_role_may_append_to_the_audit_log_and_check_pending_nothing_more() {
    // The template granted gatehouse_app what `migrate::grant` grants.
    let db = TestDatabase::new().await;
    let app = db.app_client().await;
    assert_eq!(
        insert_audit(&app, "insert", r#"[{"id": 1}]"#)
            .await
            .expect("insert an audit row as the serving role"),
        1
    );
    assert!(migrate::pending(&app).await.expect("pending").is_empty());
    migrate::require_current(&app)
        .await
        .expect("current, read as the serving role");
    let denied = app
        .query("select * from gatehouse.audit_log", &[])
        .await
        .expect_err("the serving role cannot read the audit log");
    assert_eq!(
        denied.code(),
        Some(&tokio_postgres::error::SqlState::INSUFFICIENT_PRIVILEGE)
    );

    // The checks hold.
    for (operation, keys) in [("select", r#"[{"id": 1}]"#), ("insert", r#"{"id": 1}"#)] {
        let err = insert_audit(&app, operation, keys)
            .await
            .expect_err("refused by a check constraint");
        assert_eq!(
            err.code(),
            Some(&tokio_postgres::error::SqlState::CHECK_VIOLATION),
            "{operation} {keys}"
        );
    }
    let err = insert_audit(&app, "upsert", "[1]")
        .await
        .expect_err("keys must be objects");
    assert_eq!(
        err.code(),
        Some(&tokio_postgres::error::SqlState::CHECK_VIOLATION)
    );

    // Without SELECT on the bookkeeping table, the check says what to grant.
    let admin = db.admin_client().await;
    admin
        .batch_execute("revoke select on gatehouse.schema_migrations from gatehouse_app")
        .await
        .expect("revoke");
    let err = migrate::pending(&app).await.expect_err("denied");
    assert!(matches!(err, Error::ReadDenied { .. }), "{err}");
    assert!(err.to_string().contains("--grant-to"), "{err}");
    // `grant` gives it back.
    migrate::grant(&admin, testkit::APP_ROLE)
        .await
        .expect("grant");
    assert!(migrate::pending(&app).await.expect("pending").is_empty());
}

#[tokio::test]
async fn pending_lists_what_is_pending() {
    let (_db, mut client) = unmigrated().await;
    let all = migrate::migrations().to_vec();
    assert_eq!(migrate::pending(&client).await.expect("pending"), all);
    let err = migrate::require_current(&client)
        .await
        .expect_err("pending migrations");
    assert!(matches!(err, Error::Pending { .. }));
    let message = err.to_string();
    assert!(message.contains("0001_audit_log"), "{message}");
    assert!(message.contains("gatehouse migrate up"), "{message}");

    // With an extra migration after the embedded ones, only it is pending once `up` ran.
    migrate::up(&mut client).await.expect("up");
    assert!(migrate::pending(&client).await.expect("pending").is_empty());
    migrate::require_current(&client).await.expect("current");
    let extended = extended();
    let migrator = Migrator::new(&extended).expect("valid list");
    assert_eq!(
        migrator.pending(&client).await.expect("pending"),
        vec![*extended.last().expect("extra")]
    );
}

/// The embedded migrations plus one more.
fn extended() -> Vec<Migration> {
    let mut list = migrate::migrations().to_vec();
    let next = list.last().map_or(1, |m| m.version + 1);
    list.push(Migration {
        version: next,
        name: "extra",
        up: "create table gatehouse.extra (id int primary key)",
        down: "drop table gatehouse.extra",
    });
    list
}

#[tokio::test]
async fn down_to_a_version_keeps_it_and_an_unknown_applied_version_is_refused() {
    let db = TestDatabase::new().await;
    let mut client = db.admin_client().await;
    let extended = extended();
    let extra = *extended.last().expect("extra");
    let newest_embedded = migrate::migrations().last().expect("a migration").version;
    let migrator = Migrator::new(&extended).expect("valid list");
    assert_eq!(migrator.up(&mut client).await.expect("up"), vec![extra]);
    assert_eq!(
        relations(&client, &["gatehouse.extra"]).await,
        vec![Some("gatehouse.extra".to_owned())]
    );

    // This binary does not know `extra`: everything refuses, naming it.
    let stem = extra.stem();
    for err in [
        migrate::up(&mut client).await.expect_err("unknown version"),
        migrate::down(&mut client, None)
            .await
            .expect_err("unknown version"),
        migrate::pending(&client)
            .await
            .expect_err("unknown version"),
    ] {
        assert!(
            matches!(&err, Error::UnknownVersion { version, .. } if *version == extra.version),
            "{err}"
        );
        assert!(err.to_string().contains(&stem), "{err}");
    }
    let status = migrate::status(&client).await.expect("status");
    assert!(status.check().is_err());
    let text = status.to_string();
    assert!(
        text.lines()
            .any(|line| line.starts_with(&format!("{stem} "))
                && line.contains(" applied ")
                && line.ends_with(", UNKNOWN to this binary")),
        "{text}"
    );

    // Unknown target.
    let err = migrator
        .down(&mut client, Some(999_999))
        .await
        .expect_err("no such version");
    assert!(matches!(err, Error::UnknownTarget { version: 999_999 }));

    // Down to the newest embedded version reverts only `extra`.
    assert_eq!(
        migrator
            .down(&mut client, Some(newest_embedded))
            .await
            .expect("down --to"),
        vec![extra]
    );
    assert_eq!(relations(&client, &["gatehouse.extra"]).await, vec![None]);
    assert_eq!(
        relations(&client, &["gatehouse.audit_log"]).await,
        vec![Some("gatehouse.audit_log".to_owned())]
    );
    assert_eq!(recorded(&client).await, expected_records());
    migrate::require_current(&client).await.expect("current");
}

#[tokio::test]
async fn an_edited_applied_migration_is_refused_naming_the_file() {
    let db = TestDatabase::new().await;
    let mut client = db.admin_client().await;
    let first = migrate::migrations()[0];

    // The binary's file differs from what was applied.
    let edited = [Migration {
        up: "create schema gatehouse; -- edited",
        ..first
    }];
    let migrator = Migrator::new(&edited).expect("valid list");
    let err = migrator.up(&mut client).await.expect_err("edited file");
    assert!(
        matches!(&err, Error::ChecksumMismatch { file, .. } if file == "migrations/0001_audit_log.up.sql"),
        "{err}"
    );

    // The database recorded another checksum.
    client
        .execute(
            "update gatehouse.schema_migrations set checksum = $1 where version = $2",
            &[&"0".repeat(64), &first.version],
        )
        .await
        .expect("tamper with the checksum");
    for err in [
        migrate::up(&mut client).await.expect_err("mismatch"),
        migrate::down(&mut client, None)
            .await
            .expect_err("mismatch"),
        migrate::pending(&client).await.expect_err("mismatch"),
    ] {
        assert!(matches!(err, Error::ChecksumMismatch { .. }), "{err}");
        assert!(
            err.to_string()
                .starts_with("migrations/0001_audit_log.up.sql was edited after it was applied"),
            "{err}"
        );
    }
    // Nothing was reverted.
    assert!(schema_exists(&client).await);
    let status = migrate::status(&client).await.expect("status reads anyway");
    assert!(matches!(
        status.entries[0].state,
        State::Applied {
            checksum_matches: false,
            ..
        }
    ));
    assert!(matches!(
        status.check(),
        Err(Error::ChecksumMismatch { .. })
    ));
    assert!(status.to_string().contains("CHECKSUM MISMATCH"), "{status}");
    // The lock was released each time: another session can take it at once.
    let other = db.admin_client().await;
    let taken: bool = other
        .query_one(
            "select pg_catalog.pg_try_advisory_lock($1)",
            &[&migrate::LOCK_KEY],
        )
        .await
        .expect("try lock")
        .get(0);
    assert!(taken, "the migration lock leaked");
}

#[tokio::test]
async fn concurrent_ups_apply_each_migration_exactly_once() {
    let (db, mut a) = unmigrated().await;
    let mut b = db.admin_client().await;
    for round in 0..3 {
        let (ra, rb) = tokio::join!(migrate::up(&mut a), migrate::up(&mut b));
        let ra = ra.expect("first up");
        let rb = rb.expect("second up");
        assert_eq!(
            ra.len() + rb.len(),
            migrate::migrations().len(),
            "round {round}: {ra:?} {rb:?}"
        );
        assert!(ra.is_empty() || rb.is_empty(), "round {round}");
        assert_eq!(recorded(&a).await, expected_records());
        migrate::down(&mut a, Some(0)).await.expect("down");
    }
}

#[tokio::test]
async fn up_waits_for_the_advisory_lock() {
    let (db, _client) = unmigrated().await;
    let holder = db.admin_client().await;
    holder
        .execute(
            "select pg_catalog.pg_advisory_lock($1)",
            &[&migrate::LOCK_KEY],
        )
        .await
        .expect("take the lock");
    let mut migrating = db.admin_client().await;
    let task = tokio::spawn(async move { migrate::up(&mut migrating).await.map(|v| v.len()) });
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        !task.is_finished(),
        "up ran while another session held the lock"
    );
    assert!(!schema_exists(&holder).await);
    let released: bool = holder
        .query_one(
            "select pg_catalog.pg_advisory_unlock($1)",
            &[&migrate::LOCK_KEY],
        )
        .await
        .expect("release the lock")
        .get(0);
    assert!(released);
    let applied = tokio::time::timeout(Duration::from_secs(30), task)
        .await
        .expect("up finishes once the lock is free")
        .expect("the task ran")
        .expect("up");
    assert_eq!(applied, migrate::migrations().len());
    assert!(schema_exists(&holder).await);
}

/// A key row as the owner role writes it (`gatehouse keys create`).
async fn insert_key(admin: &Client, id: &str) {
    admin
        .execute(
            "insert into gatehouse.api_keys (id, secret_hash, role, tenant) \
             values ($1::text, pg_catalog.sha256(convert_to($1::text, 'UTF8')), 'reader', 'acme')",
            &[&id],
        )
        .await
        .expect("insert a key");
}

#[tokio::test]
async fn the_serving_role_may_read_api_keys_and_touch_last_used_at_nothing_more() {
    let db = TestDatabase::new().await;
    let admin = db.admin_client().await;
    insert_key(&admin, "abcdefgh12345678").await;
    let app = db.app_client().await;
    let rows = app
        .query(
            "select role, tenant from gatehouse.api_keys where id = $1",
            &[&"abcdefgh12345678"],
        )
        .await
        .expect("the serving role reads keys");
    assert_eq!(rows.len(), 1);
    let touched = app
        .execute(
            "update gatehouse.api_keys set last_used_at = now() where id = $1",
            &[&"abcdefgh12345678"],
        )
        .await
        .expect("the serving role writes last_used_at");
    assert_eq!(touched, 1);
    for statement in [
        "update gatehouse.api_keys set revoked_at = null",
        "update gatehouse.api_keys set role = 'admin'",
        "update gatehouse.api_keys set expires_at = null, last_used_at = now()",
        "delete from gatehouse.api_keys",
        "insert into gatehouse.api_keys (id, secret_hash, role) \
         values ('zzzzzzzz', pg_catalog.sha256('x'::bytea), 'admin')",
    ] {
        let err = app
            .execute(statement, &[])
            .await
            .expect_err("refused to the serving role");
        assert_eq!(
            err.code(),
            Some(&tokio_postgres::error::SqlState::INSUFFICIENT_PRIVILEGE),
            "{statement}"
        );
    }
}

#[tokio::test]
async fn api_key_rows_hold_their_invariants() {
    let db = TestDatabase::new().await;
    let admin = db.admin_client().await;
    for statement in [
        // Not lowercase alphanumeric.
        "insert into gatehouse.api_keys (id, secret_hash, role) \
         values ('ABC_defgh', pg_catalog.sha256('x'::bytea), 'r')",
        // A hash that is not 32 bytes.
        "insert into gatehouse.api_keys (id, secret_hash, role) values ('abcdefgh', 'x', 'r')",
        // A tenant and cross-tenant at once.
        "insert into gatehouse.api_keys (id, secret_hash, role, tenant, cross_tenant) \
         values ('abcdefgh', pg_catalog.sha256('x'::bytea), 'r', 't', true)",
    ] {
        let err = admin
            .execute(statement, &[])
            .await
            .expect_err("refused by a check constraint");
        assert_eq!(
            err.code(),
            Some(&tokio_postgres::error::SqlState::CHECK_VIOLATION),
            "{statement}"
        );
    }
}

#[tokio::test]
async fn key_changes_that_can_stop_a_key_notify_and_last_used_at_does_not() {
    use futures_util::StreamExt as _;

    let db = TestDatabase::new().await;
    let admin = db.admin_client().await;
    insert_key(&admin, "abcdefgh12345678").await;
    let (listener, mut connection) = pg::connect_raw(&db.admin_options()).await.expect("connect");
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        let mut messages = futures_util::stream::poll_fn(move |cx| connection.poll_message(cx));
        while let Some(Ok(message)) = messages.next().await {
            if let tokio_postgres::AsyncMessage::Notification(note) = message {
                let _ = tx.send((note.channel().to_owned(), note.payload().to_owned()));
            }
        }
    });
    listener
        .batch_execute("listen gatehouse_keys")
        .await
        .expect("listen");
    let next = async |rx: &mut tokio::sync::mpsc::UnboundedReceiver<(String, String)>| {
        tokio::time::timeout(std::time::Duration::from_millis(500), rx.recv())
            .await
            .ok()
            .flatten()
    };

    let app = db.app_client().await;
    app.execute(
        "update gatehouse.api_keys set last_used_at = now() where id = 'abcdefgh12345678'",
        &[],
    )
    .await
    .expect("touch");
    assert_eq!(next(&mut rx).await, None, "last_used_at must not notify");

    for statement in [
        "update gatehouse.api_keys set revoked_at = now() where id = 'abcdefgh12345678'",
        "update gatehouse.api_keys set overlap_until = now() where id = 'abcdefgh12345678'",
        "delete from gatehouse.api_keys where id = 'abcdefgh12345678'",
    ] {
        admin.execute(statement, &[]).await.expect(statement);
        assert_eq!(
            next(&mut rx).await,
            Some(("gatehouse_keys".to_owned(), "abcdefgh12345678".to_owned())),
            "{statement}"
        );
    }
}
