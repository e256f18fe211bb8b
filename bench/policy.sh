#!/bin/sh
# Policy evaluation with a large history: a database with the daemon's
# own schema, 10,000 policies and 1,000,000 transactions (one hot wallet
# with about 200,000 in the last 30 days), then decide_eval() timed as
# policyd runs it, the query plans, and the queries alone, before and
# since the hourly totals of schema 8 (bench/policy_bench.c says how).
# Run from the repository root.
# Prints figures; asserts nothing.
# usage: bench/policy.sh [EVALS [HOT%]]		BUILD=build by default
# POLICY_BENCH_DB=FILE keeps the database, and reuses it when it exists
# (building it takes about a minute).
set -eu
BUILD=${BUILD:-build}
N=${1:-20000}
HOT=${2:-5}
BIN=$PWD/$BUILD/bench/policy_bench
make -s BUILD="$BUILD" "$BUILD/bench/policy_bench"
TMP=$(mktemp -d /tmp/waiaas-bench.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
DB=${POLICY_BENCH_DB:-$TMP/waiaas.db}
if [ ! -f "$DB" ]; then
	echo "== building $DB"
	"$BIN" build "$DB" 1000000 10000 2000
fi
echo "== decide_eval, $N calls, $HOT% for the hot wallet"
"$BIN" run "$DB" "$N" "$HOT"
echo "== the queries alone, then and now (rolled back)"
"$BIN" design "$DB"
