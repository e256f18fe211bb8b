#!/bin/sh
# waiaas backup create|list|inspect and restore: an encrypted archive of
# a live daemon (database snapshot, sealed keys, config.toml); the data
# directory wiped and restored gives the same wallets (ids, addresses),
# policies, sessions (an old token still works) and an audit chain that
# verifies.  inspect checks the metadata's MAC with the master password
# (--no-verify shows it unauthenticated, without one).  A byte flipped in
# the body or the metadata, a truncated archive, a wrong password, a
# running daemon: restore refuses and nothing changes.
. tests/integration/lib.sh

CLI=$PWD/$BUILD/waiaas
DATA=$T_TMP/data
C() { WAIAAS_DATA_DIR=$DATA WAIAAS_DAEMON_PORT=$PORT "$CLI" "$@"; }
stop() { kill -TERM "$DPID" 2>/dev/null; wait_gone "$DPID" 5000; }
# state FILE: what must survive, from the running daemon.
state() {
	{
		req GET /v1/wallets >/dev/null
		jget 'sorted((w["id"], w["publicKey"], w["name"]) for w in j["items"])'
		req GET /v1/policies >/dev/null
		jget 'sorted((p["id"], json.dumps(p["rules"], sort_keys=True)) for p in j["data"])'
		req GET /v1/sessions >/dev/null
		jget 'sorted((s["id"], s["status"]) for s in j["data"])'
		req GET /v1/audit-logs/verify >/dev/null
		jget 'j["valid"], j["entries"]'
	} > "$1"
}
# tree: every file of the data directory with its hash.
tree() { (cd "$DATA" && find . -type f ! -name waiaasd.pid -exec sha256sum {} + | sort); }

mkdir -m 700 "$DATA"
printf '[daemon]\nlog_level = "info"\n' > "$DATA/config.toml"
start_daemon || cannot_run "daemon starts"
req POST /v1/wallets '{"name":"evm","chain":"ethereum","environment":"testnet","createSession":true}' >/dev/null
ADDR=$(jget 'j["publicKey"]')
TOKEN=$(jget 'j["session"]["token"]')
req POST /v1/wallets '{"name":"sol","chain":"solana","environment":"testnet"}' >/dev/null
req POST /v1/policies '{"type":"SPENDING_LIMIT","rules":{"instant_max":"1000"}}' >/dev/null

# A wrong or no master password: 401, and nothing is made.
ls -a "$DATA/backups" > "$T_TMP/bk0"
code=$(req POST /v1/admin/backup "" "X-Master-Password: wrong-password")
check "POST /v1/admin/backup with a wrong password: 401 ($code)" [ "$code" = 401 ]
code=$(req POST /v1/admin/backup "" "X-Nothing: 1")
check "... with no password: 401 ($code)" [ "$code" = 401 ]
ls -a "$DATA/backups" > "$T_TMP/bk1"
check "... and nothing in backups/, no snapshot left" \
    sh -c "cmp -s $T_TMP/bk0 $T_TMP/bk1 && [ ! -e $DATA/data/backup-snapshot.db ]"

# The route makes the encrypted archive, and answers in the reference's
# shape (BackupInfoResponse) about it.  What it holds: the state now
# (its audit entry comes after the snapshot).
state "$T_TMP/before"
code=$(req POST /v1/admin/backup)
RARCH=$(jget 'j["path"]')
RNAME=$(jget 'j["filename"]')
check "POST /v1/admin/backup: 200, path is backups/<filename>, a .wbk ($code)" \
    [ "$code $RARCH" = "200 $DATA/backups/$RNAME" -a "${RNAME%.wbk}" != "$RNAME" ]
check "... the archive exists, mode 600, size as answered; no snapshot left" \
    sh -c "[ -f '$RARCH' ] && [ \$(stat -c %a '$RARCH') = 600 ] && [ \$(stat -c %s '$RARCH') = $(jget 'j["size"]') ] && [ ! -e $DATA/data/backup-snapshot.db ] && [ \$(ls -A $DATA/backups | wc -l) = 1 ]"
check "... schema_version is the database's, daemon_version a string, file_count 5" \
    [ "$(jget 'j["schema_version"], type(j["daemon_version"]).__name__, j["file_count"]')" = "$(sqlite3 "$DATA/data/waiaas.db" 'PRAGMA user_version') str 5" ]
check "... created_at an ISO 8601 UTC time within a minute of now" \
    [ "$(jget '__import__("datetime").datetime.strptime(j["created_at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=__import__("datetime").timezone.utc).timestamp() > __import__("time").time() - 60')" = True ]
