//! `ConnectOptions`: a database URL parsed by us, because tokio-postgres knows neither
//! `verify-full` nor `verify-ca` and would silently fall back to plaintext under `prefer`.

use std::fmt;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};

use crate::Error;

/// The default TCP connect timeout when the URL sets none: a request never waits forever.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// How the server certificate is checked. There is no mode that skips the check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SslMode {
    /// Chain to a trusted root and host name (libpq's `verify-full`). The default.
    #[default]
    VerifyFull,
    /// Chain to a trusted root only, any host name (libpq's `verify-ca`).
    VerifyCa,
}

impl SslMode {
    /// The spelling in a URL.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::VerifyFull => "verify-full",
            Self::VerifyCa => "verify-ca",
        }
    }
}

/// SCRAM channel binding (`tls-server-end-point`), which ties the password exchange to the
/// TLS session so that a man in the middle holding another certificate cannot relay it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ChannelBinding {
    /// Refuse to authenticate without channel binding (so SCRAM is required). The default.
    #[default]
    Require,
    /// Use it when the server offers it. Only when asked for explicitly.
    Prefer,
    /// Never use it. Only when asked for explicitly.
    Disable,
}

impl ChannelBinding {
    /// The spelling in a URL.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Require => "require",
            Self::Prefer => "prefer",
            Self::Disable => "disable",
        }
    }

    pub(crate) fn to_tokio(self) -> tokio_postgres::config::ChannelBinding {
        use tokio_postgres::config::ChannelBinding as T;
        match self {
            Self::Require => T::Require,
            Self::Prefer => T::Prefer,
            Self::Disable => T::Disable,
        }
    }
}

/// Where to connect, as whom, and how to check the server: a parsed database URL plus TLS
/// settings. `Debug` never shows the password.
#[derive(Clone, PartialEq, Eq)]
pub struct ConnectOptions {
    user: String,
    password: Option<String>,
    host: String,
    hostaddr: Option<IpAddr>,
    port: u16,
    dbname: String,
    ssl_mode: SslMode,
    /// `sslrootcert` from the URL.
    url_ca_file: Option<PathBuf>,
    /// Set with [`ConnectOptions::ca_file`]; wins over `url_ca_file`.
    explicit_ca_file: Option<PathBuf>,
    client_cert: Option<PathBuf>,
    client_key: Option<PathBuf>,
    channel_binding: ChannelBinding,
    application_name: Option<String>,
    connect_timeout: Duration,
}

impl fmt::Debug for ConnectOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConnectOptions")
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .field("host", &self.host)
            .field("hostaddr", &self.hostaddr)
            .field("port", &self.port)
            .field("dbname", &self.dbname)
            .field("ssl_mode", &self.ssl_mode)
            .field("ca_file", &self.effective_ca_file())
            .field("client_cert", &self.client_cert)
            .field("client_key", &self.client_key)
            .field("channel_binding", &self.channel_binding)
            .field("application_name", &self.application_name)
            .field("connect_timeout", &self.connect_timeout)
            .finish()
    }
}

/// Characters that stay literal in the user, password and path of a URL we write.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Characters that stay literal in a query value we write (paths keep their slashes).
const QUERY_VALUE: &AsciiSet = &COMPONENT.remove(b'/');

