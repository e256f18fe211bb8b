#!/bin/sh
# Incoming transfers (issue 21) on anvil: ETH and an ERC-20 sent into a
# monitored wallet are recorded once each with their amounts and reach
# the owner's ntfy topic (TX_INCOMING); an unmonitored wallet records
# nothing; GET /v1/wallet/incoming with its filters and cursor, the
# summary, GET /v1/admin/incoming; then the whole daemon SIGKILLed,
# transfers made while it is down, a restart: each recorded exactly
# once, the cursor moved past them.
. tests/integration/lib.sh

NET=ethereum-sepolia
ACC0=0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266
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
eth_to() { "$CAST" send -q --rpc-url "$ANVIL_URL" --private-key "$ANVIL_KEY0" "$1" --value "$2" >/dev/null; }
tok_to() {
	"$CAST" send -q --rpc-url "$ANVIL_URL" --private-key "$ANVIL_KEY0" \
	    "$TOKEN" 'transfer(address,uint256)' "$1" "$2" >/dev/null
}
last_hash() { "$CAST" block --rpc-url "$ANVIL_URL" latest --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["transactions"][-1])'; }

# The ntfy receiver: the owner's notifications.
python3 tests/tools/notify_receiver.py > "$T_TMP/recv.out" 2>&1 &
PEER_PIDS="${PEER_PIDS:-} $!"
n=0
while [ $n -lt 100 ] && ! grep -qs "^listening" "$T_TMP/recv.out"; do sleep 0.05; n=$((n + 1)); done
RECV=http://127.0.0.1:$(sed -n 's/^listening //p' "$T_TMP/recv.out")
poll() { curl -s "$RECV/incoming/json?poll=1"; }

start_anvil --chain-id 11155111
TOKEN=$(sh tests/contracts/deploy.sh "$ANVIL_URL" "$ANVIL_KEY0" 6) ||
    peer_missing "the test ERC-20 deployed (tests/contracts/deploy.sh)"
"$CAST" send -q --rpc-url "$ANVIL_URL" --private-key "$ANVIL_KEY0" \
    "$TOKEN" 'mint(address,uint256)' "$ACC0" 1000000000 >/dev/null
export WAIAAS_RPC_EVM_ETHEREUM_SEPOLIA=$ANVIL_URL WAIAAS_RPC_POLL_INTERVAL_MS=100
export WAIAAS_INCOMING_POLL_INTERVAL_MS=200 WAIAAS_INCOMING_MAX_BLOCKS=4
export WAIAAS_NOTIFICATIONS_NTFY_URL=$RECV/ WAIAAS_NOTIFICATIONS_NTFY_TOPIC=incoming
start_daemon || cannot_run "daemon starts"

req POST /v1/wallets '{"name":"in","chain":"ethereum","environment":"testnet"}' >/dev/null
W=$(jget 'j["id"]'); ADDR=$(jget 'j["publicKey"]')
S="Authorization: Bearer $(jget 'j["session"]["token"]')"
req POST /v1/wallets '{"name":"quiet","chain":"ethereum","environment":"testnet"}' >/dev/null
W2=$(jget 'j["id"]'); ADDR2=$(jget 'j["publicKey"]')
S2="Authorization: Bearer $(jget 'j["session"]["token"]')"
code=$(req PATCH "/v1/wallets/$W" '{"monitorIncoming":true}')
check "monitorIncoming on for one wallet ($code)" [ "$code" = 200 ]

# ---- native and ERC-20 into the monitored wallet ----
eth_to "$ADDR" 1.5ether; H1=$(last_hash)
tok_to "$ADDR" 2500000; H2=$(last_hash)
eth_to "$ADDR2" 1ether
tok_to "$ADDR2" 7
check "the ETH and the token transfer are recorded" wait_for 20 rows_are "$W" 2
check "... the ETH one: its hash, sender, amount in wei, no token" \
    [ "$(db "SELECT tx_hash, lower(from_address), amount, token_address IS NULL, log_index, status FROM incoming_tx WHERE wallet_id = '$W' AND token_address IS NULL")" = "$H1|$(echo $ACC0 | tr A-F a-f)|1500000000000000000|1|-1|CONFIRMED" ]
check "... the token one: its hash, the token, 2500000 units" \
    [ "$(db "SELECT tx_hash, lower(token_address), amount FROM incoming_tx WHERE wallet_id = '$W' AND token_address IS NOT NULL")" = "$H2|$(echo "$TOKEN" | tr A-F a-f)|2500000" ]
