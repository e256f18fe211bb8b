#!/bin/sh
# Incoming transfers on Solana (issue 21): the Solana test node (litesvm
# behind tests/node/svm_rpc.js, as devnet) and an outside sender whose
# transactions the test signs itself (tests/integration/sol_tx.js).  SOL
# and an SPL token sent into a monitored wallet are recorded once each,
# with their amounts, senders and the token's mint, and reach the
# owner's ntfy topic; an unmonitored wallet records nothing; GET
# /v1/wallet/incoming and /summary show them.  Then the whole daemon is
# SIGKILLed, transfers are made while it is down (more slots than one
# ask covers), and after a restart each is recorded exactly once and the
# cursor (a slot) reaches the node's.
. tests/integration/lib.sh

need_node_modules litesvm @solana/kit @solana-program/system \
    @solana-program/token || exit 0
SOLTX="node_bin tests/integration/sol_tx.js"
SEED=$(python3 -c 'import os; print(os.urandom(32).hex())')

db() { sqlite3 "$DATA/data/waiaas.db" "PRAGMA busy_timeout=3000; $1" | tail -1; }
wait_for() {	# wait_for SECONDS command...
	t=$1; shift; n=0
	while [ $n -lt $((t * 10)) ]; do
		"$@" && return 0
		sleep 0.1; n=$((n + 1))
	done
	return 1
}
rows() { db "SELECT count(*) FROM incoming_tx WHERE wallet_id = '$1'"; }
rows_are() { [ "$(rows "$1")" = "$2" ]; }
res() {	# res METHOD PARAMS EXPR: a field of a JSON-RPC result
	rpc "$SVM_URL" "$1" "$2" | python3 -c "import json,sys; r=json.load(sys.stdin)['result']; print($3)"
}
newkey() {
	python3 -c 'import os
a = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
b = os.urandom(32); n = int.from_bytes(b, "big"); s = ""
while n: n, r = divmod(n, 58); s = a[r] + s
print("1" * (len(b) - len(b.lstrip(b"\0"))) + s)'
}
# outside IXS: the sender's transaction, signed and sent; prints its
# signature once it landed
outside() {
	bh=$(res getLatestBlockhash '[]' 'r["value"]["blockhash"]')
	w=$($SOLTX signed "$SEED" "{\"feePayer\":\"$X\",\"blockhash\":\"$bh\",\"ixs\":$1}")
	rpc "$SVM_URL" sendTransaction "[\"$w\",{\"encoding\":\"base64\"}]" |
	    python3 -c 'import json,sys; print(json.load(sys.stdin)["result"])'
}
# a TransferChecked alone into the owner's existing account: the wallet's
# address is not in that transaction, only its token account is
tok_only() {
	outside "[{\"kind\":\"transferChecked\",\"authority\":\"$X\",\"mint\":\"$MINT\",\"toOwner\":\"$1\",\"amount\":$2,\"decimals\":6}]"
}
sol_to() { outside "[{\"kind\":\"transfer\",\"from\":\"$X\",\"to\":\"$1\",\"lamports\":$2}]"; }
tok_to() {
	outside "[{\"kind\":\"createAta\",\"payer\":\"$X\",\"owner\":\"$1\",\"mint\":\"$MINT\"},{\"kind\":\"transferChecked\",\"authority\":\"$X\",\"mint\":\"$MINT\",\"toOwner\":\"$1\",\"amount\":$2,\"decimals\":6}]"
}

# The ntfy receiver: the owner's notifications.
python3 tests/tools/notify_receiver.py > "$T_TMP/recv.out" 2>&1 &
PEER_PIDS="${PEER_PIDS:-} $!"
n=0
while [ $n -lt 100 ] && ! grep -qs "^listening" "$T_TMP/recv.out"; do sleep 0.05; n=$((n + 1)); done
RECV=http://127.0.0.1:$(sed -n 's/^listening //p' "$T_TMP/recv.out")
poll() { curl -s "$RECV/incoming/json?poll=1"; }

