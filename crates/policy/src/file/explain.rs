//! `gatehouse policy explain --role R`: the effective rights of one role, table by table,
//! column by column.

use std::fmt;

use schema::Catalog;

use super::rights::{ColumnAccess, Read, TableRights};
use super::{PolicyFile, QualifiedName, RateLimit};

/// The effective rights of one role. `Display` renders the text `policy explain` prints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explanation {
    /// The role.
    pub role: String,
    /// The role's `max_rows`.
    pub max_rows: Option<u64>,
    /// The role's rate limit.
    pub rate: Option<RateLimit>,
    /// Every table the role may use, in name order.
    pub tables: Vec<TableLine>,
}

/// One table in an [`Explanation`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableLine {
    /// The role's rights on it.
    pub rights: TableRights,
    /// How it is tenant-scoped.
    pub tenancy: TenantScope,
    /// Its columns in table order with their access, or `None` if the catalog does not have
    /// the table (`policy check` reports that).
    pub columns: Option<Vec<ColumnLine>>,
}

/// How a table is tenant-scoped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TenantScope {
    /// The file has no `[tenancy]`.
    NoTenancy,
    /// The table has the tenancy column: every request is limited to the caller's tenant.
    Scoped {
        /// The tenancy column.
        column: String,
    },
    /// The table has the tenancy column and says `tenant_scoped = false`.
    OptedOut {
        /// The tenancy column.
        column: String,
    },
    /// The table does not have the tenancy column: shared by every tenant.
    Shared {
        /// The tenancy column.
        column: String,
    },
    /// The table is not in the catalog.
    Unknown,
}

/// One column in a [`TableLine`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnLine {
    /// The column's name.
    pub name: String,
    /// The role's access to it.
    pub access: ColumnAccess,
    /// It is the tenancy column of a tenant-scoped table.
    pub tenant: bool,
}

impl PolicyFile {
    /// The effective rights of `role` on every table it may use, resolved against the catalog
    /// for the column lists. `None` if the role is not declared.
    pub fn explain(&self, catalog: &Catalog, role: &str) -> Option<Explanation> {
        let declared = self.role(role)?;
        let tables = self
            .tables_for(role)
            .map(|(name, rights)| table_line(self, catalog, name, rights))
            .collect();
        Some(Explanation {
            role: role.to_owned(),
            max_rows: declared.max_rows,
            rate: declared.rate,
            tables,
        })
    }
}

fn table_line(
    file: &PolicyFile,
    catalog: &Catalog,
    name: &QualifiedName,
    rights: TableRights,
) -> TableLine {
    let Some(relation) = catalog
        .schema(&name.schema)
        .and_then(|_| catalog.relation(&name.schema, &name.name))
    else {
        return TableLine {
            rights,
            tenancy: TenantScope::Unknown,
            columns: None,
        };
    };
    let has = |column: &str| relation.column(column).is_some();
    let tenancy = match (file.tenant_column(), &rights.tenant_column) {
        (None, _) => TenantScope::NoTenancy,
        (Some(column), _) if !has(column) => TenantScope::Shared {
            column: column.to_owned(),
        },
        (Some(column), None) => TenantScope::OptedOut {
            column: column.to_owned(),
        },
        (Some(column), Some(_)) => TenantScope::Scoped {
            column: column.to_owned(),
        },
    };
    let scoped_by = match &tenancy {
        TenantScope::Scoped { column } => Some(column.as_str()),
        _ => None,
    };
    let columns = relation
        .columns
        .iter()
        .map(|column| ColumnLine {
            name: column.name.clone(),
            access: rights.column(&column.name),
            tenant: scoped_by == Some(column.name.as_str()),
        })
        .collect();
    TableLine {
        rights,
        tenancy,
        columns: Some(columns),
    }
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "role {}", self.role)?;
        if let Some(max_rows) = self.max_rows {
            write!(f, ", max_rows {max_rows}")?;
        }
        if let Some(rate) = &self.rate {
            write!(f, ", rate {rate}")?;
        }
        writeln!(f)?;
        if self.tables.is_empty() {
            writeln!(f, "\nno tables")?;
        }
        for table in &self.tables {
            writeln!(f)?;
            table.fmt(f)?;
        }
        Ok(())
    }
}

impl fmt::Display for TableLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let rights = &self.rights;
        writeln!(f, "{}", rights.table)?;
        let operations: Vec<&str> = rights.operations.iter().map(|op| op.as_str()).collect();
        writeln!(f, "  operations: {}", operations.join(", "))?;
        match &rights.rows {
            Some(rows) => writeln!(f, "  rows: {}", rows.source)?,
            None => writeln!(f, "  rows: all")?,
        }
        if let Some(max_rows) = rights.max_rows {
            writeln!(f, "  max_rows: {max_rows}")?;
        }
        match &self.tenancy {
            TenantScope::NoTenancy => writeln!(f, "  tenancy: none configured")?,
            TenantScope::Scoped { column } => writeln!(f, "  tenancy: scoped by {column}")?,
            TenantScope::OptedOut { column } => writeln!(
                f,
                "  tenancy: NOT scoped (has {column}, tenant_scoped = false): every tenant's rows"
            )?,
            TenantScope::Shared { column } => {
                writeln!(f, "  tenancy: shared (no column {column})")?;
            }
            TenantScope::Unknown => writeln!(f, "  tenancy: unknown")?,
        }
        if rights.allow_unfiltered {
            writeln!(f, "  unfiltered update/delete: allowed")?;
        }
        if rights.audit_values {
            writeln!(f, "  audit: records values")?;
        }
        let Some(columns) = &self.columns else {
            return writeln!(f, "  columns: unknown (not in the database)");
        };
        writeln!(f, "  columns:")?;
        let width = columns
            .iter()
            .map(|c| c.name.chars().count())
            .max()
            .unwrap_or(0);
        let select = rights.can(crate::Operation::Select);
        let write = rights.can_write();
        for column in columns {
            let access = &column.access;
            let mut parts = Vec::new();
            let read = match access.read {
                Read::Plain => "readable".to_owned(),
                Read::Masked(kind) => format!("masked({kind})"),
                Read::Hidden => "hidden".to_owned(),
            };
            let read = if access.encrypted {
                format!("encrypted({read})")
            } else {
                read
            };
            if select || access.read == Read::Hidden {
                parts.push(read);
            } else if access.encrypted {
                parts.push("encrypted".to_owned());
            }
            if write && access.read != Read::Hidden {
                parts.push(
                    if access.write {
                        "writable"
                    } else if column.tenant {
                        "set by the server"
                    } else {
                        "read-only"
                    }
                    .to_owned(),
                );
            }
            if column.tenant {
                parts.push("tenant".to_owned());
            }
            if parts.is_empty() {
                parts.push("-".to_owned());
            }
            writeln!(f, "    {:width$}  {}", column.name, parts.join(", "))?;
        }
        Ok(())
    }
}
