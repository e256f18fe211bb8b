#!/usr/bin/env node
// The clients of bench/send_bulk.sh, in a process of their own: the
// timing proxy (bench/rpc_timer.js) then only forwards and logs, and
// its read queue, which falls between the api's write and the proxy's
// clock and so counts as the daemon's time, stays short.  Both
// processes read CLOCK_MONOTONIC (bench/bench_time.js).
//
//   node bench/bulk_client.js --proxy URL --control URL bulk|alone FILE
//
// --proxy is the proxy's JSON-RPC relay, --control its own routes.
//
// FILE.json: {"daemon":URL,"network":N,"n":20,"warmup":1,"steps":false,
// "agents":[{"token":T,"from":ADDR,"to":ADDR}, ...]}.
//   bulk   the agents all at once, each sending n transfers through
//          the daemon one after another, the next once its previous
//          raw transaction reached the node (the proxy tells, on
//          /__events); then every send is checked
//   alone  the node by itself, driven the same way by as many loops
// Prints the report; exits 1 if a send went wrong.  Each report ends
// with what the proxy and this process spent: their CPU, their waits
// for a CPU, how busy and how late their event loops ran.
'use strict';
const http = require('http');
const fs = require('fs');
const { now, absUs, sleep, pct, covered, methodTimes, within, dreq,
    loopMeter } = require('./bench_time.js');

const args = process.argv.slice(2);
function opt(name, dflt) {
	const i = args.indexOf(name);
	return i >= 0 && i + 1 < args.length ? args[i + 1] : dflt;
}
const proxy = new URL(opt('--proxy', 'http://127.0.0.1:8545'));
const control = new URL(opt('--control', 'http://127.0.0.1:8546'));
const mode = args[args.length - 2];
const meter = loopMeter();
meter.start();

// rawWaiters: the recipient of a raw transaction -> resolves with its
// arrival at the proxy (ms); fed by the proxy's /__events.
const rawWaiters = new Map();
let log = [];				// the proxy's, after the run

function listen() {
	return new Promise((resolve, reject) => {
		const r = http.get({ host: control.hostname,
		    port: control.port, path: '/__events', agent: false }, (res) => {
			if (res.statusCode !== 200)
				return reject(new Error('/__events: ' +
				    res.statusCode));
			res.socket.setNoDelay(true);
			let buf = '';
			res.setEncoding('utf8');
			res.on('data', (d) => {
				buf += d;
				let k;
				while ((k = buf.indexOf('\n')) >= 0) {
					const f = buf.slice(0, k).split(' ');
					buf = buf.slice(k + 1);
					const w = rawWaiters.get(f[1]);
					if (f[0] === 'raw' && w) {
						rawWaiters.delete(f[1]);
						w(Number(f[2]) / 1000);
					}
				}
			});
			resolve(r);
		});
		r.on('error', reject);
	});
}

// A request to the proxy's own routes: the JSON answer, or null.
function proxyReq(method, path) {
	return new Promise((resolve, reject) => {
		const r = http.request({ host: control.hostname,
		    port: control.port, path, method }, (res) => {
			const c = [];
			res.on('data', (x) => c.push(x));
			res.on('end', () => {
				const b = Buffer.concat(c).toString();
				resolve(b ? JSON.parse(b) : null);
			});
		});
		r.on('error', reject);
		r.end();
	});
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
	const t1 = await within(got, 60000, 'no eth_sendRawTransaction ' +
	    'within 60 s for ' + id);
	return { id, ag, t0: p.t0, t1, answer: p.tr - p.t0 };
}

// The raw transaction of each send in the proxy's log: the one to its
// agent's recipient that arrived at t1 (the times the proxy wrote on
// /__events are its log's, rounded to the microsecond).
function findRaw(rs) {
	const raws = new Map();
	for (const x of log)
		if (x.m === 'eth_sendRawTransaction' && x.to)
			(raws.get(x.to) || raws.set(x.to, []).get(x.to)).push(x);
	for (const r of rs) {
		const c = raws.get(r.ag.to.toLowerCase()) || [];
		r.raw = c.find((x) => Math.abs(absUs(x.a) -
		    absUs(r.t1)) <= 1) || null;
		if (r.raw === null)
			throw new Error('send ' + r.id + ': its raw ' +
			    'transaction is not in the proxy\'s log');
	}
}

// How many calls were at the proxy at once over [lo, hi]: the share of
// the time at each count, as "p50 N, p90 N, max N" (time-weighted).
function atOnce(ents, lo, hi) {
	const ev = [];
	for (const x of ents) {
		const e = x.e === null ? hi : x.e;
		if (e > lo && x.a < hi) {
			ev.push([Math.max(x.a, lo), 1]);
			ev.push([Math.min(e, hi), -1]);
		}
	}
	ev.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
	const dur = new Map();
	let n = 0, t = lo, max = 0;
	for (const [at, d] of ev) {
		dur.set(n, (dur.get(n) || 0) + (at - t));
		t = at;
		n += d;
		max = Math.max(max, n);
	}
	dur.set(n, (dur.get(n) || 0) + (hi - t));
	const q = (f) => {
		let acc = 0;
		for (const k of [...dur.keys()].sort((x, y) => x - y)) {
			acc += dur.get(k);
			if (acc >= f * (hi - lo))
				return k;
		}
		return max;
	};
	return `p50 ${q(0.5)}, p90 ${q(0.9)}, max ${max}`;
}

