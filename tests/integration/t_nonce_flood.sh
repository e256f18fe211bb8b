#!/bin/sh
# GET /v1/nonce needs no auth, so anyone can call it as fast as they
# like.  20,000 anonymous nonce requests over four keep-alive
# connections must all be answered, write nothing to the database (no
# commit, no row), and leave the owner able to get a kill-switch nonce,
# sign it and pull the switch at once.  Only a spent nonce is a row.
. tests/integration/lib.sh

OWNER_KEY=0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d
OWNER_ADDR=0x70997970C51812dc3A010C7d01b50e0d17dc79C8
N=${FLOOD_N:-20000}

need_node_modules siwe ethers
# Messages name public_url's host, which stays when a restart picks
# another port.
export WAIAAS_DAEMON_PUBLIC_URL=https://owner.test:8443/
start_daemon || cannot_run "daemon starts"
DB=$DATA/data/waiaas.db
rows() { sqlite3 "$DB" "PRAGMA busy_timeout=3000; SELECT count(*) FROM $1" | tail -1; }

req POST /v1/wallets '{"name":"f","chain":"ethereum","createSession":false}' >/dev/null
W=$(jget 'j["id"]')
code=$(req PUT "/v1/wallets/$W/owner" "{\"owner_address\":\"$OWNER_ADDR\"}")
check "a wallet with an owner ($code)" [ "$code" = 200 ]
audit0=$(rows audit_log)

python3 tests/integration/flood_nonce.py "$PORT" "$N" 4 "$DB" > "$T_TMP/flood"
echo "# flood: $(cat "$T_TMP/flood")"
fl() { json_get "$T_TMP/flood" "$1"; }
check "$N anonymous GET /v1/nonce: every one answered 200" \
    [ "$(fl 'j["codes"]')" = "{'200': $N}" ]
check "... without a single commit (data_version unchanged)" \
    [ "$(fl 'j["committed"]')" = False ]
check "... the WAL did not grow" \
    [ "$(fl 'j["walAfter"] == j["walBefore"]')" = True ]
check "... no row: no spent nonce, no audit entry" \
    [ "$(rows spent_nonces) $(rows audit_log)" = "0 $audit0" ]

# The owner, right after the flood.
code=$(http_code "http://127.0.0.1:$PORT/v1/nonce?action=owner.kill-switch&target=$W")
check "the owner gets a kill-switch nonce at once ($code)" [ "$code" = 200 ]
out=$(node_bin tests/integration/sign_owner.js "{\"domain\": \"owner.test:8443\",
    \"chain\": \"evm\", \"key\": \"$OWNER_KEY\", \"nonce\": \"$(jget 'j["nonce"]')\",
    \"resources\": [\"urn:waiaas:action:owner.kill-switch:$W\"]}")
owner_kill() {
	http_code -X POST -H "X-Owner-Address: $(echo "$out" | sed -n 1p)" \
	    -H "X-Owner-Message: $(echo "$out" | sed -n 2p)" \
	    -H "X-Owner-Signature: $(echo "$out" | sed -n 3p)" \
	    "http://127.0.0.1:$PORT/v1/owner/kill-switch?walletId=$W"
}
code=$(owner_kill)
check "and pulls the kill switch: 200, active ($code)" \
    [ "$code $(jget 'j.get("active")')" = "200 True" ]
check "the spent nonce is the one row, the owner's wallet's" \
    [ "$(sqlite3 "$DB" "SELECT count(*) || ' ' || wallet_id FROM spent_nonces")" = "1 $W" ]
code=$(owner_kill)
check "the same signed message again: 401 INVALID_NONCE ($code)" \
    [ "$code $(jget 'j.get("code")')" = "401 INVALID_NONCE" ]

# Issued before a restart, spent after it: the MAC key is kept; and a
# nonce spent before a restart stays spent.
code=$(http_code "http://127.0.0.1:$PORT/v1/nonce?action=owner.verify&target=$W")
N2=$(jget 'j["nonce"]')
kill -TERM "$DPID"; wait_gone "$DPID" 5000
start_daemon || cannot_run "daemon restarts"
code=$(owner_kill)
check "after a restart, a spent nonce is still spent ($code)" \
    [ "$code $(jget 'j.get("code")')" = "401 INVALID_NONCE" ]
out=$(node_bin tests/integration/sign_owner.js "{\"domain\": \"owner.test:8443\",
    \"chain\": \"evm\", \"key\": \"$OWNER_KEY\", \"nonce\": \"$N2\",
    \"resources\": [\"urn:waiaas:action:owner.verify:$W\"]}")
code=$(http_code -X POST -H "X-Owner-Address: $(echo "$out" | sed -n 1p)" \
    -H "X-Owner-Message: $(echo "$out" | sed -n 2p)" \
    -H "X-Owner-Signature: $(echo "$out" | sed -n 3p)" \
    "http://127.0.0.1:$PORT/v1/wallets/$W/owner/verify")
check "a nonce issued before the restart works after it ($code)" \
    [ "$code $(jget 'j.get("ownerState")')" = "200 LOCKED" ]
KEY=$(sqlite3 "$DB" "SELECT lower(hex(value)) FROM secrets WHERE name = 'nonce_mac'")
check "the nonce key is kept in the store (32 bytes) and in no log" \
    sh -c "[ ${#KEY} = 64 ] && ! grep -qi '$KEY' '$LOG'"
check "no sanitizer reports" no_sanitizer_reports
