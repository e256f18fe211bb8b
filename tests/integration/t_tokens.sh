#!/bin/sh
# The token registry end to end: the real daemon with anvil as
# ethereum-sepolia (the test ERC-20 deployed on it), a second anvil of
# another chain id as ethereum-mainnet, a closed port as polygon-mainnet
# and litesvm as devnet (an SPL mint created on it).  GET /v1/tokens
# lists the built-in tokens and the operator's; POST adds one (master
# only; bad addresses, decimals, duplicates and built-ins refused);
# /v1/tokens/resolve reads decimals, symbol and name from the chain (by
# network and address, or a CAIP-19 assetId), and says what is wrong
# with an address that is no token, a node of the wrong chain and a node
# that does not answer; DELETE removes, and both changes are audited.
. tests/integration/lib.sh

M="X-Master-Password: $WAIAAS_MASTER_PASSWORD"
NET=ethereum-sepolia
ACC1=0x70997970C51812dc3A010C7d01b50e0d17dc79C8
SEP_USDC=0x1c7D4B196Cb0C7B01d743Fbc6116a902379C7238

res() {	# res METHOD PARAMS EXPR: a field of a JSON-RPC result
	rpc "$SVM_URL" "$1" "$2" | python3 -c "import json,sys; r=json.load(sys.stdin)['result']; print($3)"
}
newkey() {	# a random 32-byte address in base58
	python3 -c 'import os
a = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
b = os.urandom(32); n = int.from_bytes(b, "big"); s = ""
while n: n, r = divmod(n, 58); s = a[r] + s
print("1" * (len(b) - len(b.lstrip(b"\0"))) + s)'
}
# is CODE STATUS [ERRCODE]: the last answer had this status (and code)
is() {
	[ "$1" = "$2" ] || return 1
	[ -z "${3:-}" ] || [ "$(jget 'j.get("code")')" = "$3" ]
}
lower() { printf '%s' "$1" | tr 'A-F' 'a-f'; }

start_anvil
OTHER_URL=$ANVIL_URL		# chain id 31337: not ethereum-mainnet's
start_anvil --chain-id 11155111
TOKEN=$(sh tests/contracts/deploy.sh "$ANVIL_URL" "$ANVIL_KEY0" 6) ||
    peer_missing "the test ERC-20 deployed (tests/contracts/deploy.sh)"
# cast prints it in lowercase: the daemon answers in EIP-55
TOKEN=$("$CAST" to-check-sum-address "$TOKEN" 2>/dev/null) ||
    peer_missing "cast to-check-sum-address"
start_svm
MINT=
[ -n "$MISSING" ] ||
    MINT=$(res waiaas_createMint "[{\"decimals\":7,\"mintAuthority\":\"$(newkey)\"}]" r)
WAIAAS_RPC_EVM_ETHEREUM_SEPOLIA=$ANVIL_URL \
WAIAAS_RPC_EVM_ETHEREUM_MAINNET=$OTHER_URL \
WAIAAS_RPC_EVM_POLYGON_MAINNET=http://127.0.0.1:9 \
WAIAAS_RPC_SOLANA_DEVNET=$SVM_URL \
    start_daemon || cannot_run "daemon starts with the RPC URLs"

req POST /v1/wallets '{"name":"tok","chain":"ethereum","environment":"testnet"}' >/dev/null
S="Authorization: Bearer $(jget 'j["session"]["token"]')"

# --- list ---
code=$(req GET "/v1/tokens?network=$NET")
check "GET /v1/tokens (master): 200, the network named ($code)" \
    sh -c "[ $code = 200 ] && [ \"\$(python3 -c 'import json; print(json.load(open(\"$T_TMP/body\"))[\"network\"])')\" = $NET ]"
check "the built-in USDC of ethereum-sepolia is listed, source builtin, CAIP-19 id and chain" \
    [ "$(jget "[(t['symbol'], t['decimals'], t['source'], t['assetId'], t['chainId']) for t in j['tokens'] if t['address'] == '$SEP_USDC']")" = \
    "[('USDC', 6, 'builtin', 'eip155:11155111/erc20:$(lower $SEP_USDC)', 'eip155:11155111')]" ]
