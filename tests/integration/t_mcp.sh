#!/bin/sh
# The MCP server on both transports, driven by the official MCP SDK's
# client (tests/node/mcp_client.js): `waiaas mcp` on stdio, and the
# daemon's /mcp over Streamable HTTP with the session token as a Bearer.
# On each: initialize, ping, tools/list with every inputSchema compiled
# by ajv; tools against a real daemon on anvil and litesvm: get_address,
# get_tokens and resolve_asset (the test ERC-20 read from anvil),
# a send that reaches CONFIRMED on each chain, one that waits for the
# owner's APPROVAL, one denied by policy (a tool result with isError
# naming the policy), a revoked session, and a token for wallet A that
# cannot see wallet B.  stdio alone: the token file, read when mode 0600,
# refused when group-readable.  HTTP alone: a foreign Origin is 403, an
# oversized body 413, GET 405, a bad MCP-Protocol-Version 400, a body not
# application/json 415, a bad token 401, a notification 202; the
# loopback origins and public_url's are let through.
. tests/integration/lib.sh

CLI=$PWD/$BUILD/waiaas
NET=ethereum-sepolia
ACC1=0x70997970C51812dc3A010C7d01b50e0d17dc79C8

need_node_modules @modelcontextprotocol/sdk ajv || exit 0
start_anvil --chain-id 11155111
start_svm
# The test ERC-20, for resolve_asset (cast prints it in lowercase).
TOKEN=
[ -n "$MISSING" ] || TOKEN=$(sh tests/contracts/deploy.sh "$ANVIL_URL" "$ANVIL_KEY0" 6) ||
    peer_missing "the test ERC-20 deployed (tests/contracts/deploy.sh)"
WAIAAS_RPC_EVM_ETHEREUM_SEPOLIA=$ANVIL_URL WAIAAS_RPC_SOLANA_DEVNET=$SVM_URL \
WAIAAS_SECURITY_PRICE_STATIC="ETH=2000;SOL=150" \
WAIAAS_DAEMON_PUBLIC_URL=https://Wallet.Example:8443/waiaas/ \
WAIAAS_RPC_POLL_INTERVAL_MS=100 start_daemon || cannot_run "daemon starts"
export WAIAAS_BASE_URL=http://127.0.0.1:$PORT
URL=http://127.0.0.1:$PORT/mcp

req POST /v1/wallets '{"name":"evm","chain":"ethereum","environment":"testnet"}' >/dev/null
WA=$(jget 'j["id"]')
ADDR=$(jget 'j["publicKey"]')
TA=$(jget 'j["session"]["token"]')
SA=$(jget 'j["session"]["id"]')
req POST /v1/wallets '{"name":"sol","chain":"solana","environment":"testnet"}' >/dev/null
WB=$(jget 'j["id"]')
SADDR=$(jget 'j["publicKey"]')
TB=$(jget 'j["session"]["token"]')
"$CAST" send -q --rpc-url "$ANVIL_URL" --private-key "$ANVIL_KEY0" "$ADDR" \
    --value 10ether >/dev/null
rpc "$SVM_URL" requestAirdrop "[\"$SADDR\",5000000000]" >/dev/null

# mcp TRANSPORT TOKEN CALLS_JSON: the client's JSON output in
# $T_TMP/mcp.json; TRANSPORT is stdio or http (the daemon's /mcp).
mcp() {
	if [ "$1" = http ]; then
		MCP_URL=$URL WAIAAS_SESSION_TOKEN=$2 node_bin \
		    tests/node/mcp_client.js "$CLI" "$3" \
		    >"$T_TMP/mcp.json" 2>"$T_TMP/mcp.err"
	else
		WAIAAS_SESSION_TOKEN=$2 node_bin tests/node/mcp_client.js \
		    "$CLI" "$3" >"$T_TMP/mcp.json" 2>"$T_TMP/mcp.err"
	fi
}
mget() { json_get "$T_TMP/mcp.json" "$1"; }

