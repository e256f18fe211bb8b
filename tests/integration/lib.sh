# Shared helpers for the integration tests: start the real daemon on a
# free loopback port in a temporary data directory, and count results.
# Each test prints "ok - ..." or "not ok - ..." lines; tests/run.sh
# counts them.

: "${BUILD:=build-test}"
WAIAASD="$PWD/$BUILD/waiaasd"
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=0:allocator_may_return_null=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
# Every daemon in the tests gets a master password and a cheap KDF (the
# default 64 MiB, 3 passes is for real keystores, not for 50 starts).
export WAIAAS_MASTER_PASSWORD="${WAIAAS_MASTER_PASSWORD-test-master-password}"
export WAIAAS_KEYSTORE_KDF_MEMORY_KIB=8192 WAIAAS_KEYSTORE_KDF_PASSES=1
export WAIAAS_KEYSTORE_KDF_LANES=2

T_TMP=$(mktemp -d /tmp/waiaas-test.XXXXXX)
chmod 755 "$T_TMP"
trap 't_cleanup' EXIT

t_cleanup() {
	if [ -n "${DPID:-}" ] && kill -0 "$DPID" 2>/dev/null; then
		kill -KILL "$DPID" 2>/dev/null
	fi
	rm -rf "$T_TMP"
}

ok() { echo "ok - $*"; }
notok() { echo "not ok - $*"; }
check() {	# check "description" command...
	desc=$1; shift
	if "$@"; then ok "$desc"; else notok "$desc"; fi
}

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# start_daemon [runner...]: start in the foreground (-d), log to $LOG.
# Sets DPID (the parent), PORT, DATA, LOG.  Extra env via the caller.
start_daemon() {
	PORT=$(free_port)
	DATA=${DATA:-$T_TMP/data}
	LOG=$T_TMP/daemon.log
	: > "$LOG"
	chmod 666 "$LOG"
	WAIAAS_DATA_DIR=$DATA WAIAAS_DAEMON_PORT=$PORT \
	    "$@" "$WAIAASD" -d >>"$LOG" 2>&1 &
	DPID=$!
	# With a runner (setpriv), $! is the runner, which execs the daemon.
	i=0
	while [ $i -lt 100 ]; do
		# Serving, and the keystore unlocked (the parent says ready).
		if curl -s -o /dev/null "http://127.0.0.1:$PORT/health"; then
			wait_log 'ready on'
			return
		fi
		kill -0 "$DPID" 2>/dev/null || return 1
		sleep 0.05
		i=$((i + 1))
	done
	return 1
}

# children_of PID: the pids of the daemon's children, one per line.
children_of() {
	pgrep -P "$1"
}

role_of() {
	tr '\0' ' ' < "/proc/$1/cmdline" | awk '{ print $3 }'
}

status_field() {	# status_field PID Field -> value(s)
	awk -v f="$2:" '$1 == f { $1 = ""; sub(/^ /, ""); print }' \
	    "/proc/$1/status"
}

# wait_gone PID MS: wait up to MS milliseconds for PID to disappear.  A
# zombie counts as gone: it has ended and waits only for a reaper (an
# orphan's reaper here is pid 1, which takes its time).
wait_gone() {
	n=0
	while [ $n -lt "$2" ]; do
		kill -0 "$1" 2>/dev/null || return 0
		[ "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" = Z ] &&
		    return 0
		sleep 0.02
		n=$((n + 20))
	done
	return 1
}

# wait_log PATTERN: up to 3 s for the daemon's log to show PATTERN.
wait_log() {
	n=0
	while [ $n -lt 150 ]; do
		grep -q -- "$1" "$LOG" && return 0
		sleep 0.02
		n=$((n + 1))
	done
	return 1
}

http_code() {	# http_code [curl args...] -> status code
	curl -s -o "$T_TMP/body" -w '%{http_code}' "$@"
}

json_get() {	# json_get FILE python-expression-on-j
	python3 -c "import json,sys; j=json.load(open(sys.argv[1])); print($2)" "$1"
}

no_sanitizer_reports() {
	! grep -qE 'AddressSanitizer|UndefinedBehaviorSanitizer|runtime error:|LeakSanitizer' "$LOG"
}
