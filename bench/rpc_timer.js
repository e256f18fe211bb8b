#!/usr/bin/env node
// A timing JSON-RPC proxy for bench/send.sh, and the bench's client, in
// one process so that every time below is on one process.hrtime clock.
//
//   node bench/rpc_timer.js --upstream URL [--port P]
//
// prints "listening PORT" and forwards every POST to URL, logging for
// each request: its arrival (headers read), its method, when the
// upstream answer came back, when the answer was written back, and for
// eth_sendRawTransaction the hash the node answered.  Its own routes:
//
//   GET  /__log    the log (JSON; times in ms on this process's clock)
//   POST /__reset  clears the log
//   POST /__bench  {"daemon":URL,"token":T,"network":N,"to":ADDR,
//                   "n":200,"warmup":3,"amount":"1"}
//                  sends n+warmup transfers through the daemon one at a
//                  time and answers with the report (text/plain).
//   POST /__bulk   {"daemon":URL,"network":N,"n":20,"warmup":1,
//                   "agents":[{"token":T,"from":ADDR,"to":ADDR}, ...]}
//                  the agents all at once, each sending n transfers one
//                  after another (bulkBench below)
//   POST /__alone  the same body: the node by itself, driven the same
//                  way by as many loops (alone below)
//
// For each send: t0 = just before the POST is written; t1 = arrival of
// its eth_sendRawTransaction here; rpc = the time within [t0, t1] during
// which at least one call was at the node (union of [arrival, answer
// written]); daemon = (t1 - t0) - rpc.  The next send starts only once
// the previous is CONFIRMED, and the client does not poll the daemon
// between t0 and t1, so the windows neither overlap nor carry load of
// the bench's own making.
'use strict';
const http = require('http');

const args = process.argv.slice(2);
function opt(name, dflt) {
	const i = args.indexOf(name);
	return i >= 0 && i + 1 < args.length ? args[i + 1] : dflt;
}
const upstream = new URL(opt('--upstream', 'http://127.0.0.1:8545'));
const port = Number(opt('--port', '0'));

const T0 = process.hrtime.bigint();
const now = () => Number(process.hrtime.bigint() - T0) / 1e6;	// ms
// A time of now()'s as CLOCK_MONOTONIC microseconds (process.hrtime's
// clock on Linux, the daemon's too).
const absUs = (ms) => Math.round(Number(T0 / 1000n) + ms * 1000);

let log = [];			// {a, m, u, e, r, id, addr}
let rawWaiter = null;		// resolves on the next eth_sendRawTransaction
// /__bulk: resolves on the eth_sendRawTransaction paying this address
const rawWaiters = new Map();
const upAgent = new http.Agent({ keepAlive: true, maxSockets: 64 });

function methodOf(body) {
	try {
		const j = JSON.parse(body);
		if (Array.isArray(j))
			return 'batch[' + j.map((x) => x.method).join(',') + ']';
		return String(j.method);
	} catch (e) {
		return '(unparsable)';
	}
}

// One RLP item of b at i: [payload start, payload length, next, list].
function rlpItem(b, i) {
	const x = b[i];
	let ll, l = 0;
	if (x < 0x80)
		return [i, 1, i + 1, false];
	if (x < 0xb8)
		return [i + 1, x - 0x80, i + 1 + x - 0x80, false];
	if (x >= 0xc0 && x < 0xf8)
		return [i + 1, x - 0xc0, i + 1 + x - 0xc0, true];
	ll = x < 0xc0 ? x - 0xb7 : x - 0xf7;
	for (let k = 0; k < ll; k++)
		l = l * 256 + b[i + 1 + k];
	return [i + 1 + ll, l, i + 1 + ll + l, x >= 0xc0];
}

// The to of a signed transaction (legacy, EIP-2930 or EIP-1559), lower
// case, or null.
function rawTo(hex) {
	try {
		const b = Buffer.from(String(hex).replace(/^0x/, ''), 'hex');
		let i = 0, idx = 3;
		if (b[0] < 0x7f) {
			idx = b[0] === 2 ? 5 : 4;
			i = 1;
		}
		const l = rlpItem(b, i);
		if (!l[3])
			return null;
		let p = l[0];
		for (let k = 0; k < idx; k++)
			p = rlpItem(b, p)[2];
		const [st, len] = rlpItem(b, p);
		return len === 20 ? '0x' +
		    b.subarray(st, st + len).toString('hex') : null;
	} catch (e) {
		return null;
	}
}

