//! Column, row and tenant rules on the read path, end to end with signed JWTs: the response
//! and what it must never contain.

use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app_with};

const JWT_SECRET: &str = "e2e-secret-that-is-at-least-32-bytes-long";
const ENCRYPTION_KEY: &str = "e2e-encryption-key";

const SCHEMA: &str = "
create table customers (
    id int primary key,
    tenant_id text not null,
    name text not null,
    email text not null,
    phone text,
    ssn bytea,
    notes text,
    status text not null default 'active'
);
create table orders (
    id int primary key,
    tenant_id text not null,
    customer_id int references customers (id),
    owner text not null,
    total numeric(10, 2) not null
);
create table countries (code text primary key, name text not null);
insert into customers values
    (1, 'acme', 'Alice', 'alice@acme.test', '+1-555-0101', pgp_sym_encrypt('111-11-1111', 'e2e-encryption-key'), 'vip', 'active'),
    (2, 'acme', 'Arnold', 'arnold@acme.test', '+1-555-0102', pgp_sym_encrypt('222-22-2222', 'e2e-encryption-key'), 'late payer', 'archived'),
    (3, 'globex', 'Gina', 'gina@globex.test', '+1-555-0103', pgp_sym_encrypt('333-33-3333', 'e2e-encryption-key'), 'secret', 'active');
insert into orders values
    (10, 'acme', 1, 'user-a', 10.00),
    (11, 'acme', 1, 'user-b', 20.00),
    (12, 'globex', 1, 'user-a', 99.00),
    (13, 'globex', 3, 'user-g', 30.00);
insert into countries values ('DE', 'Germany'), ('JP', 'Japan');
";

const POLICY: &str = r#"
[tenancy]
column = "tenant_id"

[roles.reader]
[roles.admin]

[tables.countries]
roles."*" = { operations = ["select"] }

[tables.customers]
encrypted = ["ssn"]

[tables.customers.roles.reader]
operations = ["select"]
hidden = ["notes"]
masked = { email = "email", phone = "last4" }
rows = "status=neq.archived"

[tables.customers.roles.admin]
operations = ["select"]
decrypt = ["ssn"]

[tables.orders.roles.reader]
operations = ["select"]
rows = "owner=eq.$sub"

[tables.orders.roles.admin]
operations = ["select"]
"#;

async fn app() -> TestApp {
    spawn_app_with(
        SCHEMA,
        Some(POLICY),
        &[
            ("GATEHOUSE_JWT_SECRET", JWT_SECRET),
            ("GATEHOUSE_ENCRYPTION_KEY", ENCRYPTION_KEY),
        ],
    )
    .await
}

fn token(claims: Value) -> String {
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(JWT_SECRET.as_bytes()),
    )
    .expect("sign a token")
}

fn reader(tenant: &str, sub: &str) -> String {
    token(json!({"role": "reader", "tenant_id": tenant, "sub": sub}))
}

fn admin(tenant: &str) -> String {
    token(json!({"role": "admin", "tenant_id": tenant, "sub": "admin-1"}))
}

async fn get(app: &TestApp, jwt: &str, path: &str) -> (u16, String) {
    let response = app
        .http
        .get(format!("{}{path}", app.api))
        .bearer_auth(jwt)
        .header("prefer", "count=exact")
        .send()
        .await
        .expect("send");
    let status = response.status().as_u16();
    let range = response
        .headers()
        .get("content-range")
        .map(|v| v.to_str().expect("text").to_owned());
    let body = response.text().await.expect("body");
    (status, format!("{}|{body}", range.unwrap_or_default()))
}

fn body(answer: &str) -> Value {
    serde_json::from_str(answer.split_once('|').expect("range|body").1).expect("json body")
}

#[tokio::test]
async fn tenancy_limits_reads_and_counts_to_the_callers_tenant() {
    let app = app().await;
    let (status, answer) = get(&app, &reader("acme", "user-a"), "/customers?select=id,name").await;
    assert_eq!(status, 200, "{answer}");
    // Arnold is archived (row filter), Gina is another tenant's.
    assert!(answer.starts_with("0-0/1|"), "{answer}");
    assert_eq!(body(&answer), json!([{"id": 1, "name": "Alice"}]));

    let (status, answer) = get(&app, &reader("globex", "user-g"), "/customers?select=id").await;
    assert_eq!((status, body(&answer)), (200, json!([{"id": 3}])));
}

