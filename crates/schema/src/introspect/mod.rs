//! Reading the catalog model from `pg_catalog`.
//!
//! Six queries (files under `src/sql/`), each one pass over the catalog with the exposed
//! schemas as a bind parameter, no per-column subqueries and no `information_schema`.
//! They are independent, so they are sent together and pipelined on the one connection:
//! the whole load costs one round trip plus the servers' work.

mod node_tree;

use std::collections::{BTreeMap, HashMap};

use tokio_postgres::types::{ToSql, Type as PgType};
use tokio_postgres::{Client, GenericClient, IsolationLevel, Row};

use crate::catalog::Catalog;
use crate::error::Error;
use crate::relation::{
    Column, ColumnOrigin, ForeignKey, Generated, GeneratedKind, Identity, PrimaryKey,
    QualifiedName, Relation, RelationKind, Schema, UniqueConstraint,
};
use crate::types::{Category, Type, TypeKind, builtin_category, decode_typmod};

const SCHEMAS: (&str, &str) = ("schemas", include_str!("../sql/schemas.sql"));
const RELATIONS: (&str, &str) = ("relations", include_str!("../sql/relations.sql"));
const COLUMNS: (&str, &str) = ("columns", include_str!("../sql/columns.sql"));
const TYPES: (&str, &str) = ("types", include_str!("../sql/types.sql"));
const CONSTRAINTS: (&str, &str) = ("constraints", include_str!("../sql/constraints.sql"));
const VIEW_SOURCES: (&str, &str) = ("view_sources", include_str!("../sql/view_sources.sql"));

/// Arrays and domains nest at most this deep (PostgreSQL has no arrays of arrays; domains
/// over domains over arrays of domains are already far-fetched).
const TYPE_DEPTH_LIMIT: usize = 32;

/// Views over views nest at most this deep when resolving column origins.
const VIEW_DEPTH_LIMIT: usize = 64;

/// Read the catalog of `schemas` (in the given order: the first is the default schema;
/// names that do not exist are left out of [`Catalog::schemas`]).
///
/// The queries run on `client` as they are; under concurrent DDL, run this inside a
/// `REPEATABLE READ` transaction (as [`introspect_snapshot`] does) so that they all see
/// the same catalog.
pub async fn introspect<C>(client: &C, schemas: &[String]) -> Result<Catalog, Error>
where
    C: GenericClient + Sync,
{
    let mut wanted: Vec<String> = Vec::with_capacity(schemas.len());
    for s in schemas {
        if !wanted.contains(s) {
            wanted.push(s.clone());
        }
    }
    let (schema_rows, relation_rows, column_rows, type_rows, constraint_rows, source_rows) = tokio::try_join!(
        run(client, SCHEMAS, &wanted),
        run(client, RELATIONS, &wanted),
        run(client, COLUMNS, &wanted),
        run(client, TYPES, &wanted),
        run(client, CONSTRAINTS, &wanted),
        run(client, VIEW_SOURCES, &wanted),
    )?;

    let schemas = decode_schemas(&schema_rows, &wanted)?;
    let types = decode_types(&type_rows)?;
    let sources = decode_sources(&source_rows)?;
    let mut relations = decode_relations(&relation_rows)?;
    let mut names = add_columns(&mut relations, &column_rows, &types, &sources)?;
    for (oid, source) in &sources {
        names.entry(*oid).or_insert_with(|| source.columns.clone());
    }
    let mut exposed: BTreeMap<QualifiedName, Relation> = relations
        .into_values()
        .map(|r| (r.qualified_name(), r))
        .collect();
    let hidden = add_constraints(&mut exposed, &constraint_rows, &names)?;
    Ok(Catalog::with_base_relations(
        schemas,
        exposed.into_values().collect(),
        hidden,
    ))
}

