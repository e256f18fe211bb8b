#!/usr/bin/env node
/*
 * Reference hashes for tests/unit/test_eip712.c, computed twice, by
 * @metamask/eth-sig-util's TypedDataUtils (eth_signTypedData_v4, the JSON
 * as is) and by ethers 6's TypedDataEncoder (types without EIP712Domain,
 * which it derives from the domain: every domain below lists its fields
 * in the canonical order, so the two must agree, and the script stops if
 * they do not).  Prints the C table pasted into the unit test:
 *
 *   mkdir -p /tmp/eip712-vec && cd /tmp/eip712-vec && npm init -y &&
 *       npm install ethers@6 @metamask/eth-sig-util@8
 *   NODE_PATH=/tmp/eip712-vec/node_modules node tests/vectors/eip712_vectors.js
 */
'use strict';

const { TypedDataUtils, SignTypedDataVersion } =
    require('@metamask/eth-sig-util');
const ethers = require('ethers');

const DOMAIN_FIELDS = [
	{ name: 'name', type: 'string' },
	{ name: 'version', type: 'string' },
	{ name: 'chainId', type: 'uint256' },
	{ name: 'verifyingContract', type: 'address' },
	{ name: 'salt', type: 'bytes32' },
];

function domainType(domain) {
	return DOMAIN_FIELDS.filter((f) => f.name in domain);
}

const OWNER = '0x9858EfFD232B4033E47d90003D41EC34EcaEda94';
const ROUTER = '0x3fC91A3afd70395Cd496C647d5a6CC9D4B2b7FAD';
const USDC = '0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48';
const DAI = '0x6B175474E89094C44Da98b954EedeAC495271d0F';
const WETH = '0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2';
const PERMIT2 = '0x000000000022D473030F116dDEE9F6B43aC78BA3';
const MAX160 = '1461501637330902918203684832716283019655932542975';
const MAX48 = '281474976710655';

const permit2Domain = { name: 'Permit2', chainId: 1,
    verifyingContract: PERMIT2 };
const details = [
	{ name: 'token', type: 'address' },
	{ name: 'amount', type: 'uint160' },
	{ name: 'expiration', type: 'uint48' },
	{ name: 'nonce', type: 'uint48' },
];
const tokenPermissions = [
	{ name: 'token', type: 'address' },
	{ name: 'amount', type: 'uint256' },
];

