/* The label-file reader: NDJSON, CSV, the dev-set pair, errors with places, bounds. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl/ctl_labels.h"
#include "lib/util.h"
#include "unit.h"

static char paths[4][512];

/* Writes s to a temporary file (slot k) and returns its path. */
static const char *
file_with(int k, const char *s, size_t len)
{
	const char *dir = getenv("TMPDIR");
	FILE *fp;
	int fd;

	snprintf(paths[k], sizeof(paths[k]), "%s/labels.XXXXXX", dir && *dir ? dir : "/tmp");
	ck_assert_int_ge(fd = mkstemp(paths[k]), 0);
	ck_assert_ptr_nonnull(fp = fdopen(fd, "wb"));
	ck_assert_uint_eq(fwrite(s, 1, len, fp), len);
	fclose(fp);
	return paths[k];
}

struct res {
	struct ctl_labels ls;
	int rc;
	char err[256];
	char *errs;
	size_t errs_len;
};

static void
read_str(struct res *r, const char *s, enum ctl_labels_format fmt,
         const struct ctl_labels_limits *lim)
{
	const char *p = file_with(0, s, strlen(s));
	FILE *e = open_memstream(&r->errs, &r->errs_len);

	r->err[0] = '\0';
	r->rc = ctl_labels_read(p, fmt, lim, e, &r->ls, r->err, sizeof(r->err));
	fclose(e);
	unlink(p);
}

/* The error stream must hold "NAME:where: error: what" with NAME the file read. */
static void
has_error(const struct res *r, const char *where, const char *what)
{
	char want[1024];

	snprintf(want, sizeof(want), "%s:%s: error: %s", paths[0], where, what);
	if (strstr(r->errs, want) == NULL)
		ck_abort_msg("no \"%s\" in:\n%s", want, r->errs);
}

static void
res_free(struct res *r)
{
	ctl_labels_free(&r->ls);
	free(r->errs);
}

START_TEST(test_ndjson)
{
	struct res r;

	read_str(
	    &r,
	    "{\"id\":\"x:1\",\"text\":\"gak bisa login\",\"complaint\":true,\"team\":\"app\"}\n"
	    "\n"
	    "{\"id\":\"x:2\",\"text\":\"makasih\",\"complaint\":false,\"by\":\"ana\","
	    "\"at\":\"2026-12-07T06:15:00Z\",\"lang\":\"id\",\"source\":\"x\"}\r\n"
	    "{\"id\":3,\"text\":\"t\",\"complaint\":1}\n",
	    CTL_LABELS_SNIFF, NULL);
	ck_assert_int_eq(r.rc, 0);
	ck_assert_uint_eq(r.ls.n, 3);
	ck_assert_uint_eq(r.ls.bad, 0);
	ck_assert_str_eq(r.ls.v[0].id, "x:1");
	ck_assert_str_eq(r.ls.v[0].text, "gak bisa login");
	ck_assert_uint_eq(r.ls.v[0].text_len, 14);
	ck_assert_int_eq(r.ls.v[0].complaint, 1);
	ck_assert_str_eq(r.ls.v[0].team, "app");
	ck_assert_ptr_null(r.ls.v[0].by);
	ck_assert_int_eq(r.ls.v[1].complaint, 0);
	ck_assert_str_eq(r.ls.v[1].by, "ana");
	ck_assert_str_eq(r.ls.v[1].lang, "id");
	ck_assert_int_eq(r.ls.v[1].at_ms, 1796624100000LL);
	ck_assert_uint_eq(r.ls.v[1].line, 3);
	ck_assert_str_eq(r.ls.v[2].id, "3");
	ck_assert_int_eq(r.ls.v[2].complaint, 1);
	ck_assert_uint_eq(r.errs_len, 0);
	res_free(&r);
}
END_TEST

