#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "daemon/dedup.h"
#include "lib/metrics.h"
#include "lib/util.h"

#define DEDUP_NONE UINT32_MAX

struct dedup_entry {
	uint64_t h;
	int64_t at;
	uint32_t next;
	int used;
};

struct dedup {
	struct dedup_entry *e;
	uint32_t *buckets;
	size_t cap, nbuckets, oldest, count;
	char *name, *hint;
};

#define FNV_OFFSET 1469598103934665603ULL
#define FNV_PRIME  1099511628211ULL

struct dedup *
dedup_new(size_t cap, const char *name, const char *hint)
{
	struct dedup *d = xcalloc(1, sizeof(*d));

	if (cap == 0)
		cap = 1;
	d->cap = cap;
	d->nbuckets = cap * 2 + 1;
	d->e = xcalloc(cap, sizeof(*d->e));
	d->buckets = xmalloc(d->nbuckets * sizeof(uint32_t));
	for (size_t i = 0; i < d->nbuckets; i++)
		d->buckets[i] = DEDUP_NONE;
	d->name = xstrdup(name);
	d->hint = xstrdup(hint);
	return d;
}

void
dedup_free(struct dedup *d)
{
	if (d == NULL)
		return;
	free(d->e);
	free(d->buckets);
	free(d->name);
	free(d->hint);
	free(d);
}

size_t
dedup_cap(const struct dedup *d)
{
	return d->cap;
}

static void
dedup_forget_oldest(struct dedup *d)
{
	uint32_t idx = (uint32_t)d->oldest;
	uint32_t *pp = &d->buckets[d->e[idx].h % d->nbuckets];

	while (*pp != DEDUP_NONE && *pp != idx)
		pp = &d->e[*pp].next;
	if (*pp == idx)
		*pp = d->e[idx].next;
	d->e[idx].used = 0;
	d->count--;
	d->oldest = (d->oldest + 1) % d->cap;
}

int
dedup_seen(struct dedup *d, uint64_t h, int64_t now, int64_t window_ms)
{
	uint32_t slot;

	while (d->count && now - d->e[d->oldest].at > window_ms)
		dedup_forget_oldest(d);
	for (uint32_t i = d->buckets[h % d->nbuckets]; i != DEDUP_NONE; i = d->e[i].next)
		if (d->e[i].h == h)
			return 1;
	if (d->count == d->cap) {
		metrics_bound_hit(d->name, d->hint);
		dedup_forget_oldest(d);
	}
	slot = (uint32_t)((d->oldest + d->count) % d->cap);
	d->e[slot].h = h;
	d->e[slot].at = now;
	d->e[slot].used = 1;
	d->e[slot].next = d->buckets[h % d->nbuckets];
	d->buckets[h % d->nbuckets] = slot;
	d->count++;
	return 0;
}

static int
is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static int
link_at(const char *p, size_t left)
{
	return (left >= 7 && strncmp(p, "http://", 7) == 0) ||
	       (left >= 8 && strncmp(p, "https://", 8) == 0);
}

uint64_t
dedup_hash_text(const char *text, size_t len, size_t *kept)
{
	uint64_t h = FNV_OFFSET;
	size_t n = 0, i = 0;
	int space = 0;

	while (i < len) {
		unsigned char c = (unsigned char)text[i];

		if (is_space(c)) {
			space = 1;
			i++;
			continue;
		}
		if ((i == 0 || is_space((unsigned char)text[i - 1])) &&
		    link_at(text + i, len - i)) {
			while (i < len && !is_space((unsigned char)text[i]))
				i++;
			continue;
		}
		if (space && n) {
			h = (h ^ ' ') * FNV_PRIME;
			n++;
		}
		space = 0;
		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c + ('a' - 'A'));
		h = (h ^ c) * FNV_PRIME;
		n++;
		i++;
	}
	*kept = n;
	return h;
}
