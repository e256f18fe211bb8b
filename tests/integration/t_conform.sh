#!/bin/sh
# Conformance with the reference WAIaaS's wire contract (issue 16): every
# route of common/routes.h is walked for its success and error answers
# on the real daemon (EVM on anvil, Solana on litesvm), and each body is
# validated by ajv against the reference's OpenAPI schema for its path,
# method and status, or against our own /doc where the reference has
# none; /doc itself must be valid OpenAPI 3 (swagger-parser) and describe
# exactly the route table.  The walk is tests/integration/conform.js.
. tests/integration/lib.sh

REF=../shared/reference/waiaas-2.15.0-openapi.json
[ -f "$REF" ] || REF=/work/shared/reference/waiaas-2.15.0-openapi.json
need_node_modules ajv ajv-formats @apidevtools/swagger-parser siwe ethers
start_anvil --chain-id 11155111
start_svm && SVM=1
export WAIAAS_RPC_EVM_ETHEREUM_SEPOLIA=$ANVIL_URL \
    WAIAAS_RPC_SOLANA_DEVNET=$SVM_URL WAIAAS_RPC_POLL_INTERVAL_MS=100 \
    WAIAAS_RPC_EVM_ETHEREUM_MAINNET=http://127.0.0.1:9 \
    WAIAAS_SECURITY_MASTER_LOCK_FAILURES=1000 \
    WAIAAS_NOTIFICATIONS_WEBHOOKS_ALLOW_PRIVATE=true \
    WAIAAS_X402_ALLOW_PRIVATE=true
start_daemon || cannot_run "daemon starts"
if [ -x "$NODE" ]; then
	PORT=$PORT MASTER=$WAIAAS_MASTER_PASSWORD ANVIL_URL=$ANVIL_URL \
	    CAST=$CAST ROUTES_H=common/routes.h REF=$REF SVM=${SVM:-0} \
	    SVM_URL=${SVM_URL:-} \
	    MISSING=$MISSING node_bin tests/integration/conform.js ||
	    notok "tests/integration/conform.js ran"
else
	# No node, no walk: one "not ok" for each route it would walk.
	tr -d '\\\n' < common/routes.h | tr '\t' ' ' |
	    grep -o 'X(R_[A-Z0-9_]*, *[A-Z]*, *"[^"]*"' |
	    sed 's/.*, *\([A-Z]*\), *"\([^"]*\)"/\1 \2/' |
	    while read -r m p; do
		notok "walked: $m $p (not run: $MISSING)"
	done
fi
kill -TERM "$DPID"; wait_gone "$DPID" 5000; DPID=""
check "no sanitizer reports" no_sanitizer_reports
