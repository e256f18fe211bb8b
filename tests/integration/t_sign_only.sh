#!/bin/sh
# POST /v1/transactions/sign on anvil (chain id 11155111, configured as
# ethereum-sepolia): unsigned transactions built by ethers are decoded,
# judged as the send they amount to, signed and answered, recorded
# SIGNED and audited, never broadcast.  ethers recovers the wallet as
# the sender; the test broadcasts one itself and it lands.  A policy
# that denies signs nothing; a DELAY-tier amount and an amount over the
# daily limit (which counts signed transactions) are refused at once;
# another chain id, malformed RLP, trailing bytes and a deployment are
# INVALID_TRANSACTION.  The nonce: a signed transaction reserves none,
# so a send of the daemon's takes the same nonce and the dApp's
# transaction, broadcast after it, is refused as nonce too low.  A
# restart does not broadcast a signed transaction.
. tests/integration/lib.sh

need_node_modules ethers || exit 0
NET=ethereum-sepolia
ACC1=0x70997970C51812dc3A010C7d01b50e0d17dc79C8
OTHER=0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC
TX="node_bin tests/integration/evm_tx.js"

start_anvil --chain-id 11155111 || cannot_run "anvil starts"
TOKEN=$(sh tests/contracts/deploy.sh "$ANVIL_URL" "$ANVIL_KEY0" 6)
WAIAAS_RPC_EVM_ETHEREUM_SEPOLIA=$ANVIL_URL \
WAIAAS_SECURITY_PRICE_STATIC="ETH=2000;ethereum-sepolia:$TOKEN@6=1" \
WAIAAS_RPC_POLL_INTERVAL_MS=100 start_daemon || cannot_run "daemon starts"

req POST /v1/wallets '{"name":"dapp","chain":"ethereum","environment":"testnet"}' >/dev/null
W=$(jget 'j["id"]')
ADDR=$(jget 'j["publicKey"]')
S="Authorization: Bearer $(jget 'j["session"]["token"]')"
"$CAST" send -q --rpc-url "$ANVIL_URL" --private-key "$ANVIL_KEY0" "$ADDR" \
    --value 10ether >/dev/null

# utx NONCE TO VALUE [DATA [CHAINID [TYPE]]]: an unsigned transaction
utx() {
	if [ "${6:-2}" = 0 ]; then
		fees='"gasPrice":"10000000000"'
	else
		fees='"maxPriorityFeePerGas":"1000000000","maxFeePerGas":"10000000000"'
	fi
	$TX unsigned "{\"type\":${6:-2},\"chainId\":${5:-11155111},\"nonce\":$1,$fees,\"gasLimit\":100000,\"to\":\"$2\",\"value\":\"$3\",\"data\":\"${4:-0x}\"}"
}
sgn() { req POST /v1/transactions/sign "{\"network\":\"$NET\",\"transaction\":\"$1\"}" "$S"; }
ntx() { req GET "/v1/transactions?limit=100" "" "$S" >/dev/null; jget 'len(j["items"])'; }
# rj METHOD PARAMS EXPR: a JSON-RPC call to anvil, EXPR of its answer j
rj() { rpc "$ANVIL_URL" "$1" "$2" | python3 -c "import json,sys; j=json.load(sys.stdin); print($3)"; }
CENT=10000000000000000		# 0.01 ETH: $20

U1=$(utx 0 $ACC1 $CENT)
code=$(sgn "$U1")
code="$code $(jget 'j["code"]') $(ntx)"
check "without a policy: 403 POLICY_DENIED (default deny), nothing recorded" \
    [ "$code" = "403 POLICY_DENIED 0" ]

