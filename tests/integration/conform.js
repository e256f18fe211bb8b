#!/usr/bin/env node
/*
 * The conformance walk (t_conform.sh starts the daemon and the chains and
 * runs this).  Every route of the route table (common/routes.h) is asked
 * for its success answer and its error answers; each answer's body is
 * checked by ajv against the schema the reference WAIaaS documents for
 * that path, method and status, or, where the reference documents none
 * (routes and statuses it does not have), against this daemon's own /doc.
 * One "ok"/"not ok" line per route and status; a failure prints the
 * validator's first error and the body.  Then every row of the route
 * table must have been walked (success, and 401 where it needs a
 * credential), so a new route cannot be left out.
 *
 * Environment: PORT, MASTER (the master password), ANVIL_URL, CAST,
 * ROUTES_H, REF (the reference's OpenAPI document), SVM (1 if the
 * Solana peer runs), MISSING (a peer that is not there: every line is
 * "not ok").
 */
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const crypto = require('node:crypto');
const { execFileSync } = require('node:child_process');
const req = require('node:module').createRequire(path.join(__dirname,
    '..', 'node', 'package.json'));
const Ajv = req('ajv').default;
const addFormats = req('ajv-formats').default;
const SwaggerParser = req('@apidevtools/swagger-parser');

const E = process.env;
const BASE = 'http://127.0.0.1:' + E.PORT;
const NET = 'ethereum-sepolia';
const OWNER_KEY =
    '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d';
const ANVIL_KEY0 =
    '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80';
let master = E.MASTER;
const MISSING = E.MISSING || '';

let nok = 0, nall = 0;
function line(good, what) {
	if (good && MISSING)
		good = false, what += ' (not run: ' + MISSING + ')';
	nall++;
	if (!good)
		nok++;
	console.log((good ? 'ok' : 'not ok') + ' - ' + what);
}
function comment(s) {
	console.log(String(s).split('\n').map((l) => '#   ' + l).join('\n'));
}

/* The route table's rows: method and path, "{}" written "{id}". */
function routeTable() {
	const src = fs.readFileSync(E.ROUTES_H, 'utf8');
	const rows = [];
	const re = /X\((R_[A-Z0-9_]+),\s*(GET|POST|PUT|DELETE|PATCH),\s*"([^"]+)",\s*(?:\\\s*)?([A-Z_]+)\)/g;
	let m;

	while ((m = re.exec(src.replace(/\\\n/g, ' '))) !== null)
		rows.push({ id: m[1], method: m[2], path: m[3].replace(
		    'nfts/{}', 'nfts/{tokenIdentifier}').replace('{}',
		    '{id}').replace('{}', '{walletId}'), auth: m[4] });
	return rows;
}

/* OpenAPI 3.0 schema to what ajv (draft-07) reads: the boolean
 * exclusiveMinimum/Maximum differ, and ajv wants a type beside nullable
 * (a schema without one accepts null anyway). */
function to07(s, seen = new Set()) {
	if (s === null || typeof s !== 'object' || seen.has(s))
		return s;
	seen.add(s);
	if (s.nullable !== undefined && s.type === undefined)
		delete s.nullable;
	for (const [lim, ex] of [['minimum', 'exclusiveMinimum'],
	    ['maximum', 'exclusiveMaximum']]) {
		if (s[ex] === true) {
			s[ex] = s[lim];
			delete s[lim];
		} else if (s[ex] === false) {
			delete s[ex];
		}
	}
	for (const v of Object.values(s))
		to07(v, seen);
	return s;
}

const ajv = new Ajv({ strict: false, allErrors: false });
addFormats(ajv);
const compiled = new WeakMap();
function validator(schema) {
	if (!compiled.has(schema))
		compiled.set(schema, ajv.compile(schema));
	return compiled.get(schema);
}
/* On a failure, every error, for the reader (the line names the first). */
const ajvAll = new Ajv({ strict: false, allErrors: true });
addFormats(ajvAll);
function allErrors(schema, data) {
	const v = ajvAll.compile(schema);
	v(data);
	return (v.errors || []).map((e) => (e.instancePath || '/') + ' ' +
	    e.message + (e.keyword === 'required' || e.keyword ===
	    'additionalProperties' ? '' : ' ' + JSON.stringify(e.params)));
}

/* The documented answer for a path, method and status: in the reference
 * if it has one, else in our /doc.  Returns {src, resp} or null. */
let REF, DOC;
function documented(method, p, status) {
	for (const [src, d] of [['reference', REF], ['our /doc', DOC]]) {
		/* the reference names some path parameters otherwise
		 * ({name}); the table writes each {id} */
		const k = d && (d.paths[p] ? p : Object.keys(d.paths).find(
		    (q) => q.replace(/\{[^}]+\}/g, '{id}') ===
		    p.replace(/\{[^}]+\}/g, '{id}')));
		const op = k && d.paths[k][method.toLowerCase()];
		const r = op && op.responses && op.responses[String(status)];
		if (r)
			return { src, resp: r };
	}
	return null;
}

async function call(method, p, opt = {}) {
	const h = Object.assign({}, opt.headers || {});
	if (opt.auth === 'master')
		h['X-Master-Password'] = master;
	else if (opt.auth)
		h.Authorization = 'Bearer ' + opt.auth;
	let body;
	if (opt.body !== undefined) {
		if (h['Content-Type'] === undefined)
			h['Content-Type'] = 'application/json';
		body = typeof opt.body === 'string' ? opt.body :
		    JSON.stringify(opt.body);
	}
	try {
		const r = await fetch(BASE + p, { method, headers: h, body });
		const text = await r.text();
		let json;
		try {
			json = JSON.parse(text);
		} catch (e) {
			json = undefined;
		}
		return { status: r.status, ctype: r.headers.get('content-type') ||
		    '', text, json };
	} catch (e) {
		return { status: 0, ctype: '', text: String(e), json: undefined };
	}
}

/* Which route×status pairs were walked. */
const walked = new Map();

/*
 * expect(ROUTE, STATUS, answer, why): one line.  ROUTE is "METHOD
 * /path/{id}" as in the table.  The status must be the one provoked and
 * the body must validate against the documented schema.
 */
function expect(route, status, r, why) {
	const [method, p] = route.split(' ');
	const what = route + ' ' + status + ' (' + why + ')';
	const k = route;

	if (!walked.has(k))
		walked.set(k, new Set());
	walked.get(k).add(status);
	if (r.status !== status) {
		line(false, what + ': answered ' + r.status);
		comment(r.text.slice(0, 600));
		return false;
	}
	const d = documented(method, p, status);
	if (d === null) {
		line(false, what + ': neither the reference nor our /doc ' +
		    'documents this status');
		comment(r.text.slice(0, 600));
		return false;
	}
	if (d.resp.content === undefined) {
		/* documented without a body (204): none may come */
		line(r.text === '', what + ' [' + d.src + ', no content]' +
		    (r.text === '' ? '' : ': a body came'));
		return r.text === '';
	}
	const content = d.resp.content;
	const ct = r.ctype.split(';')[0].trim();
	const media = content[ct];
	if (media === undefined) {
		line(false, what + ': content type ' + ct + ' not documented ' +
		    'in ' + d.src + ' (' + Object.keys(content).join(', ') +
		    ')');
		return false;
	}
	if (media.schema === undefined) {
		line(true, what + ' [' + d.src + ', no schema]');
		return true;
	}
	let v;
	try {
		v = validator(media.schema);
	} catch (e) {
		line(false, what + ' [' + d.src + ']: its schema does not ' +
		    'compile: ' + e.message);
		return false;
	}
	const data = ct === 'application/json' ? r.json : r.text;
	if (v(data)) {
		line(true, what + ' [' + d.src + ']');
		return true;
	}
	const e = v.errors[0];
	line(false, what + ' [' + d.src + ']: ' + (e.instancePath || '/') +
	    ' ' + e.message + (e.params && Object.keys(e.params).length ?
	    ' ' + JSON.stringify(e.params) : ''));
	const more = [...new Set(allErrors(media.schema, data))];
	if (more.length > 1)
		comment('all ' + more.length + ': ' + more.slice(0, 40)
		    .join('; '));
	comment(r.text.slice(0, 1500));
	return false;
}

function cast(...args) {
	return execFileSync(E.CAST, args, { encoding: 'utf8' }).trim();
}
function fund(addr) {
	if (MISSING)
		return;
	try {
		cast('send', '-q', '--rpc-url', E.ANVIL_URL, '--private-key',
		    ANVIL_KEY0, addr, '--value', '1ether');
	} catch (e) {
		comment('funding ' + addr + ': ' + e.message);
	}
}
const sleep = (ms) => new Promise((res) => setTimeout(res, ms));

/* ownerAuth headers: a fresh nonce for ACTION:TARGET signed by the owner,
 * with the intent resource if given. */
async function ownerHeaders(action, target, intent) {
	const n = await call('GET', '/v1/nonce?action=' + action + '&target=' +
	    target);
	const resources = ['urn:waiaas:action:' + action + ':' + target];
	if (intent)
		resources.push('urn:waiaas:intent:' + intent);
	const out = execFileSync(process.execPath, [path.join(__dirname,
	    'sign_owner.js'), JSON.stringify({ domain: '127.0.0.1:' + E.PORT,
	    chain: 'evm', key: OWNER_KEY, nonce: n.json && n.json.nonce,
	    resources })], { encoding: 'utf8' }).split('\n');
	return { 'X-Owner-Address': out[0], 'X-Owner-Message': out[1],
	    'X-Owner-Signature': out[2] };
}

async function waitStatus(id, tok, want, secs) {
	for (let i = 0; i < secs * 10; i++) {
		const r = await call('GET', '/v1/transactions/' + id,
		    { auth: tok });
		if (r.json && want.includes(r.json.status))
			return r.json.status;
		await sleep(100);
	}
	return null;
}

const U = () => crypto.randomUUID();
let S2b;

