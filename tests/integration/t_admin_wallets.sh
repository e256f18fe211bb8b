#!/bin/sh
# The operator's view of one wallet (issue 19), with the real daemon and
# anvil: GET /v1/admin/wallets/{id}/balance gives one entry per network
# of the wallet's chain and environment, the funded one's native balance
# what anvil's eth_getBalance says (the others point at a closed port:
# native null and an error); GET /v1/admin/wallets/{id}/transactions
# lists the wallet's sends, newest first, paged, and no other wallet's.
# An unknown wallet is a 404, a malformed id too; no credential, a wrong
# password and a session token are each a 401.  A terminated wallet:
# no balances (no node is asked), its transactions still listed.
. tests/integration/lib.sh

NET=ethereum-sepolia
DEAD=http://127.0.0.1:$(free_port)	# nothing listens there
start_anvil --chain-id 11155111
WAIAAS_RPC_EVM_ETHEREUM_SEPOLIA=$ANVIL_URL \
WAIAAS_RPC_EVM_BASE_SEPOLIA=$DEAD WAIAAS_RPC_EVM_POLYGON_AMOY=$DEAD \
WAIAAS_RPC_EVM_ARBITRUM_SEPOLIA=$DEAD WAIAAS_RPC_EVM_OPTIMISM_SEPOLIA=$DEAD \
WAIAAS_RPC_EVM_HYPEREVM_TESTNET=$DEAD WAIAAS_RPC_POLL_INTERVAL_MS=100 \
    start_daemon || cannot_run "daemon starts"

req POST /v1/wallets '{"name":"a","chain":"ethereum","environment":"testnet"}' >/dev/null
W=$(jget 'j["id"]')
ADDR=$(jget 'j["publicKey"]')
S="Authorization: Bearer $(jget 'j["session"]["token"]')"
"$CAST" send -q --rpc-url "$ANVIL_URL" --private-key "$ANVIL_KEY0" \
    "$ADDR" --value 1234567890123456789 >/dev/null
req POST /v1/wallets '{"name":"b","chain":"ethereum","environment":"testnet"}' >/dev/null
W2=$(jget 'j["id"]')
S2="Authorization: Bearer $(jget 'j["session"]["token"]')"

# Two sends from the first wallet (anvil's blocks come at once).
req POST /v1/policies "{\"walletId\":\"$W\",\"type\":\"SPENDING_LIMIT\",\"rules\":{\"instant_max\":\"1000000\"}}" >/dev/null
T1=$(send "{\"network\":\"$NET\",\"to\":\"0x7000000000000000000000000000000000000001\",\"amount\":\"1000\"}")
wait_tx "$T1" >/dev/null
T2=$(send "{\"network\":\"$NET\",\"to\":\"0x7000000000000000000000000000000000000002\",\"amount\":\"2000\"}")
wait_tx "$T2" >/dev/null

ONCHAIN=$(rpc "$ANVIL_URL" eth_getBalance "[\"$ADDR\",\"latest\"]" |
    python3 -c 'import json,sys; print(int(json.load(sys.stdin)["result"], 16))')
code=$(req GET "/v1/admin/wallets/$W/balance")
check "balance: 200, one entry per EVM testnet ($code)" \
    [ "$code $(jget '[b["network"] for b in j["balances"]]')" = \
      "200 ['ethereum-sepolia', 'polygon-amoy', 'arbitrum-sepolia', 'optimism-sepolia', 'base-sepolia', 'hyperevm-testnet']" ]
check "... ethereum-sepolia: what eth_getBalance says ($ONCHAIN wei), ETH, no tokens" \
    [ "$(jget '[(b["native"]["balance"], b["native"]["symbol"], b["native"]["usd"], b["tokens"]) for b in j["balances"] if b["network"] == "ethereum-sepolia"]')" = \
      "[('$ONCHAIN', 'ETH', None, [])]" ]
check "... and it is not the funding alone: the sends' value and gas left" \
    [ "$ONCHAIN" != 1234567890123456789 ] && [ -n "$ONCHAIN" ]
check "... each unreachable network: native null, an error" \
    [ "$(jget '[(b["native"], b["tokens"], len(b["error"]) > 0) for b in j["balances"] if b["network"] != "ethereum-sepolia"]')" = \
      "[(None, [], True), (None, [], True), (None, [], True), (None, [], True), (None, [], True)]" ]

code=$(req GET "/v1/admin/wallets/$W/transactions")
check "transactions: 200, the two sends, newest first, total 2 ($code)" \
    [ "$code $(jget '[t["id"] for t in j["items"]], j["total"]')" = \
      "200 ['$T2', '$T1'] 2" ]
check "... each with its amount, network, hash and status" \
    [ "$(jget '[(t["amount"], t["network"], t["status"], len(t["txHash"] or "")) for t in j["items"]]')" = \
      "[('2000', '$NET', 'CONFIRMED', 66), ('1000', '$NET', 'CONFIRMED', 66)]" ]
code=$(req GET "/v1/admin/wallets/$W/transactions?limit=1&offset=1")
check "... limit=1&offset=1: the older one, total still 2 ($code)" \
    [ "$code $(jget '[t["id"] for t in j["items"]], j["total"]')" = \
      "200 ['$T1'] 2" ]
code=$(req GET "/v1/admin/wallets/$W2/transactions")
check "... the other wallet: none of them ($code)" \
    [ "$code $(jget 'j["items"], j["total"]')" = "200 [] 0" ]
code=$(req GET "/v1/admin/wallets/$W/transactions?limit=0")
check "... limit=0: 400 ($code)" [ "$code $(jget 'j["code"]')" = "400 VALIDATION_FAILED" ]
code=$(req GET "/v1/admin/wallets/$W/transactions?wallet_id=$W2")
check "... a key it does not take: 400 ($code)" [ "$code" = 400 ]

U=00000000-0000-4000-8000-000000000000
for p in balance transactions; do
	code=$(req GET "/v1/admin/wallets/$U/$p")
	check "$p of an unknown wallet: 404 WALLET_NOT_FOUND ($code)" \
	    [ "$code $(jget 'j["code"]')" = "404 WALLET_NOT_FOUND" ]
	code=$(req GET "/v1/admin/wallets/not-an-id/$p")
	check "$p of a malformed id: 404 ($code)" [ "$code" = 404 ]
	a=$(req GET "/v1/admin/wallets/$W/$p" "" "X-Nothing: x")
	b=$(req GET "/v1/admin/wallets/$W/$p" "" "X-Master-Password: wrong")
	c=$(req GET "/v1/admin/wallets/$W/$p" "" "$S")
	check "$p without the master password: 401 ($a), wrong one 401 ($b), the wallet's session 401 ($c)" \
	    [ "$a $b $c" = "401 401 401" ]
done

# Terminated: no node is asked, the history stays.
req DELETE "/v1/wallets/$W" >/dev/null
code=$(req GET "/v1/admin/wallets/$W/balance")
check "a terminated wallet's balance: 200, no balances ($code)" \
    [ "$code $(jget 'j')" = "200 {'balances': []}" ]
code=$(req GET "/v1/admin/wallets/$W/transactions")
check "... its transactions: still the two ($code)" \
    [ "$code $(jget 'j["total"]')" = "200 2" ]
code=$(req GET "/v1/admin/wallets/$W2/balance" "" "$S2")
check "... the other wallet's own session: still 401 ($code)" [ "$code" = 401 ]

check "no sanitizer reports" no_sanitizer_reports
