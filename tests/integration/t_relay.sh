#!/bin/sh
# Notifications through relay to real receivers on 127.0.0.1: Debian's
# `webhook` verifies each event's HMAC (a tampered body is refused), an
# ntfy-compatible receiver (tests/tools/notify_receiver.py) gets the
# push with the approval URL although it answers 503 at first, once per
# event id, and a Telegram-compatible one gets its message after a 429.
# A channel that fails for good holds up no other.  Events wait in the
# database while relay is frozen and killed (the daemon goes down, as
# designed) or while the whole daemon is down, and arrive after the
# restart, once.  No credential shows in the log, in argv or in the
# parent's environment; relay runs under seccomp with its own uid.  The
# operator's test-send route answers per channel.
. tests/integration/lib.sh

command -v webhook >/dev/null || peer_missing "webhook"
[ "$(id -u)" = 0 ] || { echo "skip - t_relay needs root (per-process uids)"; exit 0; }

NET=ethereum-sepolia
OWNER=0x70997970C51812dc3A010C7d01b50e0d17dc79C8
R() { printf '0x6%039d' "$1"; }
db() { sqlite3 "$DATA/data/waiaas.db" "$1"; }
WH_SECRET=whsec-$(openssl rand -hex 12)
TG_TOKEN=123456:TG-$(openssl rand -hex 10)
NTFY_TOKEN=tk_$(openssl rand -hex 12)
URL_TOKEN=urltok$(openssl rand -hex 8)	# a key in the webhook's URL
PUBLIC=https://wallet.example.test:8443
printf '%s\n' "$WH_SECRET" > "$T_TMP/wh.secret"
printf '%s\n' "$TG_TOKEN" > "$T_TMP/tg.token"
chmod 600 "$T_TMP/wh.secret" "$T_TMP/tg.token"

# Debian's webhook: the hook runs (and records) only for a valid
# X-WAIaaS-Signature over the raw body.
WREC=$T_TMP/webhook.rec
: > "$WREC"
chmod 666 "$WREC"
cat > "$T_TMP/rec.sh" <<'EOF'
#!/bin/sh
# rec.sh FILE DELIVERY EVENT TIMESTAMP SIGNATURE RAWBODY: one line each
printf '%s %s %s %s %s\n' "$2" "$3" "$4" "$5" "$6" >> "$1"
EOF
chmod 755 "$T_TMP/rec.sh"
cat > "$T_TMP/hooks.json" <<EOF
[{"id": "waiaas", "execute-command": "$T_TMP/rec.sh",
  "include-command-output-in-response": true,
  "pass-arguments-to-command": [
    {"source": "string", "name": "$WREC"},
    {"source": "header", "name": "X-WAIaaS-Delivery"},
    {"source": "header", "name": "X-WAIaaS-Event"},
    {"source": "header", "name": "X-WAIaaS-Timestamp"},
    {"source": "header", "name": "X-WAIaaS-Signature"},
    {"source": "raw-request-body"}],
  "trigger-rule-mismatch-http-response-code": 401,
  "trigger-rule": {"match": {"type": "payload-hmac-sha256",
    "secret": "$WH_SECRET",
    "parameter": {"source": "header", "name": "X-WAIaaS-Signature"}}}}]
EOF
WPORT=$(free_port)
start_webhook() {
	webhook -hooks "$T_TMP/hooks.json" -ip 127.0.0.1 -port "$WPORT" \
	    -verbose >>"$T_TMP/webhook.log" 2>&1 &
	WH_PID=$!
	PEER_PIDS="${PEER_PIDS:-} $WH_PID"
	n=0
	while [ $n -lt 100 ] && ! curl -s -o /dev/null "http://127.0.0.1:$WPORT/"; do
		sleep 0.05; n=$((n + 1))
	done
}
start_webhook
[ -n "$MISSING" ] || curl -s -o /dev/null "http://127.0.0.1:$WPORT/" ||
    peer_missing "webhook on 127.0.0.1:$WPORT" "it did not start: $(tail -c 300 \
    "$T_TMP/webhook.log" | tr '\n' ' ')"