/// [`introspect`] inside a read-only `REPEATABLE READ` transaction, so that every query
/// sees the same snapshot of the catalog.
pub async fn introspect_snapshot(
    client: &mut Client,
    schemas: &[String],
) -> Result<Catalog, Error> {
    let tx = client
        .build_transaction()
        .isolation_level(IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
        .await
        .map_err(|source| Error::Transaction {
            action: "begin",
            source,
        })?;
    let catalog = introspect(&tx, schemas).await?;
    tx.commit().await.map_err(|source| Error::Transaction {
        action: "commit",
        source,
    })?;
    Ok(catalog)
}

async fn run<C>(
    client: &C,
    (name, sql): (&'static str, &'static str),
    schemas: &Vec<String>,
) -> Result<Vec<Row>, Error>
where
    C: GenericClient + Sync,
{
    // Typed parameters: no separate prepare round trip.
    let params: [(&(dyn ToSql + Sync), PgType); 1] = [(schemas, PgType::TEXT_ARRAY)];
    client
        .query_typed(sql, &params)
        .await
        .map_err(|source| Error::Query {
            query: name,
            source,
        })
}

/// Row decoding with the query's name in the error.
fn get<'a, T>(row: &'a Row, query: &'static str, column: &str) -> Result<T, Error>
where
    T: tokio_postgres::types::FromSql<'a>,
{
    row.try_get(column)
        .map_err(|source| Error::Query { query, source })
}

fn decode_schemas(rows: &[Row], wanted: &[String]) -> Result<Vec<Schema>, Error> {
    let mut found: HashMap<String, Option<String>> = HashMap::new();
    for row in rows {
        found.insert(
            get(row, SCHEMAS.0, "name")?,
            get(row, SCHEMAS.0, "comment")?,
        );
    }
    Ok(wanted
        .iter()
        .filter_map(|name| {
            found.remove(name).map(|comment| Schema {
                name: name.clone(),
                comment,
            })
        })
        .collect())
}

/// A row of types.sql.
#[derive(Debug)]
struct TypeRow {
    schema: String,
    name: String,
    typtype: String,
    category: String,
    element: Option<u32>,
    base: Option<u32>,
    typmod: i32,
    not_null: bool,
    default: Option<String>,
    sql_name: String,
    labels: Option<Vec<String>>,
}

fn decode_types(rows: &[Row]) -> Result<HashMap<u32, TypeRow>, Error> {
    let q = TYPES.0;
    rows.iter()
        .map(|row| {
            Ok((
                get(row, q, "oid")?,
                TypeRow {
                    schema: get(row, q, "schema")?,
                    name: get(row, q, "name")?,
                    typtype: get(row, q, "typtype")?,
                    category: get(row, q, "category")?,
                    element: get(row, q, "element")?,
                    base: get(row, q, "base")?,
                    typmod: get(row, q, "typmod")?,
                    not_null: get(row, q, "not_null")?,
                    default: get(row, q, "default_expr")?,
                    sql_name: get(row, q, "sql_name")?,
                    labels: get(row, q, "labels")?,
                },
            ))
        })
        .collect()
}

/// Builds [`Type`]s from type rows, memoized by `(oid, typmod)`.
struct TypeBuilder<'a> {
    rows: &'a HashMap<u32, TypeRow>,
    built: HashMap<(u32, i32), Type>,
}

impl TypeBuilder<'_> {
    /// The type `oid` with modifier `typmod`, or `None` if `oid` is unknown.
    fn build(&mut self, oid: u32, typmod: i32, depth: usize) -> Result<Option<Type>, Error> {
        if let Some(t) = self.built.get(&(oid, typmod)) {
            return Ok(Some(t.clone()));
        }
        if depth > TYPE_DEPTH_LIMIT {
            return Err(Error::TypeTooDeep {
                oid,
                limit: TYPE_DEPTH_LIMIT,
            });
        }
        let Some(row) = self.rows.get(&oid) else {
            return Ok(None);
        };
        let mut ty = Type {
            oid,
            schema: row.schema.clone(),
            name: row.name.clone(),
            sql_name: row.sql_name.clone(),
            category: Category::Other,
            kind: TypeKind::Base,
            max_length: None,
            precision: None,
            scale: None,
        };
        if let (Some(base), "d") = (row.base, row.typtype.as_str()) {
            // Only the lowest domain (directly over a non-domain) can carry a modifier.
            let Some(base) = self.build(base, row.typmod, depth + 1)? else {
                return Ok(None);
            };
            ty.category = base.category;
            ty.kind = match base.kind {
                TypeKind::Domain {
                    base: inner,
                    not_null,
                    default,
                } => TypeKind::Domain {
                    base: inner,
                    not_null: row.not_null || not_null,
                    default: row.default.clone().or(default),
                },
                _ => TypeKind::Domain {
                    base: Box::new(base),
                    not_null: row.not_null,
                    default: row.default.clone(),
                },
            };
        } else if let Some(element) = row.element {
            // A column's modifier applies to the element of its array type.
            let Some(element) = self.build(element, typmod, depth + 1)? else {
                return Ok(None);
            };
            ty.sql_name = format!("{}[]", element.sql_name);
            ty.category = Category::Array;
            ty.kind = TypeKind::Array {
                element: Box::new(element),
            };
        } else {
            match row.typtype.as_str() {
                "e" => {
                    ty.category = Category::Enum;
                    ty.kind = TypeKind::Enum {
                        labels: row.labels.clone().unwrap_or_default(),
                    };
                }
                "c" => {
                    ty.category = Category::Composite;
                    ty.kind = TypeKind::Composite;
                }
                "r" | "m" => {
                    ty.category = Category::Range;
                    ty.kind = TypeKind::Range;
                }
                "b" => {
                    ty.category = base_category(row);
                    let m = decode_typmod(&row.schema, &row.name, typmod);
                    ty.max_length = m.max_length;
                    ty.precision = m.precision;
                    ty.scale = m.scale;
                    if let Some(spelled) = sql_name_with_modifier(&row.name, &ty) {
                        ty.sql_name = spelled;
                    }
                }
                _ => ty.kind = TypeKind::Other,
            }
        }
        self.built.insert((oid, typmod), ty.clone());
        Ok(Some(ty))
    }
}

