#!/bin/sh
# The approval page as a static file from another origin (issue 20): the
# daemon on 127.0.0.1 only, the page (api/approve.html, unchanged) served
# by a plain static server on another loopback port, and the owner's
# phone as headless Chromium with an injected test wallet.  The link the
# owner opens is the one the notification carried (ntfy's Click, and the
# Telegram text): the page reads the transaction's intent and the nonces
# policyd made for it from the fragment, shows what will be approved,
# has the wallet sign, and posts the signed reply to the ntfy reply
# topic, which relay reads and policyd verifies.  An APPROVAL-tier
# transfer on anvil reaches CONFIRMED; one is rejected through the
# Telegram link; tampered links (another amount, another recipient, a
# nonce of another transaction, a forged nonce) and a replayed reply
# approve nothing, and the genuine link still works afterwards.  A
# permit (a message signature) that waits for the owner is approved the
# same way, and a Solana owner approves a SOL transfer on litesvm.  Nonces and the reply
# topic are in no log, and the static host never sees the fragment.
. tests/integration/lib.sh

[ -x "${CHROMIUM:-/usr/bin/chromium}" ] ||
    peer_missing "chromium (${CHROMIUM:-/usr/bin/chromium})"
need_node_modules playwright-core ethers && start_browser
NET=ethereum-sepolia
OWNER=0x70997970C51812dc3A010C7d01b50e0d17dc79C8
OWNER_KEY=0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d
R() { printf '0x8%039d' "$1"; }
bal() { "$CAST" balance --rpc-url "$ANVIL_URL" "$1"; }
status() { req GET "/v1/transactions/$1" "" "$S" >/dev/null; jget 'j["status"]'; }
metric() {
	curl -s -H "X-Master-Password: $WAIAAS_MASTER_PASSWORD" \
	    "http://127.0.0.1:$PORT/metrics" |
	    sed -n "s/^waiaas_owner_replies_total{result=\"$1\"} //p"
}
wait_metric() {	# wait_metric RESULT N: up to 20 s
	n=0
	while [ $n -lt 400 ]; do
		[ "$(metric "$1")" -ge "$2" ] 2>/dev/null && return 0
		sleep 0.05; n=$((n + 1))
	done
	echo "$1: $(metric "$1"), not $2" >&2
	return 1
}
wait_status() {	# wait_status ID STATUS: up to 30 s
	n=0
	while [ $n -lt 300 ]; do
		[ "$(status "$1")" = "$2" ] && return 0
		sleep 0.1; n=$((n + 1))
	done
	echo "$1: $(status "$1"), not $2" >&2
	return 1
}

# link ID [ntfy|telegram]: the approval link the notification carried,
# waited for up to 15 s.
link() {
	[ -z "$MISSING" ] || return 1
	n=0
	while [ $n -lt 150 ]; do
		{ curl -s "$RECV/waiaas-owner/json?poll=1"; echo;
		  curl -s "$RECV/_telegram"; } | python3 -c '
import json, re, sys, urllib.parse
lines = sys.stdin.read().split("\n")
tg = json.loads(lines[-1] or "[]")
links = [json.loads(l).get("click", "") for l in lines[:-1] if l.strip()] \
    if sys.argv[2] == "ntfy" else \
    [u for m in tg for u in re.findall(r"Approve or reject: (\S+)", m["text"])]
for c in links:
    f = dict(urllib.parse.parse_qsl(c.partition("#")[2]))
    if f.get("id") == sys.argv[1]:
        print(c); sys.exit(0)
sys.exit(1)' "$1" "${2:-ntfy}" && return 0
		sleep 0.1; n=$((n + 1))
	done
	echo "no link for $1" >&2
	return 1
}
# frag LINK KEY: one field of the link's fragment.
frag() {
	python3 -c 'import sys, urllib.parse
print(dict(urllib.parse.parse_qsl(sys.argv[1].partition("#")[2]))[sys.argv[2]])' "$1" "$2"
}
# tamper LINK KEY PYEXPR: the link with field KEY replaced by PYEXPR of v
# (its value), everything else as it was.
tamper() {
	python3 -c 'import sys, urllib.parse
base, _, f = sys.argv[1].partition("#")
q = urllib.parse.parse_qsl(f)
q = [(k, eval(sys.argv[3], {"v": v}) if k == sys.argv[2] else v) for k, v in q]
print(base + "#" + urllib.parse.urlencode(q, quote_via=urllib.parse.quote, safe=""))' "$@"
}
# page URL CLICK [CONFIRM]: the phone at the link; report in page.json.
page() {
	node_bin tests/integration/approve_page.js "{\"url\": \"$1\",
	    \"wallet\": \"evm\", \"key\": \"$OWNER_KEY\", \"click\": ${2:-null},
	    \"confirm\": ${3:-true}, \"waitStatus\": null}" \
	    >"$T_TMP/page.json" 2>"$T_TMP/page.err"
}
pget() { json_get "$T_TMP/page.json" "$1"; }
pis() {	# pis EXPR WANT
	[ "$(pget "$1")" = "$2" ] || { cat "$T_TMP/page.json" "$T_TMP/page.err" >&2; return 1; }
}
clean_page() {
	[ "$(pget 'len(j["violations"]) + len(j["errors"])')" = 0 ] || {
		cat "$T_TMP/page.json" "$T_TMP/page.err" >&2; return 1; }
}
topic_count() {	# messages on the reply topic
	curl -s "$RECV/$TOPIC/json?poll=1" | grep -c '"event"'
}

