#!/bin/sh
# Wallet and session controls (issue 21) against the real daemon on
# anvil: PATCH /v1/wallets/{id} (monitorIncoming) and the wallet's
# networks.
. tests/integration/lib.sh

NET=ethereum-sepolia
ACC1=0x70997970C51812dc3A010C7d01b50e0d17dc79C8
db() { sqlite3 "$DATA/data/waiaas.db" "PRAGMA busy_timeout=3000; $1" | tail -1; }
bal() { "$CAST" balance --rpc-url "$ANVIL_URL" "$1"; }

start_anvil --chain-id 11155111
WAIAAS_RPC_EVM_ETHEREUM_SEPOLIA=$ANVIL_URL WAIAAS_RPC_POLL_INTERVAL_MS=100 \
WAIAAS_SECURITY_PRICE_STATIC="ETH=2000" \
    start_daemon || cannot_run "daemon starts"

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
    [ "$code $(jget 'j["monitorIncoming"], j["updatedAt"] is not None')" = "200 (True, True)" ]
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
    [ "$(jget 'n=[x["network"] for x in j["availableNetworks"]]; print(len(n) == len(set(n)) and len(n) > 1 and all("mainnet" not in x for x in n))' | tail -1)" = True ]
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

# ---- end ----
kill -TERM "$DPID"; wait_gone "$DPID" 5000; DPID=""
check "no sanitizer reports" no_sanitizer_reports
