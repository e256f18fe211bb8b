#!/bin/sh
# The operator's routes behind /admin, with the real daemon and anvil:
# GET /v1/admin/status and /stats count what was done (wallets,
# sessions, policies, transactions by status, tier and type) and follow
# every change, the kill switch included; GET /v1/admin/transactions
# lists every wallet's, each filter and the paging checked against the
# sends made; the operator cancels a DELAY-queued send and rejects one
# waiting for the owner (audited as master), and neither ever reaches
# the chain while a DELAY send left alone confirms after the same delay.
# GET /v1/admin/backups lists the archives of backups/ as the files say;
# /notifications/status and /log say what reached ntfy (as its receiver
# got it) and what the webhook, where nothing listens, gave up.
# No route here answers without the master password: none, a wrong one
# and a session token are each a 401, and change nothing.
. tests/integration/lib.sh

NET=ethereum-sepolia
R() { printf '0x6%039d' "$1"; }
bal() { "$CAST" balance --rpc-url "$ANVIL_URL" "$1"; }
db() { sqlite3 "$DATA/data/waiaas.db" "PRAGMA busy_timeout=3000; $1" | tail -1; }
send_to() {	# send_to N AMOUNT: a transfer to R(N); prints the id
	send "{\"network\":\"$NET\",\"to\":\"$(R "$1")\",\"amount\":\"$2\"}"
}
status() { req GET /v1/admin/status >/dev/null; jget "$1"; }

# Notifications: ntfy to a receiver that takes them; the webhook to a
# port where nothing listens, so its deliveries fail and, older than
# max_age (10 s), are given up.
python3 tests/tools/notify_receiver.py > "$T_TMP/recv.out" 2>&1 &
PEER_PIDS="${PEER_PIDS:-} $!"
n=0
while [ $n -lt 100 ] && ! grep -qs "^listening" "$T_TMP/recv.out"; do sleep 0.05; n=$((n + 1)); done
RECV=http://127.0.0.1:$(sed -n 's/^listening //p' "$T_TMP/recv.out")
openssl rand -hex 16 > "$T_TMP/wh.secret"
export WAIAAS_NOTIFICATIONS_NTFY_URL=$RECV/ WAIAAS_NOTIFICATIONS_NTFY_TOPIC=ops
export WAIAAS_NOTIFICATIONS_WEBHOOK_URL=http://127.0.0.1:$(free_port)/hook
export WAIAAS_NOTIFICATIONS_WEBHOOK_SECRET_FILE=$T_TMP/wh.secret
export WAIAAS_NOTIFICATIONS_MAX_AGE=10 WAIAAS_NOTIFICATIONS_TIMEOUT_MS=1000

start_anvil --chain-id 11155111
export WAIAAS_RPC_EVM_ETHEREUM_SEPOLIA=$ANVIL_URL WAIAAS_RPC_POLL_INTERVAL_MS=100
start_daemon || cannot_run "daemon starts"

# The master password, and nothing else.  (Checked once a session
# token exists, below, as well.)
admin_401() {	# admin_401 METHOD PATH: none, wrong, session: 401 each
	a=$(req "$1" "$2" "" "X-Nothing: x")
	b=$(req "$1" "$2" "" "X-Master-Password: wrong")
	c=$(req "$1" "$2" "" "$S")
	check "$1 $2 without the master password: 401 ($a), wrong one 401 ($b), a session token 401 ($c)" \
	    [ "$a $b $c" = "401 401 401" ]
}

code=$(req GET /v1/admin/status)
check "GET /v1/admin/status on a new daemon: 200, nothing counted ($code)" \
    [ "$code $(jget '[j["status"], j["walletCount"], j["activeSessionCount"], j["policyCount"], j["recentTxCount"], j["failedTxCount"], j["recentTransactions"], j["killSwitchState"]]')" = \
    "200 ['running', 0, 0, 0, 0, 0, [], 'ACTIVE']" ]
req GET /health >/dev/null
V=$(jget 'j["version"]')
req GET /v1/admin/status >/dev/null
check "... its version is /health's ($V), no update feed asked (latestVersion null)" \
    [ "$(jget '[j["version"], j["latestVersion"], j["updateAvailable"]]')" = "['$V', None, False]" ]
check "... uptime and timestamp are the daemon's age and now" \
    [ "$(jget "abs(j['timestamp'] - $(date +%s)) <= 2 and 0 <= j['uptime'] < 120")" = True ]
check "... the password came from the environment: not autoProvisioned" \
    [ "$(jget 'j["autoProvisioned"]')" = False ]