check "the master password is not in it" \
    sh -c "! grep -q '$WAIAAS_MASTER_PASSWORD' '$RARCH'"
code=$(req GET /v1/admin/backups)
check "GET /v1/admin/backups lists it, 2 wallets' worth of files ($code)" \
    [ "$(jget '[(b["filename"], b["path"], b["file_count"]) for b in j["backups"]]')" = "[('$RNAME', '$RARCH', 5)]" ]
C backup list >"$T_TMP/out" 2>&1
check "backup list shows it with 2 wallets" grep -q "$RNAME.*2 wallets" "$T_TMP/out"
C backup inspect "$RNAME" >"$T_TMP/insp" 2>&1
check "backup inspect verifies it with the password" \
    grep -q '"authenticated": true' "$T_TMP/insp"
req GET '/v1/audit-logs?limit=100' >/dev/null
check "the backup is audited" grep -q '"backup.created"' "$T_TMP/body"

C backup create >"$T_TMP/out" 2>"$T_TMP/err"
check "backup create: exit 0" [ $? = 0 ]
ARCH=$(cat "$T_TMP/out")
NAME=$(basename "$ARCH")
check "a second archive in backups/ (not over the first), mode 600" \
    sh -c "[ -f '$ARCH' ] && [ '$ARCH' != '$RARCH' ] && [ \$(stat -c %a '$ARCH') = 600 ] && [ ! -e $DATA/data/backup-snapshot.db ]"
check "the master password is not in the archive" \
    sh -c "! grep -q '$WAIAAS_MASTER_PASSWORD' '$ARCH'"
check "no private key text in the archive" sh -c "! grep -qi 'privateKey' '$ARCH'"
C backup list >"$T_TMP/out" 2>&1
check "backup list shows it with 2 wallets" grep -q "$NAME.*2 wallets" "$T_TMP/out"
C backup inspect "$NAME" >"$T_TMP/insp" 2>&1
check "inspect: authenticated metadata (2 wallets, schema, files with hashes)" \
    python3 -c "
import json,sys; j=json.load(open('$T_TMP/insp'))
n=[f['name'] for f in j['files']]
assert j['authenticated'] is True and j['walletCount'] == 2 and j['schemaVersion'] > 0
assert 'data/waiaas.db' in n and 'keystore/keystore.meta' in n and 'config.toml' in n, n
assert sum(1 for x in n if x.endswith('.enc')) == 2
assert all(len(f['sha256']) == 64 for f in j['files'])"
(unset WAIAAS_MASTER_PASSWORD; WAIAAS_DATA_DIR=$DATA "$CLI" backup inspect \
    --no-verify "$ARCH" </dev/null) >"$T_TMP/insp" 2>&1
check "inspect --no-verify needs no password and says unauthenticated" \
    grep -q '"authenticated": false' "$T_TMP/insp"
WAIAAS_MASTER_PASSWORD=wrong-password C backup inspect "$NAME" >/dev/null \
    2>"$T_TMP/err"
check "inspect with a wrong password: refused" \
    sh -c "[ $? != 0 ] && grep -q 'does not authenticate' $T_TMP/err"

# What is restored below is the route's archive.
cp "$RARCH" "$T_TMP/good.wbk"
cp "$DATA/config.toml" "$T_TMP/good.conf"
C restore "$T_TMP/good.wbk" >/dev/null 2>"$T_TMP/err"
check "restore while the daemon runs: refused" \
    sh -c "[ $? != 0 ] && grep -q 'stop it first' $T_TMP/err"
# A change after the backup, which the restore must undo.
req POST /v1/wallets '{"name":"late","chain":"ethereum","environment":"testnet"}' >/dev/null
stop

