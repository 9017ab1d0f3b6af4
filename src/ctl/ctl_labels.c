/*
 * ctl_labels.c: the labelled-mention reader keluhctl's label, learn and eval
 * commands share (see ctl_labels.h for the shapes and the rules).
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ctl/ctl_labels.h"
#include "engine/mention.h"
#include "lib/util.h"

#define ID_MAX     512
#define TEAM_MAX   128
#define CSV_FIELDS 64

/* A file being read, one record at a time. */
struct rd {
	FILE *fp;
	const char *name; /* as errors say it */
	FILE *errs;
	const struct ctl_labels_limits *lim;
	int csv;
	unsigned long line; /* the physical line the next record starts on */
	size_t total;
	struct buf rec;
	unsigned long rec_line; /* where the record in rec starts */
	int too_long;
	size_t bad;
	int pb[4]; /* bytes put back, the last one read first */
	int npb;
};

static int
rd_getc(struct rd *r)
{
	return r->npb ? r->pb[--r->npb] : getc_unlocked(r->fp);
}

/* Puts c back (EOF is ignored); the caller puts back at most 4, in reverse order. */
static void
rd_ungetc(struct rd *r, int c)
{
	if (c != EOF && r->npb < 4)
		r->pb[r->npb++] = c;
}

static void __attribute__((format(printf, 4, 5)))
bad_line(struct rd *r, unsigned long line, size_t col, const char *fmt, ...)
{
	va_list ap;

	fprintf(r->errs, "%s:%lu:%zu: error: ", r->name, line, col);
	va_start(ap, fmt);
	vfprintf(r->errs, fmt, ap);
	va_end(ap);
	fputc('\n', r->errs);
	r->bad++;
}

/* Line and column (1-based) of byte off of the record (a CSV record may span lines). */
static void
rec_where(const struct rd *r, size_t off, unsigned long *line, size_t *col)
{
	size_t start = 0;

	*line = r->rec_line;
	for (size_t i = 0; i < off && i < r->rec.len; i++)
		if (r->rec.data[i] == '\n') {
			(*line)++;
			start = i + 1;
		}
	*col = off - start + 1;
}

/*
 * The next record into r->rec, without its line end: 1, 0 at the end, -1
 * when the file is over max_bytes or cannot be read (err set). A record over
 * max_line is read to its end but kept short, with too_long set.
 */
static int
next_record(struct rd *r, char *err, size_t errlen)
{
	int c, quoted = 0, any = 0;

	buf_reset(&r->rec);
	r->too_long = 0;
	r->rec_line = r->line;
	while ((c = rd_getc(r)) != EOF) {
		any = 1;
		if (++r->total > r->lim->max_bytes) {
			snprintf(err, errlen,
			         "%s: error: more than %zu bytes; split the file, each part stays "
			         "under the limit",
			         r->name, r->lim->max_bytes);
			return -1;
		}
		if (c == '\n') {
			r->line++;
			if (!quoted)
				break;
		}
		if (r->csv && c == '"')
			quoted = !quoted;
		if (r->rec.len < r->lim->max_line)
			buf_addc(&r->rec, (char)c);
		else
			r->too_long = 1;
	}
	if (ferror(r->fp)) {
		snprintf(err, errlen, "%s: error: %s", r->name, strerror(errno));
		return -1;
	}
	if (!any)
		return 0;
	while (r->rec.len &&
	       (r->rec.data[r->rec.len - 1] == '\n' || r->rec.data[r->rec.len - 1] == '\r'))
		r->rec.data[--r->rec.len] = '\0';
	return 1;
}

static int
blank(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!isspace((unsigned char)s[i]))
			return 0;
	return 1;
}

int
ctl_labels_parse_complaint(const char *s)
{
	static const char *const yes[] = {"1", "true", "complaint", "yes"};
	static const char *const no[] = {"0", "false", "not", "no"};

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(s, yes[i]) == 0)
			return 1;
		if (strcasecmp(s, no[i]) == 0)
			return 0;
	}
	return -1;
}

void
ctl_labels_limits_default(struct ctl_labels_limits *lim)
{
	lim->max_line = CTL_LABELS_MAX_LINE;
	lim->max_labels = CTL_LABELS_MAX_LABELS;
	lim->max_bytes = CTL_LABELS_MAX_BYTES;
}

static void
label_free(struct ctl_label *l)
{
	free(l->id);
	free(l->text);
	free(l->team);
	free(l->by);
	free(l->lang);
	free(l->priority);
}

