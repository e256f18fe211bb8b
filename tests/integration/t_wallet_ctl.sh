#!/bin/sh
# Wallet and session controls (issue 21) against the real daemon on
# anvil: PATCH /v1/wallets/{id} (monitorIncoming), the wallet's
# networks, suspend and resume (nothing signed while suspended; a
# DELAY send due while suspended is cancelled, one resumed in time runs),
# purge (only a terminated wallet with nothing in flight; its key file
# and the signer's copy gone, its rows gone, the audit chain intact),
# and a session's token rotation and wallet links; a Solana wallet on
# litesvm suspended, resumed and purged.
. tests/integration/lib.sh

NET=ethereum-sepolia
ACC1=0x70997970C51812dc3A010C7d01b50e0d17dc79C8
db() { sqlite3 "$DATA/data/waiaas.db" "PRAGMA busy_timeout=3000; $1" | tail -1; }
bal() { "$CAST" balance --rpc-url "$ANVIL_URL" "$1"; }
sol_bal() {
	rpc "$SVM_URL" getBalance "[\"$1\"]" |
	    python3 -c 'import json,sys; print(json.load(sys.stdin)["result"]["value"])'
}

start_anvil --chain-id 11155111
start_svm
WAIAAS_RPC_EVM_ETHEREUM_SEPOLIA=$ANVIL_URL WAIAAS_RPC_POLL_INTERVAL_MS=100 \
WAIAAS_RPC_SOLANA_DEVNET=$SVM_URL \
WAIAAS_SECURITY_PRICE_STATIC="ETH=2000" \
WAIAAS_SECURITY_MAX_SESSIONS_PER_WALLET=3 start_daemon || cannot_run "daemon starts"

req POST /v1/wallets '{"name":"ctl","chain":"ethereum","environment":"testnet"}' >/dev/null
W=$(jget 'j["id"]'); ADDR=$(jget 'j["publicKey"]')
S="Authorization: Bearer $(jget 'j["session"]["token"]')"
SID=$(jget 'j["session"]["id"]')
req POST /v1/wallets '{"name":"other","chain":"ethereum","environment":"testnet"}' >/dev/null
W2=$(jget 'j["id"]')
S2="Authorization: Bearer $(jget 'j["session"]["token"]')"
SID2=$(jget 'j["session"]["id"]')
req POST /v1/wallets '{"name":"sol","chain":"solana","environment":"testnet","createSession":false}' >/dev/null
WS=$(jget 'j["id"]')

# ---- PATCH /v1/wallets/{id} ----
code=$(req PATCH "/v1/wallets/$W" '{"monitorIncoming":true}')
check "PATCH monitorIncoming true: 200 {id, monitorIncoming true} ($code)" \
    [ "$code $(jget '[j["id"], j["monitorIncoming"]]')" = "200 ['$W', True]" ]
code=$(req GET "/v1/wallets/$W")
check "... the wallet reads monitorIncoming true, updatedAt set ($code)" \
    [ "$code $(jget '[j["monitorIncoming"], j["updatedAt"] is not None]')" = "200 [True, True]" ]
check "... the other wallet is unchanged" \
    [ "$(db "SELECT monitor_incoming FROM wallets WHERE id = '$W2'")" = 0 ]
check "... audited as wallet.updated" \
    [ "$(db "SELECT details FROM audit_log WHERE event = 'wallet.updated' AND target = '$W'")" = '{"monitorIncoming":true}' ]
code=$(req PATCH "/v1/wallets/$W" '{"monitorIncoming":false}')
check "PATCH monitorIncoming false: 200 false ($code)" \
    [ "$code $(jget 'j["monitorIncoming"]')" = "200 False" ]
code=$(req PATCH "/v1/wallets/$W" '{"monitorIncoming":"yes"}')
check "PATCH monitorIncoming not a boolean: 400 naming it ($code)" \
    [ "$code $(jget 'j["details"]["issues"][0]["path"][0]')" = "400 monitorIncoming" ]
code=$(req PATCH "/v1/wallets/$W" '{"name":"x"}')
check "PATCH name: 400, an unknown field (PUT renames) ($code)" \
    [ "$code $(jget 'j["details"]["issues"][0]["path"][0]')" = "400 name" ]
code=$(req PATCH "/v1/wallets/$W" '{}')
check "PATCH without monitorIncoming: 400 ($code)" [ "$code" = 400 ]
code=$(req PATCH "/v1/wallets/$W" '{"monitorIncoming":true}' "$S")
check "PATCH with a session token: 401 ($code)" [ "$code" = 401 ]
code=$(req PATCH "/v1/wallets/00000000-0000-7000-8000-000000000000" '{"monitorIncoming":true}')
check "PATCH an unknown wallet: 404 WALLET_NOT_FOUND ($code)" \
    [ "$code $(jget 'j["code"]')" = "404 WALLET_NOT_FOUND" ]
