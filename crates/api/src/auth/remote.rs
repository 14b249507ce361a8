//! JWT verification keys from a URL (`GATEHOUSE_JWKS_URL`): fetched at startup (a failure stops
//! startup, naming the variable), refreshed every [`REFRESH_EVERY`] in the background, and at
//! once when a token names a `kid` we do not have (at most once per [`MIN_REFRESH_GAP`], so
//! tokens with made-up kids cannot make us hammer the identity provider). A failed refresh
//! keeps the keys we have. The same rules as for `GATEHOUSE_JWKS_FILE` apply to the document
//! (RS256 / ES256 signature keys, unique kids), and each key's algorithm is fixed by the set,
//! never by the token.
//!
//! The document is fetched over HTTPS, the server verified against the webpki roots with
//! rustls (ring), without following redirects, within [`FETCH_TIMEOUT`] and [`MAX_BYTES`].
//! Plain HTTP is accepted only for loopback hosts (settings refuse anything else).

use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use super::keys::{Key, parse_jwks};

/// How often the set is fetched again.
pub const REFRESH_EVERY: Duration = Duration::from_secs(300);
/// After a failed periodic fetch, the next try comes this much later.
const RETRY_EVERY: Duration = Duration::from_secs(30);
/// Fetches caused by unknown kids are at least this far apart.
pub const MIN_REFRESH_GAP: Duration = Duration::from_secs(10);
const FETCH_TIMEOUT: Duration = Duration::from_secs(10);
const MAX_BYTES: usize = 1 << 20;

/// A key set behind a URL.
pub(super) struct RemoteJwks {
    url: url::Url,
    client: reqwest::Client,
    keys: RwLock<Arc<Vec<Key>>>,
    /// When a token with an unknown kid last made us fetch.
    last_on_demand: Mutex<Option<Instant>>,
    fetching: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for RemoteJwks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RemoteJwks")
            .field("url", &self.url.as_str())
            .field("keys", &self.keys().len())
            .finish_non_exhaustive()
    }
}

impl RemoteJwks {
    /// The fetcher; nothing is fetched yet.
    pub(super) fn new(url: url::Url) -> Result<Self, String> {
        let mut roots = rustls::RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        let tls = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .map_err(|err| format!("TLS configuration: {err}"))?
        .with_root_certificates(roots)
        .with_no_client_auth();
        let client = reqwest::Client::builder()
            .use_preconfigured_tls(tls)
            .redirect(reqwest::redirect::Policy::none())
            .timeout(FETCH_TIMEOUT)
            .connect_timeout(FETCH_TIMEOUT)
            .user_agent(concat!("gatehouse/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|err| format!("HTTP client: {err}"))?;
        Ok(Self {
            url,
            client,
            keys: RwLock::new(Arc::new(Vec::new())),
            last_on_demand: Mutex::new(None),
            fetching: tokio::sync::Mutex::new(()),
        })
    }

    /// The keys as last fetched.
    pub(super) fn keys(&self) -> Arc<Vec<Key>> {
        Arc::clone(&self.keys.read().unwrap_or_else(|p| p.into_inner()))
    }

    /// Fetches and parses the set, and replaces the keys; returns how many there are.
    pub(super) async fn fetch(&self) -> Result<usize, String> {
        let _one_at_a_time = self.fetching.lock().await;
        let text = self.download().await?;
        let keys = parse_jwks(&text)?;
        let count = keys.len();
        *self.keys.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(keys);
        Ok(count)
    }

    async fn download(&self) -> Result<String, String> {
        let mut response = self
            .client
            .get(self.url.clone())
            .header("accept", "application/jwk-set+json, application/json")
            .send()
            .await
            .map_err(|err| format!("fetch {}: {}", self.url, describe(&err)))?;
        let status = response.status();
        if !status.is_success() {
            return Err(format!("fetch {}: HTTP {status}", self.url));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|err| format!("read {}: {}", self.url, describe(&err)))?
        {
            if body.len() + chunk.len() > MAX_BYTES {
                return Err(format!("{}: larger than {MAX_BYTES} bytes", self.url));
            }
            body.extend_from_slice(&chunk);
        }
        String::from_utf8(body).map_err(|_| format!("{}: not UTF-8", self.url))
    }

    /// Fetches again because a token named an unknown kid, unless such a fetch happened less
    /// than [`MIN_REFRESH_GAP`] ago. Whether it fetched successfully.
    pub(super) async fn refresh_for_unknown_kid(&self) -> bool {
        {
            let mut last = self
                .last_on_demand
                .lock()
                .unwrap_or_else(|p| p.into_inner());
            if last.is_some_and(|at| at.elapsed() < MIN_REFRESH_GAP) {
                return false;
            }
            *last = Some(Instant::now());
        }
        match self.fetch().await {
            Ok(count) => {
                tracing::info!(url = %self.url, keys = count, "JWKS refreshed for an unknown kid");
                true
            }
            Err(error) => {
                tracing::warn!(%error, "JWKS refresh failed; keeping the keys we have");
                false
            }
        }
    }

    /// Refreshes every [`REFRESH_EVERY`] (after a failure, every [`RETRY_EVERY`]) until aborted.
    pub(super) async fn run(self: Arc<Self>) {
        let mut wait = REFRESH_EVERY;
        loop {
            tokio::time::sleep(wait).await;
            wait = match self.fetch().await {
                Ok(count) => {
                    tracing::debug!(url = %self.url, keys = count, "JWKS refreshed");
                    REFRESH_EVERY
                }
                Err(error) => {
                    tracing::warn!(%error, "JWKS refresh failed; keeping the keys we have");
                    RETRY_EVERY
                }
            };
        }
    }
}

/// reqwest's error with its causes.
fn describe(err: &reqwest::Error) -> String {
    let mut text = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Whether `url` may be fetched: HTTPS, or HTTP to a loopback host.
pub fn check_url(url: &url::Url) -> Result<(), String> {
    match url.scheme() {
        "https" => Ok(()),
        "http" => {
            let loopback = match url.host() {
                Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
                Some(url::Host::Ipv4(addr)) => addr.is_loopback(),
                Some(url::Host::Ipv6(addr)) => addr.is_loopback(),
                None => false,
            };
            if loopback {
                Ok(())
            } else {
                Err("must be https:// (plain http only for a loopback host)".to_owned())
            }
        }
        other => Err(format!("must be https://, not {other}://")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_https_or_loopback_http() {
        let ok = |text: &str| check_url(&url::Url::parse(text).expect("url")).is_ok();
        assert!(ok("https://idp.example/.well-known/jwks.json"));
        assert!(ok("http://127.0.0.1:8080/jwks"));
        assert!(ok("http://localhost/jwks"));
        assert!(ok("http://[::1]/jwks"));
        assert!(!ok("http://idp.example/jwks"));
        assert!(!ok("http://10.0.0.1/jwks"));
        assert!(!ok("ftp://idp.example/jwks"));
    }
}
