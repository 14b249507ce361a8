//! The TLS matrix, against the test kit's private cluster (ECDSA certificate for `localhost`
//! and `127.0.0.1`, `hostssl` + SCRAM only) and a second cluster with `ssl = off`.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use gatehouse_pg as pg;
use pg::{ChannelBinding, ConnectOptions, Error, PoolOptions, SslMode, describe};
use rcgen::{
    BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, PKCS_ECDSA_P256_SHA256,
};
use testkit::TestDatabase;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Connect and return the error, failing the test if the connection succeeds.
async fn refused(opts: &ConnectOptions) -> String {
    match pg::connect(opts).await {
        Ok(_) => panic!("connected, but must be refused: {opts:?}"),
        Err(e) => {
            assert!(matches!(e, Error::Connect { .. }), "{e:?}");
            describe(&e)
        }
    }
}

async fn connected(opts: &ConnectOptions) -> tokio_postgres::Client {
    pg::connect(opts)
        .await
        .unwrap_or_else(|e| panic!("connect: {}", describe(&e)))
}

/// A CA that has nothing to do with the cluster, written to a file of its own, plus a client
/// certificate and key it signed.
struct OtherCa {
    dir: PathBuf,
    ca_file: PathBuf,
    client_cert: PathBuf,
    client_key: PathBuf,
}

impl Drop for OtherCa {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn other_ca(tag: &str) -> OtherCa {
    let dir = std::env::temp_dir().join(format!("gatehouse-pg-tls-{}-{tag}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("create temp dir");
    let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).expect("key");
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
    params
        .distinguished_name
        .push(DnType::CommonName, "Some other CA");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let cert = params.self_signed(&key).expect("self-sign");
    let issuer = Issuer::new(params, key);
    let client_key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).expect("key");
    let mut client = CertificateParams::new(Vec::<String>::new()).expect("params");
    client
        .distinguished_name
        .push(DnType::CommonName, "gatehouse_app");
    let client_cert = client.signed_by(&client_key, &issuer).expect("sign");