check "only ethereum-sepolia's tokens are listed" \
    [ "$(jget "len(j['tokens'])")" = 1 ]
code=$(req GET "/v1/tokens?network=eip155:1")
check "a CAIP-2 network id lists ethereum-mainnet's built-ins ($code)" \
    sh -c "[ $code = 200 ] && [ \"\$(python3 -c 'import json; j=json.load(open(\"$T_TMP/body\")); print(j[\"network\"], sorted(t[\"symbol\"] for t in j[\"tokens\"]))')\" = \"ethereum-mainnet ['DAI', 'LINK', 'USDC', 'USDT', 'WBTC', 'WETH']\" ]"
code=$(req GET "/v1/tokens?network=devnet")
check "devnet's built-in mints are listed with solana CAIP-19 ids ($code)" \
    sh -c "[ $code = 200 ] && python3 -c 'import json,sys; j=json.load(open(\"$T_TMP/body\")); sys.exit(not all(t[\"assetId\"] == \"solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1/token:\" + t[\"address\"] for t in j[\"tokens\"]) or len(j[\"tokens\"]) != 2)'"
code=$(req GET "/v1/tokens?network=$NET" "" "$S")
check "a session may list too ($code)" [ "$code" = 200 ]
code=$(http_code "http://127.0.0.1:$PORT/v1/tokens?network=$NET")
check "without a credential: 401 ($code)" [ "$code" = 401 ]
code=$(req GET "/v1/tokens")
check "without network: 400 ($code)" [ "$code" = 400 ]
code=$(req GET "/v1/tokens?network=nowhere")
check "an unknown network: 400 ($code)" [ "$code" = 400 ]

# --- add ---
ADD="{\"network\":\"$NET\",\"address\":\"$(lower "$TOKEN")\",\"symbol\":\"MYT\",\"name\":\"My registry name\",\"decimals\":6}"
code=$(http_code -X POST -H 'Content-Type: application/json' --data-binary "$ADD" "http://127.0.0.1:$PORT/v1/tokens")
check "POST /v1/tokens without a credential: 401 ($code)" [ "$code" = 401 ]
code=$(req POST /v1/tokens "$ADD" "$S")
check "POST /v1/tokens with a session: 401 (master only) ($code)" [ "$code" = 401 ]
code=$(req POST /v1/tokens "$ADD" "X-Master-Password: wrong-password")
check "POST /v1/tokens with a wrong master password: 401 ($code)" [ "$code" = 401 ]
bad() {	# bad DESC BODY: 400 and nothing added
	code=$(req POST /v1/tokens "$2")
	check "add refused: $1 (400, $code)" [ "$code" = 400 ]
}
bad "a short address" "{\"network\":\"$NET\",\"address\":\"0x1234\",\"symbol\":\"X\",\"name\":\"X\",\"decimals\":6}"
bad "a bad EIP-55 checksum" "{\"network\":\"$NET\",\"address\":\"0x70997970c51812dc3a010c7d01b50e0d17dc79C8\",\"symbol\":\"X\",\"name\":\"X\",\"decimals\":6}"
bad "a Solana address on an EVM network" "{\"network\":\"$NET\",\"address\":\"So11111111111111111111111111111111111111112\",\"symbol\":\"X\",\"name\":\"X\",\"decimals\":6}"
bad "an EVM address on a Solana network" "{\"network\":\"devnet\",\"address\":\"$ACC1\",\"symbol\":\"X\",\"name\":\"X\",\"decimals\":6}"
bad "decimals 19" "{\"network\":\"$NET\",\"address\":\"$ACC1\",\"symbol\":\"X\",\"name\":\"X\",\"decimals\":19}"
bad "decimals -1" "{\"network\":\"$NET\",\"address\":\"$ACC1\",\"symbol\":\"X\",\"name\":\"X\",\"decimals\":-1}"
bad "decimals as a string" "{\"network\":\"$NET\",\"address\":\"$ACC1\",\"symbol\":\"X\",\"name\":\"X\",\"decimals\":\"6\"}"
bad "a symbol of 21 characters" "{\"network\":\"$NET\",\"address\":\"$ACC1\",\"symbol\":\"ABCDEFGHIJKLMNOPQRSTU\",\"name\":\"X\",\"decimals\":6}"
bad "an empty name" "{\"network\":\"$NET\",\"address\":\"$ACC1\",\"symbol\":\"X\",\"name\":\"\",\"decimals\":6}"
bad "a control character in the name" "{\"network\":\"$NET\",\"address\":\"$ACC1\",\"symbol\":\"X\",\"name\":\"a\\nb\",\"decimals\":6}"
bad "no symbol" "{\"network\":\"$NET\",\"address\":\"$ACC1\",\"name\":\"X\",\"decimals\":6}"
bad "an unknown field" "{\"network\":\"$NET\",\"address\":\"$ACC1\",\"symbol\":\"X\",\"name\":\"X\",\"decimals\":6,\"logo\":\"x\"}"
bad "an unknown network" "{\"network\":\"nowhere\",\"address\":\"$ACC1\",\"symbol\":\"X\",\"name\":\"X\",\"decimals\":6}"
bad "a built-in token" "{\"network\":\"$NET\",\"address\":\"$(lower $SEP_USDC)\",\"symbol\":\"X\",\"name\":\"X\",\"decimals\":6}"
code=$(req GET "/v1/tokens?network=$NET")
check "none of the refused ones was added" [ "$(jget "len(j['tokens'])")" = 1 ]

