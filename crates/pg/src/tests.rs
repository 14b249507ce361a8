//! URL parsing and configuration, without a database.

use std::net::{IpAddr, Ipv4Addr};
use std::path::Path;
use std::time::Duration;

use crate::{ChannelBinding, ConnectOptions, Error, SslMode, describe};

fn parse(url: &str) -> ConnectOptions {
    ConnectOptions::from_url(url).unwrap_or_else(|e| panic!("{url}: {}", describe(&e)))
}

fn parse_err(url: &str) -> Error {
    match ConnectOptions::from_url(url) {
        Ok(opts) => panic!("{url} parsed: {opts:?}"),
        Err(e) => e,
    }
}

#[test]
fn defaults_are_verify_full_and_channel_binding_required() {
    let opts = parse("postgres://app:secret@db.example.com/shop");
    assert_eq!(opts.user(), "app");
    assert_eq!(opts.host(), "db.example.com");
    assert_eq!(opts.port(), 5432);
    assert_eq!(opts.dbname(), "shop");
    assert_eq!(opts.ssl_mode(), SslMode::VerifyFull);
    assert_eq!(opts.get_channel_binding(), ChannelBinding::Require);
    assert_eq!(opts.effective_ca_file(), None);
    assert_eq!(opts.hostaddr(), None);
    assert_eq!(opts.connect_timeout(), crate::DEFAULT_CONNECT_TIMEOUT);
}

#[test]
fn postgresql_scheme_port_and_default_dbname() {
    let opts = parse("postgresql://app@localhost:6543");
    assert_eq!(opts.port(), 6543);
    assert_eq!(
        opts.dbname(),
        "app",
        "libpq: the database defaults to the user name"
    );
}

#[test]
fn verify_modes() {
    let full = parse("postgres://u@h/d?sslmode=verify-full");
    assert_eq!(full.ssl_mode(), SslMode::VerifyFull);
    let ca = parse("postgres://u@h/d?sslmode=verify-ca&sslrootcert=/etc/ca.pem");
    assert_eq!(ca.ssl_mode(), SslMode::VerifyCa);
    assert_eq!(ca.effective_ca_file(), Some(Path::new("/etc/ca.pem")));
}

#[test]
fn insecure_modes_are_refused_with_a_fix() {
    for mode in ["disable", "allow", "prefer", "require"] {
        let err = parse_err(&format!("postgres://u:pw@h/d?sslmode={mode}"));
        assert!(
            matches!(&err, Error::InsecureSslMode { mode: m } if m == mode),
            "{mode}: {err:?}"
        );
        let msg = err.to_string();
        assert!(msg.starts_with(&format!("sslmode={mode} ")), "{msg}");
        assert!(
            msg.contains("use verify-full (the default) or verify-ca"),
            "{msg}"
        );
        assert!(!msg.contains("pw"), "{msg}");
    }
    assert_eq!(
        parse_err("postgres://u@h/d?sslmode=require").to_string(),
        "sslmode=require encrypts without verifying the server; use verify-full (the default) \
         or verify-ca with a CA file (sslrootcert=/path/to/ca.pem)"
    );
}

#[test]
fn unknown_sslmode() {
    let err = parse_err("postgres://u@h/d?sslmode=verify-some");
    assert!(matches!(err, Error::UnknownSslMode { ref mode } if mode == "verify-some"));
}

#[test]
fn percent_encoded_credentials_and_dbname() {
    let opts = parse("postgres://us%40er:p%40ss%3Aw%2Fo%25rd%20x@h/my%20db");
    assert_eq!(opts.user(), "us@er");
    assert_eq!(opts.dbname(), "my db");
    assert_eq!(opts.to_tokio().get_password(), Some(&b"p@ss:w/o%rd x"[..]));
    // A plus sign is a plus sign (not a form-encoded space).
    let opts = parse("postgres://u:a+b@h/d?sslrootcert=/tmp/a+b.pem");
    assert_eq!(opts.to_tokio().get_password(), Some(&b"a+b"[..]));
    assert_eq!(opts.effective_ca_file(), Some(Path::new("/tmp/a+b.pem")));
}

