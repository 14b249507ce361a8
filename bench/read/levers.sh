#!/usr/bin/env bash
# Builds the read path's lever variants of the committed tree, for bench/read/run.sh --variant.
#
#   bench/read/levers.sh [--dir D]      (default /tmp/gatehouse-levers)
#
# Exports `git HEAD` into D/src (a throwaway copy: the working tree is never touched), and
# builds, each into D/bin/NAME:
#
#   as-is         the code as committed
#   no-lanes      no read lanes: every read takes a pooled connection, as before the lanes
#                 (the default of GATEHOUSE_READ_LANE_DEPTH set to 0, crates/api/src/settings.rs)
#   1worker       one actix worker for the API (the default of GATEHOUSE_WORKERS)
#
# (The levers measured before, Fast recycling and the statement sent alone where nothing reads
# the settings, are in the code now: bench/RESULTS.md "Read path". run.sh passes the same
# environment to every variant, which is why a lever that is also a setting is built in.)
#
# then prints the run.sh command comparing them. A patch that no longer applies (the code it
# edits has changed) stops the script with the file it expected to edit.
set -euo pipefail
cd "$(dirname "$0")/../.."
DIR=/tmp/gatehouse-levers
while [ $# -gt 0 ]; do
    case "$1" in
        --dir) DIR=$2; shift 2 ;;
        -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
        *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done
rm -rf "$DIR/src" "$DIR/bin"
mkdir -p "$DIR/src" "$DIR/bin"
git archive HEAD | tar -x -C "$DIR/src"
export CARGO_TARGET_DIR=$DIR/target
cd "$DIR/src"
EDITED="crates/api/src/settings.rs"
for f in $EDITED; do
    cp "$f" "$f.orig"
done
restore() {
    for f in $EDITED; do
        cp "$f.orig" "$f"
    done
}
apply_levers() { # lever...
    python3 - "$@" <<'EOF'
import sys

def edit(path, old, new):
    text = open(path).read()
    if text.count(old) != 1:
        sys.exit(f"levers.sh: {path} no longer has the code this lever edits:\n{old}")
    open(path, 'w').write(text.replace(old, new))

for lever in sys.argv[1:]:
    if lever == 'nolanes':
        edit('crates/api/src/settings.rs', 'pub const DEFAULT_READ_LANE_DEPTH: usize = 8;',
             'pub const DEFAULT_READ_LANE_DEPTH: usize = 0;')
    elif lever == 'oneworker':
        edit('crates/api/src/settings.rs',
             'std::thread::available_parallelism().map_or(1, std::num::NonZero::get)', '1')
    else:
        sys.exit(f"levers.sh: unknown lever {lever}")
EOF
}
build() { # name lever...
    local name=$1; shift
    restore
    [ $# -gt 0 ] && apply_levers "$@"
    echo "== building $name" >&2
    cargo build --release -q -p gatehouse-api --bin gatehouse
    cp "$CARGO_TARGET_DIR/release/gatehouse" "$DIR/bin/$name"
}
build as-is
build no-lanes nolanes
build 1worker oneworker
restore
echo "built $(git -C "$OLDPWD" rev-parse --short HEAD 2>/dev/null || echo HEAD) into $DIR/bin; compare them with:"
args=""
for name in as-is no-lanes 1worker; do
    args="$args --variant $name=$DIR/bin/$name"
done
echo "  bench/read/run.sh --rounds 3$args"
