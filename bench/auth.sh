#!/bin/sh
# Requests/s and latency of an authenticated read, GET /v1/wallets, with
# a session token and with the master password (cached after its first
# Argon2id check).  Prints figures; asserts nothing.
# usage: bench/auth.sh [WAIAASD] [SECONDS]
set -eu
# Figures of this machine only: no built-in public RPC or price source.
export WAIAAS_RPC_PUBLIC_DEFAULTS=false
# The default is this checkout's build, wherever this runs from.
BIN=${1:-$(cd "$(dirname "$0")/.." && pwd)/build/waiaasd}
SECS=${2:-8}
command -v wrk >/dev/null || { echo "bench: wrk is not installed"; exit 1; }
TMP=$(mktemp -d)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
PW=bench-master-password
WAIAAS_DATA_DIR=$TMP/data WAIAAS_DAEMON_PORT=$PORT WAIAAS_MASTER_PASSWORD=$PW \
    WAIAAS_DAEMON_LOG_LEVEL=warn "$BIN" -d > "$TMP/log" 2>&1 &
DPID=$!
trap 'kill -TERM $DPID 2>/dev/null; sleep 0.5; rm -rf "$TMP"' EXIT
i=0
until grep -q 'ready on' "$TMP/log" 2>/dev/null ||
    curl -s -o /dev/null "http://127.0.0.1:$PORT/v1/wallets" -H "X-Master-Password: $PW"; do
	i=$((i + 1)); [ $i -lt 200 ] || { cat "$TMP/log"; exit 1; }; sleep 0.05
done
for n in 1 2 3; do
	curl -s -X POST "http://127.0.0.1:$PORT/v1/wallets" \
	    -H "X-Master-Password: $PW" -d "{\"name\":\"bench $n\"}" > "$TMP/w"
done
TOKEN=$(python3 -c "import json; print(json.load(open('$TMP/w'))['session']['token'])")

run() {	# run LABEL HEADER
	echo "== $1: wrk -t2 -c32 -d${SECS}s GET /v1/wallets"
	wrk -t2 -c32 -d"${SECS}s" --latency -H "$2" \
	    "http://127.0.0.1:$PORT/v1/wallets" |
	    grep -E 'Requests/sec|Latency  |99%|Non-2xx|Socket errors'
}
run "sessionAuth" "Authorization: Bearer $TOKEN"
run "masterAuth (cached)" "X-Master-Password: $PW"