START_TEST(test_ndjson_errors)
{
	struct res r;

	read_str(&r,
	         "{\"id\":\"a\",\"text\":\"ok\",\"complaint\":true}\n"
	         "{\"id\":\"b\",\"text\":\"x\"}\n"
	         "{\"id\":\"c\",\"text\":\"x\",\"complaint\":\"maybe\"}\n"
	         "{\"id\":\"d\",\"text\":\"x\",\"complaint\":true\n"
	         "{\"id\":[1],\"text\":\"x\",\"complaint\":true}\n"
	         "[1]\n"
	         "{\"id\":\"e\",\"text\":\"  \",\"complaint\":true}\n"
	         "{\"id\":\"f\",\"text\":\"x\",\"complaint\":true,\"at\":\"yesterday\"}\n"
	         "{\"id\":\"g\",\"text\":\"\\u0000\",\"complaint\":true}\n"
	         "{\"id\":\"h\",\"text\":\"last\",\"complaint\":false}\n",
	         CTL_LABELS_SNIFF, NULL);
	ck_assert_int_eq(r.rc, 0);
	ck_assert_uint_eq(r.ls.n, 2);
	ck_assert_str_eq(r.ls.v[0].id, "a");
	ck_assert_str_eq(r.ls.v[1].id, "h");
	ck_assert_uint_eq(r.ls.bad, 8);
	has_error(&r, "2:1", "complaint is missing; add \"complaint\": true or false");
	has_error(&r, "3:22", "complaint must be true or false");
	has_error(&r, "4:37", "'}' expected near end of file; write one JSON object per line");
	has_error(&r, "5:2", "id must be a string; quote it");
	has_error(&r, "6:1", "not a JSON object");
	has_error(&r, "7:11", "text is empty; add the mention's text");
	has_error(&r, "8:39", "at is not an RFC 3339 time");
	has_error(&r, "9:25", "\\u0000 is not allowed");
	res_free(&r);
}
END_TEST

START_TEST(test_csv)
{
	struct res r;

	read_str(&r,
	         "\xEF\xBB\xBFx:1,\"app crashes, again\",1,app\n"
	         "x:2,\"she said \"\"thanks\"\"\",not\r\n"
	         "x:3,\"two\nlines\",Complaint,\n"
	         "x:4,plain,FALSE\n",
	         CTL_LABELS_SNIFF, NULL);
	ck_assert_int_eq(r.rc, 0);
	ck_assert_uint_eq(r.ls.n, 4);
	ck_assert_str_eq(r.ls.v[0].id, "x:1");
	ck_assert_str_eq(r.ls.v[0].text, "app crashes, again");
	ck_assert_str_eq(r.ls.v[0].team, "app");
	ck_assert_int_eq(r.ls.v[0].complaint, 1);
	ck_assert_str_eq(r.ls.v[1].text, "she said \"thanks\"");
	ck_assert_int_eq(r.ls.v[1].complaint, 0);
	ck_assert_str_eq(r.ls.v[2].text, "two\nlines");
	ck_assert_ptr_null(r.ls.v[2].team);
	ck_assert_int_eq(r.ls.v[2].complaint, 1);
	ck_assert_uint_eq(r.ls.v[3].line, 5);
	ck_assert_int_eq(r.ls.v[3].complaint, 0);
	ck_assert_uint_eq(r.errs_len, 0);
	res_free(&r);

	/* A header names the columns, in any order; other columns are ignored. */
	read_str(&r, "complaint,extra,text,id\ntrue,z,hello,q:1\n", CTL_LABELS_CSV, NULL);
	ck_assert_int_eq(r.rc, 0);
	ck_assert_uint_eq(r.ls.n, 1);
	ck_assert_str_eq(r.ls.v[0].id, "q:1");
	ck_assert_str_eq(r.ls.v[0].text, "hello");
	res_free(&r);

	read_str(&r, "id,complaint\nq:1,1\n", CTL_LABELS_CSV, NULL);
	ck_assert_int_eq(r.rc, -1);
	ck_assert_ptr_nonnull(strstr(r.err, ":1:1: error: the header names no text column"));
	res_free(&r);
}
END_TEST

