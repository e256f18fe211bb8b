#!/bin/sh
# What the owner is told: the events policyd queues in its outbox, each
# in the commit of the change it tells of, with the real daemon and
# anvil.  A confirmed and a failed transfer, session created, renewed
# and revoked, owner set, kill switch on and off, and bursts of auth
# failures (one event per burst, not one per failure).  Delivery is the
# relay's (t_relay).
. tests/integration/lib.sh

NET=ethereum-sepolia
ACC1=0x70997970C51812dc3A010C7d01b50e0d17dc79C8

start_anvil --chain-id 11155111
export WAIAAS_RPC_EVM_ETHEREUM_SEPOLIA=$ANVIL_URL WAIAAS_RPC_POLL_INTERVAL_MS=100
start_daemon || cannot_run "daemon starts"
DB=$DATA/data/waiaas.db

# events TYPE: the payloads of that type, one JSON per line, oldest first
events() {
	sqlite3 "$DB" "SELECT payload FROM outbox WHERE type = '$1' ORDER BY id"
}
nevents() { sqlite3 "$DB" "SELECT count(*) FROM outbox WHERE type = '$1'"; }
# has TYPE PYTHON-EXPR: the last event of TYPE satisfies the expression on j
has() {
	events "$1" | tail -1 > "$T_TMP/ev"
	[ -s "$T_TMP/ev" ] && json_get "$T_TMP/ev" "$2" | grep -qx True
}

req POST /v1/wallets '{"name":"e","chain":"ethereum","environment":"testnet"}' >/dev/null
W=$(jget 'j["id"]')
ADDR=$(jget 'j["publicKey"]')
SID=$(jget 'j["session"]["id"]')
S="Authorization: Bearer $(jget 'j["session"]["token"]')"
check "wallet creation with a session: SESSION_CREATED" \
    has SESSION_CREATED "j['target'] == '$SID' and j['actor'] == 'operator'"
"$CAST" send -q --rpc-url "$ANVIL_URL" --private-key "$ANVIL_KEY0" "$ADDR" \
    --value 1ether >/dev/null
req POST /v1/policies '{"type":"SPENDING_LIMIT","rules":{"instant_max":"100","notify_max":"10000000000000000000"}}' >/dev/null

# INSTANT is the tier the owner is not told of: nothing, not even its end.
ID=$(send "{\"network\":\"$NET\",\"to\":\"$ACC1\",\"amount\":\"50\"}")
wait_tx "$ID" >/dev/null
check "an INSTANT transfer confirms and queues no event at all" \
    [ "$(sqlite3 "$DB" "SELECT count(*) FROM outbox WHERE payload LIKE '%$ID%'")" = 0 ]

ID=$(send "{\"network\":\"$NET\",\"to\":\"$ACC1\",\"amount\":\"12345\"}")
r=$(wait_tx "$ID")
printf '%s' "$r" > "$T_TMP/r"
HASH=$(json_get "$T_TMP/r" 'j["txHash"]')
check "a NOTIFY transfer: TX_NOTIFY, then TX_CONFIRMED with what it was and its hash" \
    sh -c "[ $(nevents TX_NOTIFY) = 1 ] && $(has TX_CONFIRMED "j['txId'] == '$ID' and j['walletId'] == '$W' and j['amount'] == '12345' and j['to'] == '$ACC1' and j['txHash'] == '$HASH' and j['network'] == '$NET' and j['tier'] == 'NOTIFY' and j['event'] == 'TX_CONFIRMED'" && echo true || echo false)"

# More than the wallet holds: the node refuses it.
ID=$(send "{\"network\":\"$NET\",\"to\":\"$ACC1\",\"amount\":\"5000000000000000000\"}")
wait_tx "$ID" >/dev/null
check "a failed transfer: TX_FAILED with the code and the node's reason" \
    has TX_FAILED "j['txId'] == '$ID' and j['code'] == 'CHAIN_ERROR' and len(j['error']) > 0 and j['amount'] == '5000000000000000000'"

