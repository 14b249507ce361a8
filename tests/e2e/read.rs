//! The read grammar end to end: every answer is checked against the data the test inserted.

use reqwest::header::{ACCEPT, RANGE};
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app_with};

pub(crate) const SCHEMA: &str = "
create table authors (
    id int primary key,
    name text not null,
    born date,
    secret_notes text
);
create table books (
    id int primary key,
    author_id int references authors (id),
    title text not null,
    pages int,
    tags text[] not null default '{}',
    data jsonb
);
create table vault (id int primary key);
insert into authors values
    (1, 'Ursula K. Le Guin', '1929-10-21', 'hidden-1'),
    (2, 'Octavia E. Butler', '1947-06-22', 'hidden-2'),
    (3, 'Anonymous', null, 'hidden-3');
insert into books values
    (1, 1, 'A Wizard of Earthsea', 183, '{fantasy}', '{\"rating\": 5, \"lang\": \"en\"}'),
    (2, 1, 'The Left Hand of Darkness', 286, '{scifi}', '{\"rating\": 4}'),
    (3, 2, 'Kindred', 264, '{scifi,history}', null),
    (4, 2, 'Parable of the Sower', 345, '{scifi}', '{\"rating\": 5}'),
    (5, null, 'Beowulf', 120, '{}', null);
insert into vault values (1);
";

pub(crate) const POLICY: &str = r#"
[roles.anon]

[tables.authors.roles.anon]
operations = ["select"]
hidden = ["secret_notes"]

[tables.books.roles.anon]
operations = ["select"]
"#;

async fn app() -> TestApp {
    spawn_app_with(SCHEMA, Some(POLICY), &[]).await
}

async fn json(app: &TestApp, path: &str) -> (u16, Value) {
    let response = app.get(path).await;
    let status = response.status().as_u16();
    (status, response.json().await.expect("a JSON body"))
}

#[tokio::test]
async fn star_selects_every_readable_column_and_never_a_hidden_one() {
    let app = app().await;
    let (status, body) = json(&app, "/authors?order=id").await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!([
            {"id": 1, "name": "Ursula K. Le Guin", "born": "1929-10-21"},
            {"id": 2, "name": "Octavia E. Butler", "born": "1947-06-22"},
            {"id": 3, "name": "Anonymous", "born": null},
        ])
    );
}

#[tokio::test]
async fn select_renames_casts_and_json_paths() {
    let app = app().await;
    let (status, body) = json(
        &app,
        "/books?select=book:title,pages::text,rating:data->rating,lang:data->>lang&id=eq.1",
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!([{"book": "A Wizard of Earthsea", "pages": "183", "rating": 5, "lang": "en"}])
    );
}

#[tokio::test]
async fn filters_compare_with_the_database_semantics() {
    let app = app().await;
    let cases: &[(&str, &[i64])] = &[
        ("pages=gt.264", &[2, 4]),
        ("pages=gte.264", &[2, 3, 4]),
        ("pages=lt.183", &[5]),
        ("pages=lte.183", &[1, 5]),
        ("pages=neq.183", &[2, 3, 4, 5]),
        ("title=like.*of*", &[1, 2, 4]),
        ("title=ilike.*KINDRED*", &[3]),
        ("title=match.^The", &[2]),
        ("title=imatch.^the", &[2]),
        ("id=in.(1,3,5)", &[1, 3, 5]),
        ("author_id=is.null", &[5]),
        ("author_id=not.is.null", &[1, 2, 3, 4]),
        ("author_id=isdistinct.1", &[3, 4, 5]),
        ("tags=cs.{scifi}", &[2, 3, 4]),
        ("tags=cd.{scifi,history}", &[2, 3, 4, 5]),
        ("tags=ov.{history,fantasy}", &[1, 3]),
        ("id=not.eq.1", &[2, 3, 4, 5]),
        ("or=(pages.lt.150,pages.gt.300)", &[4, 5]),
        ("and=(pages.gt.150,or(author_id.eq.2,id.eq.1))", &[1, 3, 4]),
        ("not.or=(id.eq.1,id.eq.2)", &[3, 4, 5]),
        ("id=eq(any).{1,2}", &[1, 2]),
        ("data->>lang=eq.en", &[1]),
        ("data->rating=eq.5", &[1, 4]),
        ("title=fts.darkness", &[2]),
        ("title=plfts(english).wizard earthsea", &[1]),
    ];
    for (filter, expected) in cases {
        let (status, body) = json(&app, &format!("/books?select=id&order=id&{filter}")).await;
        assert_eq!(status, 200, "{filter}: {body}");
        let ids: Vec<i64> = body
            .as_array()
            .expect("array")
            .iter()
            .map(|row| row["id"].as_i64().expect("id"))
            .collect();
        assert_eq!(&ids, expected, "{filter}");
    }
}