START_TEST(test_csv_errors)
{
	struct res r;

	read_str(&r,
	         "a,ok,1\n"
	         "b,text,maybe\n"
	         "c,say \"hi\",1\n"
	         "d,\"closed\"x,1\n"
	         "e,one,two,1,team\n"
	         ",noid,1\n"
	         "f,\"never\nclosed,1\n",
	         CTL_LABELS_CSV, NULL);
	ck_assert_int_eq(r.rc, 0);
	ck_assert_uint_eq(r.ls.n, 1);
	ck_assert_uint_eq(r.ls.bad, 6);
	has_error(&r, "2:8", "complaint \"maybe\" is not one of 1/0, true/false, complaint/not");
	has_error(&r, "3:7", "a quote inside an unquoted field");
	has_error(&r, "4:11", "text after a closing quote");
	has_error(&r, "5:13", "5 fields; a line is id,text,complaint[,team]");
	has_error(&r, "6:1", "id is missing or empty");
	has_error(&r, "7:3", "the quoted field opened here never closes");
	res_free(&r);
}
END_TEST

START_TEST(test_dups_latest_wins)
{
	struct res r;

	read_str(&r, "a,first,1\nb,other,0\na,second,0\n", CTL_LABELS_CSV, NULL);
	ck_assert_int_eq(r.rc, 0);
	ck_assert_uint_eq(r.ls.n, 2);
	ck_assert_uint_eq(r.ls.dups, 1);
	ck_assert_str_eq(r.ls.v[0].id, "b");
	ck_assert_str_eq(r.ls.v[1].text, "second");
	ck_assert_int_eq(r.ls.v[1].complaint, 0);
	res_free(&r);
}
END_TEST

START_TEST(test_bounds)
{
	struct ctl_labels_limits lim;
	struct res r;
	char big[200];

	ctl_labels_limits_default(&lim);
	lim.max_line = 64;
	memset(big, 'z', sizeof(big));
	big[sizeof(big) - 1] = '\0';
	{
		char *s = xasprintf("a,ok,1\nb,%s,1\nc,fine,0\n", big);

		read_str(&r, s, CTL_LABELS_CSV, &lim);
		free(s);
	}
	ck_assert_int_eq(r.rc, 0);
	ck_assert_uint_eq(r.ls.n, 2);
	ck_assert_str_eq(r.ls.v[1].id, "c");
	has_error(&r, "2:65", "longer than 64 bytes");
	res_free(&r);

	ctl_labels_limits_default(&lim);
	lim.max_labels = 2;
	read_str(&r, "a,1,1\nb,2,1\nc,3,1\n", CTL_LABELS_CSV, &lim);
	ck_assert_int_eq(r.rc, -1);
	ck_assert_uint_eq(r.ls.n, 0);
	ck_assert_ptr_nonnull(strstr(r.err, ":3: error: more than 2 labels; split the file"));
	res_free(&r);

	ctl_labels_limits_default(&lim);
	lim.max_bytes = 10;
	read_str(&r, "a,1,1\nb,2,1\n", CTL_LABELS_CSV, &lim);
	ck_assert_int_eq(r.rc, -1);
	ck_assert_ptr_nonnull(strstr(r.err, "error: more than 10 bytes"));
	res_free(&r);
}
END_TEST

START_TEST(test_missing_file)
{
	struct ctl_labels ls;
	char err[256];

	ck_assert_int_eq(ctl_labels_read("/nonexistent/labels.csv", CTL_LABELS_SNIFF, NULL, NULL,
	                                 &ls, err, sizeof(err)),
	                 -1);
	ck_assert_str_eq(err, "/nonexistent/labels.csv: error: No such file or directory");
}
END_TEST

