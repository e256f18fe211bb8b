#!/usr/bin/env node
// A JSON-RPC reverse proxy that misbehaves on request, for the fault
// tests of the api's RPC client (tests/integration/t_rpc.sh).
//
//   node tests/node/rpc_fault.js --upstream URL [--port N]
//       [--tls-cert FILE --tls-key FILE]
//
// Listens on 127.0.0.1 (https with --tls-cert/--tls-key) and prints
// "listening PORT".  Every other path forwards the JSON-RPC body to the
// upstream URL, unless a fault applies.  Control:
//
//   POST /__fault  {"mode": M, "count": N, "methods": [...], ...}
//       or an array of such objects (the first that matches applies).
//       Replaces the faults.  count: the next N matching requests, then
//       the fault is gone (default: forever); methods: only these
//       (default: all).  Modes:
//         pass                 forward
//         reset                destroy the socket at once
//         slow                 wait "ms" (default 10000), then forward
//         late                 forward at once, hold the node's answer
//                              "ms" (default 10000): an answer older
//                              than its arrival
//         garbage              200 with text that is not JSON
//         huge                 200, a valid-looking JSON body of "bytes"
//                              (default 8 MiB), streamed chunked, or with
//                              a Content-Length if "contentLength": true
//         status               HTTP "code" (default 503)
//         error                a JSON-RPC error object: "code" (default
//                              -32000), "message", "data", after "ms"
//         wrongchain           forward, but eth_chainId answers "chainId"
//                              (applies to eth_chainId only)
//         hang_after_forward   forward, never answer, close after "ms"
//                              (default 10000)
//         result               answer with "result" (any JSON value)
//         before               first send "call" ({method, params})
//                              upstream, then forward (e.g. expire the
//                              blockhash just before a sendTransaction)
//   GET /__stats   {"calls": {method: count}, "broadcasts": [raw tx ...],
//                   "unsent": N, "unsentBytes": N, "faults": [...]}
//       unsent: answers never (fully) sent because the client went away
//       first: while a slow, error or hang fault held it, or in the
//       middle of a huge body; unsentBytes: what was left of huge bodies
//       then.  What a client's timeout or size bound did, without a
//       clock.
//   POST /__reset  clears faults and stats
'use strict';

const fs = require('fs');
const http = require('http');
const https = require('https');

const BODY_MAX = 16 * 1024 * 1024;
const BROADCASTS = new Set(['eth_sendRawTransaction', 'sendTransaction']);

function parseArgs(argv) {
	const a = { port: 0 };
	for (let i = 2; i < argv.length; i++) {
		const k = argv[i], v = argv[i + 1];
		if (k === '--upstream') { a.upstream = v; i++; }
		else if (k === '--port') { a.port = Number(v); i++; }
		else if (k === '--tls-cert') { a.cert = v; i++; }
		else if (k === '--tls-key') { a.key = v; i++; }
		else {
			console.error(`rpc_fault: unknown argument ${k}`);
			process.exit(2);
		}
	}
	if (!a.upstream) {
		console.error('usage: rpc_fault.js --upstream URL [--port N] ' +
		    '[--tls-cert FILE --tls-key FILE]');
		process.exit(2);
	}
	return a;
}

const args = parseArgs(process.argv);
const upstream = new URL(args.upstream);
let faults = [];
function freshStats() {
	return { calls: {}, broadcasts: [], unsent: 0, unsentBytes: 0 };
}
let stats = freshStats();

// hold(req, res): the client's connection may close while its answer is
// held back; count it once as unsent if so.  Returns a function to call
// when the answer goes out (or the hold ends otherwise).
function hold(req, res) {
	let done = false;
	const st = stats;
	const gone = () => {
		if (!done) {
			done = true;
			st.unsent++;
		}
	};
	res.on('close', () => {
		if (!res.writableFinished)
			gone();
	});
	return () => { done = true; };
}

function readBody(req, cb) {
	const chunks = [];
	let len = 0;
	req.on('data', (c) => {
		len += c.length;
		if (len > BODY_MAX) {
			req.destroy();
			return;
		}
		chunks.push(c);
	});
	req.on('end', () => cb(Buffer.concat(chunks)));
	req.on('error', () => {});
}

