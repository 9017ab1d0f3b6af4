/*
 * source_brand.h: the brand's own accounts on a platform (brand_accounts:
 * of a mastodon, x or reddit source), read from keluhd.yaml and compared
 * with a post's author the way the platform compares names. A post by one
 * of them is the brand speaking, not a complaint: a reply becomes a reply
 * record (source.h), anything else is skipped.
 *
 * Handles are kept as written in keluhd.yaml (that is how logs name them);
 * each comparison reads them again, so nothing else needs keeping.
 */
#ifndef KELUH_SOURCE_BRAND_H
#define KELUH_SOURCE_BRAND_H

#include <stddef.h>

#include "conf/conf_parse.h"
#include "lib/yamlx.h"

enum source_platform {
	/* "@name" (an account of the instance read) or "@name@domain"; case-insensitive */
	SOURCE_PLATFORM_MASTODON,
	/* "@username" or "username"; case-insensitive */
	SOURCE_PLATFORM_X,
	/* "u/name", "/u/name" or "name"; case-insensitive */
	SOURCE_PLATFORM_REDDIT,
};

/* The brand_accounts of one source (malloc'd strings, owned by the struct). */
struct source_brands {
	char **v;
	size_t n;
};

/*
 * brand_accounts: of item into b, each handle checked for platform; an
 * error names the handle's own line and column. Nothing set: b stays empty.
 */
void source_brands_parse(struct confp *, yaml_node_t *item, enum source_platform,
                         struct source_brands *b);
int source_brands_same(const struct source_brands *, const struct source_brands *);
void source_brands_free(struct source_brands *);
/* Copies of a's handles into b (sources outlive the conf on reload). */
void source_brands_copy(struct source_brands *b, const struct source_brands *a);

/*
 * Whether handle is a well-formed account of platform (as keluhd.yaml
 * writes it): 0, or -1 with err saying what is wrong and how to write it.
 */
int source_brand_check(enum source_platform, const char *handle, char *err, size_t errlen);
/*
 * Whether the author of a post is the brand account brand (as written in
 * keluhd.yaml). author is as the platform gives it: Mastodon's acct
 * ("name" for a local account, "name@domain" for a remote one; local is
 * the instance read, which a local account belongs to), X's username,
 * Reddit's author.
 */
int source_brand_is(enum source_platform, const char *brand, const char *author, const char *local);
/* The brand of b that author is, or NULL. */
const char *source_brands_find(const struct source_brands *b, enum source_platform,
                               const char *author, const char *local);

#endif
