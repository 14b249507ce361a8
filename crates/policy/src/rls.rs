//! The tables whose tenant rule the database should enforce as well: the input of
//! `gatehouse policy rls` (the SQL itself is written by the `sql` crate).

use schema::Catalog;

use crate::PolicyFile;
use crate::plan::{Ident, RlsTarget, Table};

impl PolicyFile {
    /// Every table the policy exposes tenant-scoped, with its tenant column, in name order.
    pub fn rls_targets(&self, catalog: &Catalog) -> Vec<RlsTarget> {
        let Some(column) = self.tenant_column() else {
            return Vec::new();
        };
        self.tables
            .values()
            .filter(|table| {
                table
                    .tenant_scoped
                    .as_ref()
                    .is_none_or(|scoped| scoped.value)
            })
            .filter_map(|table| {
                let relation = catalog.get(&table.name)?;
                let tenant = relation.column(column)?;
                Some(RlsTarget {
                    table: Table::of(relation, self),
                    tenant_column: Ident::from_catalog(&tenant.name),
                })
            })
            .collect()
    }
}
