#!/bin/sh
# ownerAuth end to end: nonces from GET /v1/nonce, owners set by the
# operator on an EVM and a Solana wallet (NONE -> GRACE), proven by a
# signed SIWE / Sign-In with Solana message (GRACE -> LOCKED); replays,
# expired messages, other actions, other wallets, other keys, nonces
# bound elsewhere and garbage headers refused, with nothing changed.
. tests/integration/lib.sh

U() { echo "http://127.0.0.1:$PORT$1"; }
M="X-Master-Password: $WAIAAS_MASTER_PASSWORD"
# anvil's accounts 1 and 2: keys you can look up, addresses you know.
OWNER_KEY=0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d
OWNER_ADDR=0x70997970C51812dc3A010C7d01b50e0d17dc79C8
OTHER_KEY=0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a
SIGN="node_bin tests/integration/sign_owner.js"
jget() { json_get "$T_TMP/body" "$1"; }

need_node_modules siwe ethers @solana/wallet-standard-util
eval "$(python3 tests/integration/keys.py)"
SOL_OWNER=$SOL_PUB SOL_OWNER_SEED=$SOL_SEED_HEX
eval "$(python3 tests/integration/keys.py)"
SOL_OTHER_SEED=$SOL_SEED_HEX

# Behind a reverse proxy: the approval page is opened under public_url,
# whose host a wallet puts in the message (lowercase, without the path).
WAIAAS_DAEMON_PUBLIC_URL=https://Owner.Example:8443/waiaas/ start_daemon ||
    cannot_run "daemon starts"
DOMAIN=127.0.0.1:$PORT

put_owner() {	# put_owner WALLET JSON [header]
	http_code -X PUT -H "Content-Type: application/json" \
	    -H "${3:-$M}" --data-binary "$2" "$(U "/v1/wallets/$1/owner")"
}
get_nonce() {	# get_nonce [QUERY] -> NONCE
	NONCE=
	code=$(http_code "$(U "/v1/nonce$1")")
	[ "$code" = 200 ] && NONCE=$(jget "j['nonce']")
}
sign() {	# sign JSON-FIELDS: OA, OM, OS from sign_owner.js
	out=$($SIGN "{\"domain\": \"$DOMAIN\", $1}") || return 1
	OA=$(echo "$out" | sed -n 1p)
	OM=$(echo "$out" | sed -n 2p)
	OS=$(echo "$out" | sed -n 3p)
}
verify() {	# verify WALLET: POST .../owner/verify with OA, OM, OS
	http_code -X POST -H "X-Owner-Address: $OA" \
	    -H "X-Owner-Message: $OM" -H "X-Owner-Signature: $OS" \
	    "$(U "/v1/wallets/$1/owner/verify")"
}
state() {	# state WALLET -> ownerState ownerAddress
	http_code -H "$M" "$(U "/v1/wallets/$1")" >/dev/null
	jget "j['ownerState'] + ' ' + str(j['ownerAddress'])"
}
refused() {	# refused DESC CODE STATUS ERRCODE
	check "$1 ($3 $(jget "j.get('code')"): $(jget "j.get('message')"))" \
	    [ "$2 $(jget "j.get('code')")" = "$3 $4" ]
}
evm() {	# evm NONCE RESOURCE [more fields]: sign as the EVM owner
	sign "\"chain\": \"evm\", \"key\": \"$OWNER_KEY\", \"nonce\": \"$1\",
	    \"resources\": [\"$2\"]${3:+, $3}"
}

# Nonces
n0=$(date +%s)
get_nonce
n1=$(date +%s)
check "GET /v1/nonce: 200 ($code)" [ "$code" = 200 ]
check "the nonce is 64 hex digits" \
    python3 -c "import re,sys; sys.exit(not re.fullmatch('[0-9a-f]{64}', '$NONCE'))"
# (300 s after it was asked for and before the answer came, to the
# second: the clock read around the request, not after the checks)
check "it expires in 5 minutes" \
    python3 -c "import sys; e = $(jget "j['expiresAt']"); sys.exit(not $n0 + 300 <= e <= $n1 + 300)"
N2=$NONCE
get_nonce
check "each nonce is new" [ "$NONCE" != "$N2" ]
code=$(http_code "$(U '/v1/nonce?action=no.such')")
check "a nonce for an unknown action: 400 ($code)" \
    [ "$code $(jget "j['code']")" = "400 VALIDATION_FAILED" ]
