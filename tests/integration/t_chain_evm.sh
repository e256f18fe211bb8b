#!/bin/sh
# The api's EVM client (api/chain_evm_*.c) alone against real and hostile
# nodes, through tests/tools/chain_driver: chain context (nonce, fees,
# gas, reverts), the network check, broadcast and watch to a final state
# (confirmed, reverted on chain, resent, nonce too low, dropped), and
# balance queries.  anvil is the real node; a small Python server plays
# a node that lies.
. tests/integration/lib.sh

DRIVER=$PWD/$BUILD/tests/chain_driver
NET=ethereum-sepolia
CHAIN_ID=11155111
if [ ! -x "$DRIVER" ]; then
	notok "no $DRIVER (make BUILD=$BUILD SAN=1 $BUILD/tests/chain_driver)"
	exit 0
fi
export CHAIN_DRIVER_POLL_MS=100 CHAIN_DRIVER_RESEND_MS=700
export CHAIN_DRIVER_TIMEOUT_MS=20000
ERR=$T_TMP/driver.err
: > "$ERR"

drv() {		# drv VERB URL JSON: the driver's output lines
	[ -z "$MISSING" ] || return 1	# no chain: the checks say "not ok"
	timeout 30 "$DRIVER" "$1" "$NET" "$2" "$3" 2>>"$ERR"
}
jv() {		# jv JSON-LINE PYTHON-EXPR-ON-j
	printf '%s\n' "$1" | python3 -c '
import json, sys
j = json.loads(sys.stdin.readline())
print(eval(sys.argv[1]))' "$2" 2>/dev/null
}
num() {		# num VALUE: a decimal or 0x number, in decimal
	python3 -c 'import sys; print(int(str(sys.argv[1]), 0))' "$1" \
	    2>/dev/null
}
states() {	# states OUTPUT: the send's states, space separated
	printf '%s\n' "$1" | python3 -c '
import json, sys
print(" ".join(json.loads(l)["state"] for l in sys.stdin if l.strip()))' \
	    2>/dev/null
}
last() {	# last OUTPUT: the last line
	printf '%s\n' "$1" | sed -n '$p'
}
rpcres() {	# rpcres URL METHOD PARAMS: the result member, raw JSON
	rpc "$1" "$2" "$3" | python3 -c '
import json, sys
print(json.dumps(json.load(sys.stdin).get("result")))'
}
say() {		# say COND DESC [OUTPUT]: ok/not ok, with the output if not
	if [ "$1" = 1 ]; then
		ok "$2"
	else
		notok "$2"
		[ -n "${3:-}" ] && printf '# %s\n' "$3"
	fi
}
is() {		# is A B -> 1 when equal
	[ "$1" = "$2" ] && echo 1 || echo 0
}

start_anvil --chain-id $CHAIN_ID
URL=$ANVIL_URL
A0=$("$CAST" wallet address "$ANVIL_KEY0")
A1=$("$CAST" wallet address "$ANVIL_KEY1")
DEST=0x1111111111111111111111111111111111111111

# --- prepare -----------------------------------------------------------

