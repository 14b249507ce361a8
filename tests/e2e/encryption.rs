//! Encrypted columns end to end: key ids and rotation (`GATEHOUSE_ENCRYPTION_KEY` →
//! `GATEHOUSE_ENCRYPTION_KEYS=b:…,default:…` → `gatehouse reencrypt` → only the new key),
//! legacy `pgp_sym_encrypt` rows, what the database and other roles' responses never hold, and
//! the startup checks (no key, no pgcrypto).

use std::process::Command;

use gatehouse_api::startup::Application;
use serde_json::{Value, json};
use testkit::TestDatabase;

use crate::helpers::settings_for;

const JWT_SECRET: &str = "e2e-secret-that-is-at-least-32-bytes-long";
const KEY_A: &str = "e2e-key-a-7f3c1d";
const KEY_B: &str = "e2e-key-b-90e2aa";

/// Customer 1 holds legacy ciphertext (plain `pgp_sym_encrypt` under key A, as data written
/// before key ids is).
const SCHEMA: &str = "
create table customers (
    id int primary key,
    name text not null,
    ssn bytea
);
insert into customers values
    (1, 'Legacy', pgp_sym_encrypt('000-00-0001', 'e2e-key-a-7f3c1d')),
    (2, 'Nobody', null);
";

const POLICY: &str = r#"
[roles.admin]
[roles.reader]
[roles.clerk]

[tables.customers]
encrypted = ["ssn"]
audit_values = true

[tables.customers.roles.admin]
operations = ["select", "insert", "update"]
decrypt = ["ssn"]

[tables.customers.roles.reader]
operations = ["select"]

[tables.customers.roles.clerk]
operations = ["select", "insert"]
masked = { ssn = "last4" }
"#;

/// Every plaintext the tests write.
const PLAINTEXTS: &[&str] = &["000-00-0001", "111-11-1111", "222-22-2222", "333-33-3333"];

fn token(role: &str) -> String {
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &json!({"role": role, "sub": format!("{role}-1")}),
        &jsonwebtoken::EncodingKey::from_secret(JWT_SECRET.as_bytes()),
    )
    .expect("sign a token")
}

/// A database with the schema, and the policy in a file.
async fn database() -> (TestDatabase, String) {
    let db = TestDatabase::with_schema(SCHEMA).await;
    db.grant_app(&["public"]).await;
    let path = std::env::temp_dir().join(format!("gatehouse-encryption-{}.toml", db.name()));
    std::fs::write(&path, POLICY).expect("write the policy file");
    (db, path.to_str().expect("utf-8 temp path").to_owned())
}

/// Builds the application on `db` with the policy and `keys` (one variable), as a restart with
/// new settings would; the result of `Application::build`.
async fn build(
    db: &TestDatabase,
    policy: &str,
    keys: &[(&str, &str)],
) -> Result<Application, String> {
    let mut vars = vec![
        ("GATEHOUSE_POLICY_FILE", policy),
        ("GATEHOUSE_JWT_SECRET", JWT_SECRET),
    ];
    vars.extend_from_slice(keys);
    Application::build(settings_for(db, &vars))
        .await
        .map_err(|err| err.to_string())
}

/// Starts the application (see [`build`]); returns its base URL.
async fn start(db: &TestDatabase, policy: &str, keys: &[(&str, &str)]) -> String {
    let app = match build(db, policy, keys).await {
        Ok(app) => app,
        Err(err) => panic!("build the application: {err}"),
    };
    let api = format!("http://{}", app.api_address());
    tokio::spawn(app.run_until_stopped());
    api
}

async fn send(
    api: &str,
    method: reqwest::Method,
    role: &str,
    path: &str,
    body: Option<Value>,
) -> (u16, String) {
    let mut request = reqwest::Client::new()
        .request(method, format!("{api}{path}"))
        .bearer_auth(token(role))
        .header("prefer", "return=representation");
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("send");
    let status = response.status().as_u16();
    (status, response.text().await.expect("body"))
}

async fn get(api: &str, role: &str, path: &str) -> (u16, String) {
    send(api, reqwest::Method::GET, role, path, None).await
}

fn json_of(answer: &(u16, String)) -> Value {
    assert_eq!(answer.0, 200, "{}", answer.1);
    serde_json::from_str(&answer.1).expect("a JSON body")
}

/// `(id, key id)` of every stored `ssn`, in id order (`None`: legacy ciphertext).
async fn stored_key_ids(db: &TestDatabase) -> Vec<(i32, Option<String>)> {
    db.admin_client()
        .await
        .query(
            "select id, gatehouse.key_id(ssn) from customers where ssn is not null order by id",
            &[],
        )
        .await
        .expect("read the key ids")
        .iter()
        .map(|row| (row.get(0), row.get(1)))
        .collect()
}

