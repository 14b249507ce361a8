//! Relations (tables, views, …), their columns and keys.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::types::Type;

/// A schema-qualified name. Orders by schema, then name (byte order, not a collation).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct QualifiedName {
    /// The schema.
    pub schema: String,
    /// The name within the schema.
    pub name: String,
}

impl QualifiedName {
    /// A name from its two parts.
    pub fn new(schema: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            schema: schema.into(),
            name: name.into(),
        }
    }
}

/// `schema.name`, unquoted: for messages and logs, never for SQL text.
impl fmt::Display for QualifiedName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.schema, self.name)
    }
}

/// A schema exposed through the API.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schema {
    /// The schema's name.
    pub name: String,
    /// `COMMENT ON SCHEMA`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// What sort of relation (`pg_class.relkind`). Partitions are never listed: a partitioned
/// table appears once, as its parent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RelationKind {
    /// An ordinary table (`r`).
    Table,
    /// A view (`v`).
    View,
    /// A materialized view (`m`): readable, never writable.
    MaterializedView,
    /// A partitioned table (`p`), the parent of its partitions.
    PartitionedTable,
    /// A foreign table (`f`).
    ForeignTable,
}

impl RelationKind {
    /// Views and materialized views.
    pub fn is_view(self) -> bool {
        matches!(self, Self::View | Self::MaterializedView)
    }
}

/// A table, view, materialized view, partitioned table or foreign table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Relation {
    /// Schema.
    pub schema: String,
    /// Name.
    pub name: String,
    /// Table, view, …
    pub kind: RelationKind,
    /// `COMMENT ON TABLE / VIEW / …`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// Rows can be inserted: always for tables; for views and foreign tables as
    /// `pg_relation_is_updatable(oid, true)` says (automatically updatable, or an `INSTEAD
    /// OF` trigger / rule); never for materialized views.
    pub insertable: bool,
    /// Rows can be updated (same rules as `insertable`).
    pub updatable: bool,
    /// Rows can be deleted (same rules as `insertable`).
    pub deletable: bool,
    /// Row-level security is enabled (`pg_class.relrowsecurity`): the table's policies may
    /// read the request's settings (`gatehouse.tenant`, …), so a read of it must carry them.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub row_security: bool,
    /// Columns in ordinal (`attnum`) order, dropped columns left out.
    pub columns: Vec<Column>,
    /// The primary key. For a view, inferred from the base tables whose whole primary key
    /// the view shows as plain columns (named after the first such key): a heuristic, as in
    /// PostgREST; a view that joins or groups may repeat values of it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_key: Option<PrimaryKey>,
    /// Unique constraints (not bare unique indexes), sorted by name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unique_constraints: Vec<UniqueConstraint>,
    /// Foreign keys held by this relation, sorted by name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub foreign_keys: Vec<ForeignKey>,
}

impl Relation {
    /// The relation's qualified name.
    pub fn qualified_name(&self) -> QualifiedName {
        QualifiedName::new(&self.schema, &self.name)
    }

    /// `true` if this is `schema.name`.
    pub fn is(&self, name: &QualifiedName) -> bool {
        self.schema == name.schema && self.name == name.name
    }

    /// A column by its exact name.
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// Names of the primary key columns, empty if there is no primary key.
    pub fn primary_key_columns(&self) -> &[String] {
        self.primary_key.as_ref().map_or(&[], |pk| &pk.columns)
    }

    /// The primary key and every unique constraint, as column lists.
    pub fn unique_keys(&self) -> impl Iterator<Item = &[String]> {
        self.primary_key
            .iter()
            .map(|pk| pk.columns.as_slice())
            .chain(self.unique_constraints.iter().map(|u| u.columns.as_slice()))
    }
}

/// A column.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Column {
    /// Name.
    pub name: String,
    /// Type, resolved.
    #[serde(rename = "type")]
    pub ty: Type,
    /// May hold NULL: neither the column nor any domain of its type is `NOT NULL`.
    /// View columns are always nullable.
    pub nullable: bool,
    /// The column's own default expression (`pg_get_expr`), e.g. `now()` or
    /// `nextval('s'::regclass)`. `None` for identity and generated columns; a domain's
    /// default is on the [`crate::TypeKind::Domain`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    /// `GENERATED { ALWAYS | BY DEFAULT } AS IDENTITY`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<Identity>,
    /// `GENERATED ALWAYS AS (expr) STORED`: never writable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generated: Option<Generated>,
    /// `COMMENT ON COLUMN`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// For a view column that shows a base-table column unchanged (through any chain of
    /// views): that column. Used to infer keys and relationships of views.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<ColumnOrigin>,
}

impl Column {
    /// A value may be written to it on insert: not generated, not `IDENTITY ALWAYS`.
    pub fn is_insertable(&self) -> bool {
        self.generated.is_none() && self.identity != Some(Identity::Always)
    }

    /// The column must be given on insert: `NOT NULL`, no default, no identity, not
    /// generated, no domain default.
    pub fn is_required(&self) -> bool {
        let domain_default = matches!(
            &self.ty.kind,
            crate::TypeKind::Domain {
                default: Some(_),
                ..
            }
        );
        !self.nullable
            && self.default.is_none()
            && self.identity.is_none()
            && self.generated.is_none()
            && !domain_default
    }
}

/// Identity column flavour.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Identity {
    /// `GENERATED ALWAYS AS IDENTITY`: an insert may not give a value (without
    /// `OVERRIDING SYSTEM VALUE`).
    Always,
    /// `GENERATED BY DEFAULT AS IDENTITY`: the value is a default.
    ByDefault,
}

/// A generated column.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Generated {
    /// Stored (the only kind before PostgreSQL 18) or virtual.
    pub kind: GeneratedKind,
    /// The generation expression.
    pub expression: String,
}

/// How a generated column is computed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GeneratedKind {
    /// `STORED`.
    Stored,
    /// `VIRTUAL` (PostgreSQL 18).
    Virtual,
}

/// The base-table column a view column shows.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ColumnOrigin {
    /// The base table (possibly in a schema that is not exposed).
    pub relation: QualifiedName,
    /// Its column.
    pub column: String,
}

/// A primary key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrimaryKey {
    /// Constraint name.
    pub name: String,
    /// Columns in key order.
    pub columns: Vec<String>,
}

/// A unique constraint.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UniqueConstraint {
    /// Constraint name.
    pub name: String,
    /// Columns in key order.
    pub columns: Vec<String>,
}

/// A foreign key constraint, possibly composite.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForeignKey {
    /// Constraint name: what an embed hint `rel!name` names.
    pub name: String,
    /// Columns of the relation holding the key, in key order.
    pub columns: Vec<String>,
    /// The referenced relation (possibly in a schema that is not exposed).
    pub referenced: QualifiedName,
    /// The referenced columns, pairwise with `columns`.
    pub referenced_columns: Vec<String>,
}

impl ForeignKey {
    /// `(column, referenced column)` pairs.
    pub fn column_pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.columns
            .iter()
            .map(String::as_str)
            .zip(self.referenced_columns.iter().map(String::as_str))
    }
}
