#!/bin/sh
# POST /v1/transactions/simulate against the real chains (anvil as
# ethereum-sepolia with the test ERC-20, litesvm as solana-devnet): every
# answer validates against the reference's DryRunSimulationResult with a
# JSON Schema validator, and its values are the chain's: fee.feeUsd is the
# fee at the configured price, balanceChanges are the balances the nodes
# report less amount and fee, simulation is the node's own verdict (a
# reverting token transfer shows the contract's reason), warnings carry
# codes, meta says the type and a measured duration.  Nothing is stored.
# The request forms of the reference: humanAmount (converted exactly with
# the decimals, or refused; the policy judges base units), token.assetId
# (CAIP-19, checked against the network and token.address), gasCondition
# (refused by name: this daemon does not hold a send for a gas price).
. tests/integration/lib.sh

EVM=ethereum-sepolia
ACC1=0x70997970C51812dc3A010C7d01b50e0d17dc79C8
SCHEMA=tests/vectors/ref_dry_run_schema.json
py() { python3 -c "$1"; }
res() {	# res METHOD PARAMS EXPR: a field of a JSON-RPC result (litesvm)
	rpc "$SVM_URL" "$1" "$2" | python3 -c "import json,sys; r=json.load(sys.stdin)['result']; print($3)"
}
newkey() {	# a random 32-byte address in base58
	python3 -c 'import os
a = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
b = os.urandom(32); n = int.from_bytes(b, "big"); s = ""
while n: n, r = divmod(n, 58); s = a[r] + s
print("1" * (len(b) - len(b.lstrip(b"\0"))) + s)'
}
# valid: the last answer validates against the reference's schema.
valid() {
	out=$(python3 tests/integration/ref_schema.py "$SCHEMA" \
	    DryRunSimulationResult "$T_TMP/body" 2>&1)
	[ "$out" = valid ] && return 0
	echo "$out" | sed 's/^/# /'
	return 1
}
sim() { req POST /v1/transactions/simulate "$1" "$S"; }
# is EXPR: a Python expression over the last answer (j) is True.
is() {
	v=$(jget "$1" 2>&1)
	[ "$v" = True ] && return 0
	echo "# $1 -> $v"
	return 1
}

# bad FIELD CODE: a 400 VALIDATION_FAILED whose issues name FIELD.
bad() {
	[ "$2" = 400 ] && is "j['code'] == 'VALIDATION_FAILED' and any('$1' == '.'.join(str(p) for p in i['path']) for i in j['details']['issues'])"
}
python3 -c 'import jsonschema' 2>/dev/null ||
    peer_missing "python3-jsonschema"
start_anvil --chain-id 11155111
start_svm
TOKEN=$(sh tests/contracts/deploy.sh "$ANVIL_URL" "$ANVIL_KEY0" 6 2>/dev/null)
MINT=$(res waiaas_createMint "[{\"decimals\":6,\"mintAuthority\":\"$(newkey)\"}]" r 2>/dev/null)
export WAIAAS_RPC_EVM_ETHEREUM_SEPOLIA=$ANVIL_URL WAIAAS_RPC_SOLANA_DEVNET=$SVM_URL \
    WAIAAS_SECURITY_PRICE_STATIC="ETH=2000;SOL=150;ethereum-sepolia:$TOKEN@6=1;devnet:$MINT@6=1"
start_daemon || cannot_run "daemon starts with both RPC URLs"
req POST /v1/policies '{"type":"SPENDING_LIMIT","rules":{"instant_max":"20000000000000000000","instant_max_usd":1000000}}' >/dev/null

# --- EVM -----------------------------------------------------------------
req POST /v1/wallets '{"name":"evm","chain":"ethereum","environment":"testnet"}' >/dev/null
W=$(jget 'j["id"]')
ADDR=$(jget 'j["publicKey"]')
S="Authorization: Bearer $(jget 'j["session"]["token"]')"
"$CAST" send -q --rpc-url "$ANVIL_URL" --private-key "$ANVIL_KEY0" "$ADDR" \
    --value 10ether >/dev/null 2>&1
"$CAST" send -q --rpc-url "$ANVIL_URL" --private-key "$ANVIL_KEY0" "$TOKEN" \
    'mint(address,uint256)' "$ADDR" 1000000000 >/dev/null 2>&1