check "... nothing changed by the refusals" \
    [ "$(db "SELECT monitor_incoming FROM wallets WHERE id = '$W'")" = 0 ]

# ---- GET /v1/wallets/{id}/networks ----
code=$(req GET "/v1/wallets/$W/networks")
check "networks of an EVM testnet wallet: 200, its default first ($code)" \
    [ "$code $(jget '[j["id"], j["chain"], j["environment"], j["availableNetworks"][0]]')" = "200 ['$W', 'ethereum', 'testnet', {'network': 'ethereum-sepolia', 'isDefault': True}]" ]
check "... only EVM testnets, each once, sepolia among them" \
    [ "$(jget '(lambda n: len(n) == len(set(n)) and len(n) > 1 and "ethereum-sepolia" in n and all("mainnet" not in x for x in n))([x["network"] for x in j["availableNetworks"]])')" = True ]
code=$(req GET "/v1/wallets/$WS/networks")
check "networks of a Solana testnet wallet: devnet (default) and testnet ($code)" \
    [ "$code $(jget 'sorted((x["network"], x["isDefault"]) for x in j["availableNetworks"])')" = "200 [('devnet', True), ('testnet', False)]" ]
code=$(req GET "/v1/wallets/$W/networks" "" "$S")
check "its session reads the networks ($code)" [ "$code" = 200 ]
code=$(req GET "/v1/wallets/$W/networks" "" "$S2")
check "another wallet's session: 403 WALLET_ACCESS_DENIED ($code)" \
    [ "$code $(jget 'j["code"]')" = "403 WALLET_ACCESS_DENIED" ]
code=$(req GET "/v1/wallets/00000000-0000-7000-8000-000000000000/networks")
check "networks of an unknown wallet: 404 ($code)" [ "$code" = 404 ]
code=$(http_code "http://127.0.0.1:$PORT/v1/wallets/$W/networks")
check "networks without a credential: 401 ($code)" [ "$code" = 401 ]

# ---- suspend and resume ----
# Sends up to 0.001 ETH are INSTANT, up to 1 ETH wait a DELAY of 60 s.
req POST /v1/policies '{"type":"SPENDING_LIMIT","rules":{"instant_max":"1000000000000000","delay_max":"1000000000000000000","delay_seconds":60}}' >/dev/null
ADDR2=$(req GET "/v1/wallets/$W2" >/dev/null; jget 'j["publicKey"]')
"$CAST" send -q --rpc-url "$ANVIL_URL" --private-key "$ANVIL_KEY0" "$ADDR" --value 1ether >/dev/null
"$CAST" send -q --rpc-url "$ANVIL_URL" --private-key "$ANVIL_KEY0" "$ADDR2" --value 1ether >/dev/null
SEND='{"network":"'$NET'","to":"'$ACC1'","amount":"1000"}'
DSEND='{"network":"'$NET'","to":"'$ACC1'","amount":"10000000000000000"}'
# One waiting transaction per wallet: W's delay ends while W is
# suspended, W2's after W2 was resumed.
code=$(req POST /v1/transactions/send "$DSEND" "$S")
DA=$(jget 'j["id"]')
check "a DELAY send of W: 201 QUEUED ($code)" \
    [ "$code $(jget 'j["status"]')" = "201 QUEUED" ]
code=$(req POST /v1/transactions/send "$DSEND" "$S2")
DB=$(jget 'j["id"]')
check "a DELAY send of W2: 201 QUEUED ($code)" \
    [ "$code $(jget 'j["status"]')" = "201 QUEUED" ]

code=$(req POST "/v1/wallets/$W/suspend" '{"reason":"audit pending"}')
check "suspend: 200 {id, SUSPENDED, suspendedAt, suspensionReason} ($code)" \
    [ "$code $(jget '[j["id"], j["status"], type(j["suspendedAt"]).__name__, j["suspensionReason"]]')" = "200 ['$W', 'SUSPENDED', 'int', 'audit pending']" ]
code=$(req POST "/v1/wallets/$W2/suspend")
check "suspend without a body: the default reason ($code)" \
    [ "$code $(jget 'j["suspensionReason"]')" = "200 suspended by the operator" ]
