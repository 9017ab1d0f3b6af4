/* ingest.c through its public API: real rules, a real spool, a real group engine. */
#include "config.h"

#include <check.h>
#include <dirent.h>
#include <event2/event.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf/conf.h"
#include "daemon/complaint.h"
#include "daemon/group.h"
#include "daemon/ingest.h"
#include "daemon/rollup.h"
#include "engine/model.h"
#include "engine/normalize.h"
#include "engine/rules.h"
#include "engine/rules_select.h"
#include "lib/diag.h"
#include "lib/metrics.h"
#include "lib/util.h"
#include "store/spool.h"
#include "unit.h"

static const char *rules_yaml = "scoring:\n"
                                "  thresholds: {critical: 80, high: 50, normal: 25, low: 10}\n"
                                "rules:\n"
                                "  - id: refund.late\n"
                                "    team: billing\n"
                                "    score: 30\n"
                                "    tags: [money]\n"
                                "    when: {keywords: [refund]}\n"
                                "  - id: legal.ojk\n"
                                "    team: legal\n"
                                "    score: 60\n"
                                "    tags: [legal, money]\n"
                                "    when: {keywords: [ojk]}\n"
                                "  - id: noise.thanks\n"
                                "    score: -30\n"
                                "    when: {keywords: [thanks]}\n";

static const char *conf_yaml =
    "grouping:\n"
    "  by: [rule]\n"
    "  first_alert_after: {critical: 1h, high: 1h, normal: 1h, low: 1h}\n"
    "duplicates: {window: 1h, same_text: 30}\n";

static char dir[256];
static struct spool *sp;
static struct event_base *base;
static struct conf *cf;
static struct ruleset *rs;
static struct group_engine *ge;
static struct ingest *in;
static struct ingest_counts counts;

