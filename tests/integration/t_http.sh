#!/bin/sh
# The HTTP front end: documented error JSON, method handling, explicit
# limits on body, headers, idle time and connections, and /health under
# concurrency.
. tests/integration/lib.sh

if ! WAIAAS_DAEMON_MAX_CONNECTIONS=8 WAIAAS_DAEMON_REQUEST_TIMEOUT=2 \
    WAIAAS_DAEMON_MAX_BODY_SIZE=4096 WAIAAS_DAEMON_MAX_HEADER_SIZE=4096 \
    start_daemon; then
	cannot_run "daemon starts"
fi
U=http://127.0.0.1:$PORT

code=$(http_code "$U/v1/nothing-here")
check "unknown route is 404" [ "$code" = 404 ]
check "404 body has code NOT_FOUND" \
    [ "$(json_get "$T_TMP/body" "j['code']")" = NOT_FOUND ]
check "404 body has a message" \
    [ -n "$(json_get "$T_TMP/body" "j['message']")" ]
check "404 body has retryable false" \
    [ "$(json_get "$T_TMP/body" "j['retryable']")" = False ]
rid=$(json_get "$T_TMP/body" "j['requestId']")
check "404 body has a UUIDv7 requestId ($rid)" sh -c "echo '$rid' |
    grep -qE '^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$'"
ct=$(curl -s -o /dev/null -w '%{content_type}' "$U/nope")
check "errors are application/json ($ct)" [ "$ct" = application/json ]

code=$(http_code -X POST "$U/health")
check "POST /health is 405" [ "$code" = 405 ]
check "405 code METHOD_NOT_ALLOWED" \
    [ "$(json_get "$T_TMP/body" "j['code']")" = METHOD_NOT_ALLOWED ]
allow=$(curl -s -D - -o /dev/null -X DELETE "$U/health" | tr -d '\r' |
    awk -F': ' 'tolower($1) == "allow" { print $2 }')
check "405 carries Allow: GET ($allow)" [ "$allow" = GET ]
code=$(http_code "$U/health?x=1")
check "a query string does not change the route: /health's 400 naming x" \
    [ "$code $(json_get "$T_TMP/body" "j['details']['issues'][0]['path'][0]")" = "400 x" ]

code=$(http_code -X TRACE "$U/health")
check "a method outside the API is 501 ($code)" [ "$code" = 501 ]
check "501 is JSON NOT_IMPLEMENTED" \
    [ "$(json_get "$T_TMP/body" "j['code']")" = NOT_IMPLEMENTED ]

head -c 8192 /dev/zero | tr '\0' a > "$T_TMP/big"
code=$(http_code -X POST --data-binary @"$T_TMP/big" "$U/health")
check "a body over max_body_size is refused with 413 ($code)" [ "$code" = 413 ]
check "413 is JSON PAYLOAD_TOO_LARGE" \
    [ "$(json_get "$T_TMP/body" "j['code']")" = PAYLOAD_TOO_LARGE ]
# A 10 MB body is refused from its headers, and the 413 reaches the
# client (no RST under its upload): with Expect: 100-continue (curl's
# default for big bodies) and without, five times each.
head -c 10485760 /dev/zero | tr '\0' ' ' > "$T_TMP/10mb"
for x in "Expect: 100-continue" "Expect:"; do
	n=0 j=0
	for i in 1 2 3 4 5; do
		code=$(http_code -X POST -H "$x" -H 'Content-Type: application/json' \
		    --data-binary @"$T_TMP/10mb" "$U/v1/wallets")
		[ "$code" = 413 ] || continue
		n=$((n + 1))
		[ "$(json_get "$T_TMP/body" "j['code']" 2>/dev/null)" = \
		    PAYLOAD_TOO_LARGE ] && j=$((j + 1))
	done
	check "curl, 10 MB body, '$x': 413 five times of five ($n)" [ "$n" = 5 ]
	check "... JSON PAYLOAD_TOO_LARGE each time ($j)" [ "$j" = 5 ]
