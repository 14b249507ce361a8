//! The authorized plan: a request resolved against the catalog as the caller's role sees it,
//! with the policy's predicates added. This is what `sql` renders, and only this crate can
//! build one ([`Authorized`] has no public constructor).
//!
//! Names in a plan are [`Ident`]s and types are [`TypeName`]s: both can only be made in this
//! crate, from the catalog, so the SQL writer can quote them knowing they came from
//! introspection, never from a request. Everything that came from a request and reaches SQL is
//! a [`Param`] (bound) or an output key (bound too: JSON keys are parameters).

use std::fmt;

pub use query::{CmpOp, Direction, FtsKind, IsValue, LogicOp, Nulls, RangeOp};

use crate::MaskKind;

/// A plan that passed the policy. Only this crate constructs it; `sql::render` takes nothing
/// else.
#[derive(Debug, Clone, PartialEq)]
pub struct Authorized<P> {
    plan: P,
}

impl<P> Authorized<P> {
    pub(crate) fn new(plan: P) -> Self {
        Self { plan }
    }

    /// The plan, for reading.
    pub fn plan(&self) -> &P {
        &self.plan
    }
}

/// An identifier that came from the catalog (a schema, relation or column name). The SQL
/// writer quotes it; nothing outside this crate can make one.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Ident(String);

impl Ident {
    pub(crate) fn from_catalog(name: &str) -> Self {
        Self(name.to_owned())
    }

    /// The name, unquoted.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Ident {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A type to cast a bound parameter to: a schema and a `pg_type.typname` from the catalog
/// (rendered as `"schema"."name"`, so `numeric(10,2)`'s modifier never rounds a filter value),
/// or one of a fixed list of built-in types for casts a client asks for in `select`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TypeName {
    /// From the catalog.
    Catalog { schema: Ident, name: Ident },
    /// A built-in type, spelled by us (`text`, `integer`, …).
    Builtin(&'static str),
}

impl TypeName {
    pub(crate) fn of(ty: &schema::Type) -> Self {
        TypeName::Catalog {
            schema: Ident::from_catalog(&ty.schema),
            name: Ident::from_catalog(&ty.name),
        }
    }
}

/// A relation in a plan: its qualified name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Table {
    pub schema: Ident,
    pub name: Ident,
    /// PostgreSQL may read the request's settings (`gatehouse.role`, `gatehouse.tenant`, …)
    /// while reading this relation: it is a view (its query may call `current_setting`) or not
    /// a plain table, row-level security is enabled on it, or it has the policy's tenant column
    /// (the script `gatehouse policy rls` prints may enable row-level security on it at any
    /// time). A read touching only plain tables outside all three has nothing that reads them.
    pub reads_settings: bool,
}

impl Table {
    pub(crate) fn of(relation: &schema::Relation, file: &crate::PolicyFile) -> Self {
        use schema::RelationKind;
        let plain = matches!(
            relation.kind,
            RelationKind::Table | RelationKind::PartitionedTable
        );
        let tenant = file
            .tenant_column()
            .is_some_and(|column| relation.column(column).is_some());
        Table {
            schema: Ident::from_catalog(&relation.schema),
            name: Ident::from_catalog(&relation.name),
            reads_settings: !plain || relation.row_security || tenant,
        }
    }
}

/// A bound parameter's value. Every value from a request, and every secret, travels this way.
#[derive(Clone, PartialEq, Eq)]
pub enum Param {
    /// Bound as `text`.
    Text(String),
    /// Bound as `text[]`.
    TextArray(Vec<String>),
    /// The encryption key, bound as `text`; `Debug` does not print it.
    Secret(String),
}

impl fmt::Debug for Param {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Param::Text(text) => f.debug_tuple("Text").field(text).finish(),
            Param::TextArray(items) => f.debug_tuple("TextArray").field(items).finish(),
            Param::Secret(_) => f.write_str("Secret(***)"),
        }
    }
}

