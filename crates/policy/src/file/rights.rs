//! The effective rights of one role on one table, resolved from the file.

use std::collections::{BTreeMap, BTreeSet};

use super::{
    MaskKind, Operation, PolicyFile, QualifiedName, Role, RowFilter, TablePolicy, TableRole,
};

impl PolicyFile {
    /// What `role` may do on `table`, or `None` if nothing: the role is not declared, the table
    /// is not in the file, or the table has no entry for the role and no `roles."*"`.
    ///
    /// A role's own entry replaces the `"*"` entry entirely (see [`TablePolicy::entry_for`]).
    pub fn rights(&self, role: &str, table: &QualifiedName) -> Option<TableRights> {
        let declared = self.roles.get(role)?;
        let policy = self.tables.get(table)?;
        let entry = policy.entry_for(role)?;
        Some(TableRights::resolve(self, declared, policy, entry))
    }

    /// Every table `role` may use, with its rights, in name order.
    pub fn tables_for<'a>(
        &'a self,
        role: &'a str,
    ) -> impl Iterator<Item = (&'a QualifiedName, TableRights)> + 'a {
        self.tables
            .keys()
            .filter_map(move |name| Some((name, self.rights(role, name)?)))
    }
}

/// The effective rights of one role on one table: the lookup the authorization step uses.
///
/// Column sets hold only the columns the file names; a column not named anywhere is readable
/// in plain form and writable when the role may insert or update. [`TableRights::column`]
/// resolves one column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableRights {
    /// The table.
    pub table: QualifiedName,
    /// The role.
    pub role: String,
    /// Allowed operations; never empty.
    pub operations: BTreeSet<Operation>,
    /// Columns that do not exist for this role.
    pub hidden: BTreeSet<String>,
    /// Columns readable but never writable.
    pub read_only: BTreeSet<String>,
    /// Columns readable only in masked form. Filtering or ordering on them would reveal the
    /// plain value; the authorization step should refuse it.
    pub masked: BTreeMap<String, MaskKind>,
    /// The table's encrypted columns (for every role).
    pub encrypted: BTreeSet<String>,
    /// Encrypted columns this role reads in plaintext.
    pub decrypt: BTreeSet<String>,
    /// The row filter, with variables not yet substituted; `None`: every row.
    pub rows: Option<RowFilter>,
    /// Cap on rows per response: the smaller of the role's and the table entry's `max_rows`.
    pub max_rows: Option<u64>,
    /// The tenancy column to scope by, *if the table has it*: `None` when the file has no
    /// `[tenancy]` or the table says `tenant_scoped = false`. A table that has this column is
    /// tenant-scoped; one that does not is shared by nature ([`crate::validate`] reports
    /// `tenant_scoped` on a table without the column).
    pub tenant_column: Option<String>,
    /// PATCH and DELETE may run without a filter.
    pub allow_unfiltered: bool,
    /// The audit row may record column values.
    pub audit_values: bool,
}

/// How one column may be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Read {
    /// The value as stored (decrypted first if the column is encrypted).
    Plain,
    /// Only in masked form (decrypted first, then masked, if the column is encrypted).
    Masked(MaskKind),
    /// Not at all: the column does not exist for this role.
    Hidden,
}

/// One column's access for one role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ColumnAccess {
    /// How it may be read (when the role may select).
    pub read: Read,
    /// Whether an insert or update by this role may set it: the role may insert or update,
    /// and the column is neither hidden nor read-only nor the tenant column (the server writes
    /// the caller's tenant on insert and an update cannot change it).
    pub write: bool,
    /// Stored encrypted: reads decrypt with `pgp_sym_decrypt`, writes encrypt with
    /// `pgp_sym_encrypt`.
    pub encrypted: bool,
}

impl TableRights {
    fn resolve(file: &PolicyFile, role: &Role, policy: &TablePolicy, entry: &TableRole) -> Self {
        let names = |list: &[super::Located<String>]| -> BTreeSet<String> {
            list.iter().map(|c| c.value.clone()).collect()
        };
        let tenant_column = match &policy.tenant_scoped {
            Some(scoped) if !scoped.value => None,
            _ => file.tenant_column().map(str::to_owned),
        };
        let max_rows = match (role.max_rows, entry.max_rows) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        Self {
            table: policy.name.clone(),
            role: role.name.value.clone(),
            operations: entry.operations.clone(),
            hidden: names(&entry.hidden),
            read_only: names(&entry.read_only),
            masked: entry
                .masked
                .iter()
                .map(|(column, kind)| (column.value.clone(), *kind))
                .collect(),
            encrypted: names(&policy.encrypted),
            decrypt: names(&entry.decrypt),
            rows: entry.rows.as_ref().map(|rows| rows.value.clone()),
            max_rows,
            tenant_column,
            allow_unfiltered: entry.allow_unfiltered,
            audit_values: policy.audit_values,
        }
    }

    /// Whether the role may do `operation`.
    pub fn can(&self, operation: Operation) -> bool {
        self.operations.contains(&operation)
    }

    /// Whether the role may insert or update.
    pub fn can_write(&self) -> bool {
        self.operations.iter().any(|op| op.writes_columns())
    }

    /// The access to one column. A column the file does not name is readable and, for a role
    /// that may insert or update, writable; whether it exists is the catalog's business.
    ///
    /// An encrypted column is hidden from a role without `decrypt` for it, unless the role has
    /// it masked (then it is decrypted and masked in the query).
    pub fn column(&self, name: &str) -> ColumnAccess {
        let encrypted = self.encrypted.contains(name);
        let read = if self.hidden.contains(name) {
            Read::Hidden
        } else if let Some(kind) = self.masked.get(name) {
            Read::Masked(*kind)
        } else if encrypted && !self.decrypt.contains(name) {
            Read::Hidden
        } else {
            Read::Plain
        };
        let write = self.can_write()
            && read != Read::Hidden
            && !self.read_only.contains(name)
            && self.tenant_column.as_deref() != Some(name);
        ColumnAccess {
            read,
            write,
            encrypted,
        }
    }
}
