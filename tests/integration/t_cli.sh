#!/bin/sh
# The waiaas CLI quick start on a fresh data directory, as a WAIaaS user
# follows it: init --auto-provision, start, status, quickset (its MCP JSON
# parsed), a transfer on anvil with the EVM session token quickset wrote
# to its token file, stop,
# status.  Then: the password is never on a command line nor in any
# output, a wrong one is one line and exit 1, --help on every verb,
# unknown options refused, a stale pid file (daemon SIGKILLed) handled, a
# second daemon on the same data directory refused, init refusing to
# overwrite, make install.  The write-ups' verbs: policy create
# SPENDING_LIMIT by USD flags (read back; bad values exit 2 and create
# nothing), backup create --encrypt, update (no network), and quickset's
# MCP configuration kept mode 0600 (--output, --force, stdout a file).
. tests/integration/lib.sh

CLI=$PWD/$BUILD/waiaas
NET=ethereum-sepolia
ACC1=0x70997970C51812dc3A010C7d01b50e0d17dc79C8
# The quick start finds the password in recovery.key, not in the env.
unset WAIAAS_MASTER_PASSWORD
export WAIAAS_DATA_DIR=$T_TMP/home/.waiaas
mkdir -p "$T_TMP/home"
PORT=$(free_port)
export WAIAAS_DAEMON_PORT=$PORT
O=$T_TMP/out
E=$T_TMP/err

start_anvil --chain-id 11155111
export WAIAAS_RPC_EVM_ETHEREUM_SEPOLIA=$ANVIL_URL
export WAIAAS_RPC_POLL_INTERVAL_MS=100

# Every command line on the machine, sampled while the CLI works: what
# ps -eo args shows, read from /proc every 50 ms by one process (ps
# costs a fork and an exec a sample); each distinct line once, and the
# number of samples taken in ps.count when it is stopped.
python3 - "$T_TMP/ps.log" "$T_TMP/ps.count" <<'EOF' &
import os, signal, sys, time
seen = set()
n = 0
out = open(sys.argv[1], "w")
def end(*_):
    out.close()
    with open(sys.argv[2], "w") as f:
        f.write("%d\n" % n)
    sys.exit(0)
signal.signal(signal.SIGTERM, end)
while True:
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/" + pid + "/cmdline", "rb") as f:
                a = f.read()
        except OSError:
            continue
        line = a.rstrip(b"\0").replace(b"\0", b" ")
        if line and line not in seen:
            seen.add(line)
            out.write(line.decode("utf-8", "replace") + "\n")
            out.flush()
    n += 1
    time.sleep(0.05)
EOF
PSPID=$!
PEER_PIDS="${PEER_PIDS:-} $PSPID"

# Runs the CLI, output in $O and $E (kept for the leak check); $? is its.
cli() {
	${RUN:-} "$CLI" "$@" >"$O" 2>"$E"
	_rc=$?
	cat "$O" "$E" >> "$T_TMP/all_output"
	return $_rc
}
daemon_pid() { head -n 1 "$WAIAAS_DATA_DIR/waiaasd.pid" 2>/dev/null; }

# --- the quick start
cli init --auto-provision
check "init --auto-provision: exit 0" [ $? = 0 ]
check "init: config.toml and recovery.key, both mode 600, directory 700" \
    sh -c "[ \$(stat -c %a '$WAIAAS_DATA_DIR') = 700 ] &&
	[ \$(stat -c %a '$WAIAAS_DATA_DIR/config.toml') = 600 ] &&
	[ \$(stat -c %a '$WAIAAS_DATA_DIR/recovery.key') = 600 ]"
check "init: config.toml is commented and names every section" \
    sh -c "grep -q '^# ' '$WAIAAS_DATA_DIR/config.toml' &&
	for s in daemon rpc security keystore notifications database; do
	grep -q \"^\\[\$s\\]\" '$WAIAAS_DATA_DIR/config.toml' || exit 1; done"
