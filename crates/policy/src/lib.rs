//! The policy: who may do what to which table, column and row.
//!
//! This crate reads the policy file (TOML) into a typed model, checks it in itself
//! ([`parse`]) and against the live schema ([`validate`]), resolves the effective rights of a
//! role on a table ([`PolicyFile::rights`]) and explains them ([`PolicyFile::explain`]).
//! Every problem carries the line and column it was found at.
//!
//! It does no IO: it neither reads the file nor talks to the database (the caller passes the
//! text and a `schema::Catalog`), and it does not know HTTP or SQL.

mod authorize;
mod file;
mod keyring;
pub mod plan;
mod rls;
mod validate;

pub use authorize::{
    Candidate, Environment, Error, Principal, Protection, ReadRequest, Tenant, Usage, WriteRequest,
    authorize_read, authorize_write,
};
pub use file::{
    ColumnAccess, ColumnLine, DEFAULT_SCHEMA, EVERY_ROLE, Explanation, Located, MaskKind,
    Operation, PolicyFile, Pos, Problem, ProblemKind, QualifiedName, RateLimit, Read, Role,
    RowFilter, TableLine, TablePolicy, TableRights, TableRole, Tenancy, TenantScope, Variable,
    parse,
};
pub use keyring::{
    DEFAULT_KEY_ID, EncryptionKey, Keyring, KeyringError, MAX_KEY_ID_LEN, NotRewritable,
    valid_key_id,
};
pub use validate::validate;
