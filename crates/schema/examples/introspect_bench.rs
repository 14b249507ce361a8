//! Benchmark of catalog introspection (not a test): builds `bench/introspect/setup.sql`
//! (5,000 tables of 10 columns, ~5,000 foreign keys by default) and times
//! [`gatehouse_schema::introspect`], then each catalog query alone (rows, and as one
//! `json_agg` blob), then the same SQL through `psql` as a reference.
//!
//! ```text
//! cargo run --release -p gatehouse-schema --example introspect_bench -- \
//!     [--tables 5000] [--views 0] [--runs 5] [--no-psql]
//! ```
//!
//! The database is a fresh one on the testkit's private TLS cluster (dropped at the end), or
//! the one in `GATEHOUSE_BENCH_DATABASE_URL` (set up there unless a schema `bench` already
//! exists, and left in place). `bench/introspect/run.sh` wraps this.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use gatehouse_schema as schema;
use tokio_postgres::Client;
use tokio_postgres::types::{ToSql, Type};

const SETUP: &str = include_str!("../../../bench/introspect/setup.sql");

/// The catalog queries, as `introspect` runs them.
const QUERIES: &[(&str, &str)] = &[
    ("schemas", include_str!("../src/sql/schemas.sql")),
    ("relations", include_str!("../src/sql/relations.sql")),
    ("columns", include_str!("../src/sql/columns.sql")),
    ("types", include_str!("../src/sql/types.sql")),
    ("constraints", include_str!("../src/sql/constraints.sql")),
    ("view_sources", include_str!("../src/sql/view_sources.sql")),
];

struct Args {
    tables: u32,
    views: u32,
    runs: usize,
    psql: bool,
}

fn args() -> Args {
    let mut a = Args {
        tables: 5000,
        views: 0,
        runs: 5,
        psql: true,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut number = || -> u32 {
            it.next()
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| panic!("{flag} needs a number"))
        };
        match flag.as_str() {
            "--tables" => a.tables = number(),
            "--views" => a.views = number(),
            "--runs" => a.runs = usize::try_from(number()).expect("runs fits usize").max(1),
            "--no-psql" => a.psql = false,
            other => panic!("unknown argument {other}"),
        }
    }
    a
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn summary(mut times: Vec<Duration>) -> String {
    times.sort();
    format!(
        "min {}, median {}, max {} ({} runs)",
        ms(times[0]),
        ms(times[times.len() / 2]),
        ms(times[times.len() - 1]),
        times.len()
    )
}

async fn setup(client: &Client, a: &Args) {
    let started = Instant::now();
    for (name, value) in [("bench.tables", a.tables), ("bench.views", a.views)] {
        client
            .execute(
                "select set_config($1, $2, false)",
                &[&name, &value.to_string()],
            )
            .await
            .expect("set the benchmark size");
    }
    client.batch_execute(SETUP).await.expect("run setup.sql");
    client.batch_execute("analyze").await.expect("analyze");
    println!(
        "setup: {} tables, {} views in {}",
        a.tables,
        a.views,
        ms(started.elapsed())
    );
}

async fn time_query(client: &Client, sql: &str, schemas: &Vec<String>) -> (Duration, usize) {
    let params: [(&(dyn ToSql + Sync), Type); 1] = [(schemas, Type::TEXT_ARRAY)];
    let started = Instant::now();
    let rows = client.query_typed(sql, &params).await.expect("query");
    (started.elapsed(), rows.len())
}

fn psql_time(url: &str, sql: &str) -> Option<Duration> {
    // psql 15 cannot bind parameters: the schema list goes in as a literal (fixed text).
    let sql = sql.replace("$1::text[]", "'{bench}'::text[]");
    let script = format!("\\timing on\n\\o /dev/null\n{sql};\n{sql};\n{sql};\n");
    let mut child = Command::new("psql")
        .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-f", "-", "-d", url])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .ok()?;
    child.stdin.take()?.write_all(script.as_bytes()).ok()?;
    let out = child.wait_with_output().ok()?;
    if !out.status.success() {
        eprintln!(
            "psql failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
        return None;
    }
    // "Time: 12.345 ms" per statement; keep the best of three.
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.strip_prefix("Time: "))
        .filter_map(|l| l.split_whitespace().next()?.parse::<f64>().ok())
        .map(|m| Duration::from_secs_f64(m / 1000.0))
        .min()
}

#[tokio::main]
async fn main() {
    let a = args();
    let schemas = vec!["bench".to_owned()];

    // Keep the test database alive until the end (it is dropped with this value).
    let (_db, client, url) = match std::env::var("GATEHOUSE_BENCH_DATABASE_URL") {
        Ok(url) => {
            let opts = pg::ConnectOptions::from_url(&url).expect("GATEHOUSE_BENCH_DATABASE_URL");
            let client = pg::connect(&opts).await.expect("connect");
            let exists = client
                .query_one(
                    "select exists (select from pg_namespace where nspname = 'bench')",
                    &[],
                )
                .await
                .expect("look for schema bench")
                .get::<_, bool>(0);
            if exists {
                println!("setup: schema bench exists, reusing it");
            } else {
                setup(&client, &a).await;
            }
            (None, client, url)
        }
        Err(_) => {
            let db = testkit::TestDatabase::new().await;
            let client = db.admin_client().await;
            setup(&client, &a).await;
            let url = db.admin_url();
            (Some(db), client, url)
        }
    };
    let version: String = client
        .query_one("select version()", &[])
        .await
        .expect("version")
        .get(0);
    println!("server: {version}");

    // introspect, end to end (queries pipelined, rows decoded, model and relationships built)
    let catalog = schema::introspect(&client, &schemas)
        .await
        .expect("introspect (warm-up)");
    let columns: usize = catalog.relations().iter().map(|r| r.columns.len()).sum();
    let fks: usize = catalog
        .relations()
        .iter()
        .map(|r| r.foreign_keys.len())
        .sum();
    println!(
        "catalog: {} relations, {} columns, {} foreign keys, {} relationships",
        catalog.relations().len(),
        columns,
        fks,
        catalog.relationships().len()
    );
    let mut times = Vec::with_capacity(a.runs);
    for _ in 0..a.runs {
        let started = Instant::now();
        let c = schema::introspect(&client, &schemas)
            .await
            .expect("introspect");
        times.push(started.elapsed());
        assert_eq!(c.relations().len(), catalog.relations().len());
    }
    println!("introspect: {}", summary(times));

    // Each query alone, as rows (what introspect does) and as one json_agg blob.
    println!("per query, best of 3 (rows | one json_agg blob | psql rows):");
    for (name, sql) in QUERIES {
        let mut rows_best = Duration::MAX;
        let mut count = 0;
        let json_sql = format!("select coalesce(json_agg(q), '[]')::text from ({sql}) q");
        let mut json_best = Duration::MAX;
        for _ in 0..3 {
            let (d, n) = time_query(&client, sql, &schemas).await;
            rows_best = rows_best.min(d);
            count = n;
            let (d, _) = time_query(&client, &json_sql, &schemas).await;
            json_best = json_best.min(d);
        }
        let psql = if a.psql {
            psql_time(&url, sql).map_or_else(|| "n/a".to_owned(), ms)
        } else {
            "skipped".to_owned()
        };
        println!(
            "  {name:<13} {count:>6} rows  {:>10} | {:>10} | {:>10}",
            ms(rows_best),
            ms(json_best),
            psql
        );
    }
}