// The JSON-RPC id of a call, and the sender it is about (eth_
// getTransactionCount, eth_estimateGas), lower case, for /__bulk.
function callInfo(ent, text) {
	let j;
	try {
		j = JSON.parse(text);
	} catch (e) {
		return;
	}
	if (Array.isArray(j) || j === null)
		return;
	ent.id = j.id;
	const p = Array.isArray(j.params) ? j.params : [];
	if (ent.m === 'eth_getTransactionCount' && typeof p[0] === 'string')
		ent.addr = p[0].toLowerCase();
	else if (ent.m === 'eth_estimateGas' && p[0] && p[0].from)
		ent.addr = String(p[0].from).toLowerCase();
	else if (ent.m === 'eth_sendRawTransaction')
		ent.to = rawTo(p[0]);
}

function forward(req, res, a) {
	const chunks = [];
	req.on('data', (c) => chunks.push(c));
	req.on('end', () => {
		const body = Buffer.concat(chunks);
		const text = body.toString();
		const ent = { a, m: methodOf(text), u: null, e: null };
		log.push(ent);
		callInfo(ent, text);
		if (ent.m === 'eth_sendRawTransaction' && rawWaiter) {
			const w = rawWaiter;
			rawWaiter = null;
			w(ent);
		}
		if (ent.to && rawWaiters.has(ent.to)) {
			const w = rawWaiters.get(ent.to);
			rawWaiters.delete(ent.to);
			w(ent);
		}
		const up = http.request({
			host: upstream.hostname, port: upstream.port,
			path: upstream.pathname + upstream.search, method: 'POST',
			agent: upAgent,
			headers: { 'content-type': 'application/json',
			    'content-length': body.length },
		}, (ur) => {
			const uc = [];
			ur.on('data', (c) => uc.push(c));
			ur.on('end', () => {
				const ub = Buffer.concat(uc);
				ent.u = now();
				if (ent.m === 'eth_sendRawTransaction') {
					try {
						ent.r = JSON.parse(ub).result;
					} catch (e) { /* none */ }
				}
				res.writeHead(ur.statusCode, {
					'content-type': 'application/json',
					'content-length': ub.length,
				});
				res.end(ub);
				ent.e = now();
			});
		});
		up.on('error', (err) => {
			ent.u = ent.e = now();
			ent.err = String(err);
			res.writeHead(502);
			res.end();
		});
		up.end(body);
	});
}

// ---- the client ----------------------------------------------------------

const dAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });

