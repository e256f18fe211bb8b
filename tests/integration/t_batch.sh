#!/bin/sh
# BATCH (issue 21) on the Solana test node (litesvm as devnet): 2 to 20
# instructions, one policy decision on the whole batch, one transaction
# row with its instructions, one Solana transaction (one signature).
# A batch of two SOL transfers (one as humanAmount) and an SPL transfer
# to an owner without a token account reaches CONFIRMED with every
# balance moved exactly (amounts, the one fee, the token account's
# rent); an instruction that a policy denies denies the whole batch
# (nothing signed, nothing moved, TX_DENIED audited); parts each under
# the instant limit whose total is over it take the higher tier; 1 and 21
# instructions, and malformed instructions, are 400s naming the field;
# an EVM wallet's batch is BATCH_NOT_SUPPORTED; the audit entry names
# the batch and its count.  GET /v1/transactions/{id}'s shape is
# t_conform's (conform.js sends a batch too); send_batch is t_mcp's.
. tests/integration/lib.sh

st() { printf '%s' "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["'"$2"'"])'; }
jf() { printf '%s' "$1" | python3 -c 'import json,sys; j=json.load(sys.stdin); print('"$2"')'; }
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
ntx() { req GET "/v1/transactions?limit=100" "" "$S" >/dev/null; jget 'len(j["items"])'; }
# refused DESC BODY CODE PATH: a 400 with CODE whose first issue is PATH
refused() {
	code=$(req POST /v1/transactions/send "$2" "$S")
	check "$1: $3 naming $4 ($code)" \
	    [ "$code $(jget 'j["code"]') $(jget '(j.get("details") or {}).get("issues", [{"path": ["-"]}])[0]["path"][0]')" = "400 $3 $4" ]
}

start_svm
MINT=$(res waiaas_createMint "[{\"decimals\":6,\"mintAuthority\":\"$(newkey)\"}]" r)
WAIAAS_RPC_SOLANA_DEVNET=$SVM_URL WAIAAS_RPC_POLL_INTERVAL_MS=100 \
WAIAAS_SECURITY_PRICE_STATIC="SOL=150;devnet:$MINT@6=1" \
    start_daemon || cannot_run "daemon starts with a Solana RPC URL"

req POST /v1/wallets '{"name":"sol","chain":"solana","environment":"testnet"}' >/dev/null
W=$(jget 'j["id"]')
ADDR=$(jget 'j["publicKey"]')
S="Authorization: Bearer $(jget 'j["session"]["token"]')"
rpc "$SVM_URL" requestAirdrop "[\"$ADDR\",10000000000]" >/dev/null
rpc "$SVM_URL" waiaas_mintTo "[{\"mint\":\"$MINT\",\"owner\":\"$ADDR\",\"amount\":5000000}]" >/dev/null
A=$(newkey) B=$(newkey) C=$(newkey) D=$(newkey) E=$(newkey) F=$(newkey)
# instant up to 0.002 SOL, notify up to 1 SOL, delay up to 2; recipients
# listed, D not; the mint allowed.
req POST /v1/policies "{\"walletId\":\"$W\",\"type\":\"SPENDING_LIMIT\",\"rules\":{\"instant_max\":\"2000000\",\"notify_max\":\"1000000000\",\"delay_max\":\"2000000000\",\"instant_max_usd\":1000000,\"notify_max_usd\":2000000}}" >/dev/null
req POST /v1/policies "{\"walletId\":\"$W\",\"type\":\"WHITELIST\",\"rules\":{\"allowed_addresses\":[\"$A\",\"$B\",\"$C\",\"$E\",\"$F\"]}}" >/dev/null
req POST /v1/policies "{\"walletId\":\"$W\",\"type\":\"ALLOWED_TOKENS\",\"rules\":{\"tokens\":[{\"address\":\"$MINT\"}]}}" >/dev/null

# 1. Allowed: 0.001 SOL to A, 0.0009 SOL (humanAmount) to B, 0.25 of
# the token to C (no token account yet: created in the same transaction).
b0=$(sol_bal "$ADDR")
t0=$(tok_bal "$ADDR" "$MINT")
code=$(req POST /v1/transactions/send "{\"type\":\"BATCH\",\"instructions\":[{\"to\":\"$A\",\"amount\":\"1000000\"},{\"type\":\"TRANSFER\",\"to\":\"$B\",\"humanAmount\":\"0.0009\"},{\"to\":\"$C\",\"amount\":\"250000\",\"token\":{\"address\":\"$MINT\",\"decimals\":6,\"symbol\":\"TST\"}}]}" "$S")
ans=$(cat "$T_TMP/body")
check "a batch the policies allow: 201, tier INSTANT (total 1900000 under 2000000) ($code)" \
    [ "$code $(st "$ans" tier)" = "201 INSTANT" ]
id=$(st "$ans" id)
r=$(wait_tx "$id")
echo "# $r"
check "... it reaches CONFIRMED" [ "$(st "$r" status)" = CONFIRMED ]
check "... one row: type BATCH, amount the native total, no one recipient, atomic" \
    [ "$(jf "$r" '(j["type"], j["amount"], j["toAddress"], j["atomic"])')" = "('BATCH', '1900000', None, True)" ]
check "... its instructions recorded, each typed, humanAmount in lamports" \
    [ "$(jf "$r" '[(i["type"], i["amount"]) for i in j["instructions"]]')" = "[('TRANSFER', '1000000'), ('TRANSFER', '900000'), ('TOKEN_TRANSFER', '250000')]" ]
check "... A got exactly 1000000 lamports, B 900000" \
    [ "$(sol_bal "$A") $(sol_bal "$B")" = "1000000 900000" ]
check "... C got exactly 250000 of the token" [ "$(tok_bal "$C" "$MINT")" = 250000 ]
check "... the wallet's token balance fell by exactly that" \
    [ "$(python3 -c "print($t0 - $(tok_bal "$ADDR" "$MINT"))")" = 250000 ]
check "... the wallet paid 1900000, ONE 5000-lamport fee and C's token account rent (2039280)" \
    [ "$(python3 -c "print($b0 - $(sol_bal "$ADDR"))")" = $((1900000 + 5000 + 2039280)) ]
check "... one transaction on chain with one signature: txHash, status without error" \
    [ "$(res getSignatureStatuses "[[\"$(st "$r" txHash)\"]]" 'r["value"][0]["err"]')" = None ]
check "... the landed transaction holds every instruction (2 transfers, create-ATA, TransferChecked)" \
    [ "$(rpc "$SVM_URL" getTransaction "[\"$(st "$r" txHash)\",{\"encoding\":\"json\"}]" | python3 -c 'import json,sys; t=json.load(sys.stdin)["result"]["transaction"]; print(len(t["signatures"]), len(t["message"]["instructions"]))')" = "1 4" ]

# The audit entry: TX_REQUESTED of the batch, with its count and total.
req GET "/v1/audit-logs?limit=100" >/dev/null
check "audit: TX_REQUESTED of type BATCH, 3 instructions, amount 1900000" \
    [ "$(jget "[(e['details']['type'], e['details']['instructions'], e['details']['amount']) for e in j['data'] if e['event'] == 'TX_REQUESTED' and e['txId'] == '$id']")" = "[('BATCH', 3, '1900000')]" ]

# 2. One instruction a policy denies (D is not on the whitelist): the
# batch is denied whole, nothing recorded, signed or moved.
n0=$(ntx)
b1=$(sol_bal "$ADDR")
code=$(req POST /v1/transactions/send "{\"type\":\"BATCH\",\"instructions\":[{\"to\":\"$E\",\"amount\":\"1000000\"},{\"to\":\"$D\",\"amount\":\"1000000\"}]}" "$S")
check "an instruction off the whitelist: the batch is 403 WHITELIST_DENIED naming instructions.1 ($code)" \
    [ "$code $(jget 'j["code"]') $(jget '"instructions.1" in j["message"]')" = "403 WHITELIST_DENIED True" ]
sleep 0.5
check "... no row recorded" [ "$(ntx)" = "$n0" ]
check "... nothing moved: E and D have nothing, the wallet paid no fee" \
    [ "$(sol_bal "$E") $(sol_bal "$D") $(sol_bal "$ADDR")" = "0 0 $b1" ]
req GET "/v1/audit-logs?limit=100" >/dev/null
check "... audited: TX_DENIED of type BATCH with the policy's code" \
    [ "$(jget "[e['details']['code'] for e in j['data'] if e['event'] == 'TX_DENIED' and (e['details'] or {}).get('type') == 'BATCH']")" = "['WHITELIST_DENIED']" ]

# 3. Each part under the instant limit, the total over it: NOTIFY.
code=$(req POST /v1/transactions/send "{\"type\":\"BATCH\",\"instructions\":[{\"to\":\"$E\",\"amount\":\"1500000\"},{\"to\":\"$F\",\"amount\":\"1500000\"}]}" "$S")
ans=$(cat "$T_TMP/body")
check "two of 1500000 (each INSTANT alone), total 3000000: tier NOTIFY ($code)" \
    [ "$code $(st "$ans" tier)" = "201 NOTIFY" ]
r=$(wait_tx "$(st "$ans" id)")
check "... it still runs (NOTIFY) and reaches CONFIRMED, both paid" \
    [ "$(st "$r" status) $(sol_bal "$E") $(sol_bal "$F")" = "CONFIRMED 1500000 1500000" ]
code=$(req POST /v1/transactions/send "{\"type\":\"BATCH\",\"instructions\":[{\"to\":\"$E\",\"amount\":\"600000000\"},{\"to\":\"$F\",\"amount\":\"600000000\"}]}" "$S")
check "two of 0.6 SOL (each NOTIFY alone), total 1.2 SOL over notify_max: tier DELAY ($code)" \
    [ "$code $(jget 'j["tier"]') $(jget 'j["status"]')" = "201 DELAY QUEUED" ]

# 4. Shapes: a 400 naming the field, nothing recorded.
n0=$(ntx)
T1="{\"to\":\"$A\",\"amount\":\"1\"}"
I21=$(python3 -c "print(','.join(['$T1'] * 21))")
I20=$(python3 -c "print(','.join(['$T1'] * 20))")
refused "one instruction" "{\"type\":\"BATCH\",\"instructions\":[$T1]}" VALIDATION_FAILED instructions
refused "21 instructions" "{\"type\":\"BATCH\",\"instructions\":[$I21]}" VALIDATION_FAILED instructions
refused "no instructions" "{\"type\":\"BATCH\"}" VALIDATION_FAILED instructions
refused "instructions not an array" "{\"type\":\"BATCH\",\"instructions\":{}}" VALIDATION_FAILED instructions
refused "an instruction not an object" "{\"type\":\"BATCH\",\"instructions\":[$T1,5]}" VALIDATION_FAILED instructions.1
refused "an instruction of no known kind" "{\"type\":\"BATCH\",\"instructions\":[$T1,{\"memo\":\"x\"}]}" VALIDATION_FAILED instructions.1
refused "a batch in a batch" "{\"type\":\"BATCH\",\"instructions\":[$T1,{\"type\":\"BATCH\",\"instructions\":[]}]}" VALIDATION_FAILED instructions.1.type
refused "amount and humanAmount" "{\"type\":\"BATCH\",\"instructions\":[$T1,{\"to\":\"$A\",\"amount\":\"1\",\"humanAmount\":\"1\"}]}" VALIDATION_FAILED instructions.1.amount
refused "an amount not an integer" "{\"type\":\"BATCH\",\"instructions\":[{\"to\":\"$A\",\"amount\":\"1.5\"},$T1]}" VALIDATION_FAILED instructions.0.amount
refused "an unknown field in an instruction" "{\"type\":\"BATCH\",\"instructions\":[$T1,{\"to\":\"$A\",\"amount\":\"1\",\"spenderx\":1}]}" VALIDATION_FAILED instructions.1.spenderx
refused "gasCondition on an instruction" "{\"type\":\"BATCH\",\"instructions\":[$T1,{\"to\":\"$A\",\"amount\":\"1\",\"gasCondition\":{}}]}" VALIDATION_FAILED instructions.1.gasCondition
refused "a recipient that is not an address (policyd)" "{\"type\":\"BATCH\",\"instructions\":[$T1,{\"to\":\"nope\",\"amount\":\"1\"}]}" VALIDATION_FAILED instructions.1.to
refused "more decimals than SOL has" "{\"type\":\"BATCH\",\"instructions\":[$T1,{\"to\":\"$A\",\"humanAmount\":\"0.0000000001\"}]}" VALIDATION_FAILED instructions.1.humanAmount
refused "a Solana token instruction without decimals" "{\"type\":\"BATCH\",\"instructions\":[$T1,{\"to\":\"$A\",\"amount\":\"1\",\"token\":{\"address\":\"$MINT\"}}]}" VALIDATION_FAILED instructions.1.token.decimals
refused "an APPROVE on Solana" "{\"type\":\"BATCH\",\"instructions\":[$T1,{\"spender\":\"$A\",\"amount\":\"1\",\"token\":\"$MINT\"}]}" VALIDATION_FAILED instructions.1.type
refused "another network in an instruction" "{\"type\":\"BATCH\",\"instructions\":[$T1,{\"to\":\"$A\",\"amount\":\"1\",\"network\":\"mainnet\"}]}" VALIDATION_FAILED instructions.1.network
refused "a dry run of a batch" "{\"type\":\"BATCH\",\"dryRun\":true,\"instructions\":[$T1,$T1]}" VALIDATION_FAILED dryRun
check "none of the refusals was recorded" [ "$(ntx)" = "$n0" ]
code=$(req POST /v1/transactions/send "{\"type\":\"BATCH\",\"instructions\":[$I20]}" "$S")
check "20 instructions are taken (the bound is 2 to 20) ($code)" [ "$code" = 201 ]

# An EVM wallet: BATCH_NOT_SUPPORTED, before any policy.
req POST /v1/wallets '{"name":"evm","chain":"ethereum","environment":"testnet"}' >/dev/null
SE="Authorization: Bearer $(jget 'j["session"]["token"]')"
code=$(req POST /v1/transactions/send "{\"type\":\"BATCH\",\"network\":\"ethereum-sepolia\",\"instructions\":[{\"to\":\"0x70997970C51812dc3A010C7d01b50e0d17dc79C8\",\"amount\":\"1\"},{\"to\":\"0x70997970C51812dc3A010C7d01b50e0d17dc79C8\",\"amount\":\"1\"}]}" "$SE")
check "an EVM wallet's batch: 400 BATCH_NOT_SUPPORTED ($code)" \
    [ "$code $(jget 'j["code"]')" = "400 BATCH_NOT_SUPPORTED" ]

kill -TERM "$DPID"; wait_gone "$DPID" 3000; DPID=""
check "no sanitizer reports" no_sanitizer_reports
