//! How a request's statements reach the database: a read of plain tables alone (on the
//! worker's read lane when it has room), anything else in a transaction carrying the caller's
//! settings; every connection read-only by default and bounded by the statement timeout; no
//! request waits on a dead connection, or behind a slow read on a lane.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use gatehouse_api::startup::Application;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::helpers::{TestApp, settings_for, spawn_app_with};

const JWT_SECRET: &str = "e2e-secret-that-is-at-least-32-bytes-long";

fn token(claims: &Value) -> String {
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        claims,
        &jsonwebtoken::EncodingKey::from_secret(JWT_SECRET.as_bytes()),
    )
    .expect("sign")
}

async fn get(app: &TestApp, path: &str, bearer: Option<&str>) -> (u16, Value) {
    let mut request = app.http.get(format!("{}{path}", app.api));
    if let Some(bearer) = bearer {
        request = request.bearer_auth(bearer);
    }
    let response = request.send().await.expect("send");
    let status = response.status().as_u16();
    (status, response.json().await.expect("a JSON body"))
}

#[tokio::test]
async fn a_read_of_a_plain_table_is_bounded_by_the_connections_statement_timeout() {
    // A plain table, no tenant column, no row-level security: the read is its statement
    // alone, so only the connection's own statement_timeout can stop it.
    let app = spawn_app_with(
        "create table items (id int primary key, name text not null); \
         insert into items values (1, 'one');",
        Some("[roles.anon]\n[tables.items]\nroles.anon = { operations = [\"select\"] }\n"),
        &[("GATEHOUSE_STATEMENT_TIMEOUT_MS", "300")],
    )
    .await;
    assert_eq!(
        get(&app, "/items", None).await,
        (200, json!([{"id": 1, "name": "one"}]))
    );

    // Another session holds the table: the read waits on the lock until its timeout.
    let mut admin = app.db.admin_client().await;
    let holder = admin.transaction().await.expect("begin");
    holder
        .batch_execute("lock table items in access exclusive mode")
        .await
        .expect("lock");
    let started = Instant::now();
    let (status, body) = get(&app, "/items", None).await;
    assert_eq!(status, 504, "{body}");
    assert_eq!(body["code"], "57014");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    holder.rollback().await.expect("release");
    assert_eq!(get(&app, "/items", None).await.0, 200);
}

#[tokio::test]
async fn a_view_sees_the_callers_role_subject_and_tenant() {
    let app = spawn_app_with(
        "create view whoami as select \
             current_setting('gatehouse.role', true) as role, \
             current_setting('gatehouse.subject', true) as subject, \
             current_setting('gatehouse.tenant', true) as tenant;",
        Some("[roles.reader]\n[tables.whoami]\nroles.reader = { operations = [\"select\"] }\n"),
        &[("GATEHOUSE_JWT_SECRET", JWT_SECRET)],
    )
    .await;
    let bearer = token(&json!({"role": "reader", "sub": "u-17", "tenant_id": "acme"}));
    assert_eq!(
        get(&app, "/whoami", Some(&bearer)).await,
        (
            200,
            json!([{"role": "reader", "subject": "u-17", "tenant": "acme"}])
        )
    );
    // Local to the request's transaction: nothing stays on the pooled connection.
    let admin = app.db.admin_client().await;
    let leftover: i64 = admin
        .query_one(
            "select count(*) from pg_stat_activity \
             where usename = 'gatehouse_app' and state = 'idle in transaction'",
            &[],
        )
        .await
        .expect("activity")
        .get(0);
    assert_eq!(leftover, 0);
}

/// A plain table whose filter value is checked by a function of the operator's that reads
/// `gatehouse.role`: only `GATEHOUSE_READ_SETTINGS=always` sends it on such a read.
const CODES: &str = "
create function role_is_reader(v text) returns boolean language sql stable
    as $$ select coalesce(current_setting('gatehouse.role', true), '') = 'reader' $$;
create domain reader_code as text check (role_is_reader(value));
create table codes (id int primary key, code reader_code not null);
select set_config('gatehouse.role', 'reader', false);
insert into codes values (1, 'x');
";

const CODES_POLICY: &str =
    "[roles.reader]\n[tables.codes]\nroles.reader = { operations = [\"select\"] }\n";

#[tokio::test]
async fn read_settings_always_carries_the_settings_to_plain_table_reads() {
    let bearer = token(&json!({"role": "reader"}));
    // The filter value is cast to the column's domain, whose check calls the function.
    let path = "/codes?code=eq.x";
    for (mode, expected) in [
        ("auto", None),
        ("always", Some(json!([{"id": 1, "code": "x"}]))),
    ] {
        let app = spawn_app_with(
            CODES,
            Some(CODES_POLICY),
            &[
                ("GATEHOUSE_JWT_SECRET", JWT_SECRET),
                ("GATEHOUSE_READ_SETTINGS", mode),
            ],
        )
        .await;
        let (status, body) = get(&app, path, Some(&bearer)).await;
        match expected {
            Some(rows) => assert_eq!((status, body), (200, rows), "{mode}"),
            // Without the setting the check fails: the function saw no role.
            None => assert_eq!(body["code"], "23514", "{mode}: {status} {body}"),
        }
    }
}

