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

# An unknown key in config.toml refuses even when the environment has
# variables the daemon only warns about.
printf '[daemon]\nprot = 3100\n' > "$DATA/config.toml"
expect_refusal "config.toml stays strict next to unknown WAIAAS_ variables" \
    "unknown key 'daemon.prot'" WAIAAS_DIR=x WAIAAS_BASE_URL=http://x/
rm -f "$DATA/config.toml"

# [security] metrics_token: 16 to 128 of letters, digits and -_.~+/=.
expect_refusal "a short metrics_token is refused, the key named" \
    "security.metrics_token" WAIAAS_SECURITY_METRICS_TOKEN=short
expect_refusal "a metrics_token with a character outside the set is refused" \
    "security.metrics_token" WAIAAS_SECURITY_METRICS_TOKEN='0123456789abcdef$'
expect_refusal "a bad environment value is named" \
    "WAIAAS_DAEMON_MAX_CONNECTIONS" WAIAAS_DAEMON_MAX_CONNECTIONS=lots
expect_refusal "a bad RPC URL is refused" \
    "rpc.solana_devnet" WAIAAS_RPC_SOLANA_DEVNET=ftp://x
expect_refusal "a non-IP hostname is refused" \
    "daemon.hostname" WAIAAS_DAEMON_HOSTNAME=example.com
expect_refusal "a relative data directory is refused" "absolute" \
    WAIAAS_DATA_DIR=relative/dir

# Prices ([security] price_*): each refusal names the key and the entry.
U=0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913
expect_refusal "price_static: an unknown network is named" \
    "security.price_static: 'nosuch:$U@6=1': unknown network 'nosuch'" \
    WAIAAS_SECURITY_PRICE_STATIC="ETH=2000;nosuch:$U@6=1"
expect_refusal "price_static: a bad address for the chain" \
    "'mainnet:$U@6=1': not a Solana address" \
    WAIAAS_SECURITY_PRICE_STATIC="mainnet:$U@6=1"
expect_refusal "price_static: an address with a wrong checksum" \
    "not an EVM address" \
    WAIAAS_SECURITY_PRICE_STATIC="base-mainnet:0x833589FCD6eDb6E08f4c7C32D4f71b54bdA02913@6=1"
expect_refusal "price_static: decimals over 36" "decimals must be 0 to 36" \
    WAIAAS_SECURITY_PRICE_STATIC="base-mainnet:$U@37=1"
expect_refusal "price_static: a price of 0" "'ETH=0': the USD price" \
    WAIAAS_SECURITY_PRICE_STATIC="ETH=0"
expect_refusal "price_static: a price over 1e12" "'ETH=2000000000000'" \
    WAIAAS_SECURITY_PRICE_STATIC="ETH=2000000000000"
expect_refusal "price_static: a symbol no network has" \
    "no network has the native coin 'BTC'" WAIAAS_SECURITY_PRICE_STATIC="BTC=1"
expect_refusal "price_static: a key twice (address case aside)" \
    "listed twice" WAIAAS_SECURITY_PRICE_STATIC="base-mainnet:$U@6=1;base-mainnet:$(echo $U | tr A-F a-f)@6=1"
expect_refusal "price_ids: a coin id with a '&'" \
    "security.price_ids: 'ETH=eth&x=1': a coin id" \
    WAIAAS_SECURITY_PRICE_IDS="ETH=eth&x=1" \
    WAIAAS_SECURITY_PRICE_URL=https://p.example/simple/price
expect_refusal "price_ids without price_url" "security.price_url is not" \
    WAIAAS_SECURITY_PRICE_IDS="ETH=ethereum"
expect_refusal "price_url without price_ids" \
    "security.price_ids names no coin" \
    WAIAAS_SECURITY_PRICE_URL=https://p.example/simple/price
expect_refusal "price_ids and price_static disagree on decimals" \
    "security.price_static has it as base-mainnet:$U@6" \
    WAIAAS_SECURITY_PRICE_STATIC="base-mainnet:$U@6=1" \
    WAIAAS_SECURITY_PRICE_IDS="base-mainnet:$U@18=usd-coin" \
    WAIAAS_SECURITY_PRICE_URL=https://p.example/simple/price
expect_refusal "price_unpriced is approval or deny" "security.price_unpriced" \
    WAIAAS_SECURITY_PRICE_UNPRICED=maybe
expect_refusal "price_refresh below 5 s" "security.price_refresh" \
    WAIAAS_SECURITY_PRICE_REFRESH=1
expect_refusal "price_max_age shorter than price_refresh" \
    "security.price_max_age (60 s) is shorter" \
    WAIAAS_SECURITY_PRICE_MAX_AGE=60 WAIAAS_SECURITY_PRICE_REFRESH=120 \
    WAIAAS_SECURITY_PRICE_IDS="ETH=ethereum" \
    WAIAAS_SECURITY_PRICE_URL=https://p.example/simple/price