req POST /v1/policies "{\"walletId\":\"$W\",\"type\":\"SPENDING_LIMIT\",\"rules\":{\"instant_max_usd\":100,\"notify_max_usd\":200,\"delay_max_usd\":1000,\"delay_seconds\":60}}" >/dev/null
code=$(sgn "$U1")
cp "$T_TMP/body" "$T_TMP/signed1"
ID=$(jget 'j["id"]')
SIGNED=$(jget 'j["signedTransaction"]')
HASH=$(jget 'j["txHash"]')
check "an EIP-1559 transfer: 200, a TRANSFER of its value, INSTANT" \
    [ "$code $(jget 'j["operations"][0]["type"], j["operations"][0]["to"], j["operations"][0]["amount"], j["policyResult"]["tier"]')" = "200 TRANSFER $ACC1 $CENT INSTANT" ]
P=$($TX parse "$SIGNED")
pj() { printf '%s' "$P" | python3 -c "import json,sys; j=json.load(sys.stdin); print($1)"; }
check "ethers recovers the wallet as the sender, and the hash is txHash" \
    [ "$(pj 'j["from"], j["hash"]')" = "$ADDR $HASH" ]
check "what was signed is the transaction given, field for field" \
    [ "$(pj 'j["unsigned"]')" = "$U1" ]
req GET "/v1/transactions/$ID" "" "$S" >/dev/null
check "recorded: TRANSFER, SIGNED, its hash, visible in GET" \
    [ "$(jget 'j["type"], j["status"], j["txHash"], j["amount"]')" = "TRANSFER SIGNED $HASH $CENT" ]
req GET "/v1/transactions?status=SIGNED" "" "$S" >/dev/null
check "listed under status=SIGNED" \
    [ "$(jget '[t["id"] for t in j["items"]]')" = "['$ID']" ]
req GET "/v1/audit-logs?limit=50" >/dev/null
check "audited: TX_REQUESTED, then TX_SIGNED not broadcast" \
    [ "$(jget '" ".join(e["event"] + ":" + str(e["details"].get("broadcast")) for e in reversed(j["data"]) if e["target"] == "'"$ID"'")')" = "TX_REQUESTED:None TX_SIGNED:False" ]
