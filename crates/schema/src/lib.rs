//! The catalog model of Gatehouse and its introspection from PostgreSQL.
//!
//! [`Catalog`] is a plain, serializable description of what a database exposes: schemas,
//! relations (tables, views, materialized views, partitioned tables, foreign tables), their
//! columns with resolved [`Type`]s, keys and foreign keys, and the [`Relationship`]s
//! derived from those keys the way PostgREST derives them for resource embedding
//! (many-to-one, one-to-many, one-to-one, many-to-many through a junction, and the same
//! through views). The model does no IO: the URL grammar, the policy, the SQL writer and
//! the OpenAPI generator read it, and tests build it by hand ([`Catalog::new`]).
//!
//! [`introspect`] fills it from `pg_catalog` with a handful of pipelined queries whose SQL
//! lives in `src/sql/*.sql`.
//!
//! This crate deliberately does not know about privileges, roles or the policy (which
//! relations a caller may see is the policy's business), functions / RPC, or computed
//! relationships; it does not write SQL for requests and does not cache or reload.

mod catalog;
mod error;
mod introspect;
mod relation;
mod relationship;
mod types;

pub use catalog::Catalog;
pub use error::Error;
pub use introspect::{introspect, introspect_snapshot};
pub use relation::{
    Column, ColumnOrigin, ForeignKey, Generated, GeneratedKind, Identity, PrimaryKey,
    QualifiedName, Relation, RelationKind, Schema, UniqueConstraint,
};
pub use relationship::{Cardinality, ColumnPair, Join, Relationship, Side};
pub use types::{Category, Type, TypeKind};