req POST /v1/policies "{\"walletId\":\"$W\",\"type\":\"ALLOWED_TOKENS\",\"rules\":{\"tokens\":[{\"address\":\"$TOKEN\"}]}}" >/dev/null
EB=$("$CAST" balance --rpc-url "$ANVIL_URL" "$ADDR" 2>/dev/null)
rows0=$(sqlite3 "$DATA/data/waiaas.db" "SELECT count(*) FROM transactions" 2>/dev/null)

code=$(sim "{\"network\":\"$EVM\",\"to\":\"$ACC1\",\"amount\":\"10000000000000000\"}")
check "EVM TRANSFER: 200" [ "$code" = 200 ]
check "EVM TRANSFER: schema" valid
check "EVM TRANSFER: success, INSTANT, meta.transactionType TRANSFER, a measured durationMs" \
    is 'j["success"] and j["policy"]["tier"] == "INSTANT" and j["meta"]["transactionType"] == "TRANSFER" and j["meta"]["chain"] == "ethereum" and j["meta"]["network"] == "ethereum-sepolia" and 0 < j["meta"]["durationMs"] < 30000'
check "EVM TRANSFER: fee.feeUsd is estimatedFee at ETH = 2000 USD" \
    is 'abs(j["fee"]["feeUsd"] - int(j["fee"]["estimatedFee"]) * 2000 / 10**18) < 1e-9 and j["fee"]["feeUsd"] > 0'
check "EVM TRANSFER: balanceChanges: the node's balance less amount and fee" \
    is "[(c['asset'], c['symbol'], c['decimals'], c['currentBalance'], c['changeAmount'], c['afterBalance']) for c in j['balanceChanges']] == [('native', 'ETH', 18, '$EB', str(-(10**16 + int(j['fee']['estimatedFee']))), str($EB - 10**16 - int(j['fee']['estimatedFee'])))]"
check "EVM TRANSFER: simulation is eth_estimateGas's: success, 21000 gas, no error" \
    is 'j["simulation"] == {"success": True, "logs": [], "unitsConsumed": "21000", "error": None}'
check "EVM TRANSFER: no warnings" is 'j["warnings"] == []'

code=$(sim "{\"network\":\"$EVM\",\"type\":\"TOKEN_TRANSFER\",\"to\":\"$ACC1\",\"amount\":\"5000000\",\"token\":{\"address\":\"$TOKEN\",\"decimals\":6,\"symbol\":\"TST\"}}")
check "EVM TOKEN_TRANSFER: 200, schema" sh -c "[ $code = 200 ]"
check "EVM TOKEN_TRANSFER: schema" valid
check "EVM TOKEN_TRANSFER: balanceChanges: ETH by the fee, the token by the amount (its balanceOf)" \
    is "[(c['asset'].lower(), c['symbol'], c['decimals'], c['changeAmount'], c['afterBalance']) for c in j['balanceChanges']] == [('native', 'ETH', 18, str(-int(j['fee']['estimatedFee'])), str($EB - int(j['fee']['estimatedFee']))), ('$TOKEN'.lower(), 'TST', 6, '-5000000', '995000000')] and j['balanceChanges'][1]['currentBalance'] == '1000000000'"
check "EVM TOKEN_TRANSFER: simulation succeeds with the node's gas figure" \
    is 'j["simulation"]["success"] and int(j["simulation"]["unitsConsumed"]) > 21000 and j["simulation"]["error"] is None and j["success"]'

code=$(sim "{\"network\":\"$EVM\",\"type\":\"TOKEN_TRANSFER\",\"to\":\"$ACC1\",\"amount\":\"2000000000\",\"token\":{\"address\":\"$TOKEN\",\"decimals\":6}}")
check "EVM reverting TOKEN_TRANSFER: 200, schema" sh -c "[ $code = 200 ]"
check "EVM reverting TOKEN_TRANSFER: schema" valid
check "EVM reverting TOKEN_TRANSFER: simulation shows the contract's revert reason, success false" \
    is '(not j["success"]) and (not j["simulation"]["success"]) and "TestToken: insufficient balance" in j["simulation"]["error"] and j["simulation"]["unitsConsumed"] is None'
check "EVM reverting TOKEN_TRANSFER: a SIMULATION_FAILED warning (error)" \
    is 'any(w["code"] == "SIMULATION_FAILED" and w["severity"] == "error" and "insufficient balance" in w["message"] for w in j["warnings"])'

