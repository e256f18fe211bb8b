#!/bin/sh
# waiaas mcp setup, POST /v1/mcp/tokens, and the stdio server's session:
# setup --all merged into an existing Claude Desktop configuration that
# has another server and another key (both kept, the old file kept as
# .bak, no token in it, token files 0600, a re-run reuses the valid
# sessions), --print and --wallet, refusals that change nothing; an
# entry so written run by the official MCP SDK's client; POST
# /v1/mcp/tokens (its file, its answer, no token in the answer or the
# log, a file that cannot be written revokes the session); GET
# /v1/sessions with a session token lists only that session; renewal
# (a 10 s session, calls past its first expiry, the renewed token written
# back); a revoked session said on stderr and in the tool result.
. tests/integration/lib.sh

CLI=$PWD/$BUILD/waiaas
need_node_modules @modelcontextprotocol/sdk ajv || exit 0
WAIAAS_SECURITY_SESSION_TTL_MIN=2 start_daemon || cannot_run "daemon starts"
B=http://127.0.0.1:$PORT
O=$T_TMP/out
E=$T_TMP/err

req POST /v1/wallets '{"name":"evm","chain":"ethereum","environment":"testnet","createSession":false}' >/dev/null
WA=$(jget 'j["id"]')
ADDR=$(jget 'j["publicKey"]')
req POST /v1/wallets '{"name":"sol","chain":"solana","environment":"testnet","createSession":false}' >/dev/null
WB=$(jget 'j["id"]')
SADDR=$(jget 'j["publicKey"]')
nsessions() { req GET "/v1/sessions?limit=200" >/dev/null; jget 'len([d for d in j["data"] if d["status"] == "ACTIVE"])'; }

# An existing configuration: another server and a key of Claude's own.
CD=$T_TMP/claude
CF=$CD/claude_desktop_config.json
mkdir -p "$CD"
cat >"$CF" <<'EOF'
{
  "globalShortcut": "Ctrl+Space",
  "mcpServers": {
    "other": {"command": "other-server", "args": ["--x"], "env": {"K": "v"}}
  }
}
EOF
chmod 644 "$CF"
cp "$CF" "$T_TMP/cf.orig"
setup() { WAIAAS_DATA_DIR=$DATA "$CLI" mcp setup --url "$B" "$@" >"$O" 2>"$E"; }

setup --all --config "$CF"
rc=$?
check "setup --all: exit 0 ($rc)" [ $rc = 0 ]
python3 - "$CF" "$(realpath "$CLI")" "$B" "$DATA" "$WA" "$WB" <<'EOF'
import json, sys
cf, exe, base, data, wa, wb = sys.argv[1:]
j = json.load(open(cf))
assert j["globalShortcut"] == "Ctrl+Space", j
s = j["mcpServers"]
assert s["other"] == {"command": "other-server", "args": ["--x"],
    "env": {"K": "v"}}, s
assert set(s) == {"other", "waiaas-evm", "waiaas-sol"}, s
for k, w in (("waiaas-evm", wa), ("waiaas-sol", wb)):
    assert s[k] == {"command": exe, "args": ["mcp"], "env": {
        "WAIAAS_BASE_URL": base, "WAIAAS_DATA_DIR": data,
        "WAIAAS_WALLET_ID": w}}, s[k]
EOF
check "the other server and key kept; an entry per wallet running this waiaas mcp" [ $? = 0 ]
check "the old file kept as .bak, byte for byte" cmp -s "$CF.bak" "$T_TMP/cf.orig"
check "no token in the configuration, its mode kept, no temporary file left" \
    sh -c "! grep -q wai_sess_ '$CF' && [ \$(stat -c %a '$CF') = 644 ] &&
	[ \$(ls '$CD' | wc -l) = 2 ]"
