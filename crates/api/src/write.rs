//! `POST`, `PATCH`, `DELETE` and `PUT` on `/{relation}`: the body read with a size cap,
//! parsed, authorized with the payload, rendered into one statement (the write, its audit row
//! and its checks together), and run in one transaction.

use actix_web::http::header::{self, HeaderMap};
use actix_web::http::{Method, StatusCode};
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::Value;

use crate::db;
use crate::error::ApiError;
use crate::read::{
    Representation, content_profile, environment, negotiate, preferences, query_pairs,
};
use crate::startup::AppState;

/// The body's media type.
fn body_format(headers: &HeaderMap) -> Result<BodyFormat, ApiError> {
    let Some(value) = headers.get(header::CONTENT_TYPE) else {
        return Ok(BodyFormat::Json);
    };
    let media = value
        .to_str()
        .unwrap_or_default()
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    match media.as_str() {
        "application/json" | "" => Ok(BodyFormat::Json),
        "text/csv" => Ok(BodyFormat::Csv),
        other => Err(ApiError::UnsupportedMediaType {
            media: other.chars().take(100).collect(),
        }),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BodyFormat {
    Json,
    Csv,
}

/// Parses the body into JSON: a JSON document, or CSV (a header line, then rows; every value
/// a string, an empty field null).
fn parse_body(format: BodyFormat, bytes: &[u8]) -> Result<Value, ApiError> {
    match format {
        BodyFormat::Json => serde_json::from_slice(bytes).map_err(|err| ApiError::InvalidBody {
            detail: err.to_string(),
        }),
        BodyFormat::Csv => {
            let mut reader = csv::ReaderBuilder::new().from_reader(bytes);
            let headers = reader
                .headers()
                .map_err(|err| ApiError::InvalidBody {
                    detail: err.to_string(),
                })?
                .clone();
            let mut rows = Vec::new();
            for record in reader.records() {
                let record = record.map_err(|err| ApiError::InvalidBody {
                    detail: err.to_string(),
                })?;
                let object: serde_json::Map<String, Value> = headers
                    .iter()
                    .zip(record.iter())
                    .map(|(key, value)| {
                        let value = if value.is_empty() {
                            Value::Null
                        } else {
                            Value::String(value.to_owned())
                        };
                        (key.to_owned(), value)
                    })
                    .collect();
                rows.push(Value::Object(object));
            }
            Ok(Value::Array(rows))
        }
    }
}

/// Reads the body, refusing one over `limit` bytes: at once when `Content-Length` says so,
/// else as soon as the stream passes the limit (the rest is never read).
async fn read_body(
    request: &HttpRequest,
    mut payload: web::Payload,
    limit: usize,
) -> Result<web::BytesMut, ApiError> {
    use futures_util::StreamExt;
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<usize>().ok());
    if declared.is_some_and(|length| length > limit) {
        return Err(ApiError::PayloadTooLarge { limit });
    }
    let mut body = web::BytesMut::with_capacity(declared.unwrap_or(0).min(limit));
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|err| ApiError::InvalidBody {
            detail: err.to_string(),
        })?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::PayloadTooLarge { limit });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// The request id: the client's `X-Request-Id` when it is sane, else a new one.
pub fn request_id(request: &HttpRequest) -> String {
    request
        .headers()
        .get("x-request-id")
        .and_then(|value| value.to_str().ok())
        .filter(|id| {
            !id.is_empty()
                && id.len() <= 128
                && id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b))
        })
        .map(str::to_owned)
        .unwrap_or_else(|| hex::encode(rand::random::<[u8; 16]>()))
}

