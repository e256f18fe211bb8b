#!/usr/bin/env python3
"""GET /v1/nonce as fast as a client can: N requests over C keep-alive
connections at once.  Around the flood, one read-only connection to the
daemon's database reads PRAGMA data_version (it changes if anyone else
committed in between) and the WAL's size.  Prints one JSON line:
{"codes": {status: count}, "secs", "committed", "walBefore", "walAfter"}.

usage: flood_nonce.py PORT N C DB [QUERY]"""
import http.client
import json
import os
import sqlite3
import sys
import threading
import time


def worker(port, n, path, codes, lock):
    local = {}
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    for _ in range(n):
        try:
            c.request("GET", path)
            r = c.getresponse()
            r.read()
            k = str(r.status)
            if r.getheader("Connection", "").lower() == "close":
                c.close()
                c = http.client.HTTPConnection("127.0.0.1", port,
                                               timeout=30)
        except (OSError, http.client.HTTPException):
            k = "error"
            c.close()
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        local[k] = local.get(k, 0) + 1
    c.close()
    with lock:
        for k, v in local.items():
            codes[k] = codes.get(k, 0) + v


def wal_size(db):
    try:
        return os.path.getsize(db + "-wal")
    except OSError:
        return -1


def main():
    port, n, conns, db = (int(sys.argv[1]), int(sys.argv[2]),
                          int(sys.argv[3]), sys.argv[4])
    path = "/v1/nonce" + (sys.argv[5] if len(sys.argv) > 5 else "")
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
    dv0 = con.execute("PRAGMA data_version").fetchone()[0]
    wal0 = wal_size(db)
    codes, lock = {}, threading.Lock()
    t0 = time.time()
    ts = [threading.Thread(target=worker,
                           args=(port, n // conns + (i < n % conns), path,
                                 codes, lock))
          for i in range(conns)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    secs = time.time() - t0
    dv1 = con.execute("PRAGMA data_version").fetchone()[0]
    print(json.dumps({"codes": codes, "secs": round(secs, 1),
                      "committed": dv0 != dv1, "walBefore": wal0,
                      "walAfter": wal_size(db)}))


if __name__ == "__main__":
    main()
