//! Renders the read-path scenarios (`bench/read/scenarios.tsv`) into what the load tools run,
//! from the SQL Gatehouse itself would send: each request is parsed with `query`, authorized
//! with `policy` for the anonymous role against the benchmark's catalog (`gatehouse schema
//! dump`) and policy, and rendered with `sql::render_read`, as `api::read` does.
//!
//! For each scenario `NAME` it writes into the output directory:
//!
//! - `NAME.sql`: a pgbench script running the rendered statement alone (the ceiling). Random
//!   values come from `\set var random(low, high)`; every other parameter stays a parameter,
//!   as a pgbench variable defined on the command line, so the statement pgbench prepares has
//!   the same text shape and the same parameters as Gatehouse's.
//! - `NAME.tx.sql`: the same statement inside the flight Gatehouse sends for a read that carries
//!   the request's settings (`begin transaction read only`, the `set_config` query, the
//!   statement, `commit`, pipelined). The benchmark's tables are plain (no view, no row-level
//!   security, no tenant column), so Gatehouse sends their statements alone; this is the
//!   ceiling of a read that touches a view or a tenant-scoped table.
//! - `NAME.defs`: the `-D` options defining those parameters, one a line.
//! - `NAME.sample`: the request with each random value at the middle of its range (for a
//!   smoke test with curl); `NAME.render.sql` and `NAME.params`: the statement as rendered.
//! - `NAME.lua`: a wrk script requesting the scenario's URL with fresh random values, and
//!   printing one machine-readable summary line.
//!
//! Run by `bench/read/run.sh`:
//! `cargo run -p gatehouse-sql --example bench_read_render -- CATALOG POLICY SCENARIOS OUTDIR`.

#![allow(clippy::print_stderr, reason = "a command-line tool reports on stderr")]

extern crate gatehouse_sql as sql;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// What Gatehouse's `db::read` sends before the statement when the read carries the settings
/// (crates/api/src/db.rs).
/// pgbench refuses an empty `-D` value: the empty tenant and subject of the anonymous role are
/// written as literals.
const SETTINGS_SQL: &str = "select set_config('gatehouse.role', :gh_role, true), \
     set_config('gatehouse.tenant', '', true), \
     set_config('gatehouse.subject', '', true), \
     set_config('gatehouse.cross_tenant', :gh_cross_tenant, true)";

