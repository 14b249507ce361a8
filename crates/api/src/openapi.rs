//! The OpenAPI 3.1 document: built at run time, with utoipa's builders, from the catalog and
//! the policy, for one role.
//!
//! [`document`] describes exactly what the role may do, and nothing it may not:
//!
//! - a path `/{table}` for each relation of the exposed schema the policy gives the role, with
//!   only the operations it holds (GET and HEAD for `select`, POST for `insert`, PATCH for
//!   `update`, DELETE for `delete`, PUT for `insert` + `update` on a table whose primary key
//!   the role can both filter and write);
//! - per table, a row schema (`components/schemas/{table}`) with the columns the role may read
//!   (masked columns as strings, described as masked; columns the role cannot write
//!   `readOnly`), and request schemas (`{table}.insert`, `{table}.update`) with the columns it
//!   may write, `required` for those an insert must give;
//! - filter parameters for the columns the role may filter on (readable in plain form, not
//!   encrypted), with PostgREST's operator grammar, and `select`, `order`, `limit`, `offset`,
//!   `Range`, `Prefer`, `on_conflict`, `columns`;
//! - the error body (`components/schemas/Error`) on every 4xx and 5xx, and the security
//!   schemes.
//!
//! Hidden columns, encrypted columns the role may not decrypt and tables it may not use are
//! absent: their names appear nowhere, and a SQL comment that names one of them is left out
//! rather than shown (a comment is the one place the document copies free text from the
//! database). Row filters and tenancy are described without their content.
//!
//! [`serve`] answers `GET /` and `GET /openapi.json` with the caller's document. The
//! `gatehouse openapi` command writes the same document with [`to_json`].

mod components;
mod paths;
mod table;
mod types;

use actix_web::{HttpRequest, HttpResponse, web};
use utoipa::openapi::security::SecurityRequirement;
use utoipa::openapi::tag::TagBuilder;
use utoipa::openapi::{ComponentsBuilder, InfoBuilder, OpenApi, OpenApiBuilder, PathsBuilder};

use crate::error::ApiError;
use crate::startup::AppState;

use table::Names;

/// The media type the document is served with.
pub const MEDIA_TYPE: &str = "application/openapi+json; charset=utf-8";

/// The document for `role`, or `None` when the policy does not declare the role.
///
/// Paths are the relations of `environment.schema` (the schema a bare name in the URL refers
/// to) that the role may use, in name order; `environment.max_rows` is the server's cap on rows
/// per response. The same inputs give the same document, byte for byte once serialized with
/// [`to_json`].
pub fn document(
    catalog: &schema::Catalog,
    policy: &policy::PolicyFile,
    environment: &policy::Environment,
    role: &str,
) -> Option<OpenApi> {
    policy.role(role)?;
    let tables = table::visible(catalog, policy, environment, role);
    let names = Names::new(catalog, &tables);

    let mut components = components::common(ComponentsBuilder::new());
    let mut paths = PathsBuilder::new().path("/", paths::root());
    let mut tags = Vec::new();
    for table in &tables {
        components = components::table(components, table, &names);
        paths = paths.path(paths::path_of(table), paths::item(table, &tables));
        tags.push(
            TagBuilder::new()
                .name(table.tag())
                .description(Some(table.description(&names)).filter(|d| !d.is_empty()))
                .build(),
        );
    }

    let mut security = Vec::new();
    if role == crate::auth::ANON_ROLE {
        security.push(SecurityRequirement::default());
    }
    security.push(SecurityRequirement::new(
        components::BEARER,
        Vec::<String>::new(),
    ));
    security.push(SecurityRequirement::new(
        components::API_KEY,
        Vec::<String>::new(),
    ));

    Some(
        OpenApiBuilder::new()
            .info(
                InfoBuilder::new()
                    .title("Gatehouse")
                    .version(env!("CARGO_PKG_VERSION"))
                    .description(Some(info_description(role)))
                    .build(),
            )
            .paths(paths.build())
            .components(Some(components.build()))
            .security(Some(security))
            .tags(Some(tags))
            .build(),
    )
}

fn info_description(role: &str) -> String {
    format!(
        "The tables role `{role}` may use, with the operations, columns and filters the policy \
         gives it; generated from the live schema and the policy.\n\n\
         Reads take PostgREST's URL grammar: `select` (columns, renames, casts, embedded \
         relations), one query parameter per filtered column, `or` / `and` groups, `order`, \
         `limit` / `offset` or the `Range` header. Rows come as a JSON array; \
         `Accept: application/vnd.pgrst.object+json` asks for exactly one row as an object \
         (406 otherwise), `Accept: text/csv` for CSV. Errors have the body \
         `{{code, message, details, hint}}`.\n\n{FILTERS}"
    )
}

/// The filter grammar in full.
const FILTERS: &str = "**Filters** are written `column=operator.value`: `eq`, `neq`, `gt`, \
    `gte`, `lt`, `lte`; `like` / `ilike` (`*` or `%` as wildcard); `match` / `imatch` (POSIX \
    regular expression); `in.(a,b,c)`; `is.null`, `is.not_null`, `is.true`, `is.false`, \
    `is.unknown`; `isdistinct`; full-text `fts`, `plfts`, `phfts`, `wfts` (a language as in \
    `fts(english).word`); `cs`, `cd`, `ov` (arrays and ranges) and `sl`, `sr`, `nxl`, `nxr`, \
    `adj` (ranges). `eq(any).{a,b}` compares with any element of a list, `(all)` with every \
    one. `not.` before the operator negates it. Conditions on several columns combine with \
    `or=(a.eq.1,b.gt.2)` and `and=(…)`, which nest. Masked and encrypted columns cannot be \
    filtered or ordered on.";

/// The document as pretty-printed JSON. Keys keep the order the builders put them in (paths
/// and columns in catalog order), so the output is stable.
pub fn to_json(document: &OpenApi) -> Result<String, serde_json::Error> {
    document.to_pretty_json()
}

/// `GET /` and `GET /openapi.json`: the document for the caller's role. Without credentials
/// that is the anonymous role's, when the policy declares one; otherwise 401, as for any
/// request.
pub async fn serve(
    state: web::Data<AppState>,
    request: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let principal = state.authenticate(&request)?;
    let catalog = state.catalog();
    let document = document(&catalog, &state.policy, &state.environment, &principal.role)
        .ok_or_else(|| ApiError::Internal {
            detail: format!(
                "authenticated role {:?} is not declared in the policy",
                principal.role
            ),
        })?;
    let body = to_json(&document).map_err(|err| ApiError::Internal {
        detail: format!("write the OpenAPI document: {err}"),
    })?;
    Ok(HttpResponse::Ok().content_type(MEDIA_TYPE).body(body))
}

#[cfg(test)]
mod tests;