printf '[security]\nprice_static = "ETH=1;nosuch:%s@6=1"\n' "$U" \
    > "$DATA/config.toml"
expect_refusal "price_static in config.toml: the entry is named" \
    "security.price_static: 'nosuch:$U@6=1'"
rm -f "$DATA/config.toml"
check "no process left running" [ -z "$(daemons_of "$DATA")" ]

# A port in use is reported by the parent before any child starts.
DATA=$T_TMP/busy
python3 -c 'import socket,time,sys
s=socket.socket(); s.bind(("127.0.0.1",0)); s.listen(1)
print(s.getsockname()[1]); sys.stdout.flush(); time.sleep(10)' > "$T_TMP/busyport" &
BPID=$!
# Python may take a while to start on a loaded machine: wait for the port.
i=0
while [ ! -s "$T_TMP/busyport" ] && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
bp=$(cat "$T_TMP/busyport")
WAIAAS_DATA_DIR=$DATA WAIAAS_DAEMON_PORT=$bp timeout 5 "$WAIAASD" -d \
    > "$T_TMP/out" 2>&1
st=$?
check "a busy port is an error naming the address (status $st)" \
    grep -q "bind 127.0.0.1:$bp" "$T_TMP/out"
kill $BPID 2>/dev/null

# Other WAIAAS_* variables do not stop the start: an agent's (the MCP
# server's, the SDK's) are ignored in silence, any other is a warning that
# names it and the nearest known setting.  Values never reach the log.
DATA=$T_TMP/envwarn
TOK=wai_sess_h15NotForTheLog
if start_daemon env WAIAAS_DIR=x WAIAAS_BASE_URL=http://127.0.0.1:1 \
    WAIAAS_SESSION_TOKEN=$TOK WAIAAS_WALLET_ID=w WAIAAS_WALLET_NAME=n \
    WAIAAS_SECURITY_MASTER_LOCK_SECOND=5; then
	ok "the daemon starts with WAIAAS_DIR and an agent's variables set"
else
	notok "the daemon starts with WAIAAS_DIR and an agent's variables set"
	cat "$LOG"
fi
check "WAIAAS_DIR is a warning naming WAIAAS_DATA_DIR" \
    grep -q 'warn: environment: WAIAAS_DIR is not a waiaasd setting.*closest known: WAIAAS_DATA_DIR' "$LOG"
check "a misspelt setting is a warning naming the right one" \
    grep -q 'warn: environment: WAIAAS_SECURITY_MASTER_LOCK_SECOND is not.*closest known: WAIAAS_SECURITY_MASTER_LOCK_SECONDS)' "$LOG"
check "the agent's variables are not mentioned" \
    sh -c '! grep -qE "WAIAAS_(BASE_URL|SESSION_TOKEN|WALLET_ID|WALLET_NAME)" "$1"' \
    sh "$LOG"
check "no value of any variable reaches the log" \
    sh -c '! grep -qE "h15NotForTheLog|127.0.0.1:1[^0-9]|=x" "$1"' sh "$LOG"
