#!/bin/sh
# Approvals from a phone through the notification channel (issue 20):
# the daemon on 127.0.0.1 only, relay polling the ntfy reply topic of an
# ntfy-compatible receiver (tests/tools/notify_receiver.py), policyd
# serving each reply as the REST route would.  An APPROVAL-tier transfer
# on anvil is approved by the owner's signature posted to the topic and
# ends CONFIRMED; a replayed approval, one for another transaction, an
# expired one and 10,000 junk messages change nothing (and the daemon
# answers meanwhile); reject and the owner's kill switch work the same
# way.  One daemon for all of it.
. tests/integration/lib.sh

need_node_modules siwe ethers
NET=ethereum-sepolia
OWNER=0x70997970C51812dc3A010C7d01b50e0d17dc79C8
OWNER_KEY=0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d
R() { printf '0x7%039d' "$1"; }
bal() { "$CAST" balance --rpc-url "$ANVIL_URL" "$1"; }
status() { req GET "/v1/transactions/$1" "" "$S" >/dev/null; jget 'j["status"]'; }
# metric RESULT: waiaas_owner_replies_total{result=RESULT}
metric() {
	curl -s -H "X-Master-Password: $WAIAAS_MASTER_PASSWORD" \
	    "http://127.0.0.1:$PORT/metrics" |
	    sed -n "s/^waiaas_owner_replies_total{result=\"$1\"} //p"
}
# wait_metric RESULT N: up to 20 s for the counter to reach N.
wait_metric() {
	n=0
	while [ $n -lt 400 ]; do
		[ "$(metric "$1")" -ge "$2" ] 2>/dev/null && return 0
		sleep 0.05; n=$((n + 1))
	done
	echo "$1: $(metric "$1"), not $2" >&2
	return 1
}
# wait_status ID STATUS: up to 30 s.
wait_status() {
	n=0
	while [ $n -lt 300 ]; do
		[ "$(status "$1")" = "$2" ] && return 0
		sleep 0.1; n=$((n + 1))
	done
	echo "$1: $(status "$1"), not $2" >&2
	return 1
}

# reply ACTION TARGET NONCE [sign_owner extra JSON] [SIGNED TARGET]: the
# owner's signed reply as the approval page posts it to the topic, in
# $T_TMP/reply.json.  SIGNED TARGET: what the signature is for, if not
# TARGET; the transaction's intent is bound for tx.approve.
reply() {
	st=${5:-$2}
	res="\"urn:waiaas:action:$1:$st\""
	if [ "$1" = tx.approve ]; then
		req GET "/v1/transactions/$st" "" "$S" >/dev/null
		res="$res, \"urn:waiaas:intent:$(jget 'j["approval"]["intentHash"]')\""
	fi
	node_bin tests/integration/sign_owner.js "{\"domain\": \"127.0.0.1:$PORT\",
	    \"chain\": \"evm\", \"key\": \"$OWNER_KEY\", \"nonce\": \"$3\",
	    \"resources\": [$res] ${4:-}}" | python3 -c '
import base64, json, sys
a, m, s = sys.stdin.read().split("\n")[:3]
print(json.dumps({"waiaas": "owner-reply/1", "action": sys.argv[1],
                  "target": sys.argv[2], "address": a,
                  "message": base64.b64decode(m).decode(), "signature": s}))
' "$1" "$2" >"$T_TMP/reply.json"
}
post_reply() {	# to the topic, as the page does (no credential needed)
	curl -s -o /dev/null -w '%{http_code}' --data-binary "@$T_TMP/reply.json" \
	    -H "Authorization: Bearer $NTFY_TOKEN" "$RECV/$TOPIC"
}
nonce() {	# nonce ACTION TARGET
	http_code "http://127.0.0.1:$PORT/v1/nonce?action=$1&target=$2" >/dev/null
	jget 'j["nonce"]'
}

# The ntfy server wants a token: relay reads the topic with it (ntfy's
# auth= parameter); the page posts with one (here the same).
NTFY_TOKEN=tk_$(openssl rand -hex 12)
printf '%s' "$NTFY_TOKEN" > "$T_TMP/ntfy.token"
NTFY_TOKEN_FILE=$T_TMP/ntfy.token \
    python3 tests/tools/notify_receiver.py --read-auth > "$T_TMP/recv.out" 2>&1 &
PEER_PIDS="${PEER_PIDS:-} $!"
n=0
while [ $n -lt 100 ] && ! grep -qs "^listening" "$T_TMP/recv.out"; do
	sleep 0.05; n=$((n + 1))
