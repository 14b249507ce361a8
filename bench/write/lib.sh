# Shared by bench/write/run.sh, bench/policy/run.sh and bench/auth/run.sh (sourced, not run).
#
# Follows bench/read/run.sh: `gatehouse demo --no-serve --dir D` makes or reuses a private TLS
# cluster (default /tmp/gatehouse-bench-wpa, apart from the read benchmark's so that the two can
# run at once); a database `gatehouse_bench_wpa` and a login role `gatehouse_bench_wpa_app` are
# added; data is loaded as the superuser with psql over TLS (verify-full, channel binding);
# `gatehouse migrate up --grant-to` the app role; servers run as the app role.
#
# Expects before sourcing: DIR, OUT_NAME, DURATION, POOL, CONNECTIONS, KEEP_RUNNING, REMOVE.
# Provides: BIN, OUT, PORT, SUPER_URL, APP_URL, APP, APPPW, DB, JWT_SECRET_FILE, PEPPER_FILE,
# super(), jwt(), start_server(), run_wrk(), run_pgbench(), median(), and the EXIT cleanup.

ROOT=$PWD
BIN=${GATEHOUSE_BENCH_BIN:-${CARGO_TARGET_DIR:-$ROOT/target}/release/gatehouse}
for tool in wrk pgbench psql openssl curl python3; do
    command -v "$tool" >/dev/null || { echo "$tool is missing (apt-get install wrk postgresql-client openssl curl python3)" >&2; exit 1; }
done
[ -x "$BIN" ] || { echo "no binary $BIN: cargo build --release -p gatehouse-api --bin gatehouse" >&2; exit 1; }

