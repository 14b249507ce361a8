//! Which reads carry the request's settings (`plan::Read::reads_settings`): the ones touching
//! a relation where something in the database may read them. A read that does not is sent as
//! its statement alone (`api::db`).

use crate::{READER, catalog, pairs, plan_in};

/// `reads_settings` of `GET /<relation>?<query>` by the reader, against `catalog`.
fn reads(catalog: &schema::Catalog, relation: &str, query: &str) -> bool {
    let request = query::Request::parse(&pairs(query)).expect("parses");
    plan_in(catalog, READER, relation, &request, None)
        .plan()
        .reads_settings()
}

/// The fixture catalog with `change` applied to the relation `name`.
fn changed(name: &str, change: impl Fn(&mut serde_json::Value)) -> schema::Catalog {
    let mut json = serde_json::to_value(catalog()).expect("serialize");
    let relation = json["relations"]
        .as_array_mut()
        .expect("relations")
        .iter_mut()
        .find(|relation| relation["name"] == name)
        .expect("in the fixture");
    change(relation);
    serde_json::from_value(json).expect("deserialize")
}

#[test]
fn plain_tables_without_tenant_column_or_row_security_read_no_settings() {
    assert!(!reads(catalog(), "tags", "select=id,name"));
    assert!(!reads(catalog(), "wide", ""));
}

#[test]
fn a_tenant_column_anywhere_in_the_read_carries_them() {
    assert!(reads(catalog(), "authors", ""));
    assert!(reads(catalog(), "books", "select=id"));
    // An embed of a tenant-scoped table, and a junction with the tenant column.
    assert!(reads(catalog(), "tags", "select=id,books(id)"));
}

#[test]
fn a_view_or_row_level_security_carries_them() {
    let view = changed("tags", |relation| relation["kind"] = "view".into());
    assert!(reads(&view, "tags", ""));
    let secured = changed("tags", |relation| relation["row_security"] = true.into());
    assert!(reads(&secured, "tags", ""));
    assert!(!reads(catalog(), "tags", ""));
}
