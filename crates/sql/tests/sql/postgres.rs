//! The rendered statements on a real PostgreSQL (over TLS, through the testkit), as
//! `gatehouse_app` (no special privilege), compared with hand-written SQL on the same data.

use expect_test::expect_file;
use serde_json::Value;
use tokio_postgres::types::{ToSql, Type};

use sql::{Format, Param, Statement};

use crate::{ADMIN, ADMIN_ALL, DATA_SQL, READER, SCHEMA_SQL, Who, catalog, plan};

/// PostgreSQL's `FirstNormalObjectId`: OIDs below are fixed at initdb.
const FIRST_USER_OID: u64 = 16384;

/// Replaces the OIDs of objects the schema creates (different on every run) by 0.
fn zero_user_oids(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, value) in map.iter_mut() {
                if key == "oid" && value.as_u64().is_some_and(|oid| oid >= FIRST_USER_OID) {
                    *value = Value::from(0);
                } else {
                    zero_user_oids(value);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(zero_user_oids),
        _ => {}
    }
}

#[tokio::test]
async fn catalog_fixture_is_current() {
    let db = testkit::TestDatabase::with_schema(SCHEMA_SQL).await;
    let client = db.admin_client().await;
    let introspected = schema::introspect(&client, &["public".to_owned()])
        .await
        .expect("introspect the fixture schema");
    let mut json = serde_json::to_value(&introspected).unwrap();
    zero_user_oids(&mut json);
    let text = serde_json::to_string_pretty(&json).unwrap() + "\n";
    expect_file!["fixture/catalog.json"].assert_eq(&text);
    // And what the tests load is what introspection says.
    let reloaded: schema::Catalog = serde_json::from_str(&text).unwrap();
    assert_eq!(&reloaded, catalog());
}

/// A database with the fixture schema and data, and a connection as the unprivileged app role.
struct Db {
    _db: testkit::TestDatabase,
    client: tokio_postgres::Client,
}

/// The one row a read statement returns.
#[derive(Debug, PartialEq)]
struct Page {
    total: Option<i64>,
    page_total: i64,
    body: Option<String>,
}

impl Db {
    async fn new() -> Db {
        let db = testkit::TestDatabase::with_schema(&[SCHEMA_SQL, DATA_SQL].join("\n")).await;
        db.grant_app(&["public"]).await;
        let client = db.app_client().await;
        Db { _db: db, client }
    }

    /// Runs a rendered statement the way the API does: prepared with explicit `text` /
    /// `text[]` parameter types.
    async fn run(&self, statement: &Statement) -> Page {
        let mut types = Vec::new();
        let mut values: Vec<Box<dyn ToSql + Sync + Send>> = Vec::new();
        for param in &statement.params {
            match param {
                Param::Text(text) | Param::Secret(text) => {
                    types.push(Type::TEXT);
                    values.push(Box::new(text.clone()));
                }
                Param::TextArray(items) => {
                    types.push(Type::TEXT_ARRAY);
                    values.push(Box::new(items.clone()));
                }
            }
        }
        let refs: Vec<&(dyn ToSql + Sync)> = values
            .iter()
            .map(|v| v.as_ref() as &(dyn ToSql + Sync))
            .collect();
        let prepared = self
            .client
            .prepare_typed(&statement.sql, &types)
            .await
            .unwrap_or_else(|e| panic!("prepare {}: {}", statement.sql, pg::describe(&e)));
        let row = self
            .client
            .query_one(&prepared, &refs)
            .await
            .unwrap_or_else(|e| panic!("run {}: {}", statement.sql, pg::describe(&e)));
        assert_eq!(row.columns().len(), 3);
        Page {
            total: row.get("total"),
            page_total: row.get("page_total"),
            body: row.get("body"),
        }
    }

    async fn render_and_run(&self, who: Who, relation: &str, query: &str, format: Format) -> Page {
        self.run(&sql::render_read(&plan(who, relation, query, None), format))
            .await
    }