out=$(drv prepare "$URL" "{\"op\":\"evm_tx\",\"from\":\"$A0\",\"to\":\"$DEST\",\"value\":\"1000\",\"data\":\"0x\"}")
want_nonce=$("$CAST" nonce --block pending "$A0" --rpc-url "$URL")
want_base=$(num "$(rpcres "$URL" eth_getBlockByNumber '["latest",false]' |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["baseFeePerGas"])')")
want_prio=$(num "$(rpcres "$URL" eth_maxPriorityFeePerGas '[]' | tr -d '"')")
say "$(is "$(jv "$out" 'j["status"]')" OK)" \
    "prepare of an ETH transfer is OK" "$out"
say "$(is "$(num "$(jv "$out" 'j["nonce"]')")" "$want_nonce")" \
    "prepare: nonce is the pending count ($want_nonce)" "$out"
say "$(is "$(num "$(jv "$out" 'j["gasLimit"]')")" 25200)" \
    "prepare: gas limit is the 21000 estimate + 20%" "$out"
say "$(is "$(num "$(jv "$out" 'j["baseFee"]')")" "$want_base")" \
    "prepare: base fee is the latest block's ($want_base)" "$out"
say "$(is "$(num "$(jv "$out" 'j["priorityFee"]')")" "$want_prio")" \
    "prepare: priority fee is eth_maxPriorityFeePerGas ($want_prio)" "$out"

# The test token: 6 decimals, 1234567 units minted to account 0.
TOKEN=$(sh tests/contracts/deploy.sh "$URL" "$ANVIL_KEY0" 6 2>>"$ERR")
"$CAST" send --rpc-url "$URL" --private-key "$ANVIL_KEY0" "$TOKEN" \
    'mint(address,uint256)' "$A0" 1234567 >/dev/null 2>>"$ERR"
calldata=$("$CAST" calldata 'transfer(address,uint256)' "$A0" 5)
out=$(drv prepare "$URL" "{\"op\":\"evm_tx\",\"from\":\"$A1\",\"to\":\"$TOKEN\",\"value\":\"0\",\"data\":\"$calldata\"}")
say "$(is "$(jv "$out" 'j["status"]')/$(jv "$out" 'j["message"]')" \
    "REVERT/execution reverted: TestToken: insufficient balance")" \
    "prepare of a reverting token transfer: REVERT with the reason" "$out"
say "$(is "$(jv "$out" 'j["retryable"]')" False)" \
    "prepare: a revert is not retryable" "$out"
calldata=$("$CAST" calldata 'transfer(address,uint256)' "$A1" 5)
out=$(drv prepare "$URL" "{\"op\":\"evm_tx\",\"from\":\"$A0\",\"to\":\"$TOKEN\",\"value\":\"0\",\"data\":\"$calldata\"}")
g=$(num "$(jv "$out" 'j["gasLimit"]')")
est=$("$CAST" estimate --from "$A0" --rpc-url "$URL" "$TOKEN" \
    'transfer(address,uint256)' "$A1" 5 2>>"$ERR")
say "$(is "$(jv "$out" 'j["status"]')/$g" "OK/$((est + est / 5))")" \
    "prepare of a token transfer: gas limit = estimate $est + 20%" "$out"

# A node on another chain is refused; so is a network without a URL.
WRONG_URL=
if start_anvil --chain-id 1; then
	WRONG_URL=$ANVIL_URL
fi
out=$(drv prepare "$WRONG_URL" "{\"op\":\"evm_tx\",\"from\":\"$A0\",\"to\":\"$DEST\",\"value\":\"1\",\"data\":\"0x\"}")
say "$(is "$(jv "$out" 'j["status"]')/$(jv "$out" 'j["retryable"]')/$(jv "$out" 'j["message"]')" \
    "REFUSED/False/network $NET: node reports chain id 1, configured $CHAIN_ID")" \
    "prepare on a node of another chain: REFUSED, not retryable" "$out"
out=$(drv query "$WRONG_URL" "{\"kind\":\"balance\",\"walletId\":\"w\",\"address\":\"$A0\"}")
say "$(is "$(jv "$out" 'j["status"]')/$(jv "$out" 'j["code"]')" 502/CHAIN_ERROR)" \
    "query on a node of another chain: 502 CHAIN_ERROR" "$out"
# (The driver needs a resolve entry given for an empty URL.)
out=$(CHAIN_DRIVER_RESOLVE=none drv prepare "" "{\"op\":\"evm_tx\",\"from\":\"$A0\",\"to\":\"$DEST\",\"value\":\"1\",\"data\":\"0x\"}")
say "$(is "$(jv "$out" 'j["status"]')/$(jv "$out" 'j["message"]')" \
    "REFUSED/no RPC for $NET: set WAIAAS_RPC_EVM_ETHEREUM_SEPOLIA or [rpc] evm_ethereum_sepolia")" \
    "prepare without an RPC URL: REFUSED, naming the variable and key" "$out"
out=$(CHAIN_DRIVER_RESOLVE=none drv query "" "{\"kind\":\"balance\",\"walletId\":\"w\",\"address\":\"$A0\"}")
say "$(is "$(jv "$out" 'j["status"]')/$(jv "$out" 'j["message"]')" \
    "503/no RPC for $NET: set WAIAAS_RPC_EVM_ETHEREUM_SEPOLIA or [rpc] evm_ethereum_sepolia")" \
    "query without an RPC URL: 503, naming the variable and key" "$out"

# --- send and watch ----------------------------------------------------

# send_json FROM RAW [WATCH_ONLY]: the driver's send request for RAW.
send_json() {
	h=$("$CAST" keccak "$2")
	n=$("$CAST" decode-tx "$2" 2>/dev/null | python3 -c '
import json, sys
t = json.load(sys.stdin)
t = json.loads(t) if isinstance(t, str) else t
print(int(str(t["nonce"]), 0))')
	printf '{"from":"%s","hash":"%s","raw":"%s","nonce":%s,"watchOnly":%s}' \
	    "$1" "$h" "${2#0x}" "$n" "${3:-false}"
}

before=$("$CAST" balance "$DEST" --rpc-url "$URL")
RAW1=$("$CAST" mktx --private-key "$ANVIL_KEY1" --rpc-url "$URL" "$DEST" \
    --value 12345 2>>"$ERR")
out=$(drv send "$URL" "$(send_json "$A1" "$RAW1")")
after=$("$CAST" balance "$DEST" --rpc-url "$URL")
say "$(is "$(states "$out")" "SUBMITTED CONFIRMED")" \
    "send of an ETH transfer: SUBMITTED then CONFIRMED" "$out"
say "$(is "$after" "$((before + 12345))")" \
    "send: the recipient got the 12345 wei" "$before -> $after"

out=$(drv send "$URL" "$(send_json "$A1" "$RAW1")")
say "$(is "$(states "$out")" "SUBMITTED CONFIRMED")" \
    "resend of a mined transaction: CONFIRMED, not NOT_SENT" "$out"
out=$(drv send "$URL" "$(send_json "$A1" "$RAW1" true)")
say "$(is "$(states "$out")" "CONFIRMED")" \
    "watch-only of a mined transaction: CONFIRMED" "$out"

RAW2=$("$CAST" mktx --private-key "$ANVIL_KEY1" --rpc-url "$URL" \
    --nonce 0 "$DEST" --value 7 2>>"$ERR")
out=$(drv send "$URL" "$(send_json "$A1" "$RAW2")")
say "$(is "$(states "$out")/$(jv "$(last "$out")" 'j["retryable"]')" \
    "NONCE_LOW/False")" \
    "another transaction with a used nonce: NONCE_LOW" "$out"

# Signed with its own gas limit, so nothing estimates it: it reverts on
# chain, and the replay finds the reason.
calldata=$("$CAST" calldata 'transfer(address,uint256)' "$A0" 5)
RAW3=$("$CAST" mktx --private-key "$ANVIL_KEY1" --rpc-url "$URL" \
    --gas-limit 100000 "$TOKEN" "$calldata" 2>>"$ERR")
out=$(drv send "$URL" "$(send_json "$A1" "$RAW3")")
say "$(is "$(states "$out")/$(jv "$(last "$out")" 'j["message"]')" \
    "SUBMITTED FAILED/execution reverted: TestToken: insufficient balance")" \
    "a transaction reverted on chain: FAILED with the reason" "$out"

RAW4=$("$CAST" mktx --private-key "$ANVIL_KEY1" --rpc-url "$URL" \
    --value 1000000000000000000000000 "$DEST" 2>>"$ERR")
out=$(drv send "$URL" "$(send_json "$A1" "$RAW4")")
say "$(is "$(states "$out")/$(jv "$(last "$out")" 'j["retryable"]')" \
    "NOT_SENT/False")" \
    "a transaction the node refuses (insufficient funds): NOT_SENT" "$out"

out=$(drv send "$URL" "{\"from\":\"$A1\",\"hash\":\"0x$(printf '%064d' 1)\",\"raw\":\"${RAW4#0x}\",\"nonce\":1,\"watchOnly\":false}")
say "$(is "$(states "$out")" "NOT_SENT")" \
    "raw bytes that are not the hash's transaction: NOT_SENT" "$out"

# Dropped from the pool: re-broadcast, then mined.  A node that mines
# only when told.
if start_anvil --chain-id $CHAIN_ID --no-mining; then
	URL2=$ANVIL_URL
	RAW5=$("$CAST" mktx --private-key "$ANVIL_KEY0" --rpc-url "$URL2" \
	    "$DEST" --value 5 2>>"$ERR")
	H5=$("$CAST" keccak "$RAW5")
	: > "$T_TMP/drop.out"
	drv send "$URL2" "$(send_json "$A0" "$RAW5")" > "$T_TMP/drop.out" &
	dp=$!
	n=0
	while [ $n -lt 100 ] && ! grep -q SUBMITTED "$T_TMP/drop.out"; do
		sleep 0.05; n=$((n + 1))
	done
	rpc "$URL2" anvil_dropTransaction "[\"$H5\"]" >/dev/null
	gone=$(rpcres "$URL2" eth_getTransactionByHash "[\"$H5\"]")
	n=0
	while [ $n -lt 100 ] && [ "$(rpcres "$URL2" eth_getTransactionByHash \
	    "[\"$H5\"]")" = null ]; do
		sleep 0.05; n=$((n + 1))
	done
	rpc "$URL2" evm_mine '[]' >/dev/null
	wait $dp
	out=$(cat "$T_TMP/drop.out")
	say "$(is "$gone/$(states "$out")" "null/SUBMITTED CONFIRMED")" \
	    "a dropped transaction is re-broadcast and confirms" "$out"

	# Dropped, and its nonce used by another transaction.
	RAW6=$("$CAST" mktx --private-key "$ANVIL_KEY0" --rpc-url "$URL2" \
	    "$DEST" --value 6 2>>"$ERR")
	RAW7=$("$CAST" mktx --private-key "$ANVIL_KEY0" --rpc-url "$URL2" \
	    "$DEST" --value 7 2>>"$ERR")
	H6=$("$CAST" keccak "$RAW6")
	: > "$T_TMP/drop2.out"
	drv send "$URL2" "$(send_json "$A0" "$RAW6")" > "$T_TMP/drop2.out" &
	dp=$!
	n=0
	while [ $n -lt 100 ] && ! grep -q SUBMITTED "$T_TMP/drop2.out"; do
		sleep 0.05; n=$((n + 1))
	done
	rpc "$URL2" anvil_dropTransaction "[\"$H6\"]" >/dev/null
	rpc "$URL2" eth_sendRawTransaction "[\"$RAW7\"]" >/dev/null
	rpc "$URL2" evm_mine '[]' >/dev/null
	wait $dp
	out=$(cat "$T_TMP/drop2.out")
	nonce6=$(send_json "$A0" "$RAW6" | python3 -c \
	    'import json,sys; print(json.load(sys.stdin)["nonce"])')
	say "$(is "$(states "$out")/$(jv "$(last "$out")" 'j["message"]')" \
	    "SUBMITTED FAILED/dropped: nonce $nonce6 used by another transaction")" \
	    "a dropped transaction whose nonce another used: FAILED" "$out"
else
	notok "anvil --no-mining starts"
fi

# --- queries -----------------------------------------------------------

out=$(drv query "$URL" "{\"kind\":\"balance\",\"walletId\":\"w1\",\"address\":\"$DEST\"}")
say "$(is "$(jv "$out" 'j["status"]')/$(jv "$out" 'json.dumps(j["body"], sort_keys=True)')" \
    "200/{\"address\": \"$DEST\", \"balance\": \"$after\", \"chain\": \"ethereum\", \"decimals\": 18, \"network\": \"$NET\", \"symbol\": \"ETH\", \"walletId\": \"w1\"}")" \
    "balance query: the exact wei balance" "$out"
out=$(drv query "$URL" "{\"kind\":\"balance\",\"walletId\":\"w1\",\"address\":\"$A0\",\"token\":\"$TOKEN\"}")
say "$(is "$(jv "$out" 'j["status"]')/$(jv "$out" 'j["body"]["balance"]')/$(jv "$out" 'j["body"]["decimals"]')/$(jv "$out" 'j["body"]["symbol"]')/$(jv "$out" 'j["body"]["token"].lower()')" \
    "200/1234567/6/TEST/$(echo "$TOKEN" | tr A-F a-f)")" \
    "token balance query: balance, decimals, symbol" "$out"
out=$(drv query "$URL" "{\"kind\":\"balance\",\"walletId\":\"w1\",\"address\":\"$A0\",\"token\":\"$DEST\"}")
say "$(is "$(jv "$out" 'j["status"]')" 502)" \
    "token balance of an address without code: 502" "$out"
bal0=$("$CAST" balance "$A0" --rpc-url "$URL")
out=$(drv query "$URL" "{\"kind\":\"assets\",\"walletId\":\"w1\",\"address\":\"$A0\",\"tokens\":[\"$TOKEN\",\"$DEST\"]}")
say "$(is "$(jv "$out" 'j["status"]')/$(jv "$out" '[(a["mint"].lower(), a["balance"], a["decimals"], a["symbol"], a["isNative"]) for a in j["body"]["assets"]]')" \
    "200/[('native', '$bal0', 18, 'ETH', True), ('$(echo "$TOKEN" | tr A-F a-f)', '1234567', 6, 'TEST', False)]")" \
    "assets query: native and token balances, a codeless token left out" \
    "$out"

# --- a node that lies --------------------------------------------------

# The fake node answers each method from a JSON file it re-reads on
# every request: {"method": {"result": ...} or {"error": ...}}.
cat > "$T_TMP/fake.py" <<'EOF'
import json, sys
from http.server import BaseHTTPRequestHandler, HTTPServer
class H(BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass
    def do_POST(self):
        req = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        table = json.load(open(sys.argv[1]))
        ans = table.get(req["method"],
            {"error": {"code": -32601, "message": "method not found"}})
        ans = dict(ans, jsonrpc="2.0", id=req["id"])
        body = json.dumps(ans).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
s = HTTPServer(("127.0.0.1", 0), H)
print("listening", s.server_address[1], flush=True)
s.serve_forever()
EOF
FT=$T_TMP/fake.json
fake() {	# fake JSON-OBJECT: the fake node's answers, over the defaults
	python3 -c '
import json, sys
base = {"eth_chainId": {"result": "0xaa36a7"},
    "eth_getTransactionCount": {"result": "0x7"},
    "eth_getBlockByNumber": {"result": {"baseFeePerGas": "0x64",
        "gasLimit": "0x1c9c380"}},
    "eth_maxPriorityFeePerGas": {"result": "0x2"},
    "eth_estimateGas": {"result": "0x5208"}}
base.update(json.loads(sys.argv[1]))
json.dump(base, open(sys.argv[2], "w"))' "$1" "$FT"
}
fake '{}'
python3 "$T_TMP/fake.py" "$FT" > "$T_TMP/fake.out" 2>&1 &
PEER_PIDS="$PEER_PIDS $!"
n=0
while [ $n -lt 100 ] && ! grep -q listening "$T_TMP/fake.out"; do
	sleep 0.05; n=$((n + 1))
done
FURL=http://127.0.0.1:$(sed -n 's/^listening //p' "$T_TMP/fake.out")
PJ="{\"op\":\"evm_tx\",\"from\":\"$A0\",\"to\":\"$DEST\",\"value\":\"1\",\"data\":\"0x\"}"

out=$(drv prepare "$FURL" "$PJ")
say "$(is "$(jv "$out" '(j["status"], int(str(j["nonce"]), 0), int(str(j["gasLimit"]), 0), int(str(j["baseFee"]), 0), int(str(j["priorityFee"]), 0))')" \
    "('OK', 7, 25200, 100, 2)")" "fake node: a sane answer is taken" "$out"

fake '{"eth_getBlockByNumber": {"result": {"gasLimit": "0x1c9c380"}},
    "eth_gasPrice": {"result": "0x3e8"}}'
out=$(drv prepare "$FURL" "$PJ")
say "$(is "$(jv "$out" '(j["status"], int(str(j["baseFee"]), 0), int(str(j["priorityFee"]), 0))')" \
    "('OK', 1000, 0)")" \
    "a chain without base fee: gas price as base fee, priority 0" "$out"

fake '{"eth_maxPriorityFeePerGas": {"error": {"code": -32601,
    "message": "the method eth_maxPriorityFeePerGas does not exist"}},
    "eth_feeHistory": {"result": {"reward": [["0x5"], ["0x9"], ["0x6"]]}}}'