done
RECV=http://127.0.0.1:$(sed -n 's/^listening //p' "$T_TMP/recv.out")
TOPIC=$(python3 -c 'import secrets; print(secrets.token_urlsafe(24))')
export WAIAAS_NOTIFICATIONS_NTFY_URL=$RECV/
export WAIAAS_NOTIFICATIONS_NTFY_TOPIC=waiaas-owner
export WAIAAS_NOTIFICATIONS_NTFY_TOKEN=$NTFY_TOKEN
export WAIAAS_NOTIFICATIONS_NTFY_REPLY_TOPIC=$TOPIC
export WAIAAS_NOTIFICATIONS_REPLY_POLL_MS=100

start_anvil --chain-id 11155111
export WAIAAS_RPC_EVM_ETHEREUM_SEPOLIA=$ANVIL_URL WAIAAS_RPC_POLL_INTERVAL_MS=100
start_daemon || cannot_run "daemon starts"

check "the daemon listens on 127.0.0.1 only" \
    [ "$(ss -Htln "sport = :$PORT" | awk '{print $4}' | sort -u)" = "127.0.0.1:$PORT" ]
n=0
while [ $n -lt 100 ] && [ -z "$(curl -s "$RECV/_polls/$TOPIC")" -o \
    "$(curl -s "$RECV/_polls/$TOPIC")" = "{}" ]; do
	sleep 0.05; n=$((n + 1))
done
check "relay polls the reply topic" \
    sh -c "curl -s '$RECV/_polls/$TOPIC' | grep -q '\"polls\"'"
check "no reply counted yet" [ "$(metric junk) $(metric refused) $(metric accepted)" = "0 0 0" ]
check "relay's polls carry the token (none refused)" \
    [ "$(curl -s "$RECV/_stats" | python3 -c 'import json,sys; print(json.load(sys.stdin)["ntfy_auth_bad"])')" = 0 ]

req POST /v1/wallets '{"name":"p","chain":"ethereum","environment":"testnet"}' >/dev/null
W=$(jget 'j["id"]')
ADDR=$(jget 'j["publicKey"]')
S="Authorization: Bearer $(jget 'j["session"]["token"]')"
req PUT "/v1/wallets/$W/owner" "{\"owner_address\":\"$OWNER\"}" >/dev/null
req POST /v1/policies "{\"walletId\":\"$W\",\"type\":\"SPENDING_LIMIT\",\"rules\":{\"instant_max\":\"1000\",\"notify_max\":\"2000\",\"delay_max\":\"3000\",\"delay_seconds\":60,\"approval_timeout\":600}}" >/dev/null
"$CAST" send -q --rpc-url "$ANVIL_URL" --private-key "$ANVIL_KEY0" "$ADDR" \
    --value 1ether >/dev/null
A1=$(send "{\"network\":\"$NET\",\"to\":\"$(R 1)\",\"amount\":\"3500\"}")
A2=$(send "{\"network\":\"$NET\",\"to\":\"$(R 2)\",\"amount\":\"3600\"}")
A3=$(send "{\"network\":\"$NET\",\"to\":\"$(R 3)\",\"amount\":\"3700\"}")
check "three APPROVAL-tier transfers wait" \
    [ "$(status "$A1") $(status "$A2") $(status "$A3")" = "QUEUED QUEUED QUEUED" ]

# The phone's approval of A1, through the topic.
reply tx.approve "$A1" "$(nonce tx.approve "$A1")"
cp "$T_TMP/reply.json" "$T_TMP/a1.json"
check "the approval is posted to the topic (200)" [ "$(post_reply)" = 200 ]
check "policyd accepts it" wait_metric accepted 1
check "A1 is CONFIRMED on anvil" wait_status "$A1" CONFIRMED
check "the recipient was paid 3500 wei" [ "$(bal "$(R 1)")" = 3500 ]
req GET "/v1/audit-logs?limit=100" >/dev/null
check "the audit log says the owner approved it" \
    [ "$(jget 'any(e["event"] == "TX_APPROVED" and e["target"] == "'"$A1"'" for e in j["data"])')" = True ]
AUDIT=$(req GET "/v1/audit-logs/verify" >/dev/null; jget 'j["entries"]')

