#!/bin/sh
# The signer signs for real: wallets created over REST, then the real
# signer process (driven by tests/tools/signer_driver as parent and
# policyd) signs transactions that a local EVM chain (anvil) and the
# Solana runtime (litesvm) accept, byte for byte what cast makes for the
# same fields and key; and it refuses what the protocol forbids.
. tests/integration/lib.sh

U() { echo "http://127.0.0.1:$PORT$1"; }
M="X-Master-Password: $WAIAAS_MASTER_PASSWORD"
EVM_KEY=0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80
EVM_ADDR=0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266
RCPT=0x70997970C51812dc3A010C7d01b50e0d17dc79C8
NM=tests/node/node_modules
ANVIL=$NM/@foundry-rs/anvil-linux-amd64/bin/anvil
CAST=$NM/@foundry-rs/cast-linux-amd64/bin/cast
DRIVER=$PWD/$BUILD/tests/signer_driver
SIGNER=$PWD/$BUILD/waiaasd-signer
DLOG=$T_TMP/driver.log
: > "$DLOG"

post() {	# post PATH JSON
	http_code -X POST -H "Content-Type: application/json" -H "$M" \
	    --data-binary "$2" "$(U "$1")"
}
jget() { json_get "$T_TMP/body" "$1"; }
# need WHAT PATH [HINT]: a missing tool is a failure, never a skip.
need() {
	[ -e "$2" ] && return 0
	notok "$1 is missing ($2): ${3:-scripts/test-deps.sh installs it}"
	return 1
}
drv() { "$DRIVER" "$SIGNER" "$@" 2>>"$DLOG"; }
quiet() { "$@" >/dev/null 2>&1; }
fails() { ! "$@" >/dev/null 2>&1; }
py() { python3 -c "$@"; }

need "the signer driver" "$DRIVER" "make $BUILD/tests/signer_driver" ||
    exit 0

start_daemon || cannot_run "daemon starts"
code=$(post /v1/wallets '{"name":"evm","chain":"ethereum"}')
EID=$(jget "j['id']"); EADDR=$(jget "j['publicKey']")
code2=$(post /v1/wallets '{"name":"sol","chain":"solana"}')
SID=$(jget "j['id']"); SPUB=$(jget "j['publicKey']")
code3=$(post /v1/wallets/import "{\"name\":\"dev\",\"chain\":\"ethereum\",\"privateKey\":\"$EVM_KEY\"}")
IID=$(jget "j['id']")
check "three wallets over REST: EVM, Solana, the imported dev key" \
    [ "$code $code2 $code3" = "201 201 201" ]
kill -TERM "$DPID"; wait_gone "$DPID" 2000
DPID=""

out=$(drv unlock-time "$DATA")
check "the driver unlocks the keystore and loads 3 keys ($out)" \
    sh -c "echo '$out' | grep -q 'for 3 wallets'"