code=$(req POST /v1/tokens "$ADD")
check "POST /v1/tokens (master): 201 ($code)" [ "$code" = 201 ]
check "the answer: id, network, the address in EIP-55, symbol" \
    [ "$(jget "(len(j['id']) == 36, j['network'], j['address'], j['symbol'])")" = "(True, '$NET', '$TOKEN', 'MYT')" ]
ID=$(jget "j['id']")
code=$(req POST /v1/tokens "$(printf '%s' "$ADD" | sed "s/$(lower "$TOKEN")/$TOKEN/")")
check "the same token again (another case): 400, already there ($code)" \
    sh -c "[ $code = 400 ] && grep -q 'already' $T_TMP/body"
code=$(req GET "/v1/tokens?network=$NET" "" "$S")
check "the list has the built-in and the operator's (custom) token" \
    [ "$(jget "[(t['address'], t['symbol'], t['name'], t['decimals'], t['source']) for t in j['tokens']]")" = \
    "[('$SEP_USDC', 'USDC', 'USD Coin', 6, 'builtin'), ('$TOKEN', 'MYT', 'My registry name', 6, 'custom')]" ]
code=$(req GET "/v1/tokens?network=ethereum-mainnet")
check "the operator's token is listed on its network only" \
    [ "$(jget "len([t for t in j['tokens'] if t['source'] == 'custom'])")" = 0 ]

# --- resolve ---
code=$(req GET "/v1/tokens/resolve?network=$NET&address=$(lower "$TOKEN")" "" "$S")
check "resolve the deployed ERC-20: 200 ($code)" [ "$code" = 200 ]
check "decimals, symbol and name come from the chain, the address in EIP-55" \
    [ "$(jget "(j['decimals'], j['symbol'], j['name'], j['address'], j['network'])")" = \
    "(6, 'TEST', 'Test Token', '$TOKEN', '$NET')" ]
check "with its CAIP-19 assetId" \
    [ "$(jget "j['assetId']")" = "eip155:11155111/erc20:$(lower "$TOKEN")" ]
code=$(req GET "/v1/tokens/resolve?assetId=eip155:11155111/erc20:$(lower "$TOKEN")" "" "$S")
check "resolve by assetId: the same answer ($code)" \
    [ "$code $(jget "(j['decimals'], j['symbol'], j['name'], j['address'], j['network'])")" = \
    "200 (6, 'TEST', 'Test Token', '$TOKEN', '$NET')" ]
code=$(req GET "/v1/tokens/resolve?assetId=eip155%3A11155111%2Ferc20%3A$(lower "$TOKEN")")
check "resolve by an escaped assetId (master) ($code)" \
    [ "$code $(jget "j['symbol']")" = "200 TEST" ]
