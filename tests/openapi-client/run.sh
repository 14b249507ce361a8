#!/usr/bin/env bash
# Proof that Gatehouse's OpenAPI document is usable: a client generated from the document the
# running demo serves, used against it for reads, writes and errors.
#
#  1. builds the binary and starts `gatehouse demo` (tests/lib/demo.sh: fresh /tmp directory,
#     free loopback ports, the printed tokens, /ready);
#  2. fetches `GET /openapi.json` as the admin and as the reader into generated/served-*.json;
#  3. validates both with openapi-spec-validator (the validator openapi/validate.sh runs on the
#     committed documents);
#  4. generates TypeScript types from each with openapi-typescript (generated/admin.ts,
#     generated/reader.ts);
#  5. type-checks and compiles src/client.test.ts against them with tsc (strict; nothing is
#     emitted on a type error, so a field, parameter or path the served document lacks fails
#     here);
#  6. runs it with `node --test`: openapi-fetch, typed by the generated paths, against the demo;
#     TAP output closing with `# pass N` / `# fail N`.
# Then stops the demo and removes its directory, on every exit path. Exits non-zero if any step
# fails.
#
# Environment (all optional):
#   GATEHOUSE_OPENAPI_START_TIMEOUT  seconds to wait for the demo's tokens (default 180)
#   GATEHOUSE_OPENAPI_SUITE_TIMEOUT  seconds the node suite may take (default 120)
#   GATEHOUSE_OPENAPI_KEEP=1         keep the demo directory (logs) after the run
#   GATEHOUSE_OPENAPI_BIN            an already built gatehouse binary (skips cargo build)
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
suite_timeout="${GATEHOUSE_OPENAPI_SUITE_TIMEOUT:-120}"

DEMO_TAG=openapi-client
DEMO_START_TIMEOUT="${GATEHOUSE_OPENAPI_START_TIMEOUT:-180}"
DEMO_KEEP="${GATEHOUSE_OPENAPI_KEEP:-}"
DEMO_BIN="${GATEHOUSE_OPENAPI_BIN:-}"
# shellcheck source=../lib/demo.sh
source "$here/../lib/demo.sh"

command -v node >/dev/null || demo_die "node is not installed (Node 20 or newer)"
command -v npm >/dev/null || demo_die "npm is not installed"
command -v curl >/dev/null || demo_die "curl is not installed"
command -v python3 >/dev/null || demo_die "python3 is not installed (for openapi-spec-validator)"

# Dependencies: exactly the lock file's.
bins="$here/node_modules/.bin"
if [ ! -x "$bins/openapi-typescript" ] || [ ! -x "$bins/tsc" ] || [ ! -d "$here/node_modules/openapi-fetch" ]; then
    demo_log "npm ci"
    (cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
fi

# openapi-spec-validator: the system python3's if it has it, otherwise the private virtualenv
# openapi/validate.sh installs (same place, same version range).
validator=python3
if ! python3 -c 'import openapi_spec_validator' 2>/dev/null; then
    venv="$root/target/openapi-venv"
    if ! "$venv/bin/python" -c 'import openapi_spec_validator' 2>/dev/null; then
        demo_log "installing openapi-spec-validator into $venv"
        python3 -m venv "$venv"
        "$venv/bin/pip" install --quiet --disable-pip-version-check 'openapi-spec-validator>=0.9,<1'
    fi
    validator="$venv/bin/python"
fi

demo_install_traps
demo_binary
demo_start

generated="$here/generated"
rm -rf "$generated" "$here/build"
mkdir -p "$generated"

status=0
for role in admin reader; do
    case "$role" in
        admin) token="$demo_admin_token" ;;
        reader) token="$demo_reader_token" ;;
    esac
    served="$generated/served-$role.json"
    demo_log "GET $demo_url/openapi.json as $role"
    curl -fsS --max-time 10 -H "Authorization: Bearer $token" -o "$served" "$demo_url/openapi.json" ||
        demo_die "could not fetch the $role's document"

    demo_log "openapi-spec-validator: the $role's served document"
    demo_run_bounded "$here" 120 "openapi-spec-validator" \
        "$validator" -m openapi_spec_validator "$served" >&2 || status=1

    demo_log "openapi-typescript: generated/$role.ts"
    demo_run_bounded "$here" 120 "openapi-typescript" \
        "$bins/openapi-typescript" "$served" --output "$generated/$role.ts" >&2 || status=1
done
[ "$status" = 0 ] || demo_die "a served document is invalid, or no client could be generated from it"

demo_log "tsc: type-check src/client.test.ts against the generated types"
demo_run_bounded "$here" 300 "tsc" "$bins/tsc" -p tsconfig.json >&2 ||
    demo_die "the client does not type-check against the served document"

demo_log "running the client against $demo_url"
# node's default reporter: spec on a terminal, TAP otherwise (CI), which closes with the
# `# tests / # pass / # fail` summary.
suite_status=0
demo_run_bounded "$here" "$suite_timeout" "the suite" env \
    GATEHOUSE_OPENAPI_URL="$demo_url" \
    GATEHOUSE_OPENAPI_READER_TOKEN="$demo_reader_token" \
    GATEHOUSE_OPENAPI_ADMIN_TOKEN="$demo_admin_token" \
    GATEHOUSE_OPENAPI_SERVED_DIR="$generated" \
    GATEHOUSE_OPENAPI_COMMITTED_READER="$root/openapi/demo-reader.json" \
    node --enable-source-maps --test build/src/client.test.js || suite_status=$?
if [ "$suite_status" != 0 ]; then
    demo_show_log
fi
exit "$suite_status"
