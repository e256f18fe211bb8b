#!/usr/bin/env python3
"""json_get's server (tests/integration/lib.sh): one Python for a whole
test instead of one per check (a python3 start costs some 35 ms of CPU
here; tests read thousands of answers).

Requests arrive on the FIFO named by argv[1], each one write of
REPLY_FIFO NUL FILE NUL EXPRESSION NUL (a write under PIPE_BUF bytes is
never interleaved with another: callers in subshells need no lock).  The
answer goes to REPLY_FIFO: a line with the exit status, then what
`python3 -c 'j = json.load(open(FILE)); print(EXPRESSION)'` prints (the
expression is pasted into print( ) as text, as before); a traceback
goes to this process's stderr, the test's.  An expression sees only j,
json and sys.
"""
import contextlib
import io
import json
import os
import sys
import traceback


def answer(reply, path, expr):
    try:
        with open(path) as f:
            j = json.load(f)
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            exec("print(%s)" % expr, {"json": json, "sys": sys, "j": j})
        out, status = buf.getvalue(), 0
    except BaseException:   # SystemExit from sys.exit() too
        traceback.print_exc()
        out, status = "", 1
    with open(reply, "w") as r:
        try:
            os.unlink(reply)    # both ends are open: the name is free
        except OSError:
            pass
        r.write("%d\n%s" % (status, out))


def main():
    fd = os.open(sys.argv[1], os.O_RDWR)   # never an end of file
    buf = b""
    while True:
        data = os.read(fd, 65536)
        if not data:
            return
        buf += data
        parts = buf.split(b"\0")
        while len(parts) > 3:
            reply, path, expr = (p.decode(errors="surrogateescape")
                                 for p in parts[:3])
            parts = parts[3:]
            try:
                answer(reply, path, expr)
            except Exception:   # the reply FIFO gone: the caller too
                traceback.print_exc()
            sys.stderr.flush()
        buf = b"\0".join(parts)


if __name__ == "__main__":
    main()
