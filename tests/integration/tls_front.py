#!/usr/bin/env python3
"""An HTTPS front for the tests of the built-in public endpoints
(t_defaults.sh): it plays the public hosts (ethereum-sepolia-rpc.
publicnode.com, api.devnet.solana.com, api.coingecko.com ...) on
127.0.0.1:443 with a certificate of a test CA, and passes each request
to the local peer that stands for its Host (anvil, the litesvm server,
the price server).

  tls_front.py --cert PEM --key PEM [--port N] HOST=URL...

Prints "listening PORT" once it accepts; a Host it has no peer for gets
a 421.  GET /__hits on any host answers {"host": count, ...}.
"""
import argparse
import http.server
import json
import ssl
import sys
import threading
import urllib.error
import urllib.request

BODY_MAX = 1 << 20


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--port", type=int, default=443)
    ap.add_argument("map", nargs="+")
    a = ap.parse_args()
    peers = {}
    for m in a.map:
        host, _, url = m.partition("=")
        peers[host.lower()] = url.rstrip("/")
    hits = {}
    lock = threading.Lock()

    class Front(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def answer(self, code, body, ctype="application/json"):
            self.send_response(code)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def relay(self, method):
            host = (self.headers.get("Host") or "").split(":")[0].lower()
            n = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(min(n, BODY_MAX)) if n else None
            if self.path == "/__hits":
                with lock:
                    out = json.dumps(hits).encode()
                return self.answer(200, out)
            if host not in peers:
                return self.answer(421, b'{"error":"no peer"}')
            with lock:
                hits[host] = hits.get(host, 0) + 1
            # The public endpoints' paths (/evm) mean nothing to the peer.
            path = self.path if self.path.startswith("/api/") or \
                "?" in self.path else "/"
            rq = urllib.request.Request(peers[host] + path, data=body,
                                        method=method)
            ct = self.headers.get("Content-Type")
            if ct:
                rq.add_header("Content-Type", ct)
            try:
                with urllib.request.urlopen(rq, timeout=20) as r:
                    return self.answer(r.status, r.read(),
                                       r.headers.get("Content-Type") or
                                       "application/json")
            except urllib.error.HTTPError as e:
                return self.answer(e.code, e.read())
            except OSError:
                return self.answer(502, b'{"error":"peer down"}')

        def do_GET(self):
            self.relay("GET")

        def do_POST(self):
            self.relay("POST")

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(a.cert, a.key)
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", a.port), Front)
    srv.daemon_threads = True
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    print("listening %d" % srv.server_address[1], flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