static void
write_file(const char *name, const char *text)
{
	char p[400];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	f = fopen(p, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

static void
setup(void)
{
	const char *tmp = getenv("TMPDIR");
	char p[400], err[300];
	struct diag d;

	metrics_init();
	snprintf(dir, sizeof(dir), "%s/keluh-ingest.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(p, sizeof(p), "%s/spool.db", dir);
	sp = spool_open(p, 0, err, sizeof(err));
	ck_assert_msg(sp != NULL, "%s", err);
	base = event_base_new();
	write_file("keluhd.yaml", conf_yaml);
	mkdir(strcat(strcpy(p, dir), "/rules"), 0700);
	write_file("rules/r.yaml", rules_yaml);
	diag_init(&d);
	snprintf(p, sizeof(p), "%s/keluhd.yaml", dir);
	cf = conf_load(p, &d);
	ck_assert_msg(cf != NULL, "config: %s", d.n ? d.items[0].msg : "?");
	snprintf(p, sizeof(p), "%s/rules", dir);
	rs = rules_load_dir(p, &d);
	ck_assert_msg(rs != NULL, "rules: %s", d.n ? d.items[0].msg : "?");
	diag_free(&d);
	ge = group_new(base, cf, sp, NULL, NULL);
	in = ingest_new(cf, rs, sp, ge);
	memset(&counts, 0, sizeof(counts));
}

static void
rm_dir(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	char p[600];

	while (d && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", path, e->d_name);
		if (unlink(p) < 0)
			rm_dir(p);
	}
	if (d)
		closedir(d);
	rmdir(path);
}

static void
teardown(void)
{
	ingest_free(in);
	group_free(ge);
	rules_unref(rs);
	conf_free(cf);
	spool_close(sp);
	event_base_free(base);
	rm_dir(dir);
	metrics_free();
}

/* Hands in one mention with this id, text and own source (NULL: none), via "tw". */
static int
take(const char *id, const char *text, const char *own_source)
{
	struct mention m;

	memset(&m, 0, sizeof(m));
	m.id = (char *)id;
	m.source = (char *)own_source;
	m.text = (char *)text;
	m.text_len = strlen(text);
	m.author_handle = (char *)"@ana";
	m.followers = 12;
	return ingest_mention(in, &m, "tw", &counts);
}

/* --- the pending mentions in the spool --------------------------------------- */

struct rows {
	size_t n;
	char key[4][64];
	int prio[4];
	json_t *rec[4];
};

static void
row_cb(void *arg, const struct spool_mention *sm)
{
	struct rows *r = arg;

	if (r->n < 4) {
		snprintf(r->key[r->n], sizeof(r->key[0]), "%s", sm->group_key);
		r->prio[r->n] = sm->priority;
		r->rec[r->n] = json_loads(sm->json, 0, NULL);
		r->n++;
	}
}

static size_t
rows(struct rows *r)
{
	memset(r, 0, sizeof(*r));
	ck_assert_int_ge(spool_pending_mentions(sp, row_cb, r), 0);
	return r->n;
}

static void
rows_free(struct rows *r)
{
	for (size_t i = 0; i < r->n; i++)
		json_decref(r->rec[i]);
}

static const char *
entry_str(json_t *rec, const char *key)
{
	return json_string_value(json_object_get(json_object_get(rec, "entry"), key));
}

struct find {
	const char *gkey;
	json_t *found;
};

static void
alert_cb(void *arg, const struct spool_alert *sa)
{
	struct find *f = arg;
	json_t *body;

	if (f->found || strcmp(sa->group_key, f->gkey) != 0)
		return;
	body = json_loads(sa->json, 0, NULL);
	f->found = json_incref(json_object_get(body, "alert"));
	json_decref(body);
}

/* The "alert" object of the newest alert of group gkey (a new reference), or NULL. */
static json_t *
alert_of(const char *gkey)
{
	struct find f = {gkey, NULL};

	ck_assert_int_ge(spool_list_alerts(sp, 16, alert_cb, &f), 0);
	return f.found;
}

/* --- tests ------------------------------------------------------------------- */

/* A complaint is counted, written as a pending row with its group key, and grouped. */
START_TEST(complaint_recorded)
{
	struct rows r;

	ck_assert_int_eq(take("t1", "where is my refund", NULL), 0);
	ck_assert_uint_eq(counts.accepted, 1);
	ck_assert_uint_eq(counts.complaints, 1);
	ck_assert_uint_eq(counts.duplicates, 0);
	ck_assert_uint_eq(rows(&r), 1);
	ck_assert_str_eq(r.key[0], "rule=refund.late");
	ck_assert_int_eq(r.prio[0], PRIO_NORMAL);
	ck_assert_str_eq(json_string_value(json_object_get(r.rec[0], "rule")), "refund.late");
	ck_assert_str_eq(json_string_value(json_object_get(r.rec[0], "team")), "billing");
	ck_assert_str_eq(entry_str(r.rec[0], "id"), "t1");
	ck_assert_str_eq(entry_str(r.rec[0], "text"), "where is my refund");
	ck_assert_str_eq(entry_str(r.rec[0], "source"), "tw");
	ck_assert_str_eq(entry_str(r.rec[0], "priority"), "normal");
	rows_free(&r);
	ck_assert_uint_eq(group_count(ge), 1);
}
END_TEST

/* A mention that is no complaint is counted as accepted and goes nowhere. */
START_TEST(not_a_complaint)
{
	struct rows r;

	ck_assert_int_eq(take("t1", "thanks, all good now", NULL), 0);
	ck_assert_int_eq(take("t2", "refund came, thanks", NULL), 0);
	ck_assert_uint_eq(counts.accepted, 2);
	ck_assert_uint_eq(counts.complaints, 0);
	ck_assert_uint_eq(rows(&r), 0);
	ck_assert_uint_eq(group_count(ge), 0);
}
END_TEST

/* The strongest rule names the group; the row lists every rule and tag once. */
START_TEST(top_rule)
{
	struct rows r;
	json_t *rules, *tags;

	ck_assert_int_eq(take("t1", "refund late, I will report to ojk", NULL), 0);
	ck_assert_uint_eq(rows(&r), 1);
	ck_assert_str_eq(r.key[0], "rule=legal.ojk");
	ck_assert_int_eq(r.prio[0], PRIO_CRITICAL);
	ck_assert_str_eq(json_string_value(json_object_get(r.rec[0], "team")), "legal");
	rules = json_object_get(json_object_get(r.rec[0], "entry"), "rules");
	ck_assert_uint_eq(json_array_size(rules), 2);
	tags = json_object_get(r.rec[0], "tags");
	ck_assert_uint_eq(json_array_size(tags), 2);
	ck_assert_uint_eq(json_array_size(json_object_get(r.rec[0], "rule_refs")), 2);
	rows_free(&r);
}
END_TEST

/* The same id within duplicates.window is taken once. */
START_TEST(duplicate_id)
{
	struct rows r;

	ck_assert_int_eq(take("t1", "where is my refund", NULL), 0);
	ck_assert_int_eq(take("t1", "where is my refund now", NULL), 0);
	ck_assert_uint_eq(counts.accepted, 1);
	ck_assert_uint_eq(counts.duplicates, 1);
	ck_assert_uint_eq(rows(&r), 1);
	rows_free(&r);
}
END_TEST

/*
 * A platform that redelivers for hours: after a restart (a fresh ingest,
 * the same spool) its complaint is still known by its id; a mention taken
 * the usual way is taken again, and a new id is taken.
 */
START_TEST(redelivered_once)
{
	struct mention m;
	struct rows r;

	ck_assert_int_eq(take("meta:1", "where is my refund", NULL), 0);
	ingest_free(in);
	in = ingest_new(cf, rs, sp, ge);
	memset(&m, 0, sizeof(m));
	m.id = (char *)"meta:1";
	m.text = (char *)"where is my refund";
	m.text_len = strlen(m.text);
	ck_assert_int_eq(ingest_mention_once(in, &m, "ig", &counts), 0);
	ck_assert_uint_eq(counts.duplicates, 1);
	ck_assert_uint_eq(rows(&r), 1);
	rows_free(&r);
	m.id = (char *)"meta:2";
	ck_assert_int_eq(ingest_mention_once(in, &m, "ig", &counts), 0);
	ck_assert_uint_eq(counts.complaints, 2);
	ingest_free(in);
	in = ingest_new(cf, rs, sp, ge);
	m.id = (char *)"meta:1";
	ck_assert_int_eq(ingest_mention(in, &m, "ig", &counts), 0);
	ck_assert_uint_eq(counts.complaints, 3);
	ck_assert_uint_eq(rows(&r), 3);
	rows_free(&r);
}
END_TEST

/* A long complaint text seen again under a new id is a copy; a short one is not. */
START_TEST(same_text)
{
	struct rows r;

	ck_assert_int_eq(take("t1", "my refund is three weeks late already", NULL), 0);
	ck_assert_int_eq(take("t2", "my refund is three weeks late already", NULL), 0);
	ck_assert_uint_eq(counts.duplicates, 1);
	ck_assert_int_eq(take("t3", "refund please", NULL), 0);
	ck_assert_int_eq(take("t4", "refund please", NULL), 0);
	ck_assert_uint_eq(counts.duplicates, 1);
	ck_assert_uint_eq(counts.complaints, 3);
	ck_assert_uint_eq(rows(&r), 3);
	rows_free(&r);
}
END_TEST

/* The mention's own source wins over the one it came through. */
START_TEST(own_source)
{
	struct rows r;

	ck_assert_int_eq(take("t1", "where is my refund", "rss"), 0);
	ck_assert_uint_eq(rows(&r), 1);
	ck_assert_str_eq(entry_str(r.rec[0], "source"), "rss");
	rows_free(&r);
	ck_assert_double_eq(metrics_get("keluh_mentions_total", "source=\"rss\""), 1);
}
END_TEST

/*
 * After a loss, the groups are rebuilt from the pending rows, and ids are
 * forgotten so that a mention sent again is taken again.
 */
START_TEST(lost_rebuilds)
{
	struct group_engine *ge2 = group_new(base, cf, sp, NULL, NULL);
	struct rows r;
	json_t *a;

	ck_assert_int_eq(take("t1", "where is my refund", NULL), 0);
	ck_assert_int_eq(take("t2", "report to ojk", NULL), 0);
	ck_assert_int_eq(take("t3", "refund refund", NULL), 0);
	ck_assert_int_eq(spool_commit(sp), 0);
	ck_assert_uint_eq(group_count(ge2), 0);
	ck_assert_int_ge(ingest_lost(in, ge2), 0);
	group_free(ge);
	ge = ge2;
	ck_assert_uint_eq(group_count(ge), 2);
	group_flush_all(ge);
	a = alert_of("rule=refund.late");
	ck_assert_ptr_nonnull(a);
	ck_assert_int_eq(json_integer_value(json_object_get(a, "count")), 2);
	ck_assert_str_eq(json_string_value(json_object_get(a, "team")), "billing");
	ck_assert_str_eq(json_string_value(json_object_get(
	                     json_array_get(json_object_get(a, "rule_info"), 0), "id")),
	                 "refund.late");
	ck_assert_uint_eq(json_array_size(json_object_get(a, "mentions")), 2);
	json_decref(a);
	ck_assert_int_eq(take("t1", "where is my refund", NULL), 0);
	ck_assert_uint_eq(counts.duplicates, 0);
	/* the three restored ones are tied to their alerts now */
	ck_assert_uint_eq(rows(&r), 1);
	rows_free(&r);
}
END_TEST

/* --- a complaint read back from its row ---------------------------------------- */

struct readback {
	struct complaint_read cr;
	struct norm_buf nb;
	json_t *texts; /* the rule texts handed out, owned here */
	char *row;     /* the row as the spool keeps it */
	int n;
};

/* complaint_rule_fn: the rule text by its id, straight from the spool. */
static json_t *
rule_of(void *arg, int64_t ref)
{
	struct readback *rb = arg;
	char *text = spool_rule_text_get(sp, ref);
	json_t *t = text ? json_loads(text, 0, NULL) : NULL;

	free(text);
	if (t)
		json_array_append_new(rb->texts, t);
	return t;
}

static void
readback_cb(void *arg, const struct spool_mention *sm)
{
	struct readback *rb = arg;

	if (rb->n++ > 0)
		return;
	rb->row = strdup(sm->json);
	ck_assert_int_eq(complaint_row_read(&rb->cr, cf, sm, &rb->nb, rule_of, rb), 0);
	ck_assert_str_eq(rb->cr.c.key, sm->group_key);
	ck_assert_int_eq(rb->cr.c.rowid, sm->rowid);
	ck_assert_int_eq(rb->cr.c.at_ms, sm->at_ms);
	ck_assert_str_eq(rb->cr.c.mention_id, sm->mention_id);
}

/*
 * The one reader of pending rows gives back what ingest handed its group:
 * the same fields, the same key, the entry's very bytes, the text folded.
 */
START_TEST(row_reads_back)
{
	struct readback rb;
	const struct complaint *c;
	const char *entry;
	char *want;
	size_t wlen;

	memset(&rb, 0, sizeof(rb));
	norm_init(&rb.nb);
	rb.texts = json_array();
	ck_assert_int_eq(
	    take("t1", "Refund   LAMAAA, I will report to \"ojk\" \\ caf\xc3\xa9\n", NULL), 0);
	ck_assert_int_ge(spool_pending_mentions(sp, readback_cb, &rb), 0);
	ck_assert_int_eq(rb.n, 1);
	c = &rb.cr.c;
	ck_assert_str_eq(c->rule, "legal.ojk");
	ck_assert_str_eq(c->team, "legal");
	ck_assert_int_eq(c->priority, PRIO_CRITICAL);
	ck_assert_int_eq(c->score, 90);
	ck_assert_str_eq(c->source, "tw");
	ck_assert_str_eq(c->author, "@ana");
	ck_assert_int_eq(c->followers, 12);
	ck_assert_int_eq(c->verified, 0);
	ck_assert_int_eq(c->restored, 1);
	ck_assert_str_eq(c->key, "rule=legal.ojk");
	ck_assert_uint_eq(json_array_size(c->rule_info), 2);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(c->rule_info, 0), "id")),
	                 "refund.late");
	ck_assert_int_eq(
	    json_integer_value(json_object_get(json_array_get(c->rule_info, 1), "score")), 60);
	ck_assert_uint_eq(json_array_size(c->tags), 2);
	ck_assert_str_eq(json_string_value(json_array_get(c->tags, 1)), "legal");
	ck_assert_uint_eq(c->text_len,
	                  strlen("Refund   LAMAAA, I will report to \"ojk\" \\ caf\xc3\xa9\n"));
	ck_assert(memcmp(c->text, "Refund   LAMAAA", 15) == 0);
	ck_assert_uint_eq(c->folded_len, strlen("refund lama, i will report to \"ojk\" \\ cafe"));
	ck_assert(
	    memcmp(c->folded, "refund lama, i will report to \"ojk\" \\ cafe", c->folded_len) == 0);
	/* the entry is the row's, byte for byte: {"rule_refs":...,"entry":ENTRY} */
	entry = strstr(rb.row, ",\"entry\":");
	ck_assert_ptr_nonnull(entry);
	entry += strlen(",\"entry\":");
	wlen = strlen(entry) - 1;
	want = strndup(entry, wlen);
	ck_assert_uint_eq(c->entry_len, wlen);
	ck_assert_msg(memcmp(c->entry, want, wlen) == 0, "%.*s\n%s", (int)c->entry_len, c->entry,
	              want);
	free(want);
	free(rb.row);
	complaint_read_free(&rb.cr);
	norm_free(&rb.nb);
	json_decref(rb.texts);
}
END_TEST

