#!/bin/sh
# POST /v1/x402/fetch without payment: what the fetch process may reach.
# The test runs in a network and mount namespace of its own (unshare), so
# that an address that is not private, 11.0.0.1, can be on its loopback,
# and names can point where the test says (/etc/hosts bound over):
# public.x402.test and other.x402.test at 11.0.0.1, loopback.x402.test
# at 127.0.0.1.  [x402] allow_private stays off: the Internet address
# and the names for it are fetched, the loopback address, a name for it
# and a redirect to it are refused without a request reaching them.
# Also: X402_ALLOWED_DOMAINS before any request, redirects followed and
# counted, credentials not carried to another origin, the size and time
# bounds, bodies that are not UTF-8, the request's shape, x402 off.
if [ -z "${X402_NETNS:-}" ]; then
	if [ "$(id -u)" = 0 ] && command -v ip >/dev/null &&
	    unshare --net --mount true 2>/dev/null; then
		X402_NETNS=1 exec unshare --net --mount sh "$0" "$@"
	fi
	X402_NETNS=none
fi
. tests/integration/lib.sh

if [ "$X402_NETNS" = none ]; then
	peer_missing "a network namespace (root, unshare and ip: iproute2)"
else
	ip link set lo up && ip addr add 11.0.0.1/32 dev lo ||
	    peer_missing "11.0.0.1 on the namespace's loopback"
	printf '127.0.0.1 localhost\n11.0.0.1 public.x402.test other.x402.test\n127.0.0.1 loopback.x402.test\n' \
	    > "$T_TMP/hosts"
	mount --bind "$T_TMP/hosts" /etc/hosts ||
	    peer_missing "a hosts file of the test's own"
fi

OLOG=$T_TMP/origin.log
: > "$OLOG"
OP=$(free_port)
python3 tests/integration/x402_origin.py 0.0.0.0 "$OP" "$OLOG" \
    > "$T_TMP/origin.out" 2>&1 &
PEER_PIDS="${PEER_PIDS:-} $!"
n=0
while [ $n -lt 50 ] && ! grep -q listening "$T_TMP/origin.out"; do
	sleep 0.1; n=$((n + 1))
done
grep -q listening "$T_TMP/origin.out" || peer_missing "the test origin"

export WAIAAS_X402_TIMEOUT_MS=3000
start_daemon || cannot_run "daemon starts"
req POST /v1/wallets '{"name":"x","chain":"ethereum","environment":"testnet"}' >/dev/null
W=$(jget 'j["id"]')
S="Authorization: Bearer $(jget 'j["session"]["token"]')"

fetch() {	# fetch JSON: POST /v1/x402/fetch as the session; the status
	req POST /v1/x402/fetch "$1" "$S"
}
hits() { grep -c "^[A-Z]* $1" "$OLOG"; }
err() { jget 'j["code"]'; }
PUB=http://11.0.0.1:$OP

code=$(fetch "{\"url\":\"$PUB/ok\"}")
check "no X402_ALLOWED_DOMAINS policy: 403 X402_DOMAIN_NOT_ALLOWED ($code $(err))" \
    [ "$code $(err)" = "403 X402_DOMAIN_NOT_ALLOWED" ]
check "... and nothing was asked of the origin" [ "$(hits /ok)" = 0 ]

code=$(req POST /v1/policies "{\"walletId\":\"$W\",\"type\":\"X402_ALLOWED_DOMAINS\",\"rules\":{\"domains\":[\"11.0.0.1\",\"127.0.0.1\",\"public.x402.test\",\"loopback.x402.test\"]}}")
check "an X402_ALLOWED_DOMAINS policy for the wallet ($code)" [ "$code" = 201 ]

code=$(fetch "{\"url\":\"$PUB/ok\"}")
check "an Internet address: 200 with the origin's status, headers and body ($code)" \
    [ "$code $(jget 'j["status"], j["body"], j["headers"]["content-type"], "payment" in j')" = \
    "200 200 ok text/plain False" ]
code=$(fetch "{\"url\":\"http://public.x402.test:$OP/ok\"}")
check "a name the parent looks up (an Internet address): 200 ($code $(jget 'j.get("status")'))" \
    [ "$code $(jget 'j["status"]')" = "200 200" ]