async function walk() {
	let r;

	/* Unauthenticated reads. */
	expect('GET /health', 200, await call('GET', '/health'), 'health');
	expect('GET /doc', 200, await call('GET', '/doc'), 'the document');
	expect('GET /reference', 200, await call('GET', '/reference'),
	    'the reference page');
	expect('GET /reference', 400, await call('GET', '/reference?x=1'),
	    'an unknown query key');
	for (const f of ['/admin', '/admin/admin.js', '/admin/admin.css']) {
		expect('GET ' + f, 200, await call('GET', f), 'the admin page');
		expect('GET ' + f, 400, await call('GET', f + '?x=1'),
		    'an unknown query key');
	}
	/* An extension (not in the reference): checked against our /doc. */
	expect('GET /metrics', 200, await call('GET', '/metrics',
	    { auth: 'master' }), 'Prometheus text, with the master password');
	expect('GET /metrics', 401, await call('GET', '/metrics'),
	    'no credential');
	expect('GET /v1/nonce', 200, await call('GET', '/v1/nonce'),
	    'a nonce');
	expect('GET /v1/nonce', 400, await call('GET', '/v1/nonce?color=' +
	    'blue'), 'an unknown query key');

	/* Wallets. */
	const WC = 'POST /v1/wallets';
	r = await call('POST', '/v1/wallets', { auth: 'master', body: {
	    name: 'conform', chain: 'ethereum', environment: 'testnet' } });
	expect(WC, 201, r, 'an EVM wallet with its session');
	const W = r.json && r.json.id;
	const S = r.json && r.json.session && r.json.session.token;
	const WADDR = r.json && r.json.publicKey;
	fund(WADDR);
	expect(WC, 400, await call('POST', '/v1/wallets', { auth: 'master',
	    body: { name: 'x', chain: 'bitcoin' } }), 'an unknown chain');
	expect(WC, 400, await call('POST', '/v1/wallets', { auth: 'master',
	    body: '{"name":' }), 'a body that is not JSON');
	expect(WC, 401, await call('POST', '/v1/wallets', { body: {
	    name: 'x' } }), 'no master password');
	expect(WC, 401, await call('POST', '/v1/wallets', { body: {
	    name: 'x' }, headers: { 'X-Master-Password': 'wrong' } }),
	    'a wrong master password');
	let SOLW, SOLS, SOLADDR;
	if (E.SVM === '1') {
		r = await call('POST', '/v1/wallets', { auth: 'master', body: {
		    name: 'sol', chain: 'solana', environment: 'testnet' } });
		expect(WC, 201, r, 'a Solana wallet');
		SOLW = r.json && r.json.id;
		SOLS = r.json && r.json.session && r.json.session.token;
		SOLADDR = r.json && r.json.publicKey;
		/* Default deny: a policy, or sign-message is refused. */
		await call('POST', '/v1/policies', { auth: 'master', body: {
		    walletId: SOLW, type: 'SPENDING_LIMIT', rules: {
		    instant_max: '1000000' } } });
	}

	expect('GET /v1/wallets', 200, await call('GET', '/v1/wallets',
	    { auth: 'master' }), 'the operator lists');
	expect('GET /v1/wallets', 200, await call('GET', '/v1/wallets',
	    { auth: S }), 'a session lists');
	expect('GET /v1/wallets', 401, await call('GET', '/v1/wallets'),
	    'no credential');

	/* A mainnet wallet: its node (ethereum-mainnet) is a closed port. */
	r = await call('POST', '/v1/wallets', { auth: 'master', body: {
	    name: 'down', chain: 'ethereum', environment: 'mainnet' } });
	const MS = r.json && r.json.session && r.json.session.token;
	const WI = 'POST /v1/wallets/import';
	r = await call('POST', '/v1/wallets/import', { auth: 'master', body: {
	    name: 'imported', chain: 'ethereum', privateKey: '0x' +
	    crypto.randomBytes(32).toString('hex') } });
	expect(WI, 201, r, 'an EVM key');
	const WIMP = r.json && r.json.id;
	expect(WI, 400, await call('POST', '/v1/wallets/import', {
	    auth: 'master', body: { name: 'k', chain: 'ethereum',
	    privateKey: '0x12' } }), 'a short key');
	expect(WI, 401, await call('POST', '/v1/wallets/import', { body: {
	    name: 'k' } }), 'no master password');

	const WG = 'GET /v1/wallets/{id}';
	expect(WG, 200, await call('GET', '/v1/wallets/' + W,
	    { auth: 'master' }), 'the operator reads');
	expect(WG, 200, await call('GET', '/v1/wallets/' + W, { auth: S }),
	    'its session reads');
	expect(WG, 404, await call('GET', '/v1/wallets/' + U(),
	    { auth: 'master' }), 'an unknown id');
	expect(WG, 401, await call('GET', '/v1/wallets/' + W), 'no credential');

	const WR = 'PUT /v1/wallets/{id}';
	expect(WR, 200, await call('PUT', '/v1/wallets/' + W, { auth: 'master',
	    body: { name: 'conform-renamed' } }), 'rename');
	expect(WR, 400, await call('PUT', '/v1/wallets/' + W, { auth: 'master',
	    body: { name: 7 } }), 'a name that is not a string');
	expect(WR, 404, await call('PUT', '/v1/wallets/' + U(), {
	    auth: 'master', body: { name: 'n' } }), 'an unknown id');
	expect(WR, 401, await call('PUT', '/v1/wallets/' + W, { body: {
	    name: 'n' } }), 'no master password');

	const WP = 'PATCH /v1/wallets/{id}';
	expect(WP, 200, await call('PATCH', '/v1/wallets/' + W, {
	    auth: 'master', body: { monitorIncoming: true } }),
	    'monitorIncoming on');
	expect(WP, 400, await call('PATCH', '/v1/wallets/' + W, {
	    auth: 'master', body: { monitorIncoming: 'yes' } }),
	    'monitorIncoming not a boolean');
	expect(WP, 404, await call('PATCH', '/v1/wallets/' + U(), {
	    auth: 'master', body: { monitorIncoming: false } }),
	    'an unknown id');
	expect(WP, 401, await call('PATCH', '/v1/wallets/' + W, { body: {
	    monitorIncoming: false } }), 'no master password');
	const WN = 'GET /v1/wallets/{id}/networks';
	expect(WN, 200, await call('GET', '/v1/wallets/' + W + '/networks',
	    { auth: 'master' }), 'the operator reads');
	expect(WN, 200, await call('GET', '/v1/wallets/' + W + '/networks',
	    { auth: S }), 'its session reads');
	expect(WN, 403, await call('GET', '/v1/wallets/' + W + '/networks',
	    { auth: MS }), 'another wallet\'s session');
	expect(WN, 404, await call('GET', '/v1/wallets/' + U() + '/networks',
	    { auth: 'master' }), 'an unknown id');
	expect(WN, 401, await call('GET', '/v1/wallets/' + W + '/networks'),
	    'no credential');
	const WSU = 'POST /v1/wallets/{id}/suspend';
	const WRE = 'POST /v1/wallets/{id}/resume';
	expect(WSU, 200, await call('POST', '/v1/wallets/' + W + '/suspend', {
	    auth: 'master', body: { reason: 'conformance' } }), 'suspend');
	expect(WSU, 409, await call('POST', '/v1/wallets/' + W + '/suspend', {
	    auth: 'master' }), 'suspended already');
	expect(WRE, 200, await call('POST', '/v1/wallets/' + W + '/resume', {
	    auth: 'master' }), 'resume');
	expect(WRE, 409, await call('POST', '/v1/wallets/' + W + '/resume', {
	    auth: 'master' }), 'not suspended');
	expect(WSU, 400, await call('POST', '/v1/wallets/' + W + '/suspend', {
	    auth: 'master', body: { reason: 7 } }), 'a reason not a string');
	expect(WSU, 404, await call('POST', '/v1/wallets/' + U() + '/suspend',
	    { auth: 'master' }), 'an unknown id');
	expect(WRE, 404, await call('POST', '/v1/wallets/' + U() + '/resume',
	    { auth: 'master' }), 'an unknown id');
	expect(WSU, 401, await call('POST', '/v1/wallets/' + W + '/suspend'),
	    'no credential');
	expect(WRE, 401, await call('POST', '/v1/wallets/' + W + '/resume'),
	    'no credential');

	/* An owner: registered, then verified (which locks it). */
	const OWNER = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';
	const OS = 'PUT /v1/wallets/{id}/owner';
	expect(OS, 200, await call('PUT', '/v1/wallets/' + W + '/owner', {
	    auth: 'master', body: { owner_address: OWNER } }), 'register');
	expect(OS, 200, await call('PUT', '/v1/wallets/' + W + '/owner', {
	    auth: 'master', body: { owner_address: OWNER,
	    approval_method: 'rest' } }),
	    'register with approval_method, as the reference accepts');
	expect(OS, 400, await call('PUT', '/v1/wallets/' + W + '/owner', {
	    auth: 'master', body: { owner_address: 'nope' } }),
	    'an address that is not one');
	expect(OS, 404, await call('PUT', '/v1/wallets/' + U() + '/owner', {
	    auth: 'master', body: { owner_address: OWNER } }),
	    'an unknown wallet');
	expect(OS, 401, await call('PUT', '/v1/wallets/' + W + '/owner', {
	    body: { owner_address: OWNER } }), 'no master password');

	const OV = 'POST /v1/wallets/{id}/owner/verify';
	expect(OV, 401, await call('POST', '/v1/wallets/' + W +
	    '/owner/verify'), 'no owner signature');
	const UW = U();
	expect(OV, 404, await call('POST', '/v1/wallets/' + UW +
	    '/owner/verify', { headers: await ownerHeaders('owner.verify',
	    UW) }), 'an unknown wallet, signed');
	expect(OV, 200, await call('POST', '/v1/wallets/' + W +
	    '/owner/verify', { headers: await ownerHeaders('owner.verify',
	    W) }), 'the owner signs');
	expect(OS, 409, await call('PUT', '/v1/wallets/' + W + '/owner', {
	    auth: 'master', body: { owner_address:
	    '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC' } }),
	    'another owner once the first is verified');

	/* Sessions. */
	const SC = 'POST /v1/sessions';
	r = await call('POST', '/v1/sessions', { auth: 'master', body: {
	    walletId: W } });
	expect(SC, 201, r, 'a session for the wallet');
	const S2 = r.json && r.json.id, T2 = r.json && r.json.token;
	expect(SC, 400, await call('POST', '/v1/sessions', { auth: 'master',
	    body: { walletId: 'not-a-uuid' } }), 'a walletId that is not one');
	expect(SC, 404, await call('POST', '/v1/sessions', { auth: 'master',
	    body: { walletId: U() } }), 'an unknown wallet');
	expect(SC, 401, await call('POST', '/v1/sessions', { body: {
	    walletId: W } }), 'no master password');
	expect('GET /v1/sessions', 200, await call('GET', '/v1/sessions',
	    { auth: 'master' }), 'the list');
	expect('GET /v1/sessions', 200, await call('GET', '/v1/sessions?' +
	    'walletId=' + W, { auth: 'master' }), 'one wallet\'s');
	expect('GET /v1/sessions', 401, await call('GET', '/v1/sessions'),
	    'no master password');
	expect('GET /v1/sessions', 200, await call('GET', '/v1/sessions',
	    { auth: T2 }), 'a session: itself only');
	/* A session and its token file for waiaas mcp. */
	const MT = 'POST /v1/mcp/tokens';
	expect(MT, 201, await call('POST', '/v1/mcp/tokens', { auth: 'master',
	    body: { walletId: W, expiresIn: 3600 } }), 'a token file and ' +
	    'the Claude Desktop entry');
	expect(MT, 400, await call('POST', '/v1/mcp/tokens', { auth: 'master',
	    body: { walletId: W, expiresIn: 10 } }), 'expiresIn under 300');
	expect(MT, 404, await call('POST', '/v1/mcp/tokens', { auth: 'master',
	    body: { walletId: U() } }), 'an unknown wallet');
	expect(MT, 401, await call('POST', '/v1/mcp/tokens', { body: {
	    walletId: W } }), 'no master password');
	const SR = 'PUT /v1/sessions/{id}/renew';
	expect(SR, 403, await call('PUT', '/v1/sessions/' + U() + '/renew',
	    { auth: T2 }), 'another session\'s id');
	expect(SR, 401, await call('PUT', '/v1/sessions/' + S2 + '/renew'),
	    'no token');
	r = await call('PUT', '/v1/sessions/' + S2 + '/renew', { auth: T2 });
	expect(SR, 200, r, 'its own token');
	/* A second wallet linked to S2, listed, unlinked; its token
	 * rotated. */
	const SL = 'POST /v1/sessions/{id}/wallets';
	expect(SL, 201, await call('POST', '/v1/sessions/' + S2 + '/wallets',
	    { auth: 'master', body: { walletId: WIMP } }), 'link a wallet');
	expect(SL, 409, await call('POST', '/v1/sessions/' + S2 + '/wallets',
	    { auth: 'master', body: { walletId: WIMP } }), 'linked already');
	expect(SL, 400, await call('POST', '/v1/sessions/' + S2 + '/wallets',
	    { auth: 'master', body: { walletId: 'x' } }), 'not a wallet id');
	expect(SL, 404, await call('POST', '/v1/sessions/' + U() + '/wallets',
	    { auth: 'master', body: { walletId: WIMP } }), 'an unknown session');
	expect(SL, 401, await call('POST', '/v1/sessions/' + S2 + '/wallets',
	    { body: { walletId: WIMP } }), 'no master password');
	const SW = 'GET /v1/sessions/{id}/wallets';
	expect(SW, 200, await call('GET', '/v1/sessions/' + S2 + '/wallets',
	    { auth: 'master' }), 'its wallets');
	expect(SW, 404, await call('GET', '/v1/sessions/' + U() + '/wallets',
	    { auth: 'master' }), 'an unknown session');
	expect(SW, 401, await call('GET', '/v1/sessions/' + S2 + '/wallets'),
	    'no master password');
	const SO = 'POST /v1/sessions/{id}/rotate';
	expect(SO, 200, await call('POST', '/v1/sessions/' + S2 + '/rotate',
	    { auth: 'master' }), 'a new token');
	expect(SO, 404, await call('POST', '/v1/sessions/' + U() + '/rotate',
	    { auth: 'master' }), 'an unknown session');
	const SU = 'DELETE /v1/sessions/{id}/wallets/{walletId}';
	expect(SU, 204, await call('DELETE', '/v1/sessions/' + S2 +
	    '/wallets/' + WIMP, { auth: 'master' }), 'unlink a wallet');
	expect(SU, 400, await call('DELETE', '/v1/sessions/' + S2 +
	    '/wallets/' + W, { auth: 'master' }), 'its last wallet');
	expect(SU, 404, await call('DELETE', '/v1/sessions/' + U() +
	    '/wallets/' + W, { auth: 'master' }), 'an unknown session');
	expect(SU, 401, await call('DELETE', '/v1/sessions/' + S2 +
	    '/wallets/' + W), 'no master password');
	const SD = 'DELETE /v1/sessions/{id}';
	expect(SD, 200, await call('DELETE', '/v1/sessions/' + S2,
	    { auth: 'master' }), 'revoke');
	expect(SD, 404, await call('DELETE', '/v1/sessions/' + U(),
	    { auth: 'master' }), 'an unknown session');
	expect(SD, 401, await call('DELETE', '/v1/sessions/' + S2),
	    'no master password');
	expect(SO, 401, await call('POST', '/v1/sessions/' + S2 + '/rotate',
	    { auth: 'master' }), 'a revoked session (SESSION_REVOKED)');

	/* Policies: a SPENDING_LIMIT with every tier. */
	const rules = { instant_max: '1000', notify_max: '2000',
	    delay_max: '3000', delay_seconds: 60, approval_timeout: 600 };
	const PC = 'POST /v1/policies';
	r = await call('POST', '/v1/policies', { auth: 'master', body: {
	    walletId: W, type: 'SPENDING_LIMIT', rules } });
	expect(PC, 201, r, 'a SPENDING_LIMIT');
	const P = r.json && r.json.id;
	expect(PC, 400, await call('POST', '/v1/policies', { auth: 'master',
	    body: { walletId: W, type: 'NO_SUCH_TYPE', rules: {} } }),
	    'an unknown type');
	expect(PC, 404, await call('POST', '/v1/policies', { auth: 'master',
	    body: { walletId: U(), type: 'SPENDING_LIMIT', rules } }),
	    'an unknown wallet');
	expect(PC, 401, await call('POST', '/v1/policies', { body: {
	    walletId: W, type: 'SPENDING_LIMIT', rules } }), 'no master password');
	expect('GET /v1/policies', 200, await call('GET', '/v1/policies',
	    { auth: 'master' }), 'the operator lists');
	expect('GET /v1/policies', 200, await call('GET', '/v1/policies',
	    { auth: S }), 'a session lists its wallet\'s');
	expect('GET /v1/policies', 401, await call('GET', '/v1/policies'),
	    'no credential');
	const PG = 'GET /v1/policies/{id}';
	expect(PG, 200, await call('GET', '/v1/policies/' + P,
	    { auth: 'master' }), 'read');
	expect(PG, 404, await call('GET', '/v1/policies/' + U(),
	    { auth: 'master' }), 'an unknown id');
	expect(PG, 401, await call('GET', '/v1/policies/' + P), 'no credential');
	const PU = 'PUT /v1/policies/{id}';
	expect(PU, 200, await call('PUT', '/v1/policies/' + P, {
	    auth: 'master', body: { rules } }), 'new rules');
	expect(PU, 400, await call('PUT', '/v1/policies/' + P, {
	    auth: 'master', body: { rules: { instant_max: 'many' } } }),
	    'rules that do not parse');
	expect(PU, 404, await call('PUT', '/v1/policies/' + U(), {
	    auth: 'master', body: { rules } }), 'an unknown id');
	expect(PU, 401, await call('PUT', '/v1/policies/' + P, { body: {
	    rules } }), 'no master password');
	r = await call('POST', '/v1/policies', { auth: 'master', body: {
	    walletId: W, type: 'ALLOWED_NETWORKS', rules: { networks: [
	    { network: NET }] } } });
	const PD = 'DELETE /v1/policies/{id}';
	expect(PD, 200, await call('DELETE', '/v1/policies/' +
	    (r.json && r.json.id), { auth: 'master' }), 'delete one');
	expect(PD, 404, await call('DELETE', '/v1/policies/' + U(),
	    { auth: 'master' }), 'an unknown id');
	expect(PD, 401, await call('DELETE', '/v1/policies/' + P),
	    'no master password');

	/* The wallet's chain views. */
	for (const [rt, p] of [['GET /v1/wallet/address', 'address'],
	    ['GET /v1/wallet/balance', 'balance'],
	    ['GET /v1/wallet/assets', 'assets']]) {
		expect(rt, 200, await call('GET', '/v1/wallet/' + p + '?network=' +
		    NET, { auth: S }), 'EVM, network named');
		expect(rt, 200, await call('GET', '/v1/wallet/' + p,
		    { auth: S }), 'EVM, no network, as the SDK asks');
		if (SOLS)
			expect(rt, 200, await call('GET', '/v1/wallet/' + p +
			    '?network=devnet', { auth: SOLS }),
			    'Solana on litesvm');
		expect(rt, 400, await call('GET', '/v1/wallet/' + p +
		    '?network=no-such-net', { auth: S }), 'an unknown network');
		if (p !== 'address')
			expect(rt, 502, await call('GET', '/v1/wallet/' + p,
			    { auth: MS }), 'a mainnet wallet whose node is down');
		expect(rt, 401, await call('GET', '/v1/wallet/' + p),
		    'no token');
	}

	/* The token registry, with the test ERC-20 deployed on anvil. */
	let TOKEN = '0x5FbDB2315678afecb367f032d93F642f64180aa3';
	if (!MISSING)
		try {
			TOKEN = execFileSync('sh', [path.join(__dirname, '..',
			    'contracts', 'deploy.sh'), E.ANVIL_URL, ANVIL_KEY0,
			    '6'], { encoding: 'utf8' }).trim();
		} catch (e) {
			comment('deploying the test token: ' + e.message);
		}
	const KL = 'GET /v1/tokens', KA = 'POST /v1/tokens';
	const KD = 'DELETE /v1/tokens', KR = 'GET /v1/tokens/resolve';
	const tok = { network: NET, address: TOKEN, symbol: 'TEST',
	    name: 'Test Token', decimals: 6 };
	expect(KA, 201, await call('POST', '/v1/tokens', { auth: 'master',
	    body: tok }), 'the test token');
	expect(KA, 400, await call('POST', '/v1/tokens', { auth: 'master',
	    body: tok }), 'the same token again');
	expect(KA, 400, await call('POST', '/v1/tokens', { auth: 'master',
	    body: Object.assign({}, tok, { decimals: 19 }) }), 'decimals 19');
	expect(KA, 401, await call('POST', '/v1/tokens', { body: tok }),
	    'no master password');
	expect(KA, 401, await call('POST', '/v1/tokens', { auth: S,
	    body: tok }), 'a session');
	expect(KL, 200, await call('GET', '/v1/tokens?network=' + NET,
	    { auth: S }), 'built-in and custom, a session');
	expect(KL, 200, await call('GET', '/v1/tokens?network=ethereum-' +
	    'mainnet', { auth: 'master' }), 'the built-in ones, master');
	expect(KL, 400, await call('GET', '/v1/tokens', { auth: S }),
	    'no network');
	expect(KL, 401, await call('GET', '/v1/tokens?network=' + NET),
	    'no credential');
	expect(KR, 200, await call('GET', '/v1/tokens/resolve?network=' +
	    NET + '&address=' + TOKEN, { auth: S }), 'the ERC-20 on anvil');
	expect(KR, 200, await call('GET', '/v1/tokens/resolve?assetId=' +
	    'eip155:11155111/erc20:' + TOKEN.toLowerCase(),
	    { auth: 'master' }), 'by assetId');
	expect(KR, 200, await call('GET', '/v1/tokens/resolve?assetId=' +
	    'eip155:11155111/slip44:60', { auth: S }), 'the native coin');
	expect(KR, 400, await call('GET', '/v1/tokens/resolve?network=' +
	    NET + '&address=' + WADDR, { auth: S }), 'no contract there');
	expect(KR, 400, await call('GET', '/v1/tokens/resolve?network=' +
	    NET + '&address=0x12', { auth: S }), 'a malformed address');
	expect(KR, 502, await call('GET', '/v1/tokens/resolve?network=' +
	    'ethereum-mainnet&address=' + TOKEN, { auth: S }),
	    'the node is down');
	expect(KR, 503, await call('GET', '/v1/tokens/resolve?network=' +
	    'base-sepolia&address=' + TOKEN, { auth: S }), 'no RPC URL');
	expect(KR, 401, await call('GET', '/v1/tokens/resolve?network=' +
	    NET + '&address=' + TOKEN), 'no credential');
	expect(KD, 200, await call('DELETE', '/v1/tokens', { auth: 'master',
	    body: { network: NET, address: TOKEN } }), 'the test token');
	expect(KD, 400, await call('DELETE', '/v1/tokens', { auth: 'master',
	    body: { network: NET } }), 'no address');
	expect(KD, 401, await call('DELETE', '/v1/tokens', { auth: S,
	    body: { network: NET, address: TOKEN } }), 'a session');

	/* NFTs: one ERC-721 token read from anvil (a node answers that);
	 * the lists need an indexer, which this daemon has not. */
	let NFT = TOKEN;
	if (!MISSING)
		try {
			NFT = execFileSync('sh', [path.join(__dirname, '..',
			    'contracts', 'deploy_nft.sh'), E.ANVIL_URL,
			    ANVIL_KEY0, 'TestNFT', WADDR], { encoding: 'utf8' })
			    .trim();
		} catch (e) {
			comment('deploying the test NFT: ' + e.message);
		}
	const NFL = 'GET /v1/wallet/nfts', NFG = 'GET /v1/wallet/nfts/' +
	    '{tokenIdentifier}', NFAL = 'GET /v1/wallets/{id}/nfts',
	    NFAG = 'GET /v1/wallets/{id}/nfts/{tokenIdentifier}';
	expect(NFL, 400, await call('GET', '/v1/wallet/nfts?network=' + NET,
	    { auth: S }), 'INDEXER_NOT_CONFIGURED');
	expect(NFL, 403, await call('GET', '/v1/wallet/nfts?network=' + NET +
	    '&walletId=' + U(), { auth: S }), 'a wallet the session lacks');
	expect(NFL, 401, await call('GET', '/v1/wallet/nfts?network=' + NET),
	    'no token');
	expect(NFG, 200, await call('GET', '/v1/wallet/nfts/' + NFT +
	    ':1?network=' + NET, { auth: S }), 'an ERC-721 token it holds');
	expect(NFG, 200, await call('GET', '/v1/wallet/nfts/' + NFT +
	    '%3A2?network=' + NET, { auth: S }), 'the same, : as %3A');
	expect(NFG, 404, await call('GET', '/v1/wallet/nfts/' + NFT +
	    ':99?network=' + NET, { auth: S }), 'no such token id');
	expect(NFG, 400, await call('GET', '/v1/wallet/nfts/' + NFT +
	    '?network=' + NET, { auth: S }), 'no token id');
	expect(NFG, 400, await call('GET', '/v1/wallet/nfts/' + TOKEN +
	    ':1?network=' + NET, { auth: S }), 'an ERC-20, not an NFT');
	expect(NFG, 502, await call('GET', '/v1/wallet/nfts/' + NFT + ':1',
	    { auth: MS }), 'a mainnet wallet whose node is down');
	expect(NFG, 503, await call('GET', '/v1/wallet/nfts/' + NFT +
	    ':1?network=base-sepolia', { auth: S }), 'no RPC URL');
	expect(NFG, 403, await call('GET', '/v1/wallet/nfts/' + NFT +
	    ':1?network=' + NET + '&walletId=' + U(), { auth: S }),
	    'a wallet the session lacks');
	expect(NFG, 401, await call('GET', '/v1/wallet/nfts/' + NFT + ':1'),
	    'no token');
	expect(NFAL, 400, await call('GET', '/v1/wallets/' + W + '/nfts?' +
	    'network=' + NET, { auth: 'master' }), 'INDEXER_NOT_CONFIGURED');
	expect(NFAL, 404, await call('GET', '/v1/wallets/' + U() + '/nfts',
	    { auth: 'master' }), 'no such wallet');
	expect(NFAL, 401, await call('GET', '/v1/wallets/' + W + '/nfts',
	    { auth: S }), 'a session');
	expect(NFAG, 200, await call('GET', '/v1/wallets/' + W + '/nfts/' +
	    NFT + ':3?network=' + NET, { auth: 'master' }), 'the operator');
	expect(NFAG, 404, await call('GET', '/v1/wallets/' + U() + '/nfts/' +
	    NFT + ':3', { auth: 'master' }), 'no such wallet');
	expect(NFAG, 400, await call('GET', '/v1/wallets/' + W + '/nfts/' +
	    'x:3?network=' + NET, { auth: 'master' }), 'no contract');
	expect(NFAG, 401, await call('GET', '/v1/wallets/' + W + '/nfts/' +
	    NFT + ':3', { auth: S }), 'a session');

	/* The operator's webhooks (loopback allowed by the daemon's
	 * notifications.webhooks_allow_private; port 9 answers nothing). */
	const HC = 'POST /v1/webhooks', HL = 'GET /v1/webhooks';
	const HD = 'DELETE /v1/webhooks/{id}';
	const HG = 'GET /v1/webhooks/{id}/logs';
	const hook = { url: 'http://127.0.0.1:9/hook', events: ['TX_FAILED'],
	    description: 'conformance' };
	const hc = await call('POST', '/v1/webhooks', { auth: 'master',
	    body: hook });
	expect(HC, 201, hc, 'a loopback URL, allowed here');
	const HID = hc.json && hc.json.id;
	expect(HC, 400, await call('POST', '/v1/webhooks', { auth: 'master',
	    body: { url: 'http://hooks.example.test/x' } }), 'a host name');
	expect(HC, 400, await call('POST', '/v1/webhooks', { auth: 'master',
	    body: { url: 'ftp://127.0.0.1/x' } }), 'not http(s)');
	expect(HC, 401, await call('POST', '/v1/webhooks', { auth: S,
	    body: hook }), 'a session');
	expect(HL, 200, await call('GET', '/v1/webhooks', { auth: 'master' }),
	    'the list');
	expect(HL, 401, await call('GET', '/v1/webhooks', { auth: S }),
	    'a session');
	expect(HG, 200, await call('GET', '/v1/webhooks/' + HID +
	    '/logs?limit=5', { auth: 'master' }), 'its logs');
	expect(HG, 404, await call('GET', '/v1/webhooks/' + U() + '/logs',
	    { auth: 'master' }), 'no such webhook');
	expect(HG, 401, await call('GET', '/v1/webhooks/' + HID + '/logs'),
	    'no credential');
	expect(HD, 401, await call('DELETE', '/v1/webhooks/' + HID,
	    { auth: S }), 'a session');
	expect(HD, 204, await call('DELETE', '/v1/webhooks/' + HID,
	    { auth: 'master' }), 'the webhook');
	expect(HD, 404, await call('DELETE', '/v1/webhooks/' + HID,
	    { auth: 'master' }), 'deleted already');

	/* Skill files: no credential. */
	const SK = 'GET /v1/skills/{id}';
	expect(SK, 200, await call('GET', '/v1/skills/quickstart'),
	    'the quickstart');
	expect(SK, 404, await call('GET', '/v1/skills/x402'),
	    'a feature this daemon lacks');
	expect(SK, 404, await call('GET', '/v1/skills/..%2Fetc'),
	    'not a skill');

	/* What an agent reads first. */
	const CI = 'GET /v1/connect-info';
	expect(CI, 200, await call('GET', '/v1/connect-info', { auth: S }),
	    'the session\'s wallets, policies and prompt');
	expect(CI, 401, await call('GET', '/v1/connect-info'), 'no token');
	expect(CI, 401, await call('GET', '/v1/connect-info',
	    { auth: 'master' }), 'the master password is not a session');

	/* Calldata from a JSON ABI (t_abi.sh compares it with cast's). */
	const EC = 'POST /v1/utils/encode-calldata';
	const ERC20 = [{ type: 'function', name: 'transfer', inputs: [
	    { name: 'to', type: 'address' }, { name: 'amount',
	    type: 'uint256' }], outputs: [{ name: '', type: 'bool' }],
	    stateMutability: 'nonpayable' }];
	const ecr = await call('POST', '/v1/utils/encode-calldata', {
	    auth: S, body: { abi: ERC20, functionName: 'transfer', args: [
	    '0x70997970C51812dc3A010C7d01b50e0d17dc79C8', '1000'] } });
	if (expect(EC, 200, ecr, 'an ERC-20 transfer'))
		line(ecr.json.selector === '0xa9059cbb' &&
		    ecr.json.calldata.length === 2 + 2 * 68, EC +
		    ': transfer(address,uint256) is 0xa9059cbb, 68 bytes');
	expect(EC, 400, await call('POST', '/v1/utils/encode-calldata', {
	    auth: S, body: { abi: ERC20, functionName: 'transfer',
	    args: ['0x1234', '1'] } }), 'ABI_ENCODING_FAILED: a bad address');
	expect(EC, 401, await call('POST', '/v1/utils/encode-calldata', {
	    body: { abi: ERC20, functionName: 'transfer', args: [] } }),
	    'no token');
	expect(EC, 401, await call('POST', '/v1/utils/encode-calldata', {
	    auth: 'master', body: { abi: ERC20, functionName: 'transfer',
	    args: [] } }), 'the master password is not a session');

	/* MCP over Streamable HTTP (t_mcp.sh walks the tools). */
	const MCP = 'POST /mcp';
	const rpc = (m, id) => ({ jsonrpc: '2.0', id, method: m,
	    params: m === 'initialize' ? { protocolVersion: '2025-11-25',
	    capabilities: {}, clientInfo: { name: 'conform', version: '0' } } :
	    undefined });
	expect(MCP, 200, await call('POST', '/mcp', { auth: S,
	    body: rpc('initialize', 1) }), 'initialize');
	expect(MCP, 200, await call('POST', '/mcp', { auth: S,
	    body: rpc('no/such', 2) }), 'an unknown method: a JSON-RPC error');
	expect(MCP, 400, await call('POST', '/mcp', { auth: S,
	    body: 'nonsense' }), 'not JSON: -32700');
	expect(MCP, 400, await call('POST', '/mcp', { auth: S,
	    body: rpc('ping', 3), headers: { 'MCP-Protocol-Version': 'x' } }),
	    'an unsupported MCP-Protocol-Version');
	expect(MCP, 401, await call('POST', '/mcp', { body: rpc('ping', 4) }),
	    'no token');
	expect(MCP, 403, await call('POST', '/mcp', { auth: S,
	    body: rpc('ping', 5), headers: { Origin: 'http://evil.example' } }),
	    'a foreign Origin');
	expect(MCP, 413, await call('POST', '/mcp', { auth: S,
	    body: '"' + 'a'.repeat(300 * 1024) + '"' }), 'too large');
	expect(MCP, 415, await call('POST', '/mcp', { auth: S,
	    body: JSON.stringify(rpc('ping', 6)),
	    headers: { 'Content-Type': 'text/plain' } }), 'not JSON');

	/* Transactions. */
	const to = (n) => '0x5' + String(n).padStart(39, '0');
	const SIM = 'POST /v1/transactions/simulate';
	expect(SIM, 200, await call('POST', '/v1/transactions/simulate', {
	    auth: S, body: { network: NET, to: to(1), amount: '500' } }),
	    'an INSTANT transfer');
	expect(SIM, 400, await call('POST', '/v1/transactions/simulate', {
	    auth: S, body: { network: NET, to: 'nope', amount: '500' } }),
	    'a bad recipient');
	expect(SIM, 401, await call('POST', '/v1/transactions/simulate', {
	    body: { network: NET, to: to(1), amount: '500' } }), 'no token');

	const SEND = 'POST /v1/transactions/send';
	r = await call('POST', '/v1/transactions/send', { auth: S, body: {
	    network: NET, to: to(2), amount: '500' } });
	expect(SEND, 201, r, 'INSTANT');
	const TI = r.json && r.json.id;
	expect(SEND, 201, await call('POST', '/v1/transactions/send', {
	    auth: S, body: { network: NET, to: to(3), amount: '500',
	    memo: 'conformance' } }), 'with a memo, as the SDK sends');
	expect(SEND, 200, await call('POST', '/v1/transactions/send', {
	    auth: S, body: { network: NET, to: to(3), amount: '500',
	    dryRun: true } }), 'a dry run');
	r = await call('POST', '/v1/transactions/send', { auth: S, body: {
	    network: NET, to: to(4), amount: '2500' } });
	expect(SEND, 201, r, 'DELAY');
	const TD = r.json && r.json.id;
	r = await call('POST', '/v1/transactions/send', { auth: S, body: {
	    network: NET, to: to(5), amount: '3500' } });
	expect(SEND, 201, r, 'APPROVAL');
	const TA = r.json && r.json.id;
	r = await call('POST', '/v1/transactions/send', { auth: S, body: {
	    network: NET, to: to(6), amount: '3500' } });
	const TR = r.json && r.json.id;
	expect(SEND, 400, await call('POST', '/v1/transactions/send', {
	    auth: S, body: { network: NET, to: to(1) } }), 'no amount');
	expect(SEND, 401, await call('POST', '/v1/transactions/send', {
	    body: { network: NET, to: to(1), amount: '1' } }), 'no token');
	const st = await waitStatus(TI, S, ['CONFIRMED', 'FAILED'], 30);
	line(st === 'CONFIRMED', 'the INSTANT send is CONFIRMED (' + st + ')');

	/* A wallet the session does not hold: 403 whether it exists or
	 * not, so a token cannot probe for ids (see EXCUSED). */
	for (const rt of [SEND, SIM, 'POST /v1/transactions/sign-message'])
		expect(rt, 403, await call('POST', rt.split(' ')[1], {
		    auth: S, body: Object.assign({ walletId: U(), network: NET },
		    /sign/.test(rt) ? { message: 'x' } : { to: to(1),
		    amount: '1' }) }), 'a walletId the session does not hold');
	const SM = 'POST /v1/transactions/sign-message';
	expect(SM, 200, await call('POST', '/v1/transactions/sign-message', {
	    auth: S, body: { network: NET, message: 'hello' } }),
	    'personal_sign');
	if (SOLS)
		expect(SM, 200, await call('POST',
		    '/v1/transactions/sign-message', { auth: SOLS, body: {
		    network: 'devnet', message: 'hello' } }), 'Solana');
	expect(SM, 400, await call('POST', '/v1/transactions/sign-message', {
	    auth: S, body: { network: NET } }), 'no message');
	expect(SM, 401, await call('POST', '/v1/transactions/sign-message', {
	    body: { network: NET, message: 'x' } }), 'no token');

	/* Sign-only: an unsigned transfer built by ethers, never sent. */
	const SG = 'POST /v1/transactions/sign';
	const { Transaction } = req('ethers');
	const utx = Transaction.from({ type: 2, chainId: 11155111,
	    nonce: 900, maxPriorityFeePerGas: 1n, maxFeePerGas: 2000000000n,
	    gasLimit: 21000, to: to(1), value: 1n }).unsignedSerialized;
	expect(SG, 200, await call('POST', '/v1/transactions/sign', {
	    auth: S, body: { network: NET, transaction: utx } }),
	    'an unsigned transfer');
	expect(SG, 400, await call('POST', '/v1/transactions/sign', {
	    auth: S, body: { network: NET, transaction: utx + '00' } }),
	    'a byte after the transaction');
	expect(SG, 403, await call('POST', '/v1/transactions/sign', {
	    auth: S, body: { walletId: U(), network: NET, transaction: utx } }),
	    'a walletId the session does not hold');
	expect(SG, 401, await call('POST', '/v1/transactions/sign', {
	    body: { network: NET, transaction: utx } }), 'no token');

	expect('GET /v1/transactions', 200, await call('GET',
	    '/v1/transactions', { auth: S }), 'the list');
	expect('GET /v1/transactions', 200, await call('GET',
	    '/v1/transactions?limit=1', { auth: S }), 'a page of one');
	expect('GET /v1/transactions', 400, await call('GET',
	    '/v1/transactions?limit=lots', { auth: S }), 'a bad limit');
	expect('GET /v1/transactions', 401, await call('GET',
	    '/v1/transactions'), 'no token');
	expect('GET /v1/transactions/pending', 200, await call('GET',
	    '/v1/transactions/pending', { auth: S }), 'DELAY and APPROVAL wait');
	expect('GET /v1/transactions/pending', 401, await call('GET',
	    '/v1/transactions/pending'), 'no token');
	const TG = 'GET /v1/transactions/{id}';
	expect(TG, 200, await call('GET', '/v1/transactions/' + TI,
	    { auth: S }), 'a CONFIRMED one');
	r = await call('GET', '/v1/transactions/' + TA, { auth: S });
	expect(TG, 200, r, 'one that waits for the owner');
	const intent = r.json && r.json.approval && r.json.approval.intentHash;
	expect(TG, 404, await call('GET', '/v1/transactions/' + U(),
	    { auth: S }), 'an unknown id');
	expect(TG, 401, await call('GET', '/v1/transactions/' + TI),
	    'no token');

	/* A BATCH on Solana (issue 21): its send and its detail (type
	 * BATCH, its instructions, atomic).  The total is under the
	 * wallet's instant limit; the first transfer makes the new account
	 * rent-exempt. */
	if (SOLS && E.SVM_URL) {
		const { encodeBase58, randomBytes } = req('ethers');
		const k1 = encodeBase58(randomBytes(32));
		await fetch(E.SVM_URL, { method: 'POST', headers: {
		    'content-type': 'application/json' }, body: JSON.stringify({
		    jsonrpc: '2.0', id: 1, method: 'requestAirdrop',
		    params: [SOLADDR, 1000000000] }) });
		r = await call('POST', '/v1/transactions/send', { auth: SOLS,
		    body: { type: 'BATCH', network: 'devnet', instructions: [
		    { to: k1, amount: '900000' }, { type: 'TRANSFER', to: k1,
		    amount: '100000' }] } });
		expect(SEND, 201, r, 'a Solana BATCH of two transfers');
		const TB = r.json && r.json.id;
		const sb = await waitStatus(TB, SOLS, ['CONFIRMED', 'FAILED'],
		    30);
		line(sb === 'CONFIRMED', 'the BATCH is CONFIRMED (' + sb + ')');
		r = await call('GET', '/v1/transactions/' + TB, { auth: SOLS });
		expect(TG, 200, r, 'a CONFIRMED BATCH');
		line(r.json && r.json.type === 'BATCH' && r.json.atomic ===
		    true && r.json.instructions.length === 2,
		    'the BATCH shows its type, atomic and its two instructions');
		expect(SEND, 400, await call('POST', '/v1/transactions/send', {
		    auth: SOLS, body: { type: 'BATCH', network: 'devnet',
		    instructions: [{ to: k1, amount: '1' }] } }),
		    'a BATCH of one instruction');
	}

	const TAP = 'GET /v1/transactions/{id}/approval';
	expect(TAP, 200, await call('GET', '/v1/transactions/' + TA +
	    '/approval'), 'what the owner signs');
	expect(TAP, 404, await call('GET', '/v1/transactions/' + U() +
	    '/approval'), 'an unknown id');
	const PAGE = 'GET /approve/{id}';
	expect(PAGE, 200, await call('GET', '/approve/' + TA), 'the page');
	/* The page is the same for every id (its script asks
	 * /approval): no 404 to provoke. */

	const AP = 'POST /v1/transactions/{id}/approve';
	expect(AP, 401, await call('POST', '/v1/transactions/' + TA +
	    '/approve'), 'no signature');
	expect(AP, 401, await call('POST', '/v1/transactions/' + TA +
	    '/approve', { auth: S }), 'a session');
	const UA = U();
	expect(AP, 404, await call('POST', '/v1/transactions/' + UA +
	    '/approve', { headers: await ownerHeaders('tx.approve', UA) }),
	    'an unknown id, signed');
	expect(AP, 200, await call('POST', '/v1/transactions/' + TA +
	    '/approve', { headers: await ownerHeaders('tx.approve', TA,
	    intent) }), 'the owner signs the intent');
	expect(AP, 409, await call('POST', '/v1/transactions/' + TA +
	    '/approve', { headers: await ownerHeaders('tx.approve', TA,
	    intent) }), 'approved already');
	const RJ = 'POST /v1/transactions/{id}/reject';
	expect(RJ, 401, await call('POST', '/v1/transactions/' + TR +
	    '/reject'), 'no signature');
	const UR = U();
	expect(RJ, 404, await call('POST', '/v1/transactions/' + UR +
	    '/reject', { headers: await ownerHeaders('tx.reject', UR) }),
	    'an unknown id, signed');
	expect(RJ, 200, await call('POST', '/v1/transactions/' + TR +
	    '/reject', { headers: await ownerHeaders('tx.reject', TR) }),
	    'the owner rejects');
	expect(RJ, 409, await call('POST', '/v1/transactions/' + TR +
	    '/reject', { headers: await ownerHeaders('tx.reject', TR) }),
	    'rejected already');

	const CA = 'POST /v1/transactions/{id}/cancel';
	expect(CA, 200, await call('POST', '/v1/transactions/' + TD +
	    '/cancel', { auth: S }), 'a DELAY');
	expect(CA, 409, await call('POST', '/v1/transactions/' + TD +
	    '/cancel', { auth: S }), 'cancelled already');
	expect(CA, 404, await call('POST', '/v1/transactions/' + U() +
	    '/cancel', { auth: S }), 'an unknown id');
	expect(CA, 401, await call('POST', '/v1/transactions/' + TD +
	    '/cancel'), 'no credential');

	/* The operator's view of every wallet, and hand on the queue. */
	const AL = 'GET /v1/admin/transactions';
	expect(AL, 200, await call('GET', '/v1/admin/transactions',
	    { auth: 'master' }), 'every wallet\'s');
	expect(AL, 200, await call('GET', '/v1/admin/transactions?' +
	    'wallet_id=' + W + '&type=TRANSFER&status=CONFIRMED&network=' +
	    NET + '&since=0&until=99999999999&search=0x5&limit=1&offset=0',
	    { auth: 'master' }), 'every filter');
	expect(AL, 400, await call('GET', '/v1/admin/transactions?status=' +
	    'DONE', { auth: 'master' }), 'an unknown status');
	expect(AL, 401, await call('GET', '/v1/admin/transactions'),
	    'no master password');
	const AWB = 'GET /v1/admin/wallets/{id}/balance';
	expect(AWB, 200, await call('GET', '/v1/admin/wallets/' + W +
	    '/balance', { auth: 'master' }), 'every network of the wallet');
	expect(AWB, 404, await call('GET', '/v1/admin/wallets/' + U() +
	    '/balance', { auth: 'master' }), 'an unknown wallet');
	expect(AWB, 401, await call('GET', '/v1/admin/wallets/' + W +
	    '/balance', { auth: S }), 'a session token');
	const AWT = 'GET /v1/admin/wallets/{id}/transactions';
	expect(AWT, 200, await call('GET', '/v1/admin/wallets/' + W +
	    '/transactions?limit=2&offset=1', { auth: 'master' }), 'a page');
	expect(AWT, 404, await call('GET', '/v1/admin/wallets/' + U() +
	    '/transactions', { auth: 'master' }), 'an unknown wallet');
	expect(AWT, 400, await call('GET', '/v1/admin/wallets/' + W +
	    '/transactions?limit=101', { auth: 'master' }), 'limit over 100');
	expect(AWT, 401, await call('GET', '/v1/admin/wallets/' + W +
	    '/transactions'), 'no master password');
	const INL = 'GET /v1/wallet/incoming';
	expect(INL, 200, await call('GET', '/v1/wallet/incoming?limit=5&' +
	    'token=native&since=0', { auth: S }), 'the session\'s wallets');
	expect(INL, 400, await call('GET', '/v1/wallet/incoming?limit=0',
	    { auth: S }), 'limit 0');
	expect(INL, 403, await call('GET', '/v1/wallet/incoming?wallet_id=' +
	    U(), { auth: S }), 'a wallet not the session\'s');
	expect(INL, 401, await call('GET', '/v1/wallet/incoming',
	    { auth: 'master' }), 'the master password');
	const INS = 'GET /v1/wallet/incoming/summary';
	expect(INS, 200, await call('GET', '/v1/wallet/incoming/summary?' +
	    'period=weekly', { auth: S }), 'weekly');
	expect(INS, 400, await call('GET', '/v1/wallet/incoming/summary?' +
	    'period=hourly', { auth: S }), 'an unknown period');
	expect(INS, 403, await call('GET', '/v1/wallet/incoming/summary?' +
	    'wallet_id=' + U(), { auth: S }), 'a wallet not the session\'s');
	expect(INS, 401, await call('GET', '/v1/wallet/incoming/summary'),
	    'no credential');
	const AIN = 'GET /v1/admin/incoming';
	expect(AIN, 200, await call('GET', '/v1/admin/incoming?limit=5&' +
	    'offset=0&suspicious=false', { auth: 'master' }), 'a page');
	expect(AIN, 400, await call('GET', '/v1/admin/incoming?limit=101',
	    { auth: 'master' }), 'limit over 100');
	expect(AIN, 401, await call('GET', '/v1/admin/incoming',
	    { auth: S }), 'a session token');
	r = await call('POST', '/v1/transactions/send', { auth: S, body: {
	    network: NET, to: to(7), amount: '2500' } });
	const TD2 = r.json && r.json.id;
	r = await call('POST', '/v1/transactions/send', { auth: S, body: {
	    network: NET, to: to(8), amount: '3500' } });
	const TA2 = r.json && r.json.id;
	const AC = 'POST /v1/admin/transactions/{id}/cancel';
	expect(AC, 401, await call('POST', '/v1/admin/transactions/' + TD2 +
	    '/cancel', { auth: S }), 'a session token');
	expect(AC, 200, await call('POST', '/v1/admin/transactions/' + TD2 +
	    '/cancel', { auth: 'master' }), 'a DELAY');
	expect(AC, 409, await call('POST', '/v1/admin/transactions/' + TD2 +
	    '/cancel', { auth: 'master' }), 'cancelled already');
	expect(AC, 404, await call('POST', '/v1/admin/transactions/' + U() +
	    '/cancel', { auth: 'master' }), 'an unknown id');
	const AR = 'POST /v1/admin/transactions/{id}/reject';
	expect(AR, 401, await call('POST', '/v1/admin/transactions/' + TA2 +
	    '/reject'), 'no master password');
	expect(AR, 200, await call('POST', '/v1/admin/transactions/' + TA2 +
	    '/reject', { auth: 'master' }), 'one waiting for the owner');
	expect(AR, 409, await call('POST', '/v1/admin/transactions/' + TA2 +
	    '/reject', { auth: 'master' }), 'rejected already');
	expect(AR, 404, await call('POST', '/v1/admin/transactions/' + U() +
	    '/reject', { auth: 'master' }), 'an unknown id');

	/* Audit. */
	expect('GET /v1/audit-logs', 200, await call('GET', '/v1/audit-logs',
	    { auth: 'master' }), 'the log');
	r = await call('GET', '/v1/audit-logs?limit=2', { auth: 'master' });
	expect('GET /v1/audit-logs', 200, r, 'a page of two');
	const cur = r.json && r.json.nextCursor;
	const r2 = await call('GET', '/v1/audit-logs?limit=2&cursor=' + cur,
	    { auth: 'master' });
	expect('GET /v1/audit-logs', 200, r2, 'the next page, by its cursor');
	line(r.json && r.json.hasMore === true && r2.json && r2.json.data &&
	    r2.json.data.length === 2 && r2.json.data[0].id < cur &&
	    cur === r.json.data[1].id, 'the cursor pages on: its first entry ' +
	    'is older than the last one of the page before');
	expect('GET /v1/audit-logs', 400, await call('GET', '/v1/audit-logs' +
	    '?limit=x', { auth: 'master' }), 'a bad limit');
	expect('GET /v1/audit-logs', 401, await call('GET', '/v1/audit-logs'),
	    'no master password');
	expect('GET /v1/audit-logs/verify', 200, await call('GET',
	    '/v1/audit-logs/verify', { auth: 'master' }), 'the chain holds');
	expect('GET /v1/audit-logs/verify', 401, await call('GET',
	    '/v1/audit-logs/verify'), 'no master password');

	/* Operator. */
	const NT = 'POST /v1/admin/notifications/test';
	expect(NT, 200, await call('POST', '/v1/admin/notifications/test', {
	    auth: 'master', body: {} }), 'no channel configured');
	expect(NT, 400, await call('POST', '/v1/admin/notifications/test', {
	    auth: 'master', body: { channel: 'sms' } }), 'an unknown channel');
	expect(NT, 401, await call('POST', '/v1/admin/notifications/test', {
	    body: {} }), 'no master password');
	const AS = 'GET /v1/admin/status';
	expect(AS, 200, await call('GET', '/v1/admin/status',
	    { auth: 'master' }), 'the status');
	expect(AS, 400, await call('GET', '/v1/admin/status?x=1',
	    { auth: 'master' }), 'a query it does not take');
	expect(AS, 401, await call('GET', '/v1/admin/status'),
	    'no master password');
	const AT = 'GET /v1/admin/stats';
	r = await call('GET', '/v1/admin/stats', { auth: 'master' });
	expect(AT, 200, r, 'the counts');
	/* the reference documents no shape: ours, from /doc */
	const ats = DOC && DOC.components.schemas.AdminStatsResponse;
	line(ats !== undefined && validator(ats)(r.json), AT + ' 200 ' +
	    'matches our /doc\'s AdminStatsResponse');
	expect(AT, 400, await call('GET', '/v1/admin/stats?x=1',
	    { auth: 'master' }), 'a query it does not take');
	expect(AT, 401, await call('GET', '/v1/admin/stats'),
	    'no master password');
	const BL = 'GET /v1/admin/backups';
	expect(BL, 200, await call('GET', '/v1/admin/backups',
	    { auth: 'master' }), 'the archives (none)');
	expect(BL, 400, await call('GET', '/v1/admin/backups?x=1',
	    { auth: 'master' }), 'a query it does not take');
	expect(BL, 401, await call('GET', '/v1/admin/backups'),
	    'no master password');
	const NS = 'GET /v1/admin/notifications/status';
	expect(NS, 200, await call('GET', '/v1/admin/notifications/status',
	    { auth: 'master' }), 'no channel configured');
	expect(NS, 400, await call('GET', '/v1/admin/notifications/status?x=1',
	    { auth: 'master' }), 'a query it does not take');
	expect(NS, 401, await call('GET', '/v1/admin/notifications/status'),
	    'no master password');
	const ADM_RPC = 'GET /v1/admin/rpc-status';
	expect(ADM_RPC, 200, await call('GET', '/v1/admin/rpc-status',
	    { auth: 'master' }), 'each network\'s endpoint');
	expect(ADM_RPC, 400, await call('GET', '/v1/admin/rpc-status?x=1',
	    { auth: 'master' }), 'a query it does not take');
	expect(ADM_RPC, 401, await call('GET', '/v1/admin/rpc-status'),
	    'no master password');
	const ADM_ORC = 'GET /v1/admin/oracle-status';
	expect(ADM_ORC, 200, await call('GET', '/v1/admin/oracle-status',
	    { auth: 'master' }), 'the price table and source');
	expect(ADM_ORC, 400, await call('GET', '/v1/admin/oracle-status?x=1',
	    { auth: 'master' }), 'a query it does not take');
	expect(ADM_ORC, 401, await call('GET', '/v1/admin/oracle-status'),
	    'no master password');
	const ADM_SG = 'GET /v1/admin/settings';
	expect(ADM_SG, 200, await call('GET', '/v1/admin/settings',
	    { auth: 'master' }), 'every setting');
	expect(ADM_SG, 400, await call('GET', '/v1/admin/settings?x=1',
	    { auth: 'master' }), 'a query it does not take');
	expect(ADM_SG, 401, await call('GET', '/v1/admin/settings'),
	    'no master password');
	const ADM_SP = 'PUT /v1/admin/settings';
	expect(ADM_SP, 200, await call('PUT', '/v1/admin/settings', {
	    auth: 'master', body: { settings: [{ key:
	    'notifications.max_age', value: '3600' }] } }), 'a run-time key');
	expect(ADM_SP, 400, await call('PUT', '/v1/admin/settings', {
	    auth: 'master', body: { settings: [{ key: 'daemon.port',
	    value: '1' }] } }), 'a key that cannot change at run time');
	expect(ADM_SP, 400, await call('PUT', '/v1/admin/settings', {
	    auth: 'master', body: { settings: [] } }), 'no entry');
	expect(ADM_SP, 401, await call('PUT', '/v1/admin/settings', {
	    body: { settings: [{ key: 'notifications.max_age',
	    value: '60' }] } }), 'no master password');
	const ADM_SS = 'GET /v1/admin/settings/schema';
	expect(ADM_SS, 200, await call('GET', '/v1/admin/settings/schema',
	    { auth: 'master' }), 'every key\'s definition');
	expect(ADM_SS, 200, await call('GET', '/v1/admin/settings/schema?' +
	    'grouped=true', { auth: 'master' }), 'by category');
	expect(ADM_SS, 400, await call('GET', '/v1/admin/settings/schema?' +
	    'grouped=yes', { auth: 'master' }), 'grouped not a boolean');
	expect(ADM_SS, 401, await call('GET', '/v1/admin/settings/schema'),
	    'no master password');
	const NL = 'GET /v1/admin/notifications/log';
	expect(NL, 200, await call('GET', '/v1/admin/notifications/log',
	    { auth: 'master' }), 'the log');
	expect(NL, 200, await call('GET', '/v1/admin/notifications/log?' +
	    'page=2&pageSize=5&channel=ntfy&status=sent&eventType=TX_DELAYED' +
	    '&since=0&until=99999999999', { auth: 'master' }), 'every filter');
	expect(NL, 400, await call('GET', '/v1/admin/notifications/log?' +
	    'pageSize=101', { auth: 'master' }), 'pageSize over 100');
	expect(NL, 401, await call('GET', '/v1/admin/notifications/log'),
	    'no master password');
	const BK = 'POST /v1/admin/backup';
	expect(BK, 200, await call('POST', '/v1/admin/backup',
	    { auth: 'master' }), 'a backup');
	expect(BK, 401, await call('POST', '/v1/admin/backup'),
	    'no master password');

	/* Kill switch: on, again (409), recovered by owner and operator. */
	const KG = 'GET /v1/admin/kill-switch';
	expect(KG, 401, await call('GET', '/v1/admin/kill-switch'),
	    'no master password');
	expect(KG, 200, await call('GET', '/v1/admin/kill-switch',
	    { auth: 'master' }), 'off');
	const KS = 'POST /v1/admin/kill-switch';
	expect(KS, 401, await call('POST', '/v1/admin/kill-switch'),
	    'no master password');
	expect(KS, 400, await call('POST', '/v1/admin/kill-switch', {
	    auth: 'master', body: { reason: 'a field it does not take' } }),
	    'a body, which this route does not take');
	r = await call('GET', '/v1/wallets/' + W, { auth: S });
	line(r.status === 200, 'and the switch was not pulled (its session ' +
	    'still reads its wallet: ' + r.status + ')');
	expect(KS, 200, await call('POST', '/v1/admin/kill-switch', {
	    auth: 'master', body: {} }), 'on (an empty object is no body)');
	expect(KS, 409, await call('POST', '/v1/admin/kill-switch',
	    { auth: 'master' }), 'on already');
	expect(KG, 200, await call('GET', '/v1/admin/kill-switch',
	    { auth: 'master' }), 'on');
	const RC = 'POST /v1/admin/recover';
	const recoverBody = async () => {
		const h = await ownerHeaders('owner.recover', W);
		return { ownerAddress: h['X-Owner-Address'], message:
		    Buffer.from(h['X-Owner-Message'], 'base64').toString(),
		    ownerSignature: h['X-Owner-Signature'], chain: 'ethereum' };
	};
	expect(RC, 400, await call('POST', '/v1/admin/recover', {
	    auth: 'master', body: { ownerAddress: OWNER, message: 'x' } }),
	    'no ownerSignature');
	expect(RC, 401, await call('POST', '/v1/admin/recover', { body:
	    await recoverBody() }), 'no master password');
	expect(RC, 200, await call('POST', '/v1/admin/recover', {
	    auth: 'master', body: await recoverBody() }), 'owner and operator');
	expect(RC, 409, await call('POST', '/v1/admin/recover', {
	    auth: 'master', body: await recoverBody() }), 'not on');
	const OK = 'POST /v1/owner/kill-switch';
	expect(OK, 401, await call('POST', '/v1/owner/kill-switch?walletId=' +
	    W), 'no signature');
	expect(OK, 200, await call('POST', '/v1/owner/kill-switch?walletId=' +
	    W, { headers: await ownerHeaders('owner.kill-switch', W) }),
	    'the owner stops it');
	await call('POST', '/v1/admin/recover', { auth: 'master', body:
	    await recoverBody() });

	/* The master password, last: it changes what every call sends. */
	const MP = 'POST /v1/admin/master-password';
	expect(MP, 400, await call('POST', '/v1/admin/master-password', {
	    auth: 'master', body: { password: 'short' } }), 'too short');
	expect(MP, 401, await call('POST', '/v1/admin/master-password', {
	    body: { password: 'conform-new-password' } }), 'no master password');
	expect(MP, 200, await call('POST', '/v1/admin/master-password', {
	    auth: 'master', body: { password: 'conform-new-password' } }),
	    'a new one');
	master = 'conform-new-password';
	const MQ = 'PUT /v1/admin/master-password';
	expect(MQ, 400, await call('PUT', '/v1/admin/master-password', {
	    auth: 'master', body: { newPassword: 'short' } }), 'too short');
	expect(MQ, 401, await call('PUT', '/v1/admin/master-password', {
	    body: { newPassword: 'conform-put-password' } }),
	    'no master password');
	expect(MQ, 200, await call('PUT', '/v1/admin/master-password', {
	    auth: 'master', body: { newPassword: 'conform-put-password' } }),
	    'a new one, the reference\'s way');
	master = 'conform-put-password';

	r = await call('POST', '/v1/sessions', { auth: 'master', body: {
	    walletId: WIMP } });
	S2b = r.json && r.json.token;
	const WPG = 'DELETE /v1/wallets/{id}/purge';
	expect(WPG, 409, await call('DELETE', '/v1/wallets/' + W + '/purge',
	    { auth: 'master' }), 'an active wallet');
	expect(WPG, 404, await call('DELETE', '/v1/wallets/' + U() + '/purge',
	    { auth: 'master' }), 'an unknown id');
	expect(WPG, 401, await call('DELETE', '/v1/wallets/' + W + '/purge'),
	    'no credential');
	/* x402: the answers' shapes (t_x402.sh pays, t_x402_fetch.sh
	 * walks the fetch process's rules); the daemon's own /health is a
	 * URL to fetch here ([x402] allow_private is on for the walk), as
	 * the imported wallet's fresh session. */
	const XF = 'POST /v1/x402/fetch';
	expect(XF, 403, await call('POST', '/v1/x402/fetch', { auth: S2b,
	    body: { url: BASE + '/health' } }), 'X402_DOMAIN_NOT_ALLOWED: no ' +
	    'policy lists the host');
	r = await call('POST', '/v1/policies', { auth: 'master', body: {
	    walletId: WIMP, type: 'X402_ALLOWED_DOMAINS', rules: { domains: [
	    '127.0.0.1'] } } });
	const XP = r.json && r.json.id;
	const xr = await call('POST', '/v1/x402/fetch', { auth: S2b, body: {
	    url: BASE + '/health', headers: { Accept: 'application/json' } } });
	if (expect(XF, 200, xr, 'the daemon\'s own /health, fetched'))
		line(xr.json.status === 200 && JSON.parse(xr.json.body).status ===
		    'ok' && !('payment' in xr.json), XF + ': /health\'s answer, ' +
		    'nothing paid');
	expect(XF, 502, await call('POST', '/v1/x402/fetch', { auth: S2b,
	    body: { url: 'http://127.0.0.1:9/' } }), 'X402_SERVER_ERROR: ' +
	    'nothing listens there');
	expect(XF, 400, await call('POST', '/v1/x402/fetch', { auth: S2b,
	    body: { url: 'ftp://127.0.0.1/' } }), 'not http(s)');
	expect(XF, 401, await call('POST', '/v1/x402/fetch', { body: {
	    url: BASE + '/health' } }), 'no token');
	await call('DELETE', '/v1/policies/' + XP, { auth: 'master' });

	/* Last, terminate: 200, then 410, 404, 401. */
	const WT = 'DELETE /v1/wallets/{id}';
	expect(WT, 401, await call('DELETE', '/v1/wallets/' + W),
	    'no master password');
	expect(WT, 404, await call('DELETE', '/v1/wallets/' + U(),
	    { auth: 'master' }), 'an unknown id');
	expect(WT, 200, await call('DELETE', '/v1/wallets/' + W,
	    { auth: 'master' }), 'terminate');
	expect(WT, 410, await call('DELETE', '/v1/wallets/' + W,
	    { auth: 'master' }), 'terminated already');
	expect('PATCH /v1/wallets/{id}', 410, await call('PATCH',
	    '/v1/wallets/' + W, { auth: 'master', body: {
	    monitorIncoming: false } }), 'a terminated wallet');
	expect('POST /v1/wallets/{id}/suspend', 410, await call('POST',
	    '/v1/wallets/' + W + '/suspend', { auth: 'master' }),
	    'a terminated wallet');
	expect('POST /v1/wallets/{id}/resume', 410, await call('POST',
	    '/v1/wallets/' + W + '/resume', { auth: 'master' }),
	    'a terminated wallet');
	expect(WPG, 200, await call('DELETE', '/v1/wallets/' + W + '/purge',
	    { auth: 'master' }), 'a terminated wallet');
	void SOLW;

	/* Every route refuses a query key it does not take (400), before
	 * its handler: asked of each one not yet walked for 400, but the
	 * owner's routes, which check the signature first (EXCUSED). */
	for (const x of routeTable()) {
		const k = x.method + ' ' + x.path;
		if ((walked.get(k) || new Set()).has(400) || x.auth === 'OWNER')
			continue;
		expect(k, 400, await call(x.method, x.path.replace('{id}', U())
		    .replace('{walletId}', U()) + '?conformance=1', { auth: x.auth === 'SESSION' ? S2b :
		    x.auth === 'NONE' ? undefined : 'master' }),
		    'an unknown query key');
	}
}

