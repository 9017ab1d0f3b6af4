/*
 * sqlite_labels.c: the SQLite spool's labels (schema v9), and the recent
 * row of a mention id that a label takes its text from.
 */
#include "config.h"

#include <sqlite3.h>
#include <stdlib.h>

#include "store/spool.h"
#include "store/sqlite_int.h"

static const char *const sqlite_labels_sql[SL__N] = {
    [SL_ADD] = "INSERT INTO labels (mention_id, text, complaint, team, by_platform, by_name, "
               "at_ms, source) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    /* the latest of each mention: no later row of it along labels_mention */
    [SL_LIST] = "SELECT id, mention_id, text, complaint, team, by_platform, by_name, at_ms, "
                "source FROM labels l WHERE at_ms >= ?1 AND NOT EXISTS (SELECT 1 FROM labels "
                "n WHERE n.mention_id = l.mention_id AND n.id > l.id) ORDER BY id",
    [SL_COUNT] = "SELECT count(*), coalesce(sum(complaint), 0) FROM labels l WHERE NOT EXISTS "
                 "(SELECT 1 FROM labels n WHERE n.mention_id = l.mention_id AND n.id > l.id)",
    /* the expression of recent_mention (v9), so the index answers */
    [SL_RECENT_BY_ID] = "SELECT at_ms, complaint, json FROM recent WHERE CASE WHEN "
                        "json_valid(json) THEN json_extract(json, '$.id') END = ?1 "
                        "ORDER BY id DESC LIMIT 1",
};

int
sqlite_labels_setup(struct sqlite_spool *s)
{
	if (sqlite_prepare_all(s, sqlite_labels_sql, s->lst, SL__N) < 0)
		return -1;
	return 0;
}

void
sqlite_labels_close(struct sqlite_spool *s)
{
	sqlite_finalize_all(s->lst, SL__N);
}

int
sqlite_recent_by_id(struct spool *sp, const char *mention_id,
                    void (*fn)(void *arg, int64_t at_ms, int complaint, const char *json),
                    void *arg)
{
	struct sqlite_spool *s = sqlite_of(sp);
	sqlite3_stmt *st = s->lst[SL_RECENT_BY_ID];
	int rc;

	SPOOL_BIND(st, SPOOL_TEXT(mention_id));
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *json = (const char *)sqlite3_column_text(st, 2);

		fn(arg, sqlite3_column_int64(st, 0), sqlite3_column_int(st, 1), json ? json : "{}");
	} else if (rc != SQLITE_DONE)
		sqlite_dberr(s);
	sqlite_done(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int64_t
sqlite_label_add(struct spool *sp, const char *mention_id, const char *text, int complaint,
                 const char *team, const char *platform, const char *by, int64_t at_ms,
                 const char *source)
{
	struct sqlite_spool *s = sqlite_of(sp);

	if (SPOOL_WRITE(s, s->lst[SL_ADD], SPOOL_TEXT(mention_id), SPOOL_TEXT(text),
	                SPOOL_INT(complaint != 0), team ? SPOOL_TEXT(team) : SPOOL_SKIP,
	                SPOOL_TEXT(platform), by ? SPOOL_TEXT(by) : SPOOL_SKIP, SPOOL_I64(at_ms),
	                SPOOL_TEXT(source)) < 0)
		return -1;
	return sqlite3_last_insert_rowid(s->db);
}

static const char *
col_text(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

/* Streams the rows (no copy): fn must not call the spool. */
int64_t
sqlite_label_list(struct spool *sp, int64_t since_ms,
                  void (*fn)(void *arg, const struct spool_label *), void *arg)
{
	struct sqlite_spool *s = sqlite_of(sp);
	sqlite3_stmt *st = s->lst[SL_LIST];
	int64_t n = 0;
	int rc;

	SPOOL_BIND(st, SPOOL_I64(since_ms));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct spool_label l = {
		    .id = sqlite3_column_int64(st, 0),
		    .mention_id = col_text(st, 1),
		    .text = col_text(st, 2),
		    .complaint = sqlite3_column_int(st, 3),
		    .team = col_text(st, 4),
		    .by_platform = col_text(st, 5),
		    .by_name = col_text(st, 6),
		    .at_ms = sqlite3_column_int64(st, 7),
		    .source = col_text(st, 8),
		};

		fn(arg, &l);
		n++;
	}
	if (rc != SQLITE_DONE) {
		sqlite_dberr(s);
		n = -1;
	}
	sqlite_done(st);
	return n;
}

int64_t
sqlite_label_count(struct spool *sp, int64_t *complaints)
{
	struct sqlite_spool *s = sqlite_of(sp);
	int64_t v[2] = {0, 0};

	if (SPOOL_ROW(s, s->lst[SL_COUNT], sqlite_cols_i64, v, SPOOL_SKIP) < 0)
		return -1;
	*complaints = v[1];
	return v[0];
}
