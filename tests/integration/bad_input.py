#!/usr/bin/env python3
"""bad_input.py: the bad-input battery of t_bad_input.sh.

Each case is one malformed request.  Its answer must have the expected
status and the documented error JSON {code, message, requestId,
retryable} (and details.issues [{path, message}] on a 400
VALIDATION_FAILED, naming the expected field where the case says which);
and nothing may change: the SQLite file, read-only, and the chain's
balances and nonces are compared before and after every case.  Allowed:
audit_log and outbox gain auth failure rows (auth.* events, the
AUTH_FAILURES notice), and tables whose name says they count
authentication failures or lockouts change.  Prints one ok/not ok line
per case."""
import argparse
import hashlib
import http.client
import json
import re
import socket
import sqlite3
import time
import urllib.request

ap = argparse.ArgumentParser()
for k in ("port", "master", "session", "wallet", "address", "policy", "tx",
          "db", "rpc", "watch"):
    ap.add_argument("--" + k, required=True)
A = ap.parse_args()

W, TX, POL = A.wallet, A.tx, A.policy
NOWALLET = "01900000-0000-7000-8000-00000000dead"
ACC1 = A.watch
TOK = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
NET = "ethereum-sepolia"
M = {"X-Master-Password": A.master}
S = {"Authorization": "Bearer " + A.session}
OWNER = {"X-Owner-Address": "0x" + "ab" * 20,
         "X-Owner-Message": "Z2FyYmFnZQ==",
         "X-Owner-Signature": "0x" + "00" * 65}
XFER = {"network": NET, "to": ACC1, "amount": "1000"}

# Tables that may change on bad credentials (failure counts, lockouts).
AUTH_STATE = re.compile(r"fail|lock")


# ---- state ----

def snapshot():
    """Every table's rows, by table; audit_log and outbox by id."""
    db = sqlite3.connect("file:%s?mode=ro" % A.db, uri=True, timeout=10)
    try:
        names = [r[0] for r in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND "
            "name NOT LIKE 'sqlite_%' ORDER BY name")]
        snap = {}
        for n in names:
            cols = len(db.execute('SELECT * FROM "%s" LIMIT 0' %
                                  n).description)
            rows = db.execute('SELECT * FROM "%s" ORDER BY %s' % (
                n, ", ".join(str(i + 1) for i in range(cols))))
            snap[n] = [tuple(r) for r in rows]
        return snap
    finally:
        db.close()


def rpc(method, params):
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method,
                       "params": params}).encode()
    r = urllib.request.Request(A.rpc, data=body, headers={
        "Content-Type": "application/json"})
    with urllib.request.urlopen(r, timeout=10) as f:
        return json.loads(f.read())["result"]


def chain():
    out = {}
    for a in (A.address, ACC1):
        out[a] = (rpc("eth_getBalance", [a, "latest"]),
                  rpc("eth_getTransactionCount", [a, "latest"]))
    return out


def state_diff(before, after):
    """What changed that may not: a list of table names (empty: none)."""
    bad = []
    for n in sorted(set(before) | set(after)):
        b, a = before.get(n, []), after.get(n, [])
        if b == a or AUTH_STATE.search(n):
            continue
        if n in ("audit_log", "outbox") and a[:len(b)] == b:
            new = a[len(b):]
            if n == "audit_log" and all(r[2].startswith("auth.")
                                        for r in new):
                continue
            if n == "outbox" and all(r[2] == "AUTH_FAILURES" for r in new):
                continue
        bad.append(n)
    return bad


# ---- requests ----

def call(method, path, headers=None, body=None):
    """One request on its own connection: (status, raw body)."""
    c = http.client.HTTPConnection("127.0.0.1", int(A.port), timeout=30)
    h = dict(headers or {})
    if body is not None:
        if not isinstance(body, (bytes, str)):
            body = json.dumps(body)
        if isinstance(body, str):
            body = body.encode()
        h.setdefault("Content-Type", "application/json")
    c.request(method, path, body=body, headers=h)
    r = c.getresponse()
    raw = r.read()
    c.close()
    return r.status, raw


def raw_call(data):
    """Bytes as they are on the wire; (status, body)."""
    s = socket.create_connection(("127.0.0.1", int(A.port)), timeout=30)
    s.sendall(data)
    buf = b""
    while True:
        try:
            d = s.recv(65536)
        except ConnectionResetError:
            break
        if not d:
            break
        buf += d
        if b"\r\n\r\n" in buf:
            head, _, rest = buf.partition(b"\r\n\r\n")
            m = re.search(rb"(?i)content-length:\s*(\d+)", head)
            if m and len(rest) >= int(m.group(1)):
                break
    s.close()
    head, _, rest = buf.partition(b"\r\n\r\n")
    try:
        return int(head.split(b" ")[1]), rest
    except (IndexError, ValueError):
        return 0, buf


def shape(j):
    return (isinstance(j, dict) and isinstance(j.get("code"), str) and
            isinstance(j.get("message"), str) and
            isinstance(j.get("requestId"), str) and
            len(j["requestId"]) > 0 and
            isinstance(j.get("retryable"), bool))


def issues_ok(j, field):
    iss = (j.get("details") or {}).get("issues")
    if not isinstance(iss, list) or not iss:
        return False, "no details.issues"
    for i in iss:
        if (not isinstance(i, dict) or not isinstance(i.get("path"), list)
                or not isinstance(i.get("message"), str)):
            return False, "issue not {path, message}"
    if field is not None and not any(i["path"][:1] == [field]
                                     for i in iss):
        return False, "no issue names %s: %s" % (field, iss)
    return True, ""


counts = {"ok": 0, "not ok": 0}
seen = set()


def report(good, desc, why=""):
    k = "ok" if good else "not ok"
    counts[k] += 1
    print("%s - %s%s" % (k, desc, "" if good else " (%s)" % why))


