/*
 * fuzz_stream: SSE and NDJSON framing (the stream parser).
 *
 * The first byte picks the mode and the longest event; the next four seed
 * where the rest is cut. The rest is fed whole, then in chunks cut at
 * those places, then (when short) one byte at a time: each must give the
 * same events, the same too-long reports and the same state at the end.
 * Every event's data ends with a NUL after len bytes.
 */
#include "config.h"

#include <string.h>

#include "fuzz.h"
#include "lib/util.h"
#include "net/stream.h"

struct rec {
	struct buf out;
};

static void
on_event(void *arg, const struct stream_event *ev)
{
	struct rec *r = arg;

	fuzz_assert(ev->data[ev->len] == '\0', "event data without its NUL");
	buf_printf(&r->out, "E %s|%s|%zu|", ev->type ? ev->type : "-", ev->id ? ev->id : "-",
	           ev->len);
	buf_add(&r->out, ev->data, ev->len);
	buf_addc(&r->out, '\n');
}

static void
on_toolong(void *arg, size_t len)
{
	buf_printf(&((struct rec *)arg)->out, "L %zu\n", len);
}

/*
 * Feeds s[0..n) whole (how 0), cut where seed says (1) or a byte at a
 * time (2); returns what came out (caller frees) and its length.
 */
static char *
run(enum stream_mode mode, size_t max, const char *s, size_t n, uint32_t seed, int how,
    size_t *outlen)
{
	struct stream_parser p;
	struct rec r;
	size_t at = 0;

	buf_init(&r.out);
	buf_adds(&r.out, "");
	stream_parser_init(&p, mode, max, on_event, on_toolong, &r);
	while (at < n) {
		size_t k = n - at;

		if (how == 1) {
			/* xorshift: lengths from 1 to 64, and now and then a long one */
			seed ^= seed << 13;
			seed ^= seed >> 17;
			seed ^= seed << 5;
			k = (seed & 0x3f00) == 0 ? (seed >> 16) % 4096 + 1 : (seed & 0x3f) + 1;
		} else if (how == 2)
			k = 1;
		if (k > n - at)
			k = n - at;
		stream_parser_feed(&p, s + at, k);
		at += k;
	}
	buf_printf(&r.out, "S %s|%ld\n", p.last_id, p.retry_ms);
	stream_parser_free(&p);
	*outlen = r.out.len;
	return r.out.data;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t maxes[4] = {16, 256, 4096, 1 << 20};
	enum stream_mode mode;
	size_t max, n, wlen, clen;
	uint32_t seed;
	char *whole, *cut, *s;

	if (size < 5)
		return 0;
	mode = data[0] & 1 ? STREAM_NDJSON : STREAM_SSE;
	max = maxes[(data[0] >> 1) & 3];
	memcpy(&seed, data + 1, 4);
	seed |= 1;
	n = size - 5;
	s = xmalloc(n ? n : 1);
	memcpy(s, data + 5, n);
	whole = run(mode, max, s, n, seed, 0, &wlen);
	cut = run(mode, max, s, n, seed, 1, &clen);
	fuzz_assert(wlen == clen && memcmp(whole, cut, wlen) == 0,
	            "cut input gave other events:\n%s---\n%s", whole, cut);
	free(cut);
	if (n <= 4096) {
		cut = run(mode, max, s, n, seed, 2, &clen);
		fuzz_assert(wlen == clen && memcmp(whole, cut, wlen) == 0,
		            "bytewise input gave other events:\n%s---\n%s", whole, cut);
		free(cut);
	}
	free(whole);
	free(s);
	return 0;
}
