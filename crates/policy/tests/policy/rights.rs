//! `PolicyFile::rights`: the effective rights of a role on a table, and the `*` merge.

use std::fmt::Write as _;

use expect_test::{Expect, expect};
use policy::{QualifiedName, Read};

use crate::{PRODUCT_EXAMPLE, parsed};

/// Prints the rights of `role` on `public.<table>`, and the access to `columns`.
fn check(source: &str, role: &str, table: &str, columns: &[&str], expect: Expect) {
    let file = parsed(source);
    let actual = match file.rights(role, &QualifiedName::new("public", table)) {
        None => "no access\n".to_owned(),
        Some(rights) => {
            let mut out = format!("{rights:#?}\n");
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

#[test]
fn reader_on_customers() {
    check(
        PRODUCT_EXAMPLE,
        "reader",
        "customers",
        &["id", "ssn", "notes", "email", "phone"],
        expect![[r#"
            TableRights {
                table: QualifiedName {
                    schema: "public",
                    name: "customers",
                },
                role: "reader",
                operations: {
                    Select,
                },
                hidden: {
                    "notes",
                    "ssn",
                },
                read_only: {},
                masked: {
                    "email": Email,
                    "phone": Last4,
                },
                encrypted: {
                    "ssn",
                },
                decrypt: {},
                rows: Some(
                    "status=neq.archived",
                ),
                max_rows: Some(
                    500,
                ),
                tenant_column: Some(
                    "tenant_id",
                ),
                allow_unfiltered: false,
                audit_values: false,
            }
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
        &["id", "ssn", "created_at"],
        expect![[r#"
            TableRights {
                table: QualifiedName {
                    schema: "public",
                    name: "customers",
                },
                role: "admin",
                operations: {
                    Select,
                    Insert,
                    Update,
                    Delete,
                },
                hidden: {},
                read_only: {
                    "created_at",
                },
                masked: {},
                encrypted: {
                    "ssn",
                },
                decrypt: {
                    "ssn",
                },
                rows: None,
                max_rows: None,
                tenant_column: Some(
                    "tenant_id",
                ),
                allow_unfiltered: false,
                audit_values: false,
            }
            id: read=plain write=true encrypted=false
            ssn: read=plain write=true encrypted=true
            created_at: read=plain write=false encrypted=false
        "#]],
    );
}

#[test]
fn undeclared_role_table_or_entry_has_no_access() {
    check(PRODUCT_EXAMPLE, "ghost", "countries", &[], expect![[r#"
        no access
    "#]]);
    check(PRODUCT_EXAMPLE, "reader", "orders", &[], expect![[r#"
        no access
    "#]]);
    check(PRODUCT_EXAMPLE, "anon", "customers", &[], expect![[r#"
        no access
    "#]]);
    check(PRODUCT_EXAMPLE, "reader", "audit_exports", &[], expect![[r#"
        no access
    "#]]);
}

#[test]
fn wildcard_reaches_every_declared_role() {
    let file = parsed(PRODUCT_EXAMPLE);
    let countries = QualifiedName::new("public", "countries");
    for role in ["anon", "reader", "admin"] {
        let rights = file.rights(role, &countries).expect("`*` covers every declared role");
        assert_eq!(rights.role, role);
        assert!(rights.can(policy::Operation::Select));
        assert!(!rights.can(policy::Operation::Insert));
    }
    // The role's max_rows still applies through `*`.
    assert_eq!(file.rights("reader", &countries).unwrap().max_rows, Some(500));
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
    check(WILDCARD, "reader", "notes", &["secret", "body"], expect![[r#"
        TableRights {
            table: QualifiedName {
                schema: "public",
                name: "notes",
            },
            role: "reader",
            operations: {
                Select,
            },
            hidden: {
                "secret",
            },
            read_only: {},
            masked: {},
            encrypted: {},
            decrypt: {},
            rows: Some(
                "archived=is.false",
            ),
            max_rows: Some(
                20,
            ),
            tenant_column: Some(
                "tenant_id",
            ),
            allow_unfiltered: false,
            audit_values: false,
        }
        secret: read=hidden write=false encrypted=false
        body: read=plain write=false encrypted=false
    "#]]);
    // `editor` has its own entry: nothing of `*` is inherited (no hidden, no rows).
    check(WILDCARD, "editor", "notes", &["secret", "id", "body"], expect![[r#"
        TableRights {
            table: QualifiedName {
                schema: "public",
                name: "notes",
            },
            role: "editor",
            operations: {
                Select,
                Insert,
                Update,
            },
            hidden: {},
            read_only: {
                "id",
            },
            masked: {},
            encrypted: {},
            decrypt: {},
            rows: None,
            max_rows: None,
            tenant_column: Some(
                "tenant_id",
            ),
            allow_unfiltered: false,
            audit_values: false,
        }
        secret: read=plain write=true encrypted=false
        id: read=plain write=false encrypted=false
        body: read=plain write=true encrypted=false
    "#]]);
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
    "#]].assert_debug_eq(&list("admin"));
    expect![[r#"
        [
            "public.countries: select",
        ]
    "#]].assert_debug_eq(&list("anon"));
}
