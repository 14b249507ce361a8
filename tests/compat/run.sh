#!/usr/bin/env bash
# The PostgREST compatibility suite: a real PostgREST client (@supabase/postgrest-js) against a
# running `gatehouse demo`, on loopback only.
#
# Builds the binary, starts the demo in a fresh directory under /tmp on free ports, reads the
# printed tokens, waits for /ready, runs `node --test`, then stops the demo with SIGINT (which
# stops its database too) and removes the directory. Exits with the suite's status. Starting and
# stopping the demo is tests/lib/demo.sh, shared with tests/openapi-client.
#
# Environment (all optional):
#   GATEHOUSE_COMPAT_START_TIMEOUT  seconds to wait for the demo's tokens (default 180)
#   GATEHOUSE_COMPAT_SUITE_TIMEOUT  seconds the whole node suite may take (default 300)
#   GATEHOUSE_COMPAT_KEEP=1         keep the demo directory (logs) after the run
#   GATEHOUSE_COMPAT_BIN            an already built gatehouse binary (skips cargo build)
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
suite_timeout="${GATEHOUSE_COMPAT_SUITE_TIMEOUT:-300}"

DEMO_TAG=compat
DEMO_START_TIMEOUT="${GATEHOUSE_COMPAT_START_TIMEOUT:-180}"
DEMO_KEEP="${GATEHOUSE_COMPAT_KEEP:-}"
DEMO_BIN="${GATEHOUSE_COMPAT_BIN:-}"
# shellcheck source=../lib/demo.sh
source "$here/../lib/demo.sh"

command -v node >/dev/null || demo_die "node is not installed (Node 20 or newer)"
command -v npm >/dev/null || demo_die "npm is not installed"
command -v curl >/dev/null || demo_die "curl is not installed"

# Dependencies: exactly the lock file's.
if [ ! -d "$here/node_modules/@supabase/postgrest-js" ]; then
    demo_log "npm ci"
    (cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
fi

demo_install_traps
demo_binary
demo_start

demo_log "running the suite against $demo_url"
# node's default reporter: spec on a terminal, TAP otherwise (CI), which closes with the
# `# tests / # pass / # fail` summary. One file at a time: writes.test.mjs creates (and deletes)
# acme rows that the read suites, running beside it, would count.
suites=("$here"/suite/*.test.mjs)
suites=("${suites[@]#"$here/"}")
suite_status=0
demo_run_bounded "$here" "$suite_timeout" "the suite" env \
    GATEHOUSE_COMPAT_URL="$demo_url" \
    GATEHOUSE_COMPAT_READER_TOKEN="$demo_reader_token" \
    GATEHOUSE_COMPAT_ADMIN_TOKEN="$demo_admin_token" \
    node --test --test-concurrency=1 "${suites[@]}" || suite_status=$?
if [ "$suite_status" != 0 ]; then
    demo_show_log
fi
exit "$suite_status"