code=$(http_code "$(U '/v1/nonce?target=abc')")
check "a target without an action: 400 naming target ($code)" \
    [ "$code $(jget "j['details']['issues'][0]['path'][0]")" = "400 target" ]
code=$(http_code "$(U '/v1/nonce?color=blue')")
check "an unknown query parameter: 400 ($code)" [ "$code" = 400 ]

# Wallets
code=$(http_code -X POST -H "$M" --data-binary \
    '{"name":"evm","chain":"ethereum","createSession":false}' "$(U /v1/wallets)")
EID=$(jget "j['id']")
check "an EVM wallet, owner NONE ($code)" \
    [ "$code $(jget "j['ownerState']")" = "201 NONE" ]
code=$(http_code -X POST -H "$M" --data-binary \
    '{"name":"sol","chain":"solana","createSession":false}' "$(U /v1/wallets)")
SID=$(jget "j['id']")
check "a Solana wallet, owner NONE ($code)" \
    [ "$code $(jget "j['ownerState']")" = "201 NONE" ]

# Owner verify before there is an owner
get_nonce
evm "$NONCE" "urn:waiaas:action:owner.verify:$EID"
code=$(verify "$EID")
refused "verify with no owner set" "$code" 404 OWNER_NOT_CONNECTED

# PUT owner
code=$(put_owner "$EID" "{\"owner_address\":\"$OWNER_ADDR\"}" \
    "X-Master-Password: wrong")
refused "PUT owner with a wrong master password" "$code" 401 \
    INVALID_MASTER_PASSWORD
code=$(put_owner "$EID" "{\"owner_address\":\"$SOL_OWNER\"}")
refused "an EVM wallet's owner must be an EVM address" "$code" 400 \
    INVALID_ADDRESS
code=$(put_owner "$EID" \
    '{"owner_address":"0x70997970c51812dc3a010c7d01b50e0d17dc79C8"}')
refused "a mixed-case address with a wrong checksum" "$code" 400 \
    INVALID_ADDRESS
code=$(put_owner "$EID" "{\"ownerAddress\":\"$OWNER_ADDR\"}")
refused "only owner_address is accepted" "$code" 400 VALIDATION_FAILED
code=$(put_owner "$SID" "{\"owner_address\":\"$OWNER_ADDR\"}")
refused "a Solana wallet's owner must be a base58 key" "$code" 400 \
    INVALID_ADDRESS
code=$(put_owner 01960000-0000-7000-8000-00000000dead \
    "{\"owner_address\":\"$OWNER_ADDR\"}")
refused "PUT owner on no wallet" "$code" 404 WALLET_NOT_FOUND
LOWER=$(echo "$OWNER_ADDR" | tr 'A-F' 'a-f')
sqlite3 "$DATA/data/waiaas.db" "UPDATE wallets SET updated_at = 7 WHERE id = '$EID'"
code=$(put_owner "$EID" "{\"owner_address\":\"$LOWER\"}")
check "PUT owner (a lowercase address): 200 ($code)" [ "$code" = 200 ]
check "NONE -> GRACE, the address stored EIP-55" \
    [ "$(jget "j['ownerState'] + ' ' + j['ownerAddress']")" = \
    "GRACE $OWNER_ADDR" ]
check "... ownerVerified false (not proven yet), updatedAt moved to now (it was 7)" \
    [ "$(jget "[j['ownerVerified'], type(j['updatedAt']) is int and j['updatedAt'] >= j['createdAt'] > 7]")" = "[False, True]" ]
check "... approvalMethod null (none given)" [ "$(jget "j['approvalMethod']")" = None ]
code=$(put_owner "$EID" "{\"owner_address\":\"$OWNER_ADDR\",\"approval_method\":\"walletconnect\"}")
check "approval_method walletconnect: 400 naming it, not supported here ($code)" \
    [ "$code $(jget "j['details']['issues'][0]['path'][0]")" = "400 approval_method" ] &&
    grep -q "not supported by this daemon" "$T_TMP/body"
code=$(put_owner "$EID" "{\"owner_address\":\"$OWNER_ADDR\",\"approval_method\":\"carrier-pigeon\"}")
check "approval_method not the reference's: 400 naming it ($code)" \
    [ "$code $(jget "j['details']['issues'][0]['path'][0]")" = "400 approval_method" ]
code=$(put_owner "$EID" "{\"owner_address\":\"$OWNER_ADDR\",\"wallet_type\":\"dcent\"}")
check "wallet_type dcent: 400 naming it, not supported here ($code)" \
    [ "$code $(jget "j['details']['issues'][0]['path'][0]")" = "400 wallet_type" ] &&
    grep -q "not supported by this daemon" "$T_TMP/body"
