#!/bin/sh
# Idempotency-Key against the real daemon and anvil: a send repeated with
# its key is one transaction and one transfer on the chain, answered the
# same both times; the key with another body is 409; another session's
# same key is its own; a client that drops the connection before the
# answer and retries pays once.  Wallet, session and policy creations
# replayed give the same ids, the token given again works, and no token
# is in the database.  Keys are per credential, survive a restart, and a
# malformed one is 400 and changes nothing.
. tests/integration/lib.sh

U() { echo "http://127.0.0.1:$PORT$1"; }
M="X-Master-Password: $WAIAAS_MASTER_PASSWORD"
NET=ethereum-sepolia
R1=0x00000000000000000000000000000000000000a1
R2=0x00000000000000000000000000000000000000a2
DATA=$T_TMP/data

# post PATH JSON KEY [AUTH-HEADER]: status; the body in $T_TMP/body.
post() {
	http_code -X POST -H "Content-Type: application/json" \
	    -H "${4:-$M}" -H "Idempotency-Key: $3" --data-binary "$2" \
	    "$(U "$1")"
}
# same GOT WANT FILE1 FILE2: the codes, and the answers byte for byte
same() { [ "$1" = "$2" ] && cmp -s "$3" "$4"; }
bal() { "$CAST" balance --rpc-url "$ANVIL_URL" "$1"; }
count() {	# count PATH [AUTH]: entries of a list answer, or -1
	req GET "$1" "" "${2:-$M}" >/dev/null
	jget 'j["total"] if "total" in j else len(j["items"])' 2>/dev/null ||
	    echo -1
}

start_anvil --chain-id 11155111
export WAIAAS_RPC_EVM_ETHEREUM_SEPOLIA=$ANVIL_URL
export WAIAAS_SECURITY_PRICE_STATIC="ETH=2000"
export WAIAAS_RPC_POLL_INTERVAL_MS=100
start_daemon || cannot_run "daemon starts"

# A wallet, created twice with one key: one wallet, the same answer.
WB='{"name":"idem","chain":"ethereum","environment":"testnet","createSession":true}'
c1=$(post /v1/wallets "$WB" wallet-key-1); cp "$T_TMP/body" "$T_TMP/w1"
c2=$(post /v1/wallets "$WB" wallet-key-1); cp "$T_TMP/body" "$T_TMP/w2"
check "a wallet create replayed: 201 twice ($c1 $c2)" [ "$c1 $c2" = "201 201" ]
check "the same answer, byte for byte" cmp -s "$T_TMP/w1" "$T_TMP/w2"
check "one wallet exists" [ "$(count /v1/wallets)" = 1 ]
W=$(json_get "$T_TMP/w1" 'j["id"]')
ADDR=$(json_get "$T_TMP/w1" 'j["publicKey"]')
TW=$(json_get "$T_TMP/w1" 'j["session"]["token"]')
code=$(req GET /v1/wallets "" \
    "Authorization: Bearer $(json_get "$T_TMP/w2" 'j["session"]["token"]')")
check "the session token given again works ($code)" [ "$code" = 200 ]
S="Authorization: Bearer $TW"
"$CAST" send -q --rpc-url "$ANVIL_URL" --private-key "$ANVIL_KEY0" "$ADDR" \
    --value 10ether >/dev/null

# A policy, twice: one policy.
PB='{"type":"SPENDING_LIMIT","rules":{"instant_max":"2000000000000000000","instant_max_usd":1000000}}'
c1=$(post /v1/policies "$PB" policy-key-1); p1=$(jget 'j["id"]')
c2=$(post /v1/policies "$PB" policy-key-1); p2=$(jget 'j["id"]')
check "a policy create replayed: the same policy ($c1 $p1, $c2 $p2)" \
    [ "$c1 $c2 $p1" = "201 201 $p2" ]
check "one policy exists" [ "$(count /v1/policies)" = 1 ]

# A session, twice: the same session and token, one more session.
n0=$(count /v1/sessions)
SB="{\"walletIds\":[\"$W\"]}"
c1=$(post /v1/sessions "$SB" session-key-1); cp "$T_TMP/body" "$T_TMP/s1"
c2=$(post /v1/sessions "$SB" session-key-1); cp "$T_TMP/body" "$T_TMP/s2"
check "a session create replayed: 201 twice, the same answer ($c1 $c2)" \
    same "$c1 $c2" "201 201" "$T_TMP/s1" "$T_TMP/s2"
check "one session more ($n0 -> $(count /v1/sessions))" \
    [ "$(count /v1/sessions)" = $((n0 + 1)) ]