code=$(req GET "/v1/wallets/$W")
check "the wallet reads SUSPENDED, with when and why ($code)" \
    [ "$code $(jget '[j["status"], j["suspensionReason"], j["suspendedAt"] > 0]')" = "200 ['SUSPENDED', 'audit pending', True]" ]
check "... audited as wallet.suspended with its reason" \
    [ "$(db "SELECT json_extract(details, '\$.reason') FROM audit_log WHERE event = 'wallet.suspended' AND target = '$W'")" = "audit pending" ]
check "... its waiting transaction still waits" \
    [ "$(db "SELECT status FROM transactions WHERE id = '$DA'")" = QUEUED ]
code=$(req POST "/v1/wallets/$W/suspend")
check "suspend again: 409 INVALID_STATE_TRANSITION ($code)" \
    [ "$code $(jget 'j["code"]')" = "409 INVALID_STATE_TRANSITION" ]
code=$(req POST "/v1/wallets/$W/suspend" '{"reason":""}')
check "an empty reason: 400 naming reason ($code)" \
    [ "$code $(jget 'j["details"]["issues"][0]["path"][0]')" = "400 reason" ]
code=$(req POST "/v1/wallets/$W/suspend" "{\"reason\":\"$(head -c 201 /dev/zero | tr '\0' r)\"}")
check "a reason of 201 characters: 400 ($code)" [ "$code" = 400 ]
code=$(req POST "/v1/wallets/$W/suspend" '{}' "$S")
check "suspend with a session token: 401 ($code)" [ "$code" = 401 ]
code=$(req POST "/v1/wallets/00000000-0000-7000-8000-000000000000/suspend")
check "suspend an unknown wallet: 404 ($code)" [ "$code" = 404 ]

ntx=$(db "SELECT count(*) FROM transactions")
code=$(req POST /v1/transactions/send "$SEND" "$S")
check "a suspended wallet's send: 409 WALLET_SUSPENDED ($code)" \
    [ "$code $(jget 'j["code"]')" = "409 WALLET_SUSPENDED" ]
code=$(req POST /v1/transactions/sign-message '{"network":"'$NET'","message":"hello"}' "$S")
check "... its personal message: 409 WALLET_SUSPENDED ($code)" \
    [ "$code $(jget 'j["code"]')" = "409 WALLET_SUSPENDED" ]
TYPED='{"types":{"EIP712Domain":[{"name":"name","type":"string"}],"M":[{"name":"x","type":"string"}]},"primaryType":"M","domain":{"name":"d"},"message":{"x":"y"}}'
code=$(req POST /v1/transactions/sign-message '{"network":"'$NET'","signType":"typedData","typedData":'"$TYPED"'}' "$S")
check "... its EIP-712 typed data: 409 WALLET_SUSPENDED ($code)" \
    [ "$code $(jget 'j["code"]')" = "409 WALLET_SUSPENDED" ]
code=$(req POST /v1/transactions/simulate "$SEND" "$S")
check "... its dry run: 409 WALLET_SUSPENDED ($code)" \
    [ "$code $(jget 'j["code"]')" = "409 WALLET_SUSPENDED" ]
UTX=$(node_bin tests/integration/evm_tx.js unsigned '{"type":2,"chainId":11155111,"nonce":0,"maxPriorityFeePerGas":"1","maxFeePerGas":"10000000000","gasLimit":21000,"to":"0x000000000000000000000000000000000000dEaD","value":"1"}')
code=$(req POST /v1/transactions/sign '{"network":"'$NET'","transaction":"'"$UTX"'"}' "$S")
check "... a dApp's transaction to sign only: 409 WALLET_SUSPENDED ($code)" \
    [ "$code $(jget 'j["code"]')" = "409 WALLET_SUSPENDED" ]
check "... no transaction recorded for any of them" \
    [ "$(db "SELECT count(*) FROM transactions")" = "$ntx" ]
code=$(req GET "/v1/wallets/$W" "" "$S")
check "... its session still reads the wallet ($code)" [ "$code" = 200 ]

code=$(req POST "/v1/wallets/$W2/resume")
check "resume W2 before its delay ends: 200 ACTIVE ($code)" \
    [ "$code $(jget '[j["id"], j["status"]]')" = "200 ['$W2', 'ACTIVE']" ]
code=$(req GET "/v1/wallets/$W2")
check "... suspendedAt and suspensionReason null again ($code)" \
    [ "$code $(jget '[j["status"], j["suspendedAt"], j["suspensionReason"]]')" = "200 ['ACTIVE', None, None]" ]
