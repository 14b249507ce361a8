//! `policy::parse`: the typed model, and every problem with its line and column.

use std::fmt::Write as _;

use expect_test::{Expect, expect};
use policy::{Located, PolicyFile, TableRole};

use crate::{PRODUCT_EXAMPLE, render};

/// Parses and prints either a summary of the model or every problem.
fn check(source: &str, expect: Expect) {
    let actual = match policy::parse(source) {
        Ok(file) => summary(&file),
        Err(problems) => render(&problems),
    };
    expect.assert_eq(&actual);
}

fn names(list: &[Located<String>]) -> String {
    list.iter()
        .map(|c| format!("{}@{}", c.value, c.at))
        .collect::<Vec<_>>()
        .join(" ")
}

fn summary(file: &PolicyFile) -> String {
    let mut out = String::new();
    if let Some(tenancy) = &file.tenancy {
        writeln!(
            out,
            "tenancy column={}@{}",
            tenancy.column.value, tenancy.column.at
        )
        .unwrap();
    }
    for role in file.roles.values() {
        write!(out, "role {}@{}", role.name.value, role.name.at).unwrap();
        if let Some(max_rows) = role.max_rows {
            write!(out, " max_rows={max_rows}").unwrap();
        }
        if let Some(rate) = role.rate {
            write!(
                out,
                " rate={}/{:?} burst={} every={:?}",
                rate.requests,
                rate.per,
                rate.burst,
                rate.replenish_interval()
            )
            .unwrap();
        }
        out.push('\n');
    }
    for (name, table) in &file.tables {
        write!(
            out,
            "table {name} (key {}@{})",
            table.key.value, table.key.at
        )
        .unwrap();
        if !table.encrypted.is_empty() {
            write!(out, " encrypted=[{}]", names(&table.encrypted)).unwrap();
        }
        if let Some(scoped) = &table.tenant_scoped {
            write!(out, " tenant_scoped={}@{}", scoped.value, scoped.at).unwrap();
        }
        if table.audit_values {
            out.push_str(" audit_values");
        }
        out.push('\n');
        for entry in table.every_role.iter().chain(table.roles.values()) {
            entry_summary(&mut out, entry);
        }
    }
    out
}

fn entry_summary(out: &mut String, entry: &TableRole) {
    let operations: Vec<&str> = entry.operations.iter().map(|op| op.as_str()).collect();
    write!(
        out,
        "  {}@{}: {}",
        entry.role.value,
        entry.role.at,
        operations.join(",")
    )
    .unwrap();
    for (key, list) in [
        ("hidden", &entry.hidden),
        ("read_only", &entry.read_only),
        ("decrypt", &entry.decrypt),
    ] {
        if !list.is_empty() {
            write!(out, " {key}=[{}]", names(list)).unwrap();
        }
    }
    if !entry.masked.is_empty() {
        let masked: Vec<String> = entry
            .masked
            .iter()
            .map(|(c, kind)| format!("{}@{}:{kind}", c.value, c.at))
            .collect();
        write!(out, " masked=[{}]", masked.join(" ")).unwrap();
    }
    if let Some(rows) = &entry.rows {
        let conditions: Vec<String> = rows.conditions.iter().map(|c| c.to_string()).collect();
        write!(
            out,
            " rows={:?}@{} [{}]",
            rows.source,
            rows.at,
            conditions.join(" ")
        )
        .unwrap();
    }
    if let Some(max_rows) = entry.max_rows {
        write!(out, " max_rows={max_rows}").unwrap();
    }
    if entry.allow_unfiltered {
        out.push_str(" allow_unfiltered");
    }
    out.push('\n');
}

