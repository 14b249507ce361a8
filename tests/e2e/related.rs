//! Reaching into embedded resources from the parent's query string, end to end: ordering by a
//! to-one embed's column (`order=teams(name).desc`) and filtering parents by whether an embed
//! is null (`teams=not.is.null`). Both go through the policy as every column and relation
//! does: a hidden column answers as a missing one, an invisible table as a missing
//! relationship, and the embedded table's tenant scope and row filter decide what is there.

use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app_with};

const JWT_SECRET: &str = "e2e-secret-that-is-at-least-32-bytes-long";
const ENCRYPTION_KEY: &str = "e2e-related-encryption-key";

const SCHEMA: &str = "
create table teams (
    id int primary key,
    tenant_id text not null,
    name text not null,
    secret text,
    email text,
    ssn bytea,
    status text not null default 'active'
);
create table players (
    id int primary key,
    tenant_id text not null,
    team_id int references teams (id),
    name text not null
);
create table contracts (
    id int primary key,
    tenant_id text not null,
    player_id int references players (id)
);
insert into teams (id, tenant_id, name, secret, email, status) values
    (1, 'acme', 'Alpha', 's-alpha', 'alpha@acme.test', 'active'),
    (2, 'acme', 'Bravo', 's-bravo', 'bravo@acme.test', 'active'),
    (3, 'acme', 'Zulu', 's-zulu', 'zulu@acme.test', 'archived'),
    (4, 'globex', 'Gamma', 's-gamma', 'gamma@globex.test', 'active'),
    (5, 'acme', 'Echo', 's-echo', 'echo@acme.test', 'active');
-- Player 12's team is archived (the reader's row filter hides it), 13 has none, 14 points at
-- another tenant's team.
insert into players values
    (10, 'acme', 2, 'p10'),
    (11, 'acme', 1, 'p11'),
    (12, 'acme', 3, 'p12'),
    (13, 'acme', null, 'p13'),
    (14, 'acme', 4, 'p14'),
    (20, 'globex', 4, 'p20');
insert into contracts values (100, 'acme', 10);
";

const POLICY: &str = r#"
[tenancy]
column = "tenant_id"

[roles.reader]
[roles.admin]

[tables.teams]
encrypted = ["ssn"]

[tables.teams.roles.reader]
operations = ["select"]
hidden = ["secret"]
masked = { email = "email" }
rows = "status=neq.archived"

[tables.teams.roles.admin]
operations = ["select"]
decrypt = ["ssn"]

[tables.players.roles.reader]
operations = ["select"]

[tables.players.roles.admin]
operations = ["select"]

[tables.contracts.roles.admin]
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

fn token(role: &str, tenant: &str) -> String {
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &json!({"role": role, "tenant_id": tenant, "sub": "user-1"}),
        &jsonwebtoken::EncodingKey::from_secret(JWT_SECRET.as_bytes()),
    )
    .expect("sign a token")
}

/// `GET path` as `role` of acme: the status, `Content-Range` and the JSON body.
async fn get(app: &TestApp, role: &str, path: &str) -> (u16, String, Value) {
    let response = app
        .http
        .get(format!("{}{path}", app.api))
        .bearer_auth(token(role, "acme"))
        .header("prefer", "count=exact")
        .send()
        .await
        .expect("send");
    let status = response.status().as_u16();
    let range = response
        .headers()
        .get("content-range")
        .map(|v| v.to_str().expect("text").to_owned())
        .unwrap_or_default();
    let text = response.text().await.expect("body");
    let body = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
    (status, range, body)
}

/// The ids of a JSON array of objects, in order.
fn ids(body: &Value) -> Vec<i64> {
    body.as_array()
        .unwrap_or_else(|| panic!("not an array: {body}"))
        .iter()
        .map(|row| row["id"].as_i64().expect("id"))
        .collect()
}

/// An error body with one name replaced, to compare the answers about two names.
fn renamed(body: &Value, from: &str, to: &str) -> Value {
    serde_json::from_str(&body.to_string().replace(from, to)).expect("json")
}

