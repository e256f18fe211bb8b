#!/bin/sh
# Authenticated reads next to GET /health, in one run on one daemon:
# requests/s and latency of GET /health, then of GET /v1/wallets,
# /v1/wallet/address and /v1/transactions?limit=20 with a session token,
# and GET /v1/wallets with the master password (cached after its first
# Argon2id check), each with its share of /health's rate.  Prints
# figures; asserts nothing (issue 23's goal: 60 % and more).
# usage: bench/auth.sh [WAIAASD] [SECONDS]
set -eu
# Figures of this machine only: no built-in public RPC or price source.
export WAIAAS_RPC_PUBLIC_DEFAULTS=false
# The default is this checkout's build, wherever this runs from.
BIN=${1:-$(cd "$(dirname "$0")/.." && pwd)/build/waiaasd}
[ -n "$BIN" ] || BIN=$(cd "$(dirname "$0")/.." && pwd)/build/waiaasd
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
SESS="Authorization: Bearer $TOKEN"

HEALTH=
run() {	# run LABEL PATH [HEADER]: one wrk round, its rate and share
	wrk -t2 -c32 -d"${SECS}s" --latency ${3:+-H "$3"} \
	    "http://127.0.0.1:$PORT$2" > "$TMP/wrk" 2>&1
	rps=$(awk '/^Requests\/sec:/ { printf "%d", $2 }' "$TMP/wrk")
	p50=$(awk '$1 == "50%" { print $2 }' "$TMP/wrk")
	p99=$(awk '$1 == "99%" { print $2 }' "$TMP/wrk")
	bad=$(awk '/Non-2xx/ { print $NF }' "$TMP/wrk")
	[ -n "$HEALTH" ] || HEALTH=$rps
	printf '%-34s %8s req/s  p50 %8s  p99 %8s  %3d%% of /health%s\n' \
	    "$1" "${rps:-?}" "${p50:-?}" "${p99:-?}" \
	    "$(( ${rps:-0} * 100 / (HEALTH > 0 ? HEALTH : 1) ))" \
	    "${bad:+  ($bad non-2xx)}"
}
echo "== wrk -t2 -c32 -d${SECS}s each, one daemon ($BIN)"
run "GET /health" /health
run "session GET /v1/wallets" /v1/wallets "$SESS"
run "session GET /v1/wallet/address" /v1/wallet/address "$SESS"
run "session GET /v1/transactions" "/v1/transactions?limit=20" "$SESS"
run "master GET /v1/wallets (cached)" /v1/wallets "X-Master-Password: $PW"
