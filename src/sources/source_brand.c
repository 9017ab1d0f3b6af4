#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/util.h"
#include "sources/source_brand.h"

#define BRAND_ALNUM "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

/* The name part of a handle as keluhd.yaml writes it: no '@', no "u/" or "/u/". */
static const char *
brand_name(enum source_platform p, const char *h)
{
	if (p == SOURCE_PLATFORM_REDDIT) {
		if (strncasecmp(h, "/u/", 3) == 0)
			return h + 3;
		if (strncasecmp(h, "u/", 2) == 0)
			return h + 2;
		return h;
	}
	return *h == '@' ? h + 1 : h;
}

static int
brand_all(const char *s, size_t len, const char *set)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] == '\0' || strchr(set, s[i]) == NULL)
			return 0;
	return 1;
}

/* Mastodon: name, or name@domain (a user name, then a host name). */
static int
brand_mastodon_ok(const char *n)
{
	const char *at = strchr(n, '@');
	size_t ul = at ? (size_t)(at - n) : strlen(n);

	if (ul == 0 || ul > 64 || !brand_all(n, ul, BRAND_ALNUM "_.-"))
		return 0;
	if (at == NULL)
		return 1;
	return at[1] != '\0' && strlen(at + 1) <= 253 && at[1] != '.' &&
	       brand_all(at + 1, strlen(at + 1), BRAND_ALNUM ".-");
}

int
source_brand_check(enum source_platform p, const char *handle, char *err, size_t errlen)
{
	const char *n = brand_name(p, handle);
	size_t len = strlen(n);

	if (len == 0) {
		snprintf(err, errlen, "brand_accounts: an empty handle; write the account as %s",
		         p == SOURCE_PLATFORM_REDDIT ? "u/name, like u/dompetku_care"
		                                     : "@name, like @dompetku_care");
		return -1;
	}
	/* the platforms' own rules for names: X 1 to 15, Reddit 3 to 20 characters */
	if (p == SOURCE_PLATFORM_X && (len > 15 || !brand_all(n, len, BRAND_ALNUM "_"))) {
		snprintf(err, errlen,
		         "brand_accounts: '%s' is not an X username (1 to 15 letters, "
		         "digits or _, like @dompetku_care)",
		         handle);
		return -1;
	}
	if (p == SOURCE_PLATFORM_REDDIT &&
	    (len < 3 || len > 20 || !brand_all(n, len, BRAND_ALNUM "_-"))) {
		snprintf(err, errlen,
		         "brand_accounts: '%s' is not a Reddit user name (3 to 20 "
		         "letters, digits, - or _, like u/dompetku_care)",
		         handle);
		return -1;
	}
	if (p == SOURCE_PLATFORM_MASTODON && !brand_mastodon_ok(n)) {
		snprintf(err, errlen,
		         "brand_accounts: '%s' is not a Mastodon account (@name for an "
		         "account of the instance read, or @name@domain, like "
		         "@dompetku_care@mastodon.social)",
		         handle);
		return -1;
	}
	return 0;
}

/* Two Mastodon accounts: a missing domain is the instance read (local, if known). */
static int
brand_mastodon_is(const char *brand, const char *acct, const char *local)
{
	const char *b = brand_name(SOURCE_PLATFORM_MASTODON, brand), *a = acct;
	const char *bat = strchr(b, '@'), *aat, *bd, *ad;
	size_t bl = bat ? (size_t)(bat - b) : strlen(b), al;

	if (*a == '@')
		a++;
	aat = strchr(a, '@');
	al = aat ? (size_t)(aat - a) : strlen(a);
	if (bl != al || strncasecmp(a, b, al) != 0)
		return 0;
	bd = bat ? bat + 1 : local;
	ad = aat ? aat + 1 : local;
	if (bd == NULL || ad == NULL)
		return bd == ad;
	return strcasecmp(bd, ad) == 0;
}

int
source_brand_is(enum source_platform p, const char *brand, const char *author, const char *local)
{
	if (author == NULL || *author == '\0')
		return 0;
	if (p == SOURCE_PLATFORM_MASTODON)
		return brand_mastodon_is(brand, author, local);
	if (p == SOURCE_PLATFORM_X && *author == '@')
		author++;
	/* X and Reddit names are one account whatever their case */
	return strcasecmp(brand_name(p, brand), author) == 0;
}

const char *
source_brands_find(const struct source_brands *b, enum source_platform p, const char *author,
                   const char *local)
{
	for (size_t i = 0; i < b->n; i++)
		if (source_brand_is(p, b->v[i], author, local))
			return b->v[i];
	return NULL;
}

void
source_brands_parse(struct confp *L, yaml_node_t *item, enum source_platform p,
                    struct source_brands *b)
{
	yaml_node_t *v = ymap_get(L->yf, item, "brand_accounts");
	char err[300];
	size_t i, j;

	memset(b, 0, sizeof(*b));
	if (v == NULL || confp_strings(L, v, "brand_accounts", &b->v, &b->n) < 0)
		return;
	/* confp_strings skips what is not a string: the handles follow the items only then */
	for (i = 0, j = 0; yis_seq(v) && i < yseq_len(v) && j < b->n; i++) {
		yaml_node_t *it = yseq_item(L->yf, v, i);

		if (!yis_scalar(it) || yis_null(it))
			continue;
		if (source_brand_check(p, b->v[j], err, sizeof(err)) < 0)
			yerror(L->d, L->yf, it, "%s", err);
		j++;
	}
	if (!yis_seq(v) && b->n == 1 && source_brand_check(p, b->v[0], err, sizeof(err)) < 0)
		yerror(L->d, L->yf, v, "%s", err);
}

int
source_brands_same(const struct source_brands *a, const struct source_brands *b)
{
	if (a->n != b->n)
		return 0;
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->v[i], b->v[i]) != 0)
			return 0;
	return 1;
}

void
source_brands_copy(struct source_brands *b, const struct source_brands *a)
{
	b->v = xcalloc(a->n + 1, sizeof(char *));
	for (size_t i = 0; i < a->n; i++)
		b->v[i] = xstrdup(a->v[i]);
	b->n = a->n;
}

void
source_brands_free(struct source_brands *b)
{
	confp_free_strings(b->v, b->n);
	b->v = NULL;
	b->n = 0;
}
