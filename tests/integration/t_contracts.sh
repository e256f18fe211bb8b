#!/bin/sh
# The ERC-20 test token the EVM tests deploy: it deploys on anvil and
# behaves (tests/contracts/test.sh prints the ok/not ok lines), and the
# committed TestToken.json, TestNFT.json and TestMulti.json match their
# sources.
. tests/integration/lib.sh
if node_bin tests/contracts/build.js --check >/dev/null 2>&1; then
	echo "ok - tests/contracts/*.json are built from their .sol"
else
	echo "not ok - a tests/contracts/*.json is stale or solc is missing"
fi
sh tests/contracts/test.sh
