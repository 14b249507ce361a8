//! `components`: the error body and error responses, the shared parameters, the security
//! schemes, and each table's row and request schemas.

use policy::{MaskKind, Read};
use serde_json::json;
use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::{ObjectBuilder, Ref, Schema, Type};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ComponentsBuilder, ContentBuilder, Required, ResponseBuilder};

use super::table::{Names, Table, View};
use super::types;

/// Schema names the document uses for itself; tables get other names.
pub(super) const FIXED_SCHEMAS: [&str; 1] = [ERROR];

/// The error body schema.
pub(super) const ERROR: &str = "Error";

/// The bearer (JWT) security scheme.
pub(super) const BEARER: &str = "bearerAuth";

/// The API key security scheme.
pub(crate) const API_KEY: &str = "apiKey";

/// Shared parameters, by component name.
pub(super) const OR: &str = "or";
pub(super) const AND: &str = "and";
pub(super) const ORDER: &str = "order";
pub(super) const LIMIT: &str = "limit";
pub(super) const OFFSET: &str = "offset";
pub(super) const RANGE: &str = "range";
pub(super) const RANGE_UNIT: &str = "rangeUnit";
pub(super) const PREFER_COUNT: &str = "preferCount";
pub(super) const ON_CONFLICT: &str = "onConflict";
pub(super) const COLUMNS: &str = "columns";

/// Error responses, by status (or status range) and component name.
pub(super) const ERROR_RESPONSES: [(&str, &str); 6] = [
    ("400", "BadRequest"),
    ("401", "Unauthorized"),
    ("403", "Forbidden"),
    ("404", "NotFound"),
    ("4XX", "ClientError"),
    ("5XX", "ServerError"),
];

/// Everything that does not depend on a table.
pub(super) fn common(components: ComponentsBuilder) -> ComponentsBuilder {
    let mut components = components
        .schema(ERROR, error_schema())
        .security_scheme(
            BEARER,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "A JWT in `Authorization: Bearer <token>`. Its role claim names the \
                         policy role, its tenant claim the tenant.",
                    ))
                    .build(),
            ),
        )
        .security_scheme(
            API_KEY,
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "apikey",
                "A Gatehouse API key (`gh_<id>_<secret>`), bound to a role and a tenant (or \
                 every tenant), in the `apikey` header or as `Authorization: Bearer gh_…`.",
            ))),
        );
    for (status, name) in ERROR_RESPONSES {
        components = components.response(name, error_response(status));
    }
    components
        .parameter(
            OR,
            query(
                OR,
                "Rows matching any of the conditions: `or=(age.lt.18,age.gt.65)`. Each is \
                 `column.[not.]operator.value`; groups nest (`and(a.eq.1,b.eq.2)`), and \
                 `not.or` negates the whole group.",
            )
            .build(),
        )
        .parameter(
            AND,
            query(
                AND,
                "Rows matching all of the conditions: `and=(age.gte.18,or(a.eq.1,b.eq.2))`.",
            )
            .build(),
        )
        .parameter(
            ORDER,
            query(
                ORDER,
                "Sort order: comma-separated `column[.asc|.desc][.nullsfirst|.nullslast]` \
                 (`order=created_at.desc,id`). Masked and encrypted columns cannot be ordered \
                 on.",
            )
            .build(),
        )
        .parameter(
            LIMIT,
            integer_query(LIMIT, "At most this many rows.").build(),
        )
        .parameter(
            OFFSET,
            integer_query(OFFSET, "Skip this many rows.").build(),
        )
        .parameter(
            RANGE,
            ParameterBuilder::new()
                .name("Range")
                .parameter_in(ParameterIn::Header)
                .description(Some(
                    "Rows to return, zero-based and inclusive: `0-24`, or `25-` for all from \
                     the 26th. The answer's `Content-Range` tells which rows came and, with \
                     `Prefer: count=…`, how many there are.",
                ))
                .schema(Some(string_pattern("^[0-9]+-[0-9]*$")))
                .example(Some(json!("0-24")))
                .build(),
        )
        .parameter(
            RANGE_UNIT,
            ParameterBuilder::new()
                .name("Range-Unit")
                .parameter_in(ParameterIn::Header)
                .description(Some("The unit of `Range`: always `items`."))
                .schema(Some(
                    ObjectBuilder::new()
                        .schema_type(Type::String)
                        .enum_values(Some(["items"])),
                ))
                .build(),
        )
        .parameter(
            PREFER_COUNT,
            ParameterBuilder::new()
                .name("Prefer")
                .parameter_in(ParameterIn::Header)
                .description(Some(
                    "`count=exact` (a `count(*)`), `count=planned` (the planner's estimate) or \
                     `count=estimated` (exact up to a threshold): the total then ends \
                     `Content-Range` (`0-24/3573`).",
                ))
                .schema(Some(
                    ObjectBuilder::new()
                        .schema_type(Type::String)
                        .enum_values(Some(["count=exact", "count=planned", "count=estimated"])),
                ))
                .build(),
        )
        .parameter(
            ON_CONFLICT,
            query(
                "on_conflict",
                "With `Prefer: resolution=merge-duplicates` or `ignore-duplicates`: the \
                 comma-separated columns of the unique key that decides a conflict (default: \
                 the primary key).",
            )
            .build(),
        )
        .parameter(
            COLUMNS,
            query(
                COLUMNS,
                "The comma-separated body keys to insert; other keys in the body are ignored, \
                 and a missing key takes the column's default.",
            )
            .build(),
        )
}

