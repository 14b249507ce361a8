//! Introspection cases: each `cases/<name>/schema.sql` is applied to a fresh database (over
//! TLS, from the testkit) and the introspected catalog, as JSON, is compared with
//! `cases/<name>/catalog.snap`.
//!
//! A first line `-- schemas: a, b` in `schema.sql` sets the exposed schemas (default
//! `public`). OIDs of objects the case creates differ from run to run and are replaced by
//! `"<user oid>"`; built-in OIDs are kept. Write or update snapshots with
//! `INSTA_UPDATE=always cargo test -p gatehouse-schema --test cases`, then read them.

use std::path::{Path, PathBuf};

use gatehouse_schema as schema;

/// PostgreSQL's `FirstNormalObjectId`: OIDs below are assigned at initdb.
const FIRST_USER_OID: u64 = 16384;

fn cases_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases")
}

fn exposed_schemas(sql: &str) -> Vec<String> {
    sql.lines()
        .next()
        .and_then(|l| l.strip_prefix("-- schemas:"))
        .map(|list| list.split(',').map(|s| s.trim().to_owned()).collect())
        .unwrap_or_else(|| vec!["public".to_owned()])
}

/// Pretty JSON in the model's field order, user OIDs replaced.
fn redacted_json(catalog: &schema::Catalog) -> String {
    let json = serde_json::to_string_pretty(catalog).expect("serialize");
    let mut out = String::with_capacity(json.len());
    for line in json.lines() {
        let trimmed = line.trim_start();
        let user_oid = trimmed
            .strip_prefix("\"oid\": ")
            .map(|rest| rest.trim_end_matches(','))
            .and_then(|n| n.parse::<u64>().ok())
            .is_some_and(|oid| oid >= FIRST_USER_OID);
        if user_oid {
            let indent = &line[..line.len() - trimmed.len()];
            let comma = if trimmed.ends_with(',') { "," } else { "" };
            out.push_str(&format!("{indent}\"oid\": \"<user oid>\"{comma}"));
        } else {
            out.push_str(line);
        }
        out.push('\n');
    }
    out
}

async fn check(case: &str) {
    let dir = cases_dir().join(case);
    let sql = std::fs::read_to_string(dir.join("schema.sql")).expect("read schema.sql");
    let db = testkit::TestDatabase::with_schema(&sql).await;
    let client = db.admin_client().await;
    let catalog = schema::introspect(&client, &exposed_schemas(&sql))
        .await
        .expect("introspect");

    // The JSON form is the catalog: it reads back equal, indexes rebuilt.
    let json = serde_json::to_string(&catalog).expect("serialize");
    let back: schema::Catalog = serde_json::from_str(&json).expect("deserialize");
    assert_eq!(back, catalog);
    for r in catalog.relations() {
        assert!(back.relation(&r.schema, &r.name).is_some());
    }

    let json = redacted_json(&catalog);
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(&dir);
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.set_input_file(dir.join("schema.sql"));
    settings.bind(|| insta::assert_snapshot!("catalog", json));
}

macro_rules! cases {
    ($($name:ident),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $name() {
                check(stringify!($name)).await;
            }
        )*

        /// Every folder under `cases/` has a test above.
        #[test]
        fn every_case_folder_is_listed() {
            let listed = [$(stringify!($name)),*];
            let mut missing = Vec::new();
            for entry in std::fs::read_dir(cases_dir()).expect("read cases/") {
                let name = entry.expect("entry").file_name().to_string_lossy().into_owned();
                if !listed.contains(&name.as_str()) {
                    missing.push(name);
                }
            }
            assert!(missing.is_empty(), "cases without a test: {missing:?}");
        }
    };
}

cases!(
    arrays,
    base_types,
    comments,
    composite_fk,
    defaults,
    domains,
    enums,
    identity_generated,
    json,
    many_to_many,
    materialized_view,
    multiple_fks,
    multiple_schemas,
    non_exposed_schema,
    numeric_precision,
    one_to_one,
    partitioned_table,
    row_security,
    self_reference,
    view_relationships,
    views,
);