check "token files: 0600, one line, a session token each" \
    sh -c "for w in $WA $WB; do f=$DATA/tokens/\$w;
	[ \$(stat -c %a \$f) = 600 ] && [ \$(wc -l < \$f) = 1 ] &&
	grep -q '^wai_sess_' \$f || exit 1; done"
check "stderr names the new sessions, never a token" \
    sh -c "[ \$(grep -c 'new session' '$E') = 2 ] && ! grep -q wai_sess_ '$E' '$O'"
n0=$(nsessions)
cp "$DATA/tokens/$WA" "$T_TMP/ta.1"
cp "$CF" "$T_TMP/cf.1"

setup --all --config "$CF"
check "re-run: exit 0, both sessions reused, no new session, token files unchanged" \
    sh -c "[ $? = 0 ] && [ \$(grep -c 'reused' '$E') = 2 ] &&
	[ $(nsessions) = $n0 ] && cmp -s '$T_TMP/ta.1' '$DATA/tokens/$WA'"
check "re-run: the configuration the same, .bak the previous one" \
    sh -c "cmp -s '$CF' '$T_TMP/cf.1' && cmp -s '$CF.bak' '$T_TMP/cf.1'"

setup --wallet "$WA" --print
rc=$?
check "--print --wallet: one entry on stdout, the configuration untouched" \
    sh -c "[ $rc = 0 ] && [ \"$(json_get "$O" 'sorted(j["mcpServers"])')\" = \"['waiaas-evm']\" ] &&
	cmp -s '$CF' '$T_TMP/cf.1'"
setup --config "$CF"
check "two wallets, neither --all nor --wallet: exit 2" [ $? = 2 ]
setup --wallet 01234567-89ab-7def-8123-456789abcdef --config "$CF"
check "--wallet of no wallet: exit 1, nothing changed" \
    sh -c "[ $? = 1 ] && grep -q 'no active wallet' '$E' && cmp -s '$CF' '$T_TMP/cf.1'"
printf '{"mcpServers": [' >"$T_TMP/bad.json"
cp "$T_TMP/bad.json" "$T_TMP/bad.orig"
setup --all --config "$T_TMP/bad.json"
check "a configuration that is not JSON: exit 1, left as it was, no .bak" \
    sh -c "[ $? = 1 ] && grep -q 'not a JSON object' '$E' &&
	cmp -s '$T_TMP/bad.json' '$T_TMP/bad.orig' && [ ! -e '$T_TMP/bad.json.bak' ]"
WAIAAS_DATA_DIR=$DATA "$CLI" mcp setup --all --config "$T_TMP/new/dir/c.json" \
    --url "$B" >"$O" 2>"$E"
check "a configuration that does not exist yet: made, 0600, no .bak" \
    sh -c "[ $? = 0 ] && [ \$(stat -c %a '$T_TMP/new/dir/c.json') = 600 ] &&
	[ ! -e '$T_TMP/new/dir/c.json.bak' ]"
check "the master password is not on any command line" \
    sh -c "! grep -rq -- \"\$WAIAAS_MASTER_PASSWORD\" '$O' '$E'"

# The entry as Claude Desktop would run it, with the official SDK.
python3 -c 'import json,sys; e=json.load(open(sys.argv[1]))["mcpServers"]["waiaas-sol"]; print(e["command"]); [print("export %s=%s" % kv) for kv in e["env"].items()]' "$CF" >"$T_TMP/entry"
EXE=$(head -1 "$T_TMP/entry")
tail -n +2 "$T_TMP/entry" >"$T_TMP/entry.env"
( unset WAIAAS_SESSION_TOKEN; . "$T_TMP/entry.env"
  node_bin tests/node/mcp_client.js "$EXE" '[{"tool":"get_address"}]' \
    >"$T_TMP/mcp.json" 2>"$T_TMP/mcp.err" )
check "the written entry, run by the MCP SDK: get_address is the SOL wallet's" \
    [ "$(json_get "$T_TMP/mcp.json" 'j["results"][0]["json"]["address"]')" = "$SADDR" ]

