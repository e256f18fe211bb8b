#!/bin/sh
# Sends in bulk: 32 agents at once, each with a wallet and a session
# token of its own, each sending ETH transfers one after another (the
# next once its previous one reached the node), from a client process
# (bench/bulk_client.js) through the daemon, whose node is the timing
# proxy bench/rpc_timer.js in front of anvil.  Per send: the daemon's
# own time, from the HTTP request to the raw transaction at the node
# without the node's time for that send's own calls; the node's share;
# then the node alone, the same calls driven by as many loops, for what
# it can take.  Every send is then checked: CONFIRMED, the hash the node
# answered, a nonce of its own.  Prints figures and RESULT lines; fails
# only if a send went wrong.
# usage: bench/send_bulk.sh [WAIAASD] [N per agent] [AGENTS]
# BENCH_PEER_NICE=N (10 by default) runs anvil and the clients N nice
# steps below the daemon, as if the node were on another machine and
# the agents elsewhere; 0 runs them alike, sharing the CPUs with the
# daemon as they really do here.  BENCH_PROXY_NICE (0 by default: the
# daemon's priority) sets the timing proxy's: it is the instrument, and
# the later it reads the daemon's calls the more of its queue the bench
# counts as the daemon's time.  Both are printed.
# WAIAAS_DAEMON_LOG_LEVEL=debug BENCH_KEEP_LOG=FILE keeps the daemon's log
# (and in FILE.bulk the clients' output, SENDSTEP lines included);
# BENCH_STEPS=1 runs the daemon at debug level and prints where a send's
# time went, stage by stage (bench/send_steps.py; the logging costs some
# CPU of its own);
# BENCH_PERF=1 (root, perf; implies BENCH_STEPS=1) traces the api's send()
# and the proxy's read() calls during the sends and prints how long a
# call took from the api's logged "sent" to its send(), and from there
# to the proxy (bench/send_hops.py);
# TMPDIR=/dev/shm puts the data directory on tmpfs (SQLite's fsyncs free).
set -eu
BIN=${1:-$(cd "$(dirname "$0")/.." && pwd)/build/waiaasd}
N=${2:-30}
AGENTS=${3:-32}
case $BIN in /*) ;; *) BIN=$PWD/$BIN ;; esac
PEER_NICE=${BENCH_PEER_NICE:-10}
PROXY_NICE=${BENCH_PROXY_NICE:-0}
for n in "$PEER_NICE" "$PROXY_NICE"; do
	case $n in [0-9] | 1[0-9]) ;;
	*) echo "bench: BENCH_PEER_NICE, BENCH_PROXY_NICE: 0 to 19"; exit 1 ;;
	esac
done
[ "${BENCH_PERF:-0}" = 1 ] && BENCH_STEPS=1
[ "${BENCH_STEPS:-0}" = 1 ] && export WAIAAS_DAEMON_LOG_LEVEL=debug
. "$(dirname "$0")/lib.sh"
PPID_= PERFP=
[ -x "$NODE" ] || { echo "bench: no $NODE (sh scripts/test-deps.sh)"; exit 1; }
cleanup() {
	if [ -n "$PERFP" ]; then kill -INT "$PERFP" 2>/dev/null || true; fi
	bench_stop
	if [ -n "$PPID_" ]; then kill -KILL "$PPID_" 2>/dev/null || true; fi
	[ -n "${BENCH_KEEP_LOG:-}" ] && [ -f "$TMP/log" ] &&
	    cp "$TMP/log" "$BENCH_KEEP_LOG"
	[ -n "${BENCH_KEEP_LOG:-}" ] && [ -f "$TMP/bulk" ] &&
	    cp "$TMP/bulk" "$BENCH_KEEP_LOG.bulk"
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP PIPE

bench_anvil
keep=$PEER_NICE PEER_NICE=$PROXY_NICE
bench_proxy
PEER_NICE=$keep
bench_daemon

# The agents: a wallet each, with the session it comes with, funded; a
# SPENDING_LIMIT that makes every transfer INSTANT.  Each agent pays an
# address of its own, by which the proxy knows its raw transactions.
i=0
: > "$TMP/agents"
while [ $i -lt "$AGENTS" ]; do
	curl -s -X POST "$D/v1/wallets" -H "X-Master-Password: $PW" \
	    -H 'Content-Type: application/json' \
	    -d "{\"name\":\"bulk$i\",\"chain\":\"ethereum\",\"environment\":\"testnet\"}" \
	    > "$TMP/w"
	grep -q '"token"' "$TMP/w" ||
	    { echo "bench: wallet:"; cat "$TMP/w"; exit 1; }
	python3 -c "import json, sys
j = json.load(open(sys.argv[1]))
print(j['publicKey'], j['session']['token'],
    '0x%040x' % (0xb0b0000000000000000000000000000000000000 + int(sys.argv[2]) + 1))" \
	    "$TMP/w" "$i" >> "$TMP/agents"
	i=$((i + 1))
done
while read -r addr token to; do
	"$CAST" rpc --rpc-url "$ANVIL_URL" anvil_setBalance "$addr" \
	    0x56bc75e2d63100000 >/dev/null
done < "$TMP/agents"
c=$(curl -s -o "$TMP/p" -w '%{http_code}' -X POST "$D/v1/policies" \
    -H "X-Master-Password: $PW" -H 'Content-Type: application/json' \
    -d '{"type":"SPENDING_LIMIT","rules":{"instant_max":"1000000000000000000"}}')
[ "$c" = 201 ] || [ "$c" = 200 ] || { echo "bench: policy: $c"; cat "$TMP/p"; exit 1; }

python3 -c "import json, sys
a = [dict(zip(('from', 'token', 'to'), l.split()))
    for l in open(sys.argv[1]) if l.strip()]
print(json.dumps({'daemon': sys.argv[2], 'network': sys.argv[3],
    'n': int(sys.argv[4]), 'warmup': 1, 'agents': a,
    'steps': sys.argv[5] == '1'}))" \
    "$TMP/agents" "$D" "$NET" "$N" "${BENCH_STEPS:-0}" > "$TMP/bulk.json"

# CPU time so far of the daemon's processes, anvil and the proxy, and
# the time they waited for a CPU when ready to run, in nanoseconds
# (/proc/PID/schedstat, all threads of the process): "name cpu wait".
cpu_snap() {
	for p in $DPID $(pgrep -P $DPID) $APID $PPID_; do
		n=$(tr '\0' '\n' < /proc/$p/cmdline | sed -n '1{/^waiaasd: /{s///p;q;};s/.*/parent/p;}')
		[ "$p" = "$APID" ] && n=anvil
		[ "$p" = "$PPID_" ] && n=proxy
		echo "$n $(cat /proc/$p/task/*/schedstat |
		    awk '{ c += $1; w += $2 } END { print c, w }')"
	done
}
# cpu_per TAG BEFORE AFTER SENDS: per send and process, milliseconds of
# CPU, then of waiting for one.
cpu_per() {
	awk -v tag="$1" -v n="$4" '
	    FNR == NR { c[$1] = $2; w[$1] = $3; next }
	    { dc = ($2 - c[$1]) / 1e6 / n; dw = ($3 - w[$1]) / 1e6 / n
	      if (dc == 0 && dw == 0) next
	      l1 = l1 sprintf(" %s %.3f", $1, dc)
	      l2 = l2 sprintf(" %s %.3f", $1, dw)
	      if ($1 != "anvil" && $1 != "proxy" && $1 != "clients") {
	          sc += dc; sw += dw } }
	    END { printf "%s, per send, ms of CPU:%s (daemon %.3f)\n", tag, l1, sc
	          printf "%s, per send, ms waiting for a CPU:%s (daemon %.3f)\n",
	              tag, l2, sw }' "$2" "$3"
}

