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
    check(
        PRODUCT_EXAMPLE,
        "reader",
        expect![[r#"
        role reader, max_rows 500

        public.countries
          operations: select
          rows: all
          max_rows: 500
          tenancy: shared (no column tenant_id)
          columns:
            code  readable
            name  readable

        public.customers
          operations: select
          rows: status=neq.archived
          max_rows: 500
          tenancy: scoped by tenant_id
          columns:
            id          readable
            tenant_id   readable, tenant
            name        readable
            email       masked(email)
            phone       masked(last4)
            ssn         encrypted(hidden)
            notes       hidden
            status      readable
            created_at  readable
    "#]],
    );
}

#[test]
fn admin() {
    check(
        PRODUCT_EXAMPLE,
        "admin",
        expect![[r#"
        role admin

        public.audit_exports
          operations: select
          rows: all
          tenancy: NOT scoped (has tenant_id, tenant_scoped = false): every tenant's rows
          columns:
            id         readable
            tenant_id  readable
            payload    readable

        public.countries
          operations: select
          rows: all
          tenancy: shared (no column tenant_id)
          columns:
            code  readable
            name  readable

        public.customers
          operations: select, insert, update, delete
          rows: all
          tenancy: scoped by tenant_id
          columns:
            id          readable, writable
            tenant_id   readable, set by the server, tenant
            name        readable, writable
            email       readable, writable
            phone       readable, writable
            ssn         encrypted(readable), writable
            notes       readable, writable
            status      readable, writable
            created_at  readable, read-only
    "#]],
    );
}

#[test]
fn anon() {
    check(
        PRODUCT_EXAMPLE,
        "anon",
        expect![[r#"
        role anon

        public.countries
          operations: select
          rows: all
          tenancy: shared (no column tenant_id)
          columns:
            code  readable
            name  readable
    "#]],
    );
}

#[test]
fn undeclared_role() {
    check(
        PRODUCT_EXAMPLE,
        "ghost",
        expect![[r#"
        role ghost is not declared
    "#]],
    );
}

const EXTENSIONS: &str = r#"
[tenancy]
column = "tenant_id"
[roles.service]
rate = "100/s"
burst = 200
[roles.viewer]
[tables.customers]
encrypted = ["ssn"]
audit_values = true
[tables.customers.roles.service]
operations = ["insert", "delete"]
masked = { ssn = "last4" }
allow_unfiltered = true
max_rows = 10
[tables.customers.roles.viewer]
operations = ["select"]
masked = { ssn = "last4" }
[tables.ghosts]
roles.service = { operations = ["select"] }
"#;

#[test]
fn write_only_role_and_unknown_table() {
    check(
        EXTENSIONS,
        "service",
        expect![[r#"
        role service, rate 100/s (burst 200)

        public.customers
          operations: insert, delete
          rows: all
          max_rows: 10
          tenancy: scoped by tenant_id
          unfiltered update/delete: allowed
          audit: records values
          columns:
            id          writable
            tenant_id   set by the server, tenant
            name        writable
            email       writable
            phone       writable
            ssn         encrypted, writable
            notes       writable
            status      writable
            created_at  writable

        public.ghosts
          operations: select
          rows: all
          tenancy: unknown
          columns: unknown (not in the database)
    "#]],
    );
}

#[test]
fn encrypted_and_masked() {
    check(
        EXTENSIONS,
        "viewer",
        expect![[r#"
        role viewer

        public.customers
          operations: select
          rows: all
          tenancy: scoped by tenant_id
          audit: records values
          columns:
            id          readable
            tenant_id   readable, tenant
            name        readable
            email       readable
            phone       readable
            ssn         encrypted(masked(last4))
            notes       readable
            status      readable
            created_at  readable
    "#]],
    );
}
