#!/usr/bin/env node
// A timing JSON-RPC proxy for bench/send.sh and bench/send_bulk.sh, and
// bench/send.sh's client.  Times are CLOCK_MONOTONIC milliseconds
// (bench/bench_time.js), the clock of the daemon's log and of
// bench/bulk_client.js, which drives the bulk sends from a process of
// its own so that this one does little more than forward and log.
//
//   node bench/rpc_timer.js --upstream URL [--port P]
//
// prints "listening PORT CONTROL": PORT relays JSON-RPC calls to URL
// (the relay below), logging for each call: its arrival (first byte),
// its method, when the upstream answer was whole and passed back, and
// for eth_sendRawTransaction the hash the node answered.  CONTROL, an
// HTTP server, has the proxy's own routes:
//
//   GET  /__log     the log (JSON)
//   POST /__reset   clears the log, starts this process's meter
//   GET  /__stats   the meter since /__reset: calls relayed,
//                   connections opened (and open now), this process's
//                   CPU, its waits
//                   for a CPU, its event loop's busy share and lag
//                   (JSON)
//   GET  /__events  kept open: a line "raw TO A" for each
//                   eth_sendRawTransaction as it arrives (TO its
//                   recipient, A its arrival in microseconds)
//   POST /__bench   {"daemon":URL,"token":T,"network":N,"to":ADDR,
//                    "n":200,"warmup":3,"amount":"1"}
//                   sends n+warmup transfers through the daemon one at a
//                   time and answers with the report (text/plain).
//
// For each send of /__bench: t0 = just before the POST is written; t1 =
// arrival of its eth_sendRawTransaction here; rpc = the time within [t0,
// t1] during which at least one call was at the node (union of [arrival,
// answer written]); daemon = (t1 - t0) - rpc.  The next send starts only
// once the previous is CONFIRMED, and the client does not poll the
// daemon between t0 and t1, so the windows neither overlap nor carry
// load of the bench's own making.
'use strict';
const http = require('http');
const net = require('net');
const { now, absUs, sleep, pct, countBy, covered, dreq,
    loopMeter } = require('./bench_time.js');

const args = process.argv.slice(2);
function opt(name, dflt) {
	const i = args.indexOf(name);
	return i >= 0 && i + 1 < args.length ? args[i + 1] : dflt;
}
const upstream = new URL(opt('--upstream', 'http://127.0.0.1:8545'));
const port = Number(opt('--port', '0'));

let log = [];			// {a, m, u, e, r, id, addr, to}
let rawWaiter = null;		// resolves on the next eth_sendRawTransaction
const events = new Set();	// the open /__events answers
const meter = loopMeter();
meter.start();
let conns = 0;			// connections relayed since /__reset
let open = 0;			// connections relayed now open

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

// The method of a call (or of each of a batch), its JSON-RPC id, and
// the sender it is about (eth_getTransactionCount, eth_estimateGas) or
// the recipient of its raw transaction, lower case; one parse.
function callInfo(text) {
	let j;
	try {
		j = JSON.parse(text);
	} catch (e) {
		return { m: '(unparsable)' };
	}
	if (Array.isArray(j))
		return { m: 'batch[' + j.map((x) => x && x.method).join(',') +
		    ']' };
	if (j === null || typeof j !== 'object')
		return { m: 'undefined' };
	const ent = { m: String(j.method), id: j.id };
	const p = Array.isArray(j.params) ? j.params : [];
	if (ent.m === 'eth_getTransactionCount' && typeof p[0] === 'string')
		ent.addr = p[0].toLowerCase();
	else if (ent.m === 'eth_estimateGas' && p[0] && p[0].from)
		ent.addr = String(p[0].from).toLowerCase();
	else if (ent.m === 'eth_sendRawTransaction')
		ent.to = rawTo(p[0]);
	return ent;
}

// ---- the relay -----------------------------------------------------------
//
// The JSON-RPC calls go through a byte relay, not through Node's HTTP
// server and client: each connection from the daemon gets a connection
// of its own to the node, every byte is passed on as it arrives, and
// the HTTP framing is only read alongside (one call at a time on a
// connection: neither libcurl nor Node pipelines) to log each call's
// arrival and the end of its answer.  That costs far less CPU per call
// than http.createServer plus http.request did, so the relay's read
// queue, which the bench cannot see from here and counts as the
// daemon's time, stays short.

const CRLF2 = Buffer.from('\r\n\r\n');

// The framing of one HTTP message head: its status (answers) and how its
// body ends: {len} bytes, or chunked, or null if neither is said.
function msgHead(head) {
	const t = head.toString('latin1');
	const m = /\r\ncontent-length:[ \t]*(\d+)/i.exec(t);
	const st = /^HTTP\/1\.[01] (\d{3})/.exec(t);
	return { status: st ? Number(st[1]) : 0,
	    len: m ? Number(m[1]) : null,
	    chunked: /\r\ntransfer-encoding:[^\r]*chunked/i.test(t) };
}

// The end of a chunked body that starts at i of b, or -1 if not all of
// it is there yet.
function chunkedEnd(b, i) {
	for (;;) {
		const k = b.indexOf('\r\n', i, 'latin1');
		if (k < 0)
			return -1;
		const n = parseInt(b.toString('latin1', i, k), 16);
		if (!(n >= 0))
			return -2;
		if (n === 0) {
			const e = b.indexOf(CRLF2, k);
			return e < 0 ? -1 : e + 4;
		}
		i = k + 2 + n + 2;
		if (i > b.length)
			return -1;
	}
}

