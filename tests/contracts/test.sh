#!/bin/sh
# Self-check for TestToken: start anvil on a free 127.0.0.1 port, deploy
# with deploy.sh, and exercise mint, balanceOf, transfer, approve,
# allowance, transferFrom and the revert reason with cast.
# Prints `ok - ...` / `not ok - ...`, then `N passed, N failed`; exits
# non-zero on any failure.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
BIN=$HERE/../node/node_modules/@foundry-rs
ANVIL=$BIN/anvil-linux-amd64/bin/anvil
CAST=$BIN/cast-linux-amd64/bin/cast
# A missing or silent anvil is one "not ok", and then every check below
# still prints, as "not ok" (never a short run with a fine count).
MISSING=
for b in "$ANVIL" "$CAST"; do
	[ -x "$b" ] && continue
	echo "not ok - $b is there (sh scripts/test-deps.sh)"
	MISSING="$MISSING $(basename "$b")"
done

# anvil's default dev accounts 0 and 1 (public test mnemonic).
KEY0=0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80
KEY1=0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d
ACC0=$("$CAST" wallet address --private-key "$KEY0")
ACC1=$("$CAST" wallet address --private-key "$KEY1")

pass=0 fail=0
ok() {
	if [ -n "$MISSING" ]; then notok "$1 (not run:$MISSING missing)"
	else pass=$((pass + 1)); echo "ok - $1"; fi
}
notok() { fail=$((fail + 1)); echo "not ok - $1"; }
check() { # description expected actual
	if [ "$2" = "$3" ]; then ok "$1"; else notok "$1 (want '$2', got '$3')"; fi
}

TMP=$(mktemp -d)
ANVIL_PID=
cleanup() {
	[ -n "$ANVIL_PID" ] && kill "$ANVIL_PID" 2>/dev/null && wait "$ANVIL_PID" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

PORT=$(python3 -c 'import socket; s = socket.socket()
s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
RPC=http://127.0.0.1:$PORT
"$ANVIL" --host 127.0.0.1 --port "$PORT" >"$TMP/anvil.log" 2>&1 &
ANVIL_PID=$!
i=0
until "$CAST" chain-id --rpc-url "$RPC" >/dev/null 2>&1; do
	i=$((i + 1))
	if [ $i -ge 100 ] || ! kill -0 "$ANVIL_PID" 2>/dev/null; then
		notok "anvil starts on $RPC"; cat "$TMP/anvil.log"
		MISSING="$MISSING anvil"; break
	fi
	sleep 0.1
done
ok "anvil listening on $RPC"

call() { "$CAST" call --rpc-url "$RPC" "$TOKEN" "$@" 2>&1; }
send() { # key sig args...
	k=$1; shift
	"$CAST" send --json --rpc-url "$RPC" --private-key "$k" "$TOKEN" "$@" \
	    >"$TMP/out" 2>&1 && grep -q '"status":"0x1"' "$TMP/out"
}

TOKEN=$("$HERE/deploy.sh" "$RPC" "$KEY0" 6 2>"$TMP/deploy.err")
if printf '%s' "$TOKEN" | grep -Eq '^0x[0-9a-fA-F]{40}$' &&
    [ "$("$CAST" code --rpc-url "$RPC" "$TOKEN")" != 0x ]; then
	ok "deploy.sh deploys TestToken at $TOKEN"
else
	notok "deploy.sh deploys TestToken: $TOKEN $(cat "$TMP/deploy.err")"
	MISSING="$MISSING TestToken"
fi

check "decimals() is 6" 6 "$(call 'decimals()(uint8)')"
check "symbol() is TEST" '"TEST"' "$(call 'symbol()(string)')"

if send "$KEY0" 'mint(address,uint256)' "$ACC0" 1000000000; then
	ok "deployer mints 1000.000000 to account 0"
else
	notok "deployer mints: $(cat "$TMP/out")"
fi
check "balanceOf(account 0) after mint" 1000000000 \
    "$(call 'balanceOf(address)(uint256)' "$ACC0" | cut -d' ' -f1)"
check "totalSupply() after mint" 1000000000 \
    "$(call 'totalSupply()(uint256)' | cut -d' ' -f1)"

if send "$KEY1" 'mint(address,uint256)' "$ACC1" 1; then
	notok "mint by a non-deployer reverts"
else
	grep -q 'TestToken: caller is not the minter' "$TMP/out" &&
	    ok "mint by a non-deployer reverts" ||
	    notok "mint by a non-deployer reverts: $(cat "$TMP/out")"
fi

if send "$KEY0" 'transfer(address,uint256)' "$ACC1" 250000000 &&
    grep -q 'ddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef' "$TMP/out"; then
	ok "transfer 250.000000 to account 1 (Transfer event logged)"
else
	notok "transfer to account 1: $(cat "$TMP/out")"
fi
check "balanceOf(account 0) after transfer" 750000000 \
    "$(call 'balanceOf(address)(uint256)' "$ACC0" | cut -d' ' -f1)"
check "balanceOf(account 1) after transfer" 250000000 \
    "$(call 'balanceOf(address)(uint256)' "$ACC1" | cut -d' ' -f1)"

if send "$KEY0" 'approve(address,uint256)' "$ACC1" 100000000 &&
    grep -q '8c5be1e5ebec7d5bd14f71427d1e84f3dd0314c0f7b2291e5b200ac8c7c3b925' "$TMP/out"; then
	ok "approve account 1 for 100.000000 (Approval event logged)"
else
	notok "approve: $(cat "$TMP/out")"
fi
check "allowance(account 0, account 1)" 100000000 \
    "$(call 'allowance(address,address)(uint256)' "$ACC0" "$ACC1" | cut -d' ' -f1)"

if send "$KEY1" 'transferFrom(address,address,uint256)' "$ACC0" "$ACC1" 40000000; then
	ok "transferFrom by account 1 within the allowance"
else
	notok "transferFrom: $(cat "$TMP/out")"
fi
check "allowance after transferFrom" 60000000 \
    "$(call 'allowance(address,address)(uint256)' "$ACC0" "$ACC1" | cut -d' ' -f1)"
check "balanceOf(account 1) after transferFrom" 290000000 \
    "$(call 'balanceOf(address)(uint256)' "$ACC1" | cut -d' ' -f1)"

# Too large: cast estimates gas first, and the node's answer carries the
# revert reason, which cast prints.
if send "$KEY1" 'transfer(address,uint256)' "$ACC0" 290000001; then
	notok "too-large transfer reverts"
elif grep -q 'TestToken: insufficient balance' "$TMP/out"; then
	ok "too-large transfer reverts with 'TestToken: insufficient balance'"
else
	notok "too-large transfer reverts with the reason: $(cat "$TMP/out")"
fi
# The same with the gas limit given, so it is mined: receipt status 0.
"$CAST" send --json --gas-limit 100000 --rpc-url "$RPC" --private-key "$KEY1" \
    "$TOKEN" 'transfer(address,uint256)' "$ACC0" 290000001 >"$TMP/out" 2>&1
if grep -q '"status":"0x0"' "$TMP/out"; then
	ok "too-large transfer sent with a gas limit is mined with status 0"
else
	notok "mined revert has status 0: $(cat "$TMP/out")"
fi
check "balanceOf(account 1) unchanged by the reverts" 290000000 \
    "$(call 'balanceOf(address)(uint256)' "$ACC1" | cut -d' ' -f1)"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
