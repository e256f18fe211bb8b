#!/bin/sh
# Every route in the route table (as /doc publishes it) refuses a missing
# credential, a wrong kind of credential and a garbage one with 401 and
# the documented error JSON; and /doc lists every route with its auth.
. tests/integration/lib.sh

WAIAAS_SECURITY_MASTER_LOCK_FAILURES=1000 start_daemon ||
    cannot_run "daemon starts"
M="X-Master-Password: $WAIAAS_MASTER_PASSWORD"
code=$(http_code -X POST -H "$M" --data-binary '{"name":"w"}' \
    "http://127.0.0.1:$PORT/v1/wallets")
check "a wallet and its session ($code)" [ "$code" = 201 ]
TOKEN=$(json_get "$T_TMP/body" "j['session']['token']")
code=$(http_code "http://127.0.0.1:$PORT/doc")
check "/doc answers 200 ($code)" [ "$code" = 200 ]
check "/doc is OpenAPI 3" [ "$(json_get "$T_TMP/body" "j['openapi'][:2]")" = 3. ]
check "/doc states the auth of /v1/wallets POST (masterAuth)" \
    [ "$(json_get "$T_TMP/body" "list(j['paths']['/v1/wallets']['post']['security'][0])[0]")" = masterAuth ]
python3 tests/integration/route_walk.py "$PORT" "$WAIAAS_MASTER_PASSWORD" \
    "$TOKEN"
kill -TERM "$DPID"; wait_gone "$DPID" 2000; DPID=""
check "no sanitizer reports" no_sanitizer_reports
