#!/bin/sh
# The owner's approval page, /approve/<txId>, end to end in headless
# Chromium with a test wallet injected by the test (approve_page.js): an
# APPROVAL-tier transfer on anvil is approved by the owner's signature
# made through the page and ends CONFIRMED with the recipient paid; one
# rejected through the page ends CANCELLED with nothing moved; the page
# refuses before signing when the connected account is not the owner's,
# says so when there is no wallet, and shows what became of a
# transaction.  The same approval for a Solana owner on litesvm.  Also
# the page's headers (its CSP hashes match its one script and style),
# GET /v1/transactions/{id}/approval without auth, and garbage ids.
. tests/integration/lib.sh

[ -x "${CHROMIUM:-/usr/bin/chromium}" ] ||
    peer_missing "chromium (${CHROMIUM:-/usr/bin/chromium})"
need_node_modules playwright-core siwe ethers && start_browser
NET=ethereum-sepolia
# anvil's accounts 1 (the owner) and 2 (another wallet's owner)
OWNER=0x70997970C51812dc3A010C7d01b50e0d17dc79C8
OWNER_KEY=0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d
OTHER=0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC
SOL_SEED=9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60
R() { printf '0x6%039d' "$1"; }	# one recipient per transaction
bal() { "$CAST" balance --rpc-url "$ANVIL_URL" "$1"; }

# The link the owner opens: the one the relay's push notification
# (ntfy, tests/tools/notify_receiver.py) carries as its Click URL,
# <public_url>/approve/<txId>, waited for up to 15 s.
approval_url() {
	[ -z "$MISSING" ] || return 1	# nothing to approve without the peers
	n=0
	while [ $n -lt 150 ]; do
		curl -s "$RECV/waiaas-owner/json?poll=1" | python3 -c '
import json, sys
for l in sys.stdin:
    # the page, without the fragment the link carries (t_phone_page)
    c = (json.loads(l).get("click") or "").split("#")[0]
    if c.endswith("/approve/" + sys.argv[1]):
        print(c); sys.exit(0)
sys.exit(1)' "$1" && return 0
		sleep 0.1; n=$((n + 1))
	done
	echo "no notification for $1" >&2
	return 1
}

# page URL WALLET KEY CLICK CONFIRM WAITSTATUS: the browser at the page;
# its report in $T_TMP/page.json, read with pget EXPR.
page() {
	node_bin tests/integration/approve_page.js "{\"url\": \"$1\",
	    \"wallet\": \"$2\", \"key\": \"$3\", \"click\": ${4:-null},
	    \"confirm\": ${5:-true}, \"waitStatus\": ${6:-null}}" \
	    >"$T_TMP/page.json" 2>"$T_TMP/page.err"
}
pget() { json_get "$T_TMP/page.json" "$1"; }
pis() {	# pis EXPR WANT: the page's report says WANT (shown if not)
	[ "$(pget "$1")" = "$2" ] || { cat "$T_TMP/page.json" >&2; return 1; }
}
clean_page() {	# nothing the CSP refused, no script error
	[ "$(pget 'len(j["violations"]) + len(j["errors"])')" = 0 ] || {
		cat "$T_TMP/page.json" "$T_TMP/page.err" >&2; return 1; }
}
status() { req GET "/v1/transactions/$1" "" "$S" >/dev/null; jget 'j["status"]'; }
# verify_owner WALLET CHAIN KEY: the owner proves the key (GRACE ->
# LOCKED) as in t_owner.sh.
verify_owner() {
	http_code "http://127.0.0.1:$PORT/v1/nonce?action=owner.verify&target=$1" >/dev/null
	out=$(node_bin tests/integration/sign_owner.js "{\"domain\": \"127.0.0.1:$PORT\",
	    \"chain\": \"$2\", \"key\": \"$3\", \"nonce\": \"$(jget 'j["nonce"]')\",
	    \"resources\": [\"urn:waiaas:action:owner.verify:$1\"]}")
	http_code -X POST -H "X-Owner-Address: $(echo "$out" | sed -n 1p)" \
	    -H "X-Owner-Message: $(echo "$out" | sed -n 2p)" \
	    -H "X-Owner-Signature: $(echo "$out" | sed -n 3p)" \
	    "http://127.0.0.1:$PORT/v1/wallets/$1/owner/verify"
}
# wallet CHAIN OWNER RULES: a wallet with an owner and a SPENDING_LIMIT;
# sets W, S, ADDR.
wallet() {
	req POST /v1/wallets "{\"name\":\"t\",\"chain\":\"$1\",\"environment\":\"testnet\"}" >/dev/null
	W=$(jget 'j["id"]')
	ADDR=$(jget 'j["publicKey"]')
	S="Authorization: Bearer $(jget 'j["session"]["token"]')"
	req PUT "/v1/wallets/$W/owner" "{\"owner_address\":\"$2\"}" >/dev/null
	req POST /v1/policies "{\"walletId\":\"$W\",\"type\":\"SPENDING_LIMIT\",\"rules\":$3}" >/dev/null
}
LIMITS='{"instant_max":"1000","notify_max":"2000","delay_max":"3000","delay_seconds":60,"approval_timeout":600}'

