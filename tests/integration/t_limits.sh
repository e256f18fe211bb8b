#!/bin/sh
# Cumulative USD limits under concurrency, with the real daemon and
# anvil: 50 sends of $2 fired at once against a daily_limit_usd of $50.
# The decision, the reservation and the row are one commit, so exactly
# 25 run and the rest wait for the owner: the total that reached the
# chain never exceeds the limit.  ETH is priced by the static table.
. tests/integration/lib.sh

NET=ethereum-sepolia
TO=0x5000000000000000000000000000000000000050
bal() { "$CAST" balance --rpc-url "$ANVIL_URL" "$1"; }

start_anvil --chain-id 11155111
export WAIAAS_RPC_EVM_ETHEREUM_SEPOLIA=$ANVIL_URL WAIAAS_RPC_POLL_INTERVAL_MS=100
export WAIAAS_SECURITY_PRICE_STATIC="ETH=2000"
start_daemon || cannot_run "daemon starts"
req POST /v1/wallets '{"name":"l","chain":"ethereum","environment":"testnet"}' >/dev/null
W=$(jget 'j["id"]')
S="Authorization: Bearer $(jget 'j["session"]["token"]')"
"$CAST" send -q --rpc-url "$ANVIL_URL" --private-key "$ANVIL_KEY0" \
    "$(jget 'j["publicKey"]')" --value 1ether >/dev/null
req POST /v1/policies "{\"walletId\":\"$W\",\"type\":\"SPENDING_LIMIT\",\"rules\":{\"instant_max_usd\":1000,\"daily_limit_usd\":50}}" >/dev/null

# 0.001 ETH = $2, fifty times, all at once.
body="{\"network\":\"$NET\",\"to\":\"$TO\",\"amount\":\"1000000000000000\"}"
i=0
pids=
while [ $i -lt 50 ]; do
	curl -s -o "$T_TMP/r.$i" -X POST -H "Content-Type: application/json" \
	    -H "$S" --data-binary "$body" \
	    "http://127.0.0.1:$PORT/v1/transactions/send" &
	pids="$pids $!"
	i=$((i + 1))
done
wait $pids
tiers=$(cat "$T_TMP"/r.* | python3 -c '
import json, sys
from collections import Counter
c = Counter(json.loads(l).get("tier", "?") for l in sys.stdin.read().replace("}{", "}\n{").splitlines())
print(c["INSTANT"], c["APPROVAL"])')
check "50 concurrent \$2 sends against \$50 a day: 25 INSTANT, 25 APPROVAL" \
    [ "$tiers" = "25 25" ]
n=0
while [ $n -lt 300 ]; do
	c=$(sqlite3 "$DATA/data/waiaas.db" "SELECT count(*) FROM transactions WHERE status = 'CONFIRMED'")
	[ "$c" -ge 25 ] && break
	sleep 0.1; n=$((n + 1))
done
sleep 1
check "the chain received exactly the limit, \$50 (0.025 ETH), no more" \
    [ "$(bal "$TO")" = 25000000000000000 ]
check "the database agrees: 25 confirmed, 25 waiting" \
    [ "$(sqlite3 "$DATA/data/waiaas.db" "SELECT count(*) FILTER (WHERE status = 'CONFIRMED') || ' ' || count(*) FILTER (WHERE status = 'QUEUED') FROM transactions")" = "25 25" ]
code=$(req POST /v1/transactions/simulate "$body" "$S")
check "the next one is APPROVAL, and says why (the 24 h limit)" \
    sh -c "[ \"$(jget 'j["policy"]["tier"]')\" = APPROVAL ] && grep -q daily_limit_usd $T_TMP/body"
# RATE_LIMIT and TIME_RESTRICTION, enforced (the reference only stores
# them), on a second wallet.
req POST /v1/wallets '{"name":"r","chain":"ethereum","environment":"testnet"}' >/dev/null
W2=$(jget 'j["id"]')
S="Authorization: Bearer $(jget 'j["session"]["token"]')"
"$CAST" send -q --rpc-url "$ANVIL_URL" --private-key "$ANVIL_KEY0" \
    "$(jget 'j["publicKey"]')" --value 1ether >/dev/null
req POST /v1/policies "{\"walletId\":\"$W2\",\"type\":\"SPENDING_LIMIT\",\"rules\":{\"instant_max\":\"1000\"}}" >/dev/null
req POST /v1/policies "{\"walletId\":\"$W2\",\"type\":\"RATE_LIMIT\",\"rules\":{\"max_requests\":3,\"window_seconds\":60}}" >/dev/null
small="{\"network\":\"$NET\",\"to\":\"$TO\",\"amount\":\"1\"}"
for i in 1 2 3; do send "$small" >/dev/null; done
code=$(http_code -D "$T_TMP/h" -X POST -H "Content-Type: application/json" -H "$S" \
    --data-binary "$small" "http://127.0.0.1:$PORT/v1/transactions/send")
check "RATE_LIMIT: the 4th request in its window is 429 RATE_LIMIT_EXCEEDED with Retry-After" \
    sh -c "[ $code = 429 ] && grep -q RATE_LIMIT_EXCEEDED $T_TMP/body && grep -qi '^retry-after: 60' $T_TMP/h"
h=$(date -u +%H | sed 's/^0//')
# two hours from now for two hours; end is 1..24 (midnight is 24)
e=$(( (h + 4) % 24 )); [ "$e" = 0 ] && e=24
req POST /v1/policies "{\"walletId\":\"$W2\",\"type\":\"TIME_RESTRICTION\",\"rules\":{\"allowed_hours\":{\"start\":$(( (h + 2) % 24 )),\"end\":$e},\"allowed_days\":[0,1,2,3,4,5,6]}}" >/dev/null
code=$(req POST /v1/transactions/simulate "$small" "$S")
check "TIME_RESTRICTION: outside the allowed hours (UTC) it is refused" \
    sh -c "[ \"$(jget 'j["policy"]["allowed"]')\" = False ] && grep -q TIME_RESTRICTION $T_TMP/body"
check "no sanitizer reports" no_sanitizer_reports
