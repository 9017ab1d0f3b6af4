#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "verdict.h"

static void
json_str(struct buf *b, const char *s, size_t len)
{
	buf_addc(b, '"');
	buf_add_json_str(b, s, len);
	buf_addc(b, '"');
}

/* The same evidence twice (a keyword written twice, say) says nothing new. */
static int
match_seen(const struct verdict *v, size_t i)
{
	const struct match *m = &v->matches[i];

	for (size_t j = 0; j < i; j++) {
		const struct match *o = &v->matches[j];

		if (o->rule == m->rule && o->kind == m->kind && o->start == m->start &&
		    o->end == m->end && (o->pattern == m->pattern ||
		    strcmp(o->pattern, m->pattern) == 0))
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
		const char *rid = rules_id(rs, m->rule);

		if (match_seen(v, i))
			continue;
		if (!first)
			buf_addc(b, ',');
		first = 0;
		buf_adds(b, "{\"rule\":");
		json_str(b, rid, strlen(rid));
		buf_printf(b, ",\"kind\":\"%s\",\"pattern\":",
		    m->kind == MATCH_KEYWORD ? "keyword" : "regex");
		json_str(b, m->pattern, strlen(m->pattern));
		buf_printf(b, ",\"start\":%zu,\"end\":%zu,\"text\":", m->start, m->end);
		if (m->end <= len && m->start <= m->end)
			json_str(b, text + m->start, m->end - m->start);
		else
			buf_adds(b, "\"\"");
		buf_addc(b, '}');
	}
	buf_addc(b, ']');
}

void
verdict_json(struct buf *b, const struct ruleset *rs, const char *id, const char *text,
    size_t len, const struct verdict *v)
{
	buf_adds(b, "{\"id\":");
	if (id)
		json_str(b, id, strlen(id));
	else
		buf_adds(b, "null");
	buf_printf(b, ",\"complaint\":%s,\"priority\":\"%s\",\"score\":%d,\"boost\":%d,\"team\":",
	    v->complaint ? "true" : "false", prio_name(v->priority), v->score, v->boost);
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
	buf_adds(b, "],\"matches\":");
	verdict_matches_json(b, rs, text, len, v);
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