# The owner's phone: an ntfy-compatible receiver the relay pushes to.
python3 tests/tools/notify_receiver.py > "$T_TMP/recv.out" 2>&1 &
PEER_PIDS="${PEER_PIDS:-} $!"
n=0
while [ $n -lt 100 ] && ! grep -qs "^listening" "$T_TMP/recv.out"; do
	sleep 0.05; n=$((n + 1))
done
RECV=http://127.0.0.1:$(sed -n 's/^listening //p' "$T_TMP/recv.out")
export WAIAAS_NOTIFICATIONS_NTFY_URL=$RECV/
export WAIAAS_NOTIFICATIONS_NTFY_TOPIC=waiaas-owner

start_anvil --chain-id 11155111
start_svm
export WAIAAS_RPC_EVM_ETHEREUM_SEPOLIA=$ANVIL_URL
export WAIAAS_RPC_SOLANA_DEVNET=$SVM_URL WAIAAS_RPC_POLL_INTERVAL_MS=100
start_daemon || cannot_run "daemon starts"

# One left alone to expire, checked at the end (approval_timeout 60 s).
wallet ethereum "$OWNER" '{"instant_max":"1000","approval_timeout":60}'
"$CAST" send -q --rpc-url "$ANVIL_URL" --private-key "$ANVIL_KEY0" "$ADDR" \
    --value 1ether >/dev/null
E1=$(send "{\"network\":\"$NET\",\"to\":\"$(R 9)\",\"amount\":\"3500\"}")

wallet ethereum "$OWNER" "$LIMITS"
"$CAST" send -q --rpc-url "$ANVIL_URL" --private-key "$ANVIL_KEY0" "$ADDR" \
    --value 1ether >/dev/null
code=$(verify_owner "$W" evm "$OWNER_KEY")
check "the owner is set and verified (LOCKED) ($code)" \
    [ "$code $(jget 'j["ownerState"]')" = "200 LOCKED" ]
A1=$(send "{\"network\":\"$NET\",\"to\":\"$(R 1)\",\"amount\":\"3500\"}")
# A2 carries a memo with markup in it: the page shows it as text.
A2=$(send "{\"network\":\"$NET\",\"to\":\"$(R 2)\",\"amount\":\"3600\",\"memo\":\"<b>rent</b> \u2713\"}")
I1=$(send "{\"network\":\"$NET\",\"to\":\"$(R 3)\",\"amount\":\"500\"}")
check "two APPROVAL-tier transfers wait (QUEUED)" \
    [ "$(status "$A1") $(status "$A2")" = "QUEUED QUEUED" ]
req GET "/v1/transactions/$A1" "" "$S" >/dev/null
H1=$(jget 'j["approval"]["intentHash"]')
check "the owner's push notification carries the page's link" \
    [ "$(approval_url "$A1")" = "http://127.0.0.1:$PORT/approve/$A1" ]

# The public read, without any credential.
code=$(http_code "http://127.0.0.1:$PORT/v1/transactions/$A1/approval")
check "GET .../approval without auth: 200 ($code)" [ "$code" = 200 ]
check "it shows what the owner signs: the intent of the session's view" \
    [ "$(jget 'j["intentHash"], j["resource"] == "urn:waiaas:intent:" + j["intentHash"], j["id"] in j["intent"]')" = "$H1 True True" ]
