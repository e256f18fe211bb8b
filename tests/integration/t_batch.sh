#!/bin/sh
# BATCH (issue 21), on the Solana test node (litesvm as devnet) and on
# anvil: 2 to 20 instructions, one policy decision on the whole batch,
# one transaction row with its instructions.  Solana: a batch of two SOL
# transfers (one as humanAmount) and an SPL transfer to an owner without
# a token account reaches CONFIRMED as ONE transaction (one signature)
# with every balance moved exactly (amounts, the one fee, the token
# account's rent); an instruction that a policy denies denies the whole
# batch (nothing recorded, signed or moved, TX_DENIED audited); parts
# each under a limit whose total is over it take the higher tier; 1 and
# 21 instructions and malformed ones are 400s naming the field; the
# audit entry names the batch, its count and total.  EVM: one
# transaction per instruction at consecutive nonces, each CONFIRMED with
# exact balances; an instruction that fails ends the batch FAILED naming
# it, those before it stay confirmed, none after it is signed (README:
# Batches).  GET /v1/transactions/{id}'s shape is also t_conform's
# (conform.js sends a batch); send_batch is t_mcp's.
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
# landed SIG: the landed transaction's signature count and its
# instructions' program ids, in order (the test node gives the wire
# bytes only: a legacy message decoded here).
landed() {
	rpc "$SVM_URL" getTransaction "[\"$1\",{\"encoding\":\"base64\"}]" | python3 -c '
import base64, json, sys
a = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
def b58(b):
    n = int.from_bytes(b, "big"); s = ""
    while n: n, r = divmod(n, 58); s = a[r] + s
    return "1" * (len(b) - len(b.lstrip(b"\0"))) + s
w = base64.b64decode(json.load(sys.stdin)["result"]["transaction"][0])
p = 0
def cu16():
    global p
    v = s = 0
    while True:
        c = w[p]; p += 1; v |= (c & 0x7f) << s; s += 7
        if not c & 0x80: return v
nsig = cu16(); p += 64 * nsig + 3
keys = [w[p + 32 * i:p + 32 * i + 32] for i in range(cu16())]
p += 32 * len(keys) + 32
progs = []
for _ in range(cu16()):
    progs.append(b58(keys[w[p]])); p += 1
    na = cu16(); p += na
    nd = cu16(); p += nd
names = {"11111111111111111111111111111111": "system",
    "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA": "token",
    "ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL": "ata"}
print(nsig, " ".join(names.get(x, x) for x in progs))'
}
ntx() { req GET "/v1/transactions?limit=100" "" "$S" >/dev/null; jget 'len(j["items"])'; }
# refused DESC BODY CODE PATH: a 400 with CODE whose first issue is PATH
refused() {
	code=$(req POST /v1/transactions/send "$2" "$S")
	check "$1: $3 naming $4 ($code)" \
	    [ "$code $(jget 'j["code"]') $(jget '(j.get("details") or {}).get("issues", [{"path": ["-"]}])[0]["path"][0]')" = "400 $3 $4" ]
}

start_svm
start_anvil --chain-id 11155111
MINT=$(res waiaas_createMint "[{\"decimals\":6,\"mintAuthority\":\"$(newkey)\"}]" r)
TOKEN=
[ -n "$MISSING" ] || TOKEN=$(sh tests/contracts/deploy.sh "$ANVIL_URL" "$ANVIL_KEY0" 6) ||
    peer_missing "the test ERC-20 deployed (tests/contracts/deploy.sh)"
WAIAAS_RPC_SOLANA_DEVNET=$SVM_URL WAIAAS_RPC_POLL_INTERVAL_MS=100 \
WAIAAS_RPC_EVM_ETHEREUM_SEPOLIA=$ANVIL_URL \
WAIAAS_SECURITY_PRICE_STATIC="SOL=150;ETH=2000;devnet:$MINT@6=1;ethereum-sepolia:$TOKEN@6=1" \
    start_daemon || cannot_run "daemon starts with Solana and EVM RPC URLs"

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
check "... ONE landed transaction, one signature, every instruction in order (2 transfers, create-ATA, TransferChecked)" \
    [ "$(landed "$(st "$r" txHash)")" = "1 system system ata token" ]

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
refused "gasCondition on a Solana batch" "{\"type\":\"BATCH\",\"gasCondition\":{\"maxGasPrice\":\"1\",\"timeout\":60},\"instructions\":[$T1,$T1]}" VALIDATION_FAILED gasCondition
refused "a dry run of a batch" "{\"type\":\"BATCH\",\"dryRun\":true,\"instructions\":[$T1,$T1]}" VALIDATION_FAILED dryRun
check "none of the refusals was recorded" [ "$(ntx)" = "$n0" ]
code=$(req POST /v1/transactions/send "{\"type\":\"BATCH\",\"instructions\":[$I20]}" "$S")
check "20 instructions are taken (the bound is 2 to 20) ($code)" [ "$code" = 201 ]
r=$(wait_tx "$(jget 'j["id"]')")
check "... and land as one transaction of 20 transfers" \
    [ "$(st "$r" status) $(landed "$(st "$r" txHash)")" = "CONFIRMED 1$(printf ' system%.0s' $(seq 20))" ]

