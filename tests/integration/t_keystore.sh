#!/bin/sh
# The keystore end to end: the master password from each source, one
# unlock, wallets created and imported over REST, sealed key files,
# restarts with the right and the wrong password, a corrupted key file.
. tests/integration/lib.sh

U() { echo "http://127.0.0.1:$PORT$1"; }
M="X-Master-Password: $WAIAAS_MASTER_PASSWORD"
# The dev key anvil funds; its address is well known.
EVM_KEY=ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80
EVM_ADDR=0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266
eval "$(python3 tests/integration/keys.py)"

post() {	# post PATH JSON [header]
	http_code -X POST -H "Content-Type: application/json" \
	    -H "${3:-$M}" --data-binary "$2" "$(U "$1")"
}
jget() { json_get "$T_TMP/body" "$1"; }

start_daemon || cannot_run "daemon starts"
ok "daemon starts with WAIAAS_MASTER_PASSWORD"
check "the keystore meta is written, mode 600" \
    [ "$(stat -c %a "$DATA/keystore/keystore.meta")" = 600 ]
leak=0
for p in $DPID $(children_of "$DPID"); do
	tr '\0' '\n' < /proc/$p/environ | grep -q "$WAIAAS_MASTER_PASSWORD" &&
	    leak=1
done
check "no process's environment shows the master password" [ $leak = 0 ]
check "the password is not in the log" \
    sh -c "! grep -q '$WAIAAS_MASTER_PASSWORD' '$LOG'"

# Create
code=$(post /v1/wallets '{"name":"eth one","chain":"ethereum"}')
check "create an EVM wallet: 201 ($code)" [ "$code" = 201 ]
EID=$(jget "j['id']")
check "EVM: EIP-55 address" \
    python3 -c "import re,sys; sys.exit(not re.fullmatch('0x[0-9a-fA-F]{40}', '$(jget "j['publicKey']")'))"
check "EVM: testnet by default, network ethereum-sepolia" \
    [ "$(jget "j['environment'] + ' ' + j['network']")" = "testnet ethereum-sepolia" ]
check "EVM: ACTIVE, owner NONE" \
    [ "$(jget "j['status'] + j['ownerState']")" = ACTIVENONE ]
check "EVM: a session is made with the wallet (createSession default)" \
    [ "$(jget "j['session']['token'][:9]")" = wai_sess_ ]
code=$(post /v1/wallets '{"name":"sol one","environment":"mainnet"}')
check "create a Solana wallet (the default chain): 201 ($code)" [ "$code" = 201 ]
SID=$(jget "j['id']")
check "Solana: base58 public key, network mainnet" \
    [ "$(jget "str(len(j['publicKey']) in range(32, 45)) + j['chain'] + j['network']")" = Truesolanamainnet ]
check "one sealed file per wallet, mode 600" \
    [ "$(stat -c %a "$DATA/keystore/$EID.enc") $(stat -c %a "$DATA/keystore/$SID.enc")" = "600 600" ]

# Import
code=$(post /v1/wallets/import "{\"name\":\"dev\",\"chain\":\"ethereum\",\"privateKey\":\"0x$EVM_KEY\"}")
check "import an EVM key with 0x: 201 ($code)" [ "$code" = 201 ]
check "the imported key has its known address" \
    [ "$(jget "j['publicKey']")" = "$EVM_ADDR" ]
IID=$(jget "j['id']")
code=$(post /v1/wallets/import "{\"name\":\"dev2\",\"chain\":\"ethereum\",\"privateKey\":\"$EVM_KEY\"}")
check "the same key again (no 0x) is a conflict: 409 ($code)" [ "$code" = 409 ]
check "409 code WALLET_ALREADY_EXISTS" [ "$(jget "j['code']")" = WALLET_ALREADY_EXISTS ]
code=$(post /v1/wallets/import "{\"name\":\"sol\",\"chain\":\"solana\",\"privateKey\":\"$SOL_SECRET\"}")
check "import a Solana secret (base58): 201 ($code)" [ "$code" = 201 ]
check "the imported Solana key has its public key" \
    [ "$(jget "j['publicKey']")" = "$SOL_PUB" ]
BAD=$(python3 -c "import sys; sys.path.insert(0,'tests/integration'); import keys; s=bytes.fromhex('$SOL_SEED_HEX'); print(keys.b58(s + bytes(32)))")
code=$(post /v1/wallets/import "{\"name\":\"x\",\"chain\":\"solana\",\"privateKey\":\"$BAD\"}")
check "a Solana secret whose public half does not match: 400 ($code)" [ "$code" = 400 ]
check "... code INVALID_PRIVATE_KEY" [ "$(jget "j['code']")" = INVALID_PRIVATE_KEY ]
code=$(post /v1/wallets/import '{"name":"x","chain":"ethereum","privateKey":"ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"}')
check "an out-of-range secp256k1 key: 400 INVALID_PRIVATE_KEY ($code)" \
    [ "$code $(jget "j['code']")" = "400 INVALID_PRIVATE_KEY" ]
