//! The policy file's typed model.
//!
//! [`parse`] turns TOML text into a [`PolicyFile`], checking everything that can be checked
//! without the database (keys, types, roles, operations, mask kinds, rates, row filter
//! variables, rules that contradict each other). [`crate::validate`] checks the rest against the
//! live schema. [`PolicyFile::rights`] resolves the file into what one role may do on one table.

mod explain;
mod parse;
mod problem;
mod rights;
mod rows;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::num::NonZeroU32;
use std::time::Duration;

pub use explain::{ColumnLine, Explanation, TableLine, TenantScope};
pub use parse::parse;
pub use problem::{Located, Pos, Problem, ProblemKind};
pub use rights::{ColumnAccess, Read, TableRights};
pub use rows::{RowFilter, Variable};

/// The schema an unqualified table key (`[tables.customers]`) belongs to.
pub const DEFAULT_SCHEMA: &str = "public";

/// The wildcard role key in a table's `roles`: every role declared in `[roles]`.
pub const EVERY_ROLE: &str = "*";

/// A parsed policy file: consistent in itself, not yet checked against a database
/// (see [`crate::validate`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyFile {
    /// `[tenancy]`, if the file has it.
    pub tenancy: Option<Tenancy>,
    /// `[roles.<name>]`, by name.
    pub roles: BTreeMap<String, Role>,
    /// `[tables.<name>]`, by qualified name.
    pub tables: BTreeMap<QualifiedName, TablePolicy>,
}

impl PolicyFile {
    /// A declared role.
    pub fn role(&self, name: &str) -> Option<&Role> {
        self.roles.get(name)
    }

    /// The tenancy column, if the file sets one.
    pub fn tenant_column(&self) -> Option<&str> {
        self.tenancy.as_ref().map(|t| t.column.value.as_str())
    }
}

/// `[tenancy]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tenancy {
    /// `column = "tenant_id"`: every exposed table with this column is tenant-scoped.
    pub column: Located<String>,
}

/// `[roles.<name>]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Role {
    /// The role's name, where it is declared.
    pub name: Located<String>,
    /// `max_rows = 500`: cap on rows per response.
    pub max_rows: Option<u64>,
    /// `rate = "100/s"` with optional `burst = 200`.
    pub rate: Option<RateLimit>,
}

/// A token bucket: `requests` tokens are added every `per`, up to `burst` tokens.
///
/// `rate = "100/s"` is 100 requests per second; `burst` (default: the count of `rate`) is how
/// many may arrive at once after a quiet period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Requests per period.
    pub requests: NonZeroU32,
    /// The period: one second, minute or hour.
    pub per: Duration,
    /// Bucket size.
    pub burst: NonZeroU32,
}

impl RateLimit {
    /// Time to add one token: `per / requests` (as governor's `Quota::with_period` wants it).
    pub fn replenish_interval(&self) -> Duration {
        self.per / self.requests.get()
    }
}

impl fmt::Display for RateLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let unit = match self.per.as_secs() {
            1 => "s",
            60 => "min",
            3600 => "h",
            _ => return write!(f, "{}/{:?} (burst {})", self.requests, self.per, self.burst),
        };
        write!(f, "{}/{unit} (burst {})", self.requests, self.burst)
    }
}

/// A table name with its schema; unqualified keys in the file get [`DEFAULT_SCHEMA`].
pub use schema::QualifiedName;

/// `[tables.<name>]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TablePolicy {
    /// The key as written, where it is written.
    pub key: Located<String>,
    /// The qualified name it stands for.
    pub name: QualifiedName,
    /// `encrypted = [...]`: columns stored with `pgp_sym_encrypt` (type bytea).
    pub encrypted: Vec<Located<String>>,
    /// `tenant_scoped = false` exposes a table that has the tenant column without scoping.
    /// Absent means scoped (when the table has the column).
    pub tenant_scoped: Option<Located<bool>>,
    /// `audit_values = true`: the audit row may record column values, not only names.
    pub audit_values: bool,
    /// `roles."*"`: applies to every declared role without an entry of its own.
    pub every_role: Option<TableRole>,
    /// `roles.<name>`, by role name.
    pub roles: BTreeMap<String, TableRole>,
}