code=$(req GET "/v1/admin/status?x=1")
check "... a query it does not take: 400 naming it ($code)" \
    [ "$code $(jget 'j["code"], j["details"]["issues"][0]["path"][0]')" = "400 VALIDATION_FAILED x" ]

# A wallet (with its session), a second session, a policy.
req POST /v1/wallets '{"name":"<b>ops</b>","chain":"ethereum","environment":"testnet"}' >/dev/null
W=$(jget 'j["id"]')
S="Authorization: Bearer $(jget 'j["session"]["token"]')"
"$CAST" send -q --rpc-url "$ANVIL_URL" --private-key "$ANVIL_KEY0" \
    "$(jget 'j["publicKey"]')" --value 1ether >/dev/null
req POST /v1/sessions "{\"walletIds\":[\"$W\"]}" >/dev/null
S2ID=$(jget 'j["id"]')
req POST /v1/wallets '{"name":"w2","chain":"ethereum","environment":"testnet"}' >/dev/null
W2=$(jget 'j["id"]')
req POST /v1/policies "{\"walletId\":\"$W\",\"type\":\"SPENDING_LIMIT\",\"rules\":{\"instant_max\":\"1000\",\"notify_max\":\"2000\",\"delay_max\":\"3000\",\"delay_seconds\":60,\"approval_timeout\":300}}" >/dev/null
admin_401 GET /v1/admin/status
check "2 wallets, 3 sessions (one per wallet, and one more), 1 policy" \
    [ "$(status '[j["walletCount"], j["activeSessionCount"], j["policyCount"]]')" = "[2, 3, 1]" ]

T1=$(send_to 1 500)
wait_tx "$T1" >/dev/null
check "an INSTANT send confirms" [ "$(jget 'j["status"]')" = CONFIRMED ]
req GET /v1/admin/status >/dev/null
check "status: 1 recent transaction, 0 failed, the newest shown with its wallet's name" \
    [ "$(jget '[j["recentTxCount"], j["failedTxCount"], [(t["id"], t["walletId"], t["walletName"], t["status"], t["toAddress"].lower(), t["amount"], t["network"], t["txHash"] is not None) for t in j["recentTransactions"]]]')" = \
    "[1, 0, [('$T1', '$W', '<b>ops</b>', 'CONFIRMED', '$(R 1)', '500', '$NET', True)]]" ]

# One send per tier but NOTIFY: INSTANT confirms, DELAY and APPROVAL wait.
OWNER=0x70997970C51812dc3A010C7d01b50e0d17dc79C8
req PUT "/v1/wallets/$W/owner" "{\"owner_address\":\"$OWNER\"}" >/dev/null
TD=$(send_to 2 2500)
TA=$(send_to 3 3500)
code=$(req GET /v1/admin/stats)
check "GET /v1/admin/stats: 200 ($code)" [ "$code" = 200 ]
check "... transactions: 3, 1 CONFIRMED and 2 QUEUED, one per tier, all TRANSFER, 1 DELAY and 1 APPROVAL waiting" \
    [ "$(jget '*(lambda t: (t["total"], t["last24h"], t["last7d"], {k: v for k, v in t["byStatus"].items() if v}, t["byTier"], {k: v for k, v in t["byType"].items() if v}, t["waiting"]))(j["transactions"])')" = \
    "3 3 3 {'QUEUED': 2, 'CONFIRMED': 1} {'INSTANT': 1, 'NOTIFY': 0, 'DELAY': 1, 'APPROVAL': 1} {'TRANSFER': 3} {'delay': 1, 'approval': 1}" ]
check "... every status listed, at 0 when none has it" \
    [ "$(jget 'len(j["transactions"]["byStatus"]), j["transactions"]["byStatus"]["FAILED"]')" = "9 0" ]
check "... wallets: 2 ACTIVE, both ethereum, 1 with an owner" \
    [ "$(jget '(lambda w: (w["total"], w["byStatus"], w["byChain"], w["withOwner"]))(j["wallets"])')" = \
    "(2, {'ACTIVE': 2, 'SUSPENDED': 0, 'TERMINATED': 0}, {'ethereum': 2, 'solana': 0}, 1)" ]
check "... sessions: 3, all active" \
    [ "$(jget 'j["sessions"]')" = "{'total': 3, 'active': 3, 'revoked': 0, 'expired': 0}" ]
