#!/bin/sh
# Chain faults with the real daemon: anvil behind tests/node/rpc_fault.js.
# The node is down, slow beyond the timeout, answers garbage, another
# chain id or a huge body: each time the daemon stays up, the transaction
# ends FAILED with CHAIN_ERROR (retryable where a retry can help) and
# nothing reaches the chain.  An answer to eth_sendRawTransaction that
# never comes: the same bytes go again, the transfer confirms, and the
# recipient is paid once.
. tests/integration/lib.sh

U() { echo "http://127.0.0.1:$PORT$1"; }
M="X-Master-Password: $WAIAAS_MASTER_PASSWORD"
NET=ethereum-sepolia
ACC1=0x70997970C51812dc3A010C7d01b50e0d17dc79C8

fault() { curl -s -X POST --data-binary "$1" "$PROXY/__fault" >/dev/null; }
stats() { curl -s "$PROXY/__stats"; }
bal() { "$CAST" balance --rpc-url "$ANVIL_URL" "$1"; }

start_anvil --chain-id 11155111
start_proxy "$ANVIL_URL"
WAIAAS_RPC_EVM_ETHEREUM_SEPOLIA=$PROXY WAIAAS_RPC_TIMEOUT_MS=1000 \
WAIAAS_RPC_RETRIES=1 WAIAAS_RPC_POLL_INTERVAL_MS=100 start_daemon || cannot_run "daemon starts"

req POST /v1/wallets '{"name":"f","chain":"ethereum","environment":"testnet"}' >/dev/null
ADDR=$(jget 'j["publicKey"]')
S="Authorization: Bearer $(jget 'j["session"]["token"]')"
"$CAST" send -q --rpc-url "$ANVIL_URL" --private-key "$ANVIL_KEY0" "$ADDR" \
    --value 10ether >/dev/null
req POST /v1/policies '{"type":"SPENDING_LIMIT","rules":{"instant_max":"1000000000000000000"}}' >/dev/null

# try NAME FAULT RETRYABLE: one send under FAULT ends FAILED CHAIN_ERROR
# with that retryable flag; the daemon stays up; nothing is broadcast.
try() {
	curl -s -X POST "$PROXY/__reset" >/dev/null
	fault "$2"
	b0=$(bal "$ACC1")
	c=$(req POST /v1/transactions/send "{\"network\":\"$NET\",\"to\":\"$ACC1\",\"amount\":\"1000\"}" "$S")
	id=$(jget 'j["id"]')
	r=$(wait_tx "$id")
	printf '%s' "$r" > "$T_TMP/r"
	check "$1: 201, then FAILED with CHAIN_ERROR, retryable $3" \
	    python3 -c 'import json, sys
j = json.load(open(sys.argv[1]))
sys.exit(not (sys.argv[2] == "201" and j["status"] == "FAILED" and
    j["errorCode"] == "CHAIN_ERROR" and j["error"] and
    j["retryable"] == (sys.argv[3] == "true")))' "$T_TMP/r" "$c" "$3"
	check "$1: nothing broadcast, nothing moved" \
	    sh -c "[ \"$(stats | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["broadcasts"]))')\" = 0 ] && [ $(bal "$ACC1") = $b0 ]"
	check "$1: the daemon still serves" \
	    [ "$(http_code "$(U /health)")" = 200 ]
}

try "node down (connections reset)" '{"mode":"reset"}' true
try "node slow beyond the timeout" '{"mode":"slow","ms":3000}' true
try "node answers garbage" '{"mode":"garbage"}' false
try "node answers a huge body" '{"mode":"huge","bytes":20000000}' false
try "node answers HTTP 503" '{"mode":"status","code":503}' true
try "node reports an absurd tip (fee cap)" \
    '{"mode":"result","result":"0xffffffffffffffff","methods":["eth_maxPriorityFeePerGas"]}' true
grep -q "max_fee_per_gas_gwei" "$T_TMP/r" && ok "the error names the cap" ||
    notok "the error names the cap ($(cat "$T_TMP/r"))"
try "node reports an absurd gas estimate" \
    '{"mode":"result","result":"0x3b9aca00","methods":["eth_estimateGas"]}' false

