//! `PolicyFile::rights`: the effective rights of a role on a table, and the `*` merge.

use std::fmt::Write as _;

use expect_test::{Expect, expect};
use policy::{QualifiedName, Read, TableRights};

use crate::{PRODUCT_EXAMPLE, parsed};

/// Prints the rights of `role` on `public.<table>`, and the access to `columns`.
fn check(source: &str, role: &str, table: &str, columns: &[&str], expect: Expect) {
    let file = parsed(source);
    let actual = match file.rights(role, &QualifiedName::new("public", table)) {
        None => "no access\n".to_owned(),
        Some(rights) => {
            let mut out = render(&rights);
            for column in columns {
                let access = rights.column(column);
                let read = match access.read {
                    Read::Plain => "plain".to_owned(),
                    Read::Masked(kind) => format!("masked({kind})"),
                    Read::Hidden => "hidden".to_owned(),
                };
                writeln!(
                    out,
                    "{column}: read={read} write={} encrypted={}",
                    access.write, access.encrypted
                )
                .unwrap();
            }
            out
        }
    };
    expect.assert_eq(&actual);
}

fn render(rights: &TableRights) -> String {
    fn list<'a>(items: impl IntoIterator<Item = &'a String>) -> String {
        let items: Vec<&str> = items.into_iter().map(String::as_str).collect();
        if items.is_empty() {
            "-".to_owned()
        } else {
            items.join(", ")
        }
    }
    let operations: Vec<&str> = rights.operations.iter().map(|op| op.as_str()).collect();
    let masked: Vec<String> = rights
        .masked
        .iter()
        .map(|(column, kind)| format!("{column}={kind}"))
        .collect();
    let rows = rights.rows.as_ref().map_or("-".to_owned(), |rows| {
        let conditions: Vec<String> = rows.conditions.iter().map(|c| c.to_string()).collect();
        format!("{} [{}]", rows.source, conditions.join(" "))
    });
    let mut out = String::new();
    writeln!(out, "{} as {}", rights.table, rights.role).unwrap();
    writeln!(out, "operations: {}", operations.join(", ")).unwrap();
    writeln!(out, "hidden: {}", list(&rights.hidden)).unwrap();
    writeln!(out, "read_only: {}", list(&rights.read_only)).unwrap();
    writeln!(
        out,
        "masked: {}",
        if masked.is_empty() {
            "-".to_owned()
        } else {
            masked.join(", ")
        }
    )
    .unwrap();
    writeln!(out, "encrypted: {}", list(&rights.encrypted)).unwrap();
    writeln!(out, "decrypt: {}", list(&rights.decrypt)).unwrap();
    writeln!(out, "rows: {rows}").unwrap();
    writeln!(out, "max_rows: {:?}", rights.max_rows).unwrap();
    writeln!(out, "tenant_column: {:?}", rights.tenant_column).unwrap();
    writeln!(out, "allow_unfiltered: {}", rights.allow_unfiltered).unwrap();
    writeln!(out, "audit_values: {}", rights.audit_values).unwrap();
    out
}

