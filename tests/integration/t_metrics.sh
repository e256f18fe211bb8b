#!/bin/sh
# GET /metrics (issue 19), with the real daemon, anvil and a webhook
# where nothing listens: the scrape token ([security] metrics_token) and
# the master password each get the Prometheus text, nothing else does
# (401 in the documented JSON); the body parses with the Prometheus
# client's own text-format parser (python3-prometheus-client); the
# counters move after real requests, a real send on anvil (transactions
# by status and tier, policy decisions, signer operations, RPC calls)
# and failed notification deliveries; routes are labelled by template,
# never by the path asked; every process's resident set is there and
# plausible; a child that does not answer (the relay, stopped) is a
# missing series and waiaas_scrape_error 1 within the wait, not a hang.
# Then without a token configured: only the master password works.
. tests/integration/lib.sh

NET=ethereum-sepolia
U() { echo "http://127.0.0.1:$PORT$1"; }
python3 -c 'import prometheus_client.parser' 2>/dev/null ||
    peer_missing "python3-prometheus-client (the Prometheus text parser)"

TOK=$(openssl rand -hex 24)
export WAIAAS_SECURITY_METRICS_TOKEN=$TOK
openssl rand -hex 16 > "$T_TMP/wh.secret"
export WAIAAS_NOTIFICATIONS_WEBHOOK_URL=http://127.0.0.1:$(free_port)/hook
export WAIAAS_NOTIFICATIONS_WEBHOOK_SECRET_FILE=$T_TMP/wh.secret
export WAIAAS_NOTIFICATIONS_TIMEOUT_MS=1000

start_anvil --chain-id 11155111
export WAIAAS_RPC_EVM_ETHEREUM_SEPOLIA=$ANVIL_URL WAIAAS_RPC_POLL_INTERVAL_MS=100
start_daemon || cannot_run "daemon starts"

# scrape [curl args]: the status; the body in $T_TMP/m, parsed (by the
# real parser) in $T_TMP/m.json, the headers in $T_TMP/h.
scrape() {
	c=$(curl -s -o "$T_TMP/m" -D "$T_TMP/h" -w '%{http_code}' \
	    "$@" "$(U /metrics)")
	rm -f "$T_TMP/m.json"
	[ "$c" = 200 ] && python3 tests/integration/prom_parse.py "$T_TMP/m" \
	    > "$T_TMP/m.json" 2> "$T_TMP/m.err"
	echo "$c"
}
BEARER="Authorization: Bearer $TOK"
MASTER="X-Master-Password: $WAIAAS_MASTER_PASSWORD"
# mq EXPR: EXPR in python over the parsed scrape; v(name, **labels) is
# the sum of the matching samples (None if none), has(name, **labels);
# a tuple prints space-separated.
mq() {
	python3 - "$T_TMP/m.json" "$1" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
def match(name, labels):
    return [s for s in d["samples"] if s[0] == name and
            all(s[1].get(k) == v for k, v in labels.items())]
def v(name, **labels):
    m = match(name, labels)
    return sum(s[2] for s in m) if m else None
def has(name, **labels):
    return len(match(name, labels)) > 0
r = eval(sys.argv[2])
print(" ".join(map(str, r)) if isinstance(r, tuple) else r)
PY
}

code=$(scrape -H "$BEARER")
check "GET /metrics with the scrape token: 200 ($code)" [ "$code" = 200 ]
check "... Content-Type text/plain; version=0.0.4" \
    grep -qi '^content-type: text/plain; version=0\.0\.4' "$T_TMP/h"
check "... the Prometheus text parser reads it whole ($(cat "$T_TMP/m.err" 2>/dev/null))" \
    [ -s "$T_TMP/m.json" ]
check "... every family the issue names, with its type" \
    [ "$(mq '[d["families"].get(f) for f in ("waiaas_http_requests", "waiaas_http_request_duration_seconds", "waiaas_rpc_requests", "waiaas_rpc_errors", "waiaas_rpc_request_duration_seconds", "waiaas_transactions", "waiaas_policy_decisions", "waiaas_signer_operations", "waiaas_notification_outbox_depth", "waiaas_notification_delivery_failures", "waiaas_process_resident_memory_bytes", "waiaas_scrape_error")]')" = \
    "['counter', 'histogram', 'counter', 'counter', 'histogram', 'gauge', 'counter', 'counter', 'gauge', 'counter', 'gauge', 'gauge']" ]