code=$(put_owner "$EID" "{\"owner_address\":\"$OWNER_ADDR\",\"approval_method\":\"rest\"}")
check "approval_method rest: 200, stored and answered ($code)" \
    [ "$code $(jget "j['approvalMethod']")" = "200 rest" ] &&
    [ "$(sqlite3 "$DATA/data/waiaas.db" "SELECT approval_method FROM wallets WHERE id = '$EID'")" = rest ]
code=$(put_owner "$EID" "{\"owner_address\":\"$OWNER_ADDR\"}")
check "approval_method absent: unchanged ($code)" \
    [ "$code $(jget "j['approvalMethod']")" = "200 rest" ]
code=$(put_owner "$EID" "{\"owner_address\":\"$OWNER_ADDR\",\"approval_method\":null}")
check "approval_method null: the default again ($code)" \
    [ "$code $(jget "j['approvalMethod']")" = "200 None" ]
code=$(put_owner "$SID" "{\"owner_address\":\"$SOL_OTHER_SEED\"}")
refused "hex is not a Solana key" "$code" 400 INVALID_ADDRESS
code=$(put_owner "$SID" "{\"owner_address\":\"$SOL_OWNER\"}")
check "PUT owner on the Solana wallet: GRACE ($code)" \
    [ "$code $(jget "j['ownerState'] + ' ' + j['ownerAddress']")" = \
    "200 GRACE $SOL_OWNER" ]

# Refusals of POST /v1/wallets/{id}/owner/verify; nothing may change.
code=$(http_code -X POST "$(U "/v1/wallets/$EID/owner/verify")")
refused "no owner headers" "$code" 401 INVALID_SIGNATURE
check "... in the documented error format" python3 -c "
import json,sys; j=json.load(open('$T_TMP/body'))
sys.exit(not (isinstance(j['message'], str) and
    isinstance(j['requestId'], str) and j['retryable'] is False))"
code=$(http_code -X POST -H "X-Owner-Address: $OWNER_ADDR" \
    -H "X-Owner-Message: Z2FyYmFnZQ==" -H "X-Owner-Signature: 0x00" \
    "$(U "/v1/wallets/$EID/owner/verify")")
refused "garbage owner headers" "$code" 401 INVALID_SIGNATURE
code=$(http_code -X POST -H "X-Owner-Address: $OWNER_ADDR" \
    -H "X-Owner-Message: not base64!" -H "X-Owner-Signature: 0x00" \
    "$(U "/v1/wallets/$EID/owner/verify")")
refused "a message that is not base64" "$code" 401 INVALID_SIGNATURE

get_nonce "?action=owner.verify&target=$EID"
GOOD_NONCE=$NONCE
evm "$GOOD_NONCE" "urn:waiaas:action:owner.verify:$EID" '"issued": -400'
code=$(verify "$EID")
refused "an expired message" "$code" 401 INVALID_SIGNATURE
evm "$GOOD_NONCE" "urn:waiaas:action:tx.approve:$EID"
code=$(verify "$EID")
refused "a message whose resource names another action" "$code" 401 \
    INVALID_SIGNATURE
evm "$GOOD_NONCE" "urn:waiaas:action:owner.verify:$SID"
code=$(verify "$EID")
refused "a message whose resource names another wallet" "$code" 401 \
    INVALID_SIGNATURE
sign "\"chain\": \"evm\", \"key\": \"$OTHER_KEY\",
    \"address\": \"$OWNER_ADDR\", \"nonce\": \"$GOOD_NONCE\",
    \"resources\": [\"urn:waiaas:action:owner.verify:$EID\"]"
code=$(verify "$EID")
refused "the owner's address signed by another key" "$code" 401 \
    INVALID_SIGNATURE
sign "\"chain\": \"evm\", \"key\": \"$OTHER_KEY\", \"nonce\": \"$GOOD_NONCE\",
    \"resources\": [\"urn:waiaas:action:owner.verify:$EID\"]"
