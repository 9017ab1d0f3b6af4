#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "receivers/receiver_int.h"

/*
 * PagerDuty Events API v2 (PagerDuty developer documentation): one
 * trigger event per alert.
 * dedup_key is the alert's group, so every update of a group folds into
 * the incident it opened instead of paging again.
 */

#define PD_SUMMARY_UNITS 1024		/* Events API: payload.summary <= 1024 */
#define PD_DEDUP_BYTES 255		/* Events API: dedup_key <= 255 */
#define PD_ID_UNITS 120			/* " · alert " and an id of at most 100 */
/* Events API: the event is at most 512 KB; keep it under 480,000 bytes. */
#define PD_BYTES 480000
#define PD_SAMPLE_UNITS 2000
#define PD_MIN_UNITS 100
#define PD_MORE_BYTES 64

struct pd_fill {
	const struct rcv_alert *a;
	json_t *piece, *link;
	json_t *samples, *links;
};

static size_t
pd_render_sample(void *arg, const json_t *m, size_t cap)
{
	struct pd_fill *f = arg;
	const json_t *tj = json_object_get(m, "text");
	const char *h = rcv_handle(f->a, m), *url = rcv_url(m), *link = rcv_link(m);
	const char *src = rcv_str(m, "source"), *text = json_string_value(tj);
	struct rcv_span *sp;
	struct buf b;
	json_t *matched = json_array();
	size_t len = json_string_length(tj), keep = 0, n, cost;
	int cut = 0;

	buf_init(&b);
	json_decref(f->piece);
	json_decref(f->link);
	f->piece = json_object();
	f->link = NULL;
	json_object_set_new(f->piece, "author", rcv_jstr(h, strlen(h)));
	rcv_author_rest(f->a, m, &b);
	/* " · x · 980 followers" reads as a list here: drop the leading separator. */
	{
		size_t skip = 0;

		while (skip < b.len && b.data[skip] == ' ')
			skip++;
		if (b.len - skip >= 2 && memcmp(b.data + skip, "\xc2\xb7", 2) == 0)
			skip += 2;
		while (skip < b.len && b.data[skip] == ' ')
			skip++;
		json_object_set_new(f->piece, "reach", rcv_jstr(b.data + skip, b.len - skip));
	}
	if (text) {
		/* Plain text: PagerDuty shows custom_details as data, not markup. */
		keep = rcv_text_cut(text, len, cap, &cut);
		buf_reset(&b);
		buf_add(&b, text, keep);
		if (cut)
			buf_adds(&b, RCV_ELLIPSIS);
		json_object_set_new(f->piece, "text", rcv_jstr(b.data, b.len));
		n = rcv_spans(m, text, keep, &sp);
		for (size_t i = 0; i < n; i++)
			json_array_append_new(matched, rcv_jstr(text + sp[i].s, sp[i].e - sp[i].s));
		free(sp);
	}
	buf_reset(&b);
	rcv_posted(f->a, m, &b);
	if (b.len)
		json_object_set_new(f->piece, "posted", rcv_jstr(b.data, b.len));
	if (url)
		json_object_set_new(f->piece, "url", rcv_jstr(url, strlen(url)));
	if (json_array_size(matched))
		json_object_set_new(f->piece, "matched", matched);
	else
		json_decref(matched);
	cost = rcv_jlen(f->piece) + 1;
	if (link) {
		buf_reset(&b);
		buf_adds(&b, h);
		if (src && *src)
			buf_printf(&b, "%s%s", rcv_w(f->a, W_ON), src);
		f->link = json_pack("{s:s, s:o}", "href", link, "text", rcv_jstr(b.data, b.len));
		cost += rcv_jlen(f->link) + 1;
	}
	buf_free(&b);
	return cost;
}

static void
pd_keep_sample(void *arg)
{
	struct pd_fill *f = arg;

	json_array_append_new(f->samples, f->piece);
	if (f->link)
		json_array_append_new(f->links, f->link);
	f->piece = f->link = NULL;
}

