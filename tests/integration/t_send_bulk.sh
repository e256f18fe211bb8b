#!/bin/sh
# Sends in bulk and group commit (issue 23).  policyd joins the writes
# of concurrent requests into shared commits, and holds every answer and
# broadcast until the commit that makes it true is on disk.  The test
# build's WAIAASD_TEST_COMMIT_MS makes each commit wait, so that the
# concurrent sends surely share commits and a SIGKILL surely finds one
# pending.  32 sends at once from 4 wallets (a session each): every one
# answered 201 and CONFIRMED, each wallet's nonces distinct and without a
# gap, the chain agreeing; fewer commits than units of work.  Then a
# burst cut by SIGKILL of the whole daemon: after a restart every send
# answered 201 is there and CONFIRMED, every row kept ends CONFIRMED,
# and the chain holds exactly those transactions (nothing broadcast
# whose row was not committed, nothing recorded lost).  No timings are
# asserted.
. tests/integration/lib.sh

NET=ethereum-sepolia
WALLETS=4
PER=8
RCPT=0x00000000000000000000000000000000000b0b01
DB() { sqlite3 "$DATA/data/waiaas.db" "PRAGMA busy_timeout=3000; $1" | tail -1; }
bal() { "$CAST" balance --rpc-url "$ANVIL_URL" "$1"; }
nonce() { "$CAST" nonce --rpc-url "$ANVIL_URL" "$1"; }

start_anvil --chain-id 11155111
boot() {
	WAIAASD_TEST_COMMIT_MS=200 WAIAAS_RPC_EVM_ETHEREUM_SEPOLIA=$ANVIL_URL \
	    WAIAAS_RPC_POLL_INTERVAL_MS=100 start_daemon
}
boot || cannot_run "daemon starts"
check "the test hook delays the group commits" \
    wait_log "group commits 200 ms late"

# The wallets, funded, each with its session; every transfer INSTANT.
: > "$T_TMP/wallets"
i=0
while [ $i -lt $WALLETS ]; do
	req POST /v1/wallets "{\"name\":\"b$i\",\"chain\":\"ethereum\",\"environment\":\"testnet\"}" >/dev/null
	a=$(jget 'j["publicKey"]')
	echo "$a $(jget 'j["session"]["token"]')" >> "$T_TMP/wallets"
	"$CAST" send -q --rpc-url "$ANVIL_URL" --private-key "$ANVIL_KEY0" \
	    "$a" --value 10ether >/dev/null
	i=$((i + 1))
done
req POST /v1/policies '{"type":"SPENDING_LIMIT","rules":{"instant_max":"1000000000000000000"}}' >/dev/null

