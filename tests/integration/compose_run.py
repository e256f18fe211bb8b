#!/usr/bin/env python3
"""Translate docker-compose.yml (plus overlays) into `docker run`
arguments, one per line, for t_docker.sh on machines without the compose
plugin.  Strict: a service key it does not know is an error, so a setting
added to the compose file cannot go untested unnoticed.

usage: compose_run.py [--volume NAME | --bind DIR] [--health-interval S]
                      [--ports] FILE [FILE...]
--ports prints the published ports instead (docker run --network none
cannot publish them; the test checks them as written).
"""
import os
import shlex
import sys

import yaml

KNOWN = {"build", "image", "container_name", "restart", "ports", "volumes",
         "environment", "cap_drop", "cap_add", "security_opt", "read_only",
         "healthcheck", "stop_grace_period", "secrets", "tmpfs"}


def die(msg):
    sys.stderr.write("compose_run: %s\n" % msg)
    sys.exit(2)


def env_dict(e):
    if e is None:
        return {}
    if isinstance(e, dict):
        return {k: "" if v is None else str(v) for k, v in e.items()}
    out = {}
    for item in e:
        k, _, v = str(item).partition("=")
        out[k] = v
    return out


def merge(a, b, key=""):
    """Compose's rules for the keys we use: maps merge, lists add up."""
    if key == "environment":
        r = env_dict(a)
        r.update(env_dict(b))
        return r
    if isinstance(a, dict) and isinstance(b, dict):
        r = dict(a)
        for k, v in b.items():
            r[k] = merge(r[k], v, k) if k in r else v
        return r
    if isinstance(a, list) and isinstance(b, list):
        return a + [x for x in b if x not in a]
    return b


def seconds(v):
    v = str(v)
    for suf, mul in (("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)):
        if v.endswith(suf) and v[:-len(suf)].replace(".", "").isdigit():
            return float(v[:-len(suf)]) * mul
    return float(v)


def main(argv):
    volume = bind = interval = None
    ports_only = False
    files = []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a in ("--volume", "--bind", "--health-interval"):
            if i + 1 >= len(argv):
                die("%s needs a value" % a)
            v = argv[i + 1]
            if a == "--volume":
                volume = v
            elif a == "--bind":
                bind = v
            else:
                interval = v
            i += 2
            continue
        if a == "--ports":
            ports_only = True
        else:
            files.append(a)
        i += 1
    if not files:
        die("no compose file")
    doc = {}
    base = None
    for f in files:
        with open(f) as fh:
            d = yaml.safe_load(fh)
        # Relative paths in each file are relative to its directory.
        fdir = os.path.dirname(os.path.abspath(f))
        for s in (d.get("secrets") or {}).values():
            if "file" in s:
                s["file"] = os.path.normpath(os.path.join(fdir, s["file"]))
        doc = merge(doc, d)
        base = base or fdir
    services = doc.get("services") or {}
    if len(services) != 1:
        die("expected one service, found %d" % len(services))
    svc = next(iter(services.values()))
    unknown = set(svc) - KNOWN
    if unknown:
        die("unknown service keys: %s" % ", ".join(sorted(unknown)))
    if ports_only:
        for p in svc.get("ports") or []:
            print(p)
        return
    out = []
    if svc.get("restart"):
        out += ["--restart", svc["restart"]]
    for c in svc.get("cap_drop") or []:
        out += ["--cap-drop", c]
    for c in svc.get("cap_add") or []:
        out += ["--cap-add", c]
    for s in svc.get("security_opt") or []:
        out += ["--security-opt", s]
    if svc.get("read_only"):
        out.append("--read-only")
    for t in svc.get("tmpfs") or []:
        out += ["--tmpfs", t]
    for k, v in env_dict(svc.get("environment")).items():
        out += ["-e", "%s=%s" % (k, v)]
    named = doc.get("volumes") or {}
    for v in svc.get("volumes") or []:
        src, _, dst = str(v).partition(":")
        if src not in named:
            die("volume %s is not a named volume" % src)
        if bind:
            out += ["-v", "%s:%s" % (bind, dst)]
        else:
            out += ["-v", "%s:%s" % (volume or src, dst)]
    top = doc.get("secrets") or {}
    for s in svc.get("secrets") or []:
        name = s if isinstance(s, str) else s["source"]
        if name not in top or "file" not in top[name]:
            die("secret %s has no file" % name)
        out += ["-v", "%s:/run/secrets/%s:ro" % (top[name]["file"], name)]
    hc = svc.get("healthcheck")
    if hc:
        t = hc["test"]
        if isinstance(t, list):
            if t[0] == "CMD":
                cmd = " ".join(shlex.quote(x) for x in t[1:])
            elif t[0] == "CMD-SHELL":
                cmd = t[1]
            else:
                die("healthcheck test %s" % t[0])
        else:
            cmd = t
        out += ["--health-cmd", cmd]
        iv = interval or hc.get("interval")
        if iv:
            out += ["--health-interval", "%gs" % seconds(iv)]
        for k, flag in (("timeout", "--health-timeout"),
                        ("start_period", "--health-start-period")):
            if k in hc:
                out += [flag, "%gs" % seconds(hc[k])]
        if "retries" in hc:
            out += ["--health-retries", str(hc["retries"])]
    if "stop_grace_period" in svc:
        out += ["--stop-timeout", "%d" % seconds(svc["stop_grace_period"])]
    for a in out:
        if "\n" in a:
            die("newline in an argument")
        print(a)


if __name__ == "__main__":
    main(sys.argv[1:])