/*
 * "CRITICAL INCIDENT: Cannot log in (team tech, 3 new, 40 since 10:02
 * UTC) · alert a-1": the id last, and never cut, so it can be quoted.
 */
static void
pd_summary(const struct rcv_alert *a, struct buf *out)
{
	struct buf t;

	buf_init(&t);
	rcv_headline(a, &t, 0);
	buf_adds(&t, ": ");
	rcv_title_counts(a, &t, PD_SUMMARY_UNITS);
	rcv_esc_fit(out, RCV_MK_PLAIN, t.data, t.len, PD_SUMMARY_UNITS - PD_ID_UNITS);
	if (a->id && *a->id) {
		buf_printf(out, " \xc2\xb7 %s ", rcv_w(a, W_ALERT));
		rcv_esc_fit(out, RCV_MK_PLAIN, a->id, strlen(a->id), 100);
	}
	buf_free(&t);
}

/* custom_details: the alert's fields, and the samples (filled later). */
static json_t *
pd_details(const struct rcv_alert *a, json_t *rules, json_t *samples)
{
	json_t *details = json_object();
	struct buf t;

	buf_init(&t);
	if (a->id)
		json_object_set_new(details, "alert_id", rcv_jstr(a->id, strlen(a->id)));
	if (a->group)
		json_object_set_new(details, "group", rcv_jstr(a->group, strlen(a->group)));
	json_object_set_new(details, "priority", json_string(a->priority ? a->priority :
	    "normal"));
	json_object_set_new(details, "incident", json_boolean(a->incident));
	json_object_set_new(details, "rules", rules);
	rcv_title(a, &t, PD_SUMMARY_UNITS);
	json_object_set_new(details, "rule_descriptions", rcv_jstr(t.data, t.len));
	buf_reset(&t);
	rcv_counts(a, &t);
	json_object_set_new(details, "mentions", rcv_jstr(t.data, t.len));
	buf_reset(&t);
	rcv_late(a, &t);
	if (t.len)
		json_object_set_new(details, "late", rcv_jstr(t.data, t.len));
	buf_reset(&t);
	/* The case's state and links, one per line ("\n" first, dropped). */
	rcv_case_lines(a, &t, RCV_MK_PLAIN, "\n");
	if (t.len)
		json_object_set_new(details, "case", rcv_jstr(t.data + 1, t.len - 1));
	json_object_set_new(details, "count", json_integer(a->count));
	json_object_set_new(details, "total", json_integer(a->total));
	json_object_set_new(details, "suppressed", json_integer(a->suppressed));
	if (a->first_at)
		json_object_set_new(details, "first_at", rcv_jstr(a->first_at,
		    strlen(a->first_at)));
	if (a->last_at)
		json_object_set_new(details, "last_at", rcv_jstr(a->last_at, strlen(a->last_at)));
	json_object_set(details, "samples", samples);
	buf_free(&t);
	return details;
}

