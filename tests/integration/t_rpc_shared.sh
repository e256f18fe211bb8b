#!/bin/sh
# Reads that share one call to the node (rpc_call_shared in common/rpc.c):
# the client alone answers identical calls made at once with one; through
# the real daemon, with anvil behind tests/node/rpc_fault.js, identical
# balance reads and dry runs at once all get the chain's answer; and no
# answer is older than the request it serves: while an identical balance
# call is held at the node (its answer from before a transfer), a request
# that arrives after the transfer gets a call of its own and sees it.
# Sends take the block's fees and the priority fee from calls started
# after they arrived (in flight or answered: api/chain_evm_prepare.c):
# one after another each asks its own, a send arriving while another's
# block call is held asks again, and sends at once are all confirmed.
. tests/integration/lib.sh

NET=ethereum-sepolia
ACC1=0x70997970C51812dc3A010C7d01b50e0d17dc79C8
DRIVER=$PWD/$BUILD/tests/chain_driver

fault() { curl -s -X POST --data-binary "$1" "$PROXY/__fault" >/dev/null; }
reset() { curl -s -X POST "$PROXY/__reset" >/dev/null; }
# calls METHOD: how many the node behind the proxy was asked
calls() {
	curl -s "$PROXY/__stats" | python3 -c 'import json, sys
print(json.load(sys.stdin)["calls"].get(sys.argv[1], 0))' "$1"
}
chain_bal() { "$CAST" balance --rpc-url "$ANVIL_URL" "$1" 2>/dev/null; }
U() { echo "http://127.0.0.1:$PORT$1"; }

[ -x "$DRIVER" ] || peer_missing "$DRIVER" "make $BUILD/tests/chain_driver"
start_anvil --chain-id 11155111
start_proxy "$ANVIL_URL"
WAIAAS_RPC_EVM_ETHEREUM_SEPOLIA=$PROXY start_daemon ||
    cannot_run "daemon starts"

req POST /v1/wallets '{"name":"s","chain":"ethereum","environment":"testnet"}' >/dev/null
ADDR=$(jget 'j["publicKey"]')
TOK=$(jget 'j["session"]["token"]')
S="Authorization: Bearer $TOK"
"$CAST" send -q --rpc-url "$ANVIL_URL" --private-key "$ANVIL_KEY0" "$ADDR" \
    --value 10ether >/dev/null 2>&1
req POST /v1/policies '{"type":"SPENDING_LIMIT","rules":{"instant_max":"1000000000000000000"}}' >/dev/null
PARAMS="[\"$ADDR\",\"latest\"]"

# --- the client alone ---------------------------------------------------
reset
CHAIN_DRIVER_SHARED=1 CHAIN_DRIVER_REPEAT=20 "$DRIVER" rpc "$PROXY" \
    eth_getBalance "$PARAMS" > "$T_TMP/drv" 2>"$T_TMP/drv.err"
check "client: 20 identical shared calls at once, 20 answers of the chain's balance, 19 of them joined, the node asked once" \
    python3 -c 'import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
res = [l["result"] for l in lines if "result" in l]
joined = [l["joined"] for l in lines if "joined" in l]
sys.exit(not (len(res) == 20 and all(int(r, 16) == int(sys.argv[2])
    for r in res) and joined == [19] and sys.argv[3] == "1"))' \
    "$T_TMP/drv" "$(chain_bal "$ADDR")" "$(calls eth_getBalance)" ||
    sed 's/^/# /' "$T_TMP/drv" "$T_TMP/drv.err" | head -5
reset
CHAIN_DRIVER_REPEAT=5 "$DRIVER" rpc "$PROXY" eth_getBalance "$PARAMS" \
    > "$T_TMP/drv" 2>"$T_TMP/drv.err"
check "client: the same calls unshared are asked one by one" \
    [ "$(grep -c result "$T_TMP/drv")/$(calls eth_getBalance)" = 5/5 ]

# --- through the daemon: many at once -----------------------------------
# The first read checks the chain id; the rest go straight to the node.
req GET "/v1/wallet/balance?network=$NET" "" "$S" >/dev/null
reset
B0=$(chain_bal "$ADDR")
i=0 P=
while [ $i -lt 16 ]; do
	curl -s -o "$T_TMP/b.$i" -w '%{http_code}' -H "$S" \
	    "$(U "/v1/wallet/balance?network=$NET")" > "$T_TMP/c.$i" &
	P="$P $!"
	i=$((i + 1))