/* Documented statuses the walk does not provoke, and why. */
const EXCUSED = {
	'POST /v1/wallets 404': 'the reference\'s 404 has no counterpart ' +
	    'here: creating a wallet names no other resource',
	'POST /v1/sessions 403': 'no session limit is reached in a test',
	'POST /v1/mcp/tokens 403': 'as for POST /v1/sessions',
	'POST /v1/sessions/{id}/wallets 403': 'as for POST /v1/sessions: ' +
	    't_wallet_ctl reaches the limit',
	'POST /v1/mcp/tokens 500': 'a token file that cannot be written is ' +
	    't_mcp_setup\'s subject',
	'GET /v1/sessions 404': 'a filter by an unknown wallet is an empty ' +
	    'list here, not 404',
	'PUT /v1/sessions/{id}/renew 404': 'a token renews only its own ' +
	    'session, which exists; another id is 403',
	'GET /v1/wallet/address 404': 'a terminated wallet\'s sessions are ' +
	    'revoked: 401, never 404',
	'GET /v1/wallet/balance 404': 'as for the address',
	'GET /v1/wallet/assets 404': 'as for the address',
	'POST /v1/transactions/send 404': 'a walletId the session does not ' +
	    'hold is 403 whether it exists or not (no probing for ids)',
	'POST /v1/transactions/simulate 404': 'as for send',
	'POST /v1/x402/fetch 404': 'as for send',
	'POST /v1/x402/fetch 402': 'a payment the server refuses: ' +
	    't_x402.sh, with x402\'s own facilitator on anvil',
	'POST /v1/x402/fetch 408': 'a payment in the DELAY tier: t_x402.sh',
	'POST /v1/x402/fetch 409': 'a suspended wallet: t_x402.sh',
	'POST /v1/x402/fetch 503': 'too many fetches in flight is not made ' +
	    'in the walk',
	'POST /v1/transactions/sign-message 404': 'as for send',
	'POST /v1/transactions/sign 404': 'as for send',
	'POST /v1/transactions/simulate 410': 'a terminated wallet\'s ' +
	    'sessions are revoked: 401',
	'POST /v1/transactions/simulate 504': 'a node that answers too late ' +
	    'is t_send_faults\' subject',
	'POST /v1/admin/backup 501': 'backups are always available here',
	'GET /v1/admin/backups 501': 'backups are always available here',
	'GET /v1/admin/backups 500': 'an unreadable backups/ (the parent ' +
	    'owns it) is not made in the walk; t_admin reads junk in it',
	'POST /mcp 202': 'no body to check: t_mcp.sh walks a notification',
	'GET /v1/connect-info 404': 'only a live session authenticates: ' +
	    'a revoked or unknown one is 401 before the route runs',
	'POST /v1/wallets/{id}/owner/verify 400': 'owner routes check the ' +
	    'signature before the query, and a signed request spends its nonce',
	'POST /v1/transactions/{id}/approve 400': 'as for owner/verify',
	'POST /v1/transactions/{id}/reject 400': 'as for owner/verify',
	'POST /v1/owner/kill-switch 400': 'as for owner/verify',
	'GET /v1/wallet/nfts 2xx': 'listing NFTs needs an indexer, which ' +
	    'this daemon does not have: always INDEXER_NOT_CONFIGURED',
	'GET /v1/wallet/nfts 200': 'as for its 2xx',
	'GET /v1/wallet/nfts 404': 'as for GET /v1/wallet/address',
	'GET /v1/wallets/{id}/nfts 2xx': 'as for GET /v1/wallet/nfts',
	'GET /v1/wallets/{id}/nfts 200': 'as for GET /v1/wallet/nfts',
	'GET /v1/wallets/{id}/nfts/{tokenIdentifier} 502': 'the same chain ' +
	    'read as GET /v1/wallet/nfts/{tokenIdentifier}, walked there',
};

