/*
 * page_trends.js: "Trends": complaints per bucket of 5 minutes, an hour or
 * a day over 24 h, 7 d or 30 d, stacked by team or by rule, spikes marked;
 * the words rising fastest; a click on a bar (or a number of the table)
 * lists that bucket's mentions.
 */
'use strict';

(function () {
	const K = window.Keluh;
	/* step null: the range's own (DEFAULT_STEP), until a step is chosen */
	const state = {range: '24h', step: null, by: 'team'};
	const DEFAULT_STEP = {'24h': '5m', '7d': '1h', '30d': '1d'};
	let root = null;
	let body = null;
	let stepSwitch = null;
	let seq = 0;

	function stepOf() {
		return state.step || DEFAULT_STEP[state.range];
	}

	function bucketLabel(iso, step, range) {
		const d = new Date(iso);
		const hm = {hour: '2-digit', minute: '2-digit', hourCycle: 'h23'};
		if (step === '1d')
			return K.dateFormat({day: 'numeric', month: 'short'}).format(d);
		if (range === '24h')
			return K.dateFormat(hm).format(d);
		if (range === '7d')
			return K.dateFormat(Object.assign({weekday: 'short'}, hm)).format(d);
		return K.dateFormat(Object.assign({day: 'numeric', month: 'short'}, hm)).format(d);
	}

	/* Shows value as the pressed button of a switcher (its own clicks do this themselves). */
	function press(box, value) {
		for (const b of box.querySelectorAll('button'))
			b.setAttribute('aria-pressed', String(b.dataset.value === value));
	}

	function keyLabel(key) {
		if (key === '')
			return state.by === 'team' ? K.t('trends.noteam') : K.t('trends.norule');
		if (key === 'other')
			return K.t('trends.other');
		return key;
	}

	/* The filter of /v1/trends/mentions for a series: none for "other" and "". */
	function keyFilter(key) {
		if (key === null || key === '' || key === 'other')
			return {};
		return state.by === 'team' ? {team: key} : {rule: key};
	}

	function spikeSet(data) {
		const s = new Set();
		for (const sp of data.spikes || [])
			s.add(sp.key + '\u0000' + sp.at);
		return s;
	}

	function chartOf(data, onPick) {
		const spikes = spikeSet(data);
		const labels = data.buckets.map((b) => bucketLabel(b, data.step, data.range));
		const datasets = (data.series || []).map((s, i) => {
			const spiked = data.buckets.map((b) => spikes.has(s.key + '\u0000' + b));
			return {
				label: keyLabel(s.key),
				key: s.key,
				data: s.counts.slice(),
				backgroundColor: K.colour(i, s.key),
				borderColor: spiked.map((x) => (x ? '#c0392b' : 'rgba(0,0,0,0)')),
				borderWidth: spiked.map((x) => (x ? 3 : 0)),
				stack: 'complaints',
			};
		});
		const {box, chart} = K.chart('trends-chart', {
			type: 'bar',
			label: K.t('trends.chart'),
			data: {labels, datasets},
			options: {
				scales: {
					x: {stacked: true, ticks: {autoSkip: true, maxRotation: 0}},
					y: {stacked: true, beginAtZero: true, ticks: {precision: 0}},
				},
				plugins: {legend: {position: 'bottom'}},
				onClick(evt, els, ch) {
					const hit = ch.getElementsAtEventForMode(evt, 'nearest', {intersect: true}, true)[0];
					if (hit)
						onPick(hit.index, ch.data.datasets[hit.datasetIndex].key);
				},
			},
		});
		return {box, chart};
	}

	/* The same numbers as a table: the buckets with anything in them. */
	function numbersTable(data, onPick) {
		const heads = [K.t('trends.bucket'), K.t('trends.mentions'), K.t('trends.complaints')]
			.concat((data.series || []).map((s) => keyLabel(s.key)));
		const rows = [];
		data.buckets.forEach((b, i) => {
			const any = (data.mentions && data.mentions[i]) || (data.complaints && data.complaints[i]);
			if (!any)
				return;
			const cells = [K.td(heads[0], K.el('time', {datetime: b}, K.fmtTime(b))),
			               K.td(heads[1], K.fmtNum(data.mentions ? data.mentions[i] : null)),
			               K.td(heads[2], K.el('button', {type: 'button', class: 'link',
			                                              onclick: () => onPick(i, null)},
			                                   K.fmtNum(data.complaints ? data.complaints[i] : null)))];
			(data.series || []).forEach((s, j) => {
				const n = s.counts[i];
				cells.push(K.td(heads[3 + j], n ? K.el('button', {type: 'button', class: 'link',
				                                                  onclick: () => onPick(i, s.key)}, K.fmtNum(n)) : '0'));
			});
			rows.push(K.el('tr', {dataset: {bucket: b}}, cells));
		});
		if (!rows.length)
			return K.el('p', {class: 'muted'}, K.t('trends.nothing'));
		return K.table('numbers', heads, rows);
	}

	/*
	 * The table, open without charts; with them it is made when first
	 * opened: 30 days of 5-minute buckets are thousands of rows.
	 */
	function numbersBox(data, onPick, charts) {
		const box = K.el('details', {class: 'numbers-box', open: !charts},
		                 K.el('summary', {}, K.t('trends.table')));
		if (!charts) {
			box.appendChild(numbersTable(data, onPick));
			return box;
		}
		box.addEventListener('toggle', () => {
			if (box.open && box.childElementCount === 1)
				box.appendChild(numbersTable(data, onPick));
		});
		return box;
	}

	function spikeList(data) {
		const sp = data.spikes || [];
		if (!sp.length)
			return K.el('p', {class: 'muted'}, K.t('trends.nospikes'));
		return K.el('ul', {class: 'spikes'}, sp.map((s) => K.el('li', {},
			K.el('time', {datetime: s.at}, K.fmtTime(s.at)), ' · ', K.el('strong', {}, K.userText(keyLabel(s.key))),
			' ', K.t('trends.spike', K.fmtNum(s.count), (Math.round(s.baseline * 10) / 10).toString()))));
	}

	function termsTable(t) {
		const terms = (t && t.terms) || [];
		if (!terms.length)
			return K.el('p', {class: 'muted'}, K.t('trends.noterms'));
		const h = [K.t('trends.term'), K.t('trends.count'), K.t('trends.previous'), K.t('trends.growth')];
		return K.table('terms', h, terms.map((x) => K.el('tr', {},
			K.td(h[0], K.userText(x.term)), K.td(h[1], K.fmtNum(x.count)), K.td(h[2], K.fmtNum(x.previous)),
			K.td(h[3], x.previous ? '×' + (Math.round(x.growth * 10) / 10) : K.t('trends.new')))));
	}

	/* The mentions of bucket i (of series key, or every series with null). */
	async function pick(data, i, key, out) {
		const since = data.buckets[i];
		const until = new Date(new Date(since).getTime() + data.step_s * 1000).toISOString().replace(/\.000Z$/, 'Z');
		const title = K.t('trends.listed', K.fmtTime(since), K.fmtTime(until),
		                  key === null ? K.t('trends.all') : keyLabel(key));
		K.fill(out, K.el('h2', {}, title), K.loading());
		out.scrollIntoView({block: 'nearest'});
		try {
			const r = await K.api('GET', 'trends/mentions', undefined,
			                      Object.assign({since, until, limit: 50}, keyFilter(key)));
			const ms = r.mentions || [];
			K.fill(out, K.el('h2', {}, title), ms.length
				? K.el('ul', {class: 'mentions', dataset: {since}}, ms.map(mentionItem))
				: K.el('p', {class: 'muted'}, K.t('none')),
			r.more ? K.el('p', {class: 'muted'}, K.t('trends.more')) : null);
		} catch (e) {
			K.fill(out, K.el('h2', {}, title), K.errorBox(e));
		}
	}

	function mentionItem(m) {
		return K.el('li', {class: 'mention', dataset: {mention: m.id}},
			K.el('div', {class: 'meta'}, K.el('time', {datetime: m.at}, K.fmtTime(m.at)), ' ', K.prio(m.priority),
			     m.team ? [' · ', K.userText(m.team)] : '',
			     m.author ? [' · ', K.handle(m.author)] : '',
			     m.source ? [' · ', K.userText(m.source)] : '',
			     (m.rules || []).map((r) => [' ', K.el('code', {}, K.visible(r))]),
			     m.url ? [' · ', K.safeLink(m.url, K.t('open'))] : ''),
			K.el('p', {class: 'mention-text'}, K.userText(m.text || '')));
	}

	function total(arr) {
		return (arr || []).reduce((a, b) => a + b, 0);
	}

	function draw(data, terms, termsErr) {
		const picked = K.el('section', {class: 'picked', id: 'trends-picked'});
		const onPick = (i, key) => pick(data, i, key, picked);
		const {box} = chartOf(data, onPick);
		const charts = K.chartsReady();
		K.dropCharts(body);
		K.fill(body, 
			K.el('p', {class: 'summary'}, K.t('trends.totals', K.fmtNum(total(data.complaints)),
			     K.fmtNum(total(data.mentions)), K.fmtDur(data.step_s))),
			box,
			charts ? K.el('p', {class: 'muted small'}, K.t('trends.hint')) : null,
			numbersBox(data, onPick, charts),
			picked,
			K.el('div', {class: 'cols'},
			     K.el('section', {}, K.el('h2', {}, K.t('trends.spikes')), spikeList(data)),
			     K.el('section', {}, K.el('h2', {}, K.t('trends.terms')),
			          termsErr ? K.errorBox(termsErr) : termsTable(terms))));
	}

	async function load() {
		const my = ++seq;
		K.dropCharts(body);
		K.clear(body).appendChild(K.loading());
		const [tr, te] = await Promise.allSettled([
			K.api('GET', 'trends', undefined, {range: state.range, step: stepOf(), by: state.by}),
			K.api('GET', 'trends/terms', undefined, {range: state.range, limit: 20}),
		]);
		if (my !== seq || !root)
			return;
		if (tr.status === 'rejected') {
			K.clear(body).appendChild(K.errorBox(tr.reason));
			return;
		}
		draw(tr.value, te.value, te.status === 'rejected' ? te.reason : null);
	}

	K.pages.trends = {
		enter(r) {
			root = r;
			body = K.el('div', {class: 'trends-body'});
			K.add(r, K.el('div', {class: 'controls'},
				K.switcher('range', [{value: '24h', label: K.t('range.24h')}, {value: '7d', label: K.t('range.7d')},
				                     {value: '30d', label: K.t('range.30d')}], state.range,
				           (v) => {
					           state.range = v;
					           press(stepSwitch, stepOf());
					           load();
				           }),
				stepSwitch = K.switcher('step', [{value: '5m', label: K.t('step.5m')}, {value: '1h', label: K.t('step.1h')},
				                                 {value: '1d', label: K.t('step.1d')}], stepOf(),
				                        (v) => { state.step = v; load(); }),
				K.switcher('by', [{value: 'team', label: K.t('trends.byteam')}, {value: 'rule', label: K.t('trends.byrule')}],
				           state.by, (v) => { state.by = v; load(); })), body);
			load();
		},
		leave() {
			root = null;
			seq++;
		},
	};
})();
