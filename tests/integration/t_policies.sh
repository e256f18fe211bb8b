#!/bin/sh
# Policies over REST with the real daemon: a create, read, update and
# delete round trip for every type, each change in the audit trail; what
# a session may read; scope checks; then a corpus of malformed requests,
# each refused with a 4xx in the documented JSON and changing nothing.
. tests/integration/lib.sh

U() { echo "http://127.0.0.1:$PORT$1"; }
M="X-Master-Password: $WAIAAS_MASTER_PASSWORD"
EVM1=0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266
EVM2=0x70997970C51812dc3A010C7d01b50e0d17dc79C8
SOL1=EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v
SOL2=So11111111111111111111111111111111111111112
NOID=01a20200-0000-7000-8000-000000000000

req() {	# req METHOD PATH [JSON] [header] -> status; body in $T_TMP/body
	if [ -n "${3:-}" ]; then
		http_code -X "$1" -H "Content-Type: application/json" \
		    -H "${4:-$M}" --data-binary "$3" "$(U "$2")"
	else
		http_code -X "$1" -H "${4:-$M}" "$(U "$2")"
	fi
}
req_file() {	# req_file METHOD PATH FILE -> status
	http_code -X "$1" -H "Content-Type: application/json" -H "$M" \
	    -H "Expect:" --data-binary "@$3" "$(U "$2")"
}
jget() { json_get "$T_TMP/body" "$1"; }
# The documented error body: {code, message, requestId, retryable}.
is_error() {
	python3 -c 'import json, sys
j = json.load(open(sys.argv[1]))
sys.exit(not (isinstance(j.get("code"), str) and
    isinstance(j.get("message"), str) and
    isinstance(j.get("requestId"), str) and
    isinstance(j.get("retryable"), bool)))' "$T_TMP/body"
}
has_issue() {	# has_issue JSON-PATH...: details.issues holds each path
	python3 -c 'import json, sys
j = json.load(open(sys.argv[1]))
have = [i["path"] for i in j["details"]["issues"]]
sys.exit(not all(json.loads(p) in have for p in sys.argv[2:]))' \
	    "$T_TMP/body" "$@"
}
status_is() {	# status_is STATUS [JSON-PATH...]: $code, documented body
	[ "$code" = "$1" ] && is_error && { shift; [ $# = 0 ] || has_issue "$@"; }
}
# policy_is TYPE WALLET RULES PRIORITY ENABLED NETWORK: the body is that
# policy (rules as given, plus SPENDING_LIMIT's stored defaults).
policy_is() {
	python3 - "$T_TMP/body" "$@" <<'EOF'
import json, sys
j = json.load(open(sys.argv[1]))
t, w, rules, prio, en, net = sys.argv[2:8]
r = json.loads(rules)
extra = set(j["rules"]) - set(r)
ok = (set(j) == {"id", "walletId", "type", "rules", "priority", "enabled",
    "network", "createdAt", "updatedAt"} and j["type"] == t and
    j["walletId"] == (w or None) and j["priority"] == int(prio) and
    j["enabled"] == (en == "true") and j["network"] == (net or None) and
    all(j["rules"][k] == v for k, v in r.items()) and
    extra <= {"delay_seconds", "approval_timeout"} and
    (not extra or t == "SPENDING_LIMIT") and
    isinstance(j["createdAt"], int) and j["updatedAt"] >= j["createdAt"])
sys.exit(0 if ok else 1)
EOF
}
ids_are() {	# ids_are ID...: the list answer holds exactly these
	python3 -c 'import json, sys
j = json.load(open(sys.argv[1]))
sys.exit(not (sorted(p["id"] for p in j["data"]) == sorted(sys.argv[2:])
    and j["total"] == len(sys.argv) - 2))' "$T_TMP/body" "$@"
}
audit_has() {	# audit_has EVENT ID TYPE WALLET
	http_code -H "$M" "$(U '/v1/audit-logs?limit=500')" > /dev/null
	python3 -c 'import json, sys
j = json.load(open(sys.argv[1]))
ev, pid, t, w = sys.argv[2:6]
sys.exit(not any(e["event"] == ev and e["target"] == pid and
    e["actor"] == "operator" and e["details"]["id"] == pid and
    e["details"]["type"] == t and e["details"]["walletId"] == (w or None)
    for e in j["data"]))' "$T_TMP/body" "$@"
}
snapshot() {	# snapshot FILE: every policy, and the audit trail's length
	http_code -H "$M" "$(U '/v1/policies?limit=500')" > /dev/null
	cp "$T_TMP/body" "$1"
	http_code -H "$M" "$(U '/v1/audit-logs?limit=1')" > /dev/null
	jget "j['total']" >> "$1"
}

start_daemon || cannot_run "daemon starts"
ok "daemon starts"
NCHILD=$(children_of "$DPID" | wc -l)
code=$(req POST /v1/wallets '{"name":"evm","chain":"ethereum"}')
EW=$(jget "j['id']"); TOKE=$(jget "j['session']['token']")
code2=$(req POST /v1/wallets '{"name":"sol","environment":"mainnet"}')
SW=$(jget "j['id']"); TOKS=$(jget "j['session']['token']")
check "two wallets, EVM testnet and Solana mainnet ($code $code2)" \
    [ "$code $code2" = "201 201" ]
SE="Authorization: Bearer $TOKE"
SS="Authorization: Bearer $TOKS"
code=$(req GET /v1/policies)
check "no policies at first ($code)" \
    [ "$code $(jget "len(j['data']), j['total'], j['limit'], j['offset']")" = \
    "200 0 0 50 0" ]

# 1. The round trip, every type: TYPE|scope|rules|other rules
while IFS='|' read -r type scope rules rules2; do
	[ -n "$type" ] || continue
	case $scope in
	E) w=$EW ;;
	S) w=$SW ;;
	*) w= ;;
	esac
	body="{\"type\":\"$type\",\"rules\":$rules,\"priority\":7${w:+,\"walletId\":\"$w\"}}"
	code=$(req POST /v1/policies "$body")
	check "$type: created, 201 ($code)" [ "$code" = 201 ]
	check "$type: the answer is the policy" \
	    policy_is "$type" "$w" "$rules" 7 true ""
	id=$(jget "j['id']")
	cp "$T_TMP/body" "$T_TMP/created"
	code=$(req GET "/v1/policies/$id")
	check "$type: read back the same ($code)" \
	    cmp -s "$T_TMP/body" "$T_TMP/created"
	code=$(req PUT "/v1/policies/$id" '{"priority":-3,"enabled":false}')
	check "$type: priority and enabled updated, rules kept ($code)" \
	    policy_is "$type" "$w" "$rules" -3 false ""
	code=$(req PUT "/v1/policies/$id" "{\"rules\":$rules2}")
	check "$type: rules replaced ($code)" \
	    policy_is "$type" "$w" "$rules2" -3 false ""
	code=$(req GET "/v1/policies/$id")
	check "$type: ... and stored ($code)" \
	    policy_is "$type" "$w" "$rules2" -3 false ""
	code=$(req DELETE "/v1/policies/$id")
	check "$type: deleted, {id, deleted: true} ($code)" \
	    [ "$code $(jget "j == {'id': '$id', 'deleted': True}")" = \
	    "200 True" ]
	code=$(req GET "/v1/policies/$id")
	check "$type: then 404 POLICY_NOT_FOUND ($code)" \
	    [ "$code $(jget "j['code']")" = "404 POLICY_NOT_FOUND" ]
	code=$(req DELETE "/v1/policies/$id")
	check "$type: deleting again is 404 ($code)" [ "$code" = 404 ]
	check "$type: audit has policy.created" \
	    audit_has policy.created "$id" "$type" "$w"
	check "$type: audit has policy.updated" \
	    audit_has policy.updated "$id" "$type" "$w"
	check "$type: audit has policy.deleted" \
	    audit_has policy.deleted "$id" "$type" "$w"