check "... policies: 1 SPENDING_LIMIT, every type listed" \
    [ "$(jget 'j["policies"]["total"], j["policies"]["byType"]["SPENDING_LIMIT"], len(j["policies"]["byType"]), sum(j["policies"]["byType"].values())')" = "1 1 12 1" ]
check "... notifications: events for DELAY and APPROVAL at least, counted for the two configured channels, undelivered the sum of their pending" \
    [ "$(jget '(lambda n: (n["events"] >= 2, sorted(n["byChannel"]), n["undelivered"] == sum(c["pending"] for c in n["byChannel"].values())))(j["notifications"])')" = "(True, ['ntfy', 'webhook'], True)" ]
check "... the kill switch ACTIVE, the version, the database's schema ($(db 'PRAGMA user_version'))" \
    [ "$(jget 'j["killSwitch"]["state"], j["system"]["version"], j["system"]["schemaVersion"]')" = "ACTIVE $V $(db 'PRAGMA user_version')" ]
admin_401 GET /v1/admin/stats

# Every wallet's transactions, filtered and paged.  A second DELAY send
# (TC) is left to run: it shows the delay did elapse for the one the
# operator cancels.
TC=$(send_to 4 2600)
T0=$(date +%s)
list() {	# list QUERY EXPR: GET /v1/admin/transactions?QUERY, EXPR on j
	c=$(req GET "/v1/admin/transactions?$1")
	echo "$c $(jget "$2")"
}
ids='[t["id"] for t in j["items"]], j["total"]'
check "GET /v1/admin/transactions: 200, all 4, newest first" \
    [ "$(list "" "$ids")" = "200 ['$TC', '$TA', '$TD', '$T1'] 4" ]
check "... each row in the reference's shape: its wallet's name, tier, recipient, amount, chain" \
    [ "$(list "limit=1" '[(t["walletName"], t["tier"], t["toAddress"].lower(), t["amount"], t["chain"], t["network"], t["type"], t["status"], t["txHash"], t["contractName"]) for t in j["items"]], j["limit"], j["offset"]')" = \
    "200 [('<b>ops</b>', 'DELAY', '$(R 4)', '2600', 'ethereum', '$NET', 'TRANSFER', 'QUEUED', None, None)] 1 0" ]
check "... limit=2&offset=1: the 2nd and 3rd, total still 4" \
    [ "$(list "limit=2&offset=1" "$ids")" = "200 ['$TA', '$TD'] 4" ]
check "... offset past the end: none, total 4" \
    [ "$(list "offset=10" "$ids")" = "200 [] 4" ]
check "... status=QUEUED: the three waiting" \
    [ "$(list "status=QUEUED" "$ids")" = "200 ['$TC', '$TA', '$TD'] 3" ]
check "... status=CONFIRMED&type=TRANSFER&wallet_id=W: the INSTANT one" \
    [ "$(list "status=CONFIRMED&type=TRANSFER&wallet_id=$W" "$ids")" = "200 ['$T1'] 1" ]
check "... wallet_id of the other wallet: none; type=APPROVE: none" \
    [ "$(list "wallet_id=$W2" "$ids") $(list "type=APPROVE" "$ids")" = "200 [] 0 200 [] 0" ]
check "... network by CAIP-2 id (its ':' as %3A): all 4; another network: none" \
    [ "$(list "network=eip155%3A11155111" 'j["total"]') $(list "network=ethereum-mainnet" 'j["total"]')" = "200 4 200 0" ]
check "... search: part of a recipient finds its one; the wallet's name in capitals all 4; part of an id its one" \
    [ "$(list "search=$(R 2 | cut -c30-)" "$ids") $(list "search=OPS" 'j["total"]') $(list "search=$(echo "$TA" | cut -c25-)" "$ids")" = \
    "200 ['$TD'] 1 200 4 200 ['$TA'] 1" ]
check "... since in the future: none; until 0: none; since 0 and until now+9: all" \
    [ "$(list "since=$((T0 + 100))" 'j["total"]') $(list "until=0" 'j["total"]') $(list "since=0&until=$((T0 + 9))" 'j["total"]')" = "200 0 200 0 200 4" ]
code=$(req GET "/v1/admin/transactions?status=DONE")
check "... an unknown status: 400 naming it ($code)" \
    [ "$code $(jget 'j["details"]["issues"][0]["path"][0]')" = "400 status" ]
check "... limit 101: 400; since -1: 400; an unknown key: 400" \
    [ "$(req GET "/v1/admin/transactions?limit=101") $(req GET "/v1/admin/transactions?since=-1") $(req GET "/v1/admin/transactions?walletId=$W")" = "400 400 400" ]