void
ctl_labels_free(struct ctl_labels *ls)
{
	for (size_t i = 0; i < ls->n; i++)
		label_free(&ls->v[i]);
	free(ls->v);
	memset(ls, 0, sizeof(*ls));
}

/* Checks a label's fields; NULL when good, else what is wrong and how to fix it. */
static const char *
label_check(const struct ctl_label *l, int need_text, char *why, size_t len)
{
	size_t ok;

	if (l->id == NULL || l->id[0] == '\0')
		return "id is missing or empty; give each label the mention's id";
	if (strlen(l->id) > ID_MAX) {
		snprintf(why, len, "id is longer than %d bytes; use the mention's id", ID_MAX);
		return why;
	}
	if (l->team && strlen(l->team) > TEAM_MAX) {
		snprintf(why, len, "team is longer than %d bytes; use the team's name", TEAM_MAX);
		return why;
	}
	if (l->text == NULL)
		return need_text ? "text is missing; add the mention's text" : NULL;
	if (blank(l->text, l->text_len))
		return "text is empty; add the mention's text";
	if (l->text_len > MENTION_MAX_TEXT) {
		snprintf(why, len, "text is longer than %d bytes; shorten it", MENTION_MAX_TEXT);
		return why;
	}
	if (memchr(l->text, '\0', l->text_len))
		return "text holds a NUL byte; remove it";
	if ((ok = utf8_valid_prefix(l->text, l->text_len)) != l->text_len) {
		snprintf(why, len, "text is not valid UTF-8 at byte %zu; save the file as UTF-8",
		         ok);
		return why;
	}
	return NULL;
}

static void
labels_push(struct ctl_labels *ls, struct ctl_label *l)
{
	if (ls->n == ls->cap) {
		ls->cap = ls->cap ? ls->cap * 2 : 64;
		ls->v = xreallocarray(ls->v, ls->cap, sizeof(*ls->v));
	}
	ls->v[ls->n++] = *l;
}

/* --- NDJSON ------------------------------------------------------------------ */

/* The column of "key" in the line, for an error about it; 1 when not found. */
static size_t
key_col(const char *rec, const char *key)
{
	char q[40];
	const char *p;

	snprintf(q, sizeof(q), "\"%s\"", key);
	return (p = strstr(rec, q)) ? (size_t)(p - rec) + 1 : 1;
}

/* An optional string member: 0 (set or left NULL), -1 when it is there but no string. */
static int
opt_str(const json_t *o, const char *key, char **out)
{
	const json_t *v = json_object_get(o, key);

	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return -1;
	*out = xstrndup(json_string_value(v), json_string_length(v));
	return 0;
}

static int
json_complaint(const json_t *v)
{
	if (json_is_boolean(v))
		return json_is_true(v);
	if (json_is_integer(v) && (json_integer_value(v) == 0 || json_integer_value(v) == 1))
		return (int)json_integer_value(v);
	if (json_is_string(v))
		return ctl_labels_parse_complaint(json_string_value(v));
	return -1;
}

/* The members other than complaint; NULL or what is wrong, with *key the member. */
static const char *
json_fields(const json_t *o, struct ctl_label *l, const char **key)
{
	const json_t *v;

	*key = "id";
	if ((v = json_object_get(o, "id")) != NULL && json_is_integer(v))
		l->id = xasprintf("%" JSON_INTEGER_FORMAT, json_integer_value(v));
	else if (opt_str(o, "id", &l->id) < 0)
		return "id must be a string; quote it";
	*key = "text";
	if ((v = json_object_get(o, "text")) != NULL && json_is_string(v)) {
		l->text_len = json_string_length(v);
		l->text = xstrndup(json_string_value(v), l->text_len);
	} else if (v != NULL && !json_is_null(v))
		return "text must be a string; quote it";
	*key = "team";
	if (opt_str(o, "team", &l->team) < 0)
		return "team must be a string or null; quote it";
	*key = "by";
	if (opt_str(o, "by", &l->by) < 0)
		return "by must be a string or null; quote it";
	*key = "lang";
	if (opt_str(o, "lang", &l->lang) < 0)
		return "lang must be a string or null; quote it";
	*key = "at";
	if ((v = json_object_get(o, "at")) != NULL && json_is_integer(v))
		l->at_ms = json_integer_value(v);
	else if (v != NULL && json_is_string(v)) {
		int64_t t;

		if (util_rfc3339_parse(json_string_value(v), &t) < 0)
			return "at is not an RFC 3339 time; write it as 2026-12-07T06:15:00Z";
		l->at_ms = t * 1000;
	} else if (v != NULL && !json_is_null(v))
		return "at must be an RFC 3339 time or Unix milliseconds";
	return NULL;
}

