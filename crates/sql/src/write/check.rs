//! `pgrst_check`: what must hold once the rows are written, each through `gatehouse.check(ok,
//! code, message)` (migration 0002), which raises `code` unless `ok` is true (NULL counts as
//! false). The final select reads `pgrst_check.ok`, so the checks always run; a raise undoes
//! the whole statement.

use policy::plan::{Condition, Param, Write, WriteKind};

use crate::condition;
use crate::writer::{Alias, Writer};

use super::sqlstate;

/// `, pgrst_check as (select gatehouse.check(…) and … as ok)`; nothing, and `false`, when there
/// is nothing to check.
pub(super) fn cte(w: &mut Writer, write: &Write, t: u32) -> bool {
    let mut checks: Vec<Check<'_>> = Vec::new();
    if !write.check.is_empty() && write.kind != WriteKind::Delete {
        checks.push(Check::Rows(&write.check));
    }
    if let (WriteKind::Upsert { merge: true }, Some(conflict)) = (write.kind, &write.conflict)
        && !conflict.guards.is_empty()
    {
        checks.push(Check::EveryBodyRow);
    }
    if let Some(max) = write.max_affected {
        checks.push(Check::MaxAffected(max));
    }
    if checks.is_empty() {
        return false;
    }
    w.push(", pgrst_check as (select ");
    w.join(checks, " and ", |w, check| {
        w.push("gatehouse.check(");
        match check {
            Check::Rows(conditions) => {
                // Every affected row meets every condition; NULL is a failure.
                w.push("not exists (select 1 from pgrst_affected ");
                w.alias(Alias::Table(t));
                w.push(" where not coalesce((");
                w.join(conditions, " and ", |w, c| {
                    condition::condition(w, Alias::Table(t), c);
                });
                w.push("), false)), '");
                w.push(sqlstate::ROW_CHECK);
                w.push("', 'the write would leave rows you cannot read'");
            }
            Check::EveryBodyRow => {
                // Each body row was inserted or updated: none met a row the guards exclude.
                w.push(
                    "(select count(*) from pgrst_affected) = (select count(*) from pgrst_body), '",
                );
                w.push(sqlstate::CONFLICT_NOT_YOURS);
                w.push("', 'a conflicting row is not yours to update'");
            }
            Check::MaxAffected(max) => {
                w.push("(select count(*) from pgrst_affected) <= cast(");
                w.param(Param::Text(max.to_string()));
                w.push(" as int8), '");
                w.push(sqlstate::MAX_AFFECTED);
                w.push("', 'Query result exceeds max-affected preference constraint'");
            }
        }
        w.push(")");
    });
    w.push(" as ok)");
    true
}

enum Check<'a> {
    /// `plan.check` on every affected row.
    Rows(&'a [Condition]),
    /// A merge updated or inserted every body row.
    EveryBodyRow,
    /// At most this many rows affected.
    MaxAffected(u64),
}
