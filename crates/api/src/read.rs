//! `GET` and `HEAD` on `/{relation}`: parse, authorize, render, one round trip, respond.
//!
//! The steps run in this order and every request takes all of them: credentials and the
//! request are checked before a pooled connection is taken; the statement that runs is the one
//! `sql` rendered from the `policy::Authorized` plan.

use std::borrow::Cow;

use actix_web::http::header::{self, HeaderMap, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::{HttpRequest, HttpResponse, web};

use crate::db;
use crate::error::ApiError;
use crate::startup::AppState;

/// The media types a read can answer with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Representation {
    Json,
    Object,
    Csv,
    /// `application/vnd.pgrst.array+json;nulls=stripped`: JSON without null-valued keys.
    JsonStripNulls,
    /// `application/vnd.pgrst.object+json;nulls=stripped`.
    ObjectStripNulls,
}

impl Representation {
    pub(crate) fn content_type(self) -> &'static str {
        match self {
            Representation::Json => "application/json; charset=utf-8",
            Representation::Object => "application/vnd.pgrst.object+json; charset=utf-8",
            Representation::Csv => "text/csv; charset=utf-8",
            Representation::JsonStripNulls => {
                "application/vnd.pgrst.array+json;nulls=stripped; charset=utf-8"
            }
            Representation::ObjectStripNulls => {
                "application/vnd.pgrst.object+json;nulls=stripped; charset=utf-8"
            }
        }
    }

    pub(crate) fn format(self) -> sql::Format {
        match self {
            Representation::Json => sql::Format::Json,
            Representation::Object => sql::Format::Object,
            Representation::Csv => sql::Format::Csv,
            Representation::JsonStripNulls => sql::Format::JsonStripNulls,
            Representation::ObjectStripNulls => sql::Format::ObjectStripNulls,
        }
    }

    /// One row as an object: the answer is 406 (PGRST116) unless exactly one row matches.
    pub(crate) fn singular(self) -> bool {
        matches!(
            self,
            Representation::Object | Representation::ObjectStripNulls
        )
    }

    /// A JSON array of objects (whose bodies concatenate as arrays).
    pub(crate) fn array(self) -> bool {
        matches!(self, Representation::Json | Representation::JsonStripNulls)
    }
}

/// Picks the representation from `Accept` (first acceptable type in the client's order;
/// quality values are not weighed), or 406. As PostgREST: `application/vnd.pgrst.array+json`
/// is JSON, and with the parameter `nulls=stripped` (it or `vnd.pgrst.object+json`) the
/// objects leave out their null-valued keys.
pub fn negotiate(headers: &HeaderMap) -> Result<Representation, ApiError> {
    let Some(accept) = headers.get(header::ACCEPT) else {
        return Ok(Representation::Json);
    };
    let accept = accept.to_str().map_err(|_| ApiError::NotAcceptable {
        accept: "(not text)".to_owned(),
    })?;
    for item in accept.split(',') {
        let mut parts = item.split(';');
        let media = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
        let strip_nulls = parts.any(|parameter| {
            parameter.split_once('=').is_some_and(|(name, value)| {
                name.trim().eq_ignore_ascii_case("nulls")
                    && value.trim().eq_ignore_ascii_case("stripped")
            })
        });
        match media.as_str() {
            "" => {}
            "*/*" | "application/*" | "application/json" => return Ok(Representation::Json),
            "application/vnd.pgrst.array+json" | "application/vnd.pgrst.array" => {
                return Ok(if strip_nulls {
                    Representation::JsonStripNulls
                } else {
                    Representation::Json
                });
            }
            "application/vnd.pgrst.object+json" | "application/vnd.pgrst.object" => {
                return Ok(if strip_nulls {
                    Representation::ObjectStripNulls
                } else {
                    Representation::Object
                });
            }
            "text/csv" | "text/*" => return Ok(Representation::Csv),
            _ => {}
        }
    }
    Err(ApiError::NotAcceptable {
        accept: accept.to_owned(),
    })
}

