#!/bin/sh
# Throughput of GET /health (each answer proven by an api -> policyd ->
# signer round trip) and resident memory of every process, idle and after
# the load.  Prints figures; asserts nothing.
# usage: bench/health.sh [WAIAASD] [SECONDS]
set -eu
# Figures of this machine only: no built-in public RPC or price source.
export WAIAAS_RPC_PUBLIC_DEFAULTS=false
# The default is this checkout's build, wherever this runs from.
BIN=${1:-$(cd "$(dirname "$0")/.." && pwd)/build/waiaasd}
SECS=${2:-10}
command -v wrk >/dev/null || { echo "bench: wrk is not installed"; exit 1; }
TMP=$(mktemp -d)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
WAIAAS_DATA_DIR=$TMP/data WAIAAS_DAEMON_PORT=$PORT WAIAAS_DAEMON_LOG_LEVEL=warn \
    WAIAAS_MASTER_PASSWORD=bench-master-password "$BIN" -d > "$TMP/log" 2>&1 &
DPID=$!
trap 'kill -TERM $DPID 2>/dev/null; sleep 0.5; rm -rf "$TMP"' EXIT
i=0
until curl -s -o /dev/null "http://127.0.0.1:$PORT/health"; do
	i=$((i + 1)); [ $i -lt 100 ] || { cat "$TMP/log"; exit 1; }; sleep 0.05
done

# rss LABEL: VmRSS of the parent and each child and the sum; and the sum
# of PSS, which counts the pages the six processes share (one binary,
# the same libraries) once, divided among them: the tree's real cost.
rss() {
	total=0
	pss=0
	line="$1:"
	for p in $DPID $(pgrep -P $DPID); do
		r=$(awk '/^VmRSS:/ { print $2 }' /proc/$p/status)
		s=$(awk '/^Pss:/ { print $2 }' /proc/$p/smaps_rollup)
		n=$(tr '\0' '\n' < /proc/$p/cmdline | sed -n '1{/^waiaasd: /{s///p;q;};s/.*/parent/p;}')
		line="$line $n=${r}kB"
		total=$((total + r))
		pss=$((pss + s))
	done
	echo "$line total=${total}kB ($((total / 1024)) MB); PSS total=${pss}kB ($((pss / 1024)) MB)"
}

rss "rss idle"
echo "wrk -t2 -c32 -d${SECS}s http://127.0.0.1:$PORT/health"
wrk -t2 -c32 -d"${SECS}s" --latency "http://127.0.0.1:$PORT/health" \
    > "$TMP/wrk"
grep -E 'Requests/sec|Latency|50%|99%|requests in|Non-2xx|Socket errors' \
    "$TMP/wrk"
rss "rss after load"
awk '/^Requests\/sec:/ { r = $2 } $1 == "99%" { p = $2 }
    END { printf "RESULT|GET /health|%d req/s|-\n", r
    print "RESULT|GET /health p99|" p "|-" }' "$TMP/wrk"
