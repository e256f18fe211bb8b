#!/usr/bin/env node
/*
 * Headless Chromium (Debian's, driven by playwright-core) for the page
 * tests.  open() connects to the browser server named by PW_WS when a
 * test started one, else launches a browser of its own: a test that
 * visits a page ten times starts Chromium once (start_browser in lib.sh
 * runs this file, which prints the server's endpoint and serves until
 * it is stopped).  close() on a connected browser closes only the
 * pages and contexts it made.
 */
'use strict';

const path = require('node:path');
const req = require('node:module').createRequire(path.join(__dirname,
    '..', 'node', 'package.json'));
const { chromium } = req('playwright-core');

const options = {
	executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
	args: ['--no-sandbox', '--disable-gpu',
	    '--disable-background-networking'],
};

exports.open = () => process.env.PW_WS ?
    chromium.connect(process.env.PW_WS) : chromium.launch(options);

if (require.main === module) {
	chromium.launchServer(options).then((server) => {
		const stop = () => server.close().then(() => process.exit(0));
		process.on('SIGTERM', stop);
		process.on('SIGINT', stop);
		process.stdout.write(server.wsEndpoint() + '\n');
	}, (e) => {
		process.stderr.write('browser.js: ' + e.message + '\n');
		process.exit(1);
	});
}
