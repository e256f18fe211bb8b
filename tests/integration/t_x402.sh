#!/bin/sh
# x402 payments end to end: the x402 package's own facilitator (verify
# and settle on anvil, chain 84532, "base-sepolia") and an x402-express
# resource server (tests/node/x402_peers.js), TestUSDC (EIP-3009) on
# anvil, the real daemon paying from its wallet.  A paid fetch moves the
# token by exactly the price, once; a host no X402_ALLOWED_DOMAINS policy
# lists and a token no ALLOWED_TOKENS lists are refused with nothing
# signed; a price in the APPROVAL tier waits for the owner and the next
# fetch spends the approved authorization, once; DELAY answers 408; a
# server that refuses the payment (402 again) gets no second signature.
. tests/integration/lib.sh
. tests/integration/x402_lib.sh

OWNER=0x70997970C51812dc3A010C7d01b50e0d17dc79C8
OWNER_KEY=0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d
db() { sqlite3 "$DATA/data/waiaas.db" "$1"; }
err() { jget 'j.get("code")'; }
fetch() { req POST /v1/x402/fetch "$1" "$S"; }
# The transaction an X402_APPROVAL_REQUIRED or X402_DELAY_TIMEOUT names.
named_tx() { jget '__import__("re").search("transaction ([0-9a-f-]{36})", j["message"]).group(1)'; }
status() { req GET "/v1/transactions/$1" "" "$S" >/dev/null; jget 'j.get("status")'; }
wait_status() {	# wait_status ID STATUS SECONDS
	n=0
	while [ $n -lt $(($3 * 10)) ]; do
		[ "$(status "$1")" = "$2" ] && return 0
		sleep 0.1
		n=$((n + 1))
	done
	return 1
}
owner_post() {	# owner_post ID ACTION INTENT: ownerAuth for tx.ACTION
	http_code "http://127.0.0.1:$PORT/v1/nonce?action=tx.$2&target=$1" >/dev/null
	out=$(node_bin tests/integration/sign_owner.js "{\"domain\": \"127.0.0.1:$PORT\",
	    \"chain\": \"evm\", \"key\": \"$OWNER_KEY\", \"nonce\": \"$(jget 'j["nonce"]')\",
	    \"resources\": [\"urn:waiaas:action:tx.$2:$1\", \"urn:waiaas:intent:$3\"]}")
	http_code -X POST -H "X-Owner-Address: $(echo "$out" | sed -n 1p)" \
	    -H "X-Owner-Message: $(echo "$out" | sed -n 2p)" \
	    -H "X-Owner-Signature: $(echo "$out" | sed -n 3p)" \
	    "http://127.0.0.1:$PORT/v1/transactions/$1/$2"
}

start_anvil --chain-id 84532
start_x402_peers --price 10000 --expensive-price 5000000
# The peers listen on 127.0.0.1: the switch for private addresses on.
export WAIAAS_X402_ALLOW_PRIVATE=true
export WAIAAS_RPC_EVM_BASE_SEPOLIA=$ANVIL_URL
export WAIAAS_SECURITY_PRICE_STATIC="base-sepolia:$X402_USDC@6=1"
start_daemon || cannot_run "daemon starts"
P=$X402_RESOURCE

wallet() {	# wallet NAME: sets W, S, A (its address)
	req POST /v1/wallets "{\"name\":\"$1\",\"chain\":\"ethereum\",\"environment\":\"testnet\"}" >/dev/null
	W=$(jget 'j["id"]')
	A=$(jget 'j["publicKey"]')
	S="Authorization: Bearer $(jget 'j["session"]["token"]')"
}
wallet payer
"$CAST" send -q --rpc-url "$ANVIL_URL" --private-key "$ANVIL_KEY0" \
    "$X402_USDC" 'mint(address,uint256)' "$A" 100000000 >/dev/null 2>&1
B0=$(x402_balance "$A")
T0=$(x402_balance "$X402_PAYTO")
check "the wallet holds 100 TestUSDC ($B0)" [ "$B0" = 100000000 ]

code=$(fetch "{\"url\":\"$P/paid\"}")
check "no X402_ALLOWED_DOMAINS policy: 403 X402_DOMAIN_NOT_ALLOWED ($code $(err))" \
    [ "$code $(err)" = "403 X402_DOMAIN_NOT_ALLOWED" ]
code=$(req POST /v1/policies "{\"walletId\":\"$W\",\"type\":\"X402_ALLOWED_DOMAINS\",\"rules\":{\"domains\":[\"127.0.0.1\"]}}")
check "X402_ALLOWED_DOMAINS lists 127.0.0.1 ($code)" [ "$code" = 201 ]

code=$(fetch "{\"url\":\"$P/free\"}")
check "a free route: 200, no payment ($code)" \
    [ "$code $(jget 'j["status"], "payment" in j')" = "200 200 False" ]
