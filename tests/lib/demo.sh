# Start and stop `gatehouse demo` for the suites under tests/ that drive a running server
# (tests/compat, tests/openapi-client). Sourced, not run:
#
#   DEMO_TAG=compat                # names log lines ([compat]) and the temp dir
#   source "$root/tests/lib/demo.sh"
#   demo_install_traps             # on every exit path: stop the bounded job, then the demo
#   demo_binary                    # $DEMO_BIN, or `cargo build --bin gatehouse`; sets demo_bin
#   demo_start                     # or dies; sets demo_url, demo_reader_token, demo_admin_token
#   demo_run_bounded DIR SECONDS WHAT CMD...   # CMD in DIR under `timeout`; returns its status
#
# The demo runs in a fresh directory under /tmp on two free loopback ports (tried again with
# other ports if one is taken meanwhile), with none of the caller's GATEHOUSE_* variables. Its
# tokens are read from what it prints (`  reader: <jwt>`, `  admin:  <jwt>`), then /ready on the
# admin port is awaited. demo_stop sends SIGINT (as Ctrl-C, which stops its database too), kills
# it after 30 s, shuts down a PostgreSQL it left running (by the pid in its postmaster.pid) and
# removes the directory. Every wait is bounded.
#
# Settings (the sourcing script maps its own environment variables onto these):
#   DEMO_TAG            required: a short name, [a-z-]
#   DEMO_START_TIMEOUT  seconds to wait for the demo's tokens (default 180)
#   DEMO_READY_TIMEOUT  seconds to wait for /ready once the tokens are out (default 30)
#   DEMO_KEEP=1         keep the demo directory (logs) after the run
#   DEMO_BIN            an already built gatehouse binary (skips cargo build)

: "${DEMO_TAG:?set DEMO_TAG before sourcing tests/lib/demo.sh}"
DEMO_START_TIMEOUT="${DEMO_START_TIMEOUT:-180}"
DEMO_READY_TIMEOUT="${DEMO_READY_TIMEOUT:-30}"

demo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

demo_bin=""
demo_pid=""
demo_dir=""
demo_out=""
demo_err=""
demo_api_port=""
demo_admin_port=""
demo_url=""
demo_reader_token=""
demo_admin_token=""
demo_job_pid=""

demo_log() { printf '[%s] %s\n' "$DEMO_TAG" "$*" >&2; }
demo_die() { demo_log "error: $*"; exit 1; }

# The binary under test: $DEMO_BIN, or a debug build of the workspace's.
demo_binary() {
    if [ -n "${DEMO_BIN:-}" ]; then
        demo_bin="$DEMO_BIN"
    else
        demo_log "cargo build --bin gatehouse"
        (cd "$demo_root" && cargo build --quiet --bin gatehouse)
        demo_bin="${CARGO_TARGET_DIR:-$demo_root/target}/debug/gatehouse"
    fi
    [ -x "$demo_bin" ] || demo_die "no binary at $demo_bin"
}

# Stops the demo (SIGINT, as Ctrl-C); if it does not go in time, kills it. Then stops the
# PostgreSQL server it started if that still runs (by the pid in its postmaster.pid: a demo that
# fails after starting its database leaves it running), and removes the directory.
demo_stop() {
    if [ -n "$demo_pid" ] && kill -0 "$demo_pid" 2>/dev/null; then
        kill -INT "$demo_pid" 2>/dev/null || true
        for _ in $(seq 1 300); do
            kill -0 "$demo_pid" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$demo_pid" 2>/dev/null; then
            demo_log "the demo did not stop within 30 s of SIGINT: killing it"
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
            demo_log "the demo database is still running: fast shutdown of postgres $pg_pid"
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
        if [ "${DEMO_KEEP:-}" = 1 ]; then
            demo_log "kept $demo_dir"
        else
            rm -rf "$demo_dir"
        fi
    fi
    demo_dir=""
}

demo_cleanup() {
    local status=$?
    trap - EXIT INT TERM
    if [ -n "$demo_job_pid" ] && kill -0 "$demo_job_pid" 2>/dev/null; then
        kill -TERM "$demo_job_pid" 2>/dev/null || true
        wait "$demo_job_pid" 2>/dev/null || true
    fi
    demo_stop
    exit "$status"
}

demo_install_traps() {
    trap demo_cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
}

# Two distinct free loopback ports, held open together while the kernel picks them.
demo_free_ports() {
    node -e '
        const net = require("net");
        const a = net.createServer(), b = net.createServer();
        a.listen(0, "127.0.0.1", () => b.listen(0, "127.0.0.1", () => {
            console.log(a.address().port, b.address().port);
            a.close(); b.close();
        }));'
}