# list_sessions' REST call: a session sees itself only.
T=$(cat "$DATA/tokens/$WA")
req GET "/v1/sessions" "" "Authorization: Bearer $T" >/dev/null
SA=$(jget 'j["data"][0]["id"]')
check "GET /v1/sessions with a session token: that session alone, its wallet" \
    [ "$(jget '(j["total"], len(j["data"]), j["data"][0]["walletId"], j["data"][0]["status"])')" = "(1, 1, '$WA', 'ACTIVE')" ]
req GET "/v1/sessions?walletId=$WB" "" "Authorization: Bearer $T" >/dev/null
check "... filtered by another wallet: none" [ "$(jget '(j["total"], j["data"])')" = "(0, [])" ]
req GET "/v1/sessions?limit=1&offset=0" >/dev/null
check "... the operator still sees every session" [ "$(jget 'j["total"] >= 2')" = True ]

# POST /v1/mcp/tokens: the daemon writes the file.
code=$(req POST /v1/mcp/tokens "{\"walletId\":\"$WA\",\"expiresIn\":3600}")
check "POST /v1/mcp/tokens: 201 ($code)" [ "$code" = 201 ]
python3 - "$T_TMP/body" "$DATA" "$WA" "$B" <<'EOF'
import json, sys, time
j = json.load(open(sys.argv[1]))
data, wa, base = sys.argv[2:]
assert set(j) == {"walletId", "walletName", "tokenPath", "expiresAt",
    "claudeDesktopConfig"}, j
assert j["walletId"] == wa and j["walletName"] == "evm", j
assert j["tokenPath"] == data + "/tokens/" + wa, j
assert 3590 < j["expiresAt"] - time.time() <= 3601, j
assert j["claudeDesktopConfig"] == {"mcpServers": {"waiaas-evm": {
    "command": "waiaas", "args": ["mcp"], "env": {"WAIAAS_BASE_URL": base,
    "WAIAAS_DATA_DIR": data, "WAIAAS_WALLET_ID": wa}}}}, j
assert "wai_sess_" not in json.dumps(j)
EOF
check "its answer: walletId, walletName, tokenPath, expiresAt, the entry running waiaas mcp; no token" [ $? = 0 ]
T2=$(cat "$DATA/tokens/$WA")
code=$(req GET /v1/wallet/address "" "Authorization: Bearer $T2")
check "the file: replaced, 0600, a token the daemon takes ($code), not in the log" \
    sh -c "[ '$T2' != '$T' ] && [ \$(stat -c %a '$DATA/tokens/$WA') = 600 ] &&
	[ '$code' = 200 ] && ! grep -qF '$T2' '$LOG'"
req GET "/v1/sessions?walletId=$WA&limit=200" >/dev/null
check "its session's source is mcp" \
    [ "$(jget 'j["data"][0]["source"]')" = mcp ]
code=$(req POST /v1/mcp/tokens "{\"walletId\":\"$WA\",\"expiresIn\":1}")
check "expiresIn under security.session_ttl_min: 400 ($code)" [ "$code" = 400 ]
code=$(req POST /v1/mcp/tokens "{\"walletId\":\"$WA\",\"token\":\"x\"}")
check "an unknown field: 400 ($code)" [ "$code" = 400 ]
mv "$DATA/tokens" "$DATA/tokens.away"
: >"$DATA/tokens"
n1=$(nsessions)
code=$(req POST /v1/mcp/tokens "{\"walletId\":\"$WA\"}")
check "tokens/ not a directory: 500, and no live session left ($code)" \
    sh -c "[ '$code' = 500 ] && [ $(nsessions) = $n1 ]"
rm "$DATA/tokens"
mv "$DATA/tokens.away" "$DATA/tokens"