/// The category of a base type: built-in names first, then `pg_type.typcategory` (which
/// covers extension types such as `citext`).
fn base_category(row: &TypeRow) -> Category {
    if row.schema == "pg_catalog"
        && let Some(c) = builtin_category(&row.name)
    {
        return c;
    }
    match row.category.as_str() {
        "B" => Category::Boolean,
        "S" => Category::String,
        _ => Category::Other,
    }
}

/// `format_type`'s spelling of a built-in type with its modifier, for the types that
/// have one.
fn sql_name_with_modifier(name: &str, ty: &Type) -> Option<String> {
    if ty.schema != "pg_catalog" {
        return None;
    }
    let p = ty.precision;
    Some(match (name, ty.max_length) {
        ("bpchar", Some(n)) => format!("character({n})"),
        ("varchar", Some(n)) => format!("character varying({n})"),
        ("bit", Some(n)) => format!("bit({n})"),
        ("varbit", Some(n)) => format!("bit varying({n})"),
        _ => match (name, p) {
            ("numeric", Some(p)) => format!("numeric({p},{})", ty.scale.unwrap_or(0)),
            ("time", Some(p)) => format!("time({p}) without time zone"),
            ("timetz", Some(p)) => format!("time({p}) with time zone"),
            ("timestamp", Some(p)) => format!("timestamp({p}) without time zone"),
            ("timestamptz", Some(p)) => format!("timestamp({p}) with time zone"),
            ("interval", Some(p)) => format!("interval({p})"),
            _ => return None,
        },
    })
}

/// A row of view_sources.sql: a view or a relation some exposed view reads from.
#[derive(Debug)]
struct Source {
    name: QualifiedName,
    is_view: bool,
    /// Column names by attnum - 1; `None` for dropped columns.
    columns: Vec<Option<String>>,
    /// For views: `resno → (origin relation oid, origin attnum)`.
    targets: HashMap<i32, (u32, i32)>,
}

fn decode_sources(rows: &[Row]) -> Result<HashMap<u32, Source>, Error> {
    let q = VIEW_SOURCES.0;
    let mut out = HashMap::with_capacity(rows.len());
    for row in rows {
        let oid: u32 = get(row, q, "oid")?;
        let name = QualifiedName::new(
            get::<String>(row, q, "schema")?,
            get::<String>(row, q, "name")?,
        );
        let kind: String = get(row, q, "kind")?;
        let definition: Option<&str> = get(row, q, "definition")?;
        let mut targets = HashMap::new();
        if let Some(definition) = definition {
            match node_tree::view_targets(definition) {
                Ok(list) => {
                    for t in list.into_iter().filter(|t| !t.junk) {
                        if let Some(origin) = t.origin {
                            targets.insert(t.resno, origin);
                        }
                    }
                }
                // Degrade, do not fail: the view simply gets no inferred keys or
                // relationships.
                Err(e) => tracing::warn!(
                    view = %name,
                    error = %e,
                    "cannot read the view's query; its relationships are not inferred"
                ),
            }
        }
        out.insert(
            oid,
            Source {
                name,
                is_view: matches!(kind.as_str(), "v" | "m"),
                columns: get(row, q, "columns")?,
                targets,
            },
        );
    }
    Ok(out)
}