# The ntfy-compatible server (and Telegram's API): publishing to the
# reply topic needs no token, as with ntfy's "everyone: write-only".
TG_TOKEN=123456:TG-$(openssl rand -hex 10)
printf '%s' "$TG_TOKEN" > "$T_TMP/tg.token"
TG_TOKEN_FILE=$T_TMP/tg.token \
    python3 tests/tools/notify_receiver.py > "$T_TMP/recv.out" 2>&1 &
PEER_PIDS="${PEER_PIDS:-} $!"
n=0
while [ $n -lt 100 ] && ! grep -qs "^listening" "$T_TMP/recv.out"; do
	sleep 0.05; n=$((n + 1))
done
RECV=http://127.0.0.1:$(sed -n 's/^listening //p' "$T_TMP/recv.out")

# The page's static host: another origin, the file as it is in the tree.
mkdir -p "$T_TMP/www"
cp api/approve.html "$T_TMP/www/approve.html"
SPORT=$(free_port)
python3 -m http.server --bind 127.0.0.1 --directory "$T_TMP/www" "$SPORT" \
    > "$T_TMP/www.log" 2>&1 &
PEER_PIDS="${PEER_PIDS:-} $!"
PAGE=http://127.0.0.1:$SPORT/approve.html
n=0
while [ $n -lt 100 ] && ! curl -s -o /dev/null "$PAGE"; do
	sleep 0.05; n=$((n + 1))
done

TOPIC=$(python3 -c 'import secrets; print(secrets.token_urlsafe(24))')
export WAIAAS_NOTIFICATIONS_NTFY_URL=$RECV/
export WAIAAS_NOTIFICATIONS_NTFY_TOPIC=waiaas-owner
export WAIAAS_NOTIFICATIONS_NTFY_REPLY_TOPIC=$TOPIC
export WAIAAS_NOTIFICATIONS_REPLY_POLL_MS=100
export WAIAAS_NOTIFICATIONS_APPROVAL_PAGE_URL=$PAGE
export WAIAAS_NOTIFICATIONS_TELEGRAM_BOT_TOKEN_FILE=$T_TMP/tg.token
export WAIAAS_NOTIFICATIONS_TELEGRAM_CHAT_ID=-1001234
export WAIAAS_NOTIFICATIONS_TELEGRAM_API_URL=$RECV

start_anvil --chain-id 11155111
start_svm
export WAIAAS_RPC_EVM_ETHEREUM_SEPOLIA=$ANVIL_URL WAIAAS_RPC_POLL_INTERVAL_MS=100
export WAIAAS_RPC_SOLANA_DEVNET=$SVM_URL
start_daemon || cannot_run "daemon starts"

check "the daemon listens on 127.0.0.1 only" \
    [ "$(ss -Htln "sport = :$PORT" | awk '{print $4}' | sort -u)" = "127.0.0.1:$PORT" ]
check "the page is served from another origin ($PAGE)" \
    [ "$(http_code "$PAGE")" = 200 -a "$SPORT" != "$PORT" ]