code=$(sim "{\"network\":\"$EVM\",\"to\":\"$ACC1\",\"amount\":\"11000000000000000000\"}")
check "EVM more than the balance: schema" valid
check "EVM more than the balance: INSUFFICIENT_BALANCE (error), afterBalance negative" \
    is '(not j["success"]) and any(w["code"] == "INSUFFICIENT_BALANCE" and w["severity"] == "error" for w in j["warnings"]) and j["balanceChanges"][0]["afterBalance"].startswith("-")'

code=$(sim "{\"network\":\"$EVM\",\"type\":\"CONTRACT_CALL\",\"to\":\"$ACC1\"}")
check "EVM denied by policy: 200, schema" sh -c "[ $code = 200 ]"
check "EVM denied by policy: schema" valid
check "EVM denied by policy: tier DENIED, not simulated, fee null, no changes" \
    is 'j["policy"]["allowed"] is False and j["policy"]["tier"] == "DENIED" and j["policy"]["code"] == "CONTRACT_NOT_WHITELISTED" and j["fee"] is None and j["balanceChanges"] == [] and j["simulation"]["success"] is False and j["meta"]["transactionType"] == "CONTRACT_CALL"'

# --- humanAmount, token.assetId, gasCondition (EVM) ---------------------
code=$(sim "{\"network\":\"$EVM\",\"to\":\"$ACC1\",\"humanAmount\":\"0.01\"}")
check "humanAmount 0.01 ETH: 200, schema" valid
check "humanAmount 0.01 ETH: converted exactly (10^16 wei leave with the fee)" \
    is "j['balanceChanges'][0]['changeAmount'] == str(-(10**16 + int(j['fee']['estimatedFee'])))"
code=$(sim "{\"network\":\"$EVM\",\"to\":\"$ACC1\",\"humanAmount\":\"0.010000000000000000000\"}")
check "humanAmount 0.010000000000000000000 (zeros past 18 decimals carry nothing): 10^16 wei" \
    is "j['balanceChanges'][0]['changeAmount'] == str(-(10**16 + int(j['fee']['estimatedFee'])))"
code=$(sim "{\"network\":\"$EVM\",\"to\":\"$ACC1\",\"humanAmount\":\"20\"}")
check "the policy sees base units: humanAmount 20 ETH is instant_max, INSTANT" \
    is 'j["policy"]["tier"] == "INSTANT"'
code=$(sim "{\"network\":\"$EVM\",\"to\":\"$ACC1\",\"humanAmount\":\"20.000000000000000001\"}")
check "and 20.000000000000000001 ETH (one wei more) is not" \
    is 'j["policy"]["tier"] != "INSTANT"'
code=$(sim "{\"network\":\"$EVM\",\"to\":\"$ACC1\",\"humanAmount\":\"0.0000000000000000001\"}")
check "humanAmount with 19 decimals on an 18-decimal coin: 400 naming humanAmount, no rounding" \
    bad humanAmount "$code"
for h in 1e18 -1 .5 "1." " 1" "1,5" 0x10 "01"; do
	code=$(sim "{\"network\":\"$EVM\",\"to\":\"$ACC1\",\"humanAmount\":\"$h\"}")
	check "humanAmount \"$h\": 400 naming humanAmount" bad humanAmount "$code"
done
code=$(sim "{\"network\":\"$EVM\",\"to\":\"$ACC1\",\"humanAmount\":\"$(printf '1%.0s' $(seq 97))\"}")
check "humanAmount of 97 characters: 400 naming humanAmount" bad humanAmount "$code"
code=$(sim "{\"network\":\"$EVM\",\"to\":\"$ACC1\",\"amount\":\"1\",\"humanAmount\":\"1\"}")
check "amount and humanAmount together: 400 naming humanAmount" bad humanAmount "$code"
code=$(sim "{\"network\":\"$EVM\",\"type\":\"TOKEN_TRANSFER\",\"to\":\"$ACC1\",\"humanAmount\":\"5\",\"token\":{\"address\":\"$TOKEN\",\"decimals\":6,\"symbol\":\"TST\"}}")
check "TOKEN_TRANSFER humanAmount 5 with token.decimals 6: 5000000 leave" \
    is "j['balanceChanges'][1]['changeAmount'] == '-5000000'"