req PUT "/v1/sessions/$SID/renew" "" "$S" >/dev/null
S="Authorization: Bearer $(jget 'j["token"]')"
check "a renewal: SESSION_RENEWED" \
    has SESSION_RENEWED "j['target'] == '$SID' and j['expiresAt'] > 0"

OWNER=0x90F79bf6EB2c4f870365E785982E1f101E93b906
req PUT "/v1/wallets/$W/owner" "{\"owner_address\":\"$OWNER\"}" >/dev/null
check "an owner set: OWNER_SET" has OWNER_SET "j['target'] == '$W'"

# Auth failures: one event for a burst of five, none for the next ten.
i=0
while [ $i -lt 15 ]; do
	req GET /v1/wallet/address "" "Authorization: Bearer wai_sess_x.y.z" >/dev/null
	i=$((i + 1))
done
check "15 bad tokens: one AUTH_FAILURES (session), not 15" \
    sh -c "[ $(nevents AUTH_FAILURES) = 1 ] && sqlite3 '$DB' \"SELECT payload FROM outbox WHERE type = 'AUTH_FAILURES'\" | grep -q '\"kind\":\"session_failed\"'"
check "while every failure is audited" \
    [ "$(sqlite3 "$DB" "SELECT count(*) FROM audit_log WHERE event = 'auth.session_failed'")" -ge 15 ]
# A spray: past 20 entries of a kind in 10 s, the rest is counted and
# written as one auth.failures_suppressed when the window ends.
i=0
while [ $i -lt 45 ]; do
	req GET /v1/wallet/address "" "Authorization: Bearer wai_sess_x.y.z" >/dev/null
	i=$((i + 1))
done
audited() {	# individual entries + the suppressed counts = all 60
	[ "$(sqlite3 "$DB" "SELECT (SELECT count(*) FROM audit_log WHERE event = 'auth.session_failed') + (SELECT coalesce(sum(json_extract(details, '$.count')), 0) FROM audit_log WHERE event = 'auth.failures_suppressed' AND json_extract(details, '$.kind') = 'session_failed')")" = 60 ]
}
n=0
while [ $n -lt 250 ] && ! audited; do sleep 0.1; n=$((n + 1)); done
check "60 bad tokens: each audited or counted in auth.failures_suppressed" audited
check "and fewer than 60 entries written" \
    [ "$(sqlite3 "$DB" "SELECT count(*) FROM audit_log WHERE event = 'auth.session_failed'")" -lt 60 ]
check "still one AUTH_FAILURES for the owner" [ "$(nevents AUTH_FAILURES)" = 1 ]
i=0
while [ $i -lt 5 ]; do
	req GET /v1/wallets "" "X-Master-Password: wrong-$i" >/dev/null
	i=$((i + 1))
done
check "five wrong master passwords: an AUTH_FAILURES of their own kind" \
    has AUTH_FAILURES "j['kind'] == 'master_failed' and j['count'] == 5"

req POST /v1/admin/kill-switch >/dev/null
check "kill switch: KILL_SWITCH_ACTIVATED with what it did" \
    has KILL_SWITCH_ACTIVATED "j['actor'] == 'master' and j['sessionsRevoked'] >= 1"
req POST /v1/admin/recover >/dev/null
check "recovery: KILL_SWITCH_RECOVERED" has KILL_SWITCH_RECOVERED "True"
req POST /v1/sessions "{\"walletIds\":[\"$W\"]}" >/dev/null
SID2=$(jget 'j["id"]')
req DELETE "/v1/sessions/$SID2" >/dev/null
check "a session revoked by the operator: SESSION_REVOKED" \
    has SESSION_REVOKED "j['target'] == '$SID2'"
check "event ids are unique, every payload names its event" \
    sh -c "[ $(sqlite3 "$DB" "SELECT count(DISTINCT event_id) = count(*) AND sum(json_extract(payload, '$.event') = type) = count(*) FROM outbox") = 1 ]"
check "nothing secret in any event (no token, no password)" \
    sh -c "! sqlite3 '$DB' 'SELECT payload FROM outbox' | grep -q -e wai_sess_ -e wrong- -e \"$WAIAAS_MASTER_PASSWORD\""
check "no sanitizer reports" no_sanitizer_reports