# The broadcast's answer is lost: the same bytes again, paid once.
curl -s -X POST "$PROXY/__reset" >/dev/null
fault '{"mode":"hang_after_forward","ms":3000,"count":1,"methods":["eth_sendRawTransaction"]}'
b0=$(bal "$ACC1")
req POST /v1/transactions/send "{\"network\":\"$NET\",\"to\":\"$ACC1\",\"amount\":\"777\"}" "$S" >/dev/null
r=$(wait_tx "$(jget 'j["id"]')")
printf '%s' "$r" > "$T_TMP/r"
check "a lost broadcast answer: the transfer still CONFIRMED" \
    [ "$(json_get "$T_TMP/r" 'j["status"]')" = CONFIRMED ]
check "and the recipient was paid exactly once" \
    [ "$(python3 -c "print($(bal "$ACC1") - $b0)")" = 777 ]
check "every broadcast carried the same signed bytes" \
    sh -c "[ \"$(stats | python3 -c 'import json,sys; b=json.load(sys.stdin)["broadcasts"]; print(len(b) >= 1 and len(set(map(str, b))) == 1)')\" = True ]"

curl -s -X POST "$PROXY/__reset" >/dev/null
b0=$(bal "$ACC1")
req POST /v1/transactions/send "{\"network\":\"$NET\",\"to\":\"$ACC1\",\"amount\":\"5\"}" "$S" >/dev/null
r=$(wait_tx "$(jget 'j["id"]')")
printf '%s' "$r" > "$T_TMP/r"
check "after the faults, a send confirms" \
    sh -c "[ \"$(json_get "$T_TMP/r" 'j["status"]')\" = CONFIRMED ] && [ $(python3 -c "print($(bal "$ACC1") - $b0)") = 5 ]"
check "no sanitizer reports" no_sanitizer_reports

# SIGKILL of the whole daemon while a transaction is SUBMITTED and its
# receipt cannot be had: after a restart it is watched to CONFIRMED, and
# the recipient is paid once.
curl -s -X POST "$PROXY/__reset" >/dev/null
fault '{"mode":"status","code":503,"methods":["eth_getTransactionReceipt","eth_getTransactionByHash"]}'
b0=$(bal "$ACC1")
req POST /v1/transactions/send "{\"network\":\"$NET\",\"to\":\"$ACC1\",\"amount\":\"999\"}" "$S" >/dev/null
KID=$(jget 'j["id"]')
n=0
while [ $n -lt 100 ]; do
	req GET "/v1/transactions/$KID" "" "$S" >/dev/null
	[ "$(jget 'j["status"]')" = SUBMITTED ] && break
	sleep 0.1; n=$((n + 1))
done
check "the transaction is SUBMITTED, its receipt out of reach" \
    [ "$(jget 'j["status"]')" = SUBMITTED ]
kids=$(children_of "$DPID")
kill -KILL "$DPID"
for k in $kids; do wait_gone "$k" 5000; done
curl -s -X POST "$PROXY/__reset" >/dev/null
# (A longer timeout from here: the next test must not see a retry.)
WAIAAS_RPC_EVM_ETHEREUM_SEPOLIA=$PROXY WAIAAS_RPC_TIMEOUT_MS=10000 \
WAIAAS_RPC_RETRIES=1 WAIAAS_RPC_POLL_INTERVAL_MS=100 start_daemon || cannot_run "daemon restarts after SIGKILL"
r=$(wait_tx "$KID")
printf '%s' "$r" > "$T_TMP/r"
check "after SIGKILL and a restart it is watched to CONFIRMED" \
    [ "$(json_get "$T_TMP/r" 'j["status"]')" = CONFIRMED ]
check "and the recipient was paid once" \
    [ "$(python3 -c "print($(bal "$ACC1") - $b0)")" = 999 ]

# "Nonce too low": another holder of the same key (an imported wallet)
# uses the nonce just before the daemon's transaction reaches the node;
# the daemon re-prepares, re-signs with the next nonce and confirms.
ACC2=0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC
req POST /v1/wallets/import "{\"name\":\"k1\",\"chain\":\"ethereum\",\"privateKey\":\"$ANVIL_KEY1\"}" >/dev/null
S1="Authorization: Bearer $(jget 'j["session"]["token"]')"
n0=$("$CAST" nonce --rpc-url "$ANVIL_URL" "$ACC1")
pre=$("$CAST" mktx --rpc-url "$ANVIL_URL" --private-key "$ANVIL_KEY1" \
    --nonce "$n0" "$ACC2" --value 1)