code=$(fetch "{\"url\":\"http://other.x402.test:$OP/ok\"}")
check "a name no policy lists: 403 X402_DOMAIN_NOT_ALLOWED ($code)" \
    [ "$code $(err)" = "403 X402_DOMAIN_NOT_ALLOWED" ]
check "... two requests reached the origin, no more" [ "$(hits /ok)" = 2 ]

code=$(fetch "{\"url\":\"http://127.0.0.1:$OP/ok\"}")
check "the loopback address (allow_private off): 403 X402_SSRF_BLOCKED ($code $(err))" \
    [ "$code $(err)" = "403 X402_SSRF_BLOCKED" ]
code=$(fetch "{\"url\":\"http://loopback.x402.test:$OP/ok\"}")
check "a name for the loopback address: 403 X402_SSRF_BLOCKED ($code $(err))" \
    [ "$code $(err)" = "403 X402_SSRF_BLOCKED" ]
code=$(fetch "{\"url\":\"$PUB/redirect?to=http://127.0.0.1:$OP/ok\"}")
check "a redirect to 127.0.0.1: 403 X402_SSRF_BLOCKED ($code $(err))" \
    [ "$code $(err)" = "403 X402_SSRF_BLOCKED" ]
code=$(fetch "{\"url\":\"$PUB/redirect?to=http://loopback.x402.test:$OP/ok&code=307\"}")
check "a 307 to a name for it: 403 X402_SSRF_BLOCKED ($code $(err))" \
    [ "$code $(err)" = "403 X402_SSRF_BLOCKED" ]
check "... the origin saw the redirects, and never a request for /ok from them" \
    [ "$(hits /redirect) $(hits /ok)" = "2 2" ]

code=$(fetch "{\"url\":\"$PUB/redirect?to=/echo\",\"headers\":{\"Authorization\":\"Bearer agent\",\"X-Agent\":\"a\"}}")

check "a relative redirect on the same origin is followed, headers kept ($code)" \
    [ "$code $(jget '(lambda b: (j["status"], b["path"], b["headers"].get("authorization"), b["headers"].get("x-agent")))(__import__("json").loads(j["body"]))')" = \
    "200 (200, '/echo', 'Bearer agent', 'a')" ]
code=$(fetch "{\"url\":\"$PUB/redirect?to=http://public.x402.test:$OP/echo\",\"headers\":{\"Authorization\":\"Bearer agent\",\"Cookie\":\"c=1\",\"X-Agent\":\"a\"}}")
check "to another origin: Authorization and Cookie dropped, the rest kept ($code)" \
    [ "$code $(jget '(lambda b: (b["headers"].get("authorization"), b["headers"].get("cookie"), b["headers"].get("x-agent")))(__import__("json").loads(j["body"]))')" = \
    "200 (None, None, 'a')" ]
code=$(fetch "{\"url\":\"$PUB/redirect?to=/echo&code=303\",\"method\":\"POST\",\"body\":\"hello\"}")
check "303 after a POST: a GET without the body ($code)" \
    [ "$code $(jget '(lambda b: (b["method"], b["body"]))(__import__("json").loads(j["body"]))')" = "200 ('GET', '')" ]
code=$(fetch "{\"url\":\"$PUB/redirect?to=/echo&code=307\",\"method\":\"POST\",\"body\":\"hello\",\"headers\":{\"Content-Type\":\"text/plain\"}}")
check "307 after a POST: the same method and body ($code)" \
    [ "$code $(jget '(lambda b: (b["method"], b["body"], b["headers"].get("content-type")))(__import__("json").loads(j["body"]))')" = \
    "200 ('POST', 'hello', 'text/plain')" ]
code=$(fetch "{\"url\":\"$PUB/loop\"}")
check "a redirect loop: 502 X402_SERVER_ERROR after 5 hops ($code $(err))" \
    [ "$code $(err) $(hits /loop)" = "502 X402_SERVER_ERROR 6" ]

