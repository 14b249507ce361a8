//! The rendered statements on a real PostgreSQL (over TLS, through the testkit), as
//! `gatehouse_app` (no special privilege), compared with hand-written SQL on the same data.

use expect_test::expect_file;
use serde_json::Value;
use tokio_postgres::types::{ToSql, Type};

use crate::{DATA_SQL, SCHEMA_SQL, catalog};

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
