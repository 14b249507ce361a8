//! Write statements on a real PostgreSQL (testkit, over TLS) as `gatehouse_app`: what the
//! tables and the audit log hold afterwards, and that a failed check leaves nothing behind.
//! The tables are read back as the admin role with hand-written SQL.

use serde_json::{Value, json};
use tokio_postgres::types::{ToSql, Type};

use sql::{Format, Param, Statement, sqlstate};

use crate::{
    CLIENT_ADDR, DATA_SQL, Method, NEW_KEY, NEW_KEY_ID, REQUEST_ID, SCHEMA_SQL, WRITER, WRITER_ALL,
    Who, WriteTo,
};

/// The one row a write statement returns.
#[derive(Debug, PartialEq)]
struct Written {
    page_total: i64,
    body: Option<String>,
    keys: Option<String>,
    inserted: Option<i64>,
}

impl Written {
    fn keys(&self) -> Value {
        serde_json::from_str(self.keys.as_deref().expect("keys are never null")).unwrap()
    }

    fn json(&self) -> Value {
        serde_json::from_str(self.body.as_deref().expect("a body")).unwrap()
    }
}

/// A database with the fixture schema and data; the app role writes, the admin reads back.
struct Db {
    _db: testkit::TestDatabase,
    app: tokio_postgres::Client,
    admin: tokio_postgres::Client,
}

impl Db {
    async fn new() -> Db {
        let db = testkit::TestDatabase::with_schema(&[SCHEMA_SQL, DATA_SQL].join("\n")).await;
        db.grant_app(&["public"]).await;
        let app = db.app_client().await;
        let admin = db.admin_client().await;
        Db {
            _db: db,
            app,
            admin,
        }
    }

    /// Runs a rendered statement as the API does: prepared with explicit `text` / `text[]`
    /// parameter types, one statement (its own transaction).
    async fn run(&self, statement: &Statement) -> Result<Written, tokio_postgres::Error> {
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
            .app
            .prepare_typed(&statement.sql, &types)
            .await
            .unwrap_or_else(|e| panic!("prepare {}: {}", statement.sql, pg::describe(&e)));
        let row = self.app.query_one(&prepared, &refs).await?;
        assert_eq!(row.columns().len(), 4);
        Ok(Written {
            page_total: row.get("page_total"),
            body: row.get("body"),
            keys: row.get("keys"),
            inserted: row.get("inserted"),
        })
    }

    /// `write` by `who`, which must succeed.
    async fn write(&self, who: Who, write: WriteTo<'_>) -> Written {
        self.write_as(who, write, Format::Json).await
    }

    async fn write_as(&self, who: Who, write: WriteTo<'_>, format: Format) -> Written {
        let statement = sql::render_write(&write.plan(who), format);
        self.run(&statement)
            .await
            .unwrap_or_else(|e| panic!("{write:?}: {}\n{}", pg::describe(&e), statement.sql))
    }

    /// `write` by `who`, which must fail with `code`; returns the message.
    async fn refused(&self, who: Who, write: WriteTo<'_>, code: &str) -> String {
        let statement = sql::render_write(&write.plan(who), Format::Json);
        let err = self
            .run(&statement)
            .await
            .expect_err("the statement must fail");
        let db = err.as_db_error().unwrap_or_else(|| panic!("{err:?}"));
        assert_eq!(db.code().code(), code, "{write:?}: {}", db.message());
        db.message().to_owned()
    }

    /// The one text value of hand-written SQL (as the admin), as JSON.
    async fn json(&self, sql: &str) -> Value {
        let row = self
            .admin
            .query_one(sql, &[])
            .await
            .unwrap_or_else(|e| panic!("hand-written {sql}: {}", pg::describe(&e)));
        let text: String = row.get(0);
        serde_json::from_str(&text).unwrap()
    }

    /// Every row of a table, as JSON objects ordered by `id` (`search` left out of books).
    async fn table(&self, table: &str) -> Value {
        let sql = match table {
            "authors" => {
                "select coalesce(jsonb_agg(to_jsonb(t) order by id), '[]')::text from authors t"
            }
            "books" => {
                "select coalesce(jsonb_agg(to_jsonb(t) - 'search' order by id), '[]')::text from books t"
            }
            "tags" => "select coalesce(jsonb_agg(to_jsonb(t) order by id), '[]')::text from tags t",
            "customers" => {
                "select coalesce(jsonb_agg(to_jsonb(t) - 'ssn' order by id), '[]')::text from customers t"
            }
            "events" => {
                "select coalesce(jsonb_agg(to_jsonb(t) - 'at' order by what), '[]')::text from events t"
            }
            other => panic!("no hand-written read of {other}"),
        };
        self.json(sql).await
    }