req POST /v1/wallets '{"name":"p","chain":"ethereum","environment":"testnet"}' >/dev/null
W=$(jget 'j["id"]')
ADDR=$(jget 'j["publicKey"]')
S="Authorization: Bearer $(jget 'j["session"]["token"]')"
req PUT "/v1/wallets/$W/owner" "{\"owner_address\":\"$OWNER\"}" >/dev/null
req POST /v1/policies "{\"walletId\":\"$W\",\"type\":\"SPENDING_LIMIT\",\"rules\":{\"instant_max\":\"1000\",\"notify_max\":\"2000\",\"delay_max\":\"3000\",\"delay_seconds\":60,\"approval_timeout\":600}}" >/dev/null
"$CAST" send -q --rpc-url "$ANVIL_URL" --private-key "$ANVIL_KEY0" "$ADDR" \
    --value 1ether >/dev/null
A1=$(send "{\"network\":\"$NET\",\"to\":\"$(R 1)\",\"amount\":\"3500\"}")
A2=$(send "{\"network\":\"$NET\",\"to\":\"$(R 2)\",\"amount\":\"3600\"}")
A3=$(send "{\"network\":\"$NET\",\"to\":\"$(R 3)\",\"amount\":\"3700\"}")
check "three APPROVAL-tier transfers wait" \
    [ "$(status "$A1") $(status "$A2") $(status "$A3")" = "QUEUED QUEUED QUEUED" ]
req GET "/v1/transactions/$A1" "" "$S" >/dev/null
H1=$(jget 'j["approval"]["intentHash"]')

L1=$(link "$A1")
check "the ntfy push carries the link: the page, then a fragment" \
    sh -c "case '$L1' in '$PAGE#v=1&'*) true ;; *) false ;; esac"
check "the fragment: id, tier, owner, chain, Chain ID, domain, coin, reply topic" \
    [ "$(for k in id t o c n d s u p; do frag "$L1" $k; done | tr '\n' ' ')" = \
    "$A1 APPROVAL $OWNER ethereum 11155111 127.0.0.1:$PORT ETH 18 $RECV/$TOPIC " ]
# (the link itself, not "$(frag ...)": that would drop the intent's
# final newline)
check "two 64-hex nonces, and the intent whose hash the owner signs" \
    python3 - "$L1" "$H1" <<'PYEOF'
import hashlib, re, sys, urllib.parse
f = dict(urllib.parse.parse_qsl(sys.argv[1].partition("#")[2]))
a, r, i, h = f["a"], f["r"], f["i"], sys.argv[2]
sys.exit(not (re.fullmatch("[0-9a-f]{64}", a) and re.fullmatch("[0-9a-f]{64}", r)
              and a != r and hashlib.sha256(i.encode()).hexdigest() == h))
PYEOF
check "the nonces expire with the approval (bytes 12..15: expiresAt)" \
    python3 -c 'import sys, time
a = bytes.fromhex(sys.argv[1]); e = int.from_bytes(a[12:16], "big")
sys.exit(not (570 < e - time.time() <= 600))' "$(frag "$L1" a)"
T2=$(link "$A2" telegram)
check "the Telegram message carries a link of its own (its own nonces)" \
    [ "$(frag "$T2" id) $(frag "$T2" p)" = "$A2 $RECV/$TOPIC" -a \
    "$(frag "$T2" a)" != "$(frag "$(link "$A2")" a)" ]

# The phone opens the link and approves.
page "$L1"
check "the page from the other origin shows the link's transaction" \
    pis 'j["status"], j["id"], j["network"], j["to"].lower(), j["tier"]' \
    "waiting for your approval $A1 $NET $(R 1) APPROVAL"
check "amount as the coin and in wei, and the hash it will sign" \
    pis 'j["amount"], j["hash"]' "0.0000000000000035 ETH (3500) $H1"
check "where the reply goes: the ntfy server" \
    pis 'j["reply"]' "${RECV#http://}"
check "clean: no CSP violation (the meta policy lets its own in), no error" \
    clean_page
page "$L1" '"approve"'
check "approve: the wallet was asked for the account, then one signature" \
    pis '",".join(j["requests"]), len(j["signed"])' "eth_requestAccounts,personal_sign 1"
check "the signed message: the link's domain, nonce, tx.approve of A1, its intent" \
    python3 - "$T_TMP/page.json" "$A1" "$H1" "127.0.0.1:$PORT" "$OWNER" "$(frag "$L1" a)" <<'PYEOF'