check "GET /health answers" [ "$(http_code \
    "http://127.0.0.1:$PORT/health")" = 200 ]
if kill -TERM "$DPID" 2>/dev/null; then wait_gone "$DPID" 2000; fi
DPID=""

# The CLI reads the same environment: its verbs run, and `waiaas start`
# passes the daemon's warning on.
CLI=$PWD/$BUILD/waiaas
DATA=$T_TMP/clienv
(
	export WAIAAS_DATA_DIR=$DATA WAIAAS_DAEMON_PORT=$(free_port) \
	    WAIAAS_DIR=x WAIAAS_BASE_URL=http://127.0.0.1:1 \
	    WAIAAS_SESSION_TOKEN=$TOK
	unset WAIAAS_MASTER_PASSWORD
	"$CLI" init --auto-provision >/dev/null 2>&1 || echo "init failed"
	"$CLI" start || echo "start failed"
	"$CLI" wallet create --name c --chain solana >/dev/null ||
	    echo "wallet failed"
	"$CLI" status >/dev/null || echo "status failed"
	"$CLI" stop >/dev/null || echo "stop failed"
) > "$T_TMP/cli.out" 2>&1
check "waiaas init, start, wallet, status, stop run with WAIAAS_DIR set" \
    sh -c '! grep -q failed "$1"' sh "$T_TMP/cli.out"
check "waiaas start shows the warning about WAIAAS_DIR" \
    grep -q 'warn: environment: WAIAAS_DIR is not' "$T_TMP/cli.out"
check "nothing of the agent's variables in the CLI's output" \
    sh -c '! grep -qE "SESSION_TOKEN|BASE_URL|h15NotForTheLog" "$1"' sh \
    "$T_TMP/cli.out"
[ -n "$(grep failed "$T_TMP/cli.out")" ] && cat "$T_TMP/cli.out"

# Overrides and a valid file are applied.
DATA=$T_TMP/good
mkdir -p "$DATA"; chmod 700 "$DATA"
# A price for an operator's chain that [rpc] defines further down.
{
	printf '# comment\n[daemon]\nlog_level = "debug"  # trailing\n'
	printf 'port = 1\n[security]\nprice_static = "LETH=3;SOL=150"\n'
	printf '[rpc]\nevm_custom = "localdev,31337,testnet,LETH,%s"\n' \
	    http://127.0.0.1:1
} > "$DATA/config.toml"
chmod 600 "$DATA/config.toml"
if start_daemon; then
	ok "environment port overrides config.toml's port"
	check "a static price for a chain defined later in the file is taken" \
	    wait_log 'policyd.*prices: 2 static'
	check "log_level from config.toml applies (debug lines)" \
	    grep -q 'debug:' "$LOG"
	kill -TERM "$DPID"; wait_gone "$DPID" 2000; DPID=""
else
	notok "environment port overrides config.toml's port"; cat "$LOG"
fi

# The default data directory as root: $HOME/.waiaas with $HOME 0700 and
# root's (as /root is), WAIAAS_DATA_DIR unset, config.toml in it on the
# second start.  The parent finds the directory as root; no child may
# walk that path as its own user.  Then the same for a directory below a
# 0700 one (mktemp -d).
home_round() {	# home_round DESC NAME [runner...]
	d=$1; nm=$2; shift 2
	if start_daemon "$@"; then
		ok "$d: starts"
	else
		notok "$d: starts"; cat "$LOG"
	fi
	check "$d: /health answers" [ "$(http_code \
	    "http://127.0.0.1:$PORT/health")" = 200 ]
	check "$d: a wallet is created" [ "$(req POST /v1/wallets \
	    "{\"name\":\"$nm\",\"chain\":\"ethereum\",\"environment\":\"testnet\"}")" = 201 ]
	c=$(children_of "$DPID" | wc -l)
	n=0
	for p in $(children_of "$DPID"); do
		[ "$(status_field "$p" Uid | awk '{ print $2 }')" != 0 ] &&
		    [ "$(readlink "/proc/$p/root")" != / ] && n=$((n + 1))
	done
	check "$d: five children, each not root and chrooted ($n of $c)" \
	    [ "$c" = 5 -a "$n" = 5 ]
}
home_done() {	# home_done DESC: the wallets of both rounds are there
	c=$(req GET /v1/wallets)
	w=$(jget 'sorted(w["name"] for w in j["items"])' 2>/dev/null)
	check "$1: after a restart both wallets are there ($c, $w)" \
	    [ "$c" = 200 -a "$w" = "['h1', 'h2']" ]
	if kill -TERM "$DPID" 2>/dev/null; then wait_gone "$DPID" 2000; fi
	DPID=""
}
H=$T_TMP/roothome
mkdir -m 700 "$H"
for r in 1 2; do
	DATA=$T_TMP/unused
	home_round "HOME 0700, WAIAAS_DATA_DIR unset (start $r)" "h$r" \
	    env -u WAIAAS_DATA_DIR HOME="$H"
	[ $r = 1 ] && { kill -TERM "$DPID"; wait_gone "$DPID" 2000; }
	[ $r = 1 ] && printf '[daemon]\nlog_level = "info"\n' \
	    > "$H/.waiaas/config.toml"
done
home_done "HOME 0700"
check "HOME 0700: the data directory is \$HOME/.waiaas" \
    [ -f "$H/.waiaas/data/waiaas.db" -a ! -e "$T_TMP/unused" ]

M=$(mktemp -d "$T_TMP/m.XXXXXX")	# 0700, as mktemp -d makes it
for r in 1 2; do
	DATA=$M/data
	home_round "a data directory below mktemp -d (start $r)" "h$r"
	[ $r = 1 ] && { kill -TERM "$DPID"; wait_gone "$DPID" 2000; }
done
home_done "below mktemp -d"
rm -rf "$M"

# The daemon's executables below a 0700 directory, as a clone under
# /root builds them: the parent reaches them as root, whatever its
# file-system ids while it works in the data directory.
X=$(mktemp -d "$T_TMP/x.XXXXXX")
cp "$PWD/$BUILD"/waiaasd "$PWD/$BUILD"/waiaasd-* "$X/"
DATA=$(mktemp -d "$T_TMP/xd.XXXXXX")/data
W0=$WAIAASD
WAIAASD=$X/waiaasd
home_round "executables below a 0700 directory" "x1"
WAIAASD=$W0
if kill -TERM "$DPID" 2>/dev/null; then wait_gone "$DPID" 2000; fi
DPID=""
rm -rf "$X"