#[test]
fn reader_on_customers() {
    check(
        PRODUCT_EXAMPLE,
        "reader",
        "customers",
        &["id", "ssn", "notes", "email", "phone"],
        expect![[r#"
            public.customers as reader
            operations: select
            hidden: notes, ssn
            read_only: -
            masked: email=email, phone=last4
            encrypted: ssn
            decrypt: -
            rows: status=neq.archived [status.neq.archived]
            max_rows: Some(500)
            tenant_column: Some("tenant_id")
            allow_unfiltered: false
            audit_values: false
            id: read=plain write=false encrypted=false
            ssn: read=hidden write=false encrypted=true
            notes: read=hidden write=false encrypted=false
            email: read=masked(email) write=false encrypted=false
            phone: read=masked(last4) write=false encrypted=false
        "#]],
    );
}

#[test]
fn admin_on_customers() {
    check(
        PRODUCT_EXAMPLE,
        "admin",
        "customers",
        &["id", "ssn", "created_at", "tenant_id"],
        expect![[r#"
            public.customers as admin
            operations: select, insert, update, delete
            hidden: -
            read_only: created_at
            masked: -
            encrypted: ssn
            decrypt: ssn
            rows: -
            max_rows: None
            tenant_column: Some("tenant_id")
            allow_unfiltered: false
            audit_values: false
            id: read=plain write=true encrypted=false
            ssn: read=plain write=true encrypted=true
            created_at: read=plain write=false encrypted=false
            tenant_id: read=plain write=false encrypted=false
        "#]],
    );
}

#[test]
fn undeclared_role_table_or_entry_has_no_access() {
    check(
        PRODUCT_EXAMPLE,
        "ghost",
        "countries",
        &[],
        expect![[r#"
        no access
    "#]],
    );
    check(
        PRODUCT_EXAMPLE,
        "reader",
        "orders",
        &[],
        expect![[r#"
        no access
    "#]],
    );
    check(
        PRODUCT_EXAMPLE,
        "anon",
        "customers",
        &[],
        expect![[r#"
        no access
    "#]],
    );
    check(
        PRODUCT_EXAMPLE,
        "reader",
        "audit_exports",
        &[],
        expect![[r#"
        no access
    "#]],
    );
}

#[test]
fn wildcard_reaches_every_declared_role() {
    let file = parsed(PRODUCT_EXAMPLE);
    let countries = QualifiedName::new("public", "countries");
    for role in ["anon", "reader", "admin"] {
        let rights = file
            .rights(role, &countries)
            .expect("`*` covers every declared role");
        assert_eq!(rights.role, role);
        assert!(rights.can(policy::Operation::Select));
        assert!(!rights.can(policy::Operation::Insert));
    }
    // The role's max_rows still applies through `*`.
    assert_eq!(
        file.rights("reader", &countries).unwrap().max_rows,
        Some(500)
    );
}

const WILDCARD: &str = r#"
[tenancy]
column = "tenant_id"
[roles.reader]
max_rows = 100
[roles.editor]
[roles.auditor]

[tables.notes]
roles."*" = { operations = ["select"], hidden = ["secret"], rows = "archived=is.false", max_rows = 20 }
[tables.notes.roles.editor]
operations = ["select", "insert", "update"]
read_only = ["id"]
[tables.notes.roles.auditor]
operations = ["select"]
allow_unfiltered = true
"#;

#[test]
fn own_entry_replaces_wildcard_entirely() {
    // `reader` has no entry: the `*` entry, with the smaller of the two max_rows.
    check(
        WILDCARD,
        "reader",
        "notes",
        &["secret", "body"],
        expect![[r#"
            public.notes as reader
            operations: select
            hidden: secret
            read_only: -
            masked: -
            encrypted: -
            decrypt: -
            rows: archived=is.false [archived.is.false]
            max_rows: Some(20)
            tenant_column: Some("tenant_id")
            allow_unfiltered: false
            audit_values: false
            secret: read=hidden write=false encrypted=false
            body: read=plain write=false encrypted=false
        "#]],
    );
    // `editor` has its own entry: nothing of `*` is inherited (no hidden, no rows).
    check(
        WILDCARD,
        "editor",
        "notes",
        &["secret", "id", "body"],
        expect![[r#"
            public.notes as editor
            operations: select, insert, update
            hidden: -
            read_only: id
            masked: -
            encrypted: -
            decrypt: -
            rows: -
            max_rows: None
            tenant_column: Some("tenant_id")
            allow_unfiltered: false
            audit_values: false
            secret: read=plain write=true encrypted=false
            id: read=plain write=false encrypted=false
            body: read=plain write=true encrypted=false
        "#]],
    );
}

#[test]
fn opted_out_table_has_no_tenant_column_and_it_is_writable() {
    let source = PRODUCT_EXAMPLE.replace(
        r#"roles.admin = { operations = ["select"] }"#,
        r#"roles.admin = { operations = ["select", "update"] }"#,
    );
    check(
        &source,
        "admin",
        "audit_exports",
        &["tenant_id"],
        expect![[r#"
        public.audit_exports as admin
        operations: select, update
        hidden: -
        read_only: -
        masked: -
        encrypted: -
        decrypt: -
        rows: -
        max_rows: None
        tenant_column: None
        allow_unfiltered: false
        audit_values: false
        tenant_id: read=plain write=true encrypted=false
    "#]],
    );
}

#[test]
fn encrypted_column_masked_without_decrypt() {
    let source = r#"
[roles.support]
[tables.customers]
encrypted = ["ssn", "card"]
roles.support = { operations = ["select"], masked = { ssn = "last4" } }
"#;
    check(
        source,
        "support",
        "customers",
        &["ssn", "card"],
        expect![[r#"
        public.customers as support
        operations: select
        hidden: -
        read_only: -
        masked: ssn=last4
        encrypted: card, ssn
        decrypt: -
        rows: -
        max_rows: None
        tenant_column: None
        allow_unfiltered: false
        audit_values: false
        ssn: read=masked(last4) write=false encrypted=true
        card: read=hidden write=false encrypted=true
    "#]],
    );
}

#[test]
fn tables_for_lists_what_a_role_may_use() {
    let file = parsed(PRODUCT_EXAMPLE);
    let list = |role| -> Vec<String> {
        file.tables_for(role)
            .map(|(name, rights)| {
                let ops: Vec<&str> = rights.operations.iter().map(|op| op.as_str()).collect();
                format!("{name}: {}", ops.join(","))
            })
            .collect()
    };
    expect![[r#"
        [
            "public.audit_exports: select",
            "public.countries: select",
            "public.customers: select,insert,update,delete",
        ]
    "#]]
    .assert_debug_eq(&list("admin"));
    expect![[r#"
        [
            "public.countries: select",
        ]
    "#]]
    .assert_debug_eq(&list("anon"));
}