/*
 * A complaint no rule matched that a model made: its rule is the model's
 * (rule=model:brand, the group it joins), its entry names the model, and
 * a restart reads both back the same.
 */
START_TEST(model_made_reads_back)
{
	static const struct model_example ex[] = {
	    {"still waiting for my parcel", 27, 1}, {"parcel lost again, awful", 24, 1},
	    {"where is my parcel, awful", 25, 1},   {"lovely parcel, thank you", 24, 0},
	    {"great shop, nice people", 23, 0},     {"happy with it, thank you", 24, 0},
	};
	struct rules_model_spec ms = {(char *)"brand", NULL, 40, (char *)"keluhd.yaml", 1, 1};
	struct model_opts mo;
	struct model *m;
	struct rules_spec spec;
	struct ruleset *rs2;
	struct ingest *in2;
	struct readback rb;
	struct mention mm;
	struct diag d;
	char p[400], rules[400], err[300];

	model_opts_default(&mo);
	mo.bits = 12;
	m = model_train(ex, sizeof(ex) / sizeof(ex[0]), &mo, err, sizeof(err));
	ck_assert_msg(m != NULL, "%s", err);
	snprintf(p, sizeof(p), "%s/brand.model", dir);
	ck_assert_int_eq(model_save(m, p, err, sizeof(err)), 0);
	model_free(m);
	ms.file = p;
	rules_spec_init(&spec);
	snprintf(rules, sizeof(rules), "%s/rules", dir);
	rules_spec_add_dir(&spec, rules);
	rules_spec_add_model(&spec, &ms);
	diag_init(&d);
	rs2 = rules_load_spec(&spec, &d);
	ck_assert_msg(rs2 != NULL, "rules: %s", d.n ? d.items[0].msg : "?");
	in2 = ingest_new(cf, rs2, sp, ge);
	memset(&mm, 0, sizeof(mm));
	mm.id = (char *)"m1";
	mm.text = (char *)"parcel awful";
	mm.text_len = strlen(mm.text);
	ck_assert_int_eq(ingest_mention(in2, &mm, "tw", &counts), 0);
	ck_assert_uint_eq(counts.complaints, 1);
	memset(&rb, 0, sizeof(rb));
	norm_init(&rb.nb);
	rb.texts = json_array();
	ck_assert_int_ge(spool_pending_mentions(sp, readback_cb, &rb), 0);
	ck_assert_int_eq(rb.n, 1);
	ck_assert_str_eq(rb.cr.c.key, "rule=model:brand");
	ck_assert_str_eq(rb.cr.c.rule, "model:brand");
	ck_assert_str_eq(rb.cr.c.model, "brand");
	ck_assert_uint_eq(json_array_size(rb.cr.c.rule_info), 0);
	ck_assert_ptr_nonnull(strstr(rb.cr.c.entry, "\"rules\":[],\"model\":\"brand\""));
	free(rb.row);
	complaint_read_free(&rb.cr);
	norm_free(&rb.nb);
	json_decref(rb.texts);
	ingest_free(in2);
	rules_unref(rs2);
	rules_spec_free(&spec);
	diag_free(&d);
}
END_TEST

