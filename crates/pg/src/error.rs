//! The one error type of this crate.

use std::path::PathBuf;
use std::time::Duration;

/// Everything that can go wrong between a database URL and a working connection.
///
/// No variant ever carries the password or the whole URL (which may contain it).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The URL is not a URL at all.
    #[error("invalid database URL: {reason}")]
    InvalidUrl {
        /// What the URL parser said (never the URL itself).
        reason: String,
    },

    /// The URL's scheme is not `postgres` or `postgresql`.
    #[error("unsupported database URL scheme `{scheme}`: use postgres:// or postgresql://")]
    UnsupportedScheme {
        /// The scheme found.
        scheme: String,
    },

    /// The URL names no host (a Unix socket connection would carry no TLS).
    #[error(
        "the database URL names no host: Gatehouse connects over TCP with TLS only, \
         give a host name (postgres://user@db.example.com/app)"
    )]
    MissingHost,

    /// The host is a Unix socket directory: no TLS there.
    #[error(
        "the database URL names a Unix socket directory ({host}): Gatehouse connects over TCP \
         with TLS only, give a host name"
    )]
    UnixSocketHost {
        /// The host as written.
        host: String,
    },

    /// `verify-ca` without a CA file of its own.
    #[error(
        "sslmode=verify-ca needs a CA file (sslrootcert=/path/to/ca.pem): against the public \
         roots it would accept any publicly trusted certificate for any name; give the CA \
         file or use verify-full"
    )]
    VerifyCaWithoutCaFile,

    /// The URL names more than one host.
    #[error("the database URL names several hosts (`{hosts}`): give exactly one")]
    MultipleHosts {
        /// The host part as written.
        hosts: String,
    },

    /// The URL names no user.
    #[error("the database URL names no user: write it as postgres://USER:PASSWORD@host/db")]
    MissingUser,

    /// A component of the URL is not valid UTF-8 once percent-decoded.
    #[error("the {component} in the database URL is not valid UTF-8 after percent-decoding")]
    InvalidEncoding {
        /// Which component (`user name`, `password`, `database name`, a parameter name).
        component: String,
    },

    /// `sslmode` names a mode that does not verify the server.
    #[error("{}", insecure_ssl_mode_message(.mode))]
    InsecureSslMode {
        /// The mode as written (`disable`, `allow`, `prefer` or `require`).
        mode: String,
    },

    /// `sslmode` names no mode known to PostgreSQL.
    #[error("unknown sslmode `{mode}`: use verify-full (the default) or verify-ca")]
    UnknownSslMode {
        /// The mode as written.
        mode: String,
    },

    /// A query parameter this crate does not understand.
    #[error(
        "unknown database URL parameter `{name}`: supported are sslmode, sslrootcert, sslcert, \
         sslkey, channel_binding, hostaddr, application_name, connect_timeout"
    )]
    UnknownParameter {
        /// The parameter name.
        name: String,
    },

    /// A query parameter given twice.
    #[error("database URL parameter `{name}` is given more than once")]
    DuplicateParameter {
        /// The parameter name.
        name: String,
    },

    /// A query parameter with a value it cannot take.
    #[error("invalid value `{value}` for database URL parameter `{name}`: expected {expected}")]
    InvalidParameter {
        /// The parameter name.
        name: String,
        /// The value as written.
        value: String,
        /// What would be accepted.
        expected: &'static str,
    },

    /// The port is not a number between 1 and 65535.
    #[error("invalid port in the database URL: expected a number between 1 and 65535")]
    InvalidPort,

    /// The CA bundle could not be read.
    #[error("read CA file {}", .path.display())]
    ReadCaFile {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },

    /// The CA bundle holds no usable certificate.
    #[error("CA file {} holds no usable PEM certificate: {reason}", .path.display())]
    InvalidCaFile {
        /// The file.
        path: PathBuf,
        /// What was wrong.
        reason: String,
    },

    /// `sslcert` without `sslkey` or the other way round.
    #[error("client certificate and key go together: set both sslcert and sslkey, or neither")]
    IncompleteClientCert,

    /// The client certificate or key could not be read or parsed.
    #[error("read client {what} {}: {reason}", .path.display())]
    ClientCert {
        /// `certificate` or `key`.
        what: &'static str,
        /// The file.
        path: PathBuf,
        /// What was wrong.
        reason: String,
    },

    /// rustls refused the TLS configuration (for example a key that does not match).
    #[error("build the TLS configuration")]
    TlsConfig {
        /// The rustls error.
        source: rustls::Error,
    },

    /// Connecting (TCP, TLS handshake, authentication) failed. Certificate problems are in the
    /// source chain: print it with [`crate::describe`].
    #[error("connect to the database")]
    Connect {
        /// The tokio-postgres error (its sources lead to io and rustls errors).
        source: tokio_postgres::Error,
    },

    /// Connecting took longer than the connect timeout.
    #[error("connect to the database: no answer within {after:?}")]
    ConnectTimeout {
        /// The timeout that expired.
        after: Duration,
    },

    /// The pool could not be built.
    #[error("build the connection pool")]
    BuildPool {
        /// The deadpool error.
        source: deadpool_postgres::BuildError,
    },

    /// A query on an open connection failed.
    #[error("query the database")]
    Query {
        /// The tokio-postgres error.
        source: tokio_postgres::Error,
    },
}

fn insecure_ssl_mode_message(mode: &str) -> String {
    let what = match mode {
        "disable" => "never encrypts",
        "allow" => "falls back to plaintext",
        "prefer" => "falls back to plaintext",
        _ => "encrypts without verifying the server",
    };
    format!(
        "sslmode={mode} {what}; use verify-full (the default) or verify-ca with a CA file \
         (sslrootcert=/path/to/ca.pem)"
    )
}

/// Render an error and all its sources on one line, outermost first, separated by `": "`.
///
/// Certificate problems surface nested (tokio-postgres → io → rustls); this is how a caller
/// shows them, e.g. `connect to the database: error performing TLS handshake: invalid peer
/// certificate: UnknownIssuer`. A source whose text the line already holds is skipped (some
/// errors repeat their source in their own message).
pub fn describe(err: &dyn std::error::Error) -> String {
    let mut line = err.to_string();
    let mut next = err.source();
    while let Some(source) = next {
        let text = source.to_string();
        if !text.is_empty() && !line.contains(&text) {
            line.push_str(": ");
            line.push_str(&text);
        }
        next = source.source();
    }
    line
}