code=$(post /v1/wallets/import '{"name":"x","chain":"ethereum","privateKey":"0x1234"}')
check "a short key is a validation error naming privateKey ($code)" \
    [ "$code $(jget "j['details']['issues'][0]['path'][0]")" = "400 privateKey" ]
check "no key file holds the imported key in clear" \
    sh -c "! grep -rqi '$EVM_KEY' '$DATA'"
check "the response never echoes the key" \
    sh -c "! grep -q '$EVM_KEY' '$T_TMP/body'"

# Validation and auth
code=$(post /v1/wallets '{"name":"","chain":"btc","environment":"prod","createSession":"yes","extra":1}')
check "validation: 400 VALIDATION_FAILED ($code)" \
    [ "$code $(jget "j['code']")" = "400 VALIDATION_FAILED" ]
check "validation names every bad field" \
    [ "$(jget "','.join(sorted(i['path'][0] for i in j['details']['issues']))")" = chain,createSession,environment,extra,name ]
code=$(post /v1/wallets "{\"name\":\"$(head -c 101 /dev/zero | tr '\0' n)\"}")
check "a 101-character name is refused ($code)" [ "$code" = 400 ]
code=$(post /v1/wallets '[1,2]')
check "a body that is not an object is refused ($code)" [ "$code" = 400 ]
code=$(post /v1/wallets '{"name":"a","name":"b"}')
check "duplicate keys are refused ($code)" [ "$code" = 400 ]
code=$(post /v1/wallets '{"name":"x"}' "X-Other: 1")
check "no master password: 401 INVALID_MASTER_PASSWORD ($code)" \
    [ "$code $(jget "j['code']")" = "401 INVALID_MASTER_PASSWORD" ]
code=$(post /v1/wallets '{"name":"x"}' "X-Master-Password: wrong")
check "a wrong master password: 401 ($code)" [ "$code" = 401 ]
code=$(http_code "$(U /v1/wallets)")
check "listing needs the master password: 401 ($code)" [ "$code" = 401 ]
code=$(http_code -H "$M" "$(U /v1/wallets/$EID)")
check "get one wallet: 200 ($code)" [ "$code" = 200 ]
code=$(http_code -H "$M" "$(U /v1/wallets/01a20200-0000-7000-8000-000000000000)")
check "an unknown wallet: 404 WALLET_NOT_FOUND ($code)" \
    [ "$code $(jget "j['code']")" = "404 WALLET_NOT_FOUND" ]
code=$(http_code -H "$M" "$(U /v1/wallets/..%2f..%2fetc)")
check "a malformed wallet id: 404 ($code)" [ "$code" = 404 ]

http_code -H "$M" "$(U /v1/wallets)" >/dev/null
cp "$T_TMP/body" "$T_TMP/list1"
check "four wallets listed" [ "$(jget "len(j['items'])")" = 4 ]

# Restart: same wallets; wrong password: refused, nothing changed.
kill -TERM "$DPID"; wait_gone "$DPID" 2000
if start_daemon; then
	check "restart: the log counts 4 wallets" wait_log 'with 4 wallets'
	http_code -H "$M" "$(U /v1/wallets)" >/dev/null
	check "restart: the same wallets and addresses" cmp -s "$T_TMP/body" "$T_TMP/list1"
	kill -TERM "$DPID"; wait_gone "$DPID" 2000
else
	notok "restart with the right password"; cat "$LOG"
fi
(cd "$DATA" && find . -type f ! -name '*-shm' -exec md5sum {} + | sort) > "$T_TMP/sums1"
WAIAAS_MASTER_PASSWORD=not-the-password WAIAAS_DATA_DIR=$DATA \
    WAIAAS_DAEMON_PORT=$(free_port) timeout 10 "$WAIAASD" -d > "$T_TMP/out" 2>&1
st=$?
check "a wrong password refuses to start (status $st)" [ $st = 1 ]
check "... saying so" grep -q 'wrong master password' "$T_TMP/out"
(cd "$DATA" && find . -type f ! -name '*-shm' -exec md5sum {} + | sort) > "$T_TMP/sums2"
check "... and changes nothing on disk" cmp -s "$T_TMP/sums1" "$T_TMP/sums2"

# A corrupted sealed key: that wallet is reported, the others work.
printf 'X' | dd of="$DATA/keystore/$SID.enc" bs=1 seek=130 conv=notrunc 2>/dev/null
if start_daemon; then
	check "the other wallets load (3 of 4)" wait_log 'with 3 wallets'
	check "a corrupted key file is reported by wallet id" \
	    grep -q "wallet $SID: its sealed key does not open" "$LOG"
	check "the corrupted file is kept" [ -f "$DATA/keystore/$SID.enc" ]
	code=$(post /v1/wallets '{"name":"after","chain":"ethereum"}')
	check "new wallets still work ($code)" [ "$code" = 201 ]
	kill -TERM "$DPID"; wait_gone "$DPID" 2000
else
	notok "start with a corrupted key file"; cat "$LOG"
fi

