#!/bin/sh
# Slow connections from one local client (slowloris) must not take the
# API down: with 1,000 of them open at all times, some trickling a byte
# every few seconds, some never sending anything, /health and a
# masterAuth read still answer within a second, every time, for as long
# as the attack lasts.  Once with the defaults (a high connection limit
# and the head deadline), once with a connection limit below the attack
# and no useful deadline (eviction of the oldest unfinished connection).
. tests/integration/lib.sh

cat > "$T_TMP/slow.py" <<'PY'
import http.client, os, random, selectors, socket, sys, time

port, secs, nconn = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
pw = os.environ["WAIAAS_MASTER_PASSWORD"]
sel = selectors.DefaultSelector()
HEAD = b"GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: "
stats = {"opened": 0, "closed": 0, "r408": 0, "life": [], "trickled": 0}

class Slow:
    def __init__(self, silent):
        self.silent = silent
        self.t0 = time.time()
        self.next = self.t0 + random.uniform(0.5, 3)
        self.pos = 0
        self.buf = b""
        self.s = socket.socket()
        self.s.setblocking(False)
        self.s.connect_ex(("127.0.0.1", port))
        sel.register(self.s, selectors.EVENT_READ, self)
        stats["opened"] += 1

    def tick(self, now):
        if self.silent or now < self.next:
            return
        self.next = now + random.uniform(2, 4)
        # One byte at a time: the head, then an endless header value.
        b = HEAD[self.pos:self.pos + 1] or b"a"
        self.pos += 1
        try:
            self.s.send(b)
            stats["trickled"] += 1
        except OSError:
            pass

    def readable(self):
        try:
            d = self.s.recv(4096)
        except OSError:
            d = b""
        if d:
            self.buf += d
            return True
        if self.buf.startswith(b"HTTP/1.1 408"):
            stats["r408"] += 1
            stats["life"].append(time.time() - self.t0)
        stats["closed"] += 1
        sel.unregister(self.s)
        self.s.close()
        return False

def probe(end):
    probes = []
    while time.time() < end:
        for path, hdr in (("/health", {}),
                          ("/v1/wallets", {"X-Master-Password": pw})):
            t = time.time()
            try:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
                c.request("GET", path, headers=hdr)
                r = c.getresponse()
                r.read()
                st = r.status
                c.close()
            except Exception as e:
                st = type(e).__name__
            probes.append((path, st, time.time() - t))
        time.sleep(0.4)
    for path in ("/health", "/v1/wallets"):
        p = [x for x in probes if x[0] == path]
        ok = [x for x in p if x[1] == 200 and x[2] < 1]
        bad = sorted(set(str(x[1]) for x in p if x[1] != 200))
        print("probe %s n=%d ok=%d worst=%.2f bad=%s" % (path, len(p),
              len(ok), max([x[2] for x in p] or [0]), ",".join(bad) or "-"))

conns = [Slow(i % 4 == 0) for i in range(nconn)]
end = time.time() + secs
# The probes in a process of their own, so the flood's loop does not
# slow them down; they start once the flood has filled the table.
sys.stdout.flush()
pid = os.fork()
if pid == 0:
    time.sleep(1)
    probe(end)
    sys.stdout.flush()
    os._exit(0)
while time.time() < end:
    for key, _ in sel.select(timeout=0.1):
        c = key.data
        if not c.readable():
            conns[conns.index(c)] = Slow(c.silent)	# back at once
    now = time.time()
    for c in conns:
        c.tick(now)
os.waitpid(pid, 0)
life = sorted(stats["life"])
print("flood opened=%d closed=%d r408=%d life_max=%.1f trickled=%d" %
      (stats["opened"], stats["closed"], stats["r408"],
       life[-1] if life else 0, stats["trickled"]))
PY

# probes FILE PATH: the probe line for PATH was all 200 within 1 s, and
# there were at least 25 of them (about two a second).
probes_ok() {
	awk -v p="$2" '$1 == "probe" && $2 == p {
	    split($3, n, "="); split($4, k, "=");
	    good = n[2] >= 25 && n[2] == k[2] } END { exit !good }' "$1"
}
field() {	# field FILE NAME: NAME=value from the flood line
	sed -n "s/^flood .*$2=\([0-9.]*\).*/\1/p" "$1"
}

