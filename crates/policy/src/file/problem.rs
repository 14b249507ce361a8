//! Problems found in a policy file, and where in the file they are.

use std::fmt;

/// A 1-based line and column (in characters) in the policy file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Pos {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, counted in characters.
    pub column: usize,
}

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// A value read from the policy file, with the position it was read at, so that problems
/// found later (for example by [`crate::validate`] against the live schema) can point at it.
///
/// Equality and ordering compare the value *and* the position.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Located<T> {
    /// The value.
    pub value: T,
    /// Where it was written.
    pub at: Pos,
}

impl<T> Located<T> {
    /// A value with its position.
    pub fn new(value: T, at: Pos) -> Self {
        Self { value, at }
    }
}

impl<T> std::ops::Deref for Located<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

/// One problem in a policy file: where, and what.
///
/// `Display` renders `line:column: message`; [`Problem::with_path`] prefixes the file name,
/// `policy.toml:12:5: unknown key `hiden` ...`, the form compilers use, which editors can follow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// What is wrong.
    pub kind: ProblemKind,
}

impl Problem {
    /// A problem at a position.
    pub fn new(at: Pos, kind: ProblemKind) -> Self {
        Self {
            line: at.line,
            column: at.column,
            kind,
        }
    }

    /// The position of the problem.
    pub fn pos(&self) -> Pos {
        Pos {
            line: self.line,
            column: self.column,
        }
    }

    /// The message alone, without position.
    pub fn message(&self) -> String {
        self.kind.to_string()
    }

    /// Renders as `path:line:column: message`.
    pub fn with_path<'a>(&'a self, path: &'a str) -> impl fmt::Display + 'a {
        WithPath {
            path,
            problem: self,
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.column, self.kind)
    }
}

struct WithPath<'a> {
    path: &'a str,
    problem: &'a Problem,
}

impl fmt::Display for WithPath<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.path, self.problem)
    }
}

