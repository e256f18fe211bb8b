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

let log = [];			// {a, m, u, e, r}
let rawWaiter = null;		// resolves on the next eth_sendRawTransaction
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

function forward(req, res, a) {
	const chunks = [];
	req.on('data', (c) => chunks.push(c));
	req.on('end', () => {
		const body = Buffer.concat(chunks);
		const ent = { a, m: methodOf(body.toString()), u: null, e: null };
		log.push(ent);
		if (ent.m === 'eth_sendRawTransaction' && rawWaiter) {
			const w = rawWaiter;
			rawWaiter = null;
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
function dreq(base, method, path, token, json) {
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
		    agent: dAgent }, (res) => {
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
	return out.join('\n') + '\n';
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
	if (req.url === '/__bench' && req.method === 'POST') {
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
			bench(o).then((txt) => {
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
