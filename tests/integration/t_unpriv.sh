#!/bin/sh
# Started as a normal user: the same five processes and seccomp filters,
# one uid for all, no chroot, and a loud warning in the log and /health.
. tests/integration/lib.sh

NOBODY=65534
bins_for_others
DATA=$T_TMP/user-data
mkdir -p "$DATA"
chown $NOBODY:$NOBODY "$DATA"
start_daemon setpriv --reuid=$NOBODY --regid=$NOBODY --clear-groups ||
    cannot_run "daemon starts as an unprivileged user"
ok "daemon starts as an unprivileged user"

code=$(http_code "http://127.0.0.1:$PORT/health")
check "/health is 200" [ "$code" = 200 ]
check "/health reports degraded privilege separation" \
    [ "$(json_get "$T_TMP/body" "j['privsep']['mode']")" = degraded ]
check "/health carries a warning" \
    [ -n "$(json_get "$T_TMP/body" "j['privsep']['warning']")" ]
check "/health says uid separation is off" \
    [ "$(json_get "$T_TMP/body" "j['privsep']['uidSeparation']")" = False ]
check "the log warns about degraded mode" grep -q 'DEGRADED' "$LOG"
check "each child warns too" \
    [ "$(grep -c 'degraded privilege separation' "$LOG")" -ge 5 ]

kids=$(children_of "$DPID")
check "five children" [ "$(echo "$kids" | wc -l)" = 5 ]
for k in $kids; do
	r=$(role_of "$k")
	set -- $(status_field "$k" Uid)
	check "$r: runs as the invoking user" [ "$1" = $NOBODY ]
	check "$r: Seccomp 2 even unprivileged" \
	    [ "$(status_field "$k" Seccomp)" = 2 ]
	check "$r: NoNewPrivs 1" [ "$(status_field "$k" NoNewPrivs)" = 1 ]
	check "$r: no effective capability" \
	    [ "$(status_field "$k" CapEff)" = 0000000000000000 ]
done
check "data directory is 700" [ "$(stat -c %a "$DATA")" = 700 ]
check "no empty/ chroot directory is made" [ ! -e "$DATA/empty" ]

kill -TERM "$DPID"
check "SIGTERM stops it within 2 s" wait_gone "$DPID" 2000
check "no sanitizer reports" no_sanitizer_reports
DPID=""
