/*
 * charts.js: the console's charts, drawn by Chart.js (served by keluhd as
 * /ui/vendor/chart.js, the system's libjs-chart.js). Without it every page
 * still shows its numbers as tables, and says the charts are missing.
 */
'use strict';

(function () {
	const K = window.Keluh;

	/* Calm colours that stay apart in a stack; "other" is grey. */
	const PALETTE = ['#3b6ea5', '#e08a2e', '#4a9a6b', '#b8534f', '#7d62a8', '#3f9ab0',
	                 '#b3873e', '#c46d9a', '#6b7f3a', '#56667a'];

	K.colour = function (i, key) {
		return key === 'other' ? '#a7adb5' : PALETTE[i % PALETTE.length];
	};

	K.chartsReady = function () {
		return typeof window.Chart === 'function';
	};

	/* The note shown where a chart would be when Chart.js did not load. */
	K.noCharts = function () {
		return K.el('p', {class: 'notice no-charts'}, K.t('charts.missing'));
	};

	/*
	 * A chart in a box of its own; returns {box, chart} (chart null
	 * without Chart.js: box then holds the note). The canvas is what
	 * Chart.getChart() finds.
	 */
	K.chart = function (cls, config) {
		const box = K.el('div', {class: 'chart ' + (cls || '')});
		if (!K.chartsReady()) {
			box.appendChild(K.noCharts());
			return {box, chart: null};
		}
		const canvas = K.el('canvas', {role: 'img', 'aria-label': config.label || ''});
		box.appendChild(canvas);
		config.options = Object.assign({
			responsive: true,
			maintainAspectRatio: false,
			animation: false,
		}, config.options || {});
		let chart = null;
		try {
			chart = new window.Chart(canvas, config);
		} catch (e) {
			K.clear(box).appendChild(K.noCharts());
		}
		return {box, chart};
	};

	/* Destroys the charts under root (before a page is drawn again). */
	K.dropCharts = function (root) {
		if (!K.chartsReady())
			return;
		for (const c of root.querySelectorAll('canvas')) {
			const ch = window.Chart.getChart(c);
			if (ch)
				ch.destroy();
		}
	};
})();
