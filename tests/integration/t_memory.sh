#!/bin/sh
# A key imported over REST lives in the signer's memory only: not in the
# parent, api, policyd or relay (freed heap included), neither as raw
# bytes nor as the hex or base58 text that carried it in the request --
# also after the daemon has signed and sent a transaction with each key
# (to anvil and to the litesvm node).
. tests/integration/lib.sh

if [ "$(id -u)" != 0 ]; then
	echo "skip - t_memory reads other processes' memory as root"
	exit 0
fi
eval "$(python3 tests/integration/keys.py)"
EVM_KEY=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
hex() { printf '%s' "$1" | od -An -tx1 | tr -d ' \n'; }

start_anvil --chain-id 11155111
start_svm
if ! WAIAAS_RPC_EVM_ETHEREUM_SEPOLIA=$ANVIL_URL WAIAAS_RPC_SOLANA_DEVNET=$SVM_URL \
    WAIAAS_RPC_POLL_INTERVAL_MS=100 start_daemon; then
	cannot_run "daemon starts"
fi
M="X-Master-Password: $WAIAAS_MASTER_PASSWORD"
c1=$(http_code -X POST -H "$M" --data-binary \
    "{\"name\":\"m\",\"chain\":\"ethereum\",\"privateKey\":\"0x$EVM_KEY\"}" \
    "http://127.0.0.1:$PORT/v1/wallets/import")
c2=$(http_code -X POST -H "$M" --data-binary \
    "{\"name\":\"s\",\"chain\":\"solana\",\"privateKey\":\"$SOL_SECRET\"}" \
    "http://127.0.0.1:$PORT/v1/wallets/import")
check "both keys imported ($c1 $c2)" [ "$c1 $c2" = "201 201" ]
http_code -H "$M" "http://127.0.0.1:$PORT/v1/wallets" >/dev/null
EW=$(json_get "$T_TMP/body" '[w["id"] for w in j["items"] if w["chain"] == "ethereum"][0]')
SW=$(json_get "$T_TMP/body" '[w["id"] for w in j["items"] if w["chain"] == "solana"][0]')
EA=$(json_get "$T_TMP/body" '[w["publicKey"] for w in j["items"] if w["chain"] == "ethereum"][0]')
SA=$(json_get "$T_TMP/body" '[w["publicKey"] for w in j["items"] if w["chain"] == "solana"][0]')
http_code -X POST -H "$M" --data-binary "{\"walletIds\":[\"$EW\",\"$SW\"]}" \
    "http://127.0.0.1:$PORT/v1/sessions" >/dev/null
S="Authorization: Bearer $(json_get "$T_TMP/body" 'j["token"]')"
http_code -X POST -H "$M" --data-binary \
    '{"type":"SPENDING_LIMIT","rules":{"instant_max":"1000000000"}}' \
    "http://127.0.0.1:$PORT/v1/policies" >/dev/null
"$CAST" send -q --rpc-url "$ANVIL_URL" --private-key "$ANVIL_KEY0" "$EA" \
    --value 1ether >/dev/null
rpc "$SVM_URL" requestAirdrop "[\"$SA\",1000000000]" >/dev/null
signed=0
for b in "{\"walletId\":\"$EW\",\"network\":\"ethereum-sepolia\",\"to\":\"0x70997970C51812dc3A010C7d01b50e0d17dc79C8\",\"amount\":\"1000\"}" \
    "{\"walletId\":\"$SW\",\"to\":\"11111111111111111111111111111112\",\"amount\":\"1000000\"}"; do
	http_code -X POST -H "$S" --data-binary "$b" \
	    "http://127.0.0.1:$PORT/v1/transactions/send" >/dev/null
	id=$(json_get "$T_TMP/body" 'j["id"]')
	n=0
	while [ $n -lt 200 ]; do
		http_code -H "$S" "http://127.0.0.1:$PORT/v1/transactions/$id" \
		    >/dev/null
		st=$(json_get "$T_TMP/body" 'j["status"]')
		[ "$st" = CONFIRMED ] && { signed=$((signed + 1)); break; }
		[ "$st" = FAILED ] && break
		sleep 0.1; n=$((n + 1))
	done
done
check "the daemon signed and sent with both imported keys" [ "$signed" = 2 ]
# Some traffic after, as a real daemon would see.
for i in 1 2 3; do
	http_code -H "$M" "http://127.0.0.1:$PORT/v1/wallets" >/dev/null
done

RAW_EVM=$EVM_KEY
TXT_EVM=$(hex "0x$EVM_KEY")
RAW_SOL=$SOL_SEED_HEX
TXT_SOL=$(hex "$SOL_SECRET")
PWD_HEX=$(hex "$WAIAAS_MASTER_PASSWORD")
for p in $DPID $(children_of "$DPID"); do
	r=$(role_of "$p"); [ -z "$r" ] && r=parent
	python3 tests/integration/memscan.py "$p" "$RAW_EVM" "$TXT_EVM" \
	    "$RAW_SOL" "$TXT_SOL" "$PWD_HEX" > "$T_TMP/scan"
	set -- $(awk '{ print $2 }' "$T_TMP/scan")
	if [ "$r" = signer ]; then
		check "signer holds the EVM key (the scan sees memory)" [ "$1" -ge 1 ]
		check "signer holds the Solana seed" [ "$3" -ge 1 ]
	else
		check "$r: no raw EVM key in memory ($1)" [ "$1" = 0 ]
		check "$r: no raw Solana seed in memory ($3)" [ "$3" = 0 ]
	fi
	check "$r: no hex text of the EVM key in memory ($2)" [ "$2" = 0 ]
	check "$r: no base58 text of the Solana secret in memory ($4)" [ "$4" = 0 ]
	if [ "$r" = api ] || [ "$r" = policyd ] || [ "$r" = relay ]; then
		check "$r: no master password in memory ($5)" [ "$5" = 0 ]
	fi
done
kill -TERM "$DPID"; wait_gone "$DPID" 2000; DPID=""
check "no sanitizer reports" no_sanitizer_reports