// A reader of HTTP messages from a byte stream: feed(chunk, t) calls
// onStart(t) at the first byte of each message and onEnd(body, status)
// once it is whole; answers with a 1xx status carry no body and are
// skipped.
function framer(onStart, onEnd) {
	let buf = null, started = false;
	return function feed(chunk, t) {
		buf = buf === null ? chunk : Buffer.concat([buf, chunk]);
		while (buf !== null && buf.length > 0) {
			if (!started) {
				started = true;
				onStart(t);
			}
			const h = buf.indexOf(CRLF2);
			if (h < 0)
				return;
			const f = msgHead(buf.subarray(0, h));
			let end;
			if (f.status >= 100 && f.status < 200)
				end = h + 4;
			else if (f.len !== null)
				end = h + 4 + f.len;
			else if (f.chunked)
				end = chunkedEnd(buf, h + 4);
			else
				throw new Error('an HTTP message without a length');
			if (end === -2)
				throw new Error('a bad chunk size');
			if (end < 0 || end > buf.length)
				return;
			if (!(f.status >= 100 && f.status < 200)) {
				started = false;
				onEnd(buf.subarray(h + 4, end), f.status);
			}
			buf = end === buf.length ? null : buf.subarray(end);
		}
	};
}

function relay(sock) {
	conns++;
	open++;
	sock.once('close', () => open--);
	sock.setNoDelay(true);
	const up = net.connect({ host: upstream.hostname,
	    port: Number(upstream.port) || 80, noDelay: true });
	const pending = [];		// calls sent on, answers not whole
	let ent = null;
	const fail = (err) => {
		const t = now();
		for (const x of pending) {
			x.u = x.e = t;
			x.err = String(err);
		}
		pending.length = 0;
		sock.destroy();
		up.destroy();
	};
	const fromDaemon = framer((t) => {
		ent = { a: t, u: null, e: null };
	}, (body) => {
		Object.assign(ent, callInfo(body.toString()));
		log.push(ent);
		pending.push(ent);
		if (ent.m === 'eth_sendRawTransaction' && rawWaiter) {
			const w = rawWaiter;
			rawWaiter = null;
			w(ent);
		}
		if (ent.to)
			for (const ev of events)
				ev.write(`raw ${ent.to} ${absUs(ent.a)}\n`);
		ent = null;
	});
	const fromNode = framer(() => {}, (body, status) => {
		const x = pending.shift();
		if (x === undefined)
			return;
		x.u = x.e = now();
		if (status !== 200)
			x.err = 'HTTP ' + status;
		if (x.m === 'eth_sendRawTransaction') {
			try {
				x.r = JSON.parse(body.toString()).result;
			} catch (e) { /* none */ }
		}
	});
	sock.on('data', (c) => {
		const t = now();
		up.write(c);
		try {
			fromDaemon(c, t);
		} catch (err) {
			fail(err);
		}
	});
	up.on('data', (c) => {
		sock.write(c);
		try {
			fromNode(c, now());
		} catch (err) {
			fail(err);
		}
	});
	sock.on('end', () => up.end());
	up.on('end', () => sock.end());
	sock.on('error', fail);
	up.on('error', fail);
	sock.on('close', () => up.destroy());
	up.on('close', () => {
		if (pending.length > 0)
			fail(new Error('the node closed the connection'));
		sock.destroy();
	});
}

// ---- the client ----------------------------------------------------------

const dAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });

async function oneSend(o) {
	const got = new Promise((r) => { rawWaiter = r; });
	const from = log.length;
	const p = await dreq(o.daemon, 'POST', '/v1/transactions/send',
	    o.token, { network: o.network, to: o.to, amount: o.amount },
	    dAgent);
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
		    o.token, undefined, dAgent);
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

// ---- the server ----------------------------------------------------------

const srv = http.createServer((req, res) => {
	if (req.url === '/__log' && req.method === 'GET') {
		const b = JSON.stringify(log);
		res.writeHead(200, { 'content-type': 'application/json' });
		return res.end(b);
	}
	if (req.url === '/__reset' && req.method === 'POST') {
		log = [];
		conns = 0;
		meter.start();
		res.writeHead(204);
		return res.end();
	}
	if (req.url === '/__stats' && req.method === 'GET') {
		const b = JSON.stringify(Object.assign({ calls: log.length,
		    conns, open }, meter.read()));
		res.writeHead(200, { 'content-type': 'application/json' });
		return res.end(b);
	}
	if (req.url === '/__events' && req.method === 'GET') {
		res.writeHead(200, { 'content-type': 'text/plain' });
		res.flushHeaders();
		res.socket.setNoDelay(true);
		events.add(res);
		res.on('close', () => events.delete(res));
		return;
	}
	const fns = { '/__bench': bench };
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
	res.writeHead(404);
	res.end();
});
srv.keepAliveTimeout = 60000;
srv.headersTimeout = 0;
srv.requestTimeout = 0;
const rsrv = net.createServer(relay);
rsrv.listen(port, '127.0.0.1', () => {
	srv.listen(0, '127.0.0.1', () => {
		console.log('listening ' + rsrv.address().port + ' ' +
		    srv.address().port);
	});
});