done
wait $P
echo "# 16 balance reads at once: the node asked $(calls eth_getBalance) times"
check "16 balance reads at once: all 200 with the chain's balance" \
    python3 -c 'import json, sys
d, want = sys.argv[1], sys.argv[2]
for i in range(16):
    if open("%s/c.%d" % (d, i)).read() != "200":
        sys.exit(1)
    if json.load(open("%s/b.%d" % (d, i)))["balance"] != want:
        sys.exit(1)' "$T_TMP" "$B0"

reset
BODY="{\"network\":\"$NET\",\"to\":\"$ACC1\",\"amount\":\"1000\"}"
i=0 P=
while [ $i -lt 16 ]; do
	curl -s -o "$T_TMP/s.$i" -w '%{http_code}' -X POST -H "$S" \
	    -H 'Content-Type: application/json' --data "$BODY" \
	    "$(U /v1/transactions/simulate)" > "$T_TMP/c.$i" &
	P="$P $!"
	i=$((i + 1))
done
wait $P
echo "# 16 dry runs at once: the node asked $(calls eth_getTransactionCount) times for the nonce, $(calls eth_estimateGas) for a gas estimate"
check "16 dry runs at once: all 200, successful, with the same fee and the chain's balance less amount and fee" \
    python3 -c 'import json, sys
d, want = sys.argv[1], int(sys.argv[2])
fees = set()
for i in range(16):
    if open("%s/c.%d" % (d, i)).read() != "200":
        sys.exit(1)
    j = json.load(open("%s/s.%d" % (d, i)))
    fee = int(j["fee"]["estimatedFee"])
    eth = [c for c in j["balanceChanges"] if c["asset"] == "native"]
    if not j["success"] or len(eth) != 1:
        sys.exit(1)
    if (int(eth[0]["currentBalance"]) != want or
        int(eth[0]["afterBalance"]) != want - 1000 - fee):
        sys.exit(1)
    fees.add(fee)
sys.exit(len(fees) != 1)' "$T_TMP" "$B0"

