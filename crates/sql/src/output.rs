//! What a row shows: its fields in order (spreads flattened), each field's value expression
//! (masks, decryption, casts), and the JSON object built from them.
//!
//! Keys are bound parameters (`$1::text`), never identifiers: a key is whatever the client
//! wrote as an alias.

use policy::MaskKind;
use policy::plan::{ColumnRef, Decryption, Embed, Node, Output, Param, Reveal, TypeName};

use crate::condition;
use crate::crypto;
use crate::read;
use crate::writer::{Alias, Writer};

/// `json_build_object` takes at most 100 arguments: 50 keys and their values.
const KEYS_PER_OBJECT: usize = 50;

/// One key of the output object and where its value comes from.
#[derive(Debug)]
pub(crate) struct Field<'a> {
    pub(crate) key: &'a str,
    pub(crate) value: Value<'a>,
}

#[derive(Debug)]
pub(crate) enum Value<'a> {
    /// A column of this node's relation, shown as the policy says, maybe cast.
    Column {
        column: &'a ColumnRef,
        cast: Option<&'a TypeName>,
        reveal: &'a Reveal,
    },
    /// An embed shown under its own key: a correlated subquery.
    Embed(&'a Embed),
    /// Column `column` of the lateral subquery `l<lateral>` of a spread embed.
    Spread { lateral: u32, column: u32 },
}

/// A spread embed, joined as `left join lateral (…) l<n> on true`.
#[derive(Debug)]
pub(crate) struct Spread<'a> {
    pub(crate) n: u32,
    pub(crate) embed: &'a Embed,
}

/// The keys a node shows, in order: its columns and embeds, a spread's keys in its place,
/// nothing for an embed that only filters (`hidden_output`).
pub(crate) fn keys(node: &Node) -> Vec<&str> {
    let mut keys = Vec::new();
    for output in &node.outputs {
        match output {
            Output::Column { key, .. } => keys.push(key.as_str()),
            Output::Embed(embed) if embed.hidden_output => {}
            Output::Embed(embed) if embed.spread => keys.extend(self::keys(&embed.node)),
            Output::Embed(embed) => keys.push(embed.key.as_str()),
        }
    }
    keys
}

/// The node's fields, in the order of [`keys`], and the spreads its `from` clause must join
/// (each numbered here, so the select list can name its columns before `from` is written).
pub(crate) fn fields<'a>(w: &mut Writer, node: &'a Node) -> (Vec<Field<'a>>, Vec<Spread<'a>>) {
    let mut fields = Vec::new();
    let mut spreads = Vec::new();
    for output in &node.outputs {
        match output {
            Output::Column {
                key,
                column,
                cast,
                reveal,
            } => fields.push(Field {
                key,
                value: Value::Column {
                    column,
                    cast: cast.as_ref(),
                    reveal,
                },
            }),
            Output::Embed(embed) if embed.hidden_output => {}
            Output::Embed(embed) if embed.spread => {
                let keys = keys(&embed.node);
                if keys.is_empty() {
                    continue;
                }
                let n = w.fresh();
                for (column, key) in (0u32..).zip(keys) {
                    fields.push(Field {
                        key,
                        value: Value::Spread { lateral: n, column },
                    });
                }
                spreads.push(Spread { n, embed });
            }
            Output::Embed(embed) => fields.push(Field {
                key: &embed.key,
                value: Value::Embed(embed),
            }),
        }
    }
    (fields, spreads)
}

/// A field's value, on the rows of node `n`.
pub(crate) fn value(w: &mut Writer, n: u32, value: &Value<'_>) {
    match value {
        Value::Column {
            column,
            cast,
            reveal,
        } => {
            if let Some(ty) = cast {
                w.push("cast(");
                revealed(w, n, column, reveal);
                w.push(" as ");
                w.type_name(ty);
                w.push(")");
            } else {
                revealed(w, n, column, reveal);
            }
        }
        Value::Embed(embed) => read::embed(w, n, embed),
        Value::Spread { lateral, column } => {
            w.alias(Alias::Lateral(*lateral));
            w.push(".");
            w.alias(Alias::Column(*column));
        }
    }
}

/// The column as the role may see it. Each form evaluates the column (and so
/// `gatehouse.decrypt`) once per row.
fn revealed(w: &mut Writer, n: u32, column: &ColumnRef, reveal: &Reveal) {
    let scope = Alias::Table(n);
    match reveal {
        Reveal::Plain => condition::column(w, scope, column),
        Reveal::Decrypted { keys } => decrypted(w, scope, column, keys),
        Reveal::Masked { kind, decrypt } => {
            let source = |w: &mut Writer| match decrypt {
                Some(keys) => decrypted(w, scope, column, keys),
                None => condition::column(w, scope, column),
            };
            match kind {
                // Every character but the last four becomes `*` (`*******1234`). String
                // functions, not a regular expression (a regex per row cost ~17 µs, a third of
                // a 50-row read; bench/RESULTS.md "Policy cost"), over a one-row subquery so the
                // value (and any decryption) is evaluated once. NULL stays NULL.
                MaskKind::Last4 => {
                    w.push("(select repeat('*', greatest(length(pgrst_m) - 4, 0)) || right(pgrst_m, 4) from (select ");
                    source(w);
                    w.push("::text as pgrst_m) pgrst_mask)");
                }
                // The local part reduced to its first character (`j***@example.com`); a
                // value without `@` after its first character to that character alone
                // (`n***`), so that a malformed address is not shown whole; `''` stays `''`
                // and NULL stays NULL. String functions over a one-row subquery, as for last4.
                MaskKind::Email => {
                    w.push("(select case when pgrst_m = '' then pgrst_m else left(pgrst_m, 1) || '***' || coalesce(substr(pgrst_m, 1 + nullif(strpos(substr(pgrst_m, 2), '@'), 0)), '') end from (select ");
                    source(w);
                    w.push("::text as pgrst_m) pgrst_mask)");
                }
                // Only whether the value is NULL is shown; the stored column tells that
                // without decrypting.
                MaskKind::Redact => {
                    w.push("case when ");
                    condition::column(w, scope, column);
                    w.push(" is null then null else '***' end");
                }
            }
        }
    }
}

/// `gatehouse.decrypt(t<n>."c", …)`.
fn decrypted(w: &mut Writer, scope: Alias, column: &ColumnRef, keys: &Decryption) {
    crypto::decrypt(w, keys, |w| condition::column(w, scope, column));
}

/// The row's JSON object. Up to 50 keys: one `json_build_object`, keys in order. More: one per
/// 50 keys, merged as `jsonb` and turned back into `json`; the keys are then in `jsonb`'s order
/// (shorter keys first, then bytewise) and a repeated key keeps its last value.
pub(crate) fn object(w: &mut Writer, n: u32, fields: &[Field<'_>]) {
    if fields.len() <= KEYS_PER_OBJECT {
        build_object(w, n, fields);
        return;
    }
    w.push("(");
    w.join(fields.chunks(KEYS_PER_OBJECT), " || ", |w, chunk| {
        build_object(w, n, chunk);
        w.push("::jsonb");
    });
    w.push(")::json");
}

fn build_object(w: &mut Writer, n: u32, fields: &[Field<'_>]) {
    w.push("json_build_object(");
    w.join(fields, ", ", |w, field| {
        w.param(Param::Text(field.key.to_owned()));
        w.push(", ");
        value(w, n, &field.value);
    });
    w.push(")");
}
