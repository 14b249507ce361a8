//! PostgREST's URL grammar, parsed into a typed request tree.
//!
//! [`Request::parse`] takes the percent-decoded query-string pairs of a request on one
//! resource and returns `select` (renames, casts, JSON paths, aggregates, embeds with
//! hints, `!inner`, spreads), the filters and logic trees of every embed level, `order`,
//! `limit`/`offset`, `columns` and `on_conflict`. [`Preferences::parse`] and
//! [`RowRange::parse`] read the `Prefer` and `Range` headers. Errors carry PostgREST's codes
//! and wording ([`Error::code`], [`Error::message`], [`Error::details`]).
//!
//! What this crate deliberately does not do: no IO, no HTTP types, no SQL, and no
//! knowledge of the database. Names (columns, relations, aliases, hints, casts, text
//! search configurations) stay unresolved strings: a later step resolves them against the
//! catalog and the policy. Filter operands stay [`Value`]s, the client's text, never
//! interpreted and never SQL; the only rewriting is PostgREST's `*` → `%` in `like`/`ilike`
//! patterns, done here so every consumer sees the SQL pattern. It never panics on any
//! input, and caps nesting and sizes ([`ParseOptions`]) so hostile input cannot exhaust the
//! stack or the CPU.
//!
//! Where Gatehouse is stricter than PostgREST (each is a silent misreading there):
//! trailing garbage after a complete parameter is an error (`in.(1,2)x`, `is.nullx`,
//! `or=(a.eq.1)x`), a non-integer `limit`/`offset` is an error, a repeated `select`,
//! `order`, `limit`, `offset`, `columns` or `on_conflict` is an error, and an embed with
//! two hints or two join types is an error.
//!
//! Every tree writes itself back in URL grammar (`Display`, [`Condition::to_pair`],
//! [`SelectList`]); parsing that text gives the same tree.

mod cursor;
mod error;
mod field;
mod filter;
mod order;
mod prefer;
mod range;
mod request;
mod select;

pub use error::{Error, Expected, Param, Problem, RangeError};
pub use field::{Field, JsonArrow, JsonOperand, JsonStep};
pub use filter::{
    CmpOp, Condition, FilterValue, FtsKind, IsValue, LogicOp, Operation, Quantifier, RangeOp, Value,
};
pub use order::{Direction, Nulls, OrderTerm};
pub use prefer::{Count, Handling, Missing, Preferences, Resolution, Return, Transaction};
pub use range::RowRange;
pub use request::{EmbedPath, Request, Window};
pub use select::{
    Aggregate, AggregateFunction, Embed, JoinType, SelectField, SelectItem, SelectList,
};

/// Caps on what one request may contain. The defaults suit any real client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ParseOptions {
    /// Deepest nesting of embeds in `select`, of embed paths in keys (`a.b.c.col`), and of
    /// logic trees (the top-level `or=(…)` counts as 1). Default 16.
    pub max_depth: usize,
    /// Longest key or value, in bytes. Default 32 KiB.
    pub max_value_len: usize,
    /// Most query-string pairs. Default 256.
    pub max_params: usize,
}

impl Default for ParseOptions {
    fn default() -> Self {
        ParseOptions {
            max_depth: 16,
            max_value_len: 32 * 1024,
            max_params: 256,
        }
    }
}

/// Parses a `select` value on its own (default caps).
pub fn parse_select(value: &str) -> Result<Vec<SelectItem>, Error> {
    select::parse(value, &ParseOptions::default())
}

/// Parses an `order` value on its own (default caps).
pub fn parse_order(value: &str) -> Result<Vec<OrderTerm>, Error> {
    order::parse(value, &ParseOptions::default())
}

/// Parses one condition pair on its own (default caps): a filter (`books.pages` =
/// `gt.100`) or a logic tree (`not.or` = `(a.eq.1,b.eq.2)`). Meant for row filters written
/// in the URL grammar (the policy's `rows = "status=neq.archived"`). A key whose last
/// dot-separated word is `and` or `or` is a logic tree; any other key, `select` and `order`
/// included, is a filter column here.
pub fn parse_condition(key: &str, value: &str) -> Result<(EmbedPath, Condition), Error> {
    let opts = ParseOptions::default();
    match key.rsplit('.').next() {
        Some("and" | "or") => request::parse_logic(key, value, &opts),
        _ => request::parse_filter(key, value, &opts),
    }
}
