#!/usr/bin/env node
/*
 * Unsigned Solana transactions as a dApp builds them, compiled by
 * @solana/kit (an implementation independent of the daemon's), for the
 * sign-only test.
 *
 *   node sol_tx.js unsigned JSON
 *
 * JSON: {feePayer, blockhash, ixs: [...]}, each instruction one of
 *   {kind: "transfer", from, to, lamports}
 *   {kind: "createAta", payer, owner, mint}	(CreateIdempotent)
 *   {kind: "transferChecked", authority, mint, toOwner | dst, amount,
 *    decimals}	(from the authority's associated token account)
 *   {kind: "memo", text}
 *   {kind: "raw", program, data (base64), accounts: [{pubkey, signer,
 *    writable}]}
 * prints the wire transaction, base64, its signature slots zero.
 *
 *   node sol_tx.js parse BASE64
 *
 * prints {signers: [...], signed: [bool...], feePayer, message (base64)}.
 *
 *   node sol_tx.js address SEED		(64 hex digits)
 *   node sol_tx.js signed SEED JSON
 *
 * the address of the Ed25519 key of that seed; the transaction of JSON
 * signed by it (its fee payer), base64: an outside sender's transfers.
 */
'use strict';

const path = require('node:path');
const req = require('node:module').createRequire(path.join(__dirname,
    '..', 'node', 'package.json'));
const kit = req('@solana/kit');
const system = req('@solana-program/system');
const token = req('@solana-program/token');

const MEMO = 'MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr';
const noop = (a) => kit.createNoopSigner(kit.address(a));

async function ata(owner, mint) {
	const [a] = await token.findAssociatedTokenPda({
		owner: kit.address(owner), mint: kit.address(mint),
		tokenProgram: token.TOKEN_PROGRAM_ADDRESS,
	});
	return a;
}

function role(a) {
	if (a.signer)
		return a.writable ? kit.AccountRole.WRITABLE_SIGNER :
		    kit.AccountRole.READONLY_SIGNER;
	return a.writable ? kit.AccountRole.WRITABLE :
	    kit.AccountRole.READONLY;
}

async function instruction(i) {
	switch (i.kind) {
	case 'transfer':
		return system.getTransferSolInstruction({
			source: noop(i.from), destination: kit.address(i.to),
			amount: BigInt(i.lamports),
		});
	case 'createAta':
		return token.getCreateAssociatedTokenIdempotentInstruction({
			payer: noop(i.payer), owner: kit.address(i.owner),
			mint: kit.address(i.mint),
			ata: await ata(i.owner, i.mint),
		});
	case 'transferChecked':
		return token.getTransferCheckedInstruction({
			source: await ata(i.authority, i.mint),
			mint: kit.address(i.mint),
			destination: i.dst ? kit.address(i.dst) :
			    await ata(i.toOwner, i.mint),
			authority: noop(i.authority),
			amount: BigInt(i.amount), decimals: i.decimals,
		});
	case 'memo':
		return { programAddress: kit.address(MEMO), accounts: [],
		    data: new TextEncoder().encode(i.text) };
	case 'raw':
		return { programAddress: kit.address(i.program),
		    data: Buffer.from(i.data ?? '', 'base64'),
		    accounts: i.accounts.map((a) => ({
			address: kit.address(a.pubkey), role: role(a) })) };
	default:
		throw new Error('unknown instruction ' + i.kind);
	}
}

async function compile(spec) {
	const ixs = [];
	for (const i of spec.ixs)
		ixs.push(await instruction(i));
	const m = kit.pipe(
	    kit.createTransactionMessage({ version: 'legacy' }),
	    (x) => kit.setTransactionMessageFeePayer(
		kit.address(spec.feePayer), x),
	    (x) => kit.setTransactionMessageLifetimeUsingBlockhash(
		{ blockhash: spec.blockhash, lastValidBlockHeight: 1000n }, x),
	    (x) => kit.appendTransactionMessageInstructions(ixs, x));
	return kit.compileTransaction(m);
}

async function unsigned(spec) {
	const wire = kit.getTransactionEncoder().encode(await compile(spec));
	console.log(Buffer.from(wire).toString('base64'));
}

function keyPair(seed) {
	if (!/^[0-9a-f]{64}$/.test(seed))
		throw new Error('SEED: 64 hex digits');
	return kit.createKeyPairFromPrivateKeyBytes(Buffer.from(seed, 'hex'));
}

async function signed(seed, spec) {
	const kp = await keyPair(seed);
	const tx = await kit.signTransaction([kp], await compile(spec));
	console.log(kit.getBase64EncodedWireTransaction(tx));
}

function parse(b64) {
	const tx = kit.getTransactionDecoder().decode(
	    Buffer.from(b64, 'base64'));
	const signers = Object.keys(tx.signatures);
	console.log(JSON.stringify({
		signers, feePayer: signers[0],
		signed: signers.map((s) => tx.signatures[s] !== null &&
		    tx.signatures[s].some((b) => b !== 0)),
		message: Buffer.from(tx.messageBytes).toString('base64'),
	}));
}

async function main() {
	const [verb, arg] = process.argv.slice(2);
	const rest = process.argv.slice(4);
	if (verb === 'unsigned')
		await unsigned(JSON.parse(arg));
	else if (verb === 'address')
		console.log(await kit.getAddressFromPublicKey(
		    (await keyPair(arg)).publicKey));
	else if (verb === 'signed')
		await signed(arg, JSON.parse(rest[0]));
	else if (verb === 'parse')
		parse(arg);
	else
		throw new Error('usage: sol_tx.js unsigned JSON | parse B64');
}

main().catch((e) => {
	console.error('sol_tx.js: ' + (e.stack || e));
	process.exit(2);
});