def case(desc, method, path, headers=None, body=None, status=400,
         code="VALIDATION_FAILED", field=None, raw=None, check=None,
         settle=0, hint=None):
    """One malformed request, checked for its answer and for no change;
    settle: seconds to watch the chain afterwards (a send is broadcast
    after its answer)."""
    key = (method, path, json.dumps(headers, sort_keys=True),
           body if isinstance(body, (str, bytes, type(None)))
           else json.dumps(body), raw)
    if key in seen:
        raise SystemExit("battery: case given twice: " + desc)
    seen.add(key)
    before, cb = snapshot(), chain()
    try:
        if raw is not None:
            st, data = raw_call(raw)
        else:
            st, data = call(method, path, headers, body)
    except OSError as e:
        report(False, desc, "no answer: %s" % e)
        return
    ca = chain()
    while settle > 0 and ca == cb:
        time.sleep(0.2)
        settle -= 0.2
        ca = chain()
    after = snapshot()
    try:
        j = json.loads(data)
    except ValueError:
        j = None
    why = []
    if st != status:
        why.append("status %s, not %s" % (st, status))
    if check is not None:
        w = check(st, j)
        if w:
            why.append(w)
    elif not shape(j):
        why.append("not the error JSON: %r" % data[:200])
    elif code is not None and j["code"] != code:
        why.append("code %s, not %s" % (j["code"], code))
    elif st == 400 and j["code"] == "VALIDATION_FAILED":
        good, w = issues_ok(j, field)
        if not good:
            why.append(w)
    if hint is not None and (not isinstance(j, dict) or
                             hint not in str(j.get("hint"))):
        why.append("no hint saying %r: %r" % (hint, data[:300]))
    changed = state_diff(before, after)
    if changed:
        why.append("changed: " + ", ".join(changed))
    if ca != cb:
        why.append("the chain changed")
    report(not why, "%s %s: %s" % (method, path[:60], desc), "; ".join(why))


def dry_run_answer(st, j):
    """A dry run's answer: success, policy, fee; no transaction id."""
    if not isinstance(j, dict) or "policy" not in j or "success" not in j:
        return "not a dry run's answer: %r" % (j,)
    if "id" in j:
        return "a transaction id: it was sent"
    return ""


# ---- 1. dry runs (first: on a tree that ignores the query, they pay) ----
case("?dryRun=true is a dry run: nothing stored, nothing sent", "POST",
     "/v1/transactions/send?dryRun=true", S, XFER, status=200,
     check=dry_run_answer, settle=2)
case("?dryRun=true and a body that agrees", "POST",
     "/v1/transactions/send?dryRun=true", S, dict(XFER, dryRun=True),
     status=200, check=dry_run_answer, settle=2)
case("?dryRun=true with a legacy body (no type, no network)", "POST",
     "/v1/transactions/send?dryRun=true", S,
     {"to": ACC1, "amount": "1"}, status=400, code="NETWORK_REQUIRED")
case("?dryRun=true and the body false disagree", "POST",
     "/v1/transactions/send?dryRun=true", S, dict(XFER, dryRun=False),
     field="dryRun", hint="stricter than the reference")
case("?dryRun=false and the body true disagree", "POST",
     "/v1/transactions/send?dryRun=false", S, dict(XFER, dryRun=True),
     field="dryRun", hint="never broadcast on a guess")
for v in ("yes", "1", "TRUE", "", "on"):
    case("dryRun=%s is not a boolean" % v, "POST",
         "/v1/transactions/send?dryRun=" + v, S, XFER, field="dryRun")
case("dryRun without a value", "POST", "/v1/transactions/send?dryRun", S,
     XFER, field="dryRun")
case("simulate takes no dryRun", "POST",
     "/v1/transactions/simulate?dryRun=true", S, XFER, field="dryRun")
for v in ("true", 1, None, "false"):
    case("body dryRun %r is not a boolean" % (v,), "POST",
         "/v1/transactions/send", S, dict(XFER, dryRun=v), field="dryRun")
case("?dryRun=true with a bad body is still refused", "POST",
     "/v1/transactions/send?dryRun=true", S, {"to": ACC1}, field="amount")

# ---- 2. query strings: a key no route defines ----
every = [
    ("GET", "/health", None, None), ("GET", "/doc", None, None),
    ("GET", "/v1/nonce", None, None),
    ("POST", "/v1/wallets", M, {"name": "x"}),
    ("GET", "/v1/wallets", M, None),
    ("POST", "/v1/wallets/import", M,
     {"name": "x", "chain": "ethereum", "privateKey": "0x" + "11" * 32}),
    ("GET", "/v1/wallets/" + W, M, None),
    ("PUT", "/v1/wallets/" + W, M, {"name": "renamed"}),
    ("PUT", "/v1/wallets/%s/owner" % W, M, {"owner_address": ACC1}),
    ("POST", "/v1/sessions", M, {"walletId": W}),
    ("GET", "/v1/sessions", M, None),
    ("PUT", "/v1/sessions/%s/renew" % NOWALLET, S, None),
    ("POST", "/v1/policies", M,
     {"type": "RATE_LIMIT", "rules": {"max_requests": 5,
                                      "window_seconds": 60}}),
    ("GET", "/v1/policies", M, None),
    ("GET", "/v1/policies/" + POL, M, None),
    ("PUT", "/v1/policies/" + POL, M, {"priority": 7}),
    ("GET", "/v1/audit-logs", M, None),
    ("GET", "/v1/audit-logs/verify", M, None),
    ("GET", "/v1/wallet/address", S, None),
    ("GET", "/v1/wallet/balance", S, None),
    ("GET", "/v1/wallet/assets", S, None),
    ("POST", "/v1/transactions/send", S, XFER),
    ("POST", "/v1/transactions/simulate", S, XFER),
    ("POST", "/v1/transactions/sign-message", S,
     {"message": "hello", "network": NET}),
    ("POST", "/v1/transactions/sign", S, {"transaction": "0x02c0",
                                          "network": NET}),
    ("GET", "/v1/transactions", S, None),
    ("GET", "/v1/transactions/pending", S, None),
    ("GET", "/v1/transactions/" + TX, S, None),
    ("GET", "/v1/transactions/%s/approval" % TX, None, None),
    ("POST", "/v1/transactions/%s/cancel" % TX, S, None),
    ("POST", "/v1/admin/notifications/test", M, None),
    ("GET", "/approve/" + TX, None, None),
    ("GET", "/admin", None, None),
    ("GET", "/admin/admin.js", None, None),
    ("GET", "/admin/admin.css", None, None),
]
for m, p, h, b in every:
    case("an undefined query parameter is refused, named", m,
         p + "?bogus=1", h, b, field="bogus")