check "the unmonitored wallet records nothing" [ "$(rows "$W2")" = 0 ]
check "the owner is notified of both (ntfy, TX_INCOMING)" \
    wait_for 10 sh -c "[ \$(curl -s '$RECV/incoming/json?poll=1' | grep -c 'Incoming transfer') = 2 ]"
poll > "$T_TMP/poll"
check "... the notifications name the two hashes" \
    sh -c "grep -q '$H1' '$T_TMP/poll' && grep -q '$H2' '$T_TMP/poll'"

# ---- the routes ----
code=$(req GET /v1/wallet/incoming "" "$S")
check "GET /v1/wallet/incoming: 200, both, newest first ($code)" \
    [ "$code $(jget '[x["txHash"] for x in j["data"]] + [j["hasMore"], j["nextCursor"]]')" = "200 ['$H2', '$H1', False, None]" ]
check "... the item's shape: chain, network, CAIP ids, amounts" \
    [ "$(jget '[(x["chain"], x["network"], x["amount"], x["chainId"], x.get("assetId"), x["walletId"], x["suspicious"]) for x in j["data"]][1]')" = "('ethereum', '$NET', '1500000000000000000', 'eip155:11155111', 'eip155:11155111/slip44:60', '$W', False)" ]
code=$(req GET "/v1/wallet/incoming?limit=1" "" "$S")
C=$(jget 'j["nextCursor"]')
check "limit=1: one, hasMore, a cursor ($code)" \
    [ "$code $(jget '[len(j["data"]), j["hasMore"]]')" = "200 [1, True]" ]
code=$(req GET "/v1/wallet/incoming?limit=1&cursor=$C" "" "$S")
check "... the cursor gives the other ($code)" \
    [ "$code $(jget '[x["txHash"] for x in j["data"]] + [j["hasMore"]]')" = "200 ['$H1', False]" ]
code=$(req GET "/v1/wallet/incoming?token=$TOKEN" "" "$S")
check "token=<the ERC-20>: the token one ($code)" \
    [ "$code $(jget '[x["txHash"] for x in j["data"]]')" = "200 ['$H2']" ]
code=$(req GET "/v1/wallet/incoming?token=native&from_address=$ACC0&network=$NET&chain=ethereum&wallet_id=$W" "" "$S")
check "token=native, from_address, network, chain, wallet_id: the ETH one ($code)" \
    [ "$code $(jget '[x["txHash"] for x in j["data"]]')" = "200 ['$H1']" ]
code=$(req GET "/v1/wallet/incoming?status=DETECTED" "" "$S")
check "status=DETECTED: none ($code)" [ "$code $(jget 'len(j["data"])')" = "200 0" ]
code=$(req GET "/v1/wallet/incoming?since=4000000000" "" "$S")
check "since in the future: none ($code)" [ "$code $(jget 'len(j["data"])')" = "200 0" ]
code=$(req GET "/v1/wallet/incoming" "" "$S2")
check "the other wallet's session sees nothing ($code)" [ "$code $(jget 'len(j["data"])')" = "200 0" ]
code=$(req GET "/v1/wallet/incoming?wallet_id=$W" "" "$S2")
check "... and is refused the wallet by id: 403 ($code)" [ "$code" = 403 ]
code=$(req GET "/v1/wallet/incoming?limit=0" "" "$S")
check "limit=0: 400 ($code)" [ "$code" = 400 ]
code=$(req GET "/v1/wallet/incoming?network=nowhere" "" "$S")
check "an unknown network: 400 ($code)" [ "$code" = 400 ]
code=$(req GET /v1/wallet/incoming)
check "masterAuth only: 401 ($code)" [ "$code" = 401 ]
code=$(req GET /v1/wallet/incoming/summary "" "$S")
check "summary (daily): one day, 2 transfers, the ETH summed ($code)" \
    [ "$code $(jget '[j["period"], [(e["date"], e["totalCount"], e["totalAmountNative"], e["totalAmountUsd"], e["suspiciousCount"]) for e in j["entries"]]]')" = "200 ['daily', [('$(date -u +%F)', 2, '1500000000000000000', None, 0)]]" ]