# --- sends: the fee side -------------------------------------------------
# tx_fee ID: the maxFeePerGas (wei) of a confirmed send's transaction
tx_fee() {
	h=$(wait_tx "$1" | python3 -c 'import json, sys
print(json.load(sys.stdin).get("txHash") or "")')
	[ -n "$h" ] || return 0
	"$CAST" tx --rpc-url "$ANVIL_URL" "$h" --json 2>/dev/null |
	    python3 -c 'import json, sys
print(int(json.load(sys.stdin)["maxFeePerGas"], 16))'
}
SEND="{\"network\":\"$NET\",\"to\":\"$ACC1\",\"amount\":\"1000\"}"
reset
for k in 1 2 3; do
	id=$(send "$SEND")
	wait_tx "$id" >/dev/null
done
check "3 sends one after another: each asked the node for the block and the priority fee itself" \
    [ "$(calls eth_getBlockByNumber)/$(calls eth_maxPriorityFeePerGas)" = 3/3 ]

# Send A's block call is held 3 s at the node, its answer a base fee of
# 10 gwei; the base fee then falls to 1 gwei; send B, arriving after
# that, must not take A's answer: a call of its own, a lower fee.
reset
"$CAST" rpc --rpc-url "$ANVIL_URL" anvil_setNextBlockBaseFeePerGas \
    10000000000 >/dev/null
"$CAST" rpc --rpc-url "$ANVIL_URL" evm_mine >/dev/null
fault '{"mode":"late","ms":3000,"count":1,"methods":["eth_getBlockByNumber"]}'
c=$(req POST /v1/transactions/send "$SEND" "$S")
IDA=$(jget 'j["id"]')
n=0
while [ "$(calls eth_getBlockByNumber)" = 0 ] && [ $n -lt 100 ]; do
	sleep 0.05
	n=$((n + 1))
done
"$CAST" rpc --rpc-url "$ANVIL_URL" anvil_setNextBlockBaseFeePerGas \
    1000000000 >/dev/null
"$CAST" rpc --rpc-url "$ANVIL_URL" evm_mine >/dev/null
IDB=$(send "$SEND")
FB=$(tx_fee "$IDB")
NB=$(calls eth_getBlockByNumber)
FA=$(tx_fee "$IDA")
echo "# held send: maxFeePerGas $FA; the one after the fall: $FB"
check "a send arriving while another's block call is held asks the node again, and bids from the lower base fee" \
    [ "$c/$NB" = 201/2 -a -n "$FA" -a -n "$FB" ] &&
    [ "${FB:-0}" -lt "${FA:-0}" ]

# Eight at once: all confirmed with consecutive nonces; how many asked
# the node for the fees is told, not checked (it depends on arrivals).
reset
i=0 P=
while [ $i -lt 8 ]; do
	curl -s -o "$T_TMP/t.$i" -w '%{http_code}' -X POST -H "$S" \
	    -H 'Content-Type: application/json' --data "$SEND" \
	    "$(U /v1/transactions/send)" > "$T_TMP/c.$i" &
	P="$P $!"
	i=$((i + 1))
done
wait $P
: > "$T_TMP/nonces"
i=0 good=0
while [ $i -lt 8 ]; do
	id=$(json_get "$T_TMP/t.$i" 'j["id"]')
	h=$(wait_tx "$id" | python3 -c 'import json, sys
j = json.load(sys.stdin)
print(j["txHash"] if j["status"] == "CONFIRMED" else "")')
	[ -n "$h" ] && [ "$(cat "$T_TMP/c.$i")" = 201 ] && good=$((good + 1)) &&
	    "$CAST" tx --rpc-url "$ANVIL_URL" "$h" nonce >> "$T_TMP/nonces"
	i=$((i + 1))
done
echo "# 8 sends at once: the node asked $(calls eth_getBlockByNumber) times for the block, $(calls eth_maxPriorityFeePerGas) for the priority fee"
check "8 sends at once: all 201 and CONFIRMED, with 8 consecutive nonces" \
    [ "$good/$(sort -n "$T_TMP/nonces" | uniq | awk 'NR == 1 { a = $1 } { b = $1; n++ } END { print n, b - a + 1 }')" = "8/8 8" ]

# --- never older than the request ---------------------------------------
# Request A's eth_getBalance reaches the node at once, but its answer (the
# balance before the transfer) is held 3 s.  The transfer is mined; then
# request B, identical, arrives while A's call is still held: it must not
# take A's answer.
reset
fault '{"mode":"late","ms":3000,"count":1,"methods":["eth_getBalance"]}'
B0=$(chain_bal "$ADDR")
curl -s -o "$T_TMP/bA" -H "$S" "$(U "/v1/wallet/balance?network=$NET")" &
CA=$!
n=0
while [ "$(calls eth_getBalance)" = 0 ] && [ $n -lt 100 ]; do
	sleep 0.05
	n=$((n + 1))
done
"$CAST" send -q --rpc-url "$ANVIL_URL" --private-key "$ANVIL_KEY0" "$ADDR" \
    --value 1ether >/dev/null 2>&1
B1=$(chain_bal "$ADDR")
c=$(req GET "/v1/wallet/balance?network=$NET" "" "$S")
kill -0 "$CA" 2>/dev/null && held=1 || held=0
check "a read arriving after a transfer, while an identical call from before it is held at the node, gets the new balance" \
    [ "$c/$held/$(jget 'j["balance"]')" = "200/1/$B1" -a "$B1" != "$B0" ]
wait "$CA"
check "the held read, which arrived before the transfer, answers with the balance before it" \
    [ "$(json_get "$T_TMP/bA" 'j["balance"]')" = "$B0" ]
check "the node was asked twice: the later read did not join the held call" \
    [ "$(calls eth_getBalance)" = 2 ]

# Reads one after the other: each sees what the chain holds then.
"$CAST" send -q --rpc-url "$ANVIL_URL" --private-key "$ANVIL_KEY0" "$ADDR" \
    --value 1ether >/dev/null 2>&1
c=$(req GET "/v1/wallet/balance?network=$NET" "" "$S")
check "the next read after another transfer sees it" \
    [ "$c/$(jget 'j["balance"]')" = "200/$(chain_bal "$ADDR")" ]
check "the daemon still serves" [ "$(http_code "$(U /health)")" = 200 ]
check "no sanitizer reports" no_sanitizer_reports
