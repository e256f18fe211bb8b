#!/usr/bin/env node
/*
 * The fund owner's side of ownerAuth for the integration tests: an
 * EIP-4361 message made by the `siwe` package and signed by ethers
 * (EVM), or a Sign-In with Solana message made by
 * @solana/wallet-standard-util and signed with Ed25519 by node:crypto.
 *
 *   node tests/integration/sign_owner.js '{"chain": "evm" | "sol",
 *       "key": "0x<secp256k1 key>" | "<ed25519 seed hex>",
 *       "domain": "127.0.0.1:3100", "nonce": "...",
 *       "resources": ["urn:waiaas:action:owner.verify:<id>"],
 *       "issued": seconds from now (0), "lifetime": seconds (300),
 *       "address": the address to put in the message (the key's),
 *       "statement": "..."}'
 *
 * prints three lines, the X-Owner-Address, X-Owner-Message (base64 of
 * the message) and X-Owner-Signature headers' values.
 */
'use strict';

const crypto = require('node:crypto');
const path = require('node:path');
const req = require('node:module').createRequire(path.join(__dirname,
    '..', 'node', 'package.json'));
const { SiweMessage } = req('siwe');
const ethers = req('ethers');
const { createSignInMessageText } = req('@solana/wallet-standard-util');

const a = JSON.parse(process.argv[2]);
const now = Date.now();
const iso = (off) => new Date(now + off * 1000).toISOString();
const issued = iso(a.issued || 0);
const expires = iso((a.issued || 0) + (a.lifetime || 300));
let address, text, sig;

if (a.chain === 'evm') {
	const w = new ethers.Wallet(a.key);

	address = a.address || w.address;
	/* The package's formatter; its constructor would refuse the
	 * deliberately bad messages some tests need. */
	text = Object.assign(Object.create(SiweMessage.prototype), {
		domain: a.domain, address, statement: a.statement,
		uri: 'http://' + a.domain, version: '1', chainId: 1,
		nonce: a.nonce, issuedAt: issued, expirationTime: expires,
		resources: a.resources,
	}).prepareMessage();
	sig = w.signMessageSync(text);
} else {
	const der = Buffer.concat([
	    Buffer.from('302e020100300506032b657004220420', 'hex'),
	    Buffer.from(a.key, 'hex')]);
	const priv = crypto.createPrivateKey({ key: der, format: 'der',
	    type: 'pkcs8' });
	const pub = crypto.createPublicKey(priv).export({ format: 'der',
	    type: 'spki' }).subarray(12);

	address = a.address || ethers.encodeBase58(pub);
	text = createSignInMessageText({
		domain: a.domain, address, statement: a.statement,
		uri: 'http://' + a.domain, version: '1', chainId: 'mainnet',
		nonce: a.nonce, issuedAt: issued, expirationTime: expires,
		resources: a.resources,
	});
	sig = crypto.sign(null, Buffer.from(text, 'utf8'), priv)
	    .toString('base64');
}
process.stdout.write(address + '\n' +
    Buffer.from(text, 'utf8').toString('base64') + '\n' + sig + '\n');
