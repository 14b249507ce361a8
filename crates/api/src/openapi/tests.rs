//! The document for hand-built catalogs and policies, without a database: the edge cases the
//! end-to-end tests (`tests/e2e/openapi.rs`) do not reach.

use serde_json::{Value, json};

use super::*;

fn column(name: &str, typname: &str, category: &str, comment: Option<&str>) -> Value {
    json!({
        "name": name,
        "type": {
            "oid": 25,
            "schema": "pg_catalog",
            "name": typname,
            "sql_name": typname,
            "category": category,
            "kind": "base",
        },
        "nullable": false,
        "comment": comment,
    })
}

fn relation(name: &str, comment: Option<&str>, columns: Vec<Value>) -> Value {
    json!({
        "schema": "public",
        "name": name,
        "kind": "table",
        "comment": comment,
        "insertable": true,
        "updatable": true,
        "deletable": true,
        "columns": columns,
        "primary_key": {"name": format!("{name}_pkey"), "columns": ["id"]},
    })
}

fn catalog(relations: Vec<Value>) -> schema::Catalog {
    serde_json::from_value(json!({
        "schemas": [{"name": "public"}],
        "relations": relations,
        "relationships": [],
    }))
    .expect("a catalog")
}

fn environment() -> policy::Environment {
    policy::Environment {
        schema: "public".to_owned(),
        max_rows: None,
        encryption_key: None,
    }
}

/// The document for `role` as JSON.
fn render(catalog: &schema::Catalog, policy: &str, role: &str) -> Value {
    let policy = policy::parse(policy).expect("a valid policy");
    let document = document(catalog, &policy, &environment(), role).expect("a declared role");
    serde_json::from_str(&to_json(&document).expect("serializes")).expect("json")
}

fn keys(value: &Value) -> Vec<String> {
    value
        .as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default()
}

#[test]
fn an_undeclared_role_has_no_document() {
    let catalog = catalog(vec![]);
    let policy = policy::parse("[roles.reader]").expect("policy");
    assert!(document(&catalog, &policy, &environment(), "reader").is_some());
    assert!(document(&catalog, &policy, &environment(), "writer").is_none());
}

#[test]
fn odd_table_names_get_valid_unique_component_names_and_encoded_paths() {
    let id = || column("id", "int4", "integer", None);
    let catalog = catalog(vec![
        relation("Error", None, vec![id()]),
        relation("my table", None, vec![id()]),
    ]);
    let doc = render(
        &catalog,
        r#"
        [roles.reader]
        [tables.Error]
        roles."*" = { operations = ["select", "insert"] }
        [tables."my table"]
        roles."*" = { operations = ["select"] }
        "#,
        "reader",
    );
    assert_eq!(
        keys(&doc["components"]["schemas"]),
        ["Error", "Error.insert", "Error_2", "my_table"]
    );
    // The table called Error has its own schema; the error body keeps the name.
    assert_eq!(
        doc["paths"]["/Error"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
            ["items"]["$ref"],
        "#/components/schemas/Error_2"
    );
    assert!(doc["components"]["schemas"]["Error"]["properties"]["hint"].is_object());
    assert_eq!(keys(&doc["paths"]), ["/", "/Error", "/my%20table"]);
}

#[test]
fn comments_that_name_what_the_role_cannot_see_are_left_out() {
    let catalog = catalog(vec![
        relation(
            "people",
            Some("Everyone; salaries live in PAYROLL."),
            vec![
                column("id", "int4", "integer", Some("The key.")),
                column("name", "text", "string", Some("Kept: mentions id only.")),
                column("salary", "int4", "integer", Some("Secret.")),
                column("grade", "text", "string", Some("Derived from Salary.")),
            ],
        ),
        relation("payroll", Some("Never shown."), vec![]),
    ]);
    let policy = r#"
        [roles.reader]
        [tables.people.roles.reader]
        operations = ["select"]
        hidden = ["salary"]
    "#;
    let doc = render(&catalog, policy, "reader");
    let text = doc.to_string().to_lowercase();
    assert!(!text.contains("salar"), "{doc:#}");
    assert!(!text.contains("payroll"), "{doc:#}");
    let row = &doc["components"]["schemas"]["people"];
    assert!(row.get("description").is_none(), "{row}");
    assert_eq!(
        row["properties"]["id"]["description"],
        "The key.\n\nPrimary key."
    );
    assert_eq!(
        row["properties"]["name"]["description"],
        "Kept: mentions id only."
    );
    assert!(row["properties"]["grade"].get("description").is_none());
}

#[test]
fn reserved_and_dotted_column_names_get_no_filter_parameter() {
    let catalog = catalog(vec![relation(
        "things",
        None,
        vec![
            column("id", "int4", "integer", None),
            column("select", "text", "string", None),
            column("or", "text", "string", None),
            column("a.b", "text", "string", None),
            column("limit", "int4", "integer", None),
        ],
    )]);
    let doc = render(
        &catalog,
        "[roles.reader]\n[tables.things]\nroles.\"*\" = { operations = [\"select\"] }",
        "reader",
    );
    assert_eq!(
        keys(&doc["components"]["schemas"]["things"]["properties"]),
        // (sorted: `serde_json::Value` orders keys)
        ["a.b", "id", "limit", "or", "select"]
    );
    let names: Vec<&str> = doc["paths"]["/things"]["get"]["parameters"]
        .as_array()
        .expect("parameters")
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    assert_eq!(names, ["select", "id"]);
}