// One request to the daemon; resolves {status, body, t0, tr} where t0 is
// just before the request is written and tr when its answer was read.
function dreq(base, method, path, token, json, agent = dAgent) {
	return new Promise((resolve, reject) => {
		const u = new URL(path, base);
		const body = json === undefined ? null :
		    Buffer.from(JSON.stringify(json));
		const headers = { authorization: 'Bearer ' + token };
		if (body) {
			headers['content-type'] = 'application/json';
			headers['content-length'] = body.length;
		}
		const r = http.request({ host: u.hostname, port: u.port,
		    path: u.pathname + u.search, method, headers,
		    agent }, (res) => {
			const c = [];
			res.on('data', (x) => c.push(x));
			res.on('end', () => resolve({ status: res.statusCode,
			    body: Buffer.concat(c).toString(), t0, tr: now() }));
		});
		r.on('error', reject);
		const t0 = now();
		r.end(body);
	});
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Time within [lo, hi] covered by at least one [a, e] of ivs.
function covered(ivs, lo, hi) {
	const v = ivs.map(([a, e]) => [Math.max(a, lo), Math.min(e, hi)])
	    .filter(([a, e]) => e > a).sort((x, y) => x[0] - y[0]);
	let sum = 0, cs = null, ce = null;
	for (const [a, e] of v) {
		if (cs === null || a > ce) {
			if (cs !== null)
				sum += ce - cs;
			cs = a; ce = e;
		} else if (e > ce)
			ce = e;
	}
	if (cs !== null)
		sum += ce - cs;
	return sum;
}

async function oneSend(o) {
	const got = new Promise((r) => { rawWaiter = r; });
	const from = log.length;
	const p = await dreq(o.daemon, 'POST', '/v1/transactions/send',
	    o.token, { network: o.network, to: o.to, amount: o.amount });
	if (p.status !== 201 && p.status !== 200) {
		rawWaiter = null;
		throw new Error('POST /v1/transactions/send: ' + p.status +
		    ' ' + p.body);
	}
	const id = JSON.parse(p.body).id;
	const raw = await Promise.race([got,
	    sleep(30000).then(() => null)]);
	if (raw === null)
		throw new Error('no eth_sendRawTransaction within 30 s for ' +
		    id);
	// Only now poll the daemon, until a final status.
	let st, j, polls = 0;
	for (;;) {
		const g = await dreq(o.daemon, 'GET', '/v1/transactions/' + id,
		    o.token);
		j = JSON.parse(g.body);
		st = j.status;
		if (['CONFIRMED', 'FAILED', 'CANCELLED', 'EXPIRED']
		    .includes(st))
			break;
		if (++polls > 3000)
			throw new Error('transaction ' + id + ' stuck in ' + st);
		await sleep(5);
	}
	const tEnd = now();
	// Wait for the raw's own answer before reading the log.
	while (raw.e === null)
		await sleep(1);
	const t0 = p.t0, t1 = raw.a;
	const mine = log.slice(from);
	const before = mine.filter((x) => x.a >= t0 && x.a < t1);
	const after = mine.filter((x) => x !== raw && x.a >= t1 && x.a <= tEnd);
	const ivs = log.filter((x) => x.a < t1)
	    .map((x) => [x.a, x.e === null ? t1 : x.e]);
	const rpc = covered(ivs, t0, t1);
	// Where the daemon's own time lies: up to the first call, between
	// calls, after the last answer up to the raw transaction.
	const first = before.length ? before[0].a : t1;
	const lastEnd = before.length ?
	    Math.max(...before.map((x) => x.e === null ? t1 : x.e)) : t0;
	return {
		id, status: st, hashOk: typeof raw.r === 'string' &&
		    String(j.txHash).toLowerCase() === raw.r.toLowerCase(),
		total: t1 - t0, rpc, daemon: t1 - t0 - rpc,
		answer: p.tr - t0, pre: first - t0,
		post: Math.max(0, t1 - lastEnd),
		mid: Math.max(0, (t1 - t0 - rpc) - (first - t0) -
		    Math.max(0, t1 - lastEnd)),
		before: before.map((x) => x.m), after: after.map((x) => x.m),
	};
}

function pct(a, q) {
	const s = [...a].sort((x, y) => x - y);
	return s[Math.max(0, Math.ceil(q * s.length) - 1)];
}

function countBy(list) {
	const m = {};
	for (const x of list)
		m[x] = (m[x] || 0) + 1;
	return m;
}

async function bench(o) {
	o.n = o.n || 200;
	o.warmup = o.warmup === undefined ? 3 : o.warmup;
	o.amount = o.amount || '1';
	const warm = [];
	for (let i = 0; i < o.warmup; i++)
		warm.push(await oneSend(o));
	const rs = [];
	const t = now();
	for (let i = 0; i < o.n; i++)
		rs.push(await oneSend(o));
	const wall = now() - t;
	const out = [];
	const f = (x) => x.toFixed(3).padStart(8);
	const row = (name, k) => out.push(name.padEnd(34) +
	    [0.5, 0.9, 0.99, 1].map((q) => f(pct(rs.map((r) => r[k]), q)))
	    .join('') + f(rs.reduce((s, r) => s + r[k], 0) / rs.length));
	const conf = rs.filter((r) => r.status === 'CONFIRMED').length;
	const hok = rs.filter((r) => r.hashOk).length;
	out.push(`sends: ${rs.length} one at a time (after ${o.warmup} ` +
	    `warm-up), ${conf} CONFIRMED, ${hok} with txHash = the hash the ` +
	    `node answered; ${(wall / 1000).toFixed(1)} s`);
	out.push('per send, ms'.padEnd(34) +
	    ['p50', 'p90', 'p99', 'max', 'mean'].map((s) => s.padStart(8))
	    .join(''));
	row('daemon (total - rpc)', 'daemon');
	row('  up to its first RPC call', 'pre');
	row('  between RPC calls', 'mid');
	row('  last answer -> raw tx at node', 'post');
	row('rpc (node busy, union)', 'rpc');
	row('total: POST -> raw tx at node', 'total');
	row('POST -> its HTTP answer', 'answer');
	const per = (key) => {
		const all = rs.flatMap((r) => r[key]);
		const by = countBy(all);
		return `${(all.length / rs.length).toFixed(2)} per send: ` +
		    Object.keys(by).sort().map((m) =>
		    `${m} ${(by[m] / rs.length).toFixed(2)}`).join(', ');
	};
	out.push('RPC calls POST -> raw tx (not counting it), ' + per('before'));
	out.push('RPC calls raw tx -> CONFIRMED seen, ' + per('after'));
	if (warm.length)
		out.push(`first (cold) send: daemon ${warm[0].daemon.toFixed(3)}` +
		    ` ms, rpc ${warm[0].rpc.toFixed(3)} ms, calls: ` +
		    warm[0].before.join(' '));
	out.push(`daemon time p50 ${pct(rs.map((r) => r.daemon), 0.5)
	    .toFixed(3)} ms (aim: under 2 ms)`);
	out.push(`RESULT|send daemon time p50 (one at a time)|` +
	    `${pct(rs.map((r) => r.daemon), 0.5).toFixed(3)} ms|< 2 ms`);
	return out.join('\n') + '\n';
}

// ---- many agents at once ------------------------------------------------

// Per method: how many calls, and the median and mean of their time at
// the node (arrival to answer written).
function methodTimes(ents) {
	const by = {};
	for (const x of ents)
		if (x.e !== null)
			(by[x.m] = by[x.m] || []).push(x.e - x.a);
	return Object.keys(by).sort().map((m) => `${m.replace(/^eth_/, '')} ` +
	    `${by[m].length} x ${pct(by[m], 0.5).toFixed(2)}/` +
	    `${(by[m].reduce((a, b) => a + b, 0) / by[m].length).toFixed(2)}`)
	    .join(', ') + ' (count x p50/mean)';
}

// A promise that rejects after ms unless cleared by its settle.
function within(p, ms, what) {
	let t;
	const to = new Promise((_, rej) => {
		t = setTimeout(() => rej(new Error(what)), ms);
	});
	return Promise.race([p, to]).finally(() => clearTimeout(t));
}

// One transfer of agent ag: POST, then the wait for its raw transaction
// at the node, recognised by its to (every agent pays its own address).
async function bulkSend(o, ag) {
	const to = ag.to.toLowerCase();
	if (rawWaiters.has(to))
		throw new Error('two sends of one agent at once');
	const got = new Promise((r) => rawWaiters.set(to, r));
	const p = await dreq(o.daemon, 'POST', '/v1/transactions/send',
	    ag.token, { network: o.network, to: ag.to, amount: o.amount },
	    ag.http);
	if (p.status !== 201 && p.status !== 200) {
		rawWaiters.delete(to);
		throw new Error('POST /v1/transactions/send: ' + p.status +
		    ' ' + p.body);
	}
	const id = JSON.parse(p.body).id;
	const raw = await within(got, 60000, 'no eth_sendRawTransaction ' +
	    'within 60 s for ' + id);
	return { id, ag, t0: p.t0, t1: raw.a, answer: p.tr - p.t0, raw };
}

// The node's own time for a send: its calls, found by the sender of its
// eth_getTransactionCount and eth_estimateGas and, between their ids,
// those that name no sender (the api makes a send's calls one after
// another, with consecutive ids): their union within [t0, t1].
function nodeTime(r, byId) {
	const from = r.ag.from.toLowerCase();
	const mine = log.filter((x) => x.addr === from && x.a >= r.t0 &&
	    x.a < r.t1);
	const count = mine.filter((x) => x.m === 'eth_getTransactionCount');
	let calls = mine;
	if (count.length > 0 && typeof count[count.length - 1].id ===
	    'number') {
		const lo = count[count.length - 1].id;
		const est = mine.filter((x) => x.m === 'eth_estimateGas' &&
		    typeof x.id === 'number' && x.id >= lo);
		const hi = est.length ? Math.min(...est.map((x) => x.id)) : lo;
		calls = [];
		for (let k = lo; k <= hi; k++) {
			const x = byId.get(k);
			if (x && x.a >= r.t0 && x.a < r.t1)
				calls.push(x);
		}
	}
	const ivs = calls.map((x) => [x.a, x.e === null ? r.t1 : x.e]);
	const node = covered(ivs, r.t0, r.t1);
	const first = calls.length ? Math.min(...calls.map((x) => x.a)) :
	    r.t1;
	const last = calls.length ? Math.max(...ivs.map((x) => x[1])) : r.t0;
	const at = calls.find((x) => x.a === first);
	return { node, calls: calls.length, pre: first - r.t0,
	    post: Math.max(0, r.t1 - last), first, last,
	    firstId: at ? at.id : '' };
}

// After the run: every send CONFIRMED, no wallet's nonce used twice;
// bad lists those that are not.  A send whose first raw transaction was
// not its last (the node said "nonce too low" and the daemon signed it
// again) counts in resigned: its times end at its first broadcast.
async function bulkCheck(o, rs) {
	const bad = [];
	let resigned = 0;
	await Promise.all(o.agents.map(async (ag) => {
		const nonces = new Set();
		for (const r of rs.filter((x) => x.ag === ag)) {
			let j;
			for (let k = 0; ; k++) {
				const g = await dreq(o.daemon, 'GET',
				    '/v1/transactions/' + r.id, ag.token,
				    undefined, ag.http);
				j = JSON.parse(g.body);
				if (['CONFIRMED', 'FAILED', 'CANCELLED',
				    'EXPIRED'].includes(j.status) || k > 1000)
					break;
				await sleep(20);
			}
			if (j.status !== 'CONFIRMED' || nonces.has(j.nonce))
				bad.push(r.id + ' ' + j.status + ' nonce ' +
				    j.nonce);
			else if (typeof r.raw.r !== 'string' ||
			    String(j.txHash).toLowerCase() !==
			    r.raw.r.toLowerCase())
				resigned++;
			nonces.add(j.nonce);
		}
	}));
	return { bad, resigned };
}

// The node alone, driven as the daemon drives it for a transfer: the
// same four reads at once, then the raw transaction (signed here
// beforehand), by as many loops as there were agents, through this
// proxy as the daemon's calls were.
async function alone(o) {
	const ethers = require(require('path').join(__dirname, '..', 'tests',
	    'node', 'node_modules', 'ethers'));
	const self = 'http://127.0.0.1:' + srv.address().port;
	const hagent = new http.Agent({ keepAlive: true, maxSockets: 256 });
	let rid = 1;
	const call = (method, params) => new Promise((resolve, reject) => {
		const b = Buffer.from(JSON.stringify({ jsonrpc: '2.0',
		    id: rid++, method, params }));
		const u = new URL(self);
		const r = http.request({ host: u.hostname, port: u.port,
		    path: '/', method: 'POST', agent: hagent, headers: {
		    'content-type': 'application/json',
		    'content-length': b.length } }, (res) => {
			const c = [];
			res.on('data', (x) => c.push(x));
			res.on('end', () => {
				const j = JSON.parse(Buffer.concat(c));
				if (j.error)
					reject(new Error(method + ': ' +
					    JSON.stringify(j.error)));
				else
					resolve(j.result);
			});
		});
		r.on('error', reject);
		r.end(b);
	});
	const chainId = BigInt(await call('eth_chainId', []));
	const block = await call('eth_getBlockByNumber', ['latest', false]);
	const maxFee = BigInt(block.baseFeePerGas) * 4n + 2000000000n;
	const per = o.n + o.warmup;
	const loops = [];
	for (let i = 0; i < o.agents.length; i++) {
		const w = ethers.Wallet.createRandom();
		await call('anvil_setBalance', [w.address,
		    '0x56bc75e2d63100000']);
		const to = ethers.Wallet.createRandom().address;
		const txs = [];
		for (let k = 0; k < per; k++)
			txs.push(await w.signTransaction({ type: 2, chainId,
			    nonce: k, to, value: 1n, gasLimit: 21000n,
			    maxFeePerGas: maxFee,
			    maxPriorityFeePerGas: 1000000000n }));
		loops.push({ from: w.address, to, txs });
	}
	const one = async (l, k) => {
		await Promise.all([
		    call('eth_getTransactionCount', [l.from, 'pending']),
		    call('eth_getBlockByNumber', ['latest', false]),
		    call('eth_maxPriorityFeePerGas', []),
		    call('eth_estimateGas', [{ from: l.from, to: l.to,
		    value: '0x1' }])]);
		await call('eth_sendRawTransaction', [l.txs[k]]);
	};
	await Promise.all(loops.map(async (l) => {
		for (let k = 0; k < o.warmup; k++)
			await one(l, k);
	}));
	const from = log.length;
	const t = now();
	await Promise.all(loops.map(async (l) => {
		for (let k = o.warmup; k < per; k++)
			await one(l, k);
	}));
	const wall = now() - t;
	return { sends: loops.length * o.n, wall,
	    times: methodTimes(log.slice(from)) };
}

async function bulkBench(o) {
	o.n = o.n || 20;
	o.warmup = o.warmup === undefined ? 1 : o.warmup;
	o.amount = o.amount || '1';
	if (!Array.isArray(o.agents) || o.agents.length === 0)
		throw new Error('no agents');
	for (const ag of o.agents)
		ag.http = new http.Agent({ keepAlive: true, maxSockets: 1 });
	const warm = [];
	await Promise.all(o.agents.map(async (ag) => {
		for (let i = 0; i < o.warmup; i++)
			warm.push(await bulkSend(o, ag));
	}));
	const rs = [];
	const from = log.length;
	const t = now();
	await Promise.all(o.agents.map(async (ag) => {
		for (let i = 0; i < o.n; i++)
			rs.push(await bulkSend(o, ag));
	}));
	const tEnd = now();
	// Let the last raw transactions' answers come back.
	while (rs.some((r) => r.raw.e === null))
		await sleep(1);
	const byId = new Map();
	for (const x of log.slice(from))
		if (typeof x.id === 'number')
			byId.set(x.id, x);
	for (const r of rs) {
		Object.assign(r, nodeTime(r, byId));
		r.total = r.t1 - r.t0;
		r.daemon = r.total - r.node;
	}
	const wall = tEnd - t;
	const { bad, resigned } = await bulkCheck(o, rs);
	const out = [];
	const f = (x) => x.toFixed(3).padStart(8);
	const row = (name, k) => out.push(name.padEnd(34) +
	    [0.5, 0.9, 0.99, 1].map((q) => f(pct(rs.map((r) => r[k]), q)))
	    .join('') + f(rs.reduce((acc, r) => acc + r[k], 0) / rs.length));
	const sum = (k) => rs.reduce((acc, r) => acc + r[k], 0);
	const rate = rs.length / (wall / 1000);
	out.push(`sends: ${o.agents.length} agents at once, ${o.n} each one ` +
	    `after another (after ${o.warmup} warm-up each): ${rs.length} ` +
	    `accepted in ${(wall / 1000).toFixed(2)} s; ` +
	    `${rs.length - bad.length} CONFIRMED with a nonce of their own, ` +
	    `${rs.length - bad.length - resigned} of them with txHash = the ` +
	    `hash the node answered to the first raw transaction (the ` +
	    `others signed again after "nonce too low")`);
	for (const b of bad.slice(0, 5))
		out.push('  NOT RIGHT: ' + b);
	out.push('per send, ms'.padEnd(34) +
	    ['p50', 'p90', 'p99', 'max', 'mean'].map((x) => x.padStart(8))
	    .join(''));
	row('daemon (total - its own rpc)', 'daemon');
	row('  up to its first RPC call', 'pre');
	row('  last answer -> raw tx at node', 'post');
	row('node (its own calls, union)', 'node');
	row('total: POST -> raw tx at node', 'total');
	row('POST -> its HTTP answer', 'answer');
	const busy = covered(log.slice(from).map((x) => [x.a,
	    x.e === null ? tEnd : x.e]), t, tEnd);
	out.push(`node's share of the time per send: ` +
	    `${(100 * sum('node') / sum('total')).toFixed(1)} % ` +
	    `(daemon ${(100 * sum('daemon') / sum('total')).toFixed(1)} %); ` +
	    `at least one call at the node ${(100 * busy / wall).toFixed(1)} ` +
	    `% of the run; calls per send ` +
	    `${((log.length - from) / rs.length).toFixed(2)}`);
	out.push(`accepted sends per second: ${rate.toFixed(1)}`);
	out.push('node time per call, ms: ' + methodTimes(log.slice(from)));
	out.push(`RESULTLINE|bulk send daemon time p50|` +
	    `${pct(rs.map((r) => r.daemon), 0.5).toFixed(3)} ms|< 2 ms`);
	out.push(`RESULTLINE|bulk send daemon time p99|` +
	    `${pct(rs.map((r) => r.daemon), 0.99).toFixed(3)} ms|-`);
	out.push(`RATE|${rate.toFixed(1)}|${rs.length}`);
	// o.steps: each send's times on CLOCK_MONOTONIC (microseconds), for
	// bench/send_bulk.sh to put beside the daemon's logged steps.
	if (o.steps)
		for (const r of rs)
			out.push(`SENDSTEP|${r.id}|${absUs(r.t0)}|` +
			    `${absUs(r.first)}|${absUs(r.last)}|${absUs(r.t1)}|` +
			    `${r.node.toFixed(3)}|${r.firstId}|${r.raw.id}`);
	if (bad.length > 0)
		throw new Error(out.join('\n') + '\n' + bad.length +
		    ' sends not CONFIRMED as sent');
	return out.join('\n') + '\n';
}

// POST /__alone: the node alone, as many loops as o.agents, o.n each.
async function aloneBench(o) {
	o.n = o.n || 20;
	o.warmup = o.warmup === undefined ? 1 : o.warmup;
	const a = await alone(o);
	const ar = a.sends / (a.wall / 1000);
	return 'the node alone, time per call, ms: ' + a.times + '\n' +
	    `the node alone, the same calls by ${o.agents.length} loops: ` +
	    `${a.sends} sends in ${(a.wall / 1000).toFixed(2)} s, ` +
	    `${ar.toFixed(1)} sends/s\nRATE|${ar.toFixed(1)}|${a.sends}\n`;
}

// ---- the server ----------------------------------------------------------

const srv = http.createServer((req, res) => {
	const a = now();
	if (req.url === '/__log' && req.method === 'GET') {
		const b = JSON.stringify(log);
		res.writeHead(200, { 'content-type': 'application/json' });
		return res.end(b);
	}
	if (req.url === '/__reset' && req.method === 'POST') {
		log = [];
		res.writeHead(204);
		return res.end();
	}
	const fns = { '/__bench': bench, '/__bulk': bulkBench,
	    '/__alone': aloneBench };
	if (fns[req.url] !== undefined && req.method === 'POST') {
		const fn = fns[req.url];
		const c = [];
		req.on('data', (x) => c.push(x));
		req.on('end', () => {
			let o;
			try {
				o = JSON.parse(Buffer.concat(c).toString());
			} catch (e) {
				res.writeHead(400);
				return res.end('bad JSON\n');
			}
			fn(o).then((txt) => {
				res.writeHead(200, { 'content-type': 'text/plain' });
				res.end(txt);
			}, (err) => {
				res.writeHead(500, { 'content-type': 'text/plain' });
				res.end('bench: ' + err.message + '\n');
			});
		});
		return;
	}
	if (req.method !== 'POST') {
		res.writeHead(405);
		return res.end();
	}
	forward(req, res, a);
});
srv.keepAliveTimeout = 60000;
srv.headersTimeout = 0;
srv.requestTimeout = 0;
srv.listen(port, '127.0.0.1', () => {
	console.log('listening ' + srv.address().port);
});