#[test]
fn unknown_parameter_is_named() {
    let err = parse_err("postgres://u@h/d?sslmode=verify-full&sslcrl=/x");
    assert!(matches!(err, Error::UnknownParameter { ref name } if name == "sslcrl"));
    assert!(err.to_string().contains("`sslcrl`"), "{err}");
    // A password given as a parameter is refused, and its value never printed.
    let err = parse_err("postgres://u@h/d?password=hunter2");
    assert!(matches!(err, Error::UnknownParameter { ref name } if name == "password"));
    assert!(!format!("{err} {err:?}").contains("hunter2"));
}

#[test]
fn duplicate_parameter() {
    let err = parse_err("postgres://u@h/d?sslmode=verify-ca&sslmode=verify-full");
    assert!(matches!(err, Error::DuplicateParameter { ref name } if name == "sslmode"));
}

#[test]
fn all_known_parameters() {
    let opts = parse(
        "postgres://u:p@localhost:5433/d?sslmode=verify-full&sslrootcert=/ca.pem\
         &sslcert=/c.pem&sslkey=/k.pem&channel_binding=prefer&hostaddr=127.0.0.1\
         &application_name=gate%20house&connect_timeout=3",
    );
    assert_eq!(
        opts.client_cert(),
        Some((Path::new("/c.pem"), Path::new("/k.pem")))
    );
    assert_eq!(opts.get_channel_binding(), ChannelBinding::Prefer);
    assert_eq!(opts.hostaddr(), Some(IpAddr::V4(Ipv4Addr::LOCALHOST)));
    assert_eq!(opts.host(), "localhost");
    assert_eq!(opts.application_name(), Some("gate house"));
    assert_eq!(opts.connect_timeout(), Duration::from_secs(3));
    let config = opts.to_tokio();
    assert_eq!(
        config.get_ssl_mode(),
        tokio_postgres::config::SslMode::Require
    );
    assert_eq!(config.get_hostaddrs(), &[IpAddr::V4(Ipv4Addr::LOCALHOST)]);
    assert_eq!(
        config.get_hosts(),
        &[tokio_postgres::config::Host::Tcp("localhost".to_owned())]
    );
    assert_eq!(
        config.get_channel_binding(),
        tokio_postgres::config::ChannelBinding::Prefer
    );
}

#[test]
fn channel_binding_values() {
    let disable = parse("postgres://u@h/d?channel_binding=disable");
    assert_eq!(disable.get_channel_binding(), ChannelBinding::Disable);
    let require = parse("postgres://u@h/d?channel_binding=require");
    assert_eq!(require.get_channel_binding(), ChannelBinding::Require);
    let err = parse_err("postgres://u@h/d?channel_binding=maybe");
    assert!(matches!(err, Error::InvalidParameter { ref name, .. } if name == "channel_binding"));
    let explicit = require.channel_binding(ChannelBinding::Disable);
    assert_eq!(
        explicit.to_tokio().get_channel_binding(),
        tokio_postgres::config::ChannelBinding::Disable
    );
}

#[test]
fn tokio_config_always_requires_tls() {
    for url in [
        "postgres://u@h/d",
        "postgres://u@h/d?sslmode=verify-ca",
        "postgres://u@h/d?sslmode=verify-full",
    ] {
        assert_eq!(
            parse(url).to_tokio().get_ssl_mode(),
            tokio_postgres::config::SslMode::Require,
            "{url}"
        );
    }
}

#[test]
fn bad_values() {
    for url in [
        "postgres://u@h/d?hostaddr=localhost",
        "postgres://u@h/d?connect_timeout=0",
        "postgres://u@h/d?connect_timeout=soon",
        "postgres://u@h/d?sslrootcert=",
    ] {
        assert!(
            matches!(parse_err(url), Error::InvalidParameter { .. }),
            "{url}"
        );
    }
    assert!(matches!(
        parse_err("postgres://u@h/d?sslcert=/c.pem"),
        Error::IncompleteClientCert
    ));
}

#[test]
fn url_shape_errors() {
    assert!(matches!(parse_err("not a url"), Error::InvalidUrl { .. }));
    assert!(matches!(
        parse_err("mysql://u@h/d"),
        Error::UnsupportedScheme { ref scheme } if scheme == "mysql"
    ));
    assert!(matches!(parse_err("postgres:///d"), Error::MissingHost));
    assert!(matches!(parse_err("postgres://h/d"), Error::MissingUser));
    assert!(matches!(
        parse_err("postgres://u@h1,h2/d"),
        Error::MultipleHosts { .. }
    ));
    assert!(matches!(
        parse_err("postgres://u@h:0/d"),
        Error::InvalidPort
    ));
}

