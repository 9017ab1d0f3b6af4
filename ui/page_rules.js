/*
 * page_rules.js: "Rules": every rule with its hits per day, last hit,
 * cases and precision (the share of its cases not corrected to "not a
 * complaint"), busiest first, PAGE at a time with a filter box (2,000
 * rules stay light: one chart for the top ones, a small canvas per row);
 * the rules that never fired; a click shows a rule's YAML and file:line.
 */
'use strict';

(function () {
	const K = window.Keluh;
	const PAGE = 50;
	const TOP = 15;
	const state = {days: '30', filter: '', page: 0};
	let root = null;
	let body = null;
	let data = null;
	let seq = 0;

	/* A sparkline of hits per day on a canvas of its own (no chart object per row). */
	function spark(hits) {
		const w = 96;
		const h = 22;
		const c = K.el('canvas', {class: 'spark', width: w, height: h, dataset: {hits: hits.join(',')},
		                          'aria-label': hits.join(' ')});
		const ctx = c.getContext && c.getContext('2d');
		if (!ctx || !hits.length)
			return c;
		const max = Math.max(1, ...hits);
		const bw = w / hits.length;
		ctx.fillStyle = '#3b6ea5';
		hits.forEach((n, i) => {
			const bh = n ? Math.max(1, Math.round((n / max) * (h - 1))) : 0;
			ctx.fillRect(i * bw, h - bh, Math.max(1, bw - 1), bh);
		});
		return c;
	}

	function matches(r, f) {
		if (!f)
			return true;
		return [r.id, r.description, r.team, r.file].some((x) => x && String(x).toLowerCase().includes(f));
	}

	async function showRule(id, out) {
		K.clear(out).appendChild(K.loading());
		out.hidden = false;
		try {
			const r = await K.api('GET', 'rules/' + encodeURIComponent(id));
			const lines = String(r.yaml || '').replace(/\n$/, '').split('\n');
			const pre = K.el('pre', {class: 'yaml'}, lines.map((l, i) =>
				K.el('span', {class: 'line'}, K.el('span', {class: 'ln'}, String((r.line || 1) + i)), K.visible(l), '\n')));
			K.fill(out, K.el('h2', {}, K.el('code', {}, K.visible(r.id))),
			                    K.el('p', {class: 'where'}, K.el('code', {class: 'file-line'}, K.visible(r.file + ':' + r.line))),
			                    pre);
			out.scrollIntoView({block: 'nearest'});
		} catch (e) {
			K.clear(out).appendChild(K.errorBox(e));
		}
	}

	function ruleRow(r, out) {
		const h = heads();
		return K.el('tr', {dataset: {rule: r.id}},
			K.td(h[0], K.el('button', {type: 'button', class: 'link rule-id', onclick: () => showRule(r.id, out)},
			                K.el('code', {}, K.visible(r.id))),
			     r.description ? K.el('div', {class: 'muted small'}, K.userText(r.description)) : null),
			K.td(h[1], r.team ? K.userText(r.team) : '–'),
			K.td(h[2], String(r.score)),
			K.td(h[3], spark(r.hits || []), ' ', K.el('span', {class: 'total'}, K.fmtNum(r.total))),
			K.td(h[4], K.fmtTime(r.last_hit_at)),
			K.td(h[5], K.fmtNum(r.cases)),
			K.td(h[6], K.el('span', {class: r.precision !== null && r.precision < 0.7 ? 'over' : ''}, K.fmtPct(r.precision))),
			K.td(h[7], K.el('code', {class: 'small'}, K.visible(r.file + ':' + r.line))));
	}

	function heads() {
		return [K.t('rules.rule'), K.t('rules.team'), K.t('rules.score'), K.t('rules.hits', state.days),
		        K.t('rules.last'), K.t('rules.cases'), K.t('rules.precision'), K.t('rules.where')];
	}

	function topChart(rules) {
		const top = rules.filter((r) => r.total > 0).slice(0, TOP);
		if (!top.length)
			return null;
		return K.chart('rules-chart', {
			type: 'bar',
			label: K.t('rules.top', TOP),
			data: {labels: top.map((r) => r.id),
			       datasets: [{label: K.t('rules.total'), data: top.map((r) => r.total), backgroundColor: '#3b6ea5'}]},
			options: {indexAxis: 'y', plugins: {legend: {display: false}},
			          scales: {x: {beginAtZero: true, ticks: {precision: 0}}}},
		}).box;
	}

	function drawList() {
		const list = body.querySelector('.rules-list');
		const out = body.querySelector('.rule-yaml');
		const f = state.filter.toLowerCase();
		const rules = data.rules.filter((r) => matches(r, f));
		const pages = Math.max(1, Math.ceil(rules.length / PAGE));
		state.page = Math.min(state.page, pages - 1);
		const shown = rules.slice(state.page * PAGE, (state.page + 1) * PAGE);
		const nav = K.el('div', {class: 'pager'},
			K.el('button', {type: 'button', disabled: state.page === 0, onclick: () => { state.page--; drawList(); }}, '‹'),
			' ', K.t('rules.page', state.page + 1, pages, rules.length), ' ',
			K.el('button', {type: 'button', disabled: state.page >= pages - 1,
			                onclick: () => { state.page++; drawList(); }}, '›'));
		K.fill(list, shown.length ? K.table('rules', heads(), shown.map((r) => ruleRow(r, out)))
		                                  : K.el('p', {class: 'muted'}, K.t('rules.nomatch')), nav);
	}

	function draw() {
		const rules = data.rules.slice().sort((a, b) => b.total - a.total || a.id.localeCompare(b.id));
		data.rules = rules;
		const never = data.never_fired || [];
		const filter = K.el('input', {type: 'search', class: 'filter', placeholder: K.t('rules.filter'),
		                              'aria-label': K.t('rules.filter'), value: state.filter});
		filter.addEventListener('input', K.debounce(() => { state.filter = filter.value.trim(); state.page = 0; drawList(); }, 150));
		K.dropCharts(body);
		K.fill(body, 
			K.el('p', {class: 'summary'}, K.t('rules.summary', rules.length, never.length)),
			K.el('h2', {}, K.t('rules.top', TOP)), topChart(rules) || K.el('p', {class: 'muted'}, K.t('rules.nohits')),
			K.el('div', {class: 'controls'}, filter),
			K.el('div', {class: 'rules-list'}),
			K.el('section', {class: 'rule-yaml card', hidden: true}),
			K.el('h2', {}, K.t('rules.never', never.length)),
			never.length ? K.el('ul', {class: 'never'}, never.slice(0, 500).map((id) =>
				K.el('li', {}, K.el('code', {}, K.visible(id))))) : K.el('p', {class: 'muted'}, K.t('none')),
			never.length > 500 ? K.el('p', {class: 'muted'}, K.t('rules.nevermore', never.length - 500)) : null);
		drawList();
	}

	async function load() {
		const my = ++seq;
		K.dropCharts(body);
		K.clear(body).appendChild(K.loading());
		try {
			const r = await K.api('GET', 'rules', undefined, {days: state.days});
			if (my !== seq || !root)
				return;
			data = r;
			data.rules = data.rules || [];
			draw();
		} catch (e) {
			if (my === seq && root)
				K.clear(body).appendChild(K.errorBox(e));
		}
	}

	K.pages.rules = {
		enter(r) {
			root = r;
			body = K.el('div', {class: 'rules-body'});
			K.add(r, K.el('div', {class: 'controls'},
				K.switcher('days', [{value: '7', label: K.t('range.7d')}, {value: '30', label: K.t('range.30d')}],
				           state.days, (v) => { state.days = v; load(); })), body);
			load();
		},
		leave() {
			root = null;
			data = null;
			seq++;
		},
	};
})();
