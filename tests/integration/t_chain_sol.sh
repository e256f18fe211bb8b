#!/bin/sh
# The api's Solana client (api/chain_sol_*.c) alone, through
# tests/tools/chain_driver, against the litesvm JSON-RPC server
# (tests/node/svm_rpc.js, the real Solana runtime) and against a fake
# node that answers nonsense.  Transactions are built and signed here
# with node:crypto (legacy messages by hand), as the signer would.
. tests/integration/lib.sh

DRV=${CHAIN_DRIVER:-$PWD/$BUILD/tests/chain_driver}
if [ ! -x "$DRV" ]; then
	notok "no $DRV (make BUILD=$BUILD SAN=1 $BUILD/tests/chain_driver)"
	exit 0
fi
export CHAIN_DRIVER_POLL_MS=100 CHAIN_DRIVER_RESEND_MS=800
export CHAIN_DRIVER_TIMEOUT_MS=10000
NET=devnet
TOKEN=TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA
TOKEN22=TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb
SANLOG=$T_TMP/driver.err
: > "$SANLOG"

# ---- helpers ----

# The transaction builder: keys, transfers, raw account data.
cat > "$T_TMP/sol.js" <<'EOF'
'use strict';
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const A = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
function b58e(buf) {
	let n = buf.length ? BigInt('0x' + buf.toString('hex')) : 0n, s = '';
	while (n > 0n) { s = A[Number(n % 58n)] + s; n /= 58n; }
	for (const b of buf) { if (b !== 0) break; s = '1' + s; }
	return s;
}
function b58d(s) {
	let n = 0n, z = 0;
	for (const c of s) {
		const i = A.indexOf(c);
		if (i < 0) throw new Error('bad base58');
		n = n * 58n + BigInt(i);
	}
	for (const c of s) { if (c !== '1') break; z++; }
	let h = n === 0n ? '' : n.toString(16);
	if (h.length % 2) h = '0' + h;
	return Buffer.concat([Buffer.alloc(z), Buffer.from(h, 'hex')]);
}
const dir = process.env.KEYDIR;
const [cmd, ...a] = process.argv.slice(2);
function load(name) {
	const privateKey = crypto.createPrivateKey(fs.readFileSync(
	    path.join(dir, name + '.pem')));
	const x = crypto.createPublicKey(privateKey).export({ format: 'jwk' }).x;
	return { privateKey, pub: Buffer.from(x, 'base64url') };
}
if (cmd === 'key') {
	const { privateKey, publicKey } = crypto.generateKeyPairSync('ed25519');
	fs.writeFileSync(path.join(dir, a[0] + '.pem'),
	    privateKey.export({ format: 'pem', type: 'pkcs8' }));
	console.log(b58e(Buffer.from(publicKey.export({ format: 'jwk' }).x,
	    'base64url')));
} else if (cmd === 'transfer') {
	/* transfer FROM TO LAMPORTS BLOCKHASH: a legacy system transfer */
	const k = load(a[0]);
	const data = Buffer.alloc(12);
	data.writeUInt32LE(2, 0);
	data.writeBigUInt64LE(BigInt(a[2]), 4);
	const msg = Buffer.concat([Buffer.from([1, 0, 1, 3]), k.pub,
	    b58d(a[1]), Buffer.alloc(32), b58d(a[3]), Buffer.from([1, 2, 2,
	    0, 1, data.length]), data]);
	const sig = crypto.sign(null, msg, k.privateKey);
	console.log(JSON.stringify({ from: b58e(k.pub), hash: b58e(sig),
	    raw: Buffer.concat([Buffer.from([1]), sig, msg]).toString('hex'),
	    b64: Buffer.concat([Buffer.from([1]), sig, msg])
	    .toString('base64') }));
} else if (cmd === 'mint') {
	/* mint AUTHORITY DECIMALS: an initialized 82-byte Mint */
	const d = Buffer.alloc(82);
	d.writeUInt32LE(1, 0);
	b58d(a[0]).copy(d, 4);
	d[44] = Number(a[1]);
	d[45] = 1;
	console.log(d.toString('base64'));
} else if (cmd === 'account') {
	/* account MINT OWNER AMOUNT: an initialized 165-byte Account */
	const d = Buffer.alloc(165);
	b58d(a[0]).copy(d, 0);
	b58d(a[1]).copy(d, 32);
	d.writeBigUInt64LE(BigInt(a[2]), 64);
	d[108] = 1;
	console.log(d.toString('base64'));
} else if (cmd === 'random') {
	console.log(b58e(crypto.randomBytes(32)));
} else {
	process.exit(2);
}
EOF
export KEYDIR=$T_TMP
sol() { node_bin "$T_TMP/sol.js" "$@"; }