/*
 * Rows of other shapes than this version writes are read as before: an
 * older version's (rules held in the row, matches as bare [start, end])
 * and values of unexpected kinds, which read as absent.
 */
START_TEST(row_reads_other_shapes)
{
	struct spool_mention sm = {
	    .rowid = 7, .mention_id = (char *)"m1", .priority = PRIO_HIGH, .at_ms = 1000};
	struct complaint_read cr;
	struct norm_buf nb;
	json_t *m;

	norm_init(&nb);
	sm.json =
	    (char *)"{\"rule_info\":[{\"id\":\"r\",\"description\":\"d\",\"score\":5}],"
	            "\"tags\":[\"t\"],\"team\":\"billing\",\"rule\":\"r\",\"entry\":{\"id\":"
	            "\"m1\",\"source\":\"tw\",\"text\":\"a refund\",\"author\":{\"handle\":"
	            "\"@b\",\"followers\":3,\"verified\":true},\"score\":5,\"matches\":[[2,8]]}}";
	ck_assert_int_eq(complaint_row_read(&cr, cf, &sm, &nb, NULL, NULL), 0);
	ck_assert_str_eq(
	    json_string_value(json_object_get(json_array_get(cr.c.rule_info, 0), "id")), "r");
	ck_assert_int_eq(cr.c.followers, 3);
	ck_assert_int_eq(cr.c.verified, 1);
	ck_assert_str_eq(cr.c.team, "billing");
	m = json_loadb(cr.c.entry, cr.c.entry_len, 0, NULL);
	ck_assert_ptr_nonnull(m);
	ck_assert_str_eq(json_string_value(json_object_get(
	                     json_array_get(json_object_get(m, "matches"), 0), "text")),
	                 "refund");
	json_decref(m);
	complaint_read_free(&cr);
	/* a team that is a number, followers that are text: absent, as jansson reads them */
	sm.json = (char *)"{\"rule_refs\":[],\"tags\":[],\"team\":5,\"rule\":\"r\",\"entry\":{"
	                  "\"source\":\"tw\",\"text\":\"x\",\"author\":{\"handle\":\"@b\","
	                  "\"followers\":\"3\"},\"score\":1,\"matches\":[]}}";
	ck_assert_int_eq(complaint_row_read(&cr, cf, &sm, &nb, NULL, NULL), 0);
	ck_assert_ptr_null(cr.c.team);
	ck_assert_int_eq(cr.c.followers, -1);
	ck_assert_str_eq(cr.c.author, "@b");
	complaint_read_free(&cr);
	/* not a row: refused either way */
	sm.json = (char *)"{\"rule_refs\":[],\"entry\":";
	ck_assert_int_eq(complaint_row_read(&cr, cf, &sm, &nb, NULL, NULL), -1);
	complaint_read_free(&cr);
	sm.json = (char *)"[1]";
	ck_assert_int_eq(complaint_row_read(&cr, cf, &sm, &nb, NULL, NULL), -1);
	complaint_read_free(&cr);
	norm_free(&nb);
}
END_TEST