# Renewal: a 10 s session; calls at s, s + 5.5, s + 11 and s + 16.5 (s:
# the client's start, under 4.5 s), each past half of the token's life,
# the last ones past the first expiry, all answered; the renewed token
# written back to the file.  (With 6 s and 3.5 s steps a client that took
# 2.5 s to start called after the expiry on a busy machine.)
code=$(req POST /v1/mcp/tokens "{\"walletId\":\"$WB\",\"expiresIn\":10}")
TB0=$(cat "$DATA/tokens/$WB")
t0=$(date +%s)
( unset WAIAAS_SESSION_TOKEN; export WAIAAS_DATA_DIR=$DATA WAIAAS_WALLET_ID=$WB WAIAAS_BASE_URL=$B
  node_bin tests/node/mcp_client.js "$CLI" '[{"tool":"get_address"},
    {"tool":"get_address","sleep":5500},{"tool":"get_address","sleep":5500},
    {"tool":"get_address","sleep":5500}]' >"$T_TMP/mcp.json" 2>"$T_TMP/mcp.err" )
t1=$(date +%s)
check "a 10 s session ($code): four calls over $((t1 - t0)) s, past its first expiry, all answered" \
    sh -c "[ $((t1 - t0)) -gt 11 ] && [ \"\$(python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print([r[\"isError\"] or r[\"json\"][\"address\"] != sys.argv[2] for r in j[\"results\"]])' '$T_TMP/mcp.json' '$SADDR')\" = '[False, False, False, False]' ]"
check "renewed at least twice, said on stderr, no token there" \
    sh -c "[ \$(grep -c 'renewed; the token now expires' '$T_TMP/mcp.err') -ge 2 ] && ! grep -q wai_sess_ '$T_TMP/mcp.err'"
TB1=$(cat "$DATA/tokens/$WB")
check "the renewed token written back: another token, the file 0600, one line" \
    sh -c "[ '$TB1' != '$TB0' ] && [ \$(stat -c %a '$DATA/tokens/$WB') = 600 ] && [ \$(wc -l < '$DATA/tokens/$WB') = 1 ] && [ \$(ls -a '$DATA/tokens' | grep -c tmp) = 0 ]"
code=$(req GET /v1/wallet/address "" "Authorization: Bearer $TB0")
check "the first token is refused now ($code)" [ "$code" = 401 ]
code=$(req GET /v1/wallet/address "" "Authorization: Bearer $TB1")
check "the one in the file works ($code)" [ "$code" = 200 ]
req GET "/v1/sessions" "" "Authorization: Bearer $TB1" >/dev/null
check "list_sessions' view shows the renewals" [ "$(jget 'j["data"][0]["renewalCount"] >= 2')" = True ]

# Revoked (the hour-long session of wallet A from POST /v1/mcp/tokens):
# said on stderr once, and in every tool result.
req GET "/v1/sessions" "" "Authorization: Bearer $T2" >/dev/null
SA2=$(jget 'j["data"][0]["id"]')
req DELETE "/v1/sessions/$SA2" >/dev/null
( unset WAIAAS_SESSION_TOKEN; export WAIAAS_DATA_DIR=$DATA WAIAAS_WALLET_ID=$WA WAIAAS_BASE_URL=$B
  node_bin tests/node/mcp_client.js "$CLI" '[{"tool":"get_address"},{"tool":"get_balance"}]' \
    >"$T_TMP/mcp.json" 2>"$T_TMP/mcp.err" )
check "revoked: both tool results are errors saying SESSION_REVOKED and what to do" \
    [ "$(json_get "$T_TMP/mcp.json" '[r["isError"] and "SESSION_REVOKED" in r["text"] and "revoked" in r["text"] for r in j["results"]]')" = "[True, True]" ]
check "revoked: stderr says so once" \
    [ "$(grep -c 'REVOKED: the session .* was revoked' "$T_TMP/mcp.err")" = 1 ]
check "no sanitizer reports" no_sanitizer_reports