# The ntfy and Telegram receiver (its faults are set before the
# approval below, once what came before it is delivered).
printf '%s' "$NTFY_TOKEN" > "$T_TMP/ntfy.token"
NTFY_TOKEN_FILE=$T_TMP/ntfy.token TG_TOKEN_FILE=$T_TMP/tg.token \
    python3 tests/tools/notify_receiver.py \
    > "$T_TMP/recv.out" 2>&1 &
PEER_PIDS="${PEER_PIDS:-} $!"
n=0
while [ $n -lt 100 ] && ! grep -qs "^listening" "$T_TMP/recv.out"; do sleep 0.05; n=$((n + 1)); done
RPORT=$(sed -n 's/^listening //p' "$T_TMP/recv.out")
RECV=http://127.0.0.1:$RPORT

start_anvil --chain-id 11155111
export WAIAAS_RPC_EVM_ETHEREUM_SEPOLIA=$ANVIL_URL WAIAAS_RPC_POLL_INTERVAL_MS=100
export WAIAAS_DAEMON_PUBLIC_URL=$PUBLIC
export WAIAAS_NOTIFICATIONS_WEBHOOK_URL=http://127.0.0.1:$WPORT/hooks/waiaas?key=$URL_TOKEN
export WAIAAS_NOTIFICATIONS_WEBHOOK_SECRET_FILE=$T_TMP/wh.secret
export WAIAAS_NOTIFICATIONS_NTFY_URL=$RECV/
export WAIAAS_NOTIFICATIONS_NTFY_TOPIC=waiaas-owner
export WAIAAS_NOTIFICATIONS_NTFY_TOKEN=$NTFY_TOKEN
export WAIAAS_NOTIFICATIONS_TELEGRAM_BOT_TOKEN_FILE=$T_TMP/tg.token
export WAIAAS_NOTIFICATIONS_TELEGRAM_CHAT_ID=-1001234
export WAIAAS_NOTIFICATIONS_TELEGRAM_API_URL=$RECV
export WAIAAS_NOTIFICATIONS_TIMEOUT_MS=3000
start_daemon || cannot_run "daemon starts"
# Each start empties $LOG: the run's whole log is kept in all.log.
restart() {
	cat "$LOG" >> "$T_TMP/all.log"
	start_daemon || cannot_run "daemon restarts"
}
check "the three channels are on" \
    [ "$(grep -c 'notifications: channel .* on' "$LOG")" = 3 ]

req POST /v1/wallets '{"name":"t","chain":"ethereum","environment":"testnet"}' >/dev/null
W=$(jget 'j["id"]')
S="Authorization: Bearer $(jget 'j["session"]["token"]')"
"$CAST" send -q --rpc-url "$ANVIL_URL" --private-key "$ANVIL_KEY0" \
    "$(jget 'j["publicKey"]')" --value 1ether >/dev/null
req PUT "/v1/wallets/$W/owner" "{\"owner_address\":\"$OWNER\"}" >/dev/null
req POST /v1/policies "{\"walletId\":\"$W\",\"type\":\"SPENDING_LIMIT\",\"rules\":{\"instant_max\":\"1000\",\"notify_max\":\"2000\",\"delay_max\":\"3000\",\"delay_seconds\":600,\"approval_timeout\":600}}" >/dev/null
send_to() { send "{\"network\":\"$NET\",\"to\":\"$(R "$1")\",\"amount\":\"$2\"}"; }

