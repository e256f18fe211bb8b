#!/bin/sh
# The reference's send fields (issue 16: 7), against anvil: humanAmount
# is converted with the coin's or the token's decimals and the chain
# moves exactly that; token.assetId (CAIP-19) names the token; a wrong
# form, chain or pair is a 400 naming the field (gasCondition is taken
# and enforced: t_simulate.sh); fields of features this
# daemon lacks (abi, Solana pre/post instructions and
# lookup tables, action providers, NFT approvals) are each a 400
# naming the field with the reason, and nothing of them is recorded; so
# are the reference's policy types of features not here.
. tests/integration/lib.sh

NET=ethereum-sepolia
ACC1=0x70997970C51812dc3A010C7d01b50e0d17dc79C8

st() { printf '%s' "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["'"$2"'"])'; }
# refused DESC BODY FIELD: a 400 whose issue names FIELD as not
# supported by this daemon
unsupported() {
	code=$(req POST /v1/transactions/send "$2" "$S")
	check "$1: 400 naming $3, not supported ($code)" \
	    [ "$code $(jget "[i['path'][0] for i in j['details']['issues'] if 'not supported by this daemon' in i['message']]")" = "400 ['$3']" ]
}
refused() {	# refused DESC BODY FIELD: a 400 with an issue at FIELD
	code=$(req POST /v1/transactions/send "$2" "$S")
	check "$1: 400 naming $3 ($code)" \
	    [ "$code $(jget "'$3' in [i['path'][0] for i in j['details']['issues']]")" = "400 True" ]
}

start_anvil --chain-id 11155111
TOKEN=$(sh tests/contracts/deploy.sh "$ANVIL_URL" "$ANVIL_KEY0" 6)
WAIAAS_RPC_EVM_ETHEREUM_SEPOLIA=$ANVIL_URL \
WAIAAS_SECURITY_PRICE_STATIC="ETH=2000;ethereum-sepolia:$TOKEN@6=1" \
WAIAAS_RPC_POLL_INTERVAL_MS=100 start_daemon || cannot_run "daemon starts with an RPC URL"

req POST /v1/wallets '{"name":"evm","chain":"ethereum","environment":"testnet"}' >/dev/null
W=$(jget 'j["id"]')
ADDR=$(jget 'j["publicKey"]')
S="Authorization: Bearer $(jget 'j["session"]["token"]')"
"$CAST" send -q --rpc-url "$ANVIL_URL" --private-key "$ANVIL_KEY0" "$ADDR" \
    --value 10ether >/dev/null
"$CAST" send -q --rpc-url "$ANVIL_URL" --private-key "$ANVIL_KEY0" "$TOKEN" \
    'mint(address,uint256)' "$ADDR" 1000000000 >/dev/null
req POST /v1/policies '{"type":"SPENDING_LIMIT","rules":{"instant_max":"2000000000000000000","instant_max_usd":1000000}}' >/dev/null
req POST /v1/policies "{\"walletId\":\"$W\",\"type\":\"ALLOWED_TOKENS\",\"rules\":{\"tokens\":[{\"address\":\"$TOKEN\"}]}}" >/dev/null

bal() { "$CAST" balance --rpc-url "$ANVIL_URL" "$1"; }
tbal() { "$CAST" call --rpc-url "$ANVIL_URL" "$TOKEN" 'balanceOf(address)(uint256)' "$1" | awk '{print $1}'; }
ntx() { req GET '/v1/transactions?limit=100' "" "$S" >/dev/null; jget 'len(j["items"])'; }

# humanAmount: ETH has 18 decimals.
b0=$(bal "$ACC1")
id=$(send "{\"network\":\"$NET\",\"to\":\"$ACC1\",\"humanAmount\":\"0.00000123456789012300\"}")
r=$(wait_tx "$id")
check "TRANSFER with humanAmount reaches CONFIRMED" [ "$(st "$r" status)" = CONFIRMED ]
check "... the recipient got 0.000001234567890123 ETH, exactly (1234567890123 wei)" \
    [ "$(python3 -c "print($(bal "$ACC1") - $b0)")" = 1234567890123 ]
check "... the transaction's amount is in wei" [ "$(st "$r" amount)" = 1234567890123 ]

# token.assetId and humanAmount with token.decimals.
t0=$(tbal "$ACC1")
id=$(send "{\"type\":\"TOKEN_TRANSFER\",\"network\":\"$NET\",\"to\":\"$ACC1\",\"humanAmount\":\"0.25\",\"token\":{\"assetId\":\"eip155:11155111/erc20:$TOKEN\",\"decimals\":6,\"symbol\":\"TEST\"}}")
r=$(wait_tx "$id")
check "TOKEN_TRANSFER by token.assetId with humanAmount reaches CONFIRMED" \
    [ "$(st "$r" status)" = CONFIRMED ]
check "... the recipient got 0.25 of the 6-decimal token (250000)" \
    [ "$(python3 -c "print($(tbal "$ACC1") - $t0)")" = 250000 ]

# Refusals: each names its field; none is recorded.
n0=$(ntx)
refused "amount and humanAmount both" "{\"network\":\"$NET\",\"to\":\"$ACC1\",\"amount\":\"1\",\"humanAmount\":\"1\"}" humanAmount
refused "more decimal places than ETH has" "{\"network\":\"$NET\",\"to\":\"$ACC1\",\"humanAmount\":\"0.0000000000000000001\"}" humanAmount
refused "humanAmount not a number" "{\"network\":\"$NET\",\"to\":\"$ACC1\",\"humanAmount\":\"1e5\"}" humanAmount
refused "humanAmount with a sign" "{\"network\":\"$NET\",\"to\":\"$ACC1\",\"humanAmount\":\"-1\"}" humanAmount
refused "a token humanAmount without token.decimals" "{\"type\":\"TOKEN_TRANSFER\",\"network\":\"$NET\",\"to\":\"$ACC1\",\"humanAmount\":\"1\",\"token\":{\"address\":\"$TOKEN\"}}" humanAmount
refused "assetId of another chain than the network" "{\"type\":\"TOKEN_TRANSFER\",\"network\":\"$NET\",\"to\":\"$ACC1\",\"amount\":\"1\",\"token\":{\"assetId\":\"eip155:1/erc20:$TOKEN\"}}" token.assetId
refused "assetId and another token.address" "{\"type\":\"TOKEN_TRANSFER\",\"network\":\"$NET\",\"to\":\"$ACC1\",\"amount\":\"1\",\"token\":{\"assetId\":\"eip155:11155111/erc20:$TOKEN\",\"address\":\"$ACC1\"}}" token.assetId
refused "assetId not CAIP-19" "{\"type\":\"TOKEN_TRANSFER\",\"network\":\"$NET\",\"to\":\"$ACC1\",\"amount\":\"1\",\"token\":{\"assetId\":\"erc20-$TOKEN\"}}" token.assetId
T="\"network\":\"$NET\",\"to\":\"$ACC1\",\"amount\":\"1\""
C="\"type\":\"CONTRACT_CALL\",\"network\":\"$NET\",\"to\":\"$TOKEN\",\"calldata\":\"0x18160ddd\""
refused "gasCondition with a timeout under 60 s" "{$T,\"gasCondition\":{\"maxGasPrice\":\"1\",\"timeout\":59}}" gasCondition.timeout
unsupported "abi" "{$C,\"abi\":[]}" abi
unsupported "preInstructions" "{$C,\"preInstructions\":[]}" preInstructions
unsupported "postInstructions" "{$C,\"postInstructions\":[]}" postInstructions
unsupported "addressLookupTableAddresses" "{$C,\"addressLookupTableAddresses\":[]}" addressLookupTableAddresses
unsupported "actionProvider" "{$C,\"actionProvider\":\"x\"}" actionProvider
unsupported "actionName" "{$C,\"actionName\":\"x\"}" actionName
unsupported "nft on APPROVE" "{\"type\":\"APPROVE\",\"network\":\"$NET\",\"spender\":\"$ACC1\",\"amount\":\"1\",\"token\":\"$TOKEN\",\"nft\":{\"tokenId\":\"1\"}}" nft
refused "a BATCH of no instructions (t_batch.sh has the rest)" "{\"type\":\"BATCH\",\"network\":\"$NET\",\"instructions\":[]}" instructions
code=$(req POST /v1/transactions/simulate "{$T,\"gasCondition\":{\"maxGasPrice\":\"1\",\"timeout\":59}}" "$S")
check "simulate refuses that gasCondition the same way ($code)" \
    [ "$code $(jget "j['details']['issues'][0]['path'][0]")" = "400 gasCondition.timeout" ]
check "none of the refusals was recorded" [ "$(ntx)" = "$n0" ]
for t in LENDING_LTV_LIMIT PERP_MAX_LEVERAGE VENUE_WHITELIST; do
	code=$(req POST /v1/policies "{\"type\":\"$t\",\"rules\":{}}")
	check "a $t policy: 400 naming type, not supported ($code)" \
	    [ "$code $(jget "[i['path'][0] for i in j['details']['issues'] if 'not supported by this daemon' in i['message']]")" = "400 ['type']" ]
done
code=$(req POST /v1/policies '{"type":"NO_SUCH_TYPE","rules":{}}')
check "a type the reference does not have either: 400, not called unsupported ($code)" \
    [ "$code $(jget "[i['path'][0] for i in j['details']['issues'] if 'not supported' in i['message']]")" = "400 []" ]

kill -TERM "$DPID"; wait_gone "$DPID" 3000; DPID=""
check "no sanitizer reports" no_sanitizer_reports
