#!/usr/bin/env node
/*
 * The admin page in headless Chromium (Debian's, driven by
 * playwright-core), as an operator uses it against the real daemon on
 * anvil: log in (a wrong password first), create wallets (one named
 * like an HTML tag), a SPENDING_LIMIT policy (a refused one first, then
 * edit it), sessions (one revoked), watch a send made with the page's
 * session token appear, cancel a DELAY-queued one from the dashboard,
 * verify the audit log, test-send a notification, read and change the
 * settings (a refused value too),
 * make a backup, pull and recover the kill switch; then an injected
 * inline script, a 401 and a reload.  Screenshots of each page go to
 * DIR/admin-<page>.png.
 *
 *   URL=... MASTER=... ANVIL_URL=... node admin_page.js SHOT_DIR
 *
 * prints one JSON object of what it saw; the shell test judges it.
 */
'use strict';

const path = require('node:path');
const browsers = require('./browser.js');

const base = process.env.URL;
const master = process.env.MASTER;
const anvil = process.env.ANVIL_URL;
const dir = process.argv[2];
const NET = 'ethereum-sepolia';
const XSS = '<img src=x onerror=alert(1)>';
const R = (n) => '0x6' + String(n).padStart(39, '0');
const out = { pageErrors: [], violations: [], dialogs: [], steps: [] };
const sleep = (ms) => new Promise((res) => setTimeout(res, ms));

async function rpc(method, params) {
	const r = await fetch(anvil, { method: 'POST', headers:
	    { 'Content-Type': 'application/json' }, body: JSON.stringify({
	    jsonrpc: '2.0', id: 1, method, params }) });
	return (await r.json()).result;
}

async function rest(method, p, token, body) {
	const h = { Authorization: 'Bearer ' + token };
	if (body !== undefined)
		h['Content-Type'] = 'application/json';
	const r = await fetch(base + p, { method, headers: h,
	    body: body === undefined ? undefined : JSON.stringify(body) });
	return { status: r.status, json: await r.json().catch(() => null) };
}

async function admin(method, p, body) {
	const h = { 'X-Master-Password': master };
	if (body !== undefined)
		h['Content-Type'] = 'application/json';
	const r = await fetch(base + p, { method, headers: h,
	    body: body === undefined ? undefined : JSON.stringify(body) });
	return { status: r.status, json: await r.json().catch(() => null) };
}

async function shot(page, name) {
	const f = path.join(dir, 'admin-' + name + '.png');
	await page.screenshot({ path: f, fullPage: true });
	out.steps.push('screenshot ' + name);
}

/* Go to a page and wait for every panel that loads to have loaded. */
async function go(page, name) {
	await page.evaluate((n) => { location.hash = '#/' + n; }, name);
	await page.waitForSelector('#main[data-page="' + name + '"]');
	await page.waitForFunction(() => [...document.querySelectorAll(
	    '#main [data-async]')].every((p) => p.dataset.loaded),
	    null, { timeout: 15000 });
}

