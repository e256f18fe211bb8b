#!/bin/sh
# Discovery (issue 18).  GET /v1/connect-info: a session sees its own
# wallets only, the networks each can use, every enabled policy that
# applies to each (its own and the global ones, never another wallet's
# or a disabled one), and a prompt naming them; the master password and
# a revoked session get nothing.  GET /v1/skills/{name}: each skill file
# of skills/ as it is in the repository, without a credential, and
# `make install-skills` puts the same files where an agent reads them.
# The schemas are t_conform's.
. tests/integration/lib.sh

start_daemon || cannot_run "daemon starts"

req POST /v1/wallets '{"name":"alpha","chain":"ethereum","environment":"testnet"}' >/dev/null
A=$(jget 'j["id"]'); AADDR=$(jget 'j["publicKey"]')
SA="Authorization: Bearer $(jget 'j["session"]["token"]')"
SIDA=$(jget 'j["session"]["id"]')
req POST /v1/wallets '{"name":"beta","chain":"solana","environment":"testnet"}' >/dev/null
B=$(jget 'j["id"]')
SB="Authorization: Bearer $(jget 'j["session"]["token"]')"
req POST /v1/policies '{"type":"SPENDING_LIMIT","rules":{"instant_max":"1000"}}' >/dev/null
req POST /v1/policies "{\"walletId\":\"$A\",\"type\":\"ALLOWED_TOKENS\",\"rules\":{\"tokens\":[{\"address\":\"0x5FbDB2315678afecb367f032d93F642f64180aa3\"}]},\"network\":\"base-sepolia\"}" >/dev/null
req POST /v1/policies "{\"walletId\":\"$B\",\"type\":\"WHITELIST\",\"rules\":{\"allowed_addresses\":[\"11111111111111111111111111111112\"]}}" >/dev/null
req POST /v1/policies "{\"walletId\":\"$A\",\"type\":\"CONTRACT_WHITELIST\",\"rules\":{\"contracts\":[{\"address\":\"0x5FbDB2315678afecb367f032d93F642f64180aa3\"}]},\"enabled\":false}" >/dev/null

code=$(req GET /v1/connect-info "" "$SA")
check "connect-info with A's token: 200 ($code)" [ "$code" = 200 ]
check "... its session, from the api, expiring in the future" \
    [ "$(jget "(j['session']['id'], j['session']['source'], j['session']['expiresAt'] > $(date +%s))")" = "('$SIDA', 'api', True)" ]
check "... wallet A only, with its address, owner state and networks" \
    [ "$(jget "[(w['id'], w['name'], w['address'], w['ownerState'], w['availableNetworks']) for w in j['wallets']]")" = \
      "[('$A', 'alpha', '$AADDR', 'NONE', ['ethereum-sepolia', 'polygon-amoy', 'arbitrum-sepolia', 'optimism-sepolia', 'base-sepolia', 'hyperevm-testnet'])]" ]
check "... A's policies: its own enabled one (with its network) and the global one, not B's nor a disabled one" \
    [ "$(jget "(list(j['policies']), [(p['type'], p['network']) for p in j['policies']['$A']])")" = \
      "(['$A'], [('ALLOWED_TOKENS', 'base-sepolia'), ('SPENDING_LIMIT', None)])" ]
check "... the rules as stored" \
    [ "$(jget "[p['rules']['instant_max'] for p in j['policies']['$A'] if p['type'] == 'SPENDING_LIMIT']")" = "['1000']" ]
check "... default deny on every kind, no RPC proxy, the daemon's own address" \
    [ "$(jget "(all(j['defaultDeny'].values()), j['rpcProxy'], j['daemon']['baseUrl'])")" = "(True, None, 'http://127.0.0.1:$PORT')" ]
check "... capabilities name sends, reads and x402" \
    [ "$(jget "('transfer' in j['capabilities'], 'simulate' in j['capabilities'], 'x402' in j['capabilities'])")" = "(True, True, True)" ]
check "... supportedChainIds are CAIP-2 ids, Sepolia and Solana devnet among them" \
    [ "$(jget "('eip155:11155111' in j['supportedChainIds'], 'solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1' in j['supportedChainIds'])")" = "(True, True)" ]
check "... the prompt names the wallet, its policies, the session and the tiers" \
    [ "$(jget "all(s in j['prompt'] for s in ('$A', '$AADDR', 'ALLOWED_TOKENS, SPENDING_LIMIT', '$SIDA', 'APPROVAL', 'master password'))")" = True ]
check "... and not wallet B" [ "$(jget "'$B' in j['prompt']")" = False ]