#[test]
fn hostaddr_needs_a_host_name() {
    assert!(matches!(
        parse_err("postgres://u@/d?hostaddr=127.0.0.1"),
        Error::MissingHost
    ));
}

#[test]
fn ip_hosts() {
    assert_eq!(parse("postgres://u@127.0.0.1/d").host(), "127.0.0.1");
    assert_eq!(parse("postgres://u@[::1]:5433/d").host(), "::1");
}

#[test]
fn explicit_ca_file_wins_over_sslrootcert() {
    let opts = parse("postgres://u@h/d?sslrootcert=/from/url.pem").ca_file("/explicit.pem");
    assert_eq!(opts.effective_ca_file(), Some(Path::new("/explicit.pem")));
    let system = parse("postgres://u@h/d?sslrootcert=system");
    assert_eq!(system.effective_ca_file(), None);
}

#[test]
fn debug_never_shows_the_password() {
    let opts = parse("postgres://app:s3cr%21t-pass@h/d");
    let debug = format!("{opts:?}");
    assert!(!debug.contains("s3cr"), "{debug}");
    assert!(debug.contains(r#"password: Some("***")"#), "{debug}");
    let pretty = format!("{opts:#?}");
    assert!(!pretty.contains("s3cr"), "{pretty}");
    let other = opts.with_credentials("other", "an0ther-secret");
    assert!(!format!("{other:?}").contains("an0ther"));
}

#[test]
fn to_url_round_trips() {
    let opts = parse(
        "postgres://us%40er:p%40ss%2F%3F%23@localhost:5433/my%20db?sslmode=verify-ca\
         &sslrootcert=/tmp/dir%20x/ca.pem&hostaddr=127.0.0.1&channel_binding=disable\
         &application_name=gh&connect_timeout=7",
    );
    assert_eq!(
        ConnectOptions::from_url(&opts.to_url()).ok(),
        Some(opts.clone())
    );
    let moved = opts
        .with_dbname("other")
        .with_credentials("x", "y z")
        .ca_file("/explicit.pem");
    let back = parse(&moved.to_url());
    assert_eq!(back.dbname(), "other");
    assert_eq!(back.user(), "x");
    assert_eq!(back.effective_ca_file(), Some(Path::new("/explicit.pem")));
    assert_eq!(back.to_tokio().get_password(), Some(&b"y z"[..]));
    let v6 = parse("postgres://u@[::1]:5433/d");
    assert_eq!(parse(&v6.to_url()), v6);
}

#[test]
fn describe_walks_sources_without_repeating() {
    let io = std::io::Error::other("invalid peer certificate: UnknownIssuer");
    let err = Error::ReadCaFile {
        path: "/x.pem".into(),
        source: io,
    };
    assert_eq!(
        describe(&err),
        "read CA file /x.pem: invalid peer certificate: UnknownIssuer"
    );
}

#[test]
fn missing_ca_file_is_reported_at_build_time() {
    let opts = parse("postgres://u@h/d").ca_file("/nonexistent/ca.pem");
    let err = crate::pool(&opts, &crate::PoolOptions::default()).err();
    assert!(
        matches!(err, Some(Error::ReadCaFile { ref path, .. }) if path == Path::new("/nonexistent/ca.pem")),
        "{err:?}"
    );
}

#[test]
fn unix_socket_hosts_are_refused() {
    let err = parse_err("postgres://u@%2Fvar%2Frun%2Fpostgresql/d");
    assert!(matches!(err, Error::UnixSocketHost { ref host } if host == "/var/run/postgresql"));
}

#[test]
fn verify_ca_needs_a_ca_file_of_its_own() {
    let opts = parse("postgres://u@h/d?sslmode=verify-ca");
    let err = crate::pool(&opts, &crate::PoolOptions::default()).err();
    assert!(matches!(err, Some(Error::VerifyCaWithoutCaFile)), "{err:?}");
    let public = parse("postgres://u@h/d?sslmode=verify-full");
    assert!(crate::pool(&public, &crate::PoolOptions::default()).is_ok());
}
