#!/bin/sh
# waiaas set-master: every key sealed again under the new password, the
# old one refused afterwards (masterAuth and unlock), the new one unlocks
# and signs a transfer on anvil.  Then the parent is killed (SIGKILL, the
# test hook WAIAASD_TEST_CRASH of SAN=1 builds) at each step of the switch
# on disk: after each, the daemon starts with exactly one of the two
# passwords (the old before the commit point, the new after), every
# wallet opens (by count in the log and by the address a signature
# recovers to), and no half-written keystore is left.  recovery.key
# follows the change when it is the password's source.
. tests/integration/lib.sh

CLI=$PWD/$BUILD/waiaas
NET=ethereum-sepolia
ACC1=0x70997970C51812dc3A010C7d01b50e0d17dc79C8
VERIFY="node_bin tests/integration/verify_sig.js"
DATA=$T_TMP/data

start_anvil --chain-id 11155111
export WAIAAS_RPC_EVM_ETHEREUM_SEPOLIA=$ANVIL_URL
export WAIAAS_SECURITY_PRICE_STATIC="ETH=2000"
export WAIAAS_RPC_POLL_INTERVAL_MS=100

# start PASSWORD [runner...]: a daemon with that password.
start() {
	pw=$1; shift
	export WAIAAS_MASTER_PASSWORD="$pw"
	start_daemon "$@"
}
stop() {
	kill -TERM "$DPID" 2>/dev/null
	wait_gone "$DPID" 5000
}
# all_open N: the parent says N wallets and none unusable.
all_open() {
	grep -q "with $1 wallets" "$LOG" && ! grep -q unusable "$LOG"
}
# sigs_ok: every EVM wallet signs, and the signature recovers to it.
sigs_ok() {
	for i in 1 2; do
		eval "s=\$S$i a=\$A$i"
		c=$(req POST /v1/transactions/sign-message \
		    "{\"network\":\"$NET\",\"message\":\"check $i\"}" \
		    "Authorization: Bearer $s")
		[ "$c" = 200 ] || return 1
		[ "$($VERIFY personal "check $i" "$(jget 'j["signature"]')")" = "$a" ] ||
		    return 1
	done
}
no_leftovers() {
	[ ! -e "$DATA/keystore.next" ] && [ ! -e "$DATA/keystore.prev" ]
}

P0=first-master-password
start "$P0" || cannot_run "daemon starts"
for i in 1 2; do
	req POST /v1/wallets "{\"name\":\"e$i\",\"chain\":\"ethereum\",\"environment\":\"testnet\",\"createSession\":true}" >/dev/null
	eval "W$i=$(jget 'j["id"]') A$i=$(jget 'j["publicKey"]')"
	eval "S$i=$(jget 'j["session"]["token"]')"
done
req POST /v1/wallets '{"name":"s","chain":"solana","environment":"testnet"}' >/dev/null
req POST /v1/policies '{"type":"SPENDING_LIMIT","rules":{"instant_max":"2000000000000000000","instant_max_usd":100000}}' >/dev/null
check "before: three wallets, both EVM ones sign" sigs_ok

# Refusals first: nothing changes.
code=$(req POST /v1/admin/master-password '{"password":"short"}')
check "a new password under 8 bytes: 400" [ "$code" = 400 ]
code=$(req PUT /v1/admin/master-password '{"newPassword":"short"}')
check "PUT (the reference's method), newPassword under 8 bytes: 400 ($code)" \
    [ "$code $(jget 'j["code"]')" = "400 VALIDATION_FAILED" ]
code=$(req PUT /v1/admin/master-password '{"newPassword":"p2-password","password":"p2-password"}')
check "newPassword and password both: 400 naming password ($code)" \
    [ "$code $(jget 'j["details"]["issues"][0]["path"][0]')" = "400 password" ]
code=$(req PUT /v1/admin/master-password '{}')
check "no new password: 400 naming newPassword ($code)" \
    [ "$code $(jget 'j["details"]["issues"][0]["path"][0]')" = "400 newPassword" ]
code=$(req POST /v1/admin/master-password '{"password":"p2-password"}' \
    "X-Master-Password: wrong")
check "set-master with a wrong current password: 401" [ "$code" = 401 ]
WAIAAS_NEW_MASTER_PASSWORD=x $CLI set-master --url "http://127.0.0.1:$PORT" \
    </dev/null >/dev/null 2>"$T_TMP/err"
check "CLI: a short new password refused before the daemon is asked" \
    sh -c "[ $? -ne 0 ] && grep -q shorter $T_TMP/err"
$CLI set-master --url "http://127.0.0.1:$PORT" </dev/null >/dev/null \
    2>"$T_TMP/err"
check "CLI: no source for the new password: one clear line" \
    sh -c "[ $? -ne 0 ] && grep -q 'no new password' $T_TMP/err"
check "CLI: set-master --help" sh -c "$CLI set-master --help | grep -q WAIAAS_NEW_MASTER_PASSWORD"

P1=second-master-password
WAIAAS_NEW_MASTER_PASSWORD=$P1 WAIAAS_DATA_DIR=$DATA $CLI set-master \
    --url "http://127.0.0.1:$PORT" >"$T_TMP/out" 2>&1
