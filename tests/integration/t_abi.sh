#!/bin/sh
# POST /v1/utils/encode-calldata (chain/abi.c behind policyd): the
# calldata of every case of tests/vectors/abi_vectors.py (ERC-20 calls,
# negative and narrow integers, fixed and dynamic bytes, strings, T[]
# and T[k] nested, tuples static and dynamic, arrays of tuples) compared
# with Foundry's `cast calldata` for the same signature; the route's
# refusals (its auth, the body's shape, ABI_ENCODING_FAILED with the
# argument named); and the MCP tool encode_calldata over /mcp.
. tests/integration/lib.sh

ACC1=0x70997970C51812dc3A010C7d01b50e0d17dc79C8
[ -x "$CAST" ] || peer_missing "cast ($CAST)"
start_daemon || cannot_run "daemon starts"
req POST /v1/wallets '{"name":"evm","chain":"ethereum","environment":"testnet"}' >/dev/null
TOK=$(jget 'j["session"]["token"]')
S="Authorization: Bearer $TOK"

if [ -z "$MISSING" ]; then
	python3 tests/integration/abi_cast.py "$PORT" "$TOK" "$CAST"
else
	notok "the cases against cast (not run: $MISSING)"
fi

ERC20='[{"type":"function","name":"transfer","inputs":[{"name":"to","type":"address"},{"name":"amount","type":"uint256"}],"outputs":[{"name":"","type":"bool"}]}]'
ec() { req POST /v1/utils/encode-calldata "$1" "${2:-$S}"; }
code() { jget 'j["code"]'; }
msg() { jget 'j["message"]'; }