code=$(req GET "/v1/tokens/resolve?assetId=eip155:11155111/slip44:60")
check "the native coin's assetId: ETH, 18 decimals ($code)" \
    [ "$code $(jget "(j['symbol'], j['decimals'], j['network'])")" = "200 ('ETH', 18, '$NET')" ]
code=$(req GET "/v1/tokens/resolve?assetId=eip155:11155111/slip44:501")
check "another coin's slip44 on the network: 400 ($code)" [ "$code" = 400 ]
code=$(req GET "/v1/tokens/resolve?assetId=eip155:424242/erc20:$TOKEN")
check "an assetId of an unknown chain: 400 ($code)" [ "$code" = 400 ]
code=$(req GET "/v1/tokens/resolve?assetId=eip155:11155111/erc721:$TOKEN")
check "an assetId of another namespace: 400 ($code)" [ "$code" = 400 ]
code=$(req GET "/v1/tokens/resolve?assetId=eip155:11155111/erc20:$TOKEN&network=$NET")
check "assetId and network both: 400 ($code)" [ "$code" = 400 ]
code=$(req GET "/v1/tokens/resolve?network=$NET&address=0x1234")
check "resolve a malformed address: 400 ($code)" [ "$code" = 400 ]
code=$(req GET "/v1/tokens/resolve?network=$NET")
check "resolve without an address: 400 ($code)" [ "$code" = 400 ]
code=$(http_code "http://127.0.0.1:$PORT/v1/tokens/resolve?network=$NET&address=$TOKEN")
check "resolve without a credential: 401 ($code)" [ "$code" = 401 ]
code=$(req GET "/v1/tokens/resolve?network=$NET&address=$ACC1")
if is "$code" 400 INVALID_ADDRESS && grep -q 'not an ERC-20' "$T_TMP/body"; then
	ok "an account without code: 400 INVALID_ADDRESS, not an ERC-20"
else
	notok "an account without code: 400 INVALID_ADDRESS, not an ERC-20 ($code $(cat "$T_TMP/body"))"
fi
code=$(req GET "/v1/tokens/resolve?network=polygon-mainnet&address=0x3c499c542cEF5E3811e1192ce70d8cC03d5c3359")
if is "$code" 502 CHAIN_ERROR && [ "$(jget 'j["retryable"]')" = True ]; then
	ok "a closed RPC port: 502 CHAIN_ERROR, retryable"
else
	notok "a closed RPC port: 502 CHAIN_ERROR, retryable ($code $(cat "$T_TMP/body"))"
fi
code=$(req GET "/v1/tokens/resolve?network=ethereum-mainnet&address=$TOKEN")
if is "$code" 502 CHAIN_ERROR && grep -q 'chain 31337, not 1' "$T_TMP/body"; then
	ok "a node of another chain id: 502 CHAIN_ERROR naming both ids"
else
	notok "a node of another chain id: 502 CHAIN_ERROR naming both ids ($code $(cat "$T_TMP/body"))"
fi
code=$(req GET "/v1/tokens/resolve?network=base-sepolia&address=0x036CbD53842c5426634e7929541eC2318f3dCF7e")
if is "$code" 503 ADAPTER_NOT_AVAILABLE && grep -q WAIAAS_RPC_EVM_BASE_SEPOLIA "$T_TMP/body"; then
	ok "a network without an RPC URL: 503 ADAPTER_NOT_AVAILABLE, naming the setting"
else
	notok "a network without an RPC URL: 503 ADAPTER_NOT_AVAILABLE, naming the setting ($code $(cat "$T_TMP/body"))"
fi

# SPL: a mint's decimals from its account; its symbol and name from the
# registry once the operator has named it.
code=$(req GET "/v1/tokens/resolve?network=devnet&address=$MINT")
check "resolve an SPL mint: 200, its decimals (7), no name of its own ($code)" \
    [ "$code $(jget "(j['decimals'], j['symbol'], j['address'], j['network'])")" = "200 (7, '', '$MINT', 'devnet')" ]