check "CLI set-master: exit 0" sh -c "[ $? = 0 ] && grep -q changed $T_TMP/out"
check "the new password is nowhere in the log" sh -c "! grep -q $P1 $LOG"
code=$(req GET /v1/wallets)
check "the old password is refused at once (401)" [ "$code" = 401 ]
code=$(req GET /v1/wallets "" "X-Master-Password: $P1")
check "the new password is taken (200)" [ "$code" = 200 ]
check "sessions and keys go on: both EVM wallets sign" sigs_ok
check "no keystore.next or keystore.prev left" no_leftovers
req GET '/v1/audit-logs?limit=500' '' "X-Master-Password: $P1" >/dev/null
check "the audit log has the change" grep -q master.password_changed "$T_TMP/body"
check "no sanitizer reports" no_sanitizer_reports
stop

start "$P0"
check "a restart with the old password is refused" \
    sh -c "[ $? != 0 ] || ! kill -0 $DPID 2>/dev/null; grep -q 'wrong master password' $LOG"
stop
start "$P1" || notok "restart with the new password"
check "restart with the new password: every wallet opens" all_open 3
check "after the restart both EVM wallets sign" sigs_ok
code=$(req PUT /v1/admin/master-password "{\"newPassword\":\"$P1\"}" \
    "X-Master-Password: $P1")
check "PUT /v1/admin/master-password: 200, the reference's answer: 3 wallets resealed, no settings ($code)" \
    [ "$code $(jget '[j["walletsReEncrypted"], j["settingsReEncrypted"], type(j["message"]).__name__]')" = "200 [3, 0, 'str']" ]
check "... and both EVM wallets still sign after it" sigs_ok

# A transfer on anvil, signed by a key sealed under the new password.
"$CAST" send -q --rpc-url "$ANVIL_URL" --private-key "$ANVIL_KEY0" "$A1" \
    --value 1ether >/dev/null
S="Authorization: Bearer $S1"
before=$("$CAST" balance --rpc-url "$ANVIL_URL" "$ACC1")
id=$(send "{\"network\":\"$NET\",\"to\":\"$ACC1\",\"amount\":\"1000\"}")
wait_tx "$id" >/dev/null
check "a transfer after set-master and restart: CONFIRMED" \
    [ "$(jget 'j["status"]')" = CONFIRMED ]
after=$("$CAST" balance --rpc-url "$ANVIL_URL" "$ACC1")
check "the recipient got exactly 1000 wei" \
    [ "$(python3 -c "print($after - $before)")" = 1000 ]
stop

# Kill the parent at every step of the switch.  Before the commit point
# (keystore renamed to keystore.prev) the old password stays; after it,
# the new one.
CUR=$P1
k=0	# not n: lib.sh's wait_gone counts with it
for step in rekey-begin rekey-blob rekey-written rekey-moved \
    rekey-switched rekey-done; do
	k=$((k + 1))
	NEW=crash-password-$k
	start "$CUR" env WAIAASD_TEST_CRASH=$step ||
	    { notok "$step: daemon starts"; continue; }
	code=$(req POST /v1/admin/master-password "{\"password\":\"$NEW\"}")
	wait_gone "$DPID" 5000
	check "$step: the parent died there (no answer: $code)" \
	    sh -c "grep -q 'test hook: SIGKILL at $step' $LOG && [ $code = 000 ]"
	# Children follow their parent (PR_SET_PDEATHSIG).
	sleep 0.3
	case $step in
	rekey-begin|rekey-blob|rekey-written) good=$CUR bad=$NEW;;
	*) good=$NEW bad=$CUR;;
	esac
	start "$bad"
	wait_gone "$DPID" 5000
	check "$step: the other password does not open the keystore" \
	    grep -q 'wrong master password' "$LOG"
	stop
	start "$good" || { notok "$step: restart with the right password"; continue; }
	check "$step: every wallet opens with the $( [ "$good" = "$CUR" ] && echo old || echo new ) password" all_open 3
	check "$step: both EVM wallets sign as themselves" sigs_ok
	check "$step: masterAuth takes that password" \
	    [ "$(req GET /v1/wallets "" "X-Master-Password: $good")" = 200 ]
	check "$step: nothing half-done left" no_leftovers
	stop
	CUR=$good
done

# recovery.key as the source: the CLI keeps it in step.
unset WAIAAS_MASTER_PASSWORD
printf '%s\n' "$CUR" > "$DATA/recovery.key"
chmod 600 "$DATA/recovery.key"
start_daemon || notok "daemon starts from recovery.key"
WAIAAS_DATA_DIR=$DATA WAIAAS_DAEMON_PORT=$PORT $CLI set-master --generate \
    >"$T_TMP/out" 2>&1
check "set-master --generate with recovery.key: exit 0" \
    sh -c "[ $? = 0 ] && grep -q 'recovery.key holds the new' $T_TMP/out"
NEWKEY=$(cat "$DATA/recovery.key")
check "recovery.key has a new password, mode 600, no .new left" \
    sh -c "[ '$NEWKEY' != '$CUR' ] && [ \$(stat -c %a $DATA/recovery.key) = 600 ] && [ ! -e $DATA/recovery.key.new ]"
check "the generated password is never printed" sh -c "! grep -q -- '$NEWKEY' $T_TMP/out"
stop
start_daemon || notok "restart from the new recovery.key"
check "restart from the new recovery.key: every wallet opens" all_open 3
check "no sanitizer reports" no_sanitizer_reports
stop
