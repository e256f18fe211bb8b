#!/bin/sh
# Networks as WAIaaS clients name them (issue 16): a CAIP-2 id wherever a
# network name goes (the query's ':' as is or as %3A, a send's body),
# network=all on balance and assets (every network of the wallet's chain
# and environment, one entry each, an unreachable one an entry with its
# error), and the CAIP ids and formatted amounts the reference's answers
# carry.  Two anvils are ethereum-sepolia and base-sepolia, litesvm is
# Solana devnet; the other testnets point at a closed local port, so
# their entries fail fast and the same way on every machine.
. tests/integration/lib.sh

ACC1=0x70997970C51812dc3A010C7d01b50e0d17dc79C8
DEAD=http://127.0.0.1:$(free_port)	# nothing listens there

start_anvil --chain-id 11155111
SEP=$ANVIL_URL
start_anvil --chain-id 84532
BASE=$ANVIL_URL
start_svm
TOKEN=$(sh tests/contracts/deploy.sh "$SEP" "$ANVIL_KEY0" 6)
WAIAAS_RPC_EVM_ETHEREUM_SEPOLIA=$SEP WAIAAS_RPC_EVM_BASE_SEPOLIA=$BASE \
WAIAAS_RPC_EVM_POLYGON_AMOY=$DEAD WAIAAS_RPC_EVM_ARBITRUM_SEPOLIA=$DEAD \
WAIAAS_RPC_EVM_OPTIMISM_SEPOLIA=$DEAD WAIAAS_RPC_EVM_HYPEREVM_TESTNET=$DEAD \
WAIAAS_RPC_SOLANA_DEVNET=$SVM_URL WAIAAS_RPC_SOLANA_TESTNET=$DEAD \
WAIAAS_SECURITY_PRICE_STATIC="ETH=2000;SOL=150" \
WAIAAS_RPC_POLL_INTERVAL_MS=100 start_daemon || cannot_run "daemon starts with RPC URLs"

req POST /v1/wallets '{"name":"evm","chain":"ethereum","environment":"testnet"}' >/dev/null
W=$(jget 'j["id"]')
ADDR=$(jget 'j["publicKey"]')
S="Authorization: Bearer $(jget 'j["session"]["token"]')"
"$CAST" send -q --rpc-url "$SEP" --private-key "$ANVIL_KEY0" "$ADDR" \
    --value 10ether >/dev/null
"$CAST" send -q --rpc-url "$BASE" --private-key "$ANVIL_KEY0" "$ADDR" \
    --value 2.5ether >/dev/null
"$CAST" send -q --rpc-url "$SEP" --private-key "$ANVIL_KEY0" "$TOKEN" \
    'mint(address,uint256)' "$ADDR" 1234500 >/dev/null
req POST /v1/policies "{\"walletId\":\"$W\",\"type\":\"ALLOWED_TOKENS\",\"rules\":{\"tokens\":[{\"address\":\"$TOKEN\"}]}}" >/dev/null
req POST /v1/policies '{"type":"SPENDING_LIMIT","rules":{"instant_max":"2000000000000000000","instant_max_usd":1000000}}' >/dev/null
LTOKEN=$(printf '%s' "$TOKEN" | tr 'A-F' 'a-f')

# ---- one network: the ids and the formatted amount ----
code=$(req GET /v1/wallet/balance "" "$S")
check "balance without network: 200, the wallet's own ($code)" \
    [ "$code $(jget 'j["network"]')" = "200 ethereum-sepolia" ]
check "... chainId is eip155:11155111" [ "$(jget 'j["chainId"]')" = eip155:11155111 ]
check "... assetId is the native coin's CAIP-19" \
    [ "$(jget 'j["assetId"]')" = eip155:11155111/slip44:60 ]
check "... balanceFormatted 10, balance in wei" \
    [ "$(jget '(j["balanceFormatted"], j["balance"])')" = "('10', '10000000000000000000')" ]
code=$(req GET "/v1/wallet/balance?token=$TOKEN" "" "$S")
check "a token's balance: its CAIP-19 id in lowercase, 1.2345 of 6 decimals" \
    [ "$code $(jget '(j["assetId"], j["balanceFormatted"])')" = "200 ('eip155:11155111/erc20:$LTOKEN', '1.2345')" ]
code=$(req GET /v1/wallet/assets "" "$S")
check "assets: chainId, and each asset's assetId and balanceFormatted ($code)" \
    [ "$code $(jget '[j["chainId"]] + [(a["assetId"], a["balanceFormatted"]) for a in j["assets"]]')" = \
      "200 ['eip155:11155111', ('eip155:11155111/slip44:60', '10'), ('eip155:11155111/erc20:$LTOKEN', '1.2345')]" ]