# The ones whose success would change state, last of this group.
for m, p, h, b in [
        ("POST", "/v1/admin/backup", M, None),
        ("DELETE", "/v1/sessions/" + NOWALLET, M, None)]:
    case("an undefined query parameter is refused, named", m,
         p + "?bogus=1", h, b, field="bogus")
# ownerAuth routes authenticate first: a garbage signature is 401.
for p in ("/v1/wallets/%s/owner/verify" % W,
          "/v1/transactions/%s/approve" % TX,
          "/v1/transactions/%s/reject" % TX,
          "/v1/owner/kill-switch?walletId=%s" % W):
    case("ownerAuth first: garbage owner headers and a bad query are 401",
         "POST", p + ("&" if "?" in p else "?") + "bogus=1", OWNER,
         status=401, code=None)

# ---- 3. a key given twice ----
for m, p, h, b, k in [
        ("GET", "/v1/sessions?limit=5&limit=5", M, None, "limit"),
        ("GET", "/v1/policies?offset=0&offset=0", M, None, "offset"),
        ("GET", "/v1/audit-logs?limit=5&limit=6", M, None, "limit"),
        ("GET", "/v1/transactions?limit=5&limit=5", S, None, "limit"),
        ("GET", "/v1/transactions/pending?walletId=%s&walletId=%s" %
         (W, W), S, None, "walletId"),
        ("GET", "/v1/wallet/balance?walletId=%s&walletId=%s" % (W, W), S,
         None, "walletId"),
        ("GET", "/v1/nonce?action=owner.verify&action=owner.verify", None,
         None, "action"),
        ("POST", "/v1/transactions/send?dryRun=true&dryRun=true", S, XFER,
         "dryRun"),
        ("POST", "/v1/transactions/send?dryRun=false&dryRun=true", S, XFER,
         "dryRun")]:
    case("a query key given twice", m, p, h, b, field=k)

# ---- 4. limits and offsets: never the default ----
for p, h in [("/v1/sessions", M), ("/v1/policies", M),
             ("/v1/audit-logs", M), ("/v1/transactions", S),
             ("/v1/transactions/pending", S)]:
    for v in ("-1", "0", "abc", "1000000000", "1.5", "", "0x10", "%2B5",
              "99999999999999999999"):
        case("limit=%s is refused, not the default" % v, "GET",
             "%s?limit=%s" % (p, v), h, field="limit")
    case("limit without a value", "GET", p + "?limit", h, field="limit")
for p in ("/v1/sessions", "/v1/policies", "/v1/audit-logs"):
    for v in ("-1", "abc", "1099511627777"):
        case("offset=%s" % v, "GET", "%s?offset=%s" % (p, v), M,
             field="offset")
case("transactions take no offset", "GET", "/v1/transactions?offset=0", S,
     field="offset")

# ---- 5. ids, enums, names, unsupported keys ----
for p, h in [("/v1/sessions", M), ("/v1/policies", M),
             ("/v1/transactions", S), ("/v1/transactions/pending", S),
             ("/v1/wallet/address", S), ("/v1/wallet/balance", S),
             ("/v1/wallet/assets", S)]:
    case("walletId not an id", "GET", p + "?walletId=not-a-wallet", h,
         field="walletId")
case("walletId in capitals", "GET", "/v1/wallet/address?walletId=" +
     W.upper(), S, field="walletId")
case("walletId with a trailing byte", "GET", "/v1/sessions?walletId=%sx" %
     W, M, field="walletId")
case("cursor not an id", "GET", "/v1/transactions?cursor=zzz", S,
     field="cursor")
case("status not a status", "GET", "/v1/transactions?status=DONE", S,
     field="status")
case("status in lower case", "GET", "/v1/transactions?status=confirmed", S,
     field="status")
case("pending takes no status", "GET",
     "/v1/transactions/pending?status=QUEUED", S, field="status")
case("type not a policy type", "GET", "/v1/policies?type=spending_limit",
     M, field="type")
case("network in capitals", "GET", "/v1/wallet/balance?network=ETHEREUM",
     S, field="network")
case("network with an underscore", "GET",
     "/v1/wallet/assets?network=base_sepolia", S, field="network")
case("network longer than 32", "GET", "/v1/wallet/address?network=" +
     "a" * 33, S, field="network")
case("token with a slash", "GET", "/v1/wallet/balance?token=0x12%2F34", S,
     field="token")
case("address takes no token", "GET", "/v1/wallet/address?token=" + TOK, S,
     field="token")
for p in ("/v1/wallet/balance", "/v1/wallet/assets", "/v1/transactions",
          "/v1/transactions/" + TX):
    case("display_currency: not supported, said so", "GET",
         p + "?display_currency=EUR", S, field="display_currency")
for k in ("event_type=TX_CONFIRMED", "severity=info", "include_total=true",
          "wallet_id=" + W):
    case("a reference audit filter: not supported, said so", "GET",
         "/v1/audit-logs?" + k, M, field=k.split("=")[0])
case("nonce: target without action", "GET", "/v1/nonce?target=" + W,
     field="target")
case("nonce: action in capitals", "GET", "/v1/nonce?action=Owner.Verify",
     field="action")
case("nonce: action longer than 32", "GET", "/v1/nonce?action=" + "a" * 33,
     field="action")
case("nonce: target with a dot", "GET",
     "/v1/nonce?action=owner.verify&target=a.b", field="target")
case("owner kill-switch: walletId not an id (after auth)", "POST",
     "/v1/owner/kill-switch?walletId=x", OWNER, status=401, code=None)
case("a percent-encoded key is not the key", "POST",
     "/v1/transactions/send?dry%52un=true", S, XFER, field="dry%52un")
case("an empty key", "GET", "/v1/sessions?=5", M, field="")
case("a query longer than 512 bytes", "GET", "/v1/sessions?limit=1&x=" +
     "a" * 600, M, status=414, code="URI_TOO_LONG")

