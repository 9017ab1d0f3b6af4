#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "engine/verdict.h"

static void
json_str(struct buf *b, const char *s, size_t len)
{
	buf_addc(b, '"');
	buf_add_json_str(b, s, len);
	buf_addc(b, '"');
}

/* The rules of one part of the breakdown: 1 the extras, 0 the negative ones. */
static void
json_part_rules(struct buf *b, const struct ruleset *rs, const struct verdict *v, int extras)
{
	int first = 1;

	buf_adds(b, "[");
	for (size_t i = 0; i < v->nrules; i++) {
		uint32_t r = v->rules[i];
		int s = rules_score(rs, r);
		const char *rid = rules_id(rs, r);

		if ((v->top > 0 && r == v->top_rule) || (extras ? s <= 0 : s > 0))
			continue;
		buf_adds(b, first ? "{\"rule\":" : ",{\"rule\":");
		json_str(b, rid, strlen(rid));
		buf_printf(b, ",\"score\":%d}", s);
		first = 0;
	}
	buf_addc(b, ']');
}

/*
 * The same evidence twice (a keyword in two conditions of one rule) says
 * nothing new. A rule's matches are contiguous (classify gathers them rule
 * by rule), so only that rule's earlier ones are compared, not all of them.
 */
static int
match_seen(const struct verdict *v, size_t i)
{
	const struct match *m = &v->matches[i];

	for (size_t j = i; j-- > 0 && v->matches[j].rule == m->rule;) {
		const struct match *o = &v->matches[j];

		if (o->kind == m->kind && o->start == m->start && o->end == m->end &&
		    (o->pattern == m->pattern || strcmp(o->pattern, m->pattern) == 0))
			return 1;
	}
	return 0;
}

void
verdict_matches_json(struct buf *b, const struct ruleset *rs, const char *text, size_t len,
    const struct verdict *v)
{
	int first = 1;

	buf_addc(b, '[');
	for (size_t i = 0; i < v->nmatches; i++) {
		const struct match *m = &v->matches[i];

		if (match_seen(v, i))
			continue;
		if (!first)
			buf_addc(b, ',');
		first = 0;
		buf_adds(b, "{\"rule\":");
		if (m->rule == CLASSIFY_NO_RULE)
			buf_adds(b, "null");
		else
			buf_add_json_quoted(b, rules_id(rs, m->rule));
		/* buf_adds, not buf_printf: this runs for each match of each complaint */
		buf_adds(b, ",\"kind\":\"");
		buf_adds(b, classify_match_kind_name(m->kind));
		buf_adds(b, "\",\"pattern\":");
		json_str(b, m->pattern, strlen(m->pattern));
		if (m->kind == MATCH_MODEL) {
			buf_adds(b, ",\"model\":");
			buf_add_json_quoted(b, rules_model_name(rs, m->model));
			buf_printf(b, ",\"weight\":%.3f", (double)m->weight);
		}
		buf_adds(b, ",\"start\":");
		buf_add_int(b, (long long)m->start);
		buf_adds(b, ",\"end\":");
		buf_add_int(b, (long long)m->end);
		buf_adds(b, ",\"text\":");
		if (m->end <= len && m->start <= m->end)
			json_str(b, text + m->start, m->end - m->start);
		else
			buf_adds(b, "\"\"");
		buf_addc(b, '}');
	}
	buf_addc(b, ']');
}

/* "models": each model asked, its probability and what it added (a set with models only). */
static void
json_models(struct buf *b, const struct ruleset *rs, const struct verdict *v)
{
	buf_printf(b, ",\"models\":{\"sum\":%d,\"models\":[", v->model);
	for (size_t i = 0; i < v->nmodels; i++) {
		const struct verdict_model *x = &v->models[i];

		buf_adds(b, i ? ",{\"name\":" : "{\"name\":");
		buf_add_json_quoted(b, rules_model_name(rs, x->model));
		buf_printf(b, ",\"p\":%.4f,\"score\":%d}", x->p, x->score);
	}
	buf_adds(b, "]}");
}

/*
 * "breakdown": the parts of the score as keluh-rules(5) adds them, so a
 * program can show which rule and which boost added what.
 */