for T in stdio http; do
	mcp $T "$TA" "[{\"tool\":\"get_address\"},
	    {\"tool\":\"send_token\",\"args\":{\"to\":\"$ACC1\",\"amount\":\"1\",\"network\":\"$NET\"}},
	    {\"tool\":\"get_tokens\",\"args\":{\"network\":\"$NET\"}},
	    {\"tool\":\"resolve_asset\",\"args\":{\"asset_id\":\"eip155:11155111/erc20:$TOKEN\"}},
	    {\"tool\":\"get_tokens\",\"args\":{\"network\":\"no-such-net\"}},
	    {\"tool\":\"resolve_asset\",\"args\":{\"asset_id\":\"eip155:11155111/erc20:$ACC1\"}},
	    {\"tool\":\"resolve_asset\",\"args\":{\"asset_id\":\"eip155:11155111/slip44:60\"}},
	    {\"tool\":\"list_incoming_transactions\",\"args\":{\"limit\":5,\"from_address\":\"$ACC1\"}},
	    {\"tool\":\"get_incoming_summary\",\"args\":{\"period\":\"monthly\"}}]"
	check "$T: list_incoming_transactions (wallet_id, from_address as the route takes them): none yet" \
	    [ "$(mget '(lambda r: (r["isError"], r["json"]["data"], r["json"]["hasMore"]))(j["results"][7])')" = "(False, [], False)" ]
	check "$T: get_incoming_summary monthly: no entries" \
	    [ "$(mget '(lambda r: (r["isError"], r["json"]["period"], r["json"]["entries"]))(j["results"][8])')" = "(False, 'monthly', [])" ]
	check "$T: initialize: the server names itself waiaas" \
	    [ "$(mget 'j["server"]["name"]')" = waiaas ]
	check "$T: tools/list: the core tools, nothing this daemon lacks" \
	    [ "$(mget '",".join(sorted(j["tools"]))')" = "approve_token,call_contract,connect_info,encode_calldata,get_address,get_assets,get_balance,get_incoming_summary,get_nft_metadata,get_nonce,get_policies,get_tokens,get_transaction,get_wallet_info,list_incoming_transactions,list_nfts,list_sessions,list_transactions,resolve_asset,send_batch,send_token,sign_message,sign_transaction,simulate_transaction,transfer_nft,x402_fetch" ]
	check "$T: every inputSchema compiles with ajv and every tool has a description" \
	    [ "$(mget 'j["schemaErrors"]')" = "[]" ]
	check "$T: get_address (one wallet, no wallet_id): the wallet's address" \
	    [ "$(mget 'j["results"][0]["json"]["address"].lower()')" = "$(echo "$ADDR" | tr A-Z a-z)" ]
	check "$T: without a policy a send is a tool error naming POLICY_DENIED and SPENDING_LIMIT" \
	    [ "$(mget '(lambda r: r["isError"] and "POLICY_DENIED" in r["text"] and "SPENDING_LIMIT" in r["text"])(j["results"][1])')" = True ]
	check "$T: get_tokens: the network's built-in USDC, no wallet id asked" \
	    [ "$(mget '(lambda r: (r["isError"], r["json"]["network"], [(t["symbol"], t["source"]) for t in r["json"]["tokens"]]))(j["results"][2])')" = "(False, '$NET', [('USDC', 'builtin')])" ]
	check "$T: resolve_asset: the test ERC-20's decimals, symbol and name from anvil" \
	    [ "$(mget '(lambda r: (r["isError"], r["json"]["network"], r["json"]["decimals"], r["json"]["symbol"], r["json"]["name"], r["json"]["address"].lower()))(j["results"][3])')" = "(False, '$NET', 6, 'TEST', 'Test Token', '$TOKEN')" ]
	check "$T: get_tokens of an unknown network: a tool error (400)" \
	    [ "$(mget '(lambda r: r["isError"] and "HTTP 400" in r["text"])(j["results"][4])')" = True ]
	check "$T: resolve_asset of an account without code: a tool error naming INVALID_ADDRESS" \
	    [ "$(mget '(lambda r: r["isError"] and "INVALID_ADDRESS" in r["text"])(j["results"][5])')" = True ]
	check "$T: resolve_asset of the native coin: ETH, 18 decimals" \
	    [ "$(mget '(lambda r: (r["isError"], r["json"]["symbol"], r["json"]["decimals"]))(j["results"][6])')" = "(False, 'ETH', 18)" ]
done
check "http: the protocol version negotiated is the SDK's latest" \
    [ "$(mget 'j["protocol"]')" = 2025-11-25 ]

req POST /v1/policies '{"type":"SPENDING_LIMIT","rules":{"instant_max":"2000000000000000000","instant_max_usd":1000000}}' >/dev/null
# An unsigned transaction of a dApp's, for sign_transaction.
UTX=$(node_bin tests/integration/evm_tx.js unsigned "{\"type\":2,\"chainId\":11155111,\"nonce\":500,\"maxPriorityFeePerGas\":\"1\",\"maxFeePerGas\":\"1000000000\",\"gasLimit\":21000,\"to\":\"$ACC1\",\"value\":\"1\"}")
for T in stdio http; do
	mcp $T "$TA" "[{\"tool\":\"send_token\",\"args\":{\"to\":\"$ACC1\",\"amount\":\"1234567\",\"network\":\"$NET\",\"gas_condition\":{\"max_gas_price\":\"1000000000000\"}}},
	    {\"tool\":\"get_transaction\",\"args\":{\"transaction_id\":\"\$ID\"},\"until\":[\"CONFIRMED\",\"FAILED\"]},
	    {\"tool\":\"send_token\",\"args\":{\"to\":\"$ACC1\",\"amount\":\"3000000000000000000\",\"network\":\"$NET\"}},
	    {\"tool\":\"get_balance\",\"args\":{\"network\":\"$NET\"}},
	    {\"tool\":\"get_address\",\"args\":{\"wallet_id\":\"$WB\"}},
	    {\"tool\":\"connect_info\"},
	    {\"tool\":\"list_sessions\"},
	    {\"tool\":\"sign_transaction\",\"args\":{\"transaction\":\"$UTX\",\"network\":\"$NET\"}}]"
	check "$T: send_token on anvil (gas_condition mapped) reaches CONFIRMED via get_transaction" \
	    [ "$(mget 'j["results"][1]["json"]["status"]')" = CONFIRMED ]
	check "$T: the chain has it" [ "$("$CAST" receipt --rpc-url "$ANVIL_URL" \
	    "$(mget 'j["results"][1]["json"]["txHash"]')" status)" = true ]
	check "$T: above the instant limit: QUEUED for the owner's APPROVAL, not an error" \
	    [ "$(mget '(lambda r: (r["isError"], r["json"]["status"], r["json"]["tier"]))(j["results"][2])')" = "(False, 'QUEUED', 'APPROVAL')" ]
	check "$T: get_balance: the balance in wei" \
	    [ "$(mget 'j["results"][3]["isError"] is False and int(j["results"][3]["json"]["balance"]) > 0')" = True ]
	check "$T: wallet A's token cannot see wallet B: a tool error" \
	    [ "$(mget 'j["results"][4]["isError"]')" = True ]
	check "$T: connect_info names only wallet A" \
	    sh -c "grep -q '$WA' '$T_TMP/mcp.json' && ! grep -q '$SADDR' '$T_TMP/mcp.json'"
	check "$T: list_sessions: the session sees itself alone" \
	    [ "$(mget '[s["id"] for s in j["results"][6]["json"]["data"]]')" = "['$SA']" ]
	check "$T: sign_transaction: the dApp's transfer signed, a TRANSFER, not sent" \
	    [ "$(mget '(lambda r: (r["isError"], r["json"]["signedTransaction"][:4], r["json"]["operations"][0]["type"]))(j["results"][7])')" = "(False, '0x02', 'TRANSFER')" ]
	mget 'j["results"][0]["json"]["id"]' >>"$T_TMP/txids"
done
# The same route, the same audit: each transport's send has the same
# events, with wallet A's session as the actor.
req GET "/v1/audit-logs?limit=200" >/dev/null
AUD=$(json_get "$T_TMP/body" "[sorted((e['event'], e['actor'], e['sessionId']) for e in j['data'] if e['txId'] == t) for t in '''$(cat "$T_TMP/txids")'''.split()]")
echo "# audit of the two sends: $AUD"
check "both sends have the same audit entries, by the session" \
    python3 -c "import sys; a = eval(sys.argv[1]); sys.exit(not (len(a) == 2 and a[0] == a[1] and any(e[0] == 'TX_REQUESTED' and e[2] == '$SA' for e in a[0])))" "$AUD"

# Solana on litesvm: on stdio the token from a 0600 file and the wallet
# from WAIAAS_WALLET_ID; on HTTP the token as the Bearer.
mkdir -p "$T_TMP/dd/tokens"
printf '%s\n' "$TB" >"$T_TMP/dd/tokens/$WB"
chmod 600 "$T_TMP/dd/tokens/$WB"
b58() {
	python3 -c 'import os
a = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
n = int.from_bytes(os.urandom(32), "big"); s = ""
while n: n, r = divmod(n, 58); s = a[r] + s
print(s)'
}
SOLSEND='[{"tool":"send_token","args":{"to":"TO","amount":"1000000"}},
    {"tool":"get_transaction","args":{"transaction_id":"$ID"},"until":["CONFIRMED","FAILED"]},
    {"tool":"get_tokens","args":{"network":"devnet"}},
    {"tool":"send_batch","args":{"instructions":[{"to":"TO2","amount":"900000"},{"type":"TRANSFER","to":"TO3","amount":"950000"}]}},
    {"tool":"get_transaction","args":{"transaction_id":"$ID"},"until":["CONFIRMED","FAILED"]},
    {"tool":"send_batch","args":{"instructions":[{"to":"TO2","amount":"900000"}]}}]'
for T in stdio http; do
	TO=$(b58) TO2=$(b58) TO3=$(b58)
	SENDS=$(echo "$SOLSEND" | sed "s/\"TO\"/\"$TO\"/; s/\"TO2\"/\"$TO2\"/g; s/\"TO3\"/\"$TO3\"/")
	if [ $T = stdio ]; then
		WAIAAS_DATA_DIR=$T_TMP/dd WAIAAS_WALLET_ID=$WB mcp stdio "" \
		    "$SENDS"
		what="token file 0600 + WAIAAS_WALLET_ID"
	else
		mcp http "$TB" "$SENDS"
		what="wallet B's token"
	fi
	check "$T: send_batch of two SOL transfers: one BATCH that reaches CONFIRMED" \
	    [ "$(mget '(lambda r: (r["isError"], r["json"]["type"], r["json"]["status"], r["json"]["amount"], len(r["json"]["instructions"])))(j["results"][4])')" = "(False, 'BATCH', 'CONFIRMED', '1850000', 2)" ]
	check "$T: both recipients got their lamports" [ "$(for a in "$TO2" "$TO3"; do rpc "$SVM_URL" getBalance "[\"$a\"]" | \
	    python3 -c 'import json,sys; print(json.load(sys.stdin)["result"]["value"])'; done | tr '\n' ' ')" = "900000 950000 " ]
	check "$T: send_batch of one instruction: a tool error (400)" \
	    [ "$(mget '(lambda r: r["isError"] and "HTTP 400" in r["text"])(j["results"][5])')" = True ]
	check "$T: $what: a SOL send on litesvm reaches CONFIRMED" \
	    [ "$(mget 'j["results"][1]["json"]["status"]')" = CONFIRMED ]
	check "$T: the recipient got the lamports" [ "$(rpc "$SVM_URL" getBalance "[\"$TO\"]" | \
	    python3 -c 'import json,sys; print(json.load(sys.stdin)["result"]["value"])')" = 1000000 ]
	check "$T: $what: get_tokens lists devnet's mints (no walletId added to its query)" \
	    [ "$(mget '(lambda r: (r["isError"], sorted(t["symbol"] for t in r["json"]["tokens"])))(j["results"][2])')" = "(False, ['USDC', 'wSOL'])" ]
done
chmod 640 "$T_TMP/dd/tokens/$WB"
check "stdio: a group-readable token file is refused, the token not logged" \
    sh -c "! WAIAAS_DATA_DIR=$T_TMP/dd WAIAAS_WALLET_ID=$WB $CLI mcp </dev/null 2>$T_TMP/e && grep -q refused $T_TMP/e && ! grep -qF '$TB' $T_TMP/e"

# The HTTP transport's own checks, with curl.
# post [curl args...]: POST to /mcp with wallet A's token; the status.
post() {
	http_code -X POST -H "Authorization: Bearer $TA" "$@" "$URL"
}
PING='{"jsonrpc":"2.0","id":1,"method":"ping"}'
J='Content-Type: application/json'
code=$(post -H "$J" -H "Origin: http://evil.example" --data "$PING")
ecode=$(json_get "$T_TMP/body" 'j["code"]')
check "http: a foreign Origin is 403 ($code) in the documented error format ($ecode)" \
    [ "$code:$ecode" = 403:FORBIDDEN ]
code=$(post -H "$J" -H "Origin: http://127.0.0.1:$PORT.evil.example" --data "$PING")
check "http: an Origin that only starts like ours is 403 ($code)" [ "$code" = 403 ]
MCP_ORIGIN=http://attacker.example mcp http "$TA" '[]'
check "http: the SDK client sent with a foreign Origin cannot connect" \
    sh -c "grep -q connectError '$T_TMP/mcp.json' && grep -q 403 '$T_TMP/mcp.json'"
for o in "http://127.0.0.1:$PORT" "http://localhost:$PORT" \
    "https://wallet.example:8443"; do
	code=$(post -H "$J" -H "Origin: $o" --data "$PING")
	check "http: Origin $o is ours: ping answers ($code)" \
	    sh -c "[ $code = 200 ] && grep -q '\"result\":{}' $T_TMP/body"
done
code=$(post -H "$J" -H "Origin: https://wallet.example" --data "$PING")
check "http: public_url's host on another port is not ours: 403 ($code)" \
    [ "$code" = 403 ]
python3 -c 'print("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"params\":{\"x\":\"" + "a" * 300000 + "\"}}")' >"$T_TMP/big"
code=$(post -H "$J" --data-binary @"$T_TMP/big")
check "http: a body over the limit is 413 ($code)" [ "$code" = 413 ]
code=$(http_code -H "Authorization: Bearer $TA" "$URL")
check "http: GET /mcp is 405 with Allow: POST (no SSE stream) ($code)" \
    sh -c "[ $code = 405 ] && curl -s -o /dev/null -D - '$URL' | grep -qi '^allow: POST'"
code=$(http_code -X DELETE -H "Authorization: Bearer $TA" "$URL")
check "http: DELETE /mcp is 405: stateless, no session to end ($code)" [ "$code" = 405 ]
code=$(post -H "$J" -H "MCP-Protocol-Version: 1999-01-01" --data "$PING")
check "http: an unsupported MCP-Protocol-Version is 400 ($code)" [ "$code" = 400 ]
code=$(post -H "MCP-Protocol-Version: 2025-06-18" -H "$J" --data "$PING")
check "http: a supported MCP-Protocol-Version is taken ($code)" [ "$code" = 200 ]
code=$(post -H "Content-Type: text/plain" --data "$PING")
check "http: a body not application/json is 415 ($code)" [ "$code" = 415 ]
code=$(post -H "$J" --data '{"jsonrpc":"2.0","method":"notifications/initialized"}')
check "http: a notification is 202 ($code)" [ "$code" = 202 ]
code=$(post -H "$J" --data 'nonsense')
check "http: not JSON: 400 with a JSON-RPC parse error ($code)" \
    sh -c "[ $code = 400 ] && grep -q -- '-32700' $T_TMP/body"
code=$(post -H "$J" --data '[{"jsonrpc":"2.0","id":1,"method":"ping"}]')
check "http: a batch (an array) is an invalid request ($code)" \
    sh -c "[ $code = 400 ] && grep -q -- '-32600' $T_TMP/body"
code=$(http_code -X POST -H "$J" --data "$PING" "$URL")
check "http: no token is 401 ($code)" [ "$code" = 401 ]
code=$(http_code -X POST -H "$J" -H "Authorization: Bearer nope" --data "$PING" "$URL")
check "http: a garbage token is 401 ($code)" [ "$code" = 401 ]

# Revoked: the operator revokes A's session; the next call says so.
req DELETE "/v1/sessions/$SA" >/dev/null
mcp stdio "$TA" '[{"tool":"get_address"}]'
check "stdio: after revocation the tool result is an error saying the session was revoked" \
    [ "$(mget '(lambda r: r["isError"] and "SESSION_REVOKED" in r["text"] and "revoked" in r["text"])(j["results"][0])')" = True ]
mcp http "$TA" '[{"tool":"get_address"}]'
check "http: after revocation the client cannot connect: 401 SESSION_REVOKED" \
    sh -c "grep -q connectError '$T_TMP/mcp.json' && grep -q 401 '$T_TMP/mcp.json' && grep -q SESSION_REVOKED '$T_TMP/mcp.json'"

# Framing: a line that is not JSON is a parse error, the server goes on.
printf 'nonsense\n{"jsonrpc":"2.0","id":7,"method":"ping"}\n' | \
    WAIAAS_SESSION_TOKEN=x "$CLI" mcp >"$T_TMP/raw" 2>/dev/null
check "stdio: bad JSON: -32700, then ping answers" \
    sh -c "grep -q -- '-32700' $T_TMP/raw && grep -q '\"id\":7,\"result\":{}' $T_TMP/raw"
check "no sanitizer reports" no_sanitizer_reports
