#!/bin/sh
# The api's JSON-RPC client (common/rpc.c) through the chain driver, against
# anvil directly and through the fault proxy (tests/node/rpc_fault.js):
# answers, transport errors, timeouts, garbage, bodies too big, HTTP
# errors with and without recovery by retries, JSON-RPC errors, names
# found through the resolve entry, TLS, and the same under the api's
# seccomp filter.
. tests/integration/lib.sh

DRIVER=$PWD/$BUILD/tests/chain_driver
# Leaks count here: the driver frees everything before it exits.
DRV_ASAN="detect_leaks=1:abort_on_error=0:allocator_may_return_null=1"

if [ ! -x "$DRIVER" ]; then
	notok "no $DRIVER (make $BUILD/tests/chain_driver)"
	exit 0
fi
# Where LeakSanitizer cannot run (no ptrace), do without it.
if ASAN_OPTIONS=$DRV_ASAN "$DRIVER" 2>&1 >/dev/null |
    grep -q "LeakSanitizer has encountered a fatal error"; then
	DRV_ASAN="detect_leaks=0"
fi

# The system's python, not a version manager's shim (0.2 s a start).
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
OUT=$T_TMP/out
ERR=$T_TMP/err
: > "$T_TMP/stderr.all"

# drv ARGS...: run the driver (env from the caller); stdout in $OUT,
# exit status in $RC, elapsed milliseconds in $MS.
drv() {
	t0=$(date +%s%N)
	ASAN_OPTIONS=${DRV_ASAN_OPTIONS:-$DRV_ASAN} \
	    CHAIN_DRIVER_TIMEOUT_MS=${TMO:-2000} \
	    CHAIN_DRIVER_RETRIES=${RETRIES:-1} \
	    "$DRIVER" "$@" >"$OUT" 2>"$ERR"
	RC=$?
	MS=$(( ($(date +%s%N) - t0) / 1000000 ))
	cat "$ERR" >> "$T_TMP/stderr.all"
}

# j EXPR: a Python expression over the driver's JSON line j.
j() {
	$PY -c 'import json,sys
j = json.loads(open(sys.argv[1]).readline())
print(eval("(" + sys.argv[2] + ")"))' "$OUT" "$1" 2>/dev/null
}

# is EXPR: the expression holds for the driver's line, and it exited 0.
is() {
	[ "$RC" = 0 ] && [ "$(j "$1")" = True ]
}

# start_fault UPSTREAM [args...]: sets FAULT, FAULT_PORT.
start_fault() {
	f=$T_TMP/fault.$(date +%s%N)
	up=$1
	shift
	node_bin tests/node/rpc_fault.js --upstream "$up" --port 0 "$@" \
	    >"$f" 2>&1 &
	PEER_PIDS="${PEER_PIDS:-} $!"
	n=0
	while [ $n -lt 100 ]; do
		FAULT_PORT=$(sed -n 's/^listening \([0-9]*\)$/\1/p' "$f")
		if [ -n "$FAULT_PORT" ]; then
			FAULT=http://127.0.0.1:$FAULT_PORT
			return 0
		fi
		sleep 0.05
		n=$((n + 1))
	done
	return 1
}

fault() {
	curl -s -o /dev/null -X POST --data "$1" "$FAULT/__fault"
}

# calls_of METHOD: how many calls of METHOD the proxy saw.
calls_of() {
	curl -s "$FAULT/__stats" | $PY -c 'import json,sys
print(json.load(sys.stdin)["calls"].get(sys.argv[1], 0))' "$1"
}
# unsent: "N BYTES", the answers the proxy never (fully) sent because
# the client went away first, and the bytes of huge bodies left then.
unsent() {
	curl -s "$FAULT/__stats" | $PY -c 'import json,sys
j = json.load(sys.stdin)
print(j["unsent"], j["unsentBytes"])'
}

reset_fault() {
	curl -s -o /dev/null -X POST "$FAULT/__reset"
}

