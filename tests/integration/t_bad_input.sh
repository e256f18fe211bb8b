#!/bin/sh
# The bad-input battery: more than 200 malformed requests across every
# route (bad JSON, wrong types, unknown fields, numbers out of range, bad
# ids, bad and repeated query parameters, duplicate keys, oversize
# strings, wrong content, bad credentials, dry-run edge cases) against the
# real daemon on anvil.  Each must be answered with the documented JSON
# error and change nothing: the SQLite file (read-only) and the chain's
# balances and nonces are compared before and after every request.  The
# audit log may gain auth.* failure entries and the outbox their
# AUTH_FAILURES notice, nothing else.  tests/integration/bad_input.py
# holds the cases.
. tests/integration/lib.sh

NET=ethereum-sepolia
ACC1=0x70997970C51812dc3A010C7d01b50e0d17dc79C8

start_anvil --chain-id 11155111
WAIAAS_RPC_EVM_ETHEREUM_SEPOLIA=$ANVIL_URL \
WAIAAS_SECURITY_PRICE_STATIC="ETH=2000" \
WAIAAS_SECURITY_MASTER_LOCK_FAILURES=1000 \
WAIAAS_RPC_POLL_INTERVAL_MS=100 start_daemon || cannot_run "daemon starts"

req POST /v1/wallets '{"name":"bad-input","chain":"ethereum","environment":"testnet"}' >/dev/null
W=$(jget 'j["id"]')
ADDR=$(jget 'j["publicKey"]')
TOKEN=$(jget 'j["session"]["token"]')
S="Authorization: Bearer $TOKEN"
"$CAST" send -q --rpc-url "$ANVIL_URL" --private-key "$ANVIL_KEY0" "$ADDR" \
    --value 10ether >/dev/null
req POST /v1/policies '{"type":"SPENDING_LIMIT","rules":{"instant_max":"2000000000000000000","instant_max_usd":1000000}}' >/dev/null
POLICY=$(jget 'j["id"]')
# One real transfer: the battery's dry runs would move money if they
# were taken for sends, and it gives the transaction routes an id.
TX=$(send "{\"network\":\"$NET\",\"to\":\"$ACC1\",\"amount\":\"1000\"}")
r=$(wait_tx "$TX")
check "setup: a real transfer reaches CONFIRMED" \
    sh -c "printf '%s' '$r' | grep -q '\"status\":\"CONFIRMED\"'"
DB=$DATA/data/waiaas.db
[ -f "$DB" ] || cannot_run "the database is at $DB"

python3 tests/integration/bad_input.py --port "$PORT" \
    --master "$WAIAAS_MASTER_PASSWORD" --session "$TOKEN" --wallet "$W" \
    --address "$ADDR" --policy "$POLICY" --tx "$TX" --db "$DB" \
    --rpc "$ANVIL_URL" --watch "$ACC1" ||
    notok "the battery ran to its end"

kill -TERM "$DPID"; wait_gone "$DPID" 5000; DPID=""
check "no sanitizer reports" no_sanitizer_reports