    /// The JSON body of `GET /<relation>?<query>` by `who`.
    async fn body(&self, who: Who, relation: &str, query: &str) -> Value {
        let page = self
            .render_and_run(who, relation, query, Format::Json)
            .await;
        let body = page.body.expect("a JSON body is never null");
        serde_json::from_str(&body).unwrap_or_else(|e| panic!("{body}: {e}"))
    }

    /// The one text value hand-written SQL returns, as JSON.
    async fn expected(&self, sql: &str) -> Value {
        let row = self
            .client
            .query_one(sql, &[])
            .await
            .unwrap_or_else(|e| panic!("hand-written {sql}: {}", pg::describe(&e)));
        let text: String = row.get(0);
        serde_json::from_str(&text).unwrap()
    }

    /// `GET /<relation>?<query>` by `who` gives what `sql` (hand-written, one `jsonb` or `json`
    /// value) gives.
    async fn check(&self, who: Who, relation: &str, query: &str, sql: &str) {
        let got = self.body(who, relation, query).await;
        let want = self.expected(sql).await;
        assert_eq!(got, want, "{relation}?{query}\nhand-written: {sql}");
    }
}

/// Each filter, with the predicate it must mean, on the reader's (tenant t1) books.
const FILTERS: &[(&str, &str)] = &[
    ("id=eq.1", "id = 1"),
    ("price=gt.10", "price > 10"),
    ("pages=gte.120", "pages >= 120"),
    ("pages=lt.120", "pages < 120"),
    ("pages=lte.120", "pages <= 120"),
    ("title=neq.Cats", "title <> 'Cats'"),
    (
        "published=isdistinct.true",
        "published is distinct from true",
    ),
    ("title=like.*i*", "title like '%i%'"),
    ("title=ilike.c*", "title ilike 'c%'"),
    ("pages=match.^1", "pages::text ~ '^1'"),
    ("title=imatch.^D", "title ~* '^D'"),
    ("title=eq.Fish $1;--", "title = 'Fish $1;--'"),
    ("id=in.(1,3)", "id in (1, 3)"),
    (
        "title=in.(Cats,\"Fish $1;--\")",
        "title in ('Cats', 'Fish $1;--')",
    ),
    ("id=in.()", "false"),
    ("id=not.in.()", "true"),
    ("id=not.in.(1,2)", "not (id in (1, 2))"),
    ("pages=eq(any).{120,300}", "pages = any('{120,300}')"),
    ("pages=gt(all).{10,100}", "pages > all('{10,100}')"),
    ("title=like(any).{C*,F*}", "title like any('{C%,F%}')"),
    ("title=like(all).{*i*,*s*}", "title like all('{%i%,%s%}')"),
    ("price=is.null", "price is null"),
    ("price=not.is.null", "price is not null"),
    ("published=is.true", "published is true"),
    ("published=is.false", "published is false"),
    ("published=not.is.false", "published is not false"),
    ("published=is.unknown", "published is unknown"),
    ("pages=is.not_null", "pages is not null"),
    (
        "search=fts(english).cat",
        "search @@ to_tsquery('english', 'cat')",
    ),
    ("search=fts.dog", "search @@ to_tsquery('dog')"),
    (
        "body=fts(english).cat",
        "to_tsvector('english', body) @@ to_tsquery('english', 'cat')",
    ),
    (
        "body=plfts.fat cats",
        "to_tsvector(body) @@ plainto_tsquery('fat cats')",
    ),
    (
        "search=phfts(english).cats and dogs",
        "search @@ phraseto_tsquery('english', 'cats and dogs')",
    ),
    (
        "body=wfts(english).fish -dogs",
        "to_tsvector('english', body) @@ websearch_to_tsquery('english', 'fish -dogs')",
    ),
    ("tags=cs.{pets}", "tags @> '{pets}'"),
    ("tags=cd.{pets,cats,dogs}", "tags <@ '{pets,cats,dogs}'"),
    ("tags=ov.{dogs,x}", "tags && '{dogs,x}'"),
    ("period=sl.[50,60)", "period << '[50,60)'"),
    ("period=sr.[0,1)", "period >> '[0,1)'"),
    ("period=nxl.[3,4)", "period &> '[3,4)'"),
    ("period=nxr.[0,12)", "period &< '[0,12)'"),
    ("period=adj.[15,20)", "period -|- '[15,20)'"),
    ("data=cs.{\"n\":1}", "data @> '{\"n\":1}'"),
    ("data->a->>b=eq.x", "data->'a'->>'b' = 'x'"),
    ("data->n=eq.2", "data->'n' = '2'::jsonb"),
    ("data->n=gt.1", "data->'n' > '1'::jsonb"),
    ("data->list->1=eq.2", "data->'list'->1 = '2'::jsonb"),
    (
        "meta->arr->0=eq.\"p\"",
        "(meta->'arr'->0)::jsonb = '\"p\"'::jsonb",
    ),
    ("meta->>k=eq.w", "meta->>'k' = 'w'"),
    ("meta->>k=like.*", "meta->>'k' like '%'"),
    (
        "or=(id.eq.1,and(pages.gt.100,title.not.like.D*))",
        "(id = 1 or (pages > 100 and not title like 'D%'))",
    ),
    (
        "not.and=(id.eq.3,price.is.null)",
        "not (id = 3 and price is null)",
    ),
    ("not.or=(id.eq.1,id.eq.2)", "not (id = 1 or id = 2)"),
    ("id=gt.1&id=lt.4", "id > 1 and id < 4"),
];

