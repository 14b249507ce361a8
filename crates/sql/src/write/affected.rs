//! `pgrst_affected`: the insert, upsert, update or delete itself, returning the rows it wrote
//! (or deleted) whole, for the checks, the audit row, the keys and the representation.

use policy::plan::{Conflict, Ident, Write, WriteColumn, WriteKind};

use crate::condition;
use crate::read::{self, Clauses};
use crate::writer::{Alias, Writer};

/// `pgrst_affected as (<insert | update | delete> … returning t<t>.*)`, the written table
/// aliased `t<t>`.
pub(super) fn cte(w: &mut Writer, write: &Write, t: u32) {
    w.push("pgrst_affected as (");
    match write.kind {
        WriteKind::Insert => insert(w, write, t, None),
        WriteKind::Upsert { merge } => insert(w, write, t, Some(merge)),
        WriteKind::Update => update(w, write, t),
        WriteKind::Delete => delete(w, write, t),
    }
    w.push(")");
}

/// `insert into <table> as t<t> (<columns>) select <columns> from pgrst_body [on conflict …]`.
/// No columns (a body of empty objects): every row gets the defaults.
fn insert(w: &mut Writer, write: &Write, t: u32, merge: Option<bool>) {
    w.push("insert into ");
    read::table(w, &write.table);
    w.push(" as ");
    w.alias(Alias::Table(t));
    if write.columns.is_empty() {
        w.push(" select from pgrst_body");
    } else {
        w.push(" (");
        names(w, &write.columns);
        w.push(") select ");
        names(w, &write.columns);
        w.push(" from pgrst_body");
    }
    if let (Some(merge), Some(conflict)) = (merge, &write.conflict) {
        on_conflict(w, conflict, merge, t);
    }
    returning(w, t);
}

/// ` on conflict (<target>) do nothing`, or ` do update set c = excluded.c, … [where <guards
/// on the existing row>]`. A merge with nothing to set still updates (the first target column
/// to the value it already equals), so that the row is affected and the guards decide.
fn on_conflict(w: &mut Writer, conflict: &Conflict, merge: bool, t: u32) {
    w.push(" on conflict (");
    w.join(&conflict.columns, ", ", |w, column| w.ident(column));
    w.push(")");
    if !merge {
        w.push(" do nothing");
        return;
    }
    w.push(" do update set ");
    let set: &[Ident] = if conflict.update.is_empty() {
        &conflict.columns[..conflict.columns.len().min(1)]
    } else {
        &conflict.update
    };
    w.join(set, ", ", |w, column| {
        w.ident(column);
        w.push(" = excluded.");
        w.ident(column);
    });
    let mut clauses = Clauses::default();
    for guard in &conflict.guards {
        clauses.next(w);
        condition::condition(w, Alias::Table(t), guard);
    }
}

/// `update <table> as t<t> set c = pgrst_body.c, … from pgrst_body where <filters> and
/// <guards>`. Nothing to set (an empty array as body): no row, as PostgREST does.
fn update(w: &mut Writer, write: &Write, t: u32) {
    if write.columns.is_empty() {
        w.push("select ");
        w.alias(Alias::Table(t));
        w.push(".* from ");
        read::table(w, &write.table);
        w.push(" ");
        w.alias(Alias::Table(t));
        w.push(" where false");
        return;
    }
    w.push("update ");
    read::table(w, &write.table);
    w.push(" as ");
    w.alias(Alias::Table(t));
    w.push(" set ");
    w.join(&write.columns, ", ", |w, column| {
        w.ident(&column.column);
        w.push(" = ");
        w.alias(Alias::Body);
        w.push(".");
        w.ident(&column.column);
    });
    w.push(" from pgrst_body");
    filters_and_guards(w, write, t);
    returning(w, t);
}

/// `delete from <table> as t<t> where <filters> and <guards>`.
fn delete(w: &mut Writer, write: &Write, t: u32) {
    w.push("delete from ");
    read::table(w, &write.table);
    w.push(" as ");
    w.alias(Alias::Table(t));
    filters_and_guards(w, write, t);
    returning(w, t);
}

fn filters_and_guards(w: &mut Writer, write: &Write, t: u32) {
    let mut clauses = Clauses::default();
    for condition in write.filters.iter().chain(&write.guards) {
        clauses.next(w);
        condition::condition(w, Alias::Table(t), condition);
    }
}

/// ` returning t<t>.*`.
fn returning(w: &mut Writer, t: u32) {
    w.push(" returning ");
    w.alias(Alias::Table(t));
    w.push(".*");
}

/// `"a", "b", …`.
fn names(w: &mut Writer, columns: &[WriteColumn]) {
    w.join(columns, ", ", |w, column| w.ident(&column.column));
}
