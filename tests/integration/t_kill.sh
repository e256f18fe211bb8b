#!/bin/sh
# The operator's kill switch with the real daemon and anvil: it revokes
# every session, refuses new ones (and new wallets and sends), stops a
# transaction that is being prepared before anything is signed or
# broadcast, holds across a restart, and only the operator's recover
# lifts it.
. tests/integration/lib.sh

NET=ethereum-sepolia
ACC1=0x70997970C51812dc3A010C7d01b50e0d17dc79C8
bal() { "$CAST" balance --rpc-url "$ANVIL_URL" "$1"; }

start_anvil --chain-id 11155111 || { notok "anvil starts"; exit 0; }
start_proxy "$ANVIL_URL"
export WAIAAS_RPC_EVM_ETHEREUM_SEPOLIA=$PROXY WAIAAS_RPC_POLL_INTERVAL_MS=100
start_daemon || { notok "daemon starts"; exit 0; }

req POST /v1/wallets '{"name":"k","chain":"ethereum","environment":"testnet"}' >/dev/null
W=$(jget 'j["id"]')
ADDR=$(jget 'j["publicKey"]')
S="Authorization: Bearer $(jget 'j["session"]["token"]')"
"$CAST" send -q --rpc-url "$ANVIL_URL" --private-key "$ANVIL_KEY0" "$ADDR" \
    --value 1ether >/dev/null
req POST /v1/policies '{"type":"SPENDING_LIMIT","rules":{"instant_max":"1000000"}}' >/dev/null
r=$(wait_tx "$(send "{\"network\":\"$NET\",\"to\":\"$ACC1\",\"amount\":\"1\"}")")
check "before: a send confirms" \
    sh -c "printf '%s' '$r' | grep -q CONFIRMED"

# A send held in preparation (the node is slow to estimate) when the
# switch goes on: it ends CANCELLED and nothing reaches the chain.
curl -s -X POST "$PROXY/__reset" >/dev/null
curl -s -X POST --data-binary '{"mode":"slow","ms":1500,"count":1,"methods":["eth_estimateGas"]}' \
    "$PROXY/__fault" >/dev/null
b0=$(bal "$ACC1")
HELD=$(send "{\"network\":\"$NET\",\"to\":\"$ACC1\",\"amount\":\"2\"}")
sleep 0.3
code=$(req POST /v1/admin/kill-switch)
check "POST /v1/admin/kill-switch (master): 200, active, sessions revoked" \
    sh -c "[ $code = 200 ] && [ \"$(jget 'j["active"]')\" = True ] && [ \"$(jget 'j["sessionsRevoked"] >= 1')\" = True ]"
sleep 2
code=$(req GET "/v1/transactions/$HELD" "" "$S")
check "the agent's session is revoked at once (401)" [ "$code" = 401 ]
check "the transaction in preparation ends CANCELLED, KILL_SWITCH_ACTIVE" \
    sh -c "sqlite3 '$DATA/data/waiaas.db' \"SELECT status || ' ' || error_code FROM transactions WHERE id = '$HELD'\" | grep -qx 'CANCELLED KILL_SWITCH_ACTIVE'"
check "and nothing of it was broadcast" \
    sh -c "[ \"$(curl -s "$PROXY/__stats" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["broadcasts"]))')\" = 0 ] && [ $(bal "$ACC1") = $b0 ]"
code=$(req POST /v1/sessions "{\"walletIds\":[\"$W\"]}")
check "no new session while it is on (503 KILL_SWITCH_ACTIVE)" \
    sh -c "[ $code = 503 ] && grep -q KILL_SWITCH_ACTIVE $T_TMP/body"
code=$(req POST /v1/wallets '{"name":"k2","chain":"ethereum","environment":"testnet"}')
check "no new wallet while it is on" \
    sh -c "[ $code = 503 ] && grep -q KILL_SWITCH_ACTIVE $T_TMP/body"
code=$(req POST /v1/admin/kill-switch "" "X-Master-Password: wrong")
check "the switch needs the master password" [ "$code" = 401 ]

kill -TERM "$DPID"; wait_gone "$DPID" 5000
start_daemon || { notok "daemon restarts"; exit 0; }
code=$(req POST /v1/sessions "{\"walletIds\":[\"$W\"]}")
check "it holds across a restart" [ "$code" = 503 ]
check "and the daemon says so at start" wait_log 'kill switch is active'

code=$(req POST /v1/admin/recover)
check "POST /v1/admin/recover: 200, inactive" \
    sh -c "[ $code = 200 ] && [ \"$(jget 'j["active"]')\" = False ]"
req POST /v1/sessions "{\"walletIds\":[\"$W\"]}" >/dev/null
S="Authorization: Bearer $(jget 'j["token"]')"
r=$(wait_tx "$(send "{\"network\":\"$NET\",\"to\":\"$ACC1\",\"amount\":\"3\"}")")
check "after recovery a new session sends and confirms" \
    sh -c "printf '%s' '$r' | grep -q CONFIRMED"
# The fund owner can pull the switch too (ownerAuth: a signature over a
# single-use nonce bound to this action and wallet); a replay cannot.
OWNER_KEY=0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d
req PUT "/v1/wallets/$W/owner" "{\"owner_address\":\"$ACC1\"}" >/dev/null
http_code "http://127.0.0.1:$PORT/v1/nonce?action=owner.kill-switch&target=$W" >/dev/null
out=$(node tests/integration/sign_owner.js "{\"domain\": \"127.0.0.1:$PORT\",
    \"chain\": \"evm\", \"key\": \"$OWNER_KEY\", \"nonce\": \"$(jget 'j["nonce"]')\",
    \"resources\": [\"urn:waiaas:action:owner.kill-switch:$W\"]}")
owner_kill() {
	http_code -X POST -H "X-Owner-Address: $(echo "$out" | sed -n 1p)" \
	    -H "X-Owner-Message: $(echo "$out" | sed -n 2p)" \
	    -H "X-Owner-Signature: $(echo "$out" | sed -n 3p)" \
	    "http://127.0.0.1:$PORT/v1/owner/kill-switch?walletId=$W"
}
code=$(owner_kill)
check "POST /v1/owner/kill-switch with the owner's signature: 200, active" \
    sh -c "[ $code = 200 ] && [ \"$(jget 'j["active"]')\" = True ]"
code=$(req GET "/v1/transactions/$HELD" "" "$S")
check "the owner's switch revokes the new session too" [ "$code" = 401 ]
req POST /v1/admin/recover >/dev/null
code=$(owner_kill)
check "the same signed message again: refused (nonce spent)" \
    sh -c "[ $code = 401 ] && grep -q INVALID_NONCE $T_TMP/body"
code=$(req POST /v1/sessions "{\"walletIds\":[\"$W\"]}")
check "and the daemon stays recovered" [ "$code" = 201 ]

code=$(req GET "/v1/audit-logs?limit=100")
check "activation and recovery are in the audit trail" \
    sh -c "grep -q KILL_SWITCH_ACTIVATED $T_TMP/body && grep -q KILL_SWITCH_RECOVERED $T_TMP/body"
check "no sanitizer reports" no_sanitizer_reports