impl ConnectOptions {
    /// Parse a `postgres://` or `postgresql://` URL.
    ///
    /// Without `sslmode` the mode is `verify-full`. The modes that do not verify the server
    /// (`disable`, `allow`, `prefer`, `require`) are refused with a message saying what to use
    /// instead, and so is any parameter this crate does not know.
    pub fn from_url(url: &str) -> Result<Self, Error> {
        let parsed = url::Url::parse(url).map_err(|e| match e {
            url::ParseError::EmptyHost => Error::MissingHost,
            e => Error::InvalidUrl {
                reason: e.to_string(),
            },
        })?;
        match parsed.scheme() {
            "postgres" | "postgresql" => {}
            other => {
                return Err(Error::UnsupportedScheme {
                    scheme: other.to_owned(),
                });
            }
        }

        let host = match parsed.host() {
            None => None,
            Some(url::Host::Domain("")) => None,
            Some(url::Host::Domain(d)) => {
                if d.contains(',') {
                    return Err(Error::MultipleHosts {
                        hosts: d.to_owned(),
                    });
                }
                let host = decode(d, "host")?;
                if host.starts_with('/') {
                    return Err(Error::UnixSocketHost { host });
                }
                Some(host)
            }
            Some(url::Host::Ipv4(ip)) => Some(ip.to_string()),
            Some(url::Host::Ipv6(ip)) => Some(ip.to_string()),
        };
        let Some(host) = host else {
            return Err(Error::MissingHost);
        };
        let port = parsed.port().unwrap_or(5432);
        if port == 0 {
            return Err(Error::InvalidPort);
        }
        let user = decode(parsed.username(), "user name")?;
        if user.is_empty() {
            return Err(Error::MissingUser);
        }
        let password = parsed
            .password()
            .map(|p| decode(p, "password"))
            .transpose()?;
        let path = parsed.path();
        let path = path.strip_prefix('/').unwrap_or(path);
        let dbname = if path.is_empty() {
            user.clone()
        } else {
            decode(path, "database name")?
        };

        let mut opts = ConnectOptions {
            user,
            password,
            host,
            hostaddr: None,
            port,
            dbname,
            ssl_mode: SslMode::VerifyFull,
            url_ca_file: None,
            explicit_ca_file: None,
            client_cert: None,
            client_key: None,
            channel_binding: ChannelBinding::Require,
            application_name: None,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
        };

        let mut seen: Vec<String> = Vec::new();
        for pair in parsed.query().unwrap_or("").split('&') {
            if pair.is_empty() {
                continue;
            }
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let name = decode(name, "parameter name")?;
            let value = decode(value, &format!("value of parameter `{name}`"))?;
            if seen.contains(&name) {
                return Err(Error::DuplicateParameter { name });
            }
            opts.apply_parameter(&name, value)?;
            seen.push(name);
        }

        if opts.client_cert.is_some() != opts.client_key.is_some() {
            return Err(Error::IncompleteClientCert);
        }
        Ok(opts)
    }

    fn apply_parameter(&mut self, name: &str, value: String) -> Result<(), Error> {
        match name {
            "sslmode" => {
                self.ssl_mode = match value.as_str() {
                    "verify-full" => SslMode::VerifyFull,
                    "verify-ca" => SslMode::VerifyCa,
                    "disable" | "allow" | "prefer" | "require" => {
                        return Err(Error::InsecureSslMode { mode: value });
                    }
                    _ => return Err(Error::UnknownSslMode { mode: value }),
                }
            }
            // libpq 16's `sslrootcert=system`: the well-known public roots.
            "sslrootcert" if value == "system" => self.url_ca_file = None,
            "sslrootcert" => self.url_ca_file = Some(non_empty_path(name, value)?),
            "sslcert" => self.client_cert = Some(non_empty_path(name, value)?),
            "sslkey" => self.client_key = Some(non_empty_path(name, value)?),
            "channel_binding" => {
                self.channel_binding = match value.as_str() {
                    "require" => ChannelBinding::Require,
                    "prefer" => ChannelBinding::Prefer,
                    "disable" => ChannelBinding::Disable,
                    _ => {
                        return Err(invalid(
                            name,
                            value,
                            "require (the default), prefer or disable",
                        ));
                    }
                }
            }
            "hostaddr" => match value.parse::<IpAddr>() {
                Ok(addr) => self.hostaddr = Some(addr),
                Err(_) => return Err(invalid(name, value, "a single IP address")),
            },
            "application_name" => self.application_name = Some(value),
            "connect_timeout" => match value.parse::<u64>() {
                // libpq: zero means wait forever, which we do not do; so it is refused.
                Ok(secs) if secs > 0 => self.connect_timeout = Duration::from_secs(secs),
                _ => return Err(invalid(name, value, "a positive number of seconds")),
            },
            _ => {
                return Err(Error::UnknownParameter {
                    name: name.to_owned(),
                });
            }
        }
        Ok(())
    }