/// Neither a plaintext nor a key appears anywhere in the table or the audit log (whose rows
/// record column values here: `audit_values = true`), as text or as bytes.
async fn assert_nothing_in_clear(db: &TestDatabase) {
    let client = db.admin_client().await;
    for needle in PLAINTEXTS.iter().chain(&[KEY_A, KEY_B]) {
        let found: i64 = client
            .query_one(
                "select (select count(*) from customers t \
                     where t::text like '%' || $1 || '%' \
                        or position(convert_to($1, 'UTF8') in coalesce(t.ssn, '')) > 0) \
                 + (select count(*) from gatehouse.audit_log a \
                     where a::text like '%' || $1 || '%')",
                &[needle],
            )
            .await
            .expect("search the database")
            .get(0);
        assert_eq!(found, 0, "{needle} is stored in clear");
    }
}

/// What roles without `decrypt` get: the reader never sees the column (it does not exist for
/// it), the clerk only its last four characters.
async fn assert_other_roles_see_no_plaintext(api: &str) {
    let reader = get(api, "reader", "/customers?order=id").await;
    let clerk = get(api, "clerk", "/customers?select=id,ssn&order=id").await;
    for (status, body) in [&reader, &clerk] {
        assert_eq!(*status, 200, "{body}");
        for plaintext in PLAINTEXTS {
            assert!(!body.contains(plaintext), "{plaintext} in {body}");
        }
    }
    assert!(
        json_of(&reader)
            .as_array()
            .expect("rows")
            .iter()
            .all(|row| row.get("ssn").is_none()),
        "{}",
        reader.1
    );
    let (status, body) = get(api, "reader", "/customers?select=ssn").await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(json_of(&clerk)[0], json!({"id": 1, "ssn": "*******0001"}));
}

#[tokio::test]
async fn keys_rotate_and_reencrypt_moves_old_rows_to_the_newest_key() {
    let (db, policy) = database().await;

    // One key, as before key lists: legacy rows read, new rows record the id `default`.
    let api = start(&db, &policy, &[("GATEHOUSE_ENCRYPTION_KEY", KEY_A)]).await;
    let created = send(
        &api,
        reqwest::Method::POST,
        "admin",
        "/customers",
        Some(json!({"id": 3, "name": "Under A", "ssn": "111-11-1111"})),
    )
    .await;
    assert_eq!(created.0, 201, "{}", created.1);
    assert_eq!(
        serde_json::from_str::<Value>(&created.1).expect("json"),
        json!([{"id": 3, "name": "Under A", "ssn": "111-11-1111"}])
    );
    assert_eq!(
        stored_key_ids(&db).await,
        [(1, None), (3, Some("default".to_owned()))]
    );

    // Rotation: B is newest, A stays readable under its id.
    let keys_b_a = format!("b:{KEY_B},default:{KEY_A}");
    let api = start(&db, &policy, &[("GATEHOUSE_ENCRYPTION_KEYS", &keys_b_a)]).await;
    let created = send(
        &api,
        reqwest::Method::POST,
        "admin",
        "/customers",
        Some(json!({"id": 4, "name": "Under B", "ssn": "222-22-2222"})),
    )
    .await;
    assert_eq!(created.0, 201, "{}", created.1);
    let updated = send(
        &api,
        reqwest::Method::PATCH,
        "admin",
        "/customers?id=eq.2",
        Some(json!({"ssn": "333-33-3333"})),
    )
    .await;
    assert_eq!(updated.0, 200, "{}", updated.1);
    let everything = json!([
        {"id": 1, "name": "Legacy", "ssn": "000-00-0001"},
        {"id": 2, "name": "Nobody", "ssn": "333-33-3333"},
        {"id": 3, "name": "Under A", "ssn": "111-11-1111"},
        {"id": 4, "name": "Under B", "ssn": "222-22-2222"},
    ]);
    assert_eq!(
        json_of(&get(&api, "admin", "/customers?order=id").await),
        everything
    );
    assert_eq!(
        stored_key_ids(&db).await,
        [
            (1, None),
            (2, Some("b".to_owned())),
            (3, Some("default".to_owned())),
            (4, Some("b".to_owned()))
        ]
    );
    assert_other_roles_see_no_plaintext(&api).await;
    // Filtering or ordering on the encrypted column stays refused, even for the admin.
    for path in [
        "/customers?ssn=eq.111-11-1111",
        "/customers?order=ssn",
        "/customers?or=(ssn.is.null,id.eq.1)",
    ] {
        let (status, body) = get(&api, "admin", path).await;
        assert_eq!(status, 400, "{path}: {body}");
        assert!(body.contains("GH101"), "{path}: {body}");
    }

    // Only B before rewriting: rows under A cannot be read, and the answer says nothing of
    // keys or SQL.
    let api_b_early = start(
        &db,
        &policy,
        &[("GATEHOUSE_ENCRYPTION_KEYS", &format!("b:{KEY_B}"))],
    )
    .await;
    let (status, body) = get(&api_b_early, "admin", "/customers?id=eq.3").await;
    assert_eq!(status, 500, "{body}");
    for secret in [KEY_A, KEY_B, "111-11-1111", "decrypt", "select"] {
        assert!(!body.contains(secret), "{secret} in {body}");
    }

    // Rewrite, as the owner role, in batches of one row.
    let output = Command::new(env!("CARGO_BIN_EXE_gatehouse"))
        .args(["reencrypt", "--batch", "1"])
        .env_clear()
        .env("GATEHOUSE_DATABASE_URL", db.admin_url())
        .env("GATEHOUSE_POLICY_FILE", &policy)
        .env("GATEHOUSE_ENCRYPTION_KEYS", &keys_b_a)
        .env("GATEHOUSE_LOG", "warn")
        .output()
        .expect("run gatehouse reencrypt");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("rewriting under key \"b\""), "{stdout}");
    assert!(
        stdout.contains("public.customers: done: 4 rows read, 2 rewritten"),
        "{stdout}"
    );
    for secret in [KEY_A, KEY_B].iter().chain(PLAINTEXTS) {
        assert!(
            !stdout.contains(secret) && !stderr.contains(secret),
            "{secret}"
        );
    }
    assert_eq!(
        stored_key_ids(&db).await,
        [
            (1, Some("b".to_owned())),
            (2, Some("b".to_owned())),
            (3, Some("b".to_owned())),
            (4, Some("b".to_owned()))
        ]
    );

    // Run again: nothing left to rewrite.
    let again = Command::new(env!("CARGO_BIN_EXE_gatehouse"))
        .args(["reencrypt", "--table", "customers"])
        .env_clear()
        .env("GATEHOUSE_DATABASE_URL", db.admin_url())
        .env("GATEHOUSE_POLICY_FILE", &policy)
        .env("GATEHOUSE_ENCRYPTION_KEYS", &keys_b_a)
        .env("GATEHOUSE_LOG", "warn")
        .output()
        .expect("run gatehouse reencrypt");
    let stdout = String::from_utf8_lossy(&again.stdout);
    assert!(again.status.success(), "{stdout}");
    assert!(
        stdout.contains("public.customers: done: 4 rows read, 0 rewritten"),
        "{stdout}"
    );

    // Only B: everything reads, A is no longer needed.
    let api = start(
        &db,
        &policy,
        &[("GATEHOUSE_ENCRYPTION_KEYS", &format!("b:{KEY_B}"))],
    )
    .await;
    assert_eq!(
        json_of(&get(&api, "admin", "/customers?order=id").await),
        everything
    );
    assert_other_roles_see_no_plaintext(&api).await;
    assert_nothing_in_clear(&db).await;
    std::fs::remove_file(&policy).ok();
}