# ---- 6. bodies that are not a JSON object ----
for desc, b in [("not JSON", "hello"), ("a JSON array", "[]"),
                ("a JSON string", '"x"'), ("a number", "42"),
                ("null", "null"), ("empty", ""),
                ("trailing garbage", '{"name":"a"} x'),
                ("truncated", '{"name":"a"'),
                ("a single quote string", "{'name':'a'}"),
                ("invalid UTF-8", b'{"name":"\xff\xfe"}'),
                # jansson's message quotes half of the character: the api
                # died on it (json_pack refuses what is not UTF-8)
                ("a backslash before a 2-byte character",
                 b'{"name":"a\\\xc3\xa9"}'),
                ("deep nesting", "[" * 5000 + "]" * 5000),
                ("a NUL escape", '{"name":"a\\u0000b"}')]:
    case("wallet create, body " + desc, "POST", "/v1/wallets", M, b)
for p, h in [("/v1/sessions", M), ("/v1/policies", M),
             ("/v1/transactions/send", S),
             ("/v1/transactions/sign-message", S),
             ("/v1/transactions/sign", S),
             ("/v1/admin/notifications/test", M)]:
    case("body not JSON", "POST", p, h, "{nope")
    case("body a JSON array", "POST", p, h, [1, 2])
case("rename, body not JSON", "PUT", "/v1/wallets/" + W, M, "x")
case("owner set, body a string", "PUT", "/v1/wallets/%s/owner" % W, M,
     '"0xabc"')
case("policy update, body null", "PUT", "/v1/policies/" + POL, M, "null")

# ---- 7. duplicate keys ----
for p, h, b in [
        ("/v1/wallets", M, '{"name":"a","name":"b"}'),
        ("/v1/sessions", M, '{"walletId":"%s","walletId":"%s"}' % (W, W)),
        ("/v1/policies", M, '{"type":"RATE_LIMIT","type":"WHITELIST",'
         '"rules":{}}'),
        ("/v1/transactions/send", S, '{"network":"%s","to":"%s",'
         '"amount":"1","amount":"2"}' % (NET, ACC1)),
        ("/v1/transactions/send", S, '{"network":"%s","to":"%s",'
         '"amount":"1","dryRun":true,"dryRun":false}' % (NET, ACC1)),
        ("/v1/transactions/sign-message", S,
         '{"message":"a","message":"b"}'),
        ("/v1/transactions/sign", S,
         '{"transaction":"0x02c0","transaction":"0x02c1"}'),
        ("/v1/policies", M, '{"type":"RATE_LIMIT","rules":{'
         '"max_requests":1,"max_requests":2,"window_seconds":60}}')]:
    case("a duplicate key", "POST", p, h, b)

# ---- 8. wallets ----
WC = "/v1/wallets"
for desc, b, f in [
        ("unknown field", {"name": "a", "color": "red"}, "color"),
        ("name missing", {"chain": "ethereum"}, "name"),
        ("name a number", {"name": 1}, "name"),
        ("name empty", {"name": ""}, "name"),
        ("name 101 characters", {"name": "n" * 101}, "name"),
        ("name 200 KB", {"name": "n" * 200000}, "name"),
        ("name with a control character", {"name": "a\u0007b"}, "name"),
        ("chain not a chain", {"name": "a", "chain": "bitcoin"}, "chain"),
        ("chain in capitals", {"name": "a", "chain": "ETHEREUM"}, "chain"),
        ("environment not one", {"name": "a", "environment": "prod"},
         "environment"),
        ("createSession a string", {"name": "a", "createSession": "yes"},
         "createSession"),
        ("privateKey on create", {"name": "a", "privateKey": "0x" + "1" *
                                  64}, "privateKey")]:
    case("wallet create: " + desc, "POST", WC, M, b, field=f)
WI = "/v1/wallets/import"
for desc, b, f in [
        ("privateKey missing", {"name": "i", "chain": "ethereum"},
         "privateKey"),
        ("privateKey short", {"name": "i", "chain": "ethereum",
                              "privateKey": "0x1234"}, "privateKey"),
        ("privateKey not hex", {"name": "i", "chain": "ethereum",
                                "privateKey": "0x" + "zz" * 32},
         "privateKey"),
        ("privateKey a number", {"name": "i", "chain": "ethereum",
                                 "privateKey": 12345}, "privateKey"),
        ("solana key with a 0", {"name": "i", "chain": "solana",
                                 "privateKey": "0" * 88}, "privateKey"),
        ("unknown field", {"name": "i", "chain": "ethereum",
                           "privateKey": "0x" + "11" * 32, "seed": "x"},
         "seed")]:
    case("wallet import: " + desc, "POST", WI, M, b, field=f)
for desc, b, f in [("name missing", {}, "name"),
                   ("name a list", {"name": ["a"]}, "name"),
                   ("unknown field", {"name": "a", "chain": "solana"},
                    "chain")]:
    case("rename: " + desc, "PUT", "/v1/wallets/" + W, M, b, field=f)
case("rename: no such wallet", "PUT", "/v1/wallets/" + NOWALLET, M,
     {"name": "a"}, status=404, code="WALLET_NOT_FOUND")
OS = "/v1/wallets/%s/owner" % W
for desc, b, f in [
        ("owner_address missing", {}, "owner_address"),
        ("owner_address with a space", {"owner_address": "0x12 34"},
         "owner_address"),
        ("owner_address 65 characters", {"owner_address": "a" * 65},
         "owner_address"),
        ("owner_address a number", {"owner_address": 5}, "owner_address"),
        ("approval_method not the reference's", {"owner_address": ACC1,
                                                  "approval_method": "x"},
         "approval_method"),
        ("unknown field", {"owner_address": ACC1, "approvalMethod": "rest"},
         "approvalMethod")]:
    case("owner set: " + desc, "PUT", OS, M, b, field=f)
case("owner set: not an address for the chain", "PUT", OS, M,
     {"owner_address": "abc"}, code="INVALID_ADDRESS")
for p in ("/v1/wallets/not-a-uuid", "/v1/wallets/" + NOWALLET):
    case("no such wallet", "GET", p, M, status=404, code=None)