    /// Use this PEM bundle as the trusted roots, whatever `sslrootcert` says.
    #[must_use]
    pub fn ca_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.explicit_ca_file = Some(path.into());
        self
    }

    /// Set the channel binding policy (the URL's `channel_binding` otherwise, `require` by
    /// default).
    #[must_use]
    pub fn channel_binding(mut self, cb: ChannelBinding) -> Self {
        self.channel_binding = cb;
        self
    }

    /// The host name the certificate is checked against.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The address connected to instead of resolving [`Self::host`], if any.
    pub fn hostaddr(&self) -> Option<IpAddr> {
        self.hostaddr
    }

    /// The TCP port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The database name.
    pub fn dbname(&self) -> &str {
        &self.dbname
    }

    /// The role name.
    pub fn user(&self) -> &str {
        &self.user
    }

    /// How the server certificate is checked.
    pub fn ssl_mode(&self) -> SslMode {
        self.ssl_mode
    }

    /// The channel binding policy.
    pub fn get_channel_binding(&self) -> ChannelBinding {
        self.channel_binding
    }

    /// The CA bundle in force: the explicit one, else `sslrootcert`, else none (public roots).
    pub fn effective_ca_file(&self) -> Option<&Path> {
        self.explicit_ca_file
            .as_deref()
            .or(self.url_ca_file.as_deref())
    }

    /// The client certificate and key for mutual TLS, if set.
    pub fn client_cert(&self) -> Option<(&Path, &Path)> {
        match (&self.client_cert, &self.client_key) {
            (Some(cert), Some(key)) => Some((cert, key)),
            _ => None,
        }
    }

    /// The connect timeout; it bounds the whole of [`crate::connect`] (TCP, TLS,
    /// authentication).
    pub fn connect_timeout(&self) -> Duration {
        self.connect_timeout
    }

    /// The `application_name` sent to the server, if any.
    pub fn application_name(&self) -> Option<&str> {
        self.application_name.as_deref()
    }

    /// The same options for another database.
    #[must_use]
    pub fn with_dbname(&self, db: &str) -> Self {
        let mut opts = self.clone();
        db.clone_into(&mut opts.dbname);
        opts
    }

    /// The same options with another certificate check.
    #[must_use]
    pub fn with_ssl_mode(&self, mode: SslMode) -> Self {
        let mut opts = self.clone();
        opts.ssl_mode = mode;
        opts
    }

    /// The same options with another connect timeout.
    #[must_use]
    pub fn with_connect_timeout(&self, timeout: Duration) -> Self {
        let mut opts = self.clone();
        opts.connect_timeout = timeout;
        opts
    }

    /// The same options with another `application_name` (shown in `pg_stat_activity`).
    #[must_use]
    pub fn with_application_name(&self, name: &str) -> Self {
        let mut opts = self.clone();
        opts.application_name = Some(name.to_owned());
        opts
    }

    /// The same options connecting to `addr` while checking the certificate against the
    /// host name (libpq's `hostaddr`).
    #[must_use]
    pub fn with_hostaddr(&self, addr: IpAddr) -> Self {
        let mut opts = self.clone();
        opts.hostaddr = Some(addr);
        opts
    }

    /// The same options for another host name (checked against the certificate).
    #[must_use]
    pub fn with_host(&self, host: &str) -> Self {
        let mut opts = self.clone();
        host.clone_into(&mut opts.host);
        opts
    }

    /// The same options for another port.
    #[must_use]
    pub fn with_port(&self, port: u16) -> Self {
        let mut opts = self.clone();
        opts.port = port;
        opts
    }

    /// The same options with a client certificate and key (PEM files) for mutual TLS.
    #[must_use]
    pub fn with_client_cert(&self, cert: impl Into<PathBuf>, key: impl Into<PathBuf>) -> Self {
        let mut opts = self.clone();
        opts.client_cert = Some(cert.into());
        opts.client_key = Some(key.into());
        opts
    }

    /// The same options for another role.
    #[must_use]
    pub fn with_credentials(&self, user: &str, password: &str) -> Self {
        let mut opts = self.clone();
        user.clone_into(&mut opts.user);
        opts.password = Some(password.to_owned());
        opts
    }

    /// Write the options back as a URL that [`Self::from_url`] reads into equal options
    /// (the explicit CA file becomes `sslrootcert`).
    ///
    /// The URL contains the password: never log it.
    pub fn to_url(&self) -> String {
        let mut url = String::from("postgres://");
        url.push_str(&utf8_percent_encode(&self.user, COMPONENT).to_string());
        if let Some(password) = &self.password {
            url.push(':');
            url.push_str(&utf8_percent_encode(password, COMPONENT).to_string());
        }
        url.push('@');
        if self.host.contains(':') {
            url.push('[');
            url.push_str(&self.host);
            url.push(']');
        } else {
            url.push_str(&utf8_percent_encode(&self.host, COMPONENT).to_string());
        }
        url.push(':');
        url.push_str(&self.port.to_string());
        url.push('/');
        url.push_str(&utf8_percent_encode(&self.dbname, COMPONENT).to_string());

        let mut params: Vec<(&str, String)> = vec![("sslmode", self.ssl_mode.as_str().to_owned())];
        if let Some(ca) = self.effective_ca_file() {
            params.push(("sslrootcert", ca.to_string_lossy().into_owned()));
        }
        if let Some((cert, key)) = self.client_cert() {
            params.push(("sslcert", cert.to_string_lossy().into_owned()));
            params.push(("sslkey", key.to_string_lossy().into_owned()));
        }
        if self.channel_binding != ChannelBinding::Require {
            params.push(("channel_binding", self.channel_binding.as_str().to_owned()));
        }
        if let Some(addr) = self.hostaddr {
            params.push(("hostaddr", addr.to_string()));
        }
        if let Some(name) = &self.application_name {
            params.push(("application_name", name.clone()));
        }
        if self.connect_timeout != DEFAULT_CONNECT_TIMEOUT {
            params.push((
                "connect_timeout",
                self.connect_timeout.as_secs().max(1).to_string(),
            ));
        }
        for (i, (name, value)) in params.iter().enumerate() {
            url.push(if i == 0 { '?' } else { '&' });
            url.push_str(name);
            url.push('=');
            url.push_str(&utf8_percent_encode(value, QUERY_VALUE).to_string());
        }
        url
    }

    /// The tokio-postgres configuration: always `SslMode::Require`, so a server that does not
    /// speak TLS is never talked to; rustls does the verifying.
    pub(crate) fn to_tokio(&self) -> tokio_postgres::Config {
        let mut config = tokio_postgres::Config::new();
        config
            .user(&self.user)
            .host(&self.host)
            .port(self.port)
            .dbname(&self.dbname)
            .ssl_mode(tokio_postgres::config::SslMode::Require)
            .channel_binding(self.channel_binding.to_tokio())
            .connect_timeout(self.connect_timeout)
            // A peer that vanished without closing (a partition, a host gone) is noticed in
            // about a minute instead of the kernel's two hours: probes after 30 s idle, and
            // unacknowledged data gives up after 60 s.
            .keepalives(true)
            .keepalives_idle(KEEPALIVE_IDLE)
            .keepalives_interval(KEEPALIVE_INTERVAL)
            .keepalives_retries(KEEPALIVE_RETRIES)
            .tcp_user_timeout(TCP_USER_TIMEOUT);
        if let Some(password) = &self.password {
            config.password(password.as_bytes());
        }
        if let Some(addr) = self.hostaddr {
            config.hostaddr(addr);
        }
        if let Some(name) = &self.application_name {
            config.application_name(name);
        }
        config
    }
}

const KEEPALIVE_IDLE: Duration = Duration::from_secs(30);
const KEEPALIVE_INTERVAL: Duration = Duration::from_secs(10);
const KEEPALIVE_RETRIES: u32 = 3;
const TCP_USER_TIMEOUT: Duration = Duration::from_secs(60);

fn decode(raw: &str, component: &str) -> Result<String, Error> {
    percent_decode_str(raw)
        .decode_utf8()
        .map(|s| s.into_owned())
        .map_err(|_| Error::InvalidEncoding {
            component: component.to_owned(),
        })
}

fn non_empty_path(name: &str, value: String) -> Result<PathBuf, Error> {
    if value.is_empty() {
        Err(invalid(name, value, "a file path"))
    } else {
        Ok(PathBuf::from(value))
    }
}

fn invalid(name: &str, value: String, expected: &'static str) -> Error {
    Error::InvalidParameter {
        name: name.to_owned(),
        value,
        expected,
    }
}
