#!/usr/bin/env python3
"""route_walk.py PORT MASTER SESSION_TOKEN: walk every route of /doc and
check that a missing, a wrong kind of and a garbage credential are each
refused with 401 and the documented error JSON.  Prints ok/not ok."""
import json
import re
import sys
import urllib.error
import urllib.request
import uuid

port, master, session = sys.argv[1], sys.argv[2], sys.argv[3]
base = "http://127.0.0.1:%s" % port

EXPECT = {
    "masterAuth": "INVALID_MASTER_PASSWORD",
    "sessionAuth": "INVALID_TOKEN",
    "ownerAuth": None,   # any 401 code in the documented format
    "metricsAuth": "INVALID_TOKEN",
}


def call(method, path, headers):
    body = b"{}" if method in ("POST", "PUT") else None
    req = urllib.request.Request(base + path, data=body, method=method,
                                 headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def check(desc, status, raw, want_code):
    try:
        j = json.loads(raw)
        shape = (isinstance(j.get("code"), str) and
                 isinstance(j.get("message"), str) and
                 isinstance(j.get("requestId"), str) and
                 isinstance(j.get("retryable"), bool))
        code = j.get("code")
    except ValueError:
        shape, code = False, "not-json"
    good = status == 401 and shape and (want_code is None or
                                        code in want_code)
    print("%s - %s (%s %s)" % ("ok" if good else "not ok", desc, status,
                               code))


doc = json.loads(urllib.request.urlopen(base + "/doc", timeout=10).read())
owner = {"X-Owner-Address": "0x" + "ab" * 20,
         "X-Owner-Message": "Z2FyYmFnZQ==",
         "X-Owner-Signature": "0x" + "00" * 65}
n = 0
for path, item in sorted(doc["paths"].items()):
    for method, op in sorted(item.items()):
        kinds = [list(s)[0] for s in op.get("security", [])]
        if not kinds:
            continue
        n += 1
        m = method.upper()
        p = re.sub(r"\{[^}]+\}", lambda m: str(uuid.uuid4()), path)
        name = "%s %s" % (m, path)
        codes = set(filter(None, (EXPECT[k] for k in kinds)))
        want = codes if codes else None
        if "ownerAuth" in kinds:
            want = None
        # 1. no credential at all
        s, raw = call(m, p, {})
        check(name + ": no credential", s, raw, want)
        # 2. the wrong kind of credential
        if "masterAuth" in kinds and "sessionAuth" in kinds:
            wrong = owner
        elif "masterAuth" in kinds:
            wrong = {"Authorization": "Bearer " + session}
        else:
            wrong = {"X-Master-Password": master}
        s, raw = call(m, p, wrong)
        check(name + ": wrong kind of credential", s, raw, want)
        # 3. a garbage credential of the right kind
        if "sessionAuth" in kinds:
            garbage = {"Authorization": "Bearer wai_sess_garbage.x.y"}
        elif "masterAuth" in kinds:
            garbage = {"X-Master-Password": "garbage"}
        else:
            garbage = owner
        s, raw = call(m, p, garbage)
        check(name + ": garbage credential", s, raw, want)
print("ok - walked %d authenticated routes" % n if n >= 8 else
      "not ok - only %d authenticated routes in /doc" % n)