function sendJson(res, code, obj) {
	const s = JSON.stringify(obj);
	res.writeHead(code, {
		'Content-Type': 'application/json',
		'Content-Length': Buffer.byteLength(s),
	});
	res.end(s);
}

// The JSON-RPC calls of a request body (one object or a batch).
function callsOf(doc) {
	if (Array.isArray(doc))
		return doc.filter((c) => c && typeof c === 'object');
	if (doc && typeof doc === 'object')
		return [doc];
	return [];
}

function matchFault(methods) {
	for (let i = 0; i < faults.length; i++) {
		const f = faults[i];
		let want = f.methods;
		if (!want && f.mode === 'wrongchain')
			want = ['eth_chainId'];
		if (want && !methods.some((m) => want.includes(m)))
			continue;
		if (typeof f.count === 'number') {
			f.count--;
			if (f.count <= 0)
				faults.splice(i, 1);
		}
		return f;
	}
	return null;
}

function forward(body, calls, cb) {
	for (const c of calls)
		if (BROADCASTS.has(c.method))
			stats.broadcasts.push(Array.isArray(c.params) ?
			    c.params[0] : c.params);
	const mod = upstream.protocol === 'https:' ? https : http;
	const req = mod.request({
		protocol: upstream.protocol,
		hostname: upstream.hostname,
		port: upstream.port,
		path: upstream.pathname + upstream.search,
		method: 'POST',
		headers: {
			'Content-Type': 'application/json',
			'Content-Length': body.length,
		},
	}, (res) => {
		const chunks = [];
		res.on('data', (c) => chunks.push(c));
		res.on('end', () => cb(null, res.statusCode,
		    Buffer.concat(chunks)));
		res.on('error', (e) => cb(e));
	});
	req.on('error', (e) => cb(e));
	req.end(body);
}

function relay(res, err, code, buf) {
	if (res.destroyed)
		return;
	if (err) {
		res.writeHead(502, { 'Content-Type': 'text/plain' });
		res.end('upstream: ' + err.message);
		return;
	}
	res.writeHead(code, {
		'Content-Type': 'application/json',
		'Content-Length': buf.length,
	});
	res.end(buf);
}

function huge(res, id, f) {
	const total = Number(f.bytes || 8 * 1024 * 1024);
	const head = Buffer.from('{"jsonrpc":"2.0","id":' +
	    JSON.stringify(id === undefined ? 1 : id) + ',"result":"');
	const tail = Buffer.from('"}');
	const headers = { 'Content-Type': 'application/json' };
	if (f.contentLength)
		headers['Content-Length'] = Math.max(total,
		    head.length + tail.length);
	res.writeHead(200, headers);
	const chunk = Buffer.alloc(64 * 1024, 0x61);
	let left = Math.max(total - head.length - tail.length, 0);
	const st = stats;
	res.on('close', () => {
		if (!res.writableFinished) {
			st.unsent++;
			st.unsentBytes += left;
		}
	});
	res.write(head);
	const pump = () => {
		while (left > 0 && !res.destroyed) {
			const n = Math.min(left, chunk.length);
			left -= n;
			if (!res.write(n === chunk.length ? chunk :
			    chunk.subarray(0, n))) {
				res.once('drain', pump);
				return;
			}
		}
		if (!res.destroyed)
			res.end(tail);
	};
	pump();
}

