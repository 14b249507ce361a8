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
        expect![[r#"
            policy.toml:3:9: table `public.orders` does not exist in the exposed schemas (public, sales)
            policy.toml:5:9: table `private.keys` does not exist in the exposed schemas (public, sales)
            policy.toml:10:21: column `dob` does not exist in table `public.customers`
            policy.toml:13:20: column `nots` does not exist in table `public.customers`
            policy.toml:14:14: column `created` does not exist in table `public.customers`
            policy.toml:15:12: column `mail` does not exist in table `public.customers`
            policy.toml:16:12: column `dob` does not exist in table `public.customers`
            policy.toml:17:8: column `state` does not exist in table `public.customers`
            policy.toml:17:8: column `a` does not exist in table `public.customers`
            policy.toml:17:8: column `b` does not exist in table `public.customers`
        "#]],
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
        expect![[r#"
            policy.toml:4:21: encrypted column `name` of `public.customers` must have type bytea, not text
            policy.toml:7:12: masked column `id` of `public.customers` must be text-like (text, varchar, char, citext) or encrypted, not int8
            policy.toml:7:26: masked column `created_at` of `public.customers` must be text-like (text, varchar, char, citext) or encrypted, not timestamptz
        "#]],
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
        expect![[r#"
            policy.toml:5:45: row filter uses encrypted column `ssn` of `public.customers`; encrypted columns cannot be filtered on
        "#]],
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
        expect![[r#"
            policy.toml:6:17: `tenant_scoped` on table `public.countries`, which has no column `tenant_id`: it is not tenant-scoped either way; remove the key
        "#]],
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
        expect![[r#"
            policy.toml:3:10: tenancy column `tennant_id` exists in no table or view of the exposed schemas
        "#]],
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
        expect![[r#"
            policy.toml:4:7: `public.customer_names` does not support insert
            policy.toml:4:7: `public.customer_names` does not support delete
        "#]],
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