# The clients, at the peers' priority: "clients" lines for cpu_snap's
# files from the CPU line they print (their own schedstat).
clients() {
	c=0
	nice -n "$PEER_NICE" "$NODE" "$ROOT/bench/bulk_client.js" \
	    --proxy "$PROXY" --control "$PROXYC" "$1" "$TMP/bulk.json" \
	    > "$TMP/$1" || c=$?
	echo "clients 0 0" >> "$2"
	sed -n 's/^CPU|clients|\([0-9]*\)|\([0-9]*\)$/clients \1 \2/p' \
	    "$TMP/$1" >> "$3"
}
nice_of() { awk '{ print $19 }' "/proc/$1/stat"; }

echo "POST /v1/transactions/send: $AGENTS agents at once x $N each" \
    "(ETH transfers), clients -> daemon -> timing proxy -> anvil"
echo "priorities: daemon nice $(nice_of "$DPID"), anvil" \
    "$(nice_of "$APID"), clients the same, timing proxy" \
    "$(nice_of "$PPID_") (BENCH_PEER_NICE=$PEER_NICE," \
    "BENCH_PROXY_NICE=$PROXY_NICE)"
if [ "$PEER_NICE" -gt 0 ]; then
	echo "  anvil and the clients yield the CPUs to the daemon, as a node" \
	    "on another machine would (and to everything else running here):" \
	    "the daemon waits less for a CPU, the node answers later, the" \
	    "rate is lower than the daemon alone would allow"
else
	echo "  anvil and the clients at the daemon's priority: the daemon" \
	    "waits for CPUs that they hold, as on this machine it really does"
fi
if [ "$PROXY_NICE" -gt 0 ]; then
	echo "  the timing proxy yields too: it reads the daemon's calls later," \
	    "and that queue counts as the daemon's time (its lag below)"
