#!/bin/sh
# The SPENDING_LIMIT tiers end to end with the real daemon and anvil:
# INSTANT and NOTIFY confirm at once (NOTIFY tells the owner through the
# outbox); DELAY confirms after its delay and not before, and a cancelled
# one never reaches the chain; APPROVAL confirms only after the owner
# signs its intent, and a rejected, expired or wrongly signed one never
# does.  The whole tree is SIGKILLed while DELAY and APPROVAL wait: after
# the restart they end the same way.  A second daemon checks the kill
# switch while transactions wait: none of them is broadcast.
. tests/integration/lib.sh

NET=ethereum-sepolia
OWNER=0x70997970C51812dc3A010C7d01b50e0d17dc79C8
OWNER_KEY=0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d
# One recipient per transaction: its balance says whether it ran.
R() { printf '0x5%039d' "$1"; }
bal() { "$CAST" balance --rpc-url "$ANVIL_URL" "$1"; }
field() { req GET "/v1/transactions/$1" "" "$S" >/dev/null; jget "j.get('$2')"; }
status() { field "$1" status; }
send_to() {	# send_to N AMOUNT: a transfer to R(N); prints the id
	send "{\"network\":\"$NET\",\"to\":\"$(R "$1")\",\"amount\":\"$2\"}"
}
# owner_post ID ACTION [INTENT]: ownerAuth over a fresh nonce bound to
# tx.ACTION and the transaction, with the intent resource if given.
owner_post() {
	http_code "http://127.0.0.1:$PORT/v1/nonce?action=tx.$2&target=$1" >/dev/null
	res="\"urn:waiaas:action:tx.$2:$1\""
	[ -n "${3:-}" ] && res="$res, \"urn:waiaas:intent:$3\""
	out=$(node_bin tests/integration/sign_owner.js "{\"domain\": \"127.0.0.1:$PORT\",
	    \"chain\": \"evm\", \"key\": \"$OWNER_KEY\", \"nonce\": \"$(jget 'j["nonce"]')\",
	    \"resources\": [$res]}")
	echo "$out" > "$T_TMP/owner.$1.$2"
	owner_again "$1" "$2"
}
owner_again() {	# the same signed message once more
	out=$(cat "$T_TMP/owner.$1.$2")
	http_code -X POST -H "X-Owner-Address: $(echo "$out" | sed -n 1p)" \
	    -H "X-Owner-Message: $(echo "$out" | sed -n 2p)" \
	    -H "X-Owner-Signature: $(echo "$out" | sed -n 3p)" \
	    "http://127.0.0.1:$PORT/v1/transactions/$1/$2"
}
# wait_status ID STATUS SECONDS
wait_status() {
	n=0
	while [ $n -lt $(($3 * 10)) ]; do
		[ "$(status "$1")" = "$2" ] && return 0
		sleep 0.1
		n=$((n + 1))
	done
	return 1
}
db() { sqlite3 "$DATA/data/waiaas.db" "$1"; }

start_anvil --chain-id 11155111
export WAIAAS_RPC_EVM_ETHEREUM_SEPOLIA=$ANVIL_URL WAIAAS_RPC_POLL_INTERVAL_MS=100
start_daemon || cannot_run "daemon starts"

wallet() {	# a funded wallet with an owner; sets W, S
	req POST /v1/wallets '{"name":"t","chain":"ethereum","environment":"testnet"}' >/dev/null
	W=$(jget 'j["id"]')
	S="Authorization: Bearer $(jget 'j["session"]["token"]')"
	"$CAST" send -q --rpc-url "$ANVIL_URL" --private-key "$ANVIL_KEY0" \
	    "$(jget 'j["publicKey"]')" --value 1ether >/dev/null
	req PUT "/v1/wallets/$W/owner" "{\"owner_address\":\"$OWNER\"}" >/dev/null
	req POST /v1/policies "{\"walletId\":\"$W\",\"type\":\"SPENDING_LIMIT\",\"rules\":{\"instant_max\":\"1000\",\"notify_max\":\"2000\",\"delay_max\":\"3000\",\"delay_seconds\":60,\"approval_timeout\":60}}" >/dev/null
}
wallet