done <<EOF
SPENDING_LIMIT|E|{"instant_max":"1000","notify_max":"2000","delay_max":"3000","delay_seconds":300}|{"instant_max_usd":5,"notify_max_usd":50.5,"delay_max_usd":500,"daily_limit_usd":1000,"monthly_limit_usd":20000,"approval_timeout":7200}
WHITELIST|G|{"allowed_addresses":["$EVM1","$SOL1"]}|{"allowed_addresses":["$EVM2"]}
ALLOWED_NETWORKS|E|{"networks":[{"network":"ethereum-sepolia"},{"network":"base-sepolia","name":"base"}]}|{"networks":[{"network":"polygon-amoy"}]}
ALLOWED_TOKENS|S|{"tokens":[{"address":"$SOL1","symbol":"USDC","chain":"solana"}]}|{"tokens":[{"address":"$SOL2"}]}
CONTRACT_WHITELIST|E|{"contracts":[{"address":"$EVM1","name":"router","chain":"ethereum"}]}|{"contracts":[{"address":"$EVM2"}]}
METHOD_WHITELIST|E|{"methods":[{"contractAddress":"$EVM1","selectors":["0xa9059cbb","0x095ea7b3"]}]}|{"methods":[{"contractAddress":"$EVM1","selectors":["0x23b872dd"]}]}
APPROVED_SPENDERS|G|{"spenders":[{"address":"$EVM1","maxAmount":"1000000"}]}|{"spenders":[{"address":"$EVM2","name":"dex"}]}
APPROVE_AMOUNT_LIMIT|E|{"maxAmount":"1000000000","blockUnlimited":true}|{"blockUnlimited":false}
APPROVE_TIER_OVERRIDE|G|{"tier":"DELAY"}|{"tier":"APPROVAL"}
TIME_RESTRICTION|S|{"allowed_hours":{"start":9,"end":17},"allowed_days":[1,2,3,4,5]}|{"allowed_hours":{"start":22,"end":6},"allowed_days":[0,6]}
RATE_LIMIT|G|{"max_requests":10,"window_seconds":60}|{"max_requests":1000,"window_seconds":86400}
EOF
code=$(req POST /v1/policies '{"type":"SPENDING_LIMIT","rules":{"notify_max":"5"}}')
check "SPENDING_LIMIT stores delay_seconds 900, approval_timeout 3600" \
    [ "$code $(jget "j['rules']")" = \
    "201 {'approval_timeout': 3600, 'delay_seconds': 900, 'notify_max': '5'}" ]
