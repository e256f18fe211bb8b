#!/bin/sh
# The master-password lockout survives a restart: ten wrong passwords
# lock masterAuth; the daemon killed at once (SIGKILL) and started again
# on the same data directory still refuses the right password, with 429
# and Retry-After, until the lock ends, and accepts it after.  Failures
# are kept too: nine wrong, a restart, one more within the minute locks.
. tests/integration/lib.sh

# Long enough that a SIGKILL and a start-up under ASan on a busy
# machine fit well inside it.
LOCK=12
export WAIAAS_SECURITY_MASTER_LOCK_SECONDS=$LOCK
DATA=$T_TMP/data
M="X-Master-Password: $WAIAAS_MASTER_PASSWORD"
U() { echo "http://127.0.0.1:$PORT$1"; }

# wrong N: N wrong passwords, one after the other; prints the codes.
wrong() {
	i=0
	while [ $i -lt "$1" ]; do
		i=$((i + 1))
		printf '%s ' "$(http_code -H "X-Master-Password: wrong-$i" \
		    "$(U /v1/wallets)")"
	done
}
# restart SIGNAL: stop the daemon and its children, start it again.
restart() {
	kids=$(children_of "$DPID")
	kill "-$1" "$DPID"
	wait_gone "$DPID" 5000
	for k in $kids; do wait_gone "$k" 5000; done
	DPID=""
	start_daemon
}
retry_after() {
	curl -s -D - -o /dev/null -H "$M" "$(U /v1/wallets)" | tr -d '\r' |
	    awk -F': ' 'tolower($1) == "retry-after" { print $2 }'
}

start_daemon || cannot_run "daemon starts"
code=$(http_code -H "$M" "$(U /v1/wallets)")
check "the right password works at first ($code)" [ "$code" = 200 ]
codes=$(wrong 10)
t_lock=$(date +%s)
check "nine 401s, then 429 on the 10th ($codes)" \
    [ "$codes" = "401 401 401 401 401 401 401 401 401 429 " ]

# SIGKILL right after the answer: the lock was committed before it.
restart KILL || cannot_run "daemon starts again"
code=$(http_code -H "$M" "$(U /v1/wallets)")
check "after a restart the right password is still refused ($code)" \
    [ "$code" = 429 ]
check "as MASTER_PASSWORD_LOCKED, not retryable as in the reference's table ($(cat "$T_TMP/body"))" \
    [ "$(jget "j['code'] + str(j['retryable'])")" = MASTER_PASSWORD_LOCKEDFalse ]
ra=$(retry_after)
left=$((t_lock + LOCK - $(date +%s)))
check "with Retry-After for what is left of the lock ($ra, ~$left s)" \
    [ "${ra:-0}" -ge 1 -a "${ra:-0}" -le $LOCK ]
check "the restart logs the lock it kept" wait_log 'kept across the restart'
while [ "$(date +%s)" -le $((t_lock + LOCK)) ]; do sleep 0.2; done
code=$(http_code -H "$M" "$(U /v1/wallets)")
check "once the lock ends the right password works ($code)" [ "$code" = 200 ]

# Nine failures, a restart (SIGTERM this time), one more: locked.
codes=$(wrong 9)
check "nine wrong passwords: nine 401s ($codes)" \
    [ "$codes" = "401 401 401 401 401 401 401 401 401 " ]
restart TERM || cannot_run "daemon starts a third time"
codes=$(wrong 1)
t_lock=$(date +%s)
check "one more after the restart locks ($codes)" [ "$codes" = "429 " ]
code=$(http_code -H "$M" "$(U /v1/wallets)")
check "and the right password is refused ($code)" [ "$code" = 429 ]

# The lock is in the store, and nothing else of the password is.
row=$(python3 -c '
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
print(db.execute("select count(*) from master_lock where locked_until > strftime(\"%s\", \"now\")").fetchone()[0])
' "$DATA/data/waiaas.db" 2>&1)
check "policyd's store holds the lock ($row)" [ "$row" = 1 ]
# until the lock is over (the clock read after the locking answer)
while [ "$(date +%s)" -le $((t_lock + LOCK)) ]; do sleep 0.2; done
code=$(http_code -H "$M" "$(U /v1/audit-logs/verify)")
check "after the lock the audit trail verifies ($code)" \
    [ "$code $(jget "j['valid']")" = "200 True" ]
kill -TERM "$DPID"; wait_gone "$DPID" 2000; DPID=""
check "no sanitizer reports" no_sanitizer_reports
