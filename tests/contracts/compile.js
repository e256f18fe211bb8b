#!/usr/bin/env node
// Compile self-contained test contracts (NAME.sol here, one contract
// NAME in it, no imports) with the solc-js pinned in
// tests/node/package.json, and write NAME.json {abi, bytecode,
// deployedBytecode, solcVersion, sourceSha256} beside it.
//
//	node tests/contracts/compile.js [--check] [NAME...]
//
// NAME defaults to every contract this script owns (CONTRACTS below;
// TestToken keeps its own build.js).  The JSON is committed, so tests
// never compile; rerun this only when a source changes: the same source
// and solc give byte-identical JSON.  --check writes nothing and exits 1
// if a committed JSON is stale.  deployedBytecode is the runtime code,
// for anvil_setCode.
'use strict';
const fs = require('fs');
const path = require('path');
const crypto = require('crypto');
const solc = require(path.join(__dirname, '..', 'node', 'node_modules', 'solc'));

const CONTRACTS = ['TestUSDC'];

function compile(name) {
	const file = name + '.sol';
	const source = fs.readFileSync(path.join(__dirname, file), 'utf8');
	const input = {
		language: 'Solidity',
		sources: { [file]: { content: source } },
		settings: {
			optimizer: { enabled: true, runs: 200 },
			// Fixed, as in build.js: a solc bump must not change
			// the opcodes anvil has to support.
			evmVersion: 'cancun',
			outputSelection: { [file]: { [name]: ['abi',
			    'evm.bytecode.object', 'evm.deployedBytecode.object'] } },
		},
	};
	const out = JSON.parse(solc.compile(JSON.stringify(input)));
	for (const e of out.errors || [])
		process.stderr.write(e.formattedMessage || e.message);
	if ((out.errors || []).some((e) => e.severity === 'error'))
		return null;
	const c = out.contracts[file][name];
	return JSON.stringify({
		abi: c.abi,
		bytecode: '0x' + c.evm.bytecode.object,
		deployedBytecode: '0x' + c.evm.deployedBytecode.object,
		solcVersion: solc.version(),
		sourceSha256: crypto.createHash('sha256').update(source).digest('hex'),
	}, null, 2) + '\n';
}

const args = process.argv.slice(2);
const check = args[0] === '--check';
const names = check ? args.slice(1) : args;
let status = 0;
for (const name of names.length ? names : CONTRACTS) {
	const json = compile(name);
	if (json === null) {
		status = 1;
		continue;
	}
	const out = path.join(__dirname, name + '.json');
	if (check) {
		const old = fs.existsSync(out) ? fs.readFileSync(out, 'utf8') : '';
		if (old !== json) {
			console.error(name + '.json is stale: run node tests/contracts/compile.js ' + name);
			status = 1;
		} else {
			console.log(name + '.json is up to date');
		}
	} else {
		fs.writeFileSync(out, json);
		console.log('wrote ' + out + ' (solc ' + solc.version() + ')');
	}
}
process.exit(status);
