#!/bin/sh
# The daemon's own time per send: from the HTTP request to the moment the
# node receives eth_sendRawTransaction, without the node's own time, and
# that RPC time beside it, from one run.  A timing JSON-RPC proxy
# (bench/rpc_timer.js) sits between the daemon and anvil and is also the
# client, so every time is on one clock; the transfers go one at a time,
# each after the previous is CONFIRMED.  Then the resident memory of the
# processes.  Prints figures; asserts nothing.
# usage: bench/send.sh [WAIAASD] [N]
# WAIAAS_DAEMON_LOG_LEVEL=debug BENCH_KEEP_LOG=FILE keeps the daemon's log;
# TMPDIR=/dev/shm puts the data directory on tmpfs (SQLite's fsyncs free).
set -eu
BIN=${1:-$(cd "$(dirname "$0")/.." && pwd)/build/waiaasd}
N=${2:-200}
case $BIN in /*) ;; *) BIN=$PWD/$BIN ;; esac
. "$(dirname "$0")/lib.sh"
ACC1=0x70997970C51812dc3A010C7d01b50e0d17dc79C8
PPID_=
[ -x "$NODE" ] || { echo "bench: no $NODE (sh scripts/test-deps.sh)"; exit 1; }
cleanup() {
	bench_stop
	if [ -n "$PPID_" ]; then kill -KILL "$PPID_" 2>/dev/null || true; fi
	[ -n "${BENCH_KEEP_LOG:-}" ] && [ -f "$TMP/log" ] &&
	    cp "$TMP/log" "$BENCH_KEEP_LOG"
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP PIPE

bench_anvil

# The timing proxy, which is also the client, and the daemon.
bench_proxy
bench_daemon

# A wallet with a session, funded, and a SPENDING_LIMIT that makes
# every transfer INSTANT.
curl -s -X POST "$D/v1/wallets" -H "X-Master-Password: $PW" \
    -H 'Content-Type: application/json' \
    -d '{"name":"bench","chain":"ethereum","environment":"testnet"}' \
    > "$TMP/w"
grep -q '"token"' "$TMP/w" || { echo "bench: wallet:"; cat "$TMP/w"; exit 1; }
ADDR=$(python3 -c "import json; print(json.load(open('$TMP/w'))['publicKey'])")
TOKEN=$(python3 -c "import json; print(json.load(open('$TMP/w'))['session']['token'])")
"$CAST" send -q --rpc-url "$ANVIL_URL" --private-key "$ANVIL_KEY0" \
    "$ADDR" --value 100ether >/dev/null
c=$(curl -s -o "$TMP/p" -w '%{http_code}' -X POST "$D/v1/policies" \
    -H "X-Master-Password: $PW" -H 'Content-Type: application/json' \
    -d '{"type":"SPENDING_LIMIT","rules":{"instant_max":"1000000000000000000"}}')
[ "$c" = 201 ] || [ "$c" = 200 ] || { echo "bench: policy: $c"; cat "$TMP/p"; exit 1; }

echo "POST /v1/transactions/send x $N (ETH transfers, one at a time)," \
    "daemon -> timing proxy -> anvil"
curl -s -X POST "$PROXYC/__reset" >/dev/null
curl -s -X POST "$PROXYC/__bench" -H 'Content-Type: application/json' \
    -d "{\"daemon\":\"$D\",\"token\":\"$TOKEN\",\"network\":\"$NET\",\"to\":\"$ACC1\",\"n\":$N,\"warmup\":3}"

bench_rss
