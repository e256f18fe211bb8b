#!/bin/sh
# What GET /metrics costs: the time of a scrape (50, as curl times them),
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
for i in $(seq 1 50); do
	curl -s -o /dev/null -H "$H" -w '%{time_total}\n' "$U"
done | sort -n | awk '{ t[NR] = $1 } END { printf "50 scrapes: " \
    "median %.1f ms, max %.1f ms (request to last byte)\n", \
    t[int((NR + 1) / 2)] * 1000, t[NR] * 1000 }'
curl -s -H "$H" -o /dev/null -w 'one scrape: %{size_download} bytes\n' "$U"

echo "wrk -t2 -c32 -d${SECS}s /health, alone"
wrk -t2 -c32 -d"${SECS}s" --latency "http://127.0.0.1:$PORT/health" |
    grep -E 'Requests/sec|Latency|50%|99%|Non-2xx'
( while :; do curl -s -o /dev/null -H "$H" "$U"; sleep 0.1; done ) &
SPID=$!
echo "wrk -t2 -c32 -d${SECS}s /health, a scrape every 100 ms beside it"
wrk -t2 -c32 -d"${SECS}s" --latency "http://127.0.0.1:$PORT/health" |
    grep -E 'Requests/sec|Latency|50%|99%|Non-2xx'
kill $SPID; SPID=