#[tokio::test]
async fn embeds_to_one_and_to_many_with_their_own_filters_order_and_limit() {
    let app = app().await;
    let (status, body) = json(
        &app,
        "/authors?select=name,books(title,pages)&books.order=pages.desc&books.limit=1&id=lte.2&order=id",
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        json!([
            {"name": "Ursula K. Le Guin", "books": [{"title": "The Left Hand of Darkness", "pages": 286}]},
            {"name": "Octavia E. Butler", "books": [{"title": "Parable of the Sower", "pages": 345}]},
        ])
    );
    let (status, body) = json(
        &app,
        "/books?select=title,writer:authors(name)&id=in.(1,5)&order=id",
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        json!([
            {"title": "A Wizard of Earthsea", "writer": {"name": "Ursula K. Le Guin"}},
            {"title": "Beowulf", "writer": null},
        ])
    );
}

#[tokio::test]
async fn inner_embed_filters_the_parent() {
    let app = app().await;
    let (status, body) = json(
        &app,
        "/authors?select=name,books!inner(title)&books.pages=gt.300",
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        json!([{"name": "Octavia E. Butler", "books": [{"title": "Parable of the Sower"}]}])
    );
}

#[tokio::test]
async fn spread_merges_a_to_one_embed() {
    let app = app().await;
    let (status, body) = json(&app, "/books?select=title,...authors(name)&id=eq.3").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        json!([{"title": "Kindred", "name": "Octavia E. Butler"}])
    );
}

