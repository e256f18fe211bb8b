#!/bin/sh
# Without -d the daemon detaches, logs through syslog, and children's
# log lines reach the parent through a pipe (no file or socket of their
# own).
. tests/integration/lib.sh

PORT=$(free_port)
DATA=$T_TMP/bg
WAIAAS_DATA_DIR=$DATA WAIAAS_DAEMON_PORT=$PORT "$WAIAASD" > "$T_TMP/out" 2>&1
st=$?
check "the starting command returns 0 once detached ($st)" [ $st = 0 ]
# Lines logged after detaching go to syslog: with no syslog listening
# (a minimal system, a container) the start says they will be lost.
if [ -w /dev/log ]; then
	check "a syslog listens: no warning about a lost log" \
	    sh -c "! grep -q 'no syslog' '$T_TMP/out'"
else
	check "no syslog at /dev/log: the start warns that the log is lost" \
	    grep -q "no syslog listens on /dev/log.*foreground" "$T_TMP/out"
fi
i=0
while [ $i -lt 100 ] && ! curl -s -o /dev/null "http://127.0.0.1:$PORT/health"; do
	sleep 0.05; i=$((i + 1))
done
code=$(http_code "http://127.0.0.1:$PORT/health")
check "/health is 200 in daemon mode" [ "$code" = 200 ]
DPID=$(for p in $(daemons_of "$DATA"); do
	[ "$(tr '\0' ' ' < "/proc/$p/cmdline")" = "$WAIAASD " ] && echo "$p"
done | head -n 1)
check "the detached parent is found" [ -n "$DPID" ]
if [ -n "$DPID" ]; then
	check "the parent has no controlling terminal (session leader)" \
	    [ "$(ps -o sid= -p "$DPID" | tr -d ' ')" = "$DPID" ]
	for k in $(children_of "$DPID"); do
		r=$(role_of "$k")
		check "$r: stderr is a pipe to the parent" \
		    sh -c "readlink /proc/$k/fd/2 | grep -q '^pipe:'"
	done
	kill -TERM "$DPID"
	check "SIGTERM stops the detached daemon" wait_gone "$DPID" 2000
fi
DPID=""