async function main() {
	const rows = routeTable();
	line(rows.length >= 40, 'the route table (' + E.ROUTES_H + ') has ' +
	    rows.length + ' routes');
	try {
		REF = await SwaggerParser.dereference(JSON.parse(
		    fs.readFileSync(E.REF, 'utf8')));
		to07(REF);
		line(true, 'the reference document loads, its $refs resolved');
	} catch (e) {
		line(false, 'the reference document loads: ' + e.message);
	}
	const d = await call('GET', '/doc');
	let doc = d.json;
	try {
		await SwaggerParser.validate(JSON.parse(d.text));
		line(true, 'our /doc is valid OpenAPI 3 (swagger-parser)');
	} catch (e) {
		line(false, 'our /doc is valid OpenAPI 3 (swagger-parser): ' +
		    e.message.split('\n').slice(0, 4).join(' | '));
	}
	try {
		DOC = to07(await SwaggerParser.dereference(doc));
	} catch (e) {
		DOC = null;
		line(false, 'our /doc resolves: ' + e.message);
	}
	/* /doc's paths and methods are exactly the route table's. */
	const inDoc = new Set();
	for (const [p, item] of Object.entries((doc && doc.paths) || {}))
		for (const m of Object.keys(item))
			if (/^(get|post|put|delete|patch)$/.test(m))
				inDoc.add(m.toUpperCase() + ' ' + p);
	const inTable = new Set(rows.map((x) => x.method + ' ' + x.path));
	const extra = [...inDoc].filter((x) => !inTable.has(x));
	const lacking = [...inTable].filter((x) => !inDoc.has(x));
	line(extra.length === 0 && lacking.length === 0,
	    'our /doc describes exactly the routes of the table' +
	    (extra.length ? '; not served: ' + extra.join(', ') : '') +
	    (lacking.length ? '; not described: ' + lacking.join(', ') : ''));
	/* And so does the checked-in file /doc is made from: the daemon
	 * drops what the table lacks, and only warns of what the file
	 * lacks, so the file itself is checked here. */
	const file = JSON.parse(fs.readFileSync(path.join(__dirname, '..',
	    '..', 'api', 'openapi.json'), 'utf8'));
	const inFile = new Set();
	for (const [p, item] of Object.entries(file.paths || {}))
		for (const m of Object.keys(item))
			inFile.add(m.toUpperCase() + ' ' + p);
	const fx = [...inFile].filter((x) => !inTable.has(x));
	const fl = [...inTable].filter((x) => !inFile.has(x));
	line(fx.length === 0 && fl.length === 0,
	    'api/openapi.json describes exactly the routes of the table' +
	    (fx.length ? '; not in the table: ' + fx.join(', ') : '') +
	    (fl.length ? '; not described: ' + fl.join(', ') : ''));
	for (const x of rows) {
		const op = doc && doc.paths && doc.paths[x.path] &&
		    doc.paths[x.path][x.method.toLowerCase()];
		const st = op ? Object.keys(op.responses || {}) : [];
		line(st.some((s) => /^2/.test(s)) && (x.auth === 'NONE' ||
		    st.includes('401')), 'our /doc: ' + x.method + ' ' + x.path +
		    ' has a success answer' + (x.auth === 'NONE' ? '' :
		    ' and 401') + ' (' + st.join(', ') + ')');
	}

	await walk();

	/* Every row of the table walked: its success and, when it needs a
	 * credential, its 401; one with an id in its path, its 404. */
	let pairs = 0;
	for (const x of rows) {
		const k = x.method + ' ' + x.path;
		const got = walked.get(k) || new Set();
		pairs += got.size;
		const want = [];
		if (![...got].some((s) => s >= 200 && s < 300) &&
		    !EXCUSED[k + ' 2xx'])
			want.push('2xx');
		if (x.auth !== 'NONE' && !got.has(401))
			want.push('401');
		/* Renewing another id is 403; the page has no 404. */
		if (x.path.includes('{id}') && !got.has(404) &&
		    !/renew|^\/approve\//.test(x.path))
			want.push('404');
		/* And every status the reference or our /doc documents
		 * for it, but those this daemon cannot be brought to in a
		 * test (EXCUSED says why). */
		for (const d of [REF, DOC]) {
			const op = d && d.paths[x.path] &&
			    d.paths[x.path][x.method.toLowerCase()];
			for (const st of Object.keys((op && op.responses) || {}))
				if (/^[1-5]\d\d$/.test(st) && !got.has(+st) &&
				    !EXCUSED[k + ' ' + st] &&
				    !want.includes(st))
					want.push(st);
		}
		line(want.length === 0, 'walked: ' + k + ' (' + [...got].sort()
		    .join(', ') + ')' + (want.length ? '; missing ' +
		    want.join(', ') : ''));
	}
	for (const k of walked.keys())
		if (!inTable.has(k))
			line(false, 'walked ' + k + ', which is not in the table');
	console.log('# ' + rows.length + ' routes, ' + pairs +
	    ' route x status pairs walked; ' + nall + ' checks, ' + nok +
	    ' not ok');
}

main().catch((e) => {
	line(false, 'the walk ran to its end: ' + (e.stack || e));
});
