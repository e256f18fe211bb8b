#!/bin/sh
# The Solana JSON-RPC test server over litesvm (tests/node/svm_rpc.js)
# that the daemon's Solana client talks to: node's own test runner, its
# TAP results turned into ok/not ok lines.
out=$(mktemp)
trap 'rm -f "$out"' EXIT
if ! command -v node >/dev/null; then
	echo "not ok - node is not installed (scripts/deps.sh)"
	exit 0
fi
node --test --test-reporter=tap tests/node/svm_rpc.test.js > "$out" 2>&1
st=$?
sed -n 's/^ok [0-9]* - \(.*\)/ok - svm_rpc: \1/p; s/^not ok [0-9]* - \(.*\)/not ok - svm_rpc: \1/p' "$out"
if [ $st != 0 ]; then
	echo "not ok - node --test exited with status $st"
	tail -n 30 "$out"
fi