done
python3 - "$PORT" > "$T_TMP/py413" 2>&1 <<'PY'
import json, socket, sys, time
port = int(sys.argv[1])
body = b" " * (10 * 1024 * 1024)
# A client that sends all of its body before it reads anything.
s = socket.create_connection(("127.0.0.1", port))
s.settimeout(10)
try:
    s.sendall(b"POST /v1/wallets HTTP/1.1\r\nHost: x\r\n"
              b"Content-Type: application/json\r\n"
              b"Content-Length: %d\r\n\r\n" % len(body) + body)
    r = b""
    while True:
        d = s.recv(65536)
        if not d:
            break
        r += d
    head, _, b = r.partition(b"\r\n\r\n")
    print("sendall", head.split(b"\r\n")[0].decode(), json.loads(b)["code"])
except OSError as e:
    print("sendall failed", e)
s.close()
# One that never stops sending is cut off: the lingering close is
# bounded in time (2 s) and bytes (16 MiB).
s = socket.create_connection(("127.0.0.1", port))
s.settimeout(1)
s.sendall(b"POST /v1/wallets HTTP/1.1\r\nHost: x\r\n"
          b"Content-Length: 999999999\r\n\r\n")
r = s.recv(65536)
t = time.time()
try:
    while time.time() - t < 8:
        s.send(b"x")
        time.sleep(0.05)
    print("drip open", r[:12])
except OSError:
    print("drip cut", r[:12].decode(), round(time.time() - t, 1))
s.close()
PY
check "a client sending all 10 MB before reading gets the JSON 413" \
    grep -q '^sendall HTTP/1.1 413 .* PAYLOAD_TOO_LARGE' "$T_TMP/py413"
check "one that keeps sending after its 413 is cut off within 3 s" \
    grep -qE '^drip cut HTTP/1.1 413 [0-3]\.' "$T_TMP/py413"
# Expect: 100-continue for a body within the limit: a 100 at once, so
# curl does not wait a second before sending the body.
t=$(curl -s -o "$T_TMP/body" -w '%{http_code} %{time_total}' -X POST \
    -H 'Expect: 100-continue' -H 'Content-Type: application/json' \
    --data-binary '{"name":"x"' "$U/v1/wallets")
check "Expect: 100-continue is answered at once ($t)" \
    sh -c "echo '$t' | grep -qE '^[0-9]+ 0\.[0-7]'"
check "... and the body arrives (a JSON error about it, not 408)" \
    [ "$(json_get "$T_TMP/body" "j['code']")" != REQUEST_TIMEOUT ]
code=$(http_code -H "X-Big: $(head -c 5000 /dev/zero | tr "\\0" b)" "$U/health")
check "headers over max_header_size are refused with 431 ($code)" \
    [ "$code" = 431 ]
check "431 is JSON HEADERS_TOO_LARGE" \
    [ "$(json_get "$T_TMP/body" "j['code']")" = HEADERS_TOO_LARGE ]
code=$(http_code "$U/$(head -c 3000 /dev/zero | tr '\0' c)")
check "a request target over 2048 bytes is 414 ($code)" [ "$code" = 414 ]

python3 - "$PORT" > "$T_TMP/py" 2>&1 <<'PY'
import json, select, socket, sys, time
port = int(sys.argv[1])

def exchange(raw, wait=5):
    s = socket.create_connection(("127.0.0.1", port))
    s.settimeout(wait)
    s.sendall(raw)
    data = b""
    try:
        while True:
            d = s.recv(65536)
            if not d:
                break
            data += d
    except socket.timeout:
        pass
    s.close()
    return data

def status_and_code(resp):
    head, _, body = resp.partition(b"\r\n\r\n")
    st = head.split(b"\r\n")[0].decode(errors="replace")
    try:
        code = json.loads(body)["code"]
    except Exception:
        code = "not-json"
    return st, code