#[tokio::test]
async fn another_tenants_row_by_id_is_not_found_in_the_answer() {
    let app = app().await;
    let (status, answer) = get(&app, &admin("acme"), "/customers?id=eq.3&select=id,name").await;
    assert_eq!(status, 200);
    assert_eq!(answer, "*/0|[]");
}

#[tokio::test]
async fn embeds_are_tenant_scoped_at_every_depth() {
    let app = app().await;
    // Order 12 belongs to globex but points at acme's customer 1: it must not appear.
    let (status, answer) = get(
        &app,
        &admin("acme"),
        "/customers?select=id,orders(id)&id=eq.1&orders.order=id",
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        body(&answer),
        json!([{"id": 1, "orders": [{"id": 10}, {"id": 11}]}])
    );

    // And from the other side: globex's order 12 embeds no acme customer for a globex caller.
    let (_, answer) = get(
        &app,
        &admin("globex"),
        "/orders?select=id,customers(id)&order=id",
    )
    .await;
    assert_eq!(
        body(&answer),
        json!([{"id": 12, "customers": null}, {"id": 13, "customers": {"id": 3}}])
    );
}

#[tokio::test]
async fn a_token_without_a_tenant_is_refused_on_scoped_tables_and_served_on_shared_ones() {
    let app = app().await;
    let jwt = token(json!({"role": "reader", "sub": "user-a"}));
    let (status, answer) = get(&app, &jwt, "/customers").await;
    assert_eq!(status, 403, "{answer}");
    assert_eq!(body(&answer)["code"], "GH110");
    assert!(!answer.contains("Alice") && !answer.contains("Gina"));

    let (status, answer) = get(&app, &jwt, "/countries?order=code").await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        body(&answer),
        json!([{"code": "DE", "name": "Germany"}, {"code": "JP", "name": "Japan"}])
    );
}

#[tokio::test]
async fn masked_columns_show_only_the_masked_form_and_cannot_be_filtered_or_ordered() {
    let app = app().await;
    let jwt = reader("acme", "user-a");
    let (status, answer) = get(&app, &jwt, "/customers?select=email,phone").await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        body(&answer),
        json!([{"email": "a***@acme.test", "phone": "*******0101"}])
    );
    assert!(!answer.contains("alice@"), "{answer}");

    for path in [
        "/customers?email=eq.alice@acme.test",
        "/customers?email=like.a*",
        "/customers?or=(email.eq.x,id.eq.1)",
        "/customers?order=email",
        "/customers?select=email->>x",
    ] {
        let (status, answer) = get(&app, &jwt, path).await;
        assert_eq!(status, 400, "{path}: {answer}");
        assert_eq!(body(&answer)["code"], "GH101", "{path}");
        assert!(!answer.contains("alice"), "{path}: {answer}");
    }
}

#[tokio::test]
async fn encrypted_columns_are_plaintext_only_for_roles_that_may_decrypt() {
    let app = app().await;
    let (status, answer) = get(&app, &admin("acme"), "/customers?select=id,ssn&id=eq.1").await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(body(&answer), json!([{"id": 1, "ssn": "111-11-1111"}]));

    // For the reader the column does not exist, with `*` and by name alike.
    let jwt = reader("acme", "user-a");
    let (status, answer) = get(&app, &jwt, "/customers").await;
    assert_eq!(status, 200);
    assert_eq!(
        body(&answer),
        json!([{"id": 1, "tenant_id": "acme", "name": "Alice", "email": "a***@acme.test", "phone": "*******0101", "status": "active"}])
    );
    let (status, answer) = get(&app, &jwt, "/customers?select=ssn").await;
    assert_eq!(status, 400);
    assert_eq!(body(&answer)["code"], "42703");

    // Nobody filters or orders on ciphertext.
    let (status, answer) = get(&app, &admin("acme"), "/customers?ssn=eq.111-11-1111").await;
    assert_eq!(status, 400, "{answer}");
    assert_eq!(body(&answer)["code"], "GH101");
    let (status, _) = get(&app, &admin("acme"), "/customers?order=ssn").await;
    assert_eq!(status, 400);

    // The database holds ciphertext only.
    let client = app.db.admin_client().await;
    let stored: Vec<u8> = client
        .query_one("select ssn from customers where id = 1", &[])
        .await
        .expect("select")
        .get(0);
    assert!(!String::from_utf8_lossy(&stored).contains("111-11-1111"));
}

