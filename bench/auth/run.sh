#!/usr/bin/env bash
# Authentication cost: the same read on one `gatehouse serve`, with three kinds of caller,
# measured in turn with wrk:
#
#   anonymous  no credentials: the policy's `anon` role
#   jwt        Authorization: Bearer <HS256 JWT, role member, tenant_id t1>
#   api-key    Authorization: Bearer gh_… made by `gatehouse keys create --role member
#              --tenant t1` (owner URL, GATEHOUSE_API_KEY_PEPPER)
#
#   read: GET /pol_items?select=id,name,price,email,created_at&category_id=eq.{1..1000}
#             &order=created_at.desc&limit=50   (50 rows for every caller)
#
# The policy is bench/policy/permissive.toml (no tenant scoping, no row filter, no mask) so the
# three callers run the same statement and get the same rows; the dataset is bench/policy's
# (loaded if missing). Target: api-key >= 95% of jwt.
#
#   bench/auth/run.sh [--dir D] [--duration S] [--rounds N] [--pool N] [--connections N]
#                     [--keep-running] [--remove]
#
# Rounds rotate the order of the three; the table shows medians and the median of per-round
# ratios. The key is revoked at the end. Cleanup: server stopped; cluster stopped but kept in
# D (default /tmp/gatehouse-bench-wpa); --keep-running leaves it running, --remove deletes D.
set -euo pipefail
cd "$(dirname "$0")/../.."

DIR=/tmp/gatehouse-bench-wpa
DURATION=10
ROUNDS=3
POOL=8
CONNECTIONS=16
KEEP_RUNNING=0
REMOVE=0
API_PORT=${GATEHOUSE_BENCH_PORT:-3976}
while [ $# -gt 0 ]; do
    case "$1" in
        --dir) DIR=$2; shift 2 ;;
        --duration) DURATION=$2; shift 2 ;;
        --rounds) ROUNDS=$2; shift 2 ;;
        --pool) POOL=$2; shift 2 ;;
        --connections) CONNECTIONS=$2; shift 2 ;;
        --keep-running) KEEP_RUNNING=1; shift ;;
        --remove) REMOVE=1; shift ;;
        -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
        *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done
OUT_NAME=auth
# shellcheck source=bench/write/lib.sh
source bench/write/lib.sh

HAVE=$(super -d $DB -At -c "select count(*) from pol_items" 2>/dev/null || echo 0)
if [ "$HAVE" != 1000000 ]; then
    echo "== loading pol_items (1,000,000 rows)" >&2
    super -d $DB -f bench/policy/schema.sql
fi
super -d $DB -c "grant select on pol_items to $APP"
POLICY=$ROOT/bench/policy/permissive.toml

echo "== creating the API key" >&2
keys() {
    GATEHOUSE_DATABASE_URL=$SUPER_URL GATEHOUSE_API_KEY_PEPPER_FILE=$PEPPER_FILE \
    GATEHOUSE_POLICY_FILE=$POLICY "$BIN" keys "$@"
}
KEY=$(keys create --role member --tenant t1 --expires 1d --description "bench/auth $(date -u +%FT%TZ)")
KEY_ID=$(echo "$KEY" | cut -d_ -f2)
revoke() { keys revoke "$KEY_ID" >/dev/null 2>&1 && echo "key $KEY_ID revoked" >&2 || true; cleanup; }
trap revoke EXIT

echo "== starting the server, pool $POOL" >&2
start_server gatehouse "$POLICY" "$API_PORT"
URL=${API[gatehouse]}
READ='/pol_items?select=id,name,price,email,created_at&category_id=eq.'
TAIL='&order=created_at.desc&limit=50'
declare -A HEADER=([anonymous]="" [jwt]="Authorization: Bearer $(jwt member t1)" [api-key]="Authorization: Bearer $KEY")
CALLERS=(anonymous jwt api-key)

# Smoke test: 50 rows for each caller; a wrong key is refused.
for c in "${CALLERS[@]}"; do
    args=(-fsS); [ -n "${HEADER[$c]}" ] && args+=(-H "${HEADER[$c]}")
    curl "${args[@]}" "$URL${READ}500${TAIL}" | python3 -c 'import json, sys; r = json.load(sys.stdin); assert len(r) == 50, len(r)'
done
WRONG=${KEY%?}x; [ "$WRONG" = "$KEY" ] && WRONG=${KEY%?}y
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $WRONG" "$URL${READ}500${TAIL}")
[ "$code" = 401 ] || { echo "a wrong key answers $code" >&2; exit 1; }

cat > "$OUT/read.lua" <<LUA
$WRK_SEED
request = function()
  return wrk.format("GET", "${READ}" .. math.random(1, 1000) .. "${TAIL}")
end
$WRK_DONE
LUA

echo "== warm-up" >&2
for c in "${CALLERS[@]}"; do
    wrk -t2 -c"$CONNECTIONS" -d3s ${HEADER[$c]:+-H "${HEADER[$c]}"} -s "$OUT/read.lua" "$URL" >/dev/null
done

RAW=$OUT/raw.tsv
: > "$RAW"
for round in $(seq "$ROUNDS"); do
    shift_by=$(( (round - 1) % 3 ))
    order=("${CALLERS[@]:$shift_by}" "${CALLERS[@]:0:$shift_by}")
    for c in "${order[@]}"; do
        echo "== round $round: $c" >&2
        echo -e "$round\t$c\t$(run_wrk "$URL" "$OUT/read.lua" "${HEADER[$c]}")" >> "$RAW"
    done
done

col() { awk -F'\t' -v w="$1" -v f="$2" '$2 == w { split($3, x, " "); print x[f] }' "$RAW" | median; }
median_f() { sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) print 0; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ratios() { # per-round A / B
    awk -F'\t' -v a="$1" -v b="$2" '{ split($3, x, " "); v[$1, $2] = x[1]; r[$1] = 1 }
        END { for (k in r) if (v[k, b]) printf "%.3f\n", v[k, a] / v[k, b] }' "$RAW" | sort -n
}
JWT_RPS=$(col jwt 1)
{
    echo "The same read (50 rows filtered and ordered, permissive policy), by kind of caller; requests per second:"
    echo
    echo "| caller | Gatehouse (wrk) | / jwt (median of per-round ratios) | per round | p50 | p99 | errors |"
    echo "| --- | ---: | ---: | --- | ---: | ---: | ---: |"
    for c in jwt api-key anonymous; do
        awk -v c="$c" -v g="$(col "$c" 1)" -v r="$(ratios "$c" jwt | median_f)" -v rs="$(ratios "$c" jwt | tr '\n' ' ')" \
            -v p50="$(col "$c" 2)" -v p99="$(col "$c" 3)" -v e="$(col "$c" 4)" \
            'BEGIN { printf "| %s | %d | %.1f%% | %s | %.2f ms | %.2f ms | %d |\n", c, g, 100 * r, rs, p50 / 1000, p99 / 1000, e }'
    done
    echo
    echo "- target: api-key within 5% of jwt; pool $POOL; wrk -t2 -c$CONNECTIONS -d${DURATION}s, $ROUNDS rounds rotating the order"
    echo "- $(machine_note)"
} | tee "$OUT/results.md"
