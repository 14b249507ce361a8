//! A cluster's life: made, reused, restarted after a stale pid file, moved off a taken port.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};

use gatehouse_localpg::{Cluster, Error, Options};

/// Send the SSLRequest and return the server's one-byte answer (`S` or `N`).
fn ssl_answer(port: u16) -> u8 {
    let mut stream = TcpStream::connect((Ipv4Addr::LOCALHOST, port)).expect("the server listens");
    stream
        .write_all(&[0, 0, 0, 8, 4, 210, 22, 47])
        .expect("send SSLRequest");
    let mut answer = [0u8; 1];
    stream.read_exact(&mut answer).expect("read the answer");
    answer[0]
}

struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn a_cluster_is_made_reused_and_restarted() {
    let scratch = Scratch(
        std::env::temp_dir().join(format!("gatehouse-localpg-test-{}", std::process::id())),
    );
    let dir: &Path = &scratch.0;

    let cluster = Cluster::ensure(dir, &Options::default()).expect("make the cluster");
    assert_eq!(ssl_answer(cluster.port()), b'S', "TLS is on");
    let hba = std::fs::read_to_string(cluster.dir().join("data/pg_hba.conf")).expect("hba");
    let rules: Vec<&str> = hba
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .collect();
    assert!(!rules.is_empty());
    assert!(
        rules
            .iter()
            .all(|l| l.starts_with("hostssl ") && l.ends_with(" scram-sha-256")),
        "{rules:?}"
    );
    let key = cluster.dir().join("server.key");
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(&key).expect("key").permissions(),
    );
    assert_eq!(mode & 0o777, 0o600);
    let ca = std::fs::read_to_string(cluster.ca_file()).expect("CA");
    assert!(ca.starts_with("-----BEGIN CERTIFICATE-----"));
    let url = cluster.url("some db");
    assert!(url.starts_with("postgres://postgres:"), "{url}");
    assert!(url.contains(&format!(
        "@localhost:{}/some%20db?sslmode=verify-full&sslrootcert=",
        cluster.port()
    )));

    // Idempotent: same port, same password, nothing restarted.
    let again = Cluster::ensure(dir, &Options::default()).expect("reuse");
    assert_eq!(again.port(), cluster.port());
    assert_eq!(again.superuser(), cluster.superuser());

    // Other options on the same directory are refused.
    let err = Cluster::ensure(dir, &Options { ssl: false }).expect_err("mismatch");
    assert!(
        matches!(
            err,
            Error::OptionsMismatch {
                found: true,
                wanted: false,
                ..
            }
        ),
        "{err:?}"
    );

    // A pid file left behind by a server that is gone (its pid now another process's, as
    // after a reboot) does not stop the next start.
    cluster.stop().expect("stop");
    assert!(TcpStream::connect((Ipv4Addr::LOCALHOST, cluster.port())).is_err());
    let pid_file = cluster.dir().join("data/postmaster.pid");
    std::fs::write(
        &pid_file,
        format!("{}\n{}\n", std::process::id(), cluster.dir().display()),
    )
    .expect("fake a stale pid file");
    let restarted = Cluster::ensure(dir, &Options::default()).expect("restart");
    assert_eq!(ssl_answer(restarted.port()), b'S');

    // A port taken while the cluster was down: it moves to another.
    restarted.stop().expect("stop");
    let squatter = TcpListener::bind((Ipv4Addr::LOCALHOST, restarted.port())).expect("squat");
    let moved = Cluster::ensure(dir, &Options::default()).expect("start on another port");
    assert_ne!(moved.port(), restarted.port());
    assert_eq!(ssl_answer(moved.port()), b'S');
    drop(squatter);
    moved.stop().expect("stop");
}
