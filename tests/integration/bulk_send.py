#!/usr/bin/env python3
"""Sends at once, for t_send_bulk.sh: POST /v1/transactions/send from one
thread per send, all started together.

usage: bulk_send.py PORT PLAN OUT
PLAN: a JSON list of {"token", "network", "to", "amount", "delay"}, one
per send; delay: seconds after the start (0 if absent).
OUT: written as a JSON list, in PLAN's order, of {"status", "id"}: the
HTTP status (0 when no answer came, e.g. the daemon was killed) and the
transaction's id when 201.
"""
import http.client
import json
import sys
import threading
import time

TIMEOUT = 60


def one(port, p, out, i, start):
    body = json.dumps({"network": p["network"], "to": p["to"],
                       "amount": p["amount"]})
    res = {"status": 0, "id": None}
    start.wait()
    delay = float(p.get("delay", 0))
    if 0 < delay <= 10:
        time.sleep(delay)
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
        c.request("POST", "/v1/transactions/send", body, {
            "Content-Type": "application/json",
            "Authorization": "Bearer " + p["token"]})
        r = c.getresponse()
        res["status"] = r.status
        data = r.read()
        if r.status == 201:
            res["id"] = json.loads(data)["id"]
        c.close()
    except (OSError, http.client.HTTPException, ValueError, KeyError):
        pass
    out[i] = res


def main():
    port = int(sys.argv[1])
    with open(sys.argv[2]) as f:
        plan = json.load(f)
    if not isinstance(plan, list) or len(plan) > 256:
        sys.exit("bulk_send.py: a plan of at most 256 sends")
    out = [None] * len(plan)
    start = threading.Event()
    ts = [threading.Thread(target=one, args=(port, p, out, i, start))
          for i, p in enumerate(plan)]
    for t in ts:
        t.start()
    start.set()
    for t in ts:
        t.join()
    with open(sys.argv[3], "w") as f:
        json.dump(out, f)


if __name__ == "__main__":
    main()
