//! `pgrst_audit`: one row in `gatehouse.audit_log` summing up the write, inserted by the same
//! statement (so a write whose audit row cannot be written does not happen). Written only when
//! a row was affected. Every value is bound; the primary keys and, when the policy allows, the
//! rows themselves are taken from `pgrst_affected`.

use policy::plan::{Audit, Param};

use crate::writer::{Alias, Writer};

/// `pgrst_audit as (insert into gatehouse.audit_log (…) select … from pgrst_affected t0
/// having count(*) > 0)`. Data-modifying, so PostgreSQL runs it though nothing reads it.
pub(super) fn cte(w: &mut Writer, audit: &Audit) {
    let row = Alias::Table(0);
    w.push("pgrst_audit as (insert into gatehouse.audit_log (request_id, principal, role, ");
    w.push("tenant, client_addr, relation, operation, primary_keys, changed_columns, \"values\") ");
    w.push("select ");
    w.param(Param::Text(audit.request_id.clone()));
    w.push(", ");
    optional(w, audit.principal.as_deref());
    w.push(", ");
    w.param(Param::Text(audit.role.clone()));
    w.push(", ");
    optional(w, audit.tenant.as_deref());
    w.push(", ");
    match &audit.client_addr {
        Some(addr) => {
            w.push("cast(");
            w.param(Param::Text(addr.clone()));
            w.push(" as inet)");
        }
        None => w.push("null::inet"),
    }
    w.push(", ");
    w.param(Param::Text(audit.relation.clone()));
    w.push(", ");
    w.param(Param::Text(audit.operation.to_owned()));
    w.push(", ");
    if audit.primary_key.is_empty() {
        w.push("'[]'::jsonb");
    } else {
        w.push("jsonb_agg(jsonb_build_object(");
        w.join(&audit.primary_key, ", ", |w, column| {
            w.param(Param::Text(column.as_str().to_owned()));
            w.push(", ");
            w.alias(row);
            w.push(".");
            w.ident(column);
        });
        w.push("))");
    }
    w.push(", ");
    w.param(Param::TextArray(audit.changed_columns.clone()));
    w.push(", ");
    if audit.values {
        w.push("jsonb_agg(to_jsonb(");
        w.alias(row);
        w.push("))");
    } else {
        w.push("null::jsonb");
    }
    w.push(" from pgrst_affected ");
    w.alias(row);
    w.push(" having count(*) > 0)");
}

/// A bound text, or `null::text`.
fn optional(w: &mut Writer, value: Option<&str>) {
    match value {
        Some(value) => w.param(Param::Text(value.to_owned())),
        None => w.push("null::text"),
    }
}
