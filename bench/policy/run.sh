#!/usr/bin/env bash
# Policy cost: the same read under a realistic policy, a permissive one and the realistic one
# without its mask, on three `gatehouse serve` instances over the same database, measured in
# rotated order with wrk.
#
#   read: GET /pol_items?select=id,name,price,email,created_at&category_id=eq.{1..1000}
#             &order=created_at.desc&limit=50
#   realistic   (bench/policy/realistic.toml): tenant-scoped on tenant_id, row filter
#               status=neq.archived, email masked (kind `email`)
#   permissive  (bench/policy/permissive.toml): tenant_scoped = false, no row filter, no mask
#   nomask      (bench/policy/nomask.toml): the realistic policy without its mask
#
# All with the same JWT (HS256, role `member`, tenant_id `t1`). The dataset
# (bench/policy/schema.sql: 1,000,000 rows, 10 tenants, 1,000 categories; indexes on
# (category_id, created_at desc) and (tenant_id, category_id, created_at desc)) is loaded
# once; every read returns 50 rows. pgbench runs hand-written SQL of the same shape for each
# (the ceiling: what the database alone costs). Target: realistic >= 90% of permissive.
#
#   bench/policy/run.sh [--dir D] [--duration S] [--rounds N] [--pool N] [--connections N]
#                       [--reload] [--keep-running] [--remove]
#
# Rounds rotate which server goes first; the table shows medians and the median of the
# per-round ratios. Cleanup: servers stopped; cluster stopped but kept in D (default
# /tmp/gatehouse-bench-wpa); --keep-running leaves it running, --remove deletes D.
set -euo pipefail
cd "$(dirname "$0")/../.."

DIR=/tmp/gatehouse-bench-wpa
DURATION=10
ROUNDS=3
POOL=8
CONNECTIONS=16
RELOAD=0
KEEP_RUNNING=0
REMOVE=0
BASE_PORT=${GATEHOUSE_BENCH_PORT:-3972}
while [ $# -gt 0 ]; do
    case "$1" in
        --dir) DIR=$2; shift 2 ;;
        --duration) DURATION=$2; shift 2 ;;
        --rounds) ROUNDS=$2; shift 2 ;;
        --pool) POOL=$2; shift 2 ;;
        --connections) CONNECTIONS=$2; shift 2 ;;
        --reload) RELOAD=1; shift ;;
        --keep-running) KEEP_RUNNING=1; shift ;;
        --remove) REMOVE=1; shift ;;
        -h|--help) sed -n '2,23p' "$0"; exit 0 ;;
        *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done
OUT_NAME=policy
# shellcheck source=bench/write/lib.sh
source bench/write/lib.sh

HAVE=$(super -d $DB -At -c "select count(*) from pol_items" 2>/dev/null || echo 0)
if [ "$RELOAD" = 1 ] || [ "$HAVE" != 1000000 ]; then
    echo "== loading pol_items (1,000,000 rows)" >&2
    super -d $DB -f bench/policy/schema.sql
fi
super -d $DB -c "grant select on pol_items to $APP"

for p in realistic permissive nomask; do
    GATEHOUSE_DATABASE_URL=$APP_URL GATEHOUSE_POLICY_FILE=bench/policy/$p.toml "$BIN" policy check >/dev/null
done
echo "== starting the servers, pool $POOL" >&2
start_server realistic "$ROOT/bench/policy/realistic.toml" "$BASE_PORT"
start_server permissive "$ROOT/bench/policy/permissive.toml" $((BASE_PORT + 2))
start_server nomask "$ROOT/bench/policy/nomask.toml" $((BASE_PORT + 4))
AUTH="Authorization: Bearer $(jwt member t1)"
READ='/pol_items?select=id,name,price,email,created_at&category_id=eq.'
TAIL='&order=created_at.desc&limit=50'

# Smoke test: 50 rows from both; masked emails from the realistic server only.
sample() { curl -fsS -H "$AUTH" "${API[$1]}${READ}500${TAIL}"; }
sample realistic | python3 -c 'import json, sys; r = json.load(sys.stdin); assert len(r) == 50, len(r); assert all("***@" in x["email"] for x in r), r[0]'
sample nomask | python3 -c 'import json, sys; r = json.load(sys.stdin); assert len(r) == 50, len(r); assert not any("***" in x["email"] for x in r), r[0]'
sample permissive | python3 -c 'import json, sys; r = json.load(sys.stdin); assert len(r) == 50, len(r); assert not any("***" in x["email"] for x in r), r[0]'

cat > "$OUT/read.lua" <<LUA
$WRK_SEED
request = function()
  return wrk.format("GET", "${READ}" .. math.random(1, 1000) .. "${TAIL}")
