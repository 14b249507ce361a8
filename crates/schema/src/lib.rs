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
//! [`introspect`] fills it from `pg_catalog` with six pipelined queries whose SQL lives in
//! `src/sql/*.sql` (5,000 tables with 50,000 columns load in about 0.3 s: see
//! `bench/RESULTS.md`). [`introspect_snapshot`] runs them in one read-only repeatable-read
//! transaction, which is what a server reloading its schema should call.
//!
//! # Relationships
//!
//! From each foreign key `t(c…) → ft(f…)`: `t → ft` many-to-one and `ft → t` one-to-many, or
//! one-to-one both ways when `c…` is, as a set, `t`'s primary key or one of its unique
//! constraints. Many-to-many `a → b` through a junction `j` with many-to-one relationships to
//! `a` and to `b` under two different constraints whose columns all lie within `j`'s primary
//! key or within one unique constraint of `j` (PostgREST accepts the primary key only).
//! Views stand in for their base tables: a view showing all the key columns of a base table
//! as plain columns (through any chain of views) gets the base table's relationships, under
//! the same constraint names, in every table / view combination; and it gets a primary key
//! when it shows a base table's whole primary key. Both are PostgREST's heuristics: a view
//! that joins or groups may not really be unique on that key. Only relationships whose
//! source, target and junction are all exposed are kept; base tables in other schemas are
//! looked at, never exposed.
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