# ---- 9. sessions ----
SC = "/v1/sessions"
for desc, b, f in [
        ("no wallet", {}, "walletId"),
        ("walletId not an id", {"walletId": "abc"}, "walletId"),
        ("walletIds empty", {"walletIds": []}, "walletIds"),
        ("walletIds 65 ids", {"walletIds": [W] * 65}, "walletIds"),
        ("walletIds with a number", {"walletIds": [W, 5]}, "walletIds"),
        ("walletIds a string", {"walletIds": W}, "walletIds"),
        ("ttl 299", {"walletId": W, "ttl": 299}, "ttl"),
        ("ttl 31536001", {"walletId": W, "ttl": 31536001}, "ttl"),
        ("ttl a string", {"walletId": W, "ttl": "3600"}, "ttl"),
        ("ttl a fraction", {"walletId": W, "ttl": 3600.5}, "ttl"),
        ("maxRenewals -1", {"walletId": W, "maxRenewals": -1},
         "maxRenewals"),
        ("absoluteLifetime -1", {"walletId": W, "absoluteLifetime": -1},
         "absoluteLifetime"),
        ("absoluteLifetime over ten years",
         {"walletId": W, "absoluteLifetime": 10 * 31536000 + 1},
         "absoluteLifetime"),
        ("unknown field", {"walletId": W, "scope": "all"}, "scope")]:
    case("session create: " + desc, "POST", SC, M, b, field=f)
case("session create: absoluteLifetime 0 (never ending) is refused, and the "
     "hint says it is on purpose", "POST", SC, M,
     {"walletId": W, "absoluteLifetime": 0}, field="absoluteLifetime",
     hint="stricter than the reference")
case("session create: no such wallet", "POST", SC, M,
     {"walletId": NOWALLET}, status=404, code="WALLET_NOT_FOUND")
case("session revoke: not an id", "DELETE", "/v1/sessions/xyz", M,
     status=404, code=None)

# ---- 10. policies ----
PC = "/v1/policies"
for desc, b, f in [
        ("type missing", {"rules": {}}, "type"),
        ("type unknown", {"type": "SPEND", "rules": {}}, "type"),
        ("rules missing", {"type": "RATE_LIMIT"}, "rules"),
        ("rules an array", {"type": "RATE_LIMIT", "rules": []}, "rules"),
        ("instant_max not digits", {"type": "SPENDING_LIMIT", "rules":
                                    {"instant_max": "abc"}}, "rules"),
        ("instant_max negative", {"type": "SPENDING_LIMIT", "rules":
                                  {"instant_max": "-1"}}, "rules"),
        ("instant_max 79 digits", {"type": "SPENDING_LIMIT", "rules":
                                   {"instant_max": "9" * 79}}, "rules"),
        ("delay_seconds 30", {"type": "SPENDING_LIMIT", "rules":
                              {"instant_max": "1", "delay_seconds": 30}},
         "rules"),
        ("allowed_addresses a string", {"type": "WHITELIST", "rules":
                                        {"allowed_addresses": ACC1}},
         "rules"),
        ("allowed_addresses a bad one", {"type": "WHITELIST", "rules":
                                         {"allowed_addresses": ["0x12"]}},
         "rules"),
        ("hour 25", {"type": "TIME_RESTRICTION", "rules": {
            "allowed_hours": {"start": 0, "end": 25}}}, "rules"),
        ("max_requests 0", {"type": "RATE_LIMIT", "rules": {
            "max_requests": 0, "window_seconds": 60}}, "rules"),
        ("a selector of 3 bytes", {"type": "METHOD_WHITELIST", "rules": {
            "methods": [{"contractAddress": TOK, "selectors":
                         ["0x123456"]}]}}, "rules"),
        ("a tier that is none", {"type": "APPROVE_TIER_OVERRIDE",
                                 "rules": {"tier": "FAST"}}, "rules"),
        ("priority 5000", {"type": "RATE_LIMIT", "priority": 5000, "rules":
                           {"max_requests": 1, "window_seconds": 60}},
         "priority"),
        ("priority a string", {"type": "RATE_LIMIT", "priority": "1",
                               "rules": {"max_requests": 1,
                                         "window_seconds": 60}},
         "priority"),
        ("enabled a string", {"type": "RATE_LIMIT", "enabled": "yes",
                              "rules": {"max_requests": 1,
                                        "window_seconds": 60}}, "enabled"),
        ("network unknown", {"type": "RATE_LIMIT", "network": "mars",
                             "rules": {"max_requests": 1,
                                       "window_seconds": 60}}, "network"),
        ("walletId not an id", {"type": "RATE_LIMIT", "walletId": "w1",
                                "rules": {"max_requests": 1,
                                          "window_seconds": 60}},
         "walletId"),
        ("unknown field", {"type": "RATE_LIMIT", "name": "x", "rules":
                           {"max_requests": 1, "window_seconds": 60}},
         "name"),
        ("unknown rule", {"type": "RATE_LIMIT", "rules": {
            "max_requests": 1, "window_seconds": 60, "burst": 2}},
         "rules")]:
    case("policy create: " + desc, "POST", PC, M, b, field=f)
case("policy create: no such wallet", "POST", PC, M,
     {"type": "RATE_LIMIT", "walletId": NOWALLET, "rules":
      {"max_requests": 1, "window_seconds": 60}}, status=404,
     code="WALLET_NOT_FOUND")
PU = "/v1/policies/" + POL
for desc, b, f in [
        ("nothing to update", {}, None),
        ("rules an array", {"rules": []}, "rules"),
        ("rules not for its type", {"rules": {"max_requests": 1}},
         "rules"),
        ("priority -1001", {"priority": -1001}, "priority"),
        ("type does not change", {"type": "WHITELIST"}, "type"),
        ("walletId does not change", {"walletId": W}, "walletId"),
        ("enabled null", {"enabled": None}, "enabled")]:
    case("policy update: " + desc, "PUT", PU, M, b, field=f)
case("policy update: no such policy", "PUT", "/v1/policies/" + NOWALLET, M,
     {"priority": 1}, status=404, code=None)
case("policy get: not an id", "GET", "/v1/policies/zzz", M, status=404,
     code=None)

