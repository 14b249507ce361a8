//! TLS-only PostgreSQL connections for Gatehouse: parse a database URL, build a rustls
//! configuration that verifies the server, connect or build a deadpool pool, and report the
//! TLS state of a session.
//!
//! Every connection is encrypted and the server certificate is checked: `verify-full` (chain
//! and host name, the default) or `verify-ca` (chain only). tokio-postgres is always told
//! `SslMode::Require`, so a server that does not speak TLS is refused before a byte of the
//! startup message is sent; there is no plaintext fallback and no mode without verification.
//! SCRAM channel binding is required unless asked otherwise.
//!
//! This crate deliberately does not know HTTP, SQL beyond one `pg_stat_ssl` query, or where the
//! URL came from (environment, file): callers hand it a string. It never logs or prints the
//! password.

mod error;
mod options;
mod tls;

use std::time::Duration;

use tokio_postgres_rustls::MakeRustlsConnect;

pub use error::{Error, describe};
pub use options::{ChannelBinding, ConnectOptions, DEFAULT_CONNECT_TIMEOUT, SslMode};

/// The pool type [`pool`] builds.
pub use deadpool_postgres::Pool;

/// Open one connection and spawn its connection task on the current tokio runtime.
///
/// The whole attempt (TCP, TLS handshake, authentication) is bounded by the options'
/// connect timeout. Certificate problems come back as [`Error::Connect`]; [`describe`] prints
/// the nested cause.
pub async fn connect(opts: &ConnectOptions) -> Result<tokio_postgres::Client, Error> {
    let (client, connection) = connect_raw(opts).await?;
    tokio::spawn(async move {
        if let Err(err) = connection.await {
            tracing::debug!(error = %describe(&err), "database connection closed with an error");
        }
    });
    Ok(client)
}

/// The TLS stream under a [`Connection`].
pub type TlsStream =
    <MakeRustlsConnect as tokio_postgres::tls::MakeTlsConnect<tokio_postgres::Socket>>::Stream;

/// A connection whose task the caller drives (see [`connect_raw`]).
pub type Connection = tokio_postgres::Connection<tokio_postgres::Socket, TlsStream>;

/// Like [`connect`], but hand back the connection instead of spawning it, for callers that
/// need its messages: `LISTEN` notifications come through `Connection::poll_message`, and a
/// spawned connection drops them. The connection must be polled for the client to work.
pub async fn connect_raw(
    opts: &ConnectOptions,
) -> Result<(tokio_postgres::Client, Connection), Error> {
    let tls = MakeRustlsConnect::new(tls::client_config(opts)?);
    let config = opts.to_tokio();
    tracing::debug!(
        host = opts.host(),
        port = opts.port(),
        dbname = opts.dbname(),
        user = opts.user(),
        ssl_mode = opts.ssl_mode().as_str(),
        "connect to the database"
    );
    connect_within(&config, tls, opts.connect_timeout()).await
}

/// Connects with `config` over `tls`, giving up after `timeout`.
async fn connect_within(
    config: &tokio_postgres::Config,
    tls: MakeRustlsConnect,
    timeout: Duration,
) -> Result<(tokio_postgres::Client, Connection), Error> {
    tokio::time::timeout(timeout, config.connect(tls))
        .await
        .map_err(|_| Error::ConnectTimeout { after: timeout })?
        .map_err(|source| Error::Connect { source })
}

/// Bounds of a connection pool. Every wait has a limit: a request never waits forever.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolOptions {
    /// Most connections open at once.
    pub max_size: usize,
    /// How long `Pool::get` waits for a free connection.
    pub wait_timeout: Duration,
    /// How long opening a new connection may take (TCP, TLS, authentication).
    pub create_timeout: Duration,
    /// How long checking an idle connection before reuse may take.
    pub recycle_timeout: Duration,
    /// `statement_timeout` of every pooled connection, fixed when it opens (the startup
    /// `options`), so that a statement sent alone is bounded as well as one in a transaction.
    pub statement_timeout: Option<Duration>,
    /// `default_transaction_read_only = on` for every pooled connection: a statement sent
    /// alone runs read-only, and a write must begin its transaction `read write`.
    pub read_only_by_default: bool,
}

