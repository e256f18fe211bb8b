#!/usr/bin/env node
/*
 * The API reference page in headless Chromium (Debian's, driven by
 * playwright-core): opens URL/reference, waits for it to render /doc,
 * and reports what it shows next to what /doc holds, the CSP violations
 * and script errors, what a filter leaves visible, and what the page
 * says when /doc fails (the answer replaced with a 500 by the browser).
 * A screenshot goes to argv[3].
 *
 *   node tests/integration/reference_page.js URL SCREENSHOT.png
 *
 * prints one JSON object.
 */
'use strict';

const browsers = require('./browser.js');

const base = process.argv[2];
const shot = process.argv[3];
const out = { errors: [], violations: [] };

function watch(page) {
	page.on('pageerror', (e) => out.errors.push(String(e)));
	page.on('console', (m) => {
		if (m.type() === 'error')
			out.errors.push(m.text());
	});
	return page.addInitScript(() => {
		document.addEventListener('securitypolicyviolation', (e) => {
			window.__violations = window.__violations || [];
			window.__violations.push(e.violatedDirective + ' ' +
			    e.blockedURI);
		});
	});
}

async function main() {
	const doc = await (await fetch(base + '/doc')).json();
	out.docOps = [];
	for (const [p, item] of Object.entries(doc.paths))
		for (const m of ['get', 'post', 'put', 'patch', 'delete'])
			if (item[m])
				out.docOps.push(m.toUpperCase() + ' ' + p);
	out.docSchemas = Object.keys(doc.components.schemas).length;
	const browser = await browsers.open();
	try {
		let page = await browser.newPage();
		await watch(page);
		const res = await page.goto(base + '/reference');
		out.httpStatus = res.status();
		await page.waitForFunction(() => document.body.dataset.rendered,
		    null, { timeout: 15000 });
		out.rendered = await page.evaluate(() =>
		    document.body.dataset.rendered);
		out.title = await page.textContent('#title');
		out.pageOps = await page.$$eval('section.op .sig',
		    (es) => es.map((e) => e.textContent.replace(/^(GET|POST|PUT|PATCH|DELETE)/, '$1 ')));
		out.pageSchemas = await page.$$eval('section.schema',
		    (es) => es.length);
		/* One operation in full: the send. */
		out.send = await page.$eval('section.op[id="op-R_TX_SEND"]',
		    (e) => e.textContent).catch(() => '');
		out.scripts = await page.$$eval('script', (es) => es.length);
		/* The page's own style applied: the CSP hash let it in. */
		out.styled = await page.$eval('.m-post',
		    (e) => getComputedStyle(e).backgroundColor);
		await page.fill('#filter', '/v1/policies');
		out.filtered = await page.$$eval('section.op', (es) => es
		    .filter((e) => !e.classList.contains('hidden'))
		    .map((e) => e.querySelector('.sig').textContent));
		await page.fill('#filter', '');
		if (shot)
			await page.screenshot({ path: shot, fullPage: false });
		out.violations = await page.evaluate(() =>
		    window.__violations || []);
		await page.close();

		/* /doc failing: the page says so, in text (and Chromium
		 * logs the 500: errors are the first page's alone). */
		out.errors = out.errors.slice();
		const errs = out.errors;
		out.errors = [];
		page = await browser.newPage();
		await watch(page);
		await page.route('**/doc', (r) => r.fulfill({ status: 500,
		    contentType: 'application/json', body: '{}' }));
		await page.goto(base + '/reference');
		await page.waitForFunction(() => document.body.dataset.rendered,
		    null, { timeout: 15000 });
		out.failRendered = await page.evaluate(() =>
		    document.body.dataset.rendered);
		out.failText = await page.textContent('#error');
		out.failOps = await page.$$eval('section.op', (es) => es.length);
		out.failErrors = out.errors;
		out.errors = errs;
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