#[tokio::test]
async fn limit_offset_range_and_counts() {
    let app = app().await;
    let response = app
        .http
        .get(format!("{}/books?select=id&order=id", app.api))
        .header(RANGE, "1-2")
        .header("prefer", "count=exact")
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), 206);
    assert_eq!(response.headers()["content-range"], "1-2/5");
    assert_eq!(
        response.json::<Value>().await.expect("json"),
        json!([{"id": 2}, {"id": 3}])
    );

    let response = app.get("/books?select=id&order=id&limit=2&offset=3").await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-range"], "3-4/*");

    let response = app
        .http
        .get(format!("{}/books?offset=10", app.api))
        .header("prefer", "count=exact")
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), 416);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["code"], "PGRST103");
}

#[tokio::test]
async fn singular_object_and_csv_representations() {
    let app = app().await;
    let response = app
        .http
        .get(format!("{}/authors?id=eq.2&select=id,name", app.api))
        .header(ACCEPT, "application/vnd.pgrst.object+json")
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.json::<Value>().await.expect("json"),
        json!({"id": 2, "name": "Octavia E. Butler"})
    );

    let response = app
        .http
        .get(format!("{}/authors?select=id", app.api))
        .header(ACCEPT, "application/vnd.pgrst.object+json")
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), 406);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["code"], "PGRST116");
    assert_eq!(body["details"], "The result contains 3 rows");

    let response = app
        .http
        .get(format!(
            "{}/authors?select=id,name&order=id&id=lte.2",
            app.api
        ))
        .header(ACCEPT, "text/csv")
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .expect("text")
            .starts_with("text/csv")
    );
    assert_eq!(
        response.text().await.expect("text"),
        "id,name\n1,Ursula K. Le Guin\n2,Octavia E. Butler"
    );
}

#[tokio::test]
async fn stripped_nulls_leave_out_null_valued_keys_at_every_depth() {
    let app = app().await;
    let get = |accept: &'static str, path: &'static str| {
        let app = &app;
        async move {
            let response = app
                .http
                .get(format!("{}{path}", app.api))
                .header(ACCEPT, accept)
                .send()
                .await
                .expect("send");
            let status = response.status().as_u16();
            let content_type = response.headers()["content-type"]
                .to_str()
                .expect("text")
                .to_owned();
            (status, content_type, response.text().await.expect("text"))
        }
    };
    // Anonymous has no birth date, Beowulf no author and no data: those keys go, nested ones
    // too; the other rows keep theirs (a null inside an array would stay).
    let (status, content_type, body) = get(
        "application/vnd.pgrst.array+json;nulls=stripped",
        "/books?select=id,data,authors(name,born)&id=in.(1,5)&order=id",
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        content_type,
        "application/vnd.pgrst.array+json;nulls=stripped; charset=utf-8"
    );
    assert_eq!(
        serde_json::from_str::<Value>(&body).expect("json"),
        json!([
            {"id": 1, "data": {"lang": "en", "rating": 5}, "authors": {"name": "Ursula K. Le Guin", "born": "1929-10-21"}},
            {"id": 5},
        ])
    );
    let (status, _, body) = get(
        "application/vnd.pgrst.array+json;nulls=stripped",
        "/authors?select=id,born&id=eq.3",
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        serde_json::from_str::<Value>(&body).expect("json"),
        json!([{"id": 3}])
    );
    // No rows: an empty array.
    let (_, _, body) = get(
        "application/vnd.pgrst.array+json;nulls=stripped",
        "/authors?id=eq.99",
    )
    .await;
    assert_eq!(body, "[]");
    // Without the parameter it is plain JSON, nulls kept.
    let (status, content_type, body) = get(
        "application/vnd.pgrst.array+json",
        "/authors?select=id,born&id=eq.3",
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        content_type.starts_with("application/json"),
        "{content_type}"
    );
    assert_eq!(
        serde_json::from_str::<Value>(&body).expect("json"),
        json!([{"id": 3, "born": null}])
    );
    // The singular object strips too, and still wants exactly one row.
    let (status, content_type, body) = get(
        "application/vnd.pgrst.object+json;nulls=stripped",
        "/authors?select=id,born&id=eq.3",
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        serde_json::from_str::<Value>(&body).expect("json"),
        json!({"id": 3})
    );
    assert_eq!(
        content_type,
        "application/vnd.pgrst.object+json;nulls=stripped; charset=utf-8"
    );
    let (status, _, body) = get(
        "application/vnd.pgrst.object+json;nulls=stripped",
        "/authors?select=id",
    )
    .await;
    assert_eq!(status, 406, "{body}");
}

#[tokio::test]
async fn head_answers_headers_without_a_body() {
    let app = app().await;
    let response = app
        .http
        .head(format!("{}/books", app.api))
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-range"], "0-4/*");
    assert_eq!(response.text().await.expect("text"), "");
}

#[tokio::test]
async fn a_table_outside_the_policy_answers_exactly_as_a_missing_one() {
    let app = app().await;
    let (status, vault) = json(&app, "/vault").await;
    let (missing_status, missing) = json(&app, "/no_such_table").await;
    assert_eq!((status, missing_status), (404, 404));
    assert_eq!(vault["code"], "PGRST205");
    assert_eq!(
        vault.to_string().replace("vault", "X"),
        missing.to_string().replace("no_such_table", "X")
    );
}

#[tokio::test]
async fn a_hidden_column_answers_exactly_as_a_missing_one_everywhere() {
    let app = app().await;
    for (hidden, missing) in [
        (
            "/authors?select=secret_notes",
            "/authors?select=nonexistent",
        ),
        (
            "/authors?secret_notes=eq.hidden-1",
            "/authors?nonexistent=eq.hidden-1",
        ),
        ("/authors?order=secret_notes", "/authors?order=nonexistent"),
        (
            "/authors?or=(secret_notes.eq.x,id.eq.1)",
            "/authors?or=(nonexistent.eq.x,id.eq.1)",
        ),
        (
            "/books?select=authors(secret_notes)",
            "/books?select=authors(nonexistent)",
        ),
        (
            "/authors?select=secret_notes::text",
            "/authors?select=nonexistent::text",
        ),
    ] {
        let (status, body) = json(&app, hidden).await;
        let (missing_status, missing_body) = json(&app, missing).await;
        assert_eq!(status, 400, "{hidden}: {body}");
        assert_eq!(status, missing_status, "{hidden}");
        assert_eq!(
            body.to_string().replace("secret_notes", "X"),
            missing_body.to_string().replace("nonexistent", "X"),
            "{hidden}"
        );
        assert!(
            !body.to_string().contains("hidden-"),
            "{hidden}: value leaked"
        );
    }
}

#[tokio::test]
async fn errors_follow_postgrest_codes() {
    let app = app().await;
    let cases = [
        ("/books?select=id,", 400, "PGRST100"),
        ("/books?id=zz.1", 400, "PGRST100"),
        ("/books?id=eq.abc", 400, "22P02"),
        ("/books?select=publishers(*)", 400, "PGRST200"),
        ("/books?authors.id=eq.1", 400, "PGRST108"),
        ("/books?select=title.count()", 400, "PGRST123"),
    ];
    for (path, status, code) in cases {
        let (got_status, body) = json(&app, path).await;
        assert_eq!(
            (got_status, body["code"].as_str()),
            (status, Some(code)),
            "{path}: {body}"
        );
    }
    let response = app
        .http
        .get(format!("{}/books", app.api))
        .header(ACCEPT, "image/png")
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), 406);
}

#[tokio::test]
async fn hostile_filter_values_are_data_not_sql() {
    let app = app().await;
    for value in [
        "1;drop table books",
        "1' or '1'='1",
        "$1",
        "\\x00",
        "');select pg_sleep(10);--",
    ] {
        let encoded: String = url::form_urlencoded::byte_serialize(value.as_bytes()).collect();
        let (status, body) = json(&app, &format!("/books?title=eq.{encoded}")).await;
        assert_eq!(status, 200, "{value}: {body}");
        assert_eq!(body, json!([]), "{value}");
    }
    let client = app.db.admin_client().await;
    let count: i64 = client
        .query_one("select count(*) from books", &[])
        .await
        .expect("count")
        .get(0);
    assert_eq!(count, 5);
}

#[tokio::test]
async fn profiles_must_name_an_exposed_schema() {
    let app = app().await;
    let response = app
        .http
        .get(format!("{}/authors?select=id&order=id&limit=1", app.api))
        .header("accept-profile", "public")
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), 200);
    // PostgREST echoes the schema it picked by profile.
    assert_eq!(response.headers()["content-profile"], "public");
    assert_eq!(
        response.json::<Value>().await.expect("json"),
        json!([{"id": 1}])
    );
    // One schema exposed and no profile asked: nothing to echo.
    let response = app.get("/authors?select=id&limit=1").await;
    assert_eq!(response.status(), 200);
    assert!(response.headers().get("content-profile").is_none());
    let response = app
        .http
        .get(format!("{}/authors", app.api))
        .header("accept-profile", "private")
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), 406);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["code"], "PGRST106");
    assert_eq!(
        body["message"],
        "The schema must be one of the following: public"
    );
}

#[tokio::test]
async fn with_several_schemas_the_response_names_the_one_it_answers_from() {
    let app = spawn_app_with(
        "create table things (id int primary key, name text not null);
         insert into things values (1, 'public thing');
         create schema sales;
         create table sales.things (id int primary key, name text not null);
         insert into sales.things values (1, 'sales thing');
         grant usage on schema sales to gatehouse_app;
         grant select, insert on all tables in schema sales to gatehouse_app;",
        Some(
            "[roles.anon]\n\
             [tables.things]\nroles.anon = { operations = [\"select\"] }\n\
             [tables.\"sales.things\"]\nroles.anon = { operations = [\"select\", \"insert\"] }\n",
        ),
        &[("GATEHOUSE_SCHEMAS", "public,sales")],
    )
    .await;
    let read = |profile: Option<&'static str>| {
        let app = &app;
        async move {
            let mut request = app.http.get(format!("{}/things?select=name", app.api));
            if let Some(profile) = profile {
                request = request.header("accept-profile", profile);
            }
            let response = request.send().await.expect("send");
            let profile = response
                .headers()
                .get("content-profile")
                .map(|v| v.to_str().expect("text").to_owned());
            (profile, response.json::<Value>().await.expect("json"))
        }
    };
    // The default (first) schema is named too: the client could have meant another.
    assert_eq!(
        read(None).await,
        (Some("public".to_owned()), json!([{"name": "public thing"}]))
    );
    assert_eq!(
        read(Some("sales")).await,
        (Some("sales".to_owned()), json!([{"name": "sales thing"}]))
    );
    // A write with a representation names it; one without a body does not.
    let write = |prefer: &'static str, id: i32| {
        let app = &app;
        async move {
            let response = app
                .http
                .post(format!("{}/things?select=id,name", app.api))
                .header("content-profile", "sales")
                .header("prefer", prefer)
                .json(&json!({"id": id, "name": "new"}))
                .send()
                .await
                .expect("send");
            let status = response.status().as_u16();
            let profile = response
                .headers()
                .get("content-profile")
                .map(|v| v.to_str().expect("text").to_owned());
            (status, profile, response.text().await.expect("text"))
        }
    };
    let (status, profile, body) = write("return=representation", 2).await;
    assert_eq!((status, profile.as_deref()), (201, Some("sales")), "{body}");
    assert_eq!(
        serde_json::from_str::<Value>(&body).expect("json"),
        json!([{"id": 2, "name": "new"}])
    );
    let (status, profile, _) = write("return=minimal", 3).await;
    assert_eq!((status, profile), (201, None));
    let client = app.db.admin_client().await;
    let count: i64 = client
        .query_one("select count(*) from sales.things where id in (2, 3)", &[])
        .await
        .expect("count")
        .get(0);
    assert_eq!(count, 2);
}