check "... a resident set for each of the six processes, each > 1 MB and < 200 MB" \
    [ "$(mq '[p for p in ("parent", "api", "policyd", "signer", "relay", "fetch") if not (1 << 20) < (v("waiaas_process_resident_memory_bytes", process=p) or 0) < 200 << 20]')" = "[]" ]
mq '[(s[1]["process"], s[2]) for s in d["samples"] if s[0] == "waiaas_process_resident_memory_bytes"]' | sed 's/^/# rss: /'
check "... no process missed the scrape (waiaas_scrape_error 0 for all six)" \
    [ "$(mq 'sorted((s[1]["process"], s[2]) for s in d["samples"] if s[0] == "waiaas_scrape_error")')" = \
    "[('api', 0.0), ('fetch', 0.0), ('parent', 0.0), ('policyd', 0.0), ('relay', 0.0), ('signer', 0.0)]" ]
cp "$T_TMP/m.json" "$T_TMP/m0.json"

code=$(scrape -H "$MASTER")
check "GET /metrics with the master password: 200 ($code), parsed" \
    [ "$code" = 200 -a -s "$T_TMP/m.json" ]

# No credential, a wrong one of each kind, a session token: 401 each, in
# the documented error format.
err401() {	# err401 DESC CODE curl-args...
	d=$1; want=$2; shift 2
	c=$(http_code "$@" "$(U /metrics)")
	check "$d: 401 $want ($c $(jget 'j.get("code")' 2>/dev/null))" \
	    [ "$c $(jget '[j["code"], type(j["message"]).__name__, type(j["requestId"]).__name__, j["retryable"]]')" = \
	    "401 ['$want', 'str', 'str', False]" ]
}
err401 "no credential" INVALID_MASTER_PASSWORD
err401 "a wrong scrape token" INVALID_TOKEN -H "Authorization: Bearer x$TOK"
err401 "the token's first half" INVALID_TOKEN \
    -H "Authorization: Bearer $(echo "$TOK" | cut -c1-24)"
err401 "a wrong master password" INVALID_MASTER_PASSWORD -H "X-Master-Password: wrong"
req POST /v1/wallets '{"name":"m","chain":"ethereum","environment":"testnet"}' >/dev/null
W=$(jget 'j["id"]')
WPUB=$(jget 'j["publicKey"]')
SESS=$(jget 'j["session"]["token"]')
S="Authorization: Bearer $SESS"
err401 "a session token" INVALID_TOKEN -H "$S"
check "... no 401 body holds the metrics" sh -c "! grep -q waiaas_ '$T_TMP/body'"

# Real work: a funded wallet, a policy with an INSTANT and a DELAY tier,
# two sends; a notification test to the webhook nobody serves.
"$CAST" send -q --rpc-url "$ANVIL_URL" --private-key "$ANVIL_KEY0" \
    "$WPUB" --value 1ether >/dev/null
req POST /v1/policies "{\"walletId\":\"$W\",\"type\":\"SPENDING_LIMIT\",\"rules\":{\"instant_max\":\"1000\",\"notify_max\":\"2000\",\"delay_max\":\"3000\",\"delay_seconds\":600,\"approval_timeout\":300}}" >/dev/null
T1=$(send "{\"network\":\"$NET\",\"to\":\"0x6000000000000000000000000000000000000001\",\"amount\":\"500\"}")
wait_tx "$T1" >/dev/null
check "an INSTANT send confirms on anvil" [ "$(jget 'j["status"]')" = CONFIRMED ]
T2=$(send "{\"network\":\"$NET\",\"to\":\"0x6000000000000000000000000000000000000002\",\"amount\":\"2500\"}")
check "a DELAY send is queued ($T2)" [ -n "$T2" ]
req POST /v1/admin/notifications/test '{}' >/dev/null
for i in 1 2 3; do
	curl -s -o /dev/null "$(U "/v1/wallets/$(cat /proc/sys/kernel/random/uuid)")" -H "$MASTER"
done
curl -s -o /dev/null "$(U /no/such/route/$(cat /proc/sys/kernel/random/uuid))"