# maxrss ARGS...: the driver's peak RSS in KiB.
maxrss() {
	ASAN_OPTIONS=$DRV_ASAN $PY -c 'import resource,subprocess,sys
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)' \
	    "$DRIVER" "$@"
}

start_anvil
ANVIL_PORT=${ANVIL_URL##*:}
start_fault "$ANVIL_URL" ||
    peer_missing "tests/node/rpc_fault.js" "it did not start"

# --- answers -------------------------------------------------------------
drv rpc "$ANVIL_URL" eth_chainId
check "eth_chainId answers 0x7a69" is 'j["result"] == "0x7a69"'

drv rpc "$ANVIL_URL" eth_getBalance \
    '["0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266","latest"]'
check "eth_getBalance with params answers" \
    is 'int(j["result"], 16) > 0'

drv rpc "http://localhost:$ANVIL_PORT" eth_chainId
check "a host name works through the resolve entry" \
    is 'j["result"] == "0x7a69"'

drv rpc "$FAULT" eth_blockNumber
check "the fault proxy passes calls through" \
    is 'j["result"].startswith("0x")'

drv rpc "$ANVIL_URL" no_suchMethod
check "a JSON-RPC error object is kind rpc with code and message" \
    is 'j["error"]["kind"] == "rpc" and j["error"]["code"] == -32601 and
	len(j["error"]["message"]) > 0 and not j["error"]["retryable"]'

fault '{"mode":"error","code":-32000,"message":"bad\nthing \u00e9\u0007",
    "data":{"why":1},"count":1}'
drv rpc "$FAULT" eth_blockNumber
check "a node's message keeps printable ASCII only; data comes along" \
    is 'j["error"]["message"] == "bad?thing ???" and
	j["error"]["data"] == {"why": 1}'

# --- the parent's look-ups ----------------------------------------------
drv resolve "http://localhost:$ANVIL_PORT/k/SECRETKEY123"
check "a look-up makes the resolve entry host:port:addresses" \
    is 'j["resolve"].startswith("localhost:'$ANVIL_PORT':") and
	"127.0.0.1" in j["resolve"]'
drv resolve "http://localhost:$ANVIL_PORT" 2000
check "a bounded look-up (the built-in endpoints') gives the same entry" \
    is 'j["resolve"].startswith("localhost:'$ANVIL_PORT':") and
	j["ms"] < 2000'
drv resolve "https://waiaas-no-such-host-$$.invalid/k/SECRETKEY123" 1
check "a bounded look-up gives up within its bound whatever DNS does" \
    is '(j.get("stalled") is True and "did not answer within 1 ms" in
	j["error"] or "cannot resolve" in j.get("error", "")) and j["ms"] < 1500'
check "a look-up that fails never quotes the URL" \
    sh -c "! grep -q SECRETKEY123 '$OUT' '$ERR'"

# --- endpoints refused before any connection ---------------------------
CHAIN_DRIVER_RESOLVE= drv rpc "http://localhost:$ANVIL_PORT" eth_chainId
check "an endpoint without a resolve entry is refused, not retried" \
    is 'j["error"]["kind"] == "transport" and
	not j["error"]["retryable"] and
	"host name is not resolved" in j["error"]["message"]'

CHAIN_DRIVER_RESOLVE="elsewhere:$ANVIL_PORT:127.0.0.1" \
    drv rpc "http://localhost:$ANVIL_PORT" eth_chainId
check "a resolve entry for another host is refused" \
    is 'j["error"]["kind"] == "transport" and
	not j["error"]["retryable"]'

drv rpc "ftp://localhost:$ANVIL_PORT/k/SECRETKEY123" eth_chainId
check "a URL that is not http(s) gets no resolve entry" [ "$RC" = 2 ]
CHAIN_DRIVER_RESOLVE="localhost:21:127.0.0.1" \
    drv rpc "ftp://localhost:21/k/SECRETKEY123" eth_chainId
check "a URL that is not http(s) is refused by the client" \
    is 'j["error"]["kind"] == "transport" and
	not j["error"]["retryable"] and "http" in j["error"]["message"]'