// What a process spent over the run, per send: "CPU x ms, waiting for
// a CPU y ms; event loop busy z %, lag p50/p99/max".  The lag counts
// each late timer once, so a stall of many milliseconds (the process
// ready but waiting for a CPU) counts once, though every call that
// arrived during it waited; the daemon's log (BENCH_STEPS=1) dates the
// proxy's queue per call.
function spent(name, s, n) {
	return `${name}: ${(s.cpu / n).toFixed(3)} ms of CPU per send` +
	    (s.calls ? ` (${(s.cpu / s.calls).toFixed(3)} per call forwarded,` +
	    ` ${s.calls} calls on ${s.conns} new connections)` : '') +
	    `, ${(s.wait / n).toFixed(3)} ms waiting for a CPU (the loop's ` +
	    `thread: ${s.runs} waits, ${(s.mainWait /
	    Math.max(1, s.runs)).toFixed(3)} ms each on average); event loop ` +
	    `busy ${(100 * s.busy).toFixed(1)} % of ` +
	    `${(s.wall / 1000).toFixed(2)} s, lag p50 ${s.lag50.toFixed(2)} ` +
	    `p99 ${s.lag99.toFixed(2)} max ${s.lagMax.toFixed(2)} ms`;
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
// beforehand), by as many loops as there were agents, through the
// proxy as the daemon's calls were.
async function alone(o) {
	const ethers = require(require('path').join(__dirname, '..', 'tests',
	    'node', 'node_modules', 'ethers'));
	const hagent = new http.Agent({ keepAlive: true, maxSockets: 256 });
	let rid = 1;
	const call = (method, params) => new Promise((resolve, reject) => {
		const b = Buffer.from(JSON.stringify({ jsonrpc: '2.0',
		    id: rid++, method, params }));
		const r = http.request({ host: proxy.hostname,
		    port: proxy.port,
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
	await proxyReq('POST', '/__reset');
	const t = now();
	await Promise.all(loops.map(async (l) => {
		for (let k = o.warmup; k < per; k++)
			await one(l, k);
	}));
	const wall = now() - t;
	const pstat = await proxyReq('GET', '/__stats');
	log = await proxyReq('GET', '/__log');
	return { sends: loops.length * o.n, wall, pstat,
	    times: methodTimes(log) };
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
	// The proxy's log and meter from here: the warm-up's calls are
	// not in the figures, as before.
	await proxyReq('POST', '/__reset');
	const rs = [];
	const from = 0;
	const t = now();
	await Promise.all(o.agents.map(async (ag) => {
		for (let i = 0; i < o.n; i++)
			rs.push(await bulkSend(o, ag));
	}));
	const tEnd = now();
	// The meters first, before the log's reading adds to the proxy's.
	const pstat = await proxyReq('GET', '/__stats');
	const cstat = meter.read();
	// Let the last raw transactions' answers come back.
	for (;;) {
		log = await proxyReq('GET', '/__log');
		findRaw(rs);
		if (!rs.some((r) => r.raw.e === null))
			break;
		await sleep(5);
	}
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
	// (the CPU line below covers the checks too, as bench/send_bulk.sh's
	// figures for the other processes do)
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
	out.push('calls at the proxy at once during the sends (share of the ' +
	    'time): ' + atOnce(log.slice(from), t, tEnd) + '; ' +
	    `connections to it open: ${pstat.open} (${pstat.conns} new)`);
	out.push(spent('the timing proxy, during the sends', pstat,
	    rs.length));
	out.push(spent('the clients (this process), warm-up and sends', cstat,
	    rs.length + warm.length));
	const all = meter.read();
	out.push(`CPU|clients|${Math.round(all.cpu * 1e6)}|` +
	    `${Math.round(all.wait * 1e6)}`);
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

// The node alone, as many loops as o.agents, o.n each.
async function aloneBench(o) {
	o.n = o.n || 20;
	o.warmup = o.warmup === undefined ? 1 : o.warmup;
	const a = await alone(o);
	const ar = a.sends / (a.wall / 1000);
	const all = meter.read();
	return 'the node alone, time per call, ms: ' + a.times + '\n' +
	    `the node alone, the same calls by ${o.agents.length} loops: ` +
	    `${a.sends} sends in ${(a.wall / 1000).toFixed(2)} s, ` +
	    `${ar.toFixed(1)} sends/s\n` +
	    spent('the node alone: the timing proxy', a.pstat, a.sends) +
	    '\n' + `RATE|${ar.toFixed(1)}|${a.sends}\n` +
	    `CPU|clients|${Math.round(all.cpu * 1e6)}|` +
	    `${Math.round(all.wait * 1e6)}\n`;
}

async function main() {
	const o = JSON.parse(fs.readFileSync(args[args.length - 1], 'utf8'));
	if (mode === 'bulk') {
		const ev = await listen();
		const txt = await bulkBench(o);
		ev.destroy();
		return txt;
	}
	if (mode === 'alone')
		return aloneBench(o);
	throw new Error('usage: bulk_client.js --proxy URL --control URL ' +
	    'bulk|alone FILE');
}

main().then((txt) => {
	process.stdout.write(txt);
	process.exit(0);
}, (err) => {
	process.stdout.write('bench: ' + err.message + '\n');
	process.exit(1);
});