# ---- 11. transactions ----
TS = "/v1/transactions/send"
TT = {"address": TOK, "decimals": 6, "symbol": "TEST"}
for desc, b, f in [
        ("type unknown", dict(XFER, type="BURN"), "type"),
        ("type a number", dict(XFER, type=1), "type"),
        ("to missing", {"network": NET, "amount": "1"}, "to"),
        ("amount missing", {"network": NET, "to": ACC1}, "amount"),
        ("amount a number", dict(XFER, amount=1), "amount"),
        ("amount 79 digits", dict(XFER, amount="9" * 79), "amount"),
        ("amount empty", dict(XFER, amount=""), "amount"),
        ("memo 257 bytes", dict(XFER, memo="m" * 257), "memo"),
        ("memo 86 characters of 3 bytes (258 bytes)",
         dict(XFER, memo="\u2713" * 86), "memo"),
        ("memo a number", dict(XFER, memo=42), "memo"),
        ("memo null", dict(XFER, memo=None), "memo"),
        ("memo an object", dict(XFER, memo={"text": "x"}), "memo"),
        ("memo on an ERC-20 transfer", {"type": "TOKEN_TRANSFER",
                                        "network": NET, "to": ACC1,
                                        "amount": "1", "memo": "x",
                                        "token": TT}, "memo"),
        ("memo on an APPROVE", {"type": "APPROVE", "network": NET,
                                "spender": ACC1, "amount": "1",
                                "memo": "x", "token": TT}, "memo"),
        ("walletId 65 characters", dict(XFER, walletId="w" * 65),
         "walletId"),
        ("network 33 characters", dict(XFER, network="n" * 33), "network"),
        ("unknown field", dict(XFER, gas=21000), "gas"),
        ("humanAmount with amount", dict(XFER, humanAmount="1.5"),
         "humanAmount"),
        ("humanAmount not a decimal", dict(
            {k: v for k, v in XFER.items() if k != "amount"},
            humanAmount="-1.5"), "humanAmount"),
        ("humanAmount with an exponent", {"network": NET, "to": ACC1,
                                          "humanAmount": "1e18"},
         "humanAmount"),
        ("gasCondition timeout under 60 s",
         dict(XFER, gasCondition={"maxGasPrice": "1", "timeout": 59}),
         "gasCondition.timeout"),
        ("gasCondition without a maximum",
         dict(XFER, gasCondition={"timeout": 60}), "gasCondition"),
        ("TOKEN_TRANSFER without token", {"type": "TOKEN_TRANSFER",
                                          "network": NET, "to": ACC1,
                                          "amount": "1"}, "token"),
        ("TOKEN_TRANSFER token a string", {"type": "TOKEN_TRANSFER",
                                           "network": NET, "to": ACC1,
                                           "amount": "1", "token": TOK},
         "token"),
        ("token decimals 37", {"type": "TOKEN_TRANSFER", "network": NET,
                               "to": ACC1, "amount": "1",
                               "token": dict(TT, decimals=37)},
         "token.decimals"),
        ("token with an unknown field", {"type": "TOKEN_TRANSFER",
                                         "network": NET, "to": ACC1,
                                         "amount": "1",
                                         "token": dict(TT, logo="x")},
         "logo"),
        ("APPROVE without spender", {"type": "APPROVE", "network": NET,
                                     "amount": "1", "token": TT},
         "spender"),
        ("APPROVE with to", {"type": "APPROVE", "network": NET, "to": ACC1,
                             "spender": ACC1, "amount": "1", "token": TT},
         "to"),
        ("CONTRACT_CALL accounts an object", {"type": "CONTRACT_CALL",
                                              "to": TOK, "accounts": {}},
         "accounts"),
        ("CONTRACT_CALL 33 accounts", {
            "type": "CONTRACT_CALL", "programId": "1" * 32, "accounts":
            [{"pubkey": "1" * 32, "isSigner": False,
              "isWritable": False}] * 33}, "accounts"),
        ("CONTRACT_CALL an account without isSigner", {
            "type": "CONTRACT_CALL", "programId": "1" * 32, "accounts":
            [{"pubkey": "1" * 32, "isWritable": False}]}, "accounts"),
        ("CONTRACT_CALL calldata a number", {"type": "CONTRACT_CALL",
                                             "to": TOK, "calldata": 5},
         "calldata"),
        ("TRANSFER with calldata", dict(XFER, calldata="0x"),
         "calldata")]:
    case("send: " + desc, "POST", TS, S, b, field=f)
case("send: recipient not an address", "POST", TS, S,
     dict(XFER, to="0x1234"), field="to")
case("send: amount not digits", "POST", TS, S, dict(XFER, amount="1e18"),
     field="amount")
case("send: a Solana network for an EVM wallet", "POST", TS, S,
     dict(XFER, network="devnet"), code="ENVIRONMENT_NETWORK_MISMATCH")
case("send: an unknown network", "POST", TS, S,
     dict(XFER, network="mars-mainnet"), field="network")
case("send: a wallet the session does not hold", "POST", TS, S,
     dict(XFER, walletId=NOWALLET), status=403,
     code="WALLET_ACCESS_DENIED")
case("simulate: type unknown", "POST", "/v1/transactions/simulate", S,
     dict(XFER, type="MINT"), field="type")
case("simulate: amount a list", "POST", "/v1/transactions/simulate", S,
     dict(XFER, amount=["1"]), field="amount")
SM = "/v1/transactions/sign-message"
for desc, b, f in [
        ("message missing", {"network": NET}, "message"),
        ("message a number", {"message": 5, "network": NET}, "message"),
        ("message over 16 KiB", {"message": "m" * (16 * 1024 + 1),
                                 "network": NET}, "message"),
        ("signType unknown", {"signType": "raw", "message": "a"},
         "signType"),
        ("typedData not an object", {"signType": "typedData",
                                     "typedData": "x"}, "typedData"),
        ("typedData with message", {"signType": "typedData", "typedData":
                                    {}, "message": "a"}, "message"),
        ("personal with typedData", {"message": "a", "typedData": {}},
         "typedData"),
        ("unknown field", {"message": "a", "encoding": "hex"},
         "encoding")]:
    case("sign-message: " + desc, "POST", SM, S, b, field=f)
SG = "/v1/transactions/sign"
for desc, b, f in [
        ("transaction missing", {"network": NET}, "transaction"),
        ("transaction a number", {"transaction": 5}, "transaction"),
        ("transaction empty", {"transaction": ""}, "transaction"),
        ("chain unknown", {"transaction": "0x02c0", "chain": "bitcoin"},
         "chain"),
        ("unknown field", {"transaction": "0x02c0", "raw": "0x"},
         "raw")]:
    case("sign: " + desc, "POST", SG, S, b, field=f)
for desc, t in [("not hex", "0xzz"), ("no 0x", "02c0"),
                ("odd digits", "0x02c"), ("an empty list", "0xc0"),
                ("type 1", "0x01c0")]:
    case("sign: " + desc, "POST", SG, S, {"transaction": t,
                                          "network": NET},
         code="INVALID_TRANSACTION")
