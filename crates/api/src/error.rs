//! Errors become HTTP here and nowhere else. Each variant maps to a status and a body of
//! PostgREST's shape, `{"code","message","details","hint"}`; the client-facing text is kept
//! apart from `Display`, so internal detail (SQL, connection errors) goes to the log, never the
//! body.
//!
//! Where PostgREST has a code for the same condition we use it; conditions of our own have
//! `GH` codes, listed in the README's error table.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use serde_json::{Value, json};
use tokio_postgres::error::SqlState;

/// Seconds a client should wait before retrying when the database is unavailable.
const RETRY_AFTER_SECONDS: &str = "5";

/// Everything a request can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// A path that names no exposed relation. Same answer whether the table does not exist or
    /// the caller may not see it.
    #[error("no relation {name:?} in the exposed schemas")]
    UnknownRelation { name: String },
    /// The query string or a header does not parse.
    #[error("bad request: {0}")]
    Query(#[from] query::Error),
    /// The credentials were refused (or are missing and anonymous access is off).
    #[error("authentication failed: {0}")]
    Auth(#[from] crate::auth::AuthError),
    /// The policy refused the request.
    #[error("refused by the policy: {0}")]
    Policy(#[from] policy::Error),
    /// The body's `Content-Type` is not one we read.
    #[error("unsupported media type {media}")]
    UnsupportedMediaType { media: String },
    /// The body does not parse.
    #[error("invalid body: {detail}")]
    InvalidBody { detail: String },
    /// The body is larger than `GATEHOUSE_MAX_BODY_BYTES`.
    #[error("body over {limit} bytes")]
    PayloadTooLarge { limit: usize },
    /// `Accept-Profile` / `Content-Profile` names a schema that is not exposed.
    #[error("schema not exposed")]
    UnknownProfile { schemas: Vec<String> },
    /// The `Accept` header asks for nothing we produce.
    #[error("not acceptable: {accept}")]
    NotAcceptable { accept: String },
    /// A singular response (`application/vnd.pgrst.object+json`) would have `rows` rows.
    #[error("singular response with {rows} rows")]
    NotSingular { rows: i64 },
    /// The requested offset lies beyond the total.
    #[error("range not satisfiable: offset {offset}, total {total}")]
    RangeNotSatisfiable { offset: u64, total: i64 },
    /// PostgreSQL refused the statement for a reason the client caused or can act on.
    #[error("database refused: {sqlstate}: {message}")]
    Database {
        status: StatusCode,
        sqlstate: String,
        /// PostgreSQL's primary message, shown only for data exceptions (class 22), which
        /// echo the client's own input; never the DETAIL line.
        message: String,
        client_message: Option<String>,
        /// For a bulk write: the index of the body element that fails (found by
        /// `write::locate_failing_row`).
        row: Option<usize>,
    },
    /// The statement ran past the statement timeout.
    #[error("statement timeout")]
    Timeout,
    /// The database cannot be reached or a connection cannot be had in time.
    #[error("database unavailable: {detail}")]
    Unavailable { detail: String },
    /// Anything else: logged with its detail, answered with a generic body.
    #[error("internal error: {detail}")]
    Internal { detail: String },
}

/// The body PostgREST clients parse.
#[derive(Debug, Serialize)]
pub struct ErrorBody {
    pub code: String,
    pub message: String,
    pub details: Value,
    pub hint: Value,
}

fn body(code: &str, message: impl Into<String>) -> ErrorBody {
    ErrorBody {
        code: code.to_owned(),
        message: message.into(),
        details: Value::Null,
        hint: Value::Null,
    }
}

fn with(mut body: ErrorBody, details: Option<Value>, hint: Option<String>) -> ErrorBody {
    body.details = details.unwrap_or(Value::Null);
    body.hint = hint.map(Value::String).unwrap_or(Value::Null);
    body
}

impl ApiError {
    /// Classifies a database error by SQLSTATE. The one place that does.
    pub fn from_db(err: &tokio_postgres::Error) -> Self {
        let Some(db) = err.as_db_error() else {
            // No SQLSTATE: the connection broke.
            return ApiError::Unavailable {
                detail: pg::describe(err),
            };
        };
        let code = db.code();
        let sqlstate = code.code().to_owned();
        let database = |status: StatusCode, client_message: Option<String>| ApiError::Database {
            status,
            sqlstate: sqlstate.clone(),
            message: db.message().to_owned(),
            client_message,
            row: None,
        };
        if *code == SqlState::QUERY_CANCELED {
            return ApiError::Timeout;
        }
        if sqlstate.starts_with("08")
            || *code == SqlState::TOO_MANY_CONNECTIONS
            || *code == SqlState::ADMIN_SHUTDOWN
            || *code == SqlState::CANNOT_CONNECT_NOW
        {
            return ApiError::Unavailable {
                detail: db.message().to_owned(),
            };
        }
        // Raised by the write statement's own checks (`gatehouse.check`): fixed messages.
        match sqlstate.as_str() {
            sql::sqlstate::ROW_CHECK | sql::sqlstate::CONFLICT_NOT_YOURS => {
                return database(StatusCode::FORBIDDEN, Some(db.message().to_owned()));
            }
            sql::sqlstate::MAX_AFFECTED => {
                return ApiError::Database {
                    status: StatusCode::BAD_REQUEST,
                    sqlstate: "PGRST124".to_owned(),
                    message: db.message().to_owned(),
                    client_message: Some(
                        "Query result exceeds max-affected preference constraint".to_owned(),
                    ),
                    row: None,
                };
            }
            _ => {}
        }
        if sqlstate.starts_with("22") {
            return database(StatusCode::BAD_REQUEST, Some(db.message().to_owned()));
        }
        match code {
            c if *c == SqlState::UNIQUE_VIOLATION || *c == SqlState::FOREIGN_KEY_VIOLATION => {
                database(StatusCode::CONFLICT, None)
            }
            c if *c == SqlState::NOT_NULL_VIOLATION || *c == SqlState::CHECK_VIOLATION => {
                database(StatusCode::BAD_REQUEST, None)
            }
            // The client's own mistakes, in words about what it sent: no unique key matches
            // `on_conflict=`; a value for a `generated always` column.
            c if *c == SqlState::INVALID_COLUMN_REFERENCE || *c == SqlState::GENERATED_ALWAYS => {
                database(StatusCode::BAD_REQUEST, Some(db.message().to_owned()))
            }
            c if *c == SqlState::UNDEFINED_FUNCTION
                || *c == SqlState::INVALID_REGULAR_EXPRESSION =>
            {
                database(StatusCode::BAD_REQUEST, Some(db.message().to_owned()))
            }
            c if *c == SqlState::INSUFFICIENT_PRIVILEGE => database(StatusCode::FORBIDDEN, None),
            c if *c == SqlState::READ_ONLY_SQL_TRANSACTION => {
                database(StatusCode::METHOD_NOT_ALLOWED, None)
            }
            _ => ApiError::Internal {
                detail: format!("{sqlstate}: {}", db.message()),
            },
        }
    }

    /// The body a client sees. Never derived from `Display`.
    pub fn body(&self) -> ErrorBody {
        match self {
            ApiError::UnknownRelation { name } => body(
                "PGRST205",
                format!("Could not find the table '{name}' in the schema cache"),
            ),
            ApiError::Query(err) => with(
                body(err.code(), err.message()),
                Some(Value::String(err.details())).filter(|d| d != &json!("")),
                None,
            ),
            ApiError::Auth(err) => with(
                body(err.code(), err.to_string()),
                err.details().map(|d| Value::String(d.to_owned())),
                None,
            ),
            ApiError::Policy(err) => policy_body(err),
            ApiError::UnsupportedMediaType { media } => body(
                "PGRST107",
                format!(
                    "Content-Type '{media}' is not supported: send application/json or text/csv"
                ),
            ),
            ApiError::InvalidBody { detail } => with(
                body("PGRST102", "Empty or invalid json"),
                Some(Value::String(truncate(detail))),
                None,
            ),
            ApiError::PayloadTooLarge { limit } => body(
                "GH413",
                format!("The body is larger than the limit of {limit} bytes"),
            ),
            ApiError::UnknownProfile { schemas } => body(
                "PGRST106",
                format!(
                    "The schema must be one of the following: {}",
                    schemas.join(", ")
                ),
            ),
            ApiError::NotAcceptable { accept } => with(
                body("PGRST107", "None of these media types are available"),
                Some(Value::String(truncate(accept))),
                None,
            ),
            ApiError::NotSingular { rows } => with(
                body(
                    "PGRST116",
                    "JSON object requested, multiple (or no) rows returned",
                ),
                Some(Value::String(format!("The result contains {rows} rows"))),
                None,
            ),
            ApiError::RangeNotSatisfiable { offset, total } => with(
                body("PGRST103", "Requested range not satisfiable"),
                Some(Value::String(format!(
                    "An offset of {offset} was requested, but there are only {total} rows."
                ))),
                None,
            ),
            ApiError::Database {
                sqlstate,
                client_message,
                status,
                row,
                ..
            } => with(
                body(
                    sqlstate,
                    client_message
                        .clone()
                        .or_else(|| constraint_message(sqlstate).map(str::to_owned))
                        .unwrap_or_else(|| {
                            status
                                .canonical_reason()
                                .unwrap_or("Request refused by the database")
                                .to_owned()
                        }),
                ),
                row.map(|row| {
                    Value::String(format!(
                        "The error is in element {row} of the body (counting from 0)."
                    ))
                }),
                None,
            ),
            ApiError::Timeout => body("57014", "canceling statement due to statement timeout"),
            ApiError::Unavailable { .. } => body(
                "PGRST001",
                "Database client error. Retrying the connection.",
            ),
            ApiError::Internal { .. } => body("GH500", "Internal server error"),
        }
    }
}

/// What a constraint violation means, in words that name no column or constraint (a constraint
/// name can reveal a hidden column; PostgreSQL's DETAIL line echoes stored values).
fn constraint_message(sqlstate: &str) -> Option<&'static str> {
    Some(match sqlstate {
        "23505" => "The row duplicates a unique key",
        "23503" => "The row references a row that does not exist, or is still referenced",
        "23502" => "The row leaves a required column empty",
        "23514" => "The row violates a check constraint",
        _ => return None,
    })
}

fn truncate(text: &str) -> String {
    text.chars().take(100).collect()
}

fn policy_body(err: &policy::Error) -> ErrorBody {
    use policy::Error as E;
    match err {
        E::UnknownRelation { name } => body(
            "PGRST205",
            format!("Could not find the table '{name}' in the schema cache"),
        ),
        E::OperationDenied {
            relation,
            operation,
            ..
        } => body(
            "GH100",
            format!("Permission denied: {operation} on '{relation}' is not allowed for your role"),
        ),
        E::UnknownColumn { relation, column } => body(
            "42703",
            format!("column {relation}.{column} does not exist"),
        ),
        E::ProtectedColumn { column, usage, .. } => body(
            "GH101",
            format!("column '{column}' is protected and cannot be used to {usage}"),
        ),
        E::NoRelationship { parent, child } => with(
            body(
                "PGRST200",
                format!(
                    "Could not find a relationship between '{parent}' and '{child}' in the schema cache"
                ),
            ),
            Some(Value::String(format!(
                "Searched for a foreign key relationship between '{parent}' and '{child}', but no matches were found."
            ))),
            None,
        ),
        E::AmbiguousEmbed {
            parent,
            child,
            candidates,
        } => with(
            body(
                "PGRST201",
                format!(
                    "Could not embed because more than one relationship was found for '{parent}' and '{child}'"
                ),
            ),
            Some(Value::Array(
                candidates
                    .iter()
                    .map(|c| {
                        json!({
                            "cardinality": c.cardinality,
                            "embedding": c.embedding,
                            "relationship": c.relationship,
                        })
                    })
                    .collect(),
            )),
            Some(format!(
                "Try changing '{child}' to one of the following: {}. Find the desired relationship in the 'details' key.",
                candidates
                    .iter()
                    .map(|c| format!("'{}'", c.hint))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        ),
        E::NotEmbedded { path } => with(
            body(
                "PGRST108",
                format!("'{path}' is not an embedded resource in this request"),
            ),
            None,
            Some(format!(
                "Verify that '{path}' is included in the 'select' query parameter."
            )),
        ),
        E::SpreadToMany { relation } => body(
            "PGRST119",
            format!(
                "A spread operation on '{relation}' is not possible: it is a to-many relationship"
            ),
        ),
        E::UnsupportedCast { ty } => body(
            "GH102",
            format!("casting to '{}' is not supported", truncate(ty)),
        ),
        E::AggregatesDisabled => body("PGRST123", "Use of aggregate functions is not allowed"),
        E::RelatedOrderNotToOne { parent, relation } => with(
            body(
                "PGRST118",
                format!("A related order on '{relation}' is not possible"),
            ),
            Some(Value::String(format!(
                "'{parent}' and '{relation}' do not form a many-to-one or one-to-one relationship"
            ))),
            None,
        ),
        E::TenantRequired { .. } => body(
            "GH110",
            "This resource is tenant-scoped and your credentials carry no tenant",
        ),
        E::MissingVariable { .. } => body(
            "GH111",
            "Your credentials lack a value this resource's row policy needs",
        ),
        E::InvalidRowFilter { .. } | E::EncryptionKeyMissing => {
            body("GH500", "Internal server error")
        }
        E::UnknownPayloadColumn { relation, column } => body(
            "PGRST204",
            format!(
                "Could not find the '{}' column of '{relation}' in the schema cache",
                truncate(column)
            ),
        ),
        E::ReadOnlyColumn { relation, column } => body(
            "GH104",
            format!("column '{column}' of '{relation}' is read-only for your role"),
        ),
        E::ForeignTenant { .. } => body(
            "GH112",
            "The body names a tenant other than yours: the server writes your tenant",
        ),
        E::UnfilteredWrite { relation } => with(
            body(
                "GH120",
                format!("Refusing to change every row of '{relation}' without a filter"),
            ),
            None,
            Some("Add a filter, e.g. ?id=eq.1".to_owned()),
        ),
        E::EmptyUpdate { .. } => body("GH121", "The body sets no column your role may change"),
        E::PayloadNotObjects => body(
            "PGRST102",
            "The body must be a JSON object or an array of JSON objects",
        ),
        E::PayloadKeysDiffer => body("PGRST102", "All object keys must match"),
        E::PutNeedsOneObject => body("PGRST105", "PUT takes exactly one object"),
        E::PutFilters => body(
            "PGRST105",
            "Filters must include all and only primary key columns with 'eq' operators",
        ),
        E::NoConflictTarget { relation } => body(
            "GH122",
            format!("'{relation}' has no primary key: name the conflict columns with on_conflict="),
        ),
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::UnknownRelation { .. } => StatusCode::NOT_FOUND,
            ApiError::Query(err) => match err.code() {
                "PGRST103" => StatusCode::RANGE_NOT_SATISFIABLE,
                _ => StatusCode::BAD_REQUEST,
            },
            ApiError::Policy(err) => {
                use policy::Error as E;
                match err {
                    E::UnknownRelation { .. } => StatusCode::NOT_FOUND,
                    E::OperationDenied { .. }
                    | E::TenantRequired { .. }
                    | E::MissingVariable { .. } => StatusCode::FORBIDDEN,
                    E::AmbiguousEmbed { .. } => StatusCode::MULTIPLE_CHOICES,
                    E::UnknownColumn { .. }
                    | E::ProtectedColumn { .. }
                    | E::NoRelationship { .. }
                    | E::NotEmbedded { .. }
                    | E::SpreadToMany { .. }
                    | E::UnsupportedCast { .. }
                    | E::AggregatesDisabled
                    | E::RelatedOrderNotToOne { .. }
                    | E::UnknownPayloadColumn { .. }
                    | E::ReadOnlyColumn { .. }
                    | E::UnfilteredWrite { .. }
                    | E::EmptyUpdate { .. }
                    | E::PayloadNotObjects
                    | E::PayloadKeysDiffer
                    | E::PutNeedsOneObject
                    | E::NoConflictTarget { .. } => StatusCode::BAD_REQUEST,
                    E::ForeignTenant { .. } => StatusCode::FORBIDDEN,
                    E::PutFilters => StatusCode::METHOD_NOT_ALLOWED,
                    E::InvalidRowFilter { .. } | E::EncryptionKeyMissing => {
                        StatusCode::INTERNAL_SERVER_ERROR
                    }
                }
            }
            ApiError::Auth(err) => {
                StatusCode::from_u16(err.status()).unwrap_or(StatusCode::UNAUTHORIZED)
            }
            ApiError::UnsupportedMediaType { .. } => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::InvalidBody { .. } => StatusCode::BAD_REQUEST,
            ApiError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::NotAcceptable { .. }
            | ApiError::NotSingular { .. }
            | ApiError::UnknownProfile { .. } => StatusCode::NOT_ACCEPTABLE,
            ApiError::RangeNotSatisfiable { .. } => StatusCode::RANGE_NOT_SATISFIABLE,
            ApiError::Database { status, .. } => *status,
            ApiError::Timeout => StatusCode::GATEWAY_TIMEOUT,
            ApiError::Unavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal { .. } => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        if status.is_server_error() {
            tracing::error!(error = %self, "request failed");
        } else {
            tracing::debug!(error = %self, "request refused");
        }
        let mut response = HttpResponse::build(status);
        if let ApiError::Auth(err) = self
            && let Some(challenge) = err.www_authenticate()
            && let Ok(value) = HeaderValue::from_str(&challenge)
        {
            response.insert_header((header::WWW_AUTHENTICATE, value));
        }
        if let ApiError::Auth(err) = self {
            for (name, value) in err.headers() {
                if let Ok(value) = HeaderValue::from_str(&value) {
                    response.insert_header((name, value));
                }
            }
        }
        if status == StatusCode::SERVICE_UNAVAILABLE {
            response.insert_header((
                header::RETRY_AFTER,
                HeaderValue::from_static(RETRY_AFTER_SECONDS),
            ));
        }
        response.json(self.body())
    }
}