admin_401 GET /v1/admin/transactions

# The operator's cancel and reject.
admin_401 POST "/v1/admin/transactions/$TD/cancel"
admin_401 POST "/v1/admin/transactions/$TA/reject"
check "... and both still wait" \
    [ "$(list "status=QUEUED" "$ids")" = "200 ['$TC', '$TA', '$TD'] 3" ]
code=$(req POST "/v1/admin/transactions/$TD/reject")
check "rejecting a DELAY one: 409 INVALID_STATE_TRANSITION ($code), it still waits" \
    [ "$code $(jget 'j["code"]') $(list "status=QUEUED" 'j["total"]')" = "409 INVALID_STATE_TRANSITION 200 3" ]
code=$(req POST "/v1/admin/transactions/$TD/cancel")
check "POST /v1/admin/transactions/{TD}/cancel: 200, CANCELLED ($code)" \
    [ "$code $(jget 'j["id"], j["status"]')" = "200 $TD CANCELLED" ]
req GET "/v1/transactions/$TD" "" "$S" >/dev/null
check "... the agent sees it CANCELLED, code CANCELLED" \
    [ "$(jget 'j["status"], j["errorCode"]')" = "CANCELLED CANCELLED" ]
check "... audited: TX_CANCELLED by master" \
    [ "$(db "SELECT actor || ' ' || json_extract(details, '\$.code') FROM audit_log WHERE event = 'TX_CANCELLED' AND target = '$TD'")" = "master CANCELLED" ]
code=$(req POST "/v1/admin/transactions/$TD/cancel")
check "... again: 409 TX_ALREADY_PROCESSED ($code)" \
    [ "$code $(jget 'j["code"]')" = "409 TX_ALREADY_PROCESSED" ]
code=$(req POST "/v1/admin/transactions/$TA/reject")
check "POST /v1/admin/transactions/{TA}/reject: 200, CANCELLED, rejectedAt now ($code)" \
    [ "$code $(jget "j['id'], j['status'], abs(j['rejectedAt'] - $(date +%s)) <= 2")" = "200 $TA CANCELLED True" ]
req GET "/v1/transactions/$TA" "" "$S" >/dev/null
check "... the agent sees it CANCELLED, code APPROVAL_REJECTED" \
    [ "$(jget 'j["status"], j["errorCode"]')" = "CANCELLED APPROVAL_REJECTED" ]
check "... audited: TX_CANCELLED by master, APPROVAL_REJECTED" \
    [ "$(db "SELECT actor || ' ' || json_extract(details, '\$.code') FROM audit_log WHERE event = 'TX_CANCELLED' AND target = '$TA'")" = "master APPROVAL_REJECTED" ]
code=$(req POST "/v1/admin/transactions/$TA/reject")
check "... again: 409 TX_ALREADY_PROCESSED ($code)" \
    [ "$code $(jget 'j["code"]')" = "409 TX_ALREADY_PROCESSED" ]
U=01234567-89ab-7def-8123-456789abcdef
check "an unknown id: 404 TX_NOT_FOUND on both" \
    [ "$(req POST "/v1/admin/transactions/$U/cancel") $(jget 'j["code"]') $(req POST "/v1/admin/transactions/$U/reject") $(jget 'j["code"]')" = "404 TX_NOT_FOUND 404 TX_NOT_FOUND" ]
req GET /v1/admin/stats >/dev/null
check "stats: 2 CANCELLED, only TC waiting (delay 1, approval 0)" \
    [ "$(jget 'j["transactions"]["byStatus"]["CANCELLED"], j["transactions"]["waiting"]')" = "2 {'delay': 1, 'approval': 0}" ]

# TC's delay elapses and it confirms; TD, sent before it with the same
# delay, and TA never reach the chain.
n=0
while [ $n -lt 90 ] && [ "$(req GET "/v1/transactions/$TC" "" "$S" >/dev/null; jget 'j["status"]')" != CONFIRMED ]; do
	sleep 1
	n=$((n + 1))
done
check "TC, left in the queue, CONFIRMED after its delay (+2600 wei)" \
    [ "$(jget 'j["status"]') $(bal "$(R 4)")" = "CONFIRMED 2600" ]
check "TD and TA never reached the chain: nothing to their recipients, no hash, no signature, still CANCELLED" \
    [ "$(bal "$(R 2)") $(bal "$(R 3)") $(db "SELECT count(*) FROM transactions WHERE id IN ('$TD', '$TA') AND status = 'CANCELLED' AND raw IS NULL AND tx_hash IS NULL")" = "0 0 2" ]

