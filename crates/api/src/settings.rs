//! Configuration: `GATEHOUSE_*` environment variables, read raw with envy and then checked into
//! typed [`Settings`]. Every failure names the variable it came from; no secret value is ever
//! echoed, and secrets are wrapped in [`Secret`] so `Debug` cannot print them.

use std::collections::HashMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;

/// A value that must not reach a log line: `Debug` prints `***`, and there is no `Display`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself. Call sites are few and easy to audit.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// A configuration problem, naming the variable.
#[derive(Debug, thiserror::Error)]
#[error("{variable}: {problem}")]
pub struct ConfigError {
    pub variable: String,
    pub problem: String,
}

impl ConfigError {
    fn new(variable: &str, problem: impl Into<String>) -> Self {
        Self {
            variable: format!("GATEHOUSE_{variable}"),
            problem: problem.into(),
        }
    }
}

/// The environment as envy reads it: every variable a string, nothing checked yet.
#[derive(Debug, Default, Deserialize)]
struct Raw {
    database_url: Option<String>,
    database_url_file: Option<String>,
    read_database_url: Option<String>,
    read_database_url_file: Option<String>,
    db_ca_file: Option<String>,
    db_channel_binding: Option<String>,
    listen: Option<String>,
    workers: Option<String>,
    admin_listen: Option<String>,
    policy_file: Option<String>,
    schemas: Option<String>,
    pool_size: Option<String>,
    pool_wait_timeout_ms: Option<String>,
    pool_create_timeout_ms: Option<String>,
    pool_recycle_timeout_ms: Option<String>,
    statement_timeout_ms: Option<String>,
    read_settings: Option<String>,
    read_lane_depth: Option<String>,
    max_rows: Option<String>,
    max_body_bytes: Option<String>,
    encryption_key: Option<String>,
    encryption_key_file: Option<String>,
    encryption_keys: Option<String>,
    encryption_keys_file: Option<String>,
    jwt_secret: Option<String>,
    jwt_secret_file: Option<String>,
    jwks_file: Option<String>,
    jwt_audience: Option<String>,
    jwt_role_claim: Option<String>,
    jwt_tenant_claim: Option<String>,
    tls_cert_file: Option<String>,
    tls_key_file: Option<String>,
    log_format: Option<String>,
    log: Option<String>,
    api_key_pepper: Option<String>,
    api_key_pepper_file: Option<String>,
    allow_cidrs: Option<String>,
    trusted_proxies: Option<String>,
    jwks_url: Option<String>,
    jwt_cookie: Option<String>,
}

/// Every variable Gatehouse reads, for the README table and `deploy/env.example` (a test checks
/// both list each of them).
pub const VARIABLES: &[&str] = &[
    "GATEHOUSE_DATABASE_URL",
    "GATEHOUSE_DATABASE_URL_FILE",
    "GATEHOUSE_READ_DATABASE_URL",
    "GATEHOUSE_READ_DATABASE_URL_FILE",
    "GATEHOUSE_DB_CA_FILE",
    "GATEHOUSE_DB_CHANNEL_BINDING",
    "GATEHOUSE_LISTEN",
    "GATEHOUSE_WORKERS",
    "GATEHOUSE_ADMIN_LISTEN",
    "GATEHOUSE_POLICY_FILE",
    "GATEHOUSE_SCHEMAS",
    "GATEHOUSE_POOL_SIZE",
    "GATEHOUSE_POOL_WAIT_TIMEOUT_MS",
    "GATEHOUSE_POOL_CREATE_TIMEOUT_MS",
    "GATEHOUSE_POOL_RECYCLE_TIMEOUT_MS",
    "GATEHOUSE_STATEMENT_TIMEOUT_MS",
    "GATEHOUSE_READ_SETTINGS",
    "GATEHOUSE_READ_LANE_DEPTH",
    "GATEHOUSE_MAX_ROWS",
    "GATEHOUSE_MAX_BODY_BYTES",
    "GATEHOUSE_ENCRYPTION_KEY",
    "GATEHOUSE_ENCRYPTION_KEY_FILE",
    "GATEHOUSE_ENCRYPTION_KEYS",
    "GATEHOUSE_ENCRYPTION_KEYS_FILE",
    "GATEHOUSE_JWT_SECRET",
    "GATEHOUSE_JWT_SECRET_FILE",
    "GATEHOUSE_JWKS_FILE",
    "GATEHOUSE_JWT_AUDIENCE",
    "GATEHOUSE_JWT_ROLE_CLAIM",
    "GATEHOUSE_JWT_TENANT_CLAIM",
    "GATEHOUSE_TLS_CERT_FILE",
    "GATEHOUSE_TLS_KEY_FILE",
    "GATEHOUSE_LOG_FORMAT",
    "GATEHOUSE_LOG",
    "GATEHOUSE_API_KEY_PEPPER",
    "GATEHOUSE_API_KEY_PEPPER_FILE",
    "GATEHOUSE_ALLOW_CIDRS",
    "GATEHOUSE_TRUSTED_PROXIES",
    "GATEHOUSE_JWKS_URL",
    "GATEHOUSE_JWT_COOKIE",
];

