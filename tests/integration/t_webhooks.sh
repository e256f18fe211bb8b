#!/bin/sh
# The operator's webhooks (POST/GET /v1/webhooks, DELETE
# /v1/webhooks/{id}, GET /v1/webhooks/{id}/logs) against one daemon and
# a real HTTP receiver on 127.0.0.1 (loopback allowed by
# notifications.webhooks_allow_private): create, list, delete, the
# shape and target refusals, a delivery whose HMAC checks with the
# secret shown once, a receiver that fails seen as failed attempts in
# the logs (bounded retries), an event filter, a deleted webhook that
# gets nothing, the audit entries, and no secret in the log.
. tests/integration/lib.sh

[ "$(id -u)" = 0 ] || { echo "skip - t_webhooks needs root (per-process uids)"; exit 0; }
db() { sqlite3 "$DATA/data/waiaas.db" "$1"; }
# jtrue EXPR: the last answer ($T_TMP/body, as j) makes EXPR true.
jtrue() {
	python3 -c 'import json, sys
j = json.load(open(sys.argv[1]))
sys.exit(0 if eval(sys.argv[2]) else 1)' "$T_TMP/body" "$1"
}

# The receiver: every POST recorded (path, headers, raw body) as a JSON
# line; /fail answers 503, anything else 200.
REC=$T_TMP/hooks.rec
: > "$REC"
cat > "$T_TMP/recv.py" <<'PY'
import base64, json, sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
rec = sys.argv[1]
class H(BaseHTTPRequestHandler):
    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n)
        with open(rec, "a") as f:
            f.write(json.dumps({"path": self.path,
                "sig": self.headers.get("X-WAIaaS-Signature"),
                "event": self.headers.get("X-WAIaaS-Event"),
                "delivery": self.headers.get("X-WAIaaS-Delivery"),
                "body": base64.b64encode(body).decode()}) + "\n")
        self.send_response(503 if self.path == "/fail" else 200)
        self.send_header("Content-Length", "0")
        self.end_headers()
    def log_message(self, *a):
        pass
s = ThreadingHTTPServer(("127.0.0.1", 0), H)
print(s.server_address[1], flush=True)
s.serve_forever()
PY
python3 "$T_TMP/recv.py" "$REC" > "$T_TMP/recv.port" 2>"$T_TMP/recv.err" &
PEER_PIDS="${PEER_PIDS:-} $!"
n=0
while [ $n -lt 100 ] && [ ! -s "$T_TMP/recv.port" ]; do sleep 0.05; n=$((n + 1)); done
RP=$(head -n 1 "$T_TMP/recv.port")
[ -n "$RP" ] || peer_missing "the receiver on 127.0.0.1" "$(cat "$T_TMP/recv.err")"
H=http://127.0.0.1:$RP

WAIAAS_NOTIFICATIONS_WEBHOOKS_ALLOW_PRIVATE=true start_daemon ||
    cannot_run "daemon starts"

# Refusals of the shape (api) and of the target (policyd).
bad() {	# bad BODY WHY
	c=$(req POST /v1/webhooks "$1")
	check "refused ($c): $2" [ "$c" = 400 ]
}
bad '{}' "no url"
bad '{"url":"http://hooks.example.test/x"}' "a host name (relay has no resolver)"
bad '{"url":"ftp://127.0.0.1/x"}' "not http(s)"
bad '{"url":"http://127.0.0.1/x y"}' "a space in the URL"
bad "{\"url\":\"$H/x\",\"events\":[\"NO_SUCH_EVENT\"]}" "an unknown event"
bad "{\"url\":\"$H/x\",\"events\":\"TX_FAILED\"}" "events not an array"
bad "{\"url\":\"$H/x\",\"secret\":\"mine\"}" "a field it does not take"
bad "{\"url\":\"$H/x\",\"description\":\"$(printf '%0257d' 0)\"}" \
    "a description of 257 characters"
bad "{\"url\":\"http://127.0.0.1/$(printf '%02048d' 0)\"}" "a URL over 2048"
c=$(req POST /v1/webhooks "{\"url\":\"$H/x\"}" 'X-Master-Password: wrong')
check "a wrong master password: 401 ($c)" [ "$c" = 401 ]

mk() {	# mk PATH EVENTS -> id; secret in $T_TMP/secret.<path>
	c=$(req POST /v1/webhooks "{\"url\":\"$H/$1\",\"events\":$2,\"description\":\"to $1\"}")
	[ "$c" = 201 ] || { echo "# create $1: $c $(cat "$T_TMP/body")"; return; }
	jget 'j["secret"]' > "$T_TMP/secret.$1"
	jget 'j["id"]'
}
A=$(mk ok '["SESSION_CREATED"]')
check "created (201), the secret 64 hex characters" \
    sh -c "grep -qxE '[0-9a-f]{64}' '$T_TMP/secret.ok'"
check "the answer has the reference's members" \
    jtrue 'sorted(j) == ["createdAt","description","enabled","events","id","secret","updatedAt","url"] and j["enabled"] is True and j["events"] == ["SESSION_CREATED"]'
B=$(mk fail '[]')
C=$(mk other '["TX_CONFIRMED"]')
D=$(mk deleted '[]')
c=$(req DELETE "/v1/webhooks/$D")
check "deleted (204): $c" [ "$c" = 204 ]
c=$(req DELETE "/v1/webhooks/$D")
check "deleted again: 404 WEBHOOK_NOT_FOUND ($c)" \
    sh -c "[ $c = 404 ] && grep -q WEBHOOK_NOT_FOUND '$T_TMP/body'"