# What must change nothing.
cp "$T_TMP/a1.json" "$T_TMP/reply.json"
post_reply >/dev/null
check "a replayed approval is refused" wait_metric refused 1
reply tx.approve "$A2" "$(nonce tx.approve "$A3")" "" "$A3"
post_reply >/dev/null
check "an approval signed for A3, posted for A2, is refused" \
    wait_metric refused 2
reply tx.approve "$A2" "$(nonce tx.approve "$A2")" ', "issued": -700, "lifetime": 300'
post_reply >/dev/null
check "an expired approval is refused" wait_metric refused 3
check "A2 and A3 still wait, nothing paid" \
    [ "$(status "$A2") $(status "$A3") $(bal "$(R 2)") $(bal "$(R 3)")" = "QUEUED QUEUED 0 0" ]

# 10,000 junk messages: what relay drops (too long), policyd drops
# (not a reply) or refuses (no valid signature); the daemon answers.
J0=$(metric junk); F0=$(metric refused)
LAST=$(curl -s -X POST "$RECV/_junk/$TOPIC/10000" | python3 -c 'import json,sys; print(json.load(sys.stdin)["last"])')
# Until the last junk message is read past and policyd has counted what
# reached it; /health timed meanwhile, by one Python.
python3 - "$RECV/_polls/$TOPIC" "$LAST" "http://127.0.0.1:$PORT" \
    "$WAIAAS_MASTER_PASSWORD" "$(( J0 + F0 + 8000 ))" >"$T_TMP/junk.out" <<'EOF'
import json, re, sys, time, urllib.request
polls, last, base, pw, want = sys.argv[1:]
worst, seen, t0 = 0.0, 0, time.time()
while time.time() - t0 < 120:
    t = time.time()
    urllib.request.urlopen(base + "/health").read()
    worst = max(worst, time.time() - t)
    r = urllib.request.Request(base + "/metrics",
                               headers={"X-Master-Password": pw})
    m = urllib.request.urlopen(r).read().decode()
    seen = sum(int(v) for v in re.findall(
        r'waiaas_owner_replies_total\{result="(?:junk|refused)"\} (\d+)', m))
    if json.load(urllib.request.urlopen(polls)).get("since") == last and \
            seen >= int(want):
        break
    time.sleep(0.05)
print(round(time.time() - t0, 2), round(worst, 3), seen)
EOF
read -r took worst seen <"$T_TMP/junk.out"
echo "# 10,000 junk messages read in $took s; slowest /health meanwhile $worst s" >&2
check "all 10,000 read; 8,000 reached policyd and were dropped or refused ($seen)" \
    [ $(( $(metric junk) + $(metric refused) - J0 - F0 )) = 8000 ]
check "the daemon answered within 2 s throughout ($worst s)" \
    python3 -c "import sys; sys.exit(float(sys.argv[1]) >= 2)" "$worst"
check "none was accepted" [ "$(metric accepted)" = 1 ]
check "A2 still waits" [ "$(status "$A2")" = QUEUED ]
check "the audit log did not grow" \
    [ "$(req GET "/v1/audit-logs/verify" >/dev/null; jget 'j["entries"]')" = "$AUDIT" ]

# Reject through the topic.
reply tx.reject "$A2" "$(nonce tx.reject "$A2")"
post_reply >/dev/null
check "the owner's rejection is accepted" wait_metric accepted 2
req GET "/v1/transactions/$A2" "" "$S" >/dev/null
check "A2 is CANCELLED (APPROVAL_REJECTED), nothing paid" \
    [ "$(jget 'j["status"], j["errorCode"]') $(bal "$(R 2)")" = "CANCELLED APPROVAL_REJECTED 0" ]

# The owner's kill switch through the topic.
reply owner.kill-switch "$W" "$(nonce owner.kill-switch "$W")"
post_reply >/dev/null
check "the owner's kill switch is accepted" wait_metric accepted 3
req GET /v1/admin/kill-switch >/dev/null
check "the kill switch is on, pulled by this wallet's owner" \
    [ "$(jget 'j["active"], j["activatedBy"].endswith("'"$W"'")')" = "True True" ]

check "relay's polls carried the token throughout" \
    [ "$(curl -s "$RECV/_stats" | python3 -c 'import json,sys; print(json.load(sys.stdin)["ntfy_auth_bad"])')" = 0 ]
check "the token and the reply topic are in no log line" \
    sh -c "! grep -qF -e '$NTFY_TOKEN' -e '$TOPIC' '$LOG'"
kill -TERM "$DPID"; wait_gone "$DPID" 5000; DPID=""
check "no sanitizer reports" no_sanitizer_reports
