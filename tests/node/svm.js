#!/usr/bin/env node
/*
 * A Solana runtime for the integration tests: litesvm (the real runtime,
 * in-process) with the state a test needs, and a transaction signed by
 * the real signer.  litesvm keeps no state across processes, so this
 * script runs the signing command itself, with the blockhash it made.
 *
 *   node svm.js send --payer PUBKEY [--mint DECIMALS:AMOUNT]
 *       [--watch PUBKEY]... [--token-owner PUBKEY]... -- COMMAND ARGS...
 *
 * airdrops 10 SOL to the payer; with --mint, creates a mint whose
 * authority is the payer and the payer's associated token account holding
 * AMOUNT; runs COMMAND with @BLOCKHASH@ and @MINT@ replaced, takes the
 * base64 transaction it prints (its last line), sends it and prints JSON:
 * the result, the logs, and the lamports of the payer and every --watch
 * account (and the token balance of every --token-owner's associated
 * account) before and after.
 *
 *   node svm.js verify-msg PUBKEY SIGNATURE TEXT
 *
 * checks an Ed25519 signature (both base58) over the off-chain message
 * envelope "\xffsolana offchain", version 0, format, u16 LE length, TEXT.
 */
'use strict';

const { execFileSync } = require('child_process');
const crypto = require('crypto');
const { LiteSVM } = require('litesvm');
const kit = require('@solana/kit');
const token = require('@solana-program/token');

const b58 = kit.getBase58Encoder();	/* string -> bytes */
const addrDecoder = kit.getAddressDecoder();

function randomAddress() {
	return addrDecoder.decode(crypto.randomBytes(32));
}

async function tokenBalance(svm, owner, mint) {
	const [ata] = await token.findAssociatedTokenPda({
		owner, mint, tokenProgram: token.TOKEN_PROGRAM_ADDRESS,
	});
	const acct = svm.getAccount(ata);
	if (!acct.exists)
		return null;
	return token.getTokenDecoder().decode(acct.data).amount.toString();
}

async function setupMint(svm, authority, decimals, amount) {
	const mint = randomAddress();
	const rent = (n) => svm.minimumBalanceForRentExemption(BigInt(n));
	/* The state InitializeMint2 and MintTo leave behind. */
	const mintData = token.getMintEncoder().encode({
		mintAuthority: authority, supply: amount, decimals,
		isInitialized: true, freezeAuthority: null,
	});
	svm.setAccount({
		address: mint, data: mintData, executable: false,
		lamports: rent(mintData.length),
		programAddress: token.TOKEN_PROGRAM_ADDRESS,
		space: BigInt(mintData.length),
	});
	const [ata] = await token.findAssociatedTokenPda({
		owner: authority, mint,
		tokenProgram: token.TOKEN_PROGRAM_ADDRESS,
	});
	const ataData = token.getTokenEncoder().encode({
		mint, owner: authority, amount, delegate: null,
		state: token.AccountState.Initialized, isNative: null,
		delegatedAmount: 0n, closeAuthority: null,
	});
	svm.setAccount({
		address: ata, data: ataData, executable: false,
		lamports: rent(ataData.length),
		programAddress: token.TOKEN_PROGRAM_ADDRESS,
		space: BigInt(ataData.length),
	});
	return mint;
}

function parseArgs(argv) {
	const o = { watch: [], owners: [], cmd: null };
	for (let i = 0; i < argv.length; i++) {
		const a = argv[i];
		if (a === '--') {
			o.cmd = argv.slice(i + 1);
			break;
		} else if (a === '--payer')
			o.payer = kit.address(argv[++i]);
		else if (a === '--watch')
			o.watch.push(kit.address(argv[++i]));
		else if (a === '--token-owner')
			o.owners.push(kit.address(argv[++i]));
		else if (a === '--mint') {
			const [d, n] = argv[++i].split(':');
			o.mint = { decimals: Number(d), amount: BigInt(n) };
		} else
			throw new Error('unknown argument ' + a);
	}
	if (!o.payer || !o.cmd || o.cmd.length === 0)
		throw new Error('usage: svm.js send --payer PUBKEY ... -- CMD');
	return o;
}

async function send(argv) {
	const o = parseArgs(argv);
	const svm = new LiteSVM();
	const out = { blockhash: svm.latestBlockhash(), lamports: {},
	    tokens: {} };
	const res = svm.airdrop(o.payer, kit.lamports(10000000000n));
	if (!res || typeof res.err === 'function')
		throw new Error('airdrop failed');
	if (o.mint) {
		out.mint = await setupMint(svm, o.payer, o.mint.decimals,
		    o.mint.amount);
	}
	const watch = [o.payer, ...o.watch];
	for (const a of watch)
		out.lamports[a] = { before: Number(svm.getBalance(a) ?? 0n) };
	for (const a of o.owners)
		out.tokens[a] = { before: await tokenBalance(svm, a, out.mint) };

	const cmd = o.cmd.map((s) => s.replace('@BLOCKHASH@', out.blockhash)
	    .replace('@MINT@', out.mint ?? ''));
	const stdout = execFileSync(cmd[0], cmd.slice(1),
	    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
	const lines = stdout.trim().split('\n');
	const wire = Buffer.from(lines[lines.length - 1], 'base64');
	const tx = kit.getTransactionDecoder().decode(wire);
	out.signature = kit.getBase58Decoder().decode(
	    Object.values(tx.signatures)[0]);

	const r = svm.sendTransaction(tx);
	if (typeof r.err === 'function') {
		out.ok = false;
		out.err = String(r.toString());
		out.logs = r.meta().logs();
	} else {
		out.ok = true;
		out.logs = r.logs();
	}
	for (const a of watch)
		out.lamports[a].after = Number(svm.getBalance(a) ?? 0n);
	for (const a of o.owners)
		out.tokens[a].after = await tokenBalance(svm, a, out.mint);
	console.log(JSON.stringify(out));
}

function verifyMsg(pub, sig, text) {
	const msg = Buffer.from(text, 'utf8');
	const ascii = [...msg].every((c) => c >= 0x20 && c <= 0x7e);
	const head = Buffer.alloc(4);
	head[0] = 0;			/* version */
	head[1] = ascii ? 0 : 1;	/* format: ASCII or UTF-8 */
	head.writeUInt16LE(msg.length, 2);
	const data = Buffer.concat([Buffer.from('\xffsolana offchain',
	    'latin1'), head, msg]);
	const key = crypto.createPublicKey({ format: 'jwk', key: {
		kty: 'OKP', crv: 'Ed25519',
		x: Buffer.from(b58.encode(pub)).toString('base64url'),
	} });
	const ok = crypto.verify(null, data, key, Buffer.from(b58.encode(sig)));
	console.log(JSON.stringify({ ok }));
	process.exitCode = ok ? 0 : 1;
}

async function main() {
	const [verb, ...rest] = process.argv.slice(2);
	if (verb === 'send')
		await send(rest);
	else if (verb === 'verify-msg' && rest.length === 3)
		verifyMsg(rest[0], rest[1], rest[2]);
	else
		throw new Error('usage: svm.js send ... | verify-msg PUB SIG TEXT');
}

main().catch((e) => {
	console.error('svm.js: ' + (e.stack || e));
	process.exit(2);
});
