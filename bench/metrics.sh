#!/bin/sh
# What GET /metrics costs: the time of one scrape (curl, 50 in a row),
# and GET /health's throughput under wrk alone, then with a scrape every
# 100 ms beside it.  Prints figures; asserts nothing.
# usage: bench/metrics.sh [WAIAASD] [SECONDS]
set -eu
export WAIAAS_RPC_PUBLIC_DEFAULTS=false
BIN=${1:-$(cd "$(dirname "$0")/.." && pwd)/build/waiaasd}
SECS=${2:-10}
command -v wrk >/dev/null || { echo "bench: wrk is not installed"; exit 1; }
TMP=$(mktemp -d)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
TOK=$(openssl rand -hex 24)
WAIAAS_DATA_DIR=$TMP/data WAIAAS_DAEMON_PORT=$PORT WAIAAS_DAEMON_LOG_LEVEL=warn \
    WAIAAS_SECURITY_METRICS_TOKEN=$TOK \
    WAIAAS_MASTER_PASSWORD=bench-master-password "$BIN" -d > "$TMP/log" 2>&1 &
DPID=$!
SPID=
trap '[ -n "$SPID" ] && kill $SPID 2>/dev/null; kill -TERM $DPID 2>/dev/null; sleep 0.5; rm -rf "$TMP"' EXIT
i=0
until curl -s -o /dev/null "http://127.0.0.1:$PORT/health"; do
	i=$((i + 1)); [ $i -lt 100 ] || { cat "$TMP/log"; exit 1; }; sleep 0.05
done
U=http://127.0.0.1:$PORT/metrics
H="Authorization: Bearer $TOK"

# Some series first: requests on a few routes.
for r in /health /doc /v1/nonce /nope; do curl -s -o /dev/null "http://127.0.0.1:$PORT$r"; done
t0=$(date +%s%N)
for i in $(seq 1 50); do curl -s -o /dev/null -H "$H" "$U"; done
t1=$(date +%s%N)
curl -s -H "$H" -o "$TMP/m" -w 'one scrape: %{time_total} s, %{size_download} bytes\n' "$U"
echo "50 scrapes in a row: $(( (t1 - t0) / 50000 )) us each (curl start included)"

echo "wrk -t2 -c32 -d${SECS}s /health, alone"
wrk -t2 -c32 -d"${SECS}s" --latency "http://127.0.0.1:$PORT/health" |
    grep -E 'Requests/sec|Latency|50%|99%|Non-2xx'
( while :; do curl -s -o /dev/null -H "$H" "$U"; sleep 0.1; done ) &
SPID=$!
echo "wrk -t2 -c32 -d${SECS}s /health, a scrape every 100 ms beside it"
wrk -t2 -c32 -d"${SECS}s" --latency "http://127.0.0.1:$PORT/health" |
    grep -E 'Requests/sec|Latency|50%|99%|Non-2xx'
kill $SPID; SPID=