# Too much for one Solana transaction (20 memos of 256 bytes, over the
# 1232-byte packet): taken, then FAILED by the signer's refusal with a
# reason that says so; nothing signed, nothing moved.
M256=$(python3 -c "print('m' * 256)")
I20M=$(python3 -c "print(','.join(['{\"to\":\"$A\",\"amount\":\"1\",\"memo\":\"$M256\"}'] * 20))")
a0=$(sol_bal "$A") b1=$(sol_bal "$ADDR")
id=$(send "{\"type\":\"BATCH\",\"instructions\":[$I20M]}")
r=$(wait_tx "$id")
check "a batch too large for one transaction: FAILED, VALIDATION_FAILED, the reason naming the limit" \
    [ "$(jf "$r" '(j["status"], j["errorCode"], "do not fit one Solana transaction" in j["error"], j["txHash"])')" = "('FAILED', 'VALIDATION_FAILED', True, None)" ]
check "... nothing moved: A has what it had, the wallet paid no fee" \
    [ "$(sol_bal "$A") $(sol_bal "$ADDR")" = "$a0 $b1" ]

# EVM on anvil: one transaction per instruction, in order, each signed
# once the one before it is confirmed (consecutive nonces).
NET=ethereum-sepolia
ACC1=0x70997970C51812dc3A010C7d01b50e0d17dc79C8
ACC2=0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC
ACC3=0x90F79bf6EB2c4f870365E785982E1f101E93b906
req POST /v1/wallets '{"name":"evm","chain":"ethereum","environment":"testnet"}' >/dev/null
WE=$(jget 'j["id"]')
EADDR=$(jget 'j["publicKey"]')
S="Authorization: Bearer $(jget 'j["session"]["token"]')"
"$CAST" send -q --rpc-url "$ANVIL_URL" --private-key "$ANVIL_KEY0" "$EADDR" \
    --value 10ether >/dev/null
"$CAST" send -q --rpc-url "$ANVIL_URL" --private-key "$ANVIL_KEY0" "$TOKEN" \
    'mint(address,uint256)' "$EADDR" 1000000 >/dev/null
req POST /v1/policies "{\"walletId\":\"$WE\",\"type\":\"SPENDING_LIMIT\",\"rules\":{\"instant_max\":\"1000000000000000000\",\"instant_max_usd\":1000000}}" >/dev/null
req POST /v1/policies "{\"walletId\":\"$WE\",\"type\":\"ALLOWED_TOKENS\",\"rules\":{\"tokens\":[{\"address\":\"$TOKEN\"}]}}" >/dev/null
bal() { "$CAST" balance --rpc-url "$ANVIL_URL" "$1"; }
tbal() { "$CAST" call --rpc-url "$ANVIL_URL" "$TOKEN" 'balanceOf(address)(uint256)' "$1" | awk '{print $1}'; }
enonce() { "$CAST" nonce --rpc-url "$ANVIL_URL" "$EADDR"; }

a0=$(bal "$ACC1") c0=$(bal "$ACC2") k0=$(tbal "$ACC3") n0=$(enonce)
id=$(send "{\"type\":\"BATCH\",\"network\":\"$NET\",\"instructions\":[{\"to\":\"$ACC1\",\"amount\":\"1000000000000000\"},{\"to\":\"$ACC2\",\"humanAmount\":\"0.002\"},{\"to\":\"$ACC3\",\"amount\":\"5000\",\"token\":{\"address\":\"$TOKEN\",\"decimals\":6,\"symbol\":\"TEST\"}}]}")
r=$(wait_tx "$id")
echo "# $r"
check "EVM: a batch of two ETH transfers and an ERC-20 transfer reaches CONFIRMED" \
    [ "$(st "$r" status)" = CONFIRMED ]
