#!/bin/sh
# The operator's page, /admin, with the real daemon and anvil: its three
# files' headers with curl (a strict CSP without inline script, no
# framing, no sniffing, no referrer, no caching), the master password
# needed by every route it calls; then headless Chromium
# (admin_page.js) logs in, creates wallets and a SPENDING_LIMIT policy,
# sessions, watches a send appear, cancels a DELAY-queued one (which
# never reaches the chain), verifies the audit log, reads the settings
# and changes one (a refused value too; a credential only as set or
# not set), makes a backup, pulls and recovers the kill switch.  The
# dashboard shows RPC health and price sources from the daemon.  A wallet named like an <img> tag
# shows as text, an injected inline script is blocked by the CSP, a 401
# brings back the login form, and so does idling (adminTimeout).
# Screenshots: $BUILD/artifacts/admin-*.png.
. tests/integration/lib.sh

CSP_WANT="default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

[ -x "${CHROMIUM:-/usr/bin/chromium}" ] ||
    peer_missing "chromium (${CHROMIUM:-/usr/bin/chromium})"
need_node_modules playwright-core
start_anvil --chain-id 11155111
# A credential set (the scrape token), for settings to show as set.
TOK=$(openssl rand -hex 24)
export WAIAAS_SECURITY_METRICS_TOKEN=$TOK
DEAD=http://127.0.0.1:$(free_port)	# the other testnets: nothing listens
export WAIAAS_RPC_EVM_ETHEREUM_SEPOLIA=$ANVIL_URL \
    WAIAAS_RPC_EVM_BASE_SEPOLIA=$DEAD WAIAAS_RPC_EVM_POLYGON_AMOY=$DEAD \
    WAIAAS_RPC_EVM_ARBITRUM_SEPOLIA=$DEAD \
    WAIAAS_RPC_EVM_OPTIMISM_SEPOLIA=$DEAD \
    WAIAAS_RPC_EVM_HYPEREVM_TESTNET=$DEAD \
    WAIAAS_RPC_POLL_INTERVAL_MS=100 WAIAAS_SECURITY_MASTER_LOCK_FAILURES=1000
start_daemon || cannot_run "daemon starts"
URL=http://127.0.0.1:$PORT

# The three files: each with the same headers, as its own type.
hdr() { tr -d '\r' < "$T_TMP/h" | sed -n "s/^$1: //Ip"; }
for f in "/admin text/html" "/admin/admin.js text/javascript" \
    "/admin/admin.css text/css"; do
	set -- $f
	curl -s -D "$T_TMP/h" -o "$T_TMP/page" "$URL$1"
	check "GET $1: 200 $2 without a credential" \
	    [ "$(head -1 "$T_TMP/h" | cut -d' ' -f2) $(hdr content-type)" = "200 $2; charset=utf-8" ]
	check "... its CSP: this origin's script and style only, no framing" \
	    [ "$(hdr content-security-policy)" = "$CSP_WANT" ]
	check "... X-Frame-Options DENY, nosniff, no referrer, no-store" \
	    [ "$(hdr x-frame-options) $(hdr x-content-type-options) $(hdr referrer-policy) $(hdr cache-control)" = "DENY nosniff no-referrer no-store" ]
	check "... the same bytes as the file in the tree" \
	    cmp -s "$T_TMP/page" "api/$(basename "$1" | sed 's/^admin$/admin.html/')"
	check "... a query is refused (400)" \
	    [ "$(curl -s -o /dev/null -w '%{http_code}' "$URL$1?x=1")" = 400 ]
done
check "the page has no inline script or style: scripts by src, no style element or attribute, no on* handler" \
    sh -c "! grep -qiE '<script>|<script [^>]*>[^<]|<style|style=| on[a-z]+=' api/admin.html &&
	[ \$(grep -c '<script src=\"/admin/admin.js\"' api/admin.html) = 1 ]"
# Its code (not its comments, which name what it does not use).
grep -vE '^[[:space:]]*(/[*]|[*]|//)' api/admin.js > "$T_TMP/code.js"
check "the script writes no HTML from strings (no innerHTML, outerHTML, insertAdjacentHTML, document.write, eval)" \
    sh -c "! grep -nE 'innerHTML|outerHTML|insertAdjacentHTML|document\\.write|eval\\(|new Function' '$T_TMP/code.js'"
