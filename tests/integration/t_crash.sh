#!/bin/sh
# Killing any one child ends the whole daemon within 1 s, with the child
# named in the log and a non-zero exit status; none is left behind.
. tests/integration/lib.sh

for role in api policyd signer relay; do
	DATA=$T_TMP/data-$role
	if ! start_daemon; then
		notok "$role: daemon starts"; cat "$LOG"; continue
	fi
	victim=""
	kids=$(children_of "$DPID")
	for k in $kids; do
		[ "$(role_of "$k")" = "$role" ] && victim=$k
	done
	if [ -z "$victim" ]; then
		notok "$role: found the child"; continue
	fi
	kill -KILL "$victim"
	check "$role killed: daemon gone within 1 s" wait_gone "$DPID" 1000
	wait "$DPID" 2>/dev/null
	st=$?
	check "$role killed: exit status non-zero ($st)" [ "$st" != 0 ]
	check "$role killed: log names $role and SIGKILL" \
	    grep -q "$role (pid $victim) terminated by SIGKILL" "$LOG"
	left=0
	for k in $kids; do
		wait_gone "$k" 500 || left=$((left + 1))
	done
	check "$role killed: no child left behind" [ $left = 0 ]
	check "$role killed: no sanitizer reports" no_sanitizer_reports
	DPID=""
done

# Killing the parent with SIGKILL takes every child with it
# (parent-death signal), so nothing keeps the keys or the port.
DATA=$T_TMP/data-parent
if start_daemon; then
	kids=$(children_of "$DPID")
	kill -KILL "$DPID"
	wait "$DPID" 2>/dev/null
	left=0
	for k in $kids; do
		wait_gone "$k" 1000 || left=$((left + 1))
	done
	check "parent killed: every child dies with it" [ $left = 0 ]
	DPID=""
else
	notok "parent-kill case: daemon starts"
fi