# The webhook's failures reach the counters (the relay's answer comes
# within its 1 s timeout).
n=0
while [ $n -lt 50 ]; do
	scrape -H "$BEARER" >/dev/null
	[ "$(mq '(v("waiaas_notification_delivery_failures_total", channel="webhook") or 0) >= 1')" = True ] && break
	sleep 0.2
	n=$((n + 1))
done
check "failed webhook deliveries counted (delivery_failures_total{channel=webhook} = $(mq 'v("waiaas_notification_delivery_failures_total", channel="webhook")'))" \
    [ "$(mq 'v("waiaas_notification_delivery_failures_total", channel="webhook") >= 1')" = True ]
check "... and as attempts by result, none delivered" \
    [ "$(mq 'v("waiaas_notification_deliveries_total", channel="webhook", result="delivered"), v("waiaas_notification_deliveries_total", channel="webhook", result="retry") + v("waiaas_notification_deliveries_total", channel="webhook", result="failed") >= 1')" = "0.0 True" ]
check "... the outbox holds the webhook's undelivered events (depth >= 1)" \
    [ "$(mq 'v("waiaas_notification_outbox_depth", channel="webhook") >= 1')" = True ]
check "transactions by status and tier: 1 CONFIRMED INSTANT, 1 QUEUED DELAY" \
    [ "$(mq 'v("waiaas_transactions", status="CONFIRMED", tier="INSTANT"), v("waiaas_transactions", status="QUEUED", tier="DELAY")')" = "1.0 1.0" ]
check "policy decisions by result: one INSTANT, one DELAY" \
    [ "$(mq 'v("waiaas_policy_decisions_total", result="INSTANT"), v("waiaas_policy_decisions_total", result="DELAY")')" = "1.0 1.0" ]
check "signer: one key made, one EVM transaction signed, no error" \
    [ "$(mq 'v("waiaas_signer_operations_total", kind="key", result="ok"), v("waiaas_signer_operations_total", kind="sign_evm_tx", result="ok"), v("waiaas_signer_operations_total", result="error")')" = "1.0 1.0 0.0" ]
check "RPC calls to $NET answered (>= 3: nonce, fees, send, receipt)" \
    [ "$(mq 'v("waiaas_rpc_requests_total", network="'$NET'") >= 3')" = True ]
check "... and timed: the histogram's count is the calls' number" \
    [ "$(mq 'v("waiaas_rpc_request_duration_seconds_count", network="'$NET'") == v("waiaas_rpc_requests_total", network="'$NET'") + v("waiaas_rpc_errors_total", network="'$NET'")')" = True ]
check "requests by route template and status: POST /v1/transactions/send 201 x2" \
    [ "$(mq 'v("waiaas_http_requests_total", method="POST", route="/v1/transactions/send", status="201")')" = 2.0 ]
check "... GET /v1/wallets/{id}: one series for three ids, 404 ($(mq '[(s[1]["status"], s[2]) for s in d["samples"] if s[0] == "waiaas_http_requests_total" and s[1]["route"] == "/v1/wallets/{id}"]'))" \
    [ "$(mq 'v("waiaas_http_requests_total", route="/v1/wallets/{id}", status="404"), len([s for s in d["samples"] if s[0] == "waiaas_http_requests_total" and s[1]["route"] == "/v1/wallets/{id}"])')" = "3.0 1" ]
check "... a path that matches no route: route=\"none\", 404" \
    [ "$(mq 'v("waiaas_http_requests_total", route="none", status="404")')" = 1.0 ]
check "... 401s counted on /metrics itself (5 refused above)" \
    [ "$(mq 'v("waiaas_http_requests_total", route="/metrics", status="401")')" = 5.0 ]
check "... no raw path in any label (no id, no /no/such/route)" \
    sh -c "! grep -Eq '[0-9a-f]{8}-[0-9a-f]{4}|/no/such' '$T_TMP/m'"
check "... every latency histogram cumulative, its +Inf bucket its count" \
    [ "$(mq 'all(b[1]["le"] != "+Inf" or b[2] == v(b[0][:-7] + "_count", **{k: x for k, x in b[1].items() if k != "le"}) for b in d["samples"] if b[0].endswith("_bucket")) and all(a[2] <= b[2] for a, b in zip(d["samples"], d["samples"][1:]) if a[0] == b[0] and a[0].endswith("_bucket") and {k: x for k, x in a[1].items() if k != "le"} == {k: x for k, x in b[1].items() if k != "le"})')" = True ]
