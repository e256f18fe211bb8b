#!/bin/sh
# POST /v1/transactions/sign-message under policy: EIP-191 personal
# messages and EIP-712 typed data on EVM (verified by ethers), off-chain
# messages on Solana.  A token permit is judged as the approval it is
# (APPROVED_SPENDERS, the tiers of its value), an EIP-3009 authorization
# as the token transfer it is; typed data for a contract
# needs CONTRACT_WHITELIST; typed data for another chain is refused; a
# message that must wait is signed only after the owner approves it.
. tests/integration/lib.sh

NET=ethereum-sepolia
OWNER=0x70997970C51812dc3A010C7d01b50e0d17dc79C8
OWNER_KEY=0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d
SPENDER=0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC
TOKEN=0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48
MAIL=0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC
VERIFY="node_bin tests/integration/verify_sig.js"

start_daemon || cannot_run "daemon starts"
req POST /v1/wallets '{"name":"m","chain":"ethereum","environment":"testnet"}' >/dev/null
W=$(jget 'j["id"]')
ADDR=$(jget 'j["publicKey"]')
S="Authorization: Bearer $(jget 'j["session"]["token"]')"
sign() { req POST /v1/transactions/sign-message "$1" "$S"; }

code=$(sign "{\"network\":\"$NET\",\"message\":\"hello\"}")
check "without a policy: 403 POLICY_DENIED (default deny)" \
    sh -c "[ $code = 403 ] && grep -q POLICY_DENIED $T_TMP/body"
req POST /v1/policies "{\"walletId\":\"$W\",\"type\":\"SPENDING_LIMIT\",\"rules\":{\"instant_max\":\"1000\"}}" >/dev/null

code=$(sign "{\"network\":\"$NET\",\"message\":\"hello, agent\"}")
check "a personal message: 200 SIGNED" \
    sh -c "[ $code = 200 ] && [ \"$(jget 'j["status"]')\" = SIGNED ]"
SIG=$(jget 'j["signature"]')
ID=$(jget 'j["id"]')
check "ethers recovers the wallet's address from the signature" \
    [ "$($VERIFY personal 'hello, agent' "$SIG")" = "$ADDR" ]
req GET "/v1/transactions/$ID" "" "$S" >/dev/null
check "the request is recorded: SIGN_MESSAGE, SIGNED, with its signature" \
    sh -c "[ \"$(jget 'j["type"]')\" = SIGN_MESSAGE ] && [ \"$(jget 'j["signature"]')\" = $SIG ]"

mail() {	# mail CHAINID
	cat <<JSON
{"types":{"EIP712Domain":[{"name":"name","type":"string"},{"name":"version","type":"string"},{"name":"chainId","type":"uint256"},{"name":"verifyingContract","type":"address"}],
"Person":[{"name":"name","type":"string"},{"name":"wallet","type":"address"}],
"Mail":[{"name":"from","type":"Person"},{"name":"to","type":"Person"},{"name":"contents","type":"string"}]},
"primaryType":"Mail","domain":{"name":"Ether Mail","version":"1","chainId":$1,"verifyingContract":"$MAIL"},
"message":{"from":{"name":"Cow","wallet":"0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826"},"to":{"name":"Bob","wallet":"0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB"},"contents":"Hello, Bob!"}}
JSON
}
permit() {	# permit VALUE
	cat <<JSON
{"types":{"EIP712Domain":[{"name":"name","type":"string"},{"name":"version","type":"string"},{"name":"chainId","type":"uint256"},{"name":"verifyingContract","type":"address"}],
"Permit":[{"name":"owner","type":"address"},{"name":"spender","type":"address"},{"name":"value","type":"uint256"},{"name":"nonce","type":"uint256"},{"name":"deadline","type":"uint256"}]},
"primaryType":"Permit","domain":{"name":"USD Coin","version":"2","chainId":11155111,"verifyingContract":"$TOKEN"},
"message":{"owner":"$ADDR","spender":"$SPENDER","value":"$1","nonce":0,"deadline":"1900000000"}}
JSON
}
typed() { printf '{"network":"%s","signType":"typedData","typedData":%s}' "$NET" "$(echo "$1" | tr -d '\n')"; }
auth3009() {	# auth3009 CONTRACT VALUE: an EIP-3009 transfer authorization
	cat <<JSON
{"types":{"EIP712Domain":[{"name":"name","type":"string"},{"name":"version","type":"string"},{"name":"chainId","type":"uint256"},{"name":"verifyingContract","type":"address"}],
"TransferWithAuthorization":[{"name":"from","type":"address"},{"name":"to","type":"address"},{"name":"value","type":"uint256"},{"name":"validAfter","type":"uint256"},{"name":"validBefore","type":"uint256"},{"name":"nonce","type":"bytes32"}]},
"primaryType":"TransferWithAuthorization","domain":{"name":"USD Coin","version":"2","chainId":11155111,"verifyingContract":"$1"},
"message":{"from":"$ADDR","to":"$SPENDER","value":"$2","validAfter":"0","validBefore":"1900000000","nonce":"0x$(printf '%064d' 7)"}}
JSON
}

code=$(sign "$(typed "$(mail 11155111)")")
check "typed data for a contract not whitelisted: 403 CONTRACT_NOT_WHITELISTED" \
    sh -c "[ $code = 403 ] && grep -q CONTRACT_NOT_WHITELISTED $T_TMP/body"
req POST /v1/policies "{\"walletId\":\"$W\",\"type\":\"CONTRACT_WHITELIST\",\"rules\":{\"contracts\":[{\"address\":\"$MAIL\"}]}}" >/dev/null
code=$(sign "$(typed "$(mail 11155111)")")
rec=$($VERIFY typed "$(mail 11155111 | tr -d '\n')" "$(jget 'j["signature"]')")
check "listed: 200, and ethers verifies the EIP-712 signature" \
    [ "$code $rec" = "200 $ADDR" ]
