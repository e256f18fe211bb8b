#!/usr/bin/env python3
# An HTTP proxy in front of the daemon that loses the first answer: the
# first request is forwarded and served, then the client's connection is
# reset before any of the answer reaches it; later ones pass.  Prints
# "listening PORT", then each request's Idempotency-Key, one a line.
#   python3 drop_first.py UPSTREAM_PORT
import socket
import struct
import sys


def read_message(f):
    head = b""
    while not head.endswith(b"\r\n\r\n"):
        line = f.readline()
        if not line:
            return None, b""
        head += line
    n = 0
    for h in head.split(b"\r\n"):
        k, _, v = h.partition(b":")
        if k.strip().lower() == b"content-length":
            n = int(v)
    return head, f.read(n) if n else b""


def main():
    up = int(sys.argv[1])
    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(8)
    print("listening", ls.getsockname()[1], flush=True)
    first = True
    while True:
        c, _ = ls.accept()
        cf = c.makefile("rb")
        head, body = read_message(cf)
        if head is None:
            cf.close()
            c.close()
            continue
        key = [h.split(b":", 1)[1].strip() for h in head.split(b"\r\n")
               if h.lower().startswith(b"idempotency-key:")]
        print(key[0].decode() if key else "-", flush=True)
        u = socket.create_connection(("127.0.0.1", up))
        u.sendall(head + body)
        uf = u.makefile("rb")
        rhead, rbody = read_message(uf)
        uf.close()
        u.close()
        if first:
            # A reset (RST), not a close: linger on, time 0.  The file
            # from makefile() holds the socket open, so it is closed
            # first; else close() leaves the descriptor open and the
            # client waits out its whole timeout instead.
            first = False
            c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                         struct.pack("ii", 1, 0))
            cf.close()
            c.close()
            continue
        c.sendall((rhead or b"") + rbody)
        cf.close()
        c.close()


main()