# EVM against anvil.
# Without a peer, the block still runs: each of its checks says "not ok".
[ -x "$ANVIL" ] && [ -x "$CAST" ] || peer_missing "anvil and cast ($NM/@foundry-rs)"
{
	AP=$(free_port)
	RPC="--rpc-url http://127.0.0.1:$AP"
	"$ANVIL" --host 127.0.0.1 --port "$AP" --chain-id 31337 --silent \
	    > "$T_TMP/anvil.log" 2>&1 &
	APID=$!
	trap 'kill "$APID" 2>/dev/null; t_cleanup' EXIT
	i=0
	until "$CAST" chain-id $RPC >/dev/null 2>&1 || [ $i -ge 100 ]; do
		sleep 0.05; i=$((i + 1))
	done
	check "anvil answers on 127.0.0.1:$AP" \
	    [ "$("$CAST" chain-id $RPC 2>/dev/null)" = 31337 ]
	"$CAST" send --private-key "$EVM_KEY" --value 1ether "$EADDR" $RPC \
	    >/dev/null 2>&1
	check "fund the REST-created wallet with 1 ether" \
	    [ "$("$CAST" balance "$EADDR" $RPC)" = 1000000000000000000 ]
	NONCE=$("$CAST" nonce "$EADDR" $RPC)
	BASE=$("$CAST" base-fee $RPC)
	PRIO=1000000000
	MAXFEE=$((BASE * 2 + PRIO))
	B0=$("$CAST" balance "$RCPT" $RPC)
	S0=$("$CAST" balance "$EADDR" $RPC)
	drv evm-tx "$DATA" "$EID" 31337 "$NONCE" 21000 $PRIO $MAXFEE "$RCPT" \
	    100000000000000000 > "$T_TMP/tx"
	RAW=$(sed -n 1p "$T_TMP/tx"); HASH=$(sed -n 2p "$T_TMP/tx")
	check "the signer signs an EIP-1559 transfer of the REST wallet" \
	    [ -n "$RAW" ]
	PUB=$("$CAST" publish "$RAW" $RPC 2>&1)
	check "anvil accepts it (cast publish)" \
	    sh -c "echo '$PUB' | grep -qi '$HASH'"
	st=$("$CAST" receipt "$HASH" status $RPC 2>&1)
	check "its receipt has status 1 ($st)" \
	    sh -c "echo '$st' | grep -qE '^(1|true|1 \(success\))$'"
	B1=$("$CAST" balance "$RCPT" $RPC)
	check "the recipient got exactly 0.1 ether" \
	    [ "$(py "print($B1 - $B0)")" = 100000000000000000 ]
	GAS=$("$CAST" receipt "$HASH" gasUsed $RPC)
	EGP=$("$CAST" receipt "$HASH" effectiveGasPrice $RPC)
	S1=$("$CAST" balance "$EADDR" $RPC)
	check "the sender paid 0.1 ether plus gas, nothing else" \
	    [ "$(py "print($S0 - $S1 - $GAS * $EGP)")" = 100000000000000000 ]
	check "the sender's nonce moved on" \
	    [ "$("$CAST" nonce "$EADDR" $RPC)" = $((NONCE + 1)) ]

	# Byte for byte what cast makes for the same fields and key.
	A=$(drv evm-tx "$DATA" "$IID" 31337 7 50000 1500000000 30000000000 \
	    "$RCPT" 123456789 0xa9059cbb00ff | sed -n 1p)
	B=$("$CAST" mktx --private-key "$EVM_KEY" --chain 31337 --nonce 7 \
	    --gas-limit 50000 --priority-gas-price 1500000000 \
	    --gas-price 30000000000 --value 123456789 "$RCPT" 0xa9059cbb00ff \
	    2>&1)
	check "EIP-1559 with calldata: identical to cast mktx" [ "$A" = "$B" ]
	A=$(drv evm-legacy "$DATA" "$IID" 31337 3 21000 20000000000 "$RCPT" \
	    1000000000000000000 | sed -n 1p)
	B=$("$CAST" mktx --legacy --private-key "$EVM_KEY" --chain 31337 \
	    --nonce 3 --gas-limit 21000 --gas-price 20000000000 \
	    --value 1000000000000000000 "$RCPT" 2>&1)
	check "legacy (EIP-155): identical to cast mktx --legacy" [ "$A" = "$B" ]
	A=$(drv evm-legacy "$DATA" "$IID" 31337 3 21000 20000000000 "$RCPT" \
	    1 | sed -n 2p)
	B=$("$CAST" keccak "$(drv evm-legacy "$DATA" "$IID" 31337 3 21000 \
	    20000000000 "$RCPT" 1 | sed -n 1p)")
	check "the txhash is the keccak of the raw transaction" [ "$A" = "$B" ]
	A=$(drv evm-personal "$DATA" "$IID" "Hello, waiaas! 0x1234")
	B=$("$CAST" wallet sign --private-key "$EVM_KEY" "Hello, waiaas! 0x1234")
	check "EIP-191 personal_sign: identical to cast wallet sign" \
	    [ "$A" = "$B" ]
	cat > "$T_TMP/mail.json" <<-'EOF'
	{"types":{"EIP712Domain":[{"name":"name","type":"string"},
	{"name":"version","type":"string"},{"name":"chainId","type":"uint256"},
	{"name":"verifyingContract","type":"address"}],
	"Person":[{"name":"name","type":"string"},
	{"name":"wallet","type":"address"}],
	"Mail":[{"name":"from","type":"Person"},{"name":"to","type":"Person"},
	{"name":"contents","type":"string"}]},
	"primaryType":"Mail",
	"domain":{"name":"Ether Mail","version":"1","chainId":1,
	"verifyingContract":"0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC"},
	"message":{"from":{"name":"Cow",
	"wallet":"0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826"},
	"to":{"name":"Bob","wallet":"0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB"},
	"contents":"Hello, Bob!"}}
	EOF
	# The EIP-712 example's domain separator and hashStruct(mail).
	A=$(drv evm-typed "$DATA" "$IID" \
	    0xf2cee375fa42b42143804025fc449deafd50cc031ca257e0b194a650a912090f \
	    0xc52c0ee5d84264471806290a3f2c4cecfc5490626bf912d01f240d7a274b371e)
	B=$("$CAST" wallet sign --private-key "$EVM_KEY" --data --from-file \
	    "$T_TMP/mail.json" 2>&1)
	check "EIP-712 Mail: identical to cast wallet sign --data" [ "$A" = "$B" ]
	check "... and it recovers to the dev address" \
	    quiet "$CAST" wallet verify --address "$EVM_ADDR" --data --from-file \
	    "$T_TMP/mail.json" "$A"
	kill "$APID" 2>/dev/null
}