code=$(req POST "/v1/wallets/$W2/resume")
check "resume an active wallet: 409 INVALID_STATE_TRANSITION ($code)" \
    [ "$code $(jget 'j["code"]')" = "409 INVALID_STATE_TRANSITION" ]
check "... audited as wallet.resumed" \
    [ "$(db "SELECT count(*) FROM audit_log WHERE event = 'wallet.resumed' AND target = '$W2'")" = 1 ]

# The delays end (60 s after the sends): W's is cancelled, W2's runs.
# Two reads of the store each half second (not more: a minute of it).
n=0
while [ $n -lt 180 ]; do
	a=$(db "SELECT status FROM transactions WHERE id = '$DA'")
	b=$(db "SELECT status FROM transactions WHERE id = '$DB'")
	[ "$a" != QUEUED ] && [ "$b" = CONFIRMED ] && break
	sleep 0.5
	n=$((n + 1))
done
check "W's DELAY send, due while W is suspended: CANCELLED WALLET_SUSPENDED" \
    [ "$(db "SELECT status || ' ' || error_code FROM transactions WHERE id = '$DA'")" = "CANCELLED WALLET_SUSPENDED" ]
check "... nothing signed, nothing on chain (W's nonce 0, no raw)" \
    [ "$("$CAST" nonce --rpc-url "$ANVIL_URL" "$ADDR") $(db "SELECT raw IS NULL FROM transactions WHERE id = '$DA'")" = "0 1" ]
check "W2's DELAY send, resumed before its delay ended: CONFIRMED" \
    [ "$b" = CONFIRMED ] && [ "$("$CAST" nonce --rpc-url "$ANVIL_URL" "$ADDR2")" = 1 ]

code=$(req POST "/v1/wallets/$W/resume")
check "resume W: 200 ($code)" [ "$code" = 200 ]
code=$(req POST /v1/transactions/send "$SEND" "$S")
ID=$(jget 'j["id"]')
check "a resumed wallet sends again: 201 ($code)" [ "$code" = 201 ]
check "... and it confirms on chain" \
    [ "$(wait_tx "$ID" | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])')" = CONFIRMED ]

# ---- purge ----
KS=$DATA/keystore
code=$(req DELETE "/v1/wallets/$W2/purge")
check "purge an active wallet: 409 WALLET_NOT_TERMINATED ($code)" \
    [ "$code $(jget 'j["code"]')" = "409 WALLET_NOT_TERMINATED" ]
code=$(req DELETE "/v1/wallets/00000000-0000-7000-8000-000000000000/purge")
check "purge an unknown wallet: 404 ($code)" [ "$code" = 404 ]
code=$(req DELETE "/v1/wallets/$W2/purge" "" "$S2")
check "purge with a session token: 401 ($code)" [ "$code" = 401 ]

# A key imported, so that importing it again shows whether the signer
# still holds it (it refuses a key it has: 409 WALLET_ALREADY_EXISTS).
PK=0x$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
code=$(req POST /v1/wallets/import '{"name":"p","chain":"ethereum","privateKey":"'$PK'"}')
WP=$(jget 'j["id"]'); SP="Authorization: Bearer $(jget 'j["session"]["token"]')"
SPID=$(jget 'j["session"]["id"]')
check "a wallet to purge, its sealed key on disk ($code)" \
    [ "$code" = 201 ] && [ -f "$KS/$WP.enc" ]
req POST /v1/policies "{\"walletId\":\"$WP\",\"type\":\"SPENDING_LIMIT\",\"rules\":{\"instant_max\":\"1000\"}}" >/dev/null
req POST /v1/transactions/sign-message '{"network":"'$NET'","message":"before purge"}' "$SP" >/dev/null
code=$(req POST /v1/wallets/import '{"name":"p2","chain":"ethereum","privateKey":"'$PK'"}')
check "the same key again while the wallet lives: 409 ($code)" [ "$code" = 409 ]
req DELETE "/v1/wallets/$WP" >/dev/null
check "terminated: its rows and its key file are still there" \
    [ "$(db "SELECT count(*) FROM transactions WHERE wallet_id = '$WP'") $(db "SELECT count(*) FROM policies WHERE wallet_id = '$WP'")" = "1 1" ] &&
    [ -f "$KS/$WP.enc" ]
NAUDIT=$(db "SELECT count(*) FROM audit_log")
code=$(req DELETE "/v1/wallets/$WP/purge")
check "purge a terminated wallet: 200 {id, PURGED} ($code)" \
    [ "$code $(jget '[j["id"], j["status"]]')" = "200 ['$WP', 'PURGED']" ]
