//! What one role sees of each table: the columns it may read, write and filter on, the
//! operations it holds, and the names the document gives the table's schemas.

use std::collections::BTreeSet;

use policy::{Operation, Read, TableRights};
use schema::{Column, Relation};

/// One table as the role sees it.
pub(super) struct Table<'a> {
    pub(super) relation: &'a Relation,
    /// The catalog's relationships from this table (what `select` may embed, when the role
    /// may read the other end).
    pub(super) relationships: &'a [schema::Relationship],
    pub(super) rights: TableRights,
    /// The columns the role may read (in plain or masked form), in ordinal order.
    pub(super) columns: Vec<View<'a>>,
    pub(super) select: bool,
    pub(super) insert: bool,
    pub(super) update: bool,
    pub(super) delete: bool,
    /// PUT: insert and update, and a primary key the role can filter on and write.
    pub(super) put: bool,
    /// The cap on rows per response: the policy's and the server's, whichever is smaller.
    pub(super) max_rows: Option<u64>,
    /// Component names: the row, the insert body and the update body.
    pub(super) row_schema: String,
    pub(super) insert_schema: String,
    pub(super) update_schema: String,
}

/// One readable column as the role sees it.
pub(super) struct View<'a> {
    pub(super) column: &'a Column,
    /// `Plain` or `Masked`, never `Hidden`.
    pub(super) read: Read,
    /// Stored with `pgp_sym_encrypt`; this role reads it decrypted (or decrypted and masked).
    pub(super) encrypted: bool,
    /// An insert or update by this role may set it.
    pub(super) writable: bool,
    /// Usable in a filter and in `order`: plain, not encrypted, and a bare query-string key.
    pub(super) filterable: bool,
    /// The tenancy column of a tenant-scoped table: the server writes it.
    pub(super) tenant: bool,
}

impl View<'_> {
    pub(super) fn name(&self) -> &str {
        &self.column.name
    }
}

impl Table<'_> {
    /// The tag that groups the table's operations.
    pub(super) fn tag(&self) -> &str {
        &self.relation.name
    }

    /// A readable column by name.
    pub(super) fn column(&self, name: &str) -> Option<&View<'_>> {
        self.columns.iter().find(|view| view.name() == name)
    }

    /// The table's description: its SQL comment (when it names nothing hidden), then what the
    /// policy does to its rows.
    pub(super) fn description(&self, names: &Names) -> String {
        let mut parts = Vec::new();
        if let Some(comment) = names.comment(self.relation.comment.as_deref()) {
            parts.push(comment.to_owned());
        }
        if self.relation.kind.is_view() {
            parts.push("A view.".to_owned());
        }
        if let Some(column) = self.tenant_column() {
            let scope = if self.insert || self.update || self.delete {
                "you see and change only your tenant's rows"
            } else {
                "you see only your tenant's rows"
            };
            parts.push(format!(
                "Tenant-scoped: {scope}; `{column}` is set by the server from your credentials."
            ));
        }
        if self.rights.rows.is_some() {
            parts.push("The policy limits which rows this role sees.".to_owned());
        }
        if let Some(max) = self.max_rows {
            parts.push(format!("At most {max} rows per response."));
        }
        parts.join("\n\n")
    }

    /// The tenancy column, when the table is tenant-scoped and the role can see the column.
    pub(super) fn tenant_column(&self) -> Option<&str> {
        self.columns.iter().find(|view| view.tenant).map(View::name)
    }
}

/// The tables `role` may use in `environment.schema`, in name order.
pub(super) fn visible<'a>(
    catalog: &'a schema::Catalog,
    policy: &policy::PolicyFile,
    environment: &policy::Environment,
    role: &str,
) -> Vec<Table<'a>> {
    let mut registry = Registry::default();
    catalog
        .relations()
        .iter()
        .filter(|relation| relation.schema == environment.schema)
        .filter_map(|relation| {
            let rights = policy.rights(role, &relation.qualified_name())?;
            let relationships = catalog.relationships_from(&relation.qualified_name());
            Some(table(
                relation,
                relationships,
                rights,
                environment,
                &mut registry,
            ))
        })
        .collect()
}