#[tokio::test]
async fn every_filter_means_its_hand_written_predicate() {
    let db = Db::new().await;
    let mut failures = Vec::new();
    for (filter, predicate) in FILTERS {
        let query = format!("select=id&order=id&{filter}");
        let got = db.body(READER, "books", &query).await;
        // Hand-written: fixed test text, no request in sight.
        let sql = format!(
            "select coalesce(jsonb_agg(jsonb_build_object('id', id) order by id), '[]')::text \
             from books where tenant_id = 't1' and ({predicate})"
        );
        let want = db.expected(&sql).await;
        if got != want {
            failures.push(format!("{filter}: got {got}, want {want} ({predicate})"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Guards against vacuous filter cases: most of them select a proper, non-empty subset.
#[tokio::test]
async fn filter_cases_discriminate() {
    let db = Db::new().await;
    let all = db.body(READER, "books", "select=id&order=id").await;
    assert_eq!(
        all,
        serde_json::json!([{"id": 1}, {"id": 2}, {"id": 3}, {"id": 4}])
    );
    let mut vacuous = Vec::new();
    for (filter, _) in FILTERS {
        let got = db
            .body(READER, "books", &format!("select=id&order=id&{filter}"))
            .await;
        if got == all || got == serde_json::json!([]) {
            vacuous.push(*filter);
        }
    }
    // Only the empty list and its negation may keep all or nothing.
    assert_eq!(vacuous, ["id=in.()", "id=not.in.()"].to_vec());
}

#[tokio::test]
async fn operands_are_cast_to_enums_domains_and_dates() {
    let db = Db::new().await;
    db.check(
        READER,
        "authors",
        "select=id&mood=eq.happy&order=id",
        "select jsonb_agg(jsonb_build_object('id', id) order by id)::text
         from authors where tenant_id = 't1' and mood = 'happy'",
    )
    .await;
    db.check(
        READER,
        "authors",
        "select=id&mood=in.(happy,sad)&born=is.null&order=id",
        "select jsonb_agg(jsonb_build_object('id', id) order by id)::text
         from authors where tenant_id = 't1' and mood in ('happy', 'sad') and born is null",
    )
    .await;
    db.check(
        READER,
        "authors",
        "select=id&born=gt.1980-01-01&order=id",
        "select jsonb_agg(jsonb_build_object('id', id) order by id)::text
         from authors where tenant_id = 't1' and born > '1980-01-01'",
    )
    .await;
    db.check(
        READER,
        "tags",
        "select=id,code&code=like.*1&order=id",
        "select jsonb_agg(jsonb_build_object('id', id, 'code', code) order by id)::text
         from tags where code like '%1'",
    )
    .await;
    db.check(
        READER,
        "tags",
        "select=id&code=eq(any).{A2,F1}&order=id",
        "select jsonb_agg(jsonb_build_object('id', id) order by id)::text
         from tags where code = any('{A2,F1}')",
    )
    .await;
}

#[tokio::test]
async fn embeds_of_each_cardinality() {
    let db = Db::new().await;
    // One-to-many (filtered, ordered, limited) and one-to-one.
    db.check(
        READER,
        "authors",
        "select=name,books(title,price),profile:profiles(bio)&order=id\
         &books.order=id.desc&books.limit=1&books.price=gt.1",
        "select jsonb_agg(jsonb_build_object(
            'name', a.name,
            'books', coalesce((select jsonb_agg(x.o) from (
                select jsonb_build_object('title', b.title, 'price', b.price) o from books b
                where b.author_id = a.id and b.price > 1 and b.tenant_id = 't1'
                order by b.id desc limit 1) x), '[]'),
            'profile', (select jsonb_build_object('bio', p.bio) from profiles p
                        where p.author_id = a.id and p.tenant_id = 't1'))
            order by a.id)::text
         from authors a where a.tenant_id = 't1'",
    )
    .await;
    // Many-to-one.
    db.check(
        READER,
        "books",
        "select=title,author:authors(name,mood)&order=id",
        "select jsonb_agg(jsonb_build_object(
            'title', b.title,
            'author', (select jsonb_build_object('name', a.name, 'mood', a.mood) from authors a
                       where a.id = b.author_id and a.tenant_id = 't1'))
            order by b.id)::text
         from books b where b.tenant_id = 't1'",
    )
    .await;
    // Many-to-many, through the junction and its tenant guard: the t2 junction row from
    // book 4 to tag 3 is not followed.
    db.check(
        READER,
        "books",
        "select=id,tags(name)&order=id&tags.order=name",
        "select jsonb_agg(jsonb_build_object(
            'id', b.id,
            'tags', coalesce((select jsonb_agg(jsonb_build_object('name', t.name) order by t.name)
                              from tags t join book_tags bt on bt.tag_id = t.id
                              where bt.book_id = b.id and bt.tenant_id = 't1'), '[]'))
            order by b.id)::text
         from books b where b.tenant_id = 't1'",
    )
    .await;
    let body = db
        .body(READER, "books", "select=id,tags(name)&id=eq.4")
        .await;
    assert_eq!(body, serde_json::json!([{"id": 4, "tags": []}]));
    // Nested: authors → books → tags.
    db.check(
        READER,
        "authors",
        "select=id,books(id,tags(id))&order=id&books.order=id&books.tags.order=id",
        "select jsonb_agg(jsonb_build_object(
            'id', a.id,
            'books', coalesce((select jsonb_agg(jsonb_build_object(
                'id', b.id,
                'tags', coalesce((select jsonb_agg(jsonb_build_object('id', t.id) order by t.id)
                                  from tags t join book_tags bt on bt.tag_id = t.id
                                  where bt.book_id = b.id and bt.tenant_id = 't1'), '[]'))
                order by b.id) from books b where b.author_id = a.id and b.tenant_id = 't1'), '[]'))
            order by a.id)::text
         from authors a where a.tenant_id = 't1'",
    )
    .await;
}

