#!/usr/bin/env python3
"""An HTTP origin for t_x402_fetch: what the daemon's fetch process may
and may not reach, and what it sent.

  python3 x402_origin.py HOST PORT LOGFILE

  /ok            200 "ok"
  /echo          200 JSON {method, path, headers, body} of the request
  /redirect?to=URL[&code=N]   a redirect (302 unless code)
  /loop?n=K      a redirect to /loop?n=K+1, forever
  /big           200 with a 200 KiB body
  /slow          200 after 10 s
  /bin           200 with bytes that are not UTF-8
  /status?code=N that status, a short body

Each request's method and path is appended to LOGFILE, one a line.
"""
import http.server
import json
import sys
import time
import urllib.parse


class H(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'

    def log_message(self, *a):
        pass

    def send(self, code, body, ctype='text/plain', extra=()):
        self.send_response(code)
        self.send_header('Content-Type', ctype)
        self.send_header('Content-Length', str(len(body)))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def handle_any(self):
        n = int(self.headers.get('Content-Length') or 0)
        body = self.rfile.read(n) if n else b''
        with open(LOG, 'a') as f:
            f.write('%s %s\n' % (self.command, self.path))
        u = urllib.parse.urlsplit(self.path)
        q = dict(urllib.parse.parse_qsl(u.query))
        if u.path == '/ok':
            self.send(200, b'ok')
        elif u.path == '/echo':
            self.send(200, json.dumps({
                'method': self.command, 'path': self.path,
                'headers': {k.lower(): v for k, v in self.headers.items()},
                'body': body.decode('utf-8', 'replace')}).encode(),
                'application/json')
        elif u.path == '/redirect':
            self.send(int(q.get('code', '302')), b'',
                      extra=[('Location', q.get('to', '/ok'))])
        elif u.path == '/loop':
            k = int(q.get('n', '0'))
            self.send(302, b'', extra=[('Location', '/loop?n=%d' % (k + 1))])
        elif u.path == '/big':
            self.send(200, b'x' * (200 * 1024))
        elif u.path == '/slow':
            time.sleep(10)
            self.send(200, b'late')
        elif u.path == '/bin':
            self.send(200, b'a\xff\xfeb\xc3\xa9c', 'application/octet-stream')
        elif u.path == '/status':
            self.send(int(q.get('code', '500')), b'status body')
        else:
            self.send(404, b'no such path')

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = handle_any


class S(http.server.ThreadingHTTPServer):
    daemon_threads = True


if __name__ == '__main__':
    LOG = sys.argv[3]
    srv = S((sys.argv[1], int(sys.argv[2])), H)
    print('listening', srv.server_address[1], flush=True)
    srv.serve_forever()
