#!/usr/bin/env python3
"""notify_receiver.py: an ntfy-compatible and a Telegram-compatible
receiver for the relay tests, on 127.0.0.1 (port 0: any; prints
"listening PORT").

ntfy:     POST /<topic> publishes (headers Title, Priority, Tags, Click,
          Actions, Authorization; the body is the message);
          GET /<topic>/json?poll=1 returns what was published, one JSON
          object per line, as ntfy does; since=<id> (after that message),
          since=<unix time> (from then) or since=all; at most 4 MiB of
          lines a poll.  With a token and --read-auth, the GET needs it as
          ntfy's auth=<base64url("Bearer token")> (or the header).  Publishing answers CORS as ntfy.sh does (a page from
          any origin may post).  POST /_junk/<topic>/<n> appends n junk
          messages of assorted kinds at once; GET /_polls/<topic> says how
          many polls came and the last message id they had read past.
Telegram: POST /bot<token>/sendMessage with a JSON body; a wrong token is
          answered 401 {"ok": false, ...} as Telegram does;
          GET /_telegram returns the messages received (a JSON array).
Faults:   --ntfy-fail N answers 503 to the first N publishes;
          --tg-429 N answers 429 with parameters.retry_after to the first
          N sendMessage calls.  GET /_stats: attempts per kind.
          POST /_fail/ntfy/N, /_fail/tg/N set the counters at run time.
"""
import argparse
import base64
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ap = argparse.ArgumentParser()
ap.add_argument("--port", type=int, default=0)
ap.add_argument("--ntfy-fail", type=int, default=0)
# Tokens from files named in the environment, never in argv.
ap.add_argument("--ntfy-token", default="")
ap.add_argument("--tg-token", default="")
ap.add_argument("--read-auth", action="store_true")
ap.add_argument("--tg-429", type=int, default=0)
ap.add_argument("--tg-retry-after", type=int, default=1)
args = ap.parse_args()
for var, attr in (("NTFY_TOKEN_FILE", "ntfy_token"),
                  ("TG_TOKEN_FILE", "tg_token")):
    if os.environ.get(var):
        with open(os.environ[var]) as f:
            setattr(args, attr, f.read().strip())

lock = threading.Lock()
state = {"ntfy_fail": args.ntfy_fail, "tg_429": args.tg_429,
         "ntfy_attempts": 0, "tg_attempts": 0, "ntfy_auth_bad": 0,
         "seq": 0}
polls = {}      # topic -> {"polls": n, "since": last since asked}
index = {}      # (topic, id) -> its place in topics[topic]


def line(m):
    """A message's JSON line, made once."""
    if "_line" not in m:
        m["_line"] = json.dumps(m) + "\n"
    return m["_line"]


def publish(topic, m):
    l = topics.setdefault(topic, [])
    index[(topic, m["id"])] = len(l)
    l.append(m)
topics = {}     # topic -> [message]
telegram = []   # received sendMessage bodies
MAX_BODY = 64 * 1024
POLL_MAX = 4 * 1024 * 1024