impl TablePolicy {
    /// The entry that applies to `role`: its own entry if it has one, else `roles."*"`.
    ///
    /// The merge rule: a role's own entry *replaces* the `*` entry for that role entirely;
    /// nothing is inherited from `*`. (An entry that extended `*` would make it impossible to
    /// give one role less than everyone else, and hidden columns silently inherited are hard to
    /// see when reading the file.) Does not check that `role` is declared.
    pub fn entry_for(&self, role: &str) -> Option<&TableRole> {
        self.roles.get(role).or(self.every_role.as_ref())
    }

    /// Whether `column` is in `encrypted`.
    pub fn is_encrypted(&self, column: &str) -> bool {
        self.encrypted.iter().any(|c| c.value == column)
    }
}

/// `[tables.<table>.roles.<role>]` (or `roles."*"`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableRole {
    /// The role key as written (`reader` or `*`), where it is written.
    pub role: Located<String>,
    /// `operations = [...]`, never empty.
    pub operations: BTreeSet<Operation>,
    /// `hidden = [...]`: as if the columns did not exist.
    pub hidden: Vec<Located<String>>,
    /// `read_only = [...]`: readable, never writable.
    pub read_only: Vec<Located<String>>,
    /// `masked = { column = "kind" }`: readable only in masked form.
    pub masked: Vec<(Located<String>, MaskKind)>,
    /// `decrypt = [...]`: encrypted columns this role may read in plaintext.
    pub decrypt: Vec<Located<String>>,
    /// `rows = "..."`: row filter in the URL grammar, with `$sub`, `$tenant`, `$claims.<name>`.
    pub rows: Option<Located<RowFilter>>,
    /// `max_rows`: cap on rows per response on this table (the smaller of this and the role's
    /// `max_rows` applies).
    pub max_rows: Option<u64>,
    /// `allow_unfiltered = true`: PATCH and DELETE without a filter are allowed (default: refused).
    pub allow_unfiltered: bool,
}

/// What a role may do on a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Operation {
    /// Read (GET, HEAD).
    Select,
    /// POST (and the insert half of an upsert).
    Insert,
    /// PATCH (and the update half of an upsert).
    Update,
    /// DELETE.
    Delete,
}

impl Operation {
    /// All operations, in file order.
    pub const ALL: [Operation; 4] = [
        Operation::Select,
        Operation::Insert,
        Operation::Update,
        Operation::Delete,
    ];

    /// The spelling in the file.
    pub fn as_str(self) -> &'static str {
        match self {
            Operation::Select => "select",
            Operation::Insert => "insert",
            Operation::Update => "update",
            Operation::Delete => "delete",
        }
    }

    /// Parses the spelling in the file.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|op| op.as_str() == name)
    }

    /// Whether the operation writes column values (insert, update).
    pub fn writes_columns(self) -> bool {
        matches!(self, Operation::Insert | Operation::Update)
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a masked column is shown. What each kind produces is the SQL generator's contract;
/// the intended results are documented per variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MaskKind {
    /// All but the last four characters replaced: `*******1234`.
    Last4,
    /// The local part reduced to its first character: `j***@example.com`.
    Email,
    /// The whole value replaced by a fixed string (`***`); null stays null.
    Redact,
}

impl MaskKind {
    /// The spellings in the file.
    pub const NAMES: [&'static str; 3] = ["last4", "email", "redact"];

    /// The spelling in the file.
    pub fn as_str(self) -> &'static str {
        match self {
            MaskKind::Last4 => "last4",
            MaskKind::Email => "email",
            MaskKind::Redact => "redact",
        }
    }

    /// Parses the spelling in the file.
    pub fn from_name(name: &str) -> Option<Self> {
        [MaskKind::Last4, MaskKind::Email, MaskKind::Redact]
            .into_iter()
            .find(|k| k.as_str() == name)
    }
}

impl fmt::Display for MaskKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
