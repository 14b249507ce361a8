//! `render_reencrypt`: the statement's shape (snapshots) and, on a real PostgreSQL, pages that
//! leave every encrypted value under the newest key and every value still reading the same.
//! Also reads of a mix of legacy, older-key and newest-key ciphertext.

use expect_test::{Expect, expect};
use serde_json::{Value, json};
use tokio_postgres::types::{ToSql, Type};

use policy::plan::Reencrypt;
use sql::{Format, Param, Statement};

use crate::{
    ADMIN_ALL, DATA_SQL, KEY, NEW_KEY, NEW_KEY_ID, OLD_KEY_ID, SCHEMA_SQL, catalog, keyring, plan,
    policy_file,
};

/// The plan of the fixture's one table with encrypted columns.
fn customers() -> Reencrypt {
    let plans = policy_file().reencrypt_plans(catalog(), &keyring(), Some("customers"));
    assert_eq!(plans.len(), 1, "{plans:?}");
    plans
        .into_iter()
        .next()
        .unwrap()
        .unwrap_or_else(|not| panic!("{not:?}"))
}

fn check(statement: &Statement, expect: Expect) {
    let mut text = statement.sql.replace(" from ", "\n    from ");
    for (i, param) in statement.params.iter().enumerate() {
        text.push_str(&format!("\n${} = {param:?}", i + 1));
    }
    expect.assert_eq(&text);
}

