//! The write statement: the change, its audit row and its checks in one statement of
//! data-modifying CTEs (PostgREST's shape), so that either all of it happens or none of it.
//!
//! ```sql
//! with pgrst_payload as (select $1::text::json as j),
//! pgrst_rows as (select case when json_typeof(j) = 'array' then j else json_build_array(j) end as j
//!                from pgrst_payload),
//! pgrst_body as (select r."a" as "a", gatehouse.encrypt(r."ssn", $2::text, $3::text) as "ssn",
//!                       cast($4::text as "pg_catalog"."text") as "tenant_id"
//!                from json_to_recordset((select j from pgrst_rows)) as r("a" <type>, "ssn" text)),
//! pgrst_affected as (
//!   insert into "s"."t" as t0 ("a", "ssn", "tenant_id") select "a", "ssn", "tenant_id" from pgrst_body
//!   [on conflict ("k") do update set "a" = excluded."a" [where <guards on t0>] | do nothing]
//!   returning t0.*
//!   -- or: update "s"."t" as t0 set "a" = pgrst_body."a" from pgrst_body where <filters> and <guards> returning t0.*
//!   -- or: delete from "s"."t" as t0 where <filters> and <guards> returning t0.*
//! ),
//! pgrst_audit as (insert into gatehouse.audit_log (…) select … from pgrst_affected t0 having count(*) > 0),
//! pgrst_check as (select gatehouse.check(<every affected row meets plan.check>, 'GH130', '…') and … as ok)
//! select (select count(*) from pgrst_affected) as page_total, <body> as body, <keys> as keys
//! from pgrst_check where pgrst_check.ok
//! ```
//!
//! - `pgrst_body` holds the payload's rows with every written column already in its final form
//!   and type (`json_to_recordset` converts each JSON value with the column type's input, JSON
//!   arrays into SQL arrays; an encrypted column is read as `text` and encrypted; the caller's
//!   tenant is a bound value cast to the column's type). Its column definition list uses the
//!   catalog's names: the policy guarantees a payload key is the name of the column it sets.
//!   An update takes the first object only (`limit 1`, as PostgREST does).
//! - The client's filters of an insert or upsert (PUT's `pk=eq.value`) apply to the body rows,
//!   as PostgREST applies them; those of an update or delete to the table's rows.
//! - `pgrst_audit` is data-modifying, so it always runs; `pgrst_check` is referenced by the
//!   final select, so it runs too. A check that fails raises (`gatehouse.check`, migration
//!   0002) and the whole statement, the change and the audit row with it, is undone. The codes
//!   are in [`sqlstate`].
//! - `body` is the returning node's rows (a read's outputs, embeds, masks and decryption) over
//!   `pgrst_affected`, in the requested [`Format`]; `keys` the primary keys of the affected rows.
//!
//! Other parts of the statement see the tables as they were before it (PostgreSQL's rule for
//! data-modifying CTEs): an embed of the written table in the representation shows it unchanged.

mod affected;
mod audit;
mod body;
mod check;
mod result;

use policy::plan::{self, Authorized, WriteKind};

use crate::writer::Writer;
use crate::{Format, Statement};

/// The SQLSTATEs a write statement raises when it must not happen (through `gatehouse.check`,
/// with the message beside each). The transaction is then aborted: nothing was written.
pub mod sqlstate {
    /// A written row would not be one the caller may read (outside its tenant, or failing its
    /// row filter). Message: `the write would leave rows you cannot read`.
    pub const ROW_CHECK: &str = "GH130";
    /// An upsert (merge) met a conflicting row the caller may not update (another tenant's,
    /// or one its row filter excludes). Message: `a conflicting row is not yours to update`.
    pub const CONFLICT_NOT_YOURS: &str = "GH131";
    /// More rows affected than `Prefer: max-affected` allows. PostgREST answers this
    /// condition with its own code `PGRST124` (not a valid SQLSTATE, hence this one).
    /// Message: `Query result exceeds max-affected preference constraint`.
    pub const MAX_AFFECTED: &str = "GH132";
}

/// Renders an authorized write into one statement returning one row: `page_total` (`int8`,
/// rows affected), `body` (`text`: the representation in `format` when the plan asks for one,
/// else `NULL`) and `keys` (`text`: a JSON array with one object of primary-key columns per
/// affected row; `[]` when none, or when the table has no primary key) and `inserted` (`int8`:
/// for a merge upsert, `Prefer: resolution=merge-duplicates` or PUT, how many of the affected
/// rows it inserted rather than updated; `NULL` for other writes).
pub fn render_write(plan: &Authorized<plan::Write>, format: Format) -> Statement {
    let write = plan.plan();
    let mut w = Writer::new();
    // The written table is `t0`.
    let target = w.fresh();

    w.push("with ");
    let has_body = !matches!(write.kind, WriteKind::Delete);
    if has_body {
        body::ctes(&mut w, write);
        w.push(", ");
    }
    affected::cte(&mut w, write, target);
    w.push(", ");
    audit::cte(&mut w, &write.audit);
    let checked = check::cte(&mut w, write, target);

    w.push(" select (select count(*) from pgrst_affected) as page_total, ");
    result::body(&mut w, write.returning.as_ref(), format);
    w.push(" as body, ");
    result::keys(&mut w, &write.audit.primary_key);
    w.push(" as keys, ");
    result::inserted(&mut w, write);
    w.push(" as inserted");
    if checked {
        w.push(" from pgrst_check where pgrst_check.ok");
    }
    w.finish()
}
