#!/bin/sh
# Authenticated reads next to GET /health, in one run on one daemon:
# requests/s and latency of GET /health, then of GET /v1/wallets,
# /v1/wallet/address and /v1/transactions?limit=20 (twenty real
# transfers to list, sent to anvil first) with a session token, and
# GET /v1/wallets with the master password (cached after its first
# Argon2id check).  Each read's share is taken against the /health
# round run just before it, in ROUNDS rounds; the median share is the
# figure (issue 23's goal: 60 % and more).  Prints figures; asserts
# nothing.  Works as root from any directory.
# usage: bench/auth.sh [WAIAASD] [SECONDS] [ROUNDS]
set -eu
# The default is this checkout's build, wherever this runs from.
BIN=${1:-$(cd "$(dirname "$0")/.." && pwd)/build/waiaasd}
SECS=${2:-5}
ROUNDS=${3:-3}
case $BIN in /*) ;; *) BIN=$PWD/$BIN ;; esac
. "$(dirname "$0")/lib.sh"
ACC1=0x70997970C51812dc3A010C7d01b50e0d17dc79C8
command -v wrk >/dev/null || { echo "bench: wrk is not installed"; exit 1; }
bench_traps

bench_anvil

# The daemon, as root: full privilege separation; a cheap KDF.
bench_daemon "$ANVIL_URL"

# Three wallets (two Solana, then the EVM one whose session reads), the
# last funded, with a SPENDING_LIMIT that makes small transfers INSTANT.
for n in 1 2; do
	curl -s -X POST "$D/v1/wallets" -H "X-Master-Password: $PW" \
	    -H 'Content-Type: application/json' -d "{\"name\":\"bench $n\"}" \
	    > "$TMP/w"
done
curl -s -X POST "$D/v1/wallets" -H "X-Master-Password: $PW" \
    -H 'Content-Type: application/json' \
    -d '{"name":"bench 3","chain":"ethereum","environment":"testnet"}' \
    > "$TMP/w"
grep -q '"token"' "$TMP/w" || { echo "bench: wallet:"; cat "$TMP/w"; exit 1; }
ADDR=$(python3 -c "import json; print(json.load(open('$TMP/w'))['publicKey'])")
TOKEN=$(python3 -c "import json; print(json.load(open('$TMP/w'))['session']['token'])")
SESS="Authorization: Bearer $TOKEN"
"$CAST" send -q --rpc-url "$ANVIL_URL" --private-key "$ANVIL_KEY0" \
    "$ADDR" --value 10ether >/dev/null
c=$(curl -s -o "$TMP/p" -w '%{http_code}' -X POST "$D/v1/policies" \
    -H "X-Master-Password: $PW" -H 'Content-Type: application/json' \
    -d '{"type":"SPENDING_LIMIT","rules":{"instant_max":"1000000000000000000"}}')
[ "$c" = 201 ] || [ "$c" = 200 ] || { echo "bench: policy: $c"; cat "$TMP/p"; exit 1; }
n=0
while [ $n -lt 20 ]; do
	c=$(curl -s -o "$TMP/s" -w '%{http_code}' -X POST \
	    "$D/v1/transactions/send" -H "$SESS" \
	    -H 'Content-Type: application/json' \
	    -d "{\"network\":\"$NET\",\"to\":\"$ACC1\",\"amount\":\"1000\"}")
	[ "$c" = 201 ] || [ "$c" = 200 ] || { echo "bench: send: $c"; cat "$TMP/s"; exit 1; }
	n=$((n + 1))
done
i=0
until curl -s "$D/v1/transactions?limit=20" -H "$SESS" > "$TMP/l" &&
    python3 -c "import json,sys; j=json.load(open('$TMP/l')); sys.exit(not (len(j['items']) == 20 and all(t['status'] == 'CONFIRMED' for t in j['items'])))"; do
	i=$((i + 1)); [ $i -lt 300 ] || { echo "bench: sends not confirmed"; cat "$TMP/l"; exit 1; }
	sleep 0.1
done

wrk_round() {	# wrk_round PATH [HEADER]: rps p50 p99 non2xx
	wrk -t2 -c32 -d"${SECS}s" --latency ${2:+-H "$2"} "$D$1" \
	    > "$TMP/wrk" 2>&1
	awk '/^Requests\/sec:/ { r = int($2) } $1 == "50%" { p50 = $2 }
	    $1 == "99%" { p99 = $2 } /Non-2xx/ { bad = $NF }
	    END { print (r ? r : 0), (p50 ? p50 : "?"), (p99 ? p99 : "?"),
	    (bad ? bad : 0) }' "$TMP/wrk"
}
READS="wallets address txs master"
label() {
	case $1 in
	wallets) echo "session GET /v1/wallets" ;;
	address) echo "session GET /v1/wallet/address" ;;
	txs) echo "session GET /v1/transactions?limit=20" ;;
	master) echo "master GET /v1/wallets (cached)" ;;
	esac
}
one() {
	case $1 in
	wallets) wrk_round /v1/wallets "$SESS" ;;
	address) wrk_round /v1/wallet/address "$SESS" ;;
	txs) wrk_round "/v1/transactions?limit=20" "$SESS" ;;
	master) wrk_round /v1/wallets "X-Master-Password: $PW" ;;
	esac
}
echo "== wrk -t2 -c32 -d${SECS}s each, $ROUNDS rounds, one daemon ($BIN)"
r=1
while [ "$r" -le "$ROUNDS" ]; do
	for k in $READS; do
		set -- $(wrk_round /health)
		h=$1
		set -- $(one "$k")
		share=$(( $1 * 100 / (h > 0 ? h : 1) ))
		echo "$k $share" >> "$TMP/shares"
		printf 'round %d  %-38s %6s req/s  p50 %8s  p99 %8s  %3d%% of /health (%s)%s\n' \
		    "$r" "$(label "$k")" "$1" "$2" "$3" "$share" "$h" \
		    "$( [ "$4" = 0 ] || echo "  ($4 non-2xx)")"
	done
	r=$((r + 1))
done
echo "== median share of /health over $ROUNDS rounds"
for k in $READS; do
	m=$(awk -v k="$k" '$1 == k { print $2 }' "$TMP/shares" | sort -n |
	    awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
	printf '%-40s %3d%%\n' "$(label "$k")" "$m"
	echo "RESULT|$(label "$k") / GET /health|$m %|>= 60 %"
done
