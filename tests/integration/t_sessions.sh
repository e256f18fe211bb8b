#!/bin/sh
# sessionAuth: expired, revoked, renewed-away and tampered tokens are all
# refused; a session sees and reads only its own wallets and lists only
# itself; renewal and per-wallet limits hold.
. tests/integration/lib.sh

U() { echo "http://127.0.0.1:$PORT$1"; }
M="X-Master-Password: $WAIAAS_MASTER_PASSWORD"
jget() { json_get "$T_TMP/body" "$1"; }
as_token() {	# as_token TOKEN PATH -> status, body in $T_TMP/body
	http_code -H "Authorization: Bearer $1" "$(U "$2")"
}

WAIAAS_SECURITY_MAX_SESSIONS_PER_WALLET=3 start_daemon ||
    cannot_run "daemon starts"
http_code -X POST -H "$M" --data-binary '{"name":"a"}' "$(U /v1/wallets)" \
    >/dev/null
A=$(jget "j['id']"); TA=$(jget "j['session']['token']")
SA=$(jget "j['session']['id']")
http_code -X POST -H "$M" --data-binary '{"name":"b","createSession":false}' \
    "$(U /v1/wallets)" >/dev/null
B=$(jget "j['id']")
check "createSession false makes no session" [ "$(jget "j['session']")" = None ]

# The reference's wallet fields, with their true values here.
code=$(http_code -H "$M" "$(U /v1/wallets/$A)")
check "a wallet: monitorIncoming false, accountType eoa, walletType and approvalMethod null ($code)" \
    [ "$code $(jget "[j['monitorIncoming'], j['accountType'], j['walletType'], j['approvalMethod']]")" = "200 [False, 'eoa', None, None]" ]
check "... no owner: ownerVerified null, ownerState NONE" \
    [ "$(jget "[j['ownerVerified'], j['ownerState'], j['ownerAddress']]")" = "[None, 'NONE', None]" ]
check "... updatedAt an integer, the time it was made" \
    [ "$(jget "type(j['updatedAt']) is int and j['updatedAt'] == j['createdAt']")" = True ]
code=$(http_code -H "$M" "$(U /v1/wallets)")
check "the list's items carry monitorIncoming and accountType too ($code)" \
    [ "$(jget "sorted(set((w['monitorIncoming'], w['accountType']) for w in j['items']))")" = "[(False, 'eoa')]" ]
code=$(http_code -X POST -H "$M" --data-binary '{"name":"s","accountType":"smart","aaProvider":"pimlico","aaProviderApiKey":"k-secret-1"}' "$(U /v1/wallets)")
check "a smart account: 400 naming accountType and the aa fields, not echoing the key ($code)" \
    [ "$code $(jget "','.join(sorted(i['path'][0] for i in j['details']['issues']))")" = "400 aaProvider,aaProviderApiKey,accountType" ] &&
    ! grep -q k-secret-1 "$T_TMP/body" && grep -q "not supported by this daemon" "$T_TMP/body"
code=$(http_code -X POST -H "$M" --data-binary '{"name":"r","chain":"ripple"}' "$(U /v1/wallets)")
check "chain ripple: 400 naming chain, not supported ($code)" \
    [ "$code $(jget "j['details']['issues'][0]['path'][0]")" = "400 chain" ] &&
    grep -q "not supported by this daemon" "$T_TMP/body"
code=$(http_code -X POST -H "$M" --data-binary '{"name":"e","accountType":"eoa","createSession":false}' "$(U /v1/wallets)")
check "accountType eoa is taken ($code)" [ "$code $(jget "j['accountType']")" = "201 eoa" ]
code=$(http_code -X POST -H "$M" --data-binary '{"name":"u","colour":"red"}' "$(U /v1/wallets)")
check "an unknown field: 400, and the hint says this daemon refuses them ($code)" \
    [ "$code $(jget "j['details']['issues'][0]['message']")" = "400 unknown field" ] &&
    [ "$(jget "'refuses fields' in j['hint']")" = True ]

code=$(as_token "$TA" /v1/wallets)
check "a session lists wallets ($code)" [ "$code" = 200 ]
check "... only its own" [ "$(jget "[w['id'] for w in j['items']]")" = "['$A']" ]
code=$(as_token "$TA" "/v1/wallets/$A")
check "a session reads its wallet ($code)" [ "$code" = 200 ]
code=$(as_token "$TA" "/v1/wallets/$B")
check "a session cannot read another wallet: 403 ($code)" \
    [ "$code $(jget "j['code']")" = "403 WALLET_ACCESS_DENIED" ]