code=$(verify "$EID")
refused "another key signing as itself" "$code" 401 INVALID_SIGNATURE
DOMAIN=evil.example:$PORT
evm "$GOOD_NONCE" "urn:waiaas:action:owner.verify:$EID"
DOMAIN=127.0.0.1:$PORT
code=$(verify "$EID")
refused "a message for another domain" "$code" 401 INVALID_SIGNATURE
evm 0123456789abcdef0123456789abcdef "urn:waiaas:action:owner.verify:$EID"
code=$(verify "$EID")
refused "a nonce this daemon never issued" "$code" 401 INVALID_NONCE
get_nonce "?action=owner.verify&target=$SID"
evm "$NONCE" "urn:waiaas:action:owner.verify:$EID"
code=$(verify "$EID")
refused "a nonce bound to another wallet" "$code" 401 INVALID_NONCE
evm "$GOOD_NONCE" "urn:waiaas:action:owner.verify:01960000-0000-7000-8000-00000000dead"
code=$(verify 01960000-0000-7000-8000-00000000dead)
refused "a valid signature for no wallet" "$code" 404 WALLET_NOT_FOUND
check "after every refusal the owner is still GRACE" \
    [ "$(state "$EID")" = "GRACE $OWNER_ADDR" ]
code=$(http_code -H "$M" "$(U /v1/audit-logs/verify)")
check "the audit chain verifies ($code)" \
    [ "$code $(jget "j['valid']")" = "200 True" ]

# The owner proves the key: GRACE -> LOCKED (the message addressed to
# the public URL's host)
sqlite3 "$DATA/data/waiaas.db" "UPDATE wallets SET updated_at = 7 WHERE id = '$EID'"
DOMAIN=owner.example:8443
evm "$GOOD_NONCE" "urn:waiaas:action:owner.verify:$EID" \
    '"statement": "I own this wallet."'
DOMAIN=127.0.0.1:$PORT
code=$(verify "$EID")
check "verify with a correct SIWE signature for public_url's host: 200 ($code)" [ "$code" = 200 ]
check "GRACE -> LOCKED" [ "$(jget "j['ownerState']")" = LOCKED ]
check "... ownerVerified true in the answer, updatedAt moved (it was 7)" \
    [ "$(jget "[j['ownerVerified'], j['updatedAt'] > 7]")" = "[True, True]" ]
check "... and the wallet says so" [ "$(state "$EID")" = "LOCKED $OWNER_ADDR" ]
code=$(verify "$EID")
refused "the same message again (a replayed nonce)" "$code" 401 INVALID_NONCE
check "... not retryable, and the hint says signatures are single-use here" \
    [ "$(jget "[j['retryable'], 'single-use' in j['hint']]")" = "[False, True]" ]

# A locked owner stays
code=$(put_owner "$EID" "{\"owner_address\":\"$LOWER\"}")
refused "PUT owner on a LOCKED owner" "$code" 409 OWNER_ALREADY_CONNECTED
get_nonce
evm "$NONCE" "urn:waiaas:action:owner.verify:$EID"
code=$(verify "$EID")
refused "verify a LOCKED owner" "$code" 409 OWNER_ALREADY_CONNECTED
code=$(verify "$EID")
check "... the refused action did not spend its nonce ($code)" \
    [ "$code" = 409 ]
check "the owner is unchanged" [ "$(state "$EID")" = "LOCKED $OWNER_ADDR" ]

# Solana: an unbound nonce, a message for localhost:<port>
get_nonce
sign "\"chain\": \"sol\", \"key\": \"$SOL_OTHER_SEED\",
    \"address\": \"$SOL_OWNER\", \"nonce\": \"$NONCE\",
    \"resources\": [\"urn:waiaas:action:owner.verify:$SID\"]"
code=$(verify "$SID")
refused "Solana: the owner's key signed by another key" "$code" 401 \
    INVALID_SIGNATURE
DOMAIN=localhost:$PORT
sign "\"chain\": \"sol\", \"key\": \"$SOL_OWNER_SEED\", \"nonce\": \"$NONCE\",
    \"resources\": [\"urn:waiaas:action:owner.verify:$SID\"]"
DOMAIN=127.0.0.1:$PORT
code=$(verify "$SID")
check "Solana: verify with an Ed25519 signature: 200 ($code)" \
    [ "$code $(jget "j['ownerState']")" = "200 LOCKED" ]
code=$(verify "$SID")
refused "Solana: the replay" "$code" 401 INVALID_NONCE

# The audit trail
code=$(http_code -H "$M" "$(U '/v1/audit-logs?limit=500')")
check "audit: wallet.owner_set 5 times (3 of them the approval_method's), owner_verified twice" \
    [ "$(jget "sorted(e['event'] for e in j['data'] if e['event'].startswith('wallet.owner'))")" = \
    "['wallet.owner_set', 'wallet.owner_set', 'wallet.owner_set', 'wallet.owner_set', 'wallet.owner_set', 'wallet.owner_verified', 'wallet.owner_verified']" ]
