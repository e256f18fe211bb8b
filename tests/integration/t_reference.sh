#!/bin/sh
# The API reference page, /reference, in headless Chromium
# (reference_page.js): it renders every operation and schema of the
# daemon's own /doc, with the page's one script and style let in by
# their hashes and nothing refused by its Content-Security-Policy; a
# filter narrows the list; a failing /doc is said in text.  Its headers
# (CSP without 'unsafe-inline', no framing) with curl.  The screenshot
# is kept in $BUILD/artifacts/reference.png.
. tests/integration/lib.sh

[ -x "${CHROMIUM:-/usr/bin/chromium}" ] ||
    peer_missing "chromium (${CHROMIUM:-/usr/bin/chromium})"
need_node_modules playwright-core
start_daemon || cannot_run "daemon starts"
URL=http://127.0.0.1:$PORT

curl -s -D "$T_TMP/h" -o "$T_TMP/page" "$URL/reference"
hdr() { tr -d '\r' < "$T_TMP/h" | sed -n "s/^$1: //Ip"; }
check "GET /reference: 200 text/html without a credential" \
    sh -c "head -1 '$T_TMP/h' | grep -q ' 200 ' && [ \"\$(tr -d '\r' < '$T_TMP/h' | sed -n 's/^content-type: //Ip')\" = 'text/html; charset=utf-8' ]"
CSP=$(hdr content-security-policy)
check "its CSP lets in one script and one style by hash, nothing inline" \
    sh -c "echo \"\$1\" | grep -q \"script-src 'sha256-[A-Za-z0-9+/=]*';\" &&
	echo \"\$1\" | grep -q \"style-src 'sha256-[A-Za-z0-9+/=]*';\" &&
	echo \"\$1\" | grep -q \"default-src 'none'\" &&
	! echo \"\$1\" | grep -q unsafe" sh "$CSP"
check "no framing: X-Frame-Options DENY and frame-ancestors 'none'" \
    sh -c "[ \"\$1\" = DENY ] && echo \"\$2\" | grep -q \"frame-ancestors 'none'\"" \
    sh "$(hdr x-frame-options)" "$CSP"
check "the page is the same bytes whatever the query string asks (400 for a query)" \
    [ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/reference?x=<script>")" = 400 ]

mkdir -p "$BUILD/artifacts"
SHOT=$PWD/$BUILD/artifacts/reference.png
rm -f "$SHOT"
node_bin tests/integration/reference_page.js "$URL" "$SHOT" \
    >"$T_TMP/p.json" 2>"$T_TMP/p.err"
pget() { json_get "$T_TMP/p.json" "$1"; }
check "Chromium: the page rendered /doc" [ "$(pget 'j.get("rendered")')" = true ]
check "every operation of /doc is on the page, and nothing else" \
    [ "$(pget 'sorted(j["docOps"]) == sorted(j["pageOps"]) and len(j["docOps"]) > 40')" = True ]
check "every schema of /doc is on the page" \
    [ "$(pget 'j["docSchemas"] == j["pageSchemas"] and j["docSchemas"] > 20')" = True ]
check "an operation in full: the send's body fields, its answers and who may call it" \
    [ "$(pget '(lambda s: all(x in s for x in ("POST/v1/transactions/send", "Request body", "TransferRequest", "Credential: sessionAuth", "Answers", "400")))(j["send"])')" = True ]
check "the title is the document's" \
    [ "$(pget '"API reference" in j["title"]')" = True ]
check "the page's style applied (its hash let it in)" \
    [ "$(pget 'j["styled"]')" = "rgb(17, 112, 58)" ]
check "one script element, no CSP violation, no script error" \
    [ "$(pget 'j["scripts"] == 1 and j["violations"] == [] and j["errors"] == []')" = True ]
check "the filter '/v1/policies' leaves only the policy routes" \
    [ "$(pget 'len(j["filtered"]) >= 4 and all("/v1/policies" in s for s in j["filtered"])')" = True ]
check "a failing /doc is said in text, with nothing rendered" \
    [ "$(pget 'j["failRendered"] == "error" and "500" in j["failText"] and j["failOps"] == 0')" = True ]
check "a screenshot is kept" [ -s "$SHOT" ]
[ -s "$T_TMP/p.err" ] && sed 's/^/# /' "$T_TMP/p.err" | head -20

kill -TERM "$DPID"; wait_gone "$DPID" 5000; DPID=""
check "no sanitizer reports" no_sanitizer_reports