import json, sys
m = json.load(open(sys.argv[1]))["signed"][0].split("\n")
_, tx, h, dom, owner, nonce = sys.argv[1:]
ok = (m[0] == dom + " wants you to sign in with your Ethereum account:"
      and m[1] == owner and "Chain ID: 11155111" in m and "Nonce: " + nonce in m
      and m[-3:] == ["Resources:", "- urn:waiaas:action:tx.approve:" + tx,
                     "- urn:waiaas:intent:" + h])
sys.exit(not ok)
PYEOF
check "the page says it sent the approval" \
    pis 'j["status"], j["message"].startswith("Approval sent."), j["actionsHidden"]' \
    "approval sent to your daemon True True"
check "clean: no CSP violation, no script error" clean_page
check "the reply is on the topic" [ "$(topic_count)" = 1 ]
check "policyd accepts it" wait_metric accepted 1
check "A1 is CONFIRMED on anvil" wait_status "$A1" CONFIRMED
check "the recipient was paid 3500 wei" [ "$(bal "$(R 1)")" = 3500 ]
req GET "/v1/audit-logs?limit=100" >/dev/null
check "the audit log says the owner approved it" \
    [ "$(jget 'any(e["event"] == "TX_APPROVED" and e["target"] == "'"$A1"'" for e in j["data"])')" = True ]

# The same reply again: its nonce is spent.
curl -s "$RECV/$TOPIC/json?poll=1" | python3 -c 'import json,sys
sys.stdout.write(json.loads(sys.stdin.readline())["message"])' > "$T_TMP/replay"
curl -s -o /dev/null --data-binary "@$T_TMP/replay" "$RECV/$TOPIC"
check "a replayed reply is refused" wait_metric refused 1
# The same signed approval straight to the REST route: refused for its
# spent nonce (checked before the transaction's state).
python3 - "$T_TMP/replay" > "$T_TMP/replay.hdr" <<'PYEOF'
import base64, json, sys
m = json.load(open(sys.argv[1]))
print("X-Owner-Address: " + m["address"])
print("X-Owner-Message: " + base64.b64encode(m["message"].encode()).decode())
print("X-Owner-Signature: " + m["signature"])
PYEOF
check "the same approval to the REST route: 401, its nonce already used" \
    [ "$(http_code -X POST -H @"$T_TMP/replay.hdr" \
    "http://127.0.0.1:$PORT/v1/transactions/$A1/approve") $(jget 'j["code"], "already used" in j["message"]')" = \
    "401 INVALID_NONCE True" ]

# Tampered links: the page shows and signs what the link says; policyd
# refuses, because the intent signed is not A3's.
L3=$(link "$A3")
page "$(tamper "$L3" i 'v.replace("amount: 3700", "amount: 1")')" '"approve"'
check "another amount: the page shows it, and signs it" \
    pis 'j["amount"], j["status"], len(j["signed"])' \
    "0.000000000000000001 ETH (1) approval sent to your daemon 1"
check "policyd refuses it (another intent)" wait_metric refused 2
R3=$(python3 -c 'import sys; print([l for l in sys.argv[1].split("\n") if l.startswith("to: ")][0])' "$(frag "$L3" i)")
page "$(tamper "$L3" i "v.replace('$R3', 'to: $(R 9)')")" '"approve"'
check "another recipient: shown, signed and sent" \
    pis 'j["to"].lower(), len(j["signed"])' "$(R 9) 1"
check "policyd refuses it" wait_metric refused 3
L2=$(link "$A2")
page "$(tamper "$L3" a "'$(frag "$L2" a)'")" '"approve"'
check "A2's nonce in A3's link: refused (bound to A2)" wait_metric refused 4
# A forged nonce: well formed, but no MAC of policyd's key.
page "$(tamper "$L3" a "'$(openssl rand -hex 32)'")" '"approve"'
check "a forged nonce: the page signs and sends it" \
    pis 'j["status"], len(j["signed"])' "approval sent to your daemon 1"
check "policyd refuses it" wait_metric refused 5
check "A3 still waits, nothing paid, one approval accepted in all" \
    [ "$(status "$A3") $(bal "$(R 3)") $(bal "$(R 9)") $(metric accepted)" = "QUEUED 0 0 1" ]