req DELETE "/v1/policies/$(jget "j['id']")" > /dev/null

# 2. What a session may read.
req POST /v1/policies '{"type":"RATE_LIMIT","rules":{"max_requests":5,"window_seconds":60},"priority":10}' > /dev/null
PG=$(jget "j['id']")
req POST /v1/policies "{\"type\":\"WHITELIST\",\"walletId\":\"$EW\",\"rules\":{\"allowed_addresses\":[\"$EVM1\"]},\"network\":\"ethereum-sepolia\"}" > /dev/null
PE=$(jget "j['id']")
req POST /v1/policies "{\"type\":\"WHITELIST\",\"walletId\":\"$SW\",\"rules\":{\"allowed_addresses\":[\"$SOL1\"]}}" > /dev/null
PS=$(jget "j['id']")
check "three policies: global, EVM wallet's, Solana wallet's" \
    [ -n "$PG" -a -n "$PE" -a -n "$PS" ]
code=$(req GET /v1/policies)
check "master lists all three ($code)" ids_are "$PG" "$PE" "$PS"
check "... highest priority first" [ "$(jget "j['data'][0]['id']")" = "$PG" ]
code=$(req GET /v1/policies "" "$SE")
check "a session lists the global and its wallet's ($code)" \
    ids_are "$PG" "$PE"
code=$(req GET /v1/policies "" "$SS")
check "the other session likewise ($code)" ids_are "$PG" "$PS"
code=$(req GET "/v1/policies?walletId=$EW")
check "walletId: that wallet's and the global ones ($code)" \
    ids_are "$PG" "$PE"
code=$(req GET "/v1/policies?type=WHITELIST")
check "type filter ($code)" ids_are "$PE" "$PS"
code=$(req GET "/v1/policies?type=WHITELIST&walletId=$SW")
check "both filters ($code)" ids_are "$PS"
code=$(req GET "/v1/policies?limit=1&offset=1")
check "limit and offset ($code)" [ "$(jget "len(j['data']), j['total'], \
    j['limit'], j['offset']")" = "1 3 1 1" ]
code=$(req GET "/v1/policies?walletId=$SW" "" "$SE")
check "a session asking for another wallet's: 403 ($code)" \
    [ "$code $(jget "j['code']")" = "403 WALLET_ACCESS_DENIED" ]
code=$(req GET "/v1/policies?walletId=$NOID")
check "an unknown wallet: 404 WALLET_NOT_FOUND ($code)" \
    [ "$code $(jget "j['code']")" = "404 WALLET_NOT_FOUND" ]