code=$(sim "{\"network\":\"$EVM\",\"type\":\"TOKEN_TRANSFER\",\"to\":\"$ACC1\",\"humanAmount\":\"5\",\"token\":{\"address\":\"$TOKEN\"}}")
check "TOKEN_TRANSFER humanAmount without token.decimals: 400 naming humanAmount (and token.decimals)" \
    eval 'bad humanAmount "$code" && grep -q token.decimals "$T_TMP/body"'
code=$(sim "{\"network\":\"$EVM\",\"type\":\"TOKEN_TRANSFER\",\"to\":\"$ACC1\",\"humanAmount\":\"5.0000001\",\"token\":{\"address\":\"$TOKEN\",\"decimals\":6}}")
check "TOKEN_TRANSFER humanAmount with 7 decimals on a 6-decimal token: 400" \
    bad humanAmount "$code"
code=$(sim "{\"network\":\"$EVM\",\"type\":\"TOKEN_TRANSFER\",\"to\":\"$ACC1\",\"amount\":\"5000000\",\"token\":{\"assetId\":\"eip155:11155111/erc20:$TOKEN\",\"decimals\":6,\"symbol\":\"TST\"}}")
check "token.assetId (CAIP-19) alone names the token" \
    is "j['success'] and j['balanceChanges'][1]['asset'].lower() == '$TOKEN'.lower()"
code=$(sim "{\"network\":\"$EVM\",\"type\":\"TOKEN_TRANSFER\",\"to\":\"$ACC1\",\"amount\":\"5000000\",\"token\":{\"address\":\"$TOKEN\",\"assetId\":\"eip155:11155111/erc20:$TOKEN\",\"decimals\":6}}")
check "token.assetId that agrees with token.address: 200" [ "$code" = 200 ]
code=$(sim "{\"network\":\"$EVM\",\"type\":\"TOKEN_TRANSFER\",\"to\":\"$ACC1\",\"amount\":\"5000000\",\"token\":{\"address\":\"$TOKEN\",\"assetId\":\"eip155:1/erc20:$TOKEN\",\"decimals\":6}}")
check "token.assetId of another chain (eip155:1 on sepolia): 400 naming token.assetId" \
    bad token.assetId "$code"
code=$(sim "{\"network\":\"$EVM\",\"type\":\"TOKEN_TRANSFER\",\"to\":\"$ACC1\",\"amount\":\"5000000\",\"token\":{\"address\":\"$TOKEN\",\"assetId\":\"eip155:11155111/erc20:$ACC1\",\"decimals\":6}}")
check "token.assetId of another token than token.address: 400 naming token.assetId" \
    bad token.assetId "$code"
code=$(sim "{\"network\":\"$EVM\",\"type\":\"TOKEN_TRANSFER\",\"to\":\"$ACC1\",\"amount\":\"5000000\",\"token\":{\"assetId\":\"eip155:11155111/erc20\",\"decimals\":6}}")
check "a malformed token.assetId: 400 naming token.assetId" bad token.assetId "$code"
# gasCondition: a dry run says whether the node's price meets it now; a
# send waits (its row says so) until it does, or fails at its timeout.
gwei() { "$CAST" rpc --rpc-url "$ANVIL_URL" anvil_setNextBlockBaseFeePerGas "$(($1 * 1000000000))" >/dev/null 2>&1; "$CAST" rpc --rpc-url "$ANVIL_URL" evm_mine >/dev/null 2>&1; }
gwei 50
code=$(sim "{\"network\":\"$EVM\",\"to\":\"$ACC1\",\"amount\":\"1\",\"gasCondition\":{\"maxGasPrice\":\"10000000000\",\"timeout\":60}}")
check "gasCondition in a dry run: schema" valid
check "gasCondition above the node's price (50 gwei base fee): met false, the prices, GAS_CONDITION_NOT_MET" \
    is 'j["gasCondition"]["met"] is False and int(j["gasCondition"]["currentGasPrice"]) > 50 * 10**9 and j["gasCondition"]["maxGasPrice"] == "10000000000" and "currentPriorityFee" in j["gasCondition"] and any(w["code"] == "GAS_CONDITION_NOT_MET" for w in j["warnings"])'
code=$(sim "{\"network\":\"$EVM\",\"to\":\"$ACC1\",\"amount\":\"1\",\"gasCondition\":{\"maxGasPrice\":\"100000000000\"}}")
check "a gasCondition the price meets: met true, no warning" \
    is 'j["gasCondition"]["met"] is True and j["warnings"] == []'