check "... its sealed key file is gone from the keystore" [ ! -e "$KS/$WP.enc" ]
check "... its rows are gone (wallet, transactions, policies, session links, its session)" \
    [ "$(db "SELECT (SELECT count(*) FROM wallets WHERE id = '$WP') + (SELECT count(*) FROM transactions WHERE wallet_id = '$WP') + (SELECT count(*) FROM policies WHERE wallet_id = '$WP') + (SELECT count(*) FROM session_wallets WHERE wallet_id = '$WP') + (SELECT count(*) FROM spend_hours WHERE wallet_id = '$WP') + (SELECT count(*) FROM sessions WHERE id = '$SPID')")" = 0 ]
check "... the audit log kept every entry and added wallet.purged" \
    [ "$(db "SELECT count(*) FROM audit_log")" = "$((NAUDIT + 1))" ] &&
    [ "$(db "SELECT count(*) FROM audit_log WHERE event = 'wallet.purged' AND target = '$WP'")" = 1 ]
code=$(req GET /v1/audit-logs/verify)
check "... and its hash chain still verifies ($code)" \
    [ "$code $(jget 'j["valid"]')" = "200 True" ]
code=$(req GET "/v1/wallets/$WP")
check "the purged wallet: 404 WALLET_NOT_FOUND ($code)" \
    [ "$code $(jget 'j["code"]')" = "404 WALLET_NOT_FOUND" ]
code=$(req DELETE "/v1/wallets/$WP/purge")
check "purge it again: 404 ($code)" [ "$code" = 404 ]
code=$(req POST /v1/wallets/import '{"name":"p3","chain":"ethereum","privateKey":"'$PK'"}')
check "the signer no longer holds the key: importing it again is a new wallet (201) ($code)" \
    [ "$code" = 201 ] && [ "$(jget 'j["id"]')" != "$WP" ]
check "the daemon logged the key forgotten and the file removed" \
    grep -q "key of wallet $WP forgotten" "$LOG" &&
    grep -q "keystore/$WP.enc removed" "$LOG"

# In flight: a broadcast transaction not yet mined keeps the wallet.
"$CAST" rpc --rpc-url "$ANVIL_URL" evm_setAutomine false >/dev/null
code=$(req POST /v1/transactions/send "$SEND" "$S2")
IDF=$(jget 'j["id"]')
n=0
while [ $n -lt 100 ] && [ "$(db "SELECT status FROM transactions WHERE id = '$IDF'")" != SUBMITTED ]; do
	sleep 0.1; n=$((n + 1))
done
req DELETE "/v1/wallets/$W2" >/dev/null
code=$(req DELETE "/v1/wallets/$W2/purge")
check "purge while its transaction is SUBMITTED, unmined: 409 INVALID_STATE_TRANSITION ($code)" \
    [ "$code $(jget 'j["code"]')" = "409 INVALID_STATE_TRANSITION" ] &&
    [ -f "$KS/$W2.enc" ] && [ "$(db "SELECT count(*) FROM wallets WHERE id = '$W2'")" = 1 ]
"$CAST" rpc --rpc-url "$ANVIL_URL" evm_mine >/dev/null
"$CAST" rpc --rpc-url "$ANVIL_URL" evm_setAutomine true >/dev/null
n=0
while [ $n -lt 200 ] && [ "$(db "SELECT status FROM transactions WHERE id = '$IDF'")" != CONFIRMED ]; do
	sleep 0.1; n=$((n + 1))
done
code=$(req DELETE "/v1/wallets/$W2/purge")
check "once it is CONFIRMED, the purge goes through ($code)" \
    [ "$code" = 200 ] && [ ! -e "$KS/$W2.enc" ]

# ---- Solana (litesvm): suspended, resumed, purged ----
req GET "/v1/wallets/$WS" >/dev/null; SADDR=$(jget 'j["publicKey"]')
req POST /v1/wallets '{"name":"sol-to","chain":"solana","environment":"testnet","createSession":false}' >/dev/null
STO=$(jget 'j["publicKey"]')
req POST /v1/sessions "{\"walletId\":\"$WS\"}" >/dev/null
SS="Authorization: Bearer $(jget 'j["token"]')"
rpc "$SVM_URL" requestAirdrop "[\"$SADDR\",2000000000]" >/dev/null
req POST "/v1/wallets/$WS/suspend" '{"reason":"sol"}' >/dev/null
ntx=$(db "SELECT count(*) FROM transactions")
code=$(req POST /v1/transactions/send "{\"to\":\"$STO\",\"amount\":\"1000000\"}" "$SS")
check "a suspended Solana wallet's send: 409 WALLET_SUSPENDED ($code)" \
    [ "$code $(jget 'j["code"]')" = "409 WALLET_SUSPENDED" ]
