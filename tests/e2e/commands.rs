//! The binary's commands, run as a user would run them.

use std::process::{Command, Output};

use testkit::TestDatabase;

fn gatehouse(args: &[&str], database_url: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gatehouse"))
        .args(args)
        .env_clear()
        .env("GATEHOUSE_DATABASE_URL", database_url)
        .env("GATEHOUSE_LOG", "warn")
        .output()
        .expect("run gatehouse")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

const SCHEMA: &str = "create table items (id int primary key, name text not null);";

#[tokio::test]
async fn doctor_flags_a_superuser_connection_and_exits_non_zero() {
    let db = TestDatabase::with_schema(SCHEMA).await;
    let output = gatehouse(&["doctor"], &db.admin_url());
    let stdout = text(&output.stdout);
    assert!(
        !output.status.success(),
        "doctor passed a superuser:\n{stdout}"
    );
    assert!(stdout.contains("CRITICAL"), "{stdout}");
    assert!(stdout.contains("is a superuser"), "{stdout}");
    assert!(stdout.contains("fix: "), "{stdout}");
    // The live connection's TLS is reported.
    assert!(stdout.contains("ok        TLS"), "{stdout}");
}

#[tokio::test]
async fn doctor_passes_a_least_privilege_role() {
    let db = TestDatabase::with_schema(SCHEMA).await;
    db.grant_app(&["public"]).await;
    let output = gatehouse(&["doctor"], &db.app_url());
    let stdout = text(&output.stdout);
    assert!(
        output.status.success(),
        "doctor failed a least-privilege role:\n{stdout}\n{}",
        text(&output.stderr)
    );
    assert!(!stdout.contains("CRITICAL"), "{stdout}");
    assert!(stdout.contains("verify-full"), "{stdout}");
}

#[tokio::test]
async fn doctor_flags_a_role_that_owns_exposed_tables() {
    let db = TestDatabase::with_schema(SCHEMA).await;
    db.grant_app(&["public"]).await;
    let admin = db.admin_client().await;
    admin
        .batch_execute("alter table items owner to gatehouse_app")
        .await
        .expect("change owner");
    let output = gatehouse(&["doctor"], &db.app_url());
    let stdout = text(&output.stdout);
    assert!(!output.status.success(), "{stdout}");
    assert!(
        stdout.contains("owns exposed relations (public.items)"),
        "{stdout}"
    );
}

#[tokio::test]
async fn schema_dump_prints_the_model_as_json() {
    let db = TestDatabase::with_schema(SCHEMA).await;
    db.grant_app(&["public"]).await;
    let output = gatehouse(&["schema", "dump"], &db.app_url());
    assert!(output.status.success(), "{}", text(&output.stderr));
    let model: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("schema dump prints JSON");
    let dumped = model.to_string();
    assert!(dumped.contains("\"items\""), "{dumped}");
    assert!(dumped.contains("\"name\""), "{dumped}");
}

#[tokio::test]
async fn serve_refuses_an_unverified_sslmode_and_names_the_variable() {
    for mode in ["disable", "allow", "prefer", "require"] {
        let url = format!("postgres://app:pw@localhost:5432/app?sslmode={mode}");
        let output = gatehouse(&["serve"], &url);
        let stderr = text(&output.stderr);
        assert!(!output.status.success(), "{mode}: started");
        assert!(
            stderr.contains("GATEHOUSE_DATABASE_URL"),
            "{mode}: {stderr}"
        );
        assert!(stderr.contains("verify-full"), "{mode}: {stderr}");
    }
}

#[tokio::test]
async fn a_bad_value_stops_startup_with_the_variable_named() {
    let output = Command::new(env!("CARGO_BIN_EXE_gatehouse"))
        .arg("serve")
        .env_clear()
        .env("GATEHOUSE_DATABASE_URL", "postgres://app:pw@localhost/app")
        .env("GATEHOUSE_POOL_SIZE", "many")
        .output()
        .expect("run gatehouse");
    assert!(!output.status.success());
    assert_eq!(
        text(&output.stderr).trim(),
        "gatehouse: GATEHOUSE_POOL_SIZE: expected a whole number from 1 to 10000, got \"many\""
    );
}

fn gatehouse_with_policy(args: &[&str], database_url: &str, policy: &str) -> Output {
    let path = std::env::temp_dir().join(format!(
        "gatehouse-cli-policy-{}-{}.toml",
        std::process::id(),
        policy.len()
    ));
    std::fs::write(&path, policy).expect("write policy");
    let output = Command::new(env!("CARGO_BIN_EXE_gatehouse"))
        .args(args)
        .env_clear()
        .env("GATEHOUSE_DATABASE_URL", database_url)
        .env("GATEHOUSE_POLICY_FILE", &path)
        .env("GATEHOUSE_LOG", "warn")
        .output()
        .expect("run gatehouse");
    std::fs::remove_file(&path).ok();
    output
}

#[tokio::test]
async fn policy_check_prints_every_problem_with_its_line_and_fails() {
    let db = TestDatabase::with_schema(SCHEMA).await;
    db.grant_app(&["public"]).await;
    let policy = "[roles.reader]\n\n[tables.items.roles.reader]\noperations = [\"select\"]\nhidden = [\"nope\"]\n\n[tables.ghosts.roles.reader]\noperations = [\"select\"]\n";
    let output = gatehouse_with_policy(&["policy", "check"], &db.app_url(), policy);
    let stdout = text(&output.stdout);
    assert!(!output.status.success(), "{stdout}");
    assert!(
        stdout.contains(":5:"),
        "line of the unknown column: {stdout}"
    );
    assert!(stdout.contains("nope"), "{stdout}");
    assert!(
        stdout.contains(":7:"),
        "line of the unknown table: {stdout}"
    );
    assert!(stdout.contains("ghosts"), "{stdout}");
    assert!(stdout.contains("2 problem(s) found"), "{stdout}");

    let typo = "[roles.reader]\n[tables.items.roles.reader]\noperations = [\"select\"]\nhiden = [\"name\"]\n";
    let output = gatehouse_with_policy(&["policy", "check"], &db.app_url(), typo);
    let stdout = text(&output.stdout);
    assert!(!output.status.success(), "{stdout}");
    assert!(
        stdout.contains(":4:") && stdout.contains("hiden"),
        "{stdout}"
    );
}

#[tokio::test]
async fn policy_check_passes_a_valid_policy_and_explain_shows_column_rights() {
    let db = TestDatabase::with_schema(SCHEMA).await;
    db.grant_app(&["public"]).await;
    let policy = "[roles.reader]\n[tables.items.roles.reader]\noperations = [\"select\"]\nhidden = [\"name\"]\n";
    let output = gatehouse_with_policy(&["policy", "check"], &db.app_url(), policy);
    assert!(output.status.success(), "{}", text(&output.stdout));

    let output = gatehouse_with_policy(
        &["policy", "explain", "--role", "reader"],
        &db.app_url(),
        policy,
    );
    let stdout = text(&output.stdout);
    assert!(output.status.success(), "{stdout}{}", text(&output.stderr));
    assert!(stdout.contains("items"), "{stdout}");
    let name_line = stdout
        .lines()
        .find(|line| line.contains("name"))
        .unwrap_or_else(|| panic!("no line for column name: {stdout}"));
    assert!(name_line.contains("hidden"), "{name_line}");
}
