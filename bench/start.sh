#!/bin/sh
# Start to healthy: the real daemon (as root: full privilege separation,
# every child on its own uid with its filter), started N times on a new
# empty data directory and N times on one that already has 100 wallets
# (START_WALLETS) and a database, with the cheap key derivation the other benches use
# and with the default one.  For each case the median and the maximum of
# the time from just before the exec to the first 200 on GET /health,
# of the key derivation's own time in that start (from the daemon's log,
# see bench/start_poll.py), and of the difference, start by start.
# Prints figures; asserts nothing.
# usage: bench/start.sh [WAIAASD] [N]
# START_KDF=cheap|default|both (both), START_WALLETS=100
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${1:-$ROOT/build/waiaasd}
N=${2:-10}
KDFS=${START_KDF:-both}
W=${START_WALLETS:-100}
case $BIN in /*) ;; *) BIN=$PWD/$BIN ;; esac
[ -x "$BIN" ] || { echo "bench: no $BIN"; exit 1; }
[ "$(id -u)" = 0 ] ||
    echo "bench: not root: privilege separation is degraded in these figures"
# Figures of this machine only: no built-in public RPC or price source.
export WAIAAS_RPC_PUBLIC_DEFAULTS=false
PW=bench-master-password
export WAIAAS_MASTER_PASSWORD=$PW
POLL=$ROOT/bench/start_poll.py
TMP=$(mktemp -d)
chmod 755 "$TMP"
DPID=
cleanup() {
	if [ -n "$DPID" ]; then kill -TERM "$DPID" 2>/dev/null || true; fi
	sleep 0.3
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP PIPE

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# kdf_env cheap|default: the keystore settings for a new keystore.
kdf_env() {
	if [ "$1" = cheap ]; then
		export WAIAAS_KEYSTORE_KDF_MEMORY_KIB=8192
		export WAIAAS_KEYSTORE_KDF_PASSES=1
		export WAIAAS_KEYSTORE_KDF_LANES=2
	else
		unset WAIAAS_KEYSTORE_KDF_MEMORY_KIB WAIAAS_KEYSTORE_KDF_PASSES \
		    WAIAAS_KEYSTORE_KDF_LANES
	fi
}

# with_wallets DIR: a data directory with $W wallets (half EVM, half
# Solana) made through the API, 8 requests at a time, the daemon then
# stopped.
with_wallets() {
	port=$(free_port)
	WAIAAS_DATA_DIR=$1 WAIAAS_DAEMON_PORT=$port \
	    WAIAAS_DAEMON_LOG_LEVEL=warn "$BIN" -d > "$TMP/prep.log" 2>&1 &
	DPID=$!
	i=0
	until curl -sf -o /dev/null "http://127.0.0.1:$port/health"; do
		i=$((i + 1))
		[ $i -lt 600 ] || { cat "$TMP/prep.log"; exit 1; }
		kill -0 "$DPID" 2>/dev/null || { cat "$TMP/prep.log"; exit 1; }
		sleep 0.05
	done
	i=0
	while [ $i -lt "$W" ]; do
		chain=ethereum
		[ $((i % 2)) = 1 ] && chain=solana
		[ $i = 0 ] || echo next
		printf 'url = "http://127.0.0.1:%s/v1/wallets"\n' "$port"
		printf -- '-X POST\n-H "X-Master-Password: %s"\n' "$PW"
		printf -- '-H "Content-Type: application/json"\n'
		printf -- '-d "{\\"name\\":\\"w%s\\",\\"chain\\":\\"%s\\",' \
		    $i $chain
		printf -- '\\"environment\\":\\"testnet\\"}"\n'
		printf -- '-o /dev/null\n-w "%%{http_code}\\n"\n'
		i=$((i + 1))
	done > "$TMP/curl.cfg"
	curl -s --parallel --parallel-max 8 -K "$TMP/curl.cfg" > "$TMP/codes" \
	    2>/dev/null
	c=$(grep -c '^201$' "$TMP/codes" || true)
	[ "$c" = "$W" ] || { echo "bench: $c of $W wallets made"; exit 1; }
	kill -TERM "$DPID"
	wait "$DPID" || true
	DPID=
}

# stats FILE: "median max" of each column (healthy, kdf, difference).
stats() {
	python3 - "$1" <<'EOF'
import statistics, sys
rows = [l.split()[1:3] for l in open(sys.argv[1]) if l.startswith("start ")]
h = [float(a) for a, b in rows]
k = [float(b) for a, b in rows]
d = [a - b for a, b in zip(h, k)]
print(" ".join("%.1f %.1f" % (statistics.median(x), max(x))
               for x in (h, k, d)))
EOF
}

printf '%-28s %17s %17s %17s\n' "case (N=$N)" "healthy med/max" \
    "KDF med/max" "without med/max"
RESULTS=
for kdf in cheap default; do
	[ "$KDFS" = both ] || [ "$KDFS" = $kdf ] || continue
	kdf_env $kdf
	mkdir -p "$TMP/logs"
	with_wallets "$TMP/w100-$kdf"
	for c in fresh w100; do
		if [ $c = fresh ]; then
			dir=$TMP/fresh-$kdf mode=fresh label=fresh
		else
			dir=$TMP/w100-$kdf mode=keep label="$W wallets"
		fi
		python3 "$POLL" "$BIN" "$(free_port)" "$dir" "$N" $mode \
		    "$TMP/logs" > "$TMP/r"
		set -- $(stats "$TMP/r")
		printf '%-28s %8s %8s %8s %8s %8s %8s\n' "$label, $kdf KDF" \
		    "$1" "$2" "$3" "$4" "$5" "$6"
		name="start to healthy, without the KDF ($label)"
		[ $kdf = cheap ] ||
		    name="start to healthy, without the KDF ($label, default KDF)"
		RESULTS="$RESULTS
RESULT|$name|$5 ms|< 100 ms"
	done
done
echo "(ms; healthy: exec to the first 200 on /health; KDF: the key" \
    "derivation in that start, from the daemon's log; without: the" \
    "difference, start by start)"
echo "$RESULTS" | sed '/^$/d'