# Solana against litesvm.
need_node_modules litesvm
{
	SVM="node_bin tests/node/svm.js"
	TO=$(py "import os,sys; sys.path.insert(0,'tests/integration'); import keys; print(keys.b58(os.urandom(32)))")
	$SVM send --payer "$SPUB" --watch "$TO" -- "$DRIVER" "$SIGNER" \
	    sol-transfer "$DATA" "$SID" @BLOCKHASH@ "$TO" 12345678 \
	    > "$T_TMP/body" 2>>"$DLOG"
	check "litesvm accepts the signer's SOL transfer" [ "$(jget "j['ok']")" = True ]
	check "the recipient got exactly 12345678 lamports" \
	    [ "$(jget "j['lamports']['$TO']['after'] - j['lamports']['$TO']['before']")" = 12345678 ]
	check "the wallet paid the amount plus the 5000-lamport fee" \
	    [ "$(jget "j['lamports']['$SPUB']['before'] - j['lamports']['$SPUB']['after']")" = 12350678 ]
	# A memo: the last instruction, which the Memo program runs.
	$SVM send --payer "$SPUB" --watch "$TO" -- "$DRIVER" "$SIGNER" \
	    sol-transfer "$DATA" "$SID" @BLOCKHASH@ "$TO" 1000000 "invoice 9 ✓" \
	    > "$T_TMP/body" 2>>"$DLOG"
	check "litesvm runs the signer's transfer and its Memo instruction" \
	    [ "$(jget "j['ok'] and any('Memo (len 13)' in l for l in j['logs']) and j['lamports']['$TO']['after'] - j['lamports']['$TO']['before']")" = 1000000 ]
	out=$(drv sol-transfer "$DATA" "$SID" \
	    4vJ9JU1bJJE96FWSJKvHsmmFADCg4gpZQff4P3bkLKi "$TO" 1 \
	    "$(py 'print("m" * 257)')")
	check "a memo over 256 bytes: the signer refuses it (SIGN_INVALID)" \
	    [ "$out" = "sign: status 3" ]
	out=$(drv sol-token "$DATA" "$SID" \
	    4vJ9JU1bJJE96FWSJKvHsmmFADCg4gpZQff4P3bkLKi "$TO" "$TO" 1 6 1 \
	    "$(py 'print("m" * 257)')")
	check "... on an SPL transfer too" [ "$out" = "sign: status 3" ]
	$SVM send --payer "$SPUB" -- "$DRIVER" "$SIGNER" sol-transfer \
	    "$DATA" "$SID" 4vJ9JU1bJJE96FWSJKvHsmmFADCg4gpZQff4P3bkLKi "$TO" \
	    1000000 > "$T_TMP/body" 2>>"$DLOG"
	check "a transaction with a blockhash litesvm never made is refused" \
	    [ "$(jget "j['ok']")" = False ]
	$SVM send --payer "$SPUB" --mint 6:1000000000 --token-owner "$SPUB" \
	    --token-owner "$TO" -- "$DRIVER" "$SIGNER" sol-token "$DATA" \
	    "$SID" @BLOCKHASH@ @MINT@ "$TO" 2500000 6 1 \
	    > "$T_TMP/body" 2>>"$DLOG"
	check "litesvm accepts the SPL TransferChecked with ATA creation" \
	    [ "$(jget "j['ok']")" = True ]
	check "the recipient's new token account holds 2500000" \
	    [ "$(jget "j['tokens']['$TO']['before'], j['tokens']['$TO']['after']")" = "None 2500000" ]
	check "the wallet's token account gave exactly that" \
	    [ "$(jget "j['tokens']['$SPUB']['after']")" = 997500000 ]
	$SVM send --payer "$SPUB" --mint 6:1000 -- "$DRIVER" "$SIGNER" \
	    sol-token "$DATA" "$SID" @BLOCKHASH@ @MINT@ "$TO" 500 9 1 \
	    > "$T_TMP/body" 2>>"$DLOG"
	check "TransferChecked with the wrong decimals is refused" \
	    [ "$(jget "j['ok']")" = False ]
	SIG=$(drv sol-msg "$DATA" "$SID" "Sign in to waiaas: nonce 42")
	check "sol-msg verifies over the off-chain message envelope" \
	    quiet $SVM verify-msg "$SPUB" "$SIG" "Sign in to waiaas: nonce 42"
	check "... and not over another text" \
	    fails $SVM verify-msg "$SPUB" "$SIG" 'Sign in to waiaas: nonce 43'
	SIG=$(drv sol-msg "$DATA" "$SID" "héllo, wörld")
	check "a UTF-8 off-chain message verifies (format 1)" \
	    quiet $SVM verify-msg "$SPUB" "$SIG" "héllo, wörld"
}

