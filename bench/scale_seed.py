#!/usr/bin/env python3
"""Seed wallets or sessions through the daemon's own API, concurrently.

bench/scale.sh runs this: COUNT POSTs over CONC keep-alive connections,
each request its own (POST /v1/wallets without a session, or POST
/v1/sessions for one wallet of IDFILE, round robin), with the master
password.  Wallet ids made are appended to OUT, one a line.  Any answer
but 201 stops the run with its status and body: a seed that cannot be
made is a failed bench, not a smaller one.

usage: scale_seed.py PORT PASSWORD wallets COUNT CONC OUT
       scale_seed.py PORT PASSWORD sessions COUNT CONC IDFILE
Prints one line: how many, in how long, at what rate.
"""
import http.client
import json
import sys
import threading
import time


def main():
    port, pw, kind = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    count, conc, path = int(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
    if kind not in ("wallets", "sessions") or count < 0 or conc < 1:
        sys.exit(__doc__)
    ids = []
    if kind == "sessions":
        with open(path) as f:
            ids = [line.strip() for line in f if line.strip()]
        if not ids:
            sys.exit("scale_seed: no wallet ids in " + path)
    lock = threading.Lock()
    state = {"next": 0, "made": [], "error": None}
    hdr = {"X-Master-Password": pw, "Content-Type": "application/json"}

    def take():
        with lock:
            if state["error"] is not None or state["next"] >= count:
                return -1
            state["next"] += 1
            return state["next"] - 1

    def work():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while (i := take()) >= 0:
            if kind == "wallets":
                url = "/v1/wallets"
                body = {"name": "scale %d" % i, "chain": "ethereum",
                        "environment": "testnet", "createSession": False}
            else:
                url = "/v1/sessions"
                body = {"walletIds": [ids[i % len(ids)]]}
            try:
                conn.request("POST", url, json.dumps(body), hdr)
                r = conn.getresponse()
                data = r.read()
            except (OSError, http.client.HTTPException) as e:
                with lock:
                    state["error"] = "%s: %s" % (url, e)
                return
            if r.status != 201:
                with lock:
                    state["error"] = "%s: %d %s" % (url, r.status,
                                                    data[:300])
                return
            if kind == "wallets":
                with lock:
                    state["made"].append(json.loads(data)["id"])
        conn.close()

    t0 = time.monotonic()
    threads = [threading.Thread(target=work) for _ in range(conc)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    secs = time.monotonic() - t0
    if kind == "wallets":
        with open(path, "a") as f:
            f.writelines(w + "\n" for w in state["made"])
    if state["error"] is not None:
        sys.exit("scale_seed: " + state["error"])
    print("seeded %d %s in %.1f s (%.0f/s, %d connections)" %
          (count, kind, secs, count / secs if secs > 0 else 0, conc))


main()