    /// The audit log, oldest first (without `id` and `at`).
    async fn audit(&self) -> Value {
        self.json(
            "select coalesce(jsonb_agg(to_jsonb(a) - 'id' - 'at' order by id), '[]')::text \
             from gatehouse.audit_log a",
        )
        .await
    }

    /// Every table the tests write, and the audit log: to compare before and after.
    async fn snapshot(&self) -> Value {
        let mut all = serde_json::Map::new();
        for table in ["authors", "books", "tags", "customers", "events"] {
            all.insert(table.to_owned(), self.table(table).await);
        }
        all.insert("audit".to_owned(), self.audit().await);
        Value::Object(all)
    }
}

/// The row of `table` (as [`Db::table`] shows it) whose `id` is `id`.
fn row(rows: &Value, id: i64) -> Option<&Value> {
    rows.as_array()?.iter().find(|r| r["id"] == json!(id))
}

#[tokio::test]
async fn each_kind_of_write_changes_the_table_as_asked() {
    let db = Db::new().await;

    // Insert many: JSON arrays become SQL arrays, text becomes ranges and JSON, the tenant is
    // the caller's.
    let written = db
        .write(
            WRITER,
            WriteTo::new(Method::Post, "books", "").body(json!([
                {"id": 10, "author_id": 1, "title": "A", "tags": ["x", "y,z"], "period": "[1,3)",
                 "data": {"k": [1, 2]}, "price": 1.5, "published": true},
                {"id": 11, "author_id": 2, "title": "B", "tags": [], "period": null,
                 "data": null, "price": "2.25", "published": null},
            ])),
        )
        .await;
    assert_eq!(written.page_total, 2);
    assert_eq!(written.body, None);
    assert_eq!(written.keys(), json!([{"id": 10}, {"id": 11}]));
    let books = db.table("books").await;
    assert_eq!(
        row(&books, 10),
        Some(
            &json!({"id": 10, "author_id": 1, "title": "A", "price": 1.5, "pages": null,
                     "published": true, "tags": ["x", "y,z"], "data": {"k": [1, 2]}, "meta": null,
                     "period": "[1,3)", "body": null, "tenant_id": "t1"})
        )
    );
    assert_eq!(row(&books, 11).unwrap()["price"], json!(2.25));
    assert_eq!(row(&books, 11).unwrap()["tags"], json!([]));

    // Insert one, with a quoted column name and an enum.
    let written = db
        .write(
            WRITER,
            WriteTo::new(Method::Post, "authors", "").body(json!({
                "id": 10, "name": "Zed", "Display \"Name\"": "Z \"q\"", "born": "2000-01-01",
                "mood": "meh",
            })),
        )
        .await;
    assert_eq!(
        (written.page_total, written.keys()),
        (1, json!([{"id": 10}]))
    );
    assert_eq!(
        row(&db.table("authors").await, 10),
        Some(
            &json!({"id": 10, "name": "Zed", "Display \"Name\"": "Z \"q\"",
                     "born": "2000-01-01", "mood": "meh", "tenant_id": "t1"})
        )
    );

    // Update: the first object, on the filtered rows of the caller's tenant only.
    let written = db
        .write(
            WRITER,
            WriteTo::new(Method::Patch, "books", "id=in.(10,11,5)")
                .body(json!({"title": "Same", "pages": "7"})),
        )
        .await;
    assert_eq!(written.page_total, 2);
    let books = db.table("books").await;
    for id in [10, 11] {
        let book = row(&books, id).unwrap();
        assert_eq!(
            (&book["title"], &book["pages"]),
            (&json!("Same"), &json!(7))
        );
    }
    assert_eq!(
        row(&books, 5).unwrap()["title"],
        json!("Hidden"),
        "t2's book"
    );

    // Upsert, merge: one row updated, one inserted; `inserted` counts the latter.
    let written = db
        .write(
            WRITER,
            WriteTo::new(Method::PostMerge, "authors", "").body(json!([
                {"id": 1, "name": "Ann B"},
                {"id": 20, "name": "New"},
            ])),
        )
        .await;
    assert_eq!(
        (written.page_total, written.keys(), written.inserted),
        (2, json!([{"id": 1}, {"id": 20}]), Some(1))
    );
    let authors = db.table("authors").await;
    assert_eq!(row(&authors, 1).unwrap()["name"], json!("Ann B"));
    assert_eq!(
        row(&authors, 1).unwrap()["born"],
        json!("1970-01-02"),
        "kept"
    );
    assert_eq!(
        row(&authors, 20),
        Some(
            &json!({"id": 20, "name": "New", "Display \"Name\"": null, "born": null,
                     "mood": null, "tenant_id": "t1"})
        )
    );

    // PUT: insert, then update.
    for (name, inserted) in [("P", true), ("Q", false)] {
        let written = db
            .write(
                WRITER,
                WriteTo::new(Method::Put, "authors", "id=eq.30")
                    .body(json!({"id": 30, "name": name})),
            )
            .await;
        assert_eq!(written.page_total, 1);
        assert_eq!(written.keys(), json!([{"id": 30}]));
        assert_eq!(written.inserted, Some(i64::from(inserted)));
        assert_eq!(
            row(&db.table("authors").await, 30).unwrap()["name"],
            json!(name)
        );
    }

    // A merge with nothing but the key to set (a junction row): an existing row is "updated"
    // to itself (affected, under the guards), a new one inserted.
    for (book, tag, inserted) in [(1, 1, false), (3, 1, true)] {
        let query = format!("book_id=eq.{book}&tag_id=eq.{tag}");
        let written = db
            .write(
                WRITER,
                WriteTo::new(Method::Put, "book_tags", &query)
                    .body(json!({"book_id": book, "tag_id": tag})),
            )
            .await;
        assert_eq!(
            (written.page_total, written.keys(), written.inserted),
            (
                1,
                json!([{"book_id": book, "tag_id": tag}]),
                Some(i64::from(inserted))
            )
        );
    }
    // t2's junction row (4, 3): not the writer's to touch.
    db.refused(
        WRITER,
        WriteTo::new(Method::Put, "book_tags", "book_id=eq.4&tag_id=eq.3")
            .body(json!({"book_id": 4, "tag_id": 3})),
        sqlstate::CONFLICT_NOT_YOURS,
    )
    .await;
    assert_eq!(
        db.json("select jsonb_agg(to_jsonb(t) order by book_id, tag_id)::text from book_tags t")
            .await,
        json!([
            {"book_id": 1, "tag_id": 1, "tenant_id": "t1"},
            {"book_id": 1, "tag_id": 2, "tenant_id": "t1"},
            {"book_id": 2, "tag_id": 2, "tenant_id": "t1"},
            {"book_id": 3, "tag_id": 1, "tenant_id": "t1"},
            {"book_id": 4, "tag_id": 3, "tenant_id": "t2"},
            {"book_id": 5, "tag_id": 1, "tenant_id": "t2"},
        ])
    );

    // Upsert, ignore: the conflicting row is left alone and not counted.
    let written = db
        .write(
            WRITER,
            WriteTo::new(Method::PostIgnore, "tags", "").body(json!([
                {"id": 1, "name": "dup"},
                {"id": 9, "name": "nine"},
            ])),
        )
        .await;
    assert_eq!(
        (written.page_total, written.keys()),
        (1, json!([{"id": 9}]))
    );
    let tags = db.table("tags").await;
    assert_eq!(row(&tags, 1).unwrap()["name"], json!("fiction"));
    assert_eq!(row(&tags, 9).unwrap()["name"], json!("nine"));

    // Delete: the filtered rows of the caller's tenant.
    let written = db
        .write(
            WRITER,
            WriteTo::new(Method::Delete, "books", "id=in.(11,5)"),
        )
        .await;
    assert_eq!(
        (written.page_total, written.keys()),
        (1, json!([{"id": 11}]))
    );
    let books = db.table("books").await;
    assert!(row(&books, 11).is_none());
    assert!(row(&books, 5).is_some(), "t2's book");

    // Empty objects: the defaults (and the caller's tenant); no primary key, no keys.
    let written = db
        .write(
            WRITER,
            WriteTo::new(Method::Post, "events", "").body(json!([{}, {}])),
        )
        .await;
    assert_eq!((written.page_total, written.keys()), (2, json!([])));
    assert_eq!(
        db.table("events").await,
        json!([{"what": null, "tenant_id": "t1"}, {"what": null, "tenant_id": "t1"}])
    );

    // An update that matches nothing, and an empty array: nothing, and no audit row for them.
    let before = db.audit().await;
    let written = db
        .write(
            WRITER,
            WriteTo::new(Method::Patch, "books", "id=eq.999").body(json!({"title": "x"})),
        )
        .await;
    assert_eq!((written.page_total, written.keys()), (0, json!([])));
    let written = db
        .write(
            WRITER,
            WriteTo::new(Method::Patch, "tags", "id=eq.1").body(json!([])),
        )
        .await;
    assert_eq!(written.page_total, 0);
    assert_eq!(db.audit().await, before);
}