#[tokio::test]
async fn ordering_by_a_to_one_embed_column_sorts_by_what_the_embed_shows() {
    let app = app().await;
    // For the reader: 12's team is archived (row filter), 13 has none, 14's is globex's
    // (tenant scope): all three sort as NULL, first when descending.
    let (status, range, body) = get(
        &app,
        "reader",
        "/players?select=id,teams(name)&order=teams(name).desc,id",
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(range, "0-4/5");
    assert_eq!(ids(&body), vec![12, 13, 14, 10, 11]);
    assert_eq!(body[3], json!({"id": 10, "teams": {"name": "Bravo"}}));
    assert_eq!(body[2], json!({"id": 14, "teams": null}));

    // The admin has no row filter: Zulu counts; Gamma (globex) still does not, or 14 would
    // sort between Zulu and Bravo.
    let (status, _, body) = get(
        &app,
        "admin",
        "/players?select=id,teams(name)&order=teams(name).desc.nullslast,id",
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(ids(&body), vec![12, 10, 11, 13, 14]);

    // Ascending, through an alias, with a filter on the embed: only Alpha shows, the rest NULL.
    let (status, _, body) = get(
        &app,
        "reader",
        "/players?select=id,team:teams(name)&team.name=neq.Bravo&order=team(name).asc.nullslast,id.desc",
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(ids(&body), vec![11, 14, 13, 12, 10]);

    // An embed that selects nothing still orders.
    let (status, _, body) = get(
        &app,
        "reader",
        "/players?select=id,teams()&order=teams(name).asc.nullsfirst,id",
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        json!([{"id": 12}, {"id": 13}, {"id": 14}, {"id": 11}, {"id": 10}])
    );
}

#[tokio::test]
async fn ordering_by_a_hidden_embedded_column_answers_as_a_missing_one() {
    let app = app().await;
    let (status, _, hidden) = get(
        &app,
        "reader",
        "/players?select=id,teams(name)&order=teams(secret)",
    )
    .await;
    assert_eq!(status, 400, "{hidden}");
    assert_eq!(hidden["code"], "42703");
    let (status, _, missing) = get(
        &app,
        "reader",
        "/players?select=id,teams(name)&order=teams(nosuch)",
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(renamed(&hidden, "secret", "nosuch"), missing);
    assert!(!hidden.to_string().contains("s-"), "{hidden}");

    // An encrypted column the reader may not decrypt is hidden from it as well.
    let (status, _, encrypted) = get(
        &app,
        "reader",
        "/players?select=id,teams(name)&order=teams(ssn)",
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(renamed(&encrypted, "ssn", "nosuch"), missing);
}

#[tokio::test]
async fn ordering_by_a_masked_or_encrypted_embedded_column_is_refused_as_plain_order_is() {
    let app = app().await;
    // The reader sees email masked: sorting by it would reveal the order of the real values.
    let (status, _, body) = get(
        &app,
        "reader",
        "/players?select=id,teams(name)&order=teams(email)",
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("GH101")),
        "{body}"
    );
    let (_, _, plain) = get(&app, "reader", "/teams?select=id&order=email").await;
    assert_eq!(plain["code"], "GH101");
    // The admin may decrypt ssn, but never sort by its stored form.
    let (status, _, body) = get(
        &app,
        "admin",
        "/players?select=id,teams(name)&order=teams(ssn).desc",
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("GH101")),
        "{body}"
    );
}

#[tokio::test]
async fn ordering_needs_a_visible_to_one_embed() {
    let app = app().await;
    // To-many: PostgREST's PGRST118.
    let (status, _, body) = get(
        &app,
        "reader",
        "/teams?select=id,players(id)&order=players(name)",
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        body,
        json!({
            "code": "PGRST118",
            "message": "A related order on 'players' is not possible",
            "details": "'teams' and 'players' do not form a many-to-one or one-to-one relationship",
            "hint": null,
        })
    );
    // Not embedded: PGRST108.
    let (status, _, body) = get(&app, "reader", "/players?select=id&order=teams(name)").await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("PGRST108")),
        "{body}"
    );
    // A table the reader cannot see (contracts) is a missing relationship, whatever the order;
    // the admin, who sees it, is told it is to-many.
    let (status, _, invisible) = get(
        &app,
        "reader",
        "/players?select=id,contracts(id)&order=contracts(id)",
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(invisible["code"], "PGRST200");
    let (_, _, missing) = get(
        &app,
        "reader",
        "/players?select=id,nosuch(id)&order=nosuch(id)",
    )
    .await;
    assert_eq!(renamed(&invisible, "contracts", "nosuch"), missing);
    let (status, _, body) = get(
        &app,
        "admin",
        "/players?select=id,contracts(id)&order=contracts(id)",
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("PGRST118")),
        "{body}"
    );
}

#[tokio::test]
async fn null_filtering_an_embed_keeps_the_parents_whose_embed_shows_a_row_or_none() {
    let app = app().await;
    // To-one, for the reader: 10 and 11 have a team it may see; 12's is archived (row filter),
    // 13 has none, 14's is globex's (tenant scope). The count follows.
    let (status, range, body) = get(
        &app,
        "reader",
        "/players?select=id,teams(name)&teams=not.is.null&order=id",
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(range, "0-1/2");
    assert_eq!(
        body,
        json!([
            {"id": 10, "teams": {"name": "Bravo"}},
            {"id": 11, "teams": {"name": "Alpha"}},
        ])
    );
    let (_, range, body) = get(
        &app,
        "reader",
        "/players?select=id,teams(name)&teams=is.null&order=id",
    )
    .await;
    assert_eq!(range, "0-2/3");
    assert_eq!(ids(&body), vec![12, 13, 14]);
    // The admin has no row filter: the archived team counts, globex's still does not.
    let (_, _, body) = get(
        &app,
        "admin",
        "/players?select=id,teams()&teams=not.is.null&order=id",
    )
    .await;
    assert_eq!(body, json!([{"id": 10}, {"id": 11}, {"id": 12}]));

    // With a filter on the embed: an inner join by another name.
    let (_, _, body) = get(
        &app,
        "reader",
        "/players?select=id,team:teams(name)&team.name=eq.Alpha&team=not.is.null",
    )
    .await;
    assert_eq!(body, json!([{"id": 11, "team": {"name": "Alpha"}}]));

    // Inside a logic tree, next to a column filter (`or` across the parent and the embed).
    let (_, _, body) = get(
        &app,
        "reader",
        "/players?select=id,teams()&or=(teams.not.is.null,id.eq.13)&order=id",
    )
    .await;
    assert_eq!(ids(&body), vec![10, 11, 13]);

    // To-many: teams with and without players the reader may see (Echo has none; Zulu is
    // archived and not shown at all).
    let (_, _, body) = get(
        &app,
        "reader",
        "/teams?select=id,players(id)&players=is.null",
    )
    .await;
    assert_eq!(body, json!([{"id": 5, "players": []}]));
    let (_, _, body) = get(
        &app,
        "reader",
        "/teams?select=id,players()&players=not.is.null&order=id",
    )
    .await;
    assert_eq!(ids(&body), vec![1, 2]);
}

#[tokio::test]
async fn null_filtering_an_embed_the_role_cannot_see_answers_as_a_missing_relationship() {
    let app = app().await;
    // The reader cannot see contracts: embedding it is PGRST200, as for a table that does not
    // exist.
    let (status, _, invisible) = get(
        &app,
        "reader",
        "/players?select=id,contracts(id)&contracts=is.null",
    )
    .await;
    assert_eq!(status, 400, "{invisible}");
    assert_eq!(invisible["code"], "PGRST200");
    let (_, _, missing) = get(
        &app,
        "reader",
        "/players?select=id,nosuch(id)&nosuch=is.null",
    )
    .await;
    assert_eq!(renamed(&invisible, "contracts", "nosuch"), missing);
    // Without the embed, the name is a column name: missing either way.
    let (status, _, invisible) = get(&app, "reader", "/players?select=id&contracts=is.null").await;
    assert_eq!((status, invisible["code"].as_str()), (400, Some("42703")));
    let (_, _, missing) = get(&app, "reader", "/players?select=id&nosuch=is.null").await;
    assert_eq!(renamed(&invisible, "contracts", "nosuch"), missing);
    // The admin, who sees contracts, filters by them.
    let (status, _, body) = get(
        &app,
        "admin",
        "/players?select=id,contracts()&contracts=not.is.null",
    )
    .await;
    assert_eq!((status, body), (200, json!([{"id": 10}])));
    // Only `is.null` (negated or not) tests an embed; other operators name a column.
    let (status, _, body) = get(&app, "reader", "/players?select=id,teams(id)&teams=eq.1").await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("42703")),
        "{body}"
    );
}