#[tokio::test]
async fn inner_embeds_filter_the_parent() {
    let db = Db::new().await;
    db.check(
        READER,
        "authors",
        "select=name,books!inner(title)&books.pages=gt.100&order=id&books.order=id",
        "select jsonb_agg(jsonb_build_object(
            'name', a.name,
            'books', (select jsonb_agg(jsonb_build_object('title', b.title) order by b.id)
                      from books b where b.author_id = a.id and b.pages > 100 and b.tenant_id = 't1'))
            order by a.id)::text
         from authors a where a.tenant_id = 't1'
           and exists(select 1 from books b where b.author_id = a.id and b.pages > 100 and b.tenant_id = 't1')",
    )
    .await;
    // `books!inner()`: not shown, only filtering.
    let body = db
        .body(
            READER,
            "authors",
            "select=name,books!inner()&books.title=eq.Birds",
        )
        .await;
    assert_eq!(body, serde_json::json!([{"name": "Bob"}]));
    // Inner through the junction.
    let body = db
        .body(
            READER,
            "books",
            "select=id,tags!inner()&tags.name=eq.animals&order=id",
        )
        .await;
    assert_eq!(body, serde_json::json!([{"id": 1}, {"id": 2}]));
    // Inner to-one: only authors that have a (t1) profile.
    let body = db
        .body(READER, "authors", "select=id,profiles!inner(bio)&order=id")
        .await;
    assert_eq!(
        body,
        serde_json::json!([{"id": 1, "profiles": {"bio": "Writes."}}, {"id": 3, "profiles": {"bio": null}}])
    );
}