code=$(req GET "/v1/policies/$PE" "" "$SE")
check "a session reads its wallet's policy ($code)" [ "$code" = 200 ]
code=$(req GET "/v1/policies/$PG" "" "$SE")
check "a session reads a global policy ($code)" [ "$code" = 200 ]
code=$(req GET "/v1/policies/$PS" "" "$SE")
check "another wallet's policy: 403 WALLET_ACCESS_DENIED ($code)" \
    [ "$code $(jget "j['code']")" = "403 WALLET_ACCESS_DENIED" ]
code=$(req GET "/v1/policies/$NOID" "" "$SE")
check "an unknown policy: 404 POLICY_NOT_FOUND ($code)" \
    [ "$code $(jget "j['code']")" = "404 POLICY_NOT_FOUND" ]
code=$(req GET "/v1/policies/..%2f..%2fetc")
check "a malformed id: 404 ($code)" [ "$code" = 404 ]
code=$(req POST /v1/policies '{"type":"RATE_LIMIT","rules":{"max_requests":1,"window_seconds":1}}' "$SE")
check "a session cannot create: 401 ($code)" \
    [ "$code $(jget "j['code']")" = "401 INVALID_MASTER_PASSWORD" ]
code=$(req PUT "/v1/policies/$PE" '{"enabled":false}' "$SE")
check "a session cannot update its wallet's: 401 ($code)" [ "$code" = 401 ]
code=$(req DELETE "/v1/policies/$PE" "" "$SE")
check "a session cannot delete: 401 ($code)" [ "$code" = 401 ]
code=$(req POST /v1/policies '{"type":"nope"}' "X-Other: 1")
check "no credential and a bad body: 401, not 400 ($code)" [ "$code" = 401 ]

# 3. Scope: the wallet must exist, the network must be the wallet's.
code=$(req POST /v1/policies "{\"type\":\"RATE_LIMIT\",\"walletId\":\"$NOID\",\"rules\":{\"max_requests\":1,\"window_seconds\":1}}")
check "an unknown walletId: 404 WALLET_NOT_FOUND ($code)" \
    [ "$code $(jget "j['code']")" = "404 WALLET_NOT_FOUND" ]
code=$(req POST /v1/policies "{\"type\":\"RATE_LIMIT\",\"walletId\":\"$EW\",\"network\":\"ethereum-mainnet\",\"rules\":{\"max_requests\":1,\"window_seconds\":1}}")
check "a mainnet network for a testnet wallet: 400 ($code)" \
    [ "$code $(jget "j['code']")" = "400 ENVIRONMENT_NETWORK_MISMATCH" ]
code=$(req POST /v1/policies "{\"type\":\"RATE_LIMIT\",\"walletId\":\"$EW\",\"network\":\"devnet\",\"rules\":{\"max_requests\":1,\"window_seconds\":1}}")
check "a Solana network for an EVM wallet: 400 ($code)" \
    [ "$code $(jget "j['code']")" = "400 ENVIRONMENT_NETWORK_MISMATCH" ]
code=$(req POST /v1/policies "{\"type\":\"ALLOWED_NETWORKS\",\"walletId\":\"$SW\",\"rules\":{\"networks\":[{\"network\":\"mainnet\"},{\"network\":\"devnet\"}]}}")
check "ALLOWED_NETWORKS naming a testnet for a mainnet wallet: 400 ($code)" \
    [ "$code $(jget "j['code']")" = "400 ENVIRONMENT_NETWORK_MISMATCH" ]
code=$(req POST /v1/policies '{"type":"RATE_LIMIT","network":"ethereum-mainnet","rules":{"max_requests":1,"window_seconds":1}}')
check "a global policy may name any known network ($code)" \
    [ "$code $(jget "j['network']")" = "201 ethereum-mainnet" ]
req DELETE "/v1/policies/$(jget "j['id']")" > /dev/null
code=$(req PUT "/v1/policies/$PE" '{"network":"mainnet"}')
check "update to another chain's network: 400 ($code)" \
    [ "$code $(jget "j['code']")" = "400 ENVIRONMENT_NETWORK_MISMATCH" ]
