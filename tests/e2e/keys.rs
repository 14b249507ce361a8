//! API keys end to end: made with `gatehouse keys` (or its library), used with `Authorization:
//! Bearer` and the `apikey` header, refused alike when expired, revoked, unknown or wrong,
//! revoked on every running instance within a second, refused in the URL, throttled when
//! guessed, rotated with an overlap; IP allowlists; rate limits; `last_used_at` in batches;
//! and logs that never hold a key.

use std::io::{BufRead as _, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use gatehouse_api::apikey::{self, KeyScope, NewKey, Pepper};
use gatehouse_api::settings::Secret;
use gatehouse_api::startup::Application;
use serde_json::{Value, json};

use crate::helpers::{TestApp, settings_for, spawn_app_with};

const PEPPER: &str = "e2e-pepper-that-is-at-least-32-bytes-long";

const SCHEMA: &str = "
create table customers (
    id int primary key,
    tenant_id text not null,
    name text not null
);
create table countries (code text primary key, name text not null);
insert into customers values (1, 'acme', 'Alice'), (2, 'acme', 'Arnold'), (3, 'globex', 'Gina');
insert into countries values ('DE', 'Germany'), ('JP', 'Japan');
";

const POLICY: &str = r#"
[tenancy]
column = "tenant_id"

[roles.reader]
[roles.admin]
[roles.limited]
rate = "2/s"
burst = 3
[roles.anon]
rate = "1/min"
burst = 2

[tables.countries]
roles."*" = { operations = ["select"] }

[tables.customers.roles.reader]
operations = ["select"]

[tables.customers.roles.admin]
operations = ["select"]

[tables.customers.roles.limited]
operations = ["select"]
"#;

async fn app_with(extra: &[(&str, &str)]) -> TestApp {
    let mut vars = vec![("GATEHOUSE_API_KEY_PEPPER", PEPPER)];
    vars.extend_from_slice(extra);
    spawn_app_with(SCHEMA, Some(POLICY), &vars).await
}

async fn app() -> TestApp {
    app_with(&[]).await
}

fn pepper() -> Pepper {
    Pepper::new(&Secret::new(PEPPER))
}

fn new_key(role: &str, scope: KeyScope) -> NewKey {
    NewKey {
        role: role.to_owned(),
        scope,
        expires_in: None,
        allowed_cidrs: Vec::new(),
        description: Some("e2e".to_owned()),
    }
}

/// Makes a key as the owner role would; returns (id, token).
async fn create(app: &TestApp, key: NewKey) -> (String, String) {
    let admin = app.db.admin_client().await;
    let created = apikey::store::create(&admin, &pepper(), &key)
        .await
        .expect("create a key");
    (created.id, created.token.expose().to_owned())
}

async fn acme_reader(app: &TestApp) -> (String, String) {
    create(app, new_key("reader", KeyScope::Tenant("acme".to_owned()))).await
}

async fn get_with(app: &TestApp, path: &str, headers: &[(&str, &str)]) -> reqwest::Response {
    let mut request = app.http.get(format!("{}{path}", app.api));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.expect("send request")
}

async fn bearer(app: &TestApp, path: &str, token: &str) -> reqwest::Response {
    get_with(app, path, &[("authorization", &format!("Bearer {token}"))]).await
}

async fn json_of(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let body = response.json().await.expect("a JSON body");
    (status, body)
}

fn names(body: &Value) -> Vec<&str> {
    body.as_array()
        .expect("an array")
        .iter()
        .filter_map(|row| row["name"].as_str())
        .collect()
}

#[tokio::test]
async fn a_key_reads_as_its_role_and_tenant_through_either_header() {
    let app = app().await;
    let (_, token) = acme_reader(&app).await;

    let (status, body) = json_of(bearer(&app, "/customers?order=id", &token).await).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(names(&body), ["Alice", "Arnold"]);

    let (status, body) =
        json_of(get_with(&app, "/customers?order=id", &[("apikey", &token)]).await).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(names(&body), ["Alice", "Arnold"]);

    // A cross-tenant key sees every tenant.
    let (_, all) = create(&app, new_key("admin", KeyScope::CrossTenant)).await;
    let (status, body) = json_of(bearer(&app, "/customers?order=id", &all).await).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(names(&body), ["Alice", "Arnold", "Gina"]);

    // A key without a tenant reads shared tables, and tenant-scoped ones refuse it.
    let (_, none) = create(&app, new_key("reader", KeyScope::NoTenant)).await;
    let (status, body) = json_of(bearer(&app, "/countries?order=code", &none).await).await;
    assert_eq!((status, body[0]["name"].clone()), (200, json!("Germany")));
    let (status, body) = json_of(bearer(&app, "/customers", &none).await).await;
    assert_eq!(
        (status, body["code"].clone()),
        (403, json!("GH110")),
        "{body}"
    );

    // A key whose role the policy does not declare.
    let (_, ghost) = create(&app, new_key("ghost", KeyScope::NoTenant)).await;
    let (status, body) = json_of(bearer(&app, "/countries", &ghost).await).await;
    assert_eq!(
        (status, body["code"].clone()),
        (401, json!("GH301")),
        "{body}"
    );
}

#[tokio::test]
async fn expired_revoked_unknown_and_wrong_keys_get_one_and_the_same_401() {
    let app = app().await;
    let admin = app.db.admin_client().await;
    let (expired_id, expired) = acme_reader(&app).await;
    admin
        .execute(
            "update gatehouse.api_keys set expires_at = now() - interval '1 second' where id = $1",
            &[&expired_id],
        )
        .await
        .expect("expire the key");
    let (revoked_id, revoked) = acme_reader(&app).await;
    apikey::store::revoke(&admin, &revoked_id)
        .await
        .expect("revoke");
    let (good_id, good) = acme_reader(&app).await;
    let secret = good.rsplit('_').next().expect("a secret");
    let wrong_secret = format!("gh_{good_id}_{}", "x".repeat(secret.len()));
    let unknown = format!("gh_zzzzzzzzzzzzzzzz_{secret}");
    let malformed = "gh_not-a-key".to_owned();

    let mut bodies = Vec::new();
    for token in [&expired, &revoked, &wrong_secret, &unknown, &malformed] {
        let response = bearer(&app, "/customers", token).await;
        assert!(response.headers().contains_key("www-authenticate"));
        let (status, body) = json_of(response).await;
        assert_eq!(status, 401, "{token}: {body}");
        assert_eq!(body["code"], "GH305", "{body}");
        assert!(!body.to_string().contains(token.as_str()));
        bodies.push(body);
    }
    assert!(
        bodies.windows(2).all(|pair| pair[0] == pair[1]),
        "the bodies say which part was wrong: {bodies:?}"
    );
    // The good key still works.
    assert_eq!(bearer(&app, "/customers", &good).await.status(), 200);
}

#[tokio::test]
async fn a_revocation_reaches_a_second_running_instance_within_a_second() {
    let first = app().await;
    let policy_path =
        std::env::temp_dir().join(format!("gatehouse-policy-{}.toml", first.db.name()));
    let policy_path = policy_path.to_str().expect("utf-8 path");
    let second = Application::build(settings_for(
        &first.db,
        &[
            ("GATEHOUSE_API_KEY_PEPPER", PEPPER),
            ("GATEHOUSE_POLICY_FILE", policy_path),
        ],
    ))
    .await
    .expect("build a second instance");
    let second_api = format!("http://{}", second.api_address());
    let second_state = second.state();
    tokio::spawn(second.run_until_stopped());

    let (id, token) = acme_reader(&first).await;
    let get = |api: String, token: String| async move {
        reqwest::Client::new()
            .get(format!("{api}/customers"))
            .bearer_auth(token)
            .send()
            .await
            .expect("send")
            .status()
            .as_u16()
    };
    // Both instances have checked (and cached) the key.
    let deadline = Instant::now() + Duration::from_secs(5);
    while second_state
        .gate
        .keys()
        .is_none_or(|keys| keys.cache().is_empty())
    {
        assert_eq!(get(first.api.clone(), token.clone()).await, 200);
        assert_eq!(get(second_api.clone(), token.clone()).await, 200);
        assert!(
            Instant::now() < deadline,
            "the second instance never cached the key"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let admin = first.db.admin_client().await;
    apikey::store::revoke(&admin, &id).await.expect("revoke");
    let revoked_at = Instant::now();
    for api in [first.api.clone(), second_api.clone()] {
        loop {
            let status = get(api.clone(), token.clone()).await;
            if status == 401 {
                break;
            }
            assert_eq!(status, 200);
            assert!(
                revoked_at.elapsed() < Duration::from_secs(1),
                "{api} still accepts a revoked key after a second"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    assert!(revoked_at.elapsed() < Duration::from_secs(1));
}

#[tokio::test]
async fn a_key_in_the_url_is_refused_with_the_reason() {
    let app = app().await;
    let (_, token) = acme_reader(&app).await;
    for path in [
        format!("/customers?apikey={token}"),
        format!("/customers?name=eq.{token}"),
        format!("/customers?or=(name.eq.x,name.eq.{token})"),
        "/customers?apikey=gh_anything".to_owned(),
        format!("/{token}"),
    ] {
        let (status, body) = json_of(app.get(&path).await).await;
        assert_eq!(
            (status, body["code"].clone()),
            (400, json!("GH306")),
            "{path}: {body}"
        );
        let message = body["message"].as_str().unwrap_or_default();
        assert!(message.contains("must not be sent in the URL"), "{message}");
        assert!(message.contains("logs"), "{message}");
        assert!(!body.to_string().contains(&token));
    }
    // Even with a good key in the header.
    let response = get_with(
        &app,
        &format!("/customers?apikey={token}"),
        &[("apikey", &token)],
    )
    .await;
    assert_eq!(response.status(), 400);
}

#[tokio::test]
async fn guessing_secrets_is_throttled_per_key_id() {
    let app = app().await;
    let (id, token) = acme_reader(&app).await;
    let secret_len = token.rsplit('_').next().map_or(32, str::len);
    let mut statuses = Vec::new();
    for attempt in 0..16 {
        let guess = format!("gh_{id}_{:0>width$}", attempt, width = secret_len);
        let response = bearer(&app, "/customers", &guess).await;
        if response.status() == 429 {
            let retry_after: u64 = response
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse().ok())
                .expect("Retry-After on a 429");
            assert!(retry_after >= 1);
            let (_, body) = json_of(response).await;
            assert_eq!(body["code"], "GH308", "{body}");
            statuses.push(429);
        } else {
            statuses.push(response.status().as_u16());
        }
    }
    assert_eq!(&statuses[..10], &[401; 10], "{statuses:?}");
    assert_eq!(&statuses[10..], &[429; 6], "{statuses:?}");
    // Once throttled, even the right secret waits: no database work for this id meanwhile.
    assert_eq!(bearer(&app, "/customers", &token).await.status(), 429);
}

#[tokio::test]
async fn guessing_key_ids_is_throttled_per_address() {
    let app = app().await;
    let mut statuses = Vec::new();
    for attempt in 0..25 {
        let guess = format!("gh_{:a>16}_{}", attempt, "s".repeat(32));
        statuses.push(bearer(&app, "/countries", &guess).await.status().as_u16());
    }
    assert_eq!(&statuses[..20], &[401; 20], "{statuses:?}");
    assert_eq!(&statuses[20..], &[429; 5], "{statuses:?}");
}

#[tokio::test]
async fn rotation_keeps_the_old_key_for_the_overlap_then_closes_it() {
    let app = app().await;
    let (old_id, old) = acme_reader(&app).await;
    assert_eq!(bearer(&app, "/customers", &old).await.status(), 200);
    let mut admin = app.db.admin_client().await;
    let rotated =
        apikey::store::rotate(&mut admin, &pepper(), &old_id, Duration::from_secs(3), None)
            .await
            .expect("rotate");
    let new = rotated.new.token.expose().to_owned();
    let started = Instant::now();
    // The successor has the same role and tenant.
    let (status, body) = json_of(bearer(&app, "/customers?order=id", &new).await).await;
    assert_eq!((status, names(&body)), (200, vec!["Alice", "Arnold"]));
    // The old key works during the overlap…
    assert_eq!(bearer(&app, "/customers", &old).await.status(), 200);
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "the test was too slow"
    );
    // …and not after it, although it was cached.
    tokio::time::sleep(
        Duration::from_secs(3).saturating_sub(started.elapsed()) + Duration::from_millis(300),
    )
    .await;
    let (status, body) = json_of(bearer(&app, "/customers", &old).await).await;
    assert_eq!((status, body["code"].clone()), (401, json!("GH305")));
    assert_eq!(bearer(&app, "/customers", &new).await.status(), 200);
    // A key is rotated once.
    let err = apikey::store::rotate(&mut admin, &pepper(), &old_id, Duration::ZERO, None)
        .await
        .expect_err("rotated twice");
    assert!(
        err.to_string().contains("expired") || err.to_string().contains("already rotated"),
        "{err}"
    );

    // Closing an overlap early in the database closes it at once, on a cached key too.
    let rotated = apikey::store::rotate(
        &mut admin,
        &pepper(),
        &rotated.new.id,
        Duration::from_secs(3600),
        None,
    )
    .await
    .expect("rotate the successor");
    assert_eq!(bearer(&app, "/customers", &new).await.status(), 200);
    admin
        .execute(
            "update gatehouse.api_keys set overlap_until = now() where id = $1",
            &[&rotated.old_id],
        )
        .await
        .expect("close the overlap");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(bearer(&app, "/customers", &new).await.status(), 401);
}

#[tokio::test]
async fn per_key_address_allowlists() {
    let app = app().await;
    let ten = NewKey {
        allowed_cidrs: vec!["10.0.0.0/8".parse().expect("cidr")],
        ..new_key("reader", KeyScope::Tenant("acme".to_owned()))
    };
    let (_, elsewhere) = create(&app, ten).await;
    let (status, body) = json_of(bearer(&app, "/customers", &elsewhere).await).await;
    assert_eq!(
        (status, body["code"].clone()),
        (403, json!("GH307")),
        "{body}"
    );
    let local = NewKey {
        allowed_cidrs: vec!["127.0.0.1/32".parse().expect("cidr")],
        ..new_key("reader", KeyScope::Tenant("acme".to_owned()))
    };
    let (_, here) = create(&app, local).await;
    assert_eq!(bearer(&app, "/customers", &here).await.status(), 200);
    // X-Forwarded-For from an untrusted peer changes nothing.
    let response = get_with(
        &app,
        "/customers",
        &[
            ("authorization", &format!("Bearer {elsewhere}")),
            ("x-forwarded-for", "10.1.2.3"),
        ],
    )
    .await;
    assert_eq!(response.status(), 403);
}

#[tokio::test]
async fn the_global_allowlist_and_trusted_proxies() {
    let app = app_with(&[("GATEHOUSE_ALLOW_CIDRS", "10.0.0.0/8")]).await;
    let (status, body) = json_of(app.get("/countries").await).await;
    assert_eq!(
        (status, body["code"].clone()),
        (403, json!("GH307")),
        "{body}"
    );
    let spoofed = get_with(&app, "/countries", &[("x-forwarded-for", "10.1.2.3")]).await;
    assert_eq!(
        spoofed.status(),
        403,
        "X-Forwarded-For from an untrusted peer"
    );

    let app = app_with(&[
        ("GATEHOUSE_ALLOW_CIDRS", "10.0.0.0/8"),
        ("GATEHOUSE_TRUSTED_PROXIES", "127.0.0.1/32"),
    ])
    .await;
    let through_proxy = get_with(&app, "/countries", &[("x-forwarded-for", "10.1.2.3")]).await;
    assert_eq!(through_proxy.status(), 200);
    // The client cannot forge its way in from the left of the header.
    let forged = get_with(
        &app,
        "/countries",
        &[("x-forwarded-for", "10.1.2.3, 192.0.2.1")],
    )
    .await;
    assert_eq!(forged.status(), 403);

    let app = app_with(&[("GATEHOUSE_ALLOW_CIDRS", "127.0.0.1/32")]).await;
    assert_eq!(app.get("/countries").await.status(), 200);
}

fn header(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

#[tokio::test]
async fn rate_limits_per_key_and_per_address_answer_429_with_headers() {
    let app = app().await;
    let (_, one) = create(
        &app,
        new_key("limited", KeyScope::Tenant("acme".to_owned())),
    )
    .await;
    let (_, other) = create(
        &app,
        new_key("limited", KeyScope::Tenant("acme".to_owned())),
    )
    .await;
    let mut remaining = Vec::new();
    for _ in 0..3 {
        let response = bearer(&app, "/customers", &one).await;
        assert_eq!(response.status(), 200);
        assert_eq!(header(&response, "ratelimit-limit").as_deref(), Some("3"));
        remaining.push(header(&response, "ratelimit-remaining").unwrap_or_default());
    }
    assert_eq!(remaining, ["2", "1", "0"]);
    let response = bearer(&app, "/customers", &one).await;
    assert_eq!(response.status(), 429);
    assert_eq!(header(&response, "retry-after").as_deref(), Some("1"));
    assert_eq!(header(&response, "ratelimit-limit").as_deref(), Some("3"));
    assert_eq!(
        header(&response, "ratelimit-remaining").as_deref(),
        Some("0")
    );
    assert_eq!(
        header(&response, "ratelimit-policy").as_deref(),
        Some("2;w=1;burst=3")
    );
    let (_, body) = json_of(response).await;
    assert_eq!(body["code"], "GH308", "{body}");
    // Another key of the same role has its own bucket.
    assert_eq!(bearer(&app, "/customers", &other).await.status(), 200);
    // Roles without a rate are not limited.
    let (_, reader) = acme_reader(&app).await;
    for _ in 0..10 {
        let response = bearer(&app, "/customers", &reader).await;
        assert_eq!(response.status(), 200);
        assert_eq!(header(&response, "ratelimit-limit"), None);
    }
    // The bucket refills.
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(bearer(&app, "/customers", &one).await.status(), 200);

    // Anonymous requests: per client address (anon: 1/min, burst 2).
    assert_eq!(app.get("/countries").await.status(), 200);
    assert_eq!(app.get("/countries").await.status(), 200);
    let response = app.get("/countries").await;
    assert_eq!(response.status(), 429);
    let retry: u64 = header(&response, "retry-after")
        .and_then(|v| v.parse().ok())
        .expect("Retry-After");
    // One token a minute: the third waits for the first to come back.
    assert!((59..=60).contains(&retry), "{retry}");
}

#[tokio::test]
async fn last_used_at_is_written_in_batches_not_per_request() {
    let app = app().await;
    let admin = app.db.admin_client().await;
    admin
        .batch_execute(
            "create table public.key_touches (at timestamptz not null default now());
             create function public.count_key_touch() returns trigger
             language plpgsql security definer as $$
             begin insert into public.key_touches default values; return null; end $$;
             create trigger count_key_touch after update on gatehouse.api_keys
             for each statement execute function public.count_key_touch();",
        )
        .await
        .expect("count update statements");
    let (id, token) = acme_reader(&app).await;
    for _ in 0..20 {
        assert_eq!(
            get_with(&app, "/customers", &[("apikey", &token)])
                .await
                .status(),
            200
        );
    }
    let deadline = Instant::now() + Duration::from_secs(6);
    loop {
        let row = admin
            .query_one(
                "select last_used_at is not null, \
                 coalesce(last_used_at > now() - interval '1 minute', false) \
                 from gatehouse.api_keys where id = $1",
                &[&id],
            )
            .await
            .expect("read last_used_at");
        if row.get::<_, bool>(0) {
            assert!(row.get::<_, bool>(1), "last_used_at is recent");
            break;
        }
        assert!(Instant::now() < deadline, "last_used_at was never written");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let statements: i64 = admin
        .query_one("select count(*) from public.key_touches", &[])
        .await
        .expect("count")
        .get(0);
    assert!(
        (1..=2).contains(&statements),
        "{statements} update statements for 20 requests"
    );
}

// --- the binary: commands and logs -----------------------------------------------------------

fn gatehouse(args: &[&str], vars: &[(&str, &str)]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_gatehouse"))
        .args(args)
        .env_clear()
        .envs(vars.iter().copied())
        .output()
        .expect("run gatehouse")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// `gatehouse serve` as a child process, its stderr collected.
struct Served {
    child: Child,
    api: String,
    log: Arc<Mutex<Vec<String>>>,
}

impl Served {
    fn start(vars: &[(&str, &str)]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_gatehouse"))
            .arg("serve")
            .env_clear()
            .envs(vars.iter().copied())
            .env("GATEHOUSE_LISTEN", "127.0.0.1:0")
            .env("GATEHOUSE_ADMIN_LISTEN", "127.0.0.1:0")
            .env("GATEHOUSE_LOG_FORMAT", "json")
            .env("GATEHOUSE_LOG", "debug")
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .expect("start gatehouse serve");
        let stderr = child.stderr.take().expect("stderr");
        let log = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = std::sync::mpsc::channel();
        let lines = Arc::clone(&log);
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Ok(event) = serde_json::from_str::<Value>(&line)
                    && event["fields"]["message"] == "serving"
                    && let Some(api) = event["fields"]["api"].as_str()
                {
                    let _ = tx.send(api.to_owned());
                }
                lines.lock().expect("log lock").push(line);
            }
        });
        let api = match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(api) => api,
            Err(_) => {
                let _ = child.kill();
                panic!(
                    "serve did not start:\n{}",
                    log.lock().expect("log").join("\n")
                );
            }
        };
        Self {
            child,
            api: format!("http://{api}"),
            log,
        }
    }

    fn stop(mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        std::thread::sleep(Duration::from_millis(200));
        self.log.lock().expect("log lock").join("\n")
    }
}

#[tokio::test]
async fn the_commands_make_list_and_revoke_keys_and_no_log_line_holds_a_key() {
    let app = app().await;
    let owner = app.db.admin_url();
    let policy_path = std::env::temp_dir().join(format!("gatehouse-policy-{}.toml", app.db.name()));
    let policy_path = policy_path.to_str().expect("utf-8 path");
    let owner_vars = [
        ("GATEHOUSE_DATABASE_URL", owner.as_str()),
        ("GATEHOUSE_API_KEY_PEPPER", PEPPER),
        ("GATEHOUSE_POLICY_FILE", policy_path),
        ("GATEHOUSE_LOG", "warn"),
    ];
    let output = gatehouse(
        &[
            "keys",
            "create",
            "--role",
            "reader",
            "--tenant",
            "acme",
            "--expires",
            "90d",
            "--description",
            "made by the e2e test",
        ],
        &owner_vars,
    );
    assert!(output.status.success(), "{}", text(&output.stderr));
    let token = text(&output.stdout).trim().to_owned();
    let parsed = apikey::token::parse(&token).expect("stdout is the key alone");
    let (id, secret) = (parsed.id.to_owned(), parsed.secret.to_owned());
    assert!(text(&output.stderr).contains("shown only this once"));

    // An undeclared role is refused when a policy is set.
    let output = gatehouse(&["keys", "create", "--role", "ghost"], &owner_vars);
    assert!(!output.status.success());
    assert!(
        text(&output.stderr).contains("declares no such role"),
        "{}",
        text(&output.stderr)
    );
    // Without the pepper nothing is made.
    let output = gatehouse(
        &["keys", "create", "--role", "reader"],
        &[("GATEHOUSE_DATABASE_URL", owner.as_str())],
    );
    assert!(!output.status.success());
    assert!(text(&output.stderr).contains("GATEHOUSE_API_KEY_PEPPER"));

    // Serve, and use the key every way there is.
    let app_url = app.db.app_url();
    let served = Served::start(&[
        ("GATEHOUSE_DATABASE_URL", app_url.as_str()),
        ("GATEHOUSE_API_KEY_PEPPER", PEPPER),
        ("GATEHOUSE_POLICY_FILE", policy_path),
    ]);
    let http = reqwest::Client::new();
    let status = |response: reqwest::Response| response.status().as_u16();
    let url = format!("{}/customers", served.api);
    assert_eq!(
        status(
            http.get(&url)
                .bearer_auth(&token)
                .send()
                .await
                .expect("send")
        ),
        200
    );
    assert_eq!(
        status(
            http.get(&url)
                .header("apikey", &token)
                .send()
                .await
                .expect("send")
        ),
        200
    );
    let wrong = format!("gh_{id}_{}", "W".repeat(secret.len()));
    assert_eq!(
        status(
            http.get(&url)
                .bearer_auth(&wrong)
                .send()
                .await
                .expect("send")
        ),
        401
    );
    let in_url = format!("{url}?apikey={token}");
    assert_eq!(status(http.get(&in_url).send().await.expect("send")), 400);

    // `keys list` shows the key, never its secret.
    let output = gatehouse(&["keys", "list"], &owner_vars);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let listing = text(&output.stdout);
    assert!(
        listing.contains(&id) && listing.contains("tenant acme"),
        "{listing}"
    );
    assert!(listing.contains("made by the e2e test") && listing.contains("active"));
    assert!(!listing.contains(&secret), "{listing}");

    // `keys revoke`: the running server refuses the key within a second.
    let output = gatehouse(&["keys", "revoke", &id], &owner_vars);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let revoked_at = Instant::now();
    loop {
        let code = status(
            http.get(&url)
                .bearer_auth(&token)
                .send()
                .await
                .expect("send"),
        );
        if code == 401 {
            break;
        }
        assert!(
            revoked_at.elapsed() < Duration::from_secs(1),
            "still accepted"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let output = gatehouse(&["keys", "list"], &owner_vars);
    assert!(text(&output.stdout).contains("revoked"));
    let output = gatehouse(&["keys", "revoke", &id], &owner_vars);
    assert!(!output.status.success());

    let log = served.stop();
    assert!(
        log.contains(&id),
        "the log names the key id (so it was searched):\n{log}"
    );
    for needle in [
        token.as_str(),
        secret.as_str(),
        &wrong["gh_".len() + id.len() + 1..],
        PEPPER,
    ] {
        assert!(!log.contains(needle), "the log holds {needle:?}:\n{log}");
    }
}

// --- JWT keys from a URL, and from a cookie ---------------------------------------------------

const JWKS: &str = include_str!("../../crates/api/src/auth/tests/fixtures/jwks.json");
const RSA_PEM: &str = include_str!("../../crates/api/src/auth/tests/fixtures/rsa.pem");
const EC_PEM: &str = include_str!("../../crates/api/src/auth/tests/fixtures/ec.pem");

/// The fixture's key set with only the keys of these kids.
fn jwks_with(kids: &[&str]) -> String {
    let mut set: Value = serde_json::from_str(JWKS).expect("fixture JWKS");
    let keys = set["keys"]
        .as_array()
        .expect("keys")
        .iter()
        .filter(|key| kids.contains(&key["kid"].as_str().unwrap_or_default()))
        .cloned()
        .collect();
    set["keys"] = Value::Array(keys);
    set.to_string()
}

/// A minimal HTTP server for a JWKS document that can change; counts the fetches.
struct JwksServer {
    url: String,
    body: Arc<Mutex<String>>,
    fetches: Arc<std::sync::atomic::AtomicUsize>,
}

impl JwksServer {
    async fn start(body: String) -> Self {
        use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!(
            "http://{}/jwks.json",
            listener.local_addr().expect("address")
        );
        let body = Arc::new(Mutex::new(body));
        let fetches = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let (served, count) = (Arc::clone(&body), Arc::clone(&fetches));
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let mut request = Vec::new();
                let mut buffer = [0u8; 1024];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match socket.read(&mut buffer).await {
                        Ok(0) | Err(_) => break,
                        Ok(n) => request.extend_from_slice(&buffer[..n]),
                    }
                }
                count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let body = served.lock().expect("body lock").clone();
                let response = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = socket.write_all(response.as_bytes()).await;
                let _ = socket.shutdown().await;
            }
        });
        Self { url, body, fetches }
    }

    fn serve(&self, body: String) {
        *self.body.lock().expect("body lock") = body;
    }

    fn fetches(&self) -> usize {
        self.fetches.load(std::sync::atomic::Ordering::SeqCst)
    }
}

fn sign(algorithm: jsonwebtoken::Algorithm, kid: &str, claims: &Value) -> String {
    let mut header = jsonwebtoken::Header::new(algorithm);
    header.kid = Some(kid.to_owned());
    let key = match algorithm {
        jsonwebtoken::Algorithm::RS256 => {
            jsonwebtoken::EncodingKey::from_rsa_pem(RSA_PEM.as_bytes()).expect("RSA key")
        }
        _ => jsonwebtoken::EncodingKey::from_ec_pem(EC_PEM.as_bytes()).expect("EC key"),
    };
    jsonwebtoken::encode(&header, claims, &key).expect("sign")
}

#[tokio::test]
async fn jwt_keys_come_from_a_url_and_an_unknown_kid_fetches_them_again() {
    let server = JwksServer::start(jwks_with(&["ec-1"])).await;
    let app = app_with(&[
        ("GATEHOUSE_JWKS_URL", &server.url),
        ("GATEHOUSE_JWT_COOKIE", "session"),
    ])
    .await;
    assert_eq!(server.fetches(), 1, "fetched once at startup");
    let claims = json!({ "role": "reader", "tenant_id": "acme", "sub": "u1" });

    let es = sign(jsonwebtoken::Algorithm::ES256, "ec-1", &claims);
    let (status, body) = json_of(bearer(&app, "/customers?order=id", &es).await).await;
    assert_eq!((status, names(&body)), (200, vec!["Alice", "Arnold"]));

    // The provider adds a key: a token naming it makes us fetch the set again.
    server.serve(jwks_with(&["ec-1", "rsa-1"]));
    let rs = sign(jsonwebtoken::Algorithm::RS256, "rsa-1", &claims);
    let (status, body) = json_of(bearer(&app, "/customers", &rs).await).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(server.fetches(), 2);

    // Made-up kids do not make us fetch again and again.
    for kid in ["nope-1", "nope-2", "nope-3"] {
        let forged = sign(jsonwebtoken::Algorithm::RS256, kid, &claims);
        let (status, body) = json_of(bearer(&app, "/customers", &forged).await).await;
        assert_eq!(
            (status, body["code"].clone()),
            (401, json!("PGRST301")),
            "{body}"
        );
    }
    assert_eq!(
        server.fetches(),
        2,
        "the made-up kids came within 10 s of the last fetch they could cause"
    );

    // The token may come in the configured cookie (when there is no Authorization header).
    let response = get_with(
        &app,
        "/customers?order=id",
        &[("cookie", &format!("theme=dark; session={es}"))],
    )
    .await;
    let (status, body) = json_of(response).await;
    assert_eq!((status, names(&body)), (200, vec!["Alice", "Arnold"]));
    let response = get_with(&app, "/customers", &[("cookie", "session=not-a-jwt")]).await;
    assert_eq!(response.status(), 401);
    // Other cookies are not credentials.
    let response = get_with(&app, "/customers", &[("cookie", &format!("other={es}"))]).await;
    let (status, body) = json_of(response).await;
    // (Anonymous: the anon role cannot see the table at all.)
    assert_eq!(
        (status, body["code"].clone()),
        (404, json!("PGRST205")),
        "{body}"
    );
}

#[tokio::test]
async fn an_unreachable_jwks_url_stops_startup_naming_the_variable() {
    let db = testkit::TestDatabase::with_schema(SCHEMA).await;
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}/jwks.json", closed.local_addr().expect("address"));
    drop(closed);
    let result = Application::build(settings_for(&db, &[("GATEHOUSE_JWKS_URL", &url)])).await;
    match result {
        Ok(_) => panic!("started without its JWT keys"),
        Err(err) => assert!(
            err.to_string()
                .starts_with("GATEHOUSE_JWKS_URL: fetch http://127.0.0.1"),
            "{err}"
        ),
    }
}