# Dry runs: the decision and the fee, and nothing changes.
rows() { db "SELECT (SELECT count(*) FROM transactions) || ':' || (SELECT count(*) FROM outbox)"; }
before=$(rows)
code=$(req POST /v1/transactions/simulate "{\"network\":\"$NET\",\"to\":\"$(R 1)\",\"amount\":\"500\"}" "$S")
check "simulate: 200, success, INSTANT, a fee estimate in ETH" \
    [ "$code:$(jget 'j["success"], j["policy"]["tier"], j["policy"]["allowed"], j["fee"]["feeSymbol"], int(j["fee"]["estimatedFee"]) > 0, int(j["fee"]["maxFee"]) >= int(j["fee"]["estimatedFee"])')" = "200:True INSTANT True ETH True True" ]
code=$(req POST /v1/transactions/simulate "{\"network\":\"$NET\",\"to\":\"$(R 1)\",\"amount\":\"2500\"}" "$S")
check "simulate without a price for ETH: fee.feeUsd null (never invented), a PRICE_UNAVAILABLE warning" \
    [ "$(jget 'j["fee"]["feeUsd"] is None and [w["code"] for w in j["warnings"]] == ["PRICE_UNAVAILABLE"]')" = True ]
check "simulate a DELAY: its delaySeconds" \
    [ "$(jget 'j["policy"]["tier"], j["policy"]["delaySeconds"]')" = "DELAY 60" ]
code=$(req POST /v1/transactions/send "{\"network\":\"$NET\",\"to\":\"$(R 1)\",\"amount\":\"3500\",\"dryRun\":true}" "$S")
check "send with dryRun: 200, the same answer (APPROVAL), no id" \
    [ "$code:$(jget 'j["policy"]["tier"], "id" in j')" = "200:APPROVAL False" ]
code=$(req POST /v1/transactions/simulate "{\"network\":\"$NET\",\"type\":\"CONTRACT_CALL\",\"to\":\"$(R 1)\"}" "$S")
check "simulate a refused call: allowed false, the code and the hint" \
    [ "$code:$(jget 'j["success"], j["policy"]["allowed"], j["policy"]["code"]')" = "200:False False CONTRACT_NOT_WHITELISTED" ]
# The wallet holds exactly 1 ETH: all of it cannot also pay the gas.
code=$(req POST /v1/transactions/simulate "{\"network\":\"$NET\",\"to\":\"$(R 1)\",\"amount\":\"999999999999999999\"}" "$S")
check "simulate more than value + fee: INSUFFICIENT_BALANCE, success false" \
    [ "$code:$(jget 'j["success"], j["policy"]["allowed"], any(w["code"] == "INSUFFICIENT_BALANCE" and w["message"].startswith("the wallet holds 1000000000000000000 ") for w in j["warnings"])')" = "200:False True True" ]
req POST /v1/transactions/simulate "{\"network\":\"$NET\",\"to\":\"$(R 1)\",\"amount\":\"500\"}" "$S" >/dev/null
check "and a small one says nothing of the balance" \
    [ "$(jget 'j["success"], any("BALANCE" in w["code"] for w in j["warnings"])')" = "True False" ]
check "dry runs changed nothing (no row, no notification)" [ "$(rows)" = "$before" ]

# INSTANT and NOTIFY run at once.
I=$(send_to 1 500)
N=$(send_to 2 1500)
wait_tx "$I" >/dev/null
wait_tx "$N" >/dev/null
check "INSTANT (at most instant_max) confirms at once" \
    sh -c "[ \"$(status "$I")\" = CONFIRMED ] && [ \"$(field "$I" tier)\" = INSTANT ] && [ $(bal "$(R 1)") = 500 ]"
