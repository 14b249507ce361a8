//! `paths`: `/` (the document itself) and one `/{table}` per table, with the operations the
//! role holds and their parameters, bodies and responses.

use std::collections::BTreeSet;

use serde_json::json;
use utoipa::openapi::path::{
    HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn, PathItem, PathItemBuilder,
};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, OneOfBuilder, Ref, Type};
use utoipa::openapi::{ContentBuilder, HeaderBuilder, Required, ResponseBuilder, ResponsesBuilder};

use super::components as c;
use super::table::{Table, View};

/// The media types a read (or a write's representation) can answer with.
const JSON: &str = "application/json";
const OBJECT: &str = "application/vnd.pgrst.object+json";
const CSV: &str = "text/csv";

/// The filter grammar, in brief, for every filter parameter; [`super::FILTERS`] has it all.
const FILTER_GRAMMAR: &str = "`[not.]operator.value`. Operators: `eq`, `neq`, `gt`, `gte`, \
    `lt`, `lte`, `like`, `ilike`, `match`, `imatch`, `in.(a,b)`, \
    `is.null|not_null|true|false|unknown`, `isdistinct`, `fts`, `plfts`, `phfts`, `wfts`, \
    `cs`, `cd`, `ov`, `sl`, `sr`, `nxl`, `nxr`, `adj`; `eq(any).{a,b}` / `(all)` over a list.";

/// `/`: this document.
pub(super) fn root() -> PathItem {
    PathItem::new(
        HttpMethod::Get,
        OperationBuilder::new()
            .operation_id(Some("openapi"))
            .summary(Some("This document"))
            .description(Some(
                "The OpenAPI document for the caller's role (also at `/openapi.json`).",
            ))
            .response(
                "200",
                ResponseBuilder::new().description("The document.").content(
                    "application/openapi+json",
                    ContentBuilder::new()
                        .schema(Some(ObjectBuilder::new().schema_type(Type::Object)))
                        .build(),
                ),
            )
            .response("401", Ref::from_response_name("Unauthorized")),
    )
}

/// `/{table}`, its name percent-encoded where a path needs it.
pub(super) fn path_of(table: &Table<'_>) -> String {
    let mut path = String::from("/");
    for byte in table.relation.name.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            path.push(char::from(byte));
        } else {
            path.push_str(&format!("%{byte:02X}"));
        }
    }
    path
}

/// The operations the role holds on `table`.
pub(super) fn item(table: &Table<'_>, tables: &[Table<'_>]) -> PathItem {
    let mut item = PathItemBuilder::new();
    if table.select {
        item = item
            .operation(HttpMethod::Get, read(table, tables, false))
            .operation(HttpMethod::Head, read(table, tables, true));
    }
    if table.insert {
        item = item.operation(HttpMethod::Post, insert(table, tables));
    }
    if table.put {
        item = item.operation(HttpMethod::Put, put(table, tables));
    }
    if table.update {
        item = item.operation(HttpMethod::Patch, update(table, tables));
    }
    if table.delete {
        item = item.operation(HttpMethod::Delete, delete(table, tables));
    }
    item.build()
}

fn operation(table: &Table<'_>, verb: &str, summary: String) -> OperationBuilder {
    OperationBuilder::new()
        .tag(table.tag())
        .operation_id(Some(format!("{verb}_{}", table.relation.name)))
        .summary(Some(summary))
}

/// Error responses every operation can answer with.
fn with_errors(mut responses: ResponsesBuilder) -> ResponsesBuilder {
    for (status, name) in c::ERROR_RESPONSES {
        responses = responses.response(status, Ref::from_response_name(name));
    }
    responses
}

fn shared(name: &str) -> Ref {
    Ref::new(format!("#/components/parameters/{name}"))
}