start_svm || cannot_run "litesvm starts"
X=$($SOLTX address "$SEED")
rpc "$SVM_URL" requestAirdrop "[\"$X\",20000000000]" >/dev/null
MINT=$(res waiaas_createMint "[{\"decimals\":6,\"mintAuthority\":\"$(newkey)\"}]" r)
rpc "$SVM_URL" waiaas_mintTo "[{\"mint\":\"$MINT\",\"owner\":\"$X\",\"amount\":1000000000}]" >/dev/null
export WAIAAS_RPC_SOLANA_DEVNET=$SVM_URL WAIAAS_RPC_POLL_INTERVAL_MS=100
export WAIAAS_INCOMING_POLL_INTERVAL_MS=200 WAIAAS_INCOMING_MAX_BLOCKS=4
export WAIAAS_NOTIFICATIONS_NTFY_URL=$RECV/ WAIAAS_NOTIFICATIONS_NTFY_TOPIC=incoming
start_daemon || cannot_run "daemon starts"

req POST /v1/wallets '{"name":"in","chain":"solana","environment":"testnet"}' >/dev/null
W=$(jget 'j["id"]'); ADDR=$(jget 'j["publicKey"]')
S="Authorization: Bearer $(jget 'j["session"]["token"]')"
req POST /v1/wallets '{"name":"quiet","chain":"solana","environment":"testnet"}' >/dev/null
W2=$(jget 'j["id"]'); ADDR2=$(jget 'j["publicKey"]')
code=$(req PATCH "/v1/wallets/$W" '{"monitorIncoming":true}')
check "monitorIncoming on for one Solana wallet ($code)" [ "$code" = 200 ]
check "the watcher has a cursor for it (a slot)" \
    wait_for 10 sh -c "[ -n \"\$(sqlite3 '$DATA/data/waiaas.db' \"PRAGMA busy_timeout=3000; SELECT next_block FROM incoming_cursors WHERE wallet_id = '$W'\" | tail -1)\" ]"

# ---- SOL and an SPL token into the monitored wallet ----
H1=$(sol_to "$ADDR" 1500000000)
H2=$(tok_to "$ADDR" 2500000)
sol_to "$ADDR2" 1000000000 >/dev/null
tok_to "$ADDR2" 7 >/dev/null
check "the SOL and the token transfer are recorded" wait_for 20 rows_are "$W" 2
check "... the SOL one: its signature, sender, lamports, no token" \
    [ "$(db "SELECT tx_hash, from_address, amount, token_address IS NULL, log_index, status, chain, network FROM incoming_tx WHERE wallet_id = '$W' AND token_address IS NULL")" = "$H1|$X|1500000000|1|-1|CONFIRMED|solana|devnet" ]
check "... the token one: its signature, sender, the mint, 2500000 units" \
    [ "$(db "SELECT tx_hash, from_address, token_address, amount FROM incoming_tx WHERE wallet_id = '$W' AND token_address IS NOT NULL")" = "$H2|$X|$MINT|2500000" ]
