#!/bin/sh
# NFT_TRANSFER, the NFT reads and CONTRACT_DEPLOY against anvil (chain id
# 11155111 as ethereum-sepolia), with the test ERC-721 (TestNFT) and
# ERC-1155 (TestMulti) minted to a new wallet.  Each send: denied without
# the policy that allows it (and the denial audited), then allowed,
# CONFIRMED, the chain changed exactly and the request audited.  An NFT
# transfer needs its collection in CONTRACT_WHITELIST and its recipient
# in WHITELIST when there is one; a deployment needs a CONTRACT_WHITELIST
# with allowDeploy, and its toAddress is the contract the chain created.
# The reads: one token from the node (standard, amount, URI); the lists
# answer INDEXER_NOT_CONFIGURED.  The MCP tools over /mcp.
. tests/integration/lib.sh

NET=ethereum-sepolia
ACC1=0x70997970C51812dc3A010C7d01b50e0d17dc79C8
ACC2=0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC

st() { printf '%s' "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["'"$2"'"])'; }

start_anvil --chain-id 11155111
WAIAAS_RPC_EVM_ETHEREUM_SEPOLIA=$ANVIL_URL \
WAIAAS_SECURITY_PRICE_STATIC="ETH=2000" \
WAIAAS_RPC_POLL_INTERVAL_MS=100 start_daemon || cannot_run "daemon starts with an RPC URL"

req POST /v1/wallets '{"name":"nft","chain":"ethereum","environment":"testnet"}' >/dev/null
W=$(jget 'j["id"]')
ADDR=$(jget 'j["publicKey"]')
TOK=$(jget 'j["session"]["token"]')
S="Authorization: Bearer $TOK"
"$CAST" send -q --rpc-url "$ANVIL_URL" --private-key "$ANVIL_KEY0" "$ADDR" \
    --value 10ether >/dev/null
NFT=$(sh tests/contracts/deploy_nft.sh "$ANVIL_URL" "$ANVIL_KEY0" TestNFT "$ADDR") ||
    peer_missing "the test ERC-721 deployed (tests/contracts/deploy_nft.sh)"
MULTI=$(sh tests/contracts/deploy_nft.sh "$ANVIL_URL" "$ANVIL_KEY0" TestMulti "$ADDR") ||
    peer_missing "the test ERC-1155 deployed (tests/contracts/deploy_nft.sh)"

owner() { "$CAST" call --rpc-url "$ANVIL_URL" "$NFT" 'ownerOf(uint256)(address)' "$1"; }
mbal() { "$CAST" call --rpc-url "$ANVIL_URL" "$MULTI" 'balanceOf(address,uint256)(uint256)' "$1" 1 | awk '{print $1}'; }
# audit_of TXID: the audit events of a transaction, oldest first.
audit_of() {
	req GET "/v1/audit-logs?limit=200" >/dev/null
	jget '" ".join(e["event"] + ":" + str(e["details"].get("type")) for e in reversed(j["data"]) if e["target"] == "'"$1"'")'
}
# denied_audit TYPE CODE: the newest TX_DENIED is of this type and code.
denied_audit() {
	req GET "/v1/audit-logs?limit=200" >/dev/null
	[ "$(jget '[(e["details"]["type"], e["details"]["code"]) for e in j["data"] if e["event"] == "TX_DENIED"][0]')" = "('$1', '$2')" ]
}

E721="{\"type\":\"NFT_TRANSFER\",\"network\":\"$NET\",\"to\":\"$ACC1\",\"token\":{\"address\":\"$NFT\",\"tokenId\":\"1\",\"standard\":\"ERC-721\"}}"
# the collection named by its CAIP-19 assetId alone
E1155="{\"type\":\"NFT_TRANSFER\",\"network\":\"$NET\",\"to\":\"$ACC1\",\"amount\":\"3\",\"token\":{\"assetId\":\"eip155:11155111/erc1155:$MULTI\",\"tokenId\":\"1\",\"standard\":\"ERC-1155\"}}"

# ---- NFT_TRANSFER: default deny ----
code=$(req POST /v1/transactions/send "$E721" "$S")
# Judged as the call it makes: a contract call with no policy at all is
# refused first for its contract (as CONTRACT_CALL is).
check "NFT_TRANSFER without any policy: 403 CONTRACT_NOT_WHITELISTED" \
    sh -c "[ $code = 403 ] && grep -q CONTRACT_NOT_WHITELISTED $T_TMP/body"
req POST /v1/policies '{"type":"SPENDING_LIMIT","rules":{"instant_max":"1000000000000000000","instant_max_usd":1000000}}' >/dev/null
code=$(req POST /v1/transactions/send "$E721" "$S")
check "a spending limit alone does not allow it: 403 CONTRACT_NOT_WHITELISTED naming the collection" \
    sh -c "[ $code = 403 ] && grep -q CONTRACT_NOT_WHITELISTED $T_TMP/body && grep -qi '$NFT' $T_TMP/body"
check "... audited: TX_DENIED of NFT_TRANSFER, CONTRACT_NOT_WHITELISTED" \
    denied_audit NFT_TRANSFER CONTRACT_NOT_WHITELISTED
check "... and the token did not move" [ "$(owner 1)" = "$ADDR" ]

code=$(req POST /v1/policies "{\"walletId\":\"$W\",\"type\":\"CONTRACT_WHITELIST\",\"rules\":{\"contracts\":[{\"address\":\"$NFT\"},{\"address\":\"$MULTI\"}]}}")
CW=$(jget 'j["id"]')
check "a CONTRACT_WHITELIST of both collections (201)" [ "$code" = 201 ]

# ---- bad requests: 400 naming the field, nothing recorded ----
bad() {	# bad DESCRIPTION FIELD BODY
	code=$(req POST /v1/transactions/send "$3" "$S")
	check "$1: 400 naming $2" \
	    sh -c "[ $code = 400 ] && grep -q '$2' $T_TMP/body"
}
bad "an ERC-721 with amount 2" amount "{\"type\":\"NFT_TRANSFER\",\"network\":\"$NET\",\"to\":\"$ACC1\",\"amount\":\"2\",\"token\":{\"address\":\"$NFT\",\"tokenId\":\"1\",\"standard\":\"ERC-721\"}}"
bad "METAPLEX on an EVM wallet" token.standard "{\"type\":\"NFT_TRANSFER\",\"network\":\"$NET\",\"to\":\"$ACC1\",\"token\":{\"address\":\"$NFT\",\"tokenId\":\"1\",\"standard\":\"METAPLEX\"}}"
bad "an unknown standard" token.standard "{\"type\":\"NFT_TRANSFER\",\"network\":\"$NET\",\"to\":\"$ACC1\",\"token\":{\"address\":\"$NFT\",\"tokenId\":\"1\",\"standard\":\"ERC-20\"}}"
bad "a hex token id" token.tokenId "{\"type\":\"NFT_TRANSFER\",\"network\":\"$NET\",\"to\":\"$ACC1\",\"token\":{\"address\":\"$NFT\",\"tokenId\":\"0x1\",\"standard\":\"ERC-721\"}}"
bad "no token" token "{\"type\":\"NFT_TRANSFER\",\"network\":\"$NET\",\"to\":\"$ACC1\"}"
bad "an unknown field" memo "{\"type\":\"NFT_TRANSFER\",\"network\":\"$NET\",\"to\":\"$ACC1\",\"memo\":\"x\",\"token\":{\"address\":\"$NFT\",\"tokenId\":\"1\",\"standard\":\"ERC-721\"}}"
bad "an assetId of another standard" token.assetId "{\"type\":\"NFT_TRANSFER\",\"network\":\"$NET\",\"to\":\"$ACC1\",\"token\":{\"address\":\"$NFT\",\"tokenId\":\"1\",\"standard\":\"ERC-721\",\"assetId\":\"eip155:11155111/erc20:$NFT\"}}"
bad "an assetId of the other NFT standard" token.assetId "{\"type\":\"NFT_TRANSFER\",\"network\":\"$NET\",\"to\":\"$ACC1\",\"token\":{\"address\":\"$NFT\",\"tokenId\":\"1\",\"standard\":\"ERC-721\",\"assetId\":\"eip155:11155111/erc1155:$NFT\"}}"

# ---- allowed: ERC-721 ----
code=$(req POST /v1/transactions/simulate "$E721" "$S")
check "a dry run of the ERC-721 transfer: 200, success, NFT_TRANSFER, nothing moved" \
    [ "$code $(jget '(j["success"], j["meta"]["transactionType"])') $(owner 1)" = "200 (True, 'NFT_TRANSFER') $ADDR" ]
id=$(send "$E721")
r=$(wait_tx "$id")
check "ERC-721 safeTransferFrom reaches CONFIRMED" [ "$(st "$r" status)" = CONFIRMED ]
check "the token's owner is now the recipient" [ "$(owner 1)" = "$ACC1" ]
check "the mined call is safeTransferFrom(wallet, to, 1) on the collection" \
    [ "$("$CAST" tx --rpc-url "$ANVIL_URL" "$(st "$r" txHash)" input)" = "$("$CAST" calldata 'safeTransferFrom(address,address,uint256)' "$ADDR" "$ACC1" 1)" ]
check "the transaction: type NFT_TRANSFER, toAddress the recipient, amount 1" \
    [ "$(printf '%s' "$r" | python3 -c 'import json,sys; j=json.load(sys.stdin); print(j["type"], j["toAddress"], j["amount"])')" = "NFT_TRANSFER $ACC1 1" ]
A=$(audit_of "$id")
check "audited: TX_REQUESTED of NFT_TRANSFER ($A)" \
    sh -c "printf '%s' '$A' | grep -q 'TX_REQUESTED:NFT_TRANSFER'"

# ---- allowed: ERC-1155, with an amount ----
id=$(send "$E1155")
r=$(wait_tx "$id")
check "ERC-1155 safeTransferFrom of 3 reaches CONFIRMED" [ "$(st "$r" status)" = CONFIRMED ]
check "the recipient holds 3 of id 1, the wallet 7" \
    [ "$(mbal "$ACC1") $(mbal "$ADDR")" = "3 7" ]
check "the mined call carries the amount and empty data" \
    [ "$("$CAST" tx --rpc-url "$ANVIL_URL" "$(st "$r" txHash)" input)" = "$("$CAST" calldata 'safeTransferFrom(address,address,uint256,uint256,bytes)' "$ADDR" "$ACC1" 1 3 0x)" ]
A=$(audit_of "$id")
check "audited: TX_REQUESTED of NFT_TRANSFER ($A)" \
    sh -c "printf '%s' '$A' | grep -q 'TX_REQUESTED:NFT_TRANSFER'"

# A token the wallet no longer holds: the node's estimate reverts.
r=$(wait_tx "$(send "$E721")")
check "a token it no longer holds: FAILED with the contract's reason" \
    sh -c "[ $(st "$r" status) = FAILED ] && printf '%s' '$r' | grep -q 'from is not the owner'"

# A WHITELIST applies to an NFT's recipient as to a transfer's.
req POST /v1/policies "{\"walletId\":\"$W\",\"type\":\"WHITELIST\",\"rules\":{\"allowed_addresses\":[\"$ACC1\"]}}" >/dev/null
code=$(req POST /v1/transactions/send "{\"type\":\"NFT_TRANSFER\",\"network\":\"$NET\",\"to\":\"$ACC2\",\"token\":{\"address\":\"$NFT\",\"tokenId\":\"2\",\"standard\":\"ERC-721\"}}" "$S")
check "to a recipient outside the WHITELIST: 403 WHITELIST_DENIED" \
    sh -c "[ $code = 403 ] && grep -q WHITELIST_DENIED $T_TMP/body"
check "... audited as TX_DENIED of NFT_TRANSFER" denied_audit NFT_TRANSFER WHITELIST_DENIED
check "... and token 2 did not move" [ "$(owner 2)" = "$ADDR" ]

# ---- the reads ----
code=$(req GET "/v1/wallet/nfts/$NFT:2?network=$NET" "" "$S")
check "GET /v1/wallet/nfts/{contract}:2: 200 ERC-721, amount 1, its tokenURI" \
    [ "$code $(jget '(j["standard"], j["amount"], j["tokenUri"], j["tokenId"], j["attributes"])')" = "200 ('ERC-721', '1', 'https://nft.example/2', '2', [])" ]
code=$(req GET "/v1/wallet/nfts/$NFT:1?network=$NET" "" "$S")
check "a token sent away: 404 NFT_NOT_FOUND naming its holder" \
    sh -c "[ $code = 404 ] && grep -q NFT_NOT_FOUND $T_TMP/body && grep -qi '$ACC1' $T_TMP/body"
code=$(req GET "/v1/wallet/nfts/$MULTI:1?network=$NET" "" "$S")
check "an ERC-1155 id: 200, amount 7, the URI with {id} filled in" \
    [ "$code $(jget '(j["standard"], j["amount"], j["tokenUri"])')" = "200 ('ERC-1155', '7', 'https://multi.example/0000000000000000000000000000000000000000000000000000000000000001.json')" ]
code=$(req GET "/v1/wallet/nfts/$ACC1:1?network=$NET" "" "$S")
check "an account without code: 400 UNSUPPORTED_NFT_STANDARD" \
    sh -c "[ $code = 400 ] && grep -q UNSUPPORTED_NFT_STANDARD $T_TMP/body"
code=$(req GET "/v1/wallet/nfts/$NFT?network=$NET" "" "$S")
check "no token id: 400 naming tokenIdentifier" \
    sh -c "[ $code = 400 ] && grep -q tokenIdentifier $T_TMP/body"
code=$(req GET "/v1/wallet/nfts?network=$NET" "" "$S")
check "the list: 400 INDEXER_NOT_CONFIGURED, saying what to use instead" \
    sh -c "[ $code = 400 ] && grep -q INDEXER_NOT_CONFIGURED $T_TMP/body && grep -q 'contract}:{tokenId}' $T_TMP/body"
code=$(req GET "/v1/wallets/$W/nfts/$NFT:3?network=$NET")
check "the admin read: 200 for the operator" \
    [ "$code $(jget 'j["amount"]')" = "200 1" ]
code=$(req GET "/v1/wallets/$W/nfts")
check "the admin list: 400 INDEXER_NOT_CONFIGURED" \
    sh -c "[ $code = 400 ] && grep -q INDEXER_NOT_CONFIGURED $T_TMP/body"

# ---- CONTRACT_DEPLOY ----
CODE=$(python3 -c 'import json; print(json.load(open("tests/contracts/TestToken.json"))["bytecode"])')
ARGS=$("$CAST" abi-encode 'constructor(uint8)' 9)
DEP="{\"type\":\"CONTRACT_DEPLOY\",\"network\":\"$NET\",\"bytecode\":\"$CODE\",\"constructorArgs\":\"$ARGS\"}"
n0=$("$CAST" nonce --rpc-url "$ANVIL_URL" "$ADDR")
code=$(req POST /v1/transactions/send "$DEP" "$S")
check "CONTRACT_DEPLOY under a CONTRACT_WHITELIST without allowDeploy: 403 POLICY_DENIED, hint allowDeploy" \
    sh -c "[ $code = 403 ] && grep -q POLICY_DENIED $T_TMP/body && grep -q allowDeploy $T_TMP/body"
check "... audited: TX_DENIED of CONTRACT_DEPLOY" denied_audit CONTRACT_DEPLOY POLICY_DENIED
check "... and nothing was sent (same nonce)" \
    [ "$("$CAST" nonce --rpc-url "$ANVIL_URL" "$ADDR")" = "$n0" ]
bad "bytecode that is not hex" bytecode "{\"type\":\"CONTRACT_DEPLOY\",\"network\":\"$NET\",\"bytecode\":\"0xzz\"}"
bad "constructorArgs of an odd length" constructorArgs "{\"type\":\"CONTRACT_DEPLOY\",\"network\":\"$NET\",\"bytecode\":\"$CODE\",\"constructorArgs\":\"0x1\"}"
BIG=$(python3 -c 'print("0x" + "00" * 49153)')
printf '%s' "{\"type\":\"CONTRACT_DEPLOY\",\"network\":\"$NET\",\"bytecode\":\"$BIG\"}" >"$T_TMP/big.json"
code=$(req POST /v1/transactions/send "@$T_TMP/big.json" "$S")
check "init code above EIP-3860's 49152 bytes: 400 naming bytecode" \
    sh -c "[ $code = 400 ] && grep -q bytecode $T_TMP/body && grep -q 49152 $T_TMP/body"
code=$(req PUT "/v1/policies/$CW" "{\"rules\":{\"contracts\":[{\"address\":\"$NFT\"},{\"address\":\"$MULTI\"}],\"allowDeploy\":true}}")
check "the CONTRACT_WHITELIST now allows deployments (200)" [ "$code" = 200 ]
code=$(req POST /v1/transactions/simulate "$DEP" "$S")
check "a dry run of the deployment: 200, success, CONTRACT_DEPLOY, a creation's gas (over 53000)" \
    [ "$code $(jget '(j["success"], j["meta"]["transactionType"], int(j["simulation"]["unitsConsumed"]) > 53000)')" = "200 (True, 'CONTRACT_DEPLOY', True)" ]
id=$(send "$DEP")
r=$(wait_tx "$id")
CA=$(st "$r" toAddress)
check "CONTRACT_DEPLOY reaches CONFIRMED" [ "$(st "$r" status)" = CONFIRMED ]
lc() { printf '%s' "$1" | tr 'A-F' 'a-f'; }
check "its toAddress is the contract the chain created ($CA)" \
    [ "$(lc "$("$CAST" receipt --rpc-url "$ANVIL_URL" "$(st "$r" txHash)" contractAddress)")" = "$(lc "$CA")" ]
check "... which is the wallet's address and nonce's (CREATE), EIP-55" \
    [ "$("$CAST" compute-address --nonce "$n0" "$ADDR" | awk '{print $NF}')" = "$CA" ]
check "the deployed contract runs its constructor's argument (decimals 9)" \
    [ "$("$CAST" call --rpc-url "$ANVIL_URL" "$CA" 'decimals()(uint8)')" = 9 ]
A=$(audit_of "$id")
check "audited: TX_REQUESTED of CONTRACT_DEPLOY ($A)" \
    sh -c "printf '%s' '$A' | grep -q 'TX_REQUESTED:CONTRACT_DEPLOY'"
code=$(req POST /v1/policies '{"type":"CONTRACT_WHITELIST","rules":{"allowDeploy":"yes"}}')
check "allowDeploy must be a boolean (400)" [ "$code" = 400 ]

# ---- Solana: neither type ----
req POST /v1/wallets '{"name":"sol","chain":"solana","environment":"testnet"}' >/dev/null
SS="Authorization: Bearer $(jget 'j["session"]["token"]')"
code=$(req POST /v1/transactions/send "{\"type\":\"NFT_TRANSFER\",\"to\":\"9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM\",\"token\":{\"address\":\"9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM\",\"tokenId\":\"1\",\"standard\":\"METAPLEX\"}}" "$SS")
check "METAPLEX on a Solana wallet: 400 saying it is not supported" \
    sh -c "[ $code = 400 ] && grep -q 'METAPLEX transfers are not supported' $T_TMP/body"
code=$(req POST /v1/transactions/send "{\"type\":\"CONTRACT_DEPLOY\",\"bytecode\":\"0x00\"}" "$SS")
check "CONTRACT_DEPLOY on a Solana wallet: 400" \
    sh -c "[ $code = 400 ] && grep -q 'for EVM wallets' $T_TMP/body"

# ---- MCP: the reference's NFT tools over /mcp ----
if need_node_modules @modelcontextprotocol/sdk ajv; then
	MCP_URL=http://127.0.0.1:$PORT/mcp WAIAAS_SESSION_TOKEN=$TOK \
	    node_bin tests/node/mcp_client.js "$PWD/$BUILD/waiaas" \
	    "[{\"tool\":\"get_nft_metadata\",\"args\":{\"token_identifier\":\"$NFT:3\",\"network\":\"$NET\"}},
	      {\"tool\":\"list_nfts\",\"args\":{\"network\":\"$NET\",\"limit\":10}},
	      {\"tool\":\"transfer_nft\",\"args\":{\"to\":\"$ACC1\",\"token_address\":\"$NFT\",\"token_id\":\"3\",\"standard\":\"erc721\",\"network\":\"$NET\"}}]" \
	    >"$T_TMP/mcp.json" 2>"$T_TMP/mcp.err"
	mget() { json_get "$T_TMP/mcp.json" "$1"; }
	check "MCP get_nft_metadata: ERC-721, amount 1" \
	    [ "$(mget '(lambda r: (r["isError"], r["json"]["standard"], r["json"]["amount"]))(j["results"][0])')" = "(False, 'ERC-721', '1')" ]
	check "MCP list_nfts: an error naming INDEXER_NOT_CONFIGURED" \
	    [ "$(mget '(lambda r: (r["isError"], "INDEXER_NOT_CONFIGURED" in r["text"]))(j["results"][1])')" = "(True, True)" ]
	MID=$(mget 'j["results"][2]["json"]["id"]')
	r=$(wait_tx "$MID")
	check "MCP transfer_nft: the token reaches the recipient" \
	    sh -c "[ $(st "$r" status) = CONFIRMED ] && [ $(owner 3) = $ACC1 ]"
fi

kill -TERM "$DPID"; wait_gone "$DPID" 5000; DPID=""
check "no sanitizer reports" no_sanitizer_reports
