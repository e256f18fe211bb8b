#!/bin/sh
# The operator's view of the daemon's outside world, with the real
# daemon, anvil and a local price server (tests/node/price_server.js):
# GET /v1/admin/rpc-status shows anvil's endpoint answering after a
# call, and an endpoint on a port where nothing listens failing (its
# failures counted, its password masked); GET /v1/admin/oracle-status
# shows the price source (its key masked), and policyd's price table
# counting a priced send as a hit, a network without a price as a miss,
# a price past price_max_age as a stale hit, and a price the api stopped
# vouching for (a jump held) as an eviction.  GET /v1/admin/settings
# shows every key, credentials (a webhook secret, URLs with a password
# or a key) only as set; PUT changes a run-time key (a session limit
# that then refuses a session), all or nothing (a refused key, a bad
# value change nothing), audited, and kept across a restart until
# config.toml says otherwise for that key.
# No route here answers without the master password.
. tests/integration/lib.sh

NET=ethereum-sepolia
ACC1=0x70997970C51812dc3A010C7d01b50e0d17dc79C8
KEY=0123456789abcdef0123456789abcdef
PW=hunter2pass
E001=10000000000000000

admin_401() {	# admin_401 METHOD PATH [BODY]: none, wrong, session: 401 each
	a=$(req "$1" "$2" "${3:-}" "X-Nothing: x")
	b=$(req "$1" "$2" "${3:-}" "X-Master-Password: wrong")
	c=$(req "$1" "$2" "${3:-}" "$S")
	check "$1 $2 without the master password: 401 ($a), wrong one 401 ($b), a session token 401 ($c)" \
	    [ "$a $b $c" = "401 401 401" ]
}
# ops PATH EXPR: GET PATH as the operator, then EXPR over its body.
ops() { req GET "$1" >/dev/null; jget "$2"; }
# ep NETWORK EXPR: EXPR over the network's one endpoint e of rpc-status.
ep() { ops /v1/admin/rpc-status "(lambda e: $2)(j['networks']['$1'][0])"; }
cache() { ops /v1/admin/oracle-status "j['cache']['$1']"; }
db_q() { sqlite3 "$DATA/data/waiaas.db" "PRAGMA busy_timeout=3000; $1" | tail -n +2; }

node_bg tests/node/price_server.js --port 0 > "$T_TMP/prices.out" 2>&1
PEER_PIDS="${PEER_PIDS:-} $!"
n=0
while [ $n -lt 100 ] && ! grep -qs '^listening [0-9]' "$T_TMP/prices.out"; do sleep 0.05; n=$((n + 1)); done
PP=$(sed -n 's/^listening \([0-9]*\)$/\1/p' "$T_TMP/prices.out")
[ -n "$PP" ] || peer_missing "tests/node/price_server.js" "it did not start"
PRICE=http://127.0.0.1:$PP
pset() { curl -s -o /dev/null -X POST --data "$1" "$PRICE/__set"; }
pcount() {
	curl -s -o "$T_TMP/stats.json" "$PRICE/__stats"
	json_get "$T_TMP/stats.json" 'j["count"]'
}
wait_fetch() {	# until the price server has been asked once more
	c0=$(pcount)
	n=0
	while [ $n -lt 120 ] && [ "$(pcount)" -le "$c0" ]; do sleep 0.1; n=$((n + 1)); done
	sleep 0.5
}
pset '{"prices":{"ethereum":2000,"solana":150}}'

start_anvil --chain-id 11155111
DEAD=$(free_port)
export WAIAAS_RPC_EVM_ETHEREUM_SEPOLIA=$ANVIL_URL
export WAIAAS_RPC_EVM_BASE_SEPOLIA=http://ops:$PW@127.0.0.1:$DEAD/
export WAIAAS_RPC_TIMEOUT_MS=1000 WAIAAS_RPC_RETRIES=0
export WAIAAS_SECURITY_PRICE_URL=http://localhost:$PP/k/$KEY/simple/price
export WAIAAS_SECURITY_PRICE_IDS="ETH=ethereum;SOL=solana"
export WAIAAS_SECURITY_PRICE_REFRESH=5 WAIAAS_SECURITY_PRICE_MAX_AGE=10
export WAIAAS_SECURITY_PRICE_MAX_CHANGE_PCT=30
# A webhook (to the dead port) with its secret from a file.
openssl rand -hex 16 > "$T_TMP/wh.secret"
WHS=$(cat "$T_TMP/wh.secret")
export WAIAAS_NOTIFICATIONS_WEBHOOK_URL=http://127.0.0.1:$DEAD/hook
export WAIAAS_NOTIFICATIONS_WEBHOOK_SECRET_FILE=$T_TMP/wh.secret
start_daemon || cannot_run "daemon starts"