#[test]
fn plans_cover_the_tables_with_encrypted_columns() {
    let plans = policy_file().reencrypt_plans(catalog(), &keyring(), None);
    let names: Vec<String> = plans
        .iter()
        .map(|plan| match plan {
            Ok(plan) => format!(
                "{}.{} {:?}",
                plan.table.schema, plan.table.name, plan.columns
            ),
            Err(not) => format!("{} skipped: {}", not.table, not.reason),
        })
        .collect();
    expect![[r#"["public.customers [Ident(\"ssn\")]"]"#]].assert_eq(&format!("{names:?}"));
    assert!(
        policy_file()
            .reencrypt_plans(catalog(), &keyring(), Some("public.customers"))
            .len()
            == 1
    );
    assert!(
        policy_file()
            .reencrypt_plans(catalog(), &keyring(), Some("books"))
            .is_empty()
    );
}

#[test]
fn the_first_page_starts_at_the_smallest_key() {
    check(
        &sql::render_reencrypt(&customers(), 500, None),
        expect![[r#"
            with pgrst_page as (select t0."id"
                from "public"."customers" t0 order by t0."id" limit cast($1::text as int8)), pgrst_rewritten as (update "public"."customers" t1 set "ssn" = case when t1."ssn" is null or gatehouse.key_id(t1."ssn") is not distinct
                from $2::text then t1."ssn" else gatehouse.encrypt(gatehouse.decrypt(t1."ssn", $3::text[], array[$4::text, $5::text]::text[], $6::text), $7::text, $8::text) end
                from pgrst_page s2 where (t1."id") = (s2."id") and ((t1."ssn" is not null and gatehouse.key_id(t1."ssn") is distinct
                from $9::text)) returning 1) select (select count(*)
                from pgrst_page) as scanned, (select count(*)
                from pgrst_rewritten) as rewritten, (select array[s2."id"::text]
                from pgrst_page s2 order by s2."id" desc limit 1) as last
            $1 = Text("500")
            $2 = Text("new")
            $3 = TextArray(["new", "old"])
            $4 = Secret(***)
            $5 = Secret(***)
            $6 = Text("old")
            $7 = Text("new")
            $8 = Secret(***)
            $9 = Text("new")"#]],
    );
}

#[test]
fn a_later_page_starts_after_the_last_key_bound_and_cast() {
    check(
        &sql::render_reencrypt(&customers(), 2, Some(&["2".to_owned()])),
        expect![[r#"
            with pgrst_page as (select t0."id"
                from "public"."customers" t0 where (t0."id") > (cast($1::text as "pg_catalog"."int4")) order by t0."id" limit cast($2::text as int8)), pgrst_rewritten as (update "public"."customers" t1 set "ssn" = case when t1."ssn" is null or gatehouse.key_id(t1."ssn") is not distinct
                from $3::text then t1."ssn" else gatehouse.encrypt(gatehouse.decrypt(t1."ssn", $4::text[], array[$5::text, $6::text]::text[], $7::text), $8::text, $9::text) end
                from pgrst_page s2 where (t1."id") = (s2."id") and ((t1."ssn" is not null and gatehouse.key_id(t1."ssn") is distinct
                from $10::text)) returning 1) select (select count(*)
                from pgrst_page) as scanned, (select count(*)
                from pgrst_rewritten) as rewritten, (select array[s2."id"::text]
                from pgrst_page s2 order by s2."id" desc limit 1) as last
            $1 = Text("2")
            $2 = Text("2")
            $3 = Text("new")
            $4 = TextArray(["new", "old"])
            $5 = Secret(***)
            $6 = Secret(***)
            $7 = Text("old")
            $8 = Text("new")
            $9 = Secret(***)
            $10 = Text("new")"#]],
    );
}

/// Binds a rendered statement's parameters as the API does.
async fn query(
    client: &tokio_postgres::Client,
    statement: &Statement,
) -> Result<tokio_postgres::Row, tokio_postgres::Error> {
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
    let prepared = client.prepare_typed(&statement.sql, &types).await?;
    client.query_one(&prepared, &refs).await
}

/// Every customer's `ssn` as the cross-tenant admin reads it (decrypted).
async fn ssns(client: &tokio_postgres::Client) -> Value {
    let statement = sql::render_read(
        &plan(ADMIN_ALL, "customers", "select=id,ssn&order=id", None),
        Format::Json,
    );
    let row = query(client, &statement)
        .await
        .unwrap_or_else(|e| panic!("read: {}", pg::describe(&e)));
    serde_json::from_str(row.get::<_, Option<&str>>("body").unwrap()).unwrap()
}

/// `(id, key id)` of every customer with an `ssn`, in id order (`None`: legacy ciphertext).
async fn key_ids(client: &tokio_postgres::Client) -> Vec<(i32, Option<String>)> {
    client
        .query(
            "select id, gatehouse.key_id(ssn) from customers where ssn is not null order by id",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|row| (row.get(0), row.get(1)))
        .collect()
}

/// Runs every page, as `gatehouse reencrypt` does; returns (pages, rows read, rows rewritten).
async fn reencrypt_all(client: &tokio_postgres::Client, batch: u64) -> (u32, i64, i64) {
    let plan = customers();
    let (mut pages, mut scanned, mut rewritten) = (0, 0, 0);
    let mut after: Option<Vec<String>> = None;
    loop {
        let statement = sql::render_reencrypt(&plan, batch, after.as_deref());
        let row = query(client, &statement)
            .await
            .unwrap_or_else(|e| panic!("reencrypt: {}", pg::describe(&e)));
        pages += 1;
        let page: i64 = row.get("scanned");
        scanned += page;
        rewritten += row.get::<_, i64>("rewritten");
        let last: Option<Vec<String>> = row.get("last");
        match last {
            Some(last) if page == i64::try_from(batch).unwrap() => after = Some(last),
            _ => return (pages, scanned, rewritten),
        }
    }
}

#[tokio::test]
async fn reencrypt_pages_leave_every_value_under_the_newest_key_and_reading_the_same() {
    let db = testkit::TestDatabase::with_schema(&[SCHEMA_SQL, DATA_SQL].join("\n")).await;
    db.grant_app(&["public"]).await;
    let admin = db.admin_client().await;
    let app = db.app_client().await;
    // Customers 1 and 3 hold legacy ciphertext (the fixture); 7 is under the old key with its
    // id, 8 already under the newest key.
    admin
        .execute(
            "insert into customers (id, ssn, tenant_id) values \
             (7, gatehouse.encrypt('777-77-7777', $1, $2), 't1'), \
             (8, gatehouse.encrypt('888-88-8888', $3, $4), 't2')",
            &[&OLD_KEY_ID, &KEY, &NEW_KEY_ID, &NEW_KEY],
        )
        .await
        .unwrap();
    let expected = json!([
        {"id": 1, "ssn": "123-45-6789"},
        {"id": 2, "ssn": null},
        {"id": 3, "ssn": "987"},
        {"id": 4, "ssn": null},
        {"id": 5, "ssn": null},
        {"id": 6, "ssn": null},
        {"id": 7, "ssn": "777-77-7777"},
        {"id": 8, "ssn": "888-88-8888"},
    ]);
    // Reads decrypt each value with the key it names (legacy: the oldest).
    assert_eq!(ssns(&app).await, expected);
    let new = Some(NEW_KEY_ID.to_owned());
    let before = key_ids(&admin).await;
    assert_eq!(
        before,
        [
            (1, None),
            (3, None),
            (7, Some(OLD_KEY_ID.to_owned())),
            (8, new.clone())
        ]
    );
    let ciphertext_of_8: Vec<u8> = admin
        .query_one("select ssn from customers where id = 8", &[])
        .await
        .unwrap()
        .get(0);

    // Three rows per page: pages 1-3, 4-6, 7-8; three values rewritten (1, 3, 7).
    assert_eq!(reencrypt_all(&admin, 3).await, (3, 8, 3));
    assert_eq!(
        key_ids(&admin).await,
        [
            (1, new.clone()),
            (3, new.clone()),
            (7, new.clone()),
            (8, new.clone())
        ]
    );
    assert_eq!(ssns(&app).await, expected);
    // A value already under the newest key is left as it was.
    let after_8: Vec<u8> = admin
        .query_one("select ssn from customers where id = 8", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(after_8, ciphertext_of_8);
    // Idempotent: a second run reads every row and rewrites nothing. (Eight rows, four per
    // page: a third, empty page ends it.)
    assert_eq!(reencrypt_all(&admin, 4).await, (3, 8, 0));
}

#[tokio::test]
async fn a_value_under_a_key_that_is_not_configured_fails_the_read_naming_only_the_id() {
    let db = testkit::TestDatabase::with_schema(&[SCHEMA_SQL, DATA_SQL].join("\n")).await;
    db.grant_app(&["public"]).await;
    let admin = db.admin_client().await;
    admin
        .execute(
            "update customers set ssn = gatehouse.encrypt('1', 'retired', 'retired key') \
             where id = 1",
            &[],
        )
        .await
        .unwrap();
    let statement = sql::render_read(
        &plan(ADMIN_ALL, "customers", "select=id,ssn&id=eq.1", None),
        Format::Json,
    );
    let err = query(&db.app_client().await, &statement)
        .await
        .expect_err("no key for it");
    let db_error = err.as_db_error().expect("a database error");
    assert_eq!(db_error.code().code(), "GH140");
    let message = format!("{} {:?}", pg::describe(&err), db_error);
    assert!(message.contains("retired"), "{message}");
    for key in [KEY, NEW_KEY, "retired key"] {
        assert!(!message.contains(key), "{key} in {message}");
    }
}
