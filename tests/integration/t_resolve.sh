#!/bin/sh
# RPC host names are looked up again while the daemon runs: the api has
# no DNS in its sandbox, so the parent resolves every [rpc] host at start
# and then every rpc.resolve_interval seconds, and hands the api what
# changed.  Here a name in /etc/hosts moves from one anvil (127.0.0.1) to
# another (127.0.0.2, same port); once the old node is gone, reads come
# from the new one.  Root only (it edits /etc/hosts and restores it).
. tests/integration/lib.sh

if [ "$(id -u)" != 0 ]; then
	echo "skip - t_resolve edits /etc/hosts as root"
	exit 0
fi
NAME=waiaas-rpc-test-$$
cp /etc/hosts "$T_TMP/hosts.orig"
restore_hosts() { cat "$T_TMP/hosts.orig" > /etc/hosts; }
trap 'restore_hosts; t_cleanup' EXIT

P=$(free_port)
"$ANVIL" --host 127.0.0.1 --port "$P" --chain-id 11155111 --silent \
    >/dev/null 2>&1 &
A_PID=$!
"$ANVIL" --host 127.0.0.2 --port "$P" --chain-id 11155111 --silent \
    >/dev/null 2>&1 &
B_PID=$!
PEER_PIDS="$A_PID $B_PID"
n=0
until "$CAST" chain-id --rpc-url "http://127.0.0.1:$P" >/dev/null 2>&1 &&
    "$CAST" chain-id --rpc-url "http://127.0.0.2:$P" >/dev/null 2>&1; do
	n=$((n + 1))
	[ $n -gt 100 ] && { peer_missing "two anvils"; break; }
	sleep 0.1
done
printf '127.0.0.1\t%s\n' "$NAME" >> /etc/hosts

WAIAAS_RPC_EVM_ETHEREUM_SEPOLIA=http://$NAME:$P \
WAIAAS_RPC_RESOLVE_INTERVAL=1 WAIAAS_RPC_TIMEOUT_MS=2000 start_daemon || cannot_run "daemon starts"
req POST /v1/wallets '{"name":"r","chain":"ethereum","environment":"testnet"}' >/dev/null
ADDR=$(jget 'j["publicKey"]')
S="Authorization: Bearer $(jget 'j["session"]["token"]')"
"$CAST" send -q --rpc-url "http://127.0.0.1:$P" --private-key "$ANVIL_KEY0" \
    "$ADDR" --value 1ether >/dev/null
"$CAST" send -q --rpc-url "http://127.0.0.2:$P" --private-key "$ANVIL_KEY0" \
    "$ADDR" --value 2ether >/dev/null

code=$(req GET "/v1/wallet/balance?network=ethereum-sepolia" "" "$S")
check "a host name resolved at start: the node at 127.0.0.1 answers" \
    sh -c "[ $code = 200 ] && [ \"$(jget 'j["balance"]')\" = 1000000000000000000 ]"

restore_hosts
printf '127.0.0.2\t%s\n' "$NAME" >> /etc/hosts
check "the parent sees the name move and tells the api" \
    wait_log 'ethereum-sepolia: new addresses'
kill -KILL "$A_PID"
code=$(req GET "/v1/wallet/balance?network=ethereum-sepolia" "" "$S")
check "after the move, the node at 127.0.0.2 answers" \
    sh -c "[ $code = 200 ] && [ \"$(jget 'j["balance"]')\" = 2000000000000000000 ]"
check "no sanitizer reports" no_sanitizer_reports