    let ca_file = dir.join("ca.crt");
    let client_cert_file = dir.join("client.crt");
    let client_key_file = dir.join("client.key");
    std::fs::write(&ca_file, cert.pem()).expect("write CA");
    std::fs::write(&client_cert_file, client_cert.pem()).expect("write client cert");
    std::fs::write(&client_key_file, client_key.serialize_pem()).expect("write client key");
    OtherCa {
        dir,
        ca_file,
        client_cert: client_cert_file,
        client_key: client_key_file,
    }
}

#[tokio::test]
async fn verify_full_connects_over_tls() {
    let db = TestDatabase::new().await;
    let opts = db.app_options();
    assert_eq!(opts.ssl_mode(), SslMode::VerifyFull);
    assert_eq!(opts.host(), "localhost");
    let client = connected(&opts).await;
    let status = pg::tls_status(&client).await.expect("tls status");
    assert!(status.ssl, "{status:?}");
    assert!(
        matches!(status.version.as_deref(), Some("TLSv1.2" | "TLSv1.3")),
        "{status:?}"
    );
    assert!(
        status.cipher.is_some() && status.bits.is_some(),
        "{status:?}"
    );
}

#[tokio::test]
async fn verify_full_accepts_the_ip_address_in_the_certificate() {
    let db = TestDatabase::new().await;
    let client = connected(&db.app_options().with_host("127.0.0.1")).await;
    assert!(pg::tls_status(&client).await.expect("tls status").ssl);
}

#[tokio::test]
async fn a_ca_that_did_not_sign_the_server_certificate_is_refused() {
    let db = TestDatabase::new().await;
    let other = other_ca("untrusted");
    for mode in [SslMode::VerifyFull, SslMode::VerifyCa] {
        let opts = db.app_options().with_ssl_mode(mode).ca_file(&other.ca_file);
        let message = refused(&opts).await;
        assert!(
            message.contains("invalid peer certificate") && message.contains("UnknownIssuer"),
            "{mode:?}: {message}"
        );
        assert!(
            message.starts_with("connect to the database: "),
            "{message}"
        );
    }
}

#[tokio::test]
async fn the_public_roots_do_not_trust_a_private_server() {
    let db = TestDatabase::new().await;
    // No CA file at all: webpki-roots, which never signed our private CA.
    let url = db.app_url();
    let (head, _) = url.split_once('?').expect("the URL has parameters");
    let opts = ConnectOptions::from_url(&format!("{head}?hostaddr=127.0.0.1")).expect("parse");
    assert_eq!(opts.effective_ca_file(), None);
    let message = refused(&opts).await;
    assert!(message.contains("UnknownIssuer"), "{message}");
}

#[tokio::test]
async fn a_host_name_not_in_the_certificate_is_refused_under_verify_full() {
    let db = TestDatabase::new().await;
    let url = db.app_options().with_host("wrong.example").to_url();
    assert!(
        url.contains("@wrong.example:") && url.contains("hostaddr=127.0.0.1"),
        "URL shape"
    );
    let opts = ConnectOptions::from_url(&url).expect("parse");
    assert_eq!(opts.ssl_mode(), SslMode::VerifyFull);
    let message = refused(&opts).await;
    assert!(
        message.contains("not valid for name") && message.contains("wrong.example"),
        "{message}"
    );
}

#[tokio::test]
async fn a_host_name_not_in_the_certificate_is_accepted_under_verify_ca() {
    let db = TestDatabase::new().await;
    let url = db
        .app_options()
        .with_host("wrong.example")
        .with_ssl_mode(SslMode::VerifyCa)
        .to_url();
    assert!(url.contains("sslmode=verify-ca"), "{url}");
    let opts = ConnectOptions::from_url(&url).expect("parse");
    let client = connected(&opts).await;
    assert!(pg::tls_status(&client).await.expect("tls status").ssl);
}

#[tokio::test]
async fn insecure_ssl_modes_do_not_parse_and_say_how_to_fix_it() {
    let db = TestDatabase::new().await;
    let url = db.app_url();
    assert!(url.contains("sslmode=verify-full"));
    for mode in ["disable", "allow", "prefer", "require"] {
        let bad = url.replace("sslmode=verify-full", &format!("sslmode={mode}"));
        let err = ConnectOptions::from_url(&bad).expect_err(mode);
        assert!(
            matches!(&err, Error::InsecureSslMode { mode: m } if m == mode),
            "{err:?}"
        );
        let message = err.to_string();
        assert!(
            message.contains("use verify-full (the default) or verify-ca"),
            "{message}"
        );
        // Neither the message nor Debug repeats the URL (which holds the password).
        assert!(!message.contains("postgres://") && !format!("{err:?}").contains("postgres://"));
    }
}

/// Forwards one connection to `upstream`, recording every byte the client sends.
async fn recording_proxy(upstream: u16) -> (u16, tokio::task::JoinHandle<Vec<u8>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind proxy");
    let port = listener.local_addr().expect("proxy address").port();
    let handle = tokio::spawn(async move {
        let (client, _) = listener.accept().await.expect("accept");
        let server = tokio::net::TcpStream::connect(("127.0.0.1", upstream))
            .await
            .expect("connect upstream");
        let (mut client_read, mut client_write) = client.into_split();
        let (mut server_read, mut server_write) = server.into_split();
        let back = tokio::spawn(async move {
            let _ = tokio::io::copy(&mut server_read, &mut client_write).await;
        });
        let mut sent = Vec::new();
        let mut buf = [0u8; 4096];
        loop {
            match client_read.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    sent.extend_from_slice(&buf[..n]);
                    if server_write.write_all(&buf[..n]).await.is_err() {
                        break;
                    }
                }
            }
        }
        back.abort();
        sent
    });
    (port, handle)
}

/// The 8-byte SSLRequest: length 8, code 80877103.
const SSL_REQUEST: [u8; 8] = [0, 0, 0, 8, 4, 210, 22, 47];

#[tokio::test]
async fn a_server_without_tls_is_refused_and_never_spoken_to_in_plaintext() {
    let plain = testkit::plaintext_cluster().await;

    // Control: the server does accept plaintext sessions, so a client that fell back would
    // have got in.
    let (user, password) = plain.superuser();
    let mut control = tokio_postgres::Config::new();
    control
        .host("127.0.0.1")
        .port(plain.port())
        .user(user)
        .password(password)
        .dbname("postgres")
        .ssl_mode(tokio_postgres::config::SslMode::Disable)
        .channel_binding(tokio_postgres::config::ChannelBinding::Disable);
    let (client, connection) = control
        .connect(tokio_postgres::NoTls)
        .await
        .expect("the plaintext server accepts a plaintext client");
    tokio::spawn(connection);
    client
        .simple_query("select 1")
        .await
        .expect("plaintext query");

    // Ours: refused after the server declined TLS, having sent nothing but the SSLRequest.
    let (proxy_port, recorded) = recording_proxy(plain.port()).await;
    let opts = plain.options().with_port(proxy_port);
    let message = refused(&opts).await;
    assert!(message.contains("server does not support TLS"), "{message}");
    let sent = tokio::time::timeout(Duration::from_secs(10), recorded)
        .await
        .expect("the client hung up")
        .expect("proxy task");
    assert_eq!(
        sent, SSL_REQUEST,
        "the client sent more than the SSLRequest"
    );

    // The pool refuses it just the same.
    let pool = pg::pool(&plain.options(), &PoolOptions::default()).expect("build pool");
    let err = pool.get().await.expect_err("the pool must not connect");
    assert!(
        describe(&err).contains("server does not support TLS"),
        "{}",
        describe(&err)
    );
}

