//! Logging setup. Logs go to stderr; a request's credentials never reach them.

use tracing_subscriber::EnvFilter;

use crate::settings::LogFormat;

/// Installs the global subscriber once. `filter` uses tracing's `EnvFilter` syntax; the
/// default is `info`.
pub fn init(format: LogFormat, filter: Option<&str>) {
    let filter = filter
        .and_then(|value| EnvFilter::try_new(value).ok())
        .unwrap_or_else(|| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    // A second call (tests start several applications) keeps the first subscriber.
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}
