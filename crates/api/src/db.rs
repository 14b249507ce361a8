//! Running a rendered statement on one pooled connection.
//!
//! A read of plain tables only (no view, no row-level security: nothing there reads the
//! request's settings) is its statement alone: one message, one round trip. The connection
//! itself is read-only by default and carries the statement timeout, both fixed when it opened
//! (`pg::PoolOptions`), so the lone statement is as bounded as one in a transaction.
//!
//! Anything else runs in one transaction that carries the request's settings with
//! `set_config(…, true)` (local to the transaction, never session-level on a pooled
//! connection): the caller's role, tenant and subject, for row-level security and views in the
//! database. `BEGIN`, the settings, the statements and the end are sent in one flight
//! (tokio-postgres pipelines requests that are in flight together).
//!
//! Every flight has a deadline a little past the statement timeout: a connection that died
//! without closing (the pool reuses connections without a check) cannot hang a request. The
//! request answers 503 and the connection is dropped, never returned to the pool.

use std::time::Duration;

use tokio_postgres::types::{ToSql, Type};

use crate::error::ApiError;
use crate::startup::AppState;

/// The one row a read statement returns.
#[derive(Debug)]
pub struct Page {
    pub total: Option<i64>,
    pub page_total: i64,
    pub body: Option<String>,
    /// The planner's estimate of the total, when a count plan was run.
    pub planned: Option<i64>,
}

/// Whether a read carries the request's settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadSettings {
    /// A relation it touches may read them (`policy::plan::Read::reads_settings`), or the
    /// operator asked for them on every read (`GATEHOUSE_READ_SETTINGS=always`).
    Carried,
    /// Nothing it touches can read them: the statement is sent alone.
    Unneeded,
}

const SETTINGS_SQL: &str = "select set_config('gatehouse.role', $1, true), \
     set_config('gatehouse.tenant', $2, true), \
     set_config('gatehouse.subject', $3, true), \
     set_config('gatehouse.cross_tenant', $4, true)";

/// Beyond the statement timeout, how long a flight may wait for the server's answer. The
/// server cancels a statement at its timeout and says so; silence past this means the
/// connection is gone.
const FLIGHT_GRACE: Duration = Duration::from_secs(5);

/// The settings every transaction carries.
fn settings(principal: &policy::Principal) -> [String; 4] {
    // No tenant leaves the setting empty, which matches no row under row-level security
    // (`gatehouse policy rls`); a cross-tenant principal is marked in a setting of its own, so
    // no tenant name can stand for "every tenant".
    let (tenant, cross_tenant) = match &principal.tenant {
        policy::Tenant::One(tenant) => (tenant.clone(), "false"),
        policy::Tenant::All => (String::new(), "true"),
        policy::Tenant::Missing => (String::new(), "false"),
    };
    [
        principal.role.clone(),
        tenant,
        principal.subject.clone().unwrap_or_default(),
        cross_tenant.to_owned(),
    ]
}

/// The parameter values as tokio-postgres takes them, with their declared types.
pub(crate) fn bind(params: &[sql::Param]) -> (Vec<Type>, Vec<Box<dyn ToSql + Sync + Send>>) {
    params
        .iter()
        .map(|param| -> (Type, Box<dyn ToSql + Sync + Send>) {
            match param {
                sql::Param::Text(text) | sql::Param::Secret(text) => {
                    (Type::TEXT, Box::new(text.clone()))
                }
                sql::Param::TextArray(items) => (Type::TEXT_ARRAY, Box::new(items.clone())),
            }
        })
        .unzip()
}

/// The bound values (from [`bind`]) as tokio-postgres's query methods take them.
pub(crate) fn as_refs(values: &[Box<dyn ToSql + Sync + Send>]) -> Vec<&(dyn ToSql + Sync)> {
    values
        .iter()
        .map(|v| v.as_ref() as &(dyn ToSql + Sync))
        .collect()
}