code=$(sign "$(typed "$(mail 1)")")
check "typed data for another chain id: 400" \
    sh -c "[ $code = 400 ] && grep -q chainId $T_TMP/body"
code=$(sign "{\"network\":\"$NET\",\"signType\":\"typedData\",\"typedData\":{\"types\":{},\"primaryType\":\"X\",\"domain\":{},\"message\":{}}}")
check "malformed typed data: 400 with a reason" [ "$code" = 400 ]

# An EIP-3009 authorization moves the token: judged as its transfer, so
# a contract listed for calls does not let it through.
code=$(sign "$(typed "$(auth3009 "$MAIL" 5000000)")")
check "an EIP-3009 transfer authorization of a token not allowed: 403 TOKEN_NOT_ALLOWED, though its contract is whitelisted ($code)" \
    sh -c "[ $code = 403 ] && grep -q TOKEN_NOT_ALLOWED $T_TMP/body"
req POST /v1/policies "{\"walletId\":\"$W\",\"type\":\"ALLOWED_TOKENS\",\"rules\":{\"tokens\":[{\"address\":\"$MAIL\"}]}}" >/dev/null
code=$(sign "$(typed "$(auth3009 "$MAIL" 5000000)")")
check "allowed, but without a price: the owner must approve (QUEUED APPROVAL, $code)" \
    sh -c "[ $code = 201 ] && [ \"$(jget 'j["tier"]')\" = APPROVAL ]"
code=$(sign "$(typed "$(permit 5000000)")")
check "an EIP-2612 permit to a spender not approved: 403 SPENDER_NOT_APPROVED" \
    sh -c "[ $code = 403 ] && grep -q SPENDER_NOT_APPROVED $T_TMP/body"
req POST /v1/policies "{\"walletId\":\"$W\",\"type\":\"APPROVED_SPENDERS\",\"rules\":{\"spenders\":[{\"address\":\"$SPENDER\",\"maxAmount\":\"10000000\"}]}}" >/dev/null
code=$(sign "$(typed "$(permit 20000000)")")
check "a permit above the spender's maxAmount: 403" [ "$code" = 403 ]
code=$(sign "$(typed "$(permit 5000000)")")
P=$(jget 'j["id"]')
check "an approved spender, a token without a price: the owner must approve (QUEUED APPROVAL)" \
    sh -c "[ $code = 201 ] && [ \"$(jget 'j["tier"]')\" = APPROVAL ]"
req PUT "/v1/wallets/$W/owner" "{\"owner_address\":\"$OWNER\"}" >/dev/null
req GET "/v1/transactions/$P" "" "$S" >/dev/null
H=$(jget 'j["approval"]["intentHash"]')
check "its intent is the message's" sh -c "printf '%s' '$(jget 'j["approval"]["intent"]')' | grep -q 'message sha256'"
http_code "http://127.0.0.1:$PORT/v1/nonce?action=tx.approve&target=$P" >/dev/null
out=$(node_bin tests/integration/sign_owner.js "{\"domain\": \"127.0.0.1:$PORT\",
    \"chain\": \"evm\", \"key\": \"$OWNER_KEY\", \"nonce\": \"$(jget 'j["nonce"]')\",
    \"resources\": [\"urn:waiaas:action:tx.approve:$P\", \"urn:waiaas:intent:$H\"]}")
code=$(http_code -X POST -H "X-Owner-Address: $(echo "$out" | sed -n 1p)" \
    -H "X-Owner-Message: $(echo "$out" | sed -n 2p)" \
    -H "X-Owner-Signature: $(echo "$out" | sed -n 3p)" \
    "http://127.0.0.1:$PORT/v1/transactions/$P/approve")
n=0
while [ $n -lt 50 ]; do
	req GET "/v1/transactions/$P" "" "$S" >/dev/null
	[ "$(jget 'j["status"]')" = SIGNED ] && break
	sleep 0.1; n=$((n + 1))
done
rec=$($VERIFY typed "$(permit 5000000 | tr -d '\n')" "$(jget 'j["signature"]')")
check "the owner approves: the permit is signed, and ethers verifies it" \
    [ "$code $(jget 'j["status"]') $rec" = "200 SIGNED $ADDR" ]

# Solana: the off-chain message format, never a transaction.
req POST /v1/wallets '{"name":"s","chain":"solana","environment":"testnet"}' >/dev/null
SW=$(jget 'j["id"]')
SS="Authorization: Bearer $(jget 'j["session"]["token"]')"
req POST /v1/policies "{\"walletId\":\"$SW\",\"type\":\"SPENDING_LIMIT\",\"rules\":{\"instant_max\":\"1000\"}}" >/dev/null
code=$(req POST /v1/transactions/sign-message '{"network":"devnet","message":"hello, solana"}' "$SS")
check "Solana personal message: 200 with a 64-byte signature" \
    sh -c "[ $code = 200 ] && [ \"$(jget 'len(j["signature"])')\" -ge 86 ]"
code=$(req POST /v1/transactions/sign-message "$(typed "$(mail 1)" | sed 's/ethereum-sepolia/devnet/')" "$SS")
check "typed data on Solana: 400" [ "$code" = 400 ]

req POST /v1/admin/kill-switch >/dev/null
code=$(sign "{\"network\":\"$NET\",\"message\":\"x\"}")
check "the kill switch stops message signing too" \
    sh -c "[ $code = 409 ] || [ $code = 401 ]"
check "no sanitizer reports" no_sanitizer_reports