page "$(tamper "$L3" a "'0' * 63")"
check "a damaged nonce: the page says the link is damaged, no buttons" \
    pis 'j["status"], j["actionsHidden"]' "damaged link True"
page "$(tamper "$L3" e "'1000'")"
check "a link past its expiry: expired, no buttons" \
    pis 'j["status"], j["actionsHidden"]' "expired: it was not approved in time True"
page "$L3" '"approve"'
check "the genuine link still approves A3 (the refusals spent nothing)" \
    wait_status "$A3" CONFIRMED
check "and pays 3700 wei to the real recipient" [ "$(bal "$(R 3)")" = 3700 ]

# Reject through the Telegram message's link.
page "$T2" '"reject"' false
check "reject asks for confirmation; dismissed, nothing is signed" \
    pis 'len(j["dialogs"]), len(j["signed"])' "1 0"
page "$T2" '"reject"'
check "reject confirmed: one signature over tx.reject of A2" \
    pis 'len(j["signed"]), "- urn:waiaas:action:tx.reject:'"$A2"'" in j["signed"][0], j["status"]' \
    "1 True rejection sent to your daemon"
check "policyd accepts the rejection" wait_metric accepted 3
req GET "/v1/transactions/$A2" "" "$S" >/dev/null
check "A2 is CANCELLED (APPROVAL_REJECTED), nothing paid" \
    [ "$(jget 'j["status"], j["errorCode"]') $(bal "$(R 2)")" = "CANCELLED APPROVAL_REJECTED 0" ]

# A message the owner must approve (an EIP-2612 permit to an approved
# spender, its token without a price): its link carries the message's
# intent, which its event does not.
SPENDER=0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC
TOKEN=0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48
req POST /v1/policies "{\"walletId\":\"$W\",\"type\":\"APPROVED_SPENDERS\",\"rules\":{\"spenders\":[{\"address\":\"$SPENDER\",\"maxAmount\":\"10000000\"}]}}" >/dev/null
PERMIT='{"types":{"EIP712Domain":[{"name":"name","type":"string"},{"name":"version","type":"string"},{"name":"chainId","type":"uint256"},{"name":"verifyingContract","type":"address"}],"Permit":[{"name":"owner","type":"address"},{"name":"spender","type":"address"},{"name":"value","type":"uint256"},{"name":"nonce","type":"uint256"},{"name":"deadline","type":"uint256"}]},"primaryType":"Permit","domain":{"name":"USD Coin","version":"2","chainId":11155111,"verifyingContract":"'$TOKEN'"},"message":{"owner":"'$ADDR'","spender":"'$SPENDER'","value":"5000000","nonce":0,"deadline":"1900000000"}}'
code=$(req POST /v1/transactions/sign-message "{\"network\":\"$NET\",\"signType\":\"typedData\",\"typedData\":$PERMIT}" "$S")
P=$(jget 'j["id"]')
check "a permit waits for the owner (201, APPROVAL)" \
    [ "$code $(jget 'j["tier"]') $(status "$P")" = "201 APPROVAL QUEUED" ]
req GET "/v1/transactions/$P" "" "$S" >/dev/null
HP=$(jget 'j["approval"]["intentHash"]')
LP=$(link "$P")
check "its link carries the message's intent (its hash is the approval's)" \
    python3 - "$LP" "$HP" <<'PYEOF'
import hashlib, sys, urllib.parse
f = dict(urllib.parse.parse_qsl(sys.argv[1].partition("#")[2]))
i = f["i"]
sys.exit(not (i.startswith("WAIaaS message signature\n") and
              "message sha256: " in i and
              hashlib.sha256(i.encode()).hexdigest() == sys.argv[2]))
PYEOF
page "$LP" '"approve"'
check "the page shows a message signature and has the owner sign its intent" \
    pis 'j["network"], len(j["signed"]), "- urn:waiaas:intent:'"$HP"'" in j["signed"][0], j["status"]' \
    "$NET 1 True approval sent to your daemon"
check "clean: no CSP violation, no script error" clean_page
check "policyd accepts it" wait_metric accepted 4
check "the permit is SIGNED" wait_status "$P" SIGNED
req GET "/v1/transactions/$P" "" "$S" >/dev/null
check "and ethers verifies the wallet's EIP-712 signature" \
    [ "$(node_bin tests/integration/verify_sig.js typed "$PERMIT" "$(jget 'j["signature"]')")" = "$ADDR" ]