check "and what an approver must see" \
    [ "$(jget 'j["status"], j["walletId"], j["ownerAddress"], j["chain"], j["network"], j["type"], j["toAddress"].lower(), j["amount"], j["expiresAt"] > j["serverTime"], j["chainId"]')" = \
    "QUEUED $W $OWNER ethereum $NET TRANSFER $(R 1) 3500 True 11155111" ]
check "and nothing else (no session, no request, no tier)" \
    [ "$(jget 'sorted(set(j) - {"id", "status", "walletId", "chain", "network", "ownerAddress", "type", "toAddress", "amount", "token", "memo", "intent", "intentHash", "resource", "expiresAt", "errorCode", "txHash", "symbol", "decimals", "domains", "chainId", "serverTime"})')" = "[]" ]
code=$(http_code "http://127.0.0.1:$PORT/v1/transactions/$I1/approval")
check "an INSTANT transaction has no approval: 404 TX_NOT_FOUND ($code)" \
    [ "$code $(jget 'j["code"]')" = "404 TX_NOT_FOUND" ]
code=$(http_code "http://127.0.0.1:$PORT/v1/transactions/01900000-0000-7000-8000-000000000000/approval")
check "an unknown id: 404 TX_NOT_FOUND ($code)" \
    [ "$code $(jget 'j["code"]')" = "404 TX_NOT_FOUND" ]

# The page's headers and body.
curl -s -D "$T_TMP/hdr" -o "$T_TMP/page.html" "$(approval_url "$A1")"
hdr() { tr -d '\r' < "$T_TMP/hdr" | sed -n "s/^$1: //Ip"; }
check "the page: 200 text/html" \
    sh -c "head -1 '$T_TMP/hdr' | grep -q ' 200 ' && [ \"$(hdr Content-Type)\" = 'text/html; charset=utf-8' ]"
CSP=$(hdr Content-Security-Policy)
check "CSP: default-src 'none', connect-src 'self', frame-ancestors 'none', no unsafe-*" \
    sh -c "echo \"\$1\" | grep -q \"default-src 'none';\" && echo \"\$1\" | grep -q \"connect-src 'self';\" && echo \"\$1\" | grep -q \"frame-ancestors 'none'\" && ! echo \"\$1\" | grep -q unsafe" sh "$CSP"
check "CSP: its script and style are allowed by the SHA-256 of the page's own" \
    python3 - "$T_TMP/page.html" "$CSP" <<'EOF'
import base64, hashlib, re, sys
page, csp = open(sys.argv[1], "rb").read(), sys.argv[2]
def src(tag):
    body = re.findall(rb"<%s>(.*?)</%s>" % (tag, tag), page, re.S)
    assert len(body) == 1, tag
    return "'sha256-%s'" % base64.b64encode(hashlib.sha256(body[0]).digest()).decode()
want = {"script-src": src(b"script"), "style-src": src(b"style")}
got = dict(d.strip().split(" ", 1) for d in csp.split(";"))
sys.exit(any(got.get(k) != v for k, v in want.items()))
EOF
check "X-Frame-Options DENY, Referrer-Policy no-referrer, no-store, nosniff" \
    [ "$(hdr X-Frame-Options) $(hdr Referrer-Policy) $(hdr Cache-Control) $(hdr X-Content-Type-Options)" = "DENY no-referrer no-store nosniff" ]
check "the page does not contain the transaction id (it reads its path)" \
    sh -c "! grep -q '$A1' '$T_TMP/page.html'"
code=$(http_code "http://127.0.0.1:$PORT/approve/garbage")
check "/approve/garbage: 404 TX_NOT_FOUND in the error JSON ($code)" \
    [ "$code $(jget 'j["code"]')" = "404 TX_NOT_FOUND" ]
code=$(http_code "http://127.0.0.1:$PORT/approve/%3Cscript%3Ealert(1)%3C%2Fscript%3E")
check "/approve/<script>...: 404 JSON, nothing reflected ($code)" \
    sh -c "[ $code = 404 ] && ! grep -qi 'script\|alert' '$T_TMP/body'"