const cases = [
	/* The specification's example (EIP-712, "Example"). */
	['mail', {
		types: {
			Person: [
				{ name: 'name', type: 'string' },
				{ name: 'wallet', type: 'address' },
			],
			Mail: [
				{ name: 'from', type: 'Person' },
				{ name: 'to', type: 'Person' },
				{ name: 'contents', type: 'string' },
			],
		},
		primaryType: 'Mail',
		domain: { name: 'Ether Mail', version: '1', chainId: 1,
		    verifyingContract:
		    '0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC' },
		message: {
			from: { name: 'Cow', wallet:
			    '0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826' },
			to: { name: 'Bob', wallet:
			    '0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB' },
			contents: 'Hello, Bob!',
		},
	}],
	/* Arrays of structs, fixed arrays, a referenced type twice. */
	['arrays', {
		types: {
			Group: [
				{ name: 'name', type: 'string' },
				{ name: 'members', type: 'Person[]' },
				{ name: 'leads', type: 'Person[2]' },
				{ name: 'scores', type: 'uint8[3]' },
				{ name: 'tags', type: 'bytes32[]' },
				{ name: 'flags', type: 'bool[2]' },
				{ name: 'empty', type: 'address[]' },
			],
			Person: [
				{ name: 'name', type: 'string' },
				{ name: 'wallets', type: 'address[]' },
			],
		},
		primaryType: 'Group',
		domain: { name: 'Groups', version: '2', chainId: 10,
		    verifyingContract: USDC, salt: '0x' + 'ab'.repeat(32) },
		message: {
			name: 'core',
			members: [
				{ name: 'Alice', wallets: [OWNER, ROUTER] },
				{ name: 'Bob', wallets: [] },
				{ name: 'Carol', wallets: [DAI] },
			],
			leads: [
				{ name: 'Alice', wallets: [OWNER] },
				{ name: 'Dave', wallets: [WETH, USDC, DAI] },
			],
			scores: [0, '255', '0x7f'],
			tags: ['0x' + '01'.repeat(32), '0x' + 'fe'.repeat(32)],
			flags: [true, false],
			empty: [],
		},
	}],
	/* Signed integers of several widths, at and inside their edges. */
	['negative', {
		types: {
			Ints: [
				{ name: 'a', type: 'int8' },
				{ name: 'b', type: 'int8' },
				{ name: 'c', type: 'int16' },
				{ name: 'd', type: 'int24' },
				{ name: 'e', type: 'int64' },
				{ name: 'f', type: 'int256' },
				{ name: 'g', type: 'int256' },
				{ name: 'h', type: 'int256' },
				{ name: 'i', type: 'int40' },
				{ name: 'j', type: 'int128[]' },
			],
		},
		primaryType: 'Ints',
		domain: { name: 'Ints', chainId: 1 },
		message: {
			a: -128, b: 127, c: '-1', d: '8388607',
			e: '-9223372036854775808',
			f: '-578960446186580977117854925043439539266349923' +
			    '32820282019728792003956564819968',
			g: -1,
			h: '5789604461865809771178549250434395392663499233' +
			    '2820282019728792003956564819967',
			i: '-549755813888',
			j: ['-170141183460469231731687303715884105728', 0,
			    '-1', 42],
		},
	}],
	/* Dynamic bytes (empty, short, longer than a hashing chunk), bytesN,
	 * strings with multi-byte UTF-8. */
	['bytes', {
		types: {
			Blob: [
				{ name: 'none', type: 'bytes' },
				{ name: 'short', type: 'bytes' },
				{ name: 'long', type: 'bytes' },
				{ name: 'one', type: 'bytes1' },
				{ name: 'seven', type: 'bytes7' },
				{ name: 'word', type: 'bytes32' },
				{ name: 'text', type: 'string' },
				{ name: 'blank', type: 'string' },
				{ name: 'list', type: 'bytes[]' },
			],
		},
		primaryType: 'Blob',
		domain: { name: 'Blobs', version: '1' },
		message: {
			none: '0x',
			short: '0xDeadBeef',
			long: '0x' + Array.from({ length: 150 }, (_, i) =>
			    (i * 7 % 256).toString(16).padStart(2, '0')).join(''),
			one: '0xff',
			seven: '0x00112233445566',
			word: '0x' + '5a'.repeat(32),
			text: 'h\u00e9llo \u2713 \ud83d\ude00',
			blank: '',
			list: ['0x', '0x00', '0x0102'],
		},
	}],
	/* Arrays of arrays, of atoms and of structs. */
	['nested', {
		types: {
			Point: [
				{ name: 'x', type: 'int32' },
				{ name: 'y', type: 'int32' },
			],
			Shape: [
				{ name: 'grid', type: 'uint256[2][]' },
				{ name: 'paths', type: 'Point[][2]' },
				{ name: 'words', type: 'string[][]' },
				{ name: 'cube', type: 'uint8[2][2][2]' },
			],
		},
		primaryType: 'Shape',
		domain: { name: 'Shapes', version: '1', chainId: 5,
		    verifyingContract: WETH },
		message: {
			grid: [[1, 2], ['3', '0x4'], [0, 0]],
			paths: [
				[{ x: 1, y: -1 }, { x: -2147483648, y: 2147483647 }],
				[],
			],
			words: [['a', 'b'], [], ['c']],
			cube: [[[1, 2], [3, 4]], [[5, 6], [7, 8]]],
		},
	}],
	/* EIP-2612 on USDC. */
	['eip2612', {
		types: {
			Permit: [
				{ name: 'owner', type: 'address' },
				{ name: 'spender', type: 'address' },
				{ name: 'value', type: 'uint256' },
				{ name: 'nonce', type: 'uint256' },
				{ name: 'deadline', type: 'uint256' },
			],
		},
		primaryType: 'Permit',
		domain: { name: 'USD Coin', version: '2', chainId: 1,
		    verifyingContract: USDC },
		message: { owner: OWNER, spender: ROUTER, value: '1000000',
		    nonce: 0, deadline: '1767225600' },
	}],
	/* DAI's own permit, unlimited. */
	['dai', {
		types: {
			Permit: [
				{ name: 'holder', type: 'address' },
				{ name: 'spender', type: 'address' },
				{ name: 'nonce', type: 'uint256' },
				{ name: 'expiry', type: 'uint256' },
				{ name: 'allowed', type: 'bool' },
			],
		},
		primaryType: 'Permit',
		domain: { name: 'Dai Stablecoin', version: '1', chainId: 1,
		    verifyingContract: DAI },
		message: { holder: OWNER, spender: ROUTER, nonce: 3,
		    expiry: '1767225600', allowed: true },
	}],
	['permit2_single', {
		types: {
			PermitSingle: [
				{ name: 'details', type: 'PermitDetails' },
				{ name: 'spender', type: 'address' },
				{ name: 'sigDeadline', type: 'uint256' },
			],
			PermitDetails: details,
		},
		primaryType: 'PermitSingle',
		domain: permit2Domain,
		message: {
			details: { token: USDC, amount: MAX160,
			    expiration: MAX48, nonce: 0 },
			spender: ROUTER, sigDeadline: '1767225600',
		},
	}],
	['permit2_batch', {
		types: {
			PermitBatch: [
				{ name: 'details', type: 'PermitDetails[]' },
				{ name: 'spender', type: 'address' },
				{ name: 'sigDeadline', type: 'uint256' },
			],
			PermitDetails: details,
		},
		primaryType: 'PermitBatch',
		domain: permit2Domain,
		message: {
			details: [
				{ token: USDC, amount: '5000000',
				    expiration: '1767225600', nonce: 1 },
				{ token: WETH, amount: '0x0de0b6b3a7640000',
				    expiration: '1767225600', nonce: 2 },
			],
			spender: ROUTER, sigDeadline: '1767225600',
		},
	}],
	['permit2_transfer', {
		types: {
			PermitTransferFrom: [
				{ name: 'permitted', type: 'TokenPermissions' },
				{ name: 'spender', type: 'address' },
				{ name: 'nonce', type: 'uint256' },
				{ name: 'deadline', type: 'uint256' },
			],
			TokenPermissions: tokenPermissions,
		},
		primaryType: 'PermitTransferFrom',
		domain: permit2Domain,
		message: {
			permitted: { token: DAI, amount: '25000000000000000000' },
			spender: ROUTER, nonce: '77', deadline: '1767225600',
		},
	}],
	/* A Permit2 batch transfer with a witness (as UniswapX signs). */
	['permit2_witness', {
		types: {
			PermitBatchWitnessTransferFrom: [
				{ name: 'permitted', type: 'TokenPermissions[]' },
				{ name: 'spender', type: 'address' },
				{ name: 'nonce', type: 'uint256' },
				{ name: 'deadline', type: 'uint256' },
				{ name: 'witness', type: 'Order' },
			],
			Order: [
				{ name: 'swapper', type: 'address' },
				{ name: 'minOut', type: 'uint256' },
			],
			TokenPermissions: tokenPermissions,
		},
		primaryType: 'PermitBatchWitnessTransferFrom',
		domain: permit2Domain,
		message: {
			permitted: [
				{ token: USDC, amount: '1' },
				{ token: WETH, amount: '2' },
				{ token: DAI, amount: '3' },
			],
			spender: ROUTER, nonce: 1, deadline: '1767225600',
			witness: { swapper: OWNER, minOut: '999' },
		},
	}],
];