/*
 * One NDJSON record as a label. need_complaint 0 reads a mention (complaint
 * -1 when it has none). 0, or -1 having told why.
 */
static int
json_label(struct rd *r, int need_complaint, struct ctl_label *l)
{
	const char *rec = r->rec.data, *why, *key;
	json_error_t je;
	json_t *o, *c;
	char buf[160];

	memset(l, 0, sizeof(*l));
	l->severity = -1;
	l->line = r->rec_line;
	if ((o = mention_json_loadb(rec, r->rec.len, JSON_REJECT_DUPLICATES, &je)) == NULL) {
		bad_line(r, r->rec_line, je.column > 0 ? (size_t)je.column : 1,
		         "%s; write one JSON object per line", je.text);
		return -1;
	}
	if (!json_is_object(o)) {
		json_decref(o);
		bad_line(r, r->rec_line, 1,
		         "not a JSON object; write {\"id\",\"text\",\"complaint\"}");
		return -1;
	}
	if ((why = json_fields(o, l, &key)) == NULL) {
		key = "complaint";
		l->complaint = -1;
		if ((c = json_object_get(o, "complaint")) == NULL && need_complaint)
			why = "complaint is missing; add \"complaint\": true or false";
		else if (c && (l->complaint = json_complaint(c)) < 0)
			why = "complaint must be true or false";
	}
	if (why == NULL && (why = label_check(l, 1, buf, sizeof(buf))) != NULL)
		key = strncmp(why, "id", 2) == 0     ? "id"
		      : strncmp(why, "team", 4) == 0 ? "team"
		                                     : "text";
	json_decref(o);
	if (why) {
		bad_line(r, r->rec_line, key_col(rec, key), "%s", why);
		label_free(l);
		return -1;
	}
	return 0;
}

/* --- CSV --------------------------------------------------------------------- */

struct field {
	size_t off; /* where it starts in the record */
	struct buf v;
};

enum col { C_ID, C_TEXT, C_COMPLAINT, C_TEAM, C_BY, C_AT, C_LANG, C_SEVERITY, C_PRIORITY, C_N };
static const char *const col_names[C_N] = {"id", "text", "complaint", "team",    "by",
                                           "at", "lang", "severity",  "priority"};

/* RFC 4180 fields of r->rec into f; their count, or -1 having told why. */
static int
csv_split(struct rd *r, struct field *f)
{
	const char *s = r->rec.data;
	size_t i = 0, len = r->rec.len, n = 0, col;
	unsigned long line;

	for (;;) {
		if (n == CSV_FIELDS) {
			rec_where(r, i, &line, &col);
			bad_line(r, line, col,
			         "more than %d fields; quote a text that holds a comma",
			         CSV_FIELDS);
			return -1;
		}
		buf_reset(&f[n].v);
		f[n].off = i;
		if (i < len && s[i] == '"') {
			size_t open = i++;

			for (;; i++) {
				if (i >= len) {
					rec_where(r, open, &line, &col);
					bad_line(r, line, col,
					         "the quoted field opened here never closes; end "
					         "it with a quote");
					return -1;
				}
				if (s[i] == '"' && i + 1 < len && s[i + 1] == '"')
					buf_addc(&f[n].v, s[i++]);
				else if (s[i] == '"')
					break;
				else
					buf_addc(&f[n].v, s[i]);
			}
			i++;
			if (i < len && s[i] != ',') {
				rec_where(r, i, &line, &col);
				bad_line(r, line, col,
				         "text after a closing quote; quote the whole field and "
				         "double each quote inside it");
				return -1;
			}
		} else {
			size_t e = i;

			while (e < len && s[e] != ',')
				e++;
			if (memchr(s + i, '"', e - i)) {
				rec_where(r, (size_t)((const char *)memchr(s + i, '"', e - i) - s),
				          &line, &col);
				bad_line(r, line, col,
				         "a quote inside an unquoted field; quote the field and "
				         "double the quote (\"say \"\"hi\"\"\")");
				return -1;
			}
			buf_add(&f[n].v, s + i, e - i);
			i = e;
		}
		n++;
		if (i >= len)
			return (int)n;
		i++; /* the comma */
	}
}

