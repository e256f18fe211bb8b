#!/usr/bin/env node
// The x402 peers for issue 22's tests, in one process: an EIP-3009 token
// (tests/contracts/TestUSDC.json) on anvil, an x402 facilitator that
// verifies and settles on that anvil with the x402 package's own
// facilitator functions, and a resource server whose paid routes are
// guarded by x402-express's paymentMiddleware.
//
//   node tests/node/x402_peers.js --rpc http://127.0.0.1:PORT --key 0xKEY
//       [--usdc ADDR] [--pay-to ADDR] [--price N] [--expensive-price N]
//       [--facilitator-port N] [--resource-port N] [--host ADDR]
//       [--mint ADDR=AMOUNT]...
//
// anvil must run with --chain-id 84532: x402 names that chain
// "base-sepolia", and the payer signs over that chain id.  --key is the
// facilitator's key (an anvil dev account: it deploys, mints and pays the
// gas of every settlement).  Without --usdc, TestUSDC is deployed afresh;
// with it, an address with no code gets TestUSDC's runtime code through
// anvil_setCode (a known USDC address, say), one with code is used as
// it is.  Each --mint gives AMOUNT (atomic units, 6 decimals) to ADDR.
// Prices are atomic units: --price 10000 (0.01 USDC) for /paid,
// --expensive-price 5000000 (5 USDC) for /expensive.  Ports default to 0
// (any free one); --host is the address both listen on (127.0.0.1).
// When both servers listen it prints one JSON line:
//
//   {"facilitator":"http://127.0.0.1:P","resource":"http://127.0.0.1:Q",
//    "usdc":"0x..","payTo":"0x..","network":"base-sepolia","chainId":84532,
//    "price":"10000","expensivePrice":"5000000","facilitatorAddress":"0x.."}
//
// Facilitator (the x402 v1 HTTP interface):
//   POST /verify  {x402Version, paymentPayload, paymentRequirements}
//                 -> {isValid, invalidReason?, payer}
//   POST /settle  the same -> {success, errorReason?, transaction, network,
//                 payer}; a settlement the chain refuses is success false
//                 ("duplicate_settlement" when the nonce was used already,
//                 else "unexpected_settle_error", the revert text in
//                 errorMessage)
//   GET /supported -> {kinds: [{x402Version: 1, scheme: "exact",
//                 network: "base-sepolia"}]}
// Resource server:
//   /paid, /expensive (any method)  x402-guarded; 200 JSON {paid: true,
//                 route, method, bodyBytes, query} once paid
//   GET /free     200 text, no payment
//   GET /redirect?to=URL[&code=301|302|303|307|308]  a redirect (302)
//   GET /not-x402 402 with a body that is not x402 (text/plain)
//   GET /stats    {verify: {ok, failed}, settle: {ok, failed},
//                 served: {route: n}, payments: [{payer, value, nonce,
//                 success, transaction, errorReason}] (last 100)}
//                 x402-express runs the handler once a payment verifies
//                 and settles after it, so "served" counts a replay
//                 whose settlement then fails (its answer is a 402);
//                 settle.ok counts what was paid.
// x402-express answers a client that looks like a browser (Accept with
// text/html and a User-Agent with "Mozilla") with an HTML paywall
// instead of the JSON 402.
'use strict';

const path = require('path');
const express = require('express');
const { paymentMiddleware } = require('x402-express');
const facilitator = require('x402/facilitator');
const { PaymentPayloadSchema, PaymentRequirementsSchema } = require('x402/types');
const { createWalletClient, http, publicActions, getAddress } = require('viem');
const { privateKeyToAccount } = require('viem/accounts');
const { baseSepolia } = require('viem/chains');

const USDC_JSON = require(path.join(__dirname, '..', 'contracts', 'TestUSDC.json'));
const NETWORK = 'base-sepolia';

function usage(msg) {
	console.error('x402_peers: ' + msg);
	process.exit(2);
}

function addr(v, what) {
	try {
		return getAddress(v);
	} catch {
		usage(`${what}: not an address: ${v}`);
	}
}