out=$(drv prepare "$FURL" "$PJ")
say "$(is "$(jv "$out" '(j["status"], int(str(j["priorityFee"]), 0))')" \
    "('OK', 6)")" \
    "no eth_maxPriorityFeePerGas: median of eth_feeHistory rewards" "$out"

for bad in \
    '"eth_getTransactionCount": {"result": "0x10000000000000000"}' \
    '"eth_getTransactionCount": {"result": "12"}' \
    '"eth_getTransactionCount": {"result": null}' \
    '"eth_getBlockByNumber": {"result": {"baseFeePerGas": "0x1'"$(printf '%064d' 0)"'"}}' \
    '"eth_getBlockByNumber": {"result": {"baseFeePerGas": "0xzz"}}' \
    '"eth_getBlockByNumber": {"result": "0x1"}' \
    '"eth_maxPriorityFeePerGas": {"result": ["0x1"]}' \
    '"eth_estimateGas": {"result": "0x0"}' \
    '"eth_estimateGas": {"result": "0xffffffffffffff"}' \
    '"eth_chainId": {"result": "0xaa36a7aa36a7aa36a7aa36a7"}'; do
	fake "{$bad}"
	out=$(drv prepare "$FURL" "$PJ")
	say "$(is "$(jv "$out" '(j["status"], j["retryable"])')" \
	    "('ERROR', False)")" \
	    "fake node: $(echo "$bad" | cut -c1-60): ERROR" "$out"