/// One line of `scenarios.tsv`.
#[derive(Debug)]
struct Scenario {
    name: String,
    relation: String,
    /// Decoded query-string pairs; a value `{var}` stands for a random value.
    pairs: Vec<(String, String)>,
    /// The request as written, `{var}` included.
    target: String,
    /// `var` → (low, high).
    vars: BTreeMap<String, (u64, u64)>,
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [catalog, policy, scenarios, out] = args.as_slice() else {
        eprintln!("usage: bench_read_render CATALOG.json POLICY.toml SCENARIOS.tsv OUTDIR");
        return ExitCode::from(2);
    };
    match run(
        Path::new(catalog),
        Path::new(policy),
        Path::new(scenarios),
        &PathBuf::from(out),
    ) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("bench_read_render: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(catalog: &Path, policy: &Path, scenarios: &Path, out: &Path) -> Result<(), String> {
    let read = |path: &Path| {
        std::fs::read_to_string(path).map_err(|err| format!("read {}: {err}", path.display()))
    };
    let catalog: schema::Catalog = serde_json::from_str(&read(catalog)?)
        .map_err(|err| format!("{}: {err}", catalog.display()))?;
    let policy = policy::parse(&read(policy)?).map_err(|problems| format!("{problems:?}"))?;
    let scenarios = parse_scenarios(&read(scenarios)?)?;
    std::fs::create_dir_all(out).map_err(|err| format!("create {}: {err}", out.display()))?;

    let principal = policy::Principal {
        role: "anon".to_owned(),
        tenant: policy::Tenant::Missing,
        subject: None,
        claims: BTreeMap::new(),
    };
    // The server's defaults: schema `public`, GATEHOUSE_MAX_ROWS 1000.
    let environment = policy::Environment {
        schema: "public".to_owned(),
        max_rows: Some(1000),
        encryption_key: None,
    };
    for scenario in &scenarios {
        let request = query::Request::parse(&scenario.pairs)
            .map_err(|err| format!("{}: parse: {err:?}", scenario.name))?;
        let plan = policy::authorize_read(
            &policy,
            &catalog,
            &principal,
            &environment,
            &policy::ReadRequest {
                relation: &scenario.relation,
                request: &request,
                count: None,
            },
        )
        .map_err(|err| format!("{}: authorize: {err:?}", scenario.name))?;
        let statement = sql::render_read(&plan, sql::Format::Json);
        let (text, defs) = pgbench_text(&statement, scenario)?;

        let mut sets = String::new();
        for (var, (low, high)) in &scenario.vars {
            writeln!(sets, "\\set {var} random({low}, {high})").map_err(|e| e.to_string())?;
        }
        let mut defs_text = String::new();
        for (name, value) in &defs {
            writeln!(defs_text, "-D{name}={value}").map_err(|e| e.to_string())?;
        }
        for (name, value) in [("gh_role", "anon"), ("gh_cross_tenant", "false")] {
            writeln!(defs_text, "-D{name}={value}").map_err(|e| e.to_string())?;
        }
        let header = format!(
            "-- {} {}\n-- generated by bench/read/render.rs from what sql::render_read renders\n",
            scenario.name, scenario.target
        );
        write(
            out,
            &format!("{}.sql", scenario.name),
            &format!("{header}{sets}{text};\n"),
        )?;
        write(
            out,
            &format!("{}.tx.sql", scenario.name),
            &format!(
                "{header}{sets}\\startpipeline\nbegin transaction read only;\n{SETTINGS_SQL};\n\
                 {text};\ncommit;\n\\endpipeline\n"
            ),
        )?;
        write(out, &format!("{}.defs", scenario.name), &defs_text)?;
        write(out, &format!("{}.lua", scenario.name), &lua(scenario))?;
        write(out, &format!("{}.sample", scenario.name), &sample(scenario))?;
        write(out, &format!("{}.params", scenario.name), &{
            let mut lines = String::new();
            for (n, param) in statement.params.iter().enumerate() {
                writeln!(lines, "${} = {param:?}", n + 1).map_err(|e| e.to_string())?;
            }
            lines
        })?;
        write(
            out,
            &format!("{}.render.sql", scenario.name),
            &format!("{}\n", statement.sql),
        )?;
        eprintln!("{}: {} parameters", scenario.name, statement.params.len());
    }
    Ok(())
}

fn write(dir: &Path, name: &str, text: &str) -> Result<(), String> {
    let path = dir.join(name);
    std::fs::write(&path, text).map_err(|err| format!("write {}: {err}", path.display()))
}

fn parse_scenarios(text: &str) -> Result<Vec<Scenario>, String> {
    let mut scenarios = Vec::new();
    for (number, line) in text.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = line.split('\t').collect();
        let [name, _what, target, vars] = fields.as_slice() else {
            return Err(format!(
                "scenarios line {}: want 4 tab-separated fields",
                number + 1
            ));
        };
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        let relation = path.trim_start_matches('/').to_owned();
        // The templates are written decoded, without `%` or `+`: splitting is decoding.
        let pairs = query
            .split('&')
            .filter(|pair| !pair.is_empty())
            .map(|pair| {
                let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
                (key.to_owned(), value.to_owned())
            })
            .collect();
        let mut ranges = BTreeMap::new();
        for var in vars.split(',').filter(|v| !v.is_empty()) {
            let parsed = var.split_once('=').and_then(|(name, range)| {
                let (low, high) = range.split_once("..")?;
                Some((name.to_owned(), (low.parse().ok()?, high.parse().ok()?)))
            });
            let Some((var, range)) = parsed else {
                return Err(format!("scenarios line {}: bad range {var:?}", number + 1));
            };
            ranges.insert(var, range);
        }
        scenarios.push(Scenario {
            name: (*name).to_owned(),
            relation,
            pairs,
            target: (*target).to_owned(),
            vars: ranges,
        });
    }
    Ok(scenarios)
}

