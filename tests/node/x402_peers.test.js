/*
 * node --test tests/node/x402_peers.test.js
 *
 * The x402 peers (x402_peers.js) without the daemon: anvil with chain id
 * 84532, the peers on it, and the x402 package's own client paying for
 * /paid with an anvil dev account.  What the daemon will meet: the 402
 * challenge, a paid retry, the settlement header, balances moving by
 * exactly the price, a replayed payment refused, and TestUSDC itself
 * (the bytes overload, a copy made with anvil_setCode).
 */
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const net = require('node:net');
const { spawn } = require('node:child_process');
const readline = require('node:readline');
const { createPaymentHeader } = require('x402/client');
const { settleResponseFromHeader } = require('x402/types');
const { createWalletClient, createPublicClient, http, getAddress,
    toHex } = require('viem');
const { privateKeyToAccount } = require('viem/accounts');
const { baseSepolia } = require('viem/chains');

const USDC = require(path.join(__dirname, '..', 'contracts', 'TestUSDC.json'));
const ANVIL = path.join(__dirname, 'node_modules', '@foundry-rs',
    'anvil-linux-amd64', 'bin', 'anvil');
// anvil's dev accounts 0 (the facilitator) and 1 (the payer), from the
// public test mnemonic.
const KEY0 = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80';
const KEY1 = '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d';
const payer = privateKeyToAccount(KEY1);
const MINTED = 1000000n;	/* 1 USDC: /paid fits, /expensive does not */

// EIP-3009's struct, as EIP-712 types.
const AUTH_TYPES = { TransferWithAuthorization: [
	{ name: 'from', type: 'address' },
	{ name: 'to', type: 'address' },
	{ name: 'value', type: 'uint256' },
	{ name: 'validAfter', type: 'uint256' },
	{ name: 'validBefore', type: 'uint256' },
	{ name: 'nonce', type: 'bytes32' }] };

let anvil, peers, ready, pub;

function freePort() {
	return new Promise((resolve, reject) => {
		const s = net.createServer();
		s.once('error', reject);
		s.listen(0, '127.0.0.1', () => {
			const p = s.address().port;
			s.close(() => resolve(p));
		});
	});
}

function firstLine(child, what) {
	return new Promise((resolve, reject) => {
		readline.createInterface({ input: child.stdout }).once('line', resolve);
		child.once('exit', (c) => reject(new Error(`${what} exited ${c}`)));
	});
}

test.before(async () => {
	const port = await freePort();
	const rpc = `http://127.0.0.1:${port}`;
	anvil = spawn(ANVIL, ['--host', '127.0.0.1', '--port', String(port),
	    '--chain-id', '84532'], { stdio: ['ignore', 'pipe', 'inherit'] });
	/* anvil prints its banner and then "Listening on ..." */
	await new Promise((resolve, reject) => {
		const rl = readline.createInterface({ input: anvil.stdout });
		rl.on('line', (l) => { if (/^Listening on /.test(l)) resolve(); });
		anvil.once('exit', (c) => reject(new Error('anvil exited ' + c)));
	});
	anvil.stdout.resume();
	peers = spawn(process.execPath, [path.join(__dirname, 'x402_peers.js'),
	    '--rpc', rpc, '--key', KEY0,
	    '--mint', `${payer.address}=${MINTED}`],
	    { stdio: ['ignore', 'pipe', 'inherit'] });
	ready = JSON.parse(await firstLine(peers, 'x402_peers.js'));
	pub = createPublicClient({ chain: baseSepolia, transport: http(rpc),
	    pollingInterval: 50 });
});

test.after(() => {
	if (peers) peers.kill();
	if (anvil) anvil.kill();
});

function balance(addr, token = ready.usdc) {
	return pub.readContract({ address: token, abi: USDC.abi,
	    functionName: 'balanceOf', args: [addr] });
}

async function stats() {
	return (await fetch(ready.resource + '/stats')).json();
}

function decodeHeader(b64) {
	return JSON.parse(Buffer.from(b64, 'base64').toString('utf8'));
}

test('ready line names both servers, the token and payTo', () => {
	assert.match(ready.facilitator, /^http:\/\/127\.0\.0\.1:\d+$/);
	assert.match(ready.resource, /^http:\/\/127\.0\.0\.1:\d+$/);
	assert.equal(ready.usdc, getAddress(ready.usdc));
	assert.equal(ready.payTo, getAddress(ready.payTo));
	assert.equal(ready.network, 'base-sepolia');
	assert.equal(ready.chainId, 84532);
});

test('the facilitator lists exact on base-sepolia', async () => {
	const r = await fetch(ready.facilitator + '/supported');
	assert.equal(r.status, 200);
	assert.deepEqual(await r.json(), { kinds: [{ x402Version: 1,
	    scheme: 'exact', network: 'base-sepolia' }] });
});

