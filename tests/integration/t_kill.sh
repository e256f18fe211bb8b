#!/bin/sh
# The kill switch with the real daemon and anvil: it revokes every
# session, refuses new ones (and new wallets and sends), cancels every
# transaction not yet signed in its own commit and counts exactly those
# (40 in preparation behind a slow node: 40, and none of them is signed
# when the node answers, even after a recovery), lets the signed ones
# go on, holds across a restart, and is lifted by a recovery.  An
# owner's switch is held for the owner: the master alone is refused
# (the owner told) until security.owner_kill_recover_delay has passed,
# or recovers at once with the owner's signature (dual auth).  A
# terminated wallet's waiting and in-flight transactions end CANCELLED
# at once.
. tests/integration/lib.sh

NET=ethereum-sepolia
ACC1=0x70997970C51812dc3A010C7d01b50e0d17dc79C8
OWNER_KEY=0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d
OTHER_KEY=0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a
R40=0x4000000000000000000000000000000000000040
bal() { "$CAST" balance --rpc-url "$ANVIL_URL" "$1"; }
db() { sqlite3 "$DATA/data/waiaas.db" "PRAGMA busy_timeout=3000; $1" | tail -1; }
fault() { curl -s -X POST --data-binary "$1" "$PROXY/__fault" >/dev/null; }
broadcasts() {
	curl -s "$PROXY/__stats" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["broadcasts"]))'
}
# wait_db SQL VALUE SECONDS: until the query answers VALUE
wait_db() {
	n=0
	while [ $n -lt $(($3 * 10)) ]; do
		[ "$(db "$1")" = "$2" ] && return 0
		sleep 0.1
		n=$((n + 1))
	done
	return 1
}
# sends N AMOUNT TO: N sends at once from N threads (session $S); prints
# the ids of the 201s, one a line.
sends() {
	python3 - "$PORT" "${S#Authorization: }" "$1" "$2" "$3" "$NET" <<'EOF'
import http.client, json, sys, threading
port, auth, n, amount, to, net = sys.argv[1:]
ids, lock = [], threading.Lock()
def one():
    c = http.client.HTTPConnection("127.0.0.1", int(port), timeout=30)
    c.request("POST", "/v1/transactions/send", json.dumps(
        {"network": net, "to": to, "amount": amount}),
        {"Authorization": auth, "Content-Type": "application/json"})
    r = c.getresponse()
    j = json.loads(r.read())
    if r.status == 201:
        with lock:
            ids.append(j["id"])
ts = [threading.Thread(target=one) for _ in range(int(n))]
[t.start() for t in ts]
[t.join() for t in ts]
print("\n".join(ids))
EOF
}
# owner_sign ACTION TARGET [KEY]: a fresh nonce for ACTION:TARGET signed
# by the owner (or KEY); sets OA, OM (base64), OS.
owner_sign() {
	http_code "http://127.0.0.1:$PORT/v1/nonce?action=$1&target=$2" >/dev/null
	out=$(node_bin tests/integration/sign_owner.js "{\"domain\": \"127.0.0.1:$PORT\",
	    \"chain\": \"evm\", \"key\": \"${3:-$OWNER_KEY}\", \"nonce\": \"$(jget 'j["nonce"]')\",
	    \"resources\": [\"urn:waiaas:action:$1:$2\"]}")
	OA=$(echo "$out" | sed -n 1p)
	OM=$(echo "$out" | sed -n 2p)
	OS=$(echo "$out" | sed -n 3p)
}
owner_kill() {	# POST /v1/owner/kill-switch with OA, OM, OS
	http_code -X POST -H "X-Owner-Address: $OA" -H "X-Owner-Message: $OM" \
	    -H "X-Owner-Signature: $OS" \
	    "http://127.0.0.1:$PORT/v1/owner/kill-switch?walletId=$W"
}
# recover_body [raw]: the dual-auth body from OA, OM, OS (the message as
# text with "raw", else its base64 as in the header)
recover_body() {
	python3 -c 'import base64, json, sys
a, m, s, raw = sys.argv[1:]
print(json.dumps({"ownerAddress": a, "message": base64.b64decode(m).decode()
    if raw else m, "ownerSignature": s, "chain": "ethereum"}))' \
	    "$OA" "$OM" "$OS" "${1:-}"
}
# in_flight_ended N SECONDS [ID]: until the log says N times that a
# transaction (ID) ended while in flight: policyd got the node's answer
# for it, found it cancelled, and signed nothing.
in_flight_ended() {
	n=0
	while [ $n -lt $(($2 * 10)) ]; do
		[ "$(grep -c "transaction ${3:-.*} ended while in flight" \
		    "$LOG")" -ge "$1" ] && return 0
		sleep 0.1
		n=$((n + 1))
	done
	return 1
}
is_on() { [ "$(req POST /v1/sessions "{\"walletIds\":[\"$W\"]}")" = 409 ]; }

start_anvil --chain-id 11155111
start_proxy "$ANVIL_URL"
export WAIAAS_RPC_EVM_ETHEREUM_SEPOLIA=$PROXY WAIAAS_RPC_POLL_INTERVAL_MS=100
start_daemon || cannot_run "daemon starts"

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

# The count is true.  Three sends are signed and wait on a slow
# broadcast; 40 more wait on a slow gas estimate.  The switch cancels
# exactly the 40 in its commit and says 40; the operator recovers at
# once, and when the node answers none of the 40 is signed or changed.
curl -s -X POST "$PROXY/__reset" >/dev/null
fault '{"mode":"slow","ms":5000,"methods":["eth_sendRawTransaction"]}'
b1=$(bal "$ACC1")
SIGNED=$(sends 3 7 "$ACC1")
check "three sends signed, their broadcast slow" \
    wait_db "SELECT count(*) FROM transactions WHERE status = 'SIGNED'" 3 10
fault '[{"mode":"slow","ms":5000,"methods":["eth_sendRawTransaction"]},
    {"mode":"slow","ms":6000,"methods":["eth_estimateGas"]}]'
FLIGHT=$(sends 40 5 "$R40")
check "40 more sends accepted at once (201), in preparation" \
    [ "$(echo "$FLIGHT" | grep -c .)" = 40 ]
code=$(req POST /v1/admin/kill-switch)
cp "$T_TMP/body" "$T_TMP/kill"
N=$(jget 'j["transactionsCancelled"]')
check "the switch (master): 200, transactionsCancelled 40 ($code, $N)" \
    [ "$code $N" = "200 40" ]
check "... exactly the rows it CANCELLED, KILL_SWITCH_ACTIVE, in its commit" \
    [ "$(db "SELECT count(*) FROM transactions WHERE status = 'CANCELLED' AND error_code = 'KILL_SWITCH_ACTIVE'")" = "$N" ]
check "... each audited as TX_CANCELLED" \
    [ "$(db "SELECT count(*) FROM audit_log WHERE event = 'TX_CANCELLED' AND details LIKE '%KILL_SWITCH_ACTIVE%'")" = "$N" ]
check "... and the signed three are not among them" \
    [ "$(db "SELECT count(*) FROM transactions WHERE status IN ('SIGNED', 'SUBMITTED', 'CONFIRMED') AND to_address = '$ACC1' AND amount = '7'")" = 3 ]
code=$(req POST /v1/admin/recover)
check "the operator recovers at once, before the node answers ($code)" \
    [ "$code $(jget 'j["recoveredBy"]')" = "200 master" ]
fault '[]'	# from here, what is sent goes out at once
# The node answers the 40 estimates (6 s after each was asked).
in_flight_ended 40 30
check "when the node answers, the 40 stay CANCELLED, unsigned" \
    [ "$(db "SELECT count(*) FROM transactions WHERE to_address = '$R40' AND status = 'CANCELLED' AND raw IS NULL AND nonce IS NULL AND tx_hash IS NULL")" = 40 ]
check "... the pipeline dropped them without a word in the database" \
    [ "$(db "SELECT count(*) FROM audit_log WHERE event = 'TX_CANCELLED'")" = "$N" ]
check "the signed three went on and confirmed" \
    wait_db "SELECT count(*) FROM transactions WHERE status = 'CONFIRMED' AND to_address = '$ACC1' AND amount = '7'" 3 20
check "only they were broadcast: 3 broadcasts, +21 wei, nothing to the 40's recipient" \
    [ "$(broadcasts) $(python3 -c "print($(bal "$ACC1") - $b1)") $(bal "$R40")" = "3 21 0" ]
curl -s -X POST "$PROXY/__reset" >/dev/null

req POST /v1/sessions "{\"walletIds\":[\"$W\"]}" >/dev/null
S="Authorization: Bearer $(jget 'j["token"]')"

# A send held in preparation (the node is slow to estimate) when the
# switch goes on and stays on: it ends CANCELLED and nothing reaches
# the chain.
# (4 s: long enough that a loaded machine still pulls the switch first.)
fault '{"mode":"slow","ms":4000,"count":1,"methods":["eth_estimateGas"]}'
b0=$(bal "$ACC1")
code=$(req GET /v1/admin/kill-switch)
check "GET /v1/admin/kill-switch while off: 200 ACTIVE, activatedAt and activatedBy null ($code)" \
    [ "$code $(jget '[j["state"], j["activatedAt"], j["activatedBy"]]')" = "200 ['ACTIVE', None, None]" ]
code=$(req GET /v1/admin/kill-switch "" "X-Master-Password: wrong")
check "... it needs the master password ($code)" [ "$code" = 401 ]
HELD=$(send "{\"network\":\"$NET\",\"to\":\"$ACC1\",\"amount\":\"2\"}")
sleep 0.3
code=$(req POST /v1/admin/kill-switch)
check "POST /v1/admin/kill-switch (master): 200, active, sessions revoked, 1 cancelled" \
    sh -c "[ $code = 200 ] && [ \"$(jget 'j["active"], j["sessionsRevoked"] >= 1, j["transactionsCancelled"], j["activatedBy"]')\" = 'True True 1 master' ]"
check "... with the reference's state SUSPENDED" [ "$(jget 'j["state"]')" = SUSPENDED ]
AT=$(jget 'j["activatedAt"]')
code=$(req GET /v1/admin/kill-switch)
check "GET /v1/admin/kill-switch while on: SUSPENDED, when and by whom it was pulled ($code)" \
    [ "$code $(jget '[j["state"], j["activatedAt"], j["activatedBy"]]')" = "200 ['SUSPENDED', $AT, 'master']" ]
in_flight_ended 1 20 "$HELD"	# the node has answered the estimate
code=$(req GET "/v1/transactions/$HELD" "" "$S")
check "the agent's session is revoked at once (401)" [ "$code" = 401 ]
check "the transaction in preparation ends CANCELLED, KILL_SWITCH_ACTIVE" \
    [ "$(db "SELECT status || ' ' || error_code FROM transactions WHERE id = '$HELD'")" = 'CANCELLED KILL_SWITCH_ACTIVE' ]
check "and nothing of it was broadcast" \
    sh -c "[ \"$(broadcasts)\" = 0 ] && [ $(bal "$ACC1") = $b0 ]"
code=$(req POST /v1/sessions "{\"walletIds\":[\"$W\"]}")
check "no new session while it is on (409 KILL_SWITCH_ACTIVE, the reference's status, not retryable)" \
    sh -c "[ $code = 409 ] && grep -q KILL_SWITCH_ACTIVE $T_TMP/body && [ \"$(jget 'j["retryable"]')\" = False ]"
code=$(req POST /v1/wallets '{"name":"k2","chain":"ethereum","environment":"testnet"}')
check "no new wallet while it is on" \
    sh -c "[ $code = 409 ] && grep -q KILL_SWITCH_ACTIVE $T_TMP/body"
code=$(req POST /v1/admin/kill-switch "" "X-Master-Password: wrong")
check "the switch needs the master password" [ "$code" = 401 ]

kill -TERM "$DPID"; wait_gone "$DPID" 5000
start_daemon || cannot_run "daemon restarts"
code=$(req POST /v1/sessions "{\"walletIds\":[\"$W\"]}")
check "it holds across a restart" [ "$code" = 409 ]
check "and the daemon says so at start" wait_log 'kill switch is active'

code=$(req POST /v1/admin/recover)
check "the operator's switch: the master alone recovers, 200, inactive" \
    sh -c "[ $code = 200 ] && [ \"$(jget 'j["active"], j["state"]')\" = 'False ACTIVE' ]"
code=$(req GET /v1/admin/kill-switch)
check "GET /v1/admin/kill-switch after recovery: ACTIVE again ($code)" \
    [ "$code $(jget '[j["state"], j["activatedAt"]]')" = "200 ['ACTIVE', None]" ]
req POST /v1/sessions "{\"walletIds\":[\"$W\"]}" >/dev/null
S="Authorization: Bearer $(jget 'j["token"]')"
r=$(wait_tx "$(send "{\"network\":\"$NET\",\"to\":\"$ACC1\",\"amount\":\"3\"}")")
check "after recovery a new session sends and confirms" \
    sh -c "printf '%s' '$r' | grep -q CONFIRMED"

# The fund owner can pull the switch too (ownerAuth: a signature over a
# single-use nonce bound to this action and wallet); a replay cannot.
# The owner's switch is the owner's to lift: the master alone is held
# off for security.owner_kill_recover_delay (a day by default).
req PUT "/v1/wallets/$W/owner" "{\"owner_address\":\"$ACC1\"}" >/dev/null
owner_sign owner.kill-switch "$W"
code=$(owner_kill)
check "POST /v1/owner/kill-switch with the owner's signature: 200, active, by the owner" \
    [ "$code $(jget 'j["active"], j["activatedBy"]')" = "200 True owner:$W" ]
code=$(req GET "/v1/transactions/$HELD" "" "$S")
check "the owner's switch revokes the new session too" [ "$code" = 401 ]
code=$(owner_kill)
check "the same signed message again: refused (nonce spent)" \
    sh -c "[ $code = 401 ] && grep -q INVALID_NONCE $T_TMP/body"
ob0=$(db "SELECT count(*) FROM outbox WHERE type = 'KILL_SWITCH_RECOVERY_HELD'")
code=$(curl -s -D "$T_TMP/hdr" -o "$T_TMP/body" -w '%{http_code}' -X POST \
    -H "X-Master-Password: $WAIAAS_MASTER_PASSWORD" \
    "http://127.0.0.1:$PORT/v1/admin/recover")
check "the master alone: 409 KILL_SWITCH_OWNER_HOLD, retryable ($code)" \
    [ "$code $(jget 'j["code"], j["retryable"]')" = "409 KILL_SWITCH_OWNER_HOLD True" ]
check "... naming who pulled it" grep -q "owner:$W" "$T_TMP/body"
check "... with Retry-After: the time left of a day" \
    sh -c "grep -i '^retry-after:' '$T_TMP/hdr' | tr -dc 0-9 | awk '{ exit !(\$1 > 86000 && \$1 <= 86400) }'"
check "the owner is told at once (KILL_SWITCH_RECOVERY_HELD in the outbox)" \
    [ "$(db "SELECT count(*) FROM outbox WHERE type = 'KILL_SWITCH_RECOVERY_HELD' AND payload LIKE '%$W%'")" = $((ob0 + 1)) ]
check "and the switch is still on" is_on
code=$(req PUT "/v1/wallets/$W/owner" '{"owner_address":"0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"}')
check "the operator cannot swap in an owner of their own meanwhile (409)" \
    [ "$code $(jget 'j["code"]')" = "409 KILL_SWITCH_OWNER_HOLD" ]
req POST /v1/admin/kill-switch >/dev/null
code=$(req POST /v1/admin/recover)
check "the master pulling it again does not take the owner's hold ($code)" \
    [ "$code $(jget 'j["code"]')" = "409 KILL_SWITCH_OWNER_HOLD" ]

# Dual auth: the master password and the owner's signature over a nonce
# for owner.recover:<wallet>.
owner_sign owner.recover "$W" "$OTHER_KEY"
code=$(req POST /v1/admin/recover "$(recover_body raw)")
check "dual auth signed by another key: 401 INVALID_SIGNATURE ($code)" \
    [ "$code $(jget 'j["code"]')" = "401 INVALID_SIGNATURE" ]
owner_sign owner.kill-switch "$W"
code=$(req POST /v1/admin/recover "$(recover_body raw)")
check "dual auth over a nonce for another action: 401 ($code)" [ "$code" = 401 ]
owner_sign owner.recover "$W"
code=$(req POST /v1/admin/recover "$(recover_body raw)" "X-Master-Password: wrong")
check "the owner's signature without the master password: 401 ($code)" \
    [ "$code $(jget 'j["code"]')" = "401 INVALID_MASTER_PASSWORD" ]
code=$(req POST /v1/admin/recover "{\"ownerAddress\":\"$OA\",\"message\":\"x\"}")
check "a body without ownerSignature: 400 naming it ($code)" \
    [ "$code $(jget 'j["details"]["issues"][0]["path"][0]')" = "400 ownerSignature" ]
check "after every refusal the switch is still on" is_on
GOOD=$(recover_body raw)
code=$(req POST /v1/admin/recover "$GOOD")
check "dual auth (master + the owner's signed message): 200, recovered ($code)" \
    [ "$code $(jget 'j["active"], j["recoveredBy"]')" = "200 False master+owner:$ACC1" ]
check "the owner is told of the recovery (KILL_SWITCH_RECOVERED, dual)" \
    [ "$(db "SELECT count(*) FROM outbox WHERE type = 'KILL_SWITCH_RECOVERED' AND payload LIKE '%master+owner:%'")" = 1 ]
owner_sign owner.kill-switch "$W"
owner_kill >/dev/null
code=$(req POST /v1/admin/recover "$GOOD")
check "the same dual-auth body again: 401 INVALID_NONCE ($code)" \
    [ "$code $(jget 'j["code"]')" = "401 INVALID_NONCE" ]
owner_sign owner.recover "$W"
code=$(req POST /v1/admin/recover "$(recover_body)")
check "dual auth with the message in base64 (as in X-Owner-Message): 200 ($code)" \
    [ "$code $(jget 'j["active"]')" = "200 False" ]

# With a short hold the master alone recovers once it is over.
kill -TERM "$DPID"; wait_gone "$DPID" 5000
WAIAAS_SECURITY_OWNER_KILL_RECOVER_DELAY=3 start_daemon || cannot_run "daemon restarts"
owner_sign owner.kill-switch "$W"
code=$(owner_kill)
code=$(curl -s -D "$T_TMP/hdr" -o "$T_TMP/body" -w '%{http_code}' -X POST \
    -H "X-Master-Password: $WAIAAS_MASTER_PASSWORD" \
    "http://127.0.0.1:$PORT/v1/admin/recover")
check "owner_kill_recover_delay=3: at once the master alone is held (409, Retry-After <= 3)" \
    sh -c "[ $code = 409 ] && grep -i '^retry-after:' '$T_TMP/hdr' | tr -dc 0-9 | awk '{ exit !(\$1 >= 1 && \$1 <= 3) }'"
sleep 3.2
code=$(req POST /v1/admin/recover)
check "... and recovers after it ($code)" \
    [ "$code $(jget 'j["active"], j["recoveredBy"]')" = "200 False master" ]
check "each held attempt was told to the owner, and each recovery" \
    [ "$(db "SELECT (SELECT count(*) FROM outbox WHERE type = 'KILL_SWITCH_RECOVERY_HELD') || ' ' || (SELECT count(*) FROM outbox WHERE type = 'KILL_SWITCH_RECOVERED')")" = "3 5" ]
req POST /v1/sessions "{\"walletIds\":[\"$W\"]}" >/dev/null
S="Authorization: Bearer $(jget 'j["token"]')"

# Terminating a wallet cancels what it had waiting (DELAY, APPROVAL) and
# in flight, at once, in the termination's commit.
req POST /v1/wallets '{"name":"t","chain":"ethereum","environment":"testnet"}' >/dev/null
W2=$(jget 'j["id"]')
S2="Authorization: Bearer $(jget 'j["session"]["token"]')"
"$CAST" send -q --rpc-url "$ANVIL_URL" --private-key "$ANVIL_KEY0" \
    "$(jget 'j["publicKey"]')" --value 1ether >/dev/null
req PUT "/v1/wallets/$W2/owner" "{\"owner_address\":\"$ACC1\"}" >/dev/null
req POST /v1/policies "{\"walletId\":\"$W2\",\"type\":\"SPENDING_LIMIT\",\"rules\":{\"instant_max\":\"10\",\"notify_max\":\"20\",\"delay_max\":\"1000\",\"delay_seconds\":3600}}" >/dev/null
SS=$S; S=$S2
curl -s -X POST "$PROXY/__reset" >/dev/null
D=$(send "{\"network\":\"$NET\",\"to\":\"$R40\",\"amount\":\"500\"}")
A=$(send "{\"network\":\"$NET\",\"to\":\"$R40\",\"amount\":\"5000\"}")
fault '{"mode":"slow","ms":3000,"methods":["eth_estimateGas"]}'
F=$(send "{\"network\":\"$NET\",\"to\":\"$R40\",\"amount\":\"5\"}")
S=$SS
check "a DELAY and an APPROVAL wait, one more is in preparation" \
    [ "$(db "SELECT group_concat(status || ' ' || tier, ',') FROM (SELECT status, tier FROM transactions WHERE id IN ('$D', '$A', '$F') ORDER BY created_at)")" = "QUEUED DELAY,QUEUED APPROVAL,PENDING INSTANT" ]
code=$(req DELETE "/v1/wallets/$W2")
check "DELETE /v1/wallets/{id}: 200 TERMINATED ($code)" \
    [ "$code $(jget 'j["status"]')" = "200 TERMINATED" ]
check "all three are CANCELLED at once, WALLET_TERMINATED, saying why" \
    [ "$(db "SELECT count(*) FROM transactions WHERE id IN ('$D', '$A', '$F') AND status = 'CANCELLED' AND error_code = 'WALLET_TERMINATED' AND error LIKE '%wallet was terminated%'")" = 3 ]
check "... each audited, and the termination counts them" \
    [ "$(db "SELECT (SELECT count(*) FROM audit_log WHERE event = 'TX_CANCELLED' AND target IN ('$D', '$A', '$F') AND actor = 'operator') || ' ' || (SELECT json_extract(details, '\$.transactionsCancelled') FROM audit_log WHERE event = 'wallet.terminated' AND target = '$W2')")" = "3 3" ]
in_flight_ended 1 20 "$F"	# the node has answered the estimate
check "the one in preparation is not signed when the node answers" \
    [ "$(db "SELECT status || ' ' || (raw IS NULL) FROM transactions WHERE id = '$F'")" = "CANCELLED 1" ]
check "nothing reached the chain" \
    sh -c "[ \"$(broadcasts)\" = 0 ] && [ \"$(bal "$R40")\" = 0 ]"
curl -s -X POST "$PROXY/__reset" >/dev/null

code=$(req GET "/v1/audit-logs?limit=100")
check "activation and recovery are in the audit trail" \
    sh -c "grep -q KILL_SWITCH_ACTIVATED $T_TMP/body && grep -q KILL_SWITCH_RECOVERED $T_TMP/body"
code=$(req GET /v1/audit-logs/verify)
check "the audit chain verifies ($code)" \
    [ "$code $(jget 'j["valid"]')" = "200 True" ]
check "no sanitizer reports" no_sanitizer_reports