# plan FILE AMOUNT0 [SPREAD]: $PER sends from each wallet, interleaved,
# to $RCPT, of AMOUNT0, AMOUNT0 + 1 ... wei (each amount once); the k-th
# of a wallet's starts k * SPREAD seconds late (0: all at once).
plan() {
	python3 - "$T_TMP/wallets" "$PER" "$NET" "$RCPT" "$2" "${3:-0}" \
	    > "$1" <<'EOF'
import json, sys
w = [l.split() for l in open(sys.argv[1]) if l.strip()]
per, net, to, a0 = int(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5])
spread = float(sys.argv[6])
print(json.dumps([{"token": w[i % len(w)][1], "network": net, "to": to,
    "amount": str(a0 + i), "delay": (i // len(w)) * spread}
    for i in range(per * len(w))]))
EOF
}

# verify PLAN RESULT: per wallet, its CONFIRMED rows against the chain;
# prints "confirmed answered-201-and-confirmed stuck moved" and writes
# the nonce check into $T_TMP/nonces.
verify() {
	python3 - "$1" "$2" "$T_TMP/wallets" "$PORT" "$ANVIL_URL" "$RCPT" <<'EOF'
import json, sys, time, urllib.request
plan = json.load(open(sys.argv[1]))
res = json.load(open(sys.argv[2]))
wallets = [l.split() for l in open(sys.argv[3]) if l.strip()]
port, node, rcpt = sys.argv[4], sys.argv[5], sys.argv[6]
def get(path, token):
    r = urllib.request.Request("http://127.0.0.1:%s%s" % (port, path),
        headers={"Authorization": "Bearer " + token})
    return json.load(urllib.request.urlopen(r, timeout=30))
def rpc(method, params):
    r = urllib.request.Request(node, json.dumps({"jsonrpc": "2.0", "id": 1,
        "method": method, "params": params}).encode(),
        {"Content-Type": "application/json"})
    return json.load(urllib.request.urlopen(r, timeout=30))["result"]
final = ("CONFIRMED", "FAILED", "CANCELLED", "EXPIRED")
answered = {r["id"] for r in res if r["status"] == 201}
confirmed = stuck = 0
ok_nonces = True
answered_confirmed = 0
for addr, token in wallets:
    # every row of the wallet, until none is under way (up to 60 s)
    for _ in range(600):
        rows = get("/v1/transactions?limit=100", token)["items"]
        if all(t["status"] in final for t in rows):
            break
        time.sleep(0.1)
    mine = [t for t in rows if t["status"] == "CONFIRMED"]
    stuck += sum(1 for t in rows if t["status"] not in final)
    confirmed += len(mine)
    answered_confirmed += sum(1 for t in mine if t["id"] in answered)
    ns = sorted(int(t["nonce"]) for t in mine)
    chain_n = int(rpc("eth_getTransactionCount", [addr, "latest"]), 16)
    # distinct, gapless from 0, and exactly what the chain has
    if ns != list(range(len(ns))) or chain_n != len(ns):
        ok_nonces = False
        print("wallet %s: nonces %s, chain %d" % (addr, ns, chain_n),
              file=sys.stderr)
print(confirmed, answered_confirmed, stuck, len(answered))
open(sys.argv[2] + ".nonces", "w").write("ok" if ok_nonces else "bad")
EOF
}

# ---- 32 at once ----------------------------------------------------------
plan "$T_TMP/plan1" 1000
b0=$(bal $RCPT)
c0=$(DB "SELECT count(*) FROM transactions")
python3 tests/integration/bulk_send.py "$PORT" "$T_TMP/plan1" "$T_TMP/res1"
n201=$(python3 -c "import json,sys; print(sum(r['status'] == 201 for r in json.load(open(sys.argv[1]))))" "$T_TMP/res1")
check "$((WALLETS * PER)) sends at once: every one answered 201 ($n201)" \
    [ "$n201" = $((WALLETS * PER)) ]
set -- $(verify "$T_TMP/plan1" "$T_TMP/res1")
check "... every one CONFIRMED ($1 of $4), none left under way ($3)" \
    [ "$1-$2-$3" = "$((WALLETS * PER))-$((WALLETS * PER))-0" ]
check "... each wallet's nonces distinct, without a gap, as on chain" \
    [ "$(cat "$T_TMP/res1.nonces")" = ok ]
want=$(python3 -c "print(sum(1000 + i for i in range($WALLETS * $PER)))")
check "... the recipient got every amount once" \
    [ "$(python3 -c "print($(bal $RCPT) - $b0)")" = "$want" ]
check "... the database holds those rows and no other" \
    [ "$(DB "SELECT count(*) FROM transactions")" = $((c0 + WALLETS * PER)) ]
m=$(curl -s -H "X-Master-Password: $WAIAAS_MASTER_PASSWORD" \
    "http://127.0.0.1:$PORT/metrics")
commits=$(printf '%s\n' "$m" | sed -n 's/^waiaas_db_commits_total //p')
units=$(printf '%s\n' "$m" | sed -n 's/^waiaas_db_commit_units_total //p')
echo "# group commits so far: $commits for $units units of work"
check "... commits shared: fewer commits ($commits) than units ($units)" \
    [ "${commits:-0}" -gt 0 -a "${commits:-0}" -lt "${units:-0}" ]
check "no sanitizer reports" no_sanitizer_reports

# ---- SIGKILL in a burst ----------------------------------------------------
# The sends of each wallet 60 ms apart: when the first rows are on disk,
# later sends wait for their commit (200 ms after their group's first
# write), and the last are not made yet.  Then the whole daemon dies.
plan "$T_TMP/plan2" 5000 0.06
b0=$(bal $RCPT)
python3 tests/integration/bulk_send.py "$PORT" "$T_TMP/plan2" \
    "$T_TMP/res2" &
BP=$!
n=0
until [ "$(DB "SELECT count(*) FROM transactions WHERE CAST(amount AS INTEGER) >= 5000")" -gt 0 ] ||
    [ $n -ge 200 ]; do
	sleep 0.02
	n=$((n + 1))
done
sleep 0.1
kids=$(children_of "$DPID")
kill -KILL "$DPID"
for k in $kids; do wait_gone "$k" 5000; done
wait $BP
DPID=
set -- $(python3 -c "import json,sys
r = json.load(open(sys.argv[1]))
print(sum(x['status'] == 201 for x in r), sum(x['status'] == 0 for x in r))" \
    "$T_TMP/res2")
echo "# the burst: $1 answered 201, $2 without an answer when killed"
check "the burst was cut: some sends got no answer ($2)" [ "$2" -gt 0 ]
boot || cannot_run "daemon restarts after SIGKILL"
set -- $(verify "$T_TMP/plan2" "$T_TMP/res2")
echo "# after the restart: $1 CONFIRMED (of them $2 answered 201), $3 under way; $4 were answered 201"
check "after SIGKILL and a restart: every send answered 201 is CONFIRMED" \
    [ "$2" = "$4" ]
check "... and every row kept ends CONFIRMED, none under way ($3)" \
    [ "$3" = 0 ]
check "... each wallet's nonces distinct, without a gap, and the chain has exactly those" \
    [ "$(cat "$T_TMP/res2.nonces")" = ok ]
got=$(python3 -c "print($(bal $RCPT) - $b0)")
sum=$(DB "SELECT coalesce(sum(CAST(amount AS INTEGER)), 0) FROM transactions WHERE status = 'CONFIRMED' AND CAST(amount AS INTEGER) >= 5000")
check "... the recipient got exactly the CONFIRMED amounts, once ($got)" \
    [ "$got" = "$sum" ]
check "no sanitizer reports after the restart" no_sanitizer_reports