code=$(http_code "http://127.0.0.1:$PORT/approve/$(echo "$A1" | tr a-f A-F)")
check "an id in upper case is not an id either: 404 ($code)" [ "$code" = 404 ]

# No wallet in the browser: the page says where to open the link.
page "$(approval_url "$A1")" none "" '"approve"'
check "the page loads in Chromium with no CSP violation or script error" \
    clean_page
check "it shows the intent the owner signs" \
    pis '"id: '"$A1"'" in j["intent"] and "amount: 3500" in j["intent"]' True
check "its style is applied (the CSP let it in)" \
    pis 'j["styled"]' "rgb(17, 112, 58)"
check "no wallet: it says to open the link in a wallet's browser" \
    pis 'j["messageIsError"] and "wallet app" in j["message"]' True

# Approve: the owner signs in the page; the transfer confirms on anvil.
page "$(approval_url "$A1")" evm "$OWNER_KEY" '"approve"' true \
    '"approved and confirmed"'
check "approve: the page asked for the account, then one signature" \
    pis '",".join(j["requests"]), len(j["signed"])' "eth_requestAccounts,personal_sign 1"
check "the signed message: SIWE for tx.approve of this id, with its intent" \
    python3 - "$T_TMP/page.json" "$A1" "$H1" "127.0.0.1:$PORT" "$OWNER" <<'EOF'
import json, sys
m = json.load(open(sys.argv[1]))["signed"][0].split("\n")
_, tx, h, dom, owner = sys.argv[1:]
ok = (m[0] == dom + " wants you to sign in with your Ethereum account:"
      and m[1] == owner and "Chain ID: 11155111" in m
      and m[-3:] == ["Resources:", "- urn:waiaas:action:tx.approve:" + tx,
                     "- urn:waiaas:intent:" + h])
sys.exit(not ok)
EOF
check "the page says Approved. and follows it to CONFIRMED" \
    pis 'j["message"], j["status"], j["actionsHidden"]' "Approved. approved and confirmed True"
check "clean: no CSP violation, no script error" clean_page
check "the transfer is CONFIRMED" [ "$(status "$A1")" = CONFIRMED ]
check "the recipient was paid 3500 wei on anvil" [ "$(bal "$(R 1)")" = 3500 ]

# Reject: dismissing the confirmation does nothing; accepting it does.
page "$(approval_url "$A2")" evm "$OWNER_KEY" '"reject"' false
check "the page shows the memo as text, markup and all" \
    sh -c "[ \"\$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[\"memo\"] == \"<b>rent</b> \\u2713\")' $T_TMP/page.json)\" = True ]"
check "reject asks for confirmation; dismissed, nothing is signed" \
    pis 'len(j["dialogs"]), len(j["signed"]), j["message"]' "1 0 Not rejected: nothing was done."
check "and the transaction still waits" [ "$(status "$A2")" = QUEUED ]
page "$(approval_url "$A2")" evm "$OWNER_KEY" '"reject"' true
check "reject confirmed: one signature, over tx.reject of this id" \
    pis 'len(j["signed"]), "- urn:waiaas:action:tx.reject:'"$A2"'" in j["signed"][0]' "1 True"
check "the page says Rejected. and shows it rejected" \
    pis 'j["message"], j["status"], j["actionsHidden"]' "Rejected. rejected by the owner True"
req GET "/v1/transactions/$A2" "" "$S" >/dev/null
check "the transfer is CANCELLED (APPROVAL_REJECTED)" \
    [ "$(jget 'j["status"], j["errorCode"]')" = "CANCELLED APPROVAL_REJECTED" ]
check "and nothing moved" [ "$(bal "$(R 2)")" = 0 ]

# The page of a decided transaction shows what became of it.
page "$(approval_url "$A1")" evm "$OWNER_KEY"
check "an approved one: 'approved and confirmed', no buttons" \
    pis 'j["status"], j["actionsHidden"]' "approved and confirmed True"
check "and, without a memo, Memo: none" pis 'j["memo"]' none
page "http://127.0.0.1:$PORT/approve/$I1" evm "$OWNER_KEY"
check "an INSTANT one: not found" pis 'j["status"]' "not found"