end
$WRK_DONE
LUA
JSON="coalesce(json_agg(json_build_object('id', t.id, 'name', t.name, 'price', t.price, 'email', t.email, 'created_at', t.created_at)), '[]')"
cat > "$OUT/permissive.sql" <<SQL
\set cat random(1, 1000)
select $JSON from (select id, name, price, email, created_at from pol_items where category_id = :cat order by created_at desc limit 50) t;
SQL
cat > "$OUT/realistic.sql" <<SQL
\set cat random(1, 1000)
select $JSON from (select id, name, price, regexp_replace(email::text, E'^(.)[^@]*(@.*)?\$', E'\\\\1***\\\\2') as email, created_at from pol_items where tenant_id = :tenant and status <> 'archived' and category_id = :cat order by created_at desc limit 50) t;
SQL
# The realistic statement without the mask: what the email mask alone costs the database.
cat > "$OUT/nomask.sql" <<SQL
\\set cat random(1, 1000)
select $JSON from (select id, name, price, email, created_at from pol_items where tenant_id = :tenant and status <> 'archived' and category_id = :cat order by created_at desc limit 50) t;
SQL

echo "== warm-up" >&2
for p in realistic permissive nomask; do
    wrk -t2 -c"$CONNECTIONS" -d3s -H "$AUTH" -s "$OUT/read.lua" "${API[$p]}" >/dev/null
done

RAW=$OUT/raw.tsv
: > "$RAW"
for round in $(seq "$ROUNDS"); do
    all=(realistic permissive nomask); shift_by=$(( (round - 1) % 3 ))
    order=("${all[@]:$shift_by}" "${all[@]:0:$shift_by}")
    for p in "${order[@]}"; do
        echo "== round $round: $p" >&2
        echo -e "$round\t$p\t$(run_wrk "${API[$p]}" "$OUT/read.lua" "$AUTH")" >> "$RAW"
    done
done
for p in permissive realistic nomask; do
    echo "== pgbench: $p" >&2
    echo -e "0\tpgbench-$p\t$(run_pgbench "$OUT/$p.sql" -Dtenant=t1)" >> "$RAW"
done

col() { awk -F'\t' -v w="$1" -v f="$2" '$2 == w { split($3, x, " "); print x[f] }' "$RAW" | median; }
ratios() { # per-round $1 (default realistic) / permissive
    awk -F'\t' -v a="${1:-realistic}" '{ split($3, x, " "); v[$1, $2] = x[1] } $1 > 0 { r[$1] = 1 }
        END { for (k in r) if (v[k, "permissive"]) printf "%.3f\n", v[k, a] / v[k, "permissive"] }' "$RAW" | sort -n
}
PERM=$(col permissive 1); REAL=$(col realistic 1)
median_f() { sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) print 0; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
RATIO=$(ratios | median_f)
{
    echo "The same read (50 rows filtered and ordered), JWT role member / tenant t1; requests or transactions per second:"
    echo
    echo "| policy | Gatehouse (wrk) | p50 | p99 | errors | pgbench, same SQL shape | Gatehouse / pgbench |"
    echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
    for p in permissive realistic nomask; do
        awk -v p="$p" -v g="$(col "$p" 1)" -v p50="$(col "$p" 2)" -v p99="$(col "$p" 3)" -v e="$(col "$p" 4)" \
            -v c="$(col "pgbench-$p" 1)" \
            'BEGIN { printf "| %s | %d | %.2f ms | %.2f ms | %d | %d | %.0f%% |\n", p, g, p50 / 1000, p99 / 1000, e, c, c ? 100 * g / c : 0 }'
    done
    echo
    awk -v r="$RATIO" -v rs="$(ratios | tr '\n' ' ')" -v pm="$PERM" -v rl="$REAL" -v pp="$(col pgbench-permissive 1)" -v pr="$(col pgbench-realistic 1)" \
        -v pn="$(col pgbench-nomask 1)" -v nm="$(ratios nomask | median_f)" -v nms="$(ratios nomask | tr '\n' ' ')" \
        'BEGIN { printf "- realistic / permissive (Gatehouse): median of per-round ratios %.1f%% (rounds: %s); of medians %.1f%%; cost %.1f%% (target < 10%%)\n", 100 * r, rs, 100 * rl / pm, 100 - 100 * r;
                 printf "- nomask / permissive (Gatehouse): median of per-round ratios %.1f%% (rounds: %s)\n", 100 * nm, nms;
                 printf "- realistic / permissive (pgbench, the database alone): %.1f%%; realistic without the email mask: %d tps, %.1f%% of permissive\n", pp ? 100 * pr / pp : 0, pn, pp ? 100 * pn / pp : 0 }'
    echo "- pool $POOL; wrk -t2 -c$CONNECTIONS -d${DURATION}s, $ROUNDS rounds rotating the order; pgbench -n -M prepared -c $POOL -j 2 -T $DURATION, once each"
    echo "- $(machine_note)"
} | tee "$OUT/results.md"
