//! The result row's `body` (the representation) and `keys`, both over `pgrst_affected`.

use policy::plan::{Ident, Node, Param, Write, WriteKind};

use crate::read;
use crate::writer::{Alias, Writer};
use crate::{Format, output};

/// The representation: the returning node's rows, which are the affected rows, shown as a
/// read shows them (outputs, embeds correlated on the node's alias, masks, decryption), in
/// `format`; `null::text` when none is asked. The node's own filters, order and limits do not
/// apply (the policy clears them): the rows are the affected ones.
pub(super) fn body(w: &mut Writer, returning: Option<&Node>, format: Format) {
    let Some(node) = returning else {
        w.push("null::text");
        return;
    };
    let n = w.fresh();
    let (fields, spreads) = output::fields(w, node);
    w.push("(select ");
    read::body(w, node, format);
    w.push(" from (select ");
    read::row(w, n, &fields, format);
    w.push(" from pgrst_affected ");
    w.alias(Alias::Table(n));
    read::spread_joins(w, n, &spreads);
    w.push(") pgrst_source)");
}

/// `keys`: `[{"<pk column>": value, …}, …]` over the affected rows, the column names bound;
/// `'[]'` for a table without a primary key.
pub(super) fn keys(w: &mut Writer, primary_key: &[Ident]) {
    if primary_key.is_empty() {
        w.push("'[]'::text");
        return;
    }
    let row = Alias::Table(0);
    w.push("coalesce((select json_agg(json_build_object(");
    w.join(primary_key, ", ", |w, column| {
        w.param(Param::Text(column.as_str().to_owned()));
        w.push(", ");
        w.alias(row);
        w.push(".");
        w.ident(column);
    });
    w.push(")) from pgrst_affected ");
    w.alias(row);
    w.push("), '[]')::text");
}

/// `inserted`: for a merge upsert, how many of the affected rows it inserted (the others it
/// updated); `NULL` for any other write. A row was inserted when no row had its conflict key
/// before the statement, which the statement's other parts still see (PostgreSQL's rule for
/// data-modifying CTEs): `not exists (select 1 from <table> t<m> where t<m>.k = t0.k and …)`.
/// (Under read committed, a row with the key committed by another transaction after the
/// statement's snapshot was taken, and updated by it, counts as inserted.)
pub(super) fn inserted(w: &mut Writer, write: &Write) {
    let conflict = match (write.kind, &write.conflict) {
        (WriteKind::Upsert { merge: true }, Some(conflict)) if !conflict.columns.is_empty() => {
            conflict
        }
        _ => {
            w.push("null::int8");
            return;
        }
    };
    let row = Alias::Table(0);
    let before = Alias::Table(w.fresh());
    w.push("(select count(*) from pgrst_affected ");
    w.alias(row);
    w.push(" where not exists (select 1 from ");
    read::table(w, &write.table);
    w.push(" ");
    w.alias(before);
    w.push(" where ");
    w.join(&conflict.columns, " and ", |w, column| {
        w.alias(before);
        w.push(".");
        w.ident(column);
        w.push(" = ");
        w.alias(row);
        w.push(".");
        w.ident(column);
    });
    w.push("))");
}
