#!/usr/bin/env bash
# Benchmark of schema introspection: 5,000 tables x 10 columns, ~5,000 foreign keys.
#
#   bench/introspect/run.sh [--tables N] [--views N] [--runs N] [--no-psql]
#
# Uses a fresh database on the testkit's private TLS cluster (dropped afterwards), or
# GATEHOUSE_BENCH_DATABASE_URL if set (a TLS URL; the schema `bench` is created there
# unless it exists). Prints the timings; record them in bench/RESULTS.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo build --release -q -p gatehouse-schema --example introspect_bench
exec target/release/examples/introspect_bench "$@"