class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def answer(self, code, obj, extra=None):
        body = (obj if isinstance(obj, str) else json.dumps(obj)).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def body(self):
        n = int(self.headers.get("Content-Length", "0"))
        if n > MAX_BODY:
            raise ValueError("too big")
        return self.rfile.read(n)

    def do_GET(self):
        path, _, query = self.path.partition("?")
        parts = path.strip("/").split("/")
        with lock:
            if path == "/_telegram":
                return self.answer(200, telegram)
            if path == "/_stats":
                return self.answer(200, state)
            if len(parts) == 2 and parts[0] == "_polls":
                return self.answer(200, polls.get(parts[1], {}))
            if len(parts) == 2 and parts[1] == "json" and "poll=1" in query:
                q = dict(kv.partition("=")[::2] for kv in query.split("&"))
                if args.ntfy_token and args.read_auth:
                    want = base64.urlsafe_b64encode(
                        ("Bearer " + args.ntfy_token).encode()).decode()
                    if q.get("auth", "").rstrip("=") != want.rstrip("=") \
                            and self.headers.get("Authorization") != \
                            "Bearer " + args.ntfy_token:
                        state["ntfy_auth_bad"] += 1
                        return self.answer(401, {"code": 40101,
                                                 "http": 401})
                msgs = topics.get(parts[0], [])
                since = q.get("since", "all")
                if since.isdigit():
                    msgs = [m for m in msgs if m["time"] >= int(since)]
                elif since != "all":
                    i = index.get((parts[0], since))
                    msgs = msgs[i + 1:] if i is not None else msgs
                p = polls.setdefault(parts[0], {"polls": 0})
                p["polls"] += 1
                p["since"] = since
                # At most POLL_MAX bytes of whole lines (a test economy:
                # relay reads 1 MiB of a poll and asks again from there).
                out, size = [], 0
                for m in msgs:
                    size += len(line(m))
                    if size > POLL_MAX and out:
                        break
                    out.append(line(m))
                lines = "".join(out)
                return self.answer(200, lines)
        self.answer(404, {"error": "not found"})

    def do_POST(self):
        try:
            raw = self.body()
        except ValueError:
            return self.answer(413, {"error": "too big"})
        path = self.path.split("?")[0]
        parts = path.strip("/").split("/")
        with lock:
            if len(parts) == 3 and parts[0] == "_junk":
                return self.junk(parts[1], int(parts[2]))
            if len(parts) == 3 and parts[0] == "_fail":
                state["ntfy_fail" if parts[1] == "ntfy" else "tg_429"] = \
                    int(parts[2])
                return self.answer(200, state)
            if len(parts) == 2 and parts[0].startswith("bot") and \
                    parts[1] == "sendMessage":
                return self.telegram(parts[0][3:], raw)
            if len(parts) == 1 and parts[0] and not parts[0].startswith("_"):
                return self.ntfy(parts[0], raw)
        self.answer(404, {"error": "not found"})

    def do_OPTIONS(self):
        self.send_response(200)
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Access-Control-Allow-Methods", "GET, PUT, POST")
        self.send_header("Access-Control-Allow-Headers", "*")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def junk(self, topic, n):
        kinds = [
            "not json",
            json.dumps({"hello": "world"}),
            json.dumps({"waiaas": "owner-reply/1", "action": "tx.approve",
                        "target": "00000000-0000-0000-0000-000000000000",
                        "address": "0x" + "11" * 20,
                        "message": "x" * 200, "signature": "0x" + "22" * 65}),
            json.dumps({"waiaas": "owner-reply/1", "action": "format.disk",
                        "target": "x", "address": "a", "message": "m",
                        "signature": "s"}),
            "y" * 9000,
        ]
        t = int(time.time())
        for i in range(n):
            state["seq"] += 1
            publish(topic, {"id": "j%d" % state["seq"], "time": t,
                            "event": "message", "topic": topic,
                            "message": kinds[i % len(kinds)]})
        self.answer(200, {"last": "j%d" % state["seq"]})

    def ntfy(self, topic, raw):
        state["ntfy_attempts"] += 1
        if args.ntfy_token and self.headers.get("Authorization") != \
                "Bearer " + args.ntfy_token:
            state["ntfy_auth_bad"] += 1
            return self.answer(401, {"code": 40101, "http": 401,
                                     "error": "unauthorized"})
        if state["ntfy_fail"] > 0:
            state["ntfy_fail"] -= 1
            return self.answer(503, {"code": 50301, "http": 503,
                                     "error": "unavailable"},
                               {"Retry-After": "1"})
        state["seq"] += 1
        m = {"id": "m%d" % state["seq"], "time": int(time.time()),
             "event": "message", "topic": topic,
             "message": raw.decode("utf-8"),
             "title": self.headers.get("Title", ""),
             "priority": int(self.headers.get("Priority", "3")),
             "tags": [t for t in self.headers.get("Tags", "").split(",")
                      if t],
             "click": self.headers.get("Click", ""),
             "actions": self.headers.get("Actions", ""),
             "delivery": self.headers.get("X-WAIaaS-Delivery", "")}
        publish(topic, m)
        self.answer(200, m, {"Access-Control-Allow-Origin": "*"})

    def telegram(self, token, raw):
        state["tg_attempts"] += 1
        if token != args.tg_token:
            return self.answer(401, {"ok": False, "error_code": 401,
                                     "description": "Unauthorized"})
        if state["tg_429"] > 0:
            state["tg_429"] -= 1
            r = args.tg_retry_after
            return self.answer(429, {
                "ok": False, "error_code": 429,
                "description": "Too Many Requests: retry after %d" % r,
                "parameters": {"retry_after": r}})
        try:
            j = json.loads(raw)
            assert isinstance(j.get("text"), str) and j.get("chat_id")
        except (ValueError, AssertionError):
            return self.answer(400, {"ok": False, "error_code": 400,
                                     "description": "Bad Request"})
        telegram.append(j)
        self.answer(200, {"ok": True, "result": {
            "message_id": len(telegram), "date": int(time.time()),
            "chat": {"id": j["chat_id"]}, "text": j["text"]}})


srv = ThreadingHTTPServer(("127.0.0.1", args.port), H)
print("listening %d" % srv.server_address[1], flush=True)
srv.serve_forever()
