#!/usr/bin/env bash
# Read-path benchmark: wrk against `gatehouse serve`, and pgbench running the same SQL on the
# same database as the ceiling, for the scenarios in bench/read/scenarios.tsv.
#
#   bench/read/run.sh [--dir D] [--rounds N] [--duration S] [--pool N] [--connections N]
#                     [--reviews-per-item N] [--variant NAME=BINARY]... [--only a_pk,b_filter]
#                     [--reload] [--keep-running] [--remove]
#
# 1. `gatehouse demo --no-serve --dir D` (default /tmp/gatehouse-bench) makes or reuses a private
#    TLS cluster; a database `gatehouse_bench` and a login role `gatehouse_bench_app` are added
#    to it, and the dataset (bench/read/schema.sql: 1,000 categories, 1,000,000 items, 5 reviews
#    per item) is loaded once, as the superuser over TLS (verify-full). --reload loads it again.
# 2. `gatehouse migrate up --grant-to gatehouse_bench_app`, then SELECT on the three tables.
# 3. `gatehouse schema dump` as the app role, and bench/read/render.rs renders every scenario
#    with query/policy/sql into pgbench scripts and wrk Lua (into D/read/).
# 4. One `gatehouse serve` per variant (default: target/release/gatehouse, built first;
#    --variant adds another binary, e.g. a build with a lever changed), all idle until their
#    turn, each with pool N (default 8) on its own port, anonymous reads (no token), and for the
#    first variant one JWT run of the first scenario.
# 5. Per round and scenario, back to back: pgbench on the statement alone (the ceiling),
#    pgbench on the flight of a read that carries the settings (begin, set_config, statement,
#    commit, pipelined; the benchmark's plain tables need none, so Gatehouse sends the
#    statement alone), then
#    wrk on each variant. pgbench: -n -M prepared -c POOL -j 2 -T S as the app role over TLS;
#    wrk: -t2 -c CONNECTIONS (default 16) -d S. CPU time of the load tool, the cluster and the
#    server is read from /proc around each run. Raw figures: D/read/raw.tsv.
# 6. Prints Markdown tables (also D/read/results.md): requests/s (median over rounds), the
#    ratios to both pgbench ceilings (median of the per-round ratios), wrk's p50/p99/max latency,
#    errors, CPU µs per request, and each server's peak memory (VmHWM) after all its runs.
#
# Cleanup: the servers are always stopped. The cluster is stopped at the end but its directory
# (and the loaded dataset) is kept so that a rerun skips the load; --keep-running leaves it
# running, --remove deletes the directory.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD

DIR=/tmp/gatehouse-bench
ROUNDS=1
DURATION=10
POOL=8
CONNECTIONS=16
REVIEWS=5
RELOAD=0
KEEP_RUNNING=0
REMOVE=0
BASE_PORT=${GATEHOUSE_BENCH_PORT:-3940}
VARIANTS=()
ONLY=
while [ $# -gt 0 ]; do
    case "$1" in
        --dir) DIR=$2; shift 2 ;;
        --rounds) ROUNDS=$2; shift 2 ;;
        --duration) DURATION=$2; shift 2 ;;
        --pool) POOL=$2; shift 2 ;;
        --connections) CONNECTIONS=$2; shift 2 ;;
        --reviews-per-item) REVIEWS=$2; shift 2 ;;
        --variant) VARIANTS+=("$2"); shift 2 ;;
        --only) ONLY=$2; shift 2 ;;
        --reload) RELOAD=1; shift ;;
        --keep-running) KEEP_RUNNING=1; shift ;;
        --remove) REMOVE=1; shift ;;
        -h|--help) sed -n '2,32p' "$0"; exit 0 ;;
        *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done
