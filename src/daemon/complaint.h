/*
 * complaint.h: a complaint as the daemon carries it, from ingest to its
 * group and on to silences and incidents, and its pending row in the spool.
 *
 * Ingest builds one per complaint from the mention and its verdict, writes
 * its row (complaint_row_write) and hands the struct to group_add. The row
 * is the only place a complaint is JSON: after a restart, or when a batch
 * was lost, complaint_row_read makes the same struct from it, once. Either
 * way the group key is made once (complaint_key), and the text is folded
 * once (norm_fold_text), for the silences that match words.
 *
 * A struct complaint owns nothing: its pointers are valid until the call
 * it is handed to returns, and whoever keeps a part copies it.
 */
#ifndef KELUH_COMPLAINT_H
#define KELUH_COMPLAINT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "conf/conf.h"
#include "engine/mention.h"
#include "engine/normalize.h"
#include "engine/rules.h"
#include "engine/verdict.h"
#include "lib/util.h"
#include "store/spool.h"

struct complaint {
	const char *key; /* its group key (complaint_key) */
	/*
	 * top rule id; for a complaint no rule matched that a model made
	 * (verdict_model_found), "model:NAME": its group, and the silences
	 * and console that read the key, name the model
	 */
	const char *rule;
	const char *model; /* that model's name, else NULL */
	const char *team;
	int priority; /* enum prio */
	int score;
	const char *source;
	const char *author; /* handle */
	const char *mention_id;
	long followers; /* -1 when unknown */
	int verified;   /* with followers and score, picks samples */
	int64_t at_ms;
	int64_t rowid; /* spool row of the pending mention */
	/*
	 * The alert entry (receiver.h, "mentions" items) as JSON text, not
	 * always NUL-terminated: a group's alert quotes it as it is, unparsed.
	 */
	const char *entry;
	size_t entry_len;
	json_t *rule_info; /* [{"id","description","score"}] of the matched rules */
	json_t *tags;      /* the union of their tags */
	const char *text;  /* the mention's text (NULL: none) */
	size_t text_len;
	const char *folded; /* text folded with norm_fold_text (NULL when text is) */
	size_t folded_len;
	int restored; /* read back from the spool (counted when it came) */
};

/*
 * "rule=refund.late|team=billing": the values of c for the parts that
 * grouping.by names, in a fixed order (rule, team, priority, source,
 * author, mention); "all" when it names none. A complaint a model made
 * has "rule=model:brand" (c->rule). malloc'd.
 */
char *complaint_key(const struct conf *, const struct complaint *c);

/* Rule r as the spool keeps it for rows to name: {"id","description","score"}, malloc'd. */
char *complaint_rule_text(const struct ruleset *, uint32_t r);

/*
 * Writes c's pending row into row (reset first): its rules by the ids of
 * their texts in the spool (refs, one per rule of v), tags, team, top rule,
 * and the entry made from m (through source c->source) and v, with
 * "model": c->model when a model made it. Points c->entry at the entry,
 * inside row.
 */
void complaint_row_write(struct buf *row, struct complaint *c, const int64_t *refs,
                         const struct ruleset *, const struct mention *m, const struct verdict *v);

/* A rule text by its id in the spool: a borrowed object, NULL when unknown. */
typedef json_t *(*complaint_rule_fn)(void *arg, int64_t ref);

/* A complaint read back from its row, and what its pointers point into. */
struct complaint_read {
	struct complaint c;
	json_t *row;
	json_t *rule_info;
	char *entry;
	char *key;
	/* a row read directly: its strings and tags (row is NULL then) */
	char *rule, *team, *source, *author, *text, *model;
	json_t *tags;
};

/*
 * Reads a pending row back into cr->c (restored set), its key made with
 * the grouping of c and its text folded into nb (which c->folded then
 * points into). Rows of older keluh versions (rules held in the row,
 * matches as bare [start, end]) are read as the current ones. Returns 0,
 * or -1 when the row is not one; free cr either way.
 */
int complaint_row_read(struct complaint_read *cr, const struct conf *c,
                       const struct spool_mention *sm, struct norm_buf *nb, complaint_rule_fn rule,
                       void *arg);
void complaint_read_free(struct complaint_read *cr);

#endif
