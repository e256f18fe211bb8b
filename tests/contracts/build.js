#!/usr/bin/env node
// Compile each test contract (TestToken.sol, the ERC-20; TestNFT.sol, an
// ERC-721; TestMulti.sol, an ERC-1155) with the solc-js pinned in
// tests/node/package.json and write NAME.json {abi, bytecode, solcVersion,
// sourceSha256} beside it.
//
// The JSON files are committed, so tests never need to compile: they read
// the ABI and bytecode from them.  Rerun this script (node
// tests/contracts/build.js, after npm install in tests/node) only when a
// .sol changes; it regenerates the JSON byte-identically for the same
// source and solc version.  `node build.js --check` exits 1 if a
// committed JSON is stale.
'use strict';
const fs = require('fs');
const path = require('path');
const crypto = require('crypto');
const solc = require(path.join(__dirname, '..', 'node', 'node_modules', 'solc'));

const NAMES = ['TestToken', 'TestNFT', 'TestMulti'];
let stale = false;

for (const NAME of NAMES) {
const SRC = path.join(__dirname, NAME + '.sol');
const OUT = path.join(__dirname, NAME + '.json');

const source = fs.readFileSync(SRC, 'utf8');
const input = {
	language: 'Solidity',
	sources: { [NAME + '.sol']: { content: source } },
	settings: {
		optimizer: { enabled: true, runs: 200 },
		// Fixed, not the compiler's default, so a solc bump does not
		// silently change the opcodes anvil has to support.
		evmVersion: 'cancun',
		outputSelection: { [NAME + '.sol']: { [NAME]: ['abi', 'evm.bytecode.object'] } },
	},
};
const out = JSON.parse(solc.compile(JSON.stringify(input)));
const errors = (out.errors || []).filter((e) => e.severity === 'error');
for (const e of out.errors || [])
	process.stderr.write(e.formattedMessage || e.message);
if (errors.length) process.exit(1);

const c = out.contracts[NAME + '.sol'][NAME];
const json = JSON.stringify({
	abi: c.abi,
	bytecode: '0x' + c.evm.bytecode.object,
	solcVersion: solc.version(),
	sourceSha256: crypto.createHash('sha256').update(source).digest('hex'),
}, null, 2) + '\n';

if (process.argv[2] === '--check') {
	const old = fs.existsSync(OUT) ? fs.readFileSync(OUT, 'utf8') : '';
	if (old !== json) {
		console.error(NAME + '.json is stale: run node tests/contracts/build.js');
		stale = true;
	} else
		console.log(NAME + '.json is up to date');
} else {
	fs.writeFileSync(OUT, json);
	console.log('wrote ' + OUT + ' (solc ' + solc.version() + ')');
}
}
if (stale) process.exit(1);
