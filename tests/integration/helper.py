#!/usr/bin/env python3
"""One Python for a whole test, serving lib.sh's json_get and req
instead of a python3 and a curl per check (here a python3 start costs
some 35 ms of CPU and a curl 18 ms; tests make thousands).

Requests arrive on the FIFO named by argv[1], each one write of
NUL-terminated fields (a write under PIPE_BUF bytes is never interleaved
with another: callers in subshells need no lock), the first the kind:

  J REPLY FILE EXPR   what `python3 -c 'j = json.load(open(FILE));
                      print(EXPR)'` prints (EXPR is pasted into print( )
                      as text, as before; it sees j, json and sys)
  H REPLY METHOD URL BODY HEADER OUT
                      one HTTP/1.1 request as req made it with curl:
                      BODY (none when empty) as application/json, the
                      one HEADER line; the answer's body to OUT; the
                      status code printed, or 000 when no answer came

It ends when the test's shell (its parent) or the request FIFO is gone.
The answer goes to the FIFO REPLY: a line with the exit status (for H,
curl's: 7 refused, 52 nothing answered, 56 cut short), then the output.
A traceback goes to this process's stderr, the test's.
"""
import contextlib
import http.client
import io
import json
import os
import select
import sys
import traceback
import urllib.parse


def json_get(path, expr):
    try:
        with open(path) as f:
            j = json.load(f)
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            exec("print(%s)" % expr, {"json": json, "sys": sys, "j": j})
        return 0, buf.getvalue()
    except BaseException:   # SystemExit from sys.exit() too
        traceback.print_exc()
        return 1, ""


def http_req(method, url, body, header, out):
    u = urllib.parse.urlsplit(url)
    name, _, value = header.partition(":")
    headers = {"Accept": "*/*", name.strip(): value.strip()}
    if body:
        headers["Content-Type"] = "application/json"
    path = u.path + ("?" + u.query if u.query else "")
    conn = http.client.HTTPConnection(u.hostname, u.port)
    try:
        conn.request(method, path, body.encode() if body else None,
                     headers)
        resp = conn.getresponse()
        data = resp.read()
    except ConnectionRefusedError:
        return 7, "000"
    except (http.client.RemoteDisconnected, ConnectionResetError,
            BrokenPipeError):
        return 52, "000"
    except (http.client.HTTPException, OSError):
        traceback.print_exc()
        return 56, "000"
    finally:
        conn.close()
    with open(out, "wb") as f:
        f.write(data)
    return 0, "%03d\n" % resp.status


KINDS = {"J": (json_get, 2), "H": (http_req, 5)}


def answer(kind, reply, args):
    try:
        status, out = KINDS[kind][0](*args)
    except Exception:
        traceback.print_exc()
        status, out = 1, ""
    with open(reply, "w") as r:
        try:
            os.unlink(reply)    # both ends are open: the name is free
        except OSError:
            pass
        r.write("%d\n%s" % (status, out))


def main():
    fd = os.open(sys.argv[1], os.O_RDWR)   # never an end of file
    test = os.getppid()
    buf = b""
    while True:
        # Gone with the test that started it, whatever its traps do.
        if not select.select([fd], [], [], 1.0)[0]:
            if os.getppid() != test or not os.path.exists(sys.argv[1]):
                return
            continue
        data = os.read(fd, 65536)
        if not data:
            return
        buf += data
        fields = buf.split(b"\0")
        buf = fields.pop()      # what follows the last NUL
        fields = [f.decode(errors="surrogateescape") for f in fields]
        while fields:
            kind = fields[0]
            if kind not in KINDS:
                print("helper.py: no request kind %r" % kind,
                      file=sys.stderr)
                fields = fields[1:]
                continue
            n = KINDS[kind][1]
            if len(fields) < n + 2:
                break
            try:
                answer(kind, fields[1], fields[2:n + 2])
            except Exception:   # the reply FIFO gone: the caller too
                traceback.print_exc()
            sys.stderr.flush()
            fields = fields[n + 2:]
        if fields:              # a request cut short: wait for the rest
            buf = b"\0".join(f.encode(errors="surrogateescape")
                             for f in fields) + b"\0" + buf
    return


if __name__ == "__main__":
    main()
