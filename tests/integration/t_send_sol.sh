#!/bin/sh
# Solana transactions end to end: the real daemon against the litesvm
# JSON-RPC server (tests/node/svm_rpc.js, the real Solana runtime) as
# devnet.  A funded wallet sends SOL to a new account and an SPL token to a
# recipient without a token account (created in the same transaction);
# both reach CONFIRMED with exact balances, fees and rent included; an
# expired blockhash is rebuilt and re-signed once; the reads match.  A
# memo lands as a Memo program instruction of the same transaction.
. tests/integration/lib.sh

U() { echo "http://127.0.0.1:$PORT$1"; }
M="X-Master-Password: $WAIAAS_MASTER_PASSWORD"
SYS_PROG=11111111111111111111111111111111

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

# A memo: a Memo program instruction in the same signed transaction
# (issue 16).  Read back from the node (getTransaction): the wire bytes
# decoded here, and the program's own log that it ran.
MEMO_PROG=MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr
MEMO='pay r\u00e9f 7 \u2713 \"q\"\nend'
# landed SIG: "program:data-hex" of every instruction, then ok if the
# Memo program logged success.
landed() {
	rpc "$SVM_URL" getTransaction "[\"$1\",{\"encoding\":\"base64\"}]" | python3 -c '
import base64, json, sys
r = json.load(sys.stdin)["result"]
b = base64.b64decode(r["transaction"][0]); i = 0
def cu16():
    global i
    v = s = 0
    while True:
        c = b[i]; i += 1; v |= (c & 0x7f) << s; s += 7
        if c < 0x80: return v
A = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
def b58(k):
    n = int.from_bytes(k, "big"); s = ""
    while n: n, m = divmod(n, 58); s = A[m] + s
    return "1" * (len(k) - len(k.lstrip(b"\0"))) + s
n = cu16(); i += 64 * n + 3
keys = [b58(b[i + 32 * k:i + 32 * k + 32]) for k in range(cu16())]
i += 32 * len(keys) + 32
out = []
for _ in range(cu16()):
    p = keys[b[i]]; i += 1; n = cu16(); i += n; n = cu16()
    out.append(p + ":" + b[i:i + n].hex()); i += n
ok = any(l == "Program " + sys.argv[1] + " success" for l in r["meta"]["logMessages"])
print(" ".join(out) + (" ok" if ok else " no-log"))' "$MEMO_PROG"
}
memo_ix() { python3 -c 'import json,sys; print(sys.argv[2] + ":" + json.loads("\"" + sys.argv[1] + "\"").encode().hex())' "$1" "$MEMO_PROG"; }
TO5=$(newkey)
b0=$(sol_bal "$ADDR")
r=$(wait_tx "$(send "{\"to\":\"$TO5\",\"amount\":\"1000000\",\"memo\":\"$MEMO\"}")")
check "SOL TRANSFER with a memo reaches CONFIRMED" [ "$(st "$r" status)" = CONFIRMED ]
L=$(landed "$(st "$r" txHash 2>/dev/null)")
check "the landed transaction: the transfer, then the Memo instruction with the memo's UTF-8 bytes" \
    sh -c "set -- $L; [ \$# = 3 ] && [ \${1%%:*} = $SYS_PROG ] && [ \$2 = $(memo_ix "$MEMO") ] && [ \$3 = ok ]"
check "the recipient got exactly the amount; the wallet paid it and one fee" \
    sh -c "[ $(sol_bal "$TO5") = 1000000 ] && [ $(python3 -c "print($b0 - $(sol_bal "$ADDR"))") = 1005000 ]"
code=$(req POST /v1/transactions/simulate "{\"to\":\"$TO5\",\"amount\":\"1000000\",\"memo\":\"$MEMO\"}" "$S")
check "a dry run with a memo: success, the same one-signature fee" \
    [ "$code:$(jget 'j["success"], j["fee"]["estimatedFee"]')" = "200:True 5000" ]
check "the memo is not in the daemon's log" sh -c "! grep -q 'pay r' $LOG"
code=$(req POST /v1/transactions/send "{\"to\":\"$TO5\",\"amount\":\"1\",\"memo\":\"$(python3 -c 'print("m" * 257)')\"}" "$S")
check "a memo of 257 bytes: 400 naming memo" \
    sh -c "[ $code = 400 ] && grep -q '\"memo\"' $T_TMP/body"
code=$(req POST /v1/transactions/send "{\"to\":\"$TO5\",\"amount\":\"1\",\"memo\":[\"x\"]}" "$S")
check "a memo that is not a string: 400 naming memo" \
    sh -c "[ $code = 400 ] && grep -q '\"memo\"' $T_TMP/body"

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
# A memo on an SPL transfer to a new holder: create, transfer, memo.
TO6=$(newkey)
M256=$(python3 -c 'print("m" * 256)')
r=$(wait_tx "$(send "{\"type\":\"TOKEN_TRANSFER\",\"to\":\"$TO6\",\"amount\":\"10\",\"memo\":\"$M256\",\"token\":{\"address\":\"$MINT\",\"decimals\":6}}")")
L=$(landed "$(st "$r" txHash 2>/dev/null)")
check "SPL TOKEN_TRANSFER with a 256-byte memo: CONFIRMED, memo last and whole" \
    sh -c "set -- $L; [ $(st "$r" status) = CONFIRMED ] && [ \$# = 4 ] && [ \$3 = $(memo_ix "$M256") ] && [ \$4 = ok ] && [ $(tok_bal "$TO6" "$MINT") = 10 ]"
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
    sh -c "[ $code = 200 ] && [ \"$(jget 'j["balance"]')\" = 4998690 ] && [ \"$(jget 'j["decimals"]')\" = 6 ]"
code=$(req GET /v1/wallet/assets "" "$S")
check "GET /v1/wallet/assets lists SOL and the token" \
    sh -c "[ $code = 200 ] && [ \"$(jget '[(a["mint"], a["balance"]) for a in j["assets"] if not a["isNative"]]')\" = \"[('$MINT', '4998690')]\" ]"
for r in address balance assets; do
	code=$(req GET /v1/wallet/$r "" "$S")
	check "GET /v1/wallet/$r without network: every field the reference requires" \
	    sh -c "[ $code = 200 ] && python3 tests/integration/wallet_shape.py $r $T_TMP/body"
done
check "no sanitizer reports" no_sanitizer_reports