/// What is wrong. `Display` is the message shown to the person editing the file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProblemKind {
    // --- TOML structure ---
    /// The text is not valid TOML.
    #[error("{message}")]
    Syntax {
        /// The TOML parser's message.
        message: String,
    },
    /// A key this place in the file does not know.
    #[error(
        "unknown key `{key}` in {table}{}; expected one of: {}{}",
        suggest(*suggestion),
        expected.join(", "),
        hint.as_ref().map_or_else(String::new, |h| format!("; {h}"))
    )]
    UnknownKey {
        /// The key as written.
        key: String,
        /// The table it was found in, as `[tables.customers.roles.reader]`, or `the top level`.
        table: String,
        /// The keys allowed there.
        expected: &'static [&'static str],
        /// A close allowed key, if there is one.
        suggestion: Option<&'static str>,
        /// A hint, for example how to qualify a table name.
        hint: Option<String>,
    },
    /// A required key is absent.
    #[error("missing key `{key}` in {table}")]
    MissingKey {
        /// The missing key.
        key: &'static str,
        /// The table it should be in.
        table: String,
    },
    /// A value of the wrong TOML type.
    #[error("`{key}` must be {expected}, found {found}")]
    WrongType {
        /// The key whose value is wrong (`masked.email`, `hidden[2]`, ...).
        key: String,
        /// What was expected, with its article (`a string`).
        expected: &'static str,
        /// The TOML type found (`integer`).
        found: &'static str,
    },

    // --- values ---
    /// An operation other than `select insert update delete`.
    #[error("unknown operation `{operation}`; expected one of: select, insert, update, delete")]
    UnknownOperation {
        /// As written.
        operation: String,
    },
    /// A mask kind this version does not know.
    #[error("unknown mask kind `{kind}` for column `{column}`; expected one of: {}", crate::MaskKind::NAMES.join(", "))]
    UnknownMaskKind {
        /// The masked column.
        column: String,
        /// The kind as written.
        kind: String,
    },
    /// `max_rows = 0` or another number that must be positive.
    #[error("`{key}` must be a positive integer, found {value}")]
    NotPositive {
        /// The key.
        key: &'static str,
        /// The value found.
        value: String,
    },
    /// A number too large for its use.
    #[error("`{key}` is too large: {value} (at most {max})")]
    TooLarge {
        /// The key.
        key: &'static str,
        /// The value found.
        value: String,
        /// The largest accepted value.
        max: u64,
    },
    /// A `rate` that is not `<count>/<unit>`.
    #[error(
        "invalid rate `{value}`: expected `<count>/<unit>` with a positive count and a unit of s, min or h (for example `100/s`)"
    )]
    InvalidRate {
        /// As written.
        value: String,
    },
    /// `burst` without `rate`.
    #[error("`burst` needs a `rate` in the same role")]
    BurstWithoutRate,
    /// A name that is empty, or a table key with empty or extra parts.
    #[error("invalid {what} `{name}`: {reason}")]
    InvalidName {
        /// `role name`, `table name`, `column name`.
        what: &'static str,
        /// As written.
        name: String,
        /// Why.
        reason: &'static str,
    },
    /// The same table named twice (`customers` and `public.customers`).
    #[error("table `{table}` is already configured at line {first_line}")]
    DuplicateTable {
        /// The qualified name.
        table: String,
        /// Where the first entry is.
        first_line: usize,
    },
    /// The same item twice in one list.
    #[error("`{item}` appears twice in `{key}`")]
    Duplicate {
        /// The list's key.
        key: &'static str,
        /// The repeated item.
        item: String,
    },

    // --- consistency within the file ---
    /// `[roles."*"]`: `*` is only a table-level wildcard.
    #[error(
        "`*` cannot be declared as a role; it is only used in a table's roles to mean every declared role"
    )]
    WildcardRoleDeclared,
    /// A table names a role that `[roles]` does not declare.
    #[error("role `{role}` is not declared in [roles]")]
    UndeclaredRole {
        /// The role.
        role: String,
    },
    /// `operations = []`.
    #[error(
        "`operations` is empty for role `{role}` on table `{table}`; remove the entry to deny access"
    )]
    NoOperations {
        /// The table.
        table: String,
        /// The role.
        role: String,
    },
    /// `decrypt` names a column the table does not list in `encrypted`.
    #[error("`decrypt` names `{column}`, which is not in `encrypted` of table `{table}`")]
    DecryptNotEncrypted {
        /// The table.
        table: String,
        /// The column.
        column: String,
    },
    /// A column given two rules that contradict each other.
    #[error("column `{column}` cannot be both {first} and {second}")]
    ConflictingRules {
        /// The column.
        column: String,
        /// The first rule (`hidden`).
        first: &'static str,
        /// The second rule (`masked`).
        second: &'static str,
    },
    /// `tenant_scoped` set while the file has no `[tenancy]`.
    #[error("`tenant_scoped` has no meaning without a [tenancy] section")]
    TenantScopedWithoutTenancy,
    /// A `rows` filter that does not parse in the URL grammar.
    #[error("invalid row filter: {reason}")]
    InvalidRowFilter {
        /// As written.
        rows: String,
        /// The parser's reason.
        reason: String,
    },
    /// A `$variable` in a row filter other than `$sub`, `$tenant`, `$claims.<name>`.
    #[error(
        "unknown variable `${variable}` in row filter; expected `$sub`, `$tenant` or `$claims.<name>`"
    )]
    UnknownVariable {
        /// The name after `$`.
        variable: String,
    },

    /// A variable inside a larger operand (`like.*$sub*`): it cannot be bound as a parameter.
    #[error(
        "variable inside the operand `{operand}`; a variable must be the whole operand (`eq.$sub`, `in.($sub,$tenant)`)"
    )]
    VariableInOperand {
        /// The operand.
        operand: String,
    },

    // --- against the live schema (crate::validate) ---
    /// A table the exposed schemas do not have.
    #[error("table `{table}` does not exist in the exposed schemas ({schemas})")]
    UnknownTable {
        /// The qualified name.
        table: String,
        /// The exposed schemas, comma separated.
        schemas: String,
    },
    /// A column the table does not have.
    #[error("column `{column}` does not exist in table `{table}`")]
    UnknownColumn {
        /// The qualified table name.
        table: String,
        /// The column.
        column: String,
    },
    /// An `encrypted` column that is not `bytea`.
    #[error("encrypted column `{column}` of `{table}` must have type bytea, not {found}")]
    EncryptedNotBytea {
        /// The qualified table name.
        table: String,
        /// The column.
        column: String,
        /// Its type.
        found: String,
    },
    /// A masked column that is not text-like (and not encrypted).
    #[error(
        "masked column `{column}` of `{table}` must be text-like (text, varchar, char, citext) or encrypted, not {found}"
    )]
    MaskedNotText {
        /// The qualified table name.
        table: String,
        /// The column.
        column: String,
        /// Its type.
        found: String,
    },
    /// `tenant_scoped = false` (or `true`) on a table without the tenant column.
    #[error(
        "`tenant_scoped` on table `{table}`, which has no column `{column}`: it is not tenant-scoped either way; remove the key"
    )]
    TenantScopedWithoutColumn {
        /// The qualified table name.
        table: String,
        /// The tenancy column.
        column: String,
    },
    /// A row filter on an encrypted column (it would compare ciphertext).
    #[error(
        "row filter uses encrypted column `{column}` of `{table}`; encrypted columns cannot be filtered on"
    )]
    RowFilterOnEncrypted {
        /// The qualified table name.
        table: String,
        /// The column.
        column: String,
    },
    /// An operation the relation does not support (a view that is not insertable).
    #[error("`{table}` does not support {operation}")]
    OperationNotSupported {
        /// The qualified table name.
        table: String,
        /// The operation.
        operation: crate::Operation,
    },
    /// The `[tenancy]` column exists in no exposed relation: likely misspelt, and then no
    /// table would be tenant-scoped.
    #[error("tenancy column `{column}` exists in no table or view of the exposed schemas")]
    TenancyColumnUnused {
        /// The tenancy column.
        column: String,
    },
}

fn suggest(suggestion: Option<&str>) -> String {
    suggestion.map_or_else(String::new, |s| format!(" (did you mean `{s}`?)"))
}