/* The two newest alerts of group gkey, as text: newest first. */
struct two {
	const char *gkey;
	char *json[2];
	int n;
};

static void
two_cb(void *arg, const struct spool_alert *sa)
{
	struct two *t = arg;

	if (t->n < 2 && strcmp(sa->group_key, t->gkey) == 0)
		t->json[t->n++] = strdup(sa->json);
}

/* An alert's text without its id, which names the time it was made. */
static char *
without_id(const char *json)
{
	json_t *body = json_loads(json, 0, NULL);
	char *out;

	ck_assert_ptr_nonnull(body);
	ck_assert_int_eq(json_object_del(json_object_get(body, "alert"), "id"), 0);
	out = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	return out;
}

/*
 * A group rebuilt from the spool makes the alert the group made of the
 * same complaints as they came: the same text, but for its id.
 */
START_TEST(restored_alert_equals_live)
{
	struct group_engine *ge2 = group_new(base, cf, sp, NULL, NULL);
	struct two t = {"rule=refund.late", {NULL, NULL}, 0};
	char *a, *b;

	ck_assert_int_eq(take("t1", "where is my \"refund\" \\ caf\xc3\xa9\tnow\n", NULL), 0);
	ck_assert_int_eq(take("t2", "refund, thanks for nothing", NULL), 0);
	ck_assert_int_eq(take("t3", "refund refund ojk", "rss"), 0);
	ck_assert_int_eq(take("t4", "REFUND \xf0\x9f\x98\xa1 please", NULL), 0);
	ck_assert_int_eq(spool_commit(sp), 0);
	ck_assert_int_ge(ingest_lost(in, ge2), 0);
	ck_assert_uint_eq(group_count(ge2), group_count(ge));
	group_flush_all(ge);
	group_free(ge);
	ge = ge2;
	/* alert ids are made of the time and a count per engine: let the clock move on */
	for (int64_t t0 = util_now_ms(); util_now_ms() == t0;)
		;
	group_flush_all(ge);
	ck_assert_int_ge(spool_list_alerts(sp, 16, two_cb, &t), 0);
	ck_assert_int_eq(t.n, 2);
	ck_assert_str_ne(t.json[0], t.json[1]);
	a = without_id(t.json[0]);
	b = without_id(t.json[1]);
	ck_assert_str_eq(a, b);
	/* and the mentions, quoted as text, byte for byte */
	ck_assert_str_eq(strstr(t.json[0], ",\"mentions\":"), strstr(t.json[1], ",\"mentions\":"));
	ck_assert_ptr_nonnull(strstr(t.json[0], "caf\xc3\xa9\\tnow\\n"));
	free(a);
	free(b);
	free(t.json[0]);
	free(t.json[1]);
}
END_TEST

