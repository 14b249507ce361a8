//! The payload: bound once as text, read as `json`, turned into `pgrst_body`, one row per
//! payload object with the written columns in their final form.

use policy::plan::{TypeName, Write, WriteColumn, WriteKind, WriteSource};

use crate::condition;
use crate::read::Clauses;
use crate::writer::{Alias, Writer};

/// `pgrst_payload as (…), pgrst_rows as (…), pgrst_body as (…)`.
pub(super) fn ctes(w: &mut Writer, write: &Write) {
    w.push("pgrst_payload as (select ");
    match &write.payload {
        Some(payload) => {
            w.param(payload.clone());
            w.push("::json");
        }
        // The policy always sets a payload for inserts and updates; without one, no rows.
        None => w.push("'[]'::json"),
    }
    w.push(" as j), pgrst_rows as (select case when json_typeof(j) = 'array' then j ");
    w.push("else json_build_array(j) end as j from pgrst_payload), pgrst_body as (");

    // An insert's or upsert's filters (PUT's `pk=eq.value`) keep the body rows they match.
    let filters = match write.kind {
        WriteKind::Insert | WriteKind::Upsert { .. } => write.filters.as_slice(),
        WriteKind::Update | WriteKind::Delete => &[],
    };
    if filters.is_empty() {
        rows(w, write);
    } else {
        w.push("select * from (");
        rows(w, write);
        w.push(") ");
        w.alias(Alias::Body);
        let mut clauses = Clauses::default();
        for filter in filters {
            clauses.next(w);
            condition::condition(w, Alias::Body, filter);
        }
    }
    w.push(")");
}

/// `select <value> as "c", … from json_to_recordset(…) as r("c" <type>, …)`: a row per payload
/// object (the first only for an update).
fn rows(w: &mut Writer, write: &Write) {
    w.push(if write.columns.is_empty() {
        "select"
    } else {
        "select "
    });
    w.join(&write.columns, ", ", |w, column| {
        value(w, column);
        w.push(" as ");
        w.ident(&column.column);
    });
    let read: Vec<&WriteColumn> = write
        .columns
        .iter()
        .filter(|column| !matches!(column.source, WriteSource::Fixed(_)))
        .collect();
    if read.is_empty() {
        // Nothing read from the objects (only the tenant, or nothing at all): still a row for
        // each of them.
        w.push(" from json_array_elements((select j from pgrst_rows)) as r");
    } else {
        w.push(" from json_to_recordset((select j from pgrst_rows)) as r(");
        w.join(read, ", ", |w, column| {
            w.ident(&column.column);
            w.push(" ");
            match column.source {
                // Encrypted: the plaintext as text (the column itself is bytea).
                WriteSource::Encrypted { .. } => w.type_name(&TypeName::Builtin("text")),
                WriteSource::Payload { .. } | WriteSource::Fixed(_) => w.type_name(&column.ty),
            }
        });
        w.push(")");
    }
    if write.kind == WriteKind::Update {
        w.push(" limit 1");
    }
}

/// A written column's value, on the record `r`.
fn value(w: &mut Writer, column: &WriteColumn) {
    match &column.source {
        WriteSource::Payload { key } => {
            // The record's columns are named by the catalog: the key must be that name.
            debug_assert_eq!(key, column.column.as_str(), "payload key is not the column");
            record(w, column);
        }
        WriteSource::Encrypted { key, encryption } => {
            debug_assert_eq!(key, column.column.as_str(), "payload key is not the column");
            crate::crypto::encrypt(w, encryption, |w| record(w, column));
        }
        WriteSource::Fixed(param) => {
            w.push("cast(");
            w.param(param.clone());
            w.push(" as ");
            w.type_name(&column.ty);
            w.push(")");
        }
    }
}

/// `r."c"`.
fn record(w: &mut Writer, column: &WriteColumn) {
    w.push("r.");
    w.ident(&column.column);
}