if [ ${#VARIANTS[@]} -eq 0 ]; then
    cargo build --release -q -p gatehouse-api --bin gatehouse
    VARIANTS=("gatehouse=${CARGO_TARGET_DIR:-$ROOT/target}/release/gatehouse")
fi
for tool in wrk pgbench psql openssl curl; do
    command -v "$tool" >/dev/null || { echo "$tool is missing (apt-get install wrk postgresql-client openssl curl)" >&2; exit 1; }
done
BIN=${VARIANTS[0]#*=}
for variant in "${VARIANTS[@]}"; do
    [ -x "${variant#*=}" ] || { echo "no binary ${variant#*=}: cargo build --release -p gatehouse-api --bin gatehouse" >&2; exit 1; }
done

OUT=$DIR/read
mkdir -p "$OUT"
SERVER_PIDS=()
# The load tool, the server and PostgreSQL share this machine's cores. With the kernel's
# autogroup scheduling, the cluster (its own session) is one group and everything this script
# starts is another: each gets an equal share of the CPU whatever the number of busy processes
# in it, and a busy backend can then wait for a CPU for over a second (perf sched: 1.2 s),
# which shows as stalls of every request behind it. On a host of its own PostgreSQL has no such
# neighbour, so the run switches autogroup off (when root) and restores it at the end.
AUTOGROUP=/proc/sys/kernel/sched_autogroup_enabled
AUTOGROUP_WAS=$(cat "$AUTOGROUP" 2>/dev/null || echo absent)
if [ "$AUTOGROUP_WAS" = 1 ]; then
    if echo 0 2>/dev/null > "$AUTOGROUP"; then
        echo "== autogroup scheduling off for the run (restored at the end)" >&2
    else
        echo "warning: autogroup scheduling is on and cannot be switched off (not root): expect long tails" >&2
    fi
fi
cleanup() {
    if [ "$AUTOGROUP_WAS" = 1 ]; then echo 1 2>/dev/null > "$AUTOGROUP" || true; fi
    for pid in "${SERVER_PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    if [ -f "$DIR/port" ] && [ "$KEEP_RUNNING" = 0 ]; then
        PGCTL=$(ls -d /usr/lib/postgresql/*/bin/pg_ctl 2>/dev/null | sort -V | tail -1)
        if [ "$(id -u)" = 0 ]; then
            su postgres -s /bin/sh -c "'$PGCTL' -D '$DIR/data' -m fast -w stop" >/dev/null 2>&1 || true
        else
            "$PGCTL" -D "$DIR/data" -m fast -w stop >/dev/null 2>&1 || true
        fi
        echo "cluster stopped (kept in $DIR)" >&2
    fi
    if [ "$REMOVE" = 1 ]; then rm -rf "$DIR"; echo "removed $DIR" >&2; fi
}
trap cleanup EXIT

# Only our own variables reach the binaries.
unset_gatehouse() { env | sed -n 's/^\(GATEHOUSE_[A-Z_]*\)=.*/\1/p'; }
for var in $(unset_gatehouse); do unset "$var"; done

echo "== cluster ($DIR)" >&2
"$BIN" demo --no-serve --dir "$DIR" >/dev/null
PORT=$(cat "$DIR/port")
CA=$DIR/ca.crt
export PGSSLMODE=verify-full PGSSLROOTCERT=$CA PGHOST=localhost PGHOSTADDR=127.0.0.1 PGPORT=$PORT
export PGCHANNELBINDING=require
SUPERPW=$(cat "$DIR/superuser.password")
APP=gatehouse_bench_app
DB=gatehouse_bench
if [ ! -s "$DIR/bench-app.password" ]; then
    (umask 077; openssl rand -hex 24 > "$DIR/bench-app.password")
fi
APPPW=$(cat "$DIR/bench-app.password")
JWT_SECRET_FILE=$DIR/bench-jwt.secret
if [ ! -s "$JWT_SECRET_FILE" ]; then
    (umask 077; openssl rand -hex 32 > "$JWT_SECRET_FILE")
fi
super() { PGPASSWORD=$SUPERPW psql -X -q -v ON_ERROR_STOP=1 -U postgres "$@"; }

super -d postgres -v pw="$APPPW" <<'SQL'
select format('create role gatehouse_bench_app login nosuperuser nocreatedb nocreaterole nobypassrls password %L', :'pw')
where not exists (select 1 from pg_roles where rolname = 'gatehouse_bench_app') \gexec
select format('alter role gatehouse_bench_app password %L', :'pw') \gexec
select 'create database gatehouse_bench'
where not exists (select 1 from pg_database where datname = 'gatehouse_bench') \gexec
SQL
WANT_REVIEWS=$((1000000 * REVIEWS))
HAVE=$(super -d $DB -At -c "select coalesce((select count(*) from items), 0) || ' ' || coalesce((select count(*) from reviews), 0)" 2>/dev/null || echo "0 0")
if [ "$RELOAD" = 1 ] || [ "$HAVE" != "1000000 $WANT_REVIEWS" ]; then
    echo "== loading the dataset (1,000,000 items, $WANT_REVIEWS reviews; takes a few minutes)" >&2
    time super -d $DB -v items=1000000 -v reviews_per_item="$REVIEWS" -f bench/read/schema.sql
fi
super -d $DB -c "grant usage on schema public to $APP; grant select on categories, items, reviews to $APP;"

ENC=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$CA")
SUPER_URL="postgres://postgres:$SUPERPW@localhost:$PORT/$DB?sslmode=verify-full&sslrootcert=$ENC&hostaddr=127.0.0.1"
APP_URL="postgres://$APP:$APPPW@localhost:$PORT/$DB?sslmode=verify-full&sslrootcert=$ENC&hostaddr=127.0.0.1"
GATEHOUSE_DATABASE_URL=$SUPER_URL "$BIN" migrate up --grant-to $APP >/dev/null

echo "== rendering the scenarios" >&2
GATEHOUSE_DATABASE_URL=$APP_URL "$BIN" schema dump > "$OUT/catalog.json"
cargo run -q -p gatehouse-sql --example bench_read_render -- \
    "$OUT/catalog.json" bench/read/policy.toml bench/read/scenarios.tsv "$OUT"
if ! cmp -s "$OUT/catalog.json" bench/read/catalog.json; then
    echo "note: bench/read/catalog.json (used by the micro-benchmark) differs from the live schema dump" >&2
fi
SCENARIOS=()
declare -A TITLE
while IFS=$'\t' read -r name what _rest; do
    case "$name" in ''|'#'*) continue ;; esac
    [ -n "$ONLY" ] && [[ ",$ONLY," != *",$name,"* ]] && continue
    SCENARIOS+=("$name"); TITLE[$name]=$what
done < bench/read/scenarios.tsv

# An HS256 token for the role `reader`, valid for an hour.
b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }
JWT_HEAD=$(printf '{"alg":"HS256","typ":"JWT"}' | b64url)
JWT_BODY=$(printf '{"role":"reader","sub":"bench","exp":%d}' $(( $(date +%s) + 3600 )) | b64url)
JWT_SIG=$(printf '%s.%s' "$JWT_HEAD" "$JWT_BODY" | openssl dgst -sha256 -mac HMAC -macopt "key:$(cat "$JWT_SECRET_FILE")" -binary | b64url)
JWT="$JWT_HEAD.$JWT_BODY.$JWT_SIG"

echo "== starting ${#VARIANTS[@]} server(s), pool $POOL" >&2
declare -A API PID
n=0
for variant in "${VARIANTS[@]}"; do
    name=${variant%%=*}; binary=${variant#*=}
    api_port=$((BASE_PORT + 2 * n)); admin_port=$((api_port + 1)); n=$((n + 1))
    GATEHOUSE_DATABASE_URL=$APP_URL GATEHOUSE_POLICY_FILE=$ROOT/bench/read/policy.toml \
    GATEHOUSE_POOL_SIZE=$POOL GATEHOUSE_LISTEN=127.0.0.1:$api_port \
    GATEHOUSE_ADMIN_LISTEN=127.0.0.1:$admin_port GATEHOUSE_JWT_SECRET_FILE=$JWT_SECRET_FILE \
    GATEHOUSE_LOG=warn \
        "$binary" serve > "$OUT/server-$name.log" 2>&1 &
    PID[$name]=$!; SERVER_PIDS+=($!)
    API[$name]=http://127.0.0.1:$api_port
    for _ in $(seq 100); do
        curl -fs "http://127.0.0.1:$admin_port/ready" >/dev/null 2>&1 && break
        kill -0 "${PID[$name]}" 2>/dev/null || { cat "$OUT/server-$name.log" >&2; exit 1; }
        sleep 0.2
    done
    curl -fs "http://127.0.0.1:$admin_port/ready" >/dev/null || { echo "$name not ready" >&2; exit 1; }
    for s in "${SCENARIOS[@]}"; do
        code=$(curl -s -o /dev/null -w '%{http_code}' "${API[$name]}$(cat "$OUT/$s.sample")")
        [ "$code" = 200 ] || { echo "$name $s answers $code" >&2; exit 1; }
    done
done

# CPU time in clock ticks (1/100 s): of one process, and of the cluster (the postmaster, its
# live children, and the children it has reaped: pgbench's backends exit after each run).
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
cluster_ticks() {
    local postmaster
    postmaster=$(head -1 "$DIR/data/postmaster.pid")
    { awk '{ print $14 + $15 + $16 + $17 }' "/proc/$postmaster/stat"
      for child in $(pgrep -P "$postmaster"); do awk '{ print $14 + $15 }' "/proc/$child/stat" 2>/dev/null; done
    } | awk '{ t += $1 } END { print t }'
}
# Runs a load tool; prints its own CPU ticks, then the cluster's and the server's (if given).
with_cpu() { # server-pid|- command...
    local server=$1; shift
    local pg0 sv0=0 pg1 sv1=0
    pg0=$(cluster_ticks); [ "$server" != - ] && sv0=$(ticks "$server")
    /usr/bin/time -f 'TIME %U %S' -o "$OUT/time.txt" "$@"
    sleep 0.5 # pgbench's backends exit after it does: let the postmaster reap them
    pg1=$(cluster_ticks); [ "$server" != - ] && sv1=$(ticks "$server")
    awk -v pg=$((pg1 - pg0)) -v sv=$((sv1 - sv0)) '/^TIME/{ printf "CPU %.0f %d %d\n", ($2 + $3) * 100, pg, sv }' "$OUT/time.txt"
}
# wrk: prints "rps p50_us p99_us non-2xx load_cpu_us/req pg_cpu_us/req server_cpu_us/req
# socket_errors max_us" (socket errors: connect, read, write, and timeouts: wrk's is 2 s).
# wrk corrects its latencies for coordinated omission: for every response slower than the mean
# interval between a connection's requests, it adds the responses that would have waited behind
# it. Its percentiles are those corrected figures, so a few long stalls set p99; max is the
# slowest response actually seen.
run_wrk() { # url script server-pid [header]
    local args=(-t2 -c"$CONNECTIONS" -d"${DURATION}s" -s "$2")
    [ -n "${4:-}" ] && args+=(-H "$4")
    with_cpu "$3" wrk "${args[@]}" "$1" | awk '/^WRK /{
        for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] } }
        /^CPU /{ load = $2; pg = $3; sv = $4 }
        END { n = v["requests"]; printf "%.0f %d %d %d %.0f %.0f %.0f %d %d\n", n / (v["duration_us"] / 1e6),
            v["p50_us"], v["p99_us"], v["status_errors"],
            load * 1e4 / n, pg * 1e4 / n, sv * 1e4 / n, v["socket_errors"], v["max_us"] }'
}
# pgbench: prints "tps - - failed load_cpu_us/tx pg_cpu_us/tx - - -".
run_pgbench() { # script defs
    local defs=()
    mapfile -t defs < "$2"
    PGPASSWORD=$APPPW with_cpu - pgbench -n -M prepared -c "$POOL" -j 2 -T "$DURATION" -U $APP "${defs[@]}" -f "$1" $DB 2>&1 |
        awk '/^number of transactions actually processed: /{ n = $6 } /^number of failed transactions: /{ f = $5 }
            /^tps = /{ tps = $3 } /^CPU /{ load = $2; pg = $3 }
            /ERROR|error:/{ print "ERR " $0 > "/dev/stderr" }
            END { printf "%.0f 0 0 %d %.0f %.0f 0 0 0\n", tps, f, load * 1e4 / n, pg * 1e4 / n }'
}

echo "== warm-up" >&2
for s in "${SCENARIOS[@]}"; do
    for variant in "${VARIANTS[@]}"; do
        name=${variant%%=*}
        wrk -t2 -c"$CONNECTIONS" -d2s -s "$OUT/$s.lua" "${API[$name]}" >/dev/null
    done
    mapfile -t defs < "$OUT/$s.defs"
    PGPASSWORD=$APPPW pgbench -n -M prepared -c "$POOL" -j 2 -T 2 -U $APP "${defs[@]}" -f "$OUT/$s.tx.sql" $DB >/dev/null 2>&1
done

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
RAW=$OUT/raw.tsv
: > "$RAW"
for round in $(seq "$ROUNDS"); do
    for s in "${SCENARIOS[@]}"; do
        echo "== round $round: $s" >&2
        echo -e "$round\t$s\tpgbench\t$(run_pgbench "$OUT/$s.sql" "$OUT/$s.defs")" >> "$RAW"
        echo -e "$round\t$s\tpgbench-tx\t$(run_pgbench "$OUT/$s.tx.sql" "$OUT/$s.defs")" >> "$RAW"
        for variant in "${VARIANTS[@]}"; do
            name=${variant%%=*}
            echo -e "$round\t$s\t$name\t$(run_wrk "${API[$name]}" "$OUT/$s.lua" "${PID[$name]}")" >> "$RAW"
            if [ "$s" = "${SCENARIOS[0]}" ] && [ "$variant" = "${VARIANTS[0]}" ]; then
                echo -e "$round\t$s\t$name+jwt\t$(run_wrk "${API[$name]}" "$OUT/$s.lua" "${PID[$name]}" "Authorization: Bearer $JWT")" >> "$RAW"
            fi
        done
    done
done
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
declare -A HWM
for variant in "${VARIANTS[@]}"; do
    name=${variant%%=*}
    HWM[$name]=$(awk '/^VmHWM/{ printf "%.1f MB", $2 / 1024 }' "/proc/${PID[$name]}/status")
done

# The tables: median over rounds.
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) print 0; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.0f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
col() { awk -F'\t' -v s="$1" -v w="$2" -v f="$3" '$2 == s && $3 == w { split($4, x, " "); print x[f] }' "$RAW" | median; }
# The median over rounds of w's requests/s over ref's in the same round, in percent: pairing
# within a round cancels most of the noise of a shared machine.
ratio() { # scenario w ref
    awk -F'\t' -v s="$1" -v w="$2" -v ref="$3" '$2 == s { split($4, x, " "); v[$1, $3] = x[1]; r[$1] = 1 }
        END { for (i in r) if (v[i, ref] > 0) printf "%.1f\n", 100 * v[i, w] / v[i, ref] }' "$RAW" | median
}
rows_of() { # scenario: the servers' rows
    local variant
    for variant in "${VARIANTS[@]}"; do
        echo "${variant%%=*}"
        [ "$1" = "${SCENARIOS[0]}" ] && [ "$variant" = "${VARIANTS[0]}" ] && echo "${variant%%=*}+jwt"
    done
}
{
    echo "Throughput (requests or pgbench transactions per second, medians over rounds) and Gatehouse's"
    echo "share of the ceilings (median over rounds of the ratio within each round):"
    echo
    echo "| scenario | pgbench statement | pgbench flight | server | Gatehouse | / statement | / flight | p50 | p99 | max | non-2xx / socket errors |"
    echo "| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    for s in "${SCENARIOS[@]}"; do
        ceiling=$(col "$s" pgbench 1); flight=$(col "$s" pgbench-tx 1)
        for w in $(rows_of "$s"); do
            awk -v s="$s (${TITLE[$s]})" -v c="$ceiling" -v f="$flight" -v w="$w" -v r="$(col "$s" "$w" 1)" \
                -v rc="$(ratio "$s" "$w" pgbench)" -v rf="$(ratio "$s" "$w" pgbench-tx)" \
                -v p50="$(col "$s" "$w" 2)" -v p99="$(col "$s" "$w" 3)" -v e="$(col "$s" "$w" 4)" -v x="$(col "$s" "$w" 8)" \
                -v mx="$(col "$s" "$w" 9)" \
                'BEGIN { printf "| %s | %d | %d | %s | %d | %.0f%% | %.0f%% | %.2f ms | %.2f ms | %.0f ms | %d / %d |\n",
                    s, c, f, w, r, rc, rf, p50 / 1000, p99 / 1000, mx / 1000, e, x }'
        done
    done
    echo
    echo "Latencies are wrk's, medians over rounds; its p99 is corrected for coordinated omission (see"
    echo "run_wrk in bench/read/run.sh), so a few long stalls set it; max is the slowest response seen."
    echo
    echo "CPU time per request (µs; 10 ms ticks from /proc over the whole run; load = wrk or pgbench itself):"
    echo
    echo "| scenario | run | load tool | PostgreSQL | Gatehouse | total |"
    echo "| --- | --- | ---: | ---: | ---: | ---: |"
    for s in "${SCENARIOS[@]}"; do
        for w in pgbench pgbench-tx $(rows_of "$s"); do
            awk -v s="$s" -v w="$w" -v l="$(col "$s" "$w" 5)" -v p="$(col "$s" "$w" 6)" -v g="$(col "$s" "$w" 7)" \
                'BEGIN { printf "| %s | %s | %d | %d | %d | %d |\n", s, w, l, p, g, l + p + g }'
        done
    done
    echo
    for variant in "${VARIANTS[@]}"; do
        name=${variant%%=*}
        echo "- peak memory (VmHWM) of \`$name\` after all its runs: ${HWM[$name]}"
    done
    echo "- pool $POOL; wrk -t2 -c$CONNECTIONS -d${DURATION}s; pgbench -n -M prepared -c $POOL -j 2 -T $DURATION;" \
         "$ROUNDS round(s), medians; load average before $LOAD_BEFORE, after $LOAD_AFTER;" \
         "autogroup scheduling $(cat "$AUTOGROUP" 2>/dev/null || echo absent) during the run (was $AUTOGROUP_WAS);" \
         "$(nproc) cores; psql $(psql --version | cut -d' ' -f3), server $(super -d $DB -At -c 'show server_version')"
} | tee "$OUT/results.md"