/* --- the rollups of the trends ----------------------------------------------- */

struct stat_seen {
	size_t n;
	char key[8][64];
	int64_t count[8], bucket[8];
};

static void
stat_cb(void *arg, int64_t bucket_ms, const char *key, int64_t n)
{
	struct stat_seen *ss = arg;

	if (ss->n < 8) {
		snprintf(ss->key[ss->n], sizeof(ss->key[0]), "%s", key);
		ss->count[ss->n] = n;
		ss->bucket[ss->n] = bucket_ms;
	}
	ss->n++;
}

/* The rows of kind at step over all time. */
static size_t
stats(int kind, int64_t step, struct stat_seen *ss)
{
	memset(ss, 0, sizeof(*ss));
	ck_assert_int_ge(spool_stat_rows(sp, kind, step, 0, INT64_MAX, NULL, stat_cb, ss), 0);
	return ss->n;
}

static int64_t
stat_of(int kind, int64_t step, const char *key)
{
	struct stat_seen ss;
	int64_t n = 0;

	stats(kind, step, &ss);
	for (size_t i = 0; i < ss.n && i < 8; i++)
		if (strcmp(ss.key[i], key) == 0)
			n += ss.count[i];
	return n;
}

/*
 * Every mention taken is counted, complaints by team, rule and matched
 * word; duplicates are not. Nothing is written until the flush, which
 * writes each key once per step.
 */
START_TEST(rollup_counts)
{
	struct rollup *ru = rollup_new(sp);
	struct stat_seen ss;

	ingest_set_rollup(in, ru);
	ck_assert_int_eq(take("t1", "where is my REFUND", NULL), 0);
	ck_assert_int_eq(take("t2", "refund please, and ojk will hear", NULL), 0);
	ck_assert_int_eq(take("t3", "thanks, all good now", NULL), 0);
	ck_assert_int_eq(take("t3", "thanks, all good now", NULL), 0); /* a duplicate */
	ck_assert_uint_eq(counts.accepted, 3);
	ck_assert_uint_gt(rollup_pending(ru), 0);
	ck_assert_uint_eq(stats(SPOOL_STAT_MENTIONS, SPOOL_STEP_5MIN, &ss), 0);
	ck_assert_int_eq(rollup_pass_end(ru, util_now_ms()), 0); /* not due yet */
	ck_assert_uint_gt(rollup_pending(ru), 0);
	ck_assert_int_eq(rollup_pass_end(ru, util_now_ms() + ROLLUP_FLUSH_MS), 0);
	ck_assert_uint_eq(rollup_pending(ru), 0);
	ck_assert_int_eq(spool_commit(sp), 0);

	ck_assert_uint_eq(stats(SPOOL_STAT_MENTIONS, SPOOL_STEP_5MIN, &ss), 1);
	ck_assert_str_eq(ss.key[0], "");
	ck_assert_int_eq(ss.count[0], 3);
	ck_assert_int_eq(ss.bucket[0] % SPOOL_STEP_5MIN, 0);
	ck_assert_int_eq(stat_of(SPOOL_STAT_MENTIONS, SPOOL_STEP_HOUR, ""), 3);
	ck_assert_int_eq(stat_of(SPOOL_STAT_MENTIONS, SPOOL_STEP_DAY, ""), 3);
	/* t2's team is the top rule's: legal */
	ck_assert_int_eq(stat_of(SPOOL_STAT_TEAM, SPOOL_STEP_5MIN, "billing"), 1);
	ck_assert_int_eq(stat_of(SPOOL_STAT_TEAM, SPOOL_STEP_DAY, "legal"), 1);
	ck_assert_int_eq(stat_of(SPOOL_STAT_RULE, SPOOL_STEP_HOUR, "refund.late"), 2);
	ck_assert_int_eq(stat_of(SPOOL_STAT_RULE, SPOOL_STEP_5MIN, "legal.ojk"), 1);
	/* words: folded, hour and day only */
	ck_assert_int_eq(stat_of(SPOOL_STAT_TERM, SPOOL_STEP_HOUR, "refund"), 2);
	ck_assert_int_eq(stat_of(SPOOL_STAT_TERM, SPOOL_STEP_DAY, "ojk"), 1);
	ck_assert_uint_eq(stats(SPOOL_STAT_TERM, SPOOL_STEP_5MIN, &ss), 0);
	/* a second flush adds to the same rows */
	ck_assert_int_eq(take("t4", "refund!", NULL), 0);
	ck_assert_int_eq(rollup_flush(ru), 0);
	ck_assert_int_eq(spool_commit(sp), 0);
	ck_assert_int_eq(stat_of(SPOOL_STAT_RULE, SPOOL_STEP_HOUR, "refund.late"), 3);
	ck_assert_uint_eq(stats(SPOOL_STAT_RULE, SPOOL_STEP_HOUR, &ss), 2);
	ingest_set_rollup(in, NULL);
	rollup_free(ru);
}
END_TEST