/// A column reference with an optional JSON path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnRef {
    pub column: Ident,
    /// The column's type (for casting operands to it).
    pub ty: TypeName,
    /// Whether the column's type is json/jsonb (JSON path steps apply).
    pub json_path: Vec<JsonStep>,
}

/// One `->` / `->>` step; keys and indexes are bound as parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonStep {
    /// `->>` (text) rather than `->` (json).
    pub text: bool,
    pub operand: JsonOperand,
}

/// A JSON key or array index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JsonOperand {
    Key(String),
    Index(i32),
}

impl ColumnRef {
    /// The expression's result is text (`->>` last), JSON (`->` last) or the column's own type.
    pub fn result(&self) -> Operand {
        match self.json_path.last() {
            None => Operand::Column,
            Some(step) if step.text => Operand::Text,
            Some(_) => Operand::Jsonb,
        }
    }
}

/// What a filter's operand is cast to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operand {
    /// The column's own type.
    Column,
    /// `text` (after `->>`).
    Text,
    /// `jsonb` (after `->`).
    Jsonb,
}

/// How a selected column is shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reveal {
    /// As stored.
    Plain,
    /// Masked; decrypted first when `decrypt` is set.
    Masked {
        kind: MaskKind,
        decrypt: Option<Box<Decryption>>,
    },
    /// Decrypted with `gatehouse.decrypt(column, ids, keys, legacy)`.
    Decrypted { keys: Box<Decryption> },
}

/// What decrypting an encrypted column binds: every configured key with its id, and the id of
/// the key for ciphertext written without a key id (legacy `pgp_sym_encrypt` output). Rendered
/// `gatehouse.decrypt(column, $ids::text[], array[$key1::text, …], $legacy::text)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decryption {
    /// The key ids, newest first: one [`Param::TextArray`].
    pub ids: Param,
    /// The keys in the order of `ids`, each a [`Param::Secret`].
    pub keys: Vec<Param>,
    /// The legacy key's id: a [`Param::Text`].
    pub legacy: Param,
}

/// What encrypting a value binds: the newest key and its id, which is stored with the
/// ciphertext. Rendered `gatehouse.encrypt(value, $id::text, $key::text)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Encryption {
    /// The key id: a [`Param::Text`].
    pub id: Param,
    /// The key: a [`Param::Secret`].
    pub key: Param,
}

/// One key of the output object.
#[derive(Debug, Clone, PartialEq)]
pub enum Output {
    /// A column (or a JSON path into it), maybe cast.
    Column {
        /// The JSON key (the alias, the column name, or the last JSON path key). Bound.
        key: String,
        column: ColumnRef,
        cast: Option<TypeName>,
        reveal: Reveal,
    },
    /// An embedded relation.
    Embed(Box<Embed>),
}

/// An embedded relation and how it joins its parent.
#[derive(Debug, Clone, PartialEq)]
pub struct Embed {
    /// The JSON key (alias or relation name); unused for a spread.
    pub key: String,
    pub node: Node,
    pub link: Link,
    /// At most one row: an object (or null) instead of an array.
    pub to_one: bool,
    /// `!inner`: parent rows without a matching (filtered) child are dropped.
    pub inner: bool,
    /// `...rel(…)`: the child's keys are merged into the parent object (to-one only).
    pub spread: bool,
    /// `rel()`: selected nothing; used only to filter (with `inner`), not shown.
    pub hidden_output: bool,
}

/// How child rows match a parent row.
#[derive(Debug, Clone, PartialEq)]
pub enum Link {
    /// `parent.a = child.b` for each pair.
    Direct { pairs: Vec<(Ident, Ident)> },
    /// Through a junction: `parent.a = junction.b` for `parent_pairs`, then
    /// `junction.c = child.d` for `child_pairs`.
    Junction {
        junction: Table,
        parent_pairs: Vec<(Ident, Ident)>,
        child_pairs: Vec<(Ident, Ident)>,
        /// Guards on the junction rows (its tenant scope).
        guards: Vec<Condition>,
    },
}