# ntfy: messages on the topic, as a poller sees them.
poll() { curl -s "$RECV/waiaas-owner/json?poll=1" > "$T_TMP/poll"; }
pyj() { code=$1; shift; python3 -c "import json,sys; $code" "$@"; }
# wait_for SECONDS COMMAND...: poll until the command succeeds.
wait_for() {
	t=$1; shift; n=0
	while [ $n -lt $((t * 10)) ]; do
		"$@" && return 0
		sleep 0.1; n=$((n + 1))
	done
	return 1
}
ntfy_count() {	# ntfy_count EVENT_ID: messages naming it
	poll; grep -c "Event: $1" "$T_TMP/poll"
}
wh_count() { grep -c "^$1 " "$WREC"; }
tg_count() { curl -s "$RECV/_telegram" | grep -o "Event: $1" | wc -l; }
delivered_all() {	# every channel has EVENT_ID
	[ "$(wh_count "$1")" -ge 1 ] && [ "$(ntfy_count "$1")" -ge 1 ] &&
	    [ "$(tg_count "$1")" -ge 1 ]
}
eid_of() {	# eid_of TXID TYPE: the event id in the outbox
	db "SELECT event_id FROM outbox WHERE type = '$2' AND payload LIKE '%$1%'"
}

# An APPROVAL-tier transfer: every channel tells the owner, with the
# link, although ntfy answers 503 twice and Telegram 429 once.  (The
# events before it, wallet session and owner, are delivered first.)
all_delivered() { [ "$(db "SELECT count(*) FROM deliveries WHERE delivered_at IS NULL")" = 0 ]; }
check "the events before it (session, owner) are delivered" wait_for 15 all_delivered
curl -s -X POST "$RECV/_fail/ntfy/2" >/dev/null
curl -s -X POST "$RECV/_fail/tg/1" >/dev/null
A1=$(send_to 1 3500)
E1=$(eid_of "$A1" TX_APPROVAL_REQUIRED)
check "TX_APPROVAL_REQUIRED is in the outbox with one delivery per channel" \
    [ "$(db "SELECT count(*) FROM deliveries d JOIN outbox o ON o.id = d.outbox_id WHERE o.event_id = '$E1'")" = 3 ]
check "it reaches webhook, ntfy (after two 503s) and Telegram (after a 429)" \
    wait_for 15 delivered_all "$E1"
URL=$PUBLIC/approve/$A1
grep "^$E1 " "$WREC" | head -1 > "$T_TMP/wh.line"
printf '%s' "$(cut -d' ' -f5- "$T_TMP/wh.line")" > "$T_TMP/wh.body"
read -r H_ID H_EVENT H_TS SIG REST < "$T_TMP/wh.line"
check "webhook: X-WAIaaS-Event and X-WAIaaS-Delivery (the event id)" \
    [ "$H_ID $H_EVENT" = "$E1 TX_APPROVAL_REQUIRED" ]
check "webhook body: id, event, timestamp (= X-WAIaaS-Timestamp), data with txId and approvalUrl" \
    [ "$(json_get "$T_TMP/wh.body" "j['id'], j['event'], str(j['timestamp']) == '$H_TS', j['data']['txId'], j['data']['approvalUrl'], 'intentHash' in j['data']")" = "$E1 TX_APPROVAL_REQUIRED True $A1 $URL True" ]
check "the signature is sha256=HMAC-SHA256(secret, raw body), checked here too" \
    [ "$SIG" = "sha256=$(openssl dgst -sha256 -hmac "$WH_SECRET" < "$T_TMP/wh.body" | awk '{ print $2 }')" ]
hook() {	# hook SIGNATURE BODY_FILE: the receiver's status
	curl -s -o "$T_TMP/hook.out" -w '%{http_code}' -H "Content-Type: application/json" \
	    ${1:+-H "X-WAIaaS-Signature: $1"} -H "X-WAIaaS-Delivery: replay" \
	    --data-binary "@$2" "http://127.0.0.1:$WPORT/hooks/waiaas"
}
check "the receiver accepts the body as sent (200)" [ "$(hook "$SIG" "$T_TMP/wh.body")" = 200 ]
sed 's/"amount":"3500"/"amount":"9999"/' "$T_TMP/wh.body" > "$T_TMP/wh.tampered"
code=$(hook "$SIG" "$T_TMP/wh.tampered")
# webhook 2.8.0 (Debian 12) answers a bad HMAC with 500 "invalid payload
# signatures", a missing one with the mismatch code (401).
check "a tampered body is refused ($code) and its hook never runs" \
    sh -c "[ $code != 200 ] && ! grep -q '^replay .*9999' '$WREC' && grep -q 'invalid payload signature' '$T_TMP/webhook.log'"
