#!/bin/sh
# How the main figures grow with the number of wallets (1, SCALE_MAX/10,
# SCALE_MAX) and of sessions (1, SCALE_MAX), on one daemon in one run:
# per row, GET /health, the session reads GET /v1/wallet/address and
# GET /v1/transactions?limit=20 (with their share of /health), the
# master's GET /v1/wallets (and the page it answers), and the time to
# create one more wallet and one more session (median of 5).
#
# The daemon runs as root with full privilege separation and a cheap KDF.
# Its first wallet, "bench", holds the session every read uses.  The
# other wallets and sessions are made through the API itself
# (bench/scale_seed.py: concurrent keep-alive POSTs with the master
# password; wallets without a session, then one session per wallet,
# round robin); the rate of each seeding is printed.
#
# Works from any directory: the build is this checkout's.  Prints a
# table, then policyd's CPU time per request of each figure (from
# /proc, over each wrk round: what the box's noise moves least), then
# RESULT lines: each figure at the largest size over the same at the
# smallest, as shares of /health measured in the same row, and the
# same for policyd's CPU per session read; about 1 means it does not
# grow with size.  Asserts nothing.
# usage: bench/scale.sh [WAIAASD] [SECONDS]
# SCALE_MAX=10000 (the most wallets and sessions), SCALE_ROUNDS=3 (wrk
# rounds of SECONDS per figure, interleaved; the median is shown).
set -eu
# Figures of this machine only: no built-in public RPC or price source.
export WAIAAS_RPC_PUBLIC_DEFAULTS=false
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${1:-$ROOT/build/waiaasd}
SECS=${2:-5}
ROUNDS=${SCALE_ROUNDS:-3}
MAX=${SCALE_MAX:-10000}
MID=$((MAX / 10))
SEED=$ROOT/bench/scale_seed.py
CONC=8
PW=bench-master-password
command -v wrk >/dev/null || { echo "bench: wrk is not installed"; exit 1; }
[ -x "$BIN" ] || { echo "bench: no $BIN (make first)"; exit 1; }
[ "$MAX" -ge 10 ] || { echo "bench: SCALE_MAX must be 10 or more"; exit 1; }

TMP=$(mktemp -d /tmp/waiaas-bench.XXXXXX)
chmod 755 "$TMP"
PORT=$(python3 -c 'import socket; s = socket.socket()
s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
D=http://127.0.0.1:$PORT
M="X-Master-Password: $PW"
WAIAAS_DATA_DIR=$TMP/data WAIAAS_DAEMON_PORT=$PORT \
    WAIAAS_DAEMON_LOG_LEVEL=warn WAIAAS_MASTER_PASSWORD=$PW \
    WAIAAS_KEYSTORE_KDF_MEMORY_KIB=8192 WAIAAS_KEYSTORE_KDF_PASSES=1 \
    WAIAAS_KEYSTORE_KDF_LANES=2 "$BIN" -d > "$TMP/log" 2>&1 &
DPID=$!
# On a failure, the daemon's last words first.
trap 'rc=$?; [ $rc -eq 0 ] || { echo "bench: failed ($rc); the log:";
	tail -20 "$TMP/log"; }
	kill -TERM $DPID 2>/dev/null; sleep 0.5; rm -rf "$TMP"' EXIT
i=0
until curl -sf -o /dev/null "$D/health"; do
	i=$((i + 1)); [ $i -lt 200 ] || { cat "$TMP/log"; exit 1; }
	kill -0 "$DPID" 2>/dev/null || { cat "$TMP/log"; exit 1; }
	sleep 0.05
done
curl -sf -X POST "$D/v1/wallets" -H "$M" -H 'Content-Type: application/json' \
    -d '{"name":"bench","chain":"ethereum","environment":"testnet"}' \
    > "$TMP/w" || { echo "bench: the first wallet"; cat "$TMP/log"; exit 1; }