#[test]
fn product_example_parses() {
    check(
        PRODUCT_EXAMPLE,
        expect![[r#"
            tenancy column=tenant_id@2:10
            role admin@7:8
            role anon@4:8
            role reader@5:8 max_rows=500
            table public.audit_exports (key audit_exports@26:9) tenant_scoped=false@27:17
              admin@28:7: select
            table public.countries (key countries@9:9)
              *@10:7: select
            table public.customers (key customers@12:9) encrypted=[ssn@13:14]
              admin@21:25: select,insert,update,delete read_only=[created_at@23:14] decrypt=[ssn@24:12]
              reader@15:25: select hidden=[ssn@17:11 notes@17:18] masked=[email@18:12:email phone@18:29:last4] rows="status=neq.archived"@19:8 [status.neq.archived]
        "#]],
    );
}

#[test]
fn extensions_parse() {
    check(
        r#"
[tenancy]
column = "org_id"

[roles.service]
rate = "100/s"
burst = 200
[roles.batch]
rate = "600/min"
max_rows = 10000
[roles.slow]
rate = "1/h"

[tables."sales.orders"]
audit_values = true
tenant_scoped = true
[tables."sales.orders".roles.service]
operations = ["select", "update", "delete"]
allow_unfiltered = true
max_rows = 50
masked = { card = "redact" }
rows = "owner_id=eq.$sub&org=eq.$claims.org&price=gt.$5"

[tables.events]
roles = { "*" = { operations = ["select"] }, batch = { operations = ["insert"] } }
"#,
        expect![[r#"
            tenancy column=org_id@3:10
            role batch@8:8 max_rows=10000 rate=600/60s burst=600 every=100ms
            role service@5:8 rate=100/1s burst=200 every=10ms
            role slow@11:8 rate=1/3600s burst=1 every=3600s
            table public.events (key events@24:9)
              *@25:11: select
              batch@25:46: insert
            table sales.orders (key sales.orders@14:9) tenant_scoped=true@16:17 audit_values
              service@17:30: select,update,delete masked=[card@21:12:redact] rows="owner_id=eq.$sub&org=eq.$claims.org&price=gt.$5"@22:8 [owner_id.eq.$sub org.eq.$claims.org price.gt.$5] max_rows=50 allow_unfiltered
        "#]],
    );
}

#[test]
fn tenancy_needs_a_column() {
    check(
        r#"
[tenancy]
[roles.r]
[tables.t]
tenant_scoped = false
roles.r = { operations = ["select"] }
"#,
        expect![[r#"
            policy.toml:2:1: missing key `column` in [tenancy]
        "#]],
    );
}

#[test]
fn empty_file_exposes_nothing() {
    check("", expect![""]);
    check("# nothing\n", expect![""]);
}

#[test]
fn unknown_keys_name_key_and_position() {
    check(
        r#"
tennancy = "x"
[tenancy]
column = "tenant_id"
colum = "x"
[roles.reader]
max_row = 5
[tables.customers]
encrypt = ["ssn"]
[tables.customers.roles.reader]
operations = ["select"]
hiden = ["notes"]
masked = { email = "emial" }
"#,
        expect![[r#"
            policy.toml:2:1: unknown key `tennancy` in the top level (did you mean `tenancy`?); expected one of: tenancy, roles, tables
            policy.toml:5:1: unknown key `colum` in [tenancy] (did you mean `column`?); expected one of: column
            policy.toml:7:1: unknown key `max_row` in [roles.reader] (did you mean `max_rows`?); expected one of: max_rows, rate, burst
            policy.toml:9:1: unknown key `encrypt` in [tables.customers] (did you mean `encrypted`?); expected one of: encrypted, tenant_scoped, audit_values, roles
            policy.toml:12:1: unknown key `hiden` in [tables.customers.roles.reader] (did you mean `hidden`?); expected one of: operations, hidden, read_only, masked, decrypt, rows, max_rows, allow_unfiltered
            policy.toml:13:20: unknown mask kind `emial` for column `email`; expected one of: last4, email, redact
        "#]],
    );
}

#[test]
fn unknown_keys_in_inline_and_dotted_forms() {
    check(
        r#"
[tables.countries]
roles."*" = { operations = ["select"], rows_filter = "a=eq.1" }
[tables.audit_exports]
roles.admin.operation = ["select"]
"#,
        expect![[r#"
            policy.toml:3:40: unknown key `rows_filter` in [tables.countries.roles."*"]; expected one of: operations, hidden, read_only, masked, decrypt, rows, max_rows, allow_unfiltered
            policy.toml:5:7: role `admin` is not declared in [roles]
            policy.toml:5:7: missing key `operations` in [tables.audit_exports.roles.admin]
            policy.toml:5:13: unknown key `operation` in [tables.audit_exports.roles.admin] (did you mean `operations`?); expected one of: operations, hidden, read_only, masked, decrypt, rows, max_rows, allow_unfiltered
        "#]],
    );
}

#[test]
fn unquoted_schema_qualified_table_gets_a_hint() {
    check(
        r#"
[roles.admin]
[tables.sales.orders]
roles.admin = { operations = ["select"] }
"#,
        expect![[r#"
            policy.toml:3:15: unknown key `orders` in [tables.sales]; expected one of: encrypted, tenant_scoped, audit_values, roles; to name table `orders` in schema `sales`, quote the key: [tables."sales.orders"]
        "#]],
    );
}

#[test]
fn wrong_types_report_the_value_position() {
    check(
        r#"
tenancy = "tenant_id"
roles = []
[tables.customers]
encrypted = "ssn"
tenant_scoped = "no"
audit_values = 1
[tables.customers.roles."*"]
operations = "select"
hidden = ["a", 3]
masked = ["email"]
rows = 5
allow_unfiltered = "yes"
max_rows = 2.5
[tables.orders]
roles = "admin"
"#,
        expect![[r#"
            policy.toml:2:11: `tenancy` must be a table, found string
            policy.toml:3:9: `roles` must be a table, found array
            policy.toml:5:13: `encrypted` must be an array of column names, found string
            policy.toml:6:17: `tenant_scoped` must be true or false, found string
            policy.toml:7:16: `audit_values` must be true or false, found integer
            policy.toml:9:14: `operations` must be an array of strings, found string
            policy.toml:10:16: `hidden[1]` must be a string, found integer
            policy.toml:11:10: `masked` must be a table, found array
            policy.toml:12:8: `rows` must be a string, found integer
            policy.toml:13:20: `allow_unfiltered` must be true or false, found string
            policy.toml:14:12: `max_rows` must be a positive integer, found float
            policy.toml:16:9: `tables.orders.roles` must be a table, found string
        "#]],
    );
}

#[test]
fn bad_values() {
    check(
        r#"
[tenancy]
column = ""
[roles.a]
max_rows = 0
rate = "100/day"
[roles.b]
burst = 10
[roles.c]
rate = "0/s"
burst = 4294967296
[roles.d]
max_rows = -3
rate = " 5/s"
[roles."*"]
[roles.""]
[tables.t]
roles.a = { operations = ["select", "upsert", "select"], masked = { "" = "redact", x = 1 } }
roles.b = { operations = [] }
roles.c = { operations = [1] }
[tables."a.b.c"]
[tables.".x"]
"#,
        expect![[r#"
            policy.toml:3:10: invalid column name ``: it is empty
            policy.toml:5:12: `max_rows` must be a positive integer, found 0
            policy.toml:6:8: invalid rate `100/day`: expected `<count>/<unit>` with a positive count and a unit of s, min or h (for example `100/s`)
            policy.toml:8:9: `burst` needs a `rate` in the same role
            policy.toml:10:8: invalid rate `0/s`: expected `<count>/<unit>` with a positive count and a unit of s, min or h (for example `100/s`)
            policy.toml:11:9: `burst` is too large: 4294967296 (at most 4294967295)
            policy.toml:13:12: `max_rows` must be a positive integer, found -3
            policy.toml:14:8: invalid rate ` 5/s`: expected `<count>/<unit>` with a positive count and a unit of s, min or h (for example `100/s`)
            policy.toml:15:8: `*` cannot be declared as a role; it is only used in a table's roles to mean every declared role
            policy.toml:16:8: invalid role name ``: it is empty
            policy.toml:18:37: unknown operation `upsert`; expected one of: select, insert, update, delete
            policy.toml:18:47: `select` appears twice in `operations`
            policy.toml:18:69: invalid column name ``: it is empty
            policy.toml:18:88: `masked.x` must be a string, found integer
            policy.toml:19:26: `operations` is empty for role `b` on table `public.t`; remove the entry to deny access
            policy.toml:20:27: `operations[0]` must be a string, found integer
            policy.toml:21:9: invalid table name `a.b.c`: expected `table` or `schema.table`, with one `.` at most
            policy.toml:22:9: invalid table name `.x`: expected `table` or `schema.table`
        "#]],
    );
}

#[test]
fn contradicting_rules_and_undeclared_roles() {
    check(
        r#"
[roles.reader]
[tables.customers]
encrypted = ["ssn", "card", "ssn"]
[tables.customers.roles.reader]
operations = ["select", "update"]
hidden = ["notes", "email", "ssn", "notes"]
masked = { email = "email", card = "last4" }
read_only = ["notes"]
decrypt = ["ssn", "card", "phone"]
[tables.customers.roles.auditor]
operations = ["select"]
[tables.orders]
tenant_scoped = false
"#,
        expect![[r#"
            policy.toml:4:29: `ssn` appears twice in `encrypted`
            policy.toml:7:36: `notes` appears twice in `hidden`
            policy.toml:8:12: column `email` cannot be both hidden and masked
            policy.toml:9:14: column `notes` cannot be both hidden and read-only
            policy.toml:10:12: column `ssn` cannot be both hidden and decrypted
            policy.toml:10:19: column `card` cannot be both masked and decrypted
            policy.toml:10:27: `decrypt` names `phone`, which is not in `encrypted` of table `public.customers`
            policy.toml:11:25: role `auditor` is not declared in [roles]
            policy.toml:14:17: `tenant_scoped` has no meaning without a [tenancy] section
        "#]],
    );
}

#[test]
fn duplicate_table_under_two_spellings() {
    check(
        r#"
[roles.r]
[tables.customers]
roles.r = { operations = ["select"] }
[tables."public.customers"]
roles.r = { operations = ["select"] }
"#,
        expect![[r#"
            policy.toml:5:9: table `public.customers` is already configured at line 3
        "#]],
    );
}

#[test]
fn row_filter_variables_and_grammar() {
    check(
        r#"
[roles.r]
[tables.a]
roles.r = { operations = ["select"], rows = "owner=eq.$subject&org=eq.$claims.a.b&t=eq.$tenant" }
[tables.b]
roles.r = { operations = ["select"], rows = "status" }
[tables.c]
roles.r = { operations = ["select"], rows = "" }
[tables.d]
roles.r = { operations = ["select"], rows = "owner=eq.\u0024user" }
[tables.e]
roles.r = { operations = ["select"], rows = "status=eqq.1&name=like.*$sub*&books.pages=gt.1&or=(a.eq.1,b.in.($tenant,$claims.org))" }
"#,
        expect![[r#"
            policy.toml:4:55: unknown variable `$subject` in row filter; expected `$sub`, `$tenant` or `$claims.<name>`
            policy.toml:4:71: unknown variable `$claims.a.b` in row filter; expected `$sub`, `$tenant` or `$claims.<name>`
            policy.toml:6:45: invalid row filter: `status` is not `column=operator.value`
            policy.toml:8:45: invalid row filter: it is empty (remove `rows` to allow every row)
            policy.toml:10:45: unknown variable `$user` in row filter; expected `$sub`, `$tenant` or `$claims.<name>`
            policy.toml:12:45: invalid row filter: `status=eqq.1`: unknown operator "eqq" expecting "not" or operator (eq, neq, gt, gte, lt, lte, like, ilike, match, imatch, in, is, isdistinct, fts, plfts, phfts, wfts, cs, cd, ov, sl, sr, nxr, nxl, adj)
            policy.toml:12:45: invalid row filter: `books.pages` filters an embedded resource; a row filter applies to the table's own columns
            policy.toml:12:45: variable inside the operand `%$sub%`; a variable must be the whole operand (`eq.$sub`, `in.($sub,$tenant)`)
        "#]],
    );
}

#[test]
fn syntax_errors_are_reported_with_position() {
    check(
        r#"
[roles.reader]
max_rows = 
[tables.customers
"#,
        expect![[r#"
            policy.toml:3:12: string values must be quoted, expected literal string
            policy.toml:4:18: unclosed table, expected `]`
        "#]],
    );
}

#[test]
fn duplicate_keys_are_syntax_errors() {
    check(
        r#"
[roles.reader]
[roles.reader]
"#,
        expect![[r#"
            policy.toml:3:8: duplicate key
        "#]],
    );
}