PW=$(cat "$WAIAAS_DATA_DIR/recovery.key")
check "init: recovery.key holds a random 43-character password" \
    [ ${#PW} -eq 43 ]

cli init
check "init again: refused (exit 1, one line, says --force)" \
    sh -c "[ $? = 1 ] && [ \$(wc -l < '$E') = 1 ] && grep -q -- --force '$E'"
echo '# edited' >> "$WAIAAS_DATA_DIR/config.toml"
cp "$WAIAAS_DATA_DIR/recovery.key" "$T_TMP/recovery.before"
cli init --force --auto-provision
check "init --force rewrites config.toml and keeps recovery.key" \
    sh -c "[ $? = 0 ] && ! grep -q edited '$WAIAAS_DATA_DIR/config.toml' &&
	cmp -s '$WAIAAS_DATA_DIR/recovery.key' '$T_TMP/recovery.before'"

cli start
rc=$?
DP=$(daemon_pid)
PEER_PIDS="$PEER_PIDS $DP"
check "start: exit 0 once serving" [ $rc = 0 ]
check "start: one line with the address" \
    sh -c "[ \$(wc -l < '$O') = 1 ] &&
	grep -q 'running on http://127.0.0.1:$PORT' '$O'"
check "start: the daemon detached, its pid file locked and serving" \
    sh -c "kill -0 '$DP' && sed -n 2p '$WAIAAS_DATA_DIR/waiaasd.pid' |
	grep -qx serving && ! flock -n -s '$WAIAAS_DATA_DIR/waiaasd.pid' true"

cli start
check "start while running: exit 0, says it already runs" \
    sh -c "[ $? = 0 ] && grep -q 'already runs' '$O'"
WAIAAS_DATA_DIR=$WAIAAS_DATA_DIR WAIAAS_DAEMON_PORT=$(free_port) \
    "$WAIAASD" -d > "$T_TMP/second.log" 2>&1
check "a second waiaasd on the same data directory is refused" \
    sh -c "[ $? = 1 ] && grep -q 'another waiaasd (pid $DP)' '$T_TMP/second.log'"

cli status
check "status: exit 0 and one line with version, address, pid, uptime, rpc and prices" \
    sh -c "[ $? = 0 ] && [ \$(wc -l < '$O') = 1 ] && grep -Eq '^waiaasd [0-9.]+ running on http://127.0.0.1:$PORT, pid $DP, up [0-9]+s; rpc: 1 (ok|unchecked), 14 off; prices: off \(0, none\)$' '$O'"
cli status --json
check "status --json: the daemon's /health" \
    sh -c "[ $? = 0 ] && [ \"\$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[\"status\"])' '$O')\" = ok ]"

cli quickset --mode testnet
check "quickset: exit 0" [ $? = 0 ]
cp "$O" "$T_TMP/mcp.json"
python3 - "$T_TMP/mcp.json" "http://127.0.0.1:$PORT" "$CLI" "$WAIAAS_DATA_DIR" > "$T_TMP/qs.env" <<'EOF'
import json, os, stat, sys
j = json.load(open(sys.argv[1]))
s = j["mcpServers"]
assert set(s) == {"waiaas-solana-testnet", "waiaas-evm-testnet"}, s
for k, v in s.items():
    assert v["command"] == os.path.realpath(sys.argv[3]), v
    assert v["args"] == ["mcp"], v
    assert v["env"]["WAIAAS_BASE_URL"] == sys.argv[2], v
    assert v["env"]["WAIAAS_DATA_DIR"] == sys.argv[4], v
    assert "WAIAAS_SESSION_TOKEN" not in v["env"], v
    f = sys.argv[4] + "/tokens/" + v["env"]["WAIAAS_WALLET_ID"]
    assert stat.S_IMODE(os.stat(f).st_mode) == 0o600, f
    assert open(f).read().startswith("wai_sess_"), f
w = s["waiaas-evm-testnet"]["env"]["WAIAAS_WALLET_ID"]
print("EVM_TOKEN=" + open(sys.argv[4] + "/tokens/" + w).read().strip())
print("EVM_W=" + w)
print("SOL_W=" + s["waiaas-solana-testnet"]["env"]["WAIAAS_WALLET_ID"])
EOF
check "quickset: stdout is the MCP JSON: two servers running this waiaas mcp, the base URL, each token in a 0600 file" [ $? = 0 ]
. "$T_TMP/qs.env"
S="Authorization: Bearer $EVM_TOKEN"

cli policy list
check "quickset: one SPENDING_LIMIT per wallet" \
    sh -c "[ \$(grep -c SPENDING_LIMIT '$O') = 2 ] && grep -q '$EVM_W' '$O' &&
	grep -q '$SOL_W' '$O'"
cli quickset
check "quickset again reuses the wallets and their sessions and adds no second limit" \
    sh -c "[ $? = 0 ] && grep -q 'reusing wallet evm-testnet' '$E' &&
	grep -q '(evm-testnet): session .* reused' '$E' &&
	'$CLI' wallet list | grep -c testnet | grep -qx 2 &&
	'$CLI' policy list | grep -c SPENDING_LIMIT | grep -qx 2"

# The transfer, with the token quickset wrote.
req GET "/v1/wallets/$EVM_W" "" "$S" >/dev/null
ADDR=$(jget 'j["publicKey"]')
"$CAST" send -q --rpc-url "$ANVIL_URL" --private-key "$ANVIL_KEY0" "$ADDR" \
    --value 1ether >/dev/null
b0=$("$CAST" balance --rpc-url "$ANVIL_URL" "$ACC1")
id=$(send "{\"network\":\"$NET\",\"to\":\"$ACC1\",\"amount\":\"1000000000000000\"}")
r=$(wait_tx "$id")
check "a transfer with quickset's EVM session token reaches CONFIRMED" \
    sh -c "printf '%s' '$r' | grep -q '\"status\":\"CONFIRMED\"'"
check "the recipient got exactly 0.001 ETH" \
    [ "$(python3 -c "print($("$CAST" balance --rpc-url "$ANVIL_URL" "$ACC1") - $b0)")" = 1000000000000000 ]
code=$(req POST /v1/transactions/send "{\"network\":\"$NET\",\"to\":\"$ACC1\",\"amount\":\"500000000000000000\"}" "$S")
check "0.5 ETH falls in the default limit's DELAY tier" \
    sh -c "[ $code = 201 ] && grep -q '\"tier\":\"DELAY\"' '$T_TMP/body'"

# --- the thin verbs
cli wallet create --name extra --chain ethereum --session
check "wallet create --session: the wallet and a token" \
    sh -c "[ $? = 0 ] && grep -q '^address *0x' '$O' && grep -q '^token *wai_sess_' '$O'"
XW=$(awk '$1 == "id" { print $2 }' "$O")
cli wallet info "$XW"
check "wallet info ID" sh -c "[ $? = 0 ] && grep -q '^name *extra$' '$O'"
cli wallet info "$XW" --json
check "wallet info --json is the daemon's JSON" \
    sh -c "[ $? = 0 ] && python3 -c 'import json,sys; assert json.load(open(sys.argv[1]))[\"name\"] == \"extra\"' '$O'"
cli session create --wallet "$XW" --ttl 600
check "session create prints a token" \
    sh -c "[ $? = 0 ] && grep -q '^token *wai_sess_' '$O'"
SID=$(awk '$1 == "session" { print $2 }' "$O")
XT=$(awk '$1 == "token" { print $2 }' "$O")
cli session list --wallet "$XW"
check "session list --wallet: both sessions of the wallet, ACTIVE" \
    sh -c "[ $? = 0 ] && [ \$(grep -c ' ACTIVE$' '$O') = 2 ] && grep -q '^$SID ' '$O'"
cli session revoke "$SID"
code=$(req GET /v1/wallet/address "" "Authorization: Bearer $XT")
check "session revoke: the token stops working" \
    sh -c "[ $code = 401 ] && grep -q '^revoked session $SID' '$O'"
cli policy create --wallet "$XW" --type WHITELIST --rules "{\"allowed_addresses\":[\"$ACC1\"]}"
check "policy create" sh -c "[ $? = 0 ] && grep -q '^created policy ' '$O'"
cli policy list --wallet "$XW"
check "policy list --wallet shows it" sh -c "[ $? = 0 ] && grep -q WHITELIST '$O'"
cli policy create --type WHITELIST --rules '[1]'
check "policy create with rules that are not an object: exit 2" [ $? = 2 ]

# --- every create sends its own Idempotency-Key: the daemon keeps one
# per create, and two identical commands make two wallets
rows() {	# rows TABLE: its rows, read from the database (the password
		# stays off curl's command line)
	python3 -c '
import sqlite3, sys
try:
    print(sqlite3.connect(sys.argv[1]).execute("select count(*) from " + sys.argv[2]).fetchone()[0])
except sqlite3.Error:
    print(-1)	# no such table: a number all the same
' "$WAIAAS_DATA_DIR/data/waiaas.db" "$1"
}
idem_rows() { rows idempotency; }
n0=$(idem_rows)
cli wallet create --name twin --chain ethereum
T1=$(awk '$1 == "id" { print $2 }' "$O")
cli wallet create --name twin --chain ethereum
T2=$(awk '$1 == "id" { print $2 }' "$O")
check "two identical wallet creates: two wallets ($T1 $T2)" \
    sh -c "[ -n '$T1' ] && [ -n '$T2' ] && [ '$T1' != '$T2' ]"
check "each sent an Idempotency-Key ($n0 -> $(idem_rows) keys kept)" \
    [ "$(idem_rows)" = $((n0 + 2)) ]
# The first answer lost on the way (the connection reset after the
# daemon made the wallet): the CLI asks again with the same key and
# prints the wallet that was made; no second one.
python3 tests/integration/drop_first.py "$PORT" > "$T_TMP/drop.log" 2>&1 &
PEER_PIDS="${PEER_PIDS:-} $!"
n=0
while [ $n -lt 100 ] && ! grep -q '^listening' "$T_TMP/drop.log"; do
	sleep 0.05; n=$((n + 1))
done
DROP_PORT=$(sed -n 's/^listening //p' "$T_TMP/drop.log")
nw=$(rows wallets)
WAIAAS_DAEMON_PORT=$DROP_PORT cli wallet create --name lost --chain ethereum
rc=$?
T3=$(awk '$1 == "id" { print $2 }' "$O")
check "a create whose answer is lost: retried, exit 0 ($rc, $T3)" \
    sh -c "[ $rc = 0 ] && [ -n '$T3' ]"
check "sent twice with one key ($(sed 1d "$T_TMP/drop.log" | tr '\n' ' '))" \
    sh -c "[ \$(sed 1d '$T_TMP/drop.log' | wc -l) = 2 ] &&
	[ \$(sed 1d '$T_TMP/drop.log' | sort -u | wc -l) = 1 ] &&
	! grep -qx -- - '$T_TMP/drop.log'"
check "one wallet made ($nw -> $(rows wallets))" \
    [ "$(rows wallets)" = $((nw + 1)) ]

# --- the write-ups' verbs (issue 15: 9)
# SPENDING_LIMIT by USD flags, as the write-ups type it; it reads back
# with the USD rules.
np=$(rows policies)
cli policy create SPENDING_LIMIT --instant-max 10 --daily-limit 500
rc=$?
PID_USD=$(awk '$1 == "created" { print $3 }' "$O")
check "policy create SPENDING_LIMIT --instant-max 10 --daily-limit 500: exit 0 ($rc)" \
    sh -c "[ $rc = 0 ] && [ -n '$PID_USD' ]"
# pol ID EXPR: EXPR over policy ID (j) as policy list --json reads it
# (the password stays off curl's command line: the ps sampler runs).
pol() {
	"$CLI" policy list --json 2>/dev/null | python3 -c '
import json, sys
j = [p for p in json.load(sys.stdin)["data"] if p["id"] == sys.argv[1]]
print(eval(sys.argv[2], {"j": j[0]}) if j else "no such policy")
' "$1" "$2"
}
check "it reads back global, with instant_max_usd 10 and daily_limit_usd 500" \
    [ "$(pol "$PID_USD" '(j["type"], j["walletId"], j["rules"]["instant_max_usd"], j["rules"]["daily_limit_usd"])')" = "('SPENDING_LIMIT', None, 10, 500)" ]
cli policy create SPENDING_LIMIT --wallet "$XW" --instant-max 1.5 \
    --notify-max 20 --delay-max 300 --daily-limit 1000 --monthly-limit 20000 \
    --delay-seconds 120
rc=$?
PID_ALL=$(awk '$1 == "created" { print $3 }' "$O")
check "every USD flag and --delay-seconds land in their rules ($rc)" \
    [ "$rc.$(pol "$PID_ALL" '[j["walletId"]] + [j["rules"][k] for k in ("instant_max_usd", "notify_max_usd", "delay_max_usd", "daily_limit_usd", "monthly_limit_usd", "delay_seconds")]')" = "0.['$XW', 1.5, 20, 300, 1000, 20000, 120]" ]
np=$((np + 2))
for bad in "--instant-max abc" "--instant-max -5" "--instant-max 1e3" \
    "--instant-max 0x10" "--instant-max nan" "--instant-max 0.1234567" \
    "--instant-max 2000000000000000" "--instant-max 10 --instant-max 5" \
    "--instant-max 100 --notify-max 10" "--daily-limit 500" \
    "--instant-max 10 --delay-seconds 5" \
    "--instant-max 10 --rules {\"instant_max_usd\":3}"; do
	# shellcheck disable=SC2086
	cli policy create SPENDING_LIMIT $bad
	rc=$?
	check "policy create SPENDING_LIMIT $bad: exit 2, refused in words, nothing created" \
	    sh -c "[ $rc = 2 ] && grep -q '^waiaas policy: ' '$E' && [ ! -s '$O' ] && [ $(rows policies) = $np ]"
done
cli policy create WHITELIST --instant-max 10 --rules "{\"allowed_addresses\":[\"$ACC1\"]}"
check "USD flags on another type: exit 2" \
    sh -c "[ $? = 2 ] && grep -q SPENDING_LIMIT '$E'"
cli policy create SPENDING_LIMIT --type WHITELIST --instant-max 1
check "two different types: exit 2" [ $? = 2 ]
cli policy --help
check "policy --help names the USD flags" \
    sh -c "grep -q -- '--instant-max USD' '$O' && grep -q -- '--daily-limit USD' '$O' && grep -q -- '--delay-seconds' '$O'"

# backup create --encrypt: accepted, backups are always encrypted.
nb=$(ls "$WAIAAS_DATA_DIR/backups" 2>/dev/null | wc -l)
cli backup create --encrypt
rc=$?
check "backup create --encrypt: exit 0, one more archive ($rc)" \
    sh -c "[ $rc = 0 ] && [ \$(ls '$WAIAAS_DATA_DIR/backups' | wc -l) = $((nb + 1)) ]"
cli backup --help
check "backup --help says every backup is encrypted" \
    sh -c "grep -q -- '--encrypt' '$O' && grep -qi 'every backup is encrypted' '$O'"
cli backup list --encrypt
check "--encrypt with list: exit 2" [ $? = 2 ]

# update: the version and both ways to update, without the network.
V=$("$CLI" --version | awk '{ print $2 }')
cli update
rc=$?
check "update: exit 0, its version, the newest it knows, clone and Docker ($rc)" \
    sh -c "[ $rc = 0 ] && grep -q '^waiaas $V ' '$O' &&
	grep -q 'newest version known to this build is $V' '$O' &&
	grep -q 'git pull && make && make install' '$O' &&
	grep -q 'docker compose build' '$O' && [ ! -s '$E' ]"
unshare -n "$CLI" update > "$T_TMP/upd.net" 2>&1
check "update without any network: the same answer" \
    sh -c "[ $? = 0 ] && cmp -s '$T_TMP/upd.net' '$O'"
cli update now
check "update takes no operand: exit 2" [ $? = 2 ]

# quickset's MCP configuration holds tokens: mode 0600 wherever it goes.
QF=$T_TMP/qs/mcp.json
mkdir -p "$T_TMP/qs"
( umask 022; cli quickset --output "$QF" )
rc=$?
check "quickset --output FILE: exit 0, FILE mode 0600, the MCP JSON, says where ($rc)" \
    sh -c "[ $rc = 0 ] && [ \$(stat -c %a '$QF') = 600 ] &&
	python3 -c 'import json,sys; assert len(json.load(open(sys.argv[1]))[\"mcpServers\"]) == 2' '$QF' &&
	grep -q 'written to $QF, mode 0600' '$E' && ! grep -q wai_sess_ '$O' &&
	[ \$(ls '$T_TMP/qs' | wc -l) = 1 ]"
cp "$QF" "$T_TMP/qs.before"
nsess=$(rows sessions)
cli quickset --output "$QF"
rc=$?
check "quickset --output over an existing FILE: exit 2, FILE kept, nothing made" \
    sh -c "[ $rc = 2 ] && grep -q 'exists; --force' '$E' && cmp -s '$QF' '$T_TMP/qs.before' && [ $(rows sessions) = $nsess ]"
cli quickset --output "$T_TMP/no/such/dir/mcp.json"
rc=$?
check "quickset --output in a missing directory: exit 1 before any request" \
    sh -c "[ $rc = 1 ] && grep -q 'cannot write in' '$E' && [ $(rows sessions) = $nsess ]"
chmod 644 "$QF"
cli quickset --output "$QF" --force
check "with --force: replaced, mode 0600" \
    sh -c "[ $? = 0 ] && [ \$(stat -c %a '$QF') = 600 ] &&
	[ \$(ls '$T_TMP/qs' | wc -l) = 1 ]"
QS=$T_TMP/qs/stdout.json
( umask 022; "$CLI" quickset > "$QS" 2> "$E" )
check "quickset > FILE: FILE made mode 0600, stderr says so" \
    sh -c "[ \$(stat -c %a '$QS') = 600 ] && grep -q 'goes to $QS (stdout), made mode 0600' '$E' &&
	python3 -c 'import json,sys; json.load(open(sys.argv[1]))' '$QS'"

# --- passwords
printf '%s\n' "$PW" > "$T_TMP/pwfile"
chmod 600 "$T_TMP/pwfile"
WAIAAS_MASTER_PASSWORD_FILE=$T_TMP/pwfile cli wallet list
check "the password from WAIAAS_MASTER_PASSWORD_FILE" [ $? = 0 ]
WAIAAS_MASTER_PASSWORD=wrong-password cli wallet list
rc=$?
check "a wrong password: exit 1 and one line naming INVALID_MASTER_PASSWORD" \
    sh -c "[ $rc = 1 ] && [ \$(wc -l < '$E') = 1 ] &&
	grep -q '^waiaas wallet: INVALID_MASTER_PASSWORD' '$E' && [ ! -s '$O' ]"
# No env, no file, no recovery.key: the prompt on the terminal, no echo.
mv "$WAIAAS_DATA_DIR/recovery.key" "$T_TMP/recovery.bak"
# Typed once the prompt is up (input sent before it is echoed by the
# terminal and then flushed by the prompt, as a human's would not be):
# the prompt shows, and the terminal's echo goes off right after it.
: > "$T_TMP/tty.out"
(n=0; while [ $n -lt 200 ] && ! grep -q 'Master password:' "$T_TMP/tty.out"
    do sleep 0.05; n=$((n + 1)); done; sleep 0.3; printf '%s\n' "$PW") |
    script -qec "$CLI wallet list" /dev/null > "$T_TMP/tty.out" 2>&1
check "the password typed at the prompt, not echoed" \
    sh -c "grep -q 'Master password:' '$T_TMP/tty.out' &&
	grep -q evm-testnet '$T_TMP/tty.out' && ! grep -qF -f '$T_TMP/pwfile' '$T_TMP/tty.out'"
mv "$T_TMP/recovery.bak" "$WAIAAS_DATA_DIR/recovery.key"
check "no password anywhere and no terminal: exit 1, one line" \
    sh -c "mv '$WAIAAS_DATA_DIR/recovery.key' '$T_TMP/r2'
	'$CLI' wallet list < /dev/null > /dev/null 2> '$T_TMP/nopw'; r=\$?
	mv '$T_TMP/r2' '$WAIAAS_DATA_DIR/recovery.key'
	[ \$r = 1 ] && [ \$(wc -l < '$T_TMP/nopw') = 1 ] &&
	grep -q 'no master password' '$T_TMP/nopw'"
cli status --url "http://127.0.0.1:$(free_port)"
check "status against nothing: exit 3" [ $? = 3 ]
cli wallet list --url "http://127.0.0.1:$(free_port)"
check "a daemon that is not there: exit 1, one line" \
    sh -c "[ $? = 1 ] && [ \$(wc -l < '$E') = 1 ] && grep -q 'cannot reach' '$E'"

# --- help and options
VERBS="init start stop status quickset wallet session policy set-master
    backup restore update mcp"
for v in $VERBS; do
	cli "$v" --help
	check "$v --help: exit 0 with its usage" \
	    sh -c "[ $? = 0 ] && grep -q '^usage: waiaas $v' '$O' && [ ! -s '$E' ]"
	cli "$v" --no-such-flag
	check "$v --no-such-flag: exit 2, one line" \
	    sh -c "[ $? = 2 ] && [ \$(wc -l < '$E') = 1 ] && grep -q 'unknown option' '$E'"
done
cli --help
rc=$?
miss=
for v in $VERBS; do grep -q "^  $v " "$O" || miss="$miss $v"; done
check "waiaas --help: exit 0, lists every verb (missing:${miss:- none})" \
    sh -c "[ $rc = 0 ] && [ -z '$miss' ] && [ \$(grep -c '^  [a-z]' '$O') = $(echo $VERBS | wc -w) ]"
for v in $VERBS; do
	"$CLI" "$v" --help | grep -q "^usage: waiaas $v" ||
	    echo "$v" >> "$T_TMP/nohelp"
done
check "every verb answers --help with its usage" [ ! -s "$T_TMP/nohelp" ]
cli
check "waiaas alone: the list on stderr, exit 2" \
    sh -c "[ $? = 2 ] && grep -q '^  update ' '$E'"
cli wallet list --url
check "an option without its value: exit 2" [ $? = 2 ]
cli frobnicate
check "an unknown verb: exit 2" [ $? = 2 ]

# --- stop, status
cli stop
rc=$?
# Gone: ended, maybe a zombie until pid 1 reaps it (wait_gone's "gone").
check "stop: exit 0 once the daemon has ended, its pid file removed" \
    sh -c "[ $rc = 0 ] && grep -q 'stopped (pid $DP)' '$O' &&
	[ ! -e '$WAIAAS_DATA_DIR/waiaasd.pid' ] &&
	! pgrep -P $DP >/dev/null"
wait_gone "$DP" 20
check "stop: the daemon had ended when stop returned" [ $? = 0 ]
cli status
check "status after stop: exit 3, one line" \
    sh -c "[ $? = 3 ] && grep -q 'not running' '$O'"
cli stop
check "stop when not running: exit 0, says so" \
    sh -c "[ $? = 0 ] && grep -q 'not running' '$O'"

# --- a daemon killed: its pid file stays, unlocked
cli start
DP=$(daemon_pid)
PEER_PIDS="$PEER_PIDS $DP"
kids=$(children_of "$DP")
kill -KILL "$DP"
wait_gone "$DP" 3000
# its children follow (parent-death signal)
for k in $kids; do wait_gone "$k" 3000; done
check "SIGKILL leaves the pid file" [ -e "$WAIAAS_DATA_DIR/waiaasd.pid" ]
cli status
check "status with a stale pid file: exit 3, says stale" \
    sh -c "[ $? = 3 ] && grep -q stale '$O'"
cli start
rc=$?
DP2=$(daemon_pid)
PEER_PIDS="$PEER_PIDS $DP2"
check "start over a stale pid file works" \
    sh -c "[ $rc = 0 ] && [ '$DP2' != '$DP' ] && kill -0 '$DP2'"
"$CLI" stop >/dev/null 2>&1
echo 999999 > "$WAIAAS_DATA_DIR/waiaasd.pid"
cli stop
check "stop with a stale pid file: removes it, signals nothing" \
    sh -c "[ $? = 0 ] && grep -q 'stale pid file of pid 999999' '$O' &&
	[ ! -e '$WAIAAS_DATA_DIR/waiaasd.pid' ]"

# A password that does not open the keystore: the daemon detaches, then
# stops; start says so in one line.
cp "$WAIAAS_DATA_DIR/recovery.key" "$T_TMP/recovery.good"
echo not-the-password > "$WAIAAS_DATA_DIR/recovery.key"
cli start --timeout 30
check "start with a wrong password: exit 1, one line, points to the log" \
    sh -c "[ $? = 1 ] && [ \$(grep -vc '^20..-' '$E') = 1 ] &&
	grep -q 'stopped during start-up' '$E'"
cp "$T_TMP/recovery.good" "$WAIAAS_DATA_DIR/recovery.key"
"$CLI" stop >/dev/null 2>&1

# --- as an unprivileged user: degraded privilege separation, same verbs
U=$T_TMP/nobody
mkdir -p "$U"
chown 65534:65534 "$U"
ROOT_CLI=$CLI
bins_for_others
CLI=$OTHERS_CLI
UPORT=$(free_port)
RUN="setpriv --reuid=65534 --regid=65534 --clear-groups env WAIAAS_DATA_DIR=$U/.waiaas WAIAAS_DAEMON_PORT=$UPORT"
cli init --auto-provision
check "as nobody: init" [ $? = 0 ]
cli start
rc=$?
UP=$(head -n 1 "$U/.waiaas/waiaasd.pid" 2>/dev/null)
PEER_PIDS="$PEER_PIDS $UP"
check "as nobody: start, the daemon runs as nobody" \
    sh -c "[ $rc = 0 ] && [ \$(stat -c %u /proc/$UP) = 65534 ]"
cli wallet create --name mine --chain solana
check "as nobody: wallet create with recovery.key" [ $? = 0 ]
cli stop
rc=$?
cli status
check "as nobody: stop, then status 3" sh -c "[ $rc = 0 ] && [ $? = 3 ]"
RUN=
CLI=$ROOT_CLI

# --- the password stayed out of every command line and every output
# (the sampler stops first, and the checks take the password from a
# file: on their own command lines it would be sampled too)
sleep 0.1
kill "$PSPID" 2>/dev/null; wait "$PSPID" 2>/dev/null
printf '%s\n' "$PW" > "$T_TMP/pw.pattern"
check "the password never appears in ps output ($(wc -l < "$T_TMP/ps.log") distinct lines in $(cat "$T_TMP/ps.count" 2>/dev/null) samples)" \
    sh -c "[ -s '$T_TMP/ps.log' ] && [ \"\$(cat '$T_TMP/ps.count')\" -gt 50 ] &&
	! grep -qF -f '$T_TMP/pw.pattern' '$T_TMP/ps.log'"
check "nor in anything the CLI printed" \
    sh -c "! grep -qF -f '$T_TMP/pw.pattern' '$T_TMP/all_output' && grep -q wai_sess_ '$T_TMP/all_output'"

# --- make install
make -s BUILD="$BUILD" install DESTDIR="$T_TMP/inst" PREFIX=/usr >/dev/null 2>&1
check "make install DESTDIR PREFIX: waiaasd, waiaasd-signer and waiaas in bin" \
    sh -c "[ -x '$T_TMP/inst/usr/bin/waiaasd' ] && [ -x '$T_TMP/inst/usr/bin/waiaas' ] &&
    [ -x '$T_TMP/inst/usr/bin/waiaasd-signer' ]"
