#!/bin/sh
# How a send's daemon time grows with the number of agents sending at
# once: bench/send_bulk.sh once per count (1, 4, 16 and 32 agents by
# default; BENCH_CURVE="1 2 8" for others), each on a fresh daemon and
# anvil, about 800 sends a run.  One line per count: sends per second,
# the daemon time p50 and p99, and the rate against the node alone.
# Once the run saturates the machine's CPUs (the daemon, anvil, the
# timing proxy and the clients share them), adding agents adds no sends
# per second, only time waiting: a closed loop of A agents at R sends/s
# takes A / R seconds per send, shared between the daemon's queues and
# the node's.  Prints figures and RESULT lines; fails if a run fails.
# Works as root from any directory.
# usage: bench/send_curve.sh [WAIAASD]
set -eu
BIN=${1:-$(cd "$(dirname "$0")/.." && pwd)/build/waiaasd}
case $BIN in /*) ;; *) BIN=$PWD/$BIN ;; esac
HERE=$(cd "$(dirname "$0")" && pwd)
CURVE=${BENCH_CURVE:-1 4 16 32}
OUT=$(mktemp)
trap 'rm -f "$OUT" "$OUT.line" "$OUT.res"' EXIT
trap 'exit 1' INT TERM HUP PIPE

printf '%6s %9s %12s %12s %14s %s\n' agents sends/s "p50 ms" "p99 ms" \
    "node alone" "A/R ms"
for a in $CURVE; do
	case $a in
	[1-9] | [1-9][0-9]) ;;
	*) echo "bench: BENCH_CURVE: agent counts 1 to 99"; exit 1 ;;
	esac
	n=$((800 / a))
	[ $n -ge 30 ] || n=30
	if ! sh "$HERE/send_bulk.sh" "$BIN" "$n" "$a" > "$OUT" 2>&1; then
		cat "$OUT"
		echo "bench: the run with $a agents failed"
		exit 1
	fi
	awk -F'|' -v a="$a" '
	/^RESULT\|bulk sends \(/ { r = $3 + 0 }
	/^RESULT\|bulk send daemon time p50/ { p50 = $3 + 0 }
	/^RESULT\|bulk send daemon time p99/ { p99 = $3 + 0 }
	/^RESULT\|bulk sends vs the node alone/ { alone = $3 + 0 }
	END {
		if (r == 0) exit 1
		printf "%6d %9d %12.3f %12.3f %12.1f %% %.1f\n", a, r, p50, p99,
		    alone, 1000 * a / r
		printf "RESULT|bulk daemon time p50, %d agent%s|%.3f ms|-\n",
		    a, a == 1 ? "" : "s", p50
	}' "$OUT" > "$OUT.line" || { cat "$OUT"; exit 1; }
	sed -n '1p' "$OUT.line"
	sed -n '2p' "$OUT.line" >> "$OUT.res"
done
cat "$OUT.res"