check "and keeps nothing in storage or cookies" \
    sh -c "! grep -nE 'localStorage|sessionStorage|document\\.cookie|indexedDB' '$T_TMP/code.js'"
check "GET /admin/ and /admin/x.js: 404, nothing else is served" \
    [ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/admin/") $(curl -s -o /dev/null -w '%{http_code}' "$URL/admin/x.js")" = "404 404" ]

# Every route the page calls needs the master password: none and a
# wrong one are each a 401.
U=00000000-0000-4000-8000-000000000000
for r in "GET /v1/admin/status" "GET /v1/admin/kill-switch" \
    "POST /v1/admin/kill-switch" "POST /v1/admin/recover" \
    "GET /v1/admin/transactions" "POST /v1/admin/transactions/$U/cancel" \
    "POST /v1/admin/transactions/$U/reject" "GET /v1/wallets" \
    "POST /v1/wallets" "POST /v1/wallets/import" "PUT /v1/wallets/$U" \
    "PUT /v1/wallets/$U/owner" "DELETE /v1/wallets/$U" \
    "GET /v1/sessions" "POST /v1/sessions" "DELETE /v1/sessions/$U" \
    "GET /v1/policies" "POST /v1/policies" "PUT /v1/policies/$U" \
    "DELETE /v1/policies/$U" "GET /v1/audit-logs" \
    "GET /v1/audit-logs/verify" "GET /v1/admin/notifications/status" \
    "POST /v1/admin/notifications/test" "GET /v1/admin/notifications/log" \
    "GET /v1/admin/backups" "POST /v1/admin/backup" \
    "GET /v1/admin/rpc-status" "GET /v1/admin/oracle-status" \
    "GET /v1/admin/settings" "PUT /v1/admin/settings" \
    "GET /v1/admin/settings/schema"; do
	set -- $r
	a=$(http_code -X "$1" "$URL$2")
	b=$(http_code -X "$1" -H "X-Master-Password: wrong" "$URL$2")
	check "$1 $2: 401 without the password ($a) and with a wrong one ($b)" \
	    [ "$a $b" = "401 401" ]
done

# An archive made by the CLI, for the backups page to list.
CLI=$PWD/$BUILD/waiaas
A1=$(basename "$(WAIAAS_DATA_DIR=$DATA WAIAAS_DAEMON_PORT=$PORT "$CLI" \
    backup create 2>/dev/null)")
check "an archive made with the CLI ($A1)" [ -n "$A1" ]

mkdir -p "$BUILD/artifacts"
SHOTS=$PWD/$BUILD/artifacts
rm -f "$SHOTS"/admin-*.png
URL=$URL MASTER=$WAIAAS_MASTER_PASSWORD ANVIL_URL=$ANVIL_URL \
    node_bin tests/integration/admin_page.js "$SHOTS" \
    >"$T_TMP/p.json" 2>"$T_TMP/p.err"
pget() { json_get "$T_TMP/p.json" "$1"; }
check "Chromium drove the page to its end" \
    [ "$(pget 'j.get("failed")')" = None ]
[ "$(pget 'j.get("failed")')" = None ] || pget 'j.get("failed")' | sed 's/^/# /'
check "the login form first; a wrong password is said and shows nothing" \
    [ "$(pget '[j["httpStatus"], j["loginFirst"], "INVALID_MASTER_PASSWORD" in j["wrongText"], j["wrongMainHidden"]]')" = "[200, True, True, True]" ]
check "logged in: the dashboard's panels, none an error, the password field emptied" \
    [ "$(pget '(lambda p: all(x in p for x in ("Daemon", "Kill switch", "RPC health", "Price sources", "Notification channels", "Waiting: approvals and the DELAY queue", "Wallets", "Recent transactions")))(j["dashPanels"]) and j["dashErrors"] == [] and j["passwordFieldEmpty"]')" = True ]
check "every dashboard panel's route is served: none says not available ($(pget '", ".join(j["dashNA"])'))" \
    [ "$(pget 'j["dashNA"]')" = "[]" ]
check "RPC health, from /v1/admin/rpc-status: anvil's endpoint, available, as text ($(pget 'j["rpcRows"]'))" \
    [ "$(pget '[r[:3] for r in j["rpcRows"] if r[0] == "ethereum-sepolia"]')" = "[['ethereum-sepolia', '$ANVIL_URL', 'available']]" ]
