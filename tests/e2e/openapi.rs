//! The OpenAPI document (`GET /`, `GET /openapi.json`, `gatehouse openapi`): per role, only
//! what the policy gives; precise types; structurally valid OpenAPI 3.1; and the committed
//! demo document (`openapi/demo-reader.json`) current.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Command;

use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app_with};

const JWT_SECRET: &str = "e2e-openapi-secret-at-least-32-bytes";

const SCHEMA: &str = "
create type mood as enum ('happy', 'sad');
create table kinds (
    id bigint generated always as identity primary key,
    small smallint not null,
    medium integer,
    price numeric(10, 2) not null,
    ratio real,
    score double precision not null,
    flag boolean not null default false,
    born date,
    at timestamptz not null default now(),
    local_at timestamp,
    tod time,
    uid uuid,
    feeling mood,
    feelings mood[],
    tags text[] not null default '{}',
    doc jsonb,
    raw bytea,
    code varchar(8),
    span interval,
    doubled numeric generated always as (price * 2) stored
);
comment on table kinds is 'One column of each type.';
comment on column kinds.price is 'Unit price.';
create table accounts (
    id int primary key,
    tenant_id text not null,
    name text not null,
    email text not null,
    phone text,
    ssn bytea,
    secret_notes text,
    created_at timestamptz not null default now()
);
comment on column accounts.phone is 'Phone number; the extension is in secret_notes.';
comment on column accounts.name is 'Display name.';
create table memberships (
    account_id int not null references accounts (id),
    kind_id bigint not null references kinds (id),
    primary key (account_id, kind_id)
);
create table audit_trail (id int primary key, what text);
comment on table audit_trail is 'Never exposed.';
";

const POLICY: &str = r#"
[tenancy]
column = "tenant_id"

[roles.reader]
[roles.admin]

[tables.kinds]
roles."*" = { operations = ["select"] }

[tables.kinds.roles.admin]
operations = ["select", "insert", "update", "delete"]

[tables.accounts]
encrypted = ["ssn"]

[tables.accounts.roles.reader]
operations = ["select"]
hidden = ["secret_notes"]
masked = { email = "email" }

[tables.accounts.roles.admin]
operations = ["select", "insert", "update", "delete"]
read_only = ["created_at"]
decrypt = ["ssn"]

[tables.memberships.roles.admin]
operations = ["select", "insert", "update", "delete"]
"#;

async fn app(policy: &str) -> TestApp {
    spawn_app_with(
        SCHEMA,
        Some(policy),
        &[
            ("GATEHOUSE_JWT_SECRET", JWT_SECRET),
            // The policies encrypt a column: serving needs a key.
            ("GATEHOUSE_ENCRYPTION_KEY", "e2e-openapi-key"),
        ],
    )
    .await
}

fn token(role: &str) -> String {
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &json!({"role": role, "tenant_id": "acme", "sub": "user-1"}),
        &jsonwebtoken::EncodingKey::from_secret(JWT_SECRET.as_bytes()),
    )
    .expect("sign a token")
}

/// `GET path` with the role's token (none for `None`): status, content type and body.
async fn fetch(app: &TestApp, path: &str, role: Option<&str>) -> (u16, String, String) {
    let mut request = app.http.get(format!("{}{path}", app.api));
    if let Some(role) = role {
        request = request.bearer_auth(token(role));
    }
    let response = request.send().await.expect("send");
    let status = response.status().as_u16();
    let media = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().expect("text").to_owned())
        .unwrap_or_default();
    (status, media, response.text().await.expect("body"))
}

async fn document(app: &TestApp, role: &str) -> (String, Value) {
    let (status, media, body) = fetch(app, "/openapi.json", Some(role)).await;
    assert_eq!(status, 200, "{body}");
    assert!(media.starts_with("application/openapi+json"), "{media}");
    let document = serde_json::from_str(&body).expect("the document is JSON");
    (body, document)
}

fn keys(value: &Value) -> BTreeSet<String> {
    value
        .as_object()
        .map(|object| object.keys().cloned().collect())
        .unwrap_or_default()
}

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|name| (*name).to_owned()).collect()
}