OUT=$DIR/$OUT_NAME
mkdir -p "$OUT"
SERVER_PIDS=()
cleanup() {
    for pid in "${SERVER_PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    echo "servers stopped" >&2
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
for var in $(env | sed -n 's/^\(GATEHOUSE_[A-Z_]*\)=.*/\1/p'); do unset "$var"; done

echo "== cluster ($DIR)" >&2
"$BIN" demo --no-serve --dir "$DIR" >/dev/null
PORT=$(cat "$DIR/port")
CA=$DIR/ca.crt
export PGSSLMODE=verify-full PGSSLROOTCERT=$CA PGHOST=localhost PGHOSTADDR=127.0.0.1 PGPORT=$PORT
export PGCHANNELBINDING=require
SUPERPW=$(cat "$DIR/superuser.password")
APP=gatehouse_bench_wpa_app
DB=gatehouse_bench_wpa
secret() { # file: 32 random bytes as hex, made once
    [ -s "$1" ] || (umask 077; openssl rand -hex 32 > "$1")
}
secret "$DIR/bench-app.password"
secret "$DIR/bench-jwt.secret"
secret "$DIR/bench-pepper"
APPPW=$(cat "$DIR/bench-app.password")
JWT_SECRET_FILE=$DIR/bench-jwt.secret
PEPPER_FILE=$DIR/bench-pepper
super() { PGPASSWORD=$SUPERPW psql -X -q -v ON_ERROR_STOP=1 -U postgres "$@"; }

super -d postgres -v pw="$APPPW" <<'SQL'
select format('create role gatehouse_bench_wpa_app login nosuperuser nocreatedb nocreaterole nobypassrls password %L', :'pw')
where not exists (select 1 from pg_roles where rolname = 'gatehouse_bench_wpa_app') \gexec
select format('alter role gatehouse_bench_wpa_app password %L', :'pw') \gexec
select 'create database gatehouse_bench_wpa'
where not exists (select 1 from pg_database where datname = 'gatehouse_bench_wpa') \gexec
SQL
super -d $DB -c "grant usage on schema public to $APP"

ENC=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$CA")
SUPER_URL="postgres://postgres:$SUPERPW@localhost:$PORT/$DB?sslmode=verify-full&sslrootcert=$ENC&hostaddr=127.0.0.1"
APP_URL="postgres://$APP:$APPPW@localhost:$PORT/$DB?sslmode=verify-full&sslrootcert=$ENC&hostaddr=127.0.0.1"
GATEHOUSE_DATABASE_URL=$SUPER_URL "$BIN" migrate up --grant-to $APP >/dev/null

# An HS256 JWT valid for an hour: jwt ROLE [TENANT] (subject `bench`).
jwt() {
    python3 - "$JWT_SECRET_FILE" "$@" <<'PY'
import base64, hashlib, hmac, json, sys, time
secret = open(sys.argv[1]).read().strip().encode()
claims = {"role": sys.argv[2], "sub": "bench", "exp": int(time.time()) + 3600}
if len(sys.argv) > 3:
    claims["tenant_id"] = sys.argv[3]
b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()
head = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
body = b64(json.dumps(claims).encode())
sig = b64(hmac.new(secret, f"{head}.{body}".encode(), hashlib.sha256).digest())
print(f"{head}.{body}.{sig}")
PY
}

# start_server NAME POLICY API_PORT: `gatehouse serve` as the app role, waits for /ready.
declare -A API PID
start_server() {
    local name=$1 policy=$2 api_port=$3 admin_port=$(($3 + 1))
    GATEHOUSE_DATABASE_URL=$APP_URL GATEHOUSE_POLICY_FILE=$policy \
    GATEHOUSE_POOL_SIZE=$POOL GATEHOUSE_LISTEN=127.0.0.1:$api_port \
    GATEHOUSE_ADMIN_LISTEN=127.0.0.1:$admin_port GATEHOUSE_JWT_SECRET_FILE=$JWT_SECRET_FILE \
    GATEHOUSE_API_KEY_PEPPER_FILE=$PEPPER_FILE GATEHOUSE_LOG=warn \
        "$BIN" serve > "$OUT/server-$name.log" 2>&1 &
    PID[$name]=$!; SERVER_PIDS+=($!)
    API[$name]=http://127.0.0.1:$api_port
    for _ in $(seq 150); do
        curl -fs "http://127.0.0.1:$admin_port/ready" >/dev/null 2>&1 && return 0
        kill -0 "${PID[$name]}" 2>/dev/null || { cat "$OUT/server-$name.log" >&2; exit 1; }
        sleep 0.2
    done
    echo "$name not ready" >&2; cat "$OUT/server-$name.log" >&2; exit 1
}

# The `done` hook every wrk script ends with: one machine-readable line.
WRK_DONE='
done = function(summary, latency, requests)
  io.write(string.format("WRK requests=%d duration_us=%d p50_us=%d p99_us=%d status_errors=%d socket_errors=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
'
# A wrk script seeds its thread's generator apart from the others'.
WRK_SEED='
local thread_id = 0
setup = function(thread) thread_id = thread_id + 1; thread:set("seed", thread_id) end
init = function(args) math.randomseed(os.time() * 100 + (seed or 0)) end
'

# run_wrk URL SCRIPT [HEADER]: prints "rps p50_us p99_us errors".
run_wrk() {
    local args=(-t2 -c"$CONNECTIONS" -d"${DURATION}s" -s "$2")
    [ -n "${3:-}" ] && args+=(-H "$3")
    wrk "${args[@]}" "$1" | awk '/^WRK /{
        for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] } }
        END { printf "%.0f %d %d %d\n", v["requests"] / (v["duration_us"] / 1e6),
            v["p50_us"], v["p99_us"], v["status_errors"] + v["socket_errors"] }'
}

# run_pgbench SCRIPT [pgbench options...]: prints "tps - - failed" (as the app role, prepared).
run_pgbench() {
    local script=$1; shift
    PGPASSWORD=$APPPW pgbench -n -M prepared -c "$POOL" -j 2 -T "$DURATION" -U $APP "$@" -f "$script" $DB 2>&1 |
        awk '/^number of failed transactions: /{ f = $5 } /^tps = /{ tps = $3 }
            /ERROR|error:/{ print "ERR " $0 > "/dev/stderr" }
            END { printf "%.0f 0 0 %d\n", tps, f }'
}

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) print 0; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.0f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

machine_note() {
    echo "$(nproc) cores, shared (other benchmarks and builds may run: compare ratios within one run);" \
         "load average $(cut -d' ' -f1-3 /proc/loadavg); server $(super -d $DB -At -c 'show server_version'); $(date -u +%F)"
}