impl Default for PoolOptions {
    fn default() -> Self {
        Self {
            max_size: 10,
            wait_timeout: Duration::from_secs(5),
            create_timeout: Duration::from_secs(5),
            recycle_timeout: Duration::from_secs(2),
            statement_timeout: None,
            read_only_by_default: false,
        }
    }
}

/// Build a pool. Nothing connects yet: a bad certificate or password shows at `Pool::get`,
/// as `deadpool_postgres::PoolError::Backend` (print it with [`describe`]).
///
/// A connection is reused without a round trip (`RecyclingMethod::Fast`: only a connection
/// whose connection task has ended, because the server or the network closed it, is dropped).
/// One that died silently is found by the request that draws it, which must therefore bound
/// its wait (`api::db` does); TCP keepalives ([`ConnectOptions`]) find it on an idle pool.
pub fn pool(opts: &ConnectOptions, pool: &PoolOptions) -> Result<Pool, Error> {
    let tls = MakeRustlsConnect::new(tls::client_config(opts)?);
    let config = session_config(opts, pool);
    let manager = deadpool_postgres::Manager::from_config(
        config,
        tls,
        deadpool_postgres::ManagerConfig {
            recycling_method: deadpool_postgres::RecyclingMethod::Fast,
        },
    );
    Pool::builder(manager)
        .max_size(pool.max_size)
        .wait_timeout(Some(pool.wait_timeout))
        .create_timeout(Some(pool.create_timeout))
        .recycle_timeout(Some(pool.recycle_timeout))
        .runtime(deadpool_postgres::Runtime::Tokio1)
        .build()
        .map_err(|source| Error::BuildPool { source })
}

/// The connection settings of `opts` with the session options every connection of a pool made
/// with `pool` carries (statement timeout, read-only by default).
fn session_config(opts: &ConnectOptions, pool: &PoolOptions) -> tokio_postgres::Config {
    let mut config = opts.to_tokio();
    let mut session = Vec::new();
    if let Some(timeout) = pool.statement_timeout {
        session.push(format!("-c statement_timeout={}", timeout.as_millis()));
    }
    if pool.read_only_by_default {
        session.push("-c default_transaction_read_only=on".to_owned());
    }
    if !session.is_empty() {
        config.options(session.join(" "));
    }
    config
}

/// Opens one connection outside any pool but with the session options of a pool made with
/// `pool` ([`PoolOptions::statement_timeout`], [`PoolOptions::read_only_by_default`]), and
/// hands back its connection task for the caller to drive where it wants (bounded by
/// [`PoolOptions::create_timeout`]).
pub async fn connect_session(
    opts: &ConnectOptions,
    pool: &PoolOptions,
) -> Result<(tokio_postgres::Client, Connection), Error> {
    let tls = MakeRustlsConnect::new(tls::client_config(opts)?);
    connect_within(&session_config(opts, pool), tls, pool.create_timeout).await
}

/// The TLS state of a session, from `pg_stat_ssl` (for `gatehouse doctor`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsStatus {
    /// Whether the session is encrypted.
    pub ssl: bool,
    /// The protocol version, e.g. `TLSv1.3`.
    pub version: Option<String>,
    /// The cipher suite, e.g. `TLS_AES_256_GCM_SHA384`.
    pub cipher: Option<String>,
    /// The key length in bits.
    pub bits: Option<i32>,
}

/// Read the TLS state of this client's own session.
pub async fn tls_status(client: &tokio_postgres::Client) -> Result<TlsStatus, Error> {
    let row = client
        .query_one(
            "select ssl, version, cipher, bits from pg_catalog.pg_stat_ssl \
             where pid = pg_catalog.pg_backend_pid()",
            &[],
        )
        .await
        .map_err(|source| Error::Query { source })?;
    let get = |source| Error::Query { source };
    Ok(TlsStatus {
        ssl: row.try_get(0).map_err(get)?,
        version: row.try_get(1).map_err(get)?,
        cipher: row.try_get(2).map_err(get)?,
        bits: row.try_get(3).map_err(get)?,
    })
}

#[cfg(test)]
mod tests;