/// GET, or HEAD when `head`.
fn read(table: &Table<'_>, tables: &[Table<'_>], head: bool) -> OperationBuilder {
    let name = &table.relation.name;
    let (verb, summary) = if head {
        ("count", format!("Count rows of {name} (headers only)"))
    } else {
        ("select", format!("Read rows of {name}"))
    };
    let mut op = operation(table, verb, summary)
        .parameter(select(table, tables))
        .parameters(Some(filters(table)))
        .parameter_ref(shared(c::OR))
        .parameter_ref(shared(c::AND))
        .parameter_ref(shared(c::ORDER))
        .parameter_ref(shared(c::LIMIT))
        .parameter_ref(shared(c::OFFSET));
    if !head {
        op = op
            .parameter_ref(shared(c::RANGE))
            .parameter_ref(shared(c::RANGE_UNIT));
    }
    op = op.parameter_ref(shared(c::PREFER_COUNT));
    let rows = |description: &str| {
        let response = ResponseBuilder::new()
            .description(description)
            .header("Content-Range", content_range());
        if head {
            response
        } else {
            representations(response, table)
        }
    };
    op.responses(
        with_errors(
            ResponsesBuilder::new()
                .response(
                    "200",
                    rows("The rows (all of them, or all a count did not exceed)."),
                )
                .response(
                    "206",
                    rows("Part of the rows: with a count, fewer than the total came."),
                ),
        )
        .build(),
    )
}

fn insert(table: &Table<'_>, tables: &[Table<'_>]) -> OperationBuilder {
    let name = &table.relation.name;
    let row = Ref::from_schema_name(&table.insert_schema);
    let body = RequestBodyBuilder::new()
        .required(Some(Required::True))
        .content(
            JSON,
            ContentBuilder::new()
                .schema(Some(
                    OneOfBuilder::new()
                        .item(row.clone())
                        .item(ArrayBuilder::new().items(row)),
                ))
                .build(),
        )
        .content(
            CSV,
            ContentBuilder::new()
                .schema(Some(
                    ObjectBuilder::new()
                        .schema_type(Type::String)
                        .description(Some(
                            "A header line of column names, then one line per row.",
                        )),
                ))
                .build(),
        );
    let mut op = operation(table, "insert", format!("Insert rows into {name}"))
        .parameter_ref(shared(c::COLUMNS));
    if table.update {
        op = op.parameter_ref(shared(c::ON_CONFLICT));
    } else {
        op = op.parameter(
            ParameterBuilder::new()
                .name("on_conflict")
                .parameter_in(ParameterIn::Query)
                .required(Required::False)
                .description(Some(
                    "With `Prefer: resolution=ignore-duplicates`: the comma-separated columns \
                     of the unique key that decides a conflict (default: the primary key).",
                ))
                .schema(Some(ObjectBuilder::new().schema_type(Type::String))),
        );
    }
    if table.select {
        op = op.parameter(select(table, tables));
    }
    let mut created = ResponseBuilder::new()
        .description(
            "Created. With `return=representation` the body holds the rows; with \
             `return=headers-only`, `Location` points at the first.",
        )
        .header(
            "Location",
            HeaderBuilder::new()
                .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
                .description(Some("`/table?key=eq.value` of the first row inserted."))
                .build(),
        );
    if table.select {
        created = representations(created, table);
    }
    let mut tokens = returns(table);
    tokens.push("resolution=ignore-duplicates");
    if table.update {
        tokens.push("resolution=merge-duplicates");
    }
    tokens.extend([
        "handling=strict",
        "handling=lenient",
        "tx=commit",
        "tx=rollback",
    ]);
    op.parameter(prefer(
        &tokens,
        "Comma-separated. `return=…`: what the answer carries (default `minimal`). \
         `resolution=merge-duplicates` updates the row a conflicting insert hits (an upsert), \
         `ignore-duplicates` skips it. `handling=strict` refuses unknown preferences. \
         `tx=rollback` runs the write and rolls it back.",
    ))
    .request_body(Some(body.build()))
    .responses(with_errors(ResponsesBuilder::new().response("201", created)).build())
}