/// Runs `flight` on `client`, and gives up when the server has not answered within the
/// statement timeout (times `statements`) and a grace: the connection is then dropped, not
/// returned to the pool, since its state is unknown. A statement timeout of zero (none)
/// leaves the flight to TCP's own limits (`pg::ConnectOptions`: keepalives, user timeout).
pub(crate) async fn within_deadline<T>(
    statement_timeout: Duration,
    statements: usize,
    client: deadpool_postgres::Object,
    flight: impl AsyncFnOnce(&deadpool_postgres::Object) -> T,
) -> Result<T, Duration> {
    let Some(deadline) = flight_deadline(statement_timeout, statements) else {
        return Ok(flight(&client).await);
    };
    let outcome = tokio::time::timeout(deadline, flight(&client)).await;
    match outcome {
        Ok(value) => Ok(value),
        Err(_) => {
            tracing::warn!(
                waited_ms = deadline.as_millis(),
                "no answer from the database in time: connection dropped"
            );
            drop(deadpool_postgres::Object::take(client));
            Err(deadline)
        }
    }
}

/// How long a flight of `statements` may wait for the server's answer: the statement timeout
/// for each, and the grace. `None` when there is no statement timeout.
fn flight_deadline(statement_timeout: Duration, statements: usize) -> Option<Duration> {
    let factor = u32::try_from(statements.max(1)).unwrap_or(u32::MAX);
    (!statement_timeout.is_zero()).then(|| statement_timeout.saturating_mul(factor) + FLIGHT_GRACE)
}

/// The answer to a request whose flight missed its deadline.
fn missed(deadline: Duration) -> ApiError {
    ApiError::Unavailable {
        detail: format!("the database did not answer within {deadline:?}"),
    }
}

/// [`within_deadline`] for a request: a missed deadline answers 503.
async fn bounded<T>(
    state: &AppState,
    statements: usize,
    client: deadpool_postgres::Object,
    flight: impl AsyncFnOnce(&deadpool_postgres::Object) -> Result<T, ApiError>,
) -> Result<T, ApiError> {
    within_deadline(
        state.settings.database.statement_timeout,
        statements,
        client,
        flight,
    )
    .await
    .unwrap_or_else(|waited| Err(missed(waited)))
}

/// How a transaction begins and ends.
#[derive(Debug, Clone, Copy)]
enum Transaction {
    ReadOnly,
    ReadWrite { rollback: bool },
}

/// Prepares `statement` (cached per connection) and binds its values.
async fn prepare(
    client: &deadpool_postgres::Object,
    statement: &sql::Statement,
) -> Result<(tokio_postgres::Statement, Vec<Box<dyn ToSql + Sync + Send>>), ApiError> {
    let (types, values) = bind(&statement.params);
    let ready = client
        .prepare_typed_cached(&statement.sql, &types)
        .await
        .map_err(|err| ApiError::from_db(&err))?;
    Ok((ready, values))
}

/// Runs one statement alone (its own implicit transaction) and returns its one row.
async fn alone(
    client: &deadpool_postgres::Object,
    statement: &sql::Statement,
) -> Result<tokio_postgres::Row, ApiError> {
    let (prepared, values) = prepare(client, statement).await?;
    client
        .query_one(&prepared, &as_refs(&values))
        .await
        .map_err(|err| ApiError::from_db(&err))
}