TOKEN=$(python3 -c "import json, sys
print(json.load(open(sys.argv[1]))['session']['token'])" "$TMP/w")
S="Authorization: Bearer $TOKEN"
: > "$TMP/ids"
WALLETS=1 SESSIONS=1

# policyd, whose CPU time each round is divided by its requests: a
# figure of the code that the box's noise moves far less than a rate.
PD=$(for p in $(pgrep -P "$DPID"); do
	tr '\0' ' ' < "/proc/$p/cmdline" | grep -q policyd && echo "$p"
done | head -1)
TICK=$(getconf CLK_TCK)
ticks() { awk '{ print $14 + $15 }' "/proc/$PD/stat"; }

# rate NAME PATH [HEADER]: one wrk round; its req/s ("!" after it on
# non-2xx answers or socket errors) appended to $TMP/NAME, policyd's
# CPU microseconds per request to $TMP/NAME.cpu.
rate() {
	c0=$(ticks)
	wrk -t2 -c32 -d"${SECS}s" ${3:+-H "$3"} "$D$2" > "$TMP/wrk" 2>&1
	c1=$(ticks)
	awk '/^Requests\/sec:/ { r = int($2) } /Non-2xx|Socket errors/ {
		bad = "!" } END { printf "%s%s\n", r == "" ? "?" : r, bad }' \
	    "$TMP/wrk" >> "$TMP/$1"
	awk -v c="$((c1 - c0))" -v tick="$TICK" '/ requests in / {
		n = $1 } END { printf "%d\n", (n > 0 ? c * 1e6 / tick / n : 0) }' \
	    "$TMP/wrk" >> "$TMP/$1.cpu"
}

ms() {	# ms: milliseconds of curl's last request, from -w
	awk '{ printf "%.1f", $1 * 1000 }'
}

# After a round of large lists, policyd may still be answering requests
# whose clients wrk has closed: until a session read is quick again, the
# next figure would measure that backlog.
settle() {
	for k in $(seq 100); do
		t=$(curl -s -o /dev/null -w '%{time_total}' -H "$S" \
		    "$D/v1/wallet/address")
		awk -v t="$t" 'BEGIN { exit !(t < 0.02) }' && return 0
		sleep 0.2
	done
}

med() {		# med FILE: the median line of FILE, by number
	sort -n "$1" | awk '{ v[NR] = $0 } END { print v[int((NR + 1) / 2)] }'
}

median5() {	# median5 CMD...: the median of five runs of CMD (ms)
	for k in 1 2 3 4 5; do "$@"; echo; done | sort -n | sed -n 3p
}

new_wallet() {	# one more wallet, no session; its id kept for a session
	curl -sf -o "$TMP/nw" -w '%{time_total}' -X POST "$D/v1/wallets" \
	    -H "$M" -H 'Content-Type: application/json' \
	    -d '{"name":"timed","chain":"ethereum","environment":"testnet",'\
'"createSession":false}' | ms
	python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['id'])" \
	    "$TMP/nw" >> "$TMP/timed"
}

new_session() {	# one more session, for the next timed wallet
	id=$(sed -n 1p "$TMP/timed"); sed -i 1d "$TMP/timed"
	curl -sf -o /dev/null -w '%{time_total}' -X POST "$D/v1/sessions" \
	    -H "$M" -H 'Content-Type: application/json' \
	    -d "{\"walletIds\":[\"$id\"]}" | ms
}

share() {	# share RATE HEALTH: percent, or ?
	awk -v r="${1%!}" -v h="${2%!}" 'BEGIN { if (h + 0 > 0 && r + 0 > 0)
		printf "%d", r * 100 / h; else printf "?" }'
}