check "NOTIFY confirms at once" \
    sh -c "[ \"$(status "$N")\" = CONFIRMED ] && [ \"$(field "$N" tier)\" = NOTIFY ] && [ $(bal "$(R 2)") = 1500 ]"
check "and the owner is told through the outbox (TX_NOTIFY)" \
    [ "$(db "SELECT count(*) FROM outbox WHERE type = 'TX_NOTIFY' AND payload LIKE '%$N%'")" = 1 ]

# A second daemon: the kill switch while a DELAY and an APPROVAL wait
# (first, so that their time is over by the time the first daemon's
# delays are).
A_PORT=$PORT A_DPID=$DPID A_DATA=$DATA A_S=$S A_W=$W
DATA=$T_TMP/data2; start_daemon || cannot_run "a second daemon starts"
PEER_PIDS="${PEER_PIDS:-} $DPID"
wallet
K0=$(date +%s)
K1=$(send_to 20 2500)
K2=$(send_to 21 3500)
code=$(req POST /v1/admin/kill-switch)
check "kill switch while a DELAY and an APPROVAL wait: both CANCELLED" \
    [ "$code:$(db "SELECT count(*) FROM transactions WHERE id IN ('$K1', '$K2') AND status = 'CANCELLED' AND error_code = 'KILL_SWITCH_ACTIVE'")" = 200:2 ]
req POST /v1/admin/recover >/dev/null
PORT=$A_PORT DPID=$A_DPID DATA=$A_DATA S=$A_S W=$A_W

# DELAY and APPROVAL wait.  T0 is when the delays started.
T0=$(date +%s)
code=$(req POST /v1/transactions/send "{\"network\":\"$NET\",\"to\":\"$(R 3)\",\"amount\":\"2500\"}" "$S")
D1=$(jget 'j["id"]')
check "DELAY: 201 QUEUED, tier DELAY" \
    sh -c "[ $code = 201 ] && [ \"$(jget 'j["status"]')\" = QUEUED ] && [ \"$(jget 'j["tier"]')\" = DELAY ]"
D2=$(send_to 4 2500)	# cancelled by the agent
D3=$(send_to 5 2500)	# waits across the restart
A3=$(send_to 8 3500)	# left to expire
A4=$(send_to 9 3500)	# approved after the restart
D5=$(send_to 10 2500)	# cancelled by the operator
# A DELAY from a second session, revoked while it waits.
req POST /v1/sessions "{\"walletId\":\"$W\"}" >/dev/null
S6=$(jget 'j["id"]')
D6=$(S="Authorization: Bearer $(jget 'j["token"]')"; send_to 11 2500)
req DELETE "/v1/sessions/$S6" >/dev/null
check "APPROVAL: QUEUED with an executeAfter-less expiresAt" \
    sh -c "[ \"$(status "$A3")\" = QUEUED ] && [ \"$(field "$A3" tier)\" = APPROVAL ] && [ \"$(field "$A3" expiresAt)\" -ge $((T0 + 59)) ]"
check "DELAY's executeAfter is delay_seconds ahead" \
    sh -c "[ \"$(field "$D1" executeAfter)\" -ge $((T0 + 59)) ]"
req GET /v1/transactions/pending '' "$S" >/dev/null
check "GET /v1/transactions/pending lists the waiting ones" \
    [ "$(jget 'len(j["items"])')" = 7 ]
check "the owner is told of DELAY and APPROVAL (outbox)" \
    [ "$(db "SELECT count(*) FROM outbox WHERE type IN ('TX_DELAYED', 'TX_APPROVAL_REQUIRED')")" = 7 ]

code=$(req POST "/v1/transactions/$D2/cancel" "" "$S")
check "the agent cancels a DELAY: 200 CANCELLED" \
    sh -c "[ $code = 200 ] && [ \"$(status "$D2")\" = CANCELLED ]"
