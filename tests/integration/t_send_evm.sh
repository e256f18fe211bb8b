#!/bin/sh
# EVM transactions end to end: the real daemon against anvil (chain id
# 11155111, configured as ethereum-sepolia) with the test ERC-20.  A new
# wallet is funded, then sends ETH, a token transfer, an approve and a
# contract call; each reaches CONFIRMED and the chain's balances and
# allowances change exactly; a reverting transfer ends FAILED with the
# reason; 20 concurrent sends all confirm with 20 consecutive nonces; the
# balance, assets and address reads match the chain.  A memo is the
# native transfer's calldata, byte for byte; the owner sees it.
. tests/integration/lib.sh

U() { echo "http://127.0.0.1:$PORT$1"; }
M="X-Master-Password: $WAIAAS_MASTER_PASSWORD"
NET=ethereum-sepolia
ACC1=0x70997970C51812dc3A010C7d01b50e0d17dc79C8

st() { printf '%s' "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["'"$2"'"])'; }

# A second chain (anvil's default id 31337) as an operator-defined network.
start_anvil
LOCAL_URL=$ANVIL_URL
start_anvil --chain-id 11155111
# The token first: the static price table names it (token transfers are
# valued in USD; without a price they would wait for the owner).
TOKEN=$(sh tests/contracts/deploy.sh "$ANVIL_URL" "$ANVIL_KEY0" 6)
WAIAAS_RPC_EVM_ETHEREUM_SEPOLIA=$ANVIL_URL \
WAIAAS_RPC_EVM_CUSTOM="localdev,31337,testnet,LETH,$LOCAL_URL" \
WAIAAS_SECURITY_PRICE_STATIC="ETH=2000;LETH=1;ethereum-sepolia:$TOKEN@6=1" \
WAIAAS_RPC_POLL_INTERVAL_MS=100 start_daemon || cannot_run "daemon starts with an RPC URL"

req POST /v1/wallets '{"name":"evm","chain":"ethereum","environment":"testnet"}' >/dev/null
W=$(jget 'j["id"]')
ADDR=$(jget 'j["publicKey"]')
S="Authorization: Bearer $(jget 'j["session"]["token"]')"
"$CAST" send -q --rpc-url "$ANVIL_URL" --private-key "$ANVIL_KEY0" "$ADDR" \
    --value 10ether >/dev/null
"$CAST" send -q --rpc-url "$ANVIL_URL" --private-key "$ANVIL_KEY0" "$TOKEN" \
    'mint(address,uint256)' "$ADDR" 1000000000 >/dev/null

bal() { "$CAST" balance --rpc-url "$ANVIL_URL" "$1"; }
tbal() { "$CAST" call --rpc-url "$ANVIL_URL" "$TOKEN" 'balanceOf(address)(uint256)' "$1" | awk '{print $1}'; }
allow() { "$CAST" call --rpc-url "$ANVIL_URL" "$TOKEN" 'allowance(address,address)(uint256)' "$ADDR" "$1" | awk '{print $1}'; }

# Default deny: no policy, no transaction.
code=$(req POST /v1/transactions/send "{\"network\":\"$NET\",\"to\":\"$ACC1\",\"amount\":\"1\"}" "$S")
check "without a policy a send is denied (403 POLICY_DENIED, hint)" \
    sh -c "[ $code = 403 ] && grep -q POLICY_DENIED $T_TMP/body && grep -q SPENDING_LIMIT $T_TMP/body"
code=$(req POST /v1/transactions/send "{\"to\":\"$ACC1\",\"amount\":\"1\"}" "$S")
check "an EVM testnet send without network: 400 NETWORK_REQUIRED" \
    sh -c "[ $code = 400 ] && grep -q NETWORK_REQUIRED $T_TMP/body"

req POST /v1/policies '{"type":"SPENDING_LIMIT","rules":{"instant_max":"2000000000000000000","instant_max_usd":1000000}}' >/dev/null
req POST /v1/policies "{\"walletId\":\"$W\",\"type\":\"ALLOWED_TOKENS\",\"rules\":{\"tokens\":[{\"address\":\"$TOKEN\"}]}}" >/dev/null
req POST /v1/policies "{\"walletId\":\"$W\",\"type\":\"APPROVED_SPENDERS\",\"rules\":{\"spenders\":[{\"address\":\"$ACC1\"}]}}" >/dev/null
req POST /v1/policies "{\"walletId\":\"$W\",\"type\":\"CONTRACT_WHITELIST\",\"rules\":{\"contracts\":[{\"address\":\"$TOKEN\"}]}}" >/dev/null

code=$(req POST /v1/transactions/send "{\"network\":\"$NET\",\"to\":\"$ACC1\",\"amount\":\"3000000000000000000\"}" "$S")
check "above every threshold: 201 QUEUED for the owner's APPROVAL" \
    sh -c "[ $code = 201 ] && grep -q '\"status\":\"QUEUED\"' $T_TMP/body && grep -q '\"tier\":\"APPROVAL\"' $T_TMP/body"
code=$(req POST /v1/transactions/send "{\"network\":\"$NET\",\"to\":\"0x1234\",\"amount\":\"1\"}" "$S")
check "a malformed recipient: 400 with the path" \
    sh -c "[ $code = 400 ] && grep -q '\"to\"' $T_TMP/body"
code=$(req POST /v1/transactions/send "{\"network\":\"devnet\",\"to\":\"$ACC1\",\"amount\":\"1\"}" "$S")
check "a Solana network for an EVM wallet: 400 ENVIRONMENT_NETWORK_MISMATCH" \
    sh -c "[ $code = 400 ] && grep -q ENVIRONMENT_NETWORK_MISMATCH $T_TMP/body"

# ETH
b0=$(bal "$ACC1")
id=$(send "{\"network\":\"$NET\",\"to\":\"$ACC1\",\"amount\":\"1234567890123\"}")
r=$(wait_tx "$id")
check "TRANSFER reaches CONFIRMED" [ "$(st "$r" status)" = CONFIRMED ]
check "the recipient got exactly the amount" \
    [ "$(python3 -c "print($(bal "$ACC1") - $b0)")" = 1234567890123 ]
check "txHash is the chain's transaction" \
    [ "$("$CAST" receipt --rpc-url "$ANVIL_URL" "$(st "$r" txHash)" status)" = true ]

# A memo: the native transfer's calldata, UTF-8 bytes as sent (issue 16).
# Quotes, a newline and characters of 2 and 3 bytes.
MEMO='invoice 42: caf\u00e9 \u2713 \"q\"\nline two'
memo_hex() { python3 -c 'import json,sys; print("0x" + json.loads("\"" + sys.argv[1] + "\"").encode().hex())' "$1"; }
b0=$(bal "$ACC1")
id=$(send "{\"network\":\"$NET\",\"to\":\"$ACC1\",\"amount\":\"4242\",\"memo\":\"$MEMO\"}")
r=$(wait_tx "$id")
h=$(st "$r" txHash 2>/dev/null)
check "TRANSFER with a memo reaches CONFIRMED" [ "$(st "$r" status)" = CONFIRMED ]
check "the mined transaction's input is the memo's UTF-8 bytes" \
    [ "$("$CAST" tx --rpc-url "$ANVIL_URL" "$h" input)" = "$(memo_hex "$MEMO")" ]
check "the recipient got exactly the amount (the memo moves nothing)" \
    [ "$(python3 -c "print($(bal "$ACC1") - $b0)")" = 4242 ]
check "its gas paid for the calldata (gasUsed above 21000, within the limit)" \
    sh -c "u=\$(\"$CAST\" receipt --rpc-url $ANVIL_URL $h gasUsed); l=\$(\"$CAST\" tx --rpc-url $ANVIL_URL $h gas); [ \$u -gt 21000 ] && [ \$u -le \$l ]"
code=$(req POST /v1/transactions/simulate "{\"network\":\"$NET\",\"to\":\"$ACC1\",\"amount\":\"1\"}" "$S")
g0=$(jget 'j["fee"]["gasLimit"]')
code=$(req POST /v1/transactions/simulate "{\"network\":\"$NET\",\"to\":\"$ACC1\",\"amount\":\"1\",\"memo\":\"$MEMO\"}" "$S")
check "a dry run with a memo: its gas estimate includes the calldata" \
    sh -c "[ $code = 200 ] && [ \"$(jget 'j["success"]')\" = True ] && [ $(jget 'j["fee"]["gasLimit"]') -gt $g0 ]"
check "the memo is not in the daemon's log" \
    sh -c "! grep -q 'invoice 42' $LOG"
# To an account with code the memo would be call data (a call that
# CONTRACT_WHITELIST never judged): refused before signing.
n0=$("$CAST" nonce --rpc-url "$ANVIL_URL" "$ADDR")
b0=$(bal "$TOKEN")
r=$(wait_tx "$(send "{\"network\":\"$NET\",\"to\":\"$TOKEN\",\"amount\":\"5\",\"memo\":\"x\"}")")
check "a memo to a contract: FAILED before signing, saying why" \
    sh -c "[ $(st "$r" status) = FAILED ] && printf '%s' '$r' | grep -q 'has code: a memo would be call data'"
check "and nothing reached the chain (same nonce, same balance)" \
    sh -c "[ $("$CAST" nonce --rpc-url "$ANVIL_URL" "$ADDR") = $n0 ] && [ $(bal "$TOKEN") = $b0 ]"
M256=$(python3 -c 'print("m" * 256)')
M257=$(python3 -c 'print("m" * 257)')
code=$(req POST /v1/transactions/send "{\"network\":\"$NET\",\"to\":\"$ACC1\",\"amount\":\"1\",\"memo\":\"$M257\"}" "$S")
check "a memo of 257 bytes: 400 naming memo" \
    sh -c "[ $code = 400 ] && grep -q '\"memo\"' $T_TMP/body"
# 86 characters of 3 bytes: within 256 characters, over 256 bytes.
M86=$(python3 -c 'print("\\u2713" * 86)')
code=$(req POST /v1/transactions/send "{\"network\":\"$NET\",\"to\":\"$ACC1\",\"amount\":\"1\",\"memo\":\"$M86\"}" "$S")
check "the bound is in bytes: 86 three-byte characters (258 bytes) are refused" \
    sh -c "[ $code = 400 ] && grep -q '\"memo\"' $T_TMP/body && grep -q bytes $T_TMP/body"
code=$(req POST /v1/transactions/send "{\"network\":\"$NET\",\"to\":\"$ACC1\",\"amount\":\"1\",\"memo\":42}" "$S")
check "a memo that is not a string: 400 naming memo" \
    sh -c "[ $code = 400 ] && grep -q '\"memo\"' $T_TMP/body"
code=$(req POST /v1/transactions/send "{\"type\":\"TOKEN_TRANSFER\",\"network\":\"$NET\",\"to\":\"$ACC1\",\"amount\":\"1\",\"memo\":\"x\",\"token\":{\"address\":\"$TOKEN\",\"decimals\":6,\"symbol\":\"TEST\"}}" "$S")
check "a memo on an ERC-20 transfer: 400 naming memo, saying why" \
    sh -c "[ $code = 400 ] && grep -q '\"memo\"' $T_TMP/body && grep -q ERC-20 $T_TMP/body"
b0=$(bal "$ACC1")
id=$(send "{\"network\":\"$NET\",\"to\":\"$ACC1\",\"amount\":\"7\",\"memo\":\"$M256\"}")
r=$(wait_tx "$id")
h=$(st "$r" txHash 2>/dev/null)
check "a memo of exactly 256 bytes is sent whole" \
    sh -c "[ $(st "$r" status) = CONFIRMED ] && [ \"\$(\"$CAST\" tx --rpc-url $ANVIL_URL $h input)\" = $(memo_hex "$M256") ] && [ \$(python3 -c \"print(\$(\"$CAST\" balance --rpc-url $ANVIL_URL $ACC1) - $b0)\") = 7 ]"
# Above the instant limit: the owner sees the memo, and the intent binds
# its bytes (the calldata hash).
code=$(req POST /v1/transactions/send "{\"network\":\"$NET\",\"to\":\"$ACC1\",\"amount\":\"3000000000000000000\",\"memo\":\"$MEMO\"}" "$S")
qid=$(jget 'j["id"]')
code=$(req GET "/v1/transactions/$qid/approval" "")
check "a memo waiting for approval: the approval view shows it as sent" \
    sh -c "[ $code = 200 ] && [ \"\$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[\"memo\"] == json.loads(sys.argv[2]))' $T_TMP/body '\"$MEMO\"')\" = True ]"
check "and the intent the owner signs binds it (calldata: its SHA-256)" \
    sh -c "grep -q \"calldata: \$(python3 -c 'import hashlib,json,sys; print(hashlib.sha256(json.loads(sys.argv[1]).encode()).hexdigest())' '\"$MEMO\"')\" $T_TMP/body"
req POST "/v1/transactions/$qid/cancel" "" "$S" >/dev/null

# ERC-20 transfer
id=$(send "{\"type\":\"TOKEN_TRANSFER\",\"network\":\"$NET\",\"to\":\"$ACC1\",\"amount\":\"250000\",\"token\":{\"address\":\"$TOKEN\",\"decimals\":6,\"symbol\":\"TEST\"}}")
r=$(wait_tx "$id")
check "TOKEN_TRANSFER reaches CONFIRMED" [ "$(st "$r" status)" = CONFIRMED ]
check "token balances moved exactly" \
    sh -c "[ $(tbal "$ACC1") = 250000 ] && [ $(tbal "$ADDR") = 999750000 ]"

# approve
id=$(send "{\"type\":\"APPROVE\",\"network\":\"$NET\",\"spender\":\"$ACC1\",\"amount\":\"4242\",\"token\":{\"address\":\"$TOKEN\",\"decimals\":6,\"symbol\":\"TEST\"}}")
r=$(wait_tx "$id")
check "APPROVE reaches CONFIRMED and sets the allowance" \
    sh -c "[ $(st "$r" status) = CONFIRMED ] && [ $(allow "$ACC1") = 4242 ]"

# contract call: approve(ACC1, 777) as raw calldata
cd=$("$CAST" calldata 'approve(address,uint256)' "$ACC1" 777)
id=$(send "{\"type\":\"CONTRACT_CALL\",\"network\":\"$NET\",\"to\":\"$TOKEN\",\"calldata\":\"$cd\"}")
r=$(wait_tx "$id")
check "CONTRACT_CALL reaches CONFIRMED and its effect is on chain" \
    sh -c "[ $(st "$r" status) = CONFIRMED ] && [ $(allow "$ACC1") = 777 ]"
code=$(req POST /v1/transactions/send "{\"type\":\"CONTRACT_CALL\",\"network\":\"$NET\",\"to\":\"$ACC1\",\"calldata\":\"0x\"}" "$S")
check "a call to a contract not whitelisted: 403 CONTRACT_NOT_WHITELISTED" \
    sh -c "[ $code = 403 ] && grep -q CONTRACT_NOT_WHITELISTED $T_TMP/body"

# revert
id=$(send "{\"type\":\"TOKEN_TRANSFER\",\"network\":\"$NET\",\"to\":\"$ACC1\",\"amount\":\"5000000000\",\"token\":{\"address\":\"$TOKEN\",\"decimals\":6,\"symbol\":\"TEST\"}}")
r=$(wait_tx "$id")
check "a reverting transfer ends FAILED" [ "$(st "$r" status)" = FAILED ]
check "with the revert reason and CHAIN_ERROR" \
    sh -c "printf '%s' '$r' | grep -q 'TestToken: insufficient balance' && printf '%s' '$r' | grep -q CHAIN_ERROR"
check "and the token balance did not move" [ "$(tbal "$ADDR")" = 999750000 ]

# 20 concurrent sends from one wallet
n0=$("$CAST" nonce --rpc-url "$ANVIL_URL" "$ADDR")
b0=$(bal "$ACC1")
python3 - "$(U /v1/transactions/send)" "${S#Authorization: Bearer }" "$NET" "$ACC1" > "$T_TMP/ids" <<'EOF'
import json, sys, threading, urllib.request
url, tok, net, to = sys.argv[1:5]
ids = [None] * 20
def one(i):
    body = json.dumps({"network": net, "to": to, "amount": str(1000 + i)}).encode()
    r = urllib.request.Request(url, body, {"Content-Type": "application/json",
        "Authorization": "Bearer " + tok})
    ids[i] = json.load(urllib.request.urlopen(r))["id"]
ts = [threading.Thread(target=one, args=(i,)) for i in range(20)]
[t.start() for t in ts]
[t.join() for t in ts]
print("\n".join(ids))
EOF
ok20=0
nonces=""
for id in $(cat "$T_TMP/ids"); do
	r=$(wait_tx "$id")
	[ "$(st "$r" status)" = CONFIRMED ] && ok20=$((ok20 + 1))
	nonces="$nonces $(st "$r" nonce)"
done
check "20 concurrent sends all CONFIRMED" [ "$ok20" = 20 ]
check "with 20 distinct consecutive nonces" \
    [ "$(echo $nonces | tr ' ' '\n' | sort -n | uniq | tr '\n' ' ')" = "$(seq "$n0" $((n0 + 19)) | tr '\n' ' ')" ]
check "the recipient got exactly their sum" \
    [ "$(python3 -c "print($(bal "$ACC1") - $b0)")" = "$(python3 -c 'print(sum(1000 + i for i in range(20)))')" ]

# The operator's own chain from [rpc] evm_custom.
"$CAST" send -q --rpc-url "$LOCAL_URL" --private-key "$ANVIL_KEY0" "$ADDR" \
    --value 1ether >/dev/null
code=$(req POST /v1/policies "{\"walletId\":\"$W\",\"type\":\"ALLOWED_NETWORKS\",\"rules\":{\"networks\":[{\"network\":\"$NET\"},{\"network\":\"localdev\"}]}}")
check "policies may name an operator-defined network" [ "$code" = 201 ]
b0=$("$CAST" balance --rpc-url "$LOCAL_URL" "$ACC1")
r=$(wait_tx "$(send "{\"network\":\"localdev\",\"to\":\"$ACC1\",\"amount\":\"31337\"}")")
check "a send on an operator-defined EVM chain (evm_custom) confirms there" \
    sh -c "[ $(st "$r" status) = CONFIRMED ] && [ $(python3 -c "print($("$CAST" balance --rpc-url "$LOCAL_URL" "$ACC1") - $b0)") = 31337 ]"
code=$(req GET "/v1/wallet/balance?network=localdev" "" "$S")
check "its balance reads in its own symbol" \
    sh -c "[ $code = 200 ] && [ \"$(jget 'j["symbol"]')\" = LETH ]"

# reads
code=$(req GET "/v1/wallet/balance?network=$NET" "" "$S")
check "GET /v1/wallet/balance is the chain's balance" \
    sh -c "[ $code = 200 ] && [ \"$(jget 'j["balance"]')\" = \"$(bal "$ADDR")\" ] && [ \"$(jget 'j["symbol"]')\" = ETH ] && [ \"$(jget 'j["decimals"]')\" = 18 ]"
code=$(req GET "/v1/wallet/balance?network=$NET&token=$TOKEN" "" "$S")
check "with token=: the ERC-20 balance" \
    sh -c "[ $code = 200 ] && [ \"$(jget 'j["balance"]')\" = 999750000 ] && [ \"$(jget 'j["decimals"]')\" = 6 ]"
code=$(req GET "/v1/wallet/assets?network=$NET" "" "$S")
check "GET /v1/wallet/assets lists ETH and the allowed token" \
    sh -c "[ $code = 200 ] && [ \"$(jget '[a["balance"] for a in j["assets"] if not a["isNative"]]')\" = \"['999750000']\" ]"
code=$(req GET "/v1/wallet/address?network=$NET" "" "$S")
check "GET /v1/wallet/address" \
    sh -c "[ $code = 200 ] && [ \"$(jget 'j["address"]')\" = $ADDR ]"
# Reads without network: the wallet's own network (what create said).
code=$(req GET /v1/wallets/$W "" "$M")
check "the new wallet says ethereum-sepolia" \
    sh -c "[ $code = 200 ] && [ \"$(jget 'j["network"]')\" = $NET ]"
code=$(req GET /v1/wallet/balance "" "$S")
check "GET /v1/wallet/balance without network: the wallet's network's balance" \
    sh -c "[ $code = 200 ] && [ \"$(jget 'j["network"]')\" = $NET ] && [ \"$(jget 'j["balance"]')\" = \"$(bal "$ADDR")\" ] && [ \"$(jget 'j["symbol"]')\" = ETH ]"
code=$(req GET /v1/wallet/assets "" "$S")
check "GET /v1/wallet/assets without network: the wallet's network" \
    sh -c "[ $code = 200 ] && [ \"$(jget 'j["network"]')\" = $NET ] && [ \"$(jget '[a["balance"] for a in j["assets"] if not a["isNative"]]')\" = \"['999750000']\" ]"
code=$(req GET /v1/wallet/address "" "$S")
check "GET /v1/wallet/address without network: the wallet's network" \
    sh -c "[ $code = 200 ] && [ \"$(jget 'j["network"]')\" = $NET ] && [ \"$(jget 'j["address"]')\" = $ADDR ]"
# The fields the reference's schemas require (WalletAddressResponse,
# WalletBalanceResponse, WalletAssetsResponse), with their JSON types.
for r in address balance assets; do
	code=$(req GET /v1/wallet/$r "" "$S")
	check "GET /v1/wallet/$r without network: every field the reference requires" \
	    sh -c "[ $code = 200 ] && python3 tests/integration/wallet_shape.py $r $T_TMP/body"
done
code=$(req POST /v1/transactions/send "{\"to\":\"$ACC1\",\"amount\":\"1\"}" "$S")
check "a send without network still names it (400 NETWORK_REQUIRED)" \
    sh -c "[ $code = 400 ] && grep -q NETWORK_REQUIRED $T_TMP/body"
code=$(req GET "/v1/transactions?limit=5" "" "$S")
check "GET /v1/transactions pages newest first" \
    sh -c "[ $code = 200 ] && [ \"$(jget 'len(j["items"])')\" = 5 ] && [ \"$(jget 'j["hasMore"]')\" = True ]"
# The list writes its rows straight into text; GET /v1/transactions/{id}
# builds one as a document: the same keys in the same order, same values.
cp "$T_TMP/body" "$T_TMP/list"
: > "$T_TMP/rows"
for t in $(jget '" ".join(i["id"] for i in j["items"])'); do
	req GET "/v1/transactions/$t" "" "$S" >/dev/null
	cat "$T_TMP/body" >> "$T_TMP/rows"; echo >> "$T_TMP/rows"
done
check "each listed row is the transaction as GET shows it, key for key" \
    python3 -c '
import json, sys
items = json.load(open(sys.argv[1]))["items"]
rows = [json.loads(l) for l in open(sys.argv[2]) if l.strip()]
assert len(items) == len(rows) == 5
for i, r in zip(items, rows):
    assert list(i.items()) == list(r.items())[:len(i)], (i, r)
' "$T_TMP/list" "$T_TMP/rows"
code=$(req GET "/v1/transactions?limit=2&cursor=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["items"][2]["id"])' "$T_TMP/list")" "" "$S")
check "the cursor pages on: the two after the third, a cursor of its own ($code)" \
    [ "$code $(jget '[i["id"] for i in j["items"]] == [x["id"] for x in __import__("json").load(open("'"$T_TMP/list"'"))["items"][3:5]] and j["cursor"] == j["items"][1]["id"]')" = "200 True" ]
# A session over two wallets lists both, merged newest first; walletId
# narrows it to one; a wallet outside the session lists nothing.
req POST /v1/wallets '{"name":"evm2","chain":"ethereum","environment":"testnet"}' >/dev/null
W2=$(jget 'j["id"]'); S2="Authorization: Bearer $(jget 'j["session"]["token"]')"
"$CAST" send -q --rpc-url "$ANVIL_URL" --private-key "$ANVIL_KEY0" \
    "$(jget 'j["publicKey"]')" --value 1ether >/dev/null
req POST /v1/transactions/send "{\"network\":\"$NET\",\"to\":\"$ACC1\",\"amount\":\"7\"}" "$S2" >/dev/null
ID2=$(jget 'j["id"]')
S_SAVE=$S; S=$S2; wait_tx "$ID2" >/dev/null; S=$S_SAVE
req POST /v1/sessions "{\"walletIds\":[\"$W\",\"$W2\"]}" >/dev/null
SB="Authorization: Bearer $(jget 'j["token"]')"
req GET "/v1/transactions?limit=100" "" "$SB" >/dev/null
check "a session over two wallets lists both, newest first" \
    [ "$(jget '(lambda i: [len(set(t["walletId"] for t in i)), [t["id"] for t in i] == sorted([t["id"] for t in i], reverse=True), i[0]["id"]])(j["items"])')" = "[2, True, '$ID2']" ]
req GET "/v1/transactions?limit=100&walletId=$W2" "" "$SB" >/dev/null
check "... walletId narrows it to that wallet's one transaction" \
    [ "$(jget '[t["id"] for t in j["items"]]')" = "['$ID2']" ]
req GET "/v1/transactions?limit=1&cursor=$ID2" "" "$SB" >/dev/null
check "... the cursor pages across the two wallets" \
    [ "$(jget '[j["items"][0]["walletId"], j["hasMore"]]')" = "['$W', True]" ]
req GET "/v1/transactions?limit=100&walletId=$W" "" "$S2" >/dev/null
check "... a wallet outside the session lists nothing" \
    [ "$(jget 'len(j["items"])')" = 0 ]
code=$(req GET "/v1/transactions/$id" "" "$M")
check "a transaction is not visible with the master password alone (session route)" \
    [ "$code" = 401 ]
check "no sanitizer reports" no_sanitizer_reports
