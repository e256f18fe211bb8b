/*
 * The operator's page (served as /admin/admin.js).  Plain JavaScript, no
 * library, no build step.
 *
 * The master password lives in the variable `password` and nowhere else:
 * no localStorage, sessionStorage or cookie, so nothing survives a reload
 * and no other site can make the browser send it (no CSRF).  Every call
 * sends it as X-Master-Password; a 401 forgets it and brings back the
 * login form.
 *
 * Every value from the API reaches the page as text: elements are made
 * with createElement and filled with textContent, never innerHTML.
 *
 * Pages are chosen by the hash (#/dashboard, #/wallets, ...).  A panel
 * whose route answers 404 says "not available in this daemon" rather
 * than failing: some routes of the reference are not served here.
 */
'use strict';

(function () {
	let password = null;
	let generation = 0;	/* a newer page render makes older ones moot */
	let idleLimit = 900;	/* s: the daemon's adminTimeout */
	let lastActive = 0;

	const PAGES = ['dashboard', 'wallets', 'sessions', 'policies',
	    'transactions', 'audit', 'notifications', 'settings', 'backups'];
	const TX_STATUSES = ['PENDING', 'QUEUED', 'EXECUTING', 'SUBMITTED',
	    'CONFIRMED', 'FAILED', 'CANCELLED', 'EXPIRED', 'SIGNED'];
	const NA = 'not available in this daemon';

	/* Each policy type's fields: [key, kind, hint].  Kinds: amount (a
	 * decimal string), int, num, bool, enum:A|B, json (any JSON). */
	const POLICY_TYPES = {
		SPENDING_LIMIT: [
			['instant_max', 'amount', 'smallest units'],
			['notify_max', 'amount', 'smallest units'],
			['delay_max', 'amount', 'smallest units'],
			['delay_seconds', 'int', '60 to 2592000'],
			['approval_timeout', 'int', '60 to 604800'],
			['instant_max_usd', 'num', 'USD'],
			['notify_max_usd', 'num', 'USD'],
			['delay_max_usd', 'num', 'USD'],
			['daily_limit_usd', 'num', 'USD'],
			['monthly_limit_usd', 'num', 'USD'],
		],
		WHITELIST: [['allowed_addresses', 'json',
		    '["0x...", ...]']],
		ALLOWED_NETWORKS: [['networks', 'json',
		    '[{"network": "ethereum-sepolia"}]']],
		ALLOWED_TOKENS: [['tokens', 'json', '[{"address": "0x..."}]']],
		CONTRACT_WHITELIST: [['contracts', 'json',
		    '[{"address": "0x..."}]']],
		METHOD_WHITELIST: [['methods', 'json',
		    '[{"contractAddress": "0x...", "selectors": ["0xa9059cbb"]}]']],
		APPROVED_SPENDERS: [['spenders', 'json',
		    '[{"address": "0x..."}]']],
		APPROVE_AMOUNT_LIMIT: [['maxAmount', 'amount', 'smallest units'],
		    ['blockUnlimited', 'bool', '']],
		APPROVE_TIER_OVERRIDE: [['tier',
		    'enum:INSTANT|NOTIFY|DELAY|APPROVAL', '']],
		TIME_RESTRICTION: [['allowed_hours', 'json',
		    '{"start": 9, "end": 17}'],
		    ['allowed_days', 'json', '[1, 2, 3, 4, 5] (0 is Sunday)']],
		RATE_LIMIT: [['max_requests', 'int', '1 to 1000000'],
		    ['window_seconds', 'int', '1 to 2592000']],
	};

	/* ---- Elements, always as text ---- */

	function el(tag, props, ...kids) {
		const e = document.createElement(tag);
		for (const [k, v] of Object.entries(props || {})) {
			if (v === undefined || v === null)
				continue;
			if (k === 'text')
				e.textContent = String(v);
			else if (k === 'cls')
				e.className = v;
			else if (k === 'on')
				for (const [ev, f] of Object.entries(v))
					e.addEventListener(ev, f);
			else if (k === 'data')
				for (const [dk, dv] of Object.entries(v))
					e.dataset[dk] = String(dv);
			else if (k in e && typeof v === 'boolean')
				e[k] = v;
			else
				e.setAttribute(k, String(v));
		}
		for (const c of kids.flat()) {
			if (c === undefined || c === null || c === false)
				continue;
			e.append(c instanceof Node ? c : String(c));
		}
		return e;
	}

	function fmtTime(t) {
		if (t === undefined || t === null || t === '')
			return '';
		const n = Number(t);
		if (!Number.isFinite(n))
			return String(t);
		/* seconds or milliseconds since the epoch */
		const d = new Date(n < 1e12 ? n * 1000 : n);
		return isNaN(d.getTime()) ? String(t) :
		    d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
	}

	function show(v) {
		if (v === undefined || v === null)
			return '';
		if (typeof v === 'object')
			return JSON.stringify(v);
		return String(v);
	}

	/* A table: columns are [title, function(row) -> text or Node]. */
	function table(cols, rows, opts) {
		const o = opts || {};
		const t = el('table', { cls: o.cls });
		t.append(el('thead', null, el('tr', null,
		    cols.map((c) => el('th', { text: c[0] })))));
		const tb = el('tbody');
		for (const r of rows) {
			const tr = el('tr', { data: o.rowData ? o.rowData(r) :
			    undefined });
			for (const c of cols) {
				const v = c[1](r);
				tr.append(el('td', { cls: c[2] }, v instanceof Node ?
				    v : show(v)));
			}
			if (o.onRow) {
				tr.classList.add('clickable');
				tr.addEventListener('click', (ev) => {
					if (ev.target.closest('button'))
						return;
					o.onRow(r, tr);
				});
			}
			tb.append(tr);
		}
		t.append(tb);
		if (rows.length === 0)
			return el('div', null, t, el('p', { cls: 'muted',
			    text: o.empty || 'None.' }));
		return t;
	}

	function kv(obj) {
		const dl = el('dl', { cls: 'kv' });
		for (const [k, v] of Object.entries(obj || {}))
			dl.append(el('dt', { text: k }), el('dd', { cls: 'mono',
			    text: show(v) }));
		return dl;
	}

	function panel(title, ...kids) {
		return el('section', { cls: 'panel', data: { panel: title } },
		    el('h3', { text: title }), ...kids);
	}

	/* ---- The API ---- */

	class ApiError extends Error {
		constructor(status, body, text) {
			super(body && typeof body.message === 'string' ?
			    body.message : 'HTTP ' + status);
			this.status = status;
			this.body = body || {};
			this.text = text;
		}
	}

	async function api(method, path, body) {
		if (password === null)
			throw new ApiError(401, { message: 'not logged in' });
		const headers = { 'X-Master-Password': password };
		const init = { method, headers, credentials: 'omit',
		    cache: 'no-store', redirect: 'error' };
		if (body !== undefined) {
			headers['Content-Type'] = 'application/json';
			init.body = JSON.stringify(body);
		}
		let r, text;
		try {
			r = await fetch(path, init);
			text = await r.text();
		} catch (e) {
			throw new ApiError(0, { message: 'the daemon did not ' +
			    'answer: ' + e.message });
		}
		let j = null;
		try {
			j = text.length ? JSON.parse(text) : null;
		} catch (e) {
			j = null;
		}
		if (r.status === 401) {
			logout('The daemon refused the master password (' +
			    (j && j.code ? j.code : '401') + '). Log in again.');
			throw new ApiError(401, j, text);
		}
		if (!r.ok)
			throw new ApiError(r.status, j, text);
		return j;
	}

	function notServed(e) {
		/* The route itself is unknown here (not a wallet or a
		 * transaction that is not found). */
		return e instanceof ApiError && ((e.status === 404 &&
		    e.body.code === 'NOT_FOUND') || e.status === 405);
	}

	/* An API error as text: its code, message, each issue, its hint. */
	function errorBox(e) {
		const box = el('div', { cls: 'error', role: 'alert' });
		if (!(e instanceof ApiError)) {
			box.textContent = String(e && e.message || e);
			return box;
		}
		const b = e.body || {};
		box.append((b.code ? b.code + ': ' : 'HTTP ' + e.status + ': ') +
		    (b.message || ''));
		const issues = b.details && Array.isArray(b.details.issues) ?
		    b.details.issues : [];
		if (issues.length) {
			const ul = el('ul', { cls: 'issues' });
			for (const i of issues)
				ul.append(el('li', { text: (Array.isArray(i.path) ?
				    i.path.join('.') : show(i.path)) + ': ' +
				    show(i.message) }));
			box.append(ul);
		}
		if (b.hint)
			box.append(el('div', { cls: 'muted', text: b.hint }));
		return box;
	}

	/* Run an action from a button: errors land in `where`. */
	function action(where, f) {
		return async (ev) => {
			if (ev)
				ev.preventDefault();
			where.replaceChildren();
			try {
				await f();
			} catch (e) {
				if (!(e instanceof ApiError && e.status === 401))
					where.replaceChildren(errorBox(e));
			}
		};
	}

	/* A button that asks to be clicked twice for what cannot be undone
	 * (no confirm() dialog: the page fires none). */
	function armed(label, cls, f) {
		const b = el('button', { type: 'button', cls, text: label });
		let armedAt = 0;
		b.addEventListener('click', async (ev) => {
			const now = Date.now();
			if (now - armedAt > 5000) {
				armedAt = now;
				b.textContent = 'Click again to ' +
				    label.toLowerCase();
				return;
			}
			armedAt = 0;
			b.textContent = label;
			await f(ev);
		});
		return b;
	}

	/* A panel filled by an async function; a 404 says not available. */
	function asyncPanel(title, fill) {
		const body = el('div', { text: 'Loading...', cls: 'muted' });
		const p = panel(title, body);
		const gen = generation;
		p.dataset.async = '1';
		(async () => {
			try {
				const content = await fill();
				if (gen !== generation)
					return;
				body.className = '';
				body.replaceChildren(content);
			} catch (e) {
				if (gen !== generation)
					return;
				body.className = '';
				if (notServed(e))
					body.replaceChildren(el('p', { cls: 'na',
					    text: NA }));
				else if (!(e instanceof ApiError &&
				    e.status === 401))
					body.replaceChildren(errorBox(e));
			} finally {
				p.dataset.loaded = '1';
			}
		})();
		return p;
	}

	async function walletList() {
		const j = await api('GET', '/v1/wallets');
		return (j && j.items) || [];
	}

	function walletSelect(wallets, opts) {
		const o = opts || {};
		const s = el('select', { name: o.name || 'walletId' });
		if (o.any)
			s.append(el('option', { value: '', text: o.any }));
		for (const w of wallets)
			if (!o.activeOnly || w.status !== 'TERMINATED')
				s.append(el('option', { value: w.id,
				    text: w.name + ' (' + w.chain + ', ' +
				    w.id.slice(0, 8) + ')' }));
		return s;
	}

	function qs(params) {
		const u = new URLSearchParams();
		for (const [k, v] of Object.entries(params))
			if (v !== undefined && v !== null && v !== '')
				u.set(k, v);
		const s = u.toString();
		return s ? '?' + s : '';
	}

	/* ---- Login and routing ---- */

	function logout(why) {
		password = null;
		generation++;
		document.getElementById('main').replaceChildren();
		document.getElementById('main').classList.add('hidden');
		document.getElementById('nav').classList.add('hidden');
		document.getElementById('logout').classList.add('hidden');
		document.getElementById('login').classList.remove('hidden');
		document.getElementById('login-error').textContent = why || '';
		document.getElementById('password').focus();
		document.body.dataset.state = 'login';
	}

	async function login(ev) {
		ev.preventDefault();
		const input = document.getElementById('password');
		const err = document.getElementById('login-error');
		password = input.value;
		input.value = '';
		err.textContent = '';
		try {
			const st = await api('GET', '/v1/admin/status');
			if (st && Number.isInteger(st.adminTimeout) &&
			    st.adminTimeout > 0)
				idleLimit = st.adminTimeout;
		} catch (e) {
			if (!(e instanceof ApiError && e.status === 401)) {
				password = null;
				err.textContent = 'Could not log in: ' +
				    e.message;
			}
			return;
		}
		document.getElementById('login').classList.add('hidden');
		document.getElementById('nav').classList.remove('hidden');
		document.getElementById('logout').classList.remove('hidden');
		document.getElementById('main').classList.remove('hidden');
		document.body.dataset.state = 'in';
		lastActive = Date.now();
		route();
	}

	/* The password is forgotten after adminTimeout seconds without a
	 * click or a key in this tab. */
	function idleCheck() {
		if (password !== null &&
		    Date.now() - lastActive > idleLimit * 1000)
			logout('Logged out after ' + idleLimit + ' s idle.');
	}

	function route() {
		if (password === null)
			return;
		let page = (location.hash.match(/^#\/([a-z]+)/) || [])[1];
		if (!PAGES.includes(page))
			page = 'dashboard';
		render(page);
	}

	function render(page) {
		generation++;
		const main = document.getElementById('main');
		for (const a of document.querySelectorAll('#nav a'))
			a.classList.toggle('current', a.dataset.page === page);
		main.dataset.page = page;
		main.replaceChildren();
		const title = el('div', { cls: 'row' }, el('h2', {
		    text: page[0].toUpperCase() + page.slice(1) }),
		    el('button', { type: 'button', id: 'refresh',
		    text: 'Refresh', on: { click: () => render(page) } }));
		main.append(title);
		RENDER[page](main);
	}

	/* ---- Pages ---- */

	const RENDER = {};

	RENDER.dashboard = function (main) {
		const grid = el('div', { cls: 'grid' });
		main.append(grid);
		grid.append(asyncPanel('Daemon', async () => {
			const s = await api('GET', '/v1/admin/status');
			return kv({ status: s.status, version: s.version,
			    uptime: s.uptime + ' s', wallets: s.walletCount,
			    'active sessions': s.activeSessionCount,
			    policies: s.policyCount,
			    'recent transactions': s.recentTxCount,
			    'failed transactions': s.failedTxCount });
		}));
		grid.append(killSwitchPanel());
		grid.append(asyncPanel('RPC health', async () => {
			const j = await api('GET', '/v1/admin/rpc-status');
			const rows = [];
			for (const [net, eps] of Object.entries(j.networks || {}))
				for (const ep of eps || [])
					rows.push(Object.assign({ network: net }, ep));
			/* Networks without an endpoint are left out. */
			return table([['Network', (r) => r.network],
			    ['URL', (r) => r.url, 'mono'],
			    ['Status', (r) => r.status],
			    ['State', (r) => r.state],
			    ['Calls', (r) => r.calls],
			    ['Failures', (r) => r.failureCount],
			    ['Latency ms', (r) => r.lastLatencyMs],
			    ['Cooldown ms', (r) => r.cooldownRemainingMs],
			    ['Last error', (r) => r.lastError]], rows,
			    { cls: 'rpc', rowData: (r) => ({ network: r.network }),
			    empty: 'No network has an RPC endpoint.' });
		}));
		grid.append(asyncPanel('Price sources', async () => {
			const j = await api('GET', '/v1/admin/oracle-status');
			const rows = Object.entries(j.sources || {}).map(
			    ([name, v]) => Object.assign({ name }, v));
			return el('div', null, table([['Source', (r) => r.name],
			    ['Available', (r) => r.available],
			    ['Detail', (r) => r.baseUrl || (r.apiKeyConfigured ===
			    undefined ? '' : 'API key: ' + r.apiKeyConfigured)]],
			    rows, { rowData: (r) => ({ source: r.name }) }),
			    j.cache ? kv(j.cache) : null, j.crossValidation ?
			    el('p', { cls: 'muted', text: 'Cross-validation: ' +
			    (j.crossValidation.enabled ? 'on, threshold ' +
			    show(j.crossValidation.threshold) + ' %' : 'off') }) :
			    null);
		}));
		grid.append(asyncPanel('Notification channels', async () => {
			const j = await api('GET',
			    '/v1/admin/notifications/status');
			return el('div', null, el('p', { text: 'Notifications ' +
			    (j.enabled ? 'enabled' : 'disabled') }),
			    table([['Channel', (r) => r.name],
			    ['Enabled', (r) => r.enabled],
			    ['Delivered', (r) => r.delivered],
			    ['Failed', (r) => r.failed],
			    ['Pending', (r) => r.pending]], j.channels || []));
		}));
		main.append(asyncPanel('Waiting: approvals and the DELAY queue',
		    waitingQueue));
		main.append(asyncPanel('Wallets', async () => {
			const ws = await walletList();
			const bal = new Map();
			let balNote = null;
			for (const w of ws) {
				if (w.status === 'TERMINATED')
					continue;
				try {
					const b = await api('GET', '/v1/admin/wallets/' +
					    w.id + '/balance');
					bal.set(w.id, (b.balances || []).map((x) =>
					    x.network + ': ' + (x.native ?
					    (x.native.balanceFormatted ||
					    x.native.balance) + ' ' +
					    x.native.symbol :
					    x.error || '')).join('; '));
				} catch (e) {
					if (!notServed(e))
						throw e;
					balNote = 'Balances: ' + NA + '.';
					break;
				}
			}
			return el('div', null, table([['Name', (r) => r.name],
			    ['Chain', (r) => r.chain + ' ' + (r.environment ||
			    '')],
			    ['Address', (r) => r.publicKey, 'mono'],
			    ['Status', (r) => r.status],
			    ['Balance', (r) => bal.has(r.id) ? bal.get(r.id) :
			    '']], ws, { rowData: (r) => ({ id: r.id }) }),
			    balNote ? el('p', { cls: 'na', text: balNote }) :
			    null);
		}));
		main.append(asyncPanel('Recent transactions', async () => {
			const s = await api('GET', '/v1/admin/status');
			return txTable(s.recentTransactions || []);
		}));
	};

	function killSwitchPanel() {
		const msg = el('div');
		return asyncPanel('Kill switch', async () => {
			const k = await api('GET', '/v1/admin/kill-switch');
			const box = el('div', { id: 'killswitch',
			    data: { state: k.state } });
			box.append(el('p', null, 'State: ', el('span', {
			    cls: 'state state-' + k.state, text: k.state })));
			if (k.activatedAt)
				box.append(el('p', { cls: 'muted', text: 'Pulled ' +
				    fmtTime(k.activatedAt) + ' by ' +
				    show(k.activatedBy) }));
			if (k.state === 'ACTIVE')
				box.append(armed('Pull the kill switch', 'danger',
				    action(msg, async () => {
					await api('POST', '/v1/admin/kill-switch');
					render('dashboard');
				})));
			else
				box.append(armed('Recover', 'primary',
				    action(msg, async () => {
					await api('POST', '/v1/admin/recover');
					render('dashboard');
				})));
			box.append(msg);
			return box;
		});
	}

	async function waitingQueue() {
		const j = await api('GET', '/v1/admin/transactions' +
		    qs({ status: 'QUEUED', limit: 100 }));
		const msg = el('div');
		const t = table([['Tier', (r) => r.tier],
		    ['Wallet', (r) => r.walletName],
		    ['To', (r) => r.toAddress, 'mono'],
		    ['Amount', (r) => r.amount],
		    ['Network', (r) => r.network],
		    ['Created', (r) => fmtTime(r.createdAt)],
		    ['', (r) => el('span', null,
		    el('button', { type: 'button', cls: 'danger',
		    text: 'Cancel', data: { cancel: r.id }, on: { click:
		    action(msg, async () => {
			await api('POST', '/v1/admin/transactions/' + r.id +
			    '/cancel');
			render('dashboard');
		    }) } }),
		    r.tier === 'APPROVAL' ? el('button', { type: 'button',
		    cls: 'danger', text: 'Reject', data: { reject: r.id },
		    on: { click: action(msg, async () => {
			await api('POST', '/v1/admin/transactions/' + r.id +
			    '/reject');
			render('dashboard');
		    }) } }) : null)]],
		    j.items || [], { rowData: (r) => ({ id: r.id }),
		    empty: 'Nothing waiting.' });
		return el('div', { id: 'queue' }, t, msg);
	}

	function txTable(items, onRow) {
		return table([['Created', (r) => fmtTime(r.createdAt)],
		    ['Wallet', (r) => r.walletName],
		    ['Type', (r) => r.type],
		    ['Status', (r) => r.status],
		    ['Tier', (r) => r.tier],
		    ['To', (r) => r.toAddress, 'mono'],
		    ['Amount', (r) => r.amount],
		    ['Network', (r) => r.network],
		    ['Hash', (r) => r.txHash, 'mono']], items,
		    { rowData: (r) => ({ id: r.id }), onRow,
		    empty: 'No transactions.' });
	}

	RENDER.wallets = function (main) {
		const msg = el('div');
		const secret = el('div');
		const name = el('input', { name: 'name', required: true,
		    maxlength: 100 });
		const chain = el('select', { name: 'chain' },
		    el('option', { value: 'ethereum', text: 'ethereum' }),
		    el('option', { value: 'solana', text: 'solana' }));
		const env = el('select', { name: 'environment' },
		    el('option', { value: 'testnet', text: 'testnet' }),
		    el('option', { value: 'mainnet', text: 'mainnet' }));
		const key = el('input', { name: 'privateKey', type: 'password',
		    autocomplete: 'off', placeholder: 'only to import' });
		const created = (w) => {
			secret.replaceChildren(el('div', { cls: 'secret' },
			    'Wallet ' + w.name + ' (' + w.publicKey + ') made.',
			    w.session ? el('span', null, ' Its session token, ' +
			    'shown once:', el('span', { cls: 'mono',
			    id: 'new-token', text: w.session.token })) : null));
		};
		const form = el('form', { cls: 'inline', id: 'wallet-create' },
		    el('label', null, 'Name', name), el('label', null, 'Chain',
		    chain), el('label', null, 'Environment', env),
		    el('label', null, 'Private key', key),
		    el('button', { type: 'submit', cls: 'primary',
		    text: 'Create' }),
		    el('button', { type: 'button', id: 'wallet-import',
		    text: 'Import the key', on: { click: action(msg,
		    async () => {
			const w = await api('POST', '/v1/wallets/import', {
			    name: name.value, chain: chain.value,
			    environment: env.value, privateKey: key.value });
			key.value = '';
			created(w);
			await fill();
		    }) } }));
		form.addEventListener('submit', action(msg, async () => {
			const w = await api('POST', '/v1/wallets', {
			    name: name.value, chain: chain.value,
			    environment: env.value });
			created(w);
			await fill();
		}));
		const list = el('div', { id: 'wallet-list' });
		main.append(panel('New wallet', form, msg, secret),
		    panel('Wallets', list));
		const gen = generation;
		async function fill() {
			const lmsg = el('div');
			const ws = await walletList();
			if (gen !== generation)
				return;
			list.replaceChildren(table([['Name', (r) => r.name],
			    ['Id', (r) => r.id, 'mono'],
			    ['Chain', (r) => r.chain + ' ' + (r.environment ||
			    '')],
			    ['Address', (r) => r.publicKey, 'mono'],
			    ['Owner', (r) => r.ownerAddress ? r.ownerAddress +
			    ' (' + show(r.ownerState) + ')' : '', 'mono'],
			    ['Status', (r) => r.status],
			    ['', (r) => r.status === 'TERMINATED' ? '' :
			    walletActions(r, lmsg, fill)]], ws,
			    { rowData: (r) => ({ id: r.id }),
			    empty: 'No wallets yet.' }), lmsg);
			list.dataset.loaded = '1';
		}
		fill().catch((e) => list.replaceChildren(errorBox(e)));
	};

	function walletActions(w, msg, fill) {
		const rename = el('input', { size: 12, placeholder: 'new name',
		    'aria-label': 'new name' });
		const owner = el('input', { size: 14,
		    placeholder: 'owner address', 'aria-label': 'owner' });
		return el('div', { cls: 'row' },
		    rename, el('button', { type: 'button', text: 'Rename',
		    on: { click: action(msg, async () => {
			await api('PUT', '/v1/wallets/' + w.id,
			    { name: rename.value });
			await fill();
		    }) } }),
		    owner, el('button', { type: 'button', text: 'Set owner',
		    on: { click: action(msg, async () => {
			await api('PUT', '/v1/wallets/' + w.id + '/owner',
			    { owner_address: owner.value });
			await fill();
		    }) } }),
		    armed('Terminate', 'danger', action(msg, async () => {
			await api('DELETE', '/v1/wallets/' + w.id);
			await fill();
		    })));
	}

	RENDER.sessions = function (main) {
		const msg = el('div');
		const secret = el('div');
		const list = el('div', { id: 'session-list' });
		const formBox = el('div', { text: 'Loading...' });
		main.append(panel('New session', formBox, msg, secret),
		    panel('Sessions', list));
		const gen = generation;
		async function fill() {
			const j = await api('GET', '/v1/sessions' +
			    qs({ limit: 200 }));
			if (gen !== generation)
				return;
			const lmsg = el('div');
			list.replaceChildren(table([['Id', (r) => r.id, 'mono'],
			    ['Wallets', (r) => (r.wallets || []).map((w) =>
			    w.name).join(', ') || r.walletName],
			    ['Status', (r) => r.status],
			    ['Expires', (r) => fmtTime(r.expiresAt)],
			    ['Renewals', (r) => show(r.renewalCount) + '/' +
			    show(r.maxRenewals)],
			    ['Created', (r) => fmtTime(r.createdAt)],
			    ['', (r) => r.status !== 'ACTIVE' ? '' :
			    armed('Revoke', 'danger', action(lmsg, async () => {
				await api('DELETE', '/v1/sessions/' + r.id);
				await fill();
			    }))]], j.data || [], { rowData: (r) => ({ id: r.id }),
			    empty: 'No sessions.' }), lmsg);
			list.dataset.loaded = '1';
		}
		(async () => {
			const ws = await walletList();
			if (gen !== generation)
				return;
			const sel = walletSelect(ws, { activeOnly: true });
			sel.multiple = true;
			const ttl = el('input', { name: 'ttl', type: 'number',
			    min: 1, placeholder: 'default', size: 10 });
			const form = el('form', { cls: 'inline',
			    id: 'session-create' }, el('label', null,
			    'Wallets', sel), el('label', null, 'TTL (seconds)',
			    ttl), el('button', { type: 'submit', cls: 'primary',
			    text: 'Create' }));
			form.addEventListener('submit', action(msg, async () => {
				const ids = [...sel.selectedOptions].map((o) =>
				    o.value);
				const body = { walletIds: ids };
				if (ttl.value !== '')
					body.ttl = Number(ttl.value);
				const s = await api('POST', '/v1/sessions', body);
				secret.replaceChildren(el('div', { cls: 'secret',
				    id: 'new-session', data: { id: s.id } },
				    'Session ' + s.id + ' expires ' +
				    fmtTime(s.expiresAt) + '. Its token, shown ' +
				    'once (copy it now):', el('span', {
				    cls: 'mono', id: 'new-token', text: s.token })));
				await fill();
			}));
			formBox.replaceChildren(form);
			await fill();
		})().catch((e) => list.replaceChildren(errorBox(e)));
	};

	/* The fields of a policy type, filled from rules. */
	function ruleFields(type, rules) {
		const box = el('div', { cls: 'row rules' });
		const get = [];
		for (const [key, kind, hint] of POLICY_TYPES[type] || []) {
			const v = rules ? rules[key] : undefined;
			let input;
			if (kind === 'bool') {
				input = el('select', { name: key },
				    el('option', { value: '', text: '(unset)' }),
				    el('option', { value: 'true', text: 'true' }),
				    el('option', { value: 'false', text: 'false' }));
				input.value = v === undefined ? '' : String(v);
			} else if (kind.startsWith('enum:')) {
				input = el('select', { name: key });
				for (const o of kind.slice(5).split('|'))
					input.append(el('option', { value: o, text: o }));
				if (v !== undefined)
					input.value = String(v);
			} else if (kind === 'json') {
				input = el('textarea', { name: key,
				    placeholder: hint });
				input.value = v === undefined ? '' :
				    JSON.stringify(v, null, 1);
			} else {
				input = el('input', { name: key, size: 14,
				    placeholder: hint });
				input.value = v === undefined ? '' : String(v);
			}
			box.append(el('label', null, key, input));
			get.push([key, kind, input]);
		}
		/* The rules as typed, over what the policy had: an empty
		 * field is left out.  A value that does not parse goes as
		 * typed, so the daemon's own message names it. */
		box.rules = () => {
			const out = Object.assign({}, rules || {});
			for (const [key, kind, input] of get) {
				const s = input.value.trim();
				delete out[key];
				if (s === '')
					continue;
				if (kind === 'int' || kind === 'num') {
					out[key] = /^-?\d+(\.\d+)?$/.test(s) ? Number(s) :
					    s;
				} else if (kind === 'bool') {
					out[key] = s === 'true';
				} else if (kind === 'json') {
					try {
						out[key] = JSON.parse(s);
					} catch (e) {
						out[key] = s;
					}
				} else {
					out[key] = s;
				}
			}
			return out;
		};
		return box;
	}

	RENDER.policies = function (main) {
		const msg = el('div');
		const list = el('div', { id: 'policy-list' });
		const formBox = el('div', { text: 'Loading...' });
		const editBox = el('div');
		main.append(panel('New policy', formBox, msg), editBox,
		    panel('Policies', list));
		const gen = generation;
		let wallets = [];
		const wname = (id) => {
			if (!id)
				return '(every wallet)';
			const w = wallets.find((x) => x.id === id);
			return w ? w.name : id;
		};
		async function fill() {
			const j = await api('GET', '/v1/policies' +
			    qs({ limit: 500 }));
			if (gen !== generation)
				return;
			const lmsg = el('div');
			list.replaceChildren(table([['Type', (r) => r.type],
			    ['Wallet', (r) => wname(r.walletId)],
			    ['Network', (r) => r.network],
			    ['Rules', (r) => JSON.stringify(r.rules), 'mono'],
			    ['Priority', (r) => r.priority],
			    ['Enabled', (r) => r.enabled],
			    ['', (r) => el('span', { cls: 'row' },
			    el('button', { type: 'button', text: 'Edit',
			    data: { edit: r.id },
			    on: { click: () => edit(r) } }),
			    armed('Delete', 'danger', action(lmsg, async () => {
				await api('DELETE', '/v1/policies/' + r.id);
				editBox.replaceChildren();
				await fill();
			    })))]], j.data || [], { rowData: (r) => ({ id: r.id,
			    type: r.type }), empty: 'No policies: every ' +
			    'transaction is denied.' }), lmsg);
			list.dataset.loaded = '1';
		}
		function edit(p) {
			const emsg = el('div', { cls: 'edit-msg' });
			const fields = ruleFields(p.type, p.rules);
			const prio = el('input', { name: 'priority', size: 6 });
			prio.value = String(p.priority);
			const en = el('input', { name: 'enabled',
			    type: 'checkbox' });
			en.checked = !!p.enabled;
			const form = el('form', { id: 'policy-edit' }, fields,
			    el('div', { cls: 'row' }, el('label', null,
			    'Priority', prio), el('label', { cls: 'check' }, en,
			    'enabled'), el('button', { type: 'submit',
			    cls: 'primary', text: 'Save' }), el('button', {
			    type: 'button', text: 'Close', on: { click: () =>
			    editBox.replaceChildren() } })));
			form.addEventListener('submit', action(emsg, async () => {
				const body = { rules: fields.rules(),
				    enabled: en.checked };
				body.priority = /^-?\d+$/.test(prio.value.trim()) ?
				    Number(prio.value.trim()) : prio.value;
				await api('PUT', '/v1/policies/' + p.id, body);
				editBox.replaceChildren();
				await fill();
			}));
			editBox.replaceChildren(panel('Edit ' + p.type + ' ' +
			    p.id, form, emsg));
		}
		(async () => {
			wallets = await walletList();
			if (gen !== generation)
				return;
			const sel = walletSelect(wallets,
			    { any: '(every wallet)', activeOnly: true });
			const type = el('select', { name: 'type' });
			for (const t of Object.keys(POLICY_TYPES))
				type.append(el('option', { value: t, text: t }));
			const net = el('input', { name: 'network', size: 16,
			    placeholder: 'any network' });
			const prio = el('input', { name: 'priority', size: 6,
			    placeholder: '0' });
			const en = el('input', { name: 'enabled',
			    type: 'checkbox' });
			en.checked = true;
			let fields = ruleFields(type.value, null);
			const fbox = el('div', null, fields);
			type.addEventListener('change', () => {
				fields = ruleFields(type.value, null);
				fbox.replaceChildren(fields);
			});
			const form = el('form', { id: 'policy-create' },
			    el('div', { cls: 'row' }, el('label', null, 'Wallet',
			    sel), el('label', null, 'Type', type),
			    el('label', null, 'Network', net),
			    el('label', null, 'Priority', prio),
			    el('label', { cls: 'check' }, en, 'enabled')), fbox,
			    el('button', { type: 'submit', cls: 'primary',
			    text: 'Create' }));
			form.addEventListener('submit', action(msg, async () => {
				const body = { type: type.value,
				    rules: fields.rules(), enabled: en.checked };
				if (sel.value)
					body.walletId = sel.value;
				if (net.value.trim())
					body.network = net.value.trim();
				if (prio.value.trim())
					body.priority = /^-?\d+$/.test(prio.value
					    .trim()) ? Number(prio.value.trim()) :
					    prio.value;
				await api('POST', '/v1/policies', body);
				msg.replaceChildren(el('p', { cls: 'ok',
				    text: 'Created.' }));
				await fill();
			}));
			formBox.replaceChildren(form);
			await fill();
		})().catch((e) => list.replaceChildren(errorBox(e)));
	};

	RENDER.transactions = function (main) {
		const list = el('div', { id: 'tx-list' });
		const detail = el('div', { id: 'tx-detail' });
		const filters = el('div', { text: 'Loading...' });
		main.append(panel('Filter', filters), detail,
		    panel('Transactions', list));
		const gen = generation;
		(async () => {
			const ws = await walletList();
			if (gen !== generation)
				return;
			const sel = walletSelect(ws, { any: '(every wallet)',
			    name: 'wallet_id' });
			const st = el('select', { name: 'status' },
			    el('option', { value: '', text: '(any status)' }));
			for (const s of TX_STATUSES)
				st.append(el('option', { value: s, text: s }));
			const search = el('input', { name: 'search', size: 16,
			    placeholder: 'id, address, hash' });
			const form = el('form', { cls: 'inline', id: 'tx-filter' },
			    el('label', null, 'Wallet', sel),
			    el('label', null, 'Status', st),
			    el('label', null, 'Search', search),
			    el('button', { type: 'submit', text: 'Show' }));
			async function fill() {
				list.dataset.loaded = '';
				const j = await api('GET', '/v1/admin/transactions' +
				    qs({ wallet_id: sel.value, status: st.value,
				    search: search.value.trim(), limit: 100 }));
				if (gen !== generation)
					return;
				list.replaceChildren(el('p', { cls: 'muted',
				    text: show(j.total) + ' in all' }),
				    txTable(j.items || [], (r) => {
					detail.replaceChildren(panel('Transaction ' +
					    r.id, kv(r)));
				    }));
				list.dataset.loaded = '1';
			}
			form.addEventListener('submit', (ev) => {
				ev.preventDefault();
				fill().catch((e) => list.replaceChildren(
				    errorBox(e)));
			});
			filters.replaceChildren(form);
			await fill();
		})().catch((e) => list.replaceChildren(errorBox(e)));
	};

	RENDER.audit = function (main) {
		const vmsg = el('div', { id: 'audit-verify' });
		main.append(panel('Integrity', el('button', { type: 'button',
		    id: 'verify', text: 'Verify the chain of entries',
		    on: { click: action(vmsg, async () => {
			const v = await api('GET', '/v1/audit-logs/verify');
			vmsg.replaceChildren(el('p', { cls: v.valid ? 'ok' :
			    'error', data: { valid: v.valid }, text: (v.valid ?
			    'Valid: ' : 'NOT valid: ') + show(v.entries) +
			    ' entries checked' + (v.valid ? '.' : ' ' +
			    JSON.stringify(v)) }));
		    }) } }), vmsg));
		main.append(asyncPanel('Entries', async () => {
			const j = await api('GET', '/v1/audit-logs' +
			    qs({ limit: 200 }));
			return el('div', null, el('p', { cls: 'muted',
			    text: show(j.total) + ' in all, newest first' }),
			    table([['Id', (r) => r.id],
			    ['Time', (r) => fmtTime(r.timestamp)],
			    ['Event', (r) => r.eventType],
			    ['Actor', (r) => r.actor],
			    ['Severity', (r) => r.severity],
			    ['Wallet', (r) => r.walletId, 'mono'],
			    ['Transaction', (r) => r.txId, 'mono'],
			    ['Details', (r) => r.details, 'mono']], j.data || []));
		}));
	};

	RENDER.notifications = function (main) {
		const tmsg = el('div', { id: 'notify-result' });
		const ch = el('select', { name: 'channel' },
		    el('option', { value: '', text: '(every channel)' }),
		    el('option', { value: 'webhook', text: 'webhook' }),
		    el('option', { value: 'ntfy', text: 'ntfy' }),
		    el('option', { value: 'telegram', text: 'telegram' }));
		main.append(panel('Test send', el('div', { cls: 'row' }, ch,
		    el('button', { type: 'button', id: 'notify-test',
		    text: 'Send a test notification', on: { click:
		    action(tmsg, async () => {
			const j = await api('POST',
			    '/v1/admin/notifications/test',
			    ch.value ? { channel: ch.value } : {});
			tmsg.replaceChildren(table([['Channel',
			    (r) => r.channel], ['Sent', (r) => r.success],
			    ['Error', (r) => r.error]], j.results || [],
			    { empty: 'No channel is configured.' }));
		    }) } })), tmsg));
		main.append(asyncPanel('Channels', async () => {
			const j = await api('GET',
			    '/v1/admin/notifications/status');
			return el('div', null, el('p', { text: 'Notifications ' +
			    (j.enabled ? 'enabled' : 'disabled') }),
			    table([['Channel', (r) => r.name],
			    ['Enabled', (r) => r.enabled],
			    ['Wallets', (r) => r.configuredWallets],
			    ['Delivered', (r) => r.delivered],
			    ['Failed', (r) => r.failed],
			    ['Pending', (r) => r.pending]], j.channels || []));
		}));
		main.append(asyncPanel('Delivery log', async () => {
			const j = await api('GET', '/v1/admin/notifications/log' +
			    qs({ pageSize: 100 }));
			return el('div', null, el('p', { cls: 'muted',
			    text: show(j.total) + ' in all, newest first' }),
			    table([['Time', (r) => fmtTime(r.createdAt)],
			    ['Event', (r) => r.eventType],
			    ['Channel', (r) => r.channel],
			    ['Status', (r) => r.status],
			    ['Attempts', (r) => r.attempts],
			    ['Error', (r) => r.error],
			    ['Message', (r) => r.message]], j.logs || []));
		}));
	};

	/*
	 * Settings: GET /v1/admin/settings for the values, its schema for
	 * each key's label, whether PUT takes it (isEditable) and whether
	 * it is a credential (its value then only true or false: shown as
	 * set or not set, never as an input).  A key PUT does not take is
	 * shown as text.  Without a schema every key not a credential may
	 * be sent (a true or false shown as text), and the daemon says
	 * which it refuses.
	 */
	async function settingsSchema() {
		try {
			const j = await api('GET', '/v1/admin/settings/schema');
			const m = new Map();
			for (const d of (j && j.settings) || [])
				m.set(d.key, d);
			return m;
		} catch (e) {
			if (notServed(e))
				return null;
			throw e;
		}
	}

	function settingValue(r, def, msg) {
		if (def && def.isCredential)
			return el('span', { cls: 'cred', text: r.value ?
			    'set' : 'not set' });
		if ((def && !def.isEditable) || typeof r.value === 'boolean')
			return el('span', { cls: 'mono', text: show(r.value) });
		const i = el('input', { size: 30, 'aria-label': r.key });
		i.value = show(r.value);
		const b = el('button', { type: 'button', text: 'Save',
		    on: { click: action(msg, async () => {
			const u = await api('PUT', '/v1/admin/settings',
			    { settings: [{ key: r.key, value: i.value }] });
			const [c, k] = [r.key.slice(0, r.key.indexOf('.')),
			    r.key.slice(r.key.indexOf('.') + 1)];
			const now = u && u.settings && u.settings[c] ?
			    u.settings[c][k] : undefined;
			if (now !== undefined)
				i.value = show(now);
			msg.replaceChildren(el('p', { cls: 'ok', text: r.key +
			    ' saved (' + show(u && u.updated) + ' updated)' +
			    (now !== undefined ? ': now ' + show(now) : '') +
			    '.' }));
		    }) } });
		return el('span', { cls: 'row' }, i, b);
	}

	RENDER.settings = function (main) {
		main.append(asyncPanel('Settings', async () => {
			const [j, schema] = await Promise.all([
			    api('GET', '/v1/admin/settings'), settingsSchema()]);
			const box = el('div', { id: 'settings' });
			if (schema)
				box.append(el('p', { cls: 'muted', text: 'Keys with ' +
				    'a Save button change at run time; the others ' +
				    'are read at start (edit config.toml and ' +
				    'restart). Credentials show only as set or ' +
				    'not set.' }));
			for (const [cat, vals] of Object.entries(j || {})) {
				if (!vals || typeof vals !== 'object' ||
				    Object.keys(vals).length === 0)
					continue;
				const msg = el('div');
				const rows = Object.entries(vals).map(([k, v]) =>
				    ({ key: cat + '.' + k, value: v }));
				const def = (r) => schema && schema.get(r.key);
				box.append(el('h3', { text: cat }), table([
				    ['Key', (r) => r.key, 'mono'],
				    ['Setting', (r) => def(r) ? def(r).label : ''],
				    ['Value', (r) => settingValue(r, def(r), msg)]],
				    rows, { rowData: (r) => def(r) ? { key: r.key,
				    editable: def(r).isEditable } : { key: r.key } }),
				    msg);
			}
			return box;
		}));
	};

	RENDER.backups = function (main) {
		const msg = el('div', { id: 'backup-result' });
		let list = asyncPanel('Backups', listBackups);
		/* POST /v1/admin/backup makes an encrypted archive in
		 * backups/, under a key from the master password (README). */
		main.append(panel('New backup', el('p', { cls: 'muted',
		    text: 'The daemon makes an encrypted archive of its ' +
		    'database, sealed keys and configuration in backups/, ' +
		    'under a key derived from the master password; the ' +
		    'archives are listed below.' }),
		    el('button', { type: 'button',
		    id: 'backup-create', cls: 'primary',
		    text: 'Make a backup', on: { click: action(msg,
		    async () => {
			const b = await api('POST', '/v1/admin/backup');
			msg.replaceChildren(el('p', { cls: 'ok', text: 'Made ' +
			    show(b.path) + ' (' + show(b.size) + ' bytes, ' +
			    show(b.file_count) + ' files, schema ' +
			    show(b.schema_version) + ').' }));
			const fresh = asyncPanel('Backups', listBackups);
			list.replaceWith(fresh);
			list = fresh;
		    }) } }), msg), list);
	};

	async function listBackups() {
		const j = await api('GET', '/v1/admin/backups');
		return el('div', null, el('p', { cls: 'muted', text:
		    show(j.total) + ' archives; retention ' +
		    show(j.retention_count) }), table([['File',
		    (r) => r.filename, 'mono'], ['Made', (r) => r.created_at],
		    ['Size', (r) => r.size], ['Version',
		    (r) => r.daemon_version], ['Schema',
		    (r) => r.schema_version], ['Files', (r) => r.file_count]],
		    j.backups || [], { empty: 'No backups yet.' }));
	}

	document.addEventListener('DOMContentLoaded', () => {
		document.getElementById('login-form').addEventListener(
		    'submit', login);
		document.getElementById('logout').addEventListener('click',
		    () => logout(''));
		window.addEventListener('hashchange', route);
		for (const ev of ['click', 'keydown'])
			document.addEventListener(ev, () => {
				lastActive = Date.now();
			}, true);
		setInterval(idleCheck, 5000);
		logout('');
	});
})();