test('GET /free is 200 without payment', async () => {
	const r = await fetch(ready.resource + '/free');
	assert.equal(r.status, 200);
	assert.equal(await r.text(), 'free content\n');
});

test('GET /redirect answers 302 to the given URL', async () => {
	const to = 'http://127.0.0.1:9/inside';
	const r = await fetch(ready.resource + '/redirect?to=' +
	    encodeURIComponent(to), { redirect: 'manual' });
	assert.equal(r.status, 302);
	assert.equal(r.headers.get('location'), to);
});

test('GET /not-x402 is a 402 that is not x402', async () => {
	const r = await fetch(ready.resource + '/not-x402');
	assert.equal(r.status, 402);
	assert.match(r.headers.get('content-type'), /^text\/plain/);
});

let challenge;

test('GET /paid without payment is a 402 with x402 v1 requirements', async () => {
	const r = await fetch(ready.resource + '/paid');
	assert.equal(r.status, 402);
	const b = await r.json();
	assert.equal(b.x402Version, 1);
	assert.equal(typeof b.error, 'string');
	assert.equal(b.accepts.length, 1);
	const a = b.accepts[0];
	assert.equal(a.scheme, 'exact');
	assert.equal(a.network, 'base-sepolia');
	assert.equal(a.maxAmountRequired, ready.price);
	assert.equal(a.asset, ready.usdc);
	assert.equal(a.payTo, ready.payTo);
	assert.equal(a.resource, ready.resource + '/paid');
	assert.equal(a.maxTimeoutSeconds, 60);
	assert.deepEqual(a.extra, { name: 'USDC', version: '2' });
	challenge = b;
});

let paidHeader;

test('GET /paid with a payment from the x402 client is 200 and settles on chain', async () => {
	const a = challenge.accepts[0];
	const payer0 = await balance(payer.address);
	const payTo0 = await balance(ready.payTo);
	assert.equal(payer0, MINTED);
	paidHeader = await createPaymentHeader(payer, 1, a);
	const p = decodeHeader(paidHeader);
	assert.equal(p.x402Version, 1);
	assert.equal(p.scheme, 'exact');
	assert.equal(p.network, 'base-sepolia');
	assert.match(p.payload.signature, /^0x[0-9a-f]{130}$/);
	assert.equal(p.payload.authorization.from, payer.address);
	assert.equal(p.payload.authorization.value, a.maxAmountRequired);
	assert.match(p.payload.authorization.nonce, /^0x[0-9a-f]{64}$/);

	const r = await fetch(ready.resource + '/paid',
	    { headers: { 'X-PAYMENT': paidHeader } });
	assert.equal(r.status, 200);
	const body = await r.json();
	assert.equal(body.paid, true);
	const xpr = r.headers.get('x-payment-response');
	assert.ok(xpr, 'X-PAYMENT-RESPONSE is there');
	const s = settleResponseFromHeader(xpr);
	assert.deepEqual(s, decodeHeader(xpr));
	assert.equal(s.success, true);
	assert.equal(s.network, 'base-sepolia');
	assert.equal(s.payer, payer.address);
	assert.match(s.transaction, /^0x[0-9a-f]{64}$/);
	const rc = await pub.getTransactionReceipt({ hash: s.transaction });
	assert.equal(rc.status, 'success');
	assert.equal(getAddress(rc.to), ready.usdc);

	const price = BigInt(a.maxAmountRequired);
	assert.equal(await balance(payer.address), payer0 - price);
	assert.equal(await balance(ready.payTo), payTo0 + price);
	assert.equal(await pub.readContract({ address: ready.usdc,
	    abi: USDC.abi, functionName: 'authorizationState',
	    args: [payer.address, p.payload.authorization.nonce] }), true);
	const st = await stats();
	assert.equal(st.settle.ok, 1);
	assert.equal(st.served['/paid'], 1);
});

test('the same X-PAYMENT again is refused and moves nothing', async () => {
	const payer0 = await balance(payer.address);
	const payTo0 = await balance(ready.payTo);
	const st0 = await stats();
	const r = await fetch(ready.resource + '/paid',
	    { headers: { 'X-PAYMENT': paidHeader } });
	assert.equal(r.status, 402);
	const b = await r.json();
	assert.equal(b.x402Version, 1);
	assert.equal(b.error, 'duplicate_settlement');
	assert.equal(r.headers.get('x-payment-response'), null);
	assert.equal(await balance(payer.address), payer0);
	assert.equal(await balance(ready.payTo), payTo0);
	const st = await stats();
	assert.equal(st.settle.ok, st0.settle.ok);
	assert.equal(st.settle.failed, st0.settle.failed + 1);
});