code=$(req POST /v1/tokens "{\"network\":\"devnet\",\"address\":\"$MINT\",\"symbol\":\"SEV\",\"name\":\"Seven\",\"decimals\":7}")
check "add the mint to the registry ($code)" [ "$code" = 201 ]
code=$(req GET "/v1/tokens/resolve?assetId=solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1/token:$MINT" "" "$S")
check "resolve the mint by assetId: decimals from the chain, symbol and name from the registry ($code)" \
    [ "$code $(jget "(j['decimals'], j['symbol'], j['name'])")" = "200 (7, 'SEV', 'Seven')" ]
NOACCT=$(newkey)
code=$(req GET "/v1/tokens/resolve?network=devnet&address=$NOACCT")
if is "$code" 400 INVALID_ADDRESS && grep -q 'no account' "$T_TMP/body"; then
	ok "a Solana address without an account: 400 INVALID_ADDRESS"
else
	notok "a Solana address without an account: 400 INVALID_ADDRESS ($code $(cat "$T_TMP/body"))"
fi
FUNDED=$(newkey)
rpc "$SVM_URL" requestAirdrop "[\"$FUNDED\",1000000000]" >/dev/null
code=$(req GET "/v1/tokens/resolve?network=devnet&address=$FUNDED")
if is "$code" 400 INVALID_ADDRESS && grep -q 'not an SPL token mint' "$T_TMP/body"; then
	ok "a system account: 400 INVALID_ADDRESS, not a mint"
else
	notok "a system account: 400 INVALID_ADDRESS, not a mint ($code $(cat "$T_TMP/body"))"
fi

# --- remove ---
DEL="{\"network\":\"$NET\",\"address\":\"$TOKEN\"}"
code=$(http_code -X DELETE -H 'Content-Type: application/json' --data-binary "$DEL" "http://127.0.0.1:$PORT/v1/tokens")
check "DELETE /v1/tokens without a credential: 401 ($code)" [ "$code" = 401 ]
code=$(req DELETE /v1/tokens "$DEL" "$S")
check "DELETE /v1/tokens with a session: 401 ($code)" [ "$code" = 401 ]
code=$(req DELETE /v1/tokens "{\"network\":\"$NET\",\"address\":\"$SEP_USDC\"}")
check "a built-in token cannot be removed: 400 ($code)" [ "$code" = 400 ]
code=$(req DELETE /v1/tokens "{\"network\":\"$NET\",\"address\":\"0x12\"}")
check "DELETE with a malformed address: 400 ($code)" [ "$code" = 400 ]
code=$(req DELETE /v1/tokens "$DEL")
check "DELETE /v1/tokens (master): 200, removed ($code)" \
    [ "$code $(jget "(j['removed'], j['network'], j['address'])")" = "200 (True, '$NET', '$TOKEN')" ]
code=$(req DELETE /v1/tokens "$DEL")
check "DELETE again: 200, removed false ($code)" \
    [ "$code $(jget "j['removed']")" = "200 False" ]
code=$(req GET "/v1/tokens?network=$NET")
check "the list is back to the built-in one" \
    [ "$(jget "[t['source'] for t in j['tokens']]")" = "['builtin']" ]

# --- audit ---
code=$(req GET "/v1/audit-logs?limit=100")
check "the audit log has both additions and the removal, with their details" \
    [ "$(jget "sorted((e['event'], e['details'].get('network'), e['details'].get('address'), e['details'].get('symbol')) for e in j['data'] if e['event'].startswith('token.'))")" = \
    "[('token.added', 'devnet', '$MINT', 'SEV'), ('token.added', '$NET', '$TOKEN', 'MYT'), ('token.removed', '$NET', '$TOKEN', None)]" ]
check "the removal names the added entry's id" \
    [ "$(jget "[e['target'] for e in j['data'] if e['event'] == 'token.removed']")" = "['$ID']" ]
code=$(req GET /v1/audit-logs/verify)
check "the audit chain verifies ($code)" [ "$code $(jget "j['valid']")" = "200 True" ]

kill -TERM "$DPID"; wait_gone "$DPID" 3000; DPID=""
check "no sanitizer reports" no_sanitizer_reports