fi
# BENCH_PERF: the api's send() and the proxy's read() calls, traced.
if [ "${BENCH_PERF:-0}" = 1 ]; then
	command -v perf >/dev/null || { echo "bench: BENCH_PERF=1: no perf"; exit 1; }
	API=
	for p in $(pgrep -P "$DPID"); do
		tr '\0' '\n' < "/proc/$p/cmdline" | grep -q '^waiaasd: api' &&
		    API=$p
	done
	[ -n "$API" ] || { echo "bench: BENCH_PERF=1: no api process"; exit 1; }
	perf record -q -k CLOCK_MONOTONIC -e syscalls:sys_enter_sendto \
	    -e syscalls:sys_enter_read -e syscalls:sys_exit_read \
	    -p "$API,$PPID_" -o "$TMP/perf.data" > "$TMP/perf.log" 2>&1 &
	PERFP=$!
	sleep 0.5
fi
cpu_snap > "$TMP/cpu0"
clients bulk "$TMP/cpu0" "$TMP/cpu1.c"
cpu_snap > "$TMP/cpu1"
cat "$TMP/cpu1.c" >> "$TMP/cpu1"
if [ -n "$PERFP" ]; then
	kill -INT "$PERFP"
	wait "$PERFP" || true
	PERFP=
fi
grep -v '^RESULTLINE|\|^RATE|\|^SENDSTEP|\|^CPU|' "$TMP/bulk"
[ "${BENCH_STEPS:-0}" = 1 ] &&
    python3 "$ROOT/bench/send_steps.py" "$TMP/bulk" "$TMP/log"
if [ "${BENCH_PERF:-0}" = 1 ]; then
	perf script -i "$TMP/perf.data" -F pid,tid,time,event,trace \
	    > "$TMP/perf.txt" 2>/dev/null
	python3 "$ROOT/bench/send_hops.py" "$TMP/perf.txt" "$API" "$PPID_" \
	    "$TMP/log" "$TMP/bulk"
fi
# The database's commits (group commit: several units of work each).
curl -s "$D/metrics" -H "X-Master-Password: $PW" |
    awk -v n="$(sed -n 's/^RATE|[^|]*|//p' "$TMP/bulk")" -v a="$AGENTS" '
    /^waiaas_db_commits_total / { c = $2 }
    /^waiaas_db_commit_units_total / { u = $2 }
    END { if (c > 0) printf "database commits since start: %d (%.2f per " \
        "send), carrying %d units of work (%.2f per commit)\n", c,
        c / (n + a), u, u / c }'
[ "$c" = 0 ] || { echo "bench: the bulk run failed ($c)"; exit 1; }
SENDS=$(sed -n 's/^RATE|[^|]*|//p' "$TMP/bulk")
RATE=$(sed -n 's/^RATE|\([^|]*\)|.*/\1/p' "$TMP/bulk")
# CPU for the whole run, the warm-up and the checks after it included.
cpu_per "through the daemon" "$TMP/cpu0" "$TMP/cpu1" \
    $((SENDS + AGENTS))
bench_rss

# The node alone, the same calls driven the same way.
cpu_snap > "$TMP/cpu2"
clients alone "$TMP/cpu2" "$TMP/cpu3.c"
cpu_snap > "$TMP/cpu3"
cat "$TMP/cpu3.c" >> "$TMP/cpu3"
grep -v '^RATE|\|^CPU|' "$TMP/alone"
[ "$c" = 0 ] || { echo "bench: the node-alone run failed ($c)"; exit 1; }
ARATE=$(sed -n 's/^RATE|\([^|]*\)|.*/\1/p' "$TMP/alone")
cpu_per "the node alone" "$TMP/cpu2" "$TMP/cpu3" $((SENDS + AGENTS)) |
    sed 's/ (daemon [^)]*)//'
RATIO=$(awk -v a="$RATE" -v b="$ARATE" 'BEGIN { printf "%.1f", 100 * a / b }')
# Node-limited: through the daemon at least 80 % of what the node takes
# alone (the rest is the CPU the daemon itself takes from the node on a
# machine of few cores).
VERDICT=daemon-limited
awk -v r="$RATIO" 'BEGIN { exit !(r >= 80) }' && VERDICT=node-limited
echo "through the daemon: $RATIO % of the node alone's rate: $VERDICT"

# The machine-readable lines: figure|value|goal.
echo "RESULT|bulk sends ($AGENTS agents)|$(printf %.0f "$RATE") sends/s|node-limited"
sed -n 's/^RESULTLINE|\([^|]*|[^|]*|[^|]*\).*/RESULT|\1/p' "$TMP/bulk"
echo "RESULT|bulk sends vs the node alone|$RATIO % ($VERDICT)|>= 80 %"
