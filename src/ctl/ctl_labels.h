/*
 * ctl_labels.h: reading labelled mentions for keluhctl (label --import,
 * learn, eval). Two shapes of one file:
 *   NDJSON  {"id","text","complaint":true|false,"team"?,"by"?,"at"?}
 *   CSV     id,text,complaint[,team]  (RFC 4180 quoting; a header line
 *           naming the columns is optional and then any order goes)
 * complaint is true/false, 1/0, complaint/not (any case). And the pair the
 * labelled dev sets come as: a mentions NDJSON ({"id","text","lang"?}) and a
 * CSV of labels joined to it by id (id,complaint[,severity][,priority]...).
 *
 * A bad line is told on the error stream as "FILE:LINE:COL: error: what, and
 * how to fix it" and skipped; the good lines are kept. The reader is
 * bounded: a record longer than max_line is refused, and a file with more
 * than max_labels records or max_bytes bytes is refused whole. When one id
 * comes twice the later line wins (as in the spool: the latest label counts).
 *
 * Everything in a struct ctl_labels is owned by it; ctl_labels_free frees it.
 */
#ifndef KELUH_CTL_LABELS_H
#define KELUH_CTL_LABELS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct ctl_label {
	char *id;
	char *text; /* NUL-terminated, valid UTF-8 without NUL bytes */
	size_t text_len;
	int complaint;      /* 1 complaint, 0 not */
	char *team;         /* NULL when none */
	char *by;           /* who labelled it; NULL when not said */
	char *lang;         /* the mention's language, NULL when not said */
	char *priority;     /* a suggested priority (gold CSV), NULL when none */
	int severity;       /* 0-4 (gold CSV), -1 when none */
	int64_t at_ms;      /* when it was labelled; 0 when not said */
	unsigned long line; /* where the label is in its file (1-based) */
};

struct ctl_labels {
	struct ctl_label *v;
	size_t n, cap;
	size_t bad;  /* lines refused, each told on the error stream */
	size_t dups; /* ids given again (the later line was kept) */
};

struct ctl_labels_limits {
	size_t max_line;   /* bytes in one record */
	size_t max_labels; /* records in a file */
	size_t max_bytes;  /* bytes in a file */
};

#define CTL_LABELS_MAX_LINE   (256 * 1024)
#define CTL_LABELS_MAX_LABELS 1000000
#define CTL_LABELS_MAX_BYTES  (512UL * 1024 * 1024)

enum ctl_labels_format { CTL_LABELS_SNIFF, CTL_LABELS_NDJSON, CTL_LABELS_CSV };

void ctl_labels_limits_default(struct ctl_labels_limits *);

/*
 * Reads path ("-": stdin) into out (which it initialises), telling bad lines
 * on errs (stderr when NULL). SNIFF takes NDJSON when the first byte that is
 * not white space is '{', else CSV. Returns 0, or -1 with err set (a file
 * that cannot be read or is over a limit: out is then empty).
 */
int ctl_labels_read(const char *path, enum ctl_labels_format fmt,
                    const struct ctl_labels_limits *lim, FILE *errs, struct ctl_labels *out,
                    char *err, size_t errlen);

/*
 * The dev-set pair: mentions (NDJSON with id and text) and gold (CSV with a
 * header naming at least id and complaint). Labels come out in gold's order;
 * a gold row whose id is in no mention is a bad line of gold.
 */
int ctl_labels_read_pair(const char *mentions, const char *gold,
                         const struct ctl_labels_limits *lim, FILE *errs, struct ctl_labels *out,
                         char *err, size_t errlen);

/* complaint/not, true/false, 1/0 (any case) as 1 or 0; -1 for anything else. */
int ctl_labels_parse_complaint(const char *s);

/* Appends l as one NDJSON line (the shape above; at as RFC 3339). */
struct buf;
void ctl_labels_ndjson(struct buf *, const struct ctl_label *l);

void ctl_labels_free(struct ctl_labels *);

#endif
