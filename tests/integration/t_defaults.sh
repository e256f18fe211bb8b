#!/bin/sh
# The built-in public endpoints (issue 15: 8), with their real names: in
# private namespaces (with_names.sh) the names point at local peers, an
# HTTPS front with a test CA plays the public hosts (tls_front.py), and
# nothing can reach the internet.  A new wallet's balance then works with
# no [rpc] setting at all; a default that does not answer (502) or a
# network turned off (503) names WAIAAS_RPC_* and the [rpc] key; names
# that do not resolve are warnings once serving, never a delay; DNS that
# stalls ends a pass after 2 s; the price source needs no key and fails
# closed; /health and `waiaas status` show each network's RPC and the
# price source; public_defaults=false turns all of it off.
. tests/integration/lib.sh

CHECKS="defaults: the daemon serves with every RPC and the price source left to the defaults
defaults: serving does not wait for the public names (ready before they resolve)
defaults: an EVM testnet wallet's balance comes from the default Sepolia RPC
defaults: a Solana wallet's balance comes from the default devnet RPC
defaults: the requests went to the public names (through the HTTPS front)
defaults: a default that does not answer: 502 CHAIN_ERROR naming WAIAAS_RPC_EVM_BASE_SEPOLIA and [rpc] evm_base_sepolia
defaults: a default whose name does not resolve: 502 naming WAIAAS_RPC_EVM_OPTIMISM_SEPOLIA
defaults: a network set to \"\": 503 ADAPTER_NOT_AVAILABLE (the reference's code for no node to ask), retryable, 'no RPC for polygon-amoy: set WAIAAS_RPC_EVM_POLYGON_AMOY or [rpc] evm_polygon_amoy'
defaults: a name that does not resolve is a warning in the log
defaults: the price source is CoinGecko's simple price, asked for ETH, SOL, POL and HYPE without a key
defaults: /health: the reference's fields (latestVersion, updateAvailable, schemaVersion, timestamp)
defaults: /health: rpc.<network> says source and state (ok, unreachable, unresolved, off)
defaults: /health: price says source default, state ok, and how many prices
defaults: a USD SPENDING_LIMIT is valued with the default prices (INSTANT under the limit)
defaults: waiaas status: the rpc and prices summary on its line
defaults: waiaas status -v: one line per network with state, source and error
defaults: the price source down: the prices stay until stale, then a USD limit holds for APPROVAL
defaults: [rpc] key set: that network's RPC is the operator's (source config)
defaults: public_defaults=false: no RPC, 503 naming the variable; no price source
defaults: DNS that stalls: serving at once, the pass ends after 2 s with a warning
defaults: no sanitizer reports"

fail_all() {	# every check this test would have run, not ok, with why
	printf '%s\n' "$CHECKS" | while IFS= read -r c; do
		notok "$c ($1)"
	done
	exit 0
}

# --- outside: certificates and names, then the test again inside ------
if [ -z "${T_DEFAULTS_DIR:-}" ]; then
	[ "$(id -u)" = 0 ] || fail_all "needs root for private namespaces"
	for t in unshare openssl python3; do
		command -v $t >/dev/null || fail_all "no $t"
	done
	[ -x "$NODE" ] || fail_all "no $NODE (sh scripts/test-deps.sh)"
	[ -x "$ANVIL" ] || fail_all "no anvil"
	D=$T_TMP/names
	mkdir -p "$D"
	NAMES="ethereum-sepolia-rpc.publicnode.com api.devnet.solana.com
