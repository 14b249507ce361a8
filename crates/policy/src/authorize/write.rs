//! Authorizing writes: POST (insert, upsert), PATCH, DELETE and PUT.
//!
//! The same resolution as reads (a hidden column is a missing one), plus the write rules: the
//! role holds the operation; every payload key is a column it may write; the tenant column is
//! the server's to set and never changes; PATCH and DELETE need a filter unless the policy
//! allows otherwise; every written row must still be one the caller could read (checked in the
//! statement); the returned representation follows the caller's read rights.

use serde_json::Value;

use super::{Columns, Error, Principal, Resolver, Tenant};
use crate::plan::{
    self, Audit, Authorized, Conflict, Ident, Param, TypeName, WriteColumn, WriteKind, WriteSource,
};
use crate::{Operation, PolicyFile, Read, TableRights};
use schema::{Catalog, QualifiedName, Relation};

/// A write request as the API hands it over.
#[derive(Debug, Clone)]
pub struct WriteRequest<'a> {
    pub relation: &'a str,
    pub kind: WriteKind,
    /// The parsed query string: filters, `select` (for the representation), `columns`,
    /// `on_conflict`.
    pub request: &'a query::Request,
    /// The body: an object or an array of objects (POST), an object (PATCH, PUT). `None` for
    /// DELETE.
    pub payload: Option<&'a Value>,
    /// `Prefer: return=representation`.
    pub representation: bool,
    /// `Prefer: max-affected=N` with `handling=strict`.
    pub max_affected: Option<u64>,
    /// PUT: the request is a single-row upsert by primary key.
    pub put: bool,
    /// For the audit row.
    pub request_id: &'a str,
    pub client_addr: Option<&'a str>,
}