for p, st in [("/v1/transactions/zzz", 404),
              ("/v1/transactions/" + NOWALLET, 404),
              ("/v1/transactions/%s/approval" % NOWALLET, 404)]:
    case("no such transaction", "GET", p, S, status=st, code=None)
case("cancel: a confirmed transaction", "POST",
     "/v1/transactions/%s/cancel" % TX, S, status=409, code=None)
case("cancel: not an id", "POST", "/v1/transactions/x/cancel", S,
     status=404, code=None)
case("approval page: not a transaction id", "GET", "/approve/nope",
     status=404, code="TX_NOT_FOUND")

# ---- 12. admin ----
NT = "/v1/admin/notifications/test"
for desc, b, f in [("channel unknown", {"channel": "sms"}, "channel"),
                   ("channel a number", {"channel": 1}, "channel"),
                   ("unknown field", {"channel": "webhook", "to": "x"},
                    "to")]:
    case("notifications test: " + desc, "POST", NT, M, b, field=f)

# ---- 13. credentials ----
case("session route without a credential", "GET", "/v1/wallet/address",
     status=401, code="INVALID_TOKEN")
case("garbage bearer token", "GET", "/v1/wallet/address",
     {"Authorization": "Bearer wai_sess_garbage"}, status=401,
     code="INVALID_TOKEN")
case("empty bearer token", "GET", "/v1/transactions",
     {"Authorization": "Bearer "}, status=401, code="INVALID_TOKEN")
case("Basic instead of Bearer", "GET", "/v1/transactions",
     {"Authorization": "Basic " + A.session}, status=401,
     code="INVALID_TOKEN")
flip = A.session[:-2] + ("A" if A.session[-2] != "A" else "B") + \
    A.session[-1]
case("a token with one character changed", "GET", "/v1/transactions",
     {"Authorization": "Bearer " + flip}, status=401, code=None)
case("a token of 5000 bytes", "GET", "/v1/transactions",
     {"Authorization": "Bearer " + "a" * 5000}, status=401, code=None)
case("the master password on a session route", "GET", "/v1/transactions",
     M, status=401, code="INVALID_TOKEN")
case("a session token on a master route", "GET", "/v1/audit-logs", S,
     status=401, code="INVALID_MASTER_PASSWORD")
case("master route without a credential", "POST", "/v1/wallets", None,
     {"name": "a"}, status=401, code="INVALID_MASTER_PASSWORD")
case("a wrong master password", "POST", "/v1/policies",
     {"X-Master-Password": "wrong"}, {"type": "RATE_LIMIT", "rules":
                                      {"max_requests": 1,
                                       "window_seconds": 60}},
     status=401, code="INVALID_MASTER_PASSWORD")
case("a wrong master password and a bad query: auth first", "GET",
     "/v1/sessions?limit=0", {"X-Master-Password": "wrong"}, status=401,
     code="INVALID_MASTER_PASSWORD")
case("no credential and a bad body: auth first", "POST",
     "/v1/transactions/send", None, "{nope", status=401,
     code="INVALID_TOKEN")
case("garbage owner headers on owner verify", "POST",
     "/v1/wallets/%s/owner/verify" % W, OWNER, status=401, code=None)

# ---- 14. routes and methods ----
case("no such route", "GET", "/v1/nothing", status=404, code="NOT_FOUND")
case("a method the route does not take", "DELETE", "/v1/wallets", M, status=405, code="METHOD_NOT_ALLOWED")
case("a path parameter of 97 bytes", "GET", "/v1/wallets/" + "a" * 97, M,
     status=404, code=None)
case("a body declared larger than the limit", "POST", "/v1/wallets", M,
     raw=("POST /v1/wallets HTTP/1.1\r\nHost: x\r\nX-Master-Password: %s\r\n"
          "Content-Type: application/json\r\nContent-Length: 10000000\r\n"
          "\r\n" % A.master).encode(), status=413, code=None)

# ---- the token registry: nothing added, removed or read from a chain ----
TADD = {"network": NET, "address": TOK, "symbol": "TT", "name": "T T",
        "decimals": 6}
for desc, body, field in (
        ("body not an object", "[1]", None),
        ("unknown field", dict(TADD, logo="x"), "logo"),
        ("no network", {k: v for k, v in TADD.items() if k != "network"},
         "network"),
        ("no decimals", {k: v for k, v in TADD.items() if k != "decimals"},
         "decimals"),
        ("decimals 19", dict(TADD, decimals=19), "decimals"),
        ("decimals -1", dict(TADD, decimals=-1), "decimals"),
        ("decimals 1.5", dict(TADD, decimals=1.5), "decimals"),
        ("decimals a string", dict(TADD, decimals="6"), "decimals"),
        ("symbol of 21 characters", dict(TADD, symbol="S" * 21), "symbol"),
        ("symbol a number", dict(TADD, symbol=5), "symbol"),
        ("name of 101 characters", dict(TADD, name="n" * 101), "name"),
        ("name with a control character", dict(TADD, name="a\u0007b"),
         "name"),
        ("name empty", dict(TADD, name=""), "name"),
        ("address with punctuation", dict(TADD, address="0x'; --"),
         "address"),
        ("address of 65 characters", dict(TADD, address="a" * 65),
         "address"),
        ("address a short hex", dict(TADD, address="0x1234"), "address"),
        ("address with a bad EIP-55 checksum",
         dict(TADD, address=TOK[:-1] + "A"), "address"),
        ("a mint on an EVM network",
         dict(TADD, address="So11111111111111111111111111111111111111112"),
         "address"),
        ("a built-in token",
         dict(TADD, address="0x1c7D4B196Cb0C7B01d743Fbc6116a902379C7238"),
         "address"),
        ("network with an underscore", dict(TADD, network="base_sepolia"),
         "network"),
        ("an unknown network", dict(TADD, network="nowhere"), "network")):
    case("token add: " + desc, "POST", "/v1/tokens", M, body, field=field)
case("token add: a session may not", "POST", "/v1/tokens", S,
     dict(TADD, symbol="SS"), status=401, code=None)