# The notification channels and their log.  By now (a minute after
# TD and TA) the webhook's deliveries of them are given up.
code=$(req GET /v1/admin/notifications/status)
check "GET /v1/admin/notifications/status: 200, enabled; webhook and ntfy configured, telegram not ($code)" \
    [ "$code $(jget 'j["enabled"], [(c["name"], c["enabled"]) for c in j["channels"]]')" = \
    "200 True [('webhook', True), ('ntfy', True), ('telegram', False)]" ]
check "... no credential in it (the webhook's secret, its URL)" \
    sh -c "! grep -qF -e '$(cat "$T_TMP/wh.secret")' -e '/hook' '$T_TMP/body'"
NTFY_SENT=$(jget '[c["delivered"] for c in j["channels"] if c["name"] == "ntfy"][0]')
ALL=$(jget 'sum(c["delivered"] + c["failed"] + c["pending"] for c in j["channels"])')
GOT=$(curl -s "$RECV/ops/json?poll=1" | grep -c '"message"')
check "... ntfy: as many delivered as the receiver got ($NTFY_SENT, $GOT), at least 4 (TX_DELAYED twice and more)" \
    [ "$NTFY_SENT" = "$GOT" -a "$GOT" -ge 4 ]
check "... webhook: none delivered, some given up; telegram: nothing" \
    [ "$(jget '[(c["delivered"], c["failed"] > 0) for c in j["channels"] if c["name"] != "ntfy"]')" = "[(0, True), (0, False)]" ]
code=$(req GET /v1/admin/notifications/log)
check "GET /v1/admin/notifications/log: 200, total every delivery ($ALL), a first page of 20, newest first" \
    [ "$code $(jget 'j["total"], j["page"], j["pageSize"], len(j["logs"]) == min(20, j["total"]), [int(e["id"]) for e in j["logs"]] == sorted((int(e["id"]) for e in j["logs"]), reverse=True)')" = "200 $ALL 1 20 True True" ]
FIRST2=$(jget '[e["id"] for e in j["logs"][1:2]]')
check "... pageSize=1&page=2: the second newest" \
    [ "$(req GET "/v1/admin/notifications/log?pageSize=1&page=2") $(jget '[e["id"] for e in j["logs"]], j["total"]')" = "200 $FIRST2 $ALL" ]
check "... channel=ntfy&status=sent: as many as ntfy delivered, all of them sent to ntfy" \
    [ "$(req GET "/v1/admin/notifications/log?channel=ntfy&status=sent&pageSize=100") $(jget 'j["total"], set((e["channel"], e["status"]) for e in j["logs"])')" = "200 $NTFY_SENT {('ntfy', 'sent')}" ]
code=$(req GET "/v1/admin/notifications/log?eventType=TX_DELAYED")
check "... eventType=TX_DELAYED: TD and TC on both channels, the wallet named; ntfy's sent, the webhook's failed with why" \
    [ "$code $(jget 'sorted((e["channel"], e["status"], e["walletId"], e["error"] is not None, e["message"]) for e in j["logs"])')" = \
    "200 [('ntfy', 'sent', '$W', False, None), ('ntfy', 'sent', '$W', False, None), ('webhook', 'failed', '$W', True, None), ('webhook', 'failed', '$W', True, None)]" ]
check "... the same event id on both channels, once per channel" \
    [ "$(jget 'len(set(e["eventId"] for e in j["logs"])), len(set((e["eventId"], e["channel"]) for e in j["logs"]))')" = "2 4" ]
check "... channel=telegram: none; since in the future: none; until 0: none" \
    [ "$(req GET "/v1/admin/notifications/log?channel=telegram") $(jget 'j["total"]') $(req GET "/v1/admin/notifications/log?since=$(($(date +%s) + 100))") $(jget 'j["total"]') $(req GET "/v1/admin/notifications/log?until=0") $(jget 'j["total"]')" = "200 0 200 0 200 0" ]
check "... pageSize 0, pageSize 101, page 0, channel sms, status done: 400 each" \
    [ "$(req GET "/v1/admin/notifications/log?pageSize=0") $(req GET "/v1/admin/notifications/log?pageSize=101") $(req GET "/v1/admin/notifications/log?page=0") $(req GET "/v1/admin/notifications/log?channel=sms") $(req GET "/v1/admin/notifications/log?status=done")" = "400 400 400 400 400" ]
admin_401 GET /v1/admin/notifications/status
admin_401 GET /v1/admin/notifications/log

