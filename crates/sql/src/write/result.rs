//! The result row's `body` (the representation) and `keys`, both over `pgrst_affected`.

use policy::plan::{Ident, Node, Param};

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
