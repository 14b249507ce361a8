use serde_json::{Value, json};

use crate::helpers::{settings_for, spawn_app, spawn_app_with};

const SCHEMA: &str = "create table items (id int primary key, name text not null);";

#[tokio::test]
async fn live_answers_on_the_admin_port() {
    let app = spawn_app(SCHEMA).await;
    let response = app.admin_get("/live").await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.json::<Value>().await.expect("json"),
        json!({"status": "live"})
    );
}

#[tokio::test]
async fn ready_reports_the_loaded_schema() {
    let app = spawn_app(SCHEMA).await;
    let response = app.admin_get("/ready").await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.json::<Value>().await.expect("json"),
        json!({"status": "ready", "relations": 1})
    );
}

#[tokio::test]
async fn ready_answers_503_with_retry_after_when_the_database_is_unreachable() {
    let app = spawn_app(SCHEMA).await;
    assert_eq!(app.admin_get("/ready").await.status(), 200);

    // Cut the app role off: no new connections, existing ones ended.
    crate::helpers::cut_off_app_role(&app.db).await;

    let response = app.admin_get("/ready").await;
    assert_eq!(response.status(), 503);
    assert_eq!(
        response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok()),
        Some("5")
    );
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["status"], "unavailable");
    // Nothing about the connection failure leaks into the body beyond the reason.
    assert_eq!(
        body,
        json!({"status": "unavailable", "reason": "database unreachable"})
    );
}

#[tokio::test]
async fn api_port_answers_unknown_paths_with_postgrest_error_body() {
    let app = spawn_app_with(SCHEMA, Some("[roles.anon]\n"), &[]).await;
    let response = app.get("/no_such_table").await;
    assert_eq!(response.status(), 404);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["code"], "PGRST205");
    assert_eq!(body["details"], Value::Null);
    assert!(
        body["message"]
            .as_str()
            .expect("message")
            .contains("no_such_table")
    );
}

#[tokio::test]
async fn serve_refuses_to_start_while_migrations_are_pending() {
    let db = testkit::TestDatabase::with_schema(SCHEMA).await;
    db.grant_app(&["public"]).await;
    let mut admin = db.admin_client().await;
    migrate::down(&mut admin, Some(0))
        .await
        .expect("revert every migration");
    let Err(err) = gatehouse_api::startup::Application::build(settings_for(&db, &[])).await else {
        panic!("started with pending migrations");
    };
    let message = err.to_string();
    assert!(message.contains("gatehouse migrate up"), "{message}");
}

#[tokio::test]
async fn without_credentials_and_without_an_anon_role_every_path_is_401() {
    let app = spawn_app(SCHEMA).await;
    let response = app.get("/items").await;
    assert_eq!(response.status(), 401);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["code"], "PGRST302");
}
