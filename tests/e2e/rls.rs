//! Tenant isolation holds twice: the policy's predicate, and row-level security in the
//! database from `gatehouse policy rls`. Each layer is shown holding with the other off.

use std::process::Command;

use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app_with};

const JWT_SECRET: &str = "e2e-secret-that-is-at-least-32-bytes-long";

const SCHEMA: &str = "
create table docs (id int primary key, tenant_id text not null, title text not null);
insert into docs values (1, 'acme', 'acme plan'), (2, 'globex', 'globex plan');
";

/// The policy layer on: the table is tenant-scoped.
const SCOPED: &str = r#"
[tenancy]
column = "tenant_id"
[roles.reader]
[tables.docs.roles.reader]
operations = ["select", "insert"]
"#;

/// The policy layer off: the same table exposed unscoped.
const UNSCOPED: &str = r#"
[tenancy]
column = "tenant_id"
[roles.reader]
[tables.docs]
tenant_scoped = false
roles.reader = { operations = ["select", "insert"] }
"#;

fn token(tenant: &str) -> String {
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &json!({"role": "reader", "tenant_id": tenant}),
        &jsonwebtoken::EncodingKey::from_secret(JWT_SECRET.as_bytes()),
    )
    .expect("sign")
}

async fn titles(app: &TestApp, tenant: &str) -> Value {
    let response = app
        .http
        .get(format!("{}/docs?select=title&order=id", app.api))
        .bearer_auth(token(tenant))
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), 200);
    response.json().await.expect("json")
}

/// Runs `gatehouse policy rls` for `policy` and applies its output as the table owner.
async fn enable_rls(app: &TestApp, policy: &str) {
    let path = std::env::temp_dir().join(format!("gatehouse-rls-{}.toml", app.db.name()));
    std::fs::write(&path, policy).expect("write policy");
    let output = Command::new(env!("CARGO_BIN_EXE_gatehouse"))
        .args(["policy", "rls"])
        .env_clear()
        .env("GATEHOUSE_DATABASE_URL", app.db.app_url())
        .env("GATEHOUSE_POLICY_FILE", &path)
        .env("GATEHOUSE_LOG", "warn")
        .output()
        .expect("run gatehouse policy rls");
    std::fs::remove_file(&path).ok();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let script = String::from_utf8(output.stdout).expect("utf-8");
    assert!(script.contains("enable row level security"), "{script}");
    app.db
        .admin_client()
        .await
        .batch_execute(&script)
        .await
        .expect("apply the rls script");
}

#[tokio::test]
async fn the_policy_layer_alone_isolates_tenants() {
    let app = spawn_app_with(
        SCHEMA,
        Some(SCOPED),
        &[("GATEHOUSE_JWT_SECRET", JWT_SECRET)],
    )
    .await;
    assert_eq!(titles(&app, "acme").await, json!([{"title": "acme plan"}]));
    assert_eq!(
        titles(&app, "globex").await,
        json!([{"title": "globex plan"}])
    );
}

#[tokio::test]
async fn row_level_security_alone_isolates_tenants() {
    // The policy exposes the table unscoped: without RLS every tenant sees every row.
    let app = spawn_app_with(
        SCHEMA,
        Some(UNSCOPED),
        &[("GATEHOUSE_JWT_SECRET", JWT_SECRET)],
    )
    .await;
    assert_eq!(
        titles(&app, "acme").await,
        json!([{"title": "acme plan"}, {"title": "globex plan"}])
    );
    // The script is generated from the scoped policy and applied; the served policy stays
    // unscoped, so only the database holds the line now.
    enable_rls(&app, SCOPED).await;
    assert_eq!(titles(&app, "acme").await, json!([{"title": "acme plan"}]));
    assert_eq!(
        titles(&app, "globex").await,
        json!([{"title": "globex plan"}])
    );

    // Writes too: inserting into another tenant is refused by the database.
    let response = app
        .http
        .post(format!("{}/docs", app.api))
        .bearer_auth(token("acme"))
        .json(&json!({"id": 3, "tenant_id": "globex", "title": "planted"}))
        .send()
        .await
        .expect("send");
    assert_eq!(
        response.status(),
        403,
        "{}",
        response.text().await.unwrap_or_default()
    );
    let count: i64 = app
        .db
        .admin_client()
        .await
        .query_one("select count(*) from docs", &[])
        .await
        .expect("count")
        .get(0);
    assert_eq!(count, 2);
}