/* A header line names id and complaint; map[] then says each column's field. */
static int
csv_header(struct field *f, int n, int map[C_N])
{
	int is = 0, m[C_N];

	for (int c = 0; c < C_N; c++)
		m[c] = -1;
	for (int i = 0; i < n; i++) {
		char *name = f[i].v.data;

		while (isspace((unsigned char)*name))
			name++;
		for (int c = 0; c < C_N; c++)
			if (strncasecmp(name, col_names[c], strlen(col_names[c])) == 0 &&
			    blank(name + strlen(col_names[c]),
			          strlen(name + strlen(col_names[c])))) {
				m[c] = i;
				is |= c == C_ID ? 1 : c == C_COMPLAINT ? 2 : 0;
			}
	}
	if (is == 3)
		memcpy(map, m, sizeof(m));
	return is == 3;
}

static char *
csv_take(struct field *f, int n, int at, size_t *len)
{
	if (at < 0 || at >= n)
		return NULL;
	if (len)
		*len = f[at].v.len;
	return xstrndup(f[at].v.data, f[at].v.len);
}

/* One CSV record as a label; 0, or -1 having told why. */
static int
csv_label(struct rd *r, struct field *f, int n, const int map[C_N], int need_text,
          struct ctl_label *l)
{
	char buf[160], *c, *sev;
	const char *why;
	unsigned long line;
	size_t col;
	int bad_col = C_ID;

	memset(l, 0, sizeof(*l));
	l->line = r->rec_line;
	l->id = csv_take(f, n, map[C_ID], NULL);
	l->text = csv_take(f, n, map[C_TEXT], &l->text_len);
	l->team = csv_take(f, n, map[C_TEAM], NULL);
	l->by = csv_take(f, n, map[C_BY], NULL);
	l->lang = csv_take(f, n, map[C_LANG], NULL);
	l->priority = csv_take(f, n, map[C_PRIORITY], NULL);
	l->severity = -1;
	if (l->team && l->team[0] == '\0') {
		free(l->team);
		l->team = NULL;
	}
	if (l->priority && l->priority[0] == '\0') {
		free(l->priority);
		l->priority = NULL;
	}
	c = csv_take(f, n, map[C_COMPLAINT], NULL);
	sev = csv_take(f, n, map[C_SEVERITY], NULL);
	if ((why = label_check(l, need_text, buf, sizeof(buf))) != NULL)
		bad_col = strncmp(why, "id", 2) == 0     ? C_ID
		          : strncmp(why, "team", 4) == 0 ? C_TEAM
		                                         : C_TEXT;
	else if (c == NULL) {
		why = "complaint is missing; a line is id,text,complaint[,team]";
		bad_col = C_COMPLAINT;
	} else if ((l->complaint = ctl_labels_parse_complaint(c)) < 0) {
		snprintf(buf, sizeof(buf),
		         "complaint \"%.40s\" is not one of 1/0, true/false, complaint/not", c);
		why = buf;
		bad_col = C_COMPLAINT;
	} else if (sev && sev[0]) {
		char *end;
		long v = strtol(sev, &end, 10);

		if (end == sev || *end || v < 0 || v > 4) {
			why = "severity must be a number from 0 to 4, or empty";
			bad_col = C_SEVERITY;
		} else
			l->severity = (int)v;
	}
	free(c);
	free(sev);
	if (why == NULL)
		return 0;
	rec_where(r, map[bad_col] >= 0 && map[bad_col] < n ? f[map[bad_col]].off : r->rec.len,
	          &line, &col);
	bad_line(r, line, col, "%s", why);
	label_free(l);
	return -1;
}

/* --- files ------------------------------------------------------------------- */

static int
by_id(const void *a, const void *b)
{
	const struct ctl_label *const *x = a, *const *y = b;
	int c = strcmp((*x)->id, (*y)->id);

	return c ? c : ((*x)->line > (*y)->line) - ((*x)->line < (*y)->line);
}

/* Keeps the last label of each id, in file order otherwise. */
static void
labels_dedup(struct ctl_labels *ls)
{
	struct ctl_label **p;
	size_t k = 0;

	if (ls->n < 2)
		return;
	p = xreallocarray(NULL, ls->n, sizeof(*p));
	for (size_t i = 0; i < ls->n; i++)
		p[i] = &ls->v[i];
	qsort(p, ls->n, sizeof(*p), by_id);
	for (size_t i = 0; i + 1 < ls->n; i++)
		if (strcmp(p[i]->id, p[i + 1]->id) == 0) {
			label_free(p[i]);
			p[i]->id = NULL;
			ls->dups++;
		}
	free(p);
	for (size_t i = 0; i < ls->n; i++)
		if (ls->v[i].id)
			ls->v[k++] = ls->v[i];
	ls->n = k;
}

