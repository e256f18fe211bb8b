// What the timing proxy (bench/rpc_timer.js) and the bulk clients
// (bench/bulk_client.js) share: one clock, percentiles, the union of
// intervals, an HTTP request to the daemon, and how much of its CPU a
// Node process spends and how late its event loop runs.
'use strict';
const http = require('http');
const fs = require('fs');
const { monitorEventLoopDelay, performance } = require('perf_hooks');

// Milliseconds on CLOCK_MONOTONIC (process.hrtime's clock on Linux, the
// daemon's too), so that times taken in different processes compare.
const now = () => Number(process.hrtime.bigint()) / 1e6;
// A time of now()'s as CLOCK_MONOTONIC microseconds.
const absUs = (ms) => Math.round(ms * 1000);

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

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

// A promise that rejects after ms unless settled before.
function within(p, ms, what) {
	let t;
	const to = new Promise((_, rej) => {
		t = setTimeout(() => rej(new Error(what)), ms);
	});
	return Promise.race([p, to]).finally(() => clearTimeout(t));
}

// One request to the daemon; resolves {status, body, t0, tr} where t0 is
// just before the request is written and tr when its answer was read.
function dreq(base, method, path, token, json, agent) {
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

// This process's CPU and its time waiting for one, nanoseconds, all
// threads (/proc/self/task/*/schedstat: run time, run-queue wait, times
// run); of the main thread (the event loop) alone, the wait and the
// times it ran.
function schedstat() {
	let cpu = 0, wait = 0, mainWait = 0, mainRuns = 0;
	for (const t of fs.readdirSync('/proc/self/task')) {
		try {
			const f = fs.readFileSync('/proc/self/task/' + t +
			    '/schedstat', 'utf8').split(' ');
			cpu += Number(f[0]);
			wait += Number(f[1]);
			if (Number(t) === process.pid) {
				mainWait = Number(f[1]);
				mainRuns = Number(f[2]);
			}
		} catch (e) { /* a thread that ended */ }
	}
	return { cpu, wait, mainWait, mainRuns };
}

// How busy and how late this process's event loop is over a window:
// start() then read().  lag is how late a 1 ms timer fired (the time an
// event that became ready waited behind the work before it), busy the
// share of the window the loop spent running callbacks rather than
// waiting in epoll, cpu and wait from schedstat, in ms; runs the times
// the loop's thread was given a CPU, mainWait its wait for them.
function loopMeter() {
	const h = monitorEventLoopDelay({ resolution: 1 });
	let e0, s0, t0;
	return {
		start() {
			h.reset();
			h.enable();
			e0 = performance.eventLoopUtilization();
			s0 = schedstat();
			t0 = now();
		},
		read() {
			const e = performance.eventLoopUtilization(e0);
			const s = schedstat();
			const ms = (ns) => ns / 1e6;
			// the histogram counts the 1 ms resolution itself
			const lag = (ns) => Math.max(0, ms(ns) - 1);
			const r = {
				wall: now() - t0, busy: e.utilization,
				cpu: ms(s.cpu - s0.cpu), wait: ms(s.wait - s0.wait),
				runs: s.mainRuns - s0.mainRuns,
				mainWait: ms(s.mainWait - s0.mainWait),
				lag50: lag(h.percentile(50)),
				lag99: lag(h.percentile(99)), lagMax: lag(h.max),
				lagMean: lag(h.mean),
			};
			return r;
		},
	};
}

module.exports = { now, absUs, sleep, pct, countBy, covered, methodTimes,
    within, dreq, schedstat, loopMeter };
