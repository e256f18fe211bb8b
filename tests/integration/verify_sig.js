#!/usr/bin/env node
/*
 * Who signed it, by ethers (an implementation independent of the
 * daemon's): prints the recovered address.
 *
 *   node tests/integration/verify_sig.js personal MESSAGE SIGNATURE
 *   node tests/integration/verify_sig.js typed TYPED-DATA-JSON SIGNATURE
 */
'use strict';

const path = require('node:path');
const req = require('node:module').createRequire(path.join(__dirname,
    '..', 'node', 'package.json'));
const ethers = req('ethers');

const [mode, data, sig] = process.argv.slice(2);
if (mode === 'personal') {
	console.log(ethers.verifyMessage(data, sig));
} else {
	const t = JSON.parse(data);
	const types = Object.assign({}, t.types);
	delete types.EIP712Domain;
	console.log(ethers.verifyTypedData(t.domain, types, t.message, sig));
}