/// The base-table column that column `attnum` of relation `oid` shows, through any chain
/// of views.
fn resolve_origin(
    sources: &HashMap<u32, Source>,
    oid: u32,
    attnum: i32,
    depth: usize,
) -> Option<ColumnOrigin> {
    let source = sources.get(&oid)?;
    if !source.is_view {
        let index = usize::try_from(attnum.checked_sub(1)?).ok()?;
        let column = source.columns.get(index)?.clone()?;
        return Some(ColumnOrigin {
            relation: source.name.clone(),
            column,
        });
    }
    if depth >= VIEW_DEPTH_LIMIT {
        return None;
    }
    let &(table, column) = source.targets.get(&attnum)?;
    resolve_origin(sources, table, column, depth + 1)
}

fn decode_relations(rows: &[Row]) -> Result<HashMap<u32, Relation>, Error> {
    let q = RELATIONS.0;
    let mut out = HashMap::with_capacity(rows.len());
    for row in rows {
        let kind = match get::<String>(row, q, "kind")?.as_str() {
            "r" => RelationKind::Table,
            "v" => RelationKind::View,
            "m" => RelationKind::MaterializedView,
            "p" => RelationKind::PartitionedTable,
            "f" => RelationKind::ForeignTable,
            // The query asks for these five kinds only.
            _ => continue,
        };
        let mask: Option<i32> = get(row, q, "updatable_mask")?;
        // 1 << CMD_UPDATE, 1 << CMD_INSERT, 1 << CMD_DELETE
        let (insertable, updatable, deletable) = match (kind, mask) {
            (RelationKind::MaterializedView, _) => (false, false, false),
            (_, Some(m)) => (m & 8 != 0, m & 4 != 0, m & 16 != 0),
            (_, None) => (true, true, true),
        };
        out.insert(
            get(row, q, "oid")?,
            Relation {
                schema: get(row, q, "schema")?,
                name: get(row, q, "name")?,
                kind,
                comment: get(row, q, "comment")?,
                insertable,
                updatable,
                deletable,
                row_security: get(row, q, "row_security")?,
                columns: Vec::new(),
                primary_key: None,
                unique_constraints: Vec::new(),
                foreign_keys: Vec::new(),
            },
        );
    }
    Ok(out)
}

/// Column names by attnum - 1 (`None` for dropped columns), per relation oid.
type ColumnNames = HashMap<u32, Vec<Option<String>>>;

/// Fill in the columns of `relations`; return their names by attnum.
fn add_columns(
    relations: &mut HashMap<u32, Relation>,
    rows: &[Row],
    types: &HashMap<u32, TypeRow>,
    sources: &HashMap<u32, Source>,
) -> Result<ColumnNames, Error> {
    let q = COLUMNS.0;
    let mut builder = TypeBuilder {
        rows: types,
        built: HashMap::new(),
    };
    let mut names: ColumnNames = HashMap::with_capacity(relations.len());
    // Rows come ordered by (relation, attnum).
    for row in rows {
        let oid: u32 = get(row, q, "relation")?;
        let Some(relation) = relations.get_mut(&oid) else {
            // A relation created between two queries outside a snapshot.
            continue;
        };
        let name: String = get(row, q, "name")?;
        let attnum: i16 = get(row, q, "attnum")?;
        if let Ok(index) = usize::try_from(attnum - 1) {
            let by_attnum = names.entry(oid).or_default();
            if by_attnum.len() <= index {
                by_attnum.resize(index + 1, None);
            }
            by_attnum[index] = Some(name.clone());
        }
        let type_oid: u32 = get(row, q, "type_oid")?;
        let typmod: i32 = get(row, q, "typmod")?;
        let Some(ty) = builder.build(type_oid, typmod, 0)? else {
            return Err(Error::UnknownType {
                relation: relation.qualified_name(),
                column: name,
                oid: type_oid,
            });
        };
        let domain_not_null = matches!(ty.kind, TypeKind::Domain { not_null: true, .. });
        let not_null: bool = get(row, q, "not_null")?;
        let identity = match get::<Option<&str>>(row, q, "identity")?.unwrap_or("") {
            "a" => Some(Identity::Always),
            "d" => Some(Identity::ByDefault),
            _ => None,
        };
        let default: Option<String> = get(row, q, "default_expr")?;
        let generated_kind = match get::<Option<&str>>(row, q, "generated")?.unwrap_or("") {
            "s" => Some(GeneratedKind::Stored),
            "v" => Some(GeneratedKind::Virtual),
            _ => None,
        };
        let (default, generated) = match generated_kind {
            Some(kind) => (
                None,
                Some(Generated {
                    kind,
                    expression: default.unwrap_or_default(),
                }),
            ),
            None => (default, None),
        };
        let origin = if relation.kind.is_view() {
            resolve_origin(sources, oid, i32::from(attnum), 0)
        } else {
            None
        };
        relation.columns.push(Column {
            name,
            ty,
            nullable: !(not_null || domain_not_null),
            default,
            identity,
            generated,
            comment: get(row, q, "comment")?,
            origin,
        });
    }
    Ok(names)
}

