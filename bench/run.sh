#!/bin/sh
# make bench: every bench script in turn, each one's whole output kept
# in a log, then one table of the figures they print as RESULT lines
# (RESULT|figure|value|goal).  A script that fails shows as failed in
# the table, with its log named; the others still run.  Works as root
# from any directory.
# usage: bench/run.sh [BUILD] [LOGDIR]	BUILD is build by default
# SOAK_SECS shortens the soak (30 minutes by default); BENCH_ONLY="auth
# memory" runs only those.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
LOGS=${2:-$(mktemp -d /tmp/waiaas-bench.XXXXXX)}
mkdir -p "$LOGS"
BIN=$BUILD/waiaasd
[ -x "$BIN" ] || { echo "bench: no $BIN (make)"; exit 1; }

# name: command line (run from /, to prove any directory works)
SCRIPTS="health start memory auth signer send send_bulk send_curve simulate balance policy scale soak"
[ -z "${BENCH_ONLY:-}" ] || SCRIPTS=$BENCH_ONLY

run_one() {
	case $1 in
	health) sh "$ROOT/bench/health.sh" "$BIN" ;;
	start) sh "$ROOT/bench/start.sh" "$BIN" ;;
	memory) sh "$ROOT/bench/memory.sh" "$BIN" ;;
	auth) sh "$ROOT/bench/auth.sh" "$BIN" ;;
	signer) BUILD=$BUILD sh "$ROOT/bench/signer.sh" ;;
	send) sh "$ROOT/bench/send.sh" "$BIN" ;;
	send_bulk) sh "$ROOT/bench/send_bulk.sh" "$BIN" ;;
	send_curve) sh "$ROOT/bench/send_curve.sh" "$BIN" ;;
	simulate) sh "$ROOT/bench/simulate.sh" "$BIN" ;;
	balance) sh "$ROOT/bench/balance.sh" "$BIN" ;;
	policy) BUILD=$BUILD sh "$ROOT/bench/policy.sh" ;;
	scale) sh "$ROOT/bench/scale.sh" "$BIN" ;;
	soak) sh "$ROOT/bench/soak.sh" "$BIN" ;;
	*) echo "bench: no such bench: $1"; return 1 ;;
	esac
}

: > "$LOGS/table"
for s in $SCRIPTS; do
	echo "== bench/$s ($(date -u +%H:%M:%S))"
	(cd / && run_one "$s") > "$LOGS/$s.log" 2>&1
	rc=$?
	grep -v '^RESULT|' "$LOGS/$s.log"
	if [ $rc -ne 0 ]; then
		echo "RESULT|bench/$s FAILED (exit $rc)|see $LOGS/$s.log|-" \
		    >> "$LOGS/table"
		continue
	fi
	grep '^RESULT|' "$LOGS/$s.log" >> "$LOGS/table"
done

echo
echo "== the figures, one run each (logs in $LOGS)"
awk -F'|' '
{ n++; f[n] = $2; v[n] = $3; g[n] = $4; if (length($2) > w) w = length($2) }
END {
	printf "%-*s  %-16s  %s\n", w, "figure", "value", "goal"
	for (i = 1; i <= n; i++)
		printf "%-*s  %-16s  %s\n", w, f[i], v[i], g[i]
}' "$LOGS/table"