/// The statement with `$n` turned into pgbench variables: `:var` where the parameter is a
/// random value, `:pN` (defined with `-D`) otherwise. Quoted text is left alone.
fn pgbench_text(
    statement: &sql::Statement,
    scenario: &Scenario,
) -> Result<(String, Vec<(String, String)>), String> {
    let mut names = Vec::new();
    let mut defs = Vec::new();
    for (n, param) in statement.params.iter().enumerate() {
        let sql::Param::Text(value) = param else {
            return Err(format!(
                "{}: parameter ${} is not text (arrays and secrets are not benchmarked)",
                scenario.name,
                n + 1
            ));
        };
        let random = value
            .strip_prefix('{')
            .and_then(|rest| rest.strip_suffix('}'))
            .filter(|var| scenario.vars.contains_key(*var));
        match random {
            Some(var) => names.push(format!(":{var}")),
            _ => {
                if value.is_empty() || value.contains(['\n', '\r', ' ']) {
                    return Err(format!(
                        "{}: ${} is empty or holds white space (pgbench's -D cannot carry it)",
                        scenario.name,
                        n + 1
                    ));
                }
                let name = format!("p{}", n + 1);
                names.push(format!(":{name}"));
                defs.push((name, value.clone()));
            }
        }
    }
    let sql = &statement.sql;
    let mut out = String::with_capacity(sql.len());
    let mut quote: Option<char> = None;
    let mut chars = sql.char_indices().peekable();
    while let Some((_, c)) = chars.next() {
        match quote {
            Some(q) => {
                if c == q {
                    quote = None;
                }
                out.push(c);
            }
            None if c == '\'' || c == '"' => {
                quote = Some(c);
                out.push(c);
            }
            None if c == '$' => {
                let mut digits = String::new();
                while let Some((_, d)) = chars.peek().filter(|(_, d)| d.is_ascii_digit()) {
                    digits.push(*d);
                    chars.next();
                }
                let index: usize = digits
                    .parse()
                    .map_err(|_| format!("{}: `$` without a number", scenario.name))?;
                let name = index
                    .checked_sub(1)
                    .and_then(|i| names.get(i))
                    .ok_or_else(|| format!("{}: ${index} has no parameter", scenario.name))?;
                out.push_str(name);
            }
            None => out.push(c),
        }
    }
    Ok((out, defs))
}

/// The request with every `{var}` at the middle of its range.
fn sample(scenario: &Scenario) -> String {
    let mut target = scenario.target.clone();
    for (var, (low, high)) in &scenario.vars {
        target = target.replace(&format!("{{{var}}}"), &(low + (high - low) / 2).to_string());
    }
    target
}

/// A wrk script: each request gets fresh random values; `done` prints one summary line.
fn lua(scenario: &Scenario) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut rest = scenario.target.as_str();
    while !rest.is_empty() {
        let next = scenario
            .vars
            .iter()
            .filter_map(|(var, range)| rest.find(&format!("{{{var}}}")).map(|at| (at, var, range)))
            .min_by_key(|(at, _, _)| *at);
        let Some((at, var, (low, high))) = next else {
            parts.push(lua_literal(rest));
            break;
        };
        if at > 0 {
            parts.push(lua_literal(&rest[..at]));
        }
        parts.push(format!("math.random({low}, {high})"));
        rest = &rest[at + var.len() + 2..];
    }
    let expression = parts.join(" .. ");
    format!(
        "-- {name}: {target}\n-- generated by bench/read/render.rs\n\
         local thread_count = 0\n\
         function setup(thread)\n  thread_count = thread_count + 1\n  thread:set(\"seed\", thread_count)\nend\n\
         function init(args)\n  math.randomseed(os.time() * 100 + (seed or 0))\nend\n\
         function request()\n  return wrk.format(\"GET\", {expression})\nend\n\
         function done(summary, latency, requests)\n\
         \x20 local e = summary.errors\n\
         \x20 io.write(string.format(\"WRK requests=%d duration_us=%d p50_us=%d p99_us=%d status_errors=%d socket_errors=%d max_us=%d\\n\",\n\
         \x20   summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),\n\
         \x20   e.status, e.connect + e.read + e.write + e.timeout, latency.max))\nend\n",
        name = scenario.name,
        target = scenario.target,
    )
}

fn lua_literal(text: &str) -> String {
    let mut out = String::from('"');
    for c in text.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}
