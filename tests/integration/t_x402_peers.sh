#!/bin/sh
# The x402 peers of issue 22 without the daemon (tests/node/x402_peers.js:
# TestUSDC on anvil, a facilitator settling with the x402 package's own
# code, an x402-express resource server), paid for by the x402 package's
# own client: node's test runner, its TAP results as ok/not ok lines.
# The committed TestUSDC.json must match TestUSDC.sol.  Then the same
# peers through x402_lib.sh, as the daemon's tests start them.
. tests/integration/lib.sh
. tests/integration/x402_lib.sh
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

# x402_lib.sh: start_x402_peers on lib.sh's anvil, a payment by the x402
# client, and what x402_stat and x402_balance then say.
ACC1=0x70997970C51812dc3A010C7d01b50e0d17dc79C8
start_anvil --chain-id 84532 &&
    start_x402_peers --mint "$ACC1=1000000" --price 2500
check "start_x402_peers: the resource server answers /free" \
    [ "$(http_code "$X402_RESOURCE/free")" = 200 ]
check "start_x402_peers: /paid is 402 without payment" \
    [ "$(http_code "$X402_RESOURCE/paid")" = 402 ]
check "x402_balance: the payer has what --mint gave" \
    [ "$(x402_balance "$ACC1")" = 1000000 ]
# pay: GET /paid paid by dev account 1 with x402's client; prints the
# status and the settlement's success.
pay() {
	(cd tests/node && node_bin -e '
const { createPaymentHeader } = require("x402/client");
const { privateKeyToAccount } = require("viem/accounts");
(async () => {
	const u = process.argv[1] + "/paid";
	const a = (await (await fetch(u)).json()).accepts[0];
	const h = await createPaymentHeader(privateKeyToAccount(process.argv[2]),
	    1, a);
	const r = await fetch(u, { headers: { "X-PAYMENT": h } });
	const x = r.headers.get("x-payment-response");
	console.log(r.status, x ? JSON.parse(Buffer.from(x, "base64")).success
	    : "none");
})();' "$X402_RESOURCE" "$ANVIL_KEY1")
}
check "a payment through the peers is 200 and settled" \
    [ "$(pay 2>&1)" = "200 true" ]
check "x402_balance: the payer paid exactly X402_PRICE (2500)" \
    [ "$(x402_balance "$ACC1")" = $((1000000 - X402_PRICE)) ]
check "x402_balance: payTo got it" \
    [ "$(x402_balance "$X402_PAYTO")" = "$X402_PRICE" ]
check "x402_stat: one settlement, none failed" \
    [ "$(x402_stat 'j["settle"]["ok"], j["settle"]["failed"]')" = "1 0" ]
