//! How a request's statements reach the database: a read of plain tables alone, anything
//! else in a transaction carrying the caller's settings; every pooled connection read-only by
//! default and bounded by the statement timeout; no request waits on a dead connection.

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

#[tokio::test]
async fn a_connection_that_stops_answering_gets_503_and_is_dropped() {
    let db = testkit::TestDatabase::with_schema(
        "create table items (id int primary key); insert into items values (1);",
    )
    .await;
    db.grant_app(&["public"]).await;
    let freezer = Freezer::start(db.app_options().port()).await;
    let mut url = url::Url::parse(&db.app_url()).expect("app url");
    url.set_port(Some(freezer.port)).expect("set port");
    let policy = std::env::temp_dir().join(format!("gatehouse-flight-{}.toml", db.name()));
    std::fs::write(
        &policy,
        "[roles.anon]\n[tables.items]\nroles.anon = { operations = [\"select\"] }\n",
    )
    .expect("write the policy");
    let mut settings = settings_for(
        &db,
        &[
            ("GATEHOUSE_POLICY_FILE", policy.to_str().expect("utf-8")),
            ("GATEHOUSE_STATEMENT_TIMEOUT_MS", "200"),
            ("GATEHOUSE_POOL_SIZE", "1"),
        ],
    );
    settings.database.primary = pg::ConnectOptions::from_url(url.as_str()).expect("options");
    let app = Application::build(settings).await.expect("build");
    let api = format!("http://{}", app.api_address());
    tokio::spawn(app.run_until_stopped());
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
    assert_eq!(fetch("/items").await.0, 200);
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
    let (status, retry, body) = fetch("/items").await;
    let waited = started.elapsed();
    assert_eq!(status, 503, "{body}");
    assert_eq!(retry.as_deref(), Some("5"));
    assert!(body.contains("PGRST001"), "{body}");
    assert!(waited < Duration::from_secs(10), "{waited:?}");

    // The silent connection was dropped, not put back: once the network is back, the next
    // request is served on a new connection and the old session ends.
    freezer.freeze(false);
    let (status, _, body) = fetch("/items").await;
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