code=$(req POST /v1/transactions/sign-message '{"message":"hello"}' "$SS")
check "... its message: 409 WALLET_SUSPENDED ($code)" \
    [ "$code $(jget 'j["code"]')" = "409 WALLET_SUSPENDED" ]
check "... nothing recorded, nothing on chain" \
    [ "$(db "SELECT count(*) FROM transactions") $(sol_bal "$SADDR") $(sol_bal "$STO")" = "$ntx 2000000000 0" ]
req POST "/v1/wallets/$WS/resume" >/dev/null
code=$(req POST /v1/transactions/send "{\"to\":\"$STO\",\"amount\":\"1000000\"}" "$SS")
ID=$(jget 'j["id"]')
S_SAVE=$S; S=$SS
r=$(wait_tx "$ID" | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])')
S=$S_SAVE
check "resumed, it sends: CONFIRMED, the recipient has the amount ($code)" \
    [ "$code $r $(sol_bal "$STO")" = "201 CONFIRMED 1000000" ]
req DELETE "/v1/wallets/$WS" >/dev/null
check "terminated: its sealed Ed25519 key is still on disk" [ -f "$KS/$WS.enc" ]
code=$(req DELETE "/v1/wallets/$WS/purge")
check "purged: 200, the key file gone, the wallet 404 ($code)" \
    [ "$code" = 200 ] && [ ! -e "$KS/$WS.enc" ] &&
    [ "$(req GET "/v1/wallets/$WS")" = 404 ]

# ---- sessions: rotate ----
code=$(req GET /v1/sessions)
EXP=$(jget "[x['expiresAt'] for x in j['data'] if x['id'] == '$SID'][0]")
code=$(req POST "/v1/sessions/$SID/rotate")
T1="Authorization: Bearer $(jget 'j["token"]')"
check "rotate: 200 {id, token, expiresAt kept, tokenIssuedCount 2} ($code)" \
    [ "$code $(jget '[j["id"], j["expiresAt"], j["tokenIssuedCount"], j["token"].startswith("wai_sess_")]')" = "200 ['$SID', $EXP, 2, True]" ] &&
    [ "$T1" != "$S" ]
code=$(req GET "/v1/wallets/$W" "" "$S")
check "... the old token fails on the very next request: 401 ($code)" \
    [ "$code $(jget 'j["code"]')" = "401 INVALID_TOKEN" ]
code=$(req GET "/v1/wallets/$W" "" "$T1")
check "... the new one works ($code)" [ "$code" = 200 ]
check "... audited as session.rotated" \
    [ "$(db "SELECT count(*) FROM audit_log WHERE event = 'session.rotated' AND target = '$SID'")" = 1 ]
code=$(req POST "/v1/sessions/$SID/rotate")
T2="Authorization: Bearer $(jget 'j["token"]')"
check "rotate again: tokenIssuedCount 3, a third token ($code)" \
    [ "$code $(jget 'j["tokenIssuedCount"]')" = "200 3" ] && [ "$T2" != "$T1" ]
code=$(req GET "/v1/wallets/$W" "" "$T1")
check "... the second token fails at once ($code)" [ "$code" = 401 ]
code=$(req PUT "/v1/sessions/$SID/renew" "" "$T2")
T3="Authorization: Bearer $(jget 'j["token"]')"
check "a rotated token renews its session: a fourth token ($code)" \
    [ "$code" = 200 ] && [ "$T3" != "$T2" ]
code=$(req GET "/v1/wallets/$W" "" "$T3")
check "... which works ($code)" [ "$code" = 200 ]
code=$(req POST "/v1/sessions/$SID/rotate" "" "$T3")
check "rotate with a session token: 401 ($code)" [ "$code" = 401 ]
code=$(req POST "/v1/sessions/00000000-0000-7000-8000-000000000000/rotate")
check "rotate an unknown session: 404 SESSION_NOT_FOUND ($code)" \
    [ "$code $(jget 'j["code"]')" = "404 SESSION_NOT_FOUND" ]
req POST /v1/sessions "{\"walletId\":\"$W\"}" >/dev/null
SIDR=$(jget 'j["id"]')
req DELETE "/v1/sessions/$SIDR" >/dev/null
code=$(req POST "/v1/sessions/$SIDR/rotate")
check "rotate a revoked session: 401 SESSION_REVOKED ($code)" \
    [ "$code $(jget 'j["code"]')" = "401 SESSION_REVOKED" ]

