#!/usr/bin/env bash
# The PostgREST compatibility suite: a real PostgREST client (@supabase/postgrest-js) against a
# running `gatehouse demo`, on loopback only.
#
# Builds the binary, starts the demo in a fresh directory under /tmp on free ports, reads the
# printed tokens, waits for /ready, runs `node --test`, then stops the demo with SIGINT (which
# stops its database too) and removes the directory. Exits with the suite's status.
#
# Environment (all optional):
#   GATEHOUSE_COMPAT_START_TIMEOUT  seconds to wait for the demo's tokens (default 180)
#   GATEHOUSE_COMPAT_SUITE_TIMEOUT  seconds the whole node suite may take (default 300)
#   GATEHOUSE_COMPAT_KEEP=1         keep the demo directory (logs) after the run
#   GATEHOUSE_COMPAT_BIN            an already built gatehouse binary (skips cargo build)
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
start_timeout="${GATEHOUSE_COMPAT_START_TIMEOUT:-180}"
suite_timeout="${GATEHOUSE_COMPAT_SUITE_TIMEOUT:-300}"

log() { printf '[compat] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

command -v node >/dev/null || die "node is not installed (Node 20 or newer)"
command -v npm >/dev/null || die "npm is not installed"
command -v curl >/dev/null || die "curl is not installed"

# Dependencies: exactly the lock file's.
if [ ! -d "$here/node_modules/@supabase/postgrest-js" ]; then
    log "npm ci"
    (cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
fi

if [ -n "${GATEHOUSE_COMPAT_BIN:-}" ]; then
    bin="$GATEHOUSE_COMPAT_BIN"
else
    log "cargo build --bin gatehouse"
    (cd "$root" && cargo build --quiet --bin gatehouse)
    bin="${CARGO_TARGET_DIR:-$root/target}/debug/gatehouse"
fi
[ -x "$bin" ] || die "no binary at $bin"

demo_pid=""
demo_dir=""
out=""
err=""
suite_pid=""

# Stops the demo (SIGINT, as Ctrl-C); if it does not go in time, kills it. Then stops the
# PostgreSQL server it started if that still runs (by the pid in its postmaster.pid: a demo that
# fails after starting its database leaves it running), and removes the directory.
stop_demo() {
    if [ -n "$demo_pid" ] && kill -0 "$demo_pid" 2>/dev/null; then
        kill -INT "$demo_pid" 2>/dev/null || true
        for _ in $(seq 1 300); do
            kill -0 "$demo_pid" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$demo_pid" 2>/dev/null; then
            log "the demo did not stop within 30 s of SIGINT: killing it"
            kill -KILL "$demo_pid" 2>/dev/null || true
        fi
    fi
    if [ -n "$demo_pid" ]; then
        wait "$demo_pid" 2>/dev/null || true
        demo_pid=""
    fi
    if [ -n "$demo_dir" ] && [ -f "$demo_dir/data/postmaster.pid" ]; then
        local pg_pid
        pg_pid="$(head -n 1 "$demo_dir/data/postmaster.pid" 2>/dev/null || true)"
        if [[ "$pg_pid" =~ ^[0-9]+$ ]] && kill -0 "$pg_pid" 2>/dev/null; then
            log "the demo database is still running: fast shutdown of postgres $pg_pid"
            kill -INT "$pg_pid" 2>/dev/null || true
            for _ in $(seq 1 100); do
                kill -0 "$pg_pid" 2>/dev/null || break
                sleep 0.1
            done
            if kill -0 "$pg_pid" 2>/dev/null; then
                kill -KILL "$pg_pid" 2>/dev/null || true
            fi
        fi
    fi
    if [ -n "$demo_dir" ] && [ -d "$demo_dir" ]; then
        if [ "${GATEHOUSE_COMPAT_KEEP:-}" = 1 ]; then
            log "kept $demo_dir"
        else
            rm -rf "$demo_dir"
        fi
    fi
    demo_dir=""
}

cleanup() {
    local status=$?
    trap - EXIT INT TERM
    if [ -n "$suite_pid" ] && kill -0 "$suite_pid" 2>/dev/null; then
        kill -TERM "$suite_pid" 2>/dev/null || true
        wait "$suite_pid" 2>/dev/null || true
    fi
    stop_demo
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Two distinct free loopback ports, held open together while the kernel picks them.
free_ports() {
    node -e '
        const net = require("net");
        const a = net.createServer(), b = net.createServer();
        a.listen(0, "127.0.0.1", () => b.listen(0, "127.0.0.1", () => {
            console.log(a.address().port, b.address().port);
            a.close(); b.close();
        }));'
}

# Starts the demo; returns 0 once its tokens are printed, 2 if it failed to bind (try again
# with other ports), 1 on any other failure.
start_demo() {
    demo_dir="$(mktemp -d /tmp/gatehouse-compat.XXXXXX)"
    out="$demo_dir/compat-demo.stdout"
    err="$demo_dir/compat-demo.stderr"
    read -r api_port admin_port < <(free_ports)
    log "starting the demo in $demo_dir (API 127.0.0.1:$api_port, admin 127.0.0.1:$admin_port)"
    # Only the variables set here reach the demo: none of the caller's GATEHOUSE_* settings.
    env $(compgen -e | grep '^GATEHOUSE_' | sed 's/^/-u /') \
        GATEHOUSE_LISTEN="127.0.0.1:$api_port" \
        GATEHOUSE_ADMIN_LISTEN="127.0.0.1:$admin_port" \
        GATEHOUSE_LOG=warn \
        "$bin" demo --dir "$demo_dir" >"$out" 2>"$err" </dev/null &
    demo_pid=$!
    local waited=0
    while :; do
        if grep -q '^  admin: ' "$out" 2>/dev/null; then
            return 0
        fi
        if ! kill -0 "$demo_pid" 2>/dev/null; then
            wait "$demo_pid" 2>/dev/null || true
            demo_pid=""
            log "the demo exited before serving; its output:"
            cat "$out" "$err" >&2 || true
            if grep -qiE 'address (already )?in use' "$err"; then
                return 2
            fi
            return 1
        fi
        if [ "$waited" -ge "$((start_timeout * 10))" ]; then
            log "no tokens from the demo within ${start_timeout} s; its output:"
            cat "$out" "$err" >&2 || true
            return 1
        fi
        sleep 0.1
        waited=$((waited + 1))
    done
}

started=1
for attempt in 1 2 3; do
    if start_demo; then
        started=0
        break
    else
        code=$?
    fi
    stop_demo
    [ "$code" = 2 ] || break
    log "port taken, trying again (attempt $attempt of 3)"
done
[ "$started" = 0 ] || die "the demo did not start"

reader_token="$(awk '$1 == "reader:" { print $2; exit }' "$out")"
admin_token="$(awk '$1 == "admin:" { print $2; exit }' "$out")"
[ -n "$reader_token" ] && [ -n "$admin_token" ] || die "could not read the tokens from the demo's output"

log "waiting for http://127.0.0.1:$admin_port/ready"
ready=1
for _ in $(seq 1 60); do
    if curl -fsS --max-time 2 "http://127.0.0.1:$admin_port/ready" >/dev/null 2>&1; then
        ready=0
        break
    fi
    kill -0 "$demo_pid" 2>/dev/null || break
    sleep 0.5
done
if [ "$ready" != 0 ]; then
    cat "$err" >&2 || true
    die "the demo never became ready"
fi

log "running the suite against http://127.0.0.1:$api_port"
# In the background, so that a signal to this script is handled at once (bash runs traps only
# between foreground commands), and bounded by `timeout`. node's default reporter: spec on a
# terminal, TAP otherwise (CI), which closes with the `# tests / # pass / # fail` summary.
(
    cd "$here" &&
        GATEHOUSE_COMPAT_URL="http://127.0.0.1:$api_port" \
        GATEHOUSE_COMPAT_READER_TOKEN="$reader_token" \
        GATEHOUSE_COMPAT_ADMIN_TOKEN="$admin_token" \
        exec timeout --kill-after=10 "$suite_timeout" \
        node --test suite/*.test.mjs
) &
suite_pid=$!
suite_status=0
wait "$suite_pid" || suite_status=$?
suite_pid=""
if [ "$suite_status" = 124 ] || [ "$suite_status" = 137 ]; then
    log "the suite did not finish within ${suite_timeout} s"
fi
if [ "$suite_status" != 0 ]; then
    log "the demo's log (stderr):"
    tail -n 50 "$err" >&2 || true
fi
exit "$suite_status"