code=$(req GET /v1/connect-info "" "$SB")
check "B's token: B's Solana wallet, its networks, its whitelist and the global limit ($code)" \
    [ "$code $(jget "([(w['id'], w['availableNetworks']) for w in j['wallets']], [p['type'] for p in j['policies']['$B']])")" = \
      "200 ([('$B', ['devnet', 'testnet'])], ['WHITELIST', 'SPENDING_LIMIT'])" ]

code=$(req GET /v1/connect-info)
check "the master password is not a session: 401 ($code)" [ "$code" = 401 ]
req DELETE "/v1/sessions/$SIDA" >/dev/null
code=$(req GET /v1/connect-info "" "$SA")
check "a revoked session: 401 SESSION_REVOKED or INVALID_TOKEN ($code)" \
    [ "$code $(jget "j['code'] in ('SESSION_REVOKED', 'INVALID_TOKEN')")" = "401 True" ]

# ---- skills ----
for n in quickstart wallet transactions policies approvals admin; do
	code=$(http_code "http://127.0.0.1:$PORT/v1/skills/$n")
	check "skill $n: 200, the repository's file exactly, its front matter naming waiaas-$n ($code)" \
	    [ "$code $(jget "(j['name'] == '$n' and j['content'] == open('skills/$n.skill.md').read() and j['content'].startswith('---\\nname: waiaas-$n\\n'))")" = "200 True" ]
done
for n in x402 actions nosuch '..%2Fwallet' 'wallet.skill.md'; do
	code=$(http_code "http://127.0.0.1:$PORT/v1/skills/$n")
	check "skill $n: 404 SKILL_NOT_FOUND listing the skills there are ($code)" \
	    [ "$code $(jget "(j['code'], 'quickstart' in j['message'])")" = "404 ('SKILL_NOT_FOUND', True)" ]
done
make -s install-skills SKILLS_DIR="$T_TMP/agent-skills" >/dev/null 2>&1
check "make install-skills: <dir>/waiaas-<name>/SKILL.md for each, the same bytes" \
    sh -c "for n in quickstart wallet transactions policies approvals admin; do cmp -s skills/\$n.skill.md '$T_TMP/agent-skills/waiaas-'\$n/SKILL.md || exit 1; done"
check "make install-skills without SKILLS_DIR says how to use it" \
    sh -c "! make -s install-skills 2>&1 >/dev/null | grep -q . && false || make -s install-skills 2>&1 | grep -q 'SKILLS_DIR='"

# ---- an answer too large for the channel ----
# Global policies come again under each wallet; twelve of 92 KB each
# make B's connect-info over the 1 MiB a reply may be.  That is a clear
# error, not a daemon that falls over (it used to: policyd died on the
# reply it could not send, and the daemon with it).
python3 -c "import json
print(json.dumps({'type': 'ALLOWED_TOKENS', 'rules': {'tokens': [
    {'address': '0x%040x' % i, 'symbol': 'T%d' % i, 'chain': 'ethereum'}
    for i in range(1000)]}}))" > "$T_TMP/bigpol"
BIG=""
for i in 1 2 3 4 5 6 7 8 9 10 11 12; do
	req POST /v1/policies "$(cat "$T_TMP/bigpol")" >/dev/null
	BIG="$BIG $(jget 'j["id"]')"
done
code=$(req GET /v1/connect-info "" "$SB")
check "twelve 92 KB global policies: connect-info 500 INTERNAL_ERROR saying the answer is over 1 MiB ($code)" \
    [ "$code $(jget "(j['code'], '1 MiB' in j['message'])")" = "500 ('INTERNAL_ERROR', True)" ]
check "... the daemon still answers" \
    [ "$(http_code "http://127.0.0.1:$PORT/health")" = 200 ]
code=$(req GET '/v1/policies?limit=200' "" "$SB")
check "... the policy list's page ends early and says so in limit ($code)" \
    [ "$code $(jget "(j['total'], 0 < len(j['data']) == j['limit'] < 14)")" = "200 (14, True)" ]
for id in $BIG; do req DELETE "/v1/policies/$id" >/dev/null; done
code=$(req GET /v1/connect-info "" "$SB")
check "... and without them connect-info answers again ($code)" \
    [ "$code $(jget "[p['type'] for p in j['policies']['$B']]")" = "200 ['WHITELIST', 'SPENDING_LIMIT']" ]

kill -TERM "$DPID"; wait_gone "$DPID" 3000; DPID=""
check "no sanitizer reports" no_sanitizer_reports
