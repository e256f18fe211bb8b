#!/bin/sh
# The Solana JSON-RPC test server over litesvm (tests/node/svm_rpc.js)
# that the daemon's Solana client talks to: node's own test runner, its
# TAP results turned into ok/not ok lines.
. tests/integration/lib.sh
T=tests/node/svm_rpc.test.js
out=$T_TMP/tap
if need_node_modules litesvm; then
	node_bin --test --test-reporter=tap "$T" > "$out" 2>&1
	st=$?
else
	: > "$out"
	st=1
fi
sed -n 's/^ok [0-9]* - \(.*\)/ok - svm_rpc: \1/p; s/^not ok [0-9]* - \(.*\)/not ok - svm_rpc: \1/p' "$out"
if [ $st != 0 ]; then
	echo "not ok - node --test exited with status $st"
	tail -n 30 "$out"
fi
# Every test in the file that reported nothing (node or litesvm missing,
# the runner dead early) is "not ok" by name.
sed -n "s/^test('\([^']*\)'.*/\1/p" "$T" | while read -r name; do
	grep -qF -- " - $name" "$out" ||
	    notok "svm_rpc: $name (it did not run)"
done
