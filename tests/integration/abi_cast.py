#!/usr/bin/env python3
"""For t_abi.sh: each case of tests/vectors/abi_vectors.py through
POST /v1/utils/encode-calldata on the daemon, compared with what
Foundry's cast calldata says for the same call now.  One "ok - " or
"not ok - " line a case.  usage: abi_cast.py PORT SESSION_TOKEN CAST"""
import json
import os
import sys
import urllib.error
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..",
                                "vectors"))
import abi_vectors  # noqa: E402


def post(port, token, body):
    rq = urllib.request.Request(
        "http://127.0.0.1:%s/v1/utils/encode-calldata" % port,
        data=json.dumps(body).encode(), method="POST",
        headers={"Content-Type": "application/json",
                 "Authorization": "Bearer " + token})
    try:
        with urllib.request.urlopen(rq, timeout=10) as r:
            return r.status, json.load(r)
    except urllib.error.HTTPError as e:
        return e.code, json.load(e)


def main():
    port, token, cast = sys.argv[1:4]
    for name, fn, inputs, args, sig, cargs in abi_vectors.CASES:
        abi = [{"type": "function", "name": fn, "inputs": inputs,
                "outputs": [], "stateMutability": "nonpayable"},
               {"type": "event", "name": fn, "inputs": []}]
        try:
            want = abi_vectors.cast_calldata(cast, sig, cargs)
        except Exception as e:  # cast itself failed: say so
            print("not ok - %s: %s: cast failed: %s" % (name, sig, e))
            continue
        st, j = post(port, token, {"abi": abi, "functionName": fn,
                                   "args": args})
        good = (st == 200 and j.get("calldata") == want and
                j.get("selector") == want[:10] and
                j.get("functionName") == fn)
        print("%s - %s: %s matches cast calldata (%d bytes)" % (
            "ok" if good else "not ok", name, sig, (len(want) - 2) // 2))
        if not good:
            print("#   ours %s %s\n#   cast %s" % (st, json.dumps(j), want))


if __name__ == "__main__":
    main()