#[tokio::test]
async fn spreads_merge_the_child_keys_in_place() {
    let db = Db::new().await;
    db.check(
        READER,
        "books",
        "select=title,...authors(author:name,born,...profiles(bio)),id&order=id",
        "select jsonb_agg(jsonb_build_object(
            'title', b.title, 'author', a.name, 'born', a.born, 'bio', p.bio, 'id', b.id)
            order by b.id)::text
         from books b
         left join authors a on a.id = b.author_id and a.tenant_id = 't1'
         left join profiles p on p.author_id = a.id and p.tenant_id = 't1'
         where b.tenant_id = 't1'",
    )
    .await;
    // The keys keep their place (json, not jsonb) and their values their types.
    let page = db
        .render_and_run(
            READER,
            "books",
            "select=title,...authors(author:name,born,...profiles(bio)),id&id=eq.1",
            Format::Object,
        )
        .await;
    assert_eq!(
        page.body.as_deref(),
        Some(
            r#"{"title" : "Cats", "author" : "Ann", "born" : "1970-01-02", "bio" : "Writes.", "id" : 1}"#
        )
    );
    // An inner spread drops parents without a matching child.
    let body = db
        .body(
            READER,
            "authors",
            "select=id,...profiles!inner(bio)&order=id",
        )
        .await;
    assert_eq!(
        body,
        serde_json::json!([{"id": 1, "bio": "Writes."}, {"id": 3, "bio": null}])
    );
}

#[tokio::test]
async fn masks_and_decryption() {
    let db = Db::new().await;
    // The reader: masked forms, written here the long way; the archived row filtered out by
    // the role's row filter; `notes` hidden.
    db.check(
        READER,
        "customers",
        "order=id",
        "select jsonb_agg(jsonb_build_object(
            'id', id,
            'name', case when name is null then null else '***' end,
            'email', case when email like '%@%' then regexp_replace(email, '^(.)[^@]*@', '\\1***@')
                          else left(email, 1) || '***' end,
            'phone', case when phone is null then null
                          else repeat('*', greatest(length(phone) - 4, 0)) || right(phone, 4) end,
            'ssn', case when ssn is null then null
                        else repeat('*', greatest(length(pgp_sym_decrypt(ssn, 'test key')) - 4, 0))
                             || right(pgp_sym_decrypt(ssn, 'test key'), 4) end,
            'status', status,
            'tenant_id', tenant_id)
            order by id)::text
         from customers where tenant_id = 't1' and status <> 'archived'",
    )
    .await;
    let body = db
        .body(READER, "customers", "select=email,phone,ssn&id=eq.1")
        .await;
    assert_eq!(
        body,
        serde_json::json!([{"email": "a***@example.com", "phone": "********4567", "ssn": "*******6789"}])
    );
    let body = db
        .body(
            READER,
            "customers",
            "select=email,phone&id=in.(2,6)&order=id",
        )
        .await;
    assert_eq!(
        body,
        serde_json::json!([{"email": "b***@x.io", "phone": "12"}, {"email": "n***", "phone": ""}])
    );
    // The admin decrypts.
    db.check(
        ADMIN,
        "customers",
        "select=id,ssn,notes&order=id",
        "select jsonb_agg(jsonb_build_object(
            'id', id, 'ssn', pgp_sym_decrypt(ssn, 'test key'), 'notes', notes) order by id)::text
         from customers where tenant_id = 't1'",
    )
    .await;
}