code=$(req PUT "/v1/policies/$PE" '{"network":null}')
check "network null: any ($code)" [ "$code $(jget "j['network']")" = "200 None" ]
code=$(req PUT "/v1/policies/$PE" '{"network":"base-sepolia"}')
check "another testnet EVM network ($code)" \
    [ "$code $(jget "j['network']")" = "200 base-sepolia" ]

# A failed audit append fails the change (a trigger refuses the entry).
sql() {
	python3 -c 'import sqlite3, sys
c = sqlite3.connect(sys.argv[1], timeout=5)
c.executescript(sys.argv[2])
c.close()' "$DATA/data/waiaas.db" "$1"
}
snapshot "$T_TMP/pre_audit"
sql "CREATE TRIGGER t_no_audit BEFORE INSERT ON audit_log WHEN
    NEW.event LIKE 'policy.%' BEGIN SELECT RAISE(ABORT, 'refused'); END;"
code=$(req POST /v1/policies '{"type":"RATE_LIMIT","rules":{"max_requests":1,"window_seconds":1}}')
check "no audit entry, no policy: create answers 500 ($code)" status_is 500
code=$(req PUT "/v1/policies/$PG" '{"enabled":false}')
check "no audit entry, no update: 500 ($code)" status_is 500
code=$(req DELETE "/v1/policies/$PG")
check "no audit entry, no delete: 500 ($code)" status_is 500
sql "DROP TRIGGER t_no_audit;"
snapshot "$T_TMP/post_audit"
check "... and nothing changed" cmp -s "$T_TMP/pre_audit" "$T_TMP/post_audit"

# 4. Validation answers name the path.
code=$(req POST /v1/policies "{\"type\":\"WHITELIST\",\"rules\":{\"allowed_addresses\":[\"$EVM1\",\"$SOL1\",\"0x12\"]}}")
check "a bad address: 400 at [rules, allowed_addresses, 2] ($code)" \
    has_issue '["rules","allowed_addresses",2]'
check "... VALIDATION_FAILED in the documented shape" \
    [ "$(jget "j['code']")" = VALIDATION_FAILED ]
check "... {code, message, requestId, retryable}" status_is 400
code=$(req POST /v1/policies '{"type":"SPENDING_LIMIT","rules":{"instant_max":100}}')
check "a number for an amount: [rules, instant_max] ($code)" \
    has_issue '["rules","instant_max"]'
code=$(req POST /v1/policies '{"type":"SPENDING_LIMIT","rules":{"instant_max":"10","notify_max":"9"}}')
check "tiers out of order: [rules, instant_max] ($code)" \
    has_issue '["rules","instant_max"]'
code=$(req POST /v1/policies '{"type":"METHOD_WHITELIST","rules":{"methods":[{"contractAddress":"'$EVM1'","selectors":["0x1234"]}]}}')
check "a short selector: [rules, methods, 0, selectors, 0] ($code)" \
    has_issue '["rules","methods",0,"selectors",0]'
code=$(req POST /v1/policies '{"type":"TIME_RESTRICTION","rules":{"allowed_hours":{"start":9,"end":17},"allowed_days":[1],"timezone":"UTC"}}')
check "no timezone field (UTC): [rules, timezone] ($code)" \
    has_issue '["rules","timezone"]'
code=$(req POST /v1/policies '{"type":"NO_SUCH_TYPE","rules":{}}')
check "an unknown type: [type] ($code)" has_issue '["type"]'
code=$(req POST /v1/policies '{"type":"X402_ALLOWED_DOMAINS","rules":{"domains":["API.example.com","https://x.example","x.example:443","*.","a..b",""]}}')
check "X402_ALLOWED_DOMAINS: each bad domain named ($code)" \
    has_issue '["rules","domains",0]' '["rules","domains",1]' \
    '["rules","domains",2]' '["rules","domains",3]' '["rules","domains",4]' \
    '["rules","domains",5]'
code=$(req POST /v1/policies '{"type":"X402_ALLOWED_DOMAINS","rules":{"domains":["api.example.com","*.example.org","127.0.0.1"]}}')
check "X402_ALLOWED_DOMAINS: names, wildcards and addresses are stored ($code)" \
    [ "$code $(jget "j['rules']['domains']")" = "201 ['api.example.com', '*.example.org', '127.0.0.1']" ]
