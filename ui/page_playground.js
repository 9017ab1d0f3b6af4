/*
 * page_playground.js: "Playground": a text is classified as the user
 * types (POST /v1/playground, the verdict of keluhctl test --json), its
 * matched words highlighted; a draft rule file is checked, its inline
 * tests run, and it can be backtested over the recent mentions, and saved
 * when keluhd lets rule files be written.
 */
'use strict';

(function () {
	const K = window.Keluh;
	const DEBOUNCE_MS = 150;
	let root = null;
	let seq = 0;
	let ui = null;

	/*
	 * Evidence offsets are UTF-8 byte offsets into the text; the string is
	 * UTF-16. Returns a function from a byte offset to a string index (an
	 * offset inside a character counts from that character's start).
	 */
	K.byteToIndex = function (text) {
		const enc = new TextEncoder();
		const bytes = [0];	/* bytes[k]: the byte offset of code point k */
		const index = [0];	/* index[k]: its string index */
		let b = 0;
		let i = 0;
		for (const ch of text) {
			b += enc.encode(ch).length;
			i += ch.length;
			bytes.push(b);
			index.push(i);
		}
		return function (off) {
			let lo = 0;
			let hi = bytes.length - 1;
			if (off >= bytes[hi])
				return index[hi];
			while (lo < hi) {	/* the last code point starting at or before off */
				const mid = (lo + hi + 1) >> 1;
				if (bytes[mid] <= off)
					lo = mid;
				else
					hi = mid - 1;
			}
			return index[lo];
		};
	};

	/* The text with every matched span in a <mark>, overlapping spans merged. */
	K.highlight = function (text, matches) {
		const at = K.byteToIndex(text);
		const spans = (matches || []).map((m) => ({s: at(m.start), e: at(m.end), rules: [m.rule]}))
			.filter((x) => x.e > x.s).sort((a, b) => a.s - b.s || b.e - a.e);
		const merged = [];
		for (const x of spans) {
			const last = merged[merged.length - 1];
			if (last && x.s < last.e) {
				last.e = Math.max(last.e, x.e);
				for (const r of x.rules)
					if (!last.rules.includes(r))
						last.rules.push(r);
			} else {
				merged.push(x);
			}
		}
		const box = K.el('div', {class: 'highlighted', dir: 'auto'});
		let pos = 0;
		for (const x of merged) {
			if (x.s > pos)
				box.appendChild(K.visible(text.slice(pos, x.s)));
			box.appendChild(K.el('mark', {title: x.rules.join(', '), dataset: {rules: x.rules.join(' ')}},
			                     K.visible(text.slice(x.s, x.e))));
			pos = x.e;
		}
		if (pos < text.length)
			box.appendChild(K.visible(text.slice(pos)));
		return box;
	};

	function breakdown(v) {
		const b = v.breakdown || {};
		const rows = [];
		const row = (what, score) => rows.push(K.el('tr', {}, K.td(K.t('pg.part'), what), K.td(K.t('pg.score'), score)));
		if (b.top)
			row([K.t('pg.top'), ' ', K.el('code', {}, K.visible(b.top.rule))], '+' + b.top.score);
		for (const r of (b.extra && b.extra.rules) || [])
			row([K.t('pg.extra'), ' ', K.el('code', {}, K.visible(r.rule))], '+' + r.score);
		if (b.extra && b.extra.counted < b.extra.sum)
			row(K.t('pg.capped', b.extra.max), '+' + b.extra.counted);
		for (const r of (b.negative && b.negative.rules) || [])
			row([K.t('pg.negative'), ' ', K.el('code', {}, K.visible(r.rule))], String(r.score));
		if (b.boosts && b.boosts.followers)
			row(K.t('pg.followers'), (b.boosts.followers > 0 ? '+' : '') + b.boosts.followers);
		if (b.boosts && b.boosts.verified)
			row(K.t('pg.verified'), (b.boosts.verified > 0 ? '+' : '') + b.boosts.verified);
		row(K.el('strong', {}, K.t('pg.total')), K.el('strong', {}, String(v.score)));
		const th = b.threshold || {};
		const note = th.priority && th.priority !== 'none'
			? K.t('pg.threshold', K.t('prio.' + th.priority), th.at_least)
			: K.t('pg.below', th.below);
		return [K.table('breakdown', [K.t('pg.part'), K.t('pg.score')], rows), K.el('p', {class: 'muted small'}, note)];
	}

	function verdictBox(text, v) {
		return K.el('div', {class: 'verdict', dataset: {complaint: String(!!v.complaint), priority: v.priority}},
			K.el('p', {class: 'verdict-line'},
			     K.el('span', {class: v.complaint ? 'badge yes' : 'badge no'}, v.complaint ? K.t('pg.complaint') : K.t('pg.notcomplaint')),
			     ' ', v.complaint ? K.prio(v.priority) : null,
			     ' ', K.t('pg.scoreis', v.score),
			     v.team ? [' · ', K.t('pg.team'), ' ', K.userText(v.team)] : ''),
			K.highlight(text, v.matches),
			K.el('h3', {}, K.t('pg.rules')),
			(v.rules || []).length ? K.el('ul', {class: 'rule-hits'}, v.rules.map((r) => K.el('li', {},
				K.el('code', {}, K.visible(r)), ' ',
				(v.matches || []).filter((m) => m.rule === r).map((m) =>
					K.el('span', {class: 'muted small'}, ' ', m.kind, ' “', K.userText(m.text), '”'))))) : K.el('p', {class: 'muted'}, K.t('pg.norules')),
			K.el('h3', {}, K.t('pg.breakdown')), breakdown(v),
			(v.bounds || []).length ? K.el('p', {class: 'error'}, K.t('pg.bounds', v.bounds.map((b) => b.rule).join(', '))) : null);
	}

	function draftBox(d) {
		if (!d)
			return null;
		const diags = d.diagnostics || [];
		const tests = d.tests || {};
		return K.el('div', {class: 'draft-result', dataset: {ok: String(!!d.ok)}},
			K.el('p', {}, K.el('span', {class: d.ok ? 'badge good' : 'badge bad'}, d.ok ? K.t('pg.draftok') : K.t('pg.draftbad'))),
			diags.length ? K.el('ul', {class: 'diagnostics'}, diags.map((x) => K.el('li', {class: 'diag ' + x.severity},
				K.el('code', {}, K.visible(x.file + ':' + x.line + ':' + x.col + ': ' + x.severity + ': ')),
				K.visible(x.message)))) : null,
			tests.results ? K.el('p', {}, K.t('pg.tests', tests.passed || 0, tests.failed || 0)) : null,
			(tests.results || []).length ? K.table('tests', [K.t('pg.line'), K.t('pg.text'), K.t('pg.expect'), K.t('pg.got')],
				tests.results.map((r) => K.el('tr', {class: r.ok ? 'ok' : 'failed'},
					K.td(K.t('pg.line'), String(r.line)), K.td(K.t('pg.text'), K.userText(r.text)),
					K.td(K.t('pg.expect'), K.visible(String(r.expect))),
					K.td(K.t('pg.got'), K.el('span', {class: r.ok ? 'within' : 'over'}, K.visible(String(r.got))),
					     r.why ? K.el('div', {class: 'muted small'}, K.visible(r.why)) : null))))
				: null);
	}

	function draftBody(u) {
		const rules = u.draft.value;
		return rules.trim() ? {rules, file: u.file.value.trim() || 'draft.yaml'} : {};
	}

	async function classify() {
		const u = ui;
		const my = ++seq;
		const text = u.text.value;
		const draft = draftBody(u);
		if (!text && !draft.rules) {
			K.clear(u.verdict).appendChild(K.el('p', {class: 'muted'}, K.t('pg.type')));
			K.clear(u.draftOut);
			return;
		}
		u.verdict.classList.add('busy');
		try {
			const body = Object.assign({text}, draft);
			if (u.lang.value)
				body.lang = u.lang.value;
			const v = await K.api('POST', 'playground', body);
			if (my !== seq || !root)
				return;
			K.clear(u.verdict).appendChild(verdictBox(text, v));
			u.verdict.dataset.text = text;
			K.clear(u.draftOut);
			if (v.draft)
				u.draftOut.appendChild(draftBox(v.draft));
		} catch (e) {
			if (my === seq && root)
				K.clear(u.verdict).appendChild(K.errorBox(e));
		} finally {
			if (my === seq)
				u.verdict.classList.remove('busy');
		}
	}

	function mentionList(title, ms) {
		return K.el('section', {}, K.el('h3', {}, title + ' (' + ms.length + ')'),
			ms.length ? K.el('ul', {class: 'mentions'}, ms.map((m) => K.el('li', {class: 'mention'},
				K.el('div', {class: 'meta'}, K.el('time', {datetime: m.at}, K.fmtTime(m.at)),
				     (m.rules || []).map((r) => [' ', K.el('code', {}, K.visible(r))])),
				K.el('p', {class: 'mention-text'}, K.userText(m.text || ''))))) : K.el('p', {class: 'muted'}, K.t('none')));
	}

	async function backtest() {
		const u = ui;
		const draft = draftBody(u);
		if (!draft.rules) {
			K.clear(u.backOut).appendChild(K.el('p', {class: 'error'}, K.t('pg.needdraft')));
			return;
		}
		u.backBtn.disabled = true;
		K.clear(u.backOut).appendChild(K.el('p', {class: 'muted'}, K.t('pg.running')));
		try {
			const r = await K.api('POST', 'playground/backtest', Object.assign({days: Number(u.days.value) || 7}, draft));
			K.fill(u.backOut, 
				K.el('p', {class: 'summary backtest-summary', dataset: {before: r.before, after: r.after}},
				     K.t('pg.backsummary', K.fmtNum(r.checked), r.days, K.fmtNum(r.before), K.fmtNum(r.after),
				         r.new_total === undefined ? (r.new || []).length : r.new_total,
				         r.lost_total === undefined ? (r.lost || []).length : r.lost_total,
				         (Math.round(r.seconds * 100) / 100).toString())),
				r.complete ? null : K.el('p', {class: 'notice stopped'}, K.t('pg.stopped'), ' ', K.visible(r.stopped || '')),
				K.el('div', {class: 'cols'}, mentionList(K.t('pg.new'), r.new || []), mentionList(K.t('pg.lost'), r.lost || [])));
		} catch (e) {
			K.clear(u.backOut).appendChild(K.errorBox(e.status === 429 ? K.t('pg.busy') : e));
		} finally {
			u.backBtn.disabled = false;
		}
	}

	async function save() {
		const u = ui;
		const draft = draftBody(u);
		if (!draft.rules)
			return;
		const ok = await K.ask({title: K.t('pg.save'), text: K.t('pg.saveask', draft.file), ok: K.t('pg.save')});
		if (!ok)
			return;
		try {
			const r = await K.api('POST', 'playground/save', draft);
			const rl = r.reload || {};
			K.fill(u.saveOut, K.el('p', {class: r.ok ? 'notice good' : 'error', dataset: {ok: String(!!r.ok)}},
				r.ok ? K.t('pg.saved', draft.file) : r.restored ? K.t('pg.restored', draft.file) : K.t('pg.savefail'),
				rl.error ? [' ', K.visible(rl.error)] : '',
				rl.errors ? [' ', K.t('pg.errors', rl.errors)] : ''));
		} catch (e) {
			K.clear(u.saveOut).appendChild(K.errorBox(e));
		}
	}

	K.pages.playground = {
		enter(r) {
			root = r;
			const later = K.debounce(classify, DEBOUNCE_MS);
			ui = {
				text: K.el('textarea', {id: 'pg-text', rows: 4, maxlength: 20000, dir: 'auto', spellcheck: false,
				                        placeholder: K.t('pg.placeholder'), oninput: later}),
				lang: K.el('select', {id: 'pg-lang', onchange: later},
				           K.el('option', {value: ''}, K.t('pg.langauto')), K.el('option', {value: 'id'}, 'Bahasa Indonesia'),
				           K.el('option', {value: 'en'}, 'English')),
				verdict: K.el('div', {id: 'pg-verdict', class: 'pg-verdict', 'aria-live': 'polite'},
				              K.el('p', {class: 'muted'}, K.t('pg.type'))),
				file: K.el('input', {id: 'pg-file', value: 'draft.yaml', maxlength: 200, oninput: later}),
				draft: K.el('textarea', {id: 'pg-draft', class: 'code', rows: 10, spellcheck: false,
				                         placeholder: 'rules:\n  - id: billing.refund\n    team: billing\n    score: 30\n    when: {keywords: [refund]}',
				                         oninput: later}),
				draftOut: K.el('div', {id: 'pg-draft-out'}),
				days: K.el('input', {id: 'pg-days', type: 'number', min: 1, max: 30, value: '7'}),
				backBtn: K.el('button', {id: 'pg-backtest', type: 'button', onclick: backtest}, K.t('pg.backtest')),
				backOut: K.el('div', {id: 'pg-backtest-out'}),
				saveOut: K.el('div', {id: 'pg-save-out'}),
			};
			const saveBtn = K.session && K.session.rules_writable
				? K.el('button', {id: 'pg-save', type: 'button', class: 'primary', onclick: save}, K.t('pg.save')) : null;
			K.add(r, 
				K.el('section', {class: 'card'},
				     K.el('label', {for: 'pg-text'}, K.t('pg.textlabel')), ui.text,
				     K.el('label', {class: 'inline'}, K.t('pg.lang'), ' ', ui.lang), ui.verdict),
				K.el('section', {class: 'card'},
				     K.el('h2', {}, K.t('pg.drafttitle')),
				     K.el('p', {class: 'muted small'}, K.t('pg.draftintro')),
				     K.el('label', {class: 'inline'}, K.t('pg.file'), ' ', ui.file),
				     ui.draft, ui.draftOut,
				     K.el('div', {class: 'controls'}, K.el('label', {class: 'inline'}, K.t('pg.days'), ' ', ui.days), ui.backBtn,
				          saveBtn || K.el('span', {class: 'muted small'}, K.t('pg.readonly'))),
				     ui.backOut, ui.saveOut));
		},
		leave() {
			root = null;
			ui = null;
			seq++;
		},
	};
})();