check "audit: the approval_method set is recorded" \
    [ "$(jget "sum(1 for e in j['data'] if e['event'] == 'wallet.owner_set' and e['details'].get('approvalMethod') == 'rest')")" = 1 ]
check "audit: every refusal is an auth.owner_failed with a reason" \
    python3 -c "
import json,sys; j=json.load(open('$T_TMP/body'))
f=[e for e in j['data'] if e['event'] == 'auth.owner_failed']
sys.exit(not (len(f) >= 15 and all(e['details'].get('reason') for e in f)))"
check "audit: no message or signature in it" \
    sh -c "! grep -q -e '$OS' -e '$(echo "$OM" | cut -c1-40)' '$T_TMP/body'"
code=$(http_code -H "$M" "$(U /v1/audit-logs/verify)")
check "the audit chain still verifies ($code)" \
    [ "$code $(jget "j['valid']")" = "200 True" ]

# Issuing a nonce stores nothing; a spent one is a row of its owner's
# wallet until it would have expired.  Expired rows go with the next
# spend; a wallet with 1,000 unexpired spent nonces is 429 for its own
# owner only.
DB=$DATA/data/waiaas.db
command -v sqlite3 >/dev/null || peer_missing sqlite3
{
	code=$(http_code -X POST -H "$M" --data-binary \
	    '{"name":"evm3","chain":"ethereum","createSession":false}' "$(U /v1/wallets)")
	W3=$(jget "j['id']")
	put_owner "$W3" "{\"owner_address\":\"$OWNER_ADDR\"}" >/dev/null
	sqlite3 "$DB" "PRAGMA busy_timeout=3000;
	    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n
	    WHERE i < 500) INSERT INTO spent_nonces SELECT randomblob(16),
	    '$EID', 1, 0 FROM n;
	    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n
	    WHERE i < 1000) INSERT INTO spent_nonces SELECT randomblob(16),
	    '$W3', strftime('%s', 'now') + 200, 0 FROM n;" >/dev/null
	get_nonce "?action=owner.verify&target=$W3"
	evm "$NONCE" "urn:waiaas:action:owner.verify:$W3"
	code=$(curl -s -D "$T_TMP/hdr" -o "$T_TMP/body" -w '%{http_code}' \
	    -X POST -H "X-Owner-Address: $OA" -H "X-Owner-Message: $OM" \
	    -H "X-Owner-Signature: $OS" "$(U "/v1/wallets/$W3/owner/verify")")
	refused "a wallet whose owner spent 1,000 nonces in 5 minutes" \
	    "$code" 429 RATE_LIMIT_EXCEEDED
	check "... with Retry-After" grep -qi '^retry-after: [0-9]' "$T_TMP/hdr"
	check "... and the owner is still GRACE" [ "$(state "$W3")" = "GRACE $OWNER_ADDR" ]
	W3A=$OA W3M=$OM W3S=$OS
	get_nonce
	sign "\"chain\": \"sol\", \"key\": \"$SOL_OWNER_SEED\", \"nonce\": \"$NONCE\",
	    \"resources\": [\"urn:waiaas:action:owner.verify:$SID\"]"
	code=$(verify "$SID")
	refused "another wallet's owner is not held by it (the nonce is taken)" \
	    "$code" 409 OWNER_ALREADY_CONNECTED
	sqlite3 "$DB" "PRAGMA busy_timeout=3000; DELETE FROM spent_nonces
	    WHERE wallet_id = '$W3'" >/dev/null
	OA=$W3A OM=$W3M OS=$W3S
	code=$(verify "$W3")
	check "once the share has room, the same message verifies ($code)" \
	    [ "$code $(jget "j['ownerState']")" = "200 LOCKED" ]
	check "expired spent nonces are deleted by the next spend" \
	    [ "$(sqlite3 "$DB" "SELECT count(*) FROM spent_nonces WHERE expires_at <= strftime('%s', 'now')")" = 0 ]
	check "the spend is the wallet's one row" \
	    [ "$(sqlite3 "$DB" "SELECT count(*) FROM spent_nonces WHERE wallet_id = '$W3'")" = 1 ]
}

kill -TERM "$DPID"; wait_gone "$DPID" 2000; DPID=""
check "no sanitizer reports" no_sanitizer_reports
