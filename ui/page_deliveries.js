/*
 * page_deliveries.js: "Deliveries": the outbox: how many are pending,
 * dead and delivered; the pending ones and the dead letters with their
 * last error; retry (a dead one) and drop, each after a confirmation.
 */
'use strict';

(function () {
	const K = window.Keluh;
	const LIMIT = 100;
	let root = null;
	let body = null;
	let seq = 0;

	async function act(d, action) {
		const ok = await K.ask({
			title: K.t('dl.' + action) + ' · #' + d.id,
			text: K.t('dl.ask.' + action, d.receiver, d.title || d.alert_id),
			ok: K.t('dl.' + action),
		});
		if (!ok)
			return;
		try {
			await K.api('POST', 'deliveries/' + d.id + '/' + action, {});
			K.toast(K.t('dl.done.' + action, d.id));
		} catch (e) {
			K.toast(e.message, true);
		}
		load();
	}

	function rows(list, dead) {
		const h = heads(dead);
		return list.map((d) => K.el('tr', {dataset: {delivery: d.id, state: d.state}},
			K.td(h[0], '#' + d.id),
			K.td(h[1], K.userText(d.receiver)),
			K.td(h[2], K.prio(d.priority), ' ', d.title ? K.userText(d.title) : K.el('code', {}, K.visible(d.alert_id || '')),
			     d.case ? K.el('span', {class: 'muted'}, ' · #' + d.case) : null),
			K.td(h[3], String(d.attempts)),
			K.td(h[4], K.fmtTime(d.created_at)),
			K.td(h[5], dead ? K.fmtTime(d.done_at || d.expires_at) : K.fmtTime(d.due_at)),
			K.td(h[6], d.last_error ? K.el('span', {class: 'reason'}, K.userText(d.last_error)) : '–'),
			K.td(h[7], K.el('div', {class: 'actions'},
				dead ? K.el('button', {type: 'button', class: 'small', dataset: {action: 'retry'},
				                       onclick: () => act(d, 'retry')}, K.t('dl.retry')) : null,
				K.el('button', {type: 'button', class: 'small danger', dataset: {action: 'drop'},
				                onclick: () => act(d, 'drop')}, K.t('dl.drop'))))));
	}

	function heads(dead) {
		return ['#', K.t('dl.receiver'), K.t('dl.alert'), K.t('dl.attempts'), K.t('dl.created'),
		        dead ? K.t('dl.died') : K.t('dl.due'), K.t('dl.error'), K.t('now.col.actions')];
	}

	function section(title, list, dead, count) {
		return K.el('section', {class: dead ? 'dead' : 'pending'},
			K.el('h2', {}, title),
			list.length ? K.table(dead ? 'deliveries dead' : 'deliveries pending', heads(dead), rows(list, dead))
			            : K.el('p', {class: 'muted'}, K.t('none')),
			count > list.length ? K.el('p', {class: 'muted'}, K.t('dl.shown', list.length, count)) : null);
	}

	async function load() {
		const my = ++seq;
		try {
			const [p, d] = await Promise.all([
				K.api('GET', 'deliveries', undefined, {state: 'pending', limit: LIMIT}),
				K.api('GET', 'deliveries', undefined, {state: 'dead', limit: LIMIT}),
			]);
			if (my !== seq || !root)
				return;
			const c = d.counts || p.counts || {};
			K.fill(body, 
				K.el('div', {class: 'counts'},
				     ['pending', 'dead', 'delivered'].map((k) => K.el('div', {class: 'count count-' + k, dataset: {count: k}},
					K.el('span', {class: 'n'}, K.fmtNum(c[k] || 0)), K.el('span', {class: 'what'}, K.t('dl.' + k))))),
				section(K.t('dl.deadlist'), d.deliveries || [], true, c.dead || 0),
				section(K.t('dl.pendinglist'), p.deliveries || [], false, c.pending || 0));
		} catch (e) {
			if (my === seq && root)
				K.clear(body).appendChild(K.errorBox(e));
		}
	}

	const reload = K.debounce(load, 300);

	K.pages.deliveries = {
		enter(r) {
			root = r;
			body = K.el('div', {class: 'deliveries-body'}, K.loading());
			r.appendChild(body);
			load();
		},
		leave() {
			root = null;
			seq++;
		},
		onEvent(kind) {
			if (kind === 'delivery' || kind === 'alert')
				reload();
		},
	};
})();
