#!/bin/sh
# Solana transactions end to end: the real daemon against the litesvm
# JSON-RPC server (tests/node/svm_rpc.js, the real Solana runtime) as
# devnet.  A funded wallet sends SOL to a new account and an SPL token to a
# recipient without a token account (created in the same transaction);
# both reach CONFIRMED with exact balances, fees and rent included; an
# expired blockhash is rebuilt and re-signed once; the reads match.
. tests/integration/lib.sh

U() { echo "http://127.0.0.1:$PORT$1"; }
M="X-Master-Password: $WAIAAS_MASTER_PASSWORD"

st() { printf '%s' "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["'"$2"'"])'; }
res() {	# res METHOD PARAMS EXPR: a field of a JSON-RPC result
	rpc "$SVM_URL" "$1" "$2" | python3 -c "import json,sys; r=json.load(sys.stdin)['result']; print($3)"
}
sol_bal() { res getBalance "[\"$1\"]" 'r["value"]'; }
tok_bal() {	# tok_bal OWNER MINT: the owner's token amount (0 if none)
	res getTokenAccountsByOwner "[\"$1\",{\"mint\":\"$2\"},{\"encoding\":\"jsonParsed\"}]" \
	    'sum(int(a["account"]["data"]["parsed"]["info"]["tokenAmount"]["amount"]) for a in r["value"])'
}
newkey() {	# a random 32-byte address in base58
	python3 -c 'import os
a = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
b = os.urandom(32); n = int.from_bytes(b, "big"); s = ""
while n: n, r = divmod(n, 58); s = a[r] + s
print("1" * (len(b) - len(b.lstrip(b"\0"))) + s)'
}

start_svm
# Through the fault proxy, to expire a blockhash at the worst moment.
start_proxy "$SVM_URL"
# The mint first: the static price table names it (token transfers are
# valued in USD; without a price they would wait for the owner).
MINT=$(res waiaas_createMint "[{\"decimals\":6,\"mintAuthority\":\"$(newkey)\"}]" r)
WAIAAS_RPC_SOLANA_DEVNET=$PROXY WAIAAS_RPC_POLL_INTERVAL_MS=100 \
WAIAAS_SECURITY_PRICE_STATIC="SOL=150;devnet:$MINT@6=1" \
    start_daemon || cannot_run "daemon starts with a Solana RPC URL"

req POST /v1/wallets '{"name":"sol","chain":"solana","environment":"testnet"}' >/dev/null
W=$(jget 'j["id"]')
ADDR=$(jget 'j["publicKey"]')
S="Authorization: Bearer $(jget 'j["session"]["token"]')"
rpc "$SVM_URL" requestAirdrop "[\"$ADDR\",5000000000]" >/dev/null
rpc "$SVM_URL" waiaas_mintTo "[{\"mint\":\"$MINT\",\"owner\":\"$ADDR\",\"amount\":5000000}]" >/dev/null
req POST /v1/policies '{"type":"SPENDING_LIMIT","rules":{"instant_max":"2000000000","instant_max_usd":1000000}}' >/dev/null
req POST /v1/policies "{\"walletId\":\"$W\",\"type\":\"ALLOWED_TOKENS\",\"rules\":{\"tokens\":[{\"address\":\"$MINT\"}]}}" >/dev/null

# SOL to a new account
TO=$(newkey)
b0=$(sol_bal "$ADDR")
id=$(send "{\"to\":\"$TO\",\"amount\":\"1000000\"}")
r=$(wait_tx "$id")
check "SOL TRANSFER reaches CONFIRMED" [ "$(st "$r" status)" = CONFIRMED ]
check "the recipient has exactly the amount" [ "$(sol_bal "$TO")" = 1000000 ]
check "the wallet paid the amount and one 5000-lamport fee" \
    [ "$(python3 -c "print($b0 - $(sol_bal "$ADDR"))")" = 1005000 ]
check "txHash is the transaction's signature on chain" \
    [ "$(res getSignatureStatuses "[[\"$(st "$r" txHash)\"]]" 'r["value"][0]["err"]')" = None ]

# Dry runs read the balance: exactly enough (amount and the fee) passes,
# one lamport less is INSUFFICIENT_BALANCE and not a success.
b=$(sol_bal "$ADDR")
code=$(req POST /v1/transactions/simulate "{\"to\":\"$(newkey)\",\"amount\":\"$((b - 5000))\"}" "$S")
check "simulate all but the fee: success, no balance warning" \
    [ "$code:$(jget 'j["success"], any(w["code"] == "INSUFFICIENT_BALANCE" for w in j["warnings"])')" = "200:True False" ]
code=$(req POST /v1/transactions/simulate "{\"to\":\"$(newkey)\",\"amount\":\"$((b - 4999))\"}" "$S")
check "simulate one lamport more: INSUFFICIENT_BALANCE, success false" \
    [ "$code:$(jget 'j["success"], any(w["code"] == "INSUFFICIENT_BALANCE" and w["message"].startswith("the wallet holds %d " % '"$b"') for w in j["warnings"])')" = "200:False True" ]

# SPL to a recipient without a token account
TO2=$(newkey)
b0=$(sol_bal "$ADDR")
id=$(send "{\"type\":\"TOKEN_TRANSFER\",\"to\":\"$TO2\",\"amount\":\"1234\",\"token\":{\"address\":\"$MINT\",\"decimals\":6,\"symbol\":\"TST\"}}")
r=$(wait_tx "$id")
check "SPL TOKEN_TRANSFER to a new holder reaches CONFIRMED" [ "$(st "$r" status)" = CONFIRMED ]
check "the recipient's new token account holds exactly the amount" \
    [ "$(tok_bal "$TO2" "$MINT")" = 1234 ]
check "the wallet's token balance fell by exactly the amount" \
    [ "$(tok_bal "$ADDR" "$MINT")" = 4998766 ]
check "the wallet paid the fee and the new account's rent (2039280)" \
    [ "$(python3 -c "print($b0 - $(sol_bal "$ADDR"))")" = 2044280 ]
# again: the account exists now
id=$(send "{\"type\":\"TOKEN_TRANSFER\",\"to\":\"$TO2\",\"amount\":\"66\",\"token\":{\"address\":\"$MINT\",\"decimals\":6}}")
r=$(wait_tx "$id")
check "a second SPL transfer to the same holder confirms" \
    sh -c "[ $(st "$r" status) = CONFIRMED ] && [ $(tok_bal "$TO2" "$MINT") = 1300 ]"
id=$(send "{\"type\":\"TOKEN_TRANSFER\",\"to\":\"$TO2\",\"amount\":\"1\",\"token\":{\"address\":\"$MINT\",\"decimals\":9}}")
r=$(wait_tx "$id")
check "token.decimals that differ from the mint's: FAILED, nothing sent" \
    sh -c "[ $(st "$r" status) = FAILED ] && [ $(tok_bal "$TO2" "$MINT") = 1300 ]"

# CONTRACT_CALL: one instruction from program id, accounts and data --
# here the System program's transfer, so the effect is easy to see.
SYS=11111111111111111111111111111111
TO4=$(newkey)
DATA=$(python3 -c 'import base64, struct; print(base64.b64encode(struct.pack("<IQ", 2, 3000000)).decode())')
CALL="{\"type\":\"CONTRACT_CALL\",\"programId\":\"$SYS\",\"instructionData\":\"$DATA\",\"accounts\":[{\"pubkey\":\"$ADDR\",\"isSigner\":true,\"isWritable\":true},{\"pubkey\":\"$TO4\",\"isSigner\":false,\"isWritable\":true}]}"
code=$(req POST /v1/transactions/send "$CALL" "$S")
check "a program not whitelisted: 403 CONTRACT_NOT_WHITELISTED" \
    sh -c "[ $code = 403 ] && grep -q CONTRACT_NOT_WHITELISTED $T_TMP/body"
req POST /v1/policies "{\"walletId\":\"$W\",\"type\":\"CONTRACT_WHITELIST\",\"rules\":{\"contracts\":[{\"address\":\"$SYS\",\"chain\":\"solana\"}]}}" >/dev/null
r=$(wait_tx "$(send "$CALL")")
check "CONTRACT_CALL (program, accounts, data) reaches CONFIRMED" \
    sh -c "[ $(st "$r" status) = CONFIRMED ] && [ $(sol_bal "$TO4") = 3000000 ]"
code=$(req POST /v1/transactions/send "$(printf '%s' "$CALL" | sed "s/\"isSigner\":false/\"isSigner\":true/")" "$S")
check "an account other than the wallet marked as signer: 400" \
    sh -c "[ $code = 400 ] && grep -q 'only the wallet' $T_TMP/body"

# The blockhash expires between signing and sending: the daemon rebuilds
# and re-signs once; the new transaction lands and the old one never can.
curl -s -X POST "$PROXY/__reset" >/dev/null
curl -s -X POST --data-binary '{"mode":"before","call":{"method":"waiaas_expireBlockhash"},"count":1,"methods":["sendTransaction"]}' \
    "$PROXY/__fault" >/dev/null
TO3=$(newkey)
id=$(send "{\"to\":\"$TO3\",\"amount\":\"2000000\"}")
r=$(wait_tx "$id")
check "an expired blockhash: rebuilt, re-signed, CONFIRMED" \
    [ "$(st "$r" status)" = CONFIRMED ]
check "two different transactions went out, and the recipient was paid once" \
    sh -c "[ \"\$(curl -s $PROXY/__stats | python3 -c 'import json,sys; b=json.load(sys.stdin)[\"broadcasts\"]; print(len(set(map(str, b))))')\" = 2 ] && [ $(sol_bal "$TO3") = 2000000 ]"

# reads
code=$(req GET /v1/wallet/balance "" "$S")
check "GET /v1/wallet/balance is the chain's lamports" \
    sh -c "[ $code = 200 ] && [ \"$(jget 'j["balance"]')\" = \"$(sol_bal "$ADDR")\" ] && [ \"$(jget 'j["symbol"]')\" = SOL ] && [ \"$(jget 'j["network"]')\" = devnet ]"
code=$(req GET "/v1/wallet/balance?token=$MINT" "" "$S")
check "with token=: the SPL balance and the mint's decimals" \
    sh -c "[ $code = 200 ] && [ \"$(jget 'j["balance"]')\" = 4998700 ] && [ \"$(jget 'j["decimals"]')\" = 6 ]"
code=$(req GET /v1/wallet/assets "" "$S")
check "GET /v1/wallet/assets lists SOL and the token" \
    sh -c "[ $code = 200 ] && [ \"$(jget '[(a["mint"], a["balance"]) for a in j["assets"] if not a["isNative"]]')\" = \"[('$MINT', '4998700')]\" ]"
check "no sanitizer reports" no_sanitizer_reports