/// A condition on a relation's rows.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    /// A filter on one column.
    Filter {
        column: ColumnRef,
        negate: bool,
        op: Operation,
    },
    /// `and` / `or` over conditions; never empty.
    Logic {
        op: LogicOp,
        negate: bool,
        children: Vec<Condition>,
    },
    /// The condition of an `!inner` embed, or of an embedded filter in an `or` tree: a
    /// matching child row exists.
    Exists { embed: Box<Embed> },
}

/// A filter's operator with its operands bound.
#[derive(Debug, Clone, PartialEq)]
pub enum Operation {
    /// `column op $1`, the operand cast to the column's type.
    Compare(CmpOp, Param),
    /// `column op ANY|ALL($1::type[])`.
    Quantified {
        op: CmpOp,
        all: bool,
        /// A PostgreSQL array literal (`{a,b}`), bound as text and cast.
        array: Param,
    },
    /// `column IN (…)`: the elements bound as one `text[]`, each cast to the column's type.
    In(Param),
    /// `IS NULL`, `IS TRUE`, …
    Is(IsValue),
    /// Full-text search.
    Fts {
        kind: FtsKind,
        language: Option<Param>,
        query: Param,
        /// The column is a `tsvector`; otherwise it is converted with `to_tsvector`.
        tsvector: bool,
    },
    /// Array / range operators, the operand cast to the column's type.
    Range(RangeOp, Param),
}

/// One ordering term.
#[derive(Debug, Clone, PartialEq)]
pub struct Order {
    pub column: ColumnRef,
    pub direction: Option<Direction>,
    pub nulls: Option<Nulls>,
    /// `order=rel(col)`: `column` is a column of this to-one embed of the node (the very embed
    /// its outputs show), read from the row the embed shows: the embed's filters, tenant scope
    /// and row filter apply, and a parent row without such a row sorts as NULL. `None` for a
    /// column of the node's own relation.
    pub related: Option<Box<Embed>>,
}

/// One relation's part of a read: what to show, which rows, in which order, how many.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub table: Table,
    pub outputs: Vec<Output>,
    /// The client's filters.
    pub filters: Vec<Condition>,
    /// The policy's: the row filter and the tenant scope. Always applied.
    pub guards: Vec<Condition>,
    pub order: Vec<Order>,
    pub limit: Option<u64>,
    pub offset: Option<u64>,
}

/// How the total row count is wanted (`Prefer: count=…`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Count {
    Exact,
    Planned,
    Estimated,
}

/// A read (GET / HEAD).
#[derive(Debug, Clone, PartialEq)]
pub struct Read {
    pub root: Node,
    pub count: Option<Count>,
    /// For `count=estimated`: count exactly up to this many rows (the server's row cap), and
    /// beyond it use the planner's estimate.
    pub count_cap: Option<u64>,
}

impl Read {
    /// Whether any relation the read touches (the root, every embed, every junction) may read
    /// the request's settings (see [`Table::reads_settings`]).
    pub fn reads_settings(&self) -> bool {
        fn touches(node: &Node) -> bool {
            node.table.reads_settings
                || node.outputs.iter().any(|output| match output {
                    Output::Column { .. } => false,
                    Output::Embed(embed) => match &embed.link {
                        Link::Junction { junction, .. } if junction.reads_settings => true,
                        _ => touches(&embed.node),
                    },
                })
        }
        touches(&self.root)
    }
}

/// Settings to apply in the transaction with `set_config(name, value, true)`: the role, the
/// tenant and the subject, for row-level security in the database (defense in depth).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Context {
    pub settings: Vec<(&'static str, String)>,
}

/// What a write does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteKind {
    /// POST: insert one row or many.
    Insert,
    /// POST with `resolution=…` or PUT: insert, and on a key conflict update (merge) or skip.
    Upsert { merge: bool },
    /// PATCH: update the rows the filters select.
    Update,
    /// DELETE: delete the rows the filters select.
    Delete,
}

