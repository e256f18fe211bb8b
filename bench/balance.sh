#!/bin/sh
# Reads and dry runs through a node next to the node alone, in one run
# with the same wrk (-t2 -c32): (a) anvil answering eth_getBalance, the
# one call GET /v1/wallet/balance makes; (b) GET /v1/wallet/balance with
# a session token, anvil as the chain; (c) anvil answering the five calls
# of a dry run in turn (nonce, latest block, priority fee, gas estimate,
# balance), counted as dry runs (calls / 5); (d) POST
# /v1/transactions/simulate.  Prints each rate, the CPU each process
# spent per request, the calls the daemon made to the node per request
# (identical reads in flight share one), and the ratio daemon / node.
# The four go in turn ROUNDS times (this machine is shared: the load of
# others moves between rounds), and the RESULT lines give the median of
# the rounds' ratios (issue 23's goal: 50 % and more).  Asserts nothing.
# usage: bench/balance.sh [WAIAASD] [SECONDS] [ROUNDS]
set -eu
BIN=${1:-$(cd "$(dirname "$0")/.." && pwd)/build/waiaasd}
SECS=${2:-5}
ROUNDS=${3:-3}
case $BIN in /*) ;; *) BIN=$PWD/$BIN ;; esac
. "$(dirname "$0")/lib.sh"
TO=0x5000000000000000000000000000000000000001
command -v wrk >/dev/null || { echo "bench: wrk is not installed"; exit 1; }
bench_traps

bench_anvil

# The daemon, as root: full privilege separation; a cheap KDF.
bench_daemon "$ANVIL_URL"

jf() { python3 -c "import json,sys; j=json.load(open(sys.argv[1])); print($2)" "$1"; }

# One funded wallet with its own SPENDING_LIMIT (500 wei is INSTANT).
curl -s -X POST "$D/v1/wallets" -H "X-Master-Password: $PW" \
    -H 'Content-Type: application/json' \
    -d '{"name":"a","chain":"ethereum","environment":"testnet"}' > "$TMP/a"
grep -q '"token"' "$TMP/a" || { echo "bench: wallet:"; cat "$TMP/a"; exit 1; }
A=$(jf "$TMP/a" 'j["id"]')
FROM=$(jf "$TMP/a" 'j["publicKey"]')
TOKEN=$(jf "$TMP/a" 'j["session"]["token"]')
"$CAST" send -q --rpc-url "$ANVIL_URL" --private-key "$ANVIL_KEY0" \
    "$FROM" --value 100ether >/dev/null
c=$(curl -s -o "$TMP/p" -w '%{http_code}' -X POST "$D/v1/policies" \
    -H "X-Master-Password: $PW" -H 'Content-Type: application/json' \
    -d "{\"walletId\":\"$A\",\"type\":\"SPENDING_LIMIT\",\"rules\":{\"instant_max\":\"1000000000000000000\"}}")
[ "$c" = 201 ] || { echo "bench: policy: $c"; cat "$TMP/p"; exit 1; }

BAL=/v1/wallet/balance?network=$NET
BODY="{\"network\":\"$NET\",\"to\":\"$TO\",\"amount\":\"500\"}"
# Each route answers right once before it is timed.
c=$(curl -s -o "$TMP/b" -w '%{http_code}' "$D$BAL" \
    -H "Authorization: Bearer $TOKEN")
[ "$c" = 200 ] || { echo "bench: balance: $c"; cat "$TMP/b"; exit 1; }
echo "one balance: $(jf "$TMP/b" 'j["balance"]') wei"
c=$(curl -s -o "$TMP/s" -w '%{http_code}' -X POST \
    "$D/v1/transactions/simulate" -H "Authorization: Bearer $TOKEN" \
    -H 'Content-Type: application/json' -d "$BODY")
[ "$c" = 200 ] && [ "$(jf "$TMP/s" 'j["success"]')" = True ] ||
    { echo "bench: simulate: $c"; cat "$TMP/s"; exit 1; }
echo "one dry run: $(jf "$TMP/s" '"tier=%s fee=%s" % (j["policy"]["tier"], j["fee"]["estimatedFee"])')"

cat > "$TMP/post.lua" <<LUA
wrk.method = "POST"
wrk.body = '$BODY'
wrk.headers["Content-Type"] = "application/json"
LUA
# The daemon's own calls, as common/rpc.c sends them.
cat > "$TMP/bal.lua" <<LUA
wrk.method = "POST"
wrk.body = '{"jsonrpc":"2.0","id":1,"method":"eth_getBalance","params":["$FROM","latest"]}'
wrk.headers["Content-Type"] = "application/json"
LUA
cat > "$TMP/five.lua" <<LUA
local bodies = {
  '{"jsonrpc":"2.0","id":1,"method":"eth_getTransactionCount","params":["$FROM","pending"]}',
  '{"jsonrpc":"2.0","id":2,"method":"eth_getBlockByNumber","params":["latest",false]}',
  '{"jsonrpc":"2.0","id":3,"method":"eth_maxPriorityFeePerGas","params":[]}',
  '{"jsonrpc":"2.0","id":4,"method":"eth_estimateGas","params":[{"from":"$FROM","to":"$TO","value":"0x1f4"}]}',
  '{"jsonrpc":"2.0","id":5,"method":"eth_getBalance","params":["$FROM","pending"]}'
}
local i = 0
request = function()
  i = i % 5 + 1
  return wrk.format("POST", "/", {["Content-Type"] = "application/json"}, bodies[i])
end
LUA

# CPU time of each process (the tree's and anvil) in clock ticks.
cpu() {
	for p in $DPID $(pgrep -P "$DPID") $APID; do
		n=$(tr '\0' '\n' < /proc/$p/cmdline |
		    sed -n '1{/^waiaasd: /{s///p;q;};s/.*/parent/p;}')
		[ "$p" = "$APID" ] && n=anvil
		awk -v n="$n" '{ print n, $14 + $15 }' /proc/$p/stat
	done
}
HZ=$(getconf CLK_TCK)