#[tokio::test]
async fn channel_binding_is_required_by_default_and_works_with_scram() {
    let db = TestDatabase::new().await;
    let opts = db.app_options();
    assert_eq!(opts.get_channel_binding(), ChannelBinding::Require);
    // tokio-postgres refuses to finish authentication under `require` unless the server
    // offered SCRAM-SHA-256-PLUS and the binding data came from the TLS session (see the
    // control below): getting a session is the proof.
    let client = connected(&opts).await;
    assert!(pg::tls_status(&client).await.expect("tls status").ssl);

    // The server only allows SCRAM over TLS.
    let rules = db
        .admin_client()
        .await
        .query(
            "select type, auth_method from pg_catalog.pg_hba_file_rules where error is null",
            &[],
        )
        .await
        .expect("read pg_hba_file_rules");
    assert!(!rules.is_empty());
    for rule in rules {
        let (kind, method): (String, String) = (rule.get(0), rule.get(1));
        assert_eq!(
            (kind.as_str(), method.as_str()),
            ("hostssl", "scram-sha-256")
        );
    }
}

#[tokio::test]
async fn channel_binding_require_is_enforced_by_the_client() {
    // Control for the test above: without TLS there is nothing to bind to, and `require`
    // refuses to authenticate rather than going on without it.
    let plain = testkit::plaintext_cluster().await;
    let (user, password) = plain.superuser();
    let mut config = tokio_postgres::Config::new();
    config
        .host("127.0.0.1")
        .port(plain.port())
        .user(user)
        .password(password)
        .dbname("postgres")
        .ssl_mode(tokio_postgres::config::SslMode::Disable)
        .channel_binding(tokio_postgres::config::ChannelBinding::Require);
    let err = config
        .connect(tokio_postgres::NoTls)
        .await
        .err()
        .expect("channel_binding=require without TLS must fail");
    assert!(
        describe(&err).contains("authentication"),
        "{}",
        describe(&err)
    );
}