/// Reads in flight at once on one worker's read lane, unless configured.
pub const DEFAULT_READ_LANE_DEPTH: usize = 8;

/// How the process logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

/// The database side of the settings.
#[derive(Debug, Clone)]
pub struct DatabaseSettings {
    pub primary: pg::ConnectOptions,
    pub replica: Option<pg::ConnectOptions>,
    pub pool: pg::PoolOptions,
    pub schemas: Vec<String>,
    pub statement_timeout: Duration,
    /// `GATEHOUSE_READ_SETTINGS=always`: every read carries the request's settings, not only
    /// one that touches a view or a table with row-level security (`api::db`).
    pub settings_on_every_read: bool,
    /// `GATEHOUSE_READ_LANE_DEPTH`: most reads in flight at once on a worker's shared read
    /// connection (`api::lane`); 0 turns the lanes off (every read takes a pooled connection).
    pub read_lane_depth: usize,
}

/// HTTPS for the API listener.
#[derive(Debug, Clone)]
pub struct HttpsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// JWT verification material.
#[derive(Debug, Clone)]
pub struct JwtSettings {
    pub secret: Option<Secret>,
    pub jwks_file: Option<PathBuf>,
    pub audience: Option<String>,
    pub role_claim: String,
    pub tenant_claim: String,
}

/// API keys (`gh_<id>_<secret>`): the pepper their hashes are keyed with. Without it, API keys
/// are refused (`GH304`) and `gatehouse keys create` cannot make one.
#[derive(Debug, Clone, Default)]
pub struct ApiKeySettings {
    /// `GATEHOUSE_API_KEY_PEPPER`: at least [`MIN_PEPPER_BYTES`] bytes.
    pub pepper: Option<Secret>,
}

/// The shortest pepper accepted, in bytes.
pub const MIN_PEPPER_BYTES: usize = 32;

/// Who may reach the API, and through which proxies.
#[derive(Debug, Clone, Default)]
pub struct NetworkSettings {
    /// `GATEHOUSE_ALLOW_CIDRS`: when not empty, requests from other addresses answer 403.
    pub allow_cidrs: Vec<ipnet::IpNet>,
    /// `GATEHOUSE_TRUSTED_PROXIES`: peers whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<ipnet::IpNet>,
}

/// Typed, checked settings. Built from the environment by [`Settings::from_env`], or by hand
/// (tests, the demo).
#[derive(Debug, Clone)]
pub struct Settings {
    pub database: DatabaseSettings,
    pub listen: SocketAddr,
    /// `GATEHOUSE_WORKERS`: API worker threads, each with its own event loop (and read lane).
    pub workers: usize,
    pub admin_listen: SocketAddr,
    pub policy_file: Option<PathBuf>,
    pub max_rows: Option<u64>,
    pub max_body_bytes: usize,
    /// The keys of encrypted columns, newest first (`GATEHOUSE_ENCRYPTION_KEYS`, or the one
    /// key of `GATEHOUSE_ENCRYPTION_KEY` with the id `default`). `Debug` shows only the ids.
    pub encryption_keys: Option<policy::Keyring>,
    pub jwt: JwtSettings,
    pub api_keys: ApiKeySettings,
    pub network: NetworkSettings,
    /// `GATEHOUSE_JWKS_URL`: JWT keys fetched from this URL (and refreshed), instead of
    /// `GATEHOUSE_JWKS_FILE`.
    pub jwks_url: Option<url::Url>,
    /// `GATEHOUSE_JWT_COOKIE`: the name of a cookie holding the JWT, read when a request has no
    /// `Authorization` header and no API key.
    pub jwt_cookie: Option<String>,
    pub https: Option<HttpsFiles>,
    pub log_format: LogFormat,
    /// The log filter (`GATEHOUSE_LOG`, tracing's `EnvFilter` syntax), default `info`.
    pub log_filter: Option<String>,
    /// `GATEHOUSE_*` variables that Gatehouse does not know (a typo, most likely); startup
    /// warns about each.
    pub unknown_variables: Vec<String>,
}

impl Settings {
    /// What the policy step needs of the settings: the schema a bare relation name means (the
    /// first exposed one), the row cap and the encryption keys.
    pub fn environment(&self) -> policy::Environment {
        policy::Environment {
            schema: self
                .database
                .schemas
                .first()
                .cloned()
                .unwrap_or_else(|| policy::DEFAULT_SCHEMA.to_owned()),
            max_rows: self.max_rows,
            encryption_key: self.encryption_keys.clone(),
        }
    }