# One attempt: returns 0 once the tokens are printed, 2 if the demo failed to bind (try again
# with other ports), 1 on any other failure.
demo_start_once() {
    demo_dir="$(mktemp -d "/tmp/gatehouse-$DEMO_TAG.XXXXXX")"
    demo_out="$demo_dir/demo.stdout"
    demo_err="$demo_dir/demo.stderr"
    read -r demo_api_port demo_admin_port < <(demo_free_ports)
    demo_log "starting the demo in $demo_dir (API 127.0.0.1:$demo_api_port, admin 127.0.0.1:$demo_admin_port)"
    # Only the variables set here reach the demo: none of the caller's GATEHOUSE_* settings.
    # shellcheck disable=SC2046 # one `-u NAME` word pair per variable
    env $(compgen -e | grep '^GATEHOUSE_' | sed 's/^/-u /') \
        GATEHOUSE_LISTEN="127.0.0.1:$demo_api_port" \
        GATEHOUSE_ADMIN_LISTEN="127.0.0.1:$demo_admin_port" \
        GATEHOUSE_LOG=warn \
        "$demo_bin" demo --dir "$demo_dir" >"$demo_out" 2>"$demo_err" </dev/null &
    demo_pid=$!
    local waited=0
    while :; do
        if grep -q '^  admin: ' "$demo_out" 2>/dev/null; then
            return 0
        fi
        if ! kill -0 "$demo_pid" 2>/dev/null; then
            wait "$demo_pid" 2>/dev/null || true
            demo_pid=""
            demo_log "the demo exited before serving; its output:"
            cat "$demo_out" "$demo_err" >&2 || true
            if grep -qiE 'address (already )?in use' "$demo_err"; then
                return 2
            fi
            return 1
        fi
        if [ "$waited" -ge "$((DEMO_START_TIMEOUT * 10))" ]; then
            demo_log "no tokens from the demo within ${DEMO_START_TIMEOUT} s; its output:"
            cat "$demo_out" "$demo_err" >&2 || true
            return 1
        fi
        sleep 0.1
        waited=$((waited + 1))
    done
}

# Starts the demo, reads its tokens and waits until it is ready; dies if it cannot.
demo_start() {
    [ -n "$demo_bin" ] || demo_binary
    command -v node >/dev/null || demo_die "node is not installed (it picks the free ports)"
    command -v curl >/dev/null || demo_die "curl is not installed"
    local started=1 code attempt
    for attempt in 1 2 3; do
        if demo_start_once; then
            started=0
            break
        else
            code=$?
        fi
        demo_stop
        [ "$code" = 2 ] || break
        demo_log "port taken, trying again (attempt $attempt of 3)"
    done
    [ "$started" = 0 ] || demo_die "the demo did not start"

    demo_reader_token="$(awk '$1 == "reader:" { print $2; exit }' "$demo_out")"
    demo_admin_token="$(awk '$1 == "admin:" { print $2; exit }' "$demo_out")"
    [ -n "$demo_reader_token" ] && [ -n "$demo_admin_token" ] ||
        demo_die "could not read the tokens from the demo's output"
    demo_url="http://127.0.0.1:$demo_api_port"

    demo_log "waiting for http://127.0.0.1:$demo_admin_port/ready"
    local ready=1
    for _ in $(seq 1 "$((DEMO_READY_TIMEOUT * 2))"); do
        if curl -fsS --max-time 2 "http://127.0.0.1:$demo_admin_port/ready" >/dev/null 2>&1; then
            ready=0
            break
        fi
        kill -0 "$demo_pid" 2>/dev/null || break
        sleep 0.5
    done
    if [ "$ready" != 0 ]; then
        cat "$demo_err" >&2 || true
        demo_die "the demo never became ready"
    fi
}

# Runs CMD... in DIR, bounded by `timeout SECONDS` (then SIGKILL 10 s later), in the background so
# that a signal to the calling script is handled at once (bash runs traps only between foreground
# commands) and the trap can stop it. Returns CMD's status: 124 or 137 when it timed out, which is
# reported with WHAT (a description: CMD may carry tokens).
demo_run_bounded() {
    local dir="$1" seconds="$2" what="$3"
    shift 3
    (cd "$dir" && exec timeout --kill-after=10 "$seconds" "$@") &
    demo_job_pid=$!
    local status=0
    wait "$demo_job_pid" || status=$?
    demo_job_pid=""
    if [ "$status" = 124 ] || [ "$status" = 137 ]; then
        demo_log "$what did not finish within ${seconds} s"
    fi
    return "$status"
}

# The last lines of the demo's log, for a failure report.
demo_show_log() {
    if [ -n "$demo_err" ] && [ -f "$demo_err" ]; then
        demo_log "the demo's log (stderr):"
        tail -n 50 "$demo_err" >&2 || true
    fi
}
