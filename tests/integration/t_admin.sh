#!/bin/sh
# The operator's read routes behind /admin, with the real daemon and
# anvil: GET /v1/admin/status counts what was done (wallets, sessions,
# policies, transactions) and follows every change, the kill switch
# included.  No route here answers without the master password: none, a
# wrong one and a session token are each a 401.
. tests/integration/lib.sh

NET=ethereum-sepolia
R() { printf '0x6%039d' "$1"; }
bal() { "$CAST" balance --rpc-url "$ANVIL_URL" "$1"; }
db() { sqlite3 "$DATA/data/waiaas.db" "PRAGMA busy_timeout=3000; $1" | tail -1; }
send_to() {	# send_to N AMOUNT: a transfer to R(N); prints the id
	send "{\"network\":\"$NET\",\"to\":\"$(R "$1")\",\"amount\":\"$2\"}"
}
status() { req GET /v1/admin/status >/dev/null; jget "$1"; }

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
    "(2, {'ACTIVE': 2, 'TERMINATED': 0}, {'ethereum': 2, 'solana': 0}, 1)" ]
check "... sessions: 3, all active" \
    [ "$(jget 'j["sessions"]')" = "{'total': 3, 'active': 3, 'revoked': 0, 'expired': 0}" ]
check "... policies: 1 SPENDING_LIMIT, every type listed" \
    [ "$(jget 'j["policies"]["total"], j["policies"]["byType"]["SPENDING_LIMIT"], len(j["policies"]["byType"]), sum(j["policies"]["byType"].values())')" = "1 1 11 1" ]
check "... no channel configured: nothing undelivered, no channel counted" \
    [ "$(jget 'j["notifications"]["undelivered"], j["notifications"]["byChannel"]')" = "0 {}" ]
check "... the kill switch ACTIVE, the version, the database's schema ($(db 'PRAGMA user_version'))" \
    [ "$(jget 'j["killSwitch"]["state"], j["system"]["version"], j["system"]["schemaVersion"]')" = "ACTIVE $V $(db 'PRAGMA user_version')" ]
admin_401 GET /v1/admin/stats

req DELETE "/v1/sessions/$S2ID" >/dev/null
req DELETE "/v1/wallets/$W2" >/dev/null
check "a session revoked, a wallet terminated (and its session with it): 1 wallet, 1 session" \
    [ "$(status '[j["walletCount"], j["activeSessionCount"]]')" = "[1, 1]" ]
req GET /v1/admin/stats >/dev/null
check "... stats: 1 wallet TERMINATED, 1 ethereum left; 2 sessions revoked of 3" \
    [ "$(jget 'j["wallets"]["byStatus"]["TERMINATED"], j["wallets"]["byChain"]["ethereum"], j["sessions"]["revoked"], j["sessions"]["active"], j["sessions"]["total"]')" = "1 1 2 1 3" ]

# The kill switch, as the status says it.
req POST /v1/admin/kill-switch >/dev/null
check "the switch pulled: killSwitchState SUSPENDED, no session active" \
    [ "$(status '[j["killSwitchState"], j["activeSessionCount"]]')" = "['SUSPENDED', 0]" ]
req POST /v1/admin/recover >/dev/null
check "recovered: ACTIVE" [ "$(status 'j["killSwitchState"]')" = ACTIVE ]
req POST /v1/sessions "{\"walletIds\":[\"$W\"]}" >/dev/null
S="Authorization: Bearer $(jget 'j["token"]')"

check "no sanitizer reports" no_sanitizer_reports