static void
json_breakdown(struct buf *b, const struct ruleset *rs, const struct verdict *v)
{
	buf_adds(b, ",\"breakdown\":{\"top\":");
	if (v->top > 0) {
		const char *rid = rules_id(rs, v->top_rule);

		buf_adds(b, "{\"rule\":");
		json_str(b, rid, strlen(rid));
		buf_printf(b, ",\"score\":%d}", v->top);
	} else
		buf_adds(b, "null");
	buf_adds(b, ",\"extra\":{\"rules\":");
	json_part_rules(b, rs, v, 1);
	buf_printf(b, ",\"sum\":%d,\"max\":%d,\"counted\":%d}", v->extra, rules_max_extra(rs),
	           v->extra_counted);
	buf_adds(b, ",\"negative\":{\"rules\":");
	json_part_rules(b, rs, v, 0);
	buf_printf(b, ",\"sum\":%d}", v->negative);
	if (rules_nmodels(rs))
		json_models(b, rs, v);
	buf_printf(b, ",\"boosts\":{\"followers\":%d,\"verified\":%d}", v->boost_followers,
	           v->boost_verified);
	if (v->priority != PRIO_NONE)
		buf_printf(b, ",\"threshold\":{\"priority\":\"%s\",\"at_least\":%d}}",
		           prio_name(v->priority), rules_threshold(rs, v->priority));
	else
		buf_printf(b, ",\"threshold\":{\"priority\":\"none\",\"below\":%d}}",
		           rules_threshold(rs, PRIO_LOW));
}

long
verdict_model_found(const struct verdict *v)
{
	long best = -1;

	if (!v->complaint || v->nrules)
		return -1;
	for (size_t i = 0; i < v->nmodels; i++)
		if (v->models[i].score > 0 &&
		    (best < 0 || v->models[i].score > v->models[best].score))
			best = (long)i;
	return best;
}

void
verdict_breakdown_text(struct buf *b, const struct ruleset *rs, const struct verdict *v)
{
	int parts = 0;

	buf_printf(b, "score %d", v->score);
	if (v->nrules == 0 && v->model == 0) {
		buf_printf(b, ": no rule matched; not a complaint (low needs %d)",
		           rules_threshold(rs, PRIO_LOW));
		return;
	}
	buf_adds(b, " =");
	if (v->top > 0) {
		buf_printf(b, " %d %s", v->top, rules_id(rs, v->top_rule));
		parts++;
	}
	if (v->extra > 0) {
		if (v->extra_counted < v->extra)
			buf_printf(b, " + %d others (%d, at most %d)", v->extra_counted, v->extra,
			           rules_max_extra(rs));
		else
			buf_printf(b, " + %d others (at most %d)", v->extra, rules_max_extra(rs));
		parts++;
	}
	if (v->negative < 0 || (parts == 0 && v->model == 0)) {
		buf_printf(b, parts ? " - %d negative" : " %d negative",
		           parts ? -v->negative : v->negative);
		parts++;
	}
	for (size_t i = 0; i < v->nmodels; i++) {
		const struct verdict_model *x = &v->models[i];

		if (x->score == 0)
			continue;
		if (parts)
			buf_printf(b, " %c %d", x->score < 0 ? '-' : '+', abs(x->score));
		else
			buf_printf(b, " %d", x->score);
		buf_printf(b, " model %s (p %.2f)", rules_model_name(rs, x->model), x->p);
		parts++;
	}
	if (v->boost_followers)
		buf_printf(b, " %c %d followers", v->boost_followers < 0 ? '-' : '+',
		           abs(v->boost_followers));
	if (v->boost_verified)
		buf_printf(b, " %c %d verified", v->boost_verified < 0 ? '-' : '+',
		           abs(v->boost_verified));
	if (v->priority != PRIO_NONE)
		buf_printf(b, ": %s (%d or more)", prio_name(v->priority),
		           rules_threshold(rs, v->priority));
	else
		buf_printf(b, ": not a complaint (low needs %d)", rules_threshold(rs, PRIO_LOW));
}

void
verdict_json(struct buf *b, const struct ruleset *rs, const char *id, const char *text,
    size_t len, const struct verdict *v)
{
	long fm;

	buf_adds(b, "{\"id\":");
	if (id)
		json_str(b, id, strlen(id));
	else
		buf_adds(b, "null");
	buf_printf(b, ",\"complaint\":%s,\"priority\":\"%s\",\"score\":%d,\"boost\":%d,",
	    v->complaint ? "true" : "false", prio_name(v->priority), v->score, v->boost);
	/* only for a review: other mentions keep the shape they always had */
	if (v->rating)
		buf_printf(b, "\"rating\":%d,", v->rating);
	buf_adds(b, "\"team\":");
	if (v->team)
		json_str(b, v->team, strlen(v->team));
	else
		buf_adds(b, "null");
	buf_adds(b, ",\"rules\":[");
	for (size_t i = 0; i < v->nrules; i++) {
		const char *rid = rules_id(rs, v->rules[i]);

		if (i)
			buf_addc(b, ',');
		json_str(b, rid, strlen(rid));
	}
	buf_addc(b, ']');
	/* only then, as in an alert's mention (keluhd.8) */
	if ((fm = verdict_model_found(v)) >= 0) {
		const char *name = rules_model_name(rs, v->models[fm].model);

		buf_adds(b, ",\"model\":");
		json_str(b, name, strlen(name));
	}
	buf_adds(b, ",\"matches\":");
	verdict_matches_json(b, rs, text, len, v);
	json_breakdown(b, rs, v);
	if (v->regex_errors)
		buf_printf(b, ",\"regex_errors\":%zu", v->regex_errors);
	if (v->nbounds) {
		buf_adds(b, ",\"bounds\":[");
		for (size_t i = 0; i < v->nbounds; i++) {
			const struct bound_hit *h = &v->bounds[i];
			const char *rid = rules_id(rs, h->rule);

			buf_adds(b, i ? ",{\"rule\":" : "{\"rule\":");
			json_str(b, rid, strlen(rid));
			buf_adds(b, ",\"regex\":");
			json_str(b, h->pattern, strlen(h->pattern));
			buf_printf(b, ",\"bound\":\"%s\"}", classify_bound_name(h->kind));
		}
		buf_addc(b, ']');
	}
	buf_addc(b, '}');
}