done

# Revert data that lies about its lengths; a reason with control
# characters.
fake '{"eth_estimateGas": {"error": {"code": 3, "message": "execution reverted",
    "data": "0x08c379a0'"$(printf '%064d' 20)ffffffff$(printf '%056d' 0)"'"}}}'
out=$(drv prepare "$FURL" "$PJ")
say "$(is "$(jv "$out" '(j["status"], j["message"])')" \
    "('REVERT', 'execution reverted')")" \
    "revert data with a lying length: just execution reverted" "$out"
fake '{"eth_estimateGas": {"error": {"code": -32000,
    "message": "execution reverted: a\u0007b\nc\u00e9"}}}'
out=$(drv prepare "$FURL" "$PJ")
say "$(is "$(jv "$out" '(j["status"], all(32 <= ord(c) < 127 for c in j["message"]))')" \
    "('REVERT', True)")" \
    "a node's revert message is printable ASCII when passed on" "$out"

fake '{"eth_getBalance": {"result": "0x-1"}}'
out=$(drv query "$FURL" "{\"kind\":\"balance\",\"walletId\":\"w\",\"address\":\"$A0\"}")
say "$(is "$(jv "$out" 'j["status"]')" 502)" \
    "fake node: a malformed balance is 502" "$out"
fake '{"eth_getBalance": {"result": "0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"}}'
out=$(drv query "$FURL" "{\"kind\":\"balance\",\"walletId\":\"w\",\"address\":\"$A0\"}")
say "$(is "$(jv "$out" 'j["body"]["balance"]')" \
    115792089237316195423570985008687907853269984665640564039457584007913129639935)" \
    "a 256-bit balance in decimal" "$out"