    /// Reads `GATEHOUSE_*` from the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_vars(std::env::vars())
    }

    /// Reads settings from the given variables (the full names, `GATEHOUSE_` prefix included).
    pub fn from_vars(
        vars: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self, ConfigError> {
        let vars: HashMap<String, String> = vars
            .into_iter()
            .filter(|(key, _)| key.starts_with("GATEHOUSE_"))
            .collect();
        let mut unknown_variables: Vec<String> = vars
            .keys()
            .filter(|key| !VARIABLES.contains(&key.as_str()) && !key.starts_with("GATEHOUSE_TEST_"))
            .cloned()
            .collect();
        unknown_variables.sort();
        let raw: Raw = envy::prefixed("GATEHOUSE_")
            .from_iter(vars)
            .map_err(|err| ConfigError::new("*", err.to_string()))?;
        let mut settings = Settings::try_from(raw)?;
        settings.unknown_variables = unknown_variables;
        Ok(settings)
    }
}

impl TryFrom<Raw> for Settings {
    type Error = ConfigError;

    fn try_from(raw: Raw) -> Result<Self, ConfigError> {
        let ca_file = raw.db_ca_file.map(PathBuf::from);
        // Only an explicit setting overrides the URL's `channel_binding` (default: require).
        let channel_binding = match raw.db_channel_binding.as_deref() {
            None => None,
            Some("require") => Some(pg::ChannelBinding::Require),
            Some("prefer") => Some(pg::ChannelBinding::Prefer),
            Some("disable") => Some(pg::ChannelBinding::Disable),
            Some(other) => {
                return Err(ConfigError::new(
                    "DB_CHANNEL_BINDING",
                    format!("expected require, prefer or disable, got {other:?}"),
                ));
            }
        };
        let connect = |name: &str, url: Secret| -> Result<pg::ConnectOptions, ConfigError> {
            let mut options = pg::ConnectOptions::from_url(url.expose())
                .map_err(|err| ConfigError::new(name, err.to_string()))?;
            if let Some(channel_binding) = channel_binding {
                options = options.channel_binding(channel_binding);
            }
            if let Some(ca) = &ca_file {
                options = options.ca_file(ca.clone());
            }
            Ok(options)
        };
        let primary_url = secret("DATABASE_URL", raw.database_url, raw.database_url_file)?
            .ok_or_else(|| {
                ConfigError::new(
                    "DATABASE_URL",
                    "not set: give a postgres:// URL (sslmode defaults to verify-full), \
                     or GATEHOUSE_DATABASE_URL_FILE naming a file that holds it",
                )
            })?;
        let primary = connect("DATABASE_URL", primary_url)?;
        let replica = secret(
            "READ_DATABASE_URL",
            raw.read_database_url,
            raw.read_database_url_file,
        )?
        .map(|url| connect("READ_DATABASE_URL", url))
        .transpose()?;

        let statement_timeout = millis("STATEMENT_TIMEOUT_MS", raw.statement_timeout_ms)?
            .unwrap_or(Duration::from_secs(10));
        let defaults = pg::PoolOptions::default();
        // Every pooled connection is read-only unless a transaction says otherwise, and bounded
        // by the statement timeout, both fixed when it opens: a read sent as a lone statement
        // (`api::db`) carries no settings of its own.
        let pool = pg::PoolOptions {
            max_size: number("POOL_SIZE", raw.pool_size, 1, 10_000)?.unwrap_or(defaults.max_size),
            wait_timeout: millis("POOL_WAIT_TIMEOUT_MS", raw.pool_wait_timeout_ms)?
                .unwrap_or(defaults.wait_timeout),
            create_timeout: millis("POOL_CREATE_TIMEOUT_MS", raw.pool_create_timeout_ms)?
                .unwrap_or(defaults.create_timeout),
            recycle_timeout: millis("POOL_RECYCLE_TIMEOUT_MS", raw.pool_recycle_timeout_ms)?
                .unwrap_or(defaults.recycle_timeout),
            statement_timeout: Some(statement_timeout),
            read_only_by_default: true,
        };
        let schemas = match raw.schemas {
            None => vec!["public".to_owned()],
            Some(list) => {
                let schemas: Vec<String> = list
                    .split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect();
                if schemas.is_empty() {
                    return Err(ConfigError::new(
                        "SCHEMAS",
                        "empty: give a comma-separated list of schema names",
                    ));
                }
                schemas
            }
        };
        let https = match (raw.tls_cert_file, raw.tls_key_file) {
            (None, None) => None,
            (Some(cert), Some(key)) => Some(HttpsFiles {
                cert: existing_file("TLS_CERT_FILE", cert)?,
                key: existing_file("TLS_KEY_FILE", key)?,
            }),
            (Some(_), None) => {
                return Err(ConfigError::new(
                    "TLS_KEY_FILE",
                    "not set, but GATEHOUSE_TLS_CERT_FILE is: HTTPS needs both",
                ));
            }
            (None, Some(_)) => {
                return Err(ConfigError::new(
                    "TLS_CERT_FILE",
                    "not set, but GATEHOUSE_TLS_KEY_FILE is: HTTPS needs both",
                ));
            }
        };

        let jwks_url = match raw.jwks_url {
            None => None,
            Some(_) if raw.jwks_file.is_some() => {
                return Err(ConfigError::new(
                    "JWKS_URL",
                    "set both GATEHOUSE_JWKS_URL and GATEHOUSE_JWKS_FILE: keep one",
                ));
            }
            Some(text) => {
                let url = url::Url::parse(text.trim()).map_err(|err| {
                    ConfigError::new("JWKS_URL", format!("{text:?} is not a URL: {err}"))
                })?;
                crate::auth::remote::check_url(&url)
                    .map_err(|problem| ConfigError::new("JWKS_URL", problem))?;
                Some(url)
            }
        };

        Ok(Settings {
            database: DatabaseSettings {
                primary,
                replica,
                pool,
                schemas,
                statement_timeout,
                settings_on_every_read: match raw.read_settings.as_deref() {
                    None | Some("auto") => false,
                    Some("always") => true,
                    Some(other) => {
                        return Err(ConfigError::new(
                            "READ_SETTINGS",
                            format!("expected auto or always, got {other:?}"),
                        ));
                    }
                },
                read_lane_depth: number("READ_LANE_DEPTH", raw.read_lane_depth, 0, 1_000)?
                    .unwrap_or(DEFAULT_READ_LANE_DEPTH),
            },
            listen: address("LISTEN", raw.listen, "127.0.0.1:3000")?,
            workers: number("WORKERS", raw.workers, 1, 1_024)?.unwrap_or_else(|| {
                std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
            }),
            admin_listen: address("ADMIN_LISTEN", raw.admin_listen, "127.0.0.1:3001")?,
            policy_file: raw
                .policy_file
                .map(|path| existing_file("POLICY_FILE", path))
                .transpose()?,
            max_rows: number("MAX_ROWS", raw.max_rows, 1, u64::MAX)?.or(Some(1000)),
            max_body_bytes: number("MAX_BODY_BYTES", raw.max_body_bytes, 1, 1 << 30)?
                .unwrap_or(1 << 20),
            encryption_keys: encryption_keys(
                secret(
                    "ENCRYPTION_KEY",
                    raw.encryption_key,
                    raw.encryption_key_file.clone(),
                )?,
                secret(
                    "ENCRYPTION_KEYS",
                    raw.encryption_keys,
                    raw.encryption_keys_file.clone(),
                )?
                .map(|list| {
                    let variable = if raw.encryption_keys_file.is_some() {
                        "ENCRYPTION_KEYS_FILE"
                    } else {
                        "ENCRYPTION_KEYS"
                    };
                    (variable, list)
                }),
            )?,
            jwt: JwtSettings {
                secret: secret("JWT_SECRET", raw.jwt_secret, raw.jwt_secret_file)?,
                jwks_file: raw
                    .jwks_file
                    .map(|path| existing_file("JWKS_FILE", path))
                    .transpose()?,
                audience: raw.jwt_audience,
                role_claim: raw.jwt_role_claim.unwrap_or_else(|| "role".to_owned()),
                tenant_claim: raw
                    .jwt_tenant_claim
                    .unwrap_or_else(|| "tenant_id".to_owned()),
            },
            api_keys: ApiKeySettings {
                pepper: pepper(raw.api_key_pepper, raw.api_key_pepper_file)?,
            },
            network: NetworkSettings {
                allow_cidrs: cidrs("ALLOW_CIDRS", raw.allow_cidrs)?,
                trusted_proxies: cidrs("TRUSTED_PROXIES", raw.trusted_proxies)?,
            },
            jwks_url,
            jwt_cookie: raw
                .jwt_cookie
                .map(|name| {
                    let valid = !name.is_empty()
                        && name
                            .bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
                    if valid {
                        Ok(name)
                    } else {
                        Err(ConfigError::new(
                            "JWT_COOKIE",
                            format!("{name:?} is not a cookie name"),
                        ))
                    }
                })
                .transpose()?,
            https,
            log_format: match raw.log_format.as_deref() {
                None | Some("text") => LogFormat::Text,
                Some("json") => LogFormat::Json,
                Some(other) => {
                    return Err(ConfigError::new(
                        "LOG_FORMAT",
                        format!("expected text or json, got {other:?}"),
                    ));
                }
            },
            log_filter: raw.log,
            unknown_variables: Vec::new(),
        })
    }
}