fn query(name: &str, description: &str) -> ParameterBuilder {
    ParameterBuilder::new()
        .name(name)
        .parameter_in(ParameterIn::Query)
        .required(Required::False)
        .description(Some(description))
        .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
}

fn integer_query(name: &str, description: &str) -> ParameterBuilder {
    query(name, description).schema(Some(
        ObjectBuilder::new()
            .schema_type(Type::Integer)
            .minimum(Some(0)),
    ))
}

fn string_pattern(pattern: &str) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(pattern))
}

/// `{code, message, details, hint}`.
fn error_schema() -> ObjectBuilder {
    ObjectBuilder::new()
        .description(Some(
            "The error body, as PostgREST has it. A 5xx body never carries SQL or internal \
             detail.",
        ))
        .property(
            "code",
            ObjectBuilder::new()
                .schema_type(Type::String)
                .description(Some(
                    "PostgREST's code where it has one for the condition (`PGRST116`), a \
                     SQLSTATE for database refusals (`23505`), or Gatehouse's own (`GH…`).",
                )),
        )
        .required("code")
        .property(
            "message",
            ObjectBuilder::new()
                .schema_type(Type::String)
                .description(Some("What went wrong.")),
        )
        .required("message")
        .property(
            "details",
            types::annotate(
                types::any(),
                Some("More about it: a string, a list, or null.".to_owned()),
                false,
            ),
        )
        .required("details")
        .property(
            "hint",
            ObjectBuilder::new()
                .schema_type(types::types(Type::String, true))
                .description(Some("What to try instead, or null.")),
        )
        .required("hint")
}

fn error_response(status: &str) -> ResponseBuilder {
    let description = match status {
        "400" => {
            "The request does not parse, or names a column or relationship that does not \
                  exist for this role."
        }
        "401" => "Credentials missing (and no anonymous role), invalid or expired.",
        "403" => {
            "The policy refuses the operation, or a tenant-scoped table is asked for \
                  without a tenant."
        }
        "404" => "No such table for this role.",
        "4XX" => "Another client error: 405, 406, 409, 413, 415, 416 or 429.",
        _ => {
            "A server error: 503 with `Retry-After` when the database is unavailable, 504 on \
              the statement timeout."
        }
    };
    ResponseBuilder::new().description(description).content(
        "application/json",
        ContentBuilder::new()
            .schema(Some(Ref::from_schema_name(ERROR)))
            .build(),
    )
}

