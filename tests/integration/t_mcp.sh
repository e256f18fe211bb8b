#!/bin/sh
# waiaas mcp, the stdio MCP server, driven by the official MCP SDK's
# client (tests/node/mcp_client.js): initialize, ping, tools/list with
# every inputSchema compiled by ajv; tools against a real daemon on anvil
# and litesvm: get_address, a send that reaches CONFIRMED on each chain,
# one that waits for the owner's APPROVAL, one denied by policy (a tool
# result with isError naming the policy), a revoked session, and a token
# for wallet A that cannot see wallet B.  The token file: read when mode
# 0600, refused when group-readable.
. tests/integration/lib.sh

CLI=$PWD/$BUILD/waiaas
NET=ethereum-sepolia
ACC1=0x70997970C51812dc3A010C7d01b50e0d17dc79C8

need_node_modules @modelcontextprotocol/sdk ajv || exit 0
start_anvil --chain-id 11155111
start_svm
WAIAAS_RPC_EVM_ETHEREUM_SEPOLIA=$ANVIL_URL WAIAAS_RPC_SOLANA_DEVNET=$SVM_URL \
WAIAAS_SECURITY_PRICE_STATIC="ETH=2000;SOL=150" \
WAIAAS_RPC_POLL_INTERVAL_MS=100 start_daemon || cannot_run "daemon starts"
export WAIAAS_BASE_URL=http://127.0.0.1:$PORT

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

# mcp TOKEN CALLS_JSON: the client's JSON output in $T_TMP/mcp.json.
mcp() {
	WAIAAS_SESSION_TOKEN=$1 node_bin tests/node/mcp_client.js "$CLI" "$2" \
	    >"$T_TMP/mcp.json" 2>"$T_TMP/mcp.err"
}
mget() { json_get "$T_TMP/mcp.json" "$1"; }