/// The keys of encrypted columns: `GATEHOUSE_ENCRYPTION_KEY` (one key, id `default`) or
/// `GATEHOUSE_ENCRYPTION_KEYS` (a list, read from the variable named with it), not both.
fn encryption_keys(
    single: Option<Secret>,
    list: Option<(&str, Secret)>,
) -> Result<Option<policy::Keyring>, ConfigError> {
    match (single, list) {
        (None, None) => Ok(None),
        (Some(_), Some(_)) => Err(ConfigError::new(
            "ENCRYPTION_KEYS",
            "set, and so is GATEHOUSE_ENCRYPTION_KEY (or a _FILE variant of either): keep one \
             (one key alone is the list `default:KEY`)",
        )),
        (Some(key), None) => policy::Keyring::single(key.expose())
            .map(Some)
            .map_err(|err| ConfigError::new("ENCRYPTION_KEY", err.to_string())),
        (None, Some((variable, list))) => parse_key_list(list.expose())
            .map(Some)
            .map_err(|err| ConfigError::new(variable, err.to_string())),
    }
}

/// `id:key,id:key,…`, newest first: entries separated by commas or newlines (spaces around an
/// entry are ignored, empty entries skipped), each split at its first `:`. Errors number the
/// entry and never contain any of its text.
pub fn parse_key_list(text: &str) -> Result<policy::Keyring, policy::KeyringError> {
    let mut keys = Vec::new();
    let entries = text
        .split([',', '\n'])
        .map(str::trim)
        .filter(|entry| !entry.is_empty());
    for (i, entry) in entries.enumerate() {
        let (id, key) = entry
            .split_once(':')
            .ok_or(policy::KeyringError::NoId { entry: i + 1 })?;
        keys.push((id.trim_end().to_owned(), key.trim_start().to_owned()));
    }
    policy::Keyring::new(keys)
}