code=$(req POST /v1/policies '{"type":"RATE_LIMIT"}')
check "rules are required: [rules] ($code)" has_issue '["rules"]'
code=$(req POST /v1/policies '{"type":"RATE_LIMIT","rules":{"max_requests":1,"window_seconds":1},"priority":1001,"enabled":"yes","network":"bitcoin","walletId":"x","bogus":1}')
check "every top-level fault at once ($code)" \
    has_issue '["priority"]' '["enabled"]' '["network"]' '["walletId"]' \
    '["bogus"]'
code=$(req PUT "/v1/policies/$PG" '{"rules":{"max_requests":0,"window_seconds":60}}')
check "update: the stored type's checker: [rules, max_requests] ($code)" \
    status_is 400 '["rules","max_requests"]'
code=$(req PUT "/v1/policies/$PG" "{\"rules\":{\"allowed_addresses\":[\"$EVM1\"]}}")
check "update: rules of another type are refused ($code)" \
    status_is 400 '["rules","allowed_addresses"]' '["rules","max_requests"]'
code=$(req PUT "/v1/policies/$PG" '{"type":"WHITELIST"}')
check "update: the type does not change: [type] ($code)" has_issue '["type"]'
code=$(req PUT "/v1/policies/$PG" '{}')
check "update: an empty body is refused ($code)" [ "$code" = 400 ]
code=$(req PUT "/v1/policies/$NOID" '{"enabled":false}')
check "update: an unknown policy: 404 ($code)" \
    [ "$code $(jget "j['code']")" = "404 POLICY_NOT_FOUND" ]
code=$(req GET "/v1/policies?bogus=1&limit=0&walletId=x")
check "list: bad query parameters named ($code)" \
    status_is 400 '["bogus"]' '["limit"]' '["walletId"]'

# 5. The malformed corpus: each a 4xx in the documented JSON, and
# nothing changes.
python3 - "$T_TMP" "$EVM1" <<'EOF'
import sys
d, evm = sys.argv[1], sys.argv[2]
def w(name, data):
    open(d + "/" + name, "wb").write(data)
w("c_badjson", b'{"type":')
w("c_array", b'[]')
w("c_empty", b'')
w("c_types", b'{"type":5,"rules":"x","priority":"high","enabled":1,'
  b'"network":7,"walletId":[]}')
w("c_unknown", b'{"type":"RATE_LIMIT","rules":{"max_requests":1,'
  b'"window_seconds":1,"burst":{"x":1}},"name":"x"}')
w("c_huge", b'{"type":"WHITELIST","rules":{"allowed_addresses":[' +
  b",".join(b'"%s"' % evm.encode() for _ in range(100000)) + b']}}')
w("c_1001", b'{"type":"WHITELIST","rules":{"allowed_addresses":[' +
  b",".join(b'"0x%040x"' % i for i in range(1, 1002)) + b']}}')
w("c_many", b'{"type":"WHITELIST","rules":{"allowed_addresses":[' +
  b",".join(b'0' for _ in range(100000)) + b']}}')
w("c_deep", b'{"type":"WHITELIST","rules":{"allowed_addresses":' +
  b'[' * 10000 + b']' * 10000 + b'}}')
w("c_deep_put", b'{"rules":{"max_requests":' + b'[' * 2040 + b']' * 2040 +
  b',"window_seconds":60}}')
w("c_utf8", b'{"type":"ALLOWED_TOKENS","rules":{"tokens":[{"address":"'
  + evm.encode() + b'","symbol":"\xff\xfe\xc3"}]}}')
w("c_nul", b'{"type":"ALLOWED_TOKENS","rules":{"tokens":[{"address":"'
  + evm.encode() + b'","symbol":"a\\u0000b"}]}}')
w("c_dup", b'{"type":"RATE_LIMIT","type":"WHITELIST","rules":{}}')
w("c_bignum", b'{"type":"SPENDING_LIMIT","rules":{"instant_max_usd":1e400}}')
w("c_bigint", b'{"type":"RATE_LIMIT","rules":{"max_requests":'
  b'99999999999999999999999,"window_seconds":1}}')
w("c_longstr", b'{"type":"ALLOWED_TOKENS","rules":{"tokens":[{"address":"'
  + evm.encode() + b'","symbol":"' + b'A' * 200000 + b'"}]}}')