check "Price sources, from /v1/admin/oracle-status: CoinGecko and Pyth listed, as text ($(pget 'j["priceRows"]'))" \
    [ "$(pget 'sorted(r[0] for r in j["priceRows"]), all(None not in r for r in j["priceRows"] + j["rpcRows"])')" = "['coingecko', 'pyth'] True" ]
check "the dashboard shows a funded wallet's balance: $(pget 'j["dashBalance"]')" \
    [ "$(pget '"ethereum-sepolia: 1 ETH" in j["dashBalance"]')" = True ]
check "a wallet made on the page, its session token shown" \
    [ "$(pget 'j["walletToken"] and len(j["wallet"]["addr"]) == 42')" = True ]
check "a private key imported on the page: its wallet listed with anvil's third address, the key field emptied, the key nowhere in the page" \
    [ "$(pget '[len(j["imported"]), "0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc" in j["imported"][0].lower(), j["importKeyCleared"], j["importKeyInDom"]]')" = "[1, True, '', False]" ]
check "a wallet named <img src=x onerror=alert(1)> shows as text: no img in the DOM, no dialog" \
    [ "$(pget '[j["xssCells"], j["imgs"], j["dialogs"]]')" = "[1, 0, []]" ]
check "renamed, its owner set, terminated from the page ($(pget 'j["renamedOwner"], j["terminated"]'))" \
    [ "$(pget 'j["renamedOwner"][0] == "renamed" and j["renamedOwner"][1].lower().startswith("0x70997970c51812dc3a010c7d01b50e0d17dc79c8") and j["terminated"] == "TERMINATED"')" = True ]
check "a policy refused by the daemon shows its message naming the field" \
    [ "$(pget '"VALIDATION_FAILED" in j["refused"] and "instant_max" in j["refused"]')" = True ]
check "a SPENDING_LIMIT made and edited on the page: its rules as typed ($(pget 'j["policyRules"]'))" \
    [ "$(pget 'j["policyRules"] == {"instant_max": "1000", "notify_max": "2000", "delay_max": "3000", "delay_seconds": 60, "approval_timeout": 600}')" = True ]
check "a session made with a TTL, its token shown once; another revoked on the page stops working" \
    [ "$(pget '[j["sessionToken"], j["s2Before"], j["revokedStatus"], j["s2After"]]')" = "[True, 200, 'REVOKED', 401]" ]
check "a send with the page's token appears on the transactions page and confirms" \
    [ "$(pget '[j["t1"], j["t1Status"]]')" = "[201, 'CONFIRMED']" ]
check "filtered by wallet and CONFIRMED: it alone; FAILED: none; its detail shown" \
    [ "$(pget 'len(j["filtered"]) == 1 and j["filtered"][0][1] == "CONFIRMED" and j["filteredFailed"] == 0 and j["filtered"][0][0] in j["detail"]')" = True ]
check "a DELAY send shows in the dashboard's queue and is cancelled there" \
    [ "$(pget '[j["td"], j["queued"], j["cancelled"]["status"]]')" = "[201, 'DELAY', 'CANCELLED']" ]
check "past its delay it never reached the chain (the INSTANT one did)" \
    [ "$(pget '[int(j["r2Balance"], 16), int(j["r1Balance"], 16), j["tdAfter"]["status"], j["tdAfter"].get("txHash")]')" = "[0, 500, 'CANCELLED', None]" ]
check "the audit log verified on the page" \
    [ "$(pget 'j["auditValid"][0] == "true" and j["auditRows"] > 5')" = True ]
check "a test notification sent (its result shown)" \
    [ "$(pget 'len(j["notifyResult"]) > 0')" = True ]
check "settings: read from the daemon, no error" \
    [ "$(pget '[j["settingsNA"], j["settingsErrors"], len(j["settingsShown"]) > 20]')" = "[[], [], True]" ]
check "every key of the schema shown, as category.name, with its label" \
    [ "$(pget 'sorted(r["key"] for r in j["settingsShown"]) == j["schemaKeys"] and [r["label"] for r in j["settingsShown"] if r["key"] == "security.max_sessions_per_wallet"] == ["Max sessions per wallet"]')" = True ]