# rate LABEL ARGS...: one wrk round; prints its figures and the CPU per
# request of each process, and sets RPS (requests/s, integer).
rate() {
	label=$1
	shift
	cpu > "$TMP/cpu0"
	wrk -t2 -c32 -d"${SECS}s" --latency "$@" > "$TMP/wrk" 2>&1
	cpu > "$TMP/cpu1"
	RPS=$(awk '/^Requests\/sec:/ { printf "%d", $2 }' "$TMP/wrk")
	p50=$(awk '$1 == "50%" { print $2 }' "$TMP/wrk")
	p99=$(awk '$1 == "99%" { print $2 }' "$TMP/wrk")
	bad=$(awk '/Non-2xx|Socket errors/ { $1 = $1; print }' "$TMP/wrk" |
	    tr '\n' ' ')
	printf '%-44s %7s req/s  p50 %7s  p99 %7s%s\n' "$label" \
	    "${RPS:-?}" "${p50:-?}" "${p99:-?}" "${bad:+  ($bad)}"
	awk -v n="$(awk '/requests in/ { print $1 }' "$TMP/wrk")" \
	    -v hz="$HZ" 'NR == FNR { a[$1] = $2; next }
	    { us = ($2 - a[$1]) * 1e6 / hz / (n > 0 ? n : 1); t += us
	      if (us >= 0.5) s = s sprintf(" %s=%.0f", $1, us) }
	    END { printf "    CPU per request, us:%s; total %.0f\n", s, t }' \
	    "$TMP/cpu0" "$TMP/cpu1"
	: "${RPS:=0}"
	# An error answer is no answer: the figure does not count.
	if grep -q Non-2xx "$TMP/wrk"; then
		echo "    (error answers: not counted)"
		RPS=0
	fi
}
pct() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (b > 0 ? 100 * a / b : 0) }'; }
median() { tr ' ' '\n' | grep . | sort -n | awk '{ v[NR] = $1 }
    END { printf "%.1f", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# The daemon's calls to the node that got an answer, so far.
ncalls() {
	curl -s "$D/metrics" -H "X-Master-Password: $PW" |
	    awk -v n="$NET" '$1 == "waiaas_rpc_requests_total{network=\"" n "\"}" { print $2 }'
}
# daemon LABEL ARGS...: rate, then the node calls per request
daemon() {
	c0=$(ncalls)
	rate "$@"
	c1=$(ncalls)
	awk -v c="$((${c1:-0} - ${c0:-0}))" \
	    -v n="$(awk '/requests in/ { print $1 }' "$TMP/wrk")" \
	    'BEGIN { printf "    node calls per request: %.2f\n", (n > 0 ? c / n : 0) }'
}

echo "== wrk -t2 -c32 -d${SECS}s each, $ROUNDS rounds; anvil $ANVIL_URL, daemon $BIN"
LB= LS=
r=1
while [ $r -le "$ROUNDS" ]; do
	echo "-- round $r"
	rate "(a) anvil alone: eth_getBalance" -s "$TMP/bal.lua" "$ANVIL_URL"
	NB=$RPS
	daemon "(b) GET /v1/wallet/balance (session)" \
	    -H "Authorization: Bearer $TOKEN" "$D$BAL"
	DB=$RPS
	rate "(c) anvil alone: the five calls in turn" -s "$TMP/five.lua" \
	    "$ANVIL_URL"
	NS=$((RPS / 5))
	echo "    that is $NS dry runs/s (five calls each)"
	daemon "(d) POST /v1/transactions/simulate" -s "$TMP/post.lua" \
	    -H "Authorization: Bearer $TOKEN" "$D/v1/transactions/simulate"
	DS=$RPS
	RB=$(pct "$DB" "$NB")
	RS=$(pct "$DS" "$NS")
	echo "balance:  daemon $DB/s, node alone $NB/s: $RB %"
	echo "simulate: daemon $DS/s, node alone $NS dry runs/s: $RS %"
	LB="$LB $RB" LS="$LS $RS"
	r=$((r + 1))
done
grep -E 'fatal|error' "$TMP/log" | head -5 || true
echo "ratios by round: balance$LB; simulate$LS (%)"
echo "RESULT|balance through node / node alone|$(echo "$LB" | median) %|>= 50 %"
echo "RESULT|simulate through node / node alone|$(echo "$LS" | median) %|>= 50 %"