# The interpreter itself, not a version manager's shim (3x faster).
PY=$(python3 -c 'import sys; print(sys.executable)')

# jf JSON EXPR: evaluate a python expression on the JSON as j.
jf() {
	printf '%s' "$1" | $PY -c 'import json, sys
try:
	j = json.loads(sys.stdin.read())
	print(eval(sys.argv[1]))
except Exception as e:
	print("jf-error: %s" % e)' "$2"
}
drv() {	# drv prepare|send|query URL JSON
	[ -z "$MISSING" ] || return 1	# no chain: the checks say "not ok"
	"$DRV" "$1" "$NET" "$2" "$3" 2>>"$SANLOG"
}
drv_nourl() {	# drv_nourl prepare|send|query JSON: a network without URL
	CHAIN_DRIVER_RESOLVE= "$DRV" "$1" "$NET" "" "$2" 2>>"$SANLOG"
}
num() {	# num VALUE: VALUE if a number, else 0 (no chain: the sums below
	# must not stop the test)
	case $1 in ''|*[!0-9]*) echo 0 ;; *) echo "$1" ;; esac
}
balance() {
	num "$(jf "$(rpc "$SVM_URL" getBalance "[\"$1\"]")" 'j["result"]["value"]')"
}
blockhash_now() {
	jf "$(rpc "$SVM_URL" getLatestBlockhash '[]')" \
	    'j["result"]["value"]["blockhash"]'
}
last_state() {	# the state of the last line of a send
	jf "$(printf '%s\n' "$1" | tail -n 1)" 'j["state"]'
}

start_svm
T0=$(date +%s)

A=$(sol key a)
B=$(sol key b)
C=$(sol key c)
rpc "$SVM_URL" requestAirdrop "[\"$A\", 10000000000]" >/dev/null
rpc "$SVM_URL" requestAirdrop "[\"$B\", 100000000]" >/dev/null

# ---- prepare ----

out=$(drv prepare "$SVM_URL" "{\"op\":\"sol_transfer\",\"from\":\"$A\",
    \"to\":\"$B\"}")
bh=$(jf "$out" 'j["blockhash"]')
lvh=$(jf "$out" 'j["lastValidHeight"]')
node_now=$(rpc "$SVM_URL" getLatestBlockhash '[]')
check "prepare sol_transfer: OK, fee 5000" \
    [ "$(jf "$out" 'j["status"], j["fee"]')" = "('OK', 5000)" ]
check "prepare sol_transfer: the node's blockhash and last valid height" \
    [ "$bh $lvh" = "$(jf "$node_now" \
    'j["result"]["value"]["blockhash"] + " " + str(j["result"]["value"]["lastValidBlockHeight"])')" ]
check "prepare sol_transfer: the node says the blockhash is valid" \
    [ "$(jf "$(rpc "$SVM_URL" isBlockhashValid "[\"$bh\"]")" \
    'j["result"]["value"]')" = True ]

out=$(drv prepare "$SVM_URL" "{\"op\":\"sol_call\",\"from\":\"$A\",
    \"to\":\"$TOKEN\"}")
check "prepare sol_call: OK with a blockhash" \
    [ "$(jf "$out" 'j["status"], j["blockhash"] == "'"$bh"'"')" = \
    "('OK', True)" ]

