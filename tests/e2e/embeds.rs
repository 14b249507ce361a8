//! Embedding by every relationship shape, hints and ambiguity, and the limits a request meets.

use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app_with};

const SCHEMA: &str = "
create table people (id int primary key, name text not null);
create table passports (id int primary key, person_id int not null unique references people (id), number text not null);
create table films (id int primary key, title text not null, year int);
create table roles (
    person_id int not null references people (id),
    film_id int not null references films (id),
    primary key (person_id, film_id)
);
create table messages (
    id int primary key,
    sender_id int not null references people (id),
    receiver_id int not null references people (id),
    body text not null
);
create view slow as select 1 as slept from pg_sleep(2);
insert into people values (1, 'Ada'), (2, 'Grace'), (3, 'Linus');
insert into passports values (10, 1, 'P-ADA'), (20, 2, 'P-GRACE');
insert into films values (100, 'Hackers', 1995), (200, 'Sneakers', 1992), (300, 'Tron', null);
insert into roles values (1, 100), (1, 200), (2, 200);
insert into messages values (1, 1, 2, 'hi Grace'), (2, 2, 1, 'hi Ada'), (3, 1, 3, 'hi Linus');
";

const POLICY: &str = r#"
[roles.anon]
max_rows = 50

[tables.people]
roles.anon = { operations = ["select"] }
[tables.passports]
roles.anon = { operations = ["select"] }
[tables.films]
roles.anon = { operations = ["select"], max_rows = 2 }
[tables.roles]
roles.anon = { operations = ["select"] }
[tables.messages]
roles.anon = { operations = ["select"] }
[tables.slow]
roles.anon = { operations = ["select"] }
"#;

async fn app() -> TestApp {
    spawn_app_with(
        SCHEMA,
        Some(POLICY),
        &[("GATEHOUSE_STATEMENT_TIMEOUT_MS", "300")],
    )
    .await
}

async fn json(app: &TestApp, path: &str) -> (u16, Value) {
    let response = app.get(path).await;
    let status = response.status().as_u16();
    (status, response.json().await.expect("a JSON body"))
}

#[tokio::test]
async fn one_to_one_embeds_as_an_object_both_ways() {
    let app = app().await;
    let (status, body) = json(&app, "/people?select=name,passports(number)&order=id").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        json!([
            {"name": "Ada", "passports": {"number": "P-ADA"}},
            {"name": "Grace", "passports": {"number": "P-GRACE"}},
            {"name": "Linus", "passports": null},
        ])
    );
    let (_, body) = json(&app, "/passports?select=number,people(name)&order=id").await;
    assert_eq!(
        body,
        json!([
            {"number": "P-ADA", "people": {"name": "Ada"}},
            {"number": "P-GRACE", "people": {"name": "Grace"}},
        ])
    );
}

#[tokio::test]
async fn many_to_many_through_a_junction_with_nested_order() {
    let app = app().await;
    let (status, body) = json(
        &app,
        "/people?select=name,films(title)&films.order=year.desc&order=id",
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        json!([
            {"name": "Ada", "films": [{"title": "Hackers"}, {"title": "Sneakers"}]},
            {"name": "Grace", "films": [{"title": "Sneakers"}]},
            {"name": "Linus", "films": []},
        ])
    );
}

#[tokio::test]
async fn an_ambiguous_embed_answers_300_with_the_candidates_and_a_hint_picks_one() {
    let app = app().await;
    let (status, body) = json(&app, "/messages?select=body,people(name)").await;
    assert_eq!(status, 300, "{body}");
    assert_eq!(body["code"], "PGRST201");
    let details = body["details"].as_array().expect("candidate list");
    assert_eq!(details.len(), 2, "{body}");
    assert!(
        body["hint"]
            .as_str()
            .expect("hint")
            .contains("people!messages_sender_id_fkey")
    );

    let (status, body) = json(
        &app,
        "/messages?select=body,sender:people!messages_sender_id_fkey(name),receiver:people!receiver_id(name)&order=id&limit=1",
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        json!([{"body": "hi Grace", "sender": {"name": "Ada"}, "receiver": {"name": "Grace"}}])
    );
}

