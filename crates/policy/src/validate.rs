//! The policy file against the live schema: `gatehouse policy check`.

use schema::{Catalog, Category, Relation};

use crate::{Located, Operation, PolicyFile, Pos, Problem, ProblemKind, TablePolicy, TableRole};

/// Checks a parsed policy file against the catalog of the exposed schemas, returning every
/// problem, sorted by position (empty: the policy fits the database).
///
/// - every table exists in an exposed schema, every column named exists in its table;
/// - `encrypted` columns are `bytea`; masked columns are text-like (or encrypted);
/// - `tenant_scoped` appears only on tables that have the tenancy column, and the tenancy
///   column exists in some exposed relation (a misspelt column would silently scope nothing);
/// - the operations a role is given are ones the relation supports (a view may not be
///   insertable, say);
/// - the columns a row filter names exist.
///
/// A table that has the tenancy column is tenant-scoped unless it says `tenant_scoped = false`
/// (see [`crate::TableRights::tenant_column`]); that is the default, so it needs no check here.
pub fn validate(file: &PolicyFile, catalog: &Catalog) -> Vec<Problem> {
    let mut problems = Vec::new();
    let schemas = || {
        catalog
            .schemas()
            .iter()
            .map(|s| s.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    for (name, table) in &file.tables {
        let relation = catalog
            .schema(&name.schema)
            .and_then(|_| catalog.relation(&name.schema, &name.name));
        let Some(relation) = relation else {
            problems.push(Problem::new(
                table.key.at,
                ProblemKind::UnknownTable {
                    table: name.to_string(),
                    schemas: schemas(),
                },
            ));
            continue;
        };
        Table {
            policy: table,
            relation,
            problems: &mut problems,
        }
        .check(file);
    }
    if let Some(tenancy) = &file.tenancy {
        let column = &tenancy.column.value;
        let used = catalog
            .relations()
            .iter()
            .any(|r| r.column(column).is_some());
        if !used {
            problems.push(Problem::new(
                tenancy.column.at,
                ProblemKind::TenancyColumnUnused {
                    column: column.clone(),
                },
            ));
        }
    }
    problems.sort_by_key(Problem::pos);
    problems
}

struct Table<'a> {
    policy: &'a TablePolicy,
    relation: &'a Relation,
    problems: &'a mut Vec<Problem>,
}

impl<'a> Table<'a> {
    fn check(mut self, file: &PolicyFile) {
        let policy = self.policy;
        for column in &policy.encrypted {
            if let Some(found) = self.column(column)
                && found.ty.category != Category::Bytes
            {
                self.problem(
                    column.at,
                    ProblemKind::EncryptedNotBytea {
                        table: self.name(),
                        column: column.value.clone(),
                        found: found.ty.sql_name.clone(),
                    },
                );
            }
        }
        if let (Some(scoped), Some(tenant)) = (&policy.tenant_scoped, file.tenant_column())
            && self.relation.column(tenant).is_none()
        {
            self.problem(
                scoped.at,
                ProblemKind::TenantScopedWithoutColumn {
                    table: self.name(),
                    column: tenant.to_owned(),
                },
            );
        }
        for entry in policy.every_role.iter().chain(policy.roles.values()) {
            self.entry(entry);
        }
    }

    fn entry(&mut self, entry: &TableRole) {
        for column in entry
            .hidden
            .iter()
            .chain(&entry.read_only)
            .chain(&entry.decrypt)
        {
            self.column(column);
        }
        for (column, _) in &entry.masked {
            if let Some(found) = self.column(column)
                && found.ty.category != Category::String
                && !self.policy.is_encrypted(column)
            {
                self.problem(
                    column.at,
                    ProblemKind::MaskedNotText {
                        table: self.name(),
                        column: column.value.clone(),
                        found: found.ty.sql_name.clone(),
                    },
                );
            }
        }
        for operation in &entry.operations {
            let supported = match operation {
                Operation::Select => true,
                Operation::Insert => self.relation.insertable,
                Operation::Update => self.relation.updatable,
                Operation::Delete => self.relation.deletable,
            };
            if !supported {
                self.problem(
                    entry.role.at,
                    ProblemKind::OperationNotSupported {
                        table: self.name(),
                        operation: *operation,
                    },
                );
            }
        }
        if let Some(filter) = &entry.rows {
            for column in filter.value.columns() {
                if self.relation.column(column).is_none() {
                    self.problem(
                        filter.at,
                        ProblemKind::UnknownColumn {
                            table: self.name(),
                            column: column.to_owned(),
                        },
                    );
                } else if self.policy.is_encrypted(column) {
                    self.problem(
                        filter.at,
                        ProblemKind::RowFilterOnEncrypted {
                            table: self.name(),
                            column: column.to_owned(),
                        },
                    );
                }
            }
        }
    }

    /// The column, or `None` after reporting that it does not exist.
    fn column(&mut self, column: &Located<String>) -> Option<&'a schema::Column> {
        let relation = self.relation;
        let found = relation.column(&column.value);
        if found.is_none() {
            self.problem(
                column.at,
                ProblemKind::UnknownColumn {
                    table: self.name(),
                    column: column.value.clone(),
                },
            );
        }
        found
    }

    fn name(&self) -> String {
        self.policy.name.to_string()
    }

    fn problem(&mut self, at: Pos, kind: ProblemKind) {
        self.problems.push(Problem::new(at, kind));
    }
}