check "... ACC1 got exactly 0.001 ETH, ACC2 0.002 ETH (humanAmount), ACC3 5000 token units" \
    [ "$(python3 -c "print($(bal "$ACC1") - $a0, $(bal "$ACC2") - $c0, $(tbal "$ACC3") - $k0)")" = "1000000000000000 2000000000000000 5000" ]
check "... three transactions, consecutive nonces from the wallet's next, each CONFIRMED" \
    [ "$(jf "$r" '[(i["status"], i["nonce"]) for i in j["instructions"]]')" = "[('CONFIRMED', $n0), ('CONFIRMED', $((n0 + 1))), ('CONFIRMED', $((n0 + 2)))]" ]
check "... each instruction's txHash mined and succeeded" \
    [ "$(for h in $(jf "$r" '" ".join(i["txHash"] for i in j["instructions"])'); do "$CAST" receipt --rpc-url "$ANVIL_URL" "$h" status; done | tr '\n' ' ')" = "true true true " ]
check "... the row: txHash the last one's, not atomic, amount the ETH total" \
    [ "$(jf "$r" '(j["txHash"] == j["instructions"][2]["txHash"], j["atomic"], j["amount"])')" = "(True, False, '3000000000000000')" ]

# Instruction 1 fails (more tokens than the wallet has: the estimate
# reverts): the batch is FAILED naming it; instruction 0 stays
# confirmed, instruction 2 is never signed.
a0=$(bal "$ACC1") c0=$(bal "$ACC2") n0=$(enonce)
id=$(send "{\"type\":\"BATCH\",\"network\":\"$NET\",\"instructions\":[{\"to\":\"$ACC1\",\"amount\":\"1000000000000000\"},{\"to\":\"$ACC3\",\"amount\":\"2000000\",\"token\":{\"address\":\"$TOKEN\",\"decimals\":6}},{\"to\":\"$ACC2\",\"amount\":\"1000000000000000\"}]}")
r=$(wait_tx "$id")
echo "# $r"
check "EVM: instruction 1 reverts: the batch is FAILED, its error naming instructions.1 of 3" \
    [ "$(jf "$r" '(j["status"], j["error"].startswith("instructions.1 of 3: "))')" = "('FAILED', True)" ]
check "... instruction 0 was confirmed and stays (ACC1 +0.001 ETH); instruction 2 moved nothing" \
    [ "$(python3 -c "print($(bal "$ACC1") - $a0, $(bal "$ACC2") - $c0)")" = "1000000000000000 0" ]
check "... per instruction: CONFIRMED at the next nonce, FAILED unsigned, nothing for the third" \
    [ "$(jf "$r" '[(i.get("status"), i.get("nonce")) for i in j["instructions"]]')" = "[('CONFIRMED', $n0), ('FAILED', None), (None, None)]" ]
check "... the wallet's nonce moved by exactly one" [ "$(enonce)" = $((n0 + 1)) ]
req GET "/v1/audit-logs?limit=200" >/dev/null
check "... audited: TX_REQUESTED of the batch, then TX_FAILED naming the instruction" \
    [ "$(jget "sorted((e['event'], (e['details'] or {}).get('error', '')[:16]) for e in j['data'] if e['txId'] == '$id' and e['event'] in ('TX_REQUESTED', 'TX_FAILED'))")" = "[('TX_FAILED', 'instructions.1 o'), ('TX_REQUESTED', '')]" ]

# A restart in the middle: instruction 0 broadcast but not mined
# (anvil mines on demand), the daemon stopped, the block mined, the
# daemon started again: it goes on with instruction 1 at the next nonce
# (batch_done says where it was) and the batch ends CONFIRMED.
a0=$(bal "$ACC1") c0=$(bal "$ACC2") n0=$(enonce)
"$CAST" rpc --rpc-url "$ANVIL_URL" evm_setAutomine false >/dev/null
id=$(send "{\"type\":\"BATCH\",\"network\":\"$NET\",\"instructions\":[{\"to\":\"$ACC1\",\"amount\":\"3000000000000000\"},{\"to\":\"$ACC2\",\"amount\":\"4000000000000000\"}]}")
n=0
while [ $n -lt 100 ]; do
	req GET "/v1/transactions/$id" "" "$S" >/dev/null
	[ "$(jget 'j["status"]')" = SUBMITTED ] && break
	sleep 0.1; n=$((n + 1))
done
check "restart: instruction 0 broadcast, unmined: the batch is SUBMITTED" \
    [ "$(jget 'j["status"]')" = SUBMITTED ]