/// Authorizes a write.
pub fn authorize_write(
    file: &PolicyFile,
    catalog: &Catalog,
    principal: &Principal,
    env: &super::Environment,
    write: &WriteRequest<'_>,
) -> Result<Authorized<plan::Write>, Error> {
    let resolver = Resolver {
        file,
        catalog,
        principal,
        env,
    };
    let (relation, rights) = resolver.visible(&QualifiedName::new(&env.schema, write.relation))?;
    let needed: &[Operation] = match write.kind {
        WriteKind::Insert => &[Operation::Insert],
        WriteKind::Upsert { merge: true } => &[Operation::Insert, Operation::Update],
        WriteKind::Upsert { merge: false } => &[Operation::Insert],
        WriteKind::Update => &[Operation::Update],
        WriteKind::Delete => &[Operation::Delete],
    };
    let denied = |operation| Error::OperationDenied {
        relation: write.relation.to_owned(),
        operation,
        role: principal.role.clone(),
    };
    for operation in needed {
        if !rights.can(*operation) {
            return Err(denied(*operation));
        }
    }
    if write.representation && !rights.can(Operation::Select) {
        return Err(denied(Operation::Select));
    }

    let columns = Columns {
        written: write.relation,
        relation,
        rights: &rights,
        keys: env.encryption_key.as_ref(),
    };
    let tenant = tenant_of(principal, relation, &rights, write.relation)?;

    // The client's filters (PATCH, DELETE, PUT), resolved as for reads.
    let mut filters = Vec::new();
    for (path, condition) in &write.request.filters {
        if !path.is_empty() {
            return Err(Error::NotEmbedded {
                path: path.join("."),
            });
        }
        filters.push(columns.condition(condition)?);
    }
    if matches!(write.kind, WriteKind::Update | WriteKind::Delete)
        && filters.is_empty()
        && !rights.allow_unfiltered
    {
        return Err(Error::UnfilteredWrite {
            relation: write.relation.to_owned(),
        });
    }

    if matches!(write.kind, WriteKind::Insert | WriteKind::Upsert { .. }) && !write.put {
        // PostgREST ignores filters on POST; so do we.
        filters.clear();
    }
    let objects = objects(write.payload)?;
    let keys = payload_keys(&objects, write.request.columns.as_deref())?;
    if write.put {
        check_put(relation, write.request, &objects)?;
        if !relation
            .primary_key_columns()
            .iter()
            .all(|column| keys.contains(column))
        {
            return Err(Error::PutFilters);
        }
    }
    let mut written = Vec::new();
    let mut changed = Vec::new();
    for key in &keys {
        let Some(column) = relation.column(key) else {
            return Err(Error::UnknownPayloadColumn {
                relation: write.relation.to_owned(),
                column: key.clone(),
            });
        };
        let access = rights.column(key);
        if access.read == Read::Hidden {
            return Err(Error::UnknownPayloadColumn {
                relation: write.relation.to_owned(),
                column: key.clone(),
            });
        }
        if let Some((tenant_column, caller)) = &tenant
            && tenant_column == key
        {
            // The server writes the tenant; a body may repeat the caller's own, nothing else.
            for object in &objects {
                if let Some(value) = object.get(key)
                    && json_text(value).as_deref() != Some(caller.as_str())
                {
                    return Err(Error::ForeignTenant {
                        relation: write.relation.to_owned(),
                    });
                }
            }
            continue;
        }
        if !access.write {
            return Err(Error::ReadOnlyColumn {
                relation: write.relation.to_owned(),
                column: key.clone(),
            });
        }
        let source = if access.encrypted {
            WriteSource::Encrypted {
                key: key.clone(),
                encryption: env
                    .encryption_key
                    .as_ref()
                    .map(crate::Keyring::encryption)
                    .ok_or(Error::EncryptionKeyMissing)?,
            }
        } else {
            WriteSource::Payload { key: key.clone() }
        };
        written.push(WriteColumn {
            column: Ident::from_catalog(&column.name),
            ty: TypeName::of(&column.ty),
            source,
        });
        changed.push(column.name.clone());
    }
    if let Some((tenant_column, caller)) = &tenant
        && matches!(write.kind, WriteKind::Insert | WriteKind::Upsert { .. })
        && let Some(column) = relation.column(tenant_column)
    {
        written.push(WriteColumn {
            column: Ident::from_catalog(&column.name),
            ty: TypeName::of(&column.ty),
            source: WriteSource::Fixed(Param::Text(caller.clone())),
        });
        changed.push(column.name.clone());
    }
    if matches!(write.kind, WriteKind::Update) && written.is_empty() && !objects.is_empty() {
        // PATCH with only the tenant (or nothing): nothing to change.
        return Err(Error::EmptyUpdate {
            relation: write.relation.to_owned(),
        });
    }

    let guards = resolver.guards(write.relation, relation, &rights)?;
    let conflict = match write.kind {
        WriteKind::Upsert { merge } => Some(conflict(
            relation,
            &rights,
            write,
            &written,
            merge,
            guards.clone(),
            tenant.as_ref().map(|(column, _)| column.as_str()),
        )?),
        _ => None,
    };
    let check = if matches!(write.kind, WriteKind::Delete) {
        Vec::new()
    } else {
        let mut check = guards.clone();
        if let Some((_, caller)) = &tenant {
            check.extend(foreign_keys_in_tenant(file, catalog, relation, caller));
        }
        check
    };
    let returning = if write.representation {
        let mut path = Vec::new();
        let mut read = write.request.clone();
        read.filters.clear();
        read.order.clear();
        read.limits.clear();
        Some(resolver.node(
            write.relation,
            relation,
            &rights,
            &write.request.select,
            &read,
            &mut path,
        )?)
    } else {
        None
    };

    let payload = write
        .payload
        .filter(|_| !matches!(write.kind, WriteKind::Delete))
        .map(|value| Param::Text(value.to_string()));
    let primary_key = relation
        .primary_key_columns()
        .iter()
        .map(|c| Ident::from_catalog(c))
        .collect();
    let audit = Audit {
        relation: format!("{}.{}", relation.schema, relation.name),
        operation: write.kind.audit_name(),
        primary_key,
        changed_columns: changed,
        values: rights.audit_values,
        request_id: write.request_id.to_owned(),
        principal: principal.subject.clone(),
        role: principal.role.clone(),
        tenant: match &principal.tenant {
            Tenant::One(tenant) => Some(tenant.clone()),
            Tenant::Missing | Tenant::All => None,
        },
        client_addr: write.client_addr.map(str::to_owned),
    };
    let location = rights.can(Operation::Select)
        && !relation.primary_key_columns().is_empty()
        && relation.primary_key_columns().iter().all(|column| {
            rights.column(column).read == Read::Plain && !rights.column(column).encrypted
        });
    Ok(Authorized::new(plan::Write {
        location,
        kind: write.kind,
        table: plan::Table::of(relation, file),
        payload,
        columns: if matches!(write.kind, WriteKind::Delete) {
            Vec::new()
        } else {
            written
        },
        conflict,
        filters,
        guards: if matches!(write.kind, WriteKind::Update | WriteKind::Delete) {
            guards
        } else {
            Vec::new()
        },
        check,
        max_affected: write.max_affected,
        returning,
        audit,
    }))
}