MINT=$(jf "$(rpc "$SVM_URL" waiaas_createMint \
    "[{\"decimals\":6,\"mintAuthority\":\"$A\"}]")" 'j["result"]')
rpc "$SVM_URL" waiaas_mintTo \
    "[{\"mint\":\"$MINT\",\"owner\":\"$A\",\"amount\":1000000}]" >/dev/null
out=$(drv prepare "$SVM_URL" "{\"op\":\"sol_token\",\"from\":\"$A\",
    \"to\":\"$B\",\"mint\":\"$MINT\"}")
check "prepare sol_token, recipient without an ATA: ataExists false, 6" \
    [ "$(jf "$out" 'j["status"], j["ataExists"], j["decimals"], j["fee"]')" \
    = "('OK', False, 6, 5000)" ]
rpc "$SVM_URL" waiaas_mintTo \
    "[{\"mint\":\"$MINT\",\"owner\":\"$B\",\"amount\":250}]" >/dev/null
out=$(drv prepare "$SVM_URL" "{\"op\":\"sol_token\",\"from\":\"$A\",
    \"to\":\"$B\",\"mint\":\"$MINT\"}")
check "prepare sol_token, recipient with an ATA: ataExists true" \
    [ "$(jf "$out" 'j["status"], j["ataExists"], j["decimals"]')" = \
    "('OK', True, 6)" ]

# A Token-2022 mint (the raw account, owned by Token-2022).
MINT22=$(sol random)
rpc "$SVM_URL" waiaas_setAccount "[\"$MINT22\", {\"lamports\":1461600,
    \"owner\":\"$TOKEN22\",\"data\":\"$(sol mint "$A" 2)\"}]" >/dev/null
out=$(drv prepare "$SVM_URL" "{\"op\":\"sol_token\",\"from\":\"$A\",
    \"to\":\"$B\",\"mint\":\"$MINT22\"}")
check "prepare sol_token, a Token-2022 mint: REFUSED, says so" \
    [ "$(jf "$out" 'j["status"], "Token-2022" in j["message"]')" = \
    "('REFUSED', True)" ]
out=$(drv prepare "$SVM_URL" "{\"op\":\"sol_token\",\"from\":\"$A\",
    \"to\":\"$B\",\"mint\":\"$(sol random)\"}")
check "prepare sol_token, no such mint: REFUSED" \
    [ "$(jf "$out" 'j["status"], "does not exist" in j["message"]')" = \
    "('REFUSED', True)" ]
# The recipient's ATA address holds a token account of another mint.
ATA_C=$(jf "$(rpc "$SVM_URL" waiaas_mintTo \
    "[{\"mint\":\"$MINT\",\"owner\":\"$C\",\"amount\":0}]")" 'j["result"]')
rpc "$SVM_URL" waiaas_setAccount "[\"$ATA_C\", {\"lamports\":2039280,
    \"owner\":\"$TOKEN\",\"data\":\"$(sol account "$MINT22" "$C" 5)\"}]" \
    >/dev/null
out=$(drv prepare "$SVM_URL" "{\"op\":\"sol_token\",\"from\":\"$A\",
    \"to\":\"$C\",\"mint\":\"$MINT\"}")
check "prepare sol_token, the ATA is not this mint's: REFUSED" \
    [ "$(jf "$out" 'j["status"]')" = REFUSED ]
rpc "$SVM_URL" waiaas_setAccount "[\"$ATA_C\", {\"lamports\":0}]" >/dev/null

out=$(drv_nourl prepare "{\"op\":\"sol_transfer\",\"from\":\"$A\",
    \"to\":\"$B\"}")
check "prepare without an RPC URL: REFUSED, naming WAIAAS_RPC_SOLANA_DEVNET and [rpc] solana_devnet" \
    [ "$(jf "$out" 'j["status"], j["message"]')" = \
    "('REFUSED', 'no RPC for devnet: set WAIAAS_RPC_SOLANA_DEVNET or [rpc] solana_devnet')" ]
out=$(drv prepare "$SVM_URL" "{\"op\":\"sol_transfer\",\"from\":\"$A\",
    \"to\":\"0OIl\"}")
check "prepare to an invalid address: REFUSED" \
    [ "$(jf "$out" 'j["status"]')" = REFUSED ]

# ---- send and watch ----

a0=$(balance "$A")
b0=$(balance "$B")
tx=$(sol transfer a "$B" 1000000000 "$bh")
out=$(drv send "$SVM_URL" "{\"from\":\"$A\",\"hash\":\"$(jf "$tx" 'j["hash"]')\",
    \"raw\":\"$(jf "$tx" 'j["raw"]')\",\"lastValidHeight\":$lvh}")
check "send a SOL transfer: SUBMITTED then CONFIRMED" \
    [ "$(printf '%s\n' "$out" | while read -r l; do jf "$l" 'j["state"]'; \
    done | tr '\n' ' ')" = "SUBMITTED CONFIRMED " ]
check "send a SOL transfer: exact balances (1 SOL moved, fee 5000)" \
    [ "$(balance "$A") $(balance "$B")" = \
    "$((a0 - 1000000000 - 5000)) $((b0 + 1000000000))" ]

out=$(drv send "$SVM_URL" "{\"from\":\"$A\",\"hash\":\"$(jf "$tx" 'j["hash"]')\",
    \"raw\":\"$(jf "$tx" 'j["raw"]')\",\"lastValidHeight\":$lvh}")
check "send again a landed transaction: CONFIRMED, not an error" \
    [ "$(last_state "$out")" = CONFIRMED ]
check "send again a landed transaction: balances unchanged" \
    [ "$(balance "$A") $(balance "$B")" = \
    "$((a0 - 1000000000 - 5000)) $((b0 + 1000000000))" ]

bh=$(blockhash_now)
tx=$(sol transfer b "$C" 500000000000 "$bh")
out=$(drv send "$SVM_URL" "{\"from\":\"$B\",\"hash\":\"$(jf "$tx" 'j["hash"]')\",
    \"raw\":\"$(jf "$tx" 'j["raw"]')\",\"lastValidHeight\":$lvh}")
check "send beyond the balance: NOT_SENT, final, in one line" \
    [ "$(jf "$out" 'j["state"], j["retryable"]')" = "('NOT_SENT', False)" ]
check "send beyond the balance: the message says insufficient lamports" \
    [ "$(jf "$out" '"insufficient lamports" in j["message"]')" = True ]

bh=$(blockhash_now)
lvh=$(jf "$(rpc "$SVM_URL" getLatestBlockhash '[]')" \
    'j["result"]["value"]["lastValidBlockHeight"]')
rpc "$SVM_URL" waiaas_expireBlockhash '[]' >/dev/null
tx=$(sol transfer a "$C" 1000000 "$bh")
out=$(drv send "$SVM_URL" "{\"from\":\"$A\",\"hash\":\"$(jf "$tx" 'j["hash"]')\",
    \"raw\":\"$(jf "$tx" 'j["raw"]')\",\"lastValidHeight\":$lvh}")
check "send with an expired blockhash: EXPIRED" \
    [ "$(last_state "$out")" = EXPIRED ]

# Watch only: unseen, its last valid height passed -> EXPIRED.
h=$(num "$(jf "$(rpc "$SVM_URL" getBlockHeight '[]')" 'j["result"]')")
out=$(drv send "$SVM_URL" "{\"from\":\"$A\",\"hash\":\"$(jf "$tx" 'j["hash"]')\",
    \"raw\":\"$(jf "$tx" 'j["raw"]')\",\"lastValidHeight\":$((h - 1)),
    \"watchOnly\":true}")
check "watch only, never landed, height past: EXPIRED" \
    [ "$(jf "$out" 'j["state"]')" = EXPIRED ]

# Watch only, never sent: the watch sends it again after resend_ms.
bh=$(blockhash_now)
lvh=$(jf "$(rpc "$SVM_URL" getLatestBlockhash '[]')" \
    'j["result"]["value"]["lastValidBlockHeight"]')
tx=$(sol transfer a "$C" 3000000 "$bh")
c0=$(balance "$C")
out=$(drv send "$SVM_URL" "{\"from\":\"$A\",\"hash\":\"$(jf "$tx" 'j["hash"]')\",
    \"raw\":\"$(jf "$tx" 'j["raw"]')\",\"lastValidHeight\":$lvh,
    \"watchOnly\":true}")
check "watch only, unseen: re-sent, CONFIRMED, C got the lamports once" \
    [ "$(last_state "$out") $(balance "$C")" = \
    "CONFIRMED $((c0 + 3000000))" ]

# A transaction that landed and failed (sent without preflight).
bh=$(blockhash_now)
tx=$(sol transfer c "$A" 999000000 "$bh")
rpc "$SVM_URL" sendTransaction "[\"$(jf "$tx" 'j["b64"]')\",
    {\"encoding\":\"base64\",\"skipPreflight\":true}]" >/dev/null
out=$(drv send "$SVM_URL" "{\"from\":\"$C\",\"hash\":\"$(jf "$tx" 'j["hash"]')\",
    \"raw\":\"$(jf "$tx" 'j["raw"]')\",\"lastValidHeight\":$lvh,
    \"watchOnly\":true}")
check "watch only, landed and failed: FAILED with the instruction error" \
    [ "$(jf "$out" 'j["state"], "instruction 0: custom program error 0x1" in j["message"]')" \
    = "('FAILED', True)" ]

out=$(drv_nourl send "{\"from\":\"$A\",\"hash\":\"$(jf "$tx" 'j["hash"]')\",
    \"raw\":\"$(jf "$tx" 'j["raw"]')\",\"lastValidHeight\":$lvh}")
check "send without an RPC URL: NOT_SENT" \
    [ "$(last_state "$out")" = NOT_SENT ]

# ---- queries ----

out=$(drv query "$SVM_URL" "{\"kind\":\"balance\",\"walletId\":\"w1\",
    \"address\":\"$A\"}")
check "query balance: exact lamports, SOL, 9" \
    [ "$(jf "$out" 'j["status"], j["body"]')" = "(200, {'walletId': 'w1', \
'chain': 'solana', 'network': 'devnet', 'address': '$A', \
'balance': '$(balance "$A")', 'decimals': 9, 'symbol': 'SOL'})" ]
out=$(drv query "$SVM_URL" "{\"kind\":\"balance\",\"address\":\"$A\",
    \"token\":\"$MINT\"}")
check "query token balance: 1000000, decimals 6" \
    [ "$(jf "$out" 'j["status"], j["body"]["balance"], j["body"]["decimals"], j["body"]["token"], j["body"]["symbol"]')" \
    = "(200, '1000000', 6, '$MINT', '')" ]
out=$(drv query "$SVM_URL" "{\"kind\":\"balance\",\"address\":\"$C\",
    \"token\":\"$MINT22\"}")
check "query token balance without an account: 0, the mint's decimals" \
    [ "$(jf "$out" 'j["status"], j["body"]["balance"], j["body"]["decimals"]')" \
    = "(200, '0', 2)" ]
# A Token-2022 account of A's, for the assets.
rpc "$SVM_URL" waiaas_setAccount "[\"$(sol random)\", {\"lamports\":2039280,
    \"owner\":\"$TOKEN22\",\"data\":\"$(sol account "$MINT22" "$A" 777)\"}]" \
    >/dev/null
out=$(drv query "$SVM_URL" "{\"kind\":\"assets\",\"walletId\":\"w1\",
    \"address\":\"$A\"}")
exp=$($PY -c 'import sys
a = [{"mint": "native", "symbol": "SOL", "name": "Solana", "decimals": 9,
    "balance": sys.argv[1], "isNative": True},
    {"mint": sys.argv[2], "symbol": "", "name": "", "decimals": 6,
    "balance": "1000000", "isNative": False},
    {"mint": sys.argv[3], "symbol": "", "name": "", "decimals": 2,
    "balance": "777", "isNative": False}]
a[1:] = sorted(a[1:], key=lambda x: x["mint"])
print((200, a))' "$(balance "$A")" "$MINT" "$MINT22")
check "query assets: SOL, the SPL and the Token-2022 mint, exact" \
    [ "$(jf "$out" 'j["status"], j["body"]["assets"]')" = "$exp" ]
out=$(drv query "$SVM_URL" "{\"kind\":\"balance\",\"address\":\"$A\",
    \"token\":\"$B\"}")
check "query token balance of a non-mint: an error, not a crash" \
    [ "$(jf "$out" 'j["status"] >= 400')" = True ]
out=$(drv_nourl query "{\"kind\":\"balance\",\"address\":\"$A\"}")
check "query without an RPC URL: 503 CHAIN_ERROR" \
    [ "$(jf "$out" 'j["status"], j["code"]')" = "(503, 'CHAIN_ERROR')" ]

# ---- faults: ambiguous sends and transient errors while watching ----

fp=$T_TMP/fault.out
node_bg tests/node/rpc_fault.js --upstream "$SVM_URL" --port 0 >"$fp" 2>&1
PEER_PIDS="$PEER_PIDS $!"
n=0
FAULT=
while [ -z "$FAULT" ] && [ $n -lt 100 ]; do
	sleep 0.05
	p=$(sed -n 's/^listening \([0-9]*\)$/\1/p' "$fp" 2>/dev/null)
	[ -n "$p" ] && FAULT=http://127.0.0.1:$p
	n=$((n + 1))
done
fault() {
	curl -s -o /dev/null -X POST --data "$1" "$FAULT/__fault"
}
[ -n "$FAULT" ] || peer_missing "tests/node/rpc_fault.js" "it did not start"
{
	# Forwarded, then no answer: sent or not, the watch finds out.
	fault '{"mode":"hang_after_forward","ms":3000,"count":1,
	    "methods":["sendTransaction"]}'
	bh=$(blockhash_now)
	lvh=$(jf "$(rpc "$SVM_URL" getLatestBlockhash '[]')" \
	    'j["result"]["value"]["lastValidBlockHeight"]')
	tx=$(sol transfer a "$C" 4000000 "$bh")
	c0=$(balance "$C")
	out=$(CHAIN_DRIVER_TIMEOUT_MS=700 drv send "$FAULT" \
	    "{\"from\":\"$A\",\"hash\":\"$(jf "$tx" 'j["hash"]')\",
	    \"raw\":\"$(jf "$tx" 'j["raw"]')\",\"lastValidHeight\":$lvh}")
	check "send that times out after landing: watched, CONFIRMED once" \
	    [ "$(last_state "$out") $(balance "$C")" = \
	    "CONFIRMED $((c0 + 4000000))" ]

	# The node says it is unhealthy: not sent; the watch sends again.
	fault '{"mode":"error","code":-32005,"message":"Node is unhealthy",
	    "count":1,"methods":["sendTransaction"]}'
	tx=$(sol transfer a "$C" 5000000 "$bh")
	out=$(drv send "$FAULT" "{\"from\":\"$A\",
	    \"hash\":\"$(jf "$tx" 'j["hash"]')\",
	    \"raw\":\"$(jf "$tx" 'j["raw"]')\",\"lastValidHeight\":$lvh}")
	check "send refused by an unhealthy node: re-sent, CONFIRMED" \
	    [ "$(last_state "$out") $(balance "$C")" = \
	    "CONFIRMED $((c0 + 9000000))" ]

	# Status polls failing for a while: never a final state from that.
	fault '{"mode":"status","code":503,"count":4,
	    "methods":["getSignatureStatuses"]}'
	tx=$(sol transfer a "$C" 6000000 "$(blockhash_now)")
	out=$(drv send "$FAULT" "{\"from\":\"$A\",
	    \"hash\":\"$(jf "$tx" 'j["hash"]')\",
	    \"raw\":\"$(jf "$tx" 'j["raw"]')\",\"lastValidHeight\":$lvh}")
	check "status polls failing with 503 for a while: then CONFIRMED" \
	    [ "$(printf '%s\n' "$out" | while read -r l; do \
	    jf "$l" 'j["state"]'; done | tr '\n' ' ')" = \
	    "SUBMITTED CONFIRMED " ]
}

# A node that is not there: no final state, only the driver's deadline.
out=$(CHAIN_DRIVER_DEADLINE_MS=1500 drv send "http://127.0.0.1:$(free_port)" \
    "{\"from\":\"$A\",\"hash\":\"$(jf "$tx" 'j["hash"]')\",
    \"raw\":\"$(jf "$tx" 'j["raw"]')\",\"lastValidHeight\":$lvh}")
rc=$?
check "send to a node that is not there: keeps watching, no final state" \
    [ "$rc:$out" = "3:" ]

# ---- a node that answers nonsense ----

FAKE_PORT=$(free_port)
cat > "$T_TMP/fake.py" <<'EOF'
import http.server, json, sys
BAD = {
    "getLatestBlockhash": {"context": {"slot": 1},
        "value": {"blockhash": "1111", "lastValidBlockHeight": 5}},
    "getBalance": {"context": {"slot": 1}, "value": -5},
    "getBalance+": {"context": {"slot": 1}, "value": 7},
    "getAccountInfo": {"context": {"slot": 1}, "value": {"data":
        ["!!!notbase64", "base64"], "owner": sys.argv[2], "lamports": 1,
        "executable": False, "space": 82}},
    "getTokenAccountsByOwner": {"context": {"slot": 1}, "value": [
        {"pubkey": sys.argv[3], "account": {"owner": sys.argv[2],
        "lamports": 1, "data": {"program": "spl-token", "parsed": {
        "type": "account", "info": {"mint": sys.argv[4],
        "owner": "OWNER", "tokenAmount": {"amount": a,
        "decimals": 0}}}}}} for a in ["18446744073709551615", "1"]]},
}
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass
    def do_POST(self):
        req = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        m = req["method"]
        if m == "sendTransaction":
            r = {"error": {"code": -32002, "message":
                "Transaction simulation failed: \x01" + "x" * 600,
                "data": {"err": {"InstructionError": [0, {"Custom": 7}]},
                "logs": ["Program log: \x7f" + "y" * 400] * 50}}}
        elif m == "getBalance" and req["params"][0] != sys.argv[3]:
            r = {"result": BAD["getBalance+"]}
        else:
            r = {"result": json.loads(json.dumps(BAD.get(m)).replace(
                "OWNER", str((req.get("params") or [None])[0])))}
        r.update({"jsonrpc": "2.0", "id": req["id"]})
        b = json.dumps(r).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(b)))
        self.end_headers()
        self.wfile.write(b)
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
EOF
$PY "$T_TMP/fake.py" "$FAKE_PORT" "$TOKEN" "$A" "$MINT" &
PEER_PIDS="$PEER_PIDS $!"
FAKE=http://127.0.0.1:$FAKE_PORT
n=0
until curl -s -o /dev/null -d '{"jsonrpc":"2.0","id":1,"method":"x"}' \
    "$FAKE" || [ $n -gt 50 ]; do
	sleep 0.1
	n=$((n + 1))
done

out=$(drv prepare "$FAKE" "{\"op\":\"sol_transfer\",\"from\":\"$A\",
    \"to\":\"$B\"}")
check "fake node, short blockhash: ERROR, malformed answer" \
    [ "$(jf "$out" 'j["status"], "malformed" in j["message"]')" = \
    "('ERROR', True)" ]
out=$(drv prepare "$FAKE" "{\"op\":\"sol_token\",\"from\":\"$A\",
    \"to\":\"$B\",\"mint\":\"$MINT\"}")
check "fake node, bad base64 account data: ERROR" \
    [ "$(jf "$out" 'j["status"]')" = ERROR ]
out=$(drv query "$FAKE" "{\"kind\":\"balance\",\"address\":\"$A\"}")
check "fake node, negative balance: 502 CHAIN_ERROR" \
    [ "$(jf "$out" 'j["status"], j["code"]')" = "(502, 'CHAIN_ERROR')" ]
out=$(drv query "$FAKE" "{\"kind\":\"assets\",\"address\":\"$B\"}")
check "fake node, token amounts that overflow a u64: 502, overflows" \
    [ "$(jf "$out" 'j["status"], "overflows" in j["message"]')" = \
    "(502, True)" ]
out=$(drv send "$FAKE" "{\"from\":\"$A\",\"hash\":\"$(jf "$tx" 'j["hash"]')\",
    \"raw\":\"$(jf "$tx" 'j["raw"]')\",\"lastValidHeight\":$lvh}")
check "fake node, huge preflight failure: NOT_SENT, bounded printable" \
    [ "$(jf "$out" 'j["state"], len(j["message"]) < 256, all(0x20 <= ord(c) < 0x7f for c in j["message"])')" \
    = "('NOT_SENT', True, True)" ]

check "no sanitizer report from the driver" \
    eval '! grep -qE "AddressSanitizer|runtime error:|LeakSanitizer" "$SANLOG"'
T1=$(date +%s)
check "t_chain_sol ran in under 30 s ($((T1 - T0)) s)" [ $((T1 - T0)) -lt 30 ]