/// Attach keys to exposed relations; return the relations outside the exposed schemas
/// (with their keys only) that exposed views read from.
fn add_constraints(
    exposed: &mut BTreeMap<QualifiedName, Relation>,
    rows: &[Row],
    names: &ColumnNames,
) -> Result<Vec<Relation>, Error> {
    let q = CONSTRAINTS.0;
    let mut hidden: BTreeMap<QualifiedName, Relation> = BTreeMap::new();
    for row in rows {
        let owner = QualifiedName::new(
            get::<String>(row, q, "schema")?,
            get::<String>(row, q, "name")?,
        );
        let columns = column_names(
            names,
            get(row, q, "relation")?,
            &get::<Vec<i16>>(row, q, "columns")?,
            &owner,
        )?;
        let name: String = get(row, q, "constraint_name")?;
        let kind: &str = get(row, q, "kind")?;
        let foreign_key = if kind == "f" {
            let (Some(schema), Some(table)) = (
                get::<Option<String>>(row, q, "ref_schema")?,
                get::<Option<String>>(row, q, "ref_name")?,
            ) else {
                continue;
            };
            let referenced = QualifiedName::new(schema, table);
            let referenced_columns = match get::<Option<Vec<String>>>(row, q, "ref_column_names")? {
                Some(given) => given,
                None => column_names(
                    names,
                    get(row, q, "ref_relation")?,
                    &get::<Option<Vec<i16>>>(row, q, "ref_columns")?.unwrap_or_default(),
                    &referenced,
                )?,
            };
            Some(ForeignKey {
                name: name.clone(),
                columns: columns.clone(),
                referenced,
                referenced_columns,
            })
        } else {
            None
        };
        let relation = match exposed.get_mut(&owner) {
            Some(r) => r,
            None => hidden.entry(owner.clone()).or_insert_with(|| Relation {
                schema: owner.schema.clone(),
                name: owner.name.clone(),
                kind: RelationKind::Table,
                comment: None,
                insertable: false,
                updatable: false,
                deletable: false,
                row_security: false,
                columns: Vec::new(),
                primary_key: None,
                unique_constraints: Vec::new(),
                foreign_keys: Vec::new(),
            }),
        };
        match (kind, foreign_key) {
            ("p", _) => relation.primary_key = Some(PrimaryKey { name, columns }),
            ("u", _) => relation
                .unique_constraints
                .push(UniqueConstraint { name, columns }),
            (_, Some(fk)) => relation.foreign_keys.push(fk),
            _ => {}
        }
    }
    Ok(hidden.into_values().collect())
}

/// Names of `attnums` of relation `oid`.
fn column_names(
    names: &ColumnNames,
    oid: u32,
    attnums: &[i16],
    relation: &QualifiedName,
) -> Result<Vec<String>, Error> {
    let by_attnum = names.get(&oid);
    attnums
        .iter()
        .map(|&attnum| {
            usize::try_from(attnum - 1)
                .ok()
                .and_then(|i| by_attnum?.get(i)?.clone())
                .ok_or_else(|| Error::UnknownColumn {
                    relation: relation.clone(),
                    attnum,
                })
        })
        .collect()
}
