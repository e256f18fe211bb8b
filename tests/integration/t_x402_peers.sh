#!/bin/sh
# The x402 peers of issue 22 without the daemon (tests/node/x402_peers.js:
# TestUSDC on anvil, a facilitator settling with the x402 package's own
# code, an x402-express resource server), paid for by the x402 package's
# own client: node's test runner, its TAP results as ok/not ok lines.
# The committed TestUSDC.json must match TestUSDC.sol.
. tests/integration/lib.sh
T=tests/node/x402_peers.test.js
out=$T_TMP/tap
if need_node_modules x402 x402-express express viem solc \
    @foundry-rs/anvil-linux-amd64; then
	if node_bin tests/contracts/compile.js --check TestUSDC \
	    >/dev/null 2>&1; then
		ok "tests/contracts/TestUSDC.json is built from TestUSDC.sol"
	else
		notok "tests/contracts/TestUSDC.json is stale (node tests/contracts/compile.js)"
	fi
	node_bin --test --test-reporter=tap "$T" > "$out" 2>&1
	st=$?
else
	: > "$out"
	st=1
fi
sed -n 's/^ok [0-9]* - \(.*\)/ok - x402_peers: \1/p; s/^not ok [0-9]* - \(.*\)/not ok - x402_peers: \1/p' "$out"
if [ $st != 0 ]; then
	echo "not ok - node --test exited with status $st"
	tail -n 30 "$out"
fi
# Every test in the file that reported nothing (node or a package
# missing, the runner dead early) is "not ok" by name.
sed -n "s/^test('\([^']*\)'.*/\1/p" "$T" | while read -r name; do
	grep -qF -- " - $name" "$out" ||
	    notok "x402_peers: $name (it did not run)"
done