req DELETE "/v1/sessions/$S2ID" >/dev/null
req DELETE "/v1/wallets/$W2" >/dev/null
check "a session revoked, a wallet terminated (and its session with it): 1 wallet, 1 session" \
    [ "$(status '[j["walletCount"], j["activeSessionCount"]]')" = "[1, 1]" ]
req GET /v1/admin/stats >/dev/null
check "... stats: 1 wallet TERMINATED, 1 ethereum left; 2 sessions revoked of 3" \
    [ "$(jget 'j["wallets"]["byStatus"]["TERMINATED"], j["wallets"]["byChain"]["ethereum"], j["sessions"]["revoked"], j["sessions"]["active"], j["sessions"]["total"]')" = "1 1 2 1 3" ]

# The archives of backups/, which the parent owns and reads; policyd
# parses their metadata.  Checked against the files themselves.
CLI=$PWD/$BUILD/waiaas
C() { WAIAAS_DATA_DIR=$DATA WAIAAS_DAEMON_PORT=$PORT "$CLI" "$@"; }
code=$(req GET /v1/admin/backups)
check "GET /v1/admin/backups with none: 200, empty, retention_count 0 ($code)" \
    [ "$code $(jget 'j["backups"], j["total"], j["retention_count"]')" = "200 [] 0 0" ]
A1=$(basename "$(C backup create 2>/dev/null)")
sleep 1.1
A2=$(basename "$(C backup create 2>/dev/null)")
# What an archive's clear metadata says, read here from the file.
meta() {
	python3 - "$DATA/backups/$1" <<'PY'
import json, struct, sys
b = open(sys.argv[1], "rb").read()
assert b[:8] == b"WAIABK01"
n = struct.unpack(">I", b[8:12])[0]
m = json.loads(b[12:12 + n])
print(m["created"], m["version"], m["schemaVersion"], len(m["files"]))
PY
}
head -c 3000 /dev/urandom > "$DATA/backups/junk.wbk"
touch -d @1000000000 "$DATA/backups/junk.wbk"
printf 'x' > "$DATA/backups/notes.txt"
mkdir "$DATA/backups/dir.wbk"
ln -s "$DATA/backups/$A1" "$DATA/backups/link.wbk"
code=$(req GET /v1/admin/backups)
check "two archives made by waiaas backup create ($A1, $A2), and a junk .wbk: 3 listed, newest first, nothing else (not a .txt, a directory or a symlink)" \
    [ "$code $(jget '[b["filename"] for b in j["backups"]], j["total"]')" = "200 ['$A2', '$A1', 'junk.wbk'] 3" ]
row() { jget "(lambda b: '%s %s %s %s %s %s' % (b['path'], b['size'], b['created_at'], b['daemon_version'], b['schema_version'], b['file_count']))([b for b in j['backups'] if b['filename'] == '$1'][0])"; }
check "... each archive's path, size, and its metadata's created, version, schema and file count" \
    [ "$(row "$A1")|$(row "$A2")" = \
    "$DATA/backups/$A1 $(stat -c %s "$DATA/backups/$A1") $(meta "$A1")|$DATA/backups/$A2 $(stat -c %s "$DATA/backups/$A2") $(meta "$A2")" ]
check "... the metadata's schema is the database's, the version the daemon's, 2+ files" \
    [ "$(row "$A2" | awk '{print $4, $5, ($6 >= 2)}')" = "$V $(db 'PRAGMA user_version') 1" ]
check "... the junk one: its size, its file's time (2001), nothing from a metadata it lacks" \
    [ "$(row junk.wbk)" = "$DATA/backups/junk.wbk 3000 2001-09-09T01:46:40Z unknown 0 0" ]
admin_401 GET /v1/admin/backups
check "the daemon is still whole after the lists" [ "$(req GET /health)" = 200 ]

# The kill switch, as the status says it.
req POST /v1/admin/kill-switch >/dev/null
check "the switch pulled: killSwitchState SUSPENDED, no session active" \
    [ "$(status '[j["killSwitchState"], j["activeSessionCount"]]')" = "['SUSPENDED', 0]" ]
req POST /v1/admin/recover >/dev/null
check "recovered: ACTIVE" [ "$(status 'j["killSwitchState"]')" = ACTIVE ]
req POST /v1/sessions "{\"walletIds\":[\"$W\"]}" >/dev/null
S="Authorization: Bearer $(jget 'j["token"]')"

check "no sanitizer reports" no_sanitizer_reports