# ---- a CAIP-2 id where a network name goes ----
for n in 'eip155:84532' 'eip155%3A84532' 'eip155%3a84532'; do
	code=$(req GET "/v1/wallet/balance?network=$n" "" "$S")
	check "network=$n is base-sepolia: 2.5 ETH there ($code)" \
	    [ "$code $(jget '(j["network"], j["balanceFormatted"], j["chainId"])')" = \
	      "200 ('base-sepolia', '2.5', 'eip155:84532')" ]
done
code=$(req GET "/v1/wallet/assets?network=eip155:84532" "" "$S")
check "assets by CAIP-2 id: base-sepolia's ($code)" \
    [ "$code $(jget 'j["network"]')" = "200 base-sepolia" ]
code=$(req GET "/v1/wallet/address?network=eip155:84532" "" "$S")
check "address by CAIP-2 id ($code)" \
    [ "$code $(jget '(j["network"], j["address"])')" = "200 ('base-sepolia', '$ADDR')" ]
code=$(req GET "/v1/wallet/balance?network=eip155:1" "" "$S")
check "a mainnet's id on a testnet wallet: 400 ENVIRONMENT_NETWORK_MISMATCH ($code)" \
    [ "$code $(jget 'j["code"]')" = "400 ENVIRONMENT_NETWORK_MISMATCH" ]
for n in 'eip155:5' 'eip155:' 'solana:devnet' 'eip155%3G1' 'eip155%00' \
    'EIP155:84532' 'eip155:84532%20'; do
	code=$(req GET "/v1/wallet/balance?network=$n" "" "$S")
	check "network=$n: 400 naming network ($code)" \
	    [ "$code $(jget '[i["path"][0] for i in j["details"]["issues"]]')" = "400 ['network']" ]
done
code=$(req GET "/v1/wallet/balance?network=$(python3 -c 'print("a"*65)')" "" "$S")
check "a network of 65 characters: 400 naming network ($code)" \
    [ "$code $(jget '[i["path"][0] for i in j["details"]["issues"]]')" = "400 ['network']" ]

b0=$("$CAST" balance --rpc-url "$BASE" "$ACC1")
id=$(send "{\"network\":\"eip155:84532\",\"to\":\"$ACC1\",\"amount\":\"1000\"}")
r=$(wait_tx "$id")
check "a send with network eip155:84532 reaches CONFIRMED on base-sepolia" \
    [ "$(printf '%s' "$r" | python3 -c 'import json,sys; j=json.load(sys.stdin); print(j["status"], j["network"])')" = "CONFIRMED base-sepolia" ]
check "... and moved 1000 wei there" \
    [ "$(python3 -c "print($("$CAST" balance --rpc-url "$BASE" "$ACC1") - $b0)")" = 1000 ]
code=$(req POST /v1/transactions/send "{\"network\":\"eip155:1\",\"to\":\"$ACC1\",\"amount\":\"1\"}" "$S")
check "a send naming a mainnet id: 400 ENVIRONMENT_NETWORK_MISMATCH ($code)" \
    [ "$code $(jget 'j["code"]')" = "400 ENVIRONMENT_NETWORK_MISMATCH" ]

# ---- network=all ----
EVM_TESTNETS="['ethereum-sepolia', 'polygon-amoy', 'arbitrum-sepolia', 'optimism-sepolia', 'base-sepolia', 'hyperevm-testnet']"
code=$(req GET "/v1/wallet/balance?network=all" "" "$S")
check "balance network=all: 200, the wallet and its environment ($code)" \
    [ "$code $(jget '(j["walletId"], j["chain"], j["environment"], j["address"])')" = \
      "200 ('$W', 'ethereum', 'testnet', '$ADDR')" ]
check "... one entry per EVM testnet, in the table's order" \
    [ "$(jget '[b["network"] for b in j["balances"]]')" = "$EVM_TESTNETS" ]
check "... ethereum-sepolia: 10 ETH, with its ids" \
    [ "$(jget '[(b["balanceFormatted"], b["symbol"], b["decimals"], b["chainId"], b["assetId"]) for b in j["balances"] if b["network"] == "ethereum-sepolia"]')" = \
      "[('10', 'ETH', 18, 'eip155:11155111', 'eip155:11155111/slip44:60')]" ]