code=$(req POST "/v1/transactions/$D2/cancel" "" "$S")
check "cancelling it again: 409" [ "$code" = 409 ]
code=$(req POST "/v1/transactions/$D5/cancel")
check "the operator cancels a DELAY (master password): 200 CANCELLED" \
    sh -c "[ $code = 200 ] && [ \"$(status "$D5")\" = CANCELLED ]"
code=$(req POST "/v1/transactions/$I/cancel" "" "$S")
check "a transaction that does not wait cannot be cancelled (409)" [ "$code" = 409 ]

# SIGKILL of the whole tree while D1, D3, A3 and A4 wait (soon after T0:
# the restart must come well before their time, also on a slow machine).
kids=$(children_of "$DPID")
kill -KILL "$DPID" $kids
for k in $DPID $kids; do wait_gone "$k" 5000; done
start_daemon || cannot_run "daemon restarts after SIGKILL"
check "after the restart they still wait" \
    sh -c "[ \"$(status "$D1")\" = QUEUED ] && [ \"$(status "$D3")\" = QUEUED ] && [ \"$(status "$A4")\" = QUEUED ]"
req GET "/v1/transactions/$A4" "" "$S" >/dev/null
code=$(owner_post "$A4" approve "$(jget 'j["approval"]["intentHash"]')")
[ "$code" = 200 ] || cat "$T_TMP/body" >&2
wait_tx "$A4" >/dev/null
check "an APPROVAL is approved after the restart and confirms" \
    sh -c "[ $code = 200 ] && [ \"$(status "$A4")\" = CONFIRMED ] && [ $(bal "$(R 9)") = 3500 ]"

# Two more APPROVALs, sent after the restart so that the owner's work on
# them has a whole approval_timeout even on a slow machine.
A1=$(send_to 6 3500)	# approved
A2=$(send_to 7 3500)	# rejected
# The intent: what the owner signs, and its hash.
req GET "/v1/transactions/$A1" "" "$S" >/dev/null
H1=$(jget 'j["approval"]["intentHash"]')
jget 'j["approval"]["intent"]' > "$T_TMP/intent"
check "the intent names wallet, network, type, recipient, amount, fee cap" \
    sh -c "grep -q 'wallet: $W' $T_TMP/intent && grep -q 'network: $NET' $T_TMP/intent && grep -q 'type: TRANSFER' $T_TMP/intent && grep -qi 'to: $(R 6)' $T_TMP/intent && grep -q 'amount: 3500' $T_TMP/intent && grep -q 'fee cap: ' $T_TMP/intent"
check "intentHash is the SHA-256 of the intent" \
    [ "$(python3 -c "import hashlib,json,sys; print(hashlib.sha256(json.load(open(sys.argv[1]))['approval']['intent'].encode()).hexdigest())" "$T_TMP/body")" = "$H1" ]

code=$(owner_post "$A1" approve)
check "approve without the intent resource: 401 INVALID_SIGNATURE" \
    sh -c "[ $code = 401 ] && grep -q 'urn:waiaas:intent' $T_TMP/body"
req GET "/v1/transactions/$A2" "" "$S" >/dev/null
code=$(owner_post "$A1" approve "$(jget 'j["approval"]["intentHash"]')")
check "approve with another transaction's intent: 401" [ "$code" = 401 ]
check "the transaction still waits, nothing sent" \
    sh -c "[ \"$(status "$A1")\" = QUEUED ] && [ $(bal "$(R 6)") = 0 ]"
code=$(req POST "/v1/transactions/$A1/approve" "" "$S")
check "a session cannot approve (401)" [ "$code" = 401 ]
code=$(owner_post "$A1" approve "$H1")
check "approve with the owner's signature over the intent: 200" [ "$code" = 200 ]
wait_tx "$A1" >/dev/null
check "the approved transaction confirms" \
    sh -c "[ \"$(status "$A1")\" = CONFIRMED ] && [ $(bal "$(R 6)") = 3500 ]"