r = exchange(b"\x00\x01 NONSENSE\r\n\r\n")
print("garbage", *status_and_code(r))
r = exchange(b"POST /health HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
print("chunked", *status_and_code(r))
r = exchange(b"POST /health HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nxx")
print("dupcl", *status_and_code(r))
r = exchange(b"GET /health HTTP/1.1\r\n folded: x\r\n\r\n")
print("fold", *status_and_code(r))
r = exchange(b"GET /health HTTP/2.0\r\n\r\n")
print("version", *status_and_code(r))
# Bare LF line endings, whole or mixed with CRLF, or only a request line
# so far: a 400 at once, not silence until the deadline.
for name, raw in (("barelf", b"GET /health HTTP/1.1\nHost: x\n\n"),
                  ("mixedlf", b"GET /health HTTP/1.1\r\nHost: x\n\r\n"),
                  ("lfline", b"GET /health HTTP/1.1\n"),
                  ("barecr", b"GET /health HTTP/1.1\rHost: x\r\n")):
    t = time.time()
    r = exchange(raw, wait=3.5)
    print(name, *status_and_code(r), round(time.time() - t, 1) < 1)
# Host: required in HTTP/1.1, at most one, optional in HTTP/1.0.
r = exchange(b"GET /health HTTP/1.1\r\n\r\n")
print("nohost", *status_and_code(r))
r = exchange(b"GET /health HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n")
print("twohost", *status_and_code(r))
r = exchange(b"GET /health HTTP/1.0\r\nHost: a\r\nhost: a\r\n\r\n")
print("twohost10", *status_and_code(r))
r = exchange(b"GET /health HTTP/1.1\r\nHost: a b\r\n\r\n")
print("badhost", *status_and_code(r))
r = exchange(b"GET /health HTTP/1.1\r\nHost: [::1]:3100\r\n"
             b"Connection: close\r\n\r\n")
print("v6host", r.split(b"\r\n")[0].decode())
# Two pipelined requests in one write get two answers, in order.
r = exchange(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n"
             b"GET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
print("pipeline", r.count(b"HTTP/1.1 200"), r.count(b"HTTP/1.1 404"),
      r.index(b"HTTP/1.1 200") < r.index(b"HTTP/1.1 404"))
# HTTP/1.0 without keep-alive: the server closes after the answer.
t = time.time()
r = exchange(b"GET /health HTTP/1.0\r\n\r\n")
print("http10", r.count(b"HTTP/1.1 200"), round(time.time() - t, 1) < 1.5)
# Keep-alive: three requests on one connection.
s = socket.create_connection(("127.0.0.1", port))
s.settimeout(3)
n = 0
for i in range(3):
    s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
    d = s.recv(65536)
    n += d.startswith(b"HTTP/1.1 200")
s.close()
print("keepalive", n)
# A slow sender (slowloris) is cut off after request_timeout with 408.
s = socket.create_connection(("127.0.0.1", port))
s.settimeout(6)
t = time.time()
s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n")
resp = b""
try:
    for i in range(10):
        time.sleep(0.5)
        if select.select([s], [], [], 0)[0]:
            break	# answered
        s.sendall(b"X-Slow: 1\r\n")
except OSError:
    pass
try:
    while True:
        d = s.recv(65536)
        if not d:
            break
        resp += d
except OSError:
    pass
print("slow", *status_and_code(resp), round(time.time() - t, 1) < 4.5)
# An idle connection is closed by the server after request_timeout.
s = socket.create_connection(("127.0.0.1", port))
s.settimeout(6)
t = time.time()
try:
    d = s.recv(10)
except socket.timeout:
    d = b"timeout"
print("idle", "closed" if d == b"" else repr(d), round(time.time() - t, 1))
s.close()
PY
check "a garbage request line gets JSON 400" \
    grep -q '^garbage HTTP/1.1 400 Bad Request BAD_REQUEST' "$T_TMP/py"
check "chunked bodies are refused with JSON 501" \
    grep -q '^chunked HTTP/1.1 501 .* NOT_IMPLEMENTED' "$T_TMP/py"
check "a repeated Content-Length is refused (smuggling)" \
    grep -q '^dupcl HTTP/1.1 400 .* BAD_REQUEST' "$T_TMP/py"
check "folded header lines are refused" \
    grep -q '^fold HTTP/1.1 400' "$T_TMP/py"
check "HTTP/2.0 on the wire gets 505" \
    grep -q '^version HTTP/1.1 505 .* HTTP_VERSION_NOT_SUPPORTED' "$T_TMP/py"
check "bare LF line endings get JSON 400 at once" \
    grep -q '^barelf HTTP/1.1 400 .* BAD_REQUEST True' "$T_TMP/py"
check "a bare LF among CRLFs gets JSON 400 at once" \
    grep -q '^mixedlf HTTP/1.1 400 .* BAD_REQUEST True' "$T_TMP/py"
check "a request line ending in bare LF gets 400 before the blank line" \
    grep -q '^lfline HTTP/1.1 400 .* BAD_REQUEST True' "$T_TMP/py"
check "a bare CR gets 400 at once" \
    grep -q '^barecr HTTP/1.1 400 .* BAD_REQUEST True' "$T_TMP/py"
check "HTTP/1.1 without Host gets JSON 400" \
    grep -q '^nohost HTTP/1.1 400 .* BAD_REQUEST' "$T_TMP/py"
check "two Host headers get JSON 400" \
    grep -q '^twohost HTTP/1.1 400 .* BAD_REQUEST' "$T_TMP/py"
check "two Host headers get 400 in HTTP/1.0 too" \
    grep -q '^twohost10 HTTP/1.1 400 .* BAD_REQUEST' "$T_TMP/py"
check "a Host with a space gets 400" \
    grep -q '^badhost HTTP/1.1 400 .* BAD_REQUEST' "$T_TMP/py"
check "an IPv6 literal Host with a port is fine" \
    grep -q '^v6host HTTP/1.1 200' "$T_TMP/py"
check "pipelined requests are answered in order" \
    grep -q '^pipeline 1 1 True' "$T_TMP/py"
check "HTTP/1.0 without Host or keep-alive: 200, closed after the answer" \
    grep -q '^http10 1 True' "$T_TMP/py"
check "keep-alive serves three requests on one connection" \
    grep -q '^keepalive 3' "$T_TMP/py"
check "a slow sender gets JSON 408 within the timeout" \
    grep -q '^slow HTTP/1.1 408 .* REQUEST_TIMEOUT True' "$T_TMP/py"
check "an idle connection is closed after request_timeout" \
    grep -qE '^idle closed [2-4]\.' "$T_TMP/py"

# The connection limit: hold many idle connections; the api never holds
# more descriptors than its limit, says so in the log, and recovers.
apid=""
for k in $(children_of "$DPID"); do [ "$(role_of "$k")" = api ] && apid=$k; done
python3 - "$PORT" "$apid" > "$T_TMP/py" 2>&1 <<'PY'
import os, socket, sys, time
port, apid = int(sys.argv[1]), sys.argv[2]
conns = []
for i in range(120):
    try:
        conns.append(socket.create_connection(("127.0.0.1", port), timeout=2))
    except OSError:
        break
time.sleep(0.5)
nfd = len(os.listdir("/proc/%s/fd" % apid))
print("held", len(conns), "api_fds", nfd)
for c in conns:
    c.close()
PY
nfd=$(awk '{ print $4 }' "$T_TMP/py")
check "api holds at most max_connections sockets under 120 connections ($nfd fds)" \
    [ "${nfd:-99}" -le 24 ]
check "the log says the connection limit was reached" \
    grep -q 'connection limit reached' "$LOG"
sleep 0.3
code=$(http_code "$U/health")
check "/health works again after the flood ($code)" [ "$code" = 200 ]

# Concurrent health checks all succeed (batched pings).
seq 1 200 | sed "s|.*|url = \"$U/health\"\\noutput = \"/dev/null\"|" \
    > "$T_TMP/urls"
curl -s --no-progress-meter -Z --parallel-max 6 -K "$T_TMP/urls" -w '%{http_code}\n' \
    > "$T_TMP/codes"
check "200 concurrent /health all 200" \
    [ "$(grep -c '^200$' "$T_TMP/codes")" = 200 ]

kill -TERM "$DPID"
check "SIGTERM stops it" wait_gone "$DPID" 2000
check "no sanitizer reports" no_sanitizer_reports
DPID=""
