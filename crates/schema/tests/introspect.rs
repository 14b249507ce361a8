//! Introspection beyond the snapshot cases: the role it runs as, the snapshot variant, and
//! the schema list.

use gatehouse_schema as schema;
use schema::{Cardinality, QualifiedName, RelationKind};

const SQL: &str = "
    create schema api;
    create table api.customers (id integer primary key, name text not null);
    create table api.orders (
        id integer primary key,
        customer_id integer not null references api.customers
    );
    create view api.big_orders as select id, customer_id from api.orders;
";

/// Gatehouse connects as a role without special privileges and without grants on the
/// tables yet: reading the catalog must not need either.
#[tokio::test]
async fn works_as_an_unprivileged_role_inside_a_snapshot() {
    let db = testkit::TestDatabase::with_schema(SQL).await;
    let mut client = db.app_client().await;
    let catalog = schema::introspect_snapshot(&mut client, &["api".to_owned()])
        .await
        .expect("introspect as gatehouse_app");

    let names: Vec<String> = catalog
        .relations()
        .iter()
        .map(|r| r.qualified_name().to_string())
        .collect();
    assert_eq!(names, ["api.big_orders", "api.customers", "api.orders"]);
    let view = catalog.relation("api", "big_orders").expect("view");
    assert_eq!(view.kind, RelationKind::View);
    assert!(view.insertable && view.updatable && view.deletable);

    let orders = QualifiedName::new("api", "orders");
    let customers = QualifiedName::new("api", "customers");
    let to_customer: Vec<_> = catalog.relationships_between(&orders, &customers).collect();
    assert_eq!(to_customer.len(), 1);
    assert_eq!(to_customer[0].cardinality, Cardinality::ManyToOne);
    // ... and through the view, inferred from its base table
    let big = QualifiedName::new("api", "big_orders");
    assert_eq!(catalog.relationships_between(&big, &customers).count(), 1);

    // The connection is usable afterwards: the snapshot transaction was closed.
    client.simple_query("select 1").await.expect("after");
}

#[tokio::test]
async fn schemas_keep_their_order_and_missing_ones_are_left_out() {
    let db = testkit::TestDatabase::with_schema(SQL).await;
    let client = db.admin_client().await;
    let wanted = ["nope", "api", "public", "api"].map(str::to_owned);
    let catalog = schema::introspect(&client, &wanted)
        .await
        .expect("introspect");
    let schemas: Vec<&str> = catalog.schemas().iter().map(|s| s.name.as_str()).collect();
    assert_eq!(schemas, ["api", "public"]);
    assert_eq!(catalog.relations().len(), 3);

    let empty = schema::introspect(&client, &[]).await.expect("introspect");
    assert!(empty.schemas().is_empty());
    assert!(empty.relations().is_empty());
    assert!(empty.relationships().is_empty());
}