code=$(fetch "{\"url\":\"$P/paid\"}")
check "a price, no ALLOWED_TOKENS: 403 TOKEN_NOT_ALLOWED ($code $(err))" \
    [ "$code $(err)" = "403 TOKEN_NOT_ALLOWED" ]
check "... nothing signed, recorded or settled, the balance as it was" \
    [ "$(db "SELECT count(*) FROM transactions") $(x402_stat 'j["verify"]["ok"] + j["verify"]["failed"]') $(x402_balance "$A")" = "0 0 $B0" ]
check "... the refusal is audited" \
    [ "$(db "SELECT count(*) FROM audit_log WHERE event = 'TX_DENIED' AND details LIKE '%X402_PAYMENT%'")" = 1 ]

req POST /v1/policies "{\"walletId\":\"$W\",\"type\":\"ALLOWED_TOKENS\",\"rules\":{\"tokens\":[{\"address\":\"$X402_USDC\"}]}}" >/dev/null
code=$(req POST /v1/policies "{\"walletId\":\"$W\",\"type\":\"SPENDING_LIMIT\",\"rules\":{\"instant_max_usd\":1,\"notify_max_usd\":2,\"delay_max_usd\":3,\"approval_timeout\":300}}")
SL=$(jget 'j["id"]')
check "ALLOWED_TOKENS and a SPENDING_LIMIT in USD ($code)" [ "$code" = 201 ]

code=$(fetch "{\"url\":\"$P/paid\",\"method\":\"POST\",\"body\":\"{}\",\"headers\":{\"Content-Type\":\"application/json\"}}")
check "0.01 USDC, INSTANT: 200, the paid answer ($code $(jget 'j.get("status")'))" \
    [ "$code $(jget 'j["status"], __import__("json").loads(j["body"])["paid"]')" = "200 200 True" ]
TX1=$(jget 'j["payment"]["txId"]')
HASH=$(jget 'j["settlement"]["transaction"]')
check "... payment: the price, the token, base-sepolia, payTo" \
    [ "$(jget 'j["payment"]["amount"], j["payment"]["asset"].lower(), j["payment"]["network"], j["payment"]["payTo"].lower()')" = \
    "10000 $(echo "$X402_USDC" | tr A-F a-f) base-sepolia $(echo "$X402_PAYTO" | tr A-F a-f)" ]
check "... the settlement: success, a transaction hash" \
    [ "$(jget 'j["settlement"]["success"], len(j["settlement"]["transaction"])')" = "True 66" ]
check "... the wallet paid exactly the price, payTo got it" \
    [ "$(x402_balance "$A") $(x402_balance "$X402_PAYTO")" = "$((B0 - 10000)) $((T0 + 10000))" ]
rs=$("$CAST" receipt --rpc-url "$ANVIL_URL" "$HASH" status 2>&1 | head -c 200)
check "... settled on chain: the receipt's status is success ($rs)" \
    [ "$rs" = true -o "$rs" = "1 (success)" ]
code=$(req GET "/v1/transactions/$TX1" "" "$S")
check "GET /v1/transactions/{id}: X402_PAYMENT, CONFIRMED, INSTANT, its hash ($code)" \
    [ "$code $(jget 'j["type"], j["status"], j["tier"], j["txHash"] == "'"$HASH"'"')" = "200 X402_PAYMENT CONFIRMED INSTANT True" ]
code=$(req GET "/v1/transactions" "" "$S")
check "GET /v1/transactions lists it" \
    [ "$code $(jget '[t["type"] for t in j["items"] if t["id"] == "'"$TX1"'"]')" = "200 ['X402_PAYMENT']" ]
check "... audited: requested, signed, confirmed" \
    [ "$(db "SELECT group_concat(event, ' ') FROM (SELECT event FROM audit_log WHERE target = '$TX1' ORDER BY id)")" = "TX_REQUESTED TX_SIGNED TX_CONFIRMED" ]

code=$(fetch "{\"url\":\"$P/paid\"}")
check "fetched again: paid again, a new transaction ($code)" \
    [ "$code $(jget 'j["payment"]["txId"] != "'"$TX1"'"')" = "200 True" ]
check "... twice the price in all, two settlements" \
    [ "$(x402_balance "$A") $(x402_stat 'j["settle"]["ok"]')" = "$((B0 - 20000)) 2" ]

# APPROVAL: 5 USDC is over delay_max_usd.
req PUT "/v1/wallets/$W/owner" "{\"owner_address\":\"$OWNER\"}" >/dev/null
code=$(fetch "{\"url\":\"$P/expensive\"}")
check "5 USDC, APPROVAL: 403 X402_APPROVAL_REQUIRED ($code $(err))" \
    [ "$code $(err)" = "403 X402_APPROVAL_REQUIRED" ]