# What the signer must refuse.
out=$(drv abuse-unknown "$DATA"); st=$?
out=$(echo "$out" | tr '\n' ' ')
check "unknown wallet: SIGN_UNKNOWN_WALLET, no output, still alive ($out)" \
    [ $st = 0 ]
out=$(drv abuse-badlen "$DATA" "$EID"); st=$?
check "a length that contradicts datalen: exit 1, no signature ($out)" \
    [ $st = 0 ]
out=$(drv abuse-parent "$DATA" "$EID"); st=$?
check "a sign request on the parent channel: exit 1, no signature ($out)" \
    [ $st = 0 ]
out=$(drv abuse-type "$DATA"); st=$?
check "an unknown message type from policyd: exit 1 ($out)" [ $st = 0 ]
mkdir -p "$T_TMP/pddb"
out=$("$DRIVER" "$PWD/$BUILD/waiaasd-policyd" pd-abuse-sign "$T_TMP/pddb" 2>>"$DLOG"); st=$?
check "a sign request on the api channel: policyd exits 1, nothing reaches the signer ($out)" \
    [ $st = 0 ]
out=$(drv evm-tx "$DATA" "$SID" 1 0 21000 1 2 "$RCPT" 1); st=$?
check "an EVM request for a Solana wallet is refused ($out)" \
    sh -c "[ $st = 1 ] && echo '$out' | grep -q 'status 2'"

# Many keys, found by id (signer_keytab.c), and a key whose seal is good
# but whose public key is another's: it loads (the check waits for its
# first use) and is then refused and dropped, never used to sign.
MANY=$T_TMP/many
cp -a "$DATA" "$MANY"
drv seal "$MANY" 3000 > "$T_TMP/many.ids"
drv seal "$MANY" 1 wrong > "$T_TMP/wrong.id"
out=$(drv unlock-time "$MANY")
check "3000 more sealed keys and the wrong one load ($out)" \
    sh -c "echo '$out' | grep -q 'for 3004 wallets'"
NTH=$(sed -n 1777p "$T_TMP/many.ids")
out=$(drv evm-personal "$MANY" "$NTH" "one of many"); st=$?
check "one of them signs ($st)" \
    sh -c "[ $st = 0 ] && echo '$out' | grep -qE '^0x[0-9a-f]{130}$'"
out=$(drv evm-personal "$MANY" "$EID" "the first"); st=$?
check "the REST-made wallet among them signs ($st)" [ $st = 0 ]
WID=$(cat "$T_TMP/wrong.id")
out=$(drv evm-personal "$MANY" "$WID" "not this one" 2>&1); st=$?
out=$(echo "$out" | tr '\n' ' ')
check "the key sealed with another's public key is refused as unknown" \
    sh -c "[ $st = 1 ] && echo '$out' | grep -q 'sign: status 1'"
check "... saying why, by wallet id" \
    grep -q "wallet $WID: its key does not give the public key" "$DLOG"

check "no sanitizer reports from the driver or the signer" \
    sh -c "! grep -qE 'AddressSanitizer|UndefinedBehaviorSanitizer|runtime error:|LeakSanitizer' '$DLOG'"