function handleRpc(req, res, body) {
	let doc = null;
	try {
		doc = JSON.parse(body.toString('utf8'));
	} catch (e) {
		doc = null;
	}
	const calls = callsOf(doc);
	const methods = calls.map((c) => String(c.method));
	for (const m of methods)
		stats.calls[m] = (stats.calls[m] || 0) + 1;
	const id = calls.length > 0 ? calls[0].id : null;
	const f = matchFault(methods);
	const mode = f ? f.mode : 'pass';

	switch (mode) {
	case 'reset':
		req.socket.destroy();
		return;
	case 'slow': {
		const release = hold(req, res);
		setTimeout(() => {
			release();
			if (res.destroyed || req.socket.destroyed)
				return;
			forward(body, calls, (e, c, b) => relay(res, e, c, b));
		}, Number(f.ms || 10000));
		return;
	}
	case 'late': {
		const release = hold(req, res);
		forward(body, calls, (e, c, b) => setTimeout(() => {
			release();
			relay(res, e, c, b);
		}, Number(f.ms || 10000)));
		return;
	}
	case 'result':
		sendJson(res, 200, { jsonrpc: '2.0', id: id, result: f.result });
		return;
	case 'before': {
		const c = f.call || {};
		const pre = Buffer.from(JSON.stringify({ jsonrpc: '2.0', id: 0,
		    method: String(c.method), params: c.params || [] }));
		forward(pre, [], () =>
		    forward(body, calls, (e, cd, b) => relay(res, e, cd, b)));
		return;
	}
	case 'garbage':
		res.writeHead(200, { 'Content-Type': 'text/html' });
		res.end('<html><body>502 Bad Gateway: this is not ' +
		    'JSON</body></html>\n');
		return;
	case 'huge':
		huge(res, id, f);
		return;
	case 'status': {
		const code = Number(f.code || 503);
		res.writeHead(code, { 'Content-Type': 'text/plain' });
		res.end(`status ${code} by rpc_fault\n`);
		return;
	}
	case 'error': {
		const e = {
			code: f.code === undefined ? -32000 : f.code,
			message: f.message === undefined ? 'fault' : f.message,
		};
		if (f.data !== undefined)
			e.data = f.data;
		const release = hold(req, res);
		setTimeout(() => {
			release();
			if (!res.destroyed)
				sendJson(res, 200, { jsonrpc: '2.0', id: id,
				    error: e });
		}, Number(f.ms || 0));
		return;
	}
	case 'wrongchain':
		forward(body, calls, (e, c, b) => {
			if (!e && c === 200) {
				try {
					const j = JSON.parse(b.toString('utf8'));
					let v = f.chainId === undefined ? '0x1' :
					    f.chainId;
					if (typeof v === 'number')
						v = '0x' + v.toString(16);
					const fix = (x) => {
						if (x && x.method === undefined &&
						    'result' in x)
							x.result = v;
					};
					if (Array.isArray(j))
						j.forEach(fix);
					else
						fix(j);
					b = Buffer.from(JSON.stringify(j));
				} catch (ex) {
					// not JSON: pass it on unchanged
				}
			}
			relay(res, e, c, b);
		});
		return;
	case 'hang_after_forward':
		hold(req, res);
		forward(body, calls, () => {
			setTimeout(() => req.socket.destroy(),
			    Number(f.ms || 10000));
		});
		return;
	case 'pass':
	default:
		forward(body, calls, (e, c, b) => relay(res, e, c, b));
	}
}

function handle(req, res) {
	const path = req.url.split('?')[0];
	readBody(req, (body) => {
		if (path === '/__fault' && req.method === 'POST') {
			let f;
			try {
				f = JSON.parse(body.toString('utf8'));
			} catch (e) {
				sendJson(res, 400, { error: 'not JSON' });
				return;
			}
			const list = Array.isArray(f) ? f : [f];
			if (!list.every((x) => x && typeof x.mode === 'string')) {
				sendJson(res, 400, { error: 'mode required' });
				return;
			}
			faults = list;
			sendJson(res, 200, { faults: faults });
		} else if (path === '/__stats' && req.method === 'GET') {
			sendJson(res, 200, Object.assign({ faults: faults },
			    stats));
		} else if (path === '/__reset' && req.method === 'POST') {
			faults = [];
			stats = freshStats();
			sendJson(res, 200, { reset: true });
		} else
			handleRpc(req, res, body);
	});
}

let server;
if (args.cert) {
	server = https.createServer({
		cert: fs.readFileSync(args.cert),
		key: fs.readFileSync(args.key),
	}, handle);
} else
	server = http.createServer(handle);
server.keepAliveTimeout = 30000;
server.on('clientError', (e, sock) => sock.destroy());
server.listen(args.port, '127.0.0.1', () => {
	process.stdout.write(`listening ${server.address().port}\n`);
});
process.on('SIGTERM', () => process.exit(0));