curl -s -X POST "$PROXY/__reset" >/dev/null
fault "{\"mode\":\"before\",\"call\":{\"method\":\"eth_sendRawTransaction\",\"params\":[\"$pre\"]},\"count\":1,\"methods\":[\"eth_sendRawTransaction\"]}"
b0=$(bal "$ACC2")
S0=$S; S=$S1
r=$(wait_tx "$(send "{\"network\":\"$NET\",\"to\":\"$ACC2\",\"amount\":\"4242\"}")")
S=$S0
printf '%s' "$r" > "$T_TMP/r"
check "nonce too low: re-signed with the next nonce and CONFIRMED" \
    sh -c "[ \"$(json_get "$T_TMP/r" 'j["status"]')\" = CONFIRMED ] && [ \"$(json_get "$T_TMP/r" 'j["nonce"]')\" = $((n0 + 1)) ]"
check "both transfers landed once" \
    [ "$(python3 -c "print($(bal "$ACC2") - $b0)")" = 4243 ]

# The same race while the other transaction is still in the node's pool:
# the node says "replacement transaction underpriced" (anvil and geth do
# when the pool holds another transaction with our nonce).  That too
# means: re-sign with the next free nonce.
curl -s -X POST "$PROXY/__reset" >/dev/null
fault '{"mode":"error","code":-32000,"message":"replacement transaction underpriced","count":1,"methods":["eth_sendRawTransaction"]}'
b0=$(bal "$ACC2")
l0=$(grep -c "nonce too low; re-signing" "$LOG")
r=$(wait_tx "$(send "{\"network\":\"$NET\",\"to\":\"$ACC2\",\"amount\":\"4244\"}")")
printf '%s' "$r" > "$T_TMP/r"
check "replacement underpriced: re-signed and CONFIRMED" \
    [ "$(json_get "$T_TMP/r" 'j["status"]')" = CONFIRMED ]
check "and paid once" \
    [ "$(python3 -c "print($(bal "$ACC2") - $b0)")" = 4244 ]
check "the daemon says it re-signed" \
    [ "$(grep -c "nonce too low; re-signing" "$LOG")" -gt "$l0" ]

# A nonce gap: the node refuses one transaction (nonce n) after the
# next one (n + 1) was already accepted; the daemon fills n with a
# transaction of nothing to the wallet itself, and n + 1 confirms.
curl -s -X POST "$PROXY/__reset" >/dev/null
fault '{"mode":"error","code":-32000,"message":"insufficient funds for gas * price + value","ms":1500,"count":1,"methods":["eth_sendRawTransaction"]}'
n0=$("$CAST" nonce --rpc-url "$ANVIL_URL" "$ADDR")
b0=$(bal "$ACC2")
A=$(send "{\"network\":\"$NET\",\"to\":\"$ACC2\",\"amount\":\"11\"}")
sleep 0.5
B=$(send "{\"network\":\"$NET\",\"to\":\"$ACC2\",\"amount\":\"22\"}")
ra=$(wait_tx "$A"); rb=$(wait_tx "$B")
printf '%s' "$ra" > "$T_TMP/ra"; printf '%s' "$rb" > "$T_TMP/rb"
check "the refused transaction ends FAILED (not sent)" \
    [ "$(json_get "$T_TMP/ra" 'j["status"]')" = FAILED ]
check "the next one, signed above the gap, still CONFIRMED" \
    sh -c "[ \"$(json_get "$T_TMP/rb" 'j["status"]')\" = CONFIRMED ] && [ \"$(json_get "$T_TMP/rb" 'j["nonce"]')\" = $((n0 + 1)) ]"
check "only it was paid, and the gap was filled on chain" \
    sh -c "[ $(python3 -c "print($(bal "$ACC2") - $b0)") = 22 ] && [ $("$CAST" nonce --rpc-url "$ANVIL_URL" "$ADDR") = $((n0 + 2)) ]"
grep -q "filling it with" "$LOG" && ok "the daemon says it filled nonce $n0" ||
    notok "the daemon says it filled nonce $n0"

# A node of another chain: the api checks the chain id before a
# network's first use (and every few minutes); a fresh daemon on the same
# data finds out at once.
kill -TERM "$DPID"; wait_gone "$DPID" 5000
WAIAAS_RPC_EVM_ETHEREUM_SEPOLIA=$PROXY WAIAAS_RPC_TIMEOUT_MS=1000 \
WAIAAS_RPC_RETRIES=1 WAIAAS_RPC_POLL_INTERVAL_MS=100 start_daemon || cannot_run "daemon restarts"
try "node of another chain" '{"mode":"wrongchain","chainId":"0x1"}' false
grep -q "chain id" "$T_TMP/r" && ok "the error names the chain id" ||
    notok "the error names the chain id ($(cat "$T_TMP/r"))"
check "no sanitizer reports after the restart" no_sanitizer_reports
