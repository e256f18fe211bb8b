#!/usr/bin/env node
/*
 * EVM transactions by ethers (an implementation independent of the
 * daemon's), for t_sign_only.sh:
 *
 *   node tests/integration/evm_tx.js unsigned JSON
 *	prints the unsigned serialization of Transaction.from(JSON)
 *   node tests/integration/evm_tx.js parse HEX
 *	prints a signed transaction as JSON: the recovered sender, its
 *	hash and its fields
 */
'use strict';

const path = require('node:path');
const req = require('node:module').createRequire(path.join(__dirname,
    '..', 'node', 'package.json'));
const { Transaction } = req('ethers');

const [mode, arg] = process.argv.slice(2);
if (mode === 'unsigned') {
	console.log(Transaction.from(JSON.parse(arg)).unsignedSerialized);
} else if (mode === 'parse') {
	const t = Transaction.from(arg);
	console.log(JSON.stringify({ from: t.from, hash: t.hash, type: t.type,
	    nonce: t.nonce, to: t.to, value: String(t.value),
	    chainId: String(t.chainId), data: t.data,
	    unsigned: t.unsignedSerialized }));
} else {
	console.error('usage: evm_tx.js unsigned JSON | parse HEX');
	process.exit(2);
}