static int
rd_open(struct rd *r, const char *path, const struct ctl_labels_limits *lim, FILE *errs, char *err,
        size_t errlen)
{
	memset(r, 0, sizeof(*r));
	r->lim = lim;
	r->errs = errs ? errs : stderr;
	r->line = 1;
	r->name = strcmp(path, "-") == 0 ? "stdin" : path;
	if (strcmp(path, "-") == 0)
		r->fp = stdin;
	else if ((r->fp = fopen(path, "rb")) == NULL) {
		snprintf(err, errlen, "%s: error: %s", path, strerror(errno));
		return -1;
	}
	buf_init(&r->rec);
	return 0;
}

static void
rd_close(struct rd *r, struct ctl_labels *out)
{
	if (r->fp && r->fp != stdin)
		fclose(r->fp);
	buf_free(&r->rec);
	out->bad += r->bad;
}

/*
 * Skips white space and a UTF-8 byte order mark, and says the first other
 * byte (put back; EOF when none): '{' is NDJSON.
 */
static int
sniff(struct rd *r)
{
	int c;

	for (;;) {
		int c2, c3;

		while ((c = rd_getc(r)) != EOF && isspace(c)) {
			r->total++;
			if (c == '\n')
				r->line++;
		}
		if (c != 0xEF)
			break;
		c2 = rd_getc(r);
		c3 = c2 == 0xBB ? rd_getc(r) : EOF;
		if (c2 != 0xBB || c3 != 0xBF) {
			rd_ungetc(r, c3);
			rd_ungetc(r, c2);
			break;
		}
		r->total += 3;
	}
	rd_ungetc(r, c);
	return c;
}

/* Reads every record of r; need: 1 a label file, 0 a mentions file, 2 a gold CSV. */
static int
read_records(struct rd *r, int need, struct ctl_labels *out, char *err, size_t errlen)
{
	struct field f[CSV_FIELDS];
	int map[C_N] = {C_ID, C_TEXT, C_COMPLAINT, C_TEAM, -1, -1, -1, -1, -1}, first = 1, rc = 0;
	struct ctl_label l;

	for (int i = 0; i < CSV_FIELDS; i++)
		buf_init(&f[i].v);
	while ((rc = next_record(r, err, errlen)) > 0) {
		int n;

		if (blank(r->rec.data, r->rec.len))
			continue;
		if (r->too_long) {
			bad_line(r, r->rec_line, r->lim->max_line + 1,
			         "longer than %zu bytes; shorten the text", r->lim->max_line);
			continue;
		}
		if (out->n >= r->lim->max_labels) {
			snprintf(err, errlen, "%s:%lu: error: more than %zu labels; split the file",
			         r->name, r->rec_line, r->lim->max_labels);
			rc = -1;
			break;
		}
		if (!r->csv) {
			if (json_label(r, need == 1, &l) == 0)
				labels_push(out, &l);
			continue;
		}
		if ((n = csv_split(r, f)) < 0)
			continue;
		if (first && csv_header(f, n, map)) {
			first = 0;
			if (need == 1 && map[C_TEXT] < 0) {
				snprintf(err, errlen,
				         "%s:%lu:1: error: the header names no text column; name "
				         "one \"text\"",
				         r->name, r->rec_line);
				rc = -1;
				break;
			}
			continue;
		}
		if (first && need == 2) {
			snprintf(
			    err, errlen,
			    "%s:%lu:1: error: no header line; start the file with id,complaint",
			    r->name, r->rec_line);
			rc = -1;
			break;
		}
		first = 0;
		if (map[C_BY] < 0 && map[C_PRIORITY] < 0 && map[C_SEVERITY] < 0 && n > 4) {
			bad_line(r, r->rec_line, f[4].off + 1,
			         "%d fields; a line is id,text,complaint[,team]: quote a text that "
			         "holds a comma",
			         n);
			continue;
		}
		if (csv_label(r, f, n, map, need == 1, &l) == 0)
			labels_push(out, &l);
	}
	for (int i = 0; i < CSV_FIELDS; i++)
		buf_free(&f[i].v);
	return rc < 0 ? -1 : 0;
}

