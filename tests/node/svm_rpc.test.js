/*
 * node --test tests/node/svm_rpc.test.js
 *
 * Starts svm_rpc.js on a free port and drives it over HTTP like the
 * daemon would: transactions are built and signed here by hand (legacy
 * message bytes, node:crypto Ed25519), not with a Solana library.
 */
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const path = require('node:path');
const { spawn } = require('node:child_process');
const readline = require('node:readline');
const kit = require('@solana/kit');

const b58 = kit.getBase58Decoder();		/* bytes -> string */
const b58bytes = kit.getBase58Encoder();	/* string -> bytes */
const SYSTEM = '11111111111111111111111111111111';
const TOKEN = 'TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA';

let child, url, nextId = 1;

test.before(async () => {
	child = spawn(process.execPath, [path.join(__dirname, 'svm_rpc.js'),
	    '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
	const line = await new Promise((resolve, reject) => {
		readline.createInterface({ input: child.stdout })
		    .once('line', resolve);
		child.once('exit', (c) => reject(new Error('exited ' + c)));
	});
	const m = /^listening (\d+)$/.exec(line);
	assert.ok(m, line);
	url = `http://127.0.0.1:${m[1]}/`;
});

test.after(() => child.kill());

async function post(body) {
	const r = await fetch(url, { method: 'POST', body,
	    headers: { 'Content-Type': 'application/json' } });
	return { status: r.status, text: await r.text() };
}

async function rpcRaw(method, params = []) {
	const { text } = await post(JSON.stringify({ jsonrpc: '2.0',
	    id: nextId++, method, params }));
	return JSON.parse(text);
}

async function rpc(method, params) {
	const r = await rpcRaw(method, params);
	if (r.error)
		throw new Error(`${method}: ${JSON.stringify(r.error)}`);
	return r.result;
}

function keypair() {
	const { publicKey, privateKey } = crypto.generateKeyPairSync('ed25519');
	const raw = Buffer.from(publicKey.export({ format: 'jwk' }).x,
	    'base64url');
	return { address: b58.decode(raw), privateKey };
}

function compactU16(n) {
	const out = [];
	for (;;) {
		const b = n & 0x7f;
		n >>= 7;
		if (n === 0) {
			out.push(b);
			return out;
		}
		out.push(b | 0x80);
	}
}

/*
 * A legacy transaction with one signer (the fee payer, keys[0]), then
 * writable non-signers, then read-only non-signers; instructions name
 * accounts by their index in keys.
 */
function buildTx(signer, writable, readonly, blockhash, ixs) {
	const keys = [signer.address, ...writable, ...readonly];
	const parts = [Buffer.from([1, 0, readonly.length]),
	    Buffer.from(compactU16(keys.length)),
	    ...keys.map((k) => Buffer.from(b58bytes.encode(k))),
	    Buffer.from(b58bytes.encode(blockhash)),
	    Buffer.from(compactU16(ixs.length))];
	for (const ix of ixs) {
		parts.push(Buffer.from([keys.indexOf(ix.program)]),
		    Buffer.from(compactU16(ix.accounts.length)),
		    Buffer.from(ix.accounts.map((a) => keys.indexOf(a))),
		    Buffer.from(compactU16(ix.data.length)), ix.data);
	}
	const msg = Buffer.concat(parts);
	const sig = crypto.sign(null, msg, signer.privateKey);
	return { wire: Buffer.concat([Buffer.from([1]), sig, msg]),
	    signature: b58.decode(sig) };
}

function transferTx(from, to, lamports, blockhash) {
	const data = Buffer.alloc(12);
	data.writeUInt32LE(2, 0);		/* SystemInstruction::Transfer */
	data.writeBigUInt64LE(BigInt(lamports), 4);
	return buildTx(from, [to], [SYSTEM], blockhash,
	    [{ program: SYSTEM, accounts: [from.address, to], data }]);
}

function tokenTransferTx(owner, src, dst, amount, blockhash) {
	const data = Buffer.alloc(9);
	data[0] = 3;				/* TokenInstruction::Transfer */
	data.writeBigUInt64LE(BigInt(amount), 1);
	return buildTx(owner, [src, dst], [TOKEN], blockhash,
	    [{ program: TOKEN, accounts: [src, dst, owner.address], data }]);
}

const balance = async (a) => (await rpc('getBalance', [a])).value;

test('health, version, slot', async () => {
	assert.equal(await rpc('getHealth'), 'ok');
	assert.ok((await rpc('getVersion'))['solana-core']);
	assert.equal(typeof await rpc('getSlot'), 'number');
	assert.equal(await rpc('getMinimumBalanceForRentExemption', [0]),
	    890880);
});

test('SOL transfer through sendTransaction', async () => {
	const alice = keypair();
	const bob = keypair().address;
	const air = await rpc('requestAirdrop', [alice.address, 2e9]);
	assert.equal(typeof air, 'string');
	assert.equal(await balance(alice.address), 2e9);
	const st0 = await rpc('getSignatureStatuses', [[air]]);
	assert.equal(st0.value[0].err, null);

	const lb = await rpc('getLatestBlockhash',
	    [{ commitment: 'confirmed' }]);
	assert.equal(typeof lb.context.slot, 'number');
	const { blockhash, lastValidBlockHeight } = lb.value;
	assert.ok(lastValidBlockHeight > lb.context.slot);
	assert.equal((await rpc('isBlockhashValid', [blockhash])).value, true);

	const tx = transferTx(alice, bob, 1e9, blockhash);
	const fee = await rpc('getFeeForMessage',
	    [tx.wire.subarray(65).toString('base64')]);
	assert.equal(fee.value, 5000);

	const sim = await rpc('simulateTransaction',
	    [tx.wire.toString('base64'), { encoding: 'base64' }]);
	assert.equal(sim.value.err, null);
	assert.ok(sim.value.logs.length > 0);

	const sig = await rpc('sendTransaction',
	    [tx.wire.toString('base64'), { encoding: 'base64' }]);
	assert.equal(sig, tx.signature);
	/* An unknown signature: the last character changed (to '2' when
	 * it already was '1', else the test would fail one run in 58). */
	const other = sig.replace(/.$/, sig.endsWith('1') ? '2' : '1');
	const st = await rpc('getSignatureStatuses', [[sig, other]]);
	assert.equal(st.value[0].err, null);
	assert.equal(st.value[0].confirmationStatus, 'confirmed');
	assert.equal(st.value[1], null);
	assert.equal(await balance(alice.address), 1e9 - 5000);
	assert.equal(await balance(bob), 1e9);

	const got = await rpc('getTransaction', [sig,
	    { encoding: 'base64', maxSupportedTransactionVersion: 0 }]);
	assert.equal(got.meta.err, null);
	assert.equal(got.meta.fee, 5000);

	/* Same bytes again: already processed. */
	const again = await rpcRaw('sendTransaction',
	    [tx.wire.toString('base64'), { encoding: 'base64' }]);
	assert.equal(again.error.code, -32002);
	assert.equal(again.error.data.err, 'AlreadyProcessed');

	/* Same transfer, same (still valid) blockhash, base58: a second
	 * transaction with its own signature lands too. */
	const tx2 = transferTx(alice, bob, 1e8, blockhash);
	assert.equal(await rpc('sendTransaction', [b58.decode(tx2.wire)]),
	    tx2.signature);
	assert.equal(await balance(bob), 1.1e9);

	/* A priority fee (SetComputeUnitPrice, default compute unit limit
	 * 3000 per builtin instruction): getFeeForMessage, the runtime's
	 * charge and meta.fee agree. */
	const CB = 'ComputeBudget111111111111111111111111111111';
	const xfer = Buffer.alloc(12);
	xfer.writeUInt32LE(2, 0);
	xfer.writeBigUInt64LE(1000000n, 4);
	const price = Buffer.alloc(9);
	price[0] = 3;
	price.writeBigUInt64LE(1000000n, 1);	/* micro-lamports per CU */
	const tx3 = buildTx(alice, [bob], [SYSTEM, CB], blockhash, [
	    { program: SYSTEM, accounts: [alice.address, bob], data: xfer },
	    { program: CB, accounts: [], data: price }]);
	const fee3 = (await rpc('getFeeForMessage',
	    [tx3.wire.subarray(65).toString('base64')])).value;
	assert.equal(fee3, 5000 + 6000);
	const before = await balance(alice.address);
	await rpc('sendTransaction', [b58.decode(tx3.wire)]);
	assert.equal(before - await balance(alice.address), 1000000 + fee3);
	assert.equal((await rpc('getTransaction', [tx3.signature])).meta.fee,
	    fee3);

	/* Finalized after 32 slots. */
	await rpc('waiaas_warp', [32]);
	const fin = await rpc('getSignatureStatuses', [[sig]]);
	assert.equal(fin.value[0].confirmationStatus, 'finalized');

	/* Preflight failure carries the simulation logs. */
	const big = transferTx(alice, bob, 5e9, blockhash);
	const bad = await rpcRaw('sendTransaction', [b58.decode(big.wire)]);
	assert.equal(bad.error.code, -32002);
	assert.match(bad.error.message, /^Transaction simulation failed/);
	assert.deepEqual(bad.error.data.err,
	    { InstructionError: [0, { Custom: 1 }] });
	assert.ok(bad.error.data.logs.some((l) => /insufficient/i.test(l)));

	/* A bad signature is refused before preflight. */
	const forged = Buffer.from(transferTx(alice, bob, 1, blockhash).wire);
	forged[1] ^= 1;
	const f = await rpcRaw('sendTransaction', [b58.decode(forged)]);
	assert.equal(f.error.code, -32003);
});

test('expired blockhash is refused', async () => {
	const alice = keypair();
	await rpc('requestAirdrop', [alice.address, 1e9]);
	const { blockhash } = (await rpc('getLatestBlockhash')).value;
	const fresh = await rpc('waiaas_expireBlockhash');
	assert.notEqual(fresh, blockhash);
	assert.equal((await rpc('isBlockhashValid', [blockhash])).value, false);
	const tx = transferTx(alice, keypair().address, 1000, blockhash);
	const r = await rpcRaw('sendTransaction', [b58.decode(tx.wire)]);
	assert.equal(r.error.code, -32002);
	assert.equal(r.error.data.err, 'BlockhashNotFound');
	assert.equal(await balance(alice.address), 1e9);
	/* Rebuilt and re-signed with the new blockhash, it lands. */
	const tx2 = transferTx(alice, keypair().address, 1e6, fresh);
	await rpc('sendTransaction', [b58.decode(tx2.wire)]);
	assert.equal(await balance(alice.address), 1e9 - 1e6 - 5000);
});

test('SPL mint, mintTo, jsonParsed, token transfer', async () => {
	const alice = keypair();
	const bob = keypair();
	await rpc('requestAirdrop', [alice.address, 1e9]);
	const mint = await rpc('waiaas_createMint',
	    [{ decimals: 6, mintAuthority: alice.address }]);
	const ata = await rpc('waiaas_mintTo',
	    [{ mint, owner: alice.address, amount: '1500000' }]);
	const bobAta = await rpc('waiaas_mintTo',
	    [{ mint, owner: bob.address, amount: 0 }]);

	const m = await rpc('getAccountInfo', [mint,
	    { encoding: 'jsonParsed' }]);
	assert.equal(m.value.owner, TOKEN);
	assert.equal(m.value.data.program, 'spl-token');
	assert.equal(m.value.data.parsed.type, 'mint');
	assert.equal(m.value.data.parsed.info.decimals, 6);
	assert.equal(m.value.data.parsed.info.supply, '1500000');
	assert.equal(m.value.data.parsed.info.mintAuthority, alice.address);

	for (const filter of [{ mint }, { programId: TOKEN }]) {
		const r = await rpc('getTokenAccountsByOwner',
		    [alice.address, filter, { encoding: 'jsonParsed' }]);
		assert.equal(r.value.length, 1);
		assert.equal(r.value[0].pubkey, ata);
		const info = r.value[0].account.data.parsed.info;
		assert.equal(info.owner, alice.address);
		assert.equal(info.mint, mint);
		assert.deepEqual(info.tokenAmount, { amount: '1500000',
		    decimals: 6, uiAmount: 1.5, uiAmountString: '1.5' });
	}

	/* The real token program accepts the state the helpers wrote. */
	const { blockhash } = (await rpc('getLatestBlockhash')).value;
	const tx = tokenTransferTx(alice, ata, bobAta, 500000, blockhash);
	await rpc('sendTransaction', [tx.wire.toString('base64'),
	    { encoding: 'base64' }]);
	const bal = await rpc('getTokenAccountBalance', [bobAta]);
	assert.equal(bal.value.uiAmountString, '0.5');
	const multi = await rpc('getMultipleAccounts', [[ata, bobAta,
	    keypair().address], { encoding: 'base64' }]);
	assert.equal(multi.value[0].data[1], 'base64');
	assert.equal(Buffer.from(multi.value[0].data[0], 'base64').length, 165);
	assert.equal(multi.value[2], null);
	assert.equal((await rpc('getTokenAccountBalance', [ata])).value.amount,
	    '1000000');
});

test('getSignaturesForAddress, getTransaction json with balances', async () => {
	const alice = keypair();
	const bob = keypair();
	await rpc('requestAirdrop', [alice.address, 2e9]);
	const mint = await rpc('waiaas_createMint',
	    [{ decimals: 6, mintAuthority: alice.address }]);
	const ata = await rpc('waiaas_mintTo',
	    [{ mint, owner: alice.address, amount: '900' }]);
	const bobAta = await rpc('waiaas_mintTo',
	    [{ mint, owner: bob.address, amount: '100' }]);
	const { blockhash } = (await rpc('getLatestBlockhash')).value;
	const sigs = [];
	for (const n of [1e6, 2e6, 3e6]) {
		const tx = transferTx(alice, bob.address, n, blockhash);
		sigs.push(await rpc('sendTransaction',
		    [tx.wire.toString('base64'), { encoding: 'base64' }]));
	}
	/* Newest first; limit, before and until page through them. */
	const all = await rpc('getSignaturesForAddress', [bob.address]);
	assert.deepEqual(all.map((e) => e.signature), [...sigs].reverse());
	assert.ok(all[0].slot > all[1].slot && all[1].slot > all[2].slot);
	assert.ok(all.every((e) => e.err === null));
	assert.ok(all[0].slot <= await rpc('getSlot'),
	    'getSlot: the last slot whose transactions are in');
	const one = await rpc('getSignaturesForAddress',
	    [bob.address, { limit: 1 }]);
	assert.deepEqual(one.map((e) => e.signature), [sigs[2]]);
	const older = await rpc('getSignaturesForAddress',
	    [bob.address, { before: sigs[2] }]);
	assert.deepEqual(older.map((e) => e.signature), [sigs[1], sigs[0]]);
	const newer = await rpc('getSignaturesForAddress',
	    [bob.address, { until: sigs[0] }]);
	assert.deepEqual(newer.map((e) => e.signature), [sigs[2], sigs[1]]);
	assert.equal((await rpcRaw('getSignaturesForAddress',
	    [bob.address, { limit: 1001 }])).error.code, -32602);

	/* json: the keys, the header and each key's lamports around it. */
	const got = await rpc('getTransaction', [sigs[1]]);
	const m = got.transaction.message;
	assert.deepEqual(got.transaction.signatures, [sigs[1]]);
	assert.deepEqual(m.accountKeys, [alice.address, bob.address, SYSTEM]);
	assert.deepEqual(m.header, { numRequiredSignatures: 1,
	    numReadonlySignedAccounts: 0, numReadonlyUnsignedAccounts: 1 });
	assert.equal(got.slot, all[1].slot);
	assert.equal(got.meta.postBalances[1] - got.meta.preBalances[1], 2e6);
	assert.equal(got.meta.preBalances[0] - got.meta.postBalances[0],
	    2e6 + 5000);
	assert.equal(m.instructions[0].programIdIndex, 2);
	assert.deepEqual(m.instructions[0].accounts, [0, 1]);

	/* A token transfer: the token accounts' amounts, mint and owner. */
	const tt = tokenTransferTx(alice, ata, bobAta, 250, blockhash);
	const ts = await rpc('sendTransaction', [tt.wire.toString('base64'),
	    { encoding: 'base64' }]);
	const tok = (await rpc('getTransaction', [ts,
	    { encoding: 'json', maxSupportedTransactionVersion: 0 }])).meta;
	const amt = (list, owner) => list.filter((b) => b.owner === owner)
	    .map((b) => [b.accountIndex, b.mint, b.uiTokenAmount.amount]);
	assert.deepEqual(amt(tok.preTokenBalances, bob.address),
	    [[2, mint, '100']]);
	assert.deepEqual(amt(tok.postTokenBalances, bob.address),
	    [[2, mint, '350']]);
	assert.deepEqual(amt(tok.postTokenBalances, alice.address),
	    [[1, mint, '650']]);
	assert.deepEqual((await rpc('getSignaturesForAddress', [bobAta]))
	    .map((e) => e.signature), [ts]);
	assert.equal((await rpcRaw('getTransaction', [ts, 'jsonParsed']))
	    .error.code, -32602);
});

test('malformed, unknown, batch, oversized', async () => {
	const bad = await post('{"jsonrpc":"2.0",');
	assert.equal(bad.status, 200);
	assert.equal(JSON.parse(bad.text).error.code, -32700);
	assert.equal((await rpcRaw('eth_blockNumber')).error.code, -32601);
	const batch = JSON.parse((await post(JSON.stringify([
	    { jsonrpc: '2.0', id: 1, method: 'getHealth' },
	    { jsonrpc: '2.0', id: 2, method: 'nope' }]))).text);
	assert.equal(batch.length, 2);
	assert.equal(batch[0].result, 'ok');
	assert.equal(batch[1].error.code, -32601);
	const big = await post('[' + ' '.repeat(2 << 20) + ']');
	assert.equal(big.status, 413);
	assert.equal((await rpcRaw('sendTransaction', ['!!!'])).error.code,
	    -32602);
});