/// Every write method.
pub async fn write(
    state: web::Data<AppState>,
    request: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let relation = path.into_inner();
    let principal = state.authenticate(&request)?;
    let prefs = preferences(request.headers())?;
    if prefs.handling == Some(query::Handling::Strict) && !prefs.invalid.is_empty() {
        return Err(ApiError::Query(query::Error::InvalidPreferences {
            invalid: prefs.invalid.clone(),
        }));
    }
    let parsed = query::Request::parse(&query_pairs(&request))?;
    let method = request.method().clone();
    let kind = match (&method, prefs.resolution) {
        (m, _) if *m == Method::PUT => policy::plan::WriteKind::Upsert { merge: true },
        (m, Some(query::Resolution::MergeDuplicates)) if *m == Method::POST => {
            policy::plan::WriteKind::Upsert { merge: true }
        }
        (m, Some(query::Resolution::IgnoreDuplicates)) if *m == Method::POST => {
            policy::plan::WriteKind::Upsert { merge: false }
        }
        (m, _) if *m == Method::POST => policy::plan::WriteKind::Insert,
        (m, _) if *m == Method::PATCH => policy::plan::WriteKind::Update,
        _ => policy::plan::WriteKind::Delete,
    };
    let payload = if method == Method::DELETE {
        None
    } else {
        let format = body_format(request.headers())?;
        let body = read_body(&request, payload, state.settings.max_body_bytes).await?;
        Some(parse_body(format, &body)?)
    };
    let returns = prefs.representation.unwrap_or(query::Return::Minimal);
    let representation = returns == query::Return::Representation;
    let output = if representation {
        negotiate(request.headers())?
    } else {
        Representation::Json
    };
    let request_id = request_id(&request);
    let client_addr = crate::gate::client_addr(&request).map(|addr| addr.to_string());
    let strict = prefs.handling == Some(query::Handling::Strict);

    let environment = environment(&state, &request)?;
    let catalog = state.catalog();
    let rollback = prefs.transaction == Some(query::Transaction::Rollback);
    let groups = match (&payload, prefs.missing) {
        (Some(body), Some(query::Missing::Default)) if method == Method::POST => {
            group_by_keys(body, parsed.columns.as_deref())
        }
        _ => None,
    };
    let (result, may_locate) = if let Some(groups) = groups {
        // `Prefer: missing=default` with objects that leave out keys (of each other, or of
        // `columns=`): one statement per group of objects with the same keys, in one
        // transaction, so a key an object leaves out is a column its statement does not name:
        // PostgreSQL fills in the default.
        if representation && groups.len() > 1 && !output.array() {
            return Err(ApiError::NotAcceptable {
                accept: "missing=default with objects of different keys returns JSON only"
                    .to_owned(),
            });
        }
        if parsed.columns.is_some() {
            // Every column `columns=` names is checked, also those no object has (they would
            // otherwise be in no group's statement): unknown, hidden, read-only.
            policy::authorize_write(
                &state.policy,
                &catalog,
                &principal,
                &environment,
                &policy::WriteRequest {
                    relation: &relation,
                    kind,
                    request: &parsed,
                    payload: payload.as_ref(),
                    representation,
                    max_affected: None,
                    put: false,
                    request_id: &request_id,
                    client_addr: client_addr.as_deref(),
                },
            )?;
        }
        let requests: Vec<query::Request> = groups
            .iter()
            .map(|group| query::Request {
                columns: group.columns.clone(),
                ..parsed.clone()
            })
            .collect();
        let mut plans = Vec::with_capacity(groups.len());
        for (group, request) in groups.iter().zip(&requests) {
            plans.push(policy::authorize_write(
                &state.policy,
                &catalog,
                &principal,
                &environment,
                &policy::WriteRequest {
                    relation: &relation,
                    kind,
                    request,
                    payload: Some(&group.payload),
                    representation,
                    max_affected: None,
                    put: false,
                    request_id: &request_id,
                    client_addr: client_addr.as_deref(),
                },
            )?);
        }
        let statements: Vec<sql::Statement> = plans
            .iter()
            .map(|plan| sql::render_write(plan, output.format()))
            .collect();
        let mut written = db::write_all(&state, &principal, &statements, rollback).await?;
        let location = plans.first().is_some_and(|plan| plan.plan().location);
        let result = match written.len() {
            1 => written.pop().ok_or_else(|| ApiError::Internal {
                detail: "the write statement returned no row".to_owned(),
            })?,
            _ => db::Written::concatenate(written),
        };
        (result, location)
    } else {
        let plan = policy::authorize_write(
            &state.policy,
            &catalog,
            &principal,
            &environment,
            &policy::WriteRequest {
                relation: &relation,
                kind,
                request: &parsed,
                payload: payload.as_ref(),
                representation,
                max_affected: prefs.max_affected.filter(|_| strict),
                put: method == Method::PUT,
                request_id: &request_id,
                client_addr: client_addr.as_deref(),
            },
        )?;
        let statement = sql::render_write(&plan, output.format());
        let written = db::write(&state, &principal, &statement, rollback).await;
        let result = match written {
            Err(ApiError::Database {
                status,
                sqlstate,
                message,
                client_message,
                row: None,
            }) if sqlstate.starts_with("22") || sqlstate.starts_with("23") => {
                // Say which element of a bulk body fails.
                let row = match payload.as_ref() {
                    Some(Value::Array(items)) if items.len() > 1 => {
                        let probe = Probe {
                            state: &state,
                            principal: &principal,
                            environment: &environment,
                            relation: &relation,
                            kind,
                            request: &parsed,
                            request_id: &request_id,
                            client_addr: client_addr.as_deref(),
                        };
                        locate_failing_row(&probe, items).await
                    }
                    _ => None,
                };
                return Err(ApiError::Database {
                    status,
                    sqlstate,
                    message,
                    client_message,
                    row,
                });
            }
            other => other?,
        };
        (result, plan.plan().location)
    };

    if output.singular() && representation && result.page_total != 1 {
        return Err(ApiError::NotSingular {
            rows: result.page_total,
        });
    }
    // PostgREST: a POST answers 201, except a merge upsert that inserted nothing (200); a PUT
    // with a representation answers 201 when it inserted its row, 200 when it updated it.
    let merge = kind == policy::plan::WriteKind::Upsert { merge: true };
    let inserted = result.inserted.unwrap_or(0) > 0;
    let status = match (&method, representation) {
        (m, _) if *m == Method::POST && merge && !inserted => StatusCode::OK,
        (m, _) if *m == Method::POST => StatusCode::CREATED,
        (m, true) if *m == Method::PUT && inserted => StatusCode::CREATED,
        (m, false) if *m == Method::PUT => StatusCode::NO_CONTENT,
        (_, true) => StatusCode::OK,
        (_, false) => StatusCode::NO_CONTENT,
    };
    let mut response = HttpResponse::build(status);
    response.insert_header(("x-request-id", request_id.as_str()));
    let mut applied = Vec::new();
    if let Some(resolution) = prefs.resolution
        && method == Method::POST
    {
        applied.push(resolution.token());
    }
    if let Some(returns) = prefs.representation {
        applied.push(returns.token());
    }
    if rollback {
        applied.push(query::Transaction::Rollback.token());
    }
    // A count of a write is the number of rows it affected (PostgREST: `*/n`, PATCH `0-m/n`).
    let count = prefs.count.map(|count| {
        applied.push(count.token());
        result.page_total.to_string()
    });
    let total = count.as_deref().unwrap_or("*");
    if !applied.is_empty() {
        response.insert_header(("preference-applied", applied.join(", ")));
    }
    if method == Method::PATCH {
        let range = match u64::try_from(result.page_total) {
            Ok(rows) if rows > 0 => format!("0-{}/{total}", rows - 1),
            _ => format!("*/{total}"),
        };
        response.insert_header(("content-range", range));
    } else {
        response.insert_header(("content-range", format!("*/{total}")));
    }
    if returns == query::Return::HeadersOnly
        && method == Method::POST
        && may_locate
        && let Some(location) = location(&relation, result.keys.as_deref())
    {
        response.insert_header((header::LOCATION, location));
    }
    if representation {
        response.insert_header((header::CONTENT_TYPE, output.content_type()));
        if let Some(profile) = content_profile(&state, &request, &environment) {
            response.insert_header(("content-profile", profile));
        }
        Ok(response.body(result.body.unwrap_or_else(|| "[]".to_owned())))
    } else {
        Ok(response.finish())
    }
}