for g in '{"maxGasPrice":"1","timeout":59}:gasCondition.timeout' \
    '{"maxGasPrice":"1","timeout":86401}:gasCondition.timeout' \
    '{"maxGasPrice":"1.5"}:gasCondition.maxGasPrice' \
    '{"maxPriorityFee":-1}:gasCondition.maxPriorityFee' \
    '{"timeout":60}:gasCondition' '"fast":gasCondition' \
    '{"maxGasPrice":"1","speed":2}:speed'; do
	code=$(sim "{\"network\":\"$EVM\",\"to\":\"$ACC1\",\"amount\":\"1\",\"gasCondition\":${g%:*}}")
	check "gasCondition ${g%:*}: 400 naming ${g##*:}" bad "${g##*:}" "$code"
done
GTO=0x5000000000000000000000000000000000000017
id=$(send "{\"network\":\"$EVM\",\"to\":\"$GTO\",\"amount\":\"777\",\"gasCondition\":{\"maxGasPrice\":\"10000000000\",\"timeout\":600}}")
sleep 2
req GET "/v1/transactions/$id" "" "$S" >/dev/null
check "a send whose gasCondition the node's price exceeds waits: EXECUTING, its row says so, nothing sent" \
    is "j['status'] == 'EXECUTING' and j['error'].startswith('waiting for gas') and '$("$CAST" balance --rpc-url "$ANVIL_URL" "$GTO" 2>/dev/null)' == '0'"
# A restart while it waits: it waits again, with the same deadline.
check "no sanitizer report before the restart" no_sanitizer_reports
kill -TERM "$DPID"
wait_gone "$DPID" 5000
start_daemon || cannot_run "the daemon starts again"
sleep 2
req GET "/v1/transactions/$id" "" "$S" >/dev/null
check "after a restart it still waits (EXECUTING, waiting for gas), nothing sent" \
    is "j['status'] == 'EXECUTING' and j['error'].startswith('waiting for gas') and '$("$CAST" balance --rpc-url "$ANVIL_URL" "$GTO" 2>/dev/null)' == '0'"
gwei 1
wait_tx "$id" >/dev/null
check "once the base fee falls to 1 gwei it is sent: CONFIRMED, 777 wei arrived, no error left" \
    is "j['status'] == 'CONFIRMED' and j['error'] is None and '$("$CAST" balance --rpc-url "$ANVIL_URL" "$GTO" 2>/dev/null)' == '777'"
id=$(send "{\"network\":\"$EVM\",\"to\":\"$GTO\",\"amount\":\"1\",\"gasCondition\":{\"maxGasPrice\":\"1\",\"timeout\":60}}")
sleep 1
# Its 60 s pass at once: the row's time moves back (the daemon reads it).
sqlite3 "$DATA/data/waiaas.db" "UPDATE transactions SET created_at = created_at - 61 WHERE id = '$id'" 2>/dev/null
wait_tx "$id" >/dev/null
check "a gasCondition never met: FAILED at its timeout, GAS_CONDITION_TIMEOUT with the price" \
    is "j['status'] == 'FAILED' and j['errorCode'] == 'GAS_CONDITION_TIMEOUT' and 'gas price is' in j['error']"
HTO=0x5000000000000000000000000000000000000016
id=$(send "{\"network\":\"$EVM\",\"to\":\"$HTO\",\"humanAmount\":\"0.001\"}")
wait_tx "$id" >/dev/null
check "a real send with humanAmount 0.001: CONFIRMED, exactly 10^15 wei arrived" \
    [ "$(jget 'j["status"]'):$("$CAST" balance --rpc-url "$ANVIL_URL" "$HTO" 2>/dev/null)" = "CONFIRMED:1000000000000000" ]