T2=$(json_get "$T_TMP/s2" 'j["token"]')
S2="Authorization: Bearer $T2"
code=$(req GET /v1/wallets "" "$S2")
check "its token given again works ($code)" [ "$code" = 200 ]

# A send, twice: one transaction, one transfer.
TB="{\"network\":\"$NET\",\"to\":\"$R1\",\"amount\":\"1000000000000001\"}"
c1=$(post /v1/transactions/send "$TB" send-key-1 "$S"); cp "$T_TMP/body" "$T_TMP/t1"
c2=$(post /v1/transactions/send "$TB" send-key-1 "$S"); cp "$T_TMP/body" "$T_TMP/t2"
check "a send replayed: 201 twice, the same answer ($c1 $c2)" \
    same "$c1 $c2" "201 201" "$T_TMP/t1" "$T_TMP/t2"
TX1=$(json_get "$T_TMP/t1" 'j["id"]')
r=$(wait_tx "$TX1")
check "it is CONFIRMED" [ "$(printf '%s' "$r" | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])')" = CONFIRMED ]
c3=$(post /v1/transactions/send "$TB" send-key-1 "$S")
check "replayed after it confirmed: still the first answer ($c3)" \
    same "$c3" 201 "$T_TMP/body" "$T_TMP/t1"
check "one transfer on the chain ($(bal $R1))" [ "$(bal $R1)" = 1000000000000001 ]
check "one transaction listed" \
    [ "$(count "/v1/transactions?walletId=$W" "$S")" = 1 ]

# The same key, another body: 409; nothing sent.
code=$(post /v1/transactions/send "{\"network\":\"$NET\",\"to\":\"$R1\",\"amount\":\"7\"}" send-key-1 "$S")
check "the same key with another body: 409 IDEMPOTENCY_KEY_REUSED ($code)" \
    [ "$code $(jget 'j["code"]')" = "409 IDEMPOTENCY_KEY_REUSED" ]
code=$(post /v1/transactions/sign-message '{"network":"ethereum-sepolia","message":"x"}' send-key-1 "$S")
check "the same key on another route: 409 too ($code)" [ "$code" = 409 ]

# The same key from another session is that session's own.
c=$(post /v1/transactions/send "$TB" send-key-1 "$S2")
TX2=$(jget 'j["id"]')
check "the same key from another session creates its own ($c, $TX2)" \
    sh -c "[ '$c' = 201 ] && [ '$TX2' != '$TX1' ]"
wait_tx "$TX2" >/dev/null
check "that one is a second transfer ($(bal $R1))" \
    [ "$(bal $R1)" = 2000000000000002 ]
# ... and from the master password (no key collides across credentials).
c=$(post /v1/policies "$PB" send-key-1)
check "the same key with the master password: its own ($c)" [ "$c" = 201 ]