/// For each foreign key of the written table that points at a tenant-scoped table: the
/// referenced row, when there is one, belongs to the caller's tenant. Without this, a write
/// could point a row at another tenant's data, and 201 versus 409 would tell whether an id
/// exists there. Checked on the written rows, in the statement (`plan::Write::check`).
fn foreign_keys_in_tenant(
    file: &PolicyFile,
    catalog: &Catalog,
    relation: &Relation,
    caller: &str,
) -> Vec<plan::Condition> {
    let Some(tenant_column) = file.tenant_column() else {
        return Vec::new();
    };
    let mut conditions = Vec::new();
    for key in &relation.foreign_keys {
        let Some(target) = catalog.get(&key.referenced) else {
            continue;
        };
        let unscoped = file
            .tables
            .get(&key.referenced)
            .and_then(|table| table.tenant_scoped.as_ref())
            .is_some_and(|scoped| !scoped.value);
        let Some(target_tenant) = target.column(tenant_column).filter(|_| !unscoped) else {
            continue;
        };
        let pairs: Vec<(Ident, Ident)> = key
            .column_pairs()
            .map(|(from, to)| (Ident::from_catalog(from), Ident::from_catalog(to)))
            .collect();
        let Some(first) = key.columns.first().and_then(|c| relation.column(c)) else {
            continue;
        };
        let node = plan::Node {
            table: plan::Table::of(target, file),
            outputs: Vec::new(),
            filters: Vec::new(),
            guards: vec![plan::Condition::Filter {
                column: plan::ColumnRef {
                    column: Ident::from_catalog(&target_tenant.name),
                    ty: TypeName::of(&target_tenant.ty),
                    json_path: Vec::new(),
                },
                negate: false,
                op: plan::Operation::Compare(query::CmpOp::Eq, Param::Text(caller.to_owned())),
            }],
            order: Vec::new(),
            limit: None,
            offset: None,
        };
        // A null key references nothing (MATCH SIMPLE); otherwise the row must be the caller's.
        conditions.push(plan::Condition::Logic {
            op: query::LogicOp::Or,
            negate: false,
            children: vec![
                plan::Condition::Filter {
                    column: plan::ColumnRef {
                        column: Ident::from_catalog(&first.name),
                        ty: TypeName::of(&first.ty),
                        json_path: Vec::new(),
                    },
                    negate: false,
                    op: plan::Operation::Is(query::IsValue::Null),
                },
                plan::Condition::Exists {
                    embed: Box::new(plan::Embed {
                        key: String::new(),
                        node,
                        link: plan::Link::Direct { pairs },
                        to_one: true,
                        inner: true,
                        spread: false,
                        hidden_output: true,
                    }),
                },
            ],
        });
    }
    conditions
}

/// The tenant column and the caller's tenant, when the table is scoped to one tenant for this
/// caller. A scoped table and a caller without a tenant: refused.
fn tenant_of(
    principal: &Principal,
    relation: &Relation,
    rights: &TableRights,
    written: &str,
) -> Result<Option<(String, String)>, Error> {
    let Some(column) = rights
        .tenant_column
        .as_deref()
        .filter(|column| relation.column(column).is_some())
    else {
        return Ok(None);
    };
    match &principal.tenant {
        Tenant::One(tenant) => Ok(Some((column.to_owned(), tenant.clone()))),
        Tenant::All => Ok(None),
        Tenant::Missing => Err(Error::TenantRequired {
            relation: written.to_owned(),
        }),
    }
}

