#!/bin/sh
# Started as root: six processes, each child with its own uid and gid,
# no capability, no_new_privs, seccomp filter mode, chroot; the parent
# keeps no capability; /health reports full separation.
. tests/integration/lib.sh

if [ "$(id -u)" != 0 ]; then
	echo "skip - t_privsep needs root"
	exit 0
fi

start_daemon || cannot_run "daemon starts as root"
ok "daemon starts as root and answers /health"

code=$(http_code "http://127.0.0.1:$PORT/health")
check "/health is 200" [ "$code" = 200 ]
check "/health reports full privilege separation" \
    [ "$(json_get "$T_TMP/body" "j['privsep']['mode']")" = full ]
check "/health status ok" [ "$(json_get "$T_TMP/body" "j['status']")" = ok ]
check "/health has version and uptime" \
    [ -n "$(json_get "$T_TMP/body" "j['version'] + str(int(j['uptime']))")" ]

kids=$(children_of "$DPID")
check "five children" [ "$(echo "$kids" | wc -l)" = 5 ]
roles=$(for k in $kids; do role_of "$k"; done | sort | tr '\n' ' ')
check "one child per role ($roles)" [ "$roles" = "api fetch policyd relay signer " ]
check "ps names each child \"waiaasd: ROLE\" and no other word" \
    [ "$(for k in $kids; do ps -o args= -p "$k"; done | sort | tr '\n' ,)" = \
    "waiaasd: api,waiaasd: fetch,waiaasd: policyd,waiaasd: relay,waiaasd: signer," ]
check "every process's name (comm) is waiaasd, none \"exe\"" \
    [ "$(for k in $DPID $kids; do cat "/proc/$k/comm"; done | sort -u)" = waiaasd ]

uids=""
for k in $kids; do
	r=$(role_of "$k")
	u=$(status_field "$k" Uid)
	g=$(status_field "$k" Gid)
	set -- $u
	check "$r: real, effective, saved, fs uid equal and non-zero ($u)" \
	    [ "$1" != 0 -a "$1" = "$2" -a "$2" = "$3" -a "$3" = "$4" ]
	uids="$uids $1"
	set -- $g
	check "$r: gid non-zero and equal ($g)" \
	    [ "$1" != 0 -a "$1" = "$2" -a "$2" = "$3" -a "$3" = "$4" ]
	for f in CapEff CapPrm CapBnd CapInh CapAmb; do
		check "$r: $f is zero" \
		    [ "$(status_field "$k" $f)" = 0000000000000000 ]
	done
	check "$r: NoNewPrivs 1" [ "$(status_field "$k" NoNewPrivs)" = 1 ]
	check "$r: Seccomp 2 (filter)" [ "$(status_field "$k" Seccomp)" = 2 ]
	root=$(readlink "/proc/$k/root")
	if [ "$r" = policyd ]; then
		check "$r: chrooted to the database directory ($root)" \
		    [ "$root" = "$DATA/data" ]
	else
		check "$r: chrooted to an empty directory ($root)" \
		    [ "$root" = "$DATA/empty" ]
	fi
	check "$r: not dumpable (owned by root in /proc)" \
	    [ "$(stat -c %u "/proc/$k/mem")" = 0 ]
	check "$r: no core files" \
	    grep -qE '^Max core file size +0 +0' "/proc/$k/limits"
done
distinct=$(echo $uids | tr ' ' '\n' | sort -u | wc -l)
check "every child has its own uid ($uids)" [ "$distinct" = 5 ]

pu=$(status_field "$DPID" Uid)
set -- $pu
shared=no
echo "$uids" | grep -qw "$1" && shared=yes
check "parent dropped to its own uid ($pu)" \
    [ "$1" != 0 -a "$1" = "$3" -a $shared = no ]
for f in CapEff CapPrm CapBnd CapAmb; do
	check "parent: $f is zero" \
	    [ "$(status_field "$DPID" $f)" = 0000000000000000 ]
done

check "data/ belongs to policyd, mode 700" \
    [ "$(stat -c '%a %u' "$DATA/data")" = "700 $(for k in $kids; do [ "$(role_of $k)" = policyd ] && status_field $k Uid | awk '{print $1}'; done)" ]
check "keystore/ belongs to the parent's uid, mode 700" \
    [ "$(stat -c '%a %u' "$DATA/keystore")" = "700 $1" ]
check "empty/ is root-owned and read-only" \
    [ "$(stat -c '%a %u' "$DATA/empty")" = "555 0" ]

kill -TERM "$DPID"
check "SIGTERM stops the daemon within 2 s" wait_gone "$DPID" 2000
wait "$DPID" 2>/dev/null
check "exit status 0 after SIGTERM" [ $? = 0 ]
for k in $kids; do
	check "child $k gone after SIGTERM" wait_gone "$k" 500
done
check "log says stopped" grep -q 'parent.*stopped' "$LOG"
check "no sanitizer reports" no_sanitizer_reports
