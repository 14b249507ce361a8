//! The architecture invariants that a dependency graph can show (ARCHITECTURE.md): only `api`
//! knows HTTP and OpenAPI, and the grammar crate knows nothing of the database.

use std::process::Command;

fn dependencies(package: &str) -> String {
    let output = Command::new(env!("CARGO"))
        .args([
            "tree",
            "--offline",
            "-e",
            "normal",
            "--prefix",
            "none",
            "-p",
            package,
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run cargo tree");
    assert!(
        output.status.success(),
        "cargo tree -p {package}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("utf-8")
}

fn has(tree: &str, krate: &str) -> bool {
    tree.lines()
        .any(|line| line.split_whitespace().next() == Some(krate))
}

#[test]
fn only_api_knows_http_and_openapi() {
    for package in [
        "gatehouse-schema",
        "gatehouse-query",
        "gatehouse-policy",
        "gatehouse-sql",
        "gatehouse-pg",
        "gatehouse-migrate",
    ] {
        let tree = dependencies(package);
        for http in ["actix-web", "actix-http", "utoipa", "reqwest", "hyper"] {
            assert!(!has(&tree, http), "{package} depends on {http}");
        }
    }
    assert!(has(&dependencies("gatehouse-api"), "actix-web"));
}

#[test]
fn the_grammar_knows_nothing_of_the_database_or_the_schema() {
    let tree = dependencies("gatehouse-query");
    for io in [
        "tokio",
        "tokio-postgres",
        "gatehouse-schema",
        "gatehouse-pg",
    ] {
        assert!(!has(&tree, io), "gatehouse-query depends on {io}");
    }
}