/// The objects of a body with the same keys, for `Prefer: missing=default`.
struct KeyGroup {
    /// A JSON array of the objects.
    payload: Value,
    /// With `columns=`: the columns among them that these objects have, in `columns=` order
    /// (the statement writes these, and the others take their defaults). `None` without.
    columns: Option<Vec<String>>,
}

/// The objects of a body (an object or an array of them) grouped by the keys they have (in order
/// of first appearance), counting only the keys `columns=` names when it is given; `None` when
/// one statement writes them all as they are: without `columns=`, when they all have the same
/// keys; with it, when they all have every column it names. Also `None` for a body that is not
/// objects (the policy step refuses it).
fn group_by_keys(body: &Value, columns: Option<&[String]>) -> Option<Vec<KeyGroup>> {
    let items = match body {
        Value::Array(items) => items.as_slice(),
        Value::Object(_) => std::slice::from_ref(body),
        _ => return None,
    };
    let mut groups: Vec<(Vec<&String>, Vec<Value>)> = Vec::new();
    for item in items {
        let object = item.as_object()?;
        let keys: Vec<&String> = match columns {
            Some(columns) => columns
                .iter()
                .filter(|column| object.contains_key(*column))
                .collect(),
            None => {
                let mut keys: Vec<&String> = object.keys().collect();
                keys.sort();
                keys
            }
        };
        match groups
            .iter_mut()
            .find(|(group_keys, _)| *group_keys == keys)
        {
            Some((_, members)) => members.push(item.clone()),
            None => groups.push((keys, vec![item.clone()])),
        }
    }
    let as_they_are = match (columns, groups.as_slice()) {
        (_, []) => true,
        (None, [_]) => true,
        (Some(columns), [(keys, _)]) => keys.len() == columns.len(),
        _ => false,
    };
    if as_they_are {
        return None;
    }
    Some(
        groups
            .into_iter()
            .map(|(keys, members)| KeyGroup {
                payload: Value::Array(members),
                columns: columns.map(|_| keys.into_iter().cloned().collect()),
            })
            .collect(),
    )
}

