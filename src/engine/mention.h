/*
 * mention.h: the mention struct every source produces, and JSON -> mention.
 *
 * All strings are owned by the mention and valid UTF-8 (JSON guarantees
 * it). Only text is required; a missing id is derived from a hash of the
 * source and text so that the same post seen twice gets the same id.
 */
#ifndef KELUH_MENTION_H
#define KELUH_MENTION_H

#include <jansson.h>
#include <stddef.h>

#define MENTION_MAX_TEXT (64 * 1024)

struct mention {
	char *id;
	char *source;
	char *text;
	size_t text_len;
	char *url;
	char *lang;
	char *created_at;
	char *author_handle;
	char *author_name;
	long followers;		/* -1 when unknown */
	int verified;
	int reply;		/* an answer to another post */
	int reblog;		/* a repost (boost, retweet) of someone else's post */
	char *reply_to;		/* the id of the post or comment it answers (sets reply) */
	char *account;		/* where it arrived: the brand's page, account, number or app */
	int rating;		/* a review's stars, 1 to 5; 0 when it is no review */
	char *app_version;	/* a review: the app version it was written about */
	char *device;		/* a review: the device it was written on */
};

/* Returns 0, or -1 with a specific reason in err ("text must be a string"). */
int mention_from_json(struct mention *, const json_t *, char *err, size_t errlen);
/* Parses one JSON object from buf[0..len). */
int mention_parse(struct mention *, const char *buf, size_t len, char *err, size_t errlen);
/* The same for a buf the caller has checked is valid UTF-8 in full (an HTTP body). */
int mention_parse_utf8(struct mention *, const char *buf, size_t len, char *err,
    size_t errlen);
void mention_free(struct mention *);
/*
 * json_loadb for a mention body or event: the same, but a raw NUL byte
 * anywhere is an error (RFC 8259 allows none, and jansson 2.14 takes one
 * after true, false or null, which the direct reader refuses).
 */
json_t *mention_json_loadb(const char *buf, size_t len, size_t flags, json_error_t *je);

#endif