# ---- sessions: wallet links ----
req POST /v1/wallets '{"name":"linked","chain":"ethereum","environment":"testnet","createSession":false}' >/dev/null
W3=$(jget 'j["id"]')
code=$(req GET "/v1/sessions/$SID/wallets")
check "a session's wallets: its one wallet ($code)" \
    [ "$code $(jget '[(w["id"], w["name"], w["chain"], type(w["createdAt"]).__name__) for w in j["wallets"]]')" = "200 [('$W', 'ctl', 'ethereum', 'int')]" ]
code=$(req GET "/v1/wallets/$W3" "" "$T3")
check "before the link, the session cannot read the other wallet: 403 ($code)" [ "$code" = 403 ]
code=$(req POST "/v1/sessions/$SID/wallets" "{\"walletId\":\"$W3\"}")
check "link a wallet: 201 {sessionId, walletId, createdAt} ($code)" \
    [ "$code $(jget '[j["sessionId"], j["walletId"], type(j["createdAt"]).__name__]')" = "201 ['$SID', '$W3', 'int']" ]
code=$(req GET "/v1/wallets/$W3" "" "$T3")
check "... the same token now reads it ($code)" [ "$code" = 200 ]
code=$(req GET /v1/wallets "" "$T3")
check "... and lists both wallets ($code)" \
    [ "$code $(jget 'sorted(w["id"] for w in j["items"])')" = "200 $(python3 -c "print(sorted(['$W', '$W3']))")" ]
code=$(req GET "/v1/wallets?limit=1&offset=1" "" "$T3")
check "... a page of them: limit=1&offset=1, the newer, total 2 ($code)" \
    [ "$code $(jget '[w["id"] for w in j["items"]], j["total"], j["limit"], j["offset"]')" = "200 ['$W3'] 2 1 1" ]
# The operator's list, a page at a time, oldest first (issue 23).
N=$(db "SELECT count(*) FROM wallets")
code=$(req GET /v1/wallets)
check "the operator's list: all $N, oldest first, limit 1000 ($code)" \
    [ "$code $(jget '[w["id"] for w in j["items"]], j["total"], j["limit"], j["offset"]')" = "200 $(db "SELECT json_group_array(id) FROM (SELECT id FROM wallets ORDER BY created_at, id)" | python3 -c 'import json,sys; print(json.load(sys.stdin))') $N 1000 0" ]
cp "$T_TMP/body" "$T_TMP/wlist"
: > "$T_TMP/wrows"
for w in $(jget '" ".join(w["id"] for w in j["items"])'); do
	req GET "/v1/wallets/$w" >/dev/null
	cat "$T_TMP/body" >> "$T_TMP/wrows"; echo >> "$T_TMP/wrows"
done
check "... each listed wallet is the wallet as GET shows it, key for key" \
    python3 -c '
import json, sys
items = json.load(open(sys.argv[1]))["items"]
rows = [json.loads(l) for l in open(sys.argv[2]) if l.strip()]
assert len(items) == len(rows) == int(sys.argv[3])
for i, r in zip(items, rows):
    assert list(i.items()) == list(r.items()), (i, r)
' "$T_TMP/wlist" "$T_TMP/wrows" "$N"
code=$(req GET "/v1/wallets?limit=2&offset=1")
check "... limit=2&offset=1: the second and third ($code)" \
    [ "$code $(jget '[w["id"] for w in j["items"]], j["total"], j["limit"]')" = "200 $(db "SELECT json_group_array(id) FROM (SELECT id FROM wallets ORDER BY created_at, id LIMIT 2 OFFSET 1)" | python3 -c 'import json,sys; print(json.load(sys.stdin))') $N 2" ]
code=$(req GET "/v1/wallets?offset=$N")
check "... past the end: no items, the total still $N ($code)" \
    [ "$code $(jget 'j["items"], j["total"]')" = "200 [] $N" ]
for q in limit=0 limit=1001 offset=-1; do
	code=$(req GET "/v1/wallets?$q")
	check "... $q: 400 ($code)" [ "$code" = 400 ]
done
code=$(req GET "/v1/sessions/$SID/wallets")
check "... GET lists both ($code)" [ "$code $(jget 'len(j["wallets"])')" = "200 2" ]
check "... audited as session.wallet_linked" \
    [ "$(db "SELECT json_extract(details, '\$.walletId') FROM audit_log WHERE event = 'session.wallet_linked' AND target = '$SID'")" = "$W3" ]
