# The x402 peers for the tests of issue 22, sourced after lib.sh:
#	. tests/integration/lib.sh
#	. tests/integration/x402_lib.sh
#	start_anvil --chain-id 84532
#	start_x402_peers [x402_peers.js args...]
# x402 names chain 84532 "base-sepolia"; an anvil with another chain id
# makes the peers exit at once.

# anvil's dev account 2 (the public test mnemonic) pays the facilitator's
# gas: not account 0 or 1, which the tests give the daemon, so that two
# senders never race for one account's nonces.
X402_FACILITATOR_KEY=0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a

# start_x402_peers [ARGS...]: tests/node/x402_peers.js on $ANVIL_URL
# with ARGS (--mint ADDR=AMOUNT, --price N, ...), killed at exit.  Sets
# X402_RESOURCE and X402_FACILITATOR (base URLs), X402_USDC (the token),
# X402_PAYTO, X402_PRICE, X402_EXPENSIVE (atomic units) and X402_PID;
# on failure peer_missing names it and returns 1.
start_x402_peers() {
	X402_RESOURCE=http://127.0.0.1:9 X402_FACILITATOR=http://127.0.0.1:9
	X402_USDC= X402_PAYTO= X402_PRICE= X402_EXPENSIVE=
	need_node_modules x402 x402-express express viem || return 1
	xf=$T_TMP/x402.$$.$(date +%s%N)
	node_bg tests/node/x402_peers.js --rpc "$ANVIL_URL" \
	    --key "$X402_FACILITATOR_KEY" "$@" >"$xf" 2>"$xf.err"
	X402_PID=$!
	PEER_PIDS="${PEER_PIDS:-} $X402_PID"
	n=0
	while [ $n -lt 300 ]; do
		if [ -s "$xf" ] && json_get "$xf" 'j["resource"]' \
		    >/dev/null 2>&1; then
			X402_RESOURCE=$(json_get "$xf" 'j["resource"]')
			X402_FACILITATOR=$(json_get "$xf" 'j["facilitator"]')
			X402_USDC=$(json_get "$xf" 'j["usdc"]')
			X402_PAYTO=$(json_get "$xf" 'j["payTo"]')
			X402_PRICE=$(json_get "$xf" 'j["price"]')
			X402_EXPENSIVE=$(json_get "$xf" 'j["expensivePrice"]')
			return 0
		fi
		kill -0 "$X402_PID" 2>/dev/null || break
		sleep 0.05
		n=$((n + 1))
	done
	peer_missing "the x402 peers (tests/node/x402_peers.js)" \
	    "they did not start: $(tail -c 300 "$xf.err" | tr '\n' ' ')"
	return 1
}

# x402_stat EXPR: a Python expression over the peers' GET /stats as j,
# e.g. x402_stat 'j["settle"]["ok"]'.
x402_stat() {
	curl -s -o "$T_TMP/x402.stats" "$X402_RESOURCE/stats"
	json_get "$T_TMP/x402.stats" "$1"
}

# x402_balance ADDR: ADDR's balance of the token, in atomic units.
x402_balance() {
	"$CAST" call "$X402_USDC" 'balanceOf(address)(uint256)' "$1" \
	    --rpc-url "$ANVIL_URL" | sed 's/ .*//'
}
