#!/bin/sh
# Resident memory of the idle daemon tree: for each process its RSS
# (anonymous and file-backed), its PSS, its executable and how many
# shared libraries it maps; then the tree's sums.  Issue 17's goal is a
# summed RSS of at most 20 MB.  Run as root (the children are not
# dumpable: their /proc files are root's), from any directory.
# Prints figures; asserts nothing.
# usage: bench/memory.sh [WAIAASD]
set -eu
# Figures of this machine only: no built-in public RPC or price source.
export WAIAAS_RPC_PUBLIC_DEFAULTS=false
# The default is this checkout's build, wherever this runs from.
BIN=${1:-$(cd "$(dirname "$0")/.." && pwd)/build/waiaasd}
[ -x "$BIN" ] || { echo "bench: no $BIN (make)"; exit 1; }
[ "$(id -u)" = 0 ] || { echo "bench: run as root"; exit 1; }
TMP=$(mktemp -d)
chmod 755 "$TMP"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
WAIAAS_DATA_DIR=$TMP/data WAIAAS_DAEMON_PORT=$PORT \
    WAIAAS_DAEMON_LOG_LEVEL=warn WAIAAS_MASTER_PASSWORD=bench-memory \
    "$BIN" -d > "$TMP/log" 2>&1 &
DPID=$!
trap 'kill -TERM $DPID 2>/dev/null; sleep 0.5; rm -rf "$TMP"' EXIT
i=0
until curl -s -o /dev/null "http://127.0.0.1:$PORT/health"; do
	i=$((i + 1)); [ $i -lt 200 ] || { cat "$TMP/log"; exit 1; }
	sleep 0.05
done
sleep 1	# idle: start-up done, nothing asked since

echo "idle tree of $BIN (kB)"
for p in $DPID $(pgrep -P $DPID); do
	role=$(tr '\0' '\n' < "/proc/$p/cmdline" |
	    sed -n '1{s/^waiaasd: //p;t;s/.*/parent/p;}')
	exe=$(basename "$(readlink "/proc/$p/exe")")
	libs=$(awk '$6 ~ /\.so/ { print $6 }' "/proc/$p/maps" | sort -u |
	    wc -l)
	pss=$(awk '/^Pss:/ { print $2 }' "/proc/$p/smaps_rollup")
	awk -v r="$role" -v e="$exe" -v l="$libs" -v pss="$pss" '
	    /^VmRSS:/ { rss = $2 } /^RssAnon:/ { a = $2 }
	    /^RssFile:/ { f = $2 }
	    END { print r, e, rss, a, f, pss, l }' "/proc/$p/status"
done | awk '
BEGIN {
	printf "%-8s %-15s %7s %7s %7s %7s %5s\n", "process", "executable",
	    "RSS", "anon", "file", "PSS", "libs"
}
{
	printf "%-8s %-15s %7d %7d %7d %7d %5d\n", $1, $2, $3, $4, $5, $6, $7
	rss += $3; anon += $4; file += $5; pss += $6
}
END {
	printf "%-24s %7d %7d %7d %7d\n", "sum", rss, anon, file, pss
	printf "summed RSS %.1f MB (goal: at most 20 MB), PSS %.1f MB\n",
	    rss / 1024, pss / 1024
	printf "RESULT|idle tree, summed RSS|%.1f MB|<= 20 MB\n", rss / 1024
	printf "RESULT|idle tree, summed PSS|%.1f MB|-\n", pss / 1024
}'