#[tokio::test]
async fn casts_and_json_paths_in_the_output() {
    let db = Db::new().await;
    db.check(
        READER,
        "books",
        "select=id,label:title,price::text,data->a->>b,first:data->list->0,meta->>k,\
         arr:meta->arr,id_text:id::text,pages::bigint&order=id",
        "select jsonb_agg(jsonb_build_object(
            'id', id, 'label', title, 'price', price::text, 'b', data->'a'->>'b',
            'first', data->'list'->0, 'k', meta->>'k', 'arr', meta->'arr', 'id_text', id::text,
            'pages', pages::bigint)
            order by id)::text
         from books where tenant_id = 't1'",
    )
    .await;
    // Identifiers that need quoting, and output keys that are not identifiers at all.
    let body = db
        .body(
            READER,
            "authors",
            r#"select="Display \"Name\"","ä \"x\" $1;--":name&id=eq.1"#,
        )
        .await;
    assert_eq!(
        body,
        serde_json::json!([{"Display \"Name\"": "Ann \"the pen\" A.", "ä \"x\" $1;--": "Ann"}])
    );
    // No keys at all.
    let body = db.body(READER, "tags", "select=&order=id").await;
    assert_eq!(body, serde_json::json!([{}, {}, {}]));
}

#[tokio::test]
async fn order_limit_offset_and_counts() {
    let db = Db::new().await;
    db.check(
        READER,
        "books",
        "select=id&order=price.desc.nullslast,id&limit=2&offset=1",
        "select jsonb_agg(o)::text from (
            select jsonb_build_object('id', id) o from books where tenant_id = 't1'
            order by price desc nulls last, id limit 2 offset 1) x",
    )
    .await;
    db.check(
        READER,
        "books",
        "select=id&order=price.asc.nullsfirst,id.desc",
        "select jsonb_agg(jsonb_build_object('id', id) order by price asc nulls first, id desc)::text
         from books where tenant_id = 't1'",
    )
    .await;

    let db = &db;
    let run = |query: &'static str, count| {
        let statement = sql::render_read(&plan(READER, "books", query, count), Format::Json);
        async move { db.run(&statement).await }
    };
    // Three t1 books have more than 10 pages; a page of one after skipping one.
    let page = run(
        "select=id&pages=gt.10&order=id&limit=1&offset=1",
        Some(query::Count::Exact),
    )
    .await;
    assert_eq!((page.total, page.page_total), (Some(3), 1));
    assert_eq!(page.body.as_deref(), Some(r#"[{"id" : 2}]"#));
    // Planned: no count here, the caller runs `render_count_plan`'s EXPLAIN. Estimated
    // without a row cap: exact.
    let page = run("select=id&limit=1", Some(query::Count::Planned)).await;
    assert_eq!((page.total, page.page_total), (None, 1));
    let page = run("select=id&limit=1", Some(query::Count::Estimated)).await;
    assert_eq!((page.total, page.page_total), (Some(4), 1));
    // No count asked: NULL.
    let page = run("select=id&limit=1", None).await;
    assert_eq!((page.total, page.page_total), (None, 1));
    // Past the end: an empty page, the total still counted.
    let page = run("select=id&offset=10", Some(query::Count::Exact)).await;
    assert_eq!(
        page,
        Page {
            total: Some(4),
            page_total: 0,
            body: Some("[]".to_owned())
        }
    );
    // The count sees inner embeds too.
    let statement = sql::render_read(
        &plan(
            READER,
            "authors",
            "select=id,books!inner()&books.pages=gt.100&limit=0",
            Some(query::Count::Exact),
        ),
        Format::Json,
    );
    let page = db.run(&statement).await;
    assert_eq!((page.total, page.page_total), (Some(1), 0));
}

#[tokio::test]
async fn order_by_a_to_one_embed_column() {
    let db = Db::new().await;
    db.check(
        READER,
        "books",
        "select=id,authors(name)&order=authors(name).desc,id",
        "select jsonb_agg(jsonb_build_object(
            'id', b.id,
            'authors', (select jsonb_build_object('name', a.name) from authors a
                        where a.id = b.author_id and a.tenant_id = 't1'))
            order by a.name desc, b.id)::text
         from books b left join authors a on a.id = b.author_id and a.tenant_id = 't1'
         where b.tenant_id = 't1'",
    )
    .await;
    // A filter on the embed: books whose author it leaves out sort as NULL (last here).
    let body = db
        .body(
            READER,
            "books",
            "select=id,authors(name)&authors.mood=eq.happy&order=authors(name).desc.nullslast,id.desc",
        )
        .await;
    let ids: Vec<i64> = body
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, vec![2, 1, 4, 3]);
}