# APPROVE takes humanAmount too: the allowance on chain is exact.
req POST /v1/policies "{\"walletId\":\"$W\",\"type\":\"APPROVED_SPENDERS\",\"rules\":{\"spenders\":[{\"address\":\"$ACC1\"}]}}" >/dev/null
id=$(send "{\"network\":\"$EVM\",\"type\":\"APPROVE\",\"spender\":\"$ACC1\",\"humanAmount\":\"2.5\",\"token\":{\"address\":\"$TOKEN\",\"decimals\":6}}")
wait_tx "$id" >/dev/null
check "APPROVE with humanAmount 2.5 of a 6-decimal token: CONFIRMED, allowance exactly 2500000, amount stored in base units" \
    is "j['status'] == 'CONFIRMED' and j['amount'] == '2500000' and '$("$CAST" call --rpc-url "$ANVIL_URL" "$TOKEN" 'allowance(address,address)(uint256)' "$ADDR" "$ACC1" 2>/dev/null | awk '{print $1}')' == '2500000'"

# The token's own decimals() wins over token.decimals: a mismatch is
# refused, in a dry run and in a send (the amount would be off by 10^n).
code=$(sim "{\"network\":\"$EVM\",\"type\":\"TOKEN_TRANSFER\",\"to\":\"$ACC1\",\"humanAmount\":\"0.001\",\"token\":{\"address\":\"$TOKEN\",\"decimals\":9}}")
check "EVM token.decimals 9 on a 6-decimal token: schema" valid
check "EVM token.decimals 9 on a 6-decimal token: DECIMALS_MISMATCH (error)" \
    is '(not j["success"]) and any(w["code"] == "DECIMALS_MISMATCH" and "decimals() says 6" in w["message"] for w in j["warnings"])'
tbal() { "$CAST" call --rpc-url "$ANVIL_URL" "$TOKEN" 'balanceOf(address)(uint256)' "$ADDR" 2>/dev/null | awk '{print $1}'; }
tb0=$(tbal)
id=$(send "{\"network\":\"$EVM\",\"type\":\"TOKEN_TRANSFER\",\"to\":\"$ACC1\",\"humanAmount\":\"1\",\"token\":{\"address\":\"$TOKEN\",\"decimals\":9}}")
wait_tx "$id" >/dev/null
check "a send with the wrong token.decimals ends FAILED, naming decimals()" \
    is 'j["status"] == "FAILED" and "decimals() says 6" in json.dumps(j)'
check "and no token moved" [ "$(tbal)" = "$tb0" ]

# --- Solana --------------------------------------------------------------
req POST /v1/wallets '{"name":"sol","chain":"solana","environment":"testnet"}' >/dev/null
W=$(jget 'j["id"]')
SADDR=$(jget 'j["publicKey"]')
S="Authorization: Bearer $(jget 'j["session"]["token"]')"
rpc "$SVM_URL" requestAirdrop "[\"$SADDR\",5000000000]" >/dev/null 2>&1
rpc "$SVM_URL" waiaas_mintTo "[{\"mint\":\"$MINT\",\"owner\":\"$SADDR\",\"amount\":5000000}]" >/dev/null 2>&1
req POST /v1/policies "{\"walletId\":\"$W\",\"type\":\"ALLOWED_TOKENS\",\"rules\":{\"tokens\":[{\"address\":\"$MINT\"}]}}" >/dev/null
SB=$(res getBalance "[\"$SADDR\"]" 'r["value"]' 2>/dev/null)

code=$(sim "{\"to\":\"$(newkey)\",\"amount\":\"1000000\"}")
check "SOL TRANSFER: 200, schema" sh -c "[ $code = 200 ]"
check "SOL TRANSFER: schema" valid
check "SOL TRANSFER: fee 5000 lamports, feeUsd at SOL = 150 USD" \
    is 'j["fee"]["estimatedFee"] == "5000" and j["fee"]["feeSymbol"] == "SOL" and j["fee"]["feeDecimals"] == 9 and abs(j["fee"]["feeUsd"] - 5000 * 150 / 10**9) < 1e-12'
check "SOL TRANSFER: balanceChanges: the node's balance less amount and fee" \
    is "[(c['asset'], c['symbol'], c['decimals'], c['currentBalance'], c['changeAmount'], c['afterBalance']) for c in j['balanceChanges']] == [('native', 'SOL', 9, '$SB', '-1005000', str($SB - 1005000))]"
check "SOL TRANSFER: meta (solana, devnet, TRANSFER, durationMs)" \
    is 'j["success"] and j["meta"]["chain"] == "solana" and j["meta"]["network"] == "devnet" and j["meta"]["transactionType"] == "TRANSFER" and j["meta"]["durationMs"] > 0'