/* Past ROLLUP_MAX_KEYS keys the counts go to the spool early: a bound hit, none lost. */
START_TEST(rollup_bound)
{
	struct rollup *ru = rollup_new(sp);
	uint32_t rule = 0;
	struct verdict v;
	char team[32];
	int64_t now = util_now_ms();

	memset(&v, 0, sizeof(v));
	v.complaint = 1;
	v.rules = &rule;
	v.nrules = 1;
	for (int i = 0; i < ROLLUP_MAX_KEYS + 10; i++) {
		snprintf(team, sizeof(team), "team%d", i);
		v.team = team;
		rollup_complaint(ru, rs, &v, "", now);
	}
	ck_assert_double_eq(metrics_get("keluh_bound_hits_total", "bound=\"rollup_keys\""), 1);
	ck_assert_int_eq(rollup_flush(ru), 0);
	ck_assert_int_eq(spool_commit(sp), 0);
	ck_assert_int_eq(spool_stat_rows(sp, SPOOL_STAT_TEAM, SPOOL_STEP_DAY, 0, INT64_MAX, NULL,
	                                 stat_cb, &(struct stat_seen){0}),
	                 ROLLUP_MAX_KEYS + 10);
	ck_assert_int_eq(stat_of(SPOOL_STAT_RULE, SPOOL_STEP_DAY, rules_id(rs, 0)),
	                 ROLLUP_MAX_KEYS + 10);
	rollup_free(ru);
}
END_TEST

static int
recent_cb(void *arg, int64_t at_ms, int complaint, const char *json)
{
	json_t **out = arg;
	json_t *o = json_loads(json, 0, NULL);

	(void)at_ms;
	ck_assert_ptr_nonnull(o);
	json_object_set_new(o, "complaint", json_boolean(complaint));
	json_array_append_new(*out, o);
	return 0;
}

/* With the console's backtests on, every mention taken is kept as it came in. */
START_TEST(rollup_recent)
{
	struct rollup *ru = rollup_new(sp);
	json_t *got = json_array(), *o;
	struct mention m;

	ingest_set_rollup(in, ru);
	ck_assert_int_eq(take("t1", "where is my refund", NULL), 0);
	ck_assert_int_eq(spool_commit(sp), 0);
	ck_assert_int_eq(spool_recent_scan(sp, 0, 10, recent_cb, &got), 0);
	cf->ui.enabled = 1;
	cf->ui.backtest_keep = 10;
	ck_assert_int_eq(take("t2", "where is my refund \"now\"", "ig"), 0);
	memset(&m, 0, sizeof(m));
	m.id = (char *)"t3";
	m.text = (char *)"all good";
	m.text_len = 8;
	m.lang = (char *)"en";
	m.followers = -1;
	m.rating = 4;
	ck_assert_int_eq(ingest_mention(in, &m, "play", &counts), 0);
	ck_assert_int_eq(spool_commit(sp), 0);
	ck_assert_int_eq(spool_recent_scan(sp, 0, 10, recent_cb, &got), 2);
	o = json_array_get(got, 0);
	ck_assert_str_eq(json_string_value(json_object_get(o, "id")), "t3");
	ck_assert_str_eq(json_string_value(json_object_get(o, "lang")), "en");
	ck_assert_str_eq(json_string_value(json_object_get(o, "source")), "play");
	ck_assert_int_eq(json_integer_value(json_object_get(o, "rating")), 4);
	ck_assert_ptr_null(json_object_get(o, "followers"));
	ck_assert(json_is_false(json_object_get(o, "complaint")));
	o = json_array_get(got, 1);
	ck_assert_str_eq(json_string_value(json_object_get(o, "text")),
	                 "where is my refund \"now\"");
	ck_assert_str_eq(json_string_value(json_object_get(o, "source")), "ig");
	ck_assert_int_eq(json_integer_value(json_object_get(o, "followers")), 12);
	ck_assert(json_is_true(json_object_get(o, "complaint")));
	json_decref(got);
	cf->ui.enabled = 0;
	ingest_set_rollup(in, NULL);
	rollup_free(ru);
}
END_TEST