code=$(as_token "$TA" "/v1/sessions")
check "a session lists sessions: only itself ($code)" \
    [ "$code $(jget "(j['total'], [d['id'] for d in j['data']])")" = "200 (1, ['$SA'])" ]

# Tampered tokens.
H=$(echo "$TA" | sed 's/^wai_sess_//' | cut -d. -f1)
P=$(echo "$TA" | cut -d. -f2)
S=$(echo "$TA" | cut -d. -f3)
NONE=$(printf '{"alg":"none","typ":"JWT"}' | base64 -w0 | tr '+/' '-_' | tr -d '=')
code=$(as_token "wai_sess_$NONE.$P." /v1/wallets)
check "alg none is refused ($code)" [ "$code $(jget "j['code']")" = "401 INVALID_TOKEN" ]
code=$(as_token "wai_sess_$NONE.$P.$S" /v1/wallets)
check "alg none with the real signature is refused ($code)" [ "$code" = 401 ]
BADSIG=$(echo "$S" | cut -c2-)A
code=$(as_token "wai_sess_$H.$P.$BADSIG" /v1/wallets)
check "a wrong signature is refused ($code)" [ "$code $(jget "j['code']")" = "401 INVALID_TOKEN" ]
EDITED=$(python3 -c "
import base64, json, sys
p = '$P'; p += '=' * (-len(p) % 4)
c = json.loads(base64.urlsafe_b64decode(p))
c['exp'] += 10 ** 6
print(base64.urlsafe_b64encode(json.dumps(c, separators=(',', ':')).encode()).decode().rstrip('='))")
code=$(as_token "wai_sess_$H.$EDITED.$S" /v1/wallets)
check "edited claims are refused ($code)" [ "$code $(jget "j['code']")" = "401 INVALID_TOKEN" ]
code=$(as_token "$H.$P.$S" /v1/wallets)
check "a token without the wai_sess_ prefix is refused ($code)" [ "$code" = 401 ]
code=$(http_code -H "Authorization: Basic $TA" "$(U /v1/wallets)")
check "a non-Bearer scheme is refused ($code)" [ "$code" = 401 ]
code=$(as_token "$TA" /v1/wallets)
check "the genuine token still works ($code)" [ "$code" = 200 ]

# A lifetime shorter than ttl (the reference takes any from 0; 0 is
# refused here, bad_input.py) ends the token with it.
code=$(http_code -X POST -H "$M" --data-binary \
    "{\"walletId\":\"$A\",\"ttl\":3600,\"absoluteLifetime\":2}" \
    "$(U /v1/sessions)")
check "absoluteLifetime 2 under ttl 3600: 201, expiresAt within 2 s ($code)" \
    [ "$code $(jget "j['expiresAt'] - $(date +%s) <= 2")" = "201 True" ]
TL=$(jget "j['token']")
code=$(as_token "$TL" /v1/wallets)
check "... the token works at first ($code)" [ "$code" = 200 ]
sleep 3
code=$(as_token "$TL" /v1/wallets)
check "... and not after its lifetime ($code)" [ "$code" = 401 ]

# Renewal: the old token stops working; the limit holds.
code=$(http_code -X POST -H "$M" --data-binary \
    "{\"walletIds\":[\"$A\",\"$B\"],\"ttl\":600,\"maxRenewals\":1}" \
    "$(U /v1/sessions)")
check "a session over two wallets: 201 ($code)" [ "$code" = 201 ]
S2=$(jget "j['id']"); T2=$(jget "j['token']")
check "... lists both wallets" [ "$(jget "len(j['wallets'])")" = 2 ]
check "... walletId is the first, with wallets' names" \
    [ "$(jget "[j['walletId'], [w['name'] for w in j['wallets']]]")" = "['$A', ['a', 'b']]" ]
code=$(http_code -H "$M" "$(U "/v1/sessions?walletId=$B")")
check "listed: walletName of its first wallet, source api, never renewed ($code)" \
    [ "$(jget "[(d['walletName'], d['source'], d['lastRenewedAt']) for d in j['data'] if d['id'] == '$S2']")" = "[('a', 'api', None)]" ]
code=$(http_code -X PUT -H "Authorization: Bearer $T2" "$(U /v1/sessions/$S2/renew)")
check "renew: 200 ($code)" [ "$code" = 200 ]
T3=$(jget "j['token']")
check "renew: a new token, renewalCount 1" \
    [ "$(jget "str(j['renewalCount'])")" = 1 -a "$T3" != "$T2" ]
code=$(http_code -H "$M" "$(U "/v1/sessions?walletId=$B")")
check "listed after renewal: lastRenewedAt an integer at or after createdAt, renewalCount 1" \
    [ "$(jget "[(type(d['lastRenewedAt']) is int and d['lastRenewedAt'] >= d['createdAt'], d['renewalCount']) for d in j['data'] if d['id'] == '$S2']")" = "[(True, 1)]" ]
code=$(as_token "$T2" /v1/wallets)
check "the renewed-away token is refused ($code)" [ "$code $(jget "j['code']")" = "401 INVALID_TOKEN" ]
code=$(as_token "$T3" /v1/wallets)
check "the new token works ($code)" [ "$code" = 200 ]
code=$(http_code -X PUT -H "Authorization: Bearer $T3" "$(U /v1/sessions/$S2/renew)")
check "beyond maxRenewals: 403 RENEWAL_LIMIT_REACHED ($code)" \
    [ "$code $(jget "j['code']")" = "403 RENEWAL_LIMIT_REACHED" ]
code=$(http_code -X PUT -H "Authorization: Bearer $T3" "$(U /v1/sessions/$SA/renew)")
check "a session cannot renew another: 403 SESSION_RENEWAL_MISMATCH ($code)" \
    [ "$code $(jget "j['code']")" = "403 SESSION_RENEWAL_MISMATCH" ]
code=$(http_code -X POST -H "$M" --data-binary "{\"walletId\":\"$A\",\"constraints\":null}" "$(U /v1/sessions)")
check "constraints null (none): taken ($code)" [ "$code" = 201 ]
http_code -X DELETE -H "$M" "$(U /v1/sessions/$(jget "j['id']"))" >/dev/null
code=$(http_code -X POST -H "$M" --data-binary "{\"walletId\":\"$A\",\"constraints\":{\"maxAmount\":\"1\"}}" "$(U /v1/sessions)")
check "constraints given: 400 naming constraints, not supported ($code)" \
    [ "$code $(jget "j['details']['issues'][0]['path'][0]")" = "400 constraints" ] &&
    grep -q "not supported by this daemon" "$T_TMP/body"

# Revocation.
code=$(http_code -X DELETE -H "$M" "$(U /v1/sessions/$S2)")
check "revoke: 200 REVOKED ($code)" [ "$code $(jget "j['status']")" = "200 REVOKED" ]
code=$(as_token "$T3" /v1/wallets)
check "a revoked session's token is refused ($code)" \
    [ "$code $(jget "j['code']")" = "401 SESSION_REVOKED" ]
code=$(http_code -X DELETE -H "$M" "$(U /v1/sessions/01a20210-0000-7000-8000-000000000000)")
check "revoking an unknown session: 404 SESSION_NOT_FOUND ($code)" \
    [ "$code $(jget "j['code']")" = "404 SESSION_NOT_FOUND" ]
code=$(http_code -H "$M" "$(U "/v1/sessions?walletId=$B")")
check "list sessions by wallet ($code)" \
    [ "$code $(jget "j['total']") $(jget "j['data'][0]['status']")" = "200 1 REVOKED" ]

# The per-wallet cap (3 here): A has one live session already.
for i in 1 2; do
	http_code -X POST -H "$M" --data-binary "{\"walletId\":\"$A\"}" \
	    "$(U /v1/sessions)" >/dev/null
done
code=$(http_code -X POST -H "$M" --data-binary "{\"walletId\":\"$A\"}" "$(U /v1/sessions)")
check "the 4th live session of a wallet: 403 SESSION_LIMIT_EXCEEDED ($code)" \
    [ "$code $(jget "j['code']")" = "403 SESSION_LIMIT_EXCEEDED" ]
code=$(http_code -X POST -H "$M" --data-binary '{"walletId":"01a20210-0000-7000-8000-000000000000"}' "$(U /v1/sessions)")
check "a session for an unknown wallet: 404 ($code)" [ "$code" = 404 ]
code=$(http_code -X POST -H "$M" --data-binary '{"walletId":"x","ttl":5}' "$(U /v1/sessions)")
check "bad walletId and ttl: 400 naming both ($code)" \
    [ "$code $(jget "','.join(sorted(i['path'][0] for i in j['details']['issues']))")" = "400 ttl,walletId" ]

# Rename and terminate (masterAuth); updatedAt is the store's, and moves.
sqlite3 "$DATA/data/waiaas.db" "UPDATE wallets SET updated_at = 7 WHERE id = '$B'"
code=$(http_code -H "$M" "$(U /v1/wallets/$B)")
check "updatedAt is what the store says ($code)" [ "$(jget "j['updatedAt']")" = 7 ]
code=$(http_code -X PUT -H "$M" --data-binary '{"name":"renamed"}' "$(U /v1/wallets/$B)")
check "rename: 200 with the new name ($code)" \
    [ "$code $(jget "j['name']")" = "200 renamed" ]
check "... and updatedAt moved to now (at or after createdAt)" \
    [ "$(jget "j['updatedAt'] >= j['createdAt'] > 7")" = True ]
check "... with monitorIncoming in the rename's answer" \
    [ "$(jget "j['monitorIncoming']")" = False ]
code=$(http_code -X PUT -H "$M" --data-binary '{"name":"x","chain":"solana"}' "$(U /v1/wallets/$B)")
check "rename with another field: 400 ($code)" [ "$code" = 400 ]
code=$(http_code -X PUT -H "Authorization: Bearer $TA" --data-binary '{"name":"x"}' "$(U /v1/wallets/$A)")
check "a session cannot rename: 401 ($code)" [ "$code" = 401 ]
http_code -X POST -H "$M" --data-binary '{"name":"c","createSession":false}' \
    "$(U /v1/wallets)" >/dev/null
C=$(jget "j['id']")
http_code -X POST -H "$M" --data-binary "{\"walletIds\":[\"$C\",\"$B\"]}" \
    "$(U /v1/sessions)" >/dev/null
TAB=$(jget "j['token']")
sqlite3 "$DATA/data/waiaas.db" "UPDATE wallets SET updated_at = 7 WHERE id = '$B'"
code=$(http_code -X DELETE -H "$M" "$(U /v1/wallets/$B)")
check "terminate: 200 TERMINATED ($code)" \
    [ "$code $(jget "j['status']")" = "200 TERMINATED" ]
check "... and updatedAt moved (it was 7)" [ "$(jget "j['updatedAt'] > 7")" = True ]
code=$(as_token "$TAB" /v1/wallets)
check "a session that included it is revoked ($code)" \
    [ "$code $(jget "j['code']")" = "401 SESSION_REVOKED" ]
code=$(as_token "$TA" /v1/wallets)
check "a session of another wallet still works ($code)" [ "$code" = 200 ]
code=$(http_code -X DELETE -H "$M" "$(U /v1/wallets/$B)")
check "terminating again: 410 WALLET_TERMINATED ($code)" \
    [ "$code $(jget "j['code']")" = "410 WALLET_TERMINATED" ]
code=$(http_code -X PUT -H "$M" --data-binary '{"name":"y"}' "$(U /v1/wallets/$B)")
check "renaming a terminated wallet: 410 ($code)" [ "$code" = 410 ]
code=$(http_code -X POST -H "$M" --data-binary "{\"walletId\":\"$B\"}" "$(U /v1/sessions)")
check "no new session for a terminated wallet: 404 ($code)" [ "$code" = 404 ]
check "its sealed key file is kept" [ -f "$DATA/keystore/$B.enc" ]

# Expiry: the clock is the database's; move this session's past.
kill -TERM "$DPID"; wait_gone "$DPID" 2000
sqlite3 "$DATA/data/waiaas.db" "UPDATE sessions SET expires_at = 1 WHERE id = '$SA'"
if start_daemon; then
	code=$(as_token "$TA" /v1/wallets)
	check "an expired token is refused ($code)" \
	    [ "$code $(jget "j['code']")" = "401 TOKEN_EXPIRED" ]
	kill -TERM "$DPID"; wait_gone "$DPID" 2000
else
	notok "restart"; cat "$LOG"
fi
DPID=""
check "no sanitizer reports" no_sanitizer_reports