const ITEMS: &str = "create table items (id int primary key, name text not null); \
     insert into items select i, 'item ' || i from generate_series(1, 200) i; \
     create table slow (id int primary key); insert into slow values (1);";

const ITEMS_POLICY: &str = "[roles.anon]\n[tables.items]\nroles.anon = { operations = [\"select\"] }\n\
     [tables.slow]\nroles.anon = { operations = [\"select\"] }\n";

/// A TCP forwarder that can stop passing bytes without closing anything: a peer that
/// vanished (a partition, a host gone) as the client sees it.
struct Freezer {
    port: u16,
    frozen: Arc<AtomicBool>,
}

impl Freezer {
    async fn start(target: u16) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("address").port();
        let frozen = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&frozen);
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let Ok(server) = TcpStream::connect(("127.0.0.1", target)).await else {
                    continue;
                };
                let (client_read, client_write) = client.into_split();
                let (server_read, server_write) = server.into_split();
                tokio::spawn(pass(client_read, server_write, Arc::clone(&flag)));
                tokio::spawn(pass(server_read, client_write, Arc::clone(&flag)));
            }
        });
        Self { port, frozen }
    }

    fn freeze(&self, frozen: bool) {
        self.frozen.store(frozen, Ordering::SeqCst);
    }
}

async fn pass(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    frozen: Arc<AtomicBool>,
) {
    let mut buffer = vec![0_u8; 16 * 1024];
    loop {
        let Ok(read) = from.read(&mut buffer).await else {
            return;
        };
        if read == 0 {
            return;
        }
        // Frozen: hold what arrived (and read nothing more) until thawed.
        while frozen.load(Ordering::SeqCst) {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        if to.write_all(&buffer[..read]).await.is_err() {
            return;
        }
    }
}

/// The app with `env`, on a fresh database holding [`ITEMS`] that it reaches through a
/// [`Freezer`]; and its policy file, for the test to remove.
async fn app_behind_a_freezer(env: &[(&str, &str)]) -> (TestApp, Freezer, std::path::PathBuf) {
    let db = testkit::TestDatabase::with_schema(ITEMS).await;
    db.grant_app(&["public"]).await;
    let freezer = Freezer::start(db.app_options().port()).await;
    let mut url = url::Url::parse(&db.app_url()).expect("app url");
    url.set_port(Some(freezer.port)).expect("set port");
    let policy = std::env::temp_dir().join(format!("gatehouse-flight-{}.toml", db.name()));
    std::fs::write(&policy, ITEMS_POLICY).expect("write the policy");
    let mut vars = env.to_vec();
    vars.push(("GATEHOUSE_POLICY_FILE", policy.to_str().expect("utf-8")));
    let mut settings = settings_for(&db, &vars);
    settings.database.primary = pg::ConnectOptions::from_url(url.as_str()).expect("options");
    let app = Application::build(settings).await.expect("build");
    let api = format!("http://{}", app.api_address());
    let admin = format!("http://{}", app.admin_address());
    tokio::spawn(app.run_until_stopped());
    let app = TestApp {
        api,
        admin,
        db,
        http: reqwest::Client::new(),
    };
    (app, freezer, policy)
}

#[tokio::test]
async fn a_connection_that_stops_answering_gets_503_and_is_dropped() {
    let (app, freezer, policy) = app_behind_a_freezer(&[
        ("GATEHOUSE_STATEMENT_TIMEOUT_MS", "200"),
        ("GATEHOUSE_POOL_SIZE", "1"),
        // The pooled connection is under test here; the lanes have their own test.
        ("GATEHOUSE_READ_LANE_DEPTH", "0"),
    ])
    .await;
    let (api, db) = (&app.api, &app.db);
    let http = reqwest::Client::new();
    let fetch = async |path: &str| {
        let response = http.get(format!("{api}{path}")).send().await.expect("send");
        let status = response.status().as_u16();
        let retry = response
            .headers()
            .get("retry-after")
            .map(|value| value.to_str().unwrap_or_default().to_owned());
        (status, retry, response.text().await.expect("body"))
    };
    assert_eq!(fetch("/items?id=eq.1&select=id").await.0, 200);
    let admin = db.admin_client().await;
    let backends = async || -> Vec<i32> {
        admin
            .query(
                "select pid from pg_stat_activity \
                 where usename = 'gatehouse_app' and datname = current_database() order by pid",
                &[],
            )
            .await
            .expect("activity")
            .iter()
            .map(|row| row.get(0))
            .collect()
    };
    let before = backends().await;
    assert_eq!(before.len(), 1, "{before:?}");

    // The pooled connection stays open but nothing comes back: the request gives up after the
    // statement timeout and the grace, instead of waiting for TCP.
    freezer.freeze(true);
    let started = Instant::now();
    let (status, retry, body) = fetch("/items?id=eq.1&select=id").await;
    let waited = started.elapsed();
    assert_eq!(status, 503, "{body}");
    assert_eq!(retry.as_deref(), Some("5"));
    assert!(body.contains("PGRST001"), "{body}");
    assert!(waited < Duration::from_secs(10), "{waited:?}");

    // The silent connection was dropped, not put back: once the network is back, the next
    // request is served on a new connection and the old session ends.
    freezer.freeze(false);
    let (status, _, body) = fetch("/items?id=eq.1&select=id").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        serde_json::from_str::<Value>(&body).expect("json"),
        json!([{"id": 1}])
    );
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut after = backends().await;
    while after.contains(&before[0]) && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
        after = backends().await;
    }
    assert_eq!(after.len(), 1, "{after:?}");
    assert_ne!(after, before);
    std::fs::remove_file(&policy).ok();
}