# 1. The defaults: max_connections 4096, header_timeout 10 s.
if start_daemon; then
	ok "daemon starts with the default limits"
	python3 "$T_TMP/slow.py" "$PORT" 22 1000 > "$T_TMP/a" 2>&1
	cat "$T_TMP/a"
	check "1,000 slow connections, 22 s: /health always 200 within 1 s" \
	    probes_ok "$T_TMP/a" /health
	check "... and GET /v1/wallets (masterAuth) always 200 within 1 s" \
	    probes_ok "$T_TMP/a" /v1/wallets
	r408=$(field "$T_TMP/a" r408)
	life=$(field "$T_TMP/a" life_max)
	check "trickling heads get 408 at the 10 s head deadline ($r408)" \
	    [ "${r408:-0}" -ge 500 ]
	check "... none lived past it by more than 3 s ($life s)" \
	    python3 -c "import sys; sys.exit(not 9 <= float('${life:-0}') < 13)"
	check "no sanitizer reports" no_sanitizer_reports
	kill -TERM "$DPID"
	check "SIGTERM stops it" wait_gone "$DPID" 3000
else
	notok "daemon starts with the default limits"; cat "$LOG"
fi
DPID=""

# 2. A limit below the flood and deadlines that do not help: eviction.
if WAIAAS_DAEMON_MAX_CONNECTIONS=600 WAIAAS_DAEMON_HEADER_TIMEOUT=120 \
    WAIAAS_DAEMON_REQUEST_TIMEOUT=120 start_daemon; then
	ok "daemon starts with max_connections 600, header_timeout 120"
	apid=""
	for k in $(children_of "$DPID"); do
		[ "$(role_of "$k")" = api ] && apid=$k
	done
	python3 "$T_TMP/slow.py" "$PORT" 20 1000 > "$T_TMP/b" 2>&1 &
	fpid=$!
	sleep 10
	nfd=$(ls "/proc/$apid/fd" 2>/dev/null | wc -l)
	wait "$fpid"
	cat "$T_TMP/b"
	check "1,000 slow connections over 600 slots: /health always 200 within 1 s" \
	    probes_ok "$T_TMP/b" /health
	check "... and GET /v1/wallets always 200 within 1 s" \
	    probes_ok "$T_TMP/b" /v1/wallets
	check "the oldest unfinished connections were closed for new ones" \
	    [ "$(field "$T_TMP/b" closed)" -ge 400 ]
	check "the log says the connection limit was reached" \
	    grep -q 'connection limit reached (600); closing the oldest' "$LOG"
	check "the api held at most 600 connections ($nfd fds)" \
	    [ "$nfd" -gt 400 -a "$nfd" -le 640 ]
	check "no sanitizer reports" no_sanitizer_reports
	kill -TERM "$DPID"
	check "SIGTERM stops it" wait_gone "$DPID" 3000
else
	notok "daemon starts with max_connections 600, header_timeout 120"
	cat "$LOG"
fi
DPID=""

# 3. A limit the descriptor limit cannot hold is refused at start-up,
# with a message that says what to change: root without
# CAP_SYS_RESOURCE (as in a container) under a hard limit of 1000.
(ulimit -Sn 1000 && ulimit -Hn 1000 &&
    WAIAAS_DATA_DIR=$T_TMP/data3 WAIAAS_DAEMON_PORT=$(free_port) \
    WAIAAS_DAEMON_MAX_CONNECTIONS=4096 timeout 20 \
    setpriv --bounding-set=-sys_resource "$WAIAASD" -d) > "$T_TMP/c" 2>&1
rc=$?
check "max_connections above the hard descriptor limit: no start ($rc)" \
    [ "$rc" != 0 -a "$rc" != 124 ]
check "... and the message names the key and both numbers" \
    grep -q 'max_connections = 4096 needs 4224 open files.*hard limit of 1000' \
    "$T_TMP/c"