fn put(table: &Table<'_>, tables: &[Table<'_>]) -> OperationBuilder {
    let name = &table.relation.name;
    let mut op = operation(
        table,
        "upsert",
        format!("Insert or replace one row of {name}"),
    )
    .description(Some(
        "Filter on every primary key column with `eq.`; the body is the whole row, its \
             key equal to the filters'.",
    ));
    for key in table.relation.primary_key_columns() {
        if let Some(view) = table.column(key) {
            op = op.parameter(
                ParameterBuilder::new()
                    .name(view.name())
                    .parameter_in(ParameterIn::Query)
                    .required(Required::True)
                    .description(Some(format!(
                        "The row's `{}`, as `eq.value`; the body must hold the same value.",
                        view.name()
                    )))
                    .schema(Some(
                        ObjectBuilder::new()
                            .schema_type(Type::String)
                            .pattern(Some("^eq\\.")),
                    )),
            );
        }
    }
    if table.select {
        op = op.parameter(select(table, tables));
    }
    let mut tokens = returns(table);
    tokens.extend(["tx=commit", "tx=rollback"]);
    op = op.parameter(prefer(
        &tokens,
        "`return=representation` answers with the row; `tx=rollback` runs the write and rolls \
         it back.",
    ));
    op.request_body(Some(
        RequestBodyBuilder::new()
            .required(Some(Required::True))
            .content(
                JSON,
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name(&table.insert_schema)))
                    .build(),
            )
            .build(),
    ))
    .responses(with_errors(changed(table, "The row, inserted or replaced.")).build())
}

fn update(table: &Table<'_>, tables: &[Table<'_>]) -> OperationBuilder {
    let name = &table.relation.name;
    let op = operation(table, "update", format!("Update rows of {name}"))
        .description(Some(unfiltered_note(table)))
        .parameters(Some(filters(table)))
        .parameter_ref(shared(c::OR))
        .parameter_ref(shared(c::AND));
    let op = with_write_parameters(op, table, tables).request_body(Some(
        RequestBodyBuilder::new()
            .required(Some(Required::True))
            .content(
                JSON,
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name(&table.update_schema)))
                    .build(),
            )
            .build(),
    ));
    op.responses(with_errors(changed(table, "The rows updated.")).build())
}

fn delete(table: &Table<'_>, tables: &[Table<'_>]) -> OperationBuilder {
    let name = &table.relation.name;
    let op = operation(table, "delete", format!("Delete rows of {name}"))
        .description(Some(unfiltered_note(table)))
        .parameters(Some(filters(table)))
        .parameter_ref(shared(c::OR))
        .parameter_ref(shared(c::AND));
    with_write_parameters(op, table, tables)
        .responses(with_errors(changed(table, "The rows deleted.")).build())
}

fn unfiltered_note(table: &Table<'_>) -> String {
    if table.rights.allow_unfiltered {
        "The filters select the rows; without any, every row this role may change.".to_owned()
    } else {
        "The filters select the rows; at least one is required.".to_owned()
    }
}