check "no signature at all: 401" [ "$(hook "" "$T_TMP/wh.body")" = 401 ]

poll
check "ntfy: title, priority 5, the approval URL as Click and view action, the token" \
    [ "$(pyj "
for l in open(sys.argv[1]):
    m = json.loads(l)
    if 'Event: $E1' in m['message']:
        print(m['title'], m['priority'], m['click'].split('#')[0], m['actions'].split('#')[0], m['delivery'], '$URL' in m['message'])
" "$T_TMP/poll")" = "Approval required 5 $URL view, Review and approve, $URL $E1 True" ]
check "ntfy's link carries the owner's nonces in its fragment; the webhook's none" \
    [ "$(pyj "
import re
for l in open(sys.argv[1]):
    m = json.loads(l)
    if 'Event: $E1' in m['message']:
        print(bool(re.search('#v=1&id=$A1&.*&a=[0-9a-f]{64}&r=[0-9a-f]{64}&', m['click'])))
" "$T_TMP/poll") $(json_get "$T_TMP/wh.body" "'ownerLink' in j['data'] or '#' in j['data']['approvalUrl']")" = "True False" ]
check "ntfy: the first two publishes got 503 and the event arrived once" \
    sh -c "[ \"\$(curl -s $RECV/_stats | python3 -c 'import json,sys; s=json.load(sys.stdin); print(s[\"ntfy_attempts\"] >= 3, s[\"ntfy_auth_bad\"])')\" = 'True 0' ] && [ $(ntfy_count "$E1") = 1 ]"
check "the retries were logged with their back-off" \
    grep -q "notification $E1 to ntfy: attempt 1: HTTP 503; again in" "$LOG"
curl -s "$RECV/_telegram" > "$T_TMP/tg"
check "Telegram: chat_id, the text with the link, an inline button to the page" \
    [ "$(json_get "$T_TMP/tg" "[(m['chat_id'], '$URL' in m['text'], m['reply_markup']['inline_keyboard'][0][0]['url'].split('#')[0]) for m in j if 'Event: $E1' in m['text']][0]")" = "('-1001234', True, '$URL')" ]
check "Telegram's 429 retry_after was honoured (waited at least 1 s)" \
    grep -q "notification $E1 to telegram: attempt 1: HTTP 429: Too Many Requests: retry after 1; again in [1-9][0-9][0-9][0-9] ms" "$LOG"

# More event types, generic or not: all arrive once per channel.
N1=$(send_to 2 1500)
D1=$(send_to 3 2500)
req POST "/v1/transactions/$D1/cancel" "" "$S" >/dev/null
EN=$(eid_of "$N1" TX_NOTIFY); ED=$(eid_of "$D1" TX_DELAYED); EC=$(eid_of "$D1" TX_CANCELLED)
check "TX_NOTIFY, TX_DELAYED, TX_CANCELLED reach every channel" \
    wait_for 15 sh -c "$(for e in $EN $ED $EC; do printf '[ $(grep -c "^%s " %s) -ge 1 ] && ' "$e" "$WREC"; done) true"
wait_for 10 delivered_all "$EC" >/dev/null
all_once() {
	for e in $(db "SELECT event_id FROM outbox"); do
		[ "$(wh_count "$e")" = 1 ] && [ "$(ntfy_count "$e")" = 1 ] &&
		    [ "$(tg_count "$e")" = 1 ] || return 1
	done
}
check "each event once per channel ($(db "SELECT count(*) FROM outbox") events)" \
    wait_for 10 all_once