START_TEST(test_pair)
{
	const char *men =
	    "{\"id\":\"m:1\",\"source\":\"x\",\"lang\":\"en\",\"text\":\"broken again\"}\n"
	    "{\"id\":\"m:2\",\"lang\":\"en\",\"text\":\"thanks\"}\n"
	    "{\"id\":\"m:3\",\"text\":\"unlabelled\"}\n";
	const char *gold = "id,complaint,severity,priority,category\n"
	                   "m:2,0,0,,apparel\n"
	                   "m:1,1,4,high,apparel\n"
	                   "m:9,1,,,x\n"
	                   "m:3,1,7,,x\n";
	struct ctl_labels ls;
	char err[256], *errs = NULL;
	size_t errs_len = 0;
	FILE *e = open_memstream(&errs, &errs_len);
	const char *mp = file_with(1, men, strlen(men)), *gp = file_with(2, gold, strlen(gold));
	char want[1200];

	ck_assert_int_eq(ctl_labels_read_pair(mp, gp, NULL, e, &ls, err, sizeof(err)), 0);
	fclose(e);
	ck_assert_uint_eq(ls.n, 2);
	ck_assert_str_eq(ls.v[0].id, "m:2");
	ck_assert_str_eq(ls.v[0].text, "thanks");
	ck_assert_int_eq(ls.v[0].complaint, 0);
	ck_assert_int_eq(ls.v[0].severity, 0);
	ck_assert_str_eq(ls.v[1].text, "broken again");
	ck_assert_str_eq(ls.v[1].lang, "en");
	ck_assert_str_eq(ls.v[1].priority, "high");
	ck_assert_int_eq(ls.v[1].severity, 4);
	ck_assert_uint_eq(ls.bad, 2);
	snprintf(want, sizeof(want), "%s:4:1: error: no mention with id \"m:9\" in %s", gp, mp);
	ck_assert_ptr_nonnull(strstr(errs, want));
	snprintf(want, sizeof(want), "%s:5:", gp);
	ck_assert_ptr_nonnull(strstr(errs, want));
	ck_assert_ptr_nonnull(strstr(errs, "severity must be a number from 0 to 4"));
	ctl_labels_free(&ls);
	free(errs);

	/* gold without a header cannot be read by name */
	gp = file_with(3, "m:1,1\n", 6);
	ck_assert_int_eq(ctl_labels_read_pair(mp, gp, NULL, NULL, &ls, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(
	    strstr(err, ":1:1: error: no header line; start the file with id,complaint"));
	unlink(mp);
	unlink(gp);
	unlink(paths[2]);
}
END_TEST

START_TEST(test_ndjson_round_trip)
{
	struct ctl_label l = {.id = "x:\"1\"",
	                      .text = "tab\there \xC3\xA9",
	                      .complaint = 1,
	                      .team = "app",
	                      .by = "ana",
	                      .at_ms = 1796624100000LL};
	struct buf b;
	struct res r;

	l.text_len = strlen(l.text);
	buf_init(&b);
	ctl_labels_ndjson(&b, &l);
	ck_assert_str_eq(
	    b.data, "{\"id\":\"x:\\\"1\\\"\",\"text\":\"tab\\there \xC3\xA9\",\"complaint\":true,"
	            "\"team\":\"app\",\"by\":\"ana\",\"at\":\"2026-12-07T06:15:00Z\"}\n");
	read_str(&r, b.data, CTL_LABELS_NDJSON, NULL);
	ck_assert_int_eq(r.rc, 0);
	ck_assert_uint_eq(r.ls.n, 1);
	ck_assert_str_eq(r.ls.v[0].id, l.id);
	ck_assert_str_eq(r.ls.v[0].text, l.text);
	ck_assert_int_eq(r.ls.v[0].at_ms, l.at_ms);
	res_free(&r);
	buf_free(&b);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("ctl_labels");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_ndjson);
	tcase_add_test(tc, test_ndjson_errors);
	tcase_add_test(tc, test_csv);
	tcase_add_test(tc, test_csv_errors);
	tcase_add_test(tc, test_dups_latest_wins);
	tcase_add_test(tc, test_bounds);
	tcase_add_test(tc, test_missing_file);
	tcase_add_test(tc, test_pair);
	tcase_add_test(tc, test_ndjson_round_trip);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
