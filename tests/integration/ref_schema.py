#!/usr/bin/env python3
"""Validate a JSON body against a schema of the reference's OpenAPI 3.0
document with a real JSON Schema validator (Debian's python3-jsonschema).

usage: ref_schema.py SCHEMA_FILE NAME BODY_FILE
SCHEMA_FILE holds NAME (an OpenAPI 3.0 schema object).  OpenAPI's
"nullable: true" is not JSON Schema: it becomes a type list with "null".
Prints "valid", or each error with its path; exits 1 on any error, 2 when
it cannot run (no jsonschema, unreadable files).
"""
import json
import sys

try:
    import jsonschema
except ImportError:
    print("no python3-jsonschema (sh scripts/test-deps.sh installs it)")
    sys.exit(2)


def nullable(node):
    """OpenAPI 3.0 nullable -> JSON Schema type lists, everywhere."""
    if isinstance(node, list):
        return [nullable(x) for x in node]
    if not isinstance(node, dict):
        return node
    out = {k: nullable(v) for k, v in node.items() if k != "nullable"}
    if node.get("nullable") is True and "type" in out:
        out["type"] = [out["type"], "null"]
    return out


def main():
    if len(sys.argv) != 4:
        print(__doc__)
        sys.exit(2)
    try:
        schema = nullable(json.load(open(sys.argv[1]))[sys.argv[2]])
        body = json.load(open(sys.argv[3]))
    except (OSError, ValueError, KeyError) as e:
        print("cannot read: %s" % e)
        sys.exit(2)
    v = jsonschema.Draft4Validator(schema)
    errs = sorted(v.iter_errors(body), key=lambda e: list(e.path))
    for e in errs:
        print("/".join(str(p) for p in e.path) + ": " + e.message)
    if errs:
        sys.exit(1)
    print("valid")


main()