# The operator's test message.
code=$(req POST /v1/admin/notifications/test '{}')
check "test-send to every channel: 200, each delivered" \
    [ "$code:$(jget 'sorted((r["channel"], r["success"]) for r in j["results"])')" = "200:[('ntfy', True), ('telegram', True), ('webhook', True)]" ]
code=$(req POST /v1/admin/notifications/test '{"channel":"ntfy"}')
check "test-send to ntfy alone" \
    [ "$code:$(jget '[(r["channel"], r["success"], r["httpStatus"]) for r in j["results"]]')" = "200:[('ntfy', True, 200)]" ]
poll
check "the test push arrived" grep -q 'Test notification' "$T_TMP/poll"
code=$(req POST /v1/admin/notifications/test '{"channel":"sms"}')
check "an unknown channel: 400" [ "$code" = 400 ]
code=$(req POST /v1/admin/notifications/test '{}' "X-Master-Password: wrong")
check "without the master password: 401" [ "$code" = 401 ]

# Secrets: not in the log, not in argv, gone from the parent's env.
ps -eo args > "$T_TMP/ps"
check "no credential in the daemon's log" sh -c "! grep -qF -e '$WH_SECRET' -e '$TG_TOKEN' -e '$NTFY_TOKEN' -e '$URL_TOKEN' '$LOG'"
check "no credential in any argv (ps)" sh -c "! grep -qF -e '$WH_SECRET' -e '$TG_TOKEN' -e '$NTFY_TOKEN' -e '$URL_TOKEN' '$T_TMP/ps'"
check "the parent scrubbed the token from its environment" \
    sh -c "! tr '\\0' '\\n' < /proc/$DPID/environ | grep -qF -- '$NTFY_TOKEN'"
RELAY=""
for c in $(children_of "$DPID"); do [ "$(role_of "$c")" = relay ] && RELAY=$c; done
ruid=$(status_field "$RELAY" Uid | awk '{ print $1 }')
others=$(for c in $(children_of "$DPID"); do [ "$c" = "$RELAY" ] || status_field "$c" Uid | awk '{ print $1 }'; done | sort -u | tr '\n' ' ')
check "relay runs under seccomp (Seccomp 2, NoNewPrivs 1)" \
    [ "$(status_field "$RELAY" Seccomp):$(status_field "$RELAY" NoNewPrivs)" = "2:1" ]
check "relay has its own uid ($ruid; others: $others)" \
    sh -c "[ '$ruid' != 0 ] && ! echo ' $others' | grep -qw '$ruid'"
check "relay is chrooted (its root is not /)" \
    [ "$(readlink "/proc/$RELAY/root" 2>/dev/null || echo hidden)" != / ]

# Relay frozen: events wait in the database; relay killed: the daemon
# goes down; restarted: they arrive, once.
kill -STOP "$RELAY"
A2=$(send_to 4 3500)
E2=$(eid_of "$A2" TX_APPROVAL_REQUIRED)
check "while relay is frozen the event waits, undelivered" \
    [ "$(db "SELECT count(*) FROM deliveries d JOIN outbox o ON o.id = d.outbox_id WHERE o.event_id = '$E2' AND d.delivered_at IS NULL")" = 3 ]
kill -KILL "$RELAY"
check "relay killed: the daemon goes down" wait_gone "$DPID" 5000
check "the log names relay's death" grep -q 'relay (pid [0-9]*) terminated by SIGKILL' "$LOG"
DPID=""
restart || cannot_run "daemon restarts"
check "after the restart the event reaches every channel" wait_for 15 delivered_all "$E2"
check "once each" sh -c "[ $(wh_count "$E2") = 1 ] && [ $(ntfy_count "$E2") = 1 ] && [ $(tg_count "$E2") = 1 ]"