code=$(fetch "{\"url\":\"$PUB/big\"}")
check "a body over 128 KiB: 502 X402_SERVER_ERROR ($code $(err))" \
    [ "$code $(err)" = "502 X402_SERVER_ERROR" ]
t0=$(date +%s)
code=$(fetch "{\"url\":\"$PUB/slow\"}")
t1=$(date +%s)
check "a server slower than [x402] timeout_ms (3 s): 502 in 2 to 6 s ($code $(err), $((t1 - t0)) s)" \
    [ "$code $(err)" = "502 X402_SERVER_ERROR" -a $((t1 - t0)) -ge 2 -a $((t1 - t0)) -le 6 ]
code=$(fetch "{\"url\":\"$PUB/bin\"}")
check "a body that is not UTF-8: each bad byte U+FFFD ($code)" \
    [ "$code $(jget 'j["body"] == "a\ufffd\ufffdb\u00e9c"')" = "200 True" ]
code=$(fetch "{\"url\":\"$PUB/status?code=503\"}")
check "an unpaid error status is the origin's answer, not ours ($code)" \
    [ "$code $(jget 'j["status"], j["body"]')" = "200 503 status body" ]
code=$(fetch "{\"url\":\"$PUB/status?code=402\"}")
check "a 402 that is not x402: 400 X402_UNSUPPORTED_SCHEME ($code $(err))" \
    [ "$code $(err)" = "400 X402_UNSUPPORTED_SCHEME" ]
check "... no transaction was recorded for it" \
    [ "$(sqlite3 "$DATA/data/waiaas.db" "SELECT count(*) FROM transactions")" = 0 ]

for b in '{}' '{"url":"ftp://11.0.0.1/x"}' '{"url":"http://11.0.0.1/#frag"}' \
    "{\"url\":\"$PUB/ok\",\"method\":\"TRACE\"}" \
    "{\"url\":\"$PUB/ok\",\"headers\":{\"Host\":\"evil\"}}" \
    "{\"url\":\"$PUB/ok\",\"headers\":{\"X-Payment\":\"x\"}}" \
    "{\"url\":\"$PUB/ok\",\"headers\":{\"X-A\":\"a\\nb\"}}" \
    "{\"url\":\"$PUB/ok\",\"headers\":{\"X-A\":1}}" \
    "{\"url\":\"$PUB/ok\",\"bogus\":1}"; do
	code=$(fetch "$b")
	# dash's echo reads backslashes: doubled, they print as written
	d=$(printf '%s' "$b" | sed 's/\\/\\\\/g')
	check "refused with 400 VALIDATION_FAILED: $d ($code $(err))" \
	    [ "$code $(err)" = "400 VALIDATION_FAILED" ]
done
python3 -c 'import json; print(json.dumps({"url": "'"$PUB"'/echo", "method": "POST", "body": "x" * 65537}))' > "$T_TMP/bigbody"
code=$(fetch "@$T_TMP/bigbody")
check "a body over 64 KiB: 400 VALIDATION_FAILED ($code $(err))" \
    [ "$code $(err)" = "400 VALIDATION_FAILED" ]
code=$(req POST /v1/x402/fetch "{\"url\":\"$PUB/ok\"}" "Authorization: Bearer nope")
check "a bad session token: 401 ($code)" [ "$code" = 401 ]
check "... none of the refusals reached the origin" [ "$(hits /ok)" = 2 ]

kill -TERM "$DPID"; wait_gone "$DPID" 3000; DPID=""
check "no sanitizer reports" no_sanitizer_reports
WAIAAS_X402_ENABLED=false start_daemon || cannot_run "daemon starts with x402 off"
req POST /v1/wallets '{"name":"y","chain":"ethereum","environment":"testnet"}' >/dev/null
S="Authorization: Bearer $(jget 'j["session"]["token"]')"
code=$(fetch "{\"url\":\"$PUB/ok\"}")
check "[x402] enabled = false: 403 X402_DISABLED ($code $(err))" \
    [ "$code $(err)" = "403 X402_DISABLED" ]
kill -TERM "$DPID"; wait_gone "$DPID" 3000; DPID=""
check "no sanitizer reports" no_sanitizer_reports