check "... in the slots the node says" \
    [ "$(db "SELECT group_concat(block_number, ',') FROM (SELECT block_number FROM incoming_tx WHERE wallet_id = '$W' ORDER BY block_number)")" = "$(res getSignatureStatuses "[[\"$H1\",\"$H2\"]]" '",".join(str(v["slot"]) for v in r["value"])')" ]
check "the unmonitored wallet records nothing" [ "$(rows "$W2")" = 0 ]
check "the owner is notified of both (ntfy, TX_INCOMING)" \
    wait_for 10 sh -c "[ \$(curl -s '$RECV/incoming/json?poll=1' | grep -c 'Incoming transfer') = 2 ]"
poll > "$T_TMP/poll"
check "... the notifications name the two signatures" \
    sh -c "grep -q '$H1' '$T_TMP/poll' && grep -q '$H2' '$T_TMP/poll'"

code=$(req GET /v1/wallet/incoming "" "$S")
check "GET /v1/wallet/incoming: 200, both, newest first ($code)" \
    [ "$code $(jget '[x["txHash"] for x in j["data"]] + [j["hasMore"]]')" = "200 ['$H2', '$H1', False]" ]
check "... the items: chain, network, amounts, token, sender" \
    [ "$(jget '[(x["chain"], x["network"], x["amount"], x["tokenAddress"], x["fromAddress"], x["walletId"]) for x in j["data"]]')" = "[('solana', 'devnet', '2500000', '$MINT', '$X', '$W'), ('solana', 'devnet', '1500000000', None, '$X', '$W')]" ]
code=$(req GET "/v1/wallet/incoming?token=$MINT" "" "$S")
check "token=<the mint>: the token one ($code)" \
    [ "$code $(jget '[x["txHash"] for x in j["data"]]')" = "200 ['$H2']" ]
code=$(req GET /v1/wallet/incoming/summary "" "$S")
check "summary (daily): 2 transfers, the SOL summed ($code)" \
    [ "$code $(jget '[(e["totalCount"], e["totalAmountNative"]) for e in j["entries"]]')" = "200 [(2, '1500000000')]" ]

# ---- SIGKILL of the whole daemon, transfers while it is down ----
kids=$(children_of "$DPID")
kill -KILL "$DPID"
check "the daemon is gone" wait_gone "$DPID" 2000
for k in $kids; do wait_gone "$k" 1000; done
wait "$DPID" 2>/dev/null
H3=$(sol_to "$ADDR" 250000000)
H4=$(tok_only "$ADDR" 11)
check "... the token one names the wallet's token account, not the wallet" \
    [ "$(res getTransaction "[\"$H4\",{\"encoding\":\"json\"}]" '"'"$ADDR"'" in r["transaction"]["message"]["accountKeys"]')" = False ]
# more slots than one ask covers (max_blocks 4)
for i in 1 2 3 4 5 6; do sol_to "$ADDR2" 1000 >/dev/null; done
H5=$(sol_to "$ADDR" 500000000)
cat "$LOG" >> "$T_TMP/all.log"
start_daemon || cannot_run "daemon restarts"
check "after the restart the three made while down are recorded" \
    wait_for 30 rows_are "$W" 5
SLOT=$(res getSlot '[]' r)
check "... the cursor reaches the node's slot" \
    wait_for 10 sh -c "[ \"\$(sqlite3 '$DATA/data/waiaas.db' \"PRAGMA busy_timeout=3000; SELECT next_block FROM incoming_cursors WHERE wallet_id = '$W'\" | tail -1)\" = $((SLOT + 1)) ]"
check "... each signature once, amounts right" \
    [ "$(db "SELECT group_concat(tx_hash || ':' || amount, ',') FROM (SELECT tx_hash, amount FROM incoming_tx WHERE wallet_id = '$W' AND tx_hash IN ('$H3', '$H4', '$H5') ORDER BY block_number)")" = "$H3:250000000,$H4:11,$H5:500000000" ]
check "... no duplicate row at all" \
    [ "$(db "SELECT count(*) - count(DISTINCT tx_hash || log_index) FROM incoming_tx")" = 0 ]
check "... notified: five in all" \
    wait_for 10 sh -c "[ \$(curl -s '$RECV/incoming/json?poll=1' | grep -c 'Incoming transfer') = 5 ]"
check "the unmonitored wallet still records nothing" [ "$(rows "$W2")" = 0 ]
code=$(req GET "/v1/wallet/incoming/summary?period=weekly" "" "$S")
check "summary after the restart: 5 transfers, 1.5 + 0.25 + 0.5 SOL summed ($code)" \
    [ "$code $(jget '[(e["totalCount"], e["totalAmountNative"]) for e in j["entries"]]')" = "200 [(5, '2250000000')]" ]

# A second SIGKILL and restart with nothing new: nothing added.
kids=$(children_of "$DPID")
kill -KILL "$DPID"
wait_gone "$DPID" 2000
for k in $kids; do wait_gone "$k" 1000; done
wait "$DPID" 2>/dev/null
cat "$LOG" >> "$T_TMP/all.log"
start_daemon || cannot_run "daemon restarts again"
sleep 2
check "another SIGKILL and restart, nothing sent: still five rows" \
    [ "$(rows "$W")" = 5 ]
kill -TERM "$DPID"; wait_gone "$DPID" 5000; DPID=""
cat "$LOG" >> "$T_TMP/all.log"; LOG=$T_TMP/all.log
check "no sanitizer reports (all runs)" no_sanitizer_reports