async function main() {
	const browser = await browsers.open();
	try {
		const page = await browser.newPage({ viewport:
		    { width: 1280, height: 900 } });
		page.setDefaultTimeout(20000);
		page.on('pageerror', (e) => out.pageErrors.push(String(e)));
		page.on('dialog', (d) => {
			out.dialogs.push(d.message());
			d.dismiss().catch(() => {});
		});
		await page.addInitScript(() => {
			document.addEventListener('securitypolicyviolation',
			    (e) => {
				window.__violations = window.__violations || [];
				window.__violations.push(e.violatedDirective +
				    ' ' + e.blockedURI);
			});
		});

		/* Log in: a wrong password first. */
		const res = await page.goto(base + '/admin');
		out.httpStatus = res.status();
		await page.waitForSelector('body[data-state="login"]');
		out.loginFirst = await page.isVisible('#login-form');
		await page.fill('#password', 'not the password');
		await page.click('#login-form button[type="submit"]');
		await page.waitForFunction(() => document.getElementById(
		    'login-error').textContent.length > 0);
		out.wrongText = await page.textContent('#login-error');
		out.wrongMainHidden = await page.isHidden('#main');
		await page.fill('#password', master);
		await page.click('#login-form button[type="submit"]');
		await page.waitForSelector('body[data-state="in"]');
		await go(page, 'dashboard');
		out.passwordFieldEmpty = await page.inputValue('#password') ===
		    '';
		out.dashPanels = await page.$$eval('#main .panel h3',
		    (es) => es.map((e) => e.textContent));
		out.dashNA = await page.$$eval('#main .panel',
		    (es) => es.filter((p) => p.querySelector('.na'))
		    .map((p) => p.dataset.panel));
		const cells = (title) => page.$$eval('#main .panel[data-panel="' +
		    title + '"] tbody tr', (trs) => trs.map((tr) =>
		    [...tr.children].map((td) => td.children.length ? null :
		    td.textContent)));
		out.rpcRows = await cells('RPC health');
		out.priceRows = await cells('Price sources');
		out.dashErrors = await page.$$eval('#main .panel .error',
		    (es) => es.map((e) => e.textContent));
		await shot(page, 'dashboard');

		/* Wallets: one to use, one named like a tag. */
		await go(page, 'wallets');
		await page.waitForSelector('#wallet-list[data-loaded]');
		await page.fill('#wallet-create input[name="name"]', 'ui-w1');
		await page.click('#wallet-create button[type="submit"]');
		await page.waitForSelector('#new-token');
		out.walletToken = (await page.textContent('#new-token'))
		    .startsWith('wai_sess_');
		await page.waitForFunction(() => [...document.querySelectorAll(
		    '#wallet-list td')].some((t) => t.textContent === 'ui-w1'));
		const w1 = await page.$eval('#wallet-list tr[data-id]',
		    (tr) => ({ id: tr.dataset.id,
		    addr: tr.children[3].textContent }));
		out.wallet = w1;
		await page.fill('#wallet-create input[name="name"]', XSS);
		await page.click('#wallet-create button[type="submit"]');
		await page.waitForFunction((x) => [...document.querySelectorAll(
		    '#wallet-list td')].some((t) => t.textContent === x), XSS);
		await sleep(300);	/* an onerror would have fired by now */
		out.xssCells = await page.$$eval('#wallet-list td',
		    (ts, x) => ts.filter((t) => t.textContent === x &&
		    t.children.length === 0).length, XSS);
		out.imgs = await page.$$eval('img', (es) => es.length);
		/* Import a known key (anvil's third account). */
		const IKEY = '0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca87' +
		    '0fc3fb9a804cdab365a';
		await page.fill('#wallet-create input[name="name"]',
		    'ui-imported');
		await page.fill('#wallet-create input[name="privateKey"]', IKEY);
		await page.click('#wallet-import');
		await page.waitForFunction(() => [...document.querySelectorAll(
		    '#wallet-list td')].some((t) => t.textContent ===
		    'ui-imported'));
		out.imported = await page.$$eval('#wallet-list tr[data-id]',
		    (trs) => trs.filter((tr) => tr.children[0].textContent ===
		    'ui-imported').map((tr) => tr.textContent));
		out.importKeyCleared = await page.$eval(
		    '#wallet-create input[name="privateKey"]', (i) => i.value);
		out.importKeyInDom = (await page.content()).toLowerCase()
		    .includes(IKEY.slice(2));
		/* Rename and set the owner of the tag-named one. */
		const xssId = await page.$$eval('#wallet-list tr[data-id]',
		    (trs, x) => trs.find((tr) => tr.children[0].textContent ===
		    x).dataset.id, XSS);
		const row = '#wallet-list tr[data-id="' + xssId + '"]';
		await page.fill(row + ' input[placeholder="new name"]',
		    'renamed');
		await page.click(row + ' button:text("Rename")');
		await page.waitForFunction((r) => document.querySelector(r)
		    .children[0].textContent === 'renamed', row);
		await page.fill(row + ' input[placeholder="owner address"]',
		    '0x70997970C51812dc3A010C7d01b50e0d17dc79C8');
		await page.click(row + ' button:text("Set owner")');
		await page.waitForFunction((r) => /0x70997970/i.test(document
		    .querySelector(r).children[4].textContent), row);
		out.renamedOwner = await page.$eval(row, (tr) =>
		    [tr.children[0].textContent, tr.children[4].textContent]);
		await shot(page, 'wallets');
		/* Terminate it: two clicks. */
		await page.click(row + ' button:text("Terminate")');
		await page.click(row + ' button:text("Click again")');
		await page.waitForFunction((r) => !document.querySelector(r) ||
		    document.querySelector(r).children[5].textContent ===
		    'TERMINATED', row);
		out.terminated = await page.$eval(row, (tr) =>
		    tr.children[5].textContent).catch(() => 'not listed');

		/* Policies: a refused one shows the daemon's message. */
		await go(page, 'policies');
		await page.waitForSelector('#policy-list[data-loaded]');
		await page.selectOption('#policy-create select[name="walletId"]',
		    w1.id);
		await page.selectOption('#policy-create select[name="type"]',
		    'SPENDING_LIMIT');
		const f = (k, v) => page.fill('#policy-create [name="' + k +
		    '"]', v);
		await f('instant_max', 'many');
		await page.click('#policy-create button[type="submit"]');
		await page.waitForSelector('#main .error');
		out.refused = await page.textContent('#main .error');
		await f('instant_max', '1000');
		await f('notify_max', '2000');
		await f('delay_max', '3000');
		await f('delay_seconds', '60');
		await f('approval_timeout', '300');
		await page.click('#policy-create button[type="submit"]');
		await page.waitForSelector(
		    '#policy-list tr[data-type="SPENDING_LIMIT"]');
		await page.click('#policy-list tr[data-type="SPENDING_LIMIT"] ' +
		    'button[data-edit]');
		await page.fill('#policy-edit [name="approval_timeout"]', '600');
		await page.click('#policy-edit button[type="submit"]');
		await page.waitForFunction(() => /"approval_timeout":600/.test(
		    document.querySelector('#policy-list tr[data-type=' +
		    '"SPENDING_LIMIT"]').textContent));
		out.policyRules = await page.$eval('#policy-list ' +
		    'tr[data-type="SPENDING_LIMIT"] td:nth-child(4)',
		    (e) => JSON.parse(e.textContent));
		await shot(page, 'policies');

		/* Sessions: one to send with, one revoked. */
		await go(page, 'sessions');
		await page.waitForSelector('#session-list[data-loaded]');
		await page.selectOption('#session-create select', [w1.id]);
		await page.fill('#session-create input[name="ttl"]', '3600');
		await page.click('#session-create button[type="submit"]');
		await page.waitForSelector('#new-token');
		const token = await page.textContent('#new-token');
		out.sessionToken = token.startsWith('wai_sess_');
		await page.click('#session-create button[type="submit"]');
		await page.waitForFunction((t) => document.querySelector(
		    '#new-token') && document.querySelector('#new-token')
		    .textContent !== t, token);
		const token2 = await page.textContent('#new-token');
		const id2 = await page.$eval('#new-session',
		    (e) => e.dataset.id);
		out.s2Before = (await rest('GET', '/v1/connect-info',
		    token2)).status;
		const srow = '#session-list tr[data-id="' + id2 + '"]';
		await page.click(srow + ' button:text("Revoke")');
		await page.click(srow + ' button:text("Click again")');
		await page.waitForFunction((r) => !document.querySelector(r) ||
		    document.querySelector(r).children[2].textContent !==
		    'ACTIVE', srow);
		out.revokedStatus = await page.$eval(srow,
		    (tr) => tr.children[2].textContent).catch(() =>
		    'not listed');
		out.s2After = (await rest('GET', '/v1/connect-info',
		    token2)).status;
		await shot(page, 'sessions');

		/* A send appears on the transactions page. */
		await rpc('anvil_setBalance', [w1.addr,
		    '0xde0b6b3a7640000']);
		/* The dashboard's Wallets panel: its balance, from
		 * GET /v1/admin/wallets/{id}/balance. */
		await go(page, 'dashboard');
		out.dashBalance = await page.$eval('#main tr[data-id="' +
		    w1.id + '"]', (tr) => tr.lastElementChild.textContent);
		const t1 = await rest('POST', '/v1/transactions/send', token,
		    { network: NET, to: R(1), amount: '500' });
		out.t1 = t1.status;
		const T1 = t1.json && t1.json.id;
		await go(page, 'transactions');
		await page.waitForSelector('#tx-list[data-loaded="1"]');
		for (let i = 0; i < 60; i++) {
			const st = await page.$$eval('#tx-list tr[data-id="' + T1 +
			    '"] td:nth-child(4)', (es) => es.map((e) =>
			    e.textContent));
			out.t1Status = st[0];
			if (st[0] === 'CONFIRMED')
				break;
			await sleep(500);
			await page.click('#tx-filter button[type="submit"]');
			await page.waitForSelector('#tx-list[data-loaded="1"]');
		}
		await page.selectOption('#tx-filter select[name="wallet_id"]',
		    w1.id);
		await page.selectOption('#tx-filter select[name="status"]',
		    'CONFIRMED');
		await page.click('#tx-filter button[type="submit"]');
		await page.waitForSelector('#tx-list[data-loaded="1"]');
		out.filtered = await page.$$eval('#tx-list tr[data-id]',
		    (trs) => trs.map((tr) => [tr.dataset.id,
		    tr.children[3].textContent]));
		await page.click('#tx-list tr[data-id="' + T1 + '"]');
		await page.waitForSelector('#tx-detail dl');
		out.detail = await page.textContent('#tx-detail');
		await page.selectOption('#tx-filter select[name="status"]',
		    'FAILED');
		await page.click('#tx-filter button[type="submit"]');
		await page.waitForSelector('#tx-list[data-loaded="1"]');
		out.filteredFailed = await page.$$eval('#tx-list tr[data-id]',
		    (trs) => trs.length);
		await page.selectOption('#tx-filter select[name="status"]',
		    'CONFIRMED');
		await page.click('#tx-filter button[type="submit"]');
		await page.waitForSelector('#tx-list[data-loaded="1"]');
		await shot(page, 'transactions');

		/* A DELAY send, cancelled from the dashboard's queue. */
		const td = await rest('POST', '/v1/transactions/send', token,
		    { network: NET, to: R(2), amount: '2500' });
		out.td = td.status;
		const TD = td.json && td.json.id;
		const tdAt = Date.now();
		await go(page, 'dashboard');
		const qrow = '#queue tr[data-id="' + TD + '"]';
		out.queued = await page.$eval(qrow, (tr) =>
		    tr.children[0].textContent).catch(() => null);
		await shot(page, 'dashboard-queue');
		await page.click(qrow + ' button[data-cancel]');
		await page.waitForFunction(() => document.querySelector(
		    '#main[data-page="dashboard"] #queue'));
		await page.waitForSelector(qrow, { state: 'detached' });
		out.cancelled = (await rest('GET', '/v1/transactions/' + TD,
		    token)).json;

		/* The audit log, verified. */
		await go(page, 'audit');
		await page.click('#verify');
		await page.waitForSelector('#audit-verify p[data-valid]');
		out.auditValid = await page.$eval('#audit-verify p',
		    (e) => [e.dataset.valid, e.textContent]);
		out.auditRows = await page.$$eval('#main tbody tr',
		    (es) => es.length);
		await shot(page, 'audit');

		/* Notifications: a test send, whatever is configured. */
		await go(page, 'notifications');
		await page.click('#notify-test');
		await page.waitForFunction(() => document.getElementById(
		    'notify-result').childElementCount > 0);
		out.notifyResult = await page.textContent('#notify-result');
		await shot(page, 'notifications');

		/* Settings, against the daemon's own routes: every key of
		 * its schema shown with its label, an input and Save only
		 * for the keys PUT takes, a credential only as set or not
		 * set; a change saved, a value refused with the daemon's
		 * message. */
		await go(page, 'settings');
		out.settingsNA = await page.$$eval('#main .na',
		    (es) => es.map((e) => e.textContent));
		out.settingsErrors = await page.$$eval('#main .error',
		    (es) => es.map((e) => e.textContent));
		const schema = (await admin('GET',
		    '/v1/admin/settings/schema')).json.settings;
		out.schemaKeys = schema.map((d) => d.key).sort();
		out.schemaEditable = schema.filter((d) => d.isEditable)
		    .map((d) => d.key).sort();
		out.schemaCreds = schema.filter((d) => d.isCredential)
		    .map((d) => d.key).sort();
		const rows = () => page.$$eval('#settings tr[data-key]',
		    (trs) => trs.map((tr) => {
			const i = tr.querySelector('input');
			return { key: tr.dataset.key,
			    editable: tr.dataset.editable,
			    label: tr.children[1].textContent,
			    text: tr.children[2].textContent,
			    input: i ? i.value : null };
		    }));
		out.settingsShown = await rows();
		await shot(page, 'settings');
		const inp = '#settings input[aria-label="' +
		    'security.max_sessions_per_wallet"]';
		await page.fill(inp, '3');
		await page.click(inp + ' + button');
		await page.waitForSelector('#settings .ok');
		out.settingsSaved = await page.textContent('#settings .ok');
		out.settingsGetAfterSave = (await admin('GET',
		    '/v1/admin/settings')).json.security.max_sessions_per_wallet;
		await page.fill(inp, '0');
		await page.click(inp + ' + button');
		await page.waitForSelector('#settings .error');
		out.settingsRefused = await page.textContent('#settings .error');
		out.settingsGetAfterRefusal = (await admin('GET',
		    '/v1/admin/settings')).json.security.max_sessions_per_wallet;
		/* Shown afresh: the saved value. */
		await page.click('#refresh');
		await page.waitForFunction(() => [...document.querySelectorAll(
		    '#main [data-async]')].every((p) => p.dataset.loaded));
		out.settingsReloaded = await page.inputValue(inp);

		/* Backups: an archive made; the one the CLI made listed. */
		await go(page, 'backups');
		await page.click('#backup-create');
		await page.waitForFunction(() => document.getElementById(
		    'backup-result').childElementCount > 0);
		out.backupResult = await page.textContent('#backup-result');
		await page.waitForFunction(() => [...document.querySelectorAll(
		    '#main [data-async]')].every((p) => p.dataset.loaded));
		out.backupRows = await page.$$eval('#main [data-async] tbody tr',
		    (es) => es.map((e) => e.children[0].textContent));
		await shot(page, 'backups');

		/* The cancelled send never lands, past its delay. */
		const wait = tdAt + 65000 - Date.now();
		if (wait > 0)
			await sleep(wait);
		out.r2Balance = await rpc('eth_getBalance', [R(2), 'latest']);
		out.r1Balance = await rpc('eth_getBalance', [R(1), 'latest']);
		out.tdAfter = (await rest('GET', '/v1/transactions/' + TD,
		    token)).json;

		/* The kill switch: pull (two clicks), then recover. */
		await go(page, 'dashboard');
		await page.waitForSelector('#killswitch[data-state="ACTIVE"]');
		await page.click('#killswitch button:text("Pull")');
		await page.click('#killswitch button:text("Click again")');
		await page.waitForSelector(
		    '#killswitch[data-state="SUSPENDED"]');
		out.killState = await page.textContent('#killswitch');
		out.killSessions = (await rest('GET', '/v1/connect-info',
		    token)).status;
		await shot(page, 'killswitch');
		await page.click('#killswitch button:text("Recover")');
		await page.click('#killswitch button:text("Click again")');
		await page.waitForSelector('#killswitch[data-state="ACTIVE"]');
		out.recovered = true;

		/* An injected inline script does not run. */
		await page.evaluate(() => {
			window.__inline = 0;
			const s = document.createElement('script');
			s.textContent = 'window.__inline = 1;';
			document.body.append(s);
		});
		await sleep(300);
		out.inlineRan = await page.evaluate(() => window.__inline);
		out.violations = await page.evaluate(() =>
		    window.__violations || []);
		out.scripts = await page.$$eval('script', (es) => es.map(
		    (e) => e.getAttribute('src')));

		/* Nothing of the password kept anywhere but a variable. */
		out.stored = await page.evaluate((m) => ({
			local: localStorage.length,
			session: sessionStorage.length,
			cookie: document.cookie,
			inDom: document.documentElement.outerHTML.includes(m),
		}), master);

		/* A 401 brings back the login form. */
		await page.route('**/v1/admin/status', (r) => r.fulfill({
		    status: 401, contentType: 'application/json', body:
		    '{"code":"INVALID_MASTER_PASSWORD","message":"no",' +
		    '"requestId":"x","retryable":false}' }));
		await page.click('#refresh');
		await page.waitForSelector('body[data-state="login"]');
		out.after401 = [await page.isVisible('#login-form'),
		    await page.isHidden('#main'),
		    await page.textContent('#login-error')];
		await page.unroute('**/v1/admin/status');
		/* Logged in again, then a reload forgets the password. */
		await page.fill('#password', master);
		await page.click('#login-form button[type="submit"]');
		await page.waitForSelector('body[data-state="in"]');
		await page.reload();
		await page.waitForSelector('body[data-state="login"]');
		out.afterReload = await page.isVisible('#login-form');

		/* Idle for the daemon's adminTimeout (made 1 s here): the
		 * password is forgotten. */
		await page.route('**/v1/admin/status', async (r) => {
			const res = await r.fetch();
			const j = await res.json();
			j.adminTimeout = 1;
			await r.fulfill({ response: res, json: j });
		});
		await page.fill('#password', master);
		await page.click('#login-form button[type="submit"]');
		await page.waitForSelector('body[data-state="in"]');
		await page.waitForSelector('body[data-state="login"]',
		    { timeout: 10000 });
		out.idle = await page.textContent('#login-error');
	} finally {
		await browser.close();
	}
}

main().then(() => {
	process.stdout.write(JSON.stringify(out) + '\n');
}, (e) => {
	out.failed = String(e && e.stack || e);
	process.stdout.write(JSON.stringify(out) + '\n');
	process.exit(1);
});
