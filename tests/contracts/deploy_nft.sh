#!/bin/sh
# Deploy a test NFT collection (from the committed NAME.json) to an EVM
# node and mint to HOLDER: TestNFT (ERC-721) token ids 1, 2 and 3;
# TestMulti (ERC-1155) 10 of token id 1.
# Usage: deploy_nft.sh RPC_URL PRIVATE_KEY TestNFT|TestMulti HOLDER
# Prints the contract address on one line; exits non-zero on failure.
set -eu
if [ $# -ne 4 ]; then
	echo "usage: $0 RPC_URL PRIVATE_KEY TestNFT|TestMulti HOLDER" >&2
	exit 2
fi
RPC_URL=$1 KEY=$2 NAME=$3 HOLDER=$4
HERE=$(cd "$(dirname "$0")" && pwd)
CAST=$HERE/../node/node_modules/@foundry-rs/cast-linux-amd64/bin/cast
[ -x "$CAST" ] || { echo "deploy_nft.sh: no cast at $CAST (npm install in tests/node)" >&2; exit 1; }
case $NAME in
TestNFT|TestMulti) ;;
*) echo "deploy_nft.sh: TestNFT or TestMulti, not $NAME" >&2; exit 2 ;;
esac

code=$(python3 -c 'import json, sys
print(json.load(open(sys.argv[1]))["bytecode"])' "$HERE/$NAME.json")
receipt=$("$CAST" send --json --rpc-url "$RPC_URL" --private-key "$KEY" \
    --create "$code")
addr=$(printf '%s' "$receipt" | python3 -c 'import json, sys
s = sys.stdin.read()
r = json.loads(s)
if r.get("status") not in ("0x1", 1, "1") or not r.get("contractAddress"):
	sys.exit("deploy_nft.sh: deployment failed: " + s)
print(r["contractAddress"])')
if [ "$NAME" = TestNFT ]; then
	for id in 1 2 3; do
		"$CAST" send -q --rpc-url "$RPC_URL" --private-key "$KEY" \
		    "$addr" 'mint(address,uint256)' "$HOLDER" "$id" >/dev/null
	done
else
	"$CAST" send -q --rpc-url "$RPC_URL" --private-key "$KEY" \
	    "$addr" 'mint(address,uint256,uint256)' "$HOLDER" 1 10 >/dev/null
fi
echo "$addr"