check "functionName comes back as given, the selector is the calldata's first 4 bytes" \
    [ "$(ec "{\"abi\":$ERC20,\"functionName\":\"transfer\",\"args\":[\"$ACC1\",\"1\"]}") $(jget 'j["functionName"], j["selector"], j["calldata"][:10]')" = "200 transfer 0xa9059cbb 0xa9059cbb" ]
check "functionName may be a canonical signature" \
    [ "$(ec "{\"abi\":$ERC20,\"functionName\":\"transfer(address,uint256)\",\"args\":[\"$ACC1\",\"1\"]}")" = 200 ]
check "no token: 401" \
    [ "$(ec "{\"abi\":$ERC20,\"functionName\":\"transfer\",\"args\":[]}" "X-None: 1") $(code)" = "401 INVALID_TOKEN" ]
check "the master password is no session: 401" \
    [ "$(ec "{\"abi\":$ERC20,\"functionName\":\"transfer\",\"args\":[]}" "X-Master-Password: $WAIAAS_MASTER_PASSWORD")" = 401 ]
check "an amount out of range: 400 ABI_ENCODING_FAILED naming args[1]" \
    [ "$(ec "{\"abi\":$ERC20,\"functionName\":\"transfer\",\"args\":[\"$ACC1\",\"-1\"]}") $(code) $(msg)" = "400 ABI_ENCODING_FAILED args[1]: uint256: negative" ]
check "a bad address: 400 ABI_ENCODING_FAILED naming args[0]" \
    [ "$(ec "{\"abi\":$ERC20,\"functionName\":\"transfer\",\"args\":[\"0x12\",\"1\"]}") $(code) $(jget 'j["message"].startswith("args[0]: address")')" = "400 ABI_ENCODING_FAILED True" ]
check "a function the ABI lacks: 400 ABI_ENCODING_FAILED" \
    [ "$(ec "{\"abi\":$ERC20,\"functionName\":\"approve\",\"args\":[]}") $(code) $(msg)" = "400 ABI_ENCODING_FAILED functionName: no function approve in the ABI" ]
check "too few arguments: 400 ABI_ENCODING_FAILED" \
    [ "$(ec "{\"abi\":$ERC20,\"functionName\":\"transfer\",\"args\":[\"$ACC1\"]}") $(code) $(msg)" = "400 ABI_ENCODING_FAILED args: transfer takes 2 arguments, not 1" ]
check "a type the ABI spec lacks: 400 ABI_ENCODING_FAILED" \
    [ "$(ec '{"abi":[{"type":"function","name":"f","inputs":[{"type":"uint7"}]}],"functionName":"f","args":[1]}') $(code)" = "400 ABI_ENCODING_FAILED" ]
check "no abi: 400 VALIDATION_FAILED at abi" \
    [ "$(ec '{"functionName":"f"}') $(code) $(jget 'j["details"]["issues"][0]["path"]')" = "400 VALIDATION_FAILED ['abi']" ]
check "abi not an array of objects: 400 VALIDATION_FAILED" \
    [ "$(ec '{"abi":[1],"functionName":"f"}') $(code)" = "400 VALIDATION_FAILED" ]
check "args not an array: 400 VALIDATION_FAILED" \
    [ "$(ec "{\"abi\":$ERC20,\"functionName\":\"transfer\",\"args\":{}}") $(code)" = "400 VALIDATION_FAILED" ]
check "an unknown field: 400 VALIDATION_FAILED" \
    [ "$(ec "{\"abi\":$ERC20,\"functionName\":\"transfer\",\"walletId\":\"x\"}") $(code)" = "400 VALIDATION_FAILED" ]
check "args absent: none (an ABI with a no-argument function)" \
    [ "$(ec '{"abi":[{"type":"function","name":"pause","inputs":[]}],"functionName":"pause"}') $(jget 'j["calldata"]')" = "200 0x8456cb59" ]
# 4 + 32 + 32 + 130976 bytes: the largest string that fits; one more
# byte is a word more than 128 KiB.
python3 -c 'import json; print(json.dumps({"abi":[{"type":"function","name":"f","inputs":[{"type":"string"}]}],"functionName":"f","args":["a"*130977]}))' > "$T_TMP/big.json"
check "calldata over 128 KiB: 400 ABI_ENCODING_FAILED" \
    [ "$(ec "@$T_TMP/big.json") $(code)" = "400 ABI_ENCODING_FAILED" ]

# The MCP tool, over the daemon's /mcp, against cast.
if need_node_modules @modelcontextprotocol/sdk ajv && [ -z "$MISSING" ]; then
	WANT=$("$CAST" calldata "transfer(address,uint256)" "$ACC1" 123456789)
	MCP_URL=http://127.0.0.1:$PORT/mcp WAIAAS_SESSION_TOKEN=$TOK node_bin \
	    tests/node/mcp_client.js "$PWD/$BUILD/waiaas" \
	    "[{\"tool\":\"encode_calldata\",\"args\":{\"abi\":$ERC20,\"functionName\":\"transfer\",\"args\":[\"$ACC1\",\"123456789\"]}},
	      {\"tool\":\"encode_calldata\",\"args\":{\"abi\":$ERC20,\"functionName\":\"transfer\",\"args\":[\"$ACC1\",\"-5\"],\"wallet_id\":\"x\"}}]" \
	    >"$T_TMP/mcp.json" 2>"$T_TMP/mcp.err"
	check "MCP encode_calldata: cast's calldata and selector" \
	    [ "$(json_get "$T_TMP/mcp.json" 'j["results"][0]["json"]["calldata"], j["results"][0]["json"]["selector"]')" = "$WANT ${WANT%"${WANT#??????????}"}" ]
	check "MCP encode_calldata: a bad argument is a tool error naming ABI_ENCODING_FAILED" \
	    [ "$(json_get "$T_TMP/mcp.json" '(lambda r: r["isError"] and "ABI_ENCODING_FAILED" in r["text"])(j["results"][1])')" = True ]
else
	notok "MCP encode_calldata (not run: ${MISSING:-no MCP SDK})"
fi

kill -TERM "$DPID"; wait_gone "$DPID" 5000; DPID=""
check "no sanitizer reports" no_sanitizer_reports