int
ctl_labels_read(const char *path, enum ctl_labels_format fmt, const struct ctl_labels_limits *lim,
                FILE *errs, struct ctl_labels *out, char *err, size_t errlen)
{
	struct ctl_labels_limits d;
	struct rd r;
	int rc;

	memset(out, 0, sizeof(*out));
	if (lim == NULL) {
		ctl_labels_limits_default(&d);
		lim = &d;
	}
	if (rd_open(&r, path, lim, errs, err, errlen) < 0)
		return -1;
	rc = sniff(&r);
	r.csv = fmt == CTL_LABELS_CSV || (fmt == CTL_LABELS_SNIFF && rc != '{');
	rc = read_records(&r, 1, out, err, errlen);
	rd_close(&r, out);
	if (rc < 0) {
		ctl_labels_free(out);
		return -1;
	}
	labels_dedup(out);
	return 0;
}

static int
by_id_only(const void *a, const void *b)
{
	return strcmp(((const struct ctl_label *)a)->id, ((const struct ctl_label *)b)->id);
}

/* Gives each gold label the text and language of its mention; drops (and tells) the rest. */
static void
join(struct ctl_labels *gold, struct ctl_labels *men, const char *gold_name, const char *men_name,
     FILE *errs)
{
	size_t k = 0;

	qsort(men->v, men->n, sizeof(*men->v), by_id_only);
	for (size_t i = 0; i < gold->n; i++) {
		struct ctl_label *g = &gold->v[i],
		                 *m = men->n
		                          ? bsearch(g, men->v, men->n, sizeof(*men->v), by_id_only)
		                          : NULL;

		if (m == NULL) {
			fprintf(errs,
			        "%s:%lu:1: error: no mention with id \"%s\" in %s; add it there or "
			        "remove this line\n",
			        gold_name, g->line, g->id, men_name);
			gold->bad++;
			label_free(g);
			continue;
		}
		free(g->text);
		g->text = m->text;
		g->text_len = m->text_len;
		m->text = NULL;
		if (g->lang == NULL) {
			g->lang = m->lang;
			m->lang = NULL;
		}
		gold->v[k++] = *g;
	}
	gold->n = k;
}

int
ctl_labels_read_pair(const char *mentions, const char *gold, const struct ctl_labels_limits *lim,
                     FILE *errs, struct ctl_labels *out, char *err, size_t errlen)
{
	struct ctl_labels_limits d;
	struct ctl_labels men = {0};
	struct rd r;
	int rc;

	memset(out, 0, sizeof(*out));
	if (lim == NULL) {
		ctl_labels_limits_default(&d);
		lim = &d;
	}
	errs = errs ? errs : stderr;
	if (rd_open(&r, gold, lim, errs, err, errlen) < 0)
		return -1;
	r.csv = 1;
	sniff(&r);
	rc = read_records(&r, 2, out, err, errlen);
	rd_close(&r, out);
	if (rc == 0 && (rc = rd_open(&r, mentions, lim, errs, err, errlen)) == 0) {
		sniff(&r);
		rc = read_records(&r, 0, &men, err, errlen);
		rd_close(&r, &men);
	}
	if (rc == 0) {
		labels_dedup(out);
		labels_dedup(&men);
		out->bad += men.bad;
		join(out, &men, gold, mentions, errs);
	}
	ctl_labels_free(&men);
	if (rc < 0)
		ctl_labels_free(out);
	return rc;
}

void
ctl_labels_ndjson(struct buf *b, const struct ctl_label *l)
{
	buf_adds(b, "{\"id\":");
	buf_add_json_quoted(b, l->id);
	buf_adds(b, ",\"text\":\"");
	buf_add_json_str(b, l->text ? l->text : "", l->text ? l->text_len : 0);
	buf_adds(b, l->complaint ? "\",\"complaint\":true" : "\",\"complaint\":false");
	if (l->team) {
		buf_adds(b, ",\"team\":");
		buf_add_json_quoted(b, l->team);
	}
	if (l->by) {
		buf_adds(b, ",\"by\":");
		buf_add_json_quoted(b, l->by);
	}
	if (l->at_ms > 0) {
		char at[32];

		util_iso8601(l->at_ms, at, sizeof(at));
		buf_adds(b, ",\"at\":\"");
		buf_adds(b, at);
		buf_addc(b, '"');
	}
	buf_adds(b, "}\n");
}
