//! The policy matrix: one test per path a byte of data can take, for the rules not already
//! covered by `security.rs`, `write.rs` and `read.rs`. Each asserts the response and, for
//! writes, the database afterwards.

use reqwest::header::{ACCEPT, CONTENT_TYPE};
use serde_json::{Value, json};

use crate::helpers::{TestApp, settings_for, spawn_app_with};

const JWT_SECRET: &str = "e2e-secret-that-is-at-least-32-bytes-long";

const SCHEMA: &str = "
create table accounts (
    id int primary key,
    tenant_id text not null,
    handle text not null unique,
    secret text,
    profile jsonb,
    card text,
    pin text
);
insert into accounts values
    (1, 'acme', 'ann', 'ann-secret', '{\"tier\": \"gold\"}', '4111111111111111', '1234'),
    (2, 'acme', 'bob', 'bob-secret', '{\"tier\": \"blue\"}', '5500000000000004', '9876');
";

const POLICY: &str = r#"
[tenancy]
column = "tenant_id"

[roles.clerk]

[tables.accounts.roles.clerk]
operations = ["select", "insert", "update"]
hidden = ["secret"]
masked = { card = "last4", pin = "redact" }
"#;

async fn app() -> TestApp {
    spawn_app_with(
        SCHEMA,
        Some(POLICY),
        &[("GATEHOUSE_JWT_SECRET", JWT_SECRET)],
    )
    .await
}

fn jwt() -> String {
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &json!({"role": "clerk", "tenant_id": "acme", "sub": "clerk-1"}),
        &jsonwebtoken::EncodingKey::from_secret(JWT_SECRET.as_bytes()),
    )
    .expect("sign")
}

