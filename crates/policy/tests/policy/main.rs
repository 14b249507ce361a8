//! Tests of the policy file: parsing, validation against a catalog, rights and explain.
//! Pure and fast: no database. Update snapshots with `UPDATE_EXPECT=1 cargo test -p gatehouse-policy`.

#![allow(
    clippy::unwrap_used,
    reason = "tests: a failed unwrap is a failed test (and writing to a String cannot fail)"
)]

// The package is `gatehouse-policy`; other crates call it `policy`, and so do these tests.
extern crate gatehouse_policy as policy;

mod explain;
mod parse;
mod rights;
mod validate;

use std::fmt::Write as _;

/// The policy file of PRODUCT.md, verbatim.
pub(crate) const PRODUCT_EXAMPLE: &str = r#"[tenancy]
column = "tenant_id"          # every exposed table with this column is tenant-scoped

[roles.anon]                  # present only if unauthenticated requests are allowed
[roles.reader]
max_rows = 500                # cap on rows per response for this role
[roles.admin]

[tables.countries]            # a table without the tenant column: shared by nature
roles."*" = { operations = ["select"] }      # "*" = every declared role

[tables.customers]
encrypted = ["ssn"]           # stored with pgp_sym_encrypt (column type bytea)

[tables.customers.roles.reader]
operations = ["select"]
hidden = ["ssn", "notes"]     # as if the columns did not exist
masked = { email = "email", phone = "last4" }   # readable only in masked form
rows = "status=neq.archived"  # row filter, URL grammar; may use $sub, $tenant, $claims.<name>

[tables.customers.roles.admin]
operations = ["select", "insert", "update", "delete"]
read_only = ["created_at"]    # readable, never writable
decrypt = ["ssn"]             # may read the plaintext of these encrypted columns

[tables.audit_exports]
tenant_scoped = false         # required to expose a table that has the tenant column unscoped
roles.admin = { operations = ["select"] }
"#;

/// Parses `source`, panicking with the problems if it does not parse.
pub(crate) fn parsed(source: &str) -> policy::PolicyFile {
    match policy::parse(source) {
        Ok(file) => file,
        Err(problems) => panic!("policy does not parse:\n{}", render(&problems)),
    }
}

/// Problems as `policy check` prints them.
pub(crate) fn render(problems: &[policy::Problem]) -> String {
    let mut out = String::new();
    for problem in problems {
        writeln!(out, "{}", problem.with_path("policy.toml")).expect("write to String");
    }
    out
}

/// The demo database of PRODUCT.md, as introspection would describe it: schemas `public` and
/// `sales`; `customer_names` is a view that can only be read.
pub(crate) fn catalog() -> schema::Catalog {
    use schema::{Relation, RelationKind, Schema};
    let relation = |schema: &str, name: &str, kind, writable, columns: &[(&str, &str)]| Relation {
        schema: schema.to_owned(),
        name: name.to_owned(),
        kind,
        comment: None,
        insertable: writable,
        updatable: writable,
        deletable: writable,
        row_security: false,
        columns: columns.iter().map(|(name, ty)| column(name, ty)).collect(),
        primary_key: None,
        unique_constraints: Vec::new(),
        foreign_keys: Vec::new(),
    };
    let schemas = ["public", "sales"]
        .map(|name| Schema {
            name: name.to_owned(),
            comment: None,
        })
        .to_vec();
    schema::Catalog::new(
        schemas,
        vec![
            relation(
                "public",
                "countries",
                RelationKind::Table,
                true,
                &[("code", "text"), ("name", "text")],
            ),
            relation(
                "public",
                "customers",
                RelationKind::Table,
                true,
                &[
                    ("id", "int8"),
                    ("tenant_id", "uuid"),
                    ("name", "text"),
                    ("email", "varchar"),
                    ("phone", "text"),
                    ("ssn", "bytea"),
                    ("notes", "text"),
                    ("status", "text"),
                    ("created_at", "timestamptz"),
                ],
            ),
            relation(
                "public",
                "audit_exports",
                RelationKind::Table,
                true,
                &[("id", "int8"), ("tenant_id", "uuid"), ("payload", "jsonb")],
            ),
            relation(
                "public",
                "customer_names",
                RelationKind::View,
                false,
                &[("id", "int8"), ("name", "text")],
            ),
            relation(
                "sales",
                "orders",
                RelationKind::Table,
                true,
                &[("id", "int8"), ("total", "numeric")],
            ),
        ],
    )
}

fn column(name: &str, ty: &str) -> schema::Column {
    use schema::Category;
    let category = match ty {
        "text" | "varchar" => Category::String,
        "int8" => Category::Integer,
        "numeric" => Category::Numeric,
        "uuid" => Category::Uuid,
        "bytea" => Category::Bytes,
        "jsonb" => Category::Json,
        "timestamptz" => Category::TimestampTz,
        other => panic!("no category for {other} in the test catalog"),
    };
    schema::Column {
        name: name.to_owned(),
        ty: schema::Type {
            oid: 0,
            schema: "pg_catalog".to_owned(),
            name: ty.to_owned(),
            sql_name: ty.to_owned(),
            category,
            kind: schema::TypeKind::Base,
            max_length: None,
            precision: None,
            scale: None,
        },
        nullable: true,
        default: None,
        identity: None,
        generated: None,
        comment: None,
        origin: None,
    }
}