code=$(req GET "/v1/wallet/incoming/summary?period=monthly" "" "$S")
check "summary monthly: the month ($code)" \
    [ "$code $(jget '[e["date"] for e in j["entries"]]')" = "200 ['$(date -u +%Y-%m)']" ]
code=$(req GET "/v1/wallet/incoming/summary?period=hourly" "" "$S")
check "summary period=hourly: 400 ($code)" [ "$code" = 400 ]
code=$(req GET /v1/admin/incoming)
check "GET /v1/admin/incoming: both, the wallet's name, a total ($code)" \
    [ "$code $(jget '[j["total"], j["offset"], j["limit"], sorted(x["walletName"] for x in j["items"])]')" = "200 [2, 0, 20, ['in', 'in']]" ]
code=$(req GET "/v1/admin/incoming?wallet_id=$W2")
check "... wallet_id of the quiet one: none ($code)" [ "$code $(jget 'j["total"]')" = "200 0" ]
code=$(req GET "/v1/admin/incoming?limit=1&offset=1&suspicious=false")
check "... limit, offset, suspicious ($code)" \
    [ "$code $(jget '[j["total"], len(j["items"])]')" = "200 [2, 1]" ]
code=$(req GET /v1/admin/incoming "" "$S")
check "... a session token: 401 ($code)" [ "$code" = 401 ]

# ---- SIGKILL of the whole daemon, transfers while it is down ----
kids=$(children_of "$DPID")
kill -KILL "$DPID"
check "the daemon is gone" wait_gone "$DPID" 2000
for k in $kids; do wait_gone "$k" 1000; done
wait "$DPID" 2>/dev/null
eth_to "$ADDR" 0.25ether; H3=$(last_hash)
tok_to "$ADDR" 11; H4=$(last_hash)
# more blocks than one ask covers (max_blocks 4)
for i in 1 2 3 4 5 6; do "$CAST" rpc --rpc-url "$ANVIL_URL" evm_mine >/dev/null; done
eth_to "$ADDR" 0.5ether; H5=$(last_hash)
cat "$LOG" >> "$T_TMP/all.log"
start_daemon || cannot_run "daemon restarts"
check "after the restart the three made while down are recorded" \
    wait_for 20 rows_are "$W" 5
HEAD=$("$CAST" block-number --rpc-url "$ANVIL_URL")
check "... the cursor reaches the head" \
    wait_for 10 sh -c "[ \"\$(sqlite3 '$DATA/data/waiaas.db' \"PRAGMA busy_timeout=3000; SELECT next_block FROM incoming_cursors WHERE wallet_id = '$W'\" | tail -1)\" = $((HEAD + 1)) ]"
check "... each hash once, amounts right" \
    [ "$(db "SELECT group_concat(tx_hash || ':' || amount, ',') FROM (SELECT tx_hash, amount FROM incoming_tx WHERE wallet_id = '$W' AND tx_hash IN ('$H3', '$H4', '$H5') ORDER BY block_number)")" = "$H3:250000000000000000,$H4:11,$H5:500000000000000000" ]
check "... no duplicate row at all" \
    [ "$(db "SELECT count(*) - count(DISTINCT tx_hash || log_index) FROM incoming_tx")" = 0 ]
check "... notified: five in all" \
    wait_for 10 sh -c "[ \$(curl -s '$RECV/incoming/json?poll=1' | grep -c 'Incoming transfer') = 5 ]"
check "the unmonitored wallet still records nothing" [ "$(rows "$W2")" = 0 ]
code=$(req GET "/v1/wallet/incoming/summary?period=weekly" "" "$S")
check "summary weekly after the restart: 5 transfers, 1.5 + 0.25 + 0.5 ETH summed exactly ($code)" \
    [ "$code $(jget '[(e["totalCount"], e["totalAmountNative"]) for e in j["entries"]]')" = "200 [(5, '2250000000000000000')]" ]

# monitoring off: a transfer is not recorded
req PATCH "/v1/wallets/$W" '{"monitorIncoming":false}' >/dev/null
sleep 0.5
eth_to "$ADDR" 0.125ether
sleep 1
check "monitoring off: nothing more recorded" [ "$(rows "$W")" = 5 ]
kill -TERM "$DPID"; wait_gone "$DPID" 5000; DPID=""
cat "$LOG" >> "$T_TMP/all.log"; LOG=$T_TMP/all.log
check "no sanitizer reports (both runs)" no_sanitizer_reports