tree > "$T_TMP/tree0"
python3 - "$T_TMP/good.wbk" "$T_TMP" <<'PY'
import sys
src, d = sys.argv[1], sys.argv[2]
b = bytearray(open(src, 'rb').read())
mlen = int.from_bytes(b[8:12], 'big')
body = bytearray(b); body[len(b) - 40] ^= 1
open(d + '/body.wbk', 'wb').write(body)
meta = bytearray(b); i = meta.index(b'"walletCount":2'); meta[i + 14] = ord('3')
open(d + '/meta.wbk', 'wb').write(meta)
open(d + '/trunc.wbk', 'wb').write(b[:len(b) - 50])
open(d + '/trunchead.wbk', 'wb').write(b[:12 + mlen // 2])
open(d + '/extra.wbk', 'wb').write(b + b'\0\0\0\0')
PY
for t in body meta trunc trunchead extra; do
	C restore "$T_TMP/$t.wbk" >/dev/null 2>"$T_TMP/err"
	rc=$?
	tree > "$T_TMP/tree1"
	check "a tampered archive ($t) is refused: $(head -c 120 "$T_TMP/err")" [ $rc != 0 ]
	check "... and nothing changed, no staging left ($t)" \
	    sh -c "cmp -s $T_TMP/tree0 $T_TMP/tree1 && ! ls -d $DATA.restore-* 2>/dev/null"
done
C backup inspect "$T_TMP/meta.wbk" >/dev/null 2>&1
check "inspect sees the tampered metadata" [ $? != 0 ]
WAIAAS_MASTER_PASSWORD=wrong-password C restore "$T_TMP/good.wbk" \
    >/dev/null 2>&1
check "restore with a wrong password: refused" [ $? != 0 ]

# Wipe, restore.
rm -rf "$DATA"
C restore "$T_TMP/good.wbk" >"$T_TMP/out" 2>&1
check "restore into a wiped data directory: exit 0" [ $? = 0 ]
check "config.toml restored as it was" cmp -s "$DATA/config.toml" "$T_TMP/good.conf"
start_daemon || cannot_run "daemon starts on the restored data"
check "every wallet opens" sh -c "grep -q 'with 2 wallets' $LOG && ! grep -q unusable $LOG"
state "$T_TMP/after"
check "same wallets, policies, sessions; the audit chain verifies" \
    sh -c "cmp -s $T_TMP/before $T_TMP/after && grep -q True $T_TMP/after"
[ -n "${T_DEBUG:-}" ] && diff "$T_TMP/before" "$T_TMP/after"
code=$(req GET '/v1/wallet/address?network=ethereum-sepolia' "" "Authorization: Bearer $TOKEN")
check "a session token from before the backup still works" \
    sh -c "[ $code = 200 ] && grep -q $ADDR $T_TMP/body"
check "no sanitizer reports" no_sanitizer_reports

# Restore over existing data: it moves aside, backups/ comes along.
ARCH2=$(C backup create 2>/dev/null)
stop
C restore "$(basename "$ARCH2")" >"$T_TMP/out" 2>&1
check "restore over existing data: exit 0, the old data kept aside" \
    sh -c "[ $? = 0 ] && ls -d $DATA.before-restore-* >/dev/null && [ \$(ls $DATA/backups | wc -l) = 1 ] && cmp -s $DATA/config.toml $T_TMP/good.conf"
start_daemon || notok "daemon starts after the second restore"
check "after the second restore every wallet opens" \
    sh -c "grep -q 'with 2 wallets' $LOG && ! grep -q unusable $LOG"

# One backup at a time: requests at once each make their own archive or
# get 409; none makes a broken one, none leaves a snapshot.
n0=$(ls "$DATA/backups" | wc -l)
pids=
for i in 1 2 3; do
	curl -s -o "$T_TMP/c$i" -w '%{http_code}\n' -X POST \
	    -H "X-Master-Password: $WAIAAS_MASTER_PASSWORD" \
	    "http://127.0.0.1:$PORT/v1/admin/backup" > "$T_TMP/code$i" &
	pids="$pids $!"
done
wait $pids	# not the daemon
codes=$(cat "$T_TMP"/code1 "$T_TMP"/code2 "$T_TMP"/code3 | sort | tr '\n' ' ')
made=$(cat "$T_TMP"/code1 "$T_TMP"/code2 "$T_TMP"/code3 | grep -c '^200$')
check "three backups at once: each 200 or 409 ($codes)" \
    sh -c "! cat $T_TMP/code1 $T_TMP/code2 $T_TMP/code3 | grep -qv '^200$\|^409$' && [ $made -ge 1 ]"
check "... one archive per 200, each verifies; no snapshot left" \
    sh -c "[ \$(ls $DATA/backups | wc -l) = $((n0 + made)) ] && [ ! -e $DATA/data/backup-snapshot.db ] && for a in $DATA/backups/*.wbk; do WAIAAS_DATA_DIR=$DATA '$CLI' backup inspect \$a >/dev/null 2>&1 || exit 1; done"
grep -q BACKUP_IN_PROGRESS "$T_TMP"/c1 "$T_TMP"/c2 "$T_TMP"/c3 &&
    echo "# a 409 was seen" || echo "# no 409 this time (the backups did not overlap)"
stop