check "an input only for the keys PUT takes ($(pget 'len(j["schemaEditable"])')), the others as text (daemon.port: its port)" \
    [ "$(pget 'sorted(r["key"] for r in j["settingsShown"] if r["input"] is not None) == j["schemaEditable"] and [r["text"] for r in j["settingsShown"] if r["key"] == "daemon.port"] == ["'"$PORT"'"]')" = True ]
check "credentials only as set or not set, no input; the scrape token set ($(pget 'j["schemaCreds"]'))" \
    [ "$(pget '(lambda c: len(c) > 3 and all(r["input"] is None and r["text"] in ("set", "not set") for r in c) and [r["text"] for r in c if r["key"].endswith(".metrics_token")] == ["set"])([r for r in j["settingsShown"] if r["key"] in j["schemaCreds"]])')" = True ]
check "the scrape token is nowhere in what the page read" \
    sh -c "! grep -q '$TOK' '$T_TMP/p.json'"
check "max_sessions_per_wallet changed on the page: saved, and GET says 3 ($(pget 'j["settingsSaved"]'))" \
    [ "$(pget '["security.max_sessions_per_wallet saved" in j["settingsSaved"], j["settingsGetAfterSave"], j["settingsReloaded"]]')" = "[True, '3', '3']" ]
check "a value out of bounds (0): the daemon's message shown, nothing changed ($(pget 'j["settingsRefused"]'))" \
    [ "$(pget '[j["settingsRefused"].startswith("ACTION_VALIDATION_FAILED: ") and "max_sessions_per_wallet" in j["settingsRefused"] and "1 to 1000" in j["settingsRefused"], j["settingsGetAfterRefusal"]]')" = "[True, '3']" ]
code=$(req GET /v1/admin/settings)
check "... curl agrees: GET /v1/admin/settings says 3 ($code)" \
    [ "$code $(jget 'j["security"]["max_sessions_per_wallet"]')" = "200 3" ]
check "an archive made on the page, listed first; the CLI's listed too ($(pget 'j["backupResult"], j["backupRows"]'))" \
    [ "$(pget 'j["backupResult"].startswith("Made ") and len(j["backupRows"]) == 2 and j["backupRows"][0] != "'"$A1"'" and j["backupRows"][0].endswith(".wbk") and "/backups/" + j["backupRows"][0] in j["backupResult"] and j["backupRows"][1] == "'"$A1"'"')" = True ]
check "the kill switch pulled on the page (sessions revoked), then recovered" \
    [ "$(pget '["SUSPENDED" in j["killState"], j["killSessions"], j["recovered"]]')" = "[True, 401, True]" ]
code=$(req GET /v1/admin/kill-switch)
check "... the daemon agrees: ACTIVE ($code)" \
    [ "$code $(jget 'j["state"]')" = "200 ACTIVE" ]
check "an injected inline script did not run; a securitypolicyviolation fired for it" \
    [ "$(pget 'j["inlineRan"] == 0 and any(v.startswith("script-src") and "inline" in v for v in j["violations"])')" = True ]
check "no other CSP violation, no script error; the page's one script is /admin/admin.js" \
    [ "$(pget '[v for v in j["violations"] if not v.startswith("script-src")], j["pageErrors"], j["scripts"][0]')" = "[] [] /admin/admin.js" ]
check "the password is in no storage, cookie or the DOM" \
    [ "$(pget 'j["stored"]')" = "{'local': 0, 'session': 0, 'cookie': '', 'inDom': False}" ]
check "a 401 brings back the login form; a reload forgets the password" \
    [ "$(pget 'j["after401"][0] and j["after401"][1] and "INVALID_MASTER_PASSWORD" in j["after401"][2] and j["afterReload"]')" = True ]
check "idle for adminTimeout seconds: logged out ($(pget 'j.get("idle")'))" \
    [ "$(pget '"1 s idle" in j.get("idle", "")')" = True ]
n=$(ls "$SHOTS"/admin-*.png 2>/dev/null | wc -l)
check "a screenshot of each page is kept ($n in $BUILD/artifacts)" [ "$n" -ge 11 ]
[ -s "$T_TMP/p.err" ] && sed 's/^/# /' "$T_TMP/p.err" | head -20

kill -TERM "$DPID"; wait_gone "$DPID" 5000; DPID=""
check "no sanitizer reports" no_sanitizer_reports