api.coingecko.com sepolia.base.org ethereum-rpc.publicnode.com"
	SAN=$(printf '%s\n' $NAMES | sed 's/^/DNS:/' | paste -sd, -)
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=waiaas-test-ca \
	    -keyout "$D/ca.key" -out "$D/ca.pem" >/dev/null 2>&1 &&
	openssl req -newkey rsa:2048 -nodes -subj /CN=public-defaults \
	    -keyout "$D/leaf.key" -out "$D/leaf.csr" >/dev/null 2>&1 &&
	printf 'subjectAltName=%s\n' "$SAN" > "$D/ext" &&
	openssl x509 -req -in "$D/leaf.csr" -CA "$D/ca.pem" -CAkey "$D/ca.key" \
	    -CAcreateserial -days 2 -extfile "$D/ext" -out "$D/leaf.pem" \
	    >/dev/null 2>&1 || fail_all "openssl cannot make the test CA"
	cat /etc/ssl/certs/ca-certificates.crt "$D/ca.pem" > "$D/bundle.pem"
	chmod 644 "$D"/*.pem
	# sepolia.base.org: an address where nothing listens (refused);
	# optimism-sepolia's name is not here: it does not resolve.
	{
		printf '127.0.0.1\tlocalhost\n'
		for n in ethereum-sepolia-rpc.publicnode.com \
		    api.devnet.solana.com api.coingecko.com; do
			printf '127.0.0.1\t%s\n' "$n"
		done
		printf '127.0.0.2\tsepolia.base.org\n'
	} > "$D/hosts"
	# No listener on 127.0.0.1:53 refuses at once; the stall part
	# starts one that never answers.
	printf 'nameserver 127.0.0.1\noptions timeout:5 attempts:2\n' \
	    > "$D/resolv.conf"
	chmod 644 "$D/hosts" "$D/resolv.conf"
	T_DEFAULTS_DIR=$D sh tests/integration/with_names.sh -c "$D/bundle.pem" \
	    -r "$D/resolv.conf" "$D/hosts" sh "$0" ||
	    fail_all "with_names.sh cannot set up the namespaces"
	exit 0
fi

# --- inside: the peers behind the public names -------------------------
D=$T_DEFAULTS_DIR
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
start_anvil --chain-id 11155111 || fail_all "anvil starts"
start_svm || fail_all "the litesvm server starts"
f=$T_TMP/price.out
node_bg tests/node/price_server.js --port 0 > "$f" 2>&1
PEER_PIDS="$PEER_PIDS $!"
n=0
until PP=$(sed -n 's/^listening \([0-9]*\)$/\1/p' "$f") && [ -n "$PP" ]; do
	n=$((n + 1)); [ $n -gt 100 ] && fail_all "price_server.js starts"
	sleep 0.05
done
PRICE_URL=http://127.0.0.1:$PP
curl -s -o /dev/null -X POST --data '{"prices":{"ethereum":2000,"solana":100,"polygon-ecosystem-token":0.5,"hyperliquid":20}}' \
    "$PRICE_URL/__set"
$PY tests/integration/tls_front.py --cert "$D/leaf.pem" --key "$D/leaf.key" \
    ethereum-sepolia-rpc.publicnode.com="$ANVIL_URL" \
    api.devnet.solana.com="$SVM_URL" api.coingecko.com="$PRICE_URL" \
    > "$T_TMP/front.out" 2>&1 &
PEER_PIDS="$PEER_PIDS $!"
n=0
until grep -q '^listening' "$T_TMP/front.out"; do
	n=$((n + 1)); [ $n -gt 100 ] && fail_all "tls_front.py starts"
	sleep 0.05
done

# health_get EXPR: a Python expression over /health's answer h.
health_get() {
	curl -s "http://127.0.0.1:$PORT/health" > "$T_TMP/health"
	$PY -c 'import json,sys
h = json.load(open(sys.argv[1]))
print(eval(sys.argv[2]))' "$T_TMP/health" "$1" 2>/dev/null
}
# wait_health EXPR: up to 10 s for it to be True.
wait_health() {
	n=0
	while [ $n -lt 100 ]; do
		[ "$(health_get "$1")" = True ] && return 0
		sleep 0.1
		n=$((n + 1))
	done
	return 1
}
cli() {
	WAIAAS_DATA_DIR=$DATA "$PWD/$BUILD/waiaas" "$@" --url \
	    "http://127.0.0.1:$PORT" > "$T_TMP/cli.out" 2>&1
}

# --- 1: everything left to the defaults --------------------------------
DATA=$T_TMP/data1
WAIAAS_RPC_PUBLIC_DEFAULTS=true WAIAAS_RPC_EVM_POLYGON_AMOY= \
WAIAAS_SECURITY_PRICE_REFRESH=5 WAIAAS_SECURITY_PRICE_MAX_AGE=10 \
    start_daemon || fail_all "the daemon does not start"
ok "defaults: the daemon serves with every RPC and the price source left to the defaults"
# The log's order: ready first, then the look-ups (the first one right
# after "ready on" in the event loop).
wait_log 'public default resolved'
check "defaults: serving does not wait for the public names (ready before they resolve)" \
    sh -c "[ \$(grep -n 'ready on' '$LOG' | head -1 | cut -d: -f1) -lt \
	\$(grep -n 'public default resolved' '$LOG' | head -1 | cut -d: -f1) ]"
wait_health 'h["rpc"]["ethereum-sepolia"]["state"] != "unresolved" and h["price"]["state"] == "ok"'

req POST /v1/wallets '{"name":"evm","chain":"ethereum","environment":"testnet"}' >/dev/null
W=$(jget 'j["id"]')
ADDR=$(jget 'j["publicKey"]')
S="Authorization: Bearer $(jget 'j["session"]["token"]')"
"$CAST" send -q --rpc-url "$ANVIL_URL" --private-key "$ANVIL_KEY0" "$ADDR" \
    --value 3ether >/dev/null
code=$(req GET /v1/wallet/balance "" "$S")
v=$(jget 'j["balance"] + " " + j["network"]' 2>/dev/null)
check "defaults: an EVM testnet wallet's balance comes from the default Sepolia RPC" \
    [ "$code $v" = "200 3000000000000000000 ethereum-sepolia" ]

req POST /v1/wallets '{"name":"sol","chain":"solana","environment":"testnet"}' >/dev/null
SADDR=$(jget 'j["publicKey"]')
SS="Authorization: Bearer $(jget 'j["session"]["token"]')"
rpc "$SVM_URL" requestAirdrop "[\"$SADDR\",2000000000]" >/dev/null
code=$(req GET /v1/wallet/balance "" "$SS")
v=$(jget 'j["balance"] + " " + j["network"]' 2>/dev/null)
check "defaults: a Solana wallet's balance comes from the default devnet RPC" \
    [ "$code $v" = "200 2000000000 devnet" ]
hits=$(curl -s --cacert "$D/bundle.pem" https://api.coingecko.com/__hits)
check "defaults: the requests went to the public names (through the HTTPS front)" \
    $PY -c 'import json,sys; h=json.loads(sys.argv[1]); sys.exit(not (h.get("ethereum-sepolia-rpc.publicnode.com",0) > 0 and h.get("api.devnet.solana.com",0) > 0 and h.get("api.coingecko.com",0) > 0))' "$hits"

code=$(req GET "/v1/wallet/balance?network=base-sepolia" "" "$S")
check "defaults: a default that does not answer: 502 CHAIN_ERROR naming WAIAAS_RPC_EVM_BASE_SEPOLIA and [rpc] evm_base_sepolia" \
    sh -c "[ $code = 502 ] && grep -q CHAIN_ERROR '$T_TMP/body' && grep -q 'public default RPC did not answer: set WAIAAS_RPC_EVM_BASE_SEPOLIA or \[rpc\] evm_base_sepolia' '$T_TMP/body'"
code=$(req GET "/v1/wallet/balance?network=optimism-sepolia" "" "$S")
check "defaults: a default whose name does not resolve: 502 naming WAIAAS_RPC_EVM_OPTIMISM_SEPOLIA" \
    sh -c "[ $code = 502 ] && grep -q 'WAIAAS_RPC_EVM_OPTIMISM_SEPOLIA or \[rpc\] evm_optimism_sepolia' '$T_TMP/body' && grep -q 'not resolved' '$T_TMP/body'"
code=$(req GET "/v1/wallet/balance?network=polygon-amoy" "" "$S")
check "defaults: a network set to \"\": 503 ADAPTER_NOT_AVAILABLE (the reference's code for no node to ask), retryable, 'no RPC for polygon-amoy: set WAIAAS_RPC_EVM_POLYGON_AMOY or [rpc] evm_polygon_amoy'" \
    sh -c "[ $code = 503 ] && grep -q '\"code\":\"ADAPTER_NOT_AVAILABLE\"' '$T_TMP/body' && grep -q '\"retryable\":true' '$T_TMP/body' && grep -q 'no RPC for polygon-amoy: set WAIAAS_RPC_EVM_POLYGON_AMOY or \[rpc\] evm_polygon_amoy' '$T_TMP/body'"
check "defaults: a name that does not resolve is a warning in the log" \
    grep -q 'warn: network optimism-sepolia (public default): cannot resolve' "$LOG"

curl -s "$PRICE_URL/__stats" > "$T_TMP/pstats"
check "defaults: the price source is CoinGecko's simple price, asked for ETH, SOL, POL and HYPE without a key" \
    $PY -c 'import json,sys
r = json.load(open(sys.argv[1]))["requests"][-1]
ok = r["url"].startswith("/api/v3/simple/price?") and sorted(r["ids"]) == ["ethereum", "hyperliquid", "polygon-ecosystem-token", "solana"] and r["vs"] == "usd" and "key" not in r["url"].lower()
sys.exit(not ok)' "$T_TMP/pstats"

check "defaults: /health: the reference's fields (latestVersion, updateAvailable, schemaVersion, timestamp)" \
    [ "$(health_get 'h["status"] == "ok" and h["latestVersion"] is None and h["updateAvailable"] is False and isinstance(h["schemaVersion"], int) and h["schemaVersion"] > 0 and isinstance(h["timestamp"], int) and isinstance(h["uptime"], int)')" = True ]
check "defaults: /health: rpc.<network> says source and state (ok, unreachable, unresolved, off)" \
    [ "$(health_get 'len(h["rpc"]) == 15 and h["rpc"]["ethereum-sepolia"] == {"source": "default", "state": "ok"} and h["rpc"]["devnet"]["state"] == "ok" and h["rpc"]["base-sepolia"]["source"] == "default" and h["rpc"]["base-sepolia"]["state"] == "unreachable" and len(h["rpc"]["base-sepolia"]["error"]) > 0 and h["rpc"]["optimism-sepolia"]["state"] == "unresolved" and h["rpc"]["polygon-amoy"] == {"source": "none", "state": "off"}')" = True ]
check "defaults: /health: price says source default, state ok, and how many prices" \
    [ "$(health_get 'h["price"]["source"] == "default" and h["price"]["state"] == "ok" and h["price"]["prices"] == 4 and h["price"]["fetchedAt"] > 0')" = True ]

# tier: the simulated tier of 0.01 ETH (20 USD at 2000 USD).
tier() {
	c=$(req POST /v1/transactions/simulate \
	    "{\"network\":\"ethereum-sepolia\",\"to\":\"0x70997970C51812dc3A010C7d01b50e0d17dc79C8\",\"amount\":\"10000000000000000\"}" "$S")
	if [ "$c" != 200 ]; then
		echo "HTTP$c"
		return
	fi
	jget '(j["policy"].get("tier") or "?") if j["policy"]["allowed"] else "DENIED"'
}
req POST /v1/policies "{\"walletId\":\"$W\",\"type\":\"SPENDING_LIMIT\",\"rules\":{\"instant_max_usd\":100,\"notify_max_usd\":200,\"delay_max_usd\":300}}" >/dev/null
check "defaults: a USD SPENDING_LIMIT is valued with the default prices (INSTANT under the limit)" \
    [ "$(tier)" = INSTANT ]

cli status
check "defaults: waiaas status: the rpc and prices summary on its line" \
    sh -c "[ \$(wc -l < '$T_TMP/cli.out') = 1 ] && grep -Eq '; rpc: 2 ok, 11 unresolved, 1 unreachable, 1 off; prices: ok \(4, default\)$' '$T_TMP/cli.out'"
cli status -v
check "defaults: waiaas status -v: one line per network with state, source and error" \
    sh -c "[ \$(grep -c '^  rpc ' '$T_TMP/cli.out') = 15 ] && grep -qx '  rpc ethereum-sepolia: ok (default)' '$T_TMP/cli.out' && grep -qx '  rpc polygon-amoy: off (none)' '$T_TMP/cli.out' && grep -q '^  rpc base-sepolia: unreachable (default): ' '$T_TMP/cli.out' && grep -qx '  prices: 4, ok (default)' '$T_TMP/cli.out'"

# The price source goes down: fetched prices age past max_age (10 s),
# and the USD limit can no longer be valued: held for the owner.
curl -s -o /dev/null -X POST --data '{"mode":"status","code":503}' "$PRICE_URL/__set"
n=0
while [ $n -lt 50 ] && [ "$(tier)" != APPROVAL ]; do
	sleep 0.5
	n=$((n + 1))
done
check "defaults: the price source down: the prices stay until stale, then a USD limit holds for APPROVAL" \
    [ "$(tier) $(health_get 'h["price"]["state"]')" = "APPROVAL unreachable" ]
STOP_LOG=$LOG
kill -TERM "$DPID"; wait_gone "$DPID" 5000
SAN_OK=1
no_sanitizer_reports || SAN_OK=0

# --- 2: one key set, the rest default ---------------------------------
DATA=$T_TMP/data2
WAIAAS_RPC_PUBLIC_DEFAULTS=true WAIAAS_RPC_EVM_ETHEREUM_SEPOLIA=$ANVIL_URL \
    start_daemon || notok "the daemon starts with one [rpc] key"
wait_health 'h["rpc"]["devnet"]["state"] != "unresolved"'
check "defaults: [rpc] key set: that network's RPC is the operator's (source config)" \
    [ "$(health_get 'h["rpc"]["ethereum-sepolia"]["source"] == "config" and h["rpc"]["devnet"]["source"] == "default"')" = True ]
kill -TERM "$DPID"; wait_gone "$DPID" 5000
no_sanitizer_reports || SAN_OK=0

# --- 3: public_defaults = false ----------------------------------------
DATA=$T_TMP/data3
mkdir -p "$DATA"
printf '[rpc]\npublic_defaults = false\n' > "$DATA/config.toml"
chmod 600 "$DATA/config.toml"
# The file alone decides: no variable.
unset WAIAAS_RPC_PUBLIC_DEFAULTS
start_daemon || notok "the daemon starts with public_defaults = false"
export WAIAAS_RPC_PUBLIC_DEFAULTS=false
req POST /v1/wallets '{"name":"evm","chain":"ethereum","environment":"testnet"}' >/dev/null
S="Authorization: Bearer $(jget 'j["session"]["token"]')"
code=$(req GET /v1/wallet/balance "" "$S")
cp "$T_TMP/body" "$T_TMP/body.off"
off=$(health_get 'h["price"] == {"source": "none", "state": "off", "prices": 0} and all(v == {"source": "none", "state": "off"} for v in h["rpc"].values())')
check "defaults: public_defaults=false: no RPC, 503 naming the variable; no price source" \
    sh -c "[ $code = 503 ] && grep -q 'no RPC for ethereum-sepolia: set WAIAAS_RPC_EVM_ETHEREUM_SEPOLIA or \[rpc\] evm_ethereum_sepolia' '$T_TMP/body.off' && [ '$off' = True ] && ! grep -q 'public default' '$LOG'"
kill -TERM "$DPID"; wait_gone "$DPID" 5000
no_sanitizer_reports || SAN_OK=0

# --- 4: DNS that never answers ----------------------------------------
# A name server on 127.0.0.1:53 that reads and never answers.
$PY -c 'import socket,time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 53))
print("listening", flush=True)
while True:
	s.recvfrom(4096)' > "$T_TMP/dns.out" 2>&1 &
PEER_PIDS="$PEER_PIDS $!"
n=0
until grep -q listening "$T_TMP/dns.out"; do
	n=$((n + 1)); [ $n -gt 100 ] && break
	sleep 0.05
done
DATA=$T_TMP/data4
t0=$(date +%s%N)
WAIAAS_RPC_PUBLIC_DEFAULTS=true start_daemon
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
t1=$(date +%s%N)
hc=$(curl -s -o /dev/null -w '%{http_code}' -m 2 "http://127.0.0.1:$PORT/health")
hms=$(( ($(date +%s%N) - t1) / 1000000 ))
n=0
until grep -q 'DNS did not answer within 2000 ms' "$LOG"; do
	n=$((n + 1)); [ $n -gt 60 ] && break
	sleep 0.1
done
# The first name (Solana mainnet's) stalls: the rest wait, not warned.
check "defaults: DNS that stalls: serving at once, the pass ends after 2 s with a warning" \
    sh -c "[ $ms -lt 15000 ] && [ $hc = 200 ] && [ $hms -lt 1500 ] && grep -q 'network mainnet (public default): DNS did not answer within 2000 ms; the other public defaults wait' '$LOG' && [ \$(grep -c '(public default)' '$LOG') = 1 ]"
echo "# start ${ms} ms, /health during the stall ${hms} ms"
kill -TERM "$DPID"; wait_gone "$DPID" 5000
no_sanitizer_reports || SAN_OK=0
LOG=$STOP_LOG
check "defaults: no sanitizer reports" [ "$SAN_OK" = 1 ]