check "SOL TRANSFER: simulation is the node's simulateTransaction: success, its logs, 150 units" \
    is 'j["simulation"]["success"] and j["simulation"]["error"] is None and j["simulation"]["unitsConsumed"] == "150" and "Program 11111111111111111111111111111111 invoke [1]" in j["simulation"]["logs"]'

MEMO_PROG=MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr
code=$(sim "{\"to\":\"$(newkey)\",\"amount\":\"1000000\",\"memo\":\"invoice 42\"}")
check "SOL TRANSFER with a memo: 200, simulated with its Memo instruction (the memo program ran on it)" \
    is "j['simulation']['success'] and 'Program $MEMO_PROG invoke [1]' in j['simulation']['logs'] and any('invoice 42' in l for l in j['simulation']['logs'])"
code=$(sim "{\"type\":\"TOKEN_TRANSFER\",\"to\":\"$(newkey)\",\"amount\":\"1234\",\"memo\":\"spl memo\",\"token\":{\"address\":\"$MINT\",\"decimals\":6}}")
check "SPL TOKEN_TRANSFER with a memo: simulated with it too" \
    is "j['simulation']['success'] and any('$MEMO_PROG invoke' in l for l in j['simulation']['logs']) and any('spl memo' in l for l in j['simulation']['logs'])"

code=$(sim "{\"type\":\"TOKEN_TRANSFER\",\"to\":\"$(newkey)\",\"amount\":\"1234\",\"token\":{\"address\":\"$MINT\",\"decimals\":6,\"symbol\":\"TST\"}}")
check "SPL TOKEN_TRANSFER to a new holder: 200, schema" sh -c "[ $code = 200 ]"
check "SPL TOKEN_TRANSFER: schema" valid
check "SPL TOKEN_TRANSFER: needsAtaCreation, its rent, an ATA_CREATION warning (info)" \
    is 'j["fee"]["needsAtaCreation"] is True and j["fee"]["ataRentCost"] == "2039280" and [w["code"] for w in j["warnings"]] == ["ATA_CREATION"] and j["warnings"][0]["severity"] == "info" and j["success"]'
check "SPL TOKEN_TRANSFER: balanceChanges: SOL by fee and rent, the token by the amount" \
    is "[(c['asset'], c['symbol'], c['decimals'], c['currentBalance'], c['changeAmount'], c['afterBalance']) for c in j['balanceChanges']] == [('native', 'SOL', 9, '$SB', '-2044280', str($SB - 2044280)), ('$MINT', 'TST', 6, '5000000', '-1234', '4998766')]"
check "SPL TOKEN_TRANSFER: simulated by the node (the ATA and token programs ran)" \
    is 'j["simulation"]["success"] and int(j["simulation"]["unitsConsumed"]) > 0 and any("ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL invoke [1]" in l for l in j["simulation"]["logs"]) and any("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA invoke" in l for l in j["simulation"]["logs"])'
code=$(sim "{\"type\":\"TOKEN_TRANSFER\",\"to\":\"$(newkey)\",\"amount\":\"6000000\",\"token\":{\"address\":\"$MINT\",\"decimals\":6}}")
check "SPL more than the wallet holds: 200, schema" valid
check "SPL more than the wallet holds: the node's simulation fails (custom error 0x1), SIMULATION_FAILED" \
    is '(not j["success"]) and (not j["simulation"]["success"]) and "custom program error 0x1" in j["simulation"]["error"] and j["simulation"]["unitsConsumed"] is None and any(w["code"] == "SIMULATION_FAILED" for w in j["warnings"]) and any(w["code"] == "INSUFFICIENT_TOKEN_BALANCE" for w in j["warnings"])'
code=$(sim "{\"type\":\"TOKEN_TRANSFER\",\"to\":\"$(newkey)\",\"amount\":\"1234\",\"token\":{\"address\":\"$MINT\",\"decimals\":9}}")
check "SPL with the wrong decimals: schema" valid
check "SPL with the wrong decimals: DECIMALS_MISMATCH (error), success false" \
    is '(not j["success"]) and any(w["code"] == "DECIMALS_MISMATCH" and w["severity"] == "error" for w in j["warnings"])'