mcp "$TA" "[{\"tool\":\"get_address\"},
    {\"tool\":\"send_token\",\"args\":{\"to\":\"$ACC1\",\"amount\":\"1\",\"network\":\"$NET\"}}]"
check "initialize: the server names itself waiaas" [ "$(mget 'j["server"]["name"]')" = waiaas ]
check "tools/list: the core tools, nothing this daemon lacks" \
    [ "$(mget '",".join(sorted(j["tools"]))')" = "approve_token,call_contract,connect_info,get_address,get_assets,get_balance,get_nonce,get_policies,get_transaction,get_wallet_info,list_transactions,send_token,sign_message,simulate_transaction" ]
check "every inputSchema compiles with ajv and every tool has a description" \
    [ "$(mget 'j["schemaErrors"]')" = "[]" ]
check "get_address (one wallet, no wallet_id): the wallet's address" \
    [ "$(mget 'j["results"][0]["json"]["address"].lower()')" = "$(echo "$ADDR" | tr A-Z a-z)" ]
check "without a policy a send is a tool error naming POLICY_DENIED and SPENDING_LIMIT" \
    [ "$(mget '(lambda r: r["isError"] and "POLICY_DENIED" in r["text"] and "SPENDING_LIMIT" in r["text"])(j["results"][1])')" = True ]

req POST /v1/policies '{"type":"SPENDING_LIMIT","rules":{"instant_max":"2000000000000000000","instant_max_usd":1000000}}' >/dev/null
mcp "$TA" "[{\"tool\":\"send_token\",\"args\":{\"to\":\"$ACC1\",\"amount\":\"1234567\",\"network\":\"$NET\",\"gas_condition\":{\"max_gas_price\":\"1000000000000\"}}},
    {\"tool\":\"get_transaction\",\"args\":{\"transaction_id\":\"\$ID\"},\"until\":[\"CONFIRMED\",\"FAILED\"]},
    {\"tool\":\"send_token\",\"args\":{\"to\":\"$ACC1\",\"amount\":\"3000000000000000000\",\"network\":\"$NET\"}},
    {\"tool\":\"get_balance\",\"args\":{\"network\":\"$NET\"}},
    {\"tool\":\"get_address\",\"args\":{\"wallet_id\":\"$WB\"}},
    {\"tool\":\"connect_info\"}]"
check "send_token on anvil (gas_condition mapped) reaches CONFIRMED via get_transaction" \
    [ "$(mget 'j["results"][1]["json"]["status"]')" = CONFIRMED ]
check "the chain has it" [ "$("$CAST" receipt --rpc-url "$ANVIL_URL" \
    "$(mget 'j["results"][1]["json"]["txHash"]')" status)" = true ]
check "above the instant limit: QUEUED for the owner's APPROVAL, not an error" \
    [ "$(mget '(lambda r: (r["isError"], r["json"]["status"], r["json"]["tier"]))(j["results"][2])')" = "(False, 'QUEUED', 'APPROVAL')" ]
check "get_balance: the balance in wei" \
    [ "$(mget 'j["results"][3]["isError"] is False and int(j["results"][3]["json"]["balance"]) > 0')" = True ]
check "wallet A's token cannot see wallet B: a tool error" \
    [ "$(mget 'j["results"][4]["isError"]')" = True ]
check "connect_info names only wallet A" \
    sh -c "grep -q '$WA' '$T_TMP/mcp.json' && ! grep -q '$SADDR' '$T_TMP/mcp.json'"

# Solana on litesvm, the token from a 0600 file, wallet from WAIAAS_WALLET_ID.
mkdir -p "$T_TMP/dd/tokens"
printf '%s\n' "$TB" >"$T_TMP/dd/tokens/$WB"
chmod 600 "$T_TMP/dd/tokens/$WB"
TO=$(python3 -c 'import os
a = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
n = int.from_bytes(os.urandom(32), "big"); s = ""
while n: n, r = divmod(n, 58); s = a[r] + s
print(s)')
WAIAAS_DATA_DIR=$T_TMP/dd WAIAAS_WALLET_ID=$WB mcp "" "[{\"tool\":\"send_token\",\"args\":{\"to\":\"$TO\",\"amount\":\"1000000\"}},
    {\"tool\":\"get_transaction\",\"args\":{\"transaction_id\":\"\$ID\"},\"until\":[\"CONFIRMED\",\"FAILED\"]}]"
check "token file 0600 + WAIAAS_WALLET_ID: a SOL send on litesvm reaches CONFIRMED" \
    [ "$(mget 'j["results"][1]["json"]["status"]')" = CONFIRMED ]
check "the recipient got the lamports" [ "$(rpc "$SVM_URL" getBalance "[\"$TO\"]" | \
    python3 -c 'import json,sys; print(json.load(sys.stdin)["result"]["value"])')" = 1000000 ]
chmod 640 "$T_TMP/dd/tokens/$WB"
check "a group-readable token file is refused, the token not logged" \
    sh -c "! WAIAAS_DATA_DIR=$T_TMP/dd WAIAAS_WALLET_ID=$WB $CLI mcp </dev/null 2>$T_TMP/e && grep -q refused $T_TMP/e && ! grep -qF '$TB' $T_TMP/e"

# Revoked: the operator revokes A's session; the next tool call says so.
req DELETE "/v1/sessions/$SA" >/dev/null
mcp "$TA" '[{"tool":"get_address"}]'
check "after revocation the tool result is an error saying the session was revoked" \
    [ "$(mget '(lambda r: r["isError"] and "SESSION_REVOKED" in r["text"] and "revoked" in r["text"])(j["results"][0])')" = True ]

# Framing: a line that is not JSON is a parse error, the server goes on.
printf 'nonsense\n{"jsonrpc":"2.0","id":7,"method":"ping"}\n' | \
    WAIAAS_SESSION_TOKEN=x "$CLI" mcp >"$T_TMP/raw" 2>/dev/null
check "bad JSON: -32700, then ping answers" \
    sh -c "grep -q -- '-32700' $T_TMP/raw && grep -q '\"id\":7,\"result\":{}' $T_TMP/raw"
check "no sanitizer reports" no_sanitizer_reports
