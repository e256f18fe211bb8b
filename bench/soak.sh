#!/bin/sh
# Memory under load: the real daemon at full speed under a mixed load
# from wrk (bench/soak.lua: GET /health, session reads of /v1/wallets,
# /v1/wallet/address and /v1/transactions?limit=20, and a few requests
# that must fail) for SOAK_WARMUP seconds (default 60), then SOAK_SECS
# (default 1800).  The resident set of every process (RSS and its
# anonymous part) idle before the load, at the start (after the
# warm-up), every SOAK_EVERY seconds (default 300) and at the end, all
# under the load, and 10 s after it stopped; then each process's
# growth from start to end, the api's heap and other mappings at start
# and end, the requests (of the whole run, warm-up included) and their
# statuses.
#
# The last two lines are for machines.  The api's growth is called
# bounded when it grew by at most 256 KiB over the second half of the
# soak (a leak of even a few bytes a request would show there: the
# second half alone serves millions), growing otherwise.
#
# Run as root (the children's /proc files are root's), from any
# directory.  Asserts nothing.
# usage: [SOAK_SECS=N] [SOAK_EVERY=N] [SOAK_WARMUP=N] [SOAK_CONNS=N]
#        bench/soak.sh [WAIAASD]
set -eu
# Figures of this machine only: no built-in public RPC or price source.
export WAIAAS_RPC_PUBLIC_DEFAULTS=false
ROOT=$(cd "$(dirname "$0")/.." && pwd)
# The default is this checkout's build, wherever this runs from.
BIN=${1:-$ROOT/build/waiaasd}
case $BIN in /*) ;; *) BIN=$PWD/$BIN ;; esac
SECS=${SOAK_SECS:-1800}
EVERY=${SOAK_EVERY:-300}
WARM=${SOAK_WARMUP:-60}
CONNS=${SOAK_CONNS:-32}
PW=bench-master-password
[ -x "$BIN" ] || { echo "bench: no $BIN (make)"; exit 1; }
[ "$(id -u)" = 0 ] || { echo "bench: run as root"; exit 1; }
command -v wrk >/dev/null || { echo "bench: wrk is not installed"; exit 1; }
for v in "$SECS" "$EVERY" "$WARM" "$CONNS"; do
	case $v in ''|*[!0-9]*) echo "bench: not a number: $v"; exit 1 ;; esac
done
[ "$SECS" -ge 10 ] && [ "$EVERY" -ge 5 ] && [ "$CONNS" -ge 2 ] ||
    { echo "bench: SOAK_SECS >= 10, SOAK_EVERY >= 5, SOAK_CONNS >= 2"; exit 1; }

TMP=$(mktemp -d)
chmod 755 "$TMP"
DPID= WPID=
cleanup() {
	[ -z "$WPID" ] || kill -TERM "$WPID" 2>/dev/null || true
	if [ -n "$DPID" ]; then
		KIDS=$(pgrep -P "$DPID" || true)
		kill -TERM "$DPID" 2>/dev/null || true
		i=0
		while kill -0 "$DPID" 2>/dev/null && [ $i -lt 40 ]; do
			sleep 0.05; i=$((i + 1))
		done
		for p in $DPID $KIDS; do kill -KILL "$p" 2>/dev/null || true; done
	fi
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP PIPE

# The daemon, as root: full privilege separation; a cheap KDF.
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
D=http://127.0.0.1:$PORT
WAIAAS_DATA_DIR=$TMP/data WAIAAS_DAEMON_PORT=$PORT \
    WAIAAS_DAEMON_LOG_LEVEL=warn WAIAAS_MASTER_PASSWORD=$PW \
    WAIAAS_KEYSTORE_KDF_MEMORY_KIB=8192 WAIAAS_KEYSTORE_KDF_PASSES=1 \
    WAIAAS_KEYSTORE_KDF_LANES=2 "$BIN" -d > "$TMP/log" 2>&1 &
DPID=$!
i=0
until curl -sf -o /dev/null "$D/health"; do
	i=$((i + 1)); [ $i -lt 200 ] || { cat "$TMP/log"; exit 1; }
	kill -0 "$DPID" 2>/dev/null || { cat "$TMP/log"; exit 1; }
	sleep 0.05
done
# Three wallets; the session of the last one reads.
for n in 1 2 3; do
	curl -s -X POST "$D/v1/wallets" -H "X-Master-Password: $PW" \
	    -H 'Content-Type: application/json' \
	    -d "{\"name\":\"soak $n\",\"chain\":\"ethereum\",\
\"environment\":\"testnet\"}" \
	    > "$TMP/w"
done
grep -q '"token"' "$TMP/w" || { echo "bench: wallet:"; cat "$TMP/w"; exit 1; }
TOKEN=$(python3 -c "import json; print(json.load(open('$TMP/w'))['session']['token'])")

PROCS=$(echo "$DPID $(pgrep -P "$DPID")")
role() {
	tr '\0' '\n' < "/proc/$1/cmdline" |
	    sed -n '1{s/^waiaasd: //p;t;s/.*/parent/p;}'
}
APID=
for p in $PROCS; do [ "$(role "$p")" != api ] || APID=$p; done
[ -n "$APID" ] || { echo "bench: no api process"; exit 1; }