CHAIN_DRIVER_DEBUG=1 drv rpc "http://127.0.0.1:1/k/SECRETKEY123" eth_chainId
check "the URL (an API key in it) is in no message or log line" \
    sh -c '! grep -q SECRETKEY123 "$1" "$2"' sh "$OUT" "$ERR"

# --- transport errors, timeouts, garbage -------------------------------
DOWN=$(free_port)
TMO=30000 drv rpc "http://127.0.0.1:$DOWN" eth_chainId
check "endpoint down: a retryable transport error after 2 attempts" \
    is 'j["error"]["kind"] == "transport" and j["error"]["retryable"]
	and "2 attempts" in j["error"]["message"]'
# Refused at once: with a 30 s timeout, any wait on it would show.
check "endpoint down: at once, no timeout waited ($MS ms)" [ "$MS" -lt 30000 ]

fault '{"mode":"reset"}'
drv rpc "$FAULT" eth_blockNumber
check "connection reset: a retryable transport error" \
    is 'j["error"]["kind"] == "transport" and j["error"]["retryable"]'

reset_fault
fault '{"mode":"slow","ms":30000}'
TMO=400 RETRIES=1 drv rpc "$FAULT" eth_blockNumber
check "slow beyond the timeout: a retryable timeout error" \
    is 'j["error"]["kind"] == "timeout" and j["error"]["retryable"]'
# Each attempt gave up on its own (the proxy still held both answers,
# 30 s away, when the client left), after at least its 400 ms.
U=$(unsent)
check "slow: two attempts of 400 ms, not the node's 30 s ($(calls_of eth_blockNumber) calls, $U unsent, $MS ms)" \
    [ "$(calls_of eth_blockNumber) ${U% *} $((MS >= 800 && MS < 30000))" = "2 2 1" ]

fault '{"mode":"hang_after_forward","ms":5000}'
TMO=400 RETRIES=0 drv rpc "$FAULT" eth_blockNumber
check "an answer that never comes: timeout" \
    is 'j["error"]["kind"] == "timeout"'

fault '{"mode":"garbage"}'
drv rpc "$FAULT" eth_blockNumber
check "garbage: kind garbage, not retried" \
    is 'j["error"]["kind"] == "garbage" and not j["error"]["retryable"]'
reset_fault
fault '{"mode":"garbage"}'
drv rpc "$FAULT" eth_blockNumber
N=$(calls_of eth_blockNumber)
check "garbage: one attempt only ($N)" [ "$N" = 1 ]

# --- bodies over the bound ---------------------------------------------
reset_fault
BASE_RSS=$(maxrss rpc "$FAULT" eth_chainId)
fault '{"mode":"huge","bytes":67108864}'
drv rpc "$FAULT" eth_blockNumber
check "64 MiB streamed: toobig, not retried" \
    is 'j["error"]["kind"] == "toobig" and not j["error"]["retryable"]'
U=$(unsent)
HUGE_RSS=$(maxrss rpc "$FAULT" eth_blockNumber)
check "64 MiB streamed: RSS grows by under 16 MiB ($BASE_RSS -> $HUGE_RSS KiB)" \
    [ $((HUGE_RSS - BASE_RSS)) -lt 16384 ]
# What the proxy had left to send when the driver hung up: most of it.
check "64 MiB streamed: the driver stopped reading early (unsent: $U bytes)" \
    [ "${U#* }" -ge 33554432 ]
fault '{"mode":"huge","bytes":67108864,"contentLength":true}'
drv rpc "$FAULT" eth_blockNumber
check "64 MiB announced by Content-Length: toobig" \
    is 'j["error"]["kind"] == "toobig"'
fault '{"mode":"huge","bytes":2000}'
CHAIN_DRIVER_MAX_RESPONSE=1000 drv rpc "$FAULT" eth_blockNumber
check "the bound is CHAIN_DRIVER_MAX_RESPONSE" \
    is 'j["error"]["kind"] == "toobig" and "1000" in j["error"]["message"]'
