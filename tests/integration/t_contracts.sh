#!/bin/sh
# The ERC-20 test token the EVM tests deploy: it deploys on anvil and
# behaves (tests/contracts/test.sh prints the ok/not ok lines), and the
# committed TestToken.json matches its source.
. tests/integration/lib.sh
if node_bin tests/contracts/build.js --check >/dev/null 2>&1; then
	echo "ok - tests/contracts/TestToken.json is built from TestToken.sol"
else
	echo "not ok - tests/contracts/TestToken.json is stale or solc is missing"
fi
sh tests/contracts/test.sh
