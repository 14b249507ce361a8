//! `gatehouse reencrypt`: one page of one table, rewritten under the newest key.
//!
//! ```sql
//! with pgrst_page as (select t0."id" from "public"."customers" t0
//!     where (t0."id") > (cast($1::text as "pg_catalog"."int4"))   -- after the first page
//!     order by t0."id" limit cast($2::text as int8)),
//! pgrst_rewritten as (update "public"."customers" t1
//!     set "ssn" = case when t1."ssn" is null or gatehouse.key_id(t1."ssn") is not distinct from $3::text
//!                 then t1."ssn" else gatehouse.encrypt(gatehouse.decrypt(t1."ssn", …), $id, $key) end
//!     from pgrst_page s2 where (t1."id") = (s2."id")
//!     and ((t1."ssn" is not null and gatehouse.key_id(t1."ssn") is distinct from $9::text))
//!     returning 1)
//! select (select count(*) from pgrst_page) as scanned,
//!        (select count(*) from pgrst_rewritten) as rewritten,
//!        (select array[s2."id"::text] from pgrst_page s2 order by s2."id" desc limit 1) as last
//! ```
//!
//! Pages follow the primary key (keyset pagination): each page is the next `batch` rows by
//! key, whatever their keys, so a page costs an index range scan however much of the table is
//! done. `last` (the page's greatest key, each column as text) is the next page's `after`. The
//! update takes its row locks itself and rechecks "not under the newest key" on the row it
//! locked, so a row the API rewrites meanwhile is left as the API wrote it.

use policy::plan::{Ident, Param, Reencrypt};

use crate::Statement;
use crate::crypto;
use crate::writer::{Alias, Writer};

/// The statement for the page after `after` (the previous page's `last`; `None` for the
/// first page) of at most `batch` rows. It returns one row: `scanned` (`int8`, rows in the
/// page), `rewritten` (`int8`, rows whose ciphertext was rewritten) and `last` (`text[]`, the
/// page's greatest primary key, `NULL` for an empty page). The page is done when `scanned` is
/// less than `batch`.
pub fn render_reencrypt(plan: &Reencrypt, batch: u64, after: Option<&[String]>) -> Statement {
    let mut w = Writer::new();
    let page = w.fresh();
    let target = w.fresh();
    let rows = w.fresh();

    w.push("with pgrst_page as (select ");
    key(&mut w, plan, Alias::Table(page), "");
    w.push(" from ");
    table(&mut w, plan);
    w.push(" ");
    w.alias(Alias::Table(page));
    if let Some(after) = after {
        w.push(" where (");
        key(&mut w, plan, Alias::Table(page), "");
        w.push(") > (");
        w.join(
            plan.primary_key.iter().zip(after),
            ", ",
            |w, ((_, ty), value)| {
                w.push("cast(");
                w.param(Param::Text(value.clone()));
                w.push(" as ");
                w.type_name(ty);
                w.push(")");
            },
        );
        w.push(")");
    }
    w.push(" order by ");
    key(&mut w, plan, Alias::Table(page), "");
    w.push(" limit cast(");
    w.param(Param::Text(batch.to_string()));
    w.push(" as int8)), pgrst_rewritten as (update ");
    table(&mut w, plan);
    w.push(" ");
    w.alias(Alias::Table(target));
    w.push(" set ");
    w.join(&plan.columns, ", ", |w, column| {
        w.ident(column);
        w.push(" = case when ");
        stored(w, target, column);
        w.push(" is null or ");
        crypto::key_id(w, |w| stored(w, target, column));
        w.push(" is not distinct from ");
        w.param(plan.encryption.id.clone());
        w.push(" then ");
        stored(w, target, column);
        w.push(" else ");
        crypto::encrypt(w, &plan.encryption, |w| {
            crypto::decrypt(w, &plan.decryption, |w| stored(w, target, column));
        });
        w.push(" end");
    });
    w.push(" from pgrst_page ");
    w.alias(Alias::Sub(rows));
    w.push(" where (");
    key(&mut w, plan, Alias::Table(target), "");
    w.push(") = (");
    key(&mut w, plan, Alias::Sub(rows), "");
    w.push(") and (");
    w.join(&plan.columns, " or ", |w, column| {
        w.push("(");
        stored(w, target, column);
        w.push(" is not null and ");
        crypto::key_id(w, |w| stored(w, target, column));
        w.push(" is distinct from ");
        w.param(plan.encryption.id.clone());
        w.push(")");
    });
    w.push(") returning 1) select (select count(*) from pgrst_page) as scanned, ");
    w.push("(select count(*) from pgrst_rewritten) as rewritten, (select array[");
    key(&mut w, plan, Alias::Sub(rows), "::text");
    w.push("] from pgrst_page ");
    w.alias(Alias::Sub(rows));
    w.push(" order by ");
    key(&mut w, plan, Alias::Sub(rows), " desc");
    w.push(" limit 1) as last");
    w.finish()
}

/// `"schema"."table"`.
fn table(w: &mut Writer, plan: &Reencrypt) {
    w.ident(&plan.table.schema);
    w.push(".");
    w.ident(&plan.table.name);
}

/// The primary key's columns on `scope`, each followed by `suffix`, comma-separated.
fn key(w: &mut Writer, plan: &Reencrypt, scope: Alias, suffix: &'static str) {
    w.join(&plan.primary_key, ", ", |w, (column, _)| {
        w.alias(scope);
        w.push(".");
        w.ident(column);
        w.push(suffix);
    });
}

/// `t<n>."c"`.
fn stored(w: &mut Writer, n: u32, column: &Ident) {
    w.alias(Alias::Table(n));
    w.push(".");
    w.ident(column);
}
