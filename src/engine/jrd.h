/*
 * jrd.h: the strict direct JSON reader of mention.c, for hot paths that
 * must not build a jansson tree of a whole body.
 *
 * It checks what it reads is strict JSON (RFC 8259, refusing what jansson
 * refuses, and \u0000) and builds nothing: strings are handed out as
 * pointers into the input, or into a caller's buffer when they hold
 * escapes, valid until the next read into that buffer. After a failure
 * (-1) err holds "malformed JSON at column N: what" and the reader must
 * not be used further.
 */
#ifndef KELUH_JRD_H
#define KELUH_JRD_H

#include <stddef.h>

#include "lib/util.h"

struct jrd {
	const char *p, *end, *start;
	char *err;
	size_t errlen;
	int failed;
	int utf8_ok; /* the caller checked the whole input is valid UTF-8 */
};

enum jrd_kind { JK_NULL, JK_STRING, JK_INT, JK_BOOL, JK_OTHER };

/* Skips white space. */
void jrd_ws(struct jrd *);
/* Reads a string: *v and *vlen (not NUL-terminated), in the input or in tmp. */
int jrd_string_ref(struct jrd *, struct buf *tmp, const char **v, size_t *vlen);
/* Validates and skips one value nested depth levels down. */
int jrd_skip(struct jrd *, int depth);
/* Reads one value: strings as jrd_string_ref, whole numbers in *iv, booleans in *bv. */
int jrd_value(struct jrd *, struct buf *tmp, const char **sv, size_t *svlen, long long *iv, int *bv,
              enum jrd_kind *kind);
/* Walks an object's members; fn reads each value (key: klen bytes, not NUL-terminated). */
int jrd_object(struct jrd *, struct buf *keybuf,
               int (*fn)(struct jrd *, void *, const char *key, size_t klen), void *arg);
/*
 * Walks an array's elements; fn reads each. -1 without a message when the
 * value is not an array or is malformed between elements (a fast path's
 * callers then read the input another way), or when fn fails.
 */
int jrd_array(struct jrd *, int (*fn)(struct jrd *, void *), void *arg);

#endif