check "... counters only grew since the first scrape" \
    [ "$(python3 -c '
import json, sys
a = json.load(open(sys.argv[1])); b = json.load(open(sys.argv[2]))
key = lambda s: (s[0], tuple(sorted(s[1].items())))
after = {key(s): s[2] for s in b["samples"]}
print(all(after.get(key(s), -1) >= s[2] for s in a["samples"] if s[0].endswith("_total")))' "$T_TMP/m0.json" "$T_TMP/m.json")" = True ]

# The scrape's time, five in a row.
t0=$(date +%s%N)
for i in 1 2 3 4 5; do scrape -H "$BEARER" >/dev/null; done
t1=$(date +%s%N)
echo "# a scrape (curl, parse included): $(( (t1 - t0) / 5000000 )) ms; $(wc -c < "$T_TMP/m") bytes"
check "a scrape takes well under a second ($(( (t1 - t0) / 5000000 )) ms with the parser)" \
    [ $(( (t1 - t0) / 5000000 )) -lt 1000 ]

# A child that does not answer: the relay stopped.  The scrape ends
# after policyd's wait (1 s) with its series missing and the error set.
RELAY=""
for k in $(children_of "$DPID"); do [ "$(role_of "$k")" = relay ] && RELAY=$k; done
kill -STOP "$RELAY"
t0=$(date +%s%N)
scrape -H "$BEARER" > "$T_TMP/code" &
sp=$!
sleep 0.2
h0=$(date +%s%N)
hc=$(http_code -m 2 "$(U /health)")
h1=$(date +%s%N)
wait "$sp"
t1=$(date +%s%N)
kill -CONT "$RELAY"
code=$(cat "$T_TMP/code")
ms=$(( (t1 - t0) / 1000000 ))
check "the relay stopped: the scrape still answers 200 in about the 1 s wait ($code, $ms ms)" \
    [ "$code" = 200 -a "$ms" -ge 900 -a "$ms" -lt 3000 ]
check "... waiaas_scrape_error{process=relay} 1, the others 0, no relay resident set ($(mq 'v("waiaas_scrape_error", process="relay"), v("waiaas_scrape_error"), has("waiaas_process_resident_memory_bytes", process="relay"), has("waiaas_process_resident_memory_bytes", process="signer")'))" \
    [ "$(mq 'v("waiaas_scrape_error", process="relay"), v("waiaas_scrape_error"), has("waiaas_process_resident_memory_bytes", process="relay"), has("waiaas_process_resident_memory_bytes", process="signer")')" = "1.0 1.0 False True" ]
check "... /health during that wait was not held up ($hc in $(( (h1 - h0) / 1000000 )) ms)" \
    [ "$hc" = 200 -a $(( (h1 - h0) / 1000000 )) -lt 500 ]
code=$(scrape -H "$BEARER")
check "the relay back: the next scrape has it again ($code $(mq 'v("waiaas_scrape_error", process="relay"), has("waiaas_process_resident_memory_bytes", process="relay")'))" \
    [ "$code $(mq 'v("waiaas_scrape_error", process="relay"), has("waiaas_process_resident_memory_bytes", process="relay")')" = "200 0.0 True" ]

kill -TERM "$DPID"; wait_gone "$DPID" 3000; DPID=""
check "no sanitizer reports" no_sanitizer_reports
check "the token is nowhere in the log" sh -c "! grep -q '$TOK' '$LOG'"

# No token configured: the master password only.
unset WAIAAS_SECURITY_METRICS_TOKEN
DATA=$T_TMP/data2 start_daemon || cannot_run "daemon starts without a token"
err401 "no token configured: a bearer token" INVALID_TOKEN -H "$BEARER"
err401 "... an empty bearer token" INVALID_MASTER_PASSWORD -H "Authorization: Bearer "
code=$(scrape -H "$MASTER")
check "... the master password: 200 ($code)" [ "$code" = 200 -a -s "$T_TMP/m.json" ]
kill -TERM "$DPID"; wait_gone "$DPID" 3000; DPID=""

check "no sanitizer reports" no_sanitizer_reports