fn table<'a>(
    relation: &'a Relation,
    relationships: &'a [schema::Relationship],
    rights: TableRights,
    environment: &policy::Environment,
    registry: &mut Registry,
) -> Table<'a> {
    let select = rights.can(Operation::Select);
    let insert = rights.can(Operation::Insert) && relation.insertable;
    let update = rights.can(Operation::Update) && relation.updatable;
    let delete = rights.can(Operation::Delete) && relation.deletable;
    let tenant_column = rights
        .tenant_column
        .as_deref()
        .filter(|name| relation.column(name).is_some());
    let columns: Vec<View<'a>> = relation
        .columns
        .iter()
        .filter_map(|column| {
            let access = rights.column(&column.name);
            if access.read == Read::Hidden {
                return None;
            }
            let tenant = tenant_column == Some(column.name.as_str());
            Some(View {
                column,
                read: access.read,
                encrypted: access.encrypted,
                writable: (insert || update) && access.write && column.is_insertable(),
                filterable: access.read == Read::Plain
                    && !access.encrypted
                    && is_bare_filter_key(&column.name),
                tenant,
            })
        })
        .collect();
    let key = relation.primary_key_columns();
    let put = insert
        && update
        && !key.is_empty()
        && key.iter().all(|name| {
            columns
                .iter()
                .find(|view| view.name() == name)
                .is_some_and(|view| view.filterable && (view.writable || view.tenant))
        });
    let max_rows = match (rights.max_rows, environment.max_rows) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    let base = component_name(&relation.name);
    Table {
        relation,
        relationships,
        columns,
        select,
        insert,
        update,
        delete,
        put,
        max_rows,
        row_schema: registry.claim(base.clone()),
        insert_schema: registry.claim(format!("{base}.insert")),
        update_schema: registry.claim(format!("{base}.update")),
        rights,
    }
}

/// Whether `name=eq.x` in a query string is a filter on the column `name` itself (not a
/// reserved parameter such as `select` or `or`, an embed path `a.b`, or a JSON path `a->b`).
fn is_bare_filter_key(name: &str) -> bool {
    match query::Request::parse(&[(name, "eq.x")]) {
        Ok(request) => matches!(
            request.filters.as_slice(),
            [(path, query::Condition::Filter { field, .. })]
                if path.is_empty() && field.column == name && field.json_path.is_empty()
        ),
        Err(_) => false,
    }
}

/// A component name made of the characters OpenAPI allows (`[A-Za-z0-9._-]`): anything else
/// becomes `_`.
fn component_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if cleaned.is_empty() {
        "_".to_owned()
    } else {
        cleaned
    }
}

/// Component names handed out so far; the fixed ones are taken from the start.
struct Registry {
    taken: BTreeSet<String>,
}

impl Default for Registry {
    fn default() -> Self {
        Self {
            taken: super::components::FIXED_SCHEMAS
                .iter()
                .map(|name| (*name).to_owned())
                .collect(),
        }
    }
}

impl Registry {
    /// `name`, or `name_2`, `name_3`, … when it is taken.
    fn claim(&mut self, name: String) -> String {
        let mut candidate = name.clone();
        let mut n = 2;
        while self.taken.contains(&candidate) {
            candidate = format!("{name}_{n}");
            n += 1;
        }
        self.taken.insert(candidate.clone());
        candidate
    }
}

/// Names that must not appear in the document (the role's hidden columns and the relations
/// it may not use), to keep SQL comments that mention one of them out of it.
pub(super) struct Names {
    forbidden: BTreeSet<String>,
}

impl Names {
    pub(super) fn new(catalog: &schema::Catalog, tables: &[Table<'_>]) -> Self {
        let mut shown = BTreeSet::new();
        let mut forbidden = BTreeSet::new();
        for table in tables {
            shown.insert(table.relation.name.to_lowercase());
            for column in &table.relation.columns {
                if table.column(&column.name).is_some() {
                    shown.insert(column.name.to_lowercase());
                } else {
                    forbidden.insert(column.name.to_lowercase());
                }
            }
        }
        for relation in catalog.relations() {
            forbidden.insert(relation.name.to_lowercase());
        }
        forbidden.retain(|name| !shown.contains(name));
        Self { forbidden }
    }

    /// The comment, unless one of its words (compared without case) is a forbidden name.
    pub(super) fn comment<'c>(&self, comment: Option<&'c str>) -> Option<&'c str> {
        let comment = comment?.trim();
        if comment.is_empty() {
            return None;
        }
        let word_char = |c: char| c.is_alphanumeric() || c == '_' || c == '$';
        let lowered = comment.to_lowercase();
        let mentions_forbidden = lowered
            .split(|c: char| !word_char(c))
            .any(|word| !word.is_empty() && self.forbidden.contains(word))
            // A name that is not one word (`order items`) is looked for as it is.
            || self
                .forbidden
                .iter()
                .filter(|name| !name.chars().all(word_char))
                .any(|name| lowered.contains(name.as_str()));
        (!mentions_forbidden).then_some(comment)
    }
}