# The client drops the connection once the request is sent, before any
# answer, then retries with the same key: one transfer.
DB="{\"network\":\"$NET\",\"to\":\"$R2\",\"amount\":\"3000000000000003\"}"
python3 - "$PORT" "$TW" "$DB" <<'PY'
import socket, sys
port, tok, body = int(sys.argv[1]), sys.argv[2], sys.argv[3].encode()
s = socket.create_connection(("127.0.0.1", port))
s.sendall(b"POST /v1/transactions/send HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    b"Authorization: Bearer " + tok.encode() + b"\r\n"
    b"Idempotency-Key: drop-key-1\r\nContent-Type: application/json\r\n"
    b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\1\0\0\0\0\0\0\0")
s.close()	# a reset, no answer read
PY
sleep 0.5
check "the dropped request was served (a third transaction)" \
    [ "$(count "/v1/transactions?walletId=$W" "$S")" = 3 ]
c=$(post /v1/transactions/send "$DB" drop-key-1 "$S")
TX3=$(jget 'j["id"]')
check "the retry after the dropped connection: 201 ($c)" [ "$c" = 201 ]
wait_tx "$TX3" >/dev/null
sleep 0.5
check "one transfer for the two ($(bal $R2))" [ "$(bal $R2)" = 3000000000000003 ]
check "three transactions of the wallet in all, not four" \
    [ "$(count "/v1/transactions?walletId=$W" "$S")" = 3 ]

# Signing a message, twice: the same signature, one request.
MB='{"network":"ethereum-sepolia","message":"idempotent"}'
c1=$(post /v1/transactions/sign-message "$MB" sign-key-1 "$S"); cp "$T_TMP/body" "$T_TMP/m1"
c2=$(post /v1/transactions/sign-message "$MB" sign-key-1 "$S")
check "a signing replayed: the same answer ($c1 $c2)" \
    same "$c1 $c2" "200 200" "$T_TMP/body" "$T_TMP/m1"

# Five at once with one key: one wallet; the others wait or replay.
n0=$(count /v1/wallets)
pids=""
for i in 1 2 3 4 5; do
	curl -s -o "$T_TMP/par$i" -w '%{http_code}' -X POST \
	    -H "Content-Type: application/json" -H "$M" \
	    -H "Idempotency-Key: parallel-key" --data-binary \
	    '{"name":"par","chain":"ethereum","environment":"testnet"}' \
	    "$(U /v1/wallets)" > "$T_TMP/parc$i" &
	pids="$pids $!"
done
for p in $pids; do wait "$p"; done
codes=$(for i in 1 2 3 4 5; do printf '%s ' "$(cat "$T_TMP/parc$i")"; done)
check "five at once: one wallet more ($codes)" \
    [ "$(count /v1/wallets)" = $((n0 + 1)) ]
check "each answered 201 or 409 IDEMPOTENCY_KEY_IN_PROGRESS" sh -c "
	for i in 1 2 3 4 5; do
		c=\$(cat $T_TMP/parc\$i)
		[ \$c = 201 ] && continue
		[ \$c = 409 ] && grep -q IDEMPOTENCY_KEY_IN_PROGRESS $T_TMP/par\$i && continue
		exit 1
	done"

# Malformed keys: 400, nothing created; without auth, 401 first.
n0=$(count /v1/wallets)
WB2='{"name":"bad","chain":"ethereum","environment":"testnet"}'
long=$(python3 -c 'print("k" * 256)')
code=$(http_code -X POST -H "$M" -H 'Idempotency-Key;' --data-binary "$WB2" "$(U /v1/wallets)")
check "an empty key: 400 ($code)" [ "$code" = 400 ]
check "naming the header" grep -q Idempotency-Key "$T_TMP/body"
code=$(post /v1/wallets "$WB2" "$long")
check "a key of 256 characters: 400 ($code)" [ "$code" = 400 ]
code=$(post /v1/wallets "$WB2" "$(printf 'a\177b')")
check "a key with DEL in it: 400 ($code)" [ "$code" = 400 ]
code=$(post /v1/wallets "$WB2" "$(printf 'caf\303\251')")
check "a key with a non-ASCII byte: 400 ($code)" [ "$code" = 400 ]
code=$(post /v1/transactions/send "$TB" "$long" "$S")
check "a long key on a send: 400 ($code)" [ "$code" = 400 ]
code=$(post /v1/wallets "$WB2" "$long" "X-Master-Password: wrong")
check "a long key without the right password: 401 ($code)" [ "$code" = 401 ]
check "none of them created a wallet" [ "$(count /v1/wallets)" = "$n0" ]
code=$(post /v1/wallets "$WB2" "$(python3 -c 'print("k" * 255)')")
check "a key of 255 characters is fine ($code)" [ "$code" = 201 ]
code=$(http_code -H "$M" -H "Idempotency-Key: read-key" "$(U /v1/wallets)")
check "a key where nothing is created is ignored ($code)" [ "$code" = 200 ]

# No token in the database: not in any table, not in the files.
check "no session token in the database" python3 - "$DATA/data" "$TW" "$T2" <<'PY'
import glob, sqlite3, sys
d, toks = sys.argv[1], sys.argv[2:]
db = sqlite3.connect("file:%s/waiaas.db?mode=ro" % d, uri=True)
text = "\n".join(db.iterdump())
for t in toks:
    sig = t.rsplit(".", 1)[1]
    if t in text or sig in text or "wai_sess_" in text:
        sys.exit(1)
    for f in glob.glob(d + "/waiaas.db*"):
        if sig.encode() in open(f, "rb").read():
            sys.exit(1)
PY

# A restart forgets nothing: the send's key still answers the same.
kill -TERM "$DPID"; wait_gone "$DPID" 5000; DPID=""
start_daemon || cannot_run "daemon starts again"
c=$(post /v1/transactions/send "$TB" send-key-1 "$S")
check "after a restart the key still answers the first answer ($c)" \
    same "$c" 201 "$T_TMP/body" "$T_TMP/t1"
c=$(post /v1/wallets "$WB" wallet-key-1)
TW2=$(jget 'j["session"]["token"]')
check "and the wallet's ($c)" same "$c" 201 "$T_TMP/body" "$T_TMP/w1"
code=$(req GET /v1/wallets "" "Authorization: Bearer $TW2")
check "with a token that works ($code)" [ "$code" = 200 ]
check "still one transfer of the first send ($(bal $R1))" \
    [ "$(bal $R1)" = 2000000000000002 ]
kill -TERM "$DPID"; wait_gone "$DPID" 2000; DPID=""
check "no sanitizer reports" no_sanitizer_reports
