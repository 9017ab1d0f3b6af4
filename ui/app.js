/*
 * app.js: what every page of the keluh console shares: building DOM from
 * data (text only, never markup), the API client (session cookie, CSRF
 * header), times in the session's zone, the dialog that asks, the toast.
 * The pages (page_*.js) register themselves in Keluh.pages; main.js runs
 * the shell (login, routing, the live stream).
 */
'use strict';

(function () {
	const K = (window.Keluh = window.Keluh || {});
	K.pages = K.pages || {};
	K.session = null;

	/* ------------------------------------------------------------ */
	/* DOM: every text from the API goes in as a text node */

	/*
	 * el('td', {class: 'x', title: t, onclick: f, dataset: {id: 1}}, child...):
	 * children are nodes or strings (strings become text nodes), null skipped.
	 */
	K.el = function (tag, attrs, ...children) {
		const e = document.createElement(tag);
		for (const [k, v] of Object.entries(attrs || {})) {
			if (v === null || v === undefined || v === false)
				continue;
			if (k === 'class')
				e.className = v;
			else if (k === 'text')
				e.textContent = v;
			else if (k === 'dataset')
				Object.assign(e.dataset, v);
			else if (k.startsWith('on'))
				e.addEventListener(k.slice(2), v);
			else if (k in e && typeof v !== 'string')
				e[k] = v;
			else
				e.setAttribute(k, v === true ? '' : v);
		}
		K.append(e, children);
		return e;
	};

	K.append = function (parent, children) {
		for (const c of children.flat(Infinity)) {
			if (c === null || c === undefined || c === false)
				continue;
			parent.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
		}
		return parent;
	};

	/* el.append, but null, false and undefined children are left out (not "null"). */
	K.add = function (parent, ...children) {
		return K.append(parent, children);
	};

	/* parent's children replaced by these */
	K.fill = function (parent, ...children) {
		return K.append(K.clear(parent), children);
	};

	K.clear = function (e) {
		while (e.firstChild)
			e.removeChild(e.firstChild);
		return e;
	};

	/*
	 * Characters that would hide or reorder text: C0/C1 controls (but tab
	 * and newline), the bidi marks, embeddings, overrides and isolates, and
	 * zero-width ones. Shown as a visible code, so a U+202E in a mention
	 * cannot turn the words around it backwards.
	 */
	const HIDDEN = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;

	K.visible = function (s) {
		const frag = document.createDocumentFragment();
		let at = 0;
		s = String(s === null || s === undefined ? '' : s);
		for (const m of s.matchAll(HIDDEN)) {
			if (m.index > at)
				frag.appendChild(document.createTextNode(s.slice(at, m.index)));
			const code = m[0].codePointAt(0).toString(16).toUpperCase().padStart(4, '0');
			frag.appendChild(K.el('span', {class: 'ctl', title: 'U+' + code}, 'U+' + code));
			at = m.index + m[0].length;
		}
		if (at < s.length)
			frag.appendChild(document.createTextNode(s.slice(at)));
		return frag;
	};

	/* A text someone outside wrote (a mention, an author, a note): isolated, controls shown. */
	K.userText = function (s, cls) {
		return K.el('bdi', {class: cls || 'utext', dir: 'auto'}, K.visible(s));
	};

	/* An author's handle with one leading @, however the source wrote it. */
	K.handle = function (h) {
		return K.userText(String(h).startsWith('@') ? h : '@' + h);
	};

	/* A link only for http(s) URLs: a javascript: URL in a mention stays text. */
	K.safeLink = function (url, label) {
		if (typeof url === 'string' && /^https?:\/\//i.test(url))
			return K.el('a', {href: url, rel: 'noopener noreferrer', target: '_blank'},
			            K.userText(label || url));
		return url ? K.userText(url) : null;
	};

	/* ------------------------------------------------------------ */
	/* the API */

	K.ApiError = class extends Error {
		constructor(status, message) {
			super(message);
			this.status = status;
		}
	};

	K.apiBase = new URL('../v1/', document.baseURI);

	K.apiUrl = function (path, params) {
		const u = new URL(path, K.apiBase);
		for (const [k, v] of Object.entries(params || {}))
			if (v !== null && v !== undefined && v !== '')
				u.searchParams.set(k, v);
		return u.toString();
	};

	/* Resolves to the answer's JSON; rejects with K.ApiError (status 0: no answer). */
	K.api = async function (method, path, body, params) {
		const headers = {Accept: 'application/json'};
		if (method !== 'GET') {
			headers['Content-Type'] = 'application/json';
			if (K.session && K.session.csrf)
				headers['X-CSRF-Token'] = K.session.csrf;
		}
		let r;
		try {
			r = await fetch(K.apiUrl(path, params), {
				method,
				headers,
				credentials: 'same-origin',
				cache: 'no-store',
				body: body === undefined ? undefined : JSON.stringify(body),
			});
		} catch (e) {
			throw new K.ApiError(0, K.t('err.network'));
		}
		let j = null;
		try {
			j = await r.json();
		} catch (e) {
			j = null;
		}
		if (!r.ok) {
			const msg = j && typeof j.error === 'string' ? j.error : K.t('err.status', r.status);
			if (r.status === 401 && path !== 'session' && K.onLoggedOut)
				K.onLoggedOut();
			throw new K.ApiError(r.status, msg);
		}
		return j;
	};

	/* ------------------------------------------------------------ */
	/* times and numbers, in the session's language and zone */

	function locale() {
		return K.lang === 'id' ? 'id-ID' : 'en-GB';
	}

	function zone() {
		return (K.session && K.session.timezone) || 'UTC';
	}

	const fmtCache = new Map();

	K.dateFormat = function (opts) {
		const key = locale() + zone() + JSON.stringify(opts);
		let f = fmtCache.get(key);
		if (!f) {
			try {
				f = new Intl.DateTimeFormat(locale(), Object.assign({timeZone: zone()}, opts));
			} catch (e) {
				f = new Intl.DateTimeFormat(locale(), Object.assign({}, opts, {timeZone: 'UTC'}));
			}
			fmtCache.set(key, f);
		}
		return f;
	};

	/* "7 Dec 10:05" (with the year only when it is not this one) */
	K.fmtTime = function (iso) {
		if (!iso)
			return '–';
		const d = new Date(iso);
		if (isNaN(d))
			return String(iso);
		const sameYear = d.getUTCFullYear() === new Date().getUTCFullYear();
		return K.dateFormat({
			day: 'numeric', month: 'short', year: sameYear ? undefined : 'numeric',
			hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
		}).format(d);
	};

	K.fmtClock = function (iso) {
		return K.dateFormat({hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23'})
			.format(iso ? new Date(iso) : new Date());
	};

	/* 90 -> "1m 30s", 5400 -> "1h 30m", 200000 -> "2d 7h"; null -> "–" */
	K.fmtDur = function (s) {
		if (s === null || s === undefined || isNaN(s))
			return '–';
		s = Math.round(Math.abs(s));
		const u = K.t('unit');
		const parts = [[86400, u.d], [3600, u.h], [60, u.m], [1, u.s]];
		for (let i = 0; i < parts.length; i++) {
			const [n, name] = parts[i];
			if (s >= n || n === 1) {
				const big = Math.floor(s / n);
				const next = parts[i + 1];
				const rest = next ? Math.floor((s % n) / next[0]) : 0;
				return big + name + (next && rest ? ' ' + rest + next[1] : '');
			}
		}
		return '0' + u.s;
	};

	K.fmtNum = function (n) {
		if (n === null || n === undefined)
			return '–';
		return new Intl.NumberFormat(locale()).format(n);
	};

	K.fmtPct = function (x) {
		if (x === null || x === undefined)
			return '–';
		return new Intl.NumberFormat(locale(), {style: 'percent', maximumFractionDigits: 0}).format(x);
	};

	/* ------------------------------------------------------------ */
	/* small pieces of UI */

	K.prio = function (p) {
		return K.el('span', {class: 'prio prio-' + (p || 'none')}, K.t('prio.' + (p || 'none')));
	};

	let toastTimer = 0;
	K.toast = function (msg, bad) {
		const t = document.getElementById('toast');
		K.clear(t).appendChild(document.createTextNode(msg));
		t.className = 'toast show' + (bad ? ' bad' : '');
		clearTimeout(toastTimer);
		toastTimer = setTimeout(() => { t.className = 'toast'; }, bad ? 8000 : 4000);
	};

	K.errorBox = function (err) {
		return K.el('p', {class: 'error', role: 'alert'}, err && err.message ? err.message : String(err));
	};

	K.loading = function () {
		return K.el('p', {class: 'muted loading'}, K.t('loading'));
	};

	/*
	 * Asks in a dialog: K.ask({title, text, fields: [{name, label,
	 * placeholder, required, value}], ok}) resolves to {name: value} or
	 * null when cancelled.
	 */
	K.ask = function (o) {
		const dlg = document.getElementById('ask');
		const form = document.getElementById('ask-form');
		const fields = K.clear(document.getElementById('ask-fields'));
		document.getElementById('ask-title').textContent = o.title || '';
		document.getElementById('ask-text').textContent = o.text || '';
		document.getElementById('ask-ok').textContent = o.ok || K.t('ok');
		document.getElementById('ask-cancel').textContent = K.t('cancel');
		const inputs = {};
		for (const f of o.fields || []) {
			inputs[f.name] = K.el('input', {name: f.name, placeholder: f.placeholder || '',
			                                required: !!f.required, value: f.value || '',
			                                maxlength: f.maxlength || 500});
			fields.appendChild(K.el('label', {}, K.el('span', {}, f.label), inputs[f.name]));
		}
		return new Promise((resolve) => {
			const done = (v) => {
				form.removeEventListener('submit', onSubmit);
				cancel.removeEventListener('click', onCancel);
				dlg.removeEventListener('cancel', onCancel);
				if (dlg.open)
					dlg.close();
				resolve(v);
			};
			const onSubmit = (ev) => {
				ev.preventDefault();
				const v = {};
				for (const [k, i] of Object.entries(inputs))
					v[k] = i.value.trim();
				done(v);
			};
			const onCancel = (ev) => {
				ev.preventDefault();
				done(null);
			};
			const cancel = document.getElementById('ask-cancel');
			form.addEventListener('submit', onSubmit);
			cancel.addEventListener('click', onCancel);
			dlg.addEventListener('cancel', onCancel);
			dlg.showModal();
			const first = Object.values(inputs)[0];
			(first || document.getElementById('ask-ok')).focus();
		});
	};

	/* A table whose rows turn into cards on a phone (style.css reads data-label). */
	K.table = function (cls, heads, rows) {
		const thead = K.el('thead', {}, K.el('tr', {}, heads.map((h) => K.el('th', {scope: 'col'}, h))));
		const tbody = K.el('tbody', {}, rows);
		return K.el('div', {class: 'table-wrap'}, K.el('table', {class: 'grid ' + (cls || '')}, thead, tbody));
	};

	K.td = function (label, ...children) {
		return K.el('td', {'data-label': label}, children);
	};

	/* Calls f at most once per ms, after the calls stop. */
	K.debounce = function (f, ms) {
		let timer = 0;
		return function (...args) {
			clearTimeout(timer);
			timer = setTimeout(() => f.apply(this, args), ms);
		};
	};

	/* Segmented switch: [{value, label}], calls onchange(value). */
	K.switcher = function (name, choices, current, onchange) {
		const box = K.el('div', {class: 'switch', role: 'group', 'aria-label': name, dataset: {switch: name}});
		for (const c of choices) {
			box.appendChild(K.el('button', {
				type: 'button', 'aria-pressed': String(c.value === current),
				dataset: {value: c.value},
				onclick: () => {
					for (const b of box.querySelectorAll('button'))
						b.setAttribute('aria-pressed', String(b.dataset.value === c.value));
					onchange(c.value);
				},
			}, c.label));
		}
		return box;
	};
})();
