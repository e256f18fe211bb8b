#!/bin/sh
# POST /v1/transactions/sign on the Solana test node (litesvm behind
# tests/node/svm_rpc.js, as devnet): unsigned transactions compiled by
# @solana/kit (tests/integration/sol_tx.js) are decoded, judged as the
# send they amount to (a SOL transfer, an SPL TransferChecked, a program
# call), signed with the wallet's key and answered in base64, recorded
# SIGNED and audited, never broadcast; the test submits them itself and
# they land.  A policy that denies signs nothing; another fee payer,
# another signer, malformed bytes, trailing bytes and what the daemon
# does not sign are 400s and record nothing.
. tests/integration/lib.sh

need_node_modules litesvm @solana/kit @solana-program/system \
    @solana-program/token || exit 0
SOLTX="node_bin tests/integration/sol_tx.js"
MEMO=MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr

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
# submit SIGNED: sendTransaction by the test; prints the signature (or
# the error), then whether it landed without error
submit() {
	rpc "$SVM_URL" sendTransaction "[\"$1\",{\"encoding\":\"base64\"}]" |
	    python3 -c 'import json,sys; j=json.load(sys.stdin); print(j.get("result") or j.get("error"))'
}
landed() {
	res getSignatureStatuses "[[\"$1\"]]" 'r["value"][0] is not None and r["value"][0]["err"] is None'
}

start_svm || cannot_run "litesvm starts"
MINT=$(res waiaas_createMint "[{\"decimals\":6,\"mintAuthority\":\"$(newkey)\"}]" r)
WAIAAS_RPC_SOLANA_DEVNET=$SVM_URL WAIAAS_RPC_POLL_INTERVAL_MS=100 \
WAIAAS_SECURITY_PRICE_STATIC="SOL=150;devnet:$MINT@6=1" \
    start_daemon || cannot_run "daemon starts with a Solana RPC URL"

req POST /v1/wallets '{"name":"dapp","chain":"solana","environment":"testnet"}' >/dev/null
W=$(jget 'j["id"]')
ADDR=$(jget 'j["publicKey"]')
S="Authorization: Bearer $(jget 'j["session"]["token"]')"
rpc "$SVM_URL" requestAirdrop "[\"$ADDR\",5000000000]" >/dev/null
rpc "$SVM_URL" waiaas_mintTo "[{\"mint\":\"$MINT\",\"owner\":\"$ADDR\",\"amount\":5000000}]" >/dev/null
BH=$(res getLatestBlockhash '[]' 'r["value"]["blockhash"]')