# A Solana owner on litesvm, from the same page: window.solana's
# signMessage (Ed25519), the link's chain and Chain ID.
SOL_SEED=9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60
SOL_OWNER=$(node_bin tests/integration/sign_owner.js "{\"chain\": \"sol\",
    \"key\": \"$SOL_SEED\", \"domain\": \"x\", \"nonce\": \"00000000\"}" | sed -n 1p)
req POST /v1/wallets '{"name":"s","chain":"solana","environment":"testnet"}' >/dev/null
W=$(jget 'j["id"]')
ADDR=$(jget 'j["publicKey"]')
S="Authorization: Bearer $(jget 'j["session"]["token"]')"
req PUT "/v1/wallets/$W/owner" "{\"owner_address\":\"$SOL_OWNER\"}" >/dev/null
req POST /v1/policies "{\"walletId\":\"$W\",\"type\":\"SPENDING_LIMIT\",\"rules\":{\"instant_max\":\"1000000\",\"approval_timeout\":600}}" >/dev/null
rpc "$SVM_URL" requestAirdrop "[\"$ADDR\",5000000000]" >/dev/null
SOL_TO=$(node_bin -e 'const e = require("./tests/node/node_modules/ethers");
    console.log(e.encodeBase58(require("crypto").randomBytes(32)))')
C1=$(send "{\"to\":\"$SOL_TO\",\"amount\":\"2000000\"}")
check "a SOL transfer waits for its owner" [ "$(status "$C1")" = QUEUED ]
LS=$(link "$C1")
check "its link: chain solana, the owner's base58 key, Chain ID devnet, SOL" \
    [ "$(for k in c o n s u; do frag "$LS" $k; done | tr '\n' ' ')" = "solana $SOL_OWNER devnet SOL 9 " ]
node_bin tests/integration/approve_page.js "{\"url\": \"$LS\",
    \"wallet\": \"sol\", \"key\": \"$SOL_SEED\", \"click\": \"approve\",
    \"confirm\": true, \"waitStatus\": null}" \
    >"$T_TMP/page.json" 2>"$T_TMP/page.err"
check "the page shows it in SOL and has the Solana wallet sign once" \
    pis 'j["amount"], ",".join(j["requests"]), len(j["signed"]), j["status"]' \
    "0.002 SOL (2000000) connect,signMessage 1 approval sent to your daemon"
check "the signed message: the Solana account, Chain ID devnet, tx.approve of C1" \
    pis 'j["signed"][0].split(chr(10))[0].endswith("Solana account:"), j["signed"][0].split(chr(10))[1], "Chain ID: devnet" in j["signed"][0], "urn:waiaas:action:tx.approve:'"$C1"'" in j["signed"][0]' \
    "True $SOL_OWNER True True"
check "clean: no CSP violation, no script error" clean_page
check "policyd accepts it" wait_metric accepted 5
check "C1 is CONFIRMED" wait_status "$C1" CONFIRMED
check "the recipient has 2000000 lamports" \
    [ "$(rpc "$SVM_URL" getBalance "[\"$SOL_TO\"]" | python3 -c 'import json,sys; print(json.load(sys.stdin)["result"]["value"])')" = 2000000 ]

# What must stay secret from logs.
check "no nonce of any link and not the reply topic in the daemon's log" \
    sh -c "! grep -qF -e '$TOPIC' -e '$(frag "$L1" a)' -e '$(frag "$L1" r)' -e '$(frag "$L3" a)' -e '$(frag "$T2" r)' '$LOG'"
check "the static host saw the page's path only, never the fragment" \
    sh -c "grep -q 'GET /approve.html ' '$T_TMP/www.log' && ! grep -qF -e '#' -e '$TOPIC' -e '$(frag "$L1" a)' '$T_TMP/www.log'"
kill -TERM "$DPID"; wait_gone "$DPID" 5000; DPID=""
check "no nonce of any link in the daemon's files (database, WAL, keys)" \
    sh -c "[ -d '$DATA' ] && ! grep -r -a -qF -e '$(frag "$L1" a)' -e '$(frag "$L1" r)' -e '$(frag "$L3" a)' -e '$(frag "$T2" r)' -e '$(frag "$LS" a)' -e '$(frag "$LP" r)' '$DATA'"
check "no sanitizer reports" no_sanitizer_reports