req POST /v1/wallets '{"name":"ops","chain":"ethereum","environment":"testnet"}' >/dev/null
W=$(jget 'j["id"]')
ADDR=$(jget 'j["publicKey"]')
S="Authorization: Bearer $(jget 'j["session"]["token"]')"
"$CAST" send -q --rpc-url "$ANVIL_URL" --private-key "$ANVIL_KEY0" "$ADDR" \
    --value 1ether >/dev/null

# --- GET /v1/admin/rpc-status -------------------------------------------
code=$(req GET /v1/admin/rpc-status)
check "GET /v1/admin/rpc-status: 200 ($code), every network listed" \
    [ "$code $(jget 'len(j["networks"]) >= 15 and isinstance(j["builtinUrls"], dict)')" = "200 True" ]
check "... a network without an endpoint has none (public defaults off)" \
    [ "$(jget 'j["networks"]["ethereum-mainnet"]')" = "[]" ]
check "... builtinUrls: the public endpoint of each built-in network, in use or not" \
    [ "$(jget 'j["builtinUrls"]["ethereum-mainnet"] == ["https://ethereum-rpc.publicnode.com"] and len(j["builtinUrls"]) == 15')" = True ]
check "... anvil's endpoint as configured, from the config" \
    [ "$(ep $NET '[e["url"], e["source"]]')" = "['$ANVIL_URL', 'config']" ]

c=$(req GET "/v1/wallet/balance?network=$NET" "" "$S")
check "a balance read on $NET ($c)" [ "$c" = 200 ]
check "... anvil's endpoint: available, no failure, state ok" \
    [ "$(ep $NET '[e["status"], e["failureCount"], e["cooldownRemainingMs"], e["state"]]')" = "['available', 0, 0, 'ok']" ]
check "... its last answer is now, its latency measured, calls counted" \
    [ "$(ep $NET "abs(e['lastSuccessAt'] - $(date +%s)) <= 2 and e['lastFailureAt'] is None and 0 <= e['lastLatencyMs'] < 1000 and e['calls'] >= 1 and e['failures'] == 0")" = True ]
calls=$(ep $NET 'e["calls"]')

B=base-sepolia
check "the dead endpoint before any call: available, nothing counted" \
    [ "$(ep $B '[e["status"], e["calls"], e["lastSuccessAt"], e["lastFailureAt"]]')" = "['available', 0, None, None]" ]
check "... its password is masked" \
    [ "$(ep $B 'e["url"]')" = "http://***@127.0.0.1:$DEAD/" ]
c=$(req GET "/v1/wallet/balance?network=$B" "" "$S")
check "a balance read on $B, where nothing listens, fails ($c)" [ "$c" != 200 ]
check "... the endpoint: cooldown, 1 failure since the last answer, unreachable, why" \
    [ "$(ep $B '[e["status"], e["failureCount"], e["cooldownRemainingMs"], e["state"], e["failures"], bool(e.get("lastError"))]')" = "['cooldown', 1, 0, 'unreachable', 1, True]" ]
check "... its last failure is now, it never answered" \
    [ "$(ep $B "abs(e['lastFailureAt'] - $(date +%s)) <= 2 and e['lastSuccessAt'] is None")" = True ]
req GET "/v1/wallet/balance?network=$B" "" "$S" >/dev/null
check "a second failed read: failureCount 2" [ "$(ep $B 'e["failureCount"]')" = 2 ]
check "anvil's endpoint is not touched by the other's failures" \
    [ "$(ep $NET '[e["status"], e["failureCount"], e["calls"] >= '"$calls"']')" = "['available', 0, True]" ]
req GET /v1/admin/rpc-status >/dev/null
check "no password or key of an endpoint in the answer" \
    sh -c "! grep -q -e '$PW' -e ops: '$T_TMP/body'"
code=$(req GET "/v1/admin/rpc-status?x=1")
check "a query it does not take: 400 ($code)" [ "$code" = 400 ]
admin_401 GET /v1/admin/rpc-status

# --- GET /v1/admin/oracle-status ----------------------------------------
c=$(req POST /v1/policies "{\"walletId\":\"$W\",\"type\":\"SPENDING_LIMIT\",\"rules\":{\"instant_max_usd\":1000,\"notify_max_usd\":2000,\"delay_max_usd\":3000}}")
check "a USD SPENDING_LIMIT for the wallet ($c)" [ "$c" = 201 ]
n=0
while [ $n -lt 50 ] && [ "$(ops /v1/admin/oracle-status 'j["cache"]["size"]')" != 2 ]; do sleep 0.2; n=$((n + 1)); done
code=$(req GET /v1/admin/oracle-status)
check "GET /v1/admin/oracle-status: 200 ($code), the two fetched prices held" \
    [ "$code $(jget 'j["cache"]["size"]')" = "200 2" ]
check "... the CoinGecko-style source: available, its key found and masked" \
    [ "$(jget '[j["sources"]["coingecko"]["available"], j["sources"]["coingecko"]["apiKeyConfigured"], j["sources"]["coingecko"]["baseUrl"]]')" = \
    "[True, True, 'http://localhost:$PP/k/***/simple/price']" ]
check "... no Pyth source here; cross-validation at price_max_change_pct" \
    [ "$(jget '[j["sources"]["pyth"], j["crossValidation"]]')" = \
    "[{'available': False, 'baseUrl': ''}, {'enabled': True, 'threshold': 30}]" ]
check "... the key is nowhere in the answer" \
    sh -c "! grep -q '$KEY' '$T_TMP/body'"
h0=$(cache hits)
m0=$(cache misses)
c=$(req POST /v1/transactions/simulate "{\"network\":\"$NET\",\"to\":\"$ACC1\",\"amount\":\"$E001\"}" "$S")
h1=$(cache hits)
# the amount's value, then the fee's: two lookups, both hits
check "a priced send (simulated, $c) is a hit of the price table (its amount, its fee: $h0 -> $h1)" \
    [ "$c $h1" = "200 $((h0 + 2))" ]
check "... and no miss" [ "$(cache misses)" = "$m0" ]
T=$(send "{\"network\":\"$NET\",\"to\":\"$ACC1\",\"amount\":\"$E001\"}")
wait_tx "$T" >/dev/null
check "a send that confirms ($(jget 'j["status"]')) is one more hit" \
    [ "$(cache hits)" = $((h1 + 1)) ]
req POST /v1/transactions/simulate "{\"network\":\"polygon-amoy\",\"to\":\"$ACC1\",\"amount\":\"$E001\"}" "$S" >/dev/null
check "a send on polygon-amoy, whose POL has no price, is a miss" \
    [ "$(cache misses)" = $((m0 + 1)) ]

# A jump of SOL's price past price_max_change_pct: the api holds it and
# stops sending SOL, and policyd's table drops it.
e0=$(cache evictions)
pset '{"prices":{"solana":1500}}'
wait_fetch
check "a price the api stops vouching for (a jump held) is evicted" \
    [ "$(cache evictions) $(cache size)" = "$((e0 + 1)) 1" ]

# The source fails: ETH's last price goes stale after price_max_age.
pset '{"mode":"status","code":500}'
s0=$(cache staleHits)
n=0
while [ $n -lt 40 ] && [ "$(cache staleHits)" = "$s0" ]; do
	req POST /v1/transactions/simulate "{\"network\":\"$NET\",\"to\":\"$ACC1\",\"amount\":\"$E001\"}" "$S" >/dev/null
	sleep 0.5
	n=$((n + 1))
done
check "once the source has failed past price_max_age, a send finds ETH's price stale" \
    [ "$(cache staleHits)" -gt "$s0" ]
check "... and the source is no longer available" \
    [ "$(ops /v1/admin/oracle-status 'j["sources"]["coingecko"]["available"]')" = False ]
code=$(req GET "/v1/admin/oracle-status?x=1")
check "a query it does not take: 400 ($code)" [ "$code" = 400 ]
admin_401 GET /v1/admin/oracle-status

# --- GET and PUT /v1/admin/settings -------------------------------------
code=$(req GET /v1/admin/settings)
check "GET /v1/admin/settings: 200 ($code), the reference's twelve categories" \
    [ "$code $(jget 'sorted(j)')" = "200 ['autostop', 'daemon', 'display', 'gas_condition', 'monitoring', 'notifications', 'oracle', 'rpc', 'security', 'signing_sdk', 'telegram', 'walletconnect']" ]
check "... the webhook secret only as set, an unset bot token as not" \
    [ "$(jget '[j["notifications"]["webhook_secret"], j["telegram"]["telegram_bot_token"]]')" = "[True, False]" ]
check "... URLs with a password or a key only as set, a plain one without its path" \
    [ "$(jget '[j["rpc"]["evm_base_sepolia"], j["oracle"]["price_url"], j["rpc"]["evm_ethereum_sepolia"], j["notifications"]["webhook_url"]]')" = \
    "[True, True, '$ANVIL_URL', 'http://127.0.0.1:$DEAD/***']" ]
check "... the other keys as configured (port, price_max_age, the gas cap)" \
    [ "$(jget '[j["daemon"]["port"], j["oracle"]["price_max_age"], j["gas_condition"]["max_gas_limit"], j["rpc"]["public_defaults"]]')" = \
    "['$PORT', '10', '15000000', False]" ]
check "... no secret, password or key in the answer" \
    sh -c "! grep -q -e '$WHS' -e '$PW' -e '$KEY' '$T_TMP/body'"
check "... max_sessions_per_wallet: the default, 10" \
    [ "$(jget 'j["security"]["max_sessions_per_wallet"]')" = 10 ]

# GET /v1/admin/settings/schema: the same keys, each defined.
n_keys=$(jget 'sum(len(v) for v in j.values())')
code=$(req GET /v1/admin/settings/schema)
check "GET /v1/admin/settings/schema: 200 ($code), a definition for each of the $n_keys keys" \
    [ "$code $(jget 'len(j["settings"])')" = "200 $n_keys" ]
sdef() { jget "[s for s in j['settings'] if s['key'] == '$1'][0]$2"; }
check "... a run-time key: its default, bounds and variable, and that it changes at run time" \
    [ "$(sdef security.max_sessions_per_wallet '["defaultValue"]') $(sdef security.max_sessions_per_wallet '["description"]')" = \
    "10 [security] max_sessions_per_wallet in config.toml, or WAIAAS_SECURITY_MAX_SESSIONS_PER_WALLET; an integer from 1 to 1000; changes at run time (PUT /v1/admin/settings)" ]
check "... isEditable: the keys PUT takes, and only those" \
    [ "$(sdef security.max_sessions_per_wallet '["isEditable"]') $(sdef daemon.port '["isEditable"]') $(jget 'sorted(s["key"] for s in j["settings"] if s["isEditable"])')" = \
    "True False ['gas_condition.max_fee_per_gas_gwei', 'gas_condition.max_gas_limit', 'notifications.max_age', 'oracle.price_max_age', 'oracle.price_unpriced', 'security.master_lock_seconds', 'security.max_sessions_per_wallet', 'security.owner_kill_recover_delay']" ]
check "... one read at start says so; the webhook secret is a credential, with no default shown" \
    [ "$(sdef daemon.port '["description"].endswith("restart")') $(sdef notifications.webhook_secret '["isCredential"]') $(sdef notifications.webhook_url '["isCredential"]')" = "True True False" ]
code=$(req GET "/v1/admin/settings/schema?grouped=true")
check "... grouped=true: the twelve categories, every key in one ($code)" \
    [ "$code $(jget 'len(j["categories"]), sum(len(c["settings"]) for c in j["categories"])')" = "200 12 $n_keys" ]
code=$(req GET "/v1/admin/settings/schema?grouped=1")
check "... grouped not true or false: 400 ($code)" [ "$code" = 400 ]
admin_401 GET /v1/admin/settings/schema

put() { req PUT /v1/admin/settings "{\"settings\":$1}"; }
setting() { ops /v1/admin/settings "j$1"; }
sessions_ok() { req POST /v1/sessions "{\"walletIds\":[\"$W\"]}"; }

code=$(put '[{"key":"security.max_sessions_per_wallet","value":"2"},{"key":"notifications.max_age","value":"120"}]')
check "PUT two run-time keys: 200 ($code), both updated, the answer shows them" \
    [ "$code $(jget '[j["updated"], j["settings"]["security"]["max_sessions_per_wallet"], j["settings"]["notifications"]["max_age"]]')" = \
    "200 [2, '2', '120']" ]
c1=$(sessions_ok)
c2=$(sessions_ok)
check "the limit applies at once: the wallet's second session ($c1), its third refused ($c2 $(jget 'j["code"]'))" \
    [ "$c1 $c2 $(jget 'j["code"]')" = "201 403 SESSION_LIMIT_EXCEEDED" ]
check "the audit log has each change, old and new value" \
    [ "$(db_q "SELECT actor || ' ' || target || ' ' || json_extract(details, '\$.oldValue') || ' ' || json_extract(details, '\$.newValue') FROM audit_log WHERE event = 'settings.updated' ORDER BY id")" = \
    "$(printf 'operator security.max_sessions_per_wallet 10 2\noperator notifications.max_age 86400 120')" ]

code=$(put '[{"key":"notifications.max_age","value":"600"},{"key":"daemon.port","value":"1"}]')
check "a key that cannot change at run time: 400 ACTION_VALIDATION_FAILED naming it ($code)" \
    [ "$code $(jget '[j["code"], "daemon.port" in j["message"]]')" = "400 ['ACTION_VALIDATION_FAILED', True]" ]
code=$(put '[{"key":"notifications.max_age","value":"600"},{"key":"security.max_sessions_per_wallet","value":"0"}]')
check "a value out of bounds: 400 naming the key and the bounds ($code)" \
    [ "$code $(jget '[j["code"], "max_sessions_per_wallet" in j["message"], "1 to 1000" in j["message"]]')" = "400 ['ACTION_VALIDATION_FAILED', True, True]" ]
code=$(put '[{"key":"oracle.price_unpriced","value":"maybe"}]')
check "a value not of the key's kind: 400 ($code)" [ "$code $(jget 'j["code"]')" = "400 ACTION_VALIDATION_FAILED" ]
code=$(put '[{"key":"security.no_such_key","value":"1"}]')
check "an unknown key: 400 ($code)" [ "$code $(jget 'j["code"]')" = "400 ACTION_VALIDATION_FAILED" ]
code=$(put '[{"key":"notifications.max_age","value":"600"},{"key":"notifications.max_age","value":"700"}]')
check "a key given twice: 400 ($code)" [ "$code" = 400 ]
code=$(put '[{"key":"notifications.max_age","value":"600","extra":1}]')
check "an entry with a field it does not take: 400 VALIDATION_FAILED ($code)" \
    [ "$code $(jget 'j["code"]')" = "400 VALIDATION_FAILED" ]
code=$(put "[$(python3 -c 'print(",".join(["{\"key\":\"notifications.max_age\",\"value\":\"60\"}"] * 33))')]")
check "33 entries: 400 ($code)" [ "$code" = 400 ]
check "none of the refused requests changed anything" \
    [ "$(setting '["notifications"]["max_age"], j["security"]["max_sessions_per_wallet"]')" = "120 2" ]