# utx FEEPAYER IXS: an unsigned transaction, base64
utx() { $SOLTX unsigned "{\"feePayer\":\"$1\",\"blockhash\":\"$BH\",\"ixs\":$2}"; }
xfer() { echo "{\"kind\":\"transfer\",\"from\":\"$1\",\"to\":\"$2\",\"lamports\":$3}"; }
sgn() { req POST /v1/transactions/sign "{\"transaction\":\"$1\"}" "$S"; }
ntx() { req GET "/v1/transactions?limit=100" "" "$S" >/dev/null; jget 'len(j["items"])'; }
pj() { printf '%s' "$P" | python3 -c "import json,sys; j=json.load(sys.stdin); print($1)"; }
# same_msg UNSIGNED SIGNED: the wallet alone signed, and what it signed
# is the message the dApp gave
same_msg() {
	a=$($SOLTX parse "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["message"])')
	$SOLTX parse "$2" | python3 -c 'import json,sys
j = json.load(sys.stdin)
sys.exit(0 if j["signers"] == ["'"$ADDR"'"] and j["signed"] == [True] and j["message"] == "'"$a"'" else 1)'
}

TO=$(newkey)
U1=$(utx "$ADDR" "[$(xfer "$ADDR" "$TO" 1000000)]")
code=$(sgn "$U1")
check "without a policy: 403 POLICY_DENIED (default deny), nothing recorded" \
    [ "$code $(jget 'j["code"], "signedTransaction" in j') $(ntx)" = "403 POLICY_DENIED False 0" ]

# Native thresholds judge SOL; a token is valued in USD (the mint at 1
# USD, SOL at 150), else it would wait for APPROVAL, which sign-only
# refuses.
req POST /v1/policies "{\"walletId\":\"$W\",\"type\":\"SPENDING_LIMIT\",\"rules\":{\"instant_max\":\"10000000\",\"notify_max\":\"20000000\",\"delay_max\":\"1000000000\",\"instant_max_usd\":10,\"notify_max_usd\":20,\"delay_max_usd\":1000,\"delay_seconds\":60}}" >/dev/null
code=$(sgn "$U1")
ID=$(jget 'j["id"]')
SIGNED=$(jget 'j["signedTransaction"]')
HASH=$(jget 'j["txHash"]')
check "a SOL transfer: 200, a TRANSFER of its lamports to its recipient, INSTANT" \
    [ "$code $(jget 'j["operations"][0]["type"], j["operations"][0]["to"], j["operations"][0]["amount"], j["policyResult"]["tier"]')" = "200 TRANSFER $TO 1000000 INSTANT" ]
P=$($SOLTX parse "$SIGNED")
M1=$($SOLTX parse "$U1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["message"])')
check "signed by the wallet alone, as fee payer; the message is the one given" \
    [ "$(pj 'j["signers"], j["signed"], j["message"] == "'"$M1"'"')" = "['$ADDR'] [True] True" ]
check "txHash is the signature (base58), the transaction's id" \
    [ "$(printf '%s' "$SIGNED" | python3 -c 'import base64,sys
a = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
b = base64.b64decode(sys.stdin.read())[1:65]; n = int.from_bytes(b, "big"); s = ""
while n: n, r = divmod(n, 58); s = a[r] + s
print("1" * (len(b) - len(b.lstrip(b"\0"))) + s)')" = "$HASH" ]
req GET "/v1/transactions/$ID" "" "$S" >/dev/null
check "recorded: TRANSFER, SIGNED, its signature, visible in GET" \
    [ "$(jget 'j["type"], j["status"], j["txHash"], j["amount"], j["chain"]')" = "TRANSFER SIGNED $HASH 1000000 solana" ]
req GET "/v1/audit-logs?limit=50" >/dev/null
check "audited: TX_REQUESTED, then TX_SIGNED not broadcast" \
    [ "$(jget '" ".join(e["event"] + ":" + str(e["details"].get("broadcast")) for e in reversed(j["data"]) if e["target"] == "'"$ID"'")')" = "TX_REQUESTED:None TX_SIGNED:False" ]
sleep 1
check "never broadcast: the node has no such signature, the recipient nothing" \
    [ "$(res getSignatureStatuses "[[\"$HASH\"]]" 'r["value"][0]') $(sol_bal "$TO")" = "None 0" ]
check "submitted by the test, it lands: the recipient has the lamports" \
    [ "$(submit "$SIGNED") $(landed "$HASH") $(sol_bal "$TO")" = "$HASH True 1000000" ]

# A transfer with a memo after it.
TO2=$(newkey)
code=$(sgn "$(utx "$ADDR" "[$(xfer "$ADDR" "$TO2" 2000000),{\"kind\":\"memo\",\"text\":\"order 42\"}]")")
SG=$(jget 'j["signedTransaction"]')
H=$(jget 'j["txHash"]')
check "a transfer and a memo: 200 TRANSFER; submitted, it lands with the memo" \
    [ "$code $(jget 'j["operations"][0]["type"]') $(submit "$SG") $(landed "$H") $(res getTransaction "[\"$H\",{\"encoding\":\"base64\"}]" '"order 42" in " ".join(r["meta"]["logMessages"])')" = "200 TRANSFER $H True True" ]

# Tiers: sign-only answers at once, and refuses what must wait.
n0=$(ntx)
code=$(sgn "$(utx "$ADDR" "[$(xfer "$ADDR" "$TO" 500000000)]")")
check "a DELAY-tier amount: 403 POLICY_DENIED at once, nothing recorded" \
    [ "$code $(jget 'j["code"], "DELAY tier" in j["message"]') $(ntx)" = "403 POLICY_DENIED True $n0" ]
code=$(sgn "$(utx "$ADDR" "[$(xfer "$ADDR" "$TO" 15000000)]")")
check "a NOTIFY-tier amount: signed, tier NOTIFY" \
    [ "$code $(jget 'j["policyResult"]["tier"]')" = "200 NOTIFY" ]

# SPL tokens: TransferChecked, after creating the recipient's account.
R=$(newkey)
TOK="[{\"kind\":\"createAta\",\"payer\":\"$ADDR\",\"owner\":\"$R\",\"mint\":\"$MINT\"},{\"kind\":\"transferChecked\",\"authority\":\"$ADDR\",\"mint\":\"$MINT\",\"toOwner\":\"$R\",\"amount\":250000,\"decimals\":6}]"
n0=$(ntx)
code=$(sgn "$(utx "$ADDR" "$TOK")")
check "a token transfer without ALLOWED_TOKENS: 403 TOKEN_NOT_ALLOWED, nothing signed" \
    [ "$code $(jget 'j["code"], "signedTransaction" in j') $(ntx)" = "403 TOKEN_NOT_ALLOWED False $n0" ]
req POST /v1/policies "{\"walletId\":\"$W\",\"type\":\"ALLOWED_TOKENS\",\"rules\":{\"tokens\":[{\"address\":\"$MINT\"}]}}" >/dev/null
UT=$(utx "$ADDR" "$TOK")
code=$(sgn "$UT")
SG=$(jget 'j["signedTransaction"]')
H=$(jget 'j["txHash"]')
check "... signed as given: the wallet's signature over the dApp's message" \
    same_msg "$UT" "$SG"
check "allowed: 200, a TOKEN_TRANSFER of 250000 of the mint to the owner" \
    [ "$code $(jget 'j["operations"][0]["type"], j["operations"][0]["to"], j["operations"][0]["amount"], j["operations"][0]["token"]')" = "200 TOKEN_TRANSFER $R 250000 $MINT" ]
check "submitted, it lands: the recipient's new account holds 250000" \
    [ "$(submit "$SG") $(landed "$H") $(tok_bal "$R" "$MINT")" = "$H True 250000" ]
# To the existing account, without creating it: judged to that account.
code=$(sgn "$(utx "$ADDR" "[{\"kind\":\"transferChecked\",\"authority\":\"$ADDR\",\"mint\":\"$MINT\",\"toOwner\":\"$R\",\"amount\":100,\"decimals\":6}]")")
SG=$(jget 'j["signedTransaction"]')
H=$(jget 'j["txHash"]')
DST=$(jget 'j["operations"][0]["to"]')
ATA=$(res getTokenAccountsByOwner "[\"$R\",{\"mint\":\"$MINT\"},{\"encoding\":\"jsonParsed\"}]" 'r["value"][0]["pubkey"]')
check "TransferChecked alone: a TOKEN_TRANSFER to the token account; it lands" \
    [ "$code $DST $(submit "$SG") $(landed "$H") $(tok_bal "$R" "$MINT")" = "200 $ATA $H True 250100" ]

# Another program: a CONTRACT_CALL, CONTRACT_WHITELIST decides.
CALL="[{\"kind\":\"raw\",\"program\":\"$MEMO\",\"data\":\"$(printf 'signed only' | base64)\",\"accounts\":[{\"pubkey\":\"$ADDR\",\"signer\":true,\"writable\":false}]}]"
code=$(sgn "$(utx "$ADDR" "$CALL")")
check "a Memo program call without CONTRACT_WHITELIST: 403 CONTRACT_NOT_WHITELISTED" \
    [ "$code $(jget 'j["code"], "signedTransaction" in j')" = "403 CONTRACT_NOT_WHITELISTED False" ]
req POST /v1/policies "{\"walletId\":\"$W\",\"type\":\"CONTRACT_WHITELIST\",\"rules\":{\"contracts\":[{\"address\":\"$MEMO\"}]}}" >/dev/null
code=$(sgn "$(utx "$ADDR" "$CALL")")
SG=$(jget 'j["signedTransaction"]')
H=$(jget 'j["txHash"]')
check "whitelisted: 200, a CONTRACT_CALL naming its program; it lands" \
    [ "$code $(jget 'j["operations"][0]["type"], j["operations"][0]["programId"]') $(submit "$SG") $(landed "$H")" = "200 CONTRACT_CALL $MEMO $H True" ]

# What is not a transaction this daemon signs: 400, nothing recorded.
n0=$(ntx)
inv() { sh -c "[ $1 = 400 ] && grep -q INVALID_TRANSACTION $T_TMP/body"; }
OTHER=$(newkey)
code=$(sgn "$(utx "$OTHER" "[$(xfer "$ADDR" "$TO" 1000)]")")
check "another fee payer (the wallet a second signer): 400 INVALID_TRANSACTION" inv "$code"
code=$(sgn "$(utx "$OTHER" "[$(xfer "$OTHER" "$TO" 1000)]")")
check "the wallet not a signer at all: 400 WALLET_NOT_SIGNER" \
    [ "$code $(jget 'j["code"]')" = "400 WALLET_NOT_SIGNER" ]
code=$(sgn "$(printf '%s' "$U1" | python3 -c 'import base64,sys; print(base64.b64encode(base64.b64decode(sys.stdin.read()) + b"\0").decode())')")
check "a byte after the message: 400 INVALID_TRANSACTION" inv "$code"
code=$(sgn "$(printf '%s' "$U1" | python3 -c 'import base64,sys; print(base64.b64encode(base64.b64decode(sys.stdin.read())[:-1]).decode())')")
check "the last byte cut (malformed): 400 INVALID_TRANSACTION" inv "$code"
code=$(sgn "not base64!")
check "not base64: 400 INVALID_TRANSACTION" inv "$code"
code=$(sgn "$SIGNED")
check "an already signed transaction: 400 INVALID_TRANSACTION" inv "$code"
code=$(sgn "$(utx "$ADDR" "[$(xfer "$ADDR" "$TO" 1000),$(xfer "$ADDR" "$TO2" 1000)]")")
check "two transfers in one: 400 INVALID_TRANSACTION" inv "$code"
code=$(sgn "$(utx "$ADDR" "[{\"kind\":\"raw\",\"program\":\"11111111111111111111111111111111\",\"data\":\"AQAAAA==\",\"accounts\":[{\"pubkey\":\"$ADDR\",\"signer\":true,\"writable\":true}]}]")")
check "a system instruction other than a transfer: 400 INVALID_TRANSACTION" inv "$code"
# What is judged is what is signed: the header made to mark the recipient
# read-only still decodes as the same transfer, but it is not the message
# the daemon compiles from that transfer, so nothing is signed.
code=$(sgn "$(printf '%s' "$U1" | python3 -c 'import base64,sys
b = bytearray(base64.b64decode(sys.stdin.read()))
assert b[0] == 1 and b[65:68] == bytes([1, 0, 1])
b[67] = 2
print(base64.b64encode(b).decode())')")
check "a message other than the one compiled from what it does: 400" \
    sh -c "[ $code = 400 ] && grep -q 'not the one this daemon compiles' $T_TMP/body"
check "none of these is recorded" [ "$(ntx)" = "$n0" ]

req POST /v1/admin/kill-switch >/dev/null
code=$(sgn "$U1")
check "the kill switch stops sign-only too" \
    sh -c "[ $code = 409 ] || [ $code = 401 ]"
check "no sanitizer reports" no_sanitizer_reports
