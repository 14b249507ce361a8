//! `spawn_app`: the real application on port 0 against a fresh test database.

use gatehouse_api::settings::Settings;
use gatehouse_api::startup::Application;
use testkit::TestDatabase;

/// A running application and the database behind it.
pub(crate) struct TestApp {
    pub(crate) api: String,
    pub(crate) admin: String,
    pub(crate) db: TestDatabase,
    pub(crate) http: reqwest::Client,
}

impl TestApp {
    pub(crate) async fn get(&self, path: &str) -> reqwest::Response {
        self.http
            .get(format!("{}{path}", self.api))
            .send()
            .await
            .expect("send request")
    }

    pub(crate) async fn admin_get(&self, path: &str) -> reqwest::Response {
        self.http
            .get(format!("{}{path}", self.admin))
            .send()
            .await
            .expect("send request")
    }
}

/// Settings for the app role on `db`, listening on free ports, plus `extra` variables.
pub(crate) fn settings_for(db: &TestDatabase, extra: &[(&str, &str)]) -> Settings {
    let mut vars = vec![
        ("GATEHOUSE_DATABASE_URL".to_owned(), db.app_url()),
        ("GATEHOUSE_LISTEN".to_owned(), "127.0.0.1:0".to_owned()),
        (
            "GATEHOUSE_ADMIN_LISTEN".to_owned(),
            "127.0.0.1:0".to_owned(),
        ),
    ];
    vars.extend(
        extra
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    Settings::from_vars(vars).expect("valid test settings")
}

/// Starts the application on a fresh database holding `schema_sql` (applied as the
/// superuser; the app role gets DML rights on `public`), with no policy (nothing exposed).
pub(crate) async fn spawn_app(schema_sql: &str) -> TestApp {
    spawn_app_with(schema_sql, None, &[]).await
}

/// Starts the application with a policy (TOML text) and extra settings.
pub(crate) async fn spawn_app_with(
    schema_sql: &str,
    policy: Option<&str>,
    extra: &[(&str, &str)],
) -> TestApp {
    let db = TestDatabase::with_schema(schema_sql).await;
    db.grant_app(&["public"]).await;
    let policy_path = policy.map(|text| {
        let path = std::env::temp_dir().join(format!("gatehouse-policy-{}.toml", db.name()));
        std::fs::write(&path, text).expect("write the policy file");
        path.to_str().expect("utf-8 temp path").to_owned()
    });
    let mut vars: Vec<(&str, &str)> = extra.to_vec();
    if let Some(path) = &policy_path {
        vars.push(("GATEHOUSE_POLICY_FILE", path));
    }
    let app = Application::build(settings_for(&db, &vars))
        .await
        .expect("build the application");
    let api = format!("http://{}", app.api_address());
    let admin = format!("http://{}", app.admin_address());
    tokio::spawn(app.run_until_stopped());
    TestApp {
        api,
        admin,
        db,
        http: reqwest::Client::new(),
    }
}

/// Cuts the app role off its database: no new connections, the existing ones ended. The
/// database itself keeps running (a "database outage" as the application sees it).
pub(crate) async fn cut_off_app_role(db: &TestDatabase) {
    let admin = db.admin_client().await;
    admin
        .execute(
            "select set_config('gatehouse.test_db', $1, false)",
            &[&db.name()],
        )
        .await
        .expect("set db name");
    admin
        .batch_execute(
            "do $$ begin execute format('revoke connect on database %I from public', \
             current_setting('gatehouse.test_db')); end $$; \
             select pg_terminate_backend(pid) from pg_stat_activity \
             where usename = 'gatehouse_app' and datname = current_setting('gatehouse.test_db');",
        )
        .await
        .expect("cut off the app role");
}