async fn call(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> (u16, String) {
    let mut request = app
        .http
        .request(method, format!("{}{path}", app.api))
        .bearer_auth(jwt());
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    if let Some(body) = body {
        request = request
            .header(CONTENT_TYPE, "application/json")
            .body(body.to_owned());
    }
    let response = request.send().await.expect("send");
    let status = response.status().as_u16();
    (status, response.text().await.expect("text"))
}

/// The hidden column `secret` answers byte for byte as the missing column `nope`.
async fn same_as_missing(app: &TestApp, method: reqwest::Method, hidden: &str, body: Option<&str>) {
    let missing = hidden.replace("secret", "nope");
    let missing_body = body.map(|b| b.replace("secret", "nope"));
    let (status, text) = call(app, method.clone(), hidden, &[], body).await;
    let (missing_status, missing_text) =
        call(app, method, &missing, &[], missing_body.as_deref()).await;
    assert!((400..500).contains(&status), "{hidden}: {status} {text}");
    assert_eq!(status, missing_status, "{hidden}");
    assert_eq!(
        text.replace("secret", "X"),
        missing_text.replace("nope", "X"),
        "{hidden}"
    );
    assert!(
        !text.contains("-secret"),
        "{hidden}: a value leaked: {text}"
    );
}

#[tokio::test]
async fn hidden_column_through_a_json_path_is_missing() {
    let app = app().await;
    same_as_missing(
        &app,
        reqwest::Method::GET,
        "/accounts?select=secret->>x",
        None,
    )
    .await;
    same_as_missing(
        &app,
        reqwest::Method::GET,
        "/accounts?secret->>x=eq.1",
        None,
    )
    .await;
}

#[tokio::test]
async fn hidden_column_never_reaches_csv() {
    let app = app().await;
    let (status, text) = call(
        &app,
        reqwest::Method::GET,
        "/accounts?order=id",
        &[("accept", "text/csv")],
        None,
    )
    .await;
    assert_eq!(status, 200);
    let header = text.lines().next().expect("a header line");
    assert_eq!(header, "id,tenant_id,handle,profile,card,pin");
    assert!(!text.contains("secret"), "{text}");
    assert!(text.contains("************1111"), "{text}");
    assert!(!text.contains("4111111111111111"), "{text}");
}

#[tokio::test]
async fn hidden_column_in_columns_and_on_conflict_is_missing() {
    let app = app().await;
    same_as_missing(
        &app,
        reqwest::Method::POST,
        "/accounts?columns=id,handle,secret",
        Some(r#"{"id": 9, "handle": "eve", "secret": "s"}"#),
    )
    .await;
    let (status, text) = call(
        &app,
        reqwest::Method::POST,
        "/accounts?on_conflict=secret",
        &[("prefer", "resolution=merge-duplicates")],
        Some(r#"{"id": 9, "handle": "eve"}"#),
    )
    .await;
    let (missing_status, missing_text) = call(
        &app,
        reqwest::Method::POST,
        "/accounts?on_conflict=nope",
        &[("prefer", "resolution=merge-duplicates")],
        Some(r#"{"id": 9, "handle": "eve"}"#),
    )
    .await;
    assert_eq!((status, missing_status), (400, 400), "{text}");
    assert_eq!(
        text.replace("secret", "X"),
        missing_text.replace("nope", "X")
    );
    let count: i64 = app
        .db
        .admin_client()
        .await
        .query_one("select count(*) from accounts", &[])
        .await
        .expect("count")
        .get(0);
    assert_eq!(count, 2, "nothing was written");
}

#[tokio::test]
async fn returned_representations_follow_read_rights() {
    let app = app().await;
    let (status, text) = call(
        &app,
        reqwest::Method::POST,
        "/accounts",
        &[("prefer", "return=representation")],
        Some(r#"{"id": 3, "handle": "cat", "card": "6011000990139424", "pin": "4321"}"#),
    )
    .await;
    assert_eq!(status, 201, "{text}");
    let body: Value = serde_json::from_str(&text).expect("json");
    assert_eq!(
        body,
        json!([{"id": 3, "tenant_id": "acme", "handle": "cat", "profile": null,
                "card": "************9424", "pin": "***"}])
    );
    assert!(
        !text.contains("6011000990139424") && !text.contains("4321"),
        "{text}"
    );
    // The database keeps what was written.
    let stored: String = app
        .db
        .admin_client()
        .await
        .query_one("select card from accounts where id = 3", &[])
        .await
        .expect("select")
        .get(0);
    assert_eq!(stored, "6011000990139424");

    let (status, text) = call(
        &app,
        reqwest::Method::PATCH,
        "/accounts?id=eq.1",
        &[
            ("prefer", "return=representation"),
            ("accept", "application/vnd.pgrst.object+json"),
        ],
        Some(r#"{"handle": "ann2"}"#),
    )
    .await;
    assert_eq!(status, 200, "{text}");
    let body: Value = serde_json::from_str(&text).expect("json");
    assert_eq!(body["handle"], "ann2");
    assert!(body.get("secret").is_none(), "{text}");
    assert_eq!(body["pin"], "***");
}

#[tokio::test]
async fn redacted_and_last4_masks_hold_with_renames_casts_and_counts() {
    let app = app().await;
    let (status, text) = call(
        &app,
        reqwest::Method::GET,
        "/accounts?select=n:card,p:pin::text&order=id",
        &[("prefer", "count=exact")],
        None,
    )
    .await;
    assert_eq!(status, 200, "{text}");
    assert_eq!(
        serde_json::from_str::<Value>(&text).expect("json"),
        json!([{"n": "************1111", "p": "***"}, {"n": "************0004", "p": "***"}])
    );
    // A masked column cannot narrow a count either.
    let (status, text) = call(
        &app,
        reqwest::Method::GET,
        "/accounts?pin=eq.1234",
        &[("prefer", "count=exact")],
        None,
    )
    .await;
    assert_eq!(status, 400, "{text}");
    assert!(text.contains("GH101"));
}

#[tokio::test]
async fn json_paths_reach_into_visible_columns_only() {
    let app = app().await;
    let (status, text) = call(
        &app,
        reqwest::Method::GET,
        "/accounts?select=handle,profile->>tier&profile->>tier=eq.gold",
        &[],
        None,
    )
    .await;
    assert_eq!(status, 200, "{text}");
    assert_eq!(
        serde_json::from_str::<Value>(&text).expect("json"),
        json!([{"handle": "ann", "tier": "gold"}])
    );
    let response = app
        .http
        .get(format!("{}/accounts?select=card->>x", app.api))
        .bearer_auth(jwt())
        .header(ACCEPT, "application/json")
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), 400);
}

#[tokio::test]
async fn startup_refuses_a_policy_that_names_what_does_not_exist() {
    let db = testkit::TestDatabase::with_schema(SCHEMA).await;
    db.grant_app(&["public"]).await;
    let path = std::env::temp_dir().join(format!("gatehouse-bad-policy-{}.toml", db.name()));
    std::fs::write(
        &path,
        "[roles.clerk]\n[tables.ghosts.roles.clerk]\noperations = [\"select\"]\n[tables.accounts.roles.clerk]\noperations = [\"select\"]\nhidden = [\"nope\"]\nsurprise = 1\n",
    )
    .expect("write policy");
    let path_text = path.to_str().expect("utf-8").to_owned();
    let result = gatehouse_api::startup::Application::build(settings_for(
        &db,
        &[("GATEHOUSE_POLICY_FILE", &path_text)],
    ))
    .await;
    std::fs::remove_file(&path).ok();
    let Err(err) = result else {
        panic!("started with a bad policy");
    };
    let message = err.to_string();
    assert!(message.contains("surprise"), "{message}");
    assert!(
        message.contains(":7:1:"),
        "the unknown key's line: {message}"
    );
}
