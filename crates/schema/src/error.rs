//! The crate's one error type.

use crate::relation::QualifiedName;

/// What can go wrong while introspecting.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A catalog query failed (connection lost, permission, statement timeout, …), or one of
    /// its rows could not be decoded.
    #[error("run catalog query {query}")]
    Query {
        /// Which query (the name of its file under `src/sql/`).
        query: &'static str,
        /// The driver's error.
        #[source]
        source: tokio_postgres::Error,
    },
    /// Starting or ending the read-only snapshot transaction failed.
    #[error("{action} the catalog snapshot transaction")]
    Transaction {
        /// `begin` or `commit`.
        action: &'static str,
        /// The driver's error.
        #[source]
        source: tokio_postgres::Error,
    },
    /// A column's type was not returned by the types query (the catalog changed between
    /// queries: introspect inside a repeatable-read transaction, see
    /// [`crate::introspect_snapshot`]).
    #[error("column {relation}.{column} has type oid {oid}, which is not in the catalog")]
    UnknownType {
        /// The relation.
        relation: QualifiedName,
        /// The column.
        column: String,
        /// The missing type OID.
        oid: u32,
    },
    /// A key names a column the columns queries did not return (the catalog changed
    /// between queries: see [`crate::introspect_snapshot`]).
    #[error("a key of {relation} names column number {attnum}, which is not in the catalog")]
    UnknownColumn {
        /// The relation.
        relation: QualifiedName,
        /// The column's attnum.
        attnum: i16,
    },
    /// Types nest deeper than any real schema does (a corrupt catalog).
    #[error("type oid {oid} nests arrays and domains more than {limit} levels deep")]
    TypeTooDeep {
        /// The type where the limit was reached.
        oid: u32,
        /// The limit.
        limit: usize,
    },
}
