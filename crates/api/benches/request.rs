//! Gatehouse's own work per read request, without HTTP or the database: authenticate the
//! `Authorization` header, decode the query string, parse it (`query`), authorize it
//! (`policy`) and render the statement (`sql`), for each scenario of the read-path benchmark
//! (`bench/read/scenarios.tsv`, against `bench/read/catalog.json` and `bench/read/policy.toml`).
//!
//! `cargo bench -p gatehouse-api --bench request` (optionally a scenario name as filter).
//! A plain harness: each step is run in batches of about 10 ms for about 0.3 s after a
//! warm-up; the median batch gives the time per call. Results go in bench/RESULTS.md.

#![allow(
    clippy::print_stdout,
    clippy::cast_precision_loss,
    reason = "a benchmark prints its figures; nanosecond counts fit an f64 well enough"
)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use gatehouse_api::auth::Authenticator;
use gatehouse_api::settings::{JwtSettings, Secret};

const CATALOG_JSON: &str = include_str!("../../../bench/read/catalog.json");
const POLICY_TOML: &str = include_str!("../../../bench/read/policy.toml");
const SCENARIOS_TSV: &str = include_str!("../../../bench/read/scenarios.tsv");
const JWT_SECRET: &str = "a benchmark secret of at least thirty-two bytes";

const BATCH: Duration = Duration::from_millis(10);
const MEASURE: Duration = Duration::from_millis(300);

/// Median, minimum and maximum nanoseconds per call of `f`, over batches of about [`BATCH`].
fn measure<T>(mut f: impl FnMut() -> T) -> (f64, f64, f64) {
    // Warm up, and find how many calls fill a batch.
    let mut calls: u64 = 1;
    loop {
        let start = Instant::now();
        for _ in 0..calls {
            black_box(f());
        }
        if start.elapsed() >= BATCH {
            break;
        }
        calls *= 2;
    }
    let mut per_call = Vec::new();
    let until = Instant::now() + MEASURE;
    while Instant::now() < until || per_call.len() < 10 {
        let start = Instant::now();
        for _ in 0..calls {
            black_box(f());
        }
        per_call.push(start.elapsed().as_nanos() as f64 / calls as f64);
    }
    per_call.sort_by(f64::total_cmp);
    let median = per_call[per_call.len() / 2];
    (
        median,
        per_call.first().copied().unwrap_or(median),
        per_call.last().copied().unwrap_or(median),
    )
}

fn report(name: &str, f: impl FnMut() -> Result<(), String>) {
    let mut f = f;
    if let Err(problem) = f() {
        panic!("{name}: {problem}");
    }
    let (median, min, max) = measure(|| f().is_ok());
    println!(
        "| {name} | {:.2} µs | {:.2} µs | {:.2} µs |",
        median / 1000.0,
        min / 1000.0,
        max / 1000.0
    );
}

/// One scenario: its name and the request with every `{var}` at the middle of its range.
fn scenarios() -> Vec<(String, String)> {
    SCENARIOS_TSV
        .lines()
        .filter(|line| !line.trim().is_empty() && !line.starts_with('#'))
        .map(|line| {
            let fields: Vec<&str> = line.split('\t').collect();
            let (name, target, vars) = (fields[0], fields[2], fields[3]);
            let mut target = target.to_owned();
            for var in vars.split(',') {
                let (var, range) = var.split_once('=').expect("var=low..high");
                let (low, high) = range.split_once("..").expect("low..high");
                let (low, high): (u64, u64) = (
                    low.parse().expect("a number"),
                    high.parse().expect("a number"),
                );
                target =
                    target.replace(&format!("{{{var}}}"), &(low + (high - low) / 2).to_string());
            }
            (name.to_owned(), target)
        })
        .collect()
}

fn main() {
    let filter = std::env::args().skip(1).find(|arg| !arg.starts_with('-'));
    let catalog: schema::Catalog = serde_json::from_str(CATALOG_JSON).expect("catalog.json");
    let policy = policy::parse(POLICY_TOML).expect("policy.toml");
    let jwt = JwtSettings {
        secret: Some(Secret::new(JWT_SECRET)),
        jwks_file: None,
        audience: None,
        role_claim: "role".to_owned(),
        tenant_claim: "tenant_id".to_owned(),
    };
    let authenticator = Authenticator::from_policy(&jwt, &policy).expect("authenticator");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs();
    let token = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &serde_json::json!({ "role": "reader", "sub": "bench", "exp": now + 3600 }),
        &jsonwebtoken::EncodingKey::from_secret(JWT_SECRET.as_bytes()),
    )
    .expect("sign a token");
    let bearer = format!("Bearer {token}");
    let environment = policy::Environment {
        schema: "public".to_owned(),
        max_rows: Some(1000),
        encryption_key: None,
    };
    let anon = authenticator.authenticate(None).expect("anon is declared");

    println!("| step | median | min | max |");
    println!("| --- | ---: | ---: | ---: |");
    if filter.is_none() {
        report("authenticate: no header (anon)", || {
            authenticator
                .authenticate(None)
                .map(drop)
                .map_err(|e| e.to_string())
        });
        report("authenticate: Bearer JWT (HS256)", || {
            authenticator
                .authenticate(Some(&bearer))
                .map(drop)
                .map_err(|e| e.to_string())
        });
    }
    for (name, target) in scenarios() {
        if filter.as_ref().is_some_and(|f| !name.contains(f.as_str())) {
            continue;
        }
        let (path, query_string) = target.split_once('?').unwrap_or((&target, ""));
        let relation = path.trim_start_matches('/');
        let decode = || -> Vec<(String, String)> {
            url::form_urlencoded::parse(query_string.as_bytes())
                .into_owned()
                .collect()
        };
        let pairs = decode();
        let request = query::Request::parse(&pairs).expect("the scenario parses");
        let authorize = |request: &query::Request| {
            policy::authorize_read(
                &policy,
                &catalog,
                &anon,
                &environment,
                &policy::ReadRequest {
                    relation,
                    request,
                    count: None,
                },
            )
            .map_err(|e| format!("{e:?}"))
        };
        let plan = authorize(&request).expect("the scenario is allowed");
        let sql_bytes = sql::render_read(&plan, sql::Format::Json).sql.len();

        report(&format!("{name}: decode query string"), || {
            black_box(decode());
            Ok(())
        });
        report(&format!("{name}: query::Request::parse"), || {
            query::Request::parse(&pairs)
                .map(drop)
                .map_err(|e| format!("{e:?}"))
        });
        report(&format!("{name}: policy::authorize_read"), || {
            authorize(&request).map(drop)
        });
        report(
            &format!("{name}: sql::render_read ({sql_bytes} bytes of SQL)"),
            || {
                black_box(sql::render_read(&plan, sql::Format::Json));
                Ok(())
            },
        );
        report(&format!("{name}: all of the above (anon)"), || {
            let principal = authenticator
                .authenticate(None)
                .map_err(|e| e.to_string())?;
            let request = query::Request::parse(&decode()).map_err(|e| format!("{e:?}"))?;
            let plan = policy::authorize_read(
                &policy,
                &catalog,
                &principal,
                &environment,
                &policy::ReadRequest {
                    relation,
                    request: &request,
                    count: None,
                },
            )
            .map_err(|e| format!("{e:?}"))?;
            black_box(sql::render_read(&plan, sql::Format::Json));
            Ok(())
        });
    }
}