/// A secret given either directly (`GATEHOUSE_X`) or as a file (`GATEHOUSE_X_FILE`), not both.
/// Error messages never contain the value.
fn secret(
    name: &str,
    value: Option<String>,
    file: Option<String>,
) -> Result<Option<Secret>, ConfigError> {
    match (value, file) {
        (Some(_), Some(_)) => Err(ConfigError::new(
            name,
            format!("set both GATEHOUSE_{name} and GATEHOUSE_{name}_FILE: keep one"),
        )),
        (Some(value), None) if value.is_empty() => Err(ConfigError::new(name, "empty")),
        (Some(value), None) => Ok(Some(Secret(value))),
        (None, Some(path)) => {
            let file_var = format!("{name}_FILE");
            let text = std::fs::read_to_string(&path)
                .map_err(|err| ConfigError::new(&file_var, format!("read {path}: {err}")))?;
            let value = text.trim_end_matches(['\n', '\r']).to_owned();
            if value.is_empty() {
                return Err(ConfigError::new(&file_var, format!("{path} is empty")));
            }
            Ok(Some(Secret(value)))
        }
        (None, None) => Ok(None),
    }
}

/// `GATEHOUSE_API_KEY_PEPPER` (or `_FILE`): a secret of at least [`MIN_PEPPER_BYTES`] bytes.
fn pepper(value: Option<String>, file: Option<String>) -> Result<Option<Secret>, ConfigError> {
    let from_file = file.is_some();
    let pepper = secret("API_KEY_PEPPER", value, file)?;
    if let Some(pepper) = &pepper
        && pepper.expose().len() < MIN_PEPPER_BYTES
    {
        let name = if from_file {
            "API_KEY_PEPPER_FILE"
        } else {
            "API_KEY_PEPPER"
        };
        return Err(ConfigError::new(
            name,
            format!(
                "too short: use at least {MIN_PEPPER_BYTES} random bytes \
                 (e.g. `openssl rand -base64 48`)"
            ),
        ));
    }
    Ok(pepper)
}

/// A comma-separated list of CIDRs (`10.0.0.0/8, 192.168.1.7`); a bare address is a single-host
/// network. Empty or unset: no entries.
fn cidrs(name: &str, value: Option<String>) -> Result<Vec<ipnet::IpNet>, ConfigError> {
    let Some(list) = value else {
        return Ok(Vec::new());
    };
    list.split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(|item| {
            parse_cidr(item).ok_or_else(|| {
                ConfigError::new(
                    name,
                    format!("{item:?} is not a CIDR (like 10.0.0.0/8) or an IP address"),
                )
            })
        })
        .collect()
}

/// A CIDR (`10.0.0.0/8`) or a bare address (`127.0.0.1`, `::1`). Host bits must be zero.
pub fn parse_cidr(text: &str) -> Option<ipnet::IpNet> {
    if let Ok(net) = text.parse::<ipnet::IpNet>() {
        return (net.trunc() == net).then_some(net);
    }
    text.parse::<std::net::IpAddr>()
        .ok()
        .map(ipnet::IpNet::from)
}

