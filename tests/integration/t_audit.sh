#!/bin/sh
# The audit chain verifies after mixed operations and names the exact
# entry after a row is edited or removed with the sqlite3 CLI; and the
# master password lockout.
. tests/integration/lib.sh

U() { echo "http://127.0.0.1:$PORT$1"; }
M="X-Master-Password: $WAIAAS_MASTER_PASSWORD"
jget() { json_get "$T_TMP/body" "$1"; }

export WAIAAS_SECURITY_MASTER_LOCK_SECONDS=3
start_daemon || cannot_run "daemon starts"
# Mixed operations: wallets, sessions, renewals, revocations, failures.
for n in 1 2 3; do
	http_code -X POST -H "$M" --data-binary "{\"name\":\"w$n\"}" \
	    "$(U /v1/wallets)" >/dev/null
done
T=$(jget "j['session']['token']"); SID=$(jget "j['session']['id']")
http_code -X PUT -H "Authorization: Bearer $T" "$(U /v1/sessions/$SID/renew)" >/dev/null
http_code -X DELETE -H "$M" "$(U /v1/sessions/$SID)" >/dev/null
http_code -H "X-Master-Password: wrong" "$(U /v1/wallets)" >/dev/null
http_code -H "Authorization: Bearer wai_sess_x.y.z" "$(U /v1/wallets)" >/dev/null
code=$(http_code -H "$M" "$(U /v1/audit-logs/verify)")
check "the chain verifies after mixed operations ($code)" \
    [ "$code $(jget "j['valid']")" = "200 True" ]
N=$(jget "j['entries']")
# 3 wallets + their 3 sessions, a renewal, a revocation, 2 auth failures
check "every event was recorded ($N entries)" [ "$N" = 10 ]
http_code -H "$M" "$(U "/v1/audit-logs?limit=100")" >/dev/null
check "the log lists them newest first" \
    [ "$(jget "j['data'][0]['id'] > j['data'][-1]['id']")" = True ]
check "events include wallet, session and auth failures" \
    [ "$(jget "sorted(set(e['event'] for e in j['data']) & {'wallet.created','session.created','session.renewed','session.revoked','auth.master_failed','auth.session_failed'})")" = "['auth.master_failed', 'auth.session_failed', 'session.created', 'session.renewed', 'session.revoked', 'wallet.created']" ]
check "no secret in the audit log" \
    sh -c "! grep -q '$WAIAAS_MASTER_PASSWORD' '$T_TMP/body'"

# Edit one row behind the daemon's back.
kill -TERM "$DPID"; wait_gone "$DPID" 2000
sqlite3 "$DATA/data/waiaas.db" \
    "UPDATE audit_log SET details = '{\"edited\":true}' WHERE id = 4"
if start_daemon; then
	code=$(http_code -H "$M" "$(U /v1/audit-logs/verify)")
	check "an edited entry breaks the chain ($code)" \
	    [ "$code $(jget "j['valid']")" = "200 False" ]
	check "... at exactly that entry (4)" [ "$(jget "j['firstBrokenId']")" = 4 ]
	check "... saying it was edited" grep -q 'was edited' "$T_TMP/body"
	kill -TERM "$DPID"; wait_gone "$DPID" 2000
fi
sqlite3 "$DATA/data/waiaas.db" "DELETE FROM audit_log WHERE id = 4"
if start_daemon; then
	http_code -H "$M" "$(U /v1/audit-logs/verify)" >/dev/null
	check "a removed entry is found at the next one (5)" \
	    [ "$(jget "str(j['valid']) + str(j['firstBrokenId'])")" = False5 ]
else
	notok "restart"; cat "$LOG"
fi

# The master password lockout: the 10th wrong try in a minute locks.  The
# wrong password of the mixed operations above counts (failures are kept
# across the restarts): the 9th here is the 10th.
codes=""
t0=$(date +%s%N)
for i in 1 2 3 4 5 6 7 8 9 10; do
	codes="$codes$(http_code -H "X-Master-Password: wrong-$i" "$(U /v1/wallets)") "
done
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
check "eight 401s, then 429 on the 9th and after ($codes)" \
    [ "$codes" = "401 401 401 401 401 401 401 401 429 429 " ]
# 100 + 200 + 400 + 5 x 500 ms of back-off before the lock
check "wrong passwords are answered ever more slowly ($ms ms)" \
    [ "$ms" -ge 2500 ]
check "429 is MASTER_PASSWORD_LOCKED, not retryable (the reference's table)" \
    [ "$(jget "j['code'] + str(j['retryable'])")" = MASTER_PASSWORD_LOCKEDFalse ]
ra=$(curl -s -D - -o /dev/null -H "$M" "$(U /v1/wallets)" | tr -d '\r' |
    awk -F': ' 'tolower($1) == "retry-after" { print $2 }')
check "during the lock even the right password gets 429 with Retry-After ($ra)" \
    [ -n "$ra" ] && [ "$ra" -ge 1 ]
sleep 3.2
code=$(http_code -H "$M" "$(U /v1/wallets)")
check "once the lock passes the right password works ($code)" [ "$code" = 200 ]
kill -TERM "$DPID"; wait_gone "$DPID" 2000; DPID=""
check "no sanitizer reports" no_sanitizer_reports