#[tokio::test]
async fn null_filters_on_embeds() {
    let db = Db::new().await;
    let ids = |body: Value| -> Vec<i64> {
        body.as_array()
            .unwrap()
            .iter()
            .map(|row| row["id"].as_i64().unwrap())
            .collect()
    };
    // To-many: authors with (and without) books; Bob's only book has no price.
    let body = db
        .body(
            READER,
            "authors",
            "select=id,books(id)&books=not.is.null&order=id",
        )
        .await;
    assert_eq!(ids(body), vec![1, 2, 3]);
    let body = db
        .body(
            READER,
            "authors",
            "select=id,books(id)&books.price=gt.1&books=is.null&order=id",
        )
        .await;
    assert_eq!(ids(body), vec![2]);
    // To-one, with a filter on the embed, inside an `or`: profiles 1 has a bio, 3 has none.
    db.check(
        READER,
        "authors",
        "select=id,profiles()&profiles.bio=not.is.null&or=(profiles.not.is.null,id.eq.2)&order=id",
        "select jsonb_agg(jsonb_build_object('id', a.id) order by a.id)::text from authors a
         where a.tenant_id = 't1' and (a.id = 2 or exists(select 1 from profiles p
            where p.author_id = a.id and p.bio is not null and p.tenant_id = 't1'))",
    )
    .await;
}

#[tokio::test]
async fn tenants_are_isolated_at_every_level() {
    let db = Db::new().await;
    let t1 = db
        .body(
            READER,
            "authors",
            "select=id,books(id)&order=id&books.order=id",
        )
        .await;
    // Author 4 and book 5 belong to t2.
    assert_eq!(
        t1,
        serde_json::json!([
            {"id": 1, "books": [{"id": 1}, {"id": 2}]},
            {"id": 2, "books": [{"id": 3}]},
            {"id": 3, "books": [{"id": 4}]}
        ])
    );
    let all = db.body(ADMIN_ALL, "authors", "select=id&order=id").await;
    assert_eq!(
        all,
        serde_json::json!([{"id": 1}, {"id": 2}, {"id": 3}, {"id": 4}])
    );
    db.check(
        ADMIN_ALL,
        "tags",
        "select=id,books(id)&order=id&books.order=id",
        "select jsonb_agg(jsonb_build_object(
            'id', t.id,
            'books', coalesce((select jsonb_agg(jsonb_build_object('id', b.id) order by b.id)
                               from books b join book_tags bt on bt.book_id = b.id
                               where bt.tag_id = t.id), '[]'))
            order by t.id)::text
         from tags t",
    )
    .await;
}

