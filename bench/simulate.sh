#!/bin/sh
# Dry-run sends per second through the whole tree: wrk POSTs
# /v1/transactions/simulate (session auth) to the real daemon, with anvil
# as the chain.  Every allowed dry run asks the node for the nonce, the
# latest block, the priority fee, a gas estimate and the balance (five
# calls), so anvil is part of the figure; three more runs say how much:
# the same dry run for a wallet with no policy (denied by default: it answers
# before any chain call), anvil alone under those five calls, and
# GET /health (api -> policyd -> signer, no database, no chain); and
# after each run the CPU time every process spent per request.
# Prints figures; asserts nothing.
# usage: bench/simulate.sh [WAIAASD] [SECONDS]
set -eu
BIN=${1:-$(cd "$(dirname "$0")/.." && pwd)/build/waiaasd}
SECS=${2:-10}
case $BIN in /*) ;; *) BIN=$PWD/$BIN ;; esac
. "$(dirname "$0")/lib.sh"
TO=0x5000000000000000000000000000000000000001
command -v wrk >/dev/null || { echo "bench: wrk is not installed"; exit 1; }
bench_traps

bench_anvil

# The daemon, as root: full privilege separation; a cheap KDF.
bench_daemon "$ANVIL_URL"

wallet() {	# wallet NAME -> FILE $TMP/NAME with the answer
	curl -s -X POST "$D/v1/wallets" -H "X-Master-Password: $PW" \
	    -H 'Content-Type: application/json' \
	    -d "{\"name\":\"$1\",\"chain\":\"ethereum\",\"environment\":\"testnet\"}" \
	    > "$TMP/$1"
	grep -q '"token"' "$TMP/$1" || { echo "bench: wallet:"; cat "$TMP/$1"; exit 1; }
}
jf() { python3 -c "import json,sys; j=json.load(open(sys.argv[1])); print($2)" "$1"; }

# Wallet a: funded, its own SPENDING_LIMIT (500 wei is INSTANT).
# Wallet b: no policy at all, so its dry runs are denied by default.
wallet a
wallet b
A=$(jf "$TMP/a" 'j["id"]')
"$CAST" send -q --rpc-url "$ANVIL_URL" --private-key "$ANVIL_KEY0" \
    "$(jf "$TMP/a" 'j["publicKey"]')" --value 100ether >/dev/null
c=$(curl -s -o "$TMP/p" -w '%{http_code}' -X POST "$D/v1/policies" \
    -H "X-Master-Password: $PW" -H 'Content-Type: application/json' \
    -d "{\"walletId\":\"$A\",\"type\":\"SPENDING_LIMIT\",\"rules\":{\"instant_max\":\"1000000000000000000\"}}")
[ "$c" = 201 ] || { echo "bench: policy: $c"; cat "$TMP/p"; exit 1; }

BODY="{\"network\":\"$NET\",\"to\":\"$TO\",\"amount\":\"500\"}"
for w in a b; do
	curl -s -X POST "$D/v1/transactions/simulate" \
	    -H "Authorization: Bearer $(jf "$TMP/$w" 'j["session"]["token"]')" \
	    -H 'Content-Type: application/json' -d "$BODY" > "$TMP/sim.$w"
done
echo "one dry run, wallet a: $(jf "$TMP/sim.a" '"success=%s tier=%s fee=%s" % (j["success"], j["policy"]["tier"], j["fee"]["estimatedFee"])')"
echo "one dry run, wallet b: $(jf "$TMP/sim.b" '"success=%s allowed=%s code=%s" % (j["success"], j["policy"]["allowed"], j["policy"]["code"])')"

# post.lua: every request a POST of $BODY.
cat > "$TMP/post.lua" <<LUA
wrk.method = "POST"
wrk.body = '$BODY'
wrk.headers["Content-Type"] = "application/json"
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

# wrkcpu ARGS...: wrk's figures, then the CPU each process spent per
# request (from /proc, to the clock tick).
wrkcpu() {
	cpu > "$TMP/cpu0"
	wrk "$@" > "$TMP/wrk.out"
	cpu > "$TMP/cpu1"
	grep -E 'Requests/sec|Latency  |50%|90%|99%|Non-2xx|Socket errors' \
	    "$TMP/wrk.out"
	awk -v n="$(awk '/requests in/ { print $1 }' "$TMP/wrk.out")" \
	    -v hz="$HZ" 'NR == FNR { a[$1] = $2; next }
	    { us = ($2 - a[$1]) * 1e6 / hz / n; t += us
	      s = s sprintf(" %s=%.0f", $1, us) }
	    END { printf "    CPU per request, us:%s; total %.0f\n", s, t }' \
	    "$TMP/cpu0" "$TMP/cpu1"
}

run() {	# run LABEL TOKEN CONNECTIONS
	echo "== $1: wrk -t$((${3} < 2 ? 1 : 2)) -c$3 -d${SECS}s" \
	    "POST /v1/transactions/simulate"
	wrkcpu -t$(($3 < 2 ? 1 : 2)) -c"$3" -d"${SECS}s" --latency \
	    -s "$TMP/post.lua" -H "Authorization: Bearer $2" \
	    "$D/v1/transactions/simulate"
}
TA=$(jf "$TMP/a" 'j["session"]["token"]')
TB=$(jf "$TMP/b" 'j["session"]["token"]')
run "allowed dry run (policy, then 5 calls to anvil)" "$TA" 32
run "denied dry run (policy only, no chain call)" "$TB" 32
run "allowed dry run, one at a time" "$TA" 1
run "denied dry run, one at a time" "$TB" 1

# anvil alone: the five calls of an allowed dry run, in turn.
FROM=$(jf "$TMP/a" 'j["publicKey"]')
cat > "$TMP/rpc.lua" <<LUA
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
echo "== anvil alone: the same five calls in turn, wrk -t2 -c32 -d${SECS}s"
wrkcpu -t2 -c32 -d"${SECS}s" --latency -s "$TMP/rpc.lua" "$ANVIL_URL"
echo "== anvil alone, one call at a time"
wrkcpu -t1 -c1 -d"${SECS}s" --latency -s "$TMP/rpc.lua" "$ANVIL_URL"
echo "== GET /health: wrk -t2 -c32 -d${SECS}s"
wrkcpu -t2 -c32 -d"${SECS}s" --latency "$D/health"
grep -E 'fatal|error' "$TMP/log" | head -5 || true