#[tokio::test]
async fn the_audit_row_records_each_write() {
    let db = Db::new().await;
    db.write(
        WRITER,
        WriteTo::new(Method::Patch, "books", "id=in.(1,2)").body(json!({"pages": 1})),
    )
    .await;
    db.write(
        WRITER,
        WriteTo::new(Method::Post, "customers", "")
            .body(json!({"id": 10, "name": "E", "ssn": "111-22-3333"})),
    )
    .await;
    db.write(
        WRITER_ALL,
        WriteTo::new(Method::Post, "tags", "").body(json!({"id": 9, "name": "nine"})),
    )
    .await;
    db.write(WRITER_ALL, WriteTo::new(Method::Delete, "tags", "id=eq.9"))
        .await;

    let mut audit = db.audit().await;
    // Only customers records values (`audit_values = true`); its ssn is the ciphertext.
    let values = audit[1]["values"].take();
    assert_eq!(
        audit,
        json!([
            {"request_id": REQUEST_ID, "principal": "user-1", "role": "writer", "tenant": "t1",
             "client_addr": CLIENT_ADDR, "relation": "public.books", "operation": "update",
             "primary_keys": [{"id": 1}, {"id": 2}], "changed_columns": ["pages"],
             "values": null},
            {"request_id": REQUEST_ID, "principal": "user-1", "role": "writer", "tenant": "t1",
             "client_addr": CLIENT_ADDR, "relation": "public.customers", "operation": "insert",
             "primary_keys": [{"id": 10}], "changed_columns": ["id", "name", "ssn", "tenant_id"],
             "values": null},
            {"request_id": REQUEST_ID, "principal": "user-1", "role": "writer", "tenant": null,
             "client_addr": CLIENT_ADDR, "relation": "public.tags", "operation": "insert",
             "primary_keys": [{"id": 9}], "changed_columns": ["id", "name"], "values": null},
            {"request_id": REQUEST_ID, "principal": "user-1", "role": "writer", "tenant": null,
             "client_addr": CLIENT_ADDR, "relation": "public.tags", "operation": "delete",
             "primary_keys": [{"id": 9}], "changed_columns": [], "values": null},
        ])
    );
    let [recorded] = values.as_array().unwrap().as_slice() else {
        panic!("one row of values: {values}");
    };
    assert_eq!(
        (&recorded["id"], &recorded["name"], &recorded["status"]),
        (&json!(10), &json!("E"), &json!("active"))
    );
    let ssn = recorded["ssn"].as_str().unwrap();
    assert!(
        ssn.starts_with("\\x") && !ssn.contains("111-22-3333"),
        "{ssn}"
    );
}