/// `select` and `Prefer` of PATCH and DELETE.
fn with_write_parameters(
    mut op: OperationBuilder,
    table: &Table<'_>,
    tables: &[Table<'_>],
) -> OperationBuilder {
    if table.select {
        op = op.parameter(select(table, tables));
    }
    let mut tokens = returns(table);
    tokens.extend([
        "handling=strict",
        "handling=lenient",
        "max-affected=1",
        "tx=commit",
        "tx=rollback",
    ]);
    op.parameter(prefer(
        &tokens,
        "Comma-separated. `return=…`: what the answer carries (default `minimal`). \
         `handling=strict` with `max-affected=N` refuses a write that would change more than N \
         rows. `tx=rollback` runs the write and rolls it back.",
    ))
}

/// 200 with the rows (when the role may read them) and 204 without.
fn changed(table: &Table<'_>, what: &str) -> ResponsesBuilder {
    let mut responses = ResponsesBuilder::new();
    if table.select {
        responses = responses.response(
            "200",
            representations(
                ResponseBuilder::new()
                    .description(format!("{what} With `return=representation`."))
                    .header("Content-Range", content_range()),
                table,
            ),
        );
    }
    responses.response(
        "204",
        ResponseBuilder::new()
            .description(format!("{what} No body (`return=minimal`, the default)."))
            .header("Content-Range", content_range()),
    )
}

/// The `return=` tokens the role may ask for.
fn returns(table: &Table<'_>) -> Vec<&'static str> {
    let mut tokens = vec!["return=minimal", "return=headers-only"];
    if table.select {
        tokens.push("return=representation");
    }
    tokens
}

/// A `Prefer` header with its accepted tokens.
fn prefer(tokens: &[&str], description: &str) -> ParameterBuilder {
    ParameterBuilder::new()
        .name("Prefer")
        .parameter_in(ParameterIn::Header)
        .required(Required::False)
        .description(Some(format!(
            "{description} Accepted: {}.",
            tokens
                .iter()
                .map(|token| format!("`{token}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )))
        .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
        .example(tokens.first().map(|token| json!(token)))
}

fn content_range() -> utoipa::openapi::Header {
    HeaderBuilder::new()
        .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
        .description(Some(
            "The rows in the answer and the total when counted: `0-24/3573`, `0-24/*`, `*/0`.",
        ))
        .build()
}

/// The row representations: a JSON array, one object, CSV. (A media type's own
/// `description` is OpenAPI 3.2; the object form is explained in the response's.)
fn representations(response: ResponseBuilder, table: &Table<'_>) -> ResponseBuilder {
    let row = Ref::from_schema_name(&table.row_schema);
    response
        .content(
            JSON,
            ContentBuilder::new()
                .schema(Some(ArrayBuilder::new().items(row.clone())))
                .build(),
        )
        .content(OBJECT, ContentBuilder::new().schema(Some(row)).build())
        .content(
            CSV,
            ContentBuilder::new()
                .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
                .build(),
        )
}

/// `select`, with the relations this table can embed for the role.
fn select(table: &Table<'_>, tables: &[Table<'_>]) -> ParameterBuilder {
    let mut description = String::from(
        "Columns to return, comma-separated: `*` (every column this role may read), \
         `alias:column`, casts `column::text`, JSON paths `data->key`, and embedded relations \
         `relation(columns)` (`relation!inner(…)` keeps only rows that have one, \
         `relation!hint(…)` picks among several relationships).",
    );
    let embeddable = embeddable(table, tables);
    if !embeddable.is_empty() {
        description.push_str(" Relations to embed here: ");
        description.push_str(
            &embeddable
                .iter()
                .map(|name| format!("`{name}`"))
                .collect::<Vec<_>>()
                .join(", "),
        );
        description.push('.');
    }
    ParameterBuilder::new()
        .name("select")
        .parameter_in(ParameterIn::Query)
        .required(Required::False)
        .description(Some(description))
        .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
        .example(Some(json!("*")))
}

/// The relations `table` has a relationship to that the role may read (and, through a
/// junction, whose junction it may read too): the policy's rule for embeds.
fn embeddable<'t>(table: &Table<'_>, tables: &'t [Table<'_>]) -> BTreeSet<&'t str> {
    let readable = |name: &schema::QualifiedName| {
        tables
            .iter()
            .find(|other| other.relation.is(name))
            .filter(|other| other.select)
    };
    table
        .relationships
        .iter()
        .filter(|r| r.junction().is_none_or(|j| readable(j).is_some()))
        .filter_map(|r| readable(&r.target))
        .map(|other| other.relation.name.as_str())
        .collect()
}

/// One optional query parameter per filterable column.
fn filters(table: &Table<'_>) -> Vec<utoipa::openapi::path::Parameter> {
    table
        .columns
        .iter()
        .filter(|view| view.filterable)
        .map(|view| filter(view).build())
        .collect()
}

fn filter(view: &View<'_>) -> ParameterBuilder {
    ParameterBuilder::new()
        .name(view.name())
        .parameter_in(ParameterIn::Query)
        .required(Required::False)
        .description(Some(format!(
            "Filter on `{}`. {FILTER_GRAMMAR}",
            view.name()
        )))
        .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
        .example(Some(json!(example(view))))
}

/// A filter value that makes sense for the column's type.
fn example(view: &View<'_>) -> String {
    use schema::Category as C;
    let ty = &view.column.ty;
    match ty.category {
        C::Integer | C::Numeric | C::Float => "eq.1".to_owned(),
        C::Boolean => "is.true".to_owned(),
        C::Date => "gte.2024-01-01".to_owned(),
        C::Timestamp | C::TimestampTz => "gte.2024-01-01T00:00:00Z".to_owned(),
        C::Array => "cs.{a,b}".to_owned(),
        C::Enum => ty
            .enum_labels()
            .and_then(|labels| labels.first())
            .map_or_else(|| "eq.x".to_owned(), |label| format!("eq.{label}")),
        _ => "eq.x".to_owned(),
    }
}