kill -TERM "$DPID"; wait_gone "$DPID" 3000; DPID=""
check "no sanitizer reports (before the restart)" no_sanitizer_reports
"$CAST" rpc --rpc-url "$ANVIL_URL" evm_mine >/dev/null
"$CAST" rpc --rpc-url "$ANVIL_URL" evm_setAutomine true >/dev/null
WAIAAS_RPC_SOLANA_DEVNET=$SVM_URL WAIAAS_RPC_POLL_INTERVAL_MS=100 \
WAIAAS_RPC_EVM_ETHEREUM_SEPOLIA=$ANVIL_URL \
WAIAAS_SECURITY_PRICE_STATIC="SOL=150;ETH=2000;devnet:$MINT@6=1;ethereum-sepolia:$TOKEN@6=1" \
    start_daemon || cannot_run "daemon starts again"
r=$(wait_tx "$id")
echo "# $r"
check "... after the restart the batch goes on and reaches CONFIRMED" \
    [ "$(st "$r" status)" = CONFIRMED ]
check "... both instructions CONFIRMED at consecutive nonces" \
    [ "$(jf "$r" '[(i["status"], i["nonce"]) for i in j["instructions"]]')" = "[('CONFIRMED', $n0), ('CONFIRMED', $((n0 + 1)))]" ]
check "... each paid exactly once: ACC1 +0.003 ETH, ACC2 +0.004 ETH, the nonce moved by two" \
    [ "$(python3 -c "print($(bal "$ACC1") - $a0, $(bal "$ACC2") - $c0)") $(enonce)" = "3000000000000000 4000000000000000 $((n0 + 2))" ]

# The kill switch between two instructions: instruction 0 is broadcast
# (unmined) when it goes on; once 0 is confirmed the batch ends
# CANCELLED naming instruction 1, which is never signed.
db() { sqlite3 "$DATA/data/waiaas.db" "PRAGMA busy_timeout=3000; $1" | tail -1; }
a0=$(bal "$ACC1") c0=$(bal "$ACC2") n0=$(enonce)
"$CAST" rpc --rpc-url "$ANVIL_URL" evm_setAutomine false >/dev/null
id=$(send "{\"type\":\"BATCH\",\"network\":\"$NET\",\"instructions\":[{\"to\":\"$ACC1\",\"amount\":\"5000000000000000\"},{\"to\":\"$ACC2\",\"amount\":\"6000000000000000\"}]}")
n=0
while [ $n -lt 100 ] && [ "$(db "SELECT status FROM transactions WHERE id = '$id'")" != SUBMITTED ]; do
	sleep 0.1; n=$((n + 1))
done
code=$(req POST /v1/admin/kill-switch)
check "kill switch: activated while instruction 0 is SUBMITTED ($code)" [ "$code" = 200 ]
"$CAST" rpc --rpc-url "$ANVIL_URL" evm_mine >/dev/null
"$CAST" rpc --rpc-url "$ANVIL_URL" evm_setAutomine true >/dev/null
n=0
while [ $n -lt 100 ] && [ "$(db "SELECT status FROM transactions WHERE id = '$id'")" = SUBMITTED ]; do
	sleep 0.1; n=$((n + 1))
done
sleep 0.5
check "... the batch ends CANCELLED, KILL_SWITCH_ACTIVE, naming instructions.1 of 2" \
    [ "$(db "SELECT status || ' ' || error_code || ' ' || substr(error, 1, 19) FROM transactions WHERE id = '$id'")" = "CANCELLED KILL_SWITCH_ACTIVE instructions.1 of 2" ]
check "... batch_done: instruction 0 CONFIRMED at the next nonce, instruction 1 CANCELLED unsigned" \
    [ "$(db "SELECT batch_done FROM transactions WHERE id = '$id'" | python3 -c 'import json,sys; print([(d["status"], d["nonce"]) for d in json.load(sys.stdin)])')" = "[('CONFIRMED', $n0), ('CANCELLED', None)]" ]
check "... ACC1 got its 0.005 ETH, ACC2 nothing, the nonce moved by one" \
    [ "$(python3 -c "print($(bal "$ACC1") - $a0, $(bal "$ACC2") - $c0)") $(enonce)" = "5000000000000000 0 $((n0 + 1))" ]

kill -TERM "$DPID"; wait_gone "$DPID" 3000; DPID=""
check "no sanitizer reports" no_sanitizer_reports