code=$(req POST "/v1/sessions/$SID/wallets" "{\"walletId\":\"$W3\"}")
check "link it again: 409 WALLET_ALREADY_LINKED ($code)" \
    [ "$code $(jget 'j["code"]')" = "409 WALLET_ALREADY_LINKED" ]
code=$(req POST "/v1/sessions/$SID/wallets" '{"walletId":"00000000-0000-7000-8000-000000000000"}')
check "link an unknown wallet: 404 WALLET_NOT_FOUND ($code)" \
    [ "$code $(jget 'j["code"]')" = "404 WALLET_NOT_FOUND" ]
code=$(req POST "/v1/sessions/$SID/wallets" "{\"walletId\":\"$WP\"}")
check "link a purged wallet: 404 ($code)" [ "$code" = 404 ]
code=$(req POST "/v1/sessions/$SID/wallets" '{"walletId":"nope"}')
check "link with a walletId not an id: 400 naming it ($code)" \
    [ "$code $(jget 'j["details"]["issues"][0]["path"][0]')" = "400 walletId" ]
code=$(req POST "/v1/sessions/00000000-0000-7000-8000-000000000000/wallets" "{\"walletId\":\"$W3\"}")
check "link to an unknown session: 404 SESSION_NOT_FOUND ($code)" \
    [ "$code $(jget 'j["code"]')" = "404 SESSION_NOT_FOUND" ]
code=$(req POST "/v1/sessions/$SIDR/wallets" "{\"walletId\":\"$W3\"}")
check "link to a revoked session: 409 ($code)" [ "$code" = 409 ]
code=$(req POST "/v1/sessions/$SID/wallets" "{\"walletId\":\"$W3\"}" "$T3")
check "link with a session token: 401 ($code)" [ "$code" = 401 ]
# security.max_sessions_per_wallet is 3 here: a wallet with 3 sessions
req POST /v1/wallets '{"name":"full","chain":"ethereum","environment":"testnet"}' >/dev/null
W4=$(jget 'j["id"]')
req POST /v1/sessions "{\"walletId\":\"$W4\"}" >/dev/null
req POST /v1/sessions "{\"walletId\":\"$W4\"}" >/dev/null
code=$(req POST "/v1/sessions/$SID/wallets" "{\"walletId\":\"$W4\"}")
check "link a wallet that has the most sessions: 403 SESSION_LIMIT_EXCEEDED ($code)" \
    [ "$code $(jget 'j["code"]')" = "403 SESSION_LIMIT_EXCEEDED" ]

code=$(req DELETE "/v1/sessions/$SID/wallets/$W3")
check "unlink: 204, no body ($code)" [ "$code" = 204 ] && [ ! -s "$T_TMP/body" ]
code=$(req GET "/v1/wallets/$W3" "" "$T3")
check "... the token loses the wallet at once: 403 ($code)" [ "$code" = 403 ]
code=$(req POST /v1/transactions/send "{\"walletId\":\"$W3\",\"network\":\"$NET\",\"to\":\"$ACC1\",\"amount\":\"1\"}" "$T3")
check "... and cannot send from it: 403 WALLET_ACCESS_DENIED ($code)" \
    [ "$code $(jget 'j["code"]')" = "403 WALLET_ACCESS_DENIED" ]
check "... audited as session.wallet_unlinked" \
    [ "$(db "SELECT count(*) FROM audit_log WHERE event = 'session.wallet_unlinked' AND target = '$SID'")" = 1 ]
code=$(req DELETE "/v1/sessions/$SID/wallets/$W3")
check "unlink a wallet not linked: 404 ($code)" [ "$code" = 404 ]
code=$(req DELETE "/v1/sessions/$SID/wallets/$W")
check "unlink the last wallet: 400 SESSION_REQUIRES_WALLET ($code)" \
    [ "$code $(jget 'j["code"]')" = "400 SESSION_REQUIRES_WALLET" ]
code=$(req DELETE "/v1/sessions/00000000-0000-7000-8000-000000000000/wallets/$W")
check "unlink from an unknown session: 404 SESSION_NOT_FOUND ($code)" \
    [ "$code $(jget 'j["code"]')" = "404 SESSION_NOT_FOUND" ]
code=$(req DELETE "/v1/sessions/$SID/wallets/$W" "" "$T3")
check "unlink with a session token: 401 ($code)" [ "$code" = 401 ]
code=$(req GET "/v1/wallets/$W" "" "$T3")
check "the session still reaches its wallet ($code)" [ "$code" = 200 ]

# ---- end ----
kill -TERM "$DPID"; wait_gone "$DPID" 5000; DPID=""
check "no sanitizer reports" no_sanitizer_reports
