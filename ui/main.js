/*
 * main.js: the shell of the console: who is logged in (GET /v1/session),
 * the login form, the navigation, routing by hash (#now, #trends...), and
 * the live stream of changes (/v1/events), reconnected when it drops.
 */
'use strict';

(function () {
	const K = window.Keluh;
	const ORDER = ['now', 'trends', 'response', 'rules', 'playground', 'deliveries'];
	let current = null;	/* {name, page, root} */
	let stream = null;
	let retryMs = 1000;
	let retryTimer = 0;

	const $ = (id) => document.getElementById(id);

	function pageName() {
		const h = location.hash.replace(/^#/, '').split('/')[0];
		return ORDER.includes(h) ? h : 'now';
	}

	/* ------------------------------------------------------------ */
	/* login */

	function showLogin(msg) {
		stopStream();
		leavePage();
		K.session = null;
		document.documentElement.lang = K.lang;
		$('shell').hidden = true;
		$('login').hidden = false;
		$('login-intro').textContent = K.t('login.intro');
		$('login-name-label').textContent = K.t('login.name');
		$('login-token-label').textContent = K.t('login.token');
		$('login-submit').textContent = K.t('login.submit');
		$('login-error').textContent = msg || '';
		document.title = 'keluh · ' + K.t('login.submit');
		$('login-name').focus();
	}

	async function onLogin(ev) {
		ev.preventDefault();
		const button = $('login-submit');
		button.disabled = true;
		$('login-error').textContent = '';
		try {
			const s = await K.api('POST', 'session', {
				token: $('login-token').value,
				name: $('login-name').value.trim(),
			});
			$('login-token').value = '';
			start(s);
		} catch (e) {
			const msg = e.status === 401 ? K.t('login.wrong')
				: e.status === 429 ? K.t('login.slow') : e.message;
			$('login-error').textContent = msg;
		} finally {
			button.disabled = false;
		}
	}

	async function logout() {
		try {
			await K.api('POST', 'session/logout', {});
		} catch (e) {
			/* logged out anyway once the cookie is gone or refused */
		}
		showLogin(K.t('login.bye'));
	}

	/* ------------------------------------------------------------ */
	/* the shell */

	function buildNav() {
		const nav = K.clear($('nav'));
		for (const name of ORDER)
			nav.appendChild(K.el('a', {href: '#' + name, dataset: {page: name},
			                           onclick: () => closeMenu()}, K.t('nav.' + name)));
	}

	function closeMenu() {
		$('nav').classList.remove('open');
		$('menu-toggle').setAttribute('aria-expanded', 'false');
	}

	function start(session) {
		K.session = session;
		K.lang = session.language === 'id' ? 'id' : 'en';
		document.documentElement.lang = K.lang;
		$('login').hidden = true;
		$('shell').hidden = false;
		$('user').textContent = '';
		$('user').appendChild(K.userText(session.user || ''));
		$('logout').textContent = K.t('logout');
		$('logout').hidden = session.via !== 'session';
		$('menu-toggle').textContent = K.t('menu');
		buildNav();
		startStream();
		route();
	}

	function leavePage() {
		if (!current)
			return;
		if (current.page.leave)
			current.page.leave();
		K.dropCharts(current.root);
		current = null;
	}

	function route() {
		if (!K.session)
			return;
		const name = pageName();
		leavePage();
		for (const a of $('nav').querySelectorAll('a'))
			a.classList.toggle('active', a.dataset.page === name);
		const root = K.clear($('main'));
		root.dataset.page = name;
		document.title = 'keluh · ' + K.t('nav.' + name);
		const page = K.pages[name];
		current = {name, page, root};
		root.appendChild(K.el('h1', {class: 'page-title'}, K.t('nav.' + name)));
		try {
			page.enter(root);
		} catch (e) {
			root.appendChild(K.errorBox(e));
			throw e;
		}
	}

	/* ------------------------------------------------------------ */
	/* the live stream: EventSource reconnects by itself after a drop; when the
	 * server refused it (closed: 401, 503 at max_streams) we try again later */

	function setLive(state) {
		const l = $('live');
		l.className = 'live ' + state;
		l.textContent = K.t('live.' + state);
		l.dataset.state = state;
	}

	function startStream() {
		stopStream();
		if (typeof EventSource !== 'function')
			return setLive('off');
		setLive('connecting');
		const es = new EventSource(K.apiUrl('events'), {withCredentials: true});
		stream = es;
		es.onopen = () => {
			retryMs = 1000;
			setLive('on');
		};
		es.onerror = () => {
			if (stream !== es)
				return;
			if (es.readyState === EventSource.CLOSED) {
				stream = null;
				setLive('off');
				retryTimer = setTimeout(checkThenStream, retryMs);
				retryMs = Math.min(retryMs * 2, 30000);
			} else {
				setLive('connecting');
			}
		};
		for (const kind of ['case', 'alert', 'delivery'])
			es.addEventListener(kind, (ev) => deliver(kind, ev.data));
	}

	/* A stream refused may mean the session ended: ask before streaming again. */
	async function checkThenStream() {
		try {
			K.session = Object.assign(K.session || {}, await K.api('GET', 'session'));
			startStream();
		} catch (e) {
			if (e.status !== 401) {
				retryTimer = setTimeout(checkThenStream, retryMs);
				retryMs = Math.min(retryMs * 2, 30000);
			}
		}
	}

	function stopStream() {
		clearTimeout(retryTimer);
		if (stream)
			stream.close();
		stream = null;
	}

	function deliver(kind, data) {
		let d = null;
		try {
			d = JSON.parse(data);
		} catch (e) {
			return;
		}
		if (current && current.page.onEvent)
			current.page.onEvent(kind, d);
	}

	/* ------------------------------------------------------------ */

	async function boot() {
		K.lang = (navigator.language || 'en').toLowerCase().startsWith('id') ? 'id' : 'en';
		K.onLoggedOut = () => { if (K.session) showLogin(K.t('login.expired')); };
		$('login-form').addEventListener('submit', onLogin);
		$('logout').addEventListener('click', logout);
		$('menu-toggle').addEventListener('click', () => {
			const open = $('nav').classList.toggle('open');
			$('menu-toggle').setAttribute('aria-expanded', String(open));
		});
		window.addEventListener('hashchange', route);
		try {
			start(await K.api('GET', 'session'));
		} catch (e) {
			showLogin(e.status === 401 ? '' : e.message);
		}
	}

	document.addEventListener('DOMContentLoaded', boot);
})();