/// The query string as decoded pairs, in order.
pub fn query_pairs(request: &HttpRequest) -> Vec<(String, String)> {
    url::form_urlencoded::parse(request.query_string().as_bytes())
        .into_owned()
        .collect()
}

/// Every `Prefer` header's text.
pub fn preferences(headers: &HeaderMap) -> Result<query::Preferences, ApiError> {
    let values: Vec<&str> = headers
        .get_all("prefer")
        .filter_map(|value| value.to_str().ok())
        .collect();
    Ok(query::Preferences::parse(values)?)
}

/// The schema a request addresses: `Accept-Profile` (reads) or `Content-Profile` (writes)
/// when given, which must name an exposed schema, else the first exposed schema. The
/// environment the policy step gets carries it.
pub fn environment<'s>(
    state: &'s AppState,
    request: &HttpRequest,
) -> Result<Cow<'s, policy::Environment>, ApiError> {
    let mut environment = Cow::Borrowed(&state.environment);
    if let Some(value) = request.headers().get(profile_header(request)) {
        let wanted = value.to_str().unwrap_or_default().trim();
        let schemas = &state.settings.database.schemas;
        if !schemas.iter().any(|schema| schema == wanted) {
            return Err(ApiError::UnknownProfile {
                schemas: schemas.clone(),
            });
        }
        if environment.schema != wanted {
            environment.to_mut().schema = wanted.to_owned();
        }
    }
    Ok(environment)
}

/// The request header that picks the schema: `Accept-Profile` on reads, `Content-Profile` on
/// writes.
fn profile_header(request: &HttpRequest) -> &'static str {
    if matches!(*request.method(), Method::GET | Method::HEAD) {
        "accept-profile"
    } else {
        "content-profile"
    }
}

/// `Content-Profile: <schema>` for a response with a body from the database, as PostgREST
/// sends it: when the request named a profile, or when several schemas are exposed (so the
/// schema was picked, if only by default). `None` otherwise.
pub(crate) fn content_profile(
    state: &AppState,
    request: &HttpRequest,
    environment: &policy::Environment,
) -> Option<HeaderValue> {
    let negotiated = request.headers().contains_key(profile_header(request))
        || state.settings.database.schemas.len() > 1;
    negotiated
        .then(|| HeaderValue::from_str(&environment.schema).ok())
        .flatten()
}

/// `GET /{relation}` and `HEAD /{relation}`.
pub async fn get(
    state: web::Data<AppState>,
    request: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let relation = path.into_inner();
    let principal = state.authenticate(&request)?;
    let representation = negotiate(request.headers())?;
    let preferences = preferences(request.headers())?;

    let mut parsed = query::Request::parse(&query_pairs(&request))?;
    let range = match request.headers().get("range") {
        Some(value) if request.method() == Method::GET => query::RowRange::parse(
            value.to_str().unwrap_or_default(),
            request
                .headers()
                .get("range-unit")
                .and_then(|unit| unit.to_str().ok()),
        )?,
        _ => None,
    };
    if let Some(range) = range {
        let top = parsed.limits.iter_mut().find(|(path, _)| path.is_empty());
        match top {
            Some((_, window)) => *window = window.intersect(range)?,
            None => parsed
                .limits
                .push((Vec::new(), query::Window::default().intersect(range)?)),
        }
    }
    let requested_offset = parsed
        .limits
        .iter()
        .find(|(path, _)| path.is_empty())
        .and_then(|(_, window)| window.offset)
        .unwrap_or(0);

    let environment = environment(&state, &request)?;
    let catalog = state.catalog();
    let plan = policy::authorize_read(
        &state.policy,
        &catalog,
        &principal,
        &environment,
        &policy::ReadRequest {
            relation: &relation,
            request: &parsed,
            count: preferences.count,
        },
    )?;
    let statement = sql::render_read(&plan, representation.format());
    let count_plan = sql::render_count_plan(&plan);
    let carry = if plan.plan().reads_settings() || state.settings.database.settings_on_every_read {
        db::ReadSettings::Carried
    } else {
        db::ReadSettings::Unneeded
    };
    let mut page = db::read(&state, &principal, &statement, count_plan.as_ref(), carry).await?;
    page.total = match (preferences.count, page.total) {
        (Some(query::Count::Planned), _) => page.planned,
        // Estimated: exact up to the row cap, the planner's estimate beyond it.
        (Some(query::Count::Estimated), Some(total))
            if plan
                .plan()
                .count_cap
                .is_some_and(|cap| u64::try_from(total).unwrap_or(0) > cap) =>
        {
            page.planned.map(|planned| planned.max(total))
        }
        (_, total) => total,
    };

    if representation.singular() && page.page_total != 1 {
        return Err(ApiError::NotSingular {
            rows: page.page_total,
        });
    }
    if let Some(total) = page.total
        && page.page_total == 0
        && i64::try_from(requested_offset).unwrap_or(i64::MAX) > total
        && requested_offset > 0
    {
        return Err(ApiError::RangeNotSatisfiable {
            offset: requested_offset,
            total,
        });
    }

    let content_range = content_range(requested_offset, page.page_total, page.total);
    let partial = page.total.is_some_and(|total| page.page_total < total);
    let status = if partial {
        StatusCode::PARTIAL_CONTENT
    } else {
        StatusCode::OK
    };
    let mut response = HttpResponse::build(status);
    response
        .insert_header((header::CONTENT_TYPE, representation.content_type()))
        .insert_header(("content-range", content_range));
    if let Some(count) = preferences.count {
        response.insert_header(("preference-applied", count.token()));
    }
    if let Some(profile) = content_profile(&state, &request, &environment) {
        response.insert_header(("content-profile", profile));
    }
    if request.method() == Method::HEAD {
        return Ok(response.finish());
    }
    Ok(response.body(page.body.unwrap_or_else(|| "null".to_owned())))
}