fn number<T>(name: &str, value: Option<String>, min: T, max: T) -> Result<Option<T>, ConfigError>
where
    T: std::str::FromStr + PartialOrd + fmt::Display + Copy,
{
    let Some(text) = value else { return Ok(None) };
    match text.trim().parse::<T>() {
        Ok(n) if n >= min && n <= max => Ok(Some(n)),
        _ => Err(ConfigError::new(
            name,
            format!("expected a whole number from {min} to {max}, got {text:?}"),
        )),
    }
}

fn millis(name: &str, value: Option<String>) -> Result<Option<Duration>, ConfigError> {
    Ok(number(name, value, 1u64, 86_400_000)?.map(Duration::from_millis))
}

fn address(name: &str, value: Option<String>, default: &str) -> Result<SocketAddr, ConfigError> {
    let text = value.unwrap_or_else(|| default.to_owned());
    text.parse().map_err(|_| {
        ConfigError::new(
            name,
            format!("expected an address like 127.0.0.1:3000, got {text:?}"),
        )
    })
}

fn existing_file(name: &str, path: String) -> Result<PathBuf, ConfigError> {
    let path = PathBuf::from(path);
    if path.is_file() {
        Ok(path)
    } else {
        Err(ConfigError::new(
            name,
            format!("{} does not exist or is not a file", path.display()),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn error(pairs: &[(&str, &str)]) -> String {
        match Settings::from_vars(vars(pairs)) {
            Ok(settings) => panic!("expected an error, got {settings:?}"),
            Err(err) => err.to_string(),
        }
    }

    const URL: (&str, &str) = (
        "GATEHOUSE_DATABASE_URL",
        "postgres://app:s3cret-pw@db.example:5432/app",
    );

    #[test]
    fn defaults_are_sane() {
        let settings = Settings::from_vars(vars(&[URL])).expect("valid settings");
        assert_eq!(settings.listen.to_string(), "127.0.0.1:3000");
        assert_eq!(settings.admin_listen.to_string(), "127.0.0.1:3001");
        assert_eq!(settings.database.schemas, vec!["public"]);
        assert_eq!(
            settings.database.primary.ssl_mode(),
            pg::SslMode::VerifyFull
        );
        assert_eq!(settings.max_rows, Some(1000));
        assert_eq!(settings.jwt.role_claim, "role");
        assert_eq!(settings.jwt.tenant_claim, "tenant_id");
        assert_eq!(settings.database.read_lane_depth, DEFAULT_READ_LANE_DEPTH);
        assert!(settings.workers >= 1);
    }

    #[test]
    fn workers_and_lane_depth_are_checked() {
        let settings = Settings::from_vars(vars(&[
            URL,
            ("GATEHOUSE_WORKERS", "3"),
            ("GATEHOUSE_READ_LANE_DEPTH", "0"),
        ]))
        .expect("valid settings");
        assert_eq!(
            (settings.workers, settings.database.read_lane_depth),
            (3, 0)
        );
        assert_eq!(
            error(&[URL, ("GATEHOUSE_WORKERS", "0")]),
            "GATEHOUSE_WORKERS: expected a whole number from 1 to 1024, got \"0\""
        );
        assert!(
            error(&[URL, ("GATEHOUSE_READ_LANE_DEPTH", "-1")])
                .starts_with("GATEHOUSE_READ_LANE_DEPTH:")
        );
    }

    #[test]
    fn missing_database_url_names_the_variable() {
        assert!(error(&[]).starts_with("GATEHOUSE_DATABASE_URL: not set"));
    }

    #[test]
    fn bad_numbers_name_the_variable() {
        let message = error(&[URL, ("GATEHOUSE_POOL_SIZE", "lots")]);
        assert_eq!(
            message,
            "GATEHOUSE_POOL_SIZE: expected a whole number from 1 to 10000, got \"lots\""
        );
        let message = error(&[URL, ("GATEHOUSE_STATEMENT_TIMEOUT_MS", "0")]);
        assert!(
            message.starts_with("GATEHOUSE_STATEMENT_TIMEOUT_MS:"),
            "{message}"
        );
    }

    #[test]
    fn bad_listen_address_names_the_variable() {
        let message = error(&[URL, ("GATEHOUSE_LISTEN", "localhost")]);
        assert!(message.starts_with("GATEHOUSE_LISTEN:"), "{message}");
    }

    #[test]
    fn insecure_sslmode_is_refused_at_startup() {
        for mode in ["disable", "allow", "prefer", "require"] {
            let url = format!("postgres://app:pw@db.example/app?sslmode={mode}");
            let message = error(&[("GATEHOUSE_DATABASE_URL", &url)]);
            assert!(message.starts_with("GATEHOUSE_DATABASE_URL:"), "{message}");
            assert!(message.contains(mode), "{message}");
            assert!(!message.contains("pw@"), "password leaked: {message}");
        }
    }

    #[test]
    fn secrets_never_reach_debug_output() {
        let settings = Settings::from_vars(vars(&[
            URL,
            ("GATEHOUSE_JWT_SECRET", "jwt-secret-value"),
            ("GATEHOUSE_ENCRYPTION_KEY", "encryption-key-value"),
        ]))
        .expect("valid settings");
        let debug = format!("{settings:?}");
        for secret in ["s3cret-pw", "jwt-secret-value", "encryption-key-value"] {
            assert!(!debug.contains(secret), "{secret} in {debug}");
        }
    }

    fn key_ids(settings: &Settings) -> Vec<String> {
        settings
            .encryption_keys
            .as_ref()
            .expect("keys configured")
            .keys()
            .iter()
            .map(|key| key.id().to_owned())
            .collect()
    }

    #[test]
    fn encryption_keys_are_listed_newest_first() {
        let settings = Settings::from_vars(vars(&[
            URL,
            (
                "GATEHOUSE_ENCRYPTION_KEYS",
                "k2024-06:new-key-value , k2023:old:key:value,",
            ),
        ]))
        .expect("valid settings");
        assert_eq!(key_ids(&settings), ["k2024-06", "k2023"]);
        let keys = settings.encryption_keys.as_ref().expect("keys");
        assert_eq!(keys.newest().id(), "k2024-06");
        assert_eq!(keys.legacy().id(), "k2023");
        let debug = format!("{settings:?}");
        assert!(debug.contains("k2024-06"), "{debug}");
        for secret in ["new-key-value", "old:key:value"] {
            assert!(!debug.contains(secret), "{secret} in {debug}");
        }

        let settings = Settings::from_vars(vars(&[URL, ("GATEHOUSE_ENCRYPTION_KEY", "one-key")]))
            .expect("valid settings");
        assert_eq!(key_ids(&settings), ["default"]);
        let settings = Settings::from_vars(vars(&[URL])).expect("valid settings");
        assert!(settings.encryption_keys.is_none());
    }

    #[test]
    fn bad_encryption_key_lists_name_the_variable_and_never_a_key() {
        let cases = [
            ("nocolon-secret-1", "entry 1 is not id:key"),
            ("a:secret-1,secret-2", "entry 2 is not id:key"),
            (
                "bad id:secret-1",
                "entry 1: the id must be 1 to 16 characters of A-Z a-z 0-9 _ - (entries are id:key)",
            ),
            (
                "seventeen-chars-x:secret-1",
                "entry 1: the id must be 1 to 16 characters of A-Z a-z 0-9 _ - (entries are id:key)",
            ),
            (
                ":secret-1",
                "entry 1: the id must be 1 to 16 characters of A-Z a-z 0-9 _ - (entries are id:key)",
            ),
            ("a:secret-1,b:", "entry 2: the key is empty"),
            ("a:secret-1,a:secret-2", "entries 1 and 2 have the same id"),
            (" , ", "no keys given"),
        ];
        for (list, problem) in cases {
            let message = error(&[URL, ("GATEHOUSE_ENCRYPTION_KEYS", list)]);
            assert_eq!(
                message,
                format!("GATEHOUSE_ENCRYPTION_KEYS: {problem}"),
                "{list}"
            );
            assert!(!message.contains("secret"), "{message}");
        }
    }

    #[test]
    fn one_key_and_a_key_list_together_are_refused() {
        let message = error(&[
            URL,
            ("GATEHOUSE_ENCRYPTION_KEY", "secret-1"),
            ("GATEHOUSE_ENCRYPTION_KEYS", "a:secret-2"),
        ]);
        assert!(
            message.starts_with("GATEHOUSE_ENCRYPTION_KEYS: "),
            "{message}"
        );
        assert!(message.contains("GATEHOUSE_ENCRYPTION_KEY "), "{message}");
        assert!(!message.contains("secret-"), "{message}");
    }

    #[test]
    fn encryption_keys_can_come_from_a_file_one_per_line() {
        let dir = std::env::temp_dir().join(format!("gatehouse-keys-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let file = dir.join("keys");
        std::fs::write(&file, "new:secret-new\nold:secret-old\n").expect("write");
        let path = file.to_str().expect("utf-8 path");
        let settings = Settings::from_vars(vars(&[URL, ("GATEHOUSE_ENCRYPTION_KEYS_FILE", path)]))
            .expect("valid settings");
        assert_eq!(key_ids(&settings), ["new", "old"]);

        std::fs::write(&file, "new:secret-new\nsecret-old\n").expect("write");
        let message = error(&[URL, ("GATEHOUSE_ENCRYPTION_KEYS_FILE", path)]);
        assert_eq!(
            message,
            "GATEHOUSE_ENCRYPTION_KEYS_FILE: entry 2 is not id:key"
        );
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn secrets_can_come_from_files() {
        let dir = std::env::temp_dir().join(format!("gatehouse-settings-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let file = dir.join("url");
        std::fs::write(&file, format!("{}\n", URL.1)).expect("write");
        let settings = Settings::from_vars(vars(&[(
            "GATEHOUSE_DATABASE_URL_FILE",
            file.to_str().expect("utf-8 path"),
        )]))
        .expect("valid settings");
        assert_eq!(settings.database.primary.host(), "db.example");

        let message = error(&[
            URL,
            ("GATEHOUSE_DATABASE_URL_FILE", file.to_str().expect("utf-8")),
        ]);
        assert!(message.contains("keep one"), "{message}");
        let message = error(&[("GATEHOUSE_JWT_SECRET_FILE", "/nonexistent/secret"), URL]);
        assert!(
            message.starts_with("GATEHOUSE_JWT_SECRET_FILE: read /nonexistent/secret"),
            "{message}"
        );
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn unknown_variables_are_reported() {
        let settings =
            Settings::from_vars(vars(&[URL, ("GATEHOUSE_POOLSIZE", "5")])).expect("valid settings");
        assert_eq!(settings.unknown_variables, vec!["GATEHOUSE_POOLSIZE"]);
    }

    #[test]
    fn pepper_must_be_long_enough_and_stays_secret() {
        let message = error(&[URL, ("GATEHOUSE_API_KEY_PEPPER", "short-pepper")]);
        assert!(
            message.starts_with("GATEHOUSE_API_KEY_PEPPER: too short"),
            "{message}"
        );
        assert!(!message.contains("short-pepper"), "{message}");
        let pepper = "a-pepper-that-is-long-enough-0123456789";
        let settings = Settings::from_vars(vars(&[URL, ("GATEHOUSE_API_KEY_PEPPER", pepper)]))
            .expect("valid settings");
        assert_eq!(
            settings.api_keys.pepper.as_ref().map(Secret::expose),
            Some(pepper)
        );
        assert!(!format!("{settings:?}").contains(pepper));
    }

    #[test]
    fn cidr_lists_parse_and_name_the_variable() {
        let settings = Settings::from_vars(vars(&[
            URL,
            ("GATEHOUSE_ALLOW_CIDRS", "10.0.0.0/8, 127.0.0.1,::1/128"),
            ("GATEHOUSE_TRUSTED_PROXIES", ""),
        ]))
        .expect("valid settings");
        let allow: Vec<String> = settings
            .network
            .allow_cidrs
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(allow, ["10.0.0.0/8", "127.0.0.1/32", "::1/128"]);
        assert!(settings.network.trusted_proxies.is_empty());
        let message = error(&[URL, ("GATEHOUSE_TRUSTED_PROXIES", "10.0.0.1/8")]);
        assert!(
            message.starts_with("GATEHOUSE_TRUSTED_PROXIES: \"10.0.0.1/8\" is not a CIDR"),
            "{message}"
        );
        let message = error(&[URL, ("GATEHOUSE_ALLOW_CIDRS", "everyone")]);
        assert!(message.starts_with("GATEHOUSE_ALLOW_CIDRS:"), "{message}");
    }

    #[test]
    fn jwks_url_and_cookie() {
        let settings = Settings::from_vars(vars(&[
            URL,
            (
                "GATEHOUSE_JWKS_URL",
                "https://idp.example/.well-known/jwks.json",
            ),
            ("GATEHOUSE_JWT_COOKIE", "session"),
        ]))
        .expect("valid settings");
        assert_eq!(
            settings.jwks_url.as_ref().map(url::Url::as_str),
            Some("https://idp.example/.well-known/jwks.json")
        );
        assert_eq!(settings.jwt_cookie.as_deref(), Some("session"));
        let message = error(&[URL, ("GATEHOUSE_JWKS_URL", "http://idp.example/jwks")]);
        assert!(
            message.starts_with("GATEHOUSE_JWKS_URL: must be https"),
            "{message}"
        );
        let message = error(&[
            URL,
            ("GATEHOUSE_JWKS_URL", "https://idp.example/jwks"),
            ("GATEHOUSE_JWKS_FILE", "/etc/hostname"),
        ]);
        assert!(message.contains("keep one"), "{message}");
        let message = error(&[URL, ("GATEHOUSE_JWT_COOKIE", "a b")]);
        assert!(message.starts_with("GATEHOUSE_JWT_COOKIE:"), "{message}");
    }

    #[test]
    fn https_needs_both_files() {
        let message = error(&[URL, ("GATEHOUSE_TLS_CERT_FILE", "/etc/hostname")]);
        assert!(message.starts_with("GATEHOUSE_TLS_KEY_FILE:"), "{message}");
    }
}