static int
verdict_has_rule(const struct ruleset *rs, const struct verdict *v, const char *id)
{
	for (size_t i = 0; i < v->nrules; i++)
		if (strcmp(rules_id(rs, v->rules[i]), id) == 0)
			return 1;
	return 0;
}

int
verdict_test(struct classify_ctx *ctx, const struct rules_test *t, struct verdict *v,
    struct buf *why)
{
	const struct ruleset *rs = classify_ruleset(ctx);
	struct classify_author a = { t->followers, t->verified, t->rating };
	size_t bad, len0 = why->len;

	memset(v, 0, sizeof(*v));
	if (t->skip)
		return -1;
	if (classify_mention(ctx, t->text, strlen(t->text), t->lang, &a, v, &bad) < 0) {
		memset(v, 0, sizeof(*v));
		buf_printf(why, "invalid UTF-8 at byte %zu", bad);
		return 0;
	}
	for (size_t j = 0; j < t->n_want_rules; j++)
		if (!verdict_has_rule(rs, v, t->want_rules[j]))
			buf_printf(why, "%srule %s did not match", why->len > len0 ? "; " : "",
			    t->want_rules[j]);
	for (size_t j = 0; j < t->n_not_rules; j++)
		if (verdict_has_rule(rs, v, t->not_rules[j]))
			buf_printf(why, "%srule %s matched", why->len > len0 ? "; " : "",
			    t->not_rules[j]);
	if (t->want_priority >= 0 && (int)v->priority != t->want_priority)
		buf_printf(why, "%spriority is %s, expected %s (score %d)",
		    why->len > len0 ? "; " : "", prio_name(v->priority),
		    prio_name((enum prio)t->want_priority), v->score);
	if (t->want_complaint >= 0 && v->complaint != t->want_complaint)
		buf_printf(why, "%s%s a complaint, expected %s (score %d)",
		    why->len > len0 ? "; " : "", v->complaint ? "is" : "is not",
		    t->want_complaint ? "one" : "none", v->score);
	if (t->team && (v->team == NULL || strcmp(v->team, t->team) != 0))
		buf_printf(why, "%steam is %s, expected %s", why->len > len0 ? "; " : "",
		    v->team ? v->team : "none", t->team);
	return why->len == len0;
}

struct span {
	size_t start, end;
};

static int
span_cmp(const void *a, const void *b)
{
	const struct span *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->end < y->end ? -1 : x->end > y->end;
}

void
verdict_highlight(struct buf *b, const char *text, size_t len, const struct verdict *v,
    const char *open, const char *close)
{
	struct span *sp;
	size_t n = 0, pos = 0;

	sp = calloc(v->nmatches ? v->nmatches : 1, sizeof(*sp));
	if (sp == NULL)
		abort();
	for (size_t i = 0; i < v->nmatches; i++)
		if (v->matches[i].start < v->matches[i].end && v->matches[i].end <= len)
			sp[n++] = (struct span){ v->matches[i].start, v->matches[i].end };
	qsort(sp, n, sizeof(*sp), span_cmp);
	for (size_t i = 0; i < n; i++) {
		size_t s = sp[i].start, e = sp[i].end;

		while (i + 1 < n && sp[i + 1].start <= e) {
			if (sp[i + 1].end > e)
				e = sp[i + 1].end;
			i++;
		}
		if (s < pos)
			s = pos;
		buf_add(b, text + pos, s - pos);
		buf_adds(b, open);
		buf_add(b, text + s, e - s);
		buf_adds(b, close);
		pos = e;
	}
	buf_add(b, text + pos, len - pos);
	free(sp);
}