/// Runs `statements` in one transaction that carries the request's settings, and returns each
/// statement's one row. Every statement is prepared (cached per connection); then `BEGIN`, the
/// settings, the statements and the end are polled together, so they leave in one flight. A
/// failure in the middle aborts the transaction, and the end then rolls it back.
async fn run(
    client: &deadpool_postgres::Object,
    principal: &policy::Principal,
    transaction: Transaction,
    statements: &[&sql::Statement],
) -> Result<Vec<tokio_postgres::Row>, ApiError> {
    let setup = client
        .prepare_typed_cached(SETTINGS_SQL, &[Type::TEXT; 4])
        .await
        .map_err(|err| ApiError::from_db(&err))?;
    let mut prepared = Vec::with_capacity(statements.len());
    for statement in statements {
        prepared.push(prepare(client, statement).await?);
    }
    let settings = settings(principal);
    let setting_refs: Vec<&(dyn ToSql + Sync)> =
        settings.iter().map(|s| s as &(dyn ToSql + Sync)).collect();
    let value_refs: Vec<Vec<&(dyn ToSql + Sync)>> =
        prepared.iter().map(|(_, values)| as_refs(values)).collect();
    let (begin, end) = match transaction {
        Transaction::ReadOnly => ("begin transaction read only", "commit"),
        Transaction::ReadWrite { rollback: false } => ("begin transaction read write", "commit"),
        Transaction::ReadWrite { rollback: true } => ("begin transaction read write", "rollback"),
    };
    let begun = client.batch_execute(begin);
    let set = client.query_one(&setup, &setting_refs);
    let queries = futures_util::future::join_all(
        prepared
            .iter()
            .zip(&value_refs)
            .map(|((statement, _), refs)| client.query_one(statement, refs)),
    );
    let ended = client.batch_execute(end);
    let (begun, set, rows, ended) = futures_util::join!(begun, set, queries, ended);
    begun.map_err(|err| ApiError::from_db(&err))?;
    set.map_err(|err| ApiError::from_db(&err))?;
    let rows = rows
        .into_iter()
        .collect::<Result<Vec<_>, _>>()
        .map_err(|err| ApiError::from_db(&err))?;
    ended.map_err(|err| ApiError::from_db(&err))?;
    Ok(rows)
}

/// Runs a read statement (and, for a planned count, its `explain`): alone when it needs no
/// settings, else in a read-only transaction that carries them.
pub async fn read(
    state: &AppState,
    principal: &policy::Principal,
    statement: &sql::Statement,
    count_plan: Option<&sql::Statement>,
    carry: ReadSettings,
) -> Result<Page, ApiError> {
    if carry == ReadSettings::Unneeded
        && count_plan.is_none()
        && let Some(lanes) = &state.lanes
        && let Some(ticket) = lanes.join()
        && let Some(row) = on_lane(state, lanes, &ticket, statement).await?
    {
        return page(std::slice::from_ref(&row));
    }
    let client = state.read_connection().await?;
    let mut statements = vec![statement];
    statements.extend(count_plan);
    let rows = bounded(state, statements.len(), client, async |client| {
        if carry == ReadSettings::Unneeded && count_plan.is_none() {
            Ok(vec![alone(client, statement).await?])
        } else {
            run(client, principal, Transaction::ReadOnly, &statements).await
        }
    })
    .await?;
    page(&rows)
}

/// A lone read on a shared lane (`crate::lane`), bounded like a pooled one: the reads queued
/// ahead of it may each take up to the statement timeout. A missed deadline retires the lane
/// and answers 503. `None` when the lane's connection broke or its session was ended before
/// the answer came: the lane is retired and the read (read-only, so safe to repeat) goes to the
/// pool.
async fn on_lane(
    state: &AppState,
    lanes: &crate::lane::Lanes,
    ticket: &crate::lane::Ticket,
    statement: &sql::Statement,
) -> Result<Option<tokio_postgres::Row>, ApiError> {
    let flight = ticket.query_one(statement);
    let statement_timeout = state.settings.database.statement_timeout;
    let outcome = match flight_deadline(statement_timeout, ticket.queued) {
        None => flight.await,
        Some(deadline) => match tokio::time::timeout(deadline, flight).await {
            Ok(outcome) => outcome,
            Err(_) => {
                tracing::warn!(
                    waited_ms = deadline.as_millis(),
                    "no answer from the database in time: read lane retired"
                );
                lanes.retire(ticket);
                return Err(missed(deadline));
            }
        },
    };
    match outcome.map_err(|err| ApiError::from_db(&err)) {
        Ok(row) => Ok(Some(row)),
        Err(ApiError::Unavailable { detail }) => {
            tracing::debug!(error = %detail, "read lane lost: the read goes to the pool");
            lanes.retire(ticket);
            Ok(None)
        }
        Err(err) => Err(err),
    }
}

