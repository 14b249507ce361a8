//! `PolicyFile::explain`: what `gatehouse policy explain --role R` prints.

use expect_test::{Expect, expect};

use crate::{PRODUCT_EXAMPLE, catalog, parsed};

fn check(source: &str, role: &str, expect: Expect) {
    let file = parsed(source);
    let actual = match file.explain(&catalog(), role) {
        Some(explanation) => explanation.to_string(),
        None => format!("role {role} is not declared\n"),
    };
    expect.assert_eq(&actual);
}

#[test]
fn reader() {
    check(PRODUCT_EXAMPLE, "reader", expect![[r#""#]]);
}

#[test]
fn admin() {
    check(PRODUCT_EXAMPLE, "admin", expect![[r#""#]]);
}

#[test]
fn anon() {
    check(PRODUCT_EXAMPLE, "anon", expect![[r#""#]]);
}

#[test]
fn undeclared_role() {
    check(PRODUCT_EXAMPLE, "ghost", expect![[r#""#]]);
}

#[test]
fn extensions_and_unknown_table() {
    check(
        r#"
[tenancy]
column = "tenant_id"
[roles.service]
rate = "100/s"
burst = 200
[tables.customers]
encrypted = ["ssn"]
audit_values = true
[tables.customers.roles.service]
operations = ["insert", "delete"]
masked = { ssn = "last4" }
allow_unfiltered = true
max_rows = 10
[tables.ghosts]
roles.service = { operations = ["select"] }
"#,
        "service",
        expect![[r#""#]],
    );
}
