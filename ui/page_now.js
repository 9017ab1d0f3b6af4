/*
 * page_now.js: "Now": the open cases, critical first then oldest, with
 * their age and SLA clock, who acknowledged and who has it; the actions of
 * a case; a case opens to its timeline and mentions. Read again whenever
 * the live stream says a case changed or an alert went out.
 */
'use strict';

(function () {
	const K = window.Keluh;
	const LIMIT = 200;
	let root = null;
	let list = null;
	let stamp = null;
	let open = new Set();	/* the ids of the cases shown opened */
	const details = new Map();	/* id -> the case detail last read */
	let tick = 0;
	let skew = 0;		/* server time minus ours, from now_at */
	let loading = null;
	let again = false;

	const ACTIONS = [
		{action: 'ack', states: ['open']},
		{action: 'assign', states: ['open', 'acknowledged'],
		 fields: [{name: 'to', label: 'now.ask.to', required: true}]},
		{action: 'resolve', states: ['open', 'acknowledged'],
		 fields: [{name: 'note', label: 'now.ask.note'}]},
		{action: 'not_complaint', states: ['open', 'acknowledged'], confirm: true},
		{action: 'mute_author', states: ['open', 'acknowledged'], confirm: true,
		 fields: [{name: 'for', label: 'now.ask.for', placeholder: '24h'}]},
		{action: 'silence', states: ['open', 'acknowledged'],
		 fields: [{name: 'for', label: 'now.ask.for', placeholder: '2h', required: true, value: '2h'}]},
	];

	function serverNow() {
		return Date.now() + skew;
	}

	function slaCell(c) {
		const sla = c.sla || {};
		if (!sla.clock || !sla.due_at)
			return K.el('span', {class: 'muted'}, '–');
		const left = (new Date(sla.due_at).getTime() - serverNow()) / 1000;
		const over = sla.overdue || left < 0;
		const text = over ? K.t('now.overdue', K.t('clock.' + sla.clock), K.fmtDur(-left))
			: K.t('now.due', K.t('clock.' + sla.clock), K.fmtDur(left));
		return K.el('span', {class: over ? 'sla overdue' : 'sla', title: K.fmtTime(sla.due_at),
		                     dataset: {overdue: String(over)}}, text);
	}

	function ageOf(c) {
		if (c.opened_at)
			return (serverNow() - new Date(c.opened_at).getTime()) / 1000;
		return c.age_s;
	}

	async function act(c, a) {
		let body = {};
		const label = K.t('act.' + a.action);
		if (a.fields || a.confirm) {
			const v = await K.ask({
				title: label + ' · #' + c.id,
				text: c.title || '',
				fields: (a.fields || []).map((f) => Object.assign({}, f, {label: K.t(f.label)})),
				ok: label,
			});
			if (!v)
				return;
			for (const [k, x] of Object.entries(v))
				if (x !== '')
					body[k] = x;
		}
		try {
			const r = await K.api('POST', 'cases/' + c.id + '/' + a.action, body);
			const st = r && r.case ? r.case.state : '';
			K.toast(K.t('now.done', c.id, K.tOr('state.' + st, st)));
		} catch (e) {
			K.toast(e.message, true);
		}
		load();
	}

	function actionButtons(c) {
		const box = K.el('div', {class: 'actions'});
		for (const a of ACTIONS) {
			if (!a.states.includes(c.state))
				continue;
			box.appendChild(K.el('button', {type: 'button', class: 'small', dataset: {action: a.action},
			                                onclick: () => act(c, a)}, K.t('act.' + a.action)));
		}
		return box;
	}

	function caseRow(c) {
		const toggle = K.el('button', {type: 'button', class: 'link case-title', 'aria-expanded': String(open.has(c.id)),
		                               onclick: () => toggleCase(c.id)},
		                    K.userText(c.title || c.group || ''));
		const who = c.acked_by ? [K.userText(c.acked_by), K.el('small', {class: 'muted'}, ' ' + K.fmtTime(c.acked_at))] : '–';
		return K.el('tr', {class: 'case state-' + c.state + ((c.sla && c.sla.overdue) ? ' is-overdue' : ''),
		                   dataset: {case: c.id, state: c.state}},
			K.td(K.t('now.col.case'), '#' + c.id),
			K.td(K.t('now.col.priority'), K.prio(c.priority)),
			K.td(K.t('now.col.title'), K.el('div', {}, toggle, K.el('div', {class: 'muted small'},
				K.t('now.mentions', c.total), c.team ? [' · ', K.userText(c.team)] : ''))),
			K.td(K.t('now.col.age'), K.el('span', {class: 'age dur'}, K.fmtDur(ageOf(c)))),
			K.td(K.t('now.col.sla'), slaCell(c)),
			K.td(K.t('now.col.acked'), K.el('span', {class: 'acked-by'}, who)),
			K.td(K.t('now.col.assignee'), K.el('span', {class: 'assignee'}, c.assignee ? K.userText(c.assignee) : '–')),
			K.td(K.t('now.col.actions'), actionButtons(c)));
	}

	function eventLine(e) {
		const who = e.actor ? [' ', K.t('now.by'), ' ', K.userText(e.actor),
		                      e.platform ? K.el('span', {class: 'muted'}, ' (' + e.platform + ')') : ''] : '';
		let extra = '';
		if (e.detail && typeof e.detail === 'object') {
			const d = e.detail;
			const s = d.note || d.to || d.reason || d.author || d.group || (d.alert ? d.alert : '');
			if (s)
				extra = [': ', K.userText(String(s))];
		}
		return K.el('li', {}, K.el('time', {datetime: e.at}, K.fmtTime(e.at)), ' ',
		            K.el('strong', {}, K.tOr('kind.' + e.kind, e.kind)), who, extra);
	}

	function mentionItem(m) {
		const e = m.entry || {};
		const author = e.author && (e.author.handle || e.author.name);
		return K.el('li', {class: 'mention', dataset: {mention: m.id}},
			K.el('div', {class: 'meta'}, K.el('time', {datetime: m.at}, K.fmtTime(m.at)), ' ', K.prio(m.priority),
			     m.rule ? [' ', K.el('code', {}, K.visible(m.rule))] : '',
			     author ? [' · ', K.handle(author)] : '',
			     e.url ? [' · ', K.safeLink(e.url, K.t('open'))] : ''),
			K.el('p', {class: 'mention-text'}, K.userText(e.text || '')));
	}

	function drawDetail(c, cell) {
		const mentions = [];
		for (const a of c.alerts || [])
			for (const m of a.mentions || [])
				mentions.push(m);
		K.clear(cell).appendChild(K.el('div', {class: 'case-detail'},
			K.el('section', {}, K.el('h3', {}, K.t('now.timeline')),
			     K.el('ol', {class: 'timeline'}, (c.events || []).map(eventLine))),
			K.el('section', {}, K.el('h3', {}, K.t('now.mentionsof', mentions.length)),
			     mentions.length ? K.el('ul', {class: 'mentions'}, mentions.map(mentionItem))
			                     : K.el('p', {class: 'muted'}, K.t('none')))));
	}

	/* An opened case: drawn from what was read last, and read again when fresh is set. */
	async function detail(id, cell, fresh) {
		if (details.has(id))
			drawDetail(details.get(id), cell);
		else
			cell.appendChild(K.loading());
		if (!fresh && details.has(id))
			return;
		try {
			const r = await K.api('GET', 'cases/' + id);
			details.set(id, r.case || r);
			if (cell.isConnected)
				drawDetail(details.get(id), cell);
		} catch (e) {
			if (cell.isConnected)
				K.clear(cell).appendChild(K.errorBox(e));
		}
	}

	function toggleCase(id) {
		if (open.has(id))
			open.delete(id);
		else
			open.add(id);
		draw(lastData, false);
	}

	let lastData = null;

	/* fresh: the opened cases are read again too (after a change) */
	function draw(data, fresh) {
		lastData = data;
		if (!data)
			return;
		const cases = data.cases || [];
		const rows = [];
		for (const c of cases) {
			rows.push(caseRow(c));
			if (open.has(c.id)) {
				const cell = K.el('td', {colspan: 8, class: 'detail-cell'});
				rows.push(K.el('tr', {class: 'case-detail-row', dataset: {detail: c.id}}, cell));
				detail(c.id, cell, fresh);
			}
		}
		const counts = {};
		for (const c of cases)
			counts[c.priority] = (counts[c.priority] || 0) + 1;
		const summary = K.el('p', {class: 'summary'},
			cases.length ? K.t('now.summary', cases.length) : K.t('now.empty'),
			' ', ['critical', 'high', 'normal', 'low'].filter((p) => counts[p])
				.map((p) => [K.prio(p), ' ', String(counts[p]), ' ']));
		K.clear(list).appendChild(summary);
		if (cases.length)
			list.appendChild(K.table('cases', ['#', K.t('now.col.priority'), K.t('now.col.title'),
				K.t('now.col.age'), K.t('now.col.sla'), K.t('now.col.acked'), K.t('now.col.assignee'),
				K.t('now.col.actions')], rows));
		if (cases.length >= LIMIT)
			list.appendChild(K.el('p', {class: 'muted'}, K.t('now.limit', LIMIT)));
	}

	/* One read at a time; a change during a read asks for one more after it. */
	async function load() {
		if (loading) {
			again = true;
			return loading;
		}
		loading = (async () => {
			try {
				const data = await K.api('GET', 'cases', undefined, {state: 'open', limit: LIMIT});
				if (data.now_at)
					skew = new Date(data.now_at).getTime() - Date.now();
				if (root) {
					draw(data, true);
					stamp.textContent = K.t('updated', K.fmtClock());
				}
			} catch (e) {
				if (root && e.status !== 401)
					K.clear(list).appendChild(K.errorBox(e));
			}
		})();
		await loading;
		loading = null;
		if (again) {
			again = false;
			load();
		}
	}

	const reload = K.debounce(load, 200);

	K.pages.now = {
		enter(r) {
			root = r;
			stamp = K.el('p', {class: 'muted stamp', role: 'status'});
			list = K.el('div', {class: 'now-list'}, K.loading());
			K.add(r, stamp, list);
			load();
			/* ages and SLA clocks move on between events */
			tick = setInterval(() => draw(lastData, false), 30000);
		},
		leave() {
			clearInterval(tick);
			root = null;
			lastData = null;
			details.clear();
		},
		onEvent(kind) {
			if (kind === 'case' || kind === 'alert')
				reload();
		},
	};
})();