test('a payment whose value was changed after signing is refused', async () => {
	const p = decodeHeader(await createPaymentHeader(payer, 1,
	    challenge.accepts[0]));
	p.payload.authorization.value = String(BigInt(ready.price) + 1n);
	const h = Buffer.from(JSON.stringify(p)).toString('base64');
	const payer0 = await balance(payer.address);
	const r = await fetch(ready.resource + '/paid',
	    { headers: { 'X-PAYMENT': h } });
	assert.equal(r.status, 402);
	assert.equal((await r.json()).error, 'invalid_exact_evm_payload_signature');
	assert.equal(await balance(payer.address), payer0);
});

test('POST /expensive over what the payer holds is refused: insufficient_funds', async () => {
	const r0 = await fetch(ready.resource + '/expensive', { method: 'POST',
	    body: 'x' });
	assert.equal(r0.status, 402);
	const a = (await r0.json()).accepts[0];
	assert.equal(a.maxAmountRequired, ready.expensivePrice);
	assert.equal(a.outputSchema.input.method, 'POST');
	const r = await fetch(ready.resource + '/expensive', { method: 'POST',
	    body: 'x', headers: { 'X-PAYMENT': await createPaymentHeader(payer,
	    1, a) } });
	assert.equal(r.status, 402);
	assert.equal((await r.json()).error, 'insufficient_funds');
});

test('POST /paid with a body: paid, and the body reaches the handler', async () => {
	const r0 = await fetch(ready.resource + '/paid', { method: 'POST',
	    body: 'hello' });
	assert.equal(r0.status, 402);
	const a = (await r0.json()).accepts[0];
	const r = await fetch(ready.resource + '/paid', { method: 'POST',
	    body: 'hello', headers: { 'X-PAYMENT': await createPaymentHeader(payer,
	    1, a) } });
	assert.equal(r.status, 200);
	const b = await r.json();
	assert.equal(b.method, 'POST');
	assert.equal(b.bodyBytes, 5);
	assert.equal(settleResponseFromHeader(
	    r.headers.get('x-payment-response')).success, true);
	assert.equal(await balance(payer.address),
	    MINTED - 2n * BigInt(ready.price));
});

test('TestUSDC runs as a copy made with anvil_setCode (bytes overload)', async () => {
	const copy = '0x036CbD53842c5426634e7929541eC2318f3dCF7e';
	await pub.request({ method: 'anvil_setCode',
	    params: [copy, USDC.deployedBytecode] });
	const wallet = createWalletClient({ account: payer, chain: baseSepolia,
	    transport: http(pub.transport.url), pollingInterval: 50 });
	const send = async (fn, args) => {
		const hash = await wallet.writeContract({ address: copy,
		    abi: USDC.abi, functionName: fn, args });
		return pub.waitForTransactionReceipt({ hash });
	};
	await send('mint', [payer.address, 500n]);
	assert.equal(await balance(payer.address, copy), 500n);
	const to = '0x0000000000000000000000000000000000000403';
	const nonce = toHex(crypto.getRandomValues(new Uint8Array(32)));
	const now = BigInt(Math.floor(Date.now() / 1000));
	const msg = { from: payer.address, to, value: 200n,
	    validAfter: 0n, validBefore: now + 3600n, nonce };
	const sig = await payer.signTypedData({
		domain: { name: 'USDC', version: '2', chainId: 84532,
		    verifyingContract: copy },
		types: AUTH_TYPES,
		primaryType: 'TransferWithAuthorization', message: msg });
	/* the facilitator (account 0) submits; anyone may */
	const fac = createWalletClient({ account: privateKeyToAccount(KEY0),
	    chain: baseSepolia, transport: http(pub.transport.url) });
	const args = [msg.from, msg.to, msg.value, msg.validAfter,
	    msg.validBefore, msg.nonce, sig];
	const hash = await fac.writeContract({ address: copy, abi: USDC.abi,
	    functionName: 'transferWithAuthorization', args });
	assert.equal((await pub.waitForTransactionReceipt({ hash })).status,
	    'success');
	assert.equal(await balance(to, copy), 200n);
	assert.equal(await balance(payer.address, copy), 300n);
	/* the same authorization again reverts */
	await assert.rejects(fac.writeContract({ address: copy, abi: USDC.abi,
	    functionName: 'transferWithAuthorization', args }),
	    /authorization is used/);
	/* one signed over the first token's domain does not pass here */
	const msg2 = { ...msg, nonce: toHex(crypto.getRandomValues(
	    new Uint8Array(32))) };
	const other = await payer.signTypedData({
		domain: { name: 'USDC', version: '2', chainId: 84532,
		    verifyingContract: ready.usdc },
		types: AUTH_TYPES,
		primaryType: 'TransferWithAuthorization', message: msg2 });
	await assert.rejects(fac.writeContract({ address: copy, abi: USDC.abi,
	    functionName: 'transferWithAuthorization', args: [msg2.from,
	    msg2.to, msg2.value, msg2.validAfter, msg2.validBefore, msg2.nonce,
	    other] }), /TestUSDC: invalid signature/);
});
