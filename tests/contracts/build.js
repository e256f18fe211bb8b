#!/usr/bin/env node
// Compile TestToken.sol with the solc-js pinned in tests/node/package.json
// and write TestToken.json {abi, bytecode, solcVersion, sourceSha256}.
//
// TestToken.json is committed, so tests never need to compile: they read
// the ABI and bytecode from it.  Rerun this script (node
// tests/contracts/build.js, after npm install in tests/node) only when
// TestToken.sol changes; it regenerates the JSON byte-identically for the
// same source and solc version.  `node build.js --check` exits 1 if the
// committed JSON is stale.
'use strict';
const fs = require('fs');
const path = require('path');
const crypto = require('crypto');
const solc = require(path.join(__dirname, '..', 'node', 'node_modules', 'solc'));

const SRC = path.join(__dirname, 'TestToken.sol');
const OUT = path.join(__dirname, 'TestToken.json');

const source = fs.readFileSync(SRC, 'utf8');
const input = {
	language: 'Solidity',
	sources: { 'TestToken.sol': { content: source } },
	settings: {
		optimizer: { enabled: true, runs: 200 },
		// Fixed, not the compiler's default, so a solc bump does not
		// silently change the opcodes anvil has to support.
		evmVersion: 'cancun',
		outputSelection: { 'TestToken.sol': { TestToken: ['abi', 'evm.bytecode.object'] } },
	},
};
const out = JSON.parse(solc.compile(JSON.stringify(input)));
const errors = (out.errors || []).filter((e) => e.severity === 'error');
for (const e of out.errors || [])
	process.stderr.write(e.formattedMessage || e.message);
if (errors.length) process.exit(1);

const c = out.contracts['TestToken.sol'].TestToken;
const json = JSON.stringify({
	abi: c.abi,
	bytecode: '0x' + c.evm.bytecode.object,
	solcVersion: solc.version(),
	sourceSha256: crypto.createHash('sha256').update(source).digest('hex'),
}, null, 2) + '\n';

if (process.argv[2] === '--check') {
	const old = fs.existsSync(OUT) ? fs.readFileSync(OUT, 'utf8') : '';
	if (old !== json) {
		console.error('TestToken.json is stale: run node tests/contracts/build.js');
		process.exit(1);
	}
	console.log('TestToken.json is up to date');
} else {
	fs.writeFileSync(OUT, json);
	console.log('wrote ' + OUT + ' (solc ' + solc.version() + ')');
}