/// The names of the query parameters of an operation that are not shared ones.
fn filter_names(operation: &Value) -> BTreeSet<String> {
    operation["parameters"]
        .as_array()
        .expect("parameters")
        .iter()
        .filter(|p| p["in"] == "query" && p["name"] != "select")
        .filter_map(|p| p["name"].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn the_readers_document_leaves_out_hidden_columns_and_forbidden_tables() {
    let app = app(POLICY).await;
    let (text, doc) = document(&app, "reader").await;
    check_structure(&doc);

    for absent in [
        "secret_notes",
        "ssn",
        "audit_trail",
        "memberships",
        "Never exposed",
    ] {
        assert!(!text.contains(absent), "{absent:?} appears in:\n{text}");
    }
    assert_eq!(keys(&doc["paths"]), set(&["/", "/accounts", "/kinds"]));
    // Select only: GET and HEAD, nothing that writes.
    assert_eq!(keys(&doc["paths"]["/accounts"]), set(&["get", "head"]));
    assert_eq!(keys(&doc["paths"]["/kinds"]), set(&["get", "head"]));
    let schemas = keys(&doc["components"]["schemas"]);
    assert_eq!(schemas, set(&["Error", "accounts", "kinds"]));

    let accounts = &doc["components"]["schemas"]["accounts"]["properties"];
    assert_eq!(
        keys(accounts),
        set(&["id", "tenant_id", "name", "email", "phone", "created_at"])
    );
    // Masked: a string, said to be masked, not filterable.
    assert_eq!(accounts["email"]["type"], "string");
    let masked = accounts["email"]["description"].as_str().expect("text");
    assert!(masked.contains("Masked (email)"), "{masked}");
    // A comment that names a hidden column is left out; others are kept.
    assert!(accounts["phone"].get("description").is_none(), "{accounts}");
    assert_eq!(accounts["name"]["description"], "Display name.");
    // The reader writes nothing: every column is read-only to it.
    for (name, property) in accounts.as_object().expect("properties") {
        assert_eq!(property["readOnly"], true, "{name}");
    }
    let get = &doc["paths"]["/accounts"]["get"];
    assert_eq!(
        filter_names(get),
        set(&["id", "tenant_id", "name", "phone", "created_at"])
    );
    let tag = doc["tags"]
        .as_array()
        .expect("tags")
        .iter()
        .find(|tag| tag["name"] == "accounts")
        .expect("accounts tag");
    assert!(
        tag["description"]
            .as_str()
            .expect("text")
            .contains("Tenant-scoped"),
        "{tag}"
    );
}

#[tokio::test]
async fn the_admins_document_has_its_operations_and_read_only_columns() {
    let app = app(POLICY).await;
    let (text, doc) = document(&app, "admin").await;
    check_structure(&doc);

    assert!(!text.contains("audit_trail"), "{text}");
    assert_eq!(
        keys(&doc["paths"]),
        set(&["/", "/accounts", "/kinds", "/memberships"])
    );
    // PUT needs a primary key the role can filter on and write: `kinds.id` is an identity
    // column (never written), `accounts.id` and the membership pair are plain.
    assert_eq!(
        keys(&doc["paths"]["/accounts"]),
        set(&["get", "head", "post", "put", "patch", "delete"])
    );
    assert_eq!(
        keys(&doc["paths"]["/kinds"]),
        set(&["get", "head", "post", "patch", "delete"])
    );
    assert_eq!(
        keys(&doc["paths"]["/memberships"]),
        set(&["get", "head", "post", "put", "patch", "delete"])
    );

    let schemas = &doc["components"]["schemas"];
    let row = &schemas["accounts"]["properties"];
    assert_eq!(row["created_at"]["readOnly"], true);
    assert_eq!(row["tenant_id"]["readOnly"], true);
    assert!(row["name"].get("readOnly").is_none(), "{row}");
    // Decrypted for the admin: a string, never usable in a filter.
    assert_eq!(row["ssn"]["type"], json!(["string", "null"]));
    assert!(row["secret_notes"].is_object(), "{row}");
    assert!(
        !filter_names(&doc["paths"]["/accounts"]["get"]).contains("ssn"),
        "{text}"
    );

    let insert = &schemas["accounts.insert"];
    assert_eq!(
        keys(&insert["properties"]),
        set(&["id", "name", "email", "phone", "ssn", "secret_notes"])
    );
    let required: BTreeSet<String> = insert["required"]
        .as_array()
        .expect("required")
        .iter()
        .filter_map(|name| name.as_str().map(str::to_owned))
        .collect();
    assert_eq!(required, set(&["id", "name", "email"]));
    assert!(schemas["accounts.update"].get("required").is_none());
    // Identity and generated columns are never written.
    assert_eq!(
        keys(&schemas["kinds.insert"]["properties"])
            .intersection(&set(&["id", "doubled"]))
            .count(),
        0
    );
    // POST takes one row or an array of them.
    let body = &doc["paths"]["/accounts"]["post"]["requestBody"]["content"]["application/json"];
    assert_eq!(
        body["schema"]["oneOf"][0]["$ref"],
        "#/components/schemas/accounts.insert"
    );
    assert_eq!(body["schema"]["oneOf"][1]["type"], "array");
    // PUT filters the whole primary key.
    let put = doc["paths"]["/memberships"]["put"]["parameters"]
        .as_array()
        .expect("parameters");
    let keyed: BTreeSet<String> = put
        .iter()
        .filter(|p| p["required"] == true)
        .filter_map(|p| p["name"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(keyed, set(&["account_id", "kind_id"]));
    // Embeds offered only towards tables the role reads.
    let select = doc["paths"]["/accounts"]["get"]["parameters"]
        .as_array()
        .expect("parameters")
        .iter()
        .find(|p| p["name"] == "select")
        .expect("select");
    assert!(
        select["description"]
            .as_str()
            .expect("text")
            .contains("`memberships`"),
        "{select}"
    );
}

#[tokio::test]
async fn column_types_and_nullability_are_precise() {
    let app = app(POLICY).await;
    let (_, doc) = document(&app, "admin").await;
    let kinds = &doc["components"]["schemas"]["kinds"]["properties"];
    let shape = |name: &str| {
        let p = &kinds[name];
        json!({"type": p["type"], "format": p["format"]})
    };
    assert_eq!(shape("id"), json!({"type": "integer", "format": "int64"}));
    assert_eq!(kinds["id"]["readOnly"], true);
    assert_eq!(
        shape("small"),
        json!({"type": "integer", "format": "int16"})
    );
    assert_eq!(kinds["small"]["maximum"], 32767);
    assert_eq!(
        shape("medium"),
        json!({"type": ["integer", "null"], "format": "int32"})
    );
    assert_eq!(shape("price"), json!({"type": "number", "format": null}));
    let price = kinds["price"]["description"].as_str().expect("text");
    assert!(price.starts_with("Unit price."), "{price}");
    assert!(price.contains("JSON number"), "{price}");
    assert_eq!(
        shape("ratio"),
        json!({"type": ["number", "null"], "format": "float"})
    );
    assert_eq!(
        shape("score"),
        json!({"type": "number", "format": "double"})
    );
    assert_eq!(shape("flag"), json!({"type": "boolean", "format": null}));
    assert_eq!(
        shape("born"),
        json!({"type": ["string", "null"], "format": "date"})
    );
    assert_eq!(
        shape("at"),
        json!({"type": "string", "format": "date-time"})
    );
    assert_eq!(
        shape("local_at"),
        json!({"type": ["string", "null"], "format": "date-time"})
    );
    assert_eq!(
        shape("tod"),
        json!({"type": ["string", "null"], "format": "time"})
    );
    assert_eq!(
        shape("uid"),
        json!({"type": ["string", "null"], "format": "uuid"})
    );
    assert_eq!(kinds["feeling"]["type"], json!(["string", "null"]));
    assert_eq!(kinds["feeling"]["enum"], json!(["happy", "sad", null]));
    assert_eq!(kinds["feelings"]["type"], json!(["array", "null"]));
    assert_eq!(kinds["feelings"]["items"]["enum"], json!(["happy", "sad"]));
    assert_eq!(kinds["tags"]["type"], "array");
    assert_eq!(kinds["tags"]["items"]["type"], "string");
    assert!(kinds["doc"].get("type").is_none(), "json is any value");
    assert_eq!(kinds["raw"]["type"], json!(["string", "null"]));
    assert_eq!(kinds["code"]["maxLength"], 8);
    assert_eq!(kinds["span"]["type"], json!(["string", "null"]));
    assert_eq!(kinds["doubled"]["readOnly"], true);
    // Request schemas: required are the NOT NULL columns without a default.
    let required = &doc["components"]["schemas"]["kinds.insert"]["required"];
    assert_eq!(required, &json!(["small", "price", "score"]));
}

#[tokio::test]
async fn without_credentials_and_without_an_anon_role_the_document_is_401() {
    let app = app(POLICY).await;
    for path in ["/", "/openapi.json"] {
        let (status, _, body) = fetch(&app, path, None).await;
        assert_eq!(status, 401, "{path}: {body}");
        let body: Value = serde_json::from_str(&body).expect("error body");
        assert!(body["code"].is_string(), "{body}");
    }
}

#[tokio::test]
async fn anonymous_callers_get_the_anon_roles_document() {
    let policy = POLICY.replace("[roles.reader]", "[roles.anon]\n[roles.reader]");
    let app = app(&policy).await;
    let (status, media, text) = fetch(&app, "/", None).await;
    assert_eq!(status, 200, "{text}");
    assert!(media.starts_with("application/openapi+json"), "{media}");
    let doc: Value = serde_json::from_str(&text).expect("json");
    check_structure(&doc);
    // `kinds` is for every role ("*"); the rest names roles.
    assert_eq!(keys(&doc["paths"]), set(&["/", "/kinds"]));
    for absent in [
        "accounts",
        "memberships",
        "ssn",
        "secret_notes",
        "audit_trail",
    ] {
        assert!(!text.contains(absent), "{absent:?} in:\n{text}");
    }
    // No credentials needed; a bearer token or an API key accepted.
    assert_eq!(
        doc["security"],
        json!([{}, {"bearerAuth": []}, {"apiKey": []}])
    );
}

// --- the committed demo document ---------------------------------------------------------

const DEMO_SCHEMA: &str = include_str!("../../crates/api/demo/schema.sql");
const DEMO_POLICY: &str = include_str!("../../crates/api/demo/policy.toml");
const UPDATE: &str = "GATEHOUSE_UPDATE_OPENAPI";

fn committed_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../openapi/demo-reader.json")
}

fn gatehouse_openapi(args: &[&str], database_url: &str, policy: &str) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_gatehouse"))
        .arg("openapi")
        .args(args)
        .env_clear()
        .env("GATEHOUSE_DATABASE_URL", database_url)
        .env("GATEHOUSE_POLICY_FILE", policy)
        .env("GATEHOUSE_LOG", "warn")
        .output()
        .expect("run gatehouse openapi")
}

#[tokio::test]
async fn the_committed_demo_document_is_current() {
    // The demo SQL encrypts with `current_setting('gatehouse.demo_key')`: set it first, in
    // the same session.
    let sql =
        format!("select set_config('gatehouse.demo_key', 'e2e-demo-key', false);\n{DEMO_SCHEMA}");
    let app = spawn_app_with(
        &sql,
        Some(DEMO_POLICY),
        &[
            ("GATEHOUSE_JWT_SECRET", JWT_SECRET),
            // The demo policy encrypts a column: serving needs its key.
            ("GATEHOUSE_ENCRYPTION_KEY", "e2e-demo-key"),
        ],
    )
    .await;
    let policy = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("demo/policy.toml");
    let policy = policy.to_str().expect("utf-8 path");

    let output = gatehouse_openapi(&["--role", "reader"], &app.db.app_url(), policy);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let generated = String::from_utf8(output.stdout).expect("utf-8");
    let doc: Value = serde_json::from_str(&generated).expect("json");
    check_structure(&doc);
    for absent in ["ssn", "notes", "tenants", "neq."] {
        assert!(
            !generated.contains(absent),
            "{absent:?} in the demo document"
        );
    }

    // The server answers a reader with the very same document.
    let (served, _) = document(&app, "reader").await;
    assert_eq!(
        format!("{served}\n"),
        generated,
        "command and server disagree"
    );

    // --output writes the same bytes.
    let file = std::env::temp_dir().join(format!("gatehouse-openapi-{}.json", app.db.name()));
    let file_arg = file.to_str().expect("utf-8 path");
    let output = gatehouse_openapi(
        &["--role", "reader", "--output", file_arg],
        &app.db.app_url(),
        policy,
    );
    assert!(output.status.success());
    assert_eq!(
        std::fs::read_to_string(&file).expect("read --output"),
        generated
    );
    let _ = std::fs::remove_file(&file);

    let path = committed_path();
    if std::env::var_os(UPDATE).is_some_and(|v| v == "1") {
        std::fs::write(&path, &generated).expect("write openapi/demo-reader.json");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "openapi/demo-reader.json is out of date; refresh it with\n  \
         {UPDATE}=1 cargo test -p gatehouse-api --test e2e openapi::the_committed_demo_document_is_current\n\
         and commit the result"
    );
}

#[tokio::test]
async fn the_command_asks_for_a_role_when_there_is_no_anon_role() {
    let app = app(POLICY).await;
    let policy = std::env::temp_dir().join(format!("gatehouse-openapi-{}.toml", app.db.name()));
    std::fs::write(&policy, POLICY).expect("write the policy");
    let policy = policy.to_str().expect("utf-8 path");
    let output = gatehouse_openapi(&[], &app.db.app_url(), policy);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--role"), "{stderr}");
    let output = gatehouse_openapi(&["--role", "nobody"], &app.db.app_url(), policy);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("not declared"), "{stderr}");
}

// --- structure ---------------------------------------------------------------------------

/// Structural checks of an OpenAPI 3.1 document, beyond "it is JSON": the required fields,
/// every `$ref` resolving, unique operation ids, component names OpenAPI allows, parameters
/// with a name, a place and a schema, JSON Schema types from the allowed set, and no
/// OpenAPI 3.0 `nullable`. (`openapi/validate.sh` runs a full validator.)
fn check_structure(doc: &Value) {
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(doc["info"]["title"], "Gatehouse");
    assert_eq!(doc["info"]["version"], env!("CARGO_PKG_VERSION"));
    let paths = doc["paths"].as_object().expect("paths is an object");
    for (name, components) in doc["components"].as_object().expect("components") {
        for key in components.as_object().expect("component map").keys() {
            assert!(
                !key.is_empty()
                    && key
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_')),
                "components/{name}/{key}: not a valid component name"
            );
        }
    }
    let mut operation_ids = BTreeSet::new();
    for (path, item) in paths {
        assert!(path.starts_with('/'), "{path}");
        for (method, operation) in item.as_object().expect("path item") {
            assert!(
                ["get", "head", "post", "put", "patch", "delete"].contains(&method.as_str()),
                "{path}: {method}"
            );
            let id = operation["operationId"].as_str().expect("operationId");
            assert!(operation_ids.insert(id.to_owned()), "duplicate {id}");
            let responses = operation["responses"].as_object().expect("responses");
            assert!(!responses.is_empty(), "{path} {method}: no responses");
            for status in responses.keys() {
                assert!(
                    status.len() == 3
                        && (status.chars().all(|c| c.is_ascii_digit()) || status.ends_with("XX")),
                    "{path} {method}: status {status}"
                );
            }
            let mut seen = BTreeSet::new();
            for parameter in operation["parameters"].as_array().into_iter().flatten() {
                let parameter = resolve(doc, parameter);
                let name = parameter["name"].as_str().expect("parameter name");
                let place = parameter["in"].as_str().expect("parameter in");
                assert!(["query", "header"].contains(&place), "{name}: {place}");
                assert!(parameter["schema"].is_object(), "{name}: no schema");
                assert!(
                    seen.insert((name.to_lowercase(), place.to_owned())),
                    "{path} {method}: parameter {name} twice"
                );
            }
        }
    }
    walk(doc, doc, "#");
}

fn resolve<'a>(doc: &'a Value, value: &'a Value) -> &'a Value {
    match value.get("$ref").and_then(Value::as_str) {
        Some(reference) => pointer(doc, reference),
        None => value,
    }
}

fn pointer<'a>(doc: &'a Value, reference: &str) -> &'a Value {
    let target = reference
        .strip_prefix('#')
        .and_then(|pointer| doc.pointer(pointer));
    target.unwrap_or_else(|| panic!("$ref {reference} does not resolve"))
}

fn walk(doc: &Value, value: &Value, at: &str) {
    match value {
        Value::Object(object) => {
            assert!(!object.contains_key("nullable"), "{at}: `nullable` is 3.0");
            if let Some(reference) = object.get("$ref").and_then(Value::as_str) {
                pointer(doc, reference);
            }
            // A schema's `type` (not a property named `type`, not a security scheme's).
            if let Some(types) = object.get("type")
                && !at.ends_with("/properties")
                && !at.contains("/securitySchemes/")
            {
                let allowed = [
                    "object", "array", "string", "integer", "number", "boolean", "null",
                ];
                let listed: Vec<&Value> = match types {
                    Value::Array(items) => items.iter().collect(),
                    other => vec![other],
                };
                for t in listed {
                    assert!(
                        t.as_str().is_some_and(|t| allowed.contains(&t)),
                        "{at}: type {t}"
                    );
                }
            }
            for (key, child) in object {
                walk(doc, child, &format!("{at}/{key}"));
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                walk(doc, child, &format!("{at}/{i}"));
            }
        }
        _ => {}
    }
}