impl WriteKind {
    /// The operation as the audit log names it.
    pub fn audit_name(self) -> &'static str {
        match self {
            WriteKind::Insert => "insert",
            WriteKind::Upsert { .. } => "upsert",
            WriteKind::Update => "update",
            WriteKind::Delete => "delete",
        }
    }
}

/// One column a write sets, with where its value comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriteColumn {
    pub column: Ident,
    /// The column's type (the payload's text is cast to it).
    pub ty: TypeName,
    pub source: WriteSource,
}

/// Where a written value comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteSource {
    /// The payload's key of the same name (bound: keys are parameters).
    Payload { key: String },
    /// The payload's key, encrypted on the way in with the newest key
    /// (`gatehouse.encrypt(value, id, key)`).
    Encrypted { key: String, encryption: Encryption },
    /// A fixed value from the server, cast to the column's type: the caller's tenant.
    Fixed(Param),
}

/// `ON CONFLICT (…)` for an upsert.
#[derive(Debug, Clone, PartialEq)]
pub struct Conflict {
    /// The conflict target: a unique key's columns.
    pub columns: Vec<Ident>,
    /// The columns the conflict update sets (merge), each from `excluded`; empty = do nothing.
    pub update: Vec<Ident>,
    /// Guards on the existing row: the conflict update only touches rows the caller could
    /// update (its tenant, its row filter). A conflicting row outside them is left alone and
    /// the statement fails the written-rows check.
    pub guards: Vec<Condition>,
}

/// What the audit row records, fixed by the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Audit {
    /// `schema.table`.
    pub relation: String,
    pub operation: &'static str,
    /// The primary key's columns (their values of the affected rows are recorded).
    pub primary_key: Vec<Ident>,
    /// Names of the columns the write set.
    pub changed_columns: Vec<String>,
    /// Whether column values may be recorded too (`audit_values = true`).
    pub values: bool,
    pub request_id: String,
    pub principal: Option<String>,
    pub role: String,
    pub tenant: Option<String>,
    pub client_addr: Option<String>,
}

/// `gatehouse reencrypt` on one table: rewrite, a page of rows at a time (keyset by primary
/// key), every encrypted column whose value is not under the newest key. Made by
/// `PolicyFile::reencrypt_plans` from the policy's `encrypted` lists and the catalog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reencrypt {
    pub table: Table,
    /// The primary key's columns and types, in key order.
    pub primary_key: Vec<(Ident, TypeName)>,
    /// The table's encrypted columns.
    pub columns: Vec<Ident>,
    pub decryption: Decryption,
    pub encryption: Encryption,
}

/// A write (POST, PATCH, DELETE, PUT).
#[derive(Debug, Clone, PartialEq)]
pub struct Write {
    pub kind: WriteKind,
    pub table: Table,
    /// The payload (a JSON object or array), bound as one `json` parameter. `None` for DELETE.
    pub payload: Option<Param>,
    /// For inserts and updates: the columns set. The payload's other keys are ignored.
    pub columns: Vec<WriteColumn>,
    pub conflict: Option<Conflict>,
    /// The client's filters (PATCH, DELETE, PUT).
    pub filters: Vec<Condition>,
    /// The policy's predicates on the rows to update or delete (tenant scope, row filter).
    pub guards: Vec<Condition>,
    /// Conditions every written row must meet afterwards (tenant scope, row filter): a write
    /// that would leave a row the caller could not read fails as a whole.
    pub check: Vec<Condition>,
    /// `Prefer: max-affected=N` with `handling=strict`: more affected rows fail the write.
    pub max_affected: Option<u64>,
    /// The rows to return (`return=representation`), resolved with the caller's read rights;
    /// its `table` is the written table, its rows the affected ones.
    pub returning: Option<Node>,
    pub audit: Audit,
    /// Whether the caller may see the primary key of what it wrote (it may read the table and
    /// every key column in plain form), so a `Location` header can name it.
    pub location: bool,
}

/// A table whose tenant rule row-level security should enforce too (`gatehouse policy rls`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RlsTarget {
    pub table: Table,
    pub tenant_column: Ident,
}