# The whole daemon down while the webhook receiver is down: the event
# waits (retried), survives the restart and arrives once; meanwhile
# ntfy and Telegram are not held up.
kill -KILL "$WH_PID"
wait_gone "$WH_PID" 2000
A3=$(send_to 5 3500)
E3=$(eid_of "$A3" TX_APPROVAL_REQUIRED)
check "webhook down: ntfy and Telegram still get the event" wait_for 10 sh -c "[ \$(curl -s '$RECV/waiaas-owner/json?poll=1' | grep -c 'Event: $E3') = 1 ] && [ \$(curl -s '$RECV/_telegram' | grep -o 'Event: $E3' | wc -l) = 1 ]"
check "the webhook delivery is retried (connection refused)" \
    wait_for 5 grep -q "notification $E3 to webhook: attempt 1: transport" "$LOG"
kill -KILL "$DPID"; wait_gone "$DPID" 3000; DPID=""
sleep 0.5
start_webhook
restart
check "after the restart the webhook gets it, once" \
    wait_for 15 sh -c "[ \$(grep -c '^$E3 ' '$WREC') = 1 ]"

# A channel that fails for good (Telegram with a wrong token): given up
# with a log line; the others deliver.
kill -TERM "$DPID"; wait_gone "$DPID" 3000; DPID=""
printf '%s\n' "999:wrong-token" > "$T_TMP/tg.token"
restart
A4=$(send_to 6 3500)
E4=$(eid_of "$A4" TX_APPROVAL_REQUIRED)
check "Telegram refuses the token: given up at once, with the reason" \
    wait_for 10 grep -q "notification $E4 to telegram: given up: HTTP 401: Unauthorized" "$LOG"
check "webhook and ntfy still deliver it" \
    wait_for 10 sh -c "[ \$(grep -c '^$E4 ' '$WREC') = 1 ] && [ \$(curl -s '$RECV/waiaas-owner/json?poll=1' | grep -c 'Event: $E4') = 1 ]"
check "the row says failed, with its error" \
    [ "$(db "SELECT d.failed_at IS NOT NULL, d.attempts, d.last_error FROM deliveries d JOIN outbox o ON o.id = d.outbox_id WHERE o.event_id = '$E4' AND d.channel = 'telegram'")" = "1|1|HTTP 401: Unauthorized" ]
code=$(req POST /v1/admin/notifications/test '{"channel":"telegram"}')
check "test-send says Telegram fails, and why" \
    [ "$code:$(jget '[(r["success"], r["httpStatus"], r["error"]) for r in j["results"]]')" = "200:[(False, 401, 'HTTP 401: Unauthorized')]" ]

# Telegram no longer configured: its waiting rows are kept, said so.
kill -TERM "$DPID"; wait_gone "$DPID" 3000; DPID=""
db "UPDATE deliveries SET failed_at = NULL WHERE channel = 'telegram' AND delivered_at IS NULL" >/dev/null
unset WAIAAS_NOTIFICATIONS_TELEGRAM_BOT_TOKEN_FILE WAIAAS_NOTIFICATIONS_TELEGRAM_CHAT_ID
restart
check "deliveries to a channel no longer configured: kept, with a log line" \
    grep -q 'notifications: [0-9]* undelivered events for channel telegram, which is not configured: kept' "$LOG"
code=$(req POST /v1/admin/notifications/test '{"channel":"telegram"}')
check "test-send to it: not configured" \
    [ "$code:$(jget '[(r["success"], r["error"]) for r in j["results"]]')" = "200:[(False, 'not configured')]" ]
kill -TERM "$DPID"; wait_gone "$DPID" 3000; DPID=""
cat "$LOG" >> "$T_TMP/all.log"
check "no credential in any log of the run ($(grep -c 'ready on' "$T_TMP/all.log") starts)" \
    sh -c "! grep -qF -e '$WH_SECRET' -e '$TG_TOKEN' -e '$NTFY_TOKEN' -e '$URL_TOKEN' '$T_TMP/all.log'"
LOG=$T_TMP/all.log
check "no sanitizer reports" no_sanitizer_reports