#[tokio::test]
async fn row_filters_use_the_principals_subject() {
    let app = app().await;
    let (status, answer) = get(
        &app,
        &reader("acme", "user-a"),
        "/orders?select=id&order=id",
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    assert!(answer.starts_with("0-0/1|"), "{answer}");
    assert_eq!(body(&answer), json!([{"id": 10}]));
    let (_, answer) = get(&app, &reader("acme", "user-b"), "/orders?select=id").await;
    assert_eq!(body(&answer), json!([{"id": 11}]));
    // A reader without a subject cannot satisfy `owner=eq.$sub`: refused, never unfiltered.
    let jwt = token(json!({"role": "reader", "tenant_id": "acme"}));
    let (status, answer) = get(&app, &jwt, "/orders").await;
    assert_eq!(status, 403, "{answer}");
    assert_eq!(body(&answer)["code"], "GH111");
}

#[tokio::test]
async fn a_hidden_column_in_the_row_filter_stays_hidden() {
    let app = app().await;
    let jwt = reader("acme", "user-a");
    // `status` is used by the reader's row filter but is not hidden; `notes` is hidden.
    let (status, answer) = get(&app, &jwt, "/customers?select=notes").await;
    assert_eq!(status, 400);
    assert!(!answer.contains("vip"), "{answer}");
}

#[tokio::test]
async fn bad_tokens_get_postgrest_codes() {
    let app = app().await;
    let expired = token(json!({"role": "reader", "tenant_id": "acme", "exp": 1_000_000}));
    let forged = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &json!({"role": "admin", "tenant_id": "acme"}),
        &jsonwebtoken::EncodingKey::from_secret(b"not-the-server-secret-not-the-server-secret"),
    )
    .expect("sign");
    let undeclared = token(json!({"role": "superuser", "tenant_id": "acme"}));
    for (jwt, code) in [
        (expired.as_str(), "PGRST303"),
        (forged.as_str(), "PGRST301"),
        (undeclared.as_str(), "GH301"),
        ("not-a-jwt", "PGRST301"),
    ] {
        let (status, answer) = get(&app, jwt, "/customers").await;
        assert_eq!(status, 401, "{code}: {answer}");
        assert_eq!(body(&answer)["code"], code);
        assert!(!answer.contains("Alice"));
    }
    // No credentials and no anon role: 401.
    let response = app.get("/customers").await;
    assert_eq!(response.status(), 401);
}

#[tokio::test]
async fn rs256_and_es256_tokens_verify_against_the_jwks_file() {
    let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/src/auth/tests/fixtures");
    let jwks = format!("{fixtures}/jwks.json");
    let app = spawn_app_with(
        SCHEMA,
        Some(POLICY),
        &[
            ("GATEHOUSE_JWKS_FILE", &jwks),
            ("GATEHOUSE_ENCRYPTION_KEY", ENCRYPTION_KEY),
        ],
    )
    .await;
    let claims = json!({"role": "reader", "tenant_id": "acme", "sub": "user-a"});
    let sign = |algorithm, kid: &str, pem_file: &str| {
        let pem = std::fs::read(format!("{fixtures}/{pem_file}")).expect("read key");
        let key = match algorithm {
            jsonwebtoken::Algorithm::RS256 => jsonwebtoken::EncodingKey::from_rsa_pem(&pem),
            _ => jsonwebtoken::EncodingKey::from_ec_pem(&pem),
        }
        .expect("parse key");
        let mut header = jsonwebtoken::Header::new(algorithm);
        header.kid = Some(kid.to_owned());
        jsonwebtoken::encode(&header, &claims, &key).expect("sign")
    };
    for jwt in [
        sign(jsonwebtoken::Algorithm::RS256, "rsa-1", "rsa.pem"),
        sign(jsonwebtoken::Algorithm::ES256, "ec-1", "ec.pem"),
    ] {
        let (status, answer) = get(&app, &jwt, "/customers?select=id").await;
        assert_eq!(status, 200, "{answer}");
        assert_eq!(body(&answer), json!([{"id": 1}]));
    }
    // A key that is not in the JWKS, under a known kid: refused.
    let forged = sign(jsonwebtoken::Algorithm::RS256, "rsa-1", "rsa_other.pem");
    let (status, answer) = get(&app, &forged, "/customers").await;
    assert_eq!(status, 401, "{answer}");
    assert_eq!(body(&answer)["code"], "PGRST301");
}