/// What a probe of a bulk write needs: the same request with a shorter body.
struct Probe<'a> {
    state: &'a AppState,
    principal: &'a policy::Principal,
    environment: &'a policy::Environment,
    relation: &'a str,
    kind: policy::plan::WriteKind,
    request: &'a query::Request,
    request_id: &'a str,
    client_addr: Option<&'a str>,
}

impl Probe<'_> {
    /// Whether the first `count` elements write without error (always rolled back).
    async fn succeeds(&self, items: &[Value]) -> Option<bool> {
        let payload = Value::Array(items.to_vec());
        let catalog = self.state.catalog();
        let plan = policy::authorize_write(
            &self.state.policy,
            &catalog,
            self.principal,
            self.environment,
            &policy::WriteRequest {
                relation: self.relation,
                kind: self.kind,
                request: self.request,
                payload: Some(&payload),
                representation: false,
                max_affected: None,
                put: false,
                request_id: self.request_id,
                client_addr: self.client_addr,
            },
        )
        .ok()?;
        let statement = sql::render_write(&plan, sql::Format::Json);
        match db::write(self.state, self.principal, &statement, true).await {
            Ok(_) => Some(true),
            Err(ApiError::Database { .. }) => Some(false),
            Err(_) => None,
        }
    }
}

/// The index of the element of a failed bulk body that makes it fail: the shortest failing
/// prefix, by bisection (about log2(n) rolled-back statements, on the error path only).
async fn locate_failing_row(probe: &Probe<'_>, items: &[Value]) -> Option<usize> {
    let (mut low, mut high) = (1, items.len());
    while low < high {
        let middle = low + (high - low) / 2;
        if probe.succeeds(&items[..middle]).await? {
            low = middle + 1;
        } else {
            high = middle;
        }
    }
    Some(low - 1)
}

/// `/relation?pk=eq.value` for the first affected row, from the statement's key objects.
fn location(relation: &str, keys: Option<&str>) -> Option<String> {
    let keys: Value = serde_json::from_str(keys?).ok()?;
    let first = keys.as_array()?.first()?.as_object()?;
    let query: Vec<String> = first
        .iter()
        .map(|(column, value)| {
            let text = match value {
                Value::String(text) => text.clone(),
                other => other.to_string(),
            };
            let encode = |s: &str| -> String {
                url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
            };
            format!("{}=eq.{}", encode(column), encode(&text))
        })
        .collect();
    let relation: String = url::form_urlencoded::byte_serialize(relation.as_bytes()).collect();
    Some(format!("/{relation}?{}", query.join("&")))
}