/// The payload's objects: one, or the elements of an array (each an object).
fn objects(payload: Option<&Value>) -> Result<Vec<&serde_json::Map<String, Value>>, Error> {
    match payload {
        None => Ok(Vec::new()),
        Some(Value::Object(object)) => Ok(vec![object]),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| item.as_object().ok_or(Error::PayloadNotObjects))
            .collect(),
        Some(_) => Err(Error::PayloadNotObjects),
    }
}

/// The keys to write: `columns=` when given, else the objects' keys, which must be the same in
/// every object (PostgREST's rule).
fn payload_keys(
    objects: &[&serde_json::Map<String, Value>],
    columns: Option<&[String]>,
) -> Result<Vec<String>, Error> {
    if let Some(columns) = columns {
        return Ok(columns.to_vec());
    }
    let Some(first) = objects.first() else {
        return Ok(Vec::new());
    };
    let keys: Vec<String> = first.keys().cloned().collect();
    for object in &objects[1..] {
        if object.len() != keys.len() || !keys.iter().all(|key| object.contains_key(key)) {
            return Err(Error::PayloadKeysDiffer);
        }
    }
    Ok(keys)
}

/// PUT: the filters are exactly `eq` on every primary key column, and the body (one object)
/// carries the same values.
fn check_put(
    relation: &Relation,
    request: &query::Request,
    objects: &[&serde_json::Map<String, Value>],
) -> Result<(), Error> {
    let pk = relation.primary_key_columns();
    let [object] = objects else {
        return Err(Error::PutNeedsOneObject);
    };
    let mut seen = Vec::new();
    for (path, condition) in &request.filters {
        let query::Condition::Filter {
            field,
            negate: false,
            op: query::Operation::Compare(query::CmpOp::Eq, None, value),
        } = condition
        else {
            return Err(Error::PutFilters);
        };
        if !path.is_empty()
            || !field.json_path.is_empty()
            || !pk.contains(&field.column)
            || object.get(&field.column).and_then(json_text).as_deref() != Some(value.as_str())
        {
            return Err(Error::PutFilters);
        }
        seen.push(field.column.clone());
    }
    seen.sort();
    seen.dedup();
    if pk.is_empty() || seen.len() != pk.len() {
        return Err(Error::PutFilters);
    }
    Ok(())
}

/// The upsert's `ON CONFLICT`: the target (`on_conflict=` or the primary key), visible
/// columns only; on merge, every written column except the target and the tenant.
fn conflict(
    relation: &Relation,
    rights: &TableRights,
    write: &WriteRequest<'_>,
    written: &[WriteColumn],
    merge: bool,
    guards: Vec<plan::Condition>,
    tenant_column: Option<&str>,
) -> Result<Conflict, Error> {
    let target: Vec<String> = match &write.request.on_conflict {
        Some(columns) => columns.clone(),
        None => relation.primary_key_columns().to_vec(),
    };
    if target.is_empty() {
        return Err(Error::NoConflictTarget {
            relation: write.relation.to_owned(),
        });
    }
    let mut columns = Vec::new();
    for name in &target {
        let visible = relation.column(name).is_some() && rights.column(name).read != Read::Hidden;
        if !visible {
            return Err(Error::UnknownColumn {
                relation: write.relation.to_owned(),
                column: name.clone(),
            });
        }
        columns.push(Ident::from_catalog(name));
    }
    let update = if merge {
        written
            .iter()
            .filter(|c| !target.iter().any(|t| t == c.column.as_str()))
            .filter(|c| Some(c.column.as_str()) != tenant_column)
            .map(|c| c.column.clone())
            .collect()
    } else {
        Vec::new()
    };
    Ok(Conflict {
        columns,
        update,
        guards,
    })
}

/// A JSON scalar as the text PostgreSQL would read it; `None` for null, objects and arrays.
fn json_text(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        Value::Bool(flag) => Some(flag.to_string()),
        Value::Null | Value::Array(_) | Value::Object(_) => None,
    }
}