#[tokio::test]
async fn startup_fails_without_a_key_when_the_policy_encrypts() {
    let (db, policy) = database().await;
    let err = build(&db, &policy, &[])
        .await
        .err()
        .expect("no key: startup must fail");
    assert!(err.contains("GATEHOUSE_ENCRYPTION_KEYS"), "{err}");
    assert!(err.contains("public.customers.ssn"), "{err}");
    // With a key, it starts.
    build(&db, &policy, &[("GATEHOUSE_ENCRYPTION_KEY", KEY_A)])
        .await
        .expect("a key: startup succeeds");
    std::fs::remove_file(&policy).ok();
}

#[tokio::test]
async fn startup_fails_without_pgcrypto_when_the_policy_encrypts() {
    let db = TestDatabase::with_schema(
        "create table customers (id int primary key, name text not null, ssn bytea);",
    )
    .await;
    db.grant_app(&["public"]).await;
    db.admin_client()
        .await
        .batch_execute("drop extension pgcrypto")
        .await
        .expect("drop pgcrypto");
    let path = std::env::temp_dir().join(format!("gatehouse-encryption-{}.toml", db.name()));
    std::fs::write(&path, POLICY).expect("write the policy file");
    let policy = path.to_str().expect("utf-8 path");
    let err = build(&db, policy, &[("GATEHOUSE_ENCRYPTION_KEY", KEY_A)])
        .await
        .err()
        .expect("no pgcrypto: startup must fail");
    assert!(err.contains("create extension pgcrypto"), "{err}");
    assert!(!err.contains(KEY_A), "{err}");

    // A policy that encrypts nothing needs neither pgcrypto nor a key.
    let plain = POLICY
        .replace("encrypted = [\"ssn\"]\n", "")
        .replace("decrypt = [\"ssn\"]\n", "")
        .replace("masked = { ssn = \"last4\" }\n", "");
    std::fs::write(&path, plain).expect("write the policy file");
    build(&db, policy, &[])
        .await
        .expect("nothing encrypted: startup succeeds");
    std::fs::remove_file(&path).ok();
}
