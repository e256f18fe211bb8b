#!/bin/sh
# Bad configuration stops the daemon before it starts, naming the key;
# nothing is created or left running.
. tests/integration/lib.sh

# expect_refusal DESCRIPTION PATTERN [env...] : the daemon must exit
# non-zero within 5 s and print PATTERN.
expect_refusal() {
	desc=$1; pat=$2; shift 2
	out=$T_TMP/out
	env WAIAAS_DATA_DIR="$DATA" WAIAAS_DAEMON_PORT="$(free_port)" "$@" \
	    timeout 5 "$WAIAASD" -d >"$out" 2>&1
	st=$?
	if [ $st != 0 ] && [ $st != 124 ] && grep -q -- "$pat" "$out"; then
		ok "$desc"
	else
		notok "$desc (status $st)"; cat "$out"
	fi
}

DATA=$T_TMP/cfg
mkdir -p "$DATA"; chmod 700 "$DATA"

printf '[daemon]\nprot = 3100\n' > "$DATA/config.toml"
expect_refusal "unknown key in config.toml is named" "unknown key 'daemon.prot'"

printf '[daemon]\nport = "abc"\n' > "$DATA/config.toml"
expect_refusal "a string for an integer key is refused" "daemon.port"

printf '[daemon]\nport = 70000\n' > "$DATA/config.toml"
expect_refusal "an out-of-range port is refused" "out of range"

printf '[deamon]\nport = 1\n' > "$DATA/config.toml"
expect_refusal "an unknown section is named" "unknown section 'deamon'"

printf '[daemon]\nlog_level = "loud"\n' > "$DATA/config.toml"
expect_refusal "a bad log level is refused" "daemon.log_level"

printf '[daemon]\nport = 3100\n' > "$DATA/config.toml"
chmod 666 "$DATA/config.toml"
expect_refusal "a group/world-writable config.toml is refused" "writable"
chmod 600 "$DATA/config.toml"

expect_refusal "an unknown WAIAAS_ variable is named" \
    "WAIAAS_DAEMON_PROT" WAIAAS_DAEMON_PROT=1
expect_refusal "a bad environment value is named" \
    "WAIAAS_DAEMON_MAX_CONNECTIONS" WAIAAS_DAEMON_MAX_CONNECTIONS=lots
expect_refusal "a bad RPC URL is refused" \
    "rpc.solana_devnet" WAIAAS_RPC_SOLANA_DEVNET=ftp://x
expect_refusal "a non-IP hostname is refused" \
    "daemon.hostname" WAIAAS_DAEMON_HOSTNAME=example.com
expect_refusal "a relative data directory is refused" "absolute" \
    WAIAAS_DATA_DIR=relative/dir
check "no process left running" [ -z "$(pgrep -f "$WAIAASD")" ]

# A port in use is reported by the parent before any child starts.
DATA=$T_TMP/busy
python3 -c 'import socket,time,sys
s=socket.socket(); s.bind(("127.0.0.1",0)); s.listen(1)
print(s.getsockname()[1]); sys.stdout.flush(); time.sleep(10)' > "$T_TMP/busyport" &
BPID=$!
sleep 0.3
bp=$(cat "$T_TMP/busyport")
WAIAAS_DATA_DIR=$DATA WAIAAS_DAEMON_PORT=$bp timeout 5 "$WAIAASD" -d \
    > "$T_TMP/out" 2>&1
st=$?
check "a busy port is an error naming the address (status $st)" \
    grep -q "bind 127.0.0.1:$bp" "$T_TMP/out"
kill $BPID 2>/dev/null

# Overrides and a valid file are applied.
DATA=$T_TMP/good
mkdir -p "$DATA"; chmod 700 "$DATA"
printf '# comment\n[daemon]\nlog_level = "debug"  # trailing\nport = 1\n' \
    > "$DATA/config.toml"
chmod 600 "$DATA/config.toml"
if start_daemon; then
	ok "environment port overrides config.toml's port"
	check "log_level from config.toml applies (debug lines)" \
	    grep -q 'debug:' "$LOG"
	kill -TERM "$DPID"; wait_gone "$DPID" 2000; DPID=""
else
	notok "environment port overrides config.toml's port"; cat "$LOG"
fi