#[tokio::test]
async fn nested_embeds_go_to_any_depth() {
    let app = app().await;
    let (status, body) = json(
        &app,
        "/passports?select=number,people(name,films(title,roles(person_id)))&id=eq.20",
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        json!([{"number": "P-GRACE", "people": {"name": "Grace", "films": [
            {"title": "Sneakers", "roles": [{"person_id": 1}, {"person_id": 2}]}
        ]}}])
    );
}

#[tokio::test]
async fn order_with_nulls_placement() {
    let app = app().await;
    let (_, body) = json(&app, "/films?select=id&order=year.desc.nullsfirst").await;
    assert_eq!(body, json!([{"id": 300}, {"id": 100}]), "capped at 2 rows");
    let (_, body) = json(&app, "/films?select=id&order=year.asc.nullslast&limit=5").await;
    assert_eq!(body, json!([{"id": 200}, {"id": 100}]), "capped at 2 rows");
}

#[tokio::test]
async fn the_row_cap_of_the_table_entry_applies_whatever_the_limit() {
    let app = app().await;
    let response = app
        .http
        .get(format!("{}/films?select=id&order=id", app.api))
        .header("prefer", "count=exact")
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), 206);
    assert_eq!(response.headers()["content-range"], "0-1/3");
    assert_eq!(
        response.json::<Value>().await.expect("json"),
        json!([{"id": 100}, {"id": 200}])
    );
}

#[tokio::test]
async fn the_statement_timeout_answers_504_and_leaves_no_hang() {
    let app = app().await;
    let started = std::time::Instant::now();
    let (status, body) = json(&app, "/slow").await;
    assert_eq!(status, 504, "{body}");
    assert_eq!(body["code"], "57014");
    assert!(started.elapsed() < std::time::Duration::from_secs(2));
    // The connection is usable afterwards.
    let (status, _) = json(&app, "/people?select=id").await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn a_database_outage_answers_503_with_retry_after() {
    let app = app().await;
    crate::helpers::cut_off_app_role(&app.db).await;
    let response = app.get("/people").await;
    assert_eq!(response.status(), 503);
    assert_eq!(response.headers()["retry-after"], "5");
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["code"], "PGRST001");
    assert!(!body.to_string().contains("gatehouse_app"), "{body}");
}

#[tokio::test]
async fn planned_and_estimated_counts_follow_postgrest() {
    let app = spawn_app_with(
        "create table nums (id int primary key); \
         insert into nums select generate_series(1, 1000); analyze nums;",
        Some("[roles.anon]\n[tables.nums]\nroles.anon = { operations = [\"select\"] }\n"),
        &[("GATEHOUSE_MAX_ROWS", "10")],
    )
    .await;
    let range = |prefer: &'static str, path: &'static str| {
        let app = &app;
        async move {
            let response = app
                .http
                .get(format!("{}{path}", app.api))
                .header("prefer", prefer)
                .send()
                .await
                .expect("send");
            assert_eq!(response.headers()["preference-applied"], prefer);
            response.headers()["content-range"]
                .to_str()
                .expect("text")
                .to_owned()
        }
    };
    // The planner knows the table's size after ANALYZE.
    assert_eq!(
        range("count=planned", "/nums?select=id&order=id").await,
        "0-9/1000"
    );
    // Estimated: beyond the row cap, the planner's figure...
    assert_eq!(
        range("count=estimated", "/nums?select=id&order=id").await,
        "0-9/1000"
    );
    // ...within it, the exact count.
    assert_eq!(
        range("count=estimated", "/nums?select=id&id=lte.3").await,
        "0-2/3"
    );
    assert_eq!(
        range("count=exact", "/nums?select=id&id=gt.995").await,
        "0-4/5"
    );
}