fault '{"mode":"huge","bytes":900}'
CHAIN_DRIVER_MAX_RESPONSE=1000 drv rpc "$FAULT" eth_blockNumber
check "a body under the bound is read whole" \
    is 'len(j["result"]) > 800'

# --- HTTP errors and retries -------------------------------------------
reset_fault
fault '{"mode":"status","code":503,"count":2}'
RETRIES=2 drv rpc "$FAULT" eth_blockNumber
check "503 twice, then pass: retries recover" \
    is 'j["result"].startswith("0x")'
N=$(calls_of eth_blockNumber)
check "503 twice, then pass: the proxy saw 3 calls ($N)" [ "$N" = 3 ]

fault '{"mode":"status","code":503}'
drv rpc "$FAULT" eth_blockNumber
check "503 forever: a retryable http error with the status" \
    is 'j["error"]["kind"] == "http" and j["error"]["code"] == 503 and
	j["error"]["retryable"]'

fault '{"mode":"status","code":429}'
RETRIES=0 drv rpc "$FAULT" eth_blockNumber
check "429: retryable" \
    is 'j["error"]["code"] == 429 and j["error"]["retryable"]'

reset_fault
fault '{"mode":"status","code":404}'
RETRIES=3 drv rpc "$FAULT" eth_blockNumber
check "404: not retryable, one attempt" \
    is 'j["error"]["code"] == 404 and not j["error"]["retryable"] and
	"attempts" not in j["error"]["message"]'

# --- plain GET: the price endpoint's transport (rpc_get) ----------------
reset_fault
fault '{"mode":"result","result":{"ethereum":{"usd":2000}}}'
drv get "http://localhost:$FAULT_PORT/k/SECRETKEY123/simple/price?ids=a"
check "GET through a host name: the body comes back as sent" \
    is '"\"ethereum\":{\"usd\":2000}" in j["body"]'
fault '[{"mode":"status","code":503,"count":2},
    {"mode":"result","result":{"ethereum":{"usd":1}}}]'
RETRIES=2 drv get "$FAULT/simple/price"
check "GET: 503 twice, then an answer: retries recover" \
    is '"usd" in j["body"]'
fault '{"mode":"garbage"}'
drv get "$FAULT/simple/price"
check "GET: the body is not judged (garbage comes back)" \
    is '"Bad Gateway" in j["body"]'
fault '{"mode":"status","code":404}'
RETRIES=3 drv get "$FAULT/simple/price"
check "GET: 404 is an http error, not retried" \
    is 'j["error"]["code"] == 404 and not j["error"]["retryable"]'
fault '{"mode":"huge","bytes":2000}'
CHAIN_DRIVER_MAX_RESPONSE=1000 drv get "$FAULT/simple/price"
check "GET: a body over the bound is toobig" \
    is 'j["error"]["kind"] == "toobig"'
fault '{"mode":"slow","ms":3000}'
TMO=300 RETRIES=0 drv get "$FAULT/simple/price"
check "GET: timeout" is 'j["error"]["kind"] == "timeout"'
DOWN=$(free_port)
CHAIN_DRIVER_DEBUG=1 drv get "http://127.0.0.1:$DOWN/k/SECRETKEY123/p"
check "GET: down is a retryable transport error" \
    is 'j["error"]["kind"] == "transport" and j["error"]["retryable"]'
check "GET: the URL (an API key in it) is in no message or log line" \
    sh -c '! grep -q SECRETKEY123 "$1" "$2"' sh "$OUT" "$ERR"
fault '{"mode":"result","result":{"x":1}}'
DRV_ASAN_OPTIONS="detect_leaks=0" CHAIN_DRIVER_SANDBOX=1 \
    drv get "http://localhost:$FAULT_PORT/simple/price"
check "GET sandboxed (api filter): works" is '"x" in j["body"]'