AP=$(named_tx)
check "... naming a QUEUED APPROVAL transaction, nothing paid" \
    [ "$(db "SELECT type || ' ' || status || ' ' || tier FROM transactions WHERE id = '$AP'") $(x402_balance "$A")" = \
    "X402_PAYMENT QUEUED APPROVAL $((B0 - 20000))" ]
code=$(fetch "{\"url\":\"$P/expensive\"}")
check "asked again while it waits: the same transaction, no second one ($code)" \
    [ "$code $(named_tx) $(db "SELECT count(*) FROM transactions WHERE status = 'QUEUED'")" = "403 $AP 1" ]
req GET "/v1/transactions/$AP" "" "$S" >/dev/null
INTENT=$(jget 'j.get("approval", {}).get("intentHash", "")')
check "... its intent is the payment's (an intent hash to sign)" \
    [ "${#INTENT}" = 64 ]
code=$(owner_post "$AP" approve "$INTENT")
check "the owner approves ($code)" [ "$code" = 200 ]
wait_status "$AP" SIGNED 10
check "... the authorization is signed and kept (SIGNED), nothing paid yet" \
    [ "$(status "$AP") $(x402_balance "$A")" = "SIGNED $((B0 - 20000))" ]
code=$(fetch "{\"url\":\"$P/expensive\"}")
check "the next fetch spends it: 200, the approved transaction ($code)" \
    [ "$code $(jget 'j.get("payment", {}).get("txId")')" = "200 $AP" ]
check "... 5 USDC moved, once; the transaction CONFIRMED" \
    [ "$(x402_balance "$A") $(status "$AP")" = "$((B0 - 5020000)) CONFIRMED" ]
code=$(fetch "{\"url\":\"$P/expensive\"}")
check "and the one after asks the owner again: a new transaction ($code)" \
    [ "$code $(err) $(named_tx | grep -vc "$AP")" = "403 X402_APPROVAL_REQUIRED 1" ]
AP2=$(named_tx)
req POST "/v1/transactions/$AP2/cancel" "" "$S" >/dev/null

# DELAY: 408, waiting as any DELAY does.
req PUT "/v1/policies/$SL" '{"rules":{"instant_max_usd":1,"notify_max_usd":2,"delay_max_usd":10,"delay_seconds":60,"approval_timeout":300}}' >/dev/null
code=$(fetch "{\"url\":\"$P/expensive\"}")
check "5 USDC, DELAY: 408 X402_DELAY_TIMEOUT naming a QUEUED DELAY transaction ($code $(err))" \
    [ "$code $(err) $(db "SELECT status || ' ' || tier FROM transactions WHERE id = '$(named_tx)'")" = "408 X402_DELAY_TIMEOUT QUEUED DELAY" ]
DL=$(named_tx)
code=$(req POST "/v1/transactions/$DL/cancel" "" "$S")
check "... cancelled by the agent, nothing paid ($code)" \
    [ "$code $(status "$DL") $(x402_balance "$A")" = "200 CANCELLED $((B0 - 5020000))" ]

# A payer the server refuses (no funds): one signature, 402 again,
# nothing more.
wallet broke
req POST /v1/policies "{\"walletId\":\"$W\",\"type\":\"X402_ALLOWED_DOMAINS\",\"rules\":{\"domains\":[\"127.0.0.1\"]}}" >/dev/null
req POST /v1/policies "{\"walletId\":\"$W\",\"type\":\"ALLOWED_TOKENS\",\"rules\":{\"tokens\":[{\"address\":\"$X402_USDC\"}]}}" >/dev/null
req POST /v1/policies "{\"walletId\":\"$W\",\"type\":\"SPENDING_LIMIT\",\"rules\":{\"instant_max_usd\":1}}" >/dev/null
v0=$(x402_stat 'j["verify"]["failed"]')
code=$(fetch "{\"url\":\"$P/paid\"}")
check "a payment the server refuses: 402 X402_PAYMENT_REJECTED ($code $(err))" \
    [ "$code $(err)" = "402 X402_PAYMENT_REJECTED" ]
check "... one authorization signed and FAILED, the server asked to verify once" \
    [ "$(db "SELECT group_concat(status) FROM transactions WHERE wallet_id = '$W'") $(( $(x402_stat 'j["verify"]["failed"]') - v0 ))" = "FAILED 1" ]

code=$(req POST "/v1/wallets/$W/suspend")
code=$(fetch "{\"url\":\"$P/paid\"}")
check "a suspended wallet: 409 WALLET_SUSPENDED, nothing fetched ($code $(err))" \
    [ "$code $(err) $(db "SELECT count(*) FROM transactions WHERE wallet_id = '$W'")" = "409 WALLET_SUSPENDED 1" ]

kill -TERM "$DPID"; wait_gone "$DPID" 3000; DPID=""
check "no sanitizer reports" no_sanitizer_reports