#[tokio::test]
async fn a_client_certificate_is_loaded_and_sent_when_configured() {
    let db = TestDatabase::new().await;
    let other = other_ca("client");
    // The server does not ask for one, so the session works; a broken file would not.
    let opts = db
        .app_options()
        .with_client_cert(&other.client_cert, &other.client_key);
    connected(&opts).await;
    let broken = db
        .app_options()
        .with_client_cert(&other.client_cert, &other.ca_file);
    let err = pg::connect(&broken)
        .await
        .expect_err("a certificate is no key");
    assert!(
        matches!(err, Error::ClientCert { what: "key", .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn pool_wait_timeout_returns_an_error_instead_of_hanging() {
    let db = TestDatabase::new().await;
    let pool = pg::pool(
        &db.app_options(),
        &PoolOptions {
            max_size: 1,
            wait_timeout: Duration::from_millis(300),
            ..PoolOptions::default()
        },
    )
    .expect("build pool");
    let held = pool.get().await.expect("first connection");
    let started = Instant::now();
    let second = tokio::time::timeout(Duration::from_secs(10), pool.get())
        .await
        .expect("pool.get() hung");
    let err = second.expect_err("the only connection is held");
    assert!(
        matches!(
            err,
            deadpool_postgres::PoolError::Timeout(deadpool_postgres::TimeoutType::Wait)
        ),
        "{err:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(5));
    held.simple_query("select 1")
        .await
        .expect("the held connection still works");
    drop(held);
    let again = pool.get().await.expect("free again");
    again.simple_query("select 1").await.expect("query");
}

/// A statement sent alone on `client` cannot write to `t`.
async fn refuses_a_lone_write(client: &tokio_postgres::Client) {
    let err = client
        .execute("insert into t values (1)", &[])
        .await
        .expect_err("read-only");
    assert_eq!(
        err.code(),
        Some(&tokio_postgres::error::SqlState::READ_ONLY_SQL_TRANSACTION)
    );
}

#[tokio::test]
async fn pooled_connections_open_read_only_and_with_the_statement_timeout() {
    let db = TestDatabase::with_schema("create table t (id int)").await;
    db.grant_app(&["public"]).await;
    let pool = pg::pool(
        &db.app_options(),
        &PoolOptions {
            statement_timeout: Some(Duration::from_millis(250)),
            read_only_by_default: true,
            ..PoolOptions::default()
        },
    )
    .expect("build pool");
    let mut client = pool.get().await.expect("connection");
    let show = async |client: &tokio_postgres::Client, name: &str| -> String {
        client
            .query_one(&format!("show {name}"), &[])
            .await
            .expect("show")
            .get(0)
    };
    assert_eq!(show(&client, "default_transaction_read_only").await, "on");
    assert_eq!(show(&client, "statement_timeout").await, "250ms");
    // A statement alone cannot write, and is cut off at the timeout.
    refuses_a_lone_write(&client).await;
    let err = client
        .execute("select pg_sleep(2)", &[])
        .await
        .expect_err("timed out");
    assert_eq!(
        err.code(),
        Some(&tokio_postgres::error::SqlState::QUERY_CANCELED)
    );
    // A transaction that asks for it writes.
    let tx = client
        .build_transaction()
        .read_only(false)
        .start()
        .await
        .expect("begin");
    tx.execute("insert into t values (1)", &[])
        .await
        .expect("insert");
    tx.commit().await.expect("commit");
    let count: i64 = client
        .query_one("select count(*) from t", &[])
        .await
        .expect("count")
        .get(0);
    assert_eq!(count, 1);

    // Without the options, the server's defaults.
    let plain = pg::pool(&db.app_options(), &PoolOptions::default()).expect("build pool");
    let client = plain.get().await.expect("connection");
    assert_eq!(show(&client, "default_transaction_read_only").await, "off");
    assert_eq!(show(&client, "statement_timeout").await, "0");
}

#[tokio::test]
async fn a_session_outside_the_pool_carries_the_pools_options() {
    let db = TestDatabase::with_schema("create table t (id int)").await;
    db.grant_app(&["public"]).await;
    let options = PoolOptions {
        statement_timeout: Some(Duration::from_millis(300)),
        read_only_by_default: true,
        ..PoolOptions::default()
    };
    let (client, connection) = pg::connect_session(&db.app_options(), &options)
        .await
        .expect("connect");
    tokio::spawn(connection);
    let settings: Vec<String> = client
        .query_one(
            "select current_setting('default_transaction_read_only'), \
             current_setting('statement_timeout'), ssl from pg_stat_ssl \
             where pid = pg_backend_pid()",
            &[],
        )
        .await
        .map(|row| vec![row.get(0), row.get(1), row.get::<_, bool>(2).to_string()])
        .expect("settings");
    assert_eq!(settings, ["on", "300ms", "true"]);
    refuses_a_lone_write(&client).await;
}

#[tokio::test]
async fn pool_reports_certificate_errors_at_get() {
    let db = TestDatabase::new().await;
    let other = other_ca("pool");
    let pool = pg::pool(
        &db.app_options().ca_file(&other.ca_file),
        &PoolOptions::default(),
    )
    .expect("building does not connect");
    let err = pool.get().await.expect_err("untrusted server");
    let message = describe(&err);
    assert!(message.contains("UnknownIssuer"), "{message}");
}

#[tokio::test]
async fn connect_raw_delivers_notifications() {
    let db = TestDatabase::new().await;
    let (client, mut connection) = pg::connect_raw(&db.app_options())
        .await
        .unwrap_or_else(|e| panic!("connect: {}", describe(&e)));
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Some(Ok(message)) = std::future::poll_fn(|cx| connection.poll_message(cx)).await {
            if let tokio_postgres::AsyncMessage::Notification(n) = message {
                let _ = tx.send(n.payload().to_owned());
            }
        }
    });
    client
        .batch_execute("listen gatehouse_test")
        .await
        .expect("listen");
    let other = connected(&db.app_options()).await;
    other
        .execute("select pg_notify('gatehouse_test', $1)", &[&"revoked"])
        .await
        .expect("notify");
    let payload = tokio::time::timeout(Duration::from_secs(10), rx.recv())
        .await
        .expect("a notification within 10 s");
    assert_eq!(payload.as_deref(), Some("revoked"));
}
