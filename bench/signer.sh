#!/bin/sh
# Signatures per second through the real signer process (driven over its
# real channels by tests/tools/signer_driver, pipelined) against the raw
# cost of the same signatures in one process, and the keystore unlock
# time with 1 and with 1000 wallets under the default KDF (Argon2id,
# 64 MiB, 3 passes, 4 lanes).  Run as root, from any directory.
# Prints figures; asserts nothing.
# usage: bench/signer.sh [N]	BUILD=build (under the checkout) by default
set -eu
# Figures of this machine only: no built-in public RPC or price source.
export WAIAAS_RPC_PUBLIC_DEFAULTS=false
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
N=${1:-20000}
BIN=$BUILD/waiaasd
SIGNER=$BUILD/waiaasd-signer
DRIVER=$BUILD/tests/signer_driver
make -s -C "$ROOT" BUILD="$BUILD" all "$BUILD/tests/signer_driver"

# The real default KDF: no test overrides.
unset WAIAAS_KEYSTORE_KDF_MEMORY_KIB WAIAAS_KEYSTORE_KDF_PASSES \
    WAIAAS_KEYSTORE_KDF_LANES
export WAIAAS_MASTER_PASSWORD="bench-master-password-$$"
TMP=$(mktemp -d /tmp/waiaas-bench.XXXXXX)
chmod 755 "$TMP"
DPID=
trap '[ -n "$DPID" ] && kill -TERM $DPID 2>/dev/null; sleep 0.3; rm -rf "$TMP"' EXIT
M="X-Master-Password: $WAIAAS_MASTER_PASSWORD"

start() {	# start DATADIR
	PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	WAIAAS_DATA_DIR=$1 WAIAAS_DAEMON_PORT=$PORT \
	    WAIAAS_DAEMON_LOG_LEVEL=warn "$BIN" -d > "$TMP/log" 2>&1 &
	DPID=$!
	i=0
	until curl -s -o /dev/null "http://127.0.0.1:$PORT/health"; do
		i=$((i + 1))
		[ $i -lt 400 ] || { cat "$TMP/log"; exit 1; }
		sleep 0.05
	done
}
stop() {
	kill -TERM "$DPID"
	while kill -0 "$DPID" 2>/dev/null; do sleep 0.05; done
	DPID=
}
create() {	# create CHAIN -> wallet id
	curl -s -X POST -H "Content-Type: application/json" -H "$M" \
	    --data-binary "{\"name\":\"bench\",\"chain\":\"$1\"}" \
	    "http://127.0.0.1:$PORT/v1/wallets" |
	    python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])'
}

start "$TMP/a"
EID=$(create ethereum)
SID=$(create solana)
stop
echo "signer throughput, N=$N each (default KDF keystore, $BUILD):"
"$DRIVER" "$SIGNER" bench "$TMP/a" "$EID" "$SID" "$N" 2>/dev/null

start "$TMP/b"
create ethereum > /dev/null
stop
"$DRIVER" "$SIGNER" unlock-time "$TMP/b" 2>/dev/null

# 999 more, 16 requests at a time.
start "$TMP/b"
i=1
while [ $i -lt 1000 ]; do
	c=ethereum
	[ $((i % 2)) = 0 ] && c=solana
	[ $i = 1 ] || echo next
	printf 'url = "http://127.0.0.1:%s/v1/wallets"\n-s\n-X POST\n' "$PORT"
	printf -- '-H "Content-Type: application/json"\n-H "%s"\n' "$M"
	printf -- '-d "{\\"name\\":\\"w%s\\",\\"chain\\":\\"%s\\"}"\n' \
	    $i $c
	printf -- '-o /dev/null\n-w "%%{http_code}\\n"\n'
	i=$((i + 1))
done > "$TMP/curl.cfg"
t0=$(date +%s.%N)
curl -s --parallel --parallel-max 16 -K "$TMP/curl.cfg" > "$TMP/codes" \
    2>/dev/null
t1=$(date +%s.%N)
stop
echo "created $(grep -c '^201$' "$TMP/codes") of 999 wallets over REST in" \
    "$(python3 -c "print('%.1f' % ($t1 - $t0))") s"
"$DRIVER" "$SIGNER" unlock-time "$TMP/b" 2>/dev/null
