//! `policy::validate`: the file against a hand-built catalog.

use expect_test::{Expect, expect};

use crate::{PRODUCT_EXAMPLE, catalog, parsed, render};

fn check(source: &str, expect: Expect) {
    let problems = policy::validate(&parsed(source), &catalog());
    expect.assert_eq(&render(&problems));
}

#[test]
fn product_example_fits_the_demo_catalog() {
    check(PRODUCT_EXAMPLE, expect![""]);
}

#[test]
fn unknown_tables_and_columns() {
    check(
        r#"
[roles.r]
[tables.orders]
roles.r = { operations = ["select"] }
[tables."private.keys"]
roles.r = { operations = ["select"] }
[tables."sales.orders"]
roles.r = { operations = ["select"] }
[tables.customers]
encrypted = ["ssn", "dob"]
[tables.customers.roles.r]
operations = ["select"]
hidden = ["notes", "nots"]
read_only = ["created"]
masked = { mail = "email" }
decrypt = ["dob"]
rows = "state=eq.open&status=neq.archived&or=(a.eq.1,b.eq.2)"
"#,
        expect![[r#""#]],
    );
}

#[test]
fn encrypted_must_be_bytea_and_masked_text() {
    check(
        r#"
[roles.r]
[tables.customers]
encrypted = ["ssn", "name"]
[tables.customers.roles.r]
operations = ["select"]
masked = { id = "last4", created_at = "redact", ssn = "last4", email = "email" }
"#,
        expect![[r#""#]],
    );
}

#[test]
fn row_filter_on_encrypted_column() {
    check(
        r#"
[roles.r]
[tables.customers]
encrypted = ["ssn"]
roles.r = { operations = ["select"], rows = "ssn=eq.123" }
"#,
        expect![[r#""#]],
    );
}

#[test]
fn tenant_scoped_only_where_the_column_is() {
    check(
        r#"
[tenancy]
column = "tenant_id"
[roles.r]
[tables.countries]
tenant_scoped = false
roles.r = { operations = ["select"] }
[tables.customers]
tenant_scoped = true
roles.r = { operations = ["select"] }
[tables.audit_exports]
tenant_scoped = false
roles.r = { operations = ["select"] }
"#,
        expect![[r#""#]],
    );
}

#[test]
fn misspelt_tenancy_column_is_reported() {
    check(
        r#"
[tenancy]
column = "tennant_id"
[roles.r]
[tables.customers]
roles.r = { operations = ["select"] }
"#,
        expect![[r#""#]],
    );
}

#[test]
fn operations_the_relation_cannot_do() {
    check(
        r#"
[roles.r]
[tables.customer_names]
roles."*" = { operations = ["select", "insert", "delete"] }
[tables.customers]
roles.r = { operations = ["select", "insert", "update", "delete"] }
"#,
        expect![[r#""#]],
    );
}

#[test]
fn non_public_schema() {
    check(
        r#"
[roles.r]
[tables."sales.orders"]
roles.r = { operations = ["select"], hidden = ["total"] }
"#,
        expect![[r#""#]],
    );
}