# --- many at once ------------------------------------------------------
reset_fault
# (A timeout far above what 256 answers take on a loaded machine: what
# is counted here is the bound on requests in flight, not the speed.)
TMO=30000 CHAIN_DRIVER_REPEAT=300 drv rpc "$FAULT" eth_chainId
check "300 at once: 256 answered, 44 refused as too many in flight" \
    sh -c '[ "$(grep -c 0x7a69 "$1")" = 256 ] &&
    [ "$(grep -c "too many requests in flight" "$1")" = 44 ]' sh "$OUT"

# --- TLS ---------------------------------------------------------------
TLS=0
if command -v openssl >/dev/null &&
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$T_TMP/key.pem" -out "$T_TMP/cert.pem" -days 2 \
    -subj /CN=localhost -addext "subjectAltName=DNS:localhost" \
    >/dev/null 2>&1; then
	SAVED=$FAULT
	if start_fault "$ANVIL_URL" --tls-cert "$T_TMP/cert.pem" \
	    --tls-key "$T_TMP/key.pem"; then
		TLS_URL=https://localhost:$FAULT_PORT
		TLS=1
	fi
	FAULT=$SAVED
fi
if [ $TLS = 1 ]; then
	CHAIN_DRIVER_CA_FILE=$T_TMP/cert.pem drv rpc "$TLS_URL" eth_chainId
	check "https with the server's CA" is 'j["result"] == "0x7a69"'
	drv rpc "$TLS_URL" eth_chainId
	check "https, the system CAs: verification fails, not retried" \
	    is 'j["error"]["kind"] == "transport" and
		not j["error"]["retryable"]'
else
	notok "openssl makes a test certificate, the TLS peer starts"
	notok "https with the server's CA (not run)"
	notok "https, the system CAs: verification fails, not retried (not run)"
fi

# --- the api's seccomp filter ------------------------------------------
# Sandboxed, the driver ends with _exit(2): no leak check there.
DRV_ASAN_OPTIONS="detect_leaks=0" CHAIN_DRIVER_SANDBOX=1 \
    drv rpc "http://localhost:$ANVIL_PORT" eth_chainId
check "sandboxed (api filter): a name through the resolve entry works" \
    is 'j["result"] == "0x7a69"'
fault '{"mode":"status","code":503,"count":1}'
DRV_ASAN_OPTIONS="detect_leaks=0" CHAIN_DRIVER_SANDBOX=1 \
    drv rpc "$FAULT" eth_chainId
check "sandboxed: a retry after a 503" is 'j["result"] == "0x7a69"'
fault '{"mode":"huge","bytes":67108864}'
DRV_ASAN_OPTIONS="detect_leaks=0" CHAIN_DRIVER_SANDBOX=1 \
    drv rpc "$FAULT" eth_chainId
check "sandboxed: toobig" is 'j["error"]["kind"] == "toobig"'
fault '{"mode":"slow","ms":3000}'
DRV_ASAN_OPTIONS="detect_leaks=0" CHAIN_DRIVER_SANDBOX=1 TMO=300 \
    RETRIES=0 drv rpc "$FAULT" eth_chainId
check "sandboxed: timeout" is 'j["error"]["kind"] == "timeout"'
reset_fault
DRV_ASAN_OPTIONS="detect_leaks=0" CHAIN_DRIVER_SANDBOX=1 \
    drv rpc "http://[::1]:$(free_port)" eth_chainId
check "sandboxed: an IPv6 literal host is never looked up" \
    is 'j["error"]["kind"] == "transport"'
if [ $TLS = 1 ]; then
	DRV_ASAN_OPTIONS="detect_leaks=0" CHAIN_DRIVER_SANDBOX=1 \
	    CHAIN_DRIVER_CA_FILE=$T_TMP/cert.pem drv rpc "$TLS_URL" eth_chainId
	check "sandboxed: https (OpenSSL) works" is 'j["result"] == "0x7a69"'
fi

check "no sanitizer report from the driver" sh -c '! grep -qE \
    "AddressSanitizer|UndefinedBehaviorSanitizer|runtime error:|LeakSanitizer|sandbox:" \
    "$1"' sh "$T_TMP/stderr.all"