/// A read's result rows as a page: the statement's row, then the count plan's when there is one.
fn page(rows: &[tokio_postgres::Row]) -> Result<Page, ApiError> {
    let row = rows.first().ok_or_else(|| ApiError::Internal {
        detail: "the read statement returned no row".to_owned(),
    })?;
    Ok(Page {
        total: row.try_get("total").map_err(internal)?,
        page_total: row.try_get("page_total").map_err(internal)?,
        body: row.try_get("body").map_err(internal)?,
        planned: match rows.get(1) {
            Some(row) => plan_rows(&row.try_get::<_, serde_json::Value>(0).map_err(internal)?),
            None => None,
        },
    })
}

/// `Plan Rows` of the top plan node in `explain (format json)` output.
#[allow(
    clippy::cast_possible_truncation,
    reason = "rounded and clamped to a range an i64 holds exactly"
)]
fn plan_rows(explain: &serde_json::Value) -> Option<i64> {
    let rows = explain.get(0)?.get("Plan")?.get("Plan Rows")?.as_f64()?;
    // The planner's estimate is a float; a count is a whole, non-negative number.
    Some(rows.round().clamp(0.0, 9.0e15) as i64)
}

fn internal(err: tokio_postgres::Error) -> ApiError {
    ApiError::Internal {
        detail: format!("read the result row: {err}"),
    }
}

/// What a write statement returns.
#[derive(Debug)]
pub struct Written {
    /// Rows affected.
    pub page_total: i64,
    /// The representation, when asked for.
    pub body: Option<String>,
    /// The primary keys of the affected rows, a JSON array of objects.
    pub keys: Option<String>,
    /// For a merge upsert: how many of the affected rows it inserted (the rest it updated).
    pub inserted: Option<i64>,
}

/// Runs a write statement in a read-write transaction, committed, or rolled back when the
/// client asked for `tx=rollback`. The write, its audit row and its checks are one statement:
/// if any part fails, none of it happens.
pub async fn write(
    state: &AppState,
    principal: &policy::Principal,
    statement: &sql::Statement,
    rollback: bool,
) -> Result<Written, ApiError> {
    let mut written =
        write_all(state, principal, std::slice::from_ref(statement), rollback).await?;
    written.pop().ok_or_else(|| ApiError::Internal {
        detail: "the write statement returned no row".to_owned(),
    })
}

/// Runs several write statements in one transaction: all of them happen, or none.
pub async fn write_all(
    state: &AppState,
    principal: &policy::Principal,
    statements: &[sql::Statement],
    rollback: bool,
) -> Result<Vec<Written>, ApiError> {
    let client = state.connection().await?;
    let transaction = Transaction::ReadWrite { rollback };
    let refs: Vec<&sql::Statement> = statements.iter().collect();
    let rows = bounded(state, refs.len(), client, async |client| {
        run(client, principal, transaction, &refs).await
    })
    .await?;
    rows.iter()
        .map(|row| {
            Ok(Written {
                page_total: row.try_get("page_total").map_err(internal)?,
                body: row.try_get("body").map_err(internal)?,
                keys: row.try_get("keys").map_err(internal)?,
                inserted: row.try_get("inserted").map_err(internal)?,
            })
        })
        .collect()
}

impl Written {
    /// Several writes' results as one: rows added up, JSON arrays (bodies, keys) joined.
    pub fn concatenate(parts: Vec<Written>) -> Written {
        let join = |texts: Vec<Option<String>>| -> Option<String> {
            let mut items: Vec<serde_json::Value> = Vec::new();
            let mut any = false;
            for text in texts.into_iter().flatten() {
                any = true;
                if let Ok(serde_json::Value::Array(mut part)) = serde_json::from_str(&text) {
                    items.append(&mut part);
                }
            }
            any.then(|| serde_json::Value::Array(items).to_string())
        };
        let page_total = parts.iter().map(|part| part.page_total).sum();
        let inserted = parts
            .iter()
            .filter_map(|part| part.inserted)
            .reduce(|a, b| a + b);
        let (bodies, keys): (Vec<_>, Vec<_>) =
            parts.into_iter().map(|part| (part.body, part.keys)).unzip();
        Written {
            page_total,
            body: join(bodies),
            keys: join(keys),
            inserted,
        }
    }
}
