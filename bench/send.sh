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
BIN=${1:-build/waiaasd}
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

# The timing proxy, which is also the client.
"$NODE" "$ROOT/bench/rpc_timer.js" --upstream "$ANVIL_URL" --port 0 \
    > "$TMP/proxy.log" 2>&1 &
PPID_=$!
i=0
until XP=$(sed -n 's/^listening \([0-9]*\)$/\1/p' "$TMP/proxy.log") &&
    [ -n "$XP" ]; do
	i=$((i + 1)); [ $i -lt 100 ] || { cat "$TMP/proxy.log"; exit 1; }
	sleep 0.05
done
PROXY=http://127.0.0.1:$XP

# The daemon, as root: full privilege separation; a cheap KDF.
PORT=$(free_port)
: > "$TMP/log"
chmod 666 "$TMP/log"
WAIAAS_DATA_DIR=$TMP/data WAIAAS_DAEMON_PORT=$PORT \
    WAIAAS_DAEMON_LOG_LEVEL=${WAIAAS_DAEMON_LOG_LEVEL:-warn} \
    WAIAAS_MASTER_PASSWORD=$PW WAIAAS_KEYSTORE_KDF_MEMORY_KIB=8192 \
    WAIAAS_KEYSTORE_KDF_PASSES=1 WAIAAS_KEYSTORE_KDF_LANES=2 \
    WAIAAS_RPC_EVM_ETHEREUM_SEPOLIA=$PROXY WAIAAS_RPC_POLL_INTERVAL_MS=50 \
    "$BIN" -d >> "$TMP/log" 2>&1 &
DPID=$!
D=http://127.0.0.1:$PORT
i=0
until curl -sf -o /dev/null "$D/health"; do
	i=$((i + 1)); [ $i -lt 200 ] || { cat "$TMP/log"; exit 1; }
	kill -0 "$DPID" 2>/dev/null || { cat "$TMP/log"; exit 1; }
	sleep 0.05
done

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
curl -s -X POST "$PROXY/__reset" >/dev/null
curl -s -X POST "$PROXY/__bench" -H 'Content-Type: application/json' \
    -d "{\"daemon\":\"$D\",\"token\":\"$TOKEN\",\"network\":\"$NET\",\"to\":\"$ACC1\",\"n\":$N,\"warmup\":3}"

# VmRSS of the parent and each child and the sum (as bench/health.sh).
total=0
line="rss after the run:"
for p in $DPID $(pgrep -P $DPID); do
	r=$(awk '/^VmRSS:/ { print $2 }' /proc/$p/status)
	n=$(tr '\0' '\n' < /proc/$p/cmdline | sed -n '1{/^waiaasd: /{s///p;q;};s/.*/parent/p;}')
	line="$line $n=${r}kB"
	total=$((total + r))
done
echo "$line total=${total}kB ($((total / 1024)) MB)"
