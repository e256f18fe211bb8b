#!/usr/bin/env python3
"""prom_parse.py FILE: parse a /metrics answer with the Prometheus
client's own text-format parser (python3-prometheus-client) and print
{"families": {name: type}, "samples": [[name, labels, value], ...]} as
JSON.  A line the parser refuses is an error (exit 1)."""
import json
import sys

from prometheus_client.parser import text_string_to_metric_families

text = open(sys.argv[1], encoding="utf-8").read()
out = {"families": {}, "samples": []}
try:
    for fam in text_string_to_metric_families(text):
        if fam.name in out["families"]:
            raise ValueError("family %s given twice" % fam.name)
        out["families"][fam.name] = fam.type
        for s in fam.samples:
            out["samples"].append([s.name, s.labels, s.value])
except ValueError as e:
    print("unparsable: %s" % e, file=sys.stderr)
    sys.exit(1)
json.dump(out, sys.stdout)