static int
rcv_render_pagerduty(struct rcv_ctx *c, struct rcv_msg *m)
{
	const struct rcv_alert *a = &c->a;
	const char *url = c->r->url && *c->r->url ? c->r->url :
	    "https://events.pagerduty.com/v2/enqueue";
	struct pd_fill f = { a, NULL, NULL, NULL, NULL };
	struct rcv_fill fl;
	struct buf t, key;
	json_t *o, *payload, *details, *rules, *v;
	size_t shown, base, i;
	int64_t ts;
	char tsbuf[RCV_TIMELEN];

	if (c->r->secret == NULL || *c->r->secret == '\0')
		return rcv_fail(c, "pagerduty receiver '%s' has no routing key", rcv_rname(c));
	buf_init(&t);
	buf_init(&key);
	f.samples = json_array();
	f.links = json_array();

	pd_summary(a, &key);
	payload = json_object();
	json_object_set_new(payload, "summary", rcv_jstr(key.data, key.len));
	buf_reset(&t);
	buf_adds(&t, "keluh");
	if (a->team) {
		buf_addc(&t, '/');
		rcv_esc_fit(&t, RCV_MK_PLAIN, a->team, strlen(a->team), 100);
	}
	json_object_set_new(payload, "source", rcv_jstr(t.data, t.len));
	json_object_set_new(payload, "severity", json_string(a->style->pd_severity));
	if (a->last_at && util_rfc3339_parse(a->last_at, &ts) == 0) {
		util_iso8601(ts * 1000, tsbuf, sizeof(tsbuf));
		json_object_set_new(payload, "timestamp", json_string(tsbuf));
	}
	if (a->team)
		json_object_set_new(payload, "component", rcv_jstr(a->team, strlen(a->team)));
	rules = json_array();
	json_array_foreach(json_object_get(a->a, "rules"), i, v)
		if (json_is_string(v))
			json_array_append(rules, v);
	if (json_is_string(json_array_get(rules, 0)))
		json_object_set_new(payload, "group", json_copy(json_array_get(rules, 0)));
	json_object_set_new(payload, "class", json_string(a->incident ? "complaint incident" :
	    "complaint"));
	details = pd_details(a, rules, f.samples);
	json_object_set_new(payload, "custom_details", details);

	buf_reset(&key);
	rcv_short_key(&key, a->group ? a->group : a->id ? a->id : c->idem_key, PD_DEDUP_BYTES);
	o = json_object();
	json_object_set_new(o, "routing_key", rcv_jstr(c->r->secret, strlen(c->r->secret)));
	json_object_set_new(o, "event_action", json_string("trigger"));
	json_object_set_new(o, "dedup_key", rcv_jstr(key.data, key.len));
	json_object_set_new(o, "payload", payload);
	json_object_set(o, "links", f.links);
	json_object_set_new(o, "client", json_string("keluh"));

	base = rcv_jlen(o);
	fl.budget = base + PD_MORE_BYTES < PD_BYTES ? PD_BYTES - base - PD_MORE_BYTES : 0;
	fl.piece_max = fl.budget;
	fl.cap = PD_SAMPLE_UNITS;
	fl.min_cap = PD_MIN_UNITS;
	fl.max_pieces = c->samples;
	fl.render = pd_render_sample;
	fl.keep = pd_keep_sample;
	fl.arg = &f;
	shown = rcv_fill(a, &fl);
	json_decref(f.piece);
	json_decref(f.link);
	json_object_set_new(details, "more_mentions", json_integer((json_int_t)(a->nall - shown)));
	if (json_array_size(f.links) == 0)
		json_object_del(o, "links");
	json_decref(f.samples);
	json_decref(f.links);
	rcv_msg_post_json(m, xstrdup(url), o);
	buf_free(&t);
	buf_free(&key);
	return 0;
}

/* routing_key (the secret); the Events API v2 unless url is given. */
static void
pd_parse(struct confp *L, yaml_node_t *item, struct receiver *r)
{
	int given;

	r->secret = confp_value_or_file(L, item, "routing_key", "routing_key_file", &given);
	if (!given)
		yerror(L->d, L->yf, item, "receiver '%s' (pagerduty) needs routing_key or "
		    "routing_key_file", r->name);
	if (r->url == NULL)
		r->url = xstrdup("https://events.pagerduty.com/v2/enqueue");
}

static const struct conf_key pagerduty_keys[] = {
    {"url", CONF_STRING},
    {"url_file", CONF_SECRET_FILE},
    {"routing_key", CONF_STRING},
    {"routing_key_file", CONF_SECRET_FILE},
    {NULL, 0},
};

const struct rcv_kind rcv_kind_pagerduty = {
	.conf = {
		.name = "pagerduty",
		.keys = pagerduty_keys,
		.rate_per_s = 10,
		.parse = pd_parse,
	},
	.render = rcv_render_pagerduty,
	.transport = RCV_TR_HTTP,
	.judge = rcv_judge_http,
	.answers = { .json = 1, .json_only = 1, .what = "PagerDuty's Events API v2",
	    .who = "PagerDuty" },
};