static int64_t
recent_count(void)
{
	json_t *got = json_array();
	int64_t n = spool_recent_scan(sp, 0, 100, recent_cb, &got);

	json_decref(got);
	return n;
}

/* The recent mentions are a ring: between two hourly prunes they stay near backtest_keep. */
START_TEST(rollup_recent_ring)
{
	struct rollup *ru = rollup_new(sp);
	char id[32], text[64];

	ingest_set_rollup(in, ru);
	cf->ui.enabled = 1;
	cf->ui.backtest_keep = 10;
	for (int i = 0; i < 300; i++) {
		snprintf(id, sizeof(id), "r%d", i);
		snprintf(text, sizeof(text), "all good today %d", i);
		ck_assert_int_eq(take(id, text, NULL), 0);
	}
	ck_assert_int_eq(spool_commit(sp), 0);
	/* trimmed to 10 at the 256th, then 44 more */
	ck_assert_int_eq(recent_count(), 54);
	cf->ui.enabled = 0;
	ingest_set_rollup(in, NULL);
	rollup_free(ru);
}
END_TEST

static void
stat_at(int kind, int64_t step, int64_t at_ms)
{
	ck_assert_int_eq(spool_stat_add(sp, kind, step, at_ms, "a", 1), 0);
}

/*
 * Old rows go by step (5 minutes and hours after 31 days, the words'
 * hours after 16, days after 400); recent mentions by count and age, all
 * of them with the console off.
 */
START_TEST(rollup_prune_old)
{
	int64_t now = 1000 * 86400000LL;

	stat_at(SPOOL_STAT_TEAM, SPOOL_STEP_5MIN, now - 31 * 86400000LL - 1);
	stat_at(SPOOL_STAT_TEAM, SPOOL_STEP_5MIN, now - 30 * 86400000LL);
	stat_at(SPOOL_STAT_TEAM, SPOOL_STEP_HOUR, now - 32 * 86400000LL);
	stat_at(SPOOL_STAT_TEAM, SPOOL_STEP_HOUR, now - 30 * 86400000LL);
	stat_at(SPOOL_STAT_TERM, SPOOL_STEP_HOUR, now - 17 * 86400000LL);
	stat_at(SPOOL_STAT_TERM, SPOOL_STEP_HOUR, now - 15 * 86400000LL);
	stat_at(SPOOL_STAT_TEAM, SPOOL_STEP_DAY, now - 401 * 86400000LL);
	stat_at(SPOOL_STAT_TEAM, SPOOL_STEP_DAY, now - 399 * 86400000LL);
	for (int i = 0; i < 5; i++)
		ck_assert_int_gt(spool_recent_add(sp, now - (35 - i) * 86400000LL, 0, NULL, "{}"), 0);
	for (int i = 0; i < 5; i++)
		ck_assert_int_gt(spool_recent_add(sp, now - 86400000LL + i, 0, NULL, "{}"), 0);
	cf->ui.enabled = 1;
	cf->ui.backtest_keep = 3;
	rollup_prune(sp, cf, now);
	ck_assert_int_eq(spool_commit(sp), 0);
	ck_assert_int_eq(stat_of(SPOOL_STAT_TEAM, SPOOL_STEP_5MIN, "a"), 1);
	ck_assert_int_eq(stat_of(SPOOL_STAT_TEAM, SPOOL_STEP_HOUR, "a"), 1);
	ck_assert_int_eq(stat_of(SPOOL_STAT_TERM, SPOOL_STEP_HOUR, "a"), 1);
	ck_assert_int_eq(stat_of(SPOOL_STAT_TEAM, SPOOL_STEP_DAY, "a"), 1);
	ck_assert_int_eq(recent_count(), 3);
	cf->ui.backtest_keep = 100;
	ck_assert_int_gt(spool_recent_add(sp, now, 0, NULL, "{}"), 0);
	rollup_prune(sp, cf, now);
	ck_assert_int_eq(spool_commit(sp), 0);
	ck_assert_int_eq(recent_count(), 4);
	cf->ui.enabled = 0;
	rollup_prune(sp, cf, now);
	ck_assert_int_eq(spool_commit(sp), 0);
	ck_assert_int_eq(recent_count(), 0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("ingest");
	TCase *tc = tcase_create("ingest");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, complaint_recorded);
	tcase_add_test(tc, not_a_complaint);
	tcase_add_test(tc, redelivered_once);
	tcase_add_test(tc, top_rule);
	tcase_add_test(tc, duplicate_id);
	tcase_add_test(tc, same_text);
	tcase_add_test(tc, own_source);
	tcase_add_test(tc, lost_rebuilds);
	tcase_add_test(tc, row_reads_back);
	tcase_add_test(tc, model_made_reads_back);
	tcase_add_test(tc, row_reads_other_shapes);
	tcase_add_test(tc, restored_alert_equals_live);
	tcase_add_test(tc, rollup_counts);
	tcase_add_test(tc, rollup_bound);
	tcase_add_test(tc, rollup_recent);
	tcase_add_test(tc, rollup_recent_ring);
	tcase_add_test(tc, rollup_prune_old);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
