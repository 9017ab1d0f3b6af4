#include "config.h"

#include <string.h>

#include "receivers/receiver_int.h"

/* Console and email have no size limit; this keeps one long post from hiding the rest. */
#define CONSOLE_TEXT_UNITS 1000

/*
 * The plain-text alert, shared with email:
 *
 *   CRITICAL INCIDENT: Cannot log in; Charged twice
 *   team tech · 3 new, 40 since 10:02 UTC, 2 muted
 *   alert a-1 · group rule=access.login
 *   delayed 8 min by delivery failures            (only when late)
 *
 *   @budi (Budi) · x · 12.3k followers · verified · posted 10:12 UTC, 8 min ago
 *     gak bisa *login* dari pagi
 *     https://x.com/budi/status/1
 *
 *   +1 more mention
 *
 * Matched words are between asterisks, the plain-text convention for bold.
 */
void
rcv_plain_text(const struct rcv_ctx *c, struct buf *b, size_t text_units)
{
	const struct rcv_alert *a = &c->a;
	struct buf t;
	size_t shown = 0, listed = rcv_nlisted(a);

	buf_init(&t);
	rcv_headline(a, b, 0);
	buf_adds(b, ": ");
	rcv_title(a, &t, RCV_TITLE_UNITS);
	rcv_clean(b, t.data, t.len);
	buf_adds(b, "\n");
	if (a->team) {
		rcv_team(a, b);
		buf_adds(b, " \xc2\xb7 ");
	}
	rcv_counts(a, b);
	buf_adds(b, "\n");
	buf_reset(&t);
	rcv_case_lines(a, &t, RCV_MK_PLAIN, "\n");
	if (t.len) {
		buf_add(b, t.data + 1, t.len - 1);	/* the first "\n" */
		buf_adds(b, "\n");
	}
	buf_reset(&t);
	rcv_idline(a, &t);
	if (t.len) {
		rcv_clean(b, t.data, t.len);
		buf_adds(b, "\n");
	}
	buf_reset(&t);
	rcv_late(a, &t);
	if (t.len) {
		rcv_clean(b, t.data, t.len);
		buf_adds(b, "\n");
	}
	for (size_t i = 0; i < listed && shown < c->samples; i++) {
		const json_t *m = rcv_mention(a, i);
		const char *h, *url;

		if (m == NULL)
			continue;
		h = rcv_handle(a, m);
		buf_adds(b, "\n");
		rcv_clean(b, h, strlen(h));
		buf_reset(&t);
		rcv_byline(a, m, &t);
		rcv_clean(b, t.data, t.len);
		buf_adds(b, "\n  ");
		rcv_emph_text(b, RCV_MK_PLAIN, m, text_units);
		buf_adds(b, "\n");
		if ((url = rcv_url(m)) != NULL) {
			buf_adds(b, "  ");
			rcv_url_text(b, RCV_MK_PLAIN, url);
			buf_adds(b, "\n");
		}
		shown++;
	}
	if (a->nall > shown) {
		buf_adds(b, "\n");
		rcv_more(a, b, a->nall - shown);
		buf_adds(b, "\n");
	}
	buf_free(&t);
}

static int
rcv_render_console(struct rcv_ctx *c, struct rcv_msg *m)
{
	struct buf b;

	buf_init(&b);
	rcv_plain_text(c, &b, CONSOLE_TEXT_UNITS);
	rcv_msg_text(m, &b);
	return 0;
}

const struct rcv_kind rcv_kind_console = {
	.conf = {
		.name = "console",
		.rate_per_s = 10,
		.parse = rcv_parse_secret,
	},
	.render = rcv_render_console,
	.transport = RCV_TR_CONSOLE,
	.judge = rcv_judge_http,
};