check "... nor was any audited" \
    [ "$(db_q "SELECT count(*) FROM audit_log WHERE event = 'settings.updated'")" = 2 ]
admin_401 GET /v1/admin/settings
admin_401 PUT /v1/admin/settings '{"settings":[{"key":"security.max_sessions_per_wallet","value":"1000"}]}'
check "... and the refused PUTs changed nothing" \
    [ "$(setting '["security"]["max_sessions_per_wallet"]')" = 2 ]

# A restart: the overrides are kept.
check "no sanitizer reports before the restart" no_sanitizer_reports
kill -TERM "$DPID"; wait_gone "$DPID" 5000; DPID=""
start_daemon || cannot_run "daemon starts again"
check "after a restart the overrides apply (and say so in the log)" \
    [ "$(setting '["security"]["max_sessions_per_wallet"], j["notifications"]["max_age"]')" = "2 120" ]
check "... logged" wait_log "setting security.max_sessions_per_wallet = 2 (set at run time"
c=$(sessions_ok)
check "... and the limit still refuses a third session ($c)" [ "$c" = 403 ]

# The operator edits config.toml for one key: the file wins for that
# key, the other override stays.
printf '[security]\nmax_sessions_per_wallet = 4\n' > "$DATA/config.toml"
kill -TERM "$DPID"; wait_gone "$DPID" 5000; DPID=""
start_daemon || cannot_run "daemon starts with config.toml"
check "config.toml edited for the key since: it wins (4), the other override stays (120)" \
    [ "$(setting '["security"]["max_sessions_per_wallet"], j["notifications"]["max_age"]')" = "4 120" ]
check "... the dropped override is logged and audited" \
    [ "$(db_q "SELECT count(*) FROM audit_log WHERE event = 'settings.dropped' AND target = 'security.max_sessions_per_wallet'")" = 1 ]
c=$(sessions_ok)
check "... a third session is allowed again ($c)" [ "$c" = 201 ]
code=$(put '[{"key":"notifications.max_age","value":"86400"}]')
check "setting a key back to the configuration's value removes its override ($code)" \
    [ "$code $(db_q "SELECT count(*) FROM settings")" = "200 0" ]
check "no sanitizer reports" no_sanitizer_reports