# snap LABEL: one line per process into $TMP/snaps: label, role, VmRSS
# and RssAnon in kB.
snap() {
	for p in $PROCS; do
		kill -0 "$p" 2>/dev/null ||
		    { echo "bench: process $p is gone"; cat "$TMP/log"; exit 1; }
		awk -v l="$1" -v r="$(role "$p")" '
		    /^VmRSS:/ { rss = $2 } /^RssAnon:/ { a = $2 }
		    END { print l, r, rss, a }' "/proc/$p/status"
	done >> "$TMP/snaps"
	awk -v l="$1" 'BEGIN {
		if (l ~ /^[0-9]+$/)
			printf "%7.1fm", l / 60
		else
			printf "%8s", l
	    } $1 == l { printf " %7d/%-7d", $3, $4; rss += $3; a += $4 }
	    END { printf " %7d/%-7d\n", rss, a }' "$TMP/snaps"
}

# apimaps LABEL: where the api's resident memory is: its heap (brk),
# other anonymous mappings (large blocks, libevent, sodium_malloc) and
# the files it maps (the binary, libraries).
apimaps() {
	awk -v l="$1" '
	    /^[0-9a-f]+-[0-9a-f]+ / { n = NF >= 6 ? $6 : "" }
	    /^Rss:/ {
		if (n == "[heap]") h += $2
		else if (n == "" || n ~ /^\[anon/) o += $2
		else if (n ~ /^\//) f += $2
		else s += $2
	    }
	    END { printf "api %-6s heap %6d kB, other anonymous %6d kB, " \
		"files %6d kB, stack and other %4d kB\n", l, h, o, f, s }' \
	    "/proc/$APID/smaps"
}

echo "== soak of $BIN: wrk -t2 -c$CONNS (bench/soak.lua) for ${WARM} s" \
    "of warm-up, then ${SECS} s; samples under the load but idle and after"
printf '%8s' "RSS/anon"
for p in $PROCS; do printf ' %15s' "$(role "$p") kB"; done
printf ' %15s\n' "sum kB"
snap idle

# One wrk run of WARM + SECS seconds; the samples from start to end are
# taken under the load, the last one 10 s after it stopped.
wrk -t2 -c"$CONNS" -d"$((WARM + SECS))s" --timeout 10s --latency \
    -s "$ROOT/bench/soak.lua" "$D" -- "$TOKEN" > "$TMP/wrk" 2>&1 &
WPID=$!
T0=$(date +%s)
next=0
while :; do
	sleep 1
	kill -0 "$WPID" 2>/dev/null ||
	    { echo "bench: wrk ended early"; cat "$TMP/wrk"; exit 1; }
	el=$(($(date +%s) - T0 - WARM))
	[ "$el" -ge "$next" ] || continue
	if [ "$next" = 0 ]; then
		snap start
		apimaps start > "$TMP/maps"
	elif [ "$el" -ge $((SECS - 3)) ]; then
		snap end
		apimaps end >> "$TMP/maps"
		break
	else
		snap "$el"
		echo "$el" >> "$TMP/times"
	fi
	next=$((next + EVERY))
	[ "$next" -lt $((SECS - 3)) ] || next=$((SECS - 3))
done
wait "$WPID" || { echo "bench: wrk failed"; cat "$TMP/wrk"; exit 1; }
WPID=
sleep 10
snap after
cat "$TMP/maps"

# The sample nearest the middle (the start if none was taken after it).
MID=start
if [ -f "$TMP/times" ]; then
	MID=$(awk -v h="$((SECS / 2))" '$1 >= h { print; exit }' \
	    "$TMP/times")
	[ -n "$MID" ] || MID=start
fi

echo "growth in kB, start to end (RSS and anonymous), idle to end, idle" \
    "to 10 s after:"
awk '$1 == "idle" { i[$2] = $3 } $1 == "start" { s[$2] = $3; sa[$2] = $4 }
    $1 == "end" { e[$2] = $3; ea[$2] = $4 }
    $1 == "after" {
	printf "  %-8s %+7d %+7d  %+7d  %+7d\n", $2, e[$2] - s[$2],
	    ea[$2] - sa[$2], e[$2] - i[$2], $3 - i[$2]
    }' "$TMP/snaps"

REQ=$(awk '/requests in/ { print $1 }' "$TMP/wrk")
NON2XX=$(awk '/Non-2xx/ { print $NF }' "$TMP/wrk")
echo "requests ${REQ:-?}, non-2xx ${NON2XX:-0}, by status:"
grep '^status ' "$TMP/wrk" | sort -k2n | awk '{
	why = "UNEXPECTED"
	if ($2 ~ /^2/)
		why = ""
	else if ($2 == 400 || $2 == 401 || $2 == 404 || $2 == 431)
		why = "(asked for)"
	printf "  %s %10d  %s\n", $2, $3, why
    }'
grep -E 'Requests/sec|Socket errors|^ +(50|99)%' "$TMP/wrk" || true

awk -v mid="$MID" -v secs="$SECS" -v req="${REQ:-0}" '
    $2 == "api" && $1 == "start" { s = $3 }
    $2 == "api" && $1 == mid { m = $3 }
    $2 == "api" && $1 == "end" { e = $3 }
    $1 == "end" { tree += $3 }
    END {
	printf "RESULT|soak api RSS growth (%g min, %.1f M req)|%d KiB|%s\n",
	    secs / 60, req / 1e6, e - s, e - m <= 256 ? "bounded" : "growing"
	printf "RESULT|soak tree RSS at end|%.1f MB|-\n", tree / 1024
    }' "$TMP/snaps"