TDEL = {"network": NET, "address": TOK}
for desc, body, field in (
        ("body not an object", "\"x\"", None),
        ("unknown field", dict(TDEL, symbol="TT"), "symbol"),
        ("no address", {"network": NET}, "address"),
        ("address with a slash", dict(TDEL, address="0x12/34"), "address"),
        ("a built-in token",
         dict(TDEL, address="0x1c7D4B196Cb0C7B01d743Fbc6116a902379C7238"),
         "address")):
    case("token remove: " + desc, "DELETE", "/v1/tokens", M, body,
         field=field)
for desc, q, field in (
        ("no network", "", "network"),
        ("network with a quote", "?network=eth'", "network"),
        ("an unknown network", "?network=nowhere", "network"),
        ("network twice", "?network=%s&network=%s" % (NET, NET), "network"),
        ("an undefined query parameter", "?network=%s&walletId=%s" %
         (NET, W), "walletId")):
    case("token list: " + desc, "GET", "/v1/tokens" + q, S, field=field)
for desc, q, field in (
        ("address without network", "?address=" + TOK, None),
        ("address with a quote", "?network=%s&address=0x'" % NET,
         "address"),
        ("assetId and network", "?assetId=eip155:11155111/erc20:%s"
         "&network=%s" % (TOK, NET), "assetId"),
        ("assetId with a space", "?assetId=eip155:1%20/erc20:" + TOK,
         "assetId"),
        ("assetId of an unknown chain", "?assetId=eip155:424242/erc20:" +
         TOK, "assetId"),
        ("assetId of another namespace", "?assetId=eip155:11155111/"
         "erc721:" + TOK, "assetId"),
        ("assetId without a slash", "?assetId=eip155:11155111", "assetId"),
        ("assetId: another coin's slip44", "?assetId=eip155:11155111/"
         "slip44:501", "assetId")):
    case("token resolve: " + desc, "GET", "/v1/tokens/resolve" + q, S,
         field=field)

# ---- last: those whose success would change the most ----
case("master password: empty", "POST", "/v1/admin/master-password", M,
     {"password": ""}, field="password")
case("master password: a number", "POST", "/v1/admin/master-password", M,
     {"password": 12345678}, field="password")
case("master password: 1025 bytes", "POST", "/v1/admin/master-password",
     M, {"password": "p" * 1025}, field="password")
case("master password: unknown field", "POST", "/v1/admin/master-password",
     M, {"password": "new password", "old": "x"}, field="old")
case("master password (PUT): newPassword empty", "PUT",
     "/v1/admin/master-password", M, {"newPassword": ""},
     field="newPassword")
case("master password (PUT): both names", "PUT",
     "/v1/admin/master-password", M,
     {"newPassword": "new password", "password": "new password"},
     field="password")
case("master password: an undefined query parameter", "POST",
     "/v1/admin/master-password?bogus=1", M, {"password": A.master + "2"},
     field="bogus")
case("kill switch: an undefined query parameter", "POST",
     "/v1/admin/kill-switch?bogus=1", M, field="bogus")
case("recover: an undefined query parameter", "POST",
     "/v1/admin/recover?bogus=1", M, field="bogus")
case("policy delete: an undefined query parameter", "DELETE",
     "/v1/policies/%s?bogus=1" % POL, M, field="bogus")
case("terminate: an undefined query parameter", "DELETE",
     "/v1/wallets/%s?bogus=1" % W, M, field="bogus")
# The dual-auth recovery body (the switch is off: the body is refused
# before anything is looked at).
PROOF = {"ownerAddress": "0x" + "ab" * 20, "message": "Z2FyYmFnZQ==",
         "ownerSignature": "0x" + "00" * 65, "chain": "ethereum"}
case("recover: body not an object", "POST", "/v1/admin/recover", M,
     "[1]")
case("recover: unknown field", "POST", "/v1/admin/recover", M,
     dict(PROOF, extra=1), field="extra")
case("recover: chain not ethereum or solana", "POST",
     "/v1/admin/recover", M, dict(PROOF, chain="ripple"), field="chain")
case("recover: ownerAddress not a string", "POST", "/v1/admin/recover", M,
     dict(PROOF, ownerAddress=5), field="ownerAddress")
case("recover: ownerAddress with punctuation", "POST",
     "/v1/admin/recover", M, dict(PROOF, ownerAddress="0x'; --"),
     field="ownerAddress")
case("recover: message over 8192 bytes", "POST", "/v1/admin/recover", M,
     dict(PROOF, message="a" * 8193), field="message")
case("recover: ownerSignature over 256 bytes", "POST",
     "/v1/admin/recover", M, dict(PROOF, ownerSignature="0x" + "0" * 300),
     field="ownerSignature")
case("recover: a proof without its signature", "POST",
     "/v1/admin/recover", M,
     {k: v for k, v in PROOF.items() if k != "ownerSignature"},
     field="ownerSignature")
# Idempotency-Key: 1 to 255 printable ASCII characters.
for what, route, hdr, body in (
        ("send", "/v1/transactions/send", S, XFER),
        ("wallet create", "/v1/wallets", M,
         {"name": "idem", "chain": "ethereum", "environment": "testnet"}),
        ("policy create", "/v1/policies", M,
         {"walletId": W, "type": "WHITELIST",
          "rules": {"allowed_addresses": [ACC1]}})):
    case("%s: Idempotency-Key of 256 characters" % what, "POST", route,
         dict(hdr, **{"Idempotency-Key": "k" * 256}), body,
         field="Idempotency-Key")
    case("%s: Idempotency-Key with a byte above 0x7e" % what, "POST",
         route, dict(hdr, **{"Idempotency-Key": "caf\u00e9"}), body,
         field="Idempotency-Key")
case("session create: empty Idempotency-Key", "POST", "/v1/sessions",
     dict(M, **{"Idempotency-Key": ""}), {"walletId": W},
     field="Idempotency-Key")
# Two of the three owner headers once made policyd exit (a credential
# half copied): last, so that on such a tree the rest still runs.
case("owner headers missing one", "POST",
     "/v1/transactions/%s/approve" % TX,
     {k: v for k, v in OWNER.items() if k != "X-Owner-Signature"},
     status=401, code=None)

good, total = counts["ok"], counts["ok"] + counts["not ok"]
report(total >= 200, "the battery has %d cases (at least 200)" % total)
report(good == total, "%d of %d malformed requests answered as "
       "documented, nothing changed" % (good, total))