/// The app's read-lane sessions (`api::lane`): pid, state and wait event type, oldest first.
async fn lane_sessions(
    admin: &tokio_postgres::Client,
) -> Vec<(i32, Option<String>, Option<String>)> {
    admin
        .query(
            "select pid, state, wait_event_type from pg_stat_activity \
             where usename = 'gatehouse_app' and datname = current_database() \
             and application_name = 'gatehouse read lane' order by backend_start",
            &[],
        )
        .await
        .expect("activity")
        .iter()
        .map(|row| (row.get(0), row.get(1), row.get(2)))
        .collect()
}

/// Waits (up to 5 s) until `found` holds of the lane sessions, and returns them.
async fn lanes_until(
    admin: &tokio_postgres::Client,
    what: &str,
    found: impl Fn(&[(i32, Option<String>, Option<String>)]) -> bool,
) -> Vec<(i32, Option<String>, Option<String>)> {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let sessions = lane_sessions(admin).await;
        if found(&sessions) {
            return sessions;
        }
        assert!(Instant::now() < deadline, "{what}: {sessions:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// An app with one worker (so one lane) and one pooled connection, plus `extra` settings; its
/// lane opened (the first read opens it, and is served by the pool meanwhile). With an admin
/// client on its database and the lane's session pid.
async fn app_with_a_lane(extra: &[(&str, &str)]) -> (TestApp, tokio_postgres::Client, i32) {
    let mut env = ONE_LANE.to_vec();
    env.extend_from_slice(extra);
    let app = spawn_app_with(ITEMS, Some(ITEMS_POLICY), &env).await;
    let admin = app.db.admin_client().await;
    assert_eq!(get(&app, "/items?id=eq.1&select=id", None).await.0, 200);
    let lane = lanes_until(&admin, "one lane", |sessions| sessions.len() == 1).await[0].0;
    (app, admin, lane)
}

/// Starts a read of `slow` (which another session has locked) and waits until it is on the
/// lane whose session is `lane`, waiting for the lock. Its status and body come from the task.
async fn read_held_on_the_lane(app: &TestApp, lane: i32) -> tokio::task::JoinHandle<(u16, Value)> {
    let read = tokio::spawn({
        let http = app.http.clone();
        let url = format!("{}/slow", app.api);
        async move {
            let response = http.get(url).send().await.expect("send");
            let status = response.status().as_u16();
            (status, response.json::<Value>().await.expect("json"))
        }
    });
    let observer = app.db.admin_client().await;
    lanes_until(&observer, "the lane waits on the lock", |sessions| {
        sessions
            .iter()
            .any(|(pid, _, wait)| *pid == lane && wait.as_deref() == Some("Lock"))
    })
    .await;
    read
}

/// One worker, so one lane, and one pooled connection.
const ONE_LANE: [(&str, &str); 2] = [("GATEHOUSE_WORKERS", "1"), ("GATEHOUSE_POOL_SIZE", "1")];

#[tokio::test]
async fn concurrent_reads_share_the_workers_lane_and_each_gets_its_own_rows() {
    let (app, admin, lane) = app_with_a_lane(&[]).await;

    let answers = futures_util::future::join_all((1..=100).map(|id| {
        let app = &app;
        async move {
            (
                id,
                get(app, &format!("/items?id=eq.{id}&select=id,name"), None).await,
            )
        }
    }))
    .await;
    for (id, answer) in answers {
        assert_eq!(
            answer,
            (200, json!([{"id": id, "name": format!("item {id}")}])),
            "id {id}"
        );
    }
    // The lane ran reads (its session's last statement is one of them), and it is still the
    // only one.
    let last: String = admin
        .query_one(
            "select query from pg_stat_activity where pid = $1",
            &[&lane],
        )
        .await
        .expect("the lane's session")
        .get(0);
    assert!(last.contains("\"items\""), "{last}");
    assert_eq!(lane_sessions(&admin).await.len(), 1);
}

#[tokio::test]
async fn a_read_stuck_on_the_lane_does_not_hold_up_the_reads_after_it() {
    let (app, mut admin, lane) =
        app_with_a_lane(&[("GATEHOUSE_STATEMENT_TIMEOUT_MS", "20000")]).await;

    // Another session holds `slow`: a read of it waits on the lock, on the lane.
    let holder = admin.transaction().await.expect("begin");
    holder
        .batch_execute("lock table slow in access exclusive mode")
        .await
        .expect("lock");
    let stuck = read_held_on_the_lane(&app, lane).await;

    // Reads that come now are not queued behind it: the lane refuses them (its oldest read is
    // past its patience) and the pool serves them, while the stuck read still waits.
    for id in [7, 8, 9] {
        let answer = tokio::time::timeout(
            Duration::from_secs(5),
            get(&app, &format!("/items?id=eq.{id}&select=id"), None),
        )
        .await
        .expect("a read after the stuck one waited for it");
        assert_eq!(answer, (200, json!([{"id": id}])));
    }
    assert!(!stuck.is_finished());

    holder.rollback().await.expect("release");
    assert_eq!(
        stuck.await.expect("the stuck read"),
        (200, json!([{"id": 1}]))
    );
}

#[tokio::test]
async fn a_lane_whose_session_ends_is_replaced_and_no_read_fails() {
    let (app, mut admin, first) = app_with_a_lane(&[]).await;

    // A read in flight on the lane (held on a lock) when its session is ended: it is sent
    // again on the pool, and answers once the lock is gone.
    let holder = admin.transaction().await.expect("begin");
    holder
        .batch_execute("lock table slow in access exclusive mode")
        .await
        .expect("lock");
    let held = read_held_on_the_lane(&app, first).await;
    app.db
        .admin_client()
        .await
        .execute("select pg_terminate_backend($1)", &[&first])
        .await
        .expect("terminate the lane's session");
    holder.rollback().await.expect("release");
    assert_eq!(
        held.await.expect("the held read"),
        (200, json!([{"id": 1}]))
    );
    // Reads right after: served (by the pool while the lane is reopened), none fails.
    for id in 1..=20 {
        assert_eq!(
            get(&app, &format!("/items?id=eq.{id}&select=id"), None).await,
            (200, json!([{"id": id}])),
            "read {id}"
        );
    }
    let now = lanes_until(&admin, "a new lane", |sessions| {
        sessions.len() == 1 && sessions[0].0 != first
    })
    .await;
    assert_ne!(now[0].0, first);
}

#[tokio::test]
async fn a_lane_that_stops_answering_gets_503_and_is_replaced() {
    let (app, freezer, policy) = app_behind_a_freezer(&[
        ONE_LANE[0],
        ONE_LANE[1],
        ("GATEHOUSE_STATEMENT_TIMEOUT_MS", "200"),
    ])
    .await;
    let (api, db) = (&app.api, &app.db);
    let http = reqwest::Client::new();
    let fetch = async |path: &str| {
        let response = http.get(format!("{api}{path}")).send().await.expect("send");
        (
            response.status().as_u16(),
            response.text().await.expect("body"),
        )
    };
    assert_eq!(fetch("/items?id=eq.1").await.0, 200);
    let admin = db.admin_client().await;
    let first = lanes_until(&admin, "one lane", |sessions| sessions.len() == 1).await[0].0;

    // The lane's connection stays open but nothing comes back: the read gives up after the
    // statement timeout and the grace.
    freezer.freeze(true);
    let started = Instant::now();
    let (status, body) = fetch("/items?id=eq.2").await;
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("PGRST001"), "{body}");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );

    // The lane was retired: once the network is back, reads are served and a new lane takes
    // its place; the old session ends.
    freezer.freeze(false);
    let (status, body) = fetch("/items?id=eq.3&select=id").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        serde_json::from_str::<Value>(&body).expect("json"),
        json!([{"id": 3}])
    );
    lanes_until(&admin, "a new lane, the old one gone", |sessions| {
        sessions.len() == 1 && sessions[0].0 != first
    })
    .await;
    std::fs::remove_file(&policy).ok();
}