# More sealed keys than the parent's queue to the signer holds at once
# (10 k blobs are 1.6 MB, CHAN_CTL_WMAX 1 MiB): the parent hands them
# over as the signer answers, and every one loads; a master password
# change seals them all again, the signer sending them as the parent
# takes them.  The driver seals them as the signer would (no peer of
# ours stands in: the real daemon opens them).
DRIVER=$PWD/$BUILD/tests/signer_driver
if [ -x "$DRIVER" ]; then
	"$DRIVER" "$PWD/$BUILD/waiaasd-signer" seal "$DATA" 10000 \
	    > "$T_TMP/many.ids" 2>"$T_TMP/driver.log"
	check "10 000 more keys sealed into the keystore" \
	    [ "$(wc -l < "$T_TMP/many.ids")" = 10000 ]
	if start_daemon; then
		check "all load: 10004 wallets (the corrupted one apart)" \
		    grep -q 'with 10004 wallets' "$LOG"
		code=$(post /v1/wallets '{"name":"10k+1","chain":"ethereum"}')
		check "a new wallet beside them ($code)" [ "$code" = 201 ]
		code=$(req PUT /v1/admin/master-password \
		    '{"newPassword":"ten-thousand-keys-later"}')
		check "set-master over 10 005 keys: 200, all resealed ($code)" \
		    [ "$code $(jget 'j["walletsReEncrypted"]')" = "200 10005" ]
		kill -TERM "$DPID"; wait_gone "$DPID" 5000
	else
		notok "start with 10 004 sealed keys"; tail -5 "$LOG"
	fi
	if WAIAAS_MASTER_PASSWORD=ten-thousand-keys-later start_daemon; then
		check "under the new password all 10 005 open" \
		    grep -q 'with 10005 wallets' "$LOG"
		kill -TERM "$DPID"; wait_gone "$DPID" 5000
	else
		notok "start after set-master over 10 005 keys"; tail -5 "$LOG"
	fi
	sed 's|$|.enc|' "$T_TMP/many.ids" | (cd "$DATA/keystore" &&
	    xargs rm -f)
else
	notok "the signer driver is missing ($DRIVER)"
fi

# The other password sources.
DATA=$T_TMP/file-src
printf 'from-a-file\n' > "$T_TMP/pwfile"
if WAIAAS_MASTER_PASSWORD= WAIAAS_MASTER_PASSWORD_FILE=$T_TMP/pwfile \
    start_daemon; then
	check "WAIAAS_MASTER_PASSWORD_FILE is used (trailing newline dropped)" \
	    [ "$(post /v1/wallets '{"name":"f"}' 'X-Master-Password: from-a-file')" = 201 ]
	kill -TERM "$DPID"; wait_gone "$DPID" 2000
else
	notok "WAIAAS_MASTER_PASSWORD_FILE"; cat "$LOG"
fi
DATA=$T_TMP/auto
(unset WAIAAS_MASTER_PASSWORD; WAIAAS_DATA_DIR=$DATA \
    WAIAAS_DAEMON_PORT=$(free_port) timeout 5 "$WAIAASD" -d \
    < /dev/null > "$T_TMP/out" 2>&1)
check "no password source on a first start: refused with a hint" \
    grep -q 'no master password' "$T_TMP/out"
check "... leaving no recovery.key" [ ! -e "$DATA/recovery.key" ]
unset WAIAAS_MASTER_PASSWORD
if WAIAAS_AUTO_PROVISION=true start_daemon; then
	check "auto-provision writes recovery.key, mode 600" \
	    [ "$(stat -c %a "$DATA/recovery.key")" = 600 ]
	PW=$(cat "$DATA/recovery.key")
	check "the provisioned password is strong (43 chars)" [ ${#PW} = 43 ]
	check "and it is the master password" \
	    [ "$(post /v1/wallets '{"name":"a"}' "X-Master-Password: $PW")" = 201 ]
	check "GET /v1/admin/status says autoProvisioned" \
	    [ "$(req GET /v1/admin/status "" "X-Master-Password: $PW") $(jget 'j["autoProvisioned"]')" = "200 True" ]
	kill -TERM "$DPID"; wait_gone "$DPID" 2000
	if start_daemon; then
		check "a later start reads recovery.key" \
		    wait_log 'master password from recovery.key'
		check "... and still says autoProvisioned (the file is there)" \
		    [ "$(req GET /v1/admin/status "" "X-Master-Password: $PW") $(jget 'j["autoProvisioned"]')" = "200 True" ]
		kill -TERM "$DPID"; wait_gone "$DPID" 2000
	else
		notok "restart from recovery.key"; cat "$LOG"
	fi
	chmod 644 "$DATA/recovery.key"
	WAIAAS_DATA_DIR=$DATA WAIAAS_DAEMON_PORT=$(free_port) timeout 5 \
	    "$WAIAASD" -d < /dev/null > "$T_TMP/out" 2>&1
	check "a recovery.key readable by others is refused" \
	    grep -q 'recovery.key: readable by group or others' "$T_TMP/out"
else
	notok "auto-provision"; cat "$LOG"
fi
DPID=""
check "no sanitizer reports" no_sanitizer_reports