check "... base-sepolia: what it holds after the send" \
    [ "$(jget '[b["balance"] for b in j["balances"] if b["network"] == "base-sepolia"]')" = \
      "['$("$CAST" balance --rpc-url "$BASE" "$ADDR")']" ]
check "... each unreachable one: an error naming its setting, no balance" \
    [ "$(jget '[("balance" in b, "WAIAAS_RPC_EVM_" + b["network"].upper().replace("-", "_") in b["error"]) for b in j["balances"] if b["network"] not in ("ethereum-sepolia", "base-sepolia")]')" = \
      "[(False, True), (False, True), (False, True), (False, True)]" ]
code=$(req GET "/v1/wallet/assets?network=all&walletId=$W" "" "$S")
check "assets network=all: 200, one entry per EVM testnet ($code)" \
    [ "$code $(jget '[a["network"] for a in j["networkAssets"]]')" = "200 $EVM_TESTNETS" ]
check "... ethereum-sepolia lists ETH and the token with their ids" \
    [ "$(jget '[[(x["symbol"], x["assetId"], x["balanceFormatted"]) for x in a["assets"]] for a in j["networkAssets"] if a["network"] == "ethereum-sepolia"]')" = \
      "[[('ETH', 'eip155:11155111/slip44:60', '10'), ('TEST', 'eip155:11155111/erc20:$LTOKEN', '1.2345')]]" ]
check "... base-sepolia lists its ETH" \
    [ "$(jget '[[x["assetId"] for x in a["assets"]] for a in j["networkAssets"] if a["network"] == "base-sepolia"]')" = \
      "[['eip155:84532/slip44:60']]" ]
code=$(req GET "/v1/wallet/balance?network=all&token=$TOKEN" "" "$S")
check "network=all with a token: 400 naming token ($code)" \
    [ "$code $(jget '[i["path"][0] for i in j["details"]["issues"]]')" = "400 ['token']" ]
code=$(req GET "/v1/wallet/address?network=all" "" "$S")
check "address takes no network=all: 400 naming network ($code)" \
    [ "$code $(jget '[i["path"][0] for i in j["details"]["issues"]]')" = "400 ['network']" ]
# Many at once: every answer whole, none mixed with another's.
pids=
for i in 1 2 3 4 5 6 7 8; do
	curl -s -H "$S" "http://127.0.0.1:$PORT/v1/wallet/balance?network=all" \
	    >"$T_TMP/all.$i" &
	pids="$pids $!"
done
wait $pids	# not the peers, which run till the end
n=0
for i in 1 2 3 4 5 6 7 8; do
	[ "$(json_get "$T_TMP/all.$i" '[b["network"] for b in j["balances"]]')" = "$EVM_TESTNETS" ] && n=$((n + 1))
done
check "eight network=all reads at once: eight whole answers ($n)" [ "$n" = 8 ]

# ---- Solana: its CAIP-2 id is the genesis hash's prefix ----
req POST /v1/wallets '{"name":"sol","chain":"solana","environment":"testnet"}' >/dev/null
SA=$(jget 'j["publicKey"]')
SS="Authorization: Bearer $(jget 'j["session"]["token"]')"
rpc "$SVM_URL" requestAirdrop "[\"$SA\",1500000000]" >/dev/null
DEV=solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1
code=$(req GET "/v1/wallet/balance?network=$DEV" "" "$SS")
check "Solana balance by CAIP-2 id: devnet, 1.5 SOL, its ids ($code)" \
    [ "$code $(jget '(j["network"], j["balanceFormatted"], j["chainId"], j["assetId"])')" = \
      "200 ('devnet', '1.5', '$DEV', '$DEV/slip44:501')" ]
code=$(req GET "/v1/wallet/balance?network=all" "" "$SS")
check "Solana network=all: devnet's balance and testnet's error ($code)" \
    [ "$code $(jget '[(b["network"], b.get("balance"), "error" in b) for b in j["balances"]]')" = \
      "200 [('devnet', '1500000000', False), ('testnet', None, True)]" ]
code=$(req GET "/v1/wallet/assets?network=all" "" "$SS")
check "Solana assets network=all: SOL on devnet with its id ($code)" \
    [ "$code $(jget '[[x["assetId"] for x in a.get("assets", [])] for a in j["networkAssets"]]')" = \
      "200 [['$DEV/slip44:501'], []]" ]

kill -TERM "$DPID"; wait_gone "$DPID" 3000; DPID=""
check "no sanitizer reports" no_sanitizer_reports
