#!/usr/bin/env node
/*
 * The owner at the approval page, in headless Chromium (Debian's, driven
 * by playwright-core): opens the page, with a test wallet injected before
 * any of the page's scripts run, clicks Approve or Reject, answers the
 * confirmation, and reports what the page showed and what the wallet was
 * asked.  The wallet signs here in Node with the owner's key: ethers for
 * an EVM owner (EIP-1193 provider: eth_requestAccounts, personal_sign),
 * node:crypto Ed25519 for a Solana owner (connect(), signMessage()).
 *
 *   node tests/integration/approve_page.js '{"url": "...",
 *       "wallet": "evm" | "sol" | "none", "key": "0x..." | "<seed hex>",
 *       "click": "approve" | "reject" | null, "confirm": true,
 *       "waitStatus": "text the status must reach" | null}'
 *
 * prints one JSON object: status, message, intent, actionsHidden, the
 * details shown (amount, to, network, tier, owner, reply, hash, id),
 * signed (what the wallet signed, as text), requests (the provider
 * methods the page called), dialogs, violations (CSP reports), errors.
 */
'use strict';

const crypto = require('node:crypto');
const path = require('node:path');
const req = require('node:module').createRequire(path.join(__dirname,
    '..', 'node', 'package.json'));
const browsers = require('./browser.js');
const ethers = req('ethers');

const a = JSON.parse(process.argv[2]);
const out = { signed: [], requests: [], dialogs: [], violations: [],
    errors: [] };

/* The owner's account and a signer over the message's bytes. */
function owner() {
	if (a.wallet === 'evm') {
		const w = new ethers.Wallet(a.key);
		return { address: w.address, sign: (bytes) =>
		    w.signMessageSync(bytes) };
	}
	if (a.wallet === 'sol') {
		const priv = crypto.createPrivateKey({ key: Buffer.concat([
		    Buffer.from('302e020100300506032b657004220420', 'hex'),
		    Buffer.from(a.key, 'hex')]), format: 'der', type: 'pkcs8' });
		const pub = crypto.createPublicKey(priv).export({
		    format: 'der', type: 'spki' }).subarray(12);
		return { address: ethers.encodeBase58(pub), sign: (bytes) =>
		    crypto.sign(null, bytes, priv).toString('base64') };
	}
	return null;
}

/*
 * Runs in the page before its own script.  The wallets call back into
 * Node (window.__ownerSign) for the signature, as a real wallet app
 * would ask its user.  The EVM account is given in lowercase, as
 * MetaMask gives it, so the page's comparison must ignore case.
 */
function inject(arg) {
	document.addEventListener('securitypolicyviolation', (e) => {
		window.__violations = window.__violations || [];
		window.__violations.push(e.violatedDirective + ' ' +
		    e.blockedURI);
	});
	const log = (m) => window.__ownerLog(m);
	if (arg.wallet === 'evm') {
		window.ethereum = {
			isMetaMask: true,
			request: async ({ method, params }) => {
				log(method);
				if (method === 'eth_requestAccounts' ||
				    method === 'eth_accounts')
					return [arg.address.toLowerCase()];
				if (method === 'personal_sign')
					return window.__ownerSign(params[0]);
				const e = new Error('unsupported: ' + method);
				e.code = 4200;
				throw e;
			},
		};
	} else if (arg.wallet === 'sol') {
		const publicKey = { toBase58: () => arg.address,
		    toString: () => arg.address };
		window.solana = {
			isPhantom: true,
			publicKey: null,
			connect: async () => {
				log('connect');
				window.solana.publicKey = publicKey;
				return { publicKey };
			},
			signMessage: async (bytes) => {
				log('signMessage');
				let s = '';
				for (const b of bytes)
					s += String.fromCharCode(b);
				const sig = atob(await window.__ownerSign(
				    btoa(s)));
				return { publicKey, signature: Uint8Array.from(
				    sig, (c) => c.charCodeAt(0)) };
			},
		};
	}
}

async function main() {
	const o = owner();
	const browser = await browsers.open();
	try {
		const page = await browser.newPage();
		page.on('pageerror', (e) => out.errors.push(String(e)));
		page.on('console', (m) => {
			if (m.type() === 'error')
				out.errors.push(m.text());
		});
		page.on('dialog', (d) => {
			out.dialogs.push(d.message());
			return a.confirm ? d.accept() : d.dismiss();
		});
		await page.exposeFunction('__ownerLog', (m) => {
			out.requests.push(m);
		});
		await page.exposeFunction('__ownerSign', (data) => {
			const bytes = a.wallet === 'evm' ?
			    ethers.getBytes(data) : Buffer.from(data, 'base64');
			out.signed.push(Buffer.from(bytes).toString('utf8'));
			return o.sign(bytes);
		});
		await page.addInitScript(inject, { wallet: a.wallet,
		    address: o ? o.address : '' });
		const res = await page.goto(a.url);
		out.httpStatus = res.status();
		/* Loaded: the status says something other than loading. */
		await page.waitForFunction(() => !/^loading/.test(
		    document.getElementById('status').textContent),
		    null, { timeout: 10000 });
		if (a.click) {
			await page.click('#' + a.click);
			/* Done: a message that is not a step under way. */
			await page.waitForFunction(() => {
				const m = document.getElementById('message')
				    .textContent;
				return m !== '' && !/^(Asking|Sending)/.test(m);
			}, null, { timeout: 20000 });
		}
		if (a.waitStatus)
			await page.waitForFunction((want) =>
			    document.getElementById('status').textContent ===
			    want, a.waitStatus, { timeout: 30000 })
			    .catch(() => out.errors.push('status never became ' +
			    a.waitStatus));
		const txt = (sel) => page.textContent(sel);
		out.status = await txt('#status');
		out.message = await txt('#message');
		out.messageIsError = await page.$eval('#message',
		    (e) => e.className === 'error');
		out.intent = await txt('#intent');
		out.memo = await txt('#f-memo');
		for (const f of ['amount', 'to', 'network', 'tier', 'owner',
		    'reply', 'hash', 'id'])
			out[f] = await txt('#f-' + f);
		out.actionsHidden = await page.$eval('#actions',
		    (e) => e.hidden);
		/* The page's own style applied: the CSP hash let it in. */
		out.styled = await page.$eval('#approve',
		    (e) => getComputedStyle(e).backgroundColor);
		out.violations = await page.evaluate(() =>
		    window.__violations || []);
	} finally {
		await browser.close();
	}
}

main().then(() => {
	process.stdout.write(JSON.stringify(out) + '\n');
}, (e) => {
	out.errors.push(String(e && e.stack || e));
	process.stdout.write(JSON.stringify(out) + '\n');
	process.exit(1);
});