/// A table's row schema (when the role may read) and request schemas (when it may write).
pub(super) fn table(
    mut components: ComponentsBuilder,
    table: &Table<'_>,
    names: &Names,
) -> ComponentsBuilder {
    if table.select {
        let description = table.description(names);
        let mut row = ObjectBuilder::new().description(Some(description).filter(|d| !d.is_empty()));
        for view in &table.columns {
            row = row.property(view.name(), read_property(table, view, names));
        }
        components = components.schema(&table.row_schema, row);
    }
    if table.insert || table.put {
        components = components.schema(
            &table.insert_schema,
            request_body(
                table,
                names,
                true,
                "A row to insert: POST takes one or an array of them, PUT exactly one.",
            ),
        );
    }
    if table.update {
        components = components.schema(
            &table.update_schema,
            request_body(
                table,
                names,
                false,
                "The columns to change in every row the filters select.",
            ),
        );
    }
    components
}

fn read_property(table: &Table<'_>, view: &View<'_>, names: &Names) -> Schema {
    let column = view.column;
    let mut parts: Vec<String> = names
        .comment(column.comment.as_deref())
        .map(str::to_owned)
        .into_iter()
        .collect();
    let schema = match view.read {
        Read::Masked(kind) => {
            parts.push(format!(
                "Masked ({kind}): only a masked form is shown ({}); it cannot be used in \
                 filters or `order`.",
                mask_example(kind)
            ));
            types::string(column.nullable)
        }
        _ if view.encrypted => {
            parts.push(
                "Stored encrypted, shown decrypted; it cannot be used in filters or `order`."
                    .to_owned(),
            );
            types::string(column.nullable)
        }
        _ => {
            parts.extend(types::note(&column.ty));
            types::value(&column.ty, column.nullable)
        }
    };
    parts.extend(origin_notes(table, view));
    types::annotate(schema, joined(parts), !view.writable)
}

fn request_body(table: &Table<'_>, names: &Names, insert: bool, description: &str) -> Schema {
    let mut object = ObjectBuilder::new().description(Some(description));
    for view in table.columns.iter().filter(|view| view.writable) {
        let column = view.column;
        let mut parts: Vec<String> = names
            .comment(column.comment.as_deref())
            .map(str::to_owned)
            .into_iter()
            .collect();
        let schema = if view.encrypted {
            parts.push("Stored encrypted: send the plaintext.".to_owned());
            types::string(column.nullable)
        } else {
            parts.extend(types::note(&column.ty));
            types::value(&column.ty, column.nullable)
        };
        object = object.property(view.name(), types::annotate(schema, joined(parts), false));
        if insert && column.is_required() {
            object = object.required(view.name());
        }
    }
    object.into()
}

/// Where a column's value comes from, when not (only) from the client.
fn origin_notes(table: &Table<'_>, view: &View<'_>) -> Vec<String> {
    let column = view.column;
    let mut notes = Vec::new();
    if table
        .relation
        .primary_key_columns()
        .iter()
        .any(|key| key == &column.name)
    {
        notes.push("Primary key.".to_owned());
    }
    if view.tenant {
        notes.push("Your tenant: the server sets it from your credentials.".to_owned());
    } else if column.generated.is_some() {
        notes.push("Generated by the database.".to_owned());
    } else if column.identity == Some(schema::Identity::Always) {
        notes.push("Generated by the database (identity).".to_owned());
    }
    notes
}

fn mask_example(kind: MaskKind) -> &'static str {
    match kind {
        MaskKind::Email => "`j***@example.com`",
        MaskKind::Last4 => "`*******1234`",
        MaskKind::Redact => "`***`",
    }
}

fn joined(parts: Vec<String>) -> Option<String> {
    (!parts.is_empty()).then(|| parts.join("\n\n"))
}