#[tokio::test]
async fn a_row_filter_or_tenant_violation_fails_the_whole_statement() {
    let db = Db::new().await;
    let before = db.snapshot().await;

    // The row filter (`status=neq.archived`): an insert that would write an archived row, in a
    // batch with a good one, writes neither.
    let message = db
        .refused(
            WRITER,
            WriteTo::new(Method::Post, "customers", "").body(json!([
                {"id": 10, "status": "active"},
                {"id": 11, "status": "archived"},
            ])),
            sqlstate::ROW_CHECK,
        )
        .await;
    assert_eq!(message, "the write would leave rows you cannot read");
    // An update that would archive a row.
    db.refused(
        WRITER,
        WriteTo::new(Method::Patch, "customers", "id=eq.1").body(json!({"status": "archived"})),
        sqlstate::ROW_CHECK,
    )
    .await;
    // The tenant: the policy writes the caller's, but a trigger (or a default) that moves the
    // row to another tenant is caught by the check.
    db.admin
        .batch_execute(
            "create function move_tenant() returns trigger language plpgsql as $$ \
             begin if new.title = 'moved' then new.tenant_id := 't2'; end if; return new; end $$; \
             create trigger move_tenant before insert or update on books \
             for each row execute function move_tenant();",
        )
        .await
        .unwrap();
    db.refused(
        WRITER,
        WriteTo::new(Method::Post, "books", "").body(json!({"id": 20, "title": "moved"})),
        sqlstate::ROW_CHECK,
    )
    .await;
    db.refused(
        WRITER,
        WriteTo::new(Method::Patch, "books", "id=eq.1").body(json!({"title": "moved"})),
        sqlstate::ROW_CHECK,
    )
    .await;

    // Nothing was written, and no audit row either.
    assert_eq!(db.snapshot().await, before);
    // The same writes that stay inside: accepted.
    db.write(
        WRITER,
        WriteTo::new(Method::Post, "books", "").body(json!({"id": 20, "title": "stays"})),
    )
    .await;
    assert_eq!(db.audit().await.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn an_upsert_onto_a_row_the_guards_exclude_fails_and_changes_nothing() {
    let db = Db::new().await;
    let before = db.snapshot().await;

    // Author 4 belongs to t2: merging onto it fails, with the new row beside it.
    let message = db
        .refused(
            WRITER,
            WriteTo::new(Method::PostMerge, "authors", "").body(json!([
                {"id": 40, "name": "New"},
                {"id": 4, "name": "Mine now"},
            ])),
            sqlstate::CONFLICT_NOT_YOURS,
        )
        .await;
    assert_eq!(message, "a conflicting row is not yours to update");
    // PUT onto it too.
    db.refused(
        WRITER,
        WriteTo::new(Method::Put, "authors", "id=eq.4").body(json!({"id": 4, "name": "Mine"})),
        sqlstate::CONFLICT_NOT_YOURS,
    )
    .await;
    // Customer 4 is t1's but archived: the row filter excludes it.
    db.refused(
        WRITER,
        WriteTo::new(Method::Put, "customers", "id=eq.4").body(json!({"id": 4, "name": "Back"})),
        sqlstate::CONFLICT_NOT_YOURS,
    )
    .await;
    assert_eq!(db.snapshot().await, before);

    // Ignoring duplicates skips the row (nothing of t2's is touched), as PostgREST does.
    let written = db
        .write(
            WRITER,
            WriteTo::new(Method::PostIgnore, "authors", "").body(json!([{"id": 4, "name": "x"}])),
        )
        .await;
    assert_eq!(written.page_total, 0);
    assert_eq!(db.snapshot().await, before);
}

#[tokio::test]
async fn exceeding_max_affected_fails_and_changes_nothing() {
    let db = Db::new().await;
    let before = db.snapshot().await;
    let patch = || WriteTo::new(Method::Patch, "books", "id=gt.0").body(json!({"pages": 1}));
    let message = db
        .refused(WRITER, patch().max_affected(3), sqlstate::MAX_AFFECTED)
        .await;
    // A delete, of one row, with a limit of 0.
    assert_eq!(
        message,
        "Query result exceeds max-affected preference constraint"
    );
    db.refused(
        WRITER,
        WriteTo::new(Method::Delete, "books", "id=eq.3").max_affected(0),
        sqlstate::MAX_AFFECTED,
    )
    .await;
    assert_eq!(db.snapshot().await, before);

    // t1 has four books: at the limit, it passes.
    let written = db.write(WRITER, patch().max_affected(4)).await;
    assert_eq!(written.page_total, 4);
}

#[tokio::test]
async fn encrypted_values_are_stored_as_ciphertext_and_decrypt_back() {
    let db = Db::new().await;
    let written = db
        .write(
            WRITER,
            WriteTo::new(Method::Post, "customers", "select=id,ssn,phone")
                .body(json!([
                    {"id": 10, "ssn": "111-22-3333", "phone": "555-000-1234"},
                    {"id": 11, "ssn": null, "phone": null},
                ]))
                .representation(),
        )
        .await;
    // The representation decrypts (the writer may) and masks (phone) as a read does.
    assert_eq!(
        written.json(),
        json!([
            {"id": 10, "ssn": "111-22-3333", "phone": "********1234"},
            {"id": 11, "ssn": null, "phone": null},
        ])
    );
    // Stored as the marker 0x00, the newest key's id with its length, then pgcrypto's
    // ciphertext under the newest key.
    let stored = db
        .admin
        .query_one(
            "select ssn, gatehouse.key_id(ssn), pgp_sym_decrypt(substring(ssn from 6), $1) \
             from customers where id = 10",
            &[&NEW_KEY],
        )
        .await
        .unwrap();
    let ciphertext: Vec<u8> = stored.get(0);
    let key_id: String = stored.get(1);
    let plaintext: String = stored.get(2);
    assert_eq!(ciphertext[..5], *b"\x00\x03new");
    assert!(
        !ciphertext
            .windows(b"111-22-3333".len())
            .any(|w| w == b"111-22-3333")
    );
    assert_eq!(key_id, NEW_KEY_ID);
    assert_eq!(plaintext, "111-22-3333");
    let null: Option<Vec<u8>> = db
        .admin
        .query_one("select ssn from customers where id = 11", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(null, None);

    // An update encrypts too.
    db.write(
        WRITER,
        WriteTo::new(Method::Patch, "customers", "id=eq.10").body(json!({"ssn": 987_654})),
    )
    .await;
    let plaintext: String = db
        .admin
        .query_one(
            "select pgp_sym_decrypt(substring(ssn from 6), $1) from customers where id = 10",
            &[&NEW_KEY],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(plaintext, "987654");
}

#[tokio::test]
async fn the_representation_is_the_affected_rows_as_a_read_shows_them() {
    let db = Db::new().await;
    let written = db
        .write(
            WRITER,
            WriteTo::new(
                Method::Post,
                "books",
                "select=id,title,author:authors(name),tags(name),...authors(born)",
            )
            .body(json!([
                {"id": 12, "author_id": 1, "title": "C"},
                {"id": 13, "author_id": null, "title": "D"},
            ]))
            .representation(),
        )
        .await;
    assert_eq!(
        written.json(),
        json!([
            {"id": 12, "title": "C", "author": {"name": "Ann"}, "tags": [], "born": "1970-01-02"},
            {"id": 13, "title": "D", "author": null, "tags": [], "born": null},
        ])
    );
    // Author 4 is t2's: a write may not point at it (the written-rows check refuses it).
    db.refused(
        WRITER,
        WriteTo::new(Method::Post, "books", "")
            .body(json!({"id": 14, "author_id": 4, "title": "E"})),
        "GH130",
    )
    .await;

    let patch = || {
        WriteTo::new(Method::Patch, "books", "id=eq.1&select=id,title,tags(name)")
            .body(json!({"title": "Cats, \"2\""}))
            .representation()
    };
    let written = db.write_as(WRITER, patch(), Format::Object).await;
    assert_eq!(
        written.json(),
        json!({"id": 1, "title": "Cats, \"2\"", "tags": [{"name": "fiction"}, {"name": "animals"}]})
    );
    let written = db.write_as(WRITER, patch(), Format::Csv).await;
    assert_eq!(
        written.body.as_deref(),
        Some(
            "id,title,tags\n1,\"Cats, \"\"2\"\"\",\"[{\"\"name\"\" : \"\"fiction\"\"}, {\"\"name\"\" : \"\"animals\"\"}]\""
        )
    );

    // A delete returns the deleted rows.
    let written = db
        .write(
            WRITER,
            WriteTo::new(
                Method::Delete,
                "books",
                "id=eq.3&select=title,author:authors(name)",
            )
            .representation(),
        )
        .await;
    assert_eq!(
        written.json(),
        json!([{"title": "Birds", "author": {"name": "Bob"}}])
    );
    // Without a representation the body is null.
    let written = db
        .write(WRITER, WriteTo::new(Method::Delete, "books", "id=eq.3"))
        .await;
    assert_eq!((written.page_total, written.body), (0, None));
}