const opt = {
	rpc: null, key: null, usdc: null,
	payTo: getAddress('0x0000000000000000000000000000000000000402'),
	price: '10000', expensivePrice: '5000000',
	facilitatorPort: 0, resourcePort: 0, host: '127.0.0.1', mint: [],
};
for (let i = 2; i < process.argv.length; i++) {
	const a = process.argv[i];
	const v = process.argv[i + 1];
	if (v === undefined) usage(`${a} wants a value`);
	i++;
	switch (a) {
	case '--rpc': opt.rpc = v; break;
	case '--key': opt.key = v; break;
	case '--usdc': opt.usdc = addr(v, a); break;
	case '--pay-to': opt.payTo = addr(v, a); break;
	case '--price': opt.price = v; break;
	case '--expensive-price': opt.expensivePrice = v; break;
	case '--facilitator-port': opt.facilitatorPort = Number(v); break;
	case '--resource-port': opt.resourcePort = Number(v); break;
	case '--host': opt.host = v; break;
	case '--mint': {
		const m = /^(0x[0-9a-fA-F]{40})=([0-9]+)$/.exec(v);
		if (!m) usage('--mint wants ADDR=AMOUNT');
		opt.mint.push([addr(m[1], a), BigInt(m[2])]);
		break;
	}
	default: usage(`unknown argument ${a}`);
	}
}
if (!opt.rpc || !opt.key) usage('--rpc URL and --key 0xKEY are required');
if (!/^[0-9]+$/.test(opt.price) || !/^[0-9]+$/.test(opt.expensivePrice))
	usage('prices are atomic amounts (digits)');

// One client for everything: a signer (the facilitator's account) with
// the public actions x402's verify needs.  Polling fast: anvil mines at
// once, and viem's default (4 s) would make every settlement slow.
let account;
try {
	account = privateKeyToAccount(opt.key);
} catch (e) {
	usage('--key: ' + (e.shortMessage || e.message));
}
const client = createWalletClient({
	account,
	chain: baseSepolia,
	transport: http(opt.rpc),
	pollingInterval: 50,
}).extend(publicActions);

const stats = {
	verify: { ok: 0, failed: 0 },
	settle: { ok: 0, failed: 0 },
	served: {},
	payments: [],
};

async function setupToken() {
	const chainId = await client.getChainId();
	if (chainId !== baseSepolia.id)
		throw new Error(`anvil's chain id is ${chainId}, not ${baseSepolia.id}` +
		    ' (start it with --chain-id 84532)');
	let usdc = opt.usdc;
	if (usdc === null) {
		const hash = await client.deployContract({
			abi: USDC_JSON.abi, bytecode: USDC_JSON.bytecode,
		});
		const r = await client.waitForTransactionReceipt({ hash });
		if (r.status !== 'success' || !r.contractAddress)
			throw new Error('TestUSDC did not deploy');
		usdc = getAddress(r.contractAddress);
	} else {
		const code = await client.getCode({ address: usdc });
		if (!code || code === '0x')
			await client.request({ method: 'anvil_setCode',
			    params: [usdc, USDC_JSON.deployedBytecode] });
	}
	for (const [to, amount] of opt.mint) {
		const hash = await client.writeContract({
			address: usdc, abi: USDC_JSON.abi, functionName: 'mint',
			args: [to, amount],
		});
		const r = await client.waitForTransactionReceipt({ hash });
		if (r.status !== 'success')
			throw new Error(`mint to ${to} failed`);
	}
	return usdc;
}

// The body of a facilitator request, checked with x402's own schemas.
function parseFacilitatorRequest(body) {
	if (body === null || typeof body !== 'object')
		throw new Error('body is not a JSON object');
	return {
		payload: PaymentPayloadSchema.parse(body.paymentPayload),
		requirements: PaymentRequirementsSchema.parse(body.paymentRequirements),
	};
}

function record(p) {
	stats.payments.push(p);
	if (stats.payments.length > 100) stats.payments.shift();
}