code=$(owner_again "$A1" approve)
check "the same approval again: refused (nonce spent)" [ "$code" = 401 ]
code=$(owner_post "$A2" reject)
check "the owner rejects: 200, CANCELLED APPROVAL_REJECTED" \
    sh -c "[ $code = 200 ] && [ \"$(status "$A2")\" = CANCELLED ] && [ \"$(field "$A2" errorCode)\" = APPROVAL_REJECTED ]"
req GET "/v1/transactions/$A2" "" "$S" >/dev/null
code=$(owner_post "$A2" approve "$(jget 'j.get("approval", {}).get("intentHash", "0"*64)')")
check "a rejected transaction cannot be approved afterwards" \
    sh -c "[ $code = 409 ] || [ $code = 401 ]"

# Not before the delay: still waiting just before it (when this test
# gets there in time), and released no earlier than executeAfter.
while [ $(date +%s) -lt $((T0 + 55)) ]; do sleep 1; done
early=ok
if [ $(date +%s) -lt $((T0 + 59)) ]; then
	[ "$(status "$D1")" = QUEUED ] && [ $(bal "$(R 3)") = 0 ] &&
	    [ $(bal "$(R 5)") = 0 ] || early="ran before T0 + 59"
fi
# ... and runs after it, the one waiting across the restart too.
wait_status "$D1" CONFIRMED 20
wait_status "$D3" CONFIRMED 10
# The daemon's own record of each release (TX_DELAY_ELAPSED in the
# audit trail): at or after its executeAfter.
for d in "$D1" "$D3"; do
	el=$(db "SELECT ts FROM audit_log WHERE event = 'TX_DELAY_ELAPSED' AND target = '$d'")
	ea=$(field "$d" executeAfter)
	[ -n "$el" ] && [ "$el" -ge "$ea" ] 2>/dev/null ||
	    early="$early; $d released at ${el:-?}, before executeAfter $ea"
done
check "DELAY has not run before its delay ($early)" [ "$early" = ok ]
check "DELAY confirms after its delay" \
    sh -c "[ \"$(status "$D1")\" = CONFIRMED ] && [ $(bal "$(R 3)") = 2500 ]"
check "the DELAY that waited across the SIGKILL confirms, once" \
    sh -c "[ \"$(status "$D3")\" = CONFIRMED ] && [ $(bal "$(R 5)") = 2500 ]"
wait_status "$D6" CANCELLED 10
check "a DELAY whose session was revoked meanwhile is CANCELLED, not run" \
    sh -c "[ \"$(db "SELECT status || ' ' || error_code FROM transactions WHERE id = '$D6'")\" = 'CANCELLED SESSION_REVOKED' ] && [ $(bal "$(R 11)") = 0 ]"
wait_status "$A3" EXPIRED 10
check "an APPROVAL left alone expires (APPROVAL_TIMEOUT)" \
    sh -c "[ \"$(status "$A3")\" = EXPIRED ] && [ \"$(field "$A3" errorCode)\" = APPROVAL_TIMEOUT ]"
code=$(owner_post "$A3" approve "$H1")
check "approving it afterwards: refused" sh -c "[ $code = 409 ] || [ $code = 401 ]"
check "the cancelled, rejected and expired never reached the chain" \
    sh -c "[ $(bal "$(R 4)") = 0 ] && [ $(bal "$(R 7)") = 0 ] && [ $(bal "$(R 8)") = 0 ] && [ $(bal "$(R 10)") = 0 ]"
while [ $(date +%s) -lt $((K0 + 63)) ]; do sleep 1; done
check "after the kill switch, past their time, none of them was broadcast" \
    sh -c "[ $(bal "$(R 20)") = 0 ] && [ $(bal "$(R 21)") = 0 ]"
check "no sanitizer reports" no_sanitizer_reports