c=$(req GET /v1/webhooks)
check "the list: three, in order, no secret ($c)" \
    jtrue "[h['id'] for h in j['data']] == ['$A','$B','$C'] and all('secret' not in h for h in j['data'])"
check "no secret anywhere in the list" \
    sh -c "! grep -q \"\$(cat '$T_TMP/secret.ok')\" '$T_TMP/body'"

# An event: a wallet and a session (SESSION_CREATED).
req POST /v1/wallets '{"name":"t","chain":"ethereum","environment":"testnet"}' >/dev/null
W=$(jget 'j["id"]')
c=$(req POST /v1/sessions "{\"walletId\":\"$W\"}")
check "a session (201): $c" [ "$c" = 201 ]

# Poll: the /ok delivery, and three failed attempts for /fail.
logs_n() {	# logs_n ID QUERY -> count
	req GET "/v1/webhooks/$1/logs$2" >/dev/null
	jget 'len(j["data"])'
}
n=0
while [ $n -lt 200 ]; do
	grep -q '"/ok"' "$REC" && [ "$(logs_n "$B" '?status=failed')" -ge 3 ] &&
	    [ "$(db 'SELECT count(*) FROM webhook_deliveries')" = 0 ] && break
	sleep 0.05; n=$((n + 1))
done
cat > "$T_TMP/verify.py" <<'PY'
import base64, hashlib, hmac, json, sys
secret = open(sys.argv[2]).read().strip().encode()
ok = 0
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r["path"] != "/ok":
        continue
    body = base64.b64decode(r["body"])
    mac = "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
    j = json.loads(body)
    if not hmac.compare_digest(mac, r["sig"] or ""):
        sys.exit("bad signature")
    if j["event"] != "SESSION_CREATED" or r["event"] != j["event"] or \
       r["delivery"] != j["id"]:
        sys.exit("event or id differ")
    ok += 1
sys.exit(0 if ok >= 1 else "nothing for /ok")
PY
check "the receiver got SESSION_CREATED, its HMAC checks with the secret" \
    python3 "$T_TMP/verify.py" "$REC" "$T_TMP/secret.ok"
check "the signature fails with another webhook's secret" \
    sh -c "! python3 '$T_TMP/verify.py' '$REC' '$T_TMP/secret.fail' 2>/dev/null"
req GET "/v1/webhooks/$A/logs" >/dev/null
check "the logs of /ok: success, 200, attempt 1, the reference's members" \
    jtrue "len(j['data']) >= 1 and all(l['status'] == 'success' and l['httpStatus'] == 200 and l['attempt'] == 1 and l['error'] is None and l['webhookId'] == '$A' and l['eventType'] == 'SESSION_CREATED' and isinstance(l['requestDuration'], int) for l in j['data']) and sorted(j['data'][0]) == ['attempt','createdAt','error','eventType','httpStatus','id','requestDuration','status','webhookId']"
EV=$(logs_n "$A" '')	# events delivered to /ok: each went to /fail too
req GET "/v1/webhooks/$B/logs?event_type=SESSION_CREATED" >/dev/null
check "the logs of /fail: attempts 1, 2, 3 of each of the $EV events, each 503, then no more" \
    jtrue "$EV >= 1 and sorted(l['attempt'] for l in j['data']) == sorted([1, 2, 3] * $EV) and all(l['status'] == 'failed' and l['httpStatus'] == 503 and l['error'] for l in j['data'])"
check "given up: no delivery row left" \
    [ "$(db 'SELECT count(*) FROM webhook_deliveries')" = 0 ]
check "/fail got exactly three requests per event" \
    [ "$(grep -c '"/fail"' "$REC")" = "$((3 * EV))" ]
check "?status=success of /fail: none" [ "$(logs_n "$B" '?status=success')" = 0 ]
check "?limit=1: one" [ "$(logs_n "$B" '?limit=1')" = 1 ]
c=$(req GET "/v1/webhooks/$B/logs?limit=101")
check "?limit=101: 400 ($c)" [ "$c" = 400 ]
check "the filter: TX_CONFIRMED's webhook got nothing" \
    sh -c "! grep -q '\"/other\"' '$REC'"
check "and has no log" [ "$(logs_n "$C" '')" = 0 ]
check "the deleted webhook got nothing" sh -c "! grep -q '\"/deleted\"' '$REC'"
c=$(req GET "/v1/webhooks/$D/logs")
check "logs of a deleted webhook: 404 ($c)" [ "$c" = 404 ]
check "audited: four created, one deleted" \
    [ "$(db "SELECT count(*) FROM audit_log WHERE event = 'webhook.created'")/$(db "SELECT count(*) FROM audit_log WHERE event = 'webhook.deleted' AND target = '$D'")" = 4/1 ]

# Deleting one with deliveries pending: they go with it.
c=$(req DELETE "/v1/webhooks/$B")
check "a webhook with logs deleted (204): $c" [ "$c" = 204 ]
check "its logs went with it" \
    [ "$(db "SELECT count(*) FROM webhook_logs WHERE webhook_id = '$B'")" = 0 ]
check "no secret in the daemon's log" \
    sh -c "! grep -qF \"\$(cat '$T_TMP/secret.ok')\" '$LOG' && ! grep -qF \"\$(cat '$T_TMP/secret.fail')\" '$LOG'"

kill -TERM "$DPID"; wait_gone "$DPID" 5000; DPID=""
check "no sanitizer reports" no_sanitizer_reports