#[tokio::test]
async fn more_than_fifty_keys() {
    let db = Db::new().await;
    db.check(
        READER,
        "wide",
        "",
        "select jsonb_agg(to_jsonb(w))::text from wide w",
    )
    .await;
}

#[tokio::test]
async fn singular_object() {
    let db = Db::new().await;
    let page = db
        .render_and_run(READER, "tags", "select=id,name&id=eq.2", Format::Object)
        .await;
    assert_eq!(page.page_total, 1);
    assert_eq!(
        page.body.as_deref(),
        Some(r#"{"id" : 2, "name" : "animals"}"#)
    );
    let page = db
        .render_and_run(READER, "tags", "select=id&id=eq.9", Format::Object)
        .await;
    assert_eq!((page.page_total, page.body), (0, None));
}

#[tokio::test]
async fn csv() {
    let db = Db::new().await;
    let page = db
        .render_and_run(
            READER,
            "authors",
            r#"select=id,name,"Display \"Name\"",born,books(title)&order=id&books.order=id"#,
            Format::Csv,
        )
        .await;
    assert_eq!(page.page_total, 3);
    expect_test::expect![[r#"
        id,name,"Display ""Name""",born,books
        1,Ann,"Ann ""the pen"" A.",1970-01-02,"[{""title"" : ""Cats""}, {""title"" : ""Dogs""}]"
        2,Bob,,,"[{""title"" : ""Birds""}]"
        3,"Cy, Jr.","two
        lines",1990-12-31,"[{""title"" : ""Fish $1;--""}]""#]]
    .assert_eq(page.body.as_deref().unwrap());

    // No rows: the header alone. Keys that need quoting are quoted.
    let page = db
        .render_and_run(
            READER,
            "tags",
            r#"select="a,b":id,"q\"":name&id=eq.9"#,
            Format::Csv,
        )
        .await;
    assert_eq!(page.body.as_deref(), Some(r#""a,b","q""""#));

    // More columns than one object takes: every value, in order.
    let page = db.render_and_run(READER, "wide", "", Format::Csv).await;
    let body = page.body.unwrap();
    let (header, line) = body.split_once('\n').unwrap();
    assert!(
        header.starts_with("id,c01,c02,") && header.ends_with(",c59,c60"),
        "{header}"
    );
    assert_eq!(line.split(',').count(), 61);
    assert!(
        line.starts_with("1,1,2,3,,") && line.ends_with(",50,51,,,,,,,,,60"),
        "{line}"
    );
}

/// The fixed text uses `E''` strings where it has backslashes, so a server (or session) with
/// `standard_conforming_strings = off` gives the same bodies.
#[tokio::test]
async fn bodies_do_not_depend_on_standard_conforming_strings() {
    let db = Db::new().await;
    let requests = [
        ("customers", "select=id,email,phone&order=id", Format::Json),
        (
            "authors",
            "select=id,name,\"Display \\\"Name\\\"\"&order=id",
            Format::Csv,
        ),
    ];
    let mut before = Vec::new();
    for (relation, query, format) in requests {
        before.push(db.render_and_run(READER, relation, query, format).await);
    }
    db.client
        .batch_execute("set standard_conforming_strings = off")
        .await
        .unwrap();
    for ((relation, query, format), before) in requests.into_iter().zip(before) {
        let after = db.render_and_run(READER, relation, query, format).await;
        assert_eq!(after, before, "{relation}?{query}");
    }
}
