/*
 * page_response.js: "Response times": per team and priority, the median
 * and 90th percentile time to acknowledge, first public reply and resolve,
 * against their targets; the same over the days as a chart; breaches.
 */
'use strict';

(function () {
	const K = window.Keluh;
	const CLOCKS = ['ack', 'first_reply', 'resolve'];
	const state = {days: '7', team: '', clock: 'ack'};
	let root = null;
	let body = null;
	let seq = 0;

	function groupName(g) {
		return (g.team || K.t('trends.noteam')) + ' · ' + K.t('prio.' + g.priority);
	}

	/* "12m" in green when within target, red when over */
	function vsTarget(v, target) {
		if (v === null || v === undefined)
			return K.el('span', {class: 'muted'}, '–');
		const over = target !== null && target !== undefined && v > target;
		const cls = over ? 'over' : (target === null || target === undefined ? '' : 'within');
		return K.el('span', {class: 'dur ' + cls}, K.fmtDur(v));
	}

	/* One row per team, priority and clock: narrow enough for a phone. */
	function groupsTable(groups) {
		if (!groups.length)
			return K.el('p', {class: 'muted'}, K.t('rt.nothing'));
		const h = [K.t('rt.group'), K.t('rt.clock'), K.t('rt.count'), K.t('rt.median'), 'p90', K.t('rt.target'),
		           K.t('rt.breaches')];
		const rows = [];
		for (const g of groups)
			for (const clock of CLOCKS) {
				const c = g[clock] || {};
				const noTarget = c.target_s === null || c.target_s === undefined;
				rows.push(K.el('tr', {class: clock === 'ack' ? 'first' : 'more',
				                      dataset: {team: g.team || '', priority: g.priority, clock}},
					K.td(h[0], K.userText(g.team || K.t('trends.noteam')), ' ', K.prio(g.priority)),
					K.td(h[1], K.t('clock.' + clock)),
					K.td(h[2], K.fmtNum(c.count || 0)),
					K.td(h[3], vsTarget(c.median_s, c.target_s)),
					K.td(h[4], vsTarget(c.p90_s, c.target_s)),
					K.td(h[5], noTarget ? '–' : K.el('span', {class: 'dur'}, K.fmtDur(c.target_s))),
					K.td(h[6], K.el('span', {class: c.breaches ? 'over' : ''}, K.fmtNum(c.breaches || 0)))));
			}
		return K.table('response', h, rows);
	}

	function dayLabel(iso) {
		return K.dateFormat({day: 'numeric', month: 'short'}).format(new Date(iso));
	}

	/* The unit of the chart's axis: seconds, minutes or hours, by the largest value. */
	function unitOf(max) {
		if (max < 120)
			return {div: 1, label: K.t('rt.seconds')};
		if (max < 7200)
			return {div: 60, label: K.t('rt.minutes')};
		return {div: 3600, label: K.t('rt.hours')};
	}

	/* Medians of one clock over the days, a line per team and priority. */
	function dailyChart(daily) {
		const keys = new Map();
		let max = 0;
		for (const d of daily)
			for (const g of d.groups || []) {
				keys.set((g.team || '') + '\u0000' + g.priority, g);
				const c = g[state.clock];
				if (c && c.median_s > max)
					max = c.median_s;
			}
		const unit = unitOf(max);
		const datasets = [...keys.entries()].map(([k, g], i) => ({
			label: groupName(g),
			data: daily.map((d) => {
				const x = (d.groups || []).find((y) => (y.team || '') + '\u0000' + y.priority === k);
				const c = x && x[state.clock];
				return c && c.median_s !== null && c.median_s !== undefined
					? Math.round((c.median_s / unit.div) * 10) / 10 : null;
			}),
			borderColor: K.colour(i),
			backgroundColor: K.colour(i),
			spanGaps: true,
			tension: 0.2,
		}));
		return K.chart('rt-chart', {
			type: 'line',
			label: K.t('rt.chart'),
			data: {labels: daily.map((d) => dayLabel(d.day_at)), datasets},
			options: {
				scales: {y: {beginAtZero: true, title: {display: true, text: unit.label}}},
				plugins: {legend: {position: 'bottom'}},
			},
		}).box;
	}

	function dailyTable(daily) {
		const rows = [];
		for (const d of daily)
			for (const g of d.groups || []) {
				const c = g[state.clock] || {};
				rows.push(K.el('tr', {}, K.td(K.t('rt.day'), dayLabel(d.day_at)), K.td(K.t('rt.group'), K.userText(groupName(g))),
				               K.td(K.t('rt.median'), K.fmtDur(c.median_s)), K.td('p90', K.fmtDur(c.p90_s))));
			}
		if (!rows.length)
			return K.el('p', {class: 'muted'}, K.t('rt.nothing'));
		return K.table('daily', [K.t('rt.day'), K.t('rt.group'), K.t('rt.median'), 'p90'], rows);
	}

	function breachList(b) {
		if (!b.length)
			return K.el('p', {class: 'muted'}, K.t('rt.nobreaches'));
		const h = ['#', K.t('rt.group'), K.t('rt.clock'), K.t('rt.target'), K.t('rt.took'), K.t('rt.opened')];
		return K.table('breaches', h, b.map((x) => K.el('tr', {dataset: {case: x.case}},
			K.td(h[0], K.el('a', {href: '#now'}, '#' + x.case)),
			K.td(h[1], K.userText(x.team || K.t('trends.noteam')), ' ', K.prio(x.priority)),
			K.td(h[2], K.t('clock.' + x.clock)), K.td(h[3], K.fmtDur(x.target_s)),
			K.td(h[4], x.took_s === null || x.took_s === undefined
				? K.el('span', {class: 'over'}, K.t('rt.still'))
				: K.el('span', {class: 'over'}, K.fmtDur(x.took_s))),
			K.td(h[5], K.fmtTime(x.opened_at)))));
	}

	function draw(r) {
		const daily = r.daily || [];
		K.dropCharts(body);
		K.fill(body, 
			K.el('p', {class: 'muted'}, K.t('rt.span', K.fmtTime(r.since || r.since_at), K.fmtTime(r.until || r.until_at))),
			groupsTable(r.groups || []),
			K.el('h2', {}, K.t('rt.overdays')),
			K.switcher('clock', CLOCKS.map((c) => ({value: c, label: K.t('clock.' + c)})), state.clock,
			           (v) => { state.clock = v; draw(r); }),
			dailyChart(daily),
			K.el('details', {class: 'numbers-box', open: !K.chartsReady()},
			     K.el('summary', {}, K.t('trends.table')), dailyTable(daily)),
			K.el('h2', {}, K.t('rt.breachlist')),
			breachList(r.breaches || []));
	}

	async function load() {
		const my = ++seq;
		K.dropCharts(body);
		K.clear(body).appendChild(K.loading());
		try {
			const r = await K.api('GET', 'response-times', undefined, {days: state.days, team: state.team});
			if (my === seq && root)
				draw(r);
		} catch (e) {
			if (my === seq && root)
				K.clear(body).appendChild(K.errorBox(e));
		}
	}

	K.pages.response = {
		enter(r) {
			root = r;
			body = K.el('div', {class: 'rt-body'});
			const team = K.el('input', {type: 'search', placeholder: K.t('rt.team'), value: state.team,
			                            'aria-label': K.t('rt.team'), maxlength: 127});
			team.addEventListener('change', () => { state.team = team.value.trim(); load(); });
			K.add(r, K.el('div', {class: 'controls'},
				K.switcher('days', [{value: '7', label: K.t('range.7d')}, {value: '30', label: K.t('range.30d')}],
				           state.days, (v) => { state.days = v; load(); }), team), body);
			load();
		},
		leave() {
			root = null;
			seq++;
		},
	};
})();