/// `0-24/*`, `0-24/3573`, or `*/0` for an empty page.
fn content_range(offset: u64, page_total: i64, total: Option<i64>) -> HeaderValue {
    let total = total.map_or_else(|| "*".to_owned(), |t| t.to_string());
    let text = match u64::try_from(page_total) {
        Ok(rows) if rows > 0 => format!("{offset}-{}/{total}", offset + rows - 1),
        _ => format!("*/{total}"),
    };
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static("*/*"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(value: &str) -> Result<Representation, String> {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::ACCEPT,
            HeaderValue::from_str(value).expect("header value"),
        );
        negotiate(&headers).map_err(|err| err.body().code)
    }

    #[test]
    fn negotiates_postgrest_media_types() {
        assert_eq!(accept("application/json"), Ok(Representation::Json));
        assert_eq!(accept("*/*"), Ok(Representation::Json));
        assert_eq!(
            accept("application/vnd.pgrst.object+json"),
            Ok(Representation::Object)
        );
        assert_eq!(accept("text/csv"), Ok(Representation::Csv));
        assert_eq!(accept("text/html, text/csv;q=0.9"), Ok(Representation::Csv));
        assert_eq!(
            accept("application/vnd.pgrst.array+json"),
            Ok(Representation::Json)
        );
        assert_eq!(
            accept("application/vnd.pgrst.array+json;nulls=stripped"),
            Ok(Representation::JsonStripNulls)
        );
        assert_eq!(
            accept("application/vnd.pgrst.array+json; q=0.9; nulls=stripped"),
            Ok(Representation::JsonStripNulls)
        );
        assert_eq!(
            accept("application/vnd.pgrst.object+json;nulls=stripped"),
            Ok(Representation::ObjectStripNulls)
        );
        assert_eq!(
            accept("application/vnd.pgrst.array+json;nulls=kept"),
            Ok(Representation::Json)
        );
        assert_eq!(accept("image/png"), Err("PGRST107".to_owned()));
    }

    #[test]
    fn content_range_follows_postgrest() {
        assert_eq!(content_range(0, 25, None), "0-24/*");
        assert_eq!(content_range(10, 5, Some(3573)), "10-14/3573");
        assert_eq!(content_range(0, 0, Some(0)), "*/0");
        assert_eq!(content_range(0, 0, None), "*/*");
    }
}
