#!/bin/sh
# Deploy TestToken (from the committed TestToken.json) to an EVM node.
# Usage: deploy.sh RPC_URL PRIVATE_KEY DECIMALS
# Prints the contract address on one line; exits non-zero on failure.
set -eu
if [ $# -ne 3 ]; then
	echo "usage: $0 RPC_URL PRIVATE_KEY DECIMALS" >&2
	exit 2
fi
RPC_URL=$1 KEY=$2 DECIMALS=$3
HERE=$(cd "$(dirname "$0")" && pwd)
CAST=$HERE/../node/node_modules/@foundry-rs/cast-linux-amd64/bin/cast
[ -x "$CAST" ] || { echo "deploy.sh: no cast at $CAST (npm install in tests/node)" >&2; exit 1; }

code=$(python3 -c 'import json, sys
print(json.load(open(sys.argv[1]))["bytecode"])' "$HERE/TestToken.json")
args=$("$CAST" abi-encode 'constructor(uint8)' "$DECIMALS")
receipt=$("$CAST" send --json --rpc-url "$RPC_URL" --private-key "$KEY" \
    --create "$code${args#0x}")
addr=$(printf '%s' "$receipt" | python3 -c 'import json, sys
s = sys.stdin.read()
r = json.loads(s)
if r.get("status") not in ("0x1", 1, "1") or not r.get("contractAddress"):
	sys.exit("deploy.sh: deployment failed: " + s)
print(r["contractAddress"])')
echo "$addr"
