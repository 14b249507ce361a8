//! SQL for Gatehouse: an authorized plan rendered into one statement, text plus bind
//! parameters, whose result PostgreSQL has already turned into the response body.
//!
//! [`render_read`] takes a `policy::plan::Authorized<Read>` (only the policy crate can make
//! one, so an unauthorized request cannot become SQL) and returns a [`Statement`] that yields
//! exactly one row: `total` (`int8`, the exact count when asked), `page_total` (`int8`, rows in
//! this page) and `body` (`text`: a JSON array, a JSON object, or CSV; see [`Format`]). The
//! shape follows PostgREST's: one `with pgrst_source as (…)` over the root relation, embeds as
//! correlated subqueries, JSON built by `json_build_object` / `json_agg`.
//!
//! All text goes through one writer (`writer.rs`) with a handful of verbs: fixed text, quoted
//! identifiers and types from the catalog, generated aliases, and bound parameters. Every value
//! from a request (filter operands, JSON keys and indexes, output keys, limits, the encryption
//! keys and their ids) is a parameter; none is ever spliced into the text.
//!
//! [`render_write`] takes a `policy::plan::Authorized<Write>` (insert, upsert, update,
//! delete) and returns one statement of data-modifying CTEs that makes the change, writes its
//! audit row to `gatehouse.audit_log` and checks what must hold afterwards (the rows stay
//! within the caller's tenant and row filter, an upsert touches no row that is not the
//! caller's, `max-affected`), raising one of the [`sqlstate`] codes otherwise. It yields one
//! row: `page_total` (`int8`), `body` (`text`, the representation when asked, else `NULL`) and
//! `keys` (`text`, the affected rows' primary keys as a JSON array of objects; for a merge
//! upsert each object tells under the member `""` whether its row was inserted). It needs the
//! function `gatehouse.check` (migration 0002), and for encrypted columns pgcrypto and the
//! functions of migration 0004 (`gatehouse.encrypt`, `gatehouse.decrypt`; see `crypto.rs`).
//!
//! [`render_reencrypt`] renders one page of `gatehouse reencrypt`: the encrypted columns of a
//! table rewritten under the newest key, keyset-paged by primary key.
//!
//! What this crate deliberately does not do: no IO (it never sees a connection), no
//! authorization or name resolution (the plan arrives resolved and guarded), no HTTP, and no
//! mapping of database errors (the caller classifies SQLSTATEs, [`sqlstate`] among them).

mod condition;
mod crypto;
mod csv;
mod output;
mod read;
mod reencrypt;
mod rls;
mod write;
mod writer;

pub use policy::plan::Param;
pub use read::{render_count_plan, render_read};
pub use reencrypt::render_reencrypt;
pub use rls::rls_script;
pub use write::{render_write, sqlstate};
pub use writer::quoted_ident;

/// One statement: SQL text and its parameters, `$1` being `params[0]`.
///
/// Every placeholder in `sql` carries its own type (`$1::text`, `$2::text[]`), so the
/// statement can be prepared with or without parameter types: bind [`Param::Text`] and
/// [`Param::Secret`] as `text`, [`Param::TextArray`] as `text[]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    pub sql: String,
    pub params: Vec<Param>,
}

/// The shape of the `body` column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// A JSON array of objects (`[]` when there are no rows).
    Json,
    /// The first row's object alone (`application/vnd.pgrst.object+json`), SQL `NULL` when
    /// there is no row. The caller checks `page_total` is 1 (else PostgREST's `PGRST116`).
    Object,
    /// [`Format::Json`] without the keys whose value is null, in every object at every depth
    /// (embedded objects too; array elements stay): `json_strip_nulls`, as PostgREST answers
    /// `application/vnd.pgrst.array+json;nulls=stripped`.
    JsonStripNulls,
    /// [`Format::Object`] without the keys whose value is null, at every depth
    /// (`application/vnd.pgrst.object+json;nulls=stripped`).
    ObjectStripNulls,
    /// CSV: a header line of the output keys, then one line per row, separated by `\n` (as
    /// PostgREST does), no final newline. Fields are quoted as RFC 4180 says (only when they
    /// hold `"`, `,`, CR or LF; `"` doubled). A value is its PostgreSQL text form
    /// (`value::text`: booleans are `true`/`false`), an embed its JSON text, and `NULL` an
    /// empty field.
    Csv,
}
