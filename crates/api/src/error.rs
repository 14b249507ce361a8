//! Errors become HTTP here and nowhere else. Each variant maps to a status and a body of
//! PostgREST's shape, `{"code","message","details","hint"}`; the client-facing text is kept
//! apart from `Display`, so internal detail (SQL, connection errors) goes to the log, never the
//! body.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

/// Seconds a client should wait before retrying when the database is unavailable.
const RETRY_AFTER_SECONDS: &str = "5";

/// Everything a request can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// A path that names no exposed relation. Same answer whether the table does not exist or
    /// the caller may not see it.
    #[error("no relation {name:?} in the exposed schemas")]
    UnknownRelation { name: String },
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
    pub details: Option<String>,
    pub hint: Option<String>,
}

impl ApiError {
    /// The body a client sees. Never derived from `Display`.
    pub fn body(&self) -> ErrorBody {
        match self {
            ApiError::UnknownRelation { name } => ErrorBody {
                code: "PGRST205".to_owned(),
                message: format!("Could not find the table '{name}' in the schema cache"),
                details: None,
                hint: None,
            },
            ApiError::Unavailable { .. } => ErrorBody {
                code: "PGRST001".to_owned(),
                message: "Database client error. Retrying the connection.".to_owned(),
                details: None,
                hint: None,
            },
            ApiError::Internal { .. } => ErrorBody {
                code: "GH500".to_owned(),
                message: "Internal server error".to_owned(),
                details: None,
                hint: None,
            },
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::UnknownRelation { .. } => StatusCode::NOT_FOUND,
            ApiError::Unavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal { .. } => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        if status.is_server_error() {
            tracing::error!(error = %self, "request failed");
        }
        let mut response = HttpResponse::build(status);
        if status == StatusCode::SERVICE_UNAVAILABLE {
            response.insert_header((
                header::RETRY_AFTER,
                HeaderValue::from_static(RETRY_AFTER_SECONDS),
            ));
        }
        response.json(self.body())
    }
}
