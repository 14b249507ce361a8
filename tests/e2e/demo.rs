//! `gatehouse demo` as a newcomer runs it: start it, paste the curl lines it prints, stop it
//! with Ctrl-C.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::Value;

fn run_curl(line: &str) -> String {
    let output = Command::new("sh")
        .arg("-c")
        .arg(line)
        .output()
        .expect("run the printed curl line");
    assert!(
        output.status.success(),
        "{line}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("utf-8 answer")
}

#[test]
fn the_demo_prints_curl_lines_that_work_as_pasted_and_stops_cleanly() {
    let dir = std::env::temp_dir().join(format!("gatehouse-demo-e2e-{}", std::process::id()));
    let mut child = Command::new(env!("CARGO_BIN_EXE_gatehouse"))
        .args(["demo", "--dir"])
        .arg(&dir)
        .env("GATEHOUSE_LISTEN", "127.0.0.1:0")
        .env("GATEHOUSE_ADMIN_LISTEN", "127.0.0.1:0")
        .env("GATEHOUSE_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start the demo");
    let stdout = child.stdout.take().expect("stdout");
    let mut curls = Vec::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.expect("read the demo's output");
        if line.starts_with("curl ") {
            curls.push(line.clone());
        }
        if line.starts_with("Ctrl-C stops") {
            break;
        }
    }
    assert_eq!(curls.len(), 6, "{curls:?}");

    let answers: Vec<Value> = curls
        .iter()
        .map(|line| serde_json::from_str(&run_curl(line)).expect("a JSON answer"))
        .collect();
    // Shared countries, for everyone.
    assert_eq!(
        answers[0].as_array().map(Vec::len),
        Some(4),
        "{}",
        answers[0]
    );
    // The reader sees masked contact data, never the plaintext.
    let first = &answers[1][0];
    assert_eq!(first["email"], "c***@example.com", "{}", answers[1]);
    assert!(
        first["phone"]
            .as_str()
            .is_some_and(|p| p.starts_with("*******"))
    );
    // The admin sees the decrypted SSN and embedded orders.
    let admin_row = &answers[2][0];
    assert!(
        admin_row["ssn"]
            .as_str()
            .is_some_and(|s| s.starts_with("000-00-")),
        "{}",
        answers[2]
    );
    assert!(admin_row["orders"].is_array());
    // Filtering on a masked column is refused; anonymous callers cannot see customers.
    assert_eq!(answers[3]["code"], "GH101", "{}", answers[3]);
    assert_eq!(answers[4]["code"], "PGRST205", "{}", answers[4]);
    // The printed API key reads as its role and tenant (acme's products have even ids).
    assert_eq!(
        answers[5],
        serde_json::json!([
            {"id": 2, "name": "Product 2", "price": 7.00},
            {"id": 4, "name": "Product 4", "price": 14.00}
        ]),
        "{}",
        answers[5]
    );

    // Ctrl-C stops the server and the database.
    let interrupted = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("send SIGINT");
    assert!(interrupted.success());
    let mut status = None;
    for _ in 0..300 {
        if let Some(exit) = child.try_wait().expect("wait for the demo") {
            status = Some(exit);
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let status = status.expect("the demo did not stop within 30 s of Ctrl-C");
    assert!(status.success(), "{status}");
    assert!(
        !dir.join("data/postmaster.pid").exists(),
        "the demo database is still running"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_demo_that_cannot_start_serving_stops_its_database() {
    let dir = std::env::temp_dir().join(format!("gatehouse-demo-fail-{}", std::process::id()));
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a port");
    let address = taken.local_addr().expect("address").to_string();
    let output = Command::new(env!("CARGO_BIN_EXE_gatehouse"))
        .args(["demo", "--dir"])
        .arg(&dir)
        .env("GATEHOUSE_LISTEN", &address)
        .env("GATEHOUSE_ADMIN_LISTEN", "127.0.0.1:0")
        .env("GATEHOUSE_LOG", "warn")
        .output()
        .expect("run the demo");
    assert!(!output.status.success());
    assert!(
        String::from_utf8_lossy(&output.stderr).contains(&address),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        !dir.join("data/postmaster.pid").exists(),
        "the demo database was left running"
    );
    drop(taken);
    std::fs::remove_dir_all(&dir).ok();
}
