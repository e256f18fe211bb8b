#!/usr/bin/env node
// A CoinGecko-style simple-price endpoint for the price tests
// (tests/integration/t_price.sh), with its answers set through a control
// endpoint.
//
//   node tests/node/price_server.js [--port N]
//
// Listens on 127.0.0.1 and prints "listening PORT".  Every GET outside
// /__* is a price request: "?ids=a,b&vs_currencies=usd" answers
// {"a": {"usd": N}, ...} for the ids it has a price for (others are left
// out, as CoinGecko does), unless a mode says otherwise.  Control:
//
//   POST /__set {"prices": {"ethereum": 2000, ...}, "mode": M, ...}
//       merges prices (a null price removes one) and sets the mode:
//         ok        the answer above (default)
//         status    HTTP "code" (default 500)
//         garbage   200 with text that is not JSON
//         huge      200, a JSON-looking body of "bytes" (default 8 MiB)
//         slow      wait "ms" (default 10000), then the answer
//         reset     destroy the socket at once
//         raw       200 with "body" verbatim (a string)
//   GET /__stats   {"count": N, "requests": [{url, ids, vs}] (last 50)}
//   POST /__reset  prices, mode and stats cleared
'use strict';

const http = require('http');

const BODY_MAX = 64 * 1024;

let port = 0;
for (let i = 2; i < process.argv.length; i++) {
	if (process.argv[i] === '--port') {
		port = Number(process.argv[++i]);
	} else {
		console.error(`price_server: unknown argument ${process.argv[i]}`);
		process.exit(2);
	}
}

let prices = {};
let mode = { mode: 'ok' };
let stats = { count: 0, requests: [] };

function sendJson(res, code, obj) {
	const s = JSON.stringify(obj);
	res.writeHead(code, {
		'Content-Type': 'application/json',
		'Content-Length': Buffer.byteLength(s),
	});
	res.end(s);
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
	req.on('end', () => cb(Buffer.concat(chunks).toString('utf8')));
	req.on('error', () => {});
}

function answer(ids) {
	const out = {};
	for (const id of ids)
		if (Object.prototype.hasOwnProperty.call(prices, id))
			out[id] = { usd: prices[id] };
	return out;
}

function huge(res, total) {
	res.writeHead(200, { 'Content-Type': 'application/json' });
	const chunk = Buffer.alloc(64 * 1024, 0x20);
	let left = total;
	res.write('{"ethereum":{"usd":1},"pad":"');
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
			res.end('"}');
	};
	pump();
}

function price(req, res, url) {
	const ids = (url.searchParams.get('ids') || '').split(',')
	    .filter((x) => x.length > 0);
	stats.count++;
	stats.requests.push({ url: req.url, ids: ids,
	    vs: url.searchParams.get('vs_currencies') });
	if (stats.requests.length > 50)
		stats.requests.shift();
	switch (mode.mode) {
	case 'status': {
		const code = Number(mode.code || 500);
		res.writeHead(code, { 'Content-Type': 'text/plain' });
		res.end(`status ${code} by price_server\n`);
		return;
	}
	case 'garbage':
		res.writeHead(200, { 'Content-Type': 'text/html' });
		res.end('<html><body>502 Bad Gateway</body></html>\n');
		return;
	case 'huge':
		huge(res, Number(mode.bytes || 8 * 1024 * 1024));
		return;
	case 'slow':
		setTimeout(() => {
			if (!res.destroyed)
				sendJson(res, 200, answer(ids));
		}, Number(mode.ms || 10000));
		return;
	case 'reset':
		req.socket.destroy();
		return;
	case 'raw':
		res.writeHead(200, { 'Content-Type': 'application/json' });
		res.end(String(mode.body || ''));
		return;
	case 'ok':
	default:
		sendJson(res, 200, answer(ids));
	}
}

function handle(req, res) {
	const url = new URL(req.url, 'http://localhost');
	readBody(req, (body) => {
		if (url.pathname === '/__set' && req.method === 'POST') {
			let j;
			try {
				j = JSON.parse(body);
			} catch (e) {
				sendJson(res, 400, { error: 'not JSON' });
				return;
			}
			for (const [id, v] of Object.entries(j.prices || {})) {
				if (v === null)
					delete prices[id];
				else
					prices[id] = v;
			}
			if (typeof j.mode === 'string')
				mode = j;
			sendJson(res, 200, { prices: prices, mode: mode });
		} else if (url.pathname === '/__stats' && req.method === 'GET') {
			sendJson(res, 200, stats);
		} else if (url.pathname === '/__reset' && req.method === 'POST') {
			prices = {};
			mode = { mode: 'ok' };
			stats = { count: 0, requests: [] };
			sendJson(res, 200, { reset: true });
		} else if (req.method === 'GET') {
			price(req, res, url);
		} else {
			sendJson(res, 405, { error: 'GET only' });
		}
	});
}

const server = http.createServer(handle);
server.keepAliveTimeout = 30000;
server.on('clientError', (e, sock) => sock.destroy());
server.listen(port, '127.0.0.1', () => {
	process.stdout.write(`listening ${server.address().port}\n`);
});
process.on('SIGTERM', () => process.exit(0));
