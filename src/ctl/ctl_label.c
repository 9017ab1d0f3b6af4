/*
 * ctl_label.c: keluhctl label. A label is a person's word on whether a
 * mention is a complaint; they live in the spool (spool.h), written
 * directly as keluhctl retry and drop write (keluhd need not run, and a
 * running one does not keep labels in memory):
 *   label MENTION complaint|not   one mention the spool knows (its text is
 *                                 the spool's: a complaint or recent row)
 *   label --import FILE           labelled NDJSON or CSV (ctl_labels.h)
 *   label --export [FILE]         the latest label of each mention, NDJSON
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/ctl_admin.h"
#include "ctl/ctl_int.h"
#include "ctl/ctl_labels.h"
#include "daemon/labels.h"
#include "lib/util.h"
#include "store/spool.h"

/* An import commits every this many labels, so a running keluhd never waits long for the spool. */
#define LABEL_IMPORT_BATCH 1000

struct label_opts {
	const char *conf_path, *spool_path, *team, *by, *import, *export_to;
	int export;
};

static void
label_usage(FILE *fp)
{
	fputs("usage: keluhctl label [-c FILE | --spool PATH] [--team T] [--by NAME] MENTION "
	      "complaint|not\n"
	      "       keluhctl label [-c FILE | --spool PATH] [--by NAME] --import FILE\n"
	      "       keluhctl label [-c FILE | --spool PATH] --export [FILE]\n",
	      fp);
}

/* 0 to go on, 1 when --help was answered, -1 on a usage error (said). */
static int
label_parse(int argc, char **argv, struct label_opts *o)
{
	static const struct option longopts[] = {
	    {"config", required_argument, NULL, 'c'}, {"spool", required_argument, NULL, 'S'},
	    {"team", required_argument, NULL, 't'},   {"by", required_argument, NULL, 'b'},
	    {"import", required_argument, NULL, 'i'}, {"export", no_argument, NULL, 'e'},
	    {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
	};
	int ch;

	memset(o, 0, sizeof(*o));
	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': o->conf_path = optarg; break;
		case 'S': o->spool_path = optarg; break;
		case 't': o->team = optarg; break;
		case 'b': o->by = optarg; break;
		case 'i': o->import = optarg; break;
		case 'e': o->export = 1; break;
		case 'h': label_usage(stdout); return 1;
		default: label_usage(stderr); return -1;
		}
	}
	if (o->conf_path && o->spool_path) {
		fprintf(stderr, "keluhctl: give either -c FILE or --spool PATH, not both\n");
		return -1;
	}
	if (o->import && o->export) {
		fprintf(stderr, "keluhctl: label: give --import FILE or --export, not both\n");
		return -1;
	}
	if (o->export && optind < argc)
		o->export_to = argv[optind++];
	if ((o->import || o->export) && (optind < argc || o->team)) {
		fprintf(stderr, "keluhctl: label: --%s takes no MENTION%s\n",
		        o->import ? "import" : "export", o->team ? " nor --team" : "");
		return -1;
	}
	if (!o->import && !o->export && argc - optind != 2) {
		fprintf(stderr, "keluhctl: label: give MENTION and complaint or not\n");
		label_usage(stderr);
		return -1;
	}
	if (o->by && (!*o->by || strlen(o->by) > LABELS_MAX_BY)) {
		fprintf(stderr, "keluhctl: label: --by is a name of 1 to %d bytes\n",
		        LABELS_MAX_BY);
		return -1;
	}
	if (o->team && (!*o->team || strlen(o->team) > LABELS_MAX_TEAM)) {
		fprintf(stderr, "keluhctl: label: --team is a name of 1 to %d bytes\n",
		        LABELS_MAX_TEAM);
		return -1;
	}
	return 0;
}

static int
label_one(const struct label_opts *o, const char *mention, const char *word)
{
	int complaint = ctl_labels_parse_complaint(word), rc = 0, r;
	struct spool *sp;
	char err[600];

	if (complaint < 0 || strcmp(word, "1") == 0 || strcmp(word, "0") == 0) {
		fprintf(stderr,
		        "keluhctl: label: '%s' is neither complaint nor not; say "
		        "keluhctl label %s complaint (or not)\n",
		        word, mention);
		return CTL_EXIT_USAGE;
	}
	if (!*mention || strlen(mention) > LABELS_MAX_ID) {
		fprintf(stderr, "keluhctl: label: a mention id is 1 to %d bytes\n", LABELS_MAX_ID);
		return CTL_EXIT_USAGE;
	}
	if ((sp = ctl_spool_open(o->conf_path, o->spool_path, 0, &rc)) == NULL)
		return rc;
	r = labels_record(sp, mention, complaint, o->team, "keluhctl",
	                  o->by ? o->by : ctl_login_name(), util_now_ms(), err, sizeof(err));
	if (r > 0 && spool_commit(sp) < 0) {
		snprintf(err, sizeof(err), "the spool commit failed: %s", spool_error(sp));
		r = -1;
	}
	if (r <= 0) {
		fprintf(stderr, "keluhctl: label: %s\n", err);
		rc = CTL_EXIT_FAIL;
	} else
		printf("%s: labelled %s\n", mention, complaint ? "a complaint" : "not a complaint");
	spool_close(sp);
	return rc;
}