function hex(b) {
	return Buffer.from(b).toString('hex');
}

/* A C string literal of s, cut into pieces that fit in 80 columns. */
function cstring(s, indent) {
	const parts = [];
	let cur = '';
	for (const ch of Buffer.from(s, 'utf8')) {
		let e;
		if (ch === 0x22)
			e = '\\"';
		else if (ch === 0x5c)
			e = '\\\\';
		else if (ch < 0x20 || ch > 0x7e)
			e = '\\' + ch.toString(8).padStart(3, '0');
		else
			e = String.fromCharCode(ch);
		if (cur.length + e.length > 66) {
			parts.push(cur);
			cur = '';
		}
		cur += e;
	}
	parts.push(cur);
	return parts.map((p) => indent + '"' + p + '"').join('\n');
}

for (const [name, typed] of cases) {
	typed.types = Object.assign({ EIP712Domain: domainType(typed.domain) },
	    typed.types);
	const v = SignTypedDataVersion.V4;
	const d1 = hex(TypedDataUtils.hashStruct('EIP712Domain',
	    typed.domain, typed.types, v));
	const s1 = hex(TypedDataUtils.hashStruct(typed.primaryType,
	    typed.message, typed.types, v));
	const g1 = hex(TypedDataUtils.eip712Hash(typed, v));

	const types = Object.assign({}, typed.types);
	delete types.EIP712Domain;
	const enc = ethers.TypedDataEncoder.from(types);
	const d2 = ethers.TypedDataEncoder.hashDomain(typed.domain).slice(2);
	const s2 = enc.hashStruct(typed.primaryType, typed.message).slice(2);
	const g2 = ethers.TypedDataEncoder.hash(typed.domain, types,
	    typed.message).slice(2);
	if (d1 !== d2 || s1 !== s2 || g1 !== g2)
		throw new Error(name + ': eth-sig-util and ethers disagree');

	console.log('\t{ "' + name + '",');
	console.log(cstring(JSON.stringify(typed), '\t  ') + ',');
	console.log('\t  "' + d1 + '",');
	console.log('\t  "' + s1 + '",');
	console.log('\t  "' + g1 + '" },');
}

/* The specification's signature of its example: key keccak256("cow"). */
(async () => {
	const [, mail] = cases[0];
	const types = Object.assign({}, mail.types);
	delete types.EIP712Domain;
	const w = new ethers.Wallet(ethers.keccak256(ethers.toUtf8Bytes('cow')));
	const sig = await w.signTypedData(mail.domain, types, mail.message);
	console.log('/* The example signed by keccak256("cow"): r, s, v. */');
	console.log('static const char mail_sig[] =');
	console.log('    "' + sig.slice(2, 66) + '"');
	console.log('    "' + sig.slice(66, 130) + '"');
	console.log('    "' + sig.slice(130) + '";');
	console.log('static const char mail_signer[] =');
	console.log('    "' + w.address + '";');
})();