# A CONTRACT_CALL: the System program's transfer as one instruction
# (program, accounts, data), simulated as the signer would build it.
SYS=11111111111111111111111111111111
req POST /v1/policies "{\"walletId\":\"$W\",\"type\":\"CONTRACT_WHITELIST\",\"rules\":{\"contracts\":[{\"address\":\"$SYS\",\"chain\":\"solana\"}]}}" >/dev/null
IX=$(python3 -c 'import base64, struct; print(base64.b64encode(struct.pack("<IQ", 2, 3000000)).decode())')
code=$(sim "{\"type\":\"CONTRACT_CALL\",\"programId\":\"$SYS\",\"instructionData\":\"$IX\",\"accounts\":[{\"pubkey\":\"$SADDR\",\"isSigner\":true,\"isWritable\":true},{\"pubkey\":\"$(newkey)\",\"isSigner\":false,\"isWritable\":true}]}")
check "SOL CONTRACT_CALL: schema" valid
check "SOL CONTRACT_CALL: the node ran its instruction (System transfer, 150 units)" \
    is 'j["success"] and j["simulation"]["success"] and j["simulation"]["unitsConsumed"] == "150" and "Program 11111111111111111111111111111111 success" in j["simulation"]["logs"] and j["meta"]["transactionType"] == "CONTRACT_CALL"'
IX=$(python3 -c 'import base64, struct; print(base64.b64encode(struct.pack("<IQ", 2, 50000000000)).decode())')
code=$(sim "{\"type\":\"CONTRACT_CALL\",\"programId\":\"$SYS\",\"instructionData\":\"$IX\",\"accounts\":[{\"pubkey\":\"$SADDR\",\"isSigner\":true,\"isWritable\":true},{\"pubkey\":\"$(newkey)\",\"isSigner\":false,\"isWritable\":true}]}")
check "SOL CONTRACT_CALL moving more than the wallet holds: the node's simulation fails" \
    is '(not j["success"]) and (not j["simulation"]["success"]) and j["simulation"]["error"].startswith("instruction 0: custom program error 0x1") and any("insufficient lamports" in l for l in j["simulation"]["logs"])'
IX=$(python3 -c 'import base64; print(base64.b64encode(bytes(1200)).decode())')
code=$(sim "{\"type\":\"CONTRACT_CALL\",\"programId\":\"$SYS\",\"instructionData\":\"$IX\",\"accounts\":[{\"pubkey\":\"$SADDR\",\"isSigner\":true,\"isWritable\":true}]}")
check "SOL CONTRACT_CALL too large for a transaction: schema, simulation fails (cannot be built), success false" \
    eval 'valid && is "(not j[\"success\"]) and (not j[\"simulation\"][\"success\"]) and \"cannot be built\" in j[\"simulation\"][\"error\"]"'
code=$(sim "{\"to\":\"$(newkey)\",\"humanAmount\":\"0.001\"}")
check "SOL humanAmount 0.001: 10^6 lamports and the fee leave" \
    is "j['balanceChanges'][0]['changeAmount'] == '-1005000'"
code=$(sim "{\"to\":\"$(newkey)\",\"amount\":\"1000000\",\"gasCondition\":{\"maxGasPrice\":\"1\"}}")
check "gasCondition on a Solana wallet: 400 naming gasCondition" bad gasCondition "$code"
code=$(sim "{\"to\":\"$(newkey)\",\"humanAmount\":\"0.0000000001\"}")
check "SOL humanAmount with 10 decimals: 400 naming humanAmount" bad humanAmount "$code"
code=$(sim "{\"type\":\"TOKEN_TRANSFER\",\"to\":\"$(newkey)\",\"amount\":\"1234\",\"token\":{\"assetId\":\"solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1/token:$MINT\",\"decimals\":6}}")
check "SPL token.assetId on devnet (its genesis prefix): the mint" \
    is "j['success'] and j['balanceChanges'][1]['asset'] == '$MINT'"
code=$(sim "{\"type\":\"TOKEN_TRANSFER\",\"to\":\"$(newkey)\",\"amount\":\"1234\",\"token\":{\"address\":\"$MINT\",\"assetId\":\"solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp/token:$MINT\",\"decimals\":6}}")
check "SPL token.assetId of mainnet on devnet: 400 naming token.assetId" \
    bad token.assetId "$code"
check "dry runs stored nothing (five rows: the real sends)" \
    [ "$(sqlite3 "$DATA/data/waiaas.db" "SELECT count(*) FROM transactions")" = "$((rows0 + 5))" ]
check "no sanitizer report" no_sanitizer_reports