sleep 1
check "never broadcast: the node has no such transaction, the nonce is 0" \
    [ "$(rj eth_getTransactionByHash "[\"$HASH\"]" 'j["result"]') $(rj eth_getTransactionCount "[\"$ADDR\",\"pending\"]" 'int(j["result"], 16)')" = "None 0" ]
b0=$("$CAST" balance --rpc-url "$ANVIL_URL" $ACC1)
sent=$(rj eth_sendRawTransaction "[\"$SIGNED\"]" 'j.get("result")')
st=$(rj eth_getTransactionReceipt "[\"$HASH\"]" 'j["result"]["status"]')
b1=$("$CAST" balance --rpc-url "$ANVIL_URL" $ACC1)
check "broadcast by the test, it lands: status 1, the recipient gains its value" \
    [ "$sent $st $(python3 -c "print($b1 - $b0)")" = "$HASH 0x1 $CENT" ]

# A legacy (EIP-155) transaction, without network: its chain id says.
U2=$($TX unsigned "{\"type\":0,\"chainId\":11155111,\"nonce\":1,\"gasPrice\":\"10000000000\",\"gasLimit\":21000,\"to\":\"$OTHER\",\"value\":\"1000\"}")
code=$(req POST /v1/transactions/sign "{\"transaction\":\"$U2\"}" "$S")
P=$($TX parse "$(jget 'j["signedTransaction"]')")
check "a legacy transaction, no network given: 200, ethers recovers the wallet" \
    [ "$code $(pj 'j["from"], j["type"], j["unsigned"] == "'"$U2"'"')" = "200 $ADDR 0 True" ]

# The nonce: a signed transaction reserves none.
U3=$(utx 1 $ACC1 1000)
sgn "$U3" >/dev/null
S3=$(jget 'j["signedTransaction"]')
H3=$(jget 'j["txHash"]')
id=$(send "{\"network\":\"$NET\",\"to\":\"$OTHER\",\"amount\":\"1\"}")
r=$(wait_tx "$id")
check "then a send of the daemon's takes the node's pending nonce, 1, and confirms" \
    [ "$(printf '%s' "$r" | python3 -c 'import json,sys; j=json.load(sys.stdin); print(j["status"], j["nonce"])')" = "CONFIRMED 1" ]
out=$(rj eth_sendRawTransaction "[\"$S3\"]" '"error" in j and "nonce" in j["error"]["message"].lower()')
check "the dApp's transaction of nonce 1, broadcast after it, is refused (nonce too low)" \
    [ "$out $(rj eth_getTransactionReceipt "[\"$H3\"]" 'j["result"]')" = "True None" ]

# A restart neither sends a signed transaction nor forgets it.
sgn "$(utx 9 $ACC1 1000)" >/dev/null
RID=$(jget 'j["id"]')
RH=$(jget 'j["txHash"]')
kill -TERM "$DPID"
wait "$DPID" 2>/dev/null
check "the daemon stops cleanly: no sanitizer reports" no_sanitizer_reports
WAIAAS_RPC_EVM_ETHEREUM_SEPOLIA=$ANVIL_URL \
WAIAAS_SECURITY_PRICE_STATIC="ETH=2000;ethereum-sepolia:$TOKEN@6=1" \
WAIAAS_RPC_POLL_INTERVAL_MS=100 start_daemon || cannot_run "daemon restarts"
sleep 1
req GET "/v1/transactions/$RID" "" "$S" >/dev/null
check "after a restart: still SIGNED, and the node never saw it" \
    [ "$(jget 'j["status"]') $(rj eth_getTransactionByHash "[\"$RH\"]" 'j["result"]')" = "SIGNED None" ]

# Tiers: DELAY and APPROVAL must wait, and sign-only does not wait.
n0=$(ntx)
code=$(sgn "$(utx 2 $ACC1 150000000000000000)")
code="$code $(jget 'j["code"], "DELAY tier" in j["message"]') $(ntx)"
check "a DELAY-tier amount (\$300): 403 POLICY_DENIED at once, nothing recorded" \
    [ "$code" = "403 POLICY_DENIED True $n0" ]
code=$(sgn "$(utx 2 $ACC1 75000000000000000)")
check "a NOTIFY-tier amount (\$150): signed, tier NOTIFY" \
    [ "$code $(jget 'j["policyResult"]["tier"]')" = "200 NOTIFY" ]

# Tokens and calls: the policies a send meets.
CD=$("$CAST" calldata 'transfer(address,uint256)' $ACC1 250000)
code=$(sgn "$(utx 3 $TOKEN 0 "$CD")")
check "an ERC-20 transfer without ALLOWED_TOKENS: 403, nothing signed" \
    sh -c "[ $code = 403 ] && ! grep -q signedTransaction $T_TMP/body"
req POST /v1/policies "{\"walletId\":\"$W\",\"type\":\"ALLOWED_TOKENS\",\"rules\":{\"tokens\":[{\"address\":\"$TOKEN\"}]}}" >/dev/null
code=$(sgn "$(utx 3 $TOKEN 0 "$CD")")
check "allowed: 200, a TOKEN_TRANSFER of 250000 of the token to the recipient" \
    [ "$code $(jget 'j["operations"][0]["type"], j["operations"][0]["to"], j["operations"][0]["amount"], j["operations"][0]["token"].lower()')" = "200 TOKEN_TRANSFER $ACC1 250000 $(echo "$TOKEN" | tr A-F a-f)" ]
code=$(sgn "$(utx 3 $TOKEN 5 "$CD")")
check "an ERC-20 transfer that also sends value: 400 INVALID_TRANSACTION" \
    sh -c "[ $code = 400 ] && grep -q INVALID_TRANSACTION $T_TMP/body"
CD=$("$CAST" calldata 'approve(address,uint256)' $OTHER 1000)
code=$(sgn "$(utx 3 $TOKEN 0 "$CD")")
check "an approve: judged as APPROVE (spender not approved: 403)" \
    sh -c "[ $code = 403 ] && grep -q SPENDER_NOT_APPROVED $T_TMP/body"
CD=$("$CAST" calldata 'mint(address,uint256)' $ADDR 1)
code=$(sgn "$(utx 3 $TOKEN 0 "$CD")")
check "another call: CONTRACT_CALL, refused without CONTRACT_WHITELIST" \
    sh -c "[ $code = 403 ] && grep -q CONTRACT_NOT_WHITELISTED $T_TMP/body"
req POST /v1/policies "{\"walletId\":\"$W\",\"type\":\"CONTRACT_WHITELIST\",\"rules\":{\"contracts\":[{\"address\":\"$TOKEN\"}]}}" >/dev/null
code=$(sgn "$(utx 3 $TOKEN 0 "$CD")")
check "whitelisted: 200, a CONTRACT_CALL of mint's selector" \
    [ "$code $(jget 'j["operations"][0]["type"], j["operations"][0]["method"]')" = "200 CONTRACT_CALL 0x40c10f19" ]

# What is not a transaction this daemon signs.
n0=$(ntx)
inv() { sh -c "[ $1 = 400 ] && grep -q INVALID_TRANSACTION $T_TMP/body"; }
code=$(sgn "$(utx 4 $ACC1 1 0x 1)")
check "another chain id (1 on ethereum-sepolia): 400 INVALID_TRANSACTION" inv "$code"
code=$(sgn "${U1}00")
check "a byte after the transaction: 400 INVALID_TRANSACTION" inv "$code"
code=$(sgn "${U1%??}")
check "malformed RLP (its last byte cut: the list is longer): 400 INVALID_TRANSACTION" inv "$code"
code=$(sgn "$SIGNED")
check "a signed transaction: 400 INVALID_TRANSACTION" inv "$code"
DEP=$($TX unsigned '{"type":2,"chainId":11155111,"nonce":4,"maxPriorityFeePerGas":"1","maxFeePerGas":"10000000000","gasLimit":100000,"data":"0x6000"}')
code=$(sgn "$DEP")
check "a deployment (no to): 400 INVALID_TRANSACTION naming CONTRACT_DEPLOY" \
    sh -c "[ $code = 400 ] && grep -q CONTRACT_DEPLOY $T_TMP/body"
code=$(sgn "$($TX unsigned '{"type":2,"chainId":11155111,"nonce":4,"maxPriorityFeePerGas":"1","maxFeePerGas":"10000000000000","gasLimit":21000,"to":"'$ACC1'","value":"1"}')")
check "a fee above the daemon's cap: 400 INVALID_TRANSACTION" inv "$code"
check "none of these is recorded" [ "$(ntx)" = "$n0" ]

# The daily limit counts signed transactions like sent ones.
req POST /v1/wallets '{"name":"daily","chain":"ethereum","environment":"testnet"}' >/dev/null
W2=$(jget 'j["id"]')
S="Authorization: Bearer $(jget 'j["session"]["token"]')"
req POST /v1/policies "{\"walletId\":\"$W2\",\"type\":\"SPENDING_LIMIT\",\"rules\":{\"instant_max_usd\":1000,\"daily_limit_usd\":50}}" >/dev/null
c1=$(sgn "$(utx 0 $ACC1 $CENT)")
c2=$(sgn "$(utx 1 $ACC1 $CENT)")
c3=$(sgn "$(utx 2 $ACC1 $CENT)")
check "\$20 + \$20 signed, a third \$20 over the \$50 daily limit: refused (APPROVAL tier)" \
    sh -c "[ '$c1 $c2 $c3' = '200 200 403' ] && grep -q APPROVAL $T_TMP/body"
code=$(req POST /v1/transactions/send "{\"network\":\"$NET\",\"to\":\"$ACC1\",\"amount\":\"$CENT\"}" "$S")
check "a send of \$20 after them waits for the owner: the signed ones counted" \
    [ "$code $(jget 'j["tier"]')" = "201 APPROVAL" ]

req POST /v1/admin/kill-switch >/dev/null
code=$(sgn "$(utx 3 $ACC1 1)")
check "the kill switch stops sign-only too" \
    sh -c "[ $code = 409 ] || [ $code = 401 ]"
check "no sanitizer reports" no_sanitizer_reports
