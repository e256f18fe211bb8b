#!/usr/bin/env python3
"""wallet_shape.py address|balance|assets FILE: exit 0 if the JSON answer in
FILE has every field the reference's schema for that read requires
(WalletAddressResponse, WalletBalanceResponse, WalletAssetsResponse in
WAIaaS 2.15.0's OpenAPI document), each of its JSON type; else print what
is missing or wrong and exit 1.  Extra fields are allowed, as there."""
import json
import sys

S, I, B, A = str, int, bool, list
BASE = {"walletId": S, "chain": S, "network": S}
SHAPES = {
    "address": dict(BASE, address=S),
    "balance": dict(BASE, address=S, balance=S, decimals=I, symbol=S),
    "assets": dict(BASE, assets=A),
}
ASSET = {"mint": S, "symbol": S, "name": S, "balance": S, "decimals": I,
         "isNative": B}


def wrong(obj, shape, where):
    out = []
    for k, t in shape.items():
        if k not in obj:
            out.append("%s%s: missing" % (where, k))
        elif type(obj[k]) is not t:	# bool is not int here
            out.append("%s%s: not %s" % (where, k, t.__name__))
    return out


def main():
    kind, path = sys.argv[1], sys.argv[2]
    with open(path) as f:
        body = json.load(f)
    bad = wrong(body, SHAPES[kind], "")
    if kind == "assets" and isinstance(body.get("assets"), list):
        for i, a in enumerate(body["assets"]):
            bad += wrong(a, ASSET, "assets[%d]." % i)
    for b in bad:
        print(b, file=sys.stderr)
    return 1 if bad else 0


sys.exit(main())