# Another wallet's owner: the connected account is not it.
wallet ethereum "$OTHER" "$LIMITS"
"$CAST" send -q --rpc-url "$ANVIL_URL" --private-key "$ANVIL_KEY0" "$ADDR" \
    --value 1ether >/dev/null
B1=$(send "{\"network\":\"$NET\",\"to\":\"$(R 4)\",\"amount\":\"3500\"}")
page "$(approval_url "$B1")" evm "$OWNER_KEY" '"approve"'
check "wrong account: refused before signing (no personal_sign)" \
    pis 'len(j["signed"]), "personal_sign" in j["requests"]' "0 False"
check "and the page says the account is not the owner's" \
    pis 'j["messageIsError"] and "is not this wallet'"'"'s owner ('"$OTHER"')" in j["message"]' True
check "the transaction still waits" [ "$(status "$B1")" = QUEUED ]
# Cancelled by the operator: the page says so.
req POST "/v1/transactions/$B1/cancel" >/dev/null
page "$(approval_url "$B1")" evm "$OWNER_KEY"
check "cancelled by the operator: the page shows 'cancelled (CANCELLED)'" \
    pis 'j["status"], j["actionsHidden"]' "cancelled (CANCELLED) True"

# A Solana owner on litesvm: window.solana's signMessage, Ed25519.
SOL_OWNER=$(node_bin tests/integration/sign_owner.js "{\"chain\": \"sol\",
    \"key\": \"$SOL_SEED\", \"domain\": \"x\", \"nonce\": \"00000000\"}" | sed -n 1p)
wallet solana "$SOL_OWNER" '{"instant_max":"1000000","approval_timeout":600}'
rpc "$SVM_URL" requestAirdrop "[\"$ADDR\",5000000000]" >/dev/null
code=$(verify_owner "$W" sol "$SOL_SEED")
check "a Solana wallet's owner is verified ($code)" [ "$code" = 200 ]
SOL_TO=$(node_bin -e 'const e = require("./tests/node/node_modules/ethers");
    console.log(e.encodeBase58(require("crypto").randomBytes(32)))')
C1=$(send "{\"to\":\"$SOL_TO\",\"amount\":\"2000000\"}")
check "a SOL transfer waits for the owner" [ "$(status "$C1")" = QUEUED ]
page "$(approval_url "$C1")" sol "$SOL_SEED" '"approve"' true \
    '"approved and confirmed"'
check "Solana: connect, then one signMessage" \
    pis '",".join(j["requests"]), len(j["signed"])' "connect,signMessage 1"
check "the signed message names the Solana account and devnet" \
    pis 'j["signed"][0].split(chr(10))[1], "Chain ID: devnet" in j["signed"][0]' "$SOL_OWNER True"
check "the page says Approved. and follows it to CONFIRMED" \
    pis 'j["message"], j["status"]' "Approved. approved and confirmed"
check "clean: no CSP violation, no script error" clean_page
check "the SOL transfer is CONFIRMED and the recipient has 2000000 lamports" \
    [ "$(status "$C1") $(rpc "$SVM_URL" getBalance "[\"$SOL_TO\"]" | python3 -c 'import json,sys; print(json.load(sys.stdin)["result"]["value"])')" = "CONFIRMED 2000000" ]

# The one left alone: the page follows it to its expiry (or finds it
# expired).
# The page waits for it up to 30 s: open it 15 s before its deadline at
# the latest, however fast the test got here.
http_code "http://127.0.0.1:$PORT/v1/transactions/$E1/approval" >/dev/null
left=$(($(jget 'j["expiresAt"]') - $(date +%s) - 15))
[ "$left" -le 0 ] || sleep "$left"
page "$(approval_url "$E1")" evm "$OWNER_KEY" "" true \
    '"expired: it was not approved in time"'
check "an expired one: 'expired: it was not approved in time', no buttons" \
    pis 'j["status"], j["actionsHidden"], j["errors"]' \
    "expired: it was not approved in time True []"

kill -TERM "$DPID"; wait_gone "$DPID" 5000; DPID=""
check "no sanitizer reports" no_sanitizer_reports
