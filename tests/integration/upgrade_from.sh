#!/bin/sh
# An upgrade, by hand (not a t_*.sh: it needs an older build): a data
# directory an older daemon made and used on anvil (a TRANSFER and a
# CONTRACT_CALL confirmed, one queued for approval, a signed message)
# opened by this tree's daemon.  It migrates; every row and schema entry
# but transactions' own text stays as it was; integrity_check is ok; an
# NFT_TRANSFER then goes in and really moves the token.
#   git archive OLDREV | tar -x -C /tmp/old && make -C /tmp/old BUILD=build-dev
#   OLD=/tmp/old/build-dev BUILD=build-dev sh tests/integration/upgrade_from.sh
[ -x "${OLD:-}/waiaasd" ] || { echo "usage: OLD=<older build dir> $0" >&2; exit 2; }
. tests/integration/lib.sh
NET=ethereum-sepolia
ACC1=0x70997970C51812dc3A010C7d01b50e0d17dc79C8
NEWD=$WAIAASD
DB() { sqlite3 "$DATA/data/waiaas.db" "$@"; }
dumpdb() {
	for t in $(DB "SELECT name FROM sqlite_master WHERE type='table' ORDER BY 1"); do
		echo "== $t"; DB "SELECT * FROM \"$t\" ORDER BY 1"
	done
	DB "SELECT type, name, sql FROM sqlite_master WHERE name != 'transactions' ORDER BY 1, 2"
}
start_anvil --chain-id 11155111
WAIAASD=$OLD/waiaasd
WAIAAS_RPC_EVM_ETHEREUM_SEPOLIA=$ANVIL_URL WAIAAS_SECURITY_PRICE_STATIC="ETH=2000" \
WAIAAS_RPC_POLL_INTERVAL_MS=100 start_daemon || cannot_run "the older daemon starts"
V0=$(DB 'PRAGMA user_version')
check "the older daemon made schema $V0, without NFT_TRANSFER" \
    sh -c "! sqlite3 '$DATA/data/waiaas.db' \"SELECT sql FROM sqlite_master WHERE name='transactions'\" | grep -q NFT_TRANSFER"
req POST /v1/wallets '{"name":"old","chain":"ethereum","environment":"testnet"}' >/dev/null
W=$(jget 'j["id"]'); ADDR=$(jget 'j["publicKey"]'); TOK=$(jget 'j["session"]["token"]')
S="Authorization: Bearer $TOK"
"$CAST" send -q --rpc-url "$ANVIL_URL" --private-key "$ANVIL_KEY0" "$ADDR" --value 10ether >/dev/null
NFT=$(sh tests/contracts/deploy_nft.sh "$ANVIL_URL" "$ANVIL_KEY0" TestNFT "$ADDR")
req POST /v1/policies '{"type":"SPENDING_LIMIT","rules":{"instant_max":"1000000000000000000","instant_max_usd":1000000}}' >/dev/null
req POST /v1/policies "{\"walletId\":\"$W\",\"type\":\"CONTRACT_WHITELIST\",\"rules\":{\"contracts\":[{\"address\":\"$NFT\"}]}}" >/dev/null
r1=$(wait_tx "$(send "{\"network\":\"$NET\",\"to\":\"$ACC1\",\"amount\":\"1000\"}")")
check "the older daemon: a TRANSFER confirmed" [ "$(printf '%s' "$r1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])')" = CONFIRMED ]
CD=$("$CAST" calldata 'setApprovalForAll(address,bool)' "$ACC1" false)
r2=$(wait_tx "$(send "{\"type\":\"CONTRACT_CALL\",\"network\":\"$NET\",\"to\":\"$NFT\",\"calldata\":\"$CD\"}")")
check "the older daemon: a CONTRACT_CALL confirmed" [ "$(printf '%s' "$r2" | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])')" = CONFIRMED ]
code=$(req POST /v1/transactions/send "{\"network\":\"$NET\",\"to\":\"$ACC1\",\"amount\":\"5000000000000000000\"}" "$S")
check "the older daemon: one QUEUED for approval ($code)" [ "$code" = 201 ]
req POST /v1/transactions/sign-message "{\"network\":\"$NET\",\"message\":\"hello\"}" "$S" >/dev/null
kill -TERM "$DPID"; wait_gone "$DPID" 5000; DPID=""
DB 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null
dumpdb > "$T_TMP/before"
echo "# rows before: $(DB 'SELECT count(*) FROM transactions') transactions, $(DB 'SELECT count(*) FROM audit_log') audit, types: $(DB 'SELECT group_concat(type) FROM transactions')"

WAIAASD=$NEWD
WAIAAS_RPC_EVM_ETHEREUM_SEPOLIA=$ANVIL_URL WAIAAS_SECURITY_PRICE_STATIC="ETH=2000" \
WAIAAS_RPC_POLL_INTERVAL_MS=100 start_daemon || cannot_run "this daemon starts on the older data"
V1=$(DB 'PRAGMA user_version')
check "this daemon migrated it: schema $V0 -> $V1" [ "$V1" -gt "$V0" ]
check "its log says so" grep -q "migrated to schema version $V1" "$LOG"
dumpdb > "$T_TMP/after"
if cmp -s "$T_TMP/before" "$T_TMP/after"; then ok "every row and schema entry as the older daemon left them"; else notok "rows differ"; diff "$T_TMP/before" "$T_TMP/after" | head -20; fi
check "PRAGMA integrity_check ok" [ "$(DB 'PRAGMA integrity_check')" = ok ]
check "transactions.type's CHECK now lists NFT_TRANSFER" sh -c "sqlite3 '$DATA/data/waiaas.db' \"SELECT sql FROM sqlite_master WHERE name='transactions'\" | grep -q \"'NFT_TRANSFER', 'CONTRACT_DEPLOY'\""
req GET "/v1/transactions?limit=50" "" "$S" >/dev/null
check "GET /v1/transactions lists the older rows" [ "$(jget 'len(j["items"])')" -ge 3 ]
r=$(wait_tx "$(send "{\"type\":\"NFT_TRANSFER\",\"network\":\"$NET\",\"to\":\"$ACC1\",\"token\":{\"address\":\"$NFT\",\"tokenId\":\"1\",\"standard\":\"ERC-721\"}}")")
check "then an NFT_TRANSFER row goes in and confirms" [ "$(printf '%s' "$r" | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])')" = CONFIRMED ]
check "ownerOf(1) is now the recipient" [ "$("$CAST" call --rpc-url "$ANVIL_URL" "$NFT" 'ownerOf(uint256)(address)' 1)" = "$ACC1" ]
check "the DB holds it: $(DB "SELECT type, status FROM transactions WHERE type='NFT_TRANSFER'")" [ "$(DB "SELECT count(*) FROM transactions WHERE type='NFT_TRANSFER'")" = 1 ]
check "integrity_check still ok" [ "$(DB 'PRAGMA integrity_check')" = ok ]
kill -TERM "$DPID"; wait_gone "$DPID" 5000; DPID=""
check "no sanitizer reports" no_sanitizer_reports