function facilitatorApp(usdc) {
	const app = express();
	app.use(express.json({ limit: '256kb' }));
	app.get('/supported', (req, res) => {
		res.json({ kinds: [{ x402Version: 1, scheme: 'exact', network: NETWORK }] });
	});
	app.post('/verify', async (req, res) => {
		let r;
		try {
			r = parseFacilitatorRequest(req.body);
		} catch (e) {
			stats.verify.failed++;
			res.status(400).json({ error: 'invalid request: ' + e.message });
			return;
		}
		try {
			const v = await facilitator.verify(client, r.payload, r.requirements);
			if (v.isValid) stats.verify.ok++; else stats.verify.failed++;
			res.json(v);
		} catch (e) {
			stats.verify.failed++;
			res.json({ isValid: false, invalidReason: 'unexpected_verify_error',
			    payer: r.payload.payload.authorization?.from ?? '',
			    errorMessage: String(e.shortMessage || e.message) });
		}
	});
	app.post('/settle', async (req, res) => {
		let r;
		try {
			r = parseFacilitatorRequest(req.body);
		} catch (e) {
			stats.settle.failed++;
			res.status(400).json({ error: 'invalid request: ' + e.message });
			return;
		}
		const auth = r.payload.payload.authorization || {};
		let s;
		try {
			s = await facilitator.settle(client, r.payload, r.requirements);
		} catch (e) {
			// The chain refused it (writeContract's gas estimate
			// carries the revert): say why.
			let used = false;
			try {
				used = await client.readContract({
					address: r.requirements.asset, abi: USDC_JSON.abi,
					functionName: 'authorizationState',
					args: [auth.from, auth.nonce],
				});
			} catch { /* not a TestUSDC, or no such nonce */ }
			s = { success: false,
			    errorReason: used ? 'duplicate_settlement' : 'unexpected_settle_error',
			    errorMessage: String(e.shortMessage || e.message),
			    transaction: '', network: r.payload.network,
			    payer: auth.from ?? '' };
		}
		if (s.success) stats.settle.ok++; else stats.settle.failed++;
		record({ payer: auth.from, to: auth.to, value: auth.value,
		    nonce: auth.nonce, asset: r.requirements.asset,
		    success: s.success, transaction: s.transaction,
		    errorReason: s.errorReason });
		res.json(s);
	});
	return app;
}

function resourceApp(usdc, facilitatorUrl) {
	const app = express();
	const asset = { address: usdc, decimals: 6,
	    eip712: { name: 'USDC', version: '2' } };
	const route = (amount, description) => ({
		price: { amount, asset }, network: NETWORK,
		config: { description, mimeType: 'application/json',
		    maxTimeoutSeconds: 60 },
	});
	app.use(paymentMiddleware(opt.payTo, {
		'/paid': route(opt.price, 'a paid test resource'),
		'/expensive': route(opt.expensivePrice, 'an expensive test resource'),
	}, { url: facilitatorUrl }));
	app.use(express.raw({ type: () => true, limit: '1mb' }));
	const paid = (req, res) => {
		stats.served[req.path] = (stats.served[req.path] || 0) + 1;
		res.json({ paid: true, route: req.path, method: req.method,
		    bodyBytes: Buffer.isBuffer(req.body) ? req.body.length : 0,
		    query: req.query });
	};
	app.all('/paid', paid);
	app.all('/expensive', paid);
	app.get('/free', (req, res) => {
		stats.served['/free'] = (stats.served['/free'] || 0) + 1;
		res.type('text/plain').send('free content\n');
	});
	app.get('/redirect', (req, res) => {
		const to = req.query.to;
		const code = Number(req.query.code || 302);
		if (typeof to !== 'string' || ![301, 302, 303, 307, 308].includes(code)) {
			res.status(400).type('text/plain').send('want ?to=URL[&code=30x]\n');
			return;
		}
		stats.served['/redirect'] = (stats.served['/redirect'] || 0) + 1;
		res.redirect(code, to);
	});
	app.get('/not-x402', (req, res) => {
		res.status(402).type('text/plain').send('pay me, somehow\n');
	});
	app.get('/stats', (req, res) => res.json(stats));
	return app;
}

function listen(app, port) {
	return new Promise((resolve, reject) => {
		const srv = app.listen(port, opt.host);
		srv.once('listening', () => resolve(srv));
		srv.once('error', reject);
	});
}

// The URL to reach a server by: a wildcard listener (--host 0.0.0.0, so
// that another of this machine's addresses reaches it too) is named by
// 127.0.0.1.
function urlOf(srv) {
	const a = srv.address();
	let h = a.address;
	if (h === '0.0.0.0' || h === '::') h = '127.0.0.1';
	else if (a.family === 'IPv6') h = `[${h}]`;
	return `http://${h}:${a.port}`;
}

async function main() {
	const usdc = await setupToken();
	const fsrv = await listen(facilitatorApp(usdc), opt.facilitatorPort);
	const furl = urlOf(fsrv);
	const rsrv = await listen(resourceApp(usdc, furl), opt.resourcePort);
	process.stdout.write(JSON.stringify({
		facilitator: furl, resource: urlOf(rsrv), usdc, payTo: opt.payTo,
		network: NETWORK, chainId: baseSepolia.id, price: opt.price,
		expensivePrice: opt.expensivePrice,
		facilitatorAddress: client.account.address,
	}) + '\n');
	const stop = () => process.exit(0);
	process.on('SIGTERM', stop);
	process.on('SIGINT', stop);
}

main().catch((e) => {
	console.error('x402_peers: ' + (e.shortMessage || e.message));
	process.exit(1);
});