fake '{"eth_sendRawTransaction": {"result": "0x'"$(printf '%064d' 2)"'"},
    "eth_getTransactionByHash": {"result": null}}'
out=$(drv send "$FURL" "$(send_json "$A1" "$RAW1")")
say "$(is "$(states "$out")" "NOT_SENT")" \
    "a node answering another hash, not knowing ours: NOT_SENT" "$out"

# Errors while watching are never a final state: the watch backs off and
# goes on until the node answers.
H1=$("$CAST" keccak "$RAW1")
fake '{"eth_getTransactionReceipt": {"error": {"code": -32000,
    "message": "header not found"}}}'
: > "$T_TMP/watch.out"
drv send "$FURL" "$(send_json "$A1" "$RAW1" true)" > "$T_TMP/watch.out" &
dp=$!
sleep 1
fake '{"eth_getTransactionReceipt": {"result": {"transactionHash": "0x'"$(printf '%064d' 3)"'", "blockNumber": "0x9", "status": "0x1"}}}'
sleep 0.5
early=$(cat "$T_TMP/watch.out")
fake '{"eth_getTransactionReceipt": {"result": {"transactionHash": "'"$H1"'",
    "blockNumber": "0x9", "status": "0x1"}}}'
wait $dp
out=$(cat "$T_TMP/watch.out")
say "$(is "$early/$(states "$out")" "/CONFIRMED")" \
    "watch: node errors and a receipt of another tx are not final" "$out"

if grep -qE 'AddressSanitizer|UndefinedBehaviorSanitizer|runtime error:' \
    "$ERR"; then
	notok "no sanitizer reports from the driver"
	grep -E -A5 'Sanitizer|runtime error' "$ERR" | head -40 | sed 's/^/# /'
else
	ok "no sanitizer reports from the driver"
fi
