#!/usr/bin/env python3
"""Start to healthy, for bench/start.sh: starts the daemon N times on one
data directory (or on a new empty one each time) and measures, for each
start, the time from just before the exec to the first 200 on GET
/health, and the key derivation's own time in that start as the daemon's
log shows it (debug level, millisecond timestamps):

  from   signer "deriving the key-encryption key"  (this tree), or
         parent "all children ready" (older trees: the unlock is sent
         then, and the signer starts on it at once)
  to     signer "keystore unlocked"

One line per start (ms): "start <healthy> <kdf>", then nothing else;
bench/start.sh sums up.

The poll: a connection made as soon as the listening socket exists (the
parent binds it before any child starts) waits in the backlog until the
api accepts it, so the answer's time does not depend on a poll interval;
only a refused connect (socket not bound yet) or a 503 is retried, after
0.2 ms.

usage: start_poll.py WAIAASD PORT DATADIR N fresh|keep LOGDIR
(the environment carries the daemon's settings)
"""
import calendar
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time

REQ = b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
TS = re.compile(r"^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)\.(\d{3})Z "
                r"(\w+)\[\d+\]: \w+: (.*)$")


def health_once(port, deadline):
    """One GET /health: its status code, or None if refused."""
    s = socket.socket()
    s.settimeout(max(0.1, deadline - time.monotonic()))
    try:
        s.connect(("127.0.0.1", port))
    except (ConnectionRefusedError, socket.timeout):
        s.close()
        return None
    try:
        s.sendall(REQ)
        buf = b""
        while b"\r\n" not in buf and len(buf) < 4096:
            d = s.recv(4096)
            if not d:
                break
            buf += d
    except (ConnectionResetError, socket.timeout, BrokenPipeError):
        return None
    finally:
        s.close()
    m = re.match(rb"HTTP/1\.[01] (\d{3})", buf)
    return int(m.group(1)) if m else None


def log_ms(line):
    """(ms since the epoch, process, message) of a log line, or None."""
    m = TS.match(line)
    if not m:
        return None
    y, mo, d, h, mi, s, ms = (int(x) for x in m.groups()[:7])
    t = calendar.timegm((y, mo, d, h, mi, s, 0, 0, 0))
    return t * 1000 + ms, m.group(8), m.group(9)


def kdf_ms(path):
    """The key derivation's time in this start, from the log."""
    begin = begin_old = end = None
    with open(path, errors="replace") as f:
        for line in f:
            r = log_ms(line.rstrip("\n"))
            if r is None:
                continue
            t, proc, msg = r
            if proc == "signer" and msg.startswith("deriving the key"):
                begin = t
            elif proc == "parent" and msg == "all children ready":
                begin_old = t
            elif proc == "signer" and msg.startswith("keystore unlocked"):
                end = t
    if begin is None:
        begin = begin_old
    if begin is None or end is None:
        return None
    return end - begin


def stop(p):
    """TERM, then wait for the whole tree (the pid file lock)."""
    kids = []
    try:
        out = subprocess.run(["pgrep", "-P", str(p.pid)],
                             capture_output=True, text=True).stdout
        kids = [int(x) for x in out.split()]
    except OSError:
        pass
    p.send_signal(signal.SIGTERM)
    try:
        p.wait(timeout=5)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
    for k in kids:
        for _ in range(200):
            try:
                os.kill(k, 0)
            except ProcessLookupError:
                break
            time.sleep(0.005)
        else:
            try:
                os.kill(k, signal.SIGKILL)
            except ProcessLookupError:
                pass


def main():
    exe, port, datadir, n, mode, logdir = sys.argv[1:7]
    port, n = int(port), int(n)
    env = dict(os.environ, WAIAAS_DATA_DIR=datadir,
               WAIAAS_DAEMON_PORT=str(port), WAIAAS_DAEMON_LOG_LEVEL="debug")
    for i in range(n):
        if mode == "fresh":
            shutil.rmtree(datadir, ignore_errors=True)
        log = os.path.join(logdir, "start%d.log" % i)
        with open(log, "w") as lf:
            t0 = time.monotonic()
            p = subprocess.Popen([exe, "-d"], stdin=subprocess.DEVNULL,
                                 stdout=lf, stderr=lf, env=env)
        deadline = t0 + 30
        code = None
        while time.monotonic() < deadline:
            code = health_once(port, deadline)
            if code == 200:
                break
            if p.poll() is not None:
                break
            time.sleep(0.0002)
        t1 = time.monotonic()
        # The rest of the start (the sealed keys loading) before stopping.
        for _ in range(400):
            with open(log, errors="replace") as f:
                if " ready on " in f.read():
                    break
            time.sleep(0.005)
        stop(p)
        if code != 200:
            sys.stderr.write(open(log, errors="replace").read())
            sys.exit("start %d: no 200 on /health (%s)" % (i, code))
        k = kdf_ms(log)
        if k is None:
            sys.stderr.write(open(log, errors="replace").read())
            sys.exit("start %d: no key derivation in the log" % i)
        print("start %.2f %.0f" % ((t1 - t0) * 1000, k), flush=True)


if __name__ == "__main__":
    main()