w("c_10mb", b' ' * (10 * 1024 * 1024))
EOF
snapshot "$T_TMP/before"
corpus() {	# corpus DESCRIPTION STATUS METHOD PATH FILE
	code=$(req_file "$3" "$4" "$T_TMP/$5")
	check "$1: $2 ($code)" [ "$code" = "$2" ]
	check "$1: the documented error JSON" is_error
}
corpus "bad JSON" 400 POST /v1/policies c_badjson
corpus "an array body" 400 POST /v1/policies c_array
corpus "an empty body" 400 POST /v1/policies c_empty
corpus "wrong types everywhere" 400 POST /v1/policies c_types
check "... six issues, one per field" [ "$(jget "len(j['details']['issues'])")" = 6 ]
corpus "unknown fields" 400 POST /v1/policies c_unknown
check "... at [name] and [rules, burst]" \
    has_issue '["name"]' '["rules","burst"]'
corpus "100,000 addresses (4.5 MB)" 413 POST /v1/policies c_huge
check "... PAYLOAD_TOO_LARGE" [ "$(jget "j['code']")" = PAYLOAD_TOO_LARGE ]
corpus "1,001 addresses" 400 POST /v1/policies c_1001
check "... at [rules, allowed_addresses]" \
    has_issue '["rules","allowed_addresses"]'
corpus "100,000 bad entries" 400 POST /v1/policies c_many
check "... a bounded answer (at most 50 issues)" \
    [ "$(jget "len(j['details']['issues']) <= 50")" = True ]
# Within a second of the daemon's own CPU time (its processes' user and
# system time from /proc): what it spent, whatever else the machine does.
cpu_ms() {
	for p in $DPID $(children_of "$DPID"); do
		cat "/proc/$p/stat"
	done | awk -v hz="$(getconf CLK_TCK)" '{ sub(/.*\) /, "");
	    t += $12 + $13 } END { print int(t * 1000 / hz) }'
}
t0=$(cpu_ms)
corpus "10,000 nested arrays" 400 POST /v1/policies c_deep
t1=$(cpu_ms)
check "... answered within a second ($((t1 - t0)) ms of CPU)" \
    [ $((t1 - t0)) -lt 1000 ]
corpus "2,040 nested arrays in an update's rules (policyd parses them)" \
    400 PUT "/v1/policies/$PG" c_deep_put
check "... at [rules, max_requests]" has_issue '["rules","max_requests"]'
corpus "invalid UTF-8 in a string" 400 POST /v1/policies c_utf8
corpus "a NUL in a string" 400 POST /v1/policies c_nul
corpus "duplicate keys" 400 POST /v1/policies c_dup
corpus "a number overflowing a double" 400 POST /v1/policies c_bignum
corpus "an integer overflowing 64 bits" 400 POST /v1/policies c_bigint
corpus "a 200,000-character symbol" 400 POST /v1/policies c_longstr
check "... at [rules, tokens, 0, symbol]" \
    has_issue '["rules","tokens",0,"symbol"]'
corpus "a 10 MB body" 413 POST /v1/policies c_10mb
check "... refused before it is read: PAYLOAD_TOO_LARGE" \
    [ "$(jget "j['code']")" = PAYLOAD_TOO_LARGE ]
corpus "a 10 MB update" 413 PUT "/v1/policies/$PG" c_10mb
code=$(req DELETE "/v1/policies/$NOID")
check "deleting an unknown policy: 404 ($code)" status_is 404
code=$(req GET "/v1/policies?limit=abc")
check "a bad query: 400 ($code)" status_is 400 '["limit"]'
snapshot "$T_TMP/after"
check "the corpus changed no policy and wrote no audit entry" \
    cmp -s "$T_TMP/before" "$T_TMP/after"
alive() { kill -0 "$DPID" && [ "$(children_of "$DPID" | wc -l)" = "$NCHILD" ]; }
check "the daemon is still up, all its children too" alive
code=$(req GET /v1/audit-logs/verify)
check "the audit chain verifies ($code)" [ "$(jget "j['valid']")" = True ]

# 6. Policies survive a restart.
kill -TERM "$DPID"; wait_gone "$DPID" 2000
if start_daemon; then
	snapshot "$T_TMP/restarted"
	check "after a restart: the same policies" \
	    cmp -s "$T_TMP/after" "$T_TMP/restarted"
	kill -TERM "$DPID"; wait_gone "$DPID" 2000
else
	notok "restart"; cat "$LOG"
fi
DPID=""
check "no sanitizer reports" no_sanitizer_reports