static int
label_import(const struct label_opts *o)
{
	struct ctl_labels ls;
	struct spool *sp;
	size_t yes = 0;
	char err[600];
	int rc = 0;
	int64_t now = util_now_ms();

	if (ctl_labels_read(o->import, CTL_LABELS_SNIFF, NULL, stderr, &ls, err, sizeof(err)) < 0) {
		fprintf(stderr, "keluhctl: %s\n", err);
		return CTL_EXIT_FAIL;
	}
	if ((sp = ctl_spool_open(o->conf_path, o->spool_path, 0, &rc)) == NULL) {
		ctl_labels_free(&ls);
		return rc;
	}
	for (size_t i = 0; i < ls.n && rc == 0; i++) {
		const struct ctl_label *l = &ls.v[i];

		if (spool_label_add(sp, l->id, l->text, l->complaint, l->team, "import",
		                    l->by   ? l->by
		                    : o->by ? o->by
		                            : ctl_login_name(),
		                    l->at_ms > 0 ? l->at_ms : now) < 0 ||
		    ((i + 1) % LABEL_IMPORT_BATCH == 0 && spool_commit(sp) < 0))
			rc = CTL_EXIT_FAIL;
		yes += l->complaint;
	}
	if (rc == 0 && spool_commit(sp) < 0)
		rc = CTL_EXIT_FAIL;
	if (rc)
		fprintf(stderr,
		        "keluhctl: label --import: the spool failed: %s (the labels before "
		        "the last %d are stored; import the file again, the latest label "
		        "of a mention counts)\n",
		        spool_error(sp), LABEL_IMPORT_BATCH);
	else
		printf("%zu labels imported (%zu complaints, %zu not)%s%zu bad lines skipped\n",
		       ls.n, yes, ls.n - yes, ls.bad ? "; " : ", ", ls.bad);
	if (ls.bad)
		rc = CTL_EXIT_FAIL;
	spool_close(sp);
	ctl_labels_free(&ls);
	return rc;
}

struct label_out {
	FILE *fp;
	struct buf b;
	size_t n;
};

static void
label_export_one(void *arg, const struct spool_label *sl)
{
	struct label_out *x = arg;
	struct ctl_label l = {
	    .id = (char *)sl->mention_id,
	    .text = (char *)sl->text,
	    .text_len = strlen(sl->text),
	    .complaint = sl->complaint,
	    .team = (char *)sl->team,
	    .by = (char *)sl->by_name,
	    .at_ms = sl->at_ms,
	};

	ctl_labels_ndjson(&x->b, &l);
	if (x->b.len >= 64 * 1024) {
		fwrite(x->b.data, 1, x->b.len, x->fp);
		buf_reset(&x->b);
	}
	x->n++;
}

static int
label_export(const struct label_opts *o)
{
	struct label_out x = {.fp = stdout};
	struct spool *sp;
	int rc = 0;
	int64_t n;

	if ((sp = ctl_spool_open(o->conf_path, o->spool_path, 1, &rc)) == NULL)
		return rc;
	if (o->export_to && strcmp(o->export_to, "-") != 0 &&
	    (x.fp = fopen(o->export_to, "w")) == NULL) {
		fprintf(stderr, "keluhctl: %s: %s\n", o->export_to, strerror(errno));
		spool_close(sp);
		return CTL_EXIT_FAIL;
	}
	buf_init(&x.b);
	if ((n = spool_label_list(sp, 0, label_export_one, &x)) < 0) {
		fprintf(stderr, "keluhctl: cannot read the labels: %s\n", spool_error(sp));
		rc = CTL_EXIT_FAIL;
	}
	fwrite(x.b.data, 1, x.b.len, x.fp);
	buf_free(&x.b);
	if ((x.fp != stdout ? fclose(x.fp) : fflush(x.fp)) != 0) {
		fprintf(stderr, "keluhctl: %s: %s\n", o->export_to ? o->export_to : "stdout",
		        strerror(errno));
		rc = CTL_EXIT_FAIL;
	}
	if (rc == 0 && x.fp != stdout)
		fprintf(stderr, "%zu labels written to %s\n", x.n, o->export_to);
	spool_close(sp);
	return rc;
}

int
ctl_label_main(int argc, char **argv)
{
	struct label_opts o;
	int r = label_parse(argc, argv, &o);

	if (r != 0)
		return r > 0 ? 0 : CTL_EXIT_USAGE;
	if (o.import)
		return label_import(&o);
	if (o.export)
		return label_export(&o);
	return label_one(&o, argv[optind], argv[optind + 1]);
}
