#!/usr/bin/env python3
"""page_csp.py FILE: rewrite the meta Content-Security-Policy of a page
(api/approve.html) with the SHA-256 of its one <style> and one <script>
element, as browsers hash them.  Run it after editing either; the api
refuses to start with a page whose meta policy does not match
(api_page.c), so a stale one is never served.

The policy holds wherever the file is served from (a static host, a
saved file): only its own script and style run, it loads nothing, and it
may connect anywhere over http(s): the reply topic is the operator's
choice.  (frame-ancestors cannot be set from a meta element; the daemon
sends it as a header.)
"""
import base64
import hashlib
import re
import sys

path = sys.argv[1]
page = open(path, "rb").read()


def src(tag):
    body = re.findall(rb"<%s>(.*?)</%s>" % (tag, tag), page, re.S)
    if len(body) != 1:
        sys.exit("%s: not exactly one <%s>" % (path, tag.decode()))
    return "'sha256-%s'" % base64.b64encode(
        hashlib.sha256(body[0]).digest()).decode()


policy = ("default-src 'none'; script-src %s; style-src %s; "
          "connect-src 'self' https: http:; img-src 'none'; "
          "base-uri 'none'; form-action 'none'" % (src(b"script"),
                                                     src(b"style")))
new, n = re.subn(rb'<meta http-equiv="Content-Security-Policy" '
                 rb'content="[^"]*">',
                 b'<meta http-equiv="Content-Security-Policy" content="' +
                 policy.encode() + b'">', page)
if n != 1:
    sys.exit("%s: not exactly one meta Content-Security-Policy" % path)
if new != page:
    open(path, "wb").write(new)