ROWS=0
row() {		# one row of the table, every figure in it measured now
	w=$WALLETS s=$SESSIONS
	for f in h a t m; do : > "$TMP/$f"; : > "$TMP/$f.cpu"; done
	for k in $(seq "$ROUNDS"); do	# rounds interleaved against drift
		rate h /health
		rate a /v1/wallet/address "$S"
		rate t "/v1/transactions?limit=20" "$S"
		rate m /v1/wallets "$M"
		settle
	done
	h=$(med "$TMP/h") a=$(med "$TMP/a") t=$(med "$TMP/t") m=$(med "$TMP/m")
	echo "$w $s $(med "$TMP/h.cpu") $(med "$TMP/a.cpu")" \
	    "$(med "$TMP/t.cpu") $(med "$TMP/m.cpu")" >> "$TMP/cpu"
	curl -sf -H "$M" "$D/v1/wallets" > "$TMP/list"
	page=$(python3 -c "import json,os,sys; d=json.load(open(sys.argv[1]))
print('%d of %s, %d KB' % (len(d['items']), d.get('total', len(d['items'])),
    os.path.getsize(sys.argv[1]) // 1024))" "$TMP/list")
	: > "$TMP/timed"
	cw=$(median5 new_wallet)
	cs=$(median5 new_session)
	ROWS=$((ROWS + 1))
	printf '%7s %8s %8s %8s %4s%% %8s %4s%% %8s %-20s %8s %8s\n' "$w" "$s" \
	    "$h" "$a" "$(share "$a" "$h")" "$t" "$(share "$t" "$h")" "$m" \
	    "($page)" "$cw" "$cs"
	# kept for the RESULT lines: row number, the figures
	echo "$ROWS $w $s $h $a $t $m $cw $cs" >> "$TMP/rows"
}

seed() {	# seed KIND COUNT
	[ "$2" -gt 0 ] || return 0
	python3 "$SEED" "$PORT" "$PW" "$1" "$2" "$CONC" "$TMP/ids" >&2 ||
	    { tail -5 "$TMP/log" >&2; exit 1; }
}

echo "== scale: wrk -t2 -c32 -d${SECS}s, median of $ROUNDS per figure," \
    "one daemon ($BIN)"
echo "   req/s; % is the share of /health in the same row; create: ms," \
    "median of 5"
printf '%7s %8s %8s %8s %5s %8s %5s %8s %-20s %8s %8s\n' wallets sessions \
    /health address "" "tx?l=20" "" "wallets" "(master list page)" \
    "+wallet" "+session"
row
seed wallets $((MID - WALLETS))
WALLETS=$MID
row
seed wallets $((MAX - WALLETS))
WALLETS=$MAX
row
seed sessions $((MAX - SESSIONS))
SESSIONS=$MAX
row

echo "== policyd's CPU per request, microseconds (median of $ROUNDS rounds)"
printf '%7s %8s %8s %8s %8s %8s\n' wallets sessions /health address \
    "tx?l=20" wallets
while read -r w s h a t m; do
	printf '%7s %8s %8s %8s %8s %8s\n' "$w" "$s" "$h" "$a" "$t" "$m"
done < "$TMP/cpu"

# RESULT|what|ratio|goal: from the rows file (1: smallest; 3: most
# wallets, one session; 4: the same wallets, most sessions).
label() { awk -v n="$1" 'BEGIN { if (n >= 1000 && n % 1000 == 0)
	printf "%dk", n / 1000; else printf "%d", n }'; }
WL=$(label "$MAX") 
awk -v wl="$WL" '
function v(x) { sub(/!$/, "", x); return x + 0 }
function ratio(a, b) { return b > 0 ? sprintf("%.2f", a / b) : "?" }
{ h[$1] = v($4); a[$1] = v($5); t[$1] = v($6); m[$1] = v($7)
  cw[$1] = v($8); cs[$1] = v($9) }
END {
	# session reads: the two routes, each as a share of /health
	r1 = (a[1] + t[1]) / (h[1] > 0 ? h[1] : 1)
	r3 = (a[3] + t[3]) / (h[3] > 0 ? h[3] : 1)
	r4 = (a[4] + t[4]) / (h[4] > 0 ? h[4] : 1)
	printf "RESULT|session read at %s wallets / at 1 wallet|%s|~1\n", wl,
	    ratio(r3, r1)
	printf "RESULT|session read at %s sessions / at 1 session|%s|~1\n",
	    wl, ratio(r4, r3)
	printf "RESULT|master wallet list at %s wallets / at 1 wallet|%s|" \
	    "(a page, not all)\n", wl, ratio(m[3] / h[3], m[1] / h[1])
	printf "RESULT|wallet create at %s wallets / at 1 wallet|%s|~1\n",
	    wl, ratio(cw[3], cw[1])
	printf "RESULT|session create at %s sessions / at 1 session|%s|~1\n",
	    wl, ratio(cs[4], cs[1])
}' "$TMP/rows"
# The same from policyd's CPU per read (the first row over the third,
# the third over the fourth: about 1 when a read costs the same).
awk -v wl="$WL" '
function ratio(a, b) { return b > 0 ? sprintf("%.2f", a / b) : "?" }
{ c[NR] = $4 + $5 }
END {
	printf "RESULT|policyd CPU per session read at %s wallets / at 1 " \
	    "wallet|%s|~1\n", wl, ratio(c[3], c[1])
	printf "RESULT|policyd CPU per session read at %s sessions / at 1 " \
	    "session|%s|~1\n", wl, ratio(c[4], c[3])
}' "$TMP/cpu"
