/*
 * sqlite_sync.c: the SQLite spool's deferred sync (the thread that makes the WAL durable while
 * the loop goes on) and the thread that checkpoints the WAL.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/util.h"
#include "store/sqlite_int.h"

/*
 * With deferred sync a thread of the spool checkpoints the WAL, passively
 * (never blocking the loop), each time it has grown by SPOOL_CKPT_PAGES,
 * and past SPOOL_WAL_BOUND pages the loop has it start over (see
 * sqlite_wal_restart).
 */
#define SPOOL_CKPT_PAGES 4000
#define SPOOL_WAL_BOUND 16000

/*
 * Deferred sync (spool_defer_sync): a batch commits with synchronous=NORMAL,
 * so COMMIT writes the WAL without waiting for the disk, and this thread
 * then makes the WAL durable with fdatasync while the loop goes on with
 * the next batch. seq numbers the deferred commits; done is the highest
 * whose fdatasync has finished. A byte on the pipe tells the loop.
 */
struct sqlite_syncer {
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int fd;			/* the WAL, opened by us; -1 until the first commit */
	dev_t dev;
	ino_t ino;
	uint64_t want, done;	/* under mu */
	uint64_t ok_done;	/* under mu: done by a sync that worked */
	int err;		/* errno of a failed fdatasync, under mu */
	int busy;		/* the thread is in fdatasync(fd), under mu */
	int stop;
	int pipe[2];
	/*
	 * The checkpointer: its own thread and its own connection, which no
	 * other thread touches. The loop's connection has no autocheckpoint;
	 * its WAL hook (sqlite_wal_hook) asks for checkpoints instead.
	 */
	pthread_t ck_th;
	sqlite3 *ck;
	int ck_want;		/* under mu, as all below */
	int ck_frames;		/* the WAL's size in pages after the last commit */
	int ck_base;		/* pages in the WAL already checkpointed */
	int ck_log;		/* the WAL's size when the last checkpoint ended */
	int ck_restart;		/* the WAL passed its bound: the loop restarts it */
	unsigned ck_bound_hits;	/* restarts not yet reported */
	int ck_rc;		/* a failed checkpoint not yet reported, and why */
	char ck_err[256];
};

/* A deferred commit: its deliveries wait for its sync (sqlite_deliv_synced). */
void
sqlite_deliv_committed(struct sqlite_spool *s)
{
	if (s->ndeliv_seq == SPOOL_SEQ_IDS) {
		memmove(s->deliv_seq, s->deliv_seq + 1, (SPOOL_SEQ_IDS - 1) * sizeof(s->deliv_seq[0]));
		s->ndeliv_seq--;
	}
	s->deliv_seq[s->ndeliv_seq].seq = s->seq;
	s->deliv_seq[s->ndeliv_seq++].id = s->deliv_max;
}

/* The commits up to done are durable: so are the deliveries they wrote. */
static void
sqlite_deliv_synced(struct sqlite_spool *s, uint64_t done)
{
	size_t k = 0;

	for (; k < s->ndeliv_seq && s->deliv_seq[k].seq <= done; k++)
		if (s->deliv_seq[k].id > s->deliv_durable)
			s->deliv_durable = s->deliv_seq[k].id;
	memmove(s->deliv_seq, s->deliv_seq + k, (s->ndeliv_seq - k) * sizeof(s->deliv_seq[0]));
	s->ndeliv_seq -= k;
}

/* Stops the threads and makes what was committed durable (spool_close). */
void
sqlite_sync_stop(struct sqlite_spool *s)
{
	struct sqlite_syncer *sy = s->sy;

	if (sy == NULL)
		return;
	pthread_mutex_lock(&sy->mu);
	sy->stop = 1;
	pthread_cond_broadcast(&sy->cv);
	pthread_mutex_unlock(&sy->mu);
	pthread_join(sy->th, NULL);
	pthread_join(sy->ck_th, NULL);
	sqlite3_close(sy->ck);
	sqlite3_wal_hook(s->db, NULL, NULL);
	/* what was committed is made durable even if nobody waits for it */
	if (sy->fd >= 0) {
		fdatasync(sy->fd);
		close(sy->fd);
	}
	close(sy->pipe[0]);
	close(sy->pipe[1]);
	pthread_mutex_destroy(&sy->mu);
	pthread_cond_destroy(&sy->cv);
	free(sy);
}

/* Signals are the loop's business: the spool's threads block them all. */
static void
sqlite_block_signals(void)
{
	sigset_t all;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
}

/* A byte on the pipe wakes the loop; a full pipe already has a wakeup in it. */
static void
sqlite_wake(struct sqlite_syncer *sy, const char *why)
{
	ssize_t w;

	do
		w = write(sy->pipe[1], why, 1);
	while (w < 0 && errno == EINTR);
}

static void *
sqlite_sync_main(void *arg)
{
	struct sqlite_syncer *sy = arg;

	sqlite_block_signals();
	pthread_mutex_lock(&sy->mu);
	for (;;) {
		uint64_t target;
		int e = 0, fd;

		while (!sy->stop && sy->want == sy->done)
			pthread_cond_wait(&sy->cv, &sy->mu);
		if (sy->stop)
			break;
		target = sy->want;
		fd = sy->fd;
		sy->busy = 1;
		pthread_mutex_unlock(&sy->mu);
		if (fdatasync(fd) < 0)
			e = errno;
		pthread_mutex_lock(&sy->mu);
		sy->busy = 0;
		pthread_cond_broadcast(&sy->cv);
		sy->done = target;
		if (e && !sy->err)
			sy->err = e;
		if (!e && sy->ok_done < target)
			sy->ok_done = target;
		sqlite_wake(sy, "s");
	}
	pthread_mutex_unlock(&sy->mu);
	return NULL;
}

static void *
sqlite_ckpt_main(void *arg)
{
	struct sqlite_syncer *sy = arg;

	sqlite_block_signals();
	pthread_mutex_lock(&sy->mu);
	for (;;) {
		int rc, nlog = -1, nckpt = -1;

		while (!sy->stop && !sy->ck_want)
			pthread_cond_wait(&sy->cv, &sy->mu);
		if (sy->stop)
			break;
		sy->ck_want = 0;
		pthread_mutex_unlock(&sy->mu);
		/* copies what no reader needs and leaves the writer alone */
		rc = sqlite3_wal_checkpoint_v2(sy->ck, NULL, SQLITE_CHECKPOINT_PASSIVE, &nlog,
		    &nckpt);
		pthread_mutex_lock(&sy->mu);
		if (rc == SQLITE_OK && nckpt >= 0) {
			sy->ck_base = nckpt;
			sy->ck_log = nlog;
			if (nlog >= SPOOL_WAL_BOUND)
				sy->ck_restart = 1;
		} else if (rc != SQLITE_BUSY && sy->ck_rc == 0) {
			/* BUSY: keluhctl or a shell checkpoints; ours comes again */
			sy->ck_rc = rc;
			snprintf(sy->ck_err, sizeof(sy->ck_err), "%s", sqlite3_errmsg(sy->ck));
			/* the loop hears of it now, not at its next sync */
			sqlite_wake(sy, "c");
		}
	}
	pthread_mutex_unlock(&sy->mu);
	return NULL;
}

/* After each commit of the loop's connection, on the loop thread. */
static int
sqlite_wal_hook(void *arg, sqlite3 *db, const char *name, int nframe)
{
	struct sqlite_syncer *sy = arg;

	(void)db;
	(void)name;
	pthread_mutex_lock(&sy->mu);
	/* a WAL smaller than at the last checkpoint started over: none of it is copied */
	if (nframe < sy->ck_log)
		sy->ck_base = sy->ck_log = 0;
	sy->ck_frames = nframe;
	if (nframe - sy->ck_base >= SPOOL_CKPT_PAGES && !sy->ck_want) {
		/* the checkpoint will take it all unless a reader holds it back */
		sy->ck_base = nframe;
		sy->ck_want = 1;
		pthread_cond_broadcast(&sy->cv);
	}
	pthread_mutex_unlock(&sy->mu);
	return SQLITE_OK;
}

unsigned
sqlite_wal_bound_hits(struct spool *sp, int *failed)
{
	struct sqlite_spool *s = sqlite_of(sp);
	struct sqlite_syncer *sy = s->sy;
	unsigned n;

	*failed = 0;
	if (sy == NULL)
		return 0;
	pthread_mutex_lock(&sy->mu);
	n = sy->ck_bound_hits;
	sy->ck_bound_hits = 0;
	if (sy->ck_rc) {
		sqlite_seterr(s, "checkpoint: %s", sy->ck_err);
		sy->ck_rc = 0;
		*failed = 1;
	}
	pthread_mutex_unlock(&sy->mu);
	return n;
}

int
sqlite_defer_sync(struct spool *sp)
{
	struct sqlite_spool *s = sqlite_of(sp);
	struct sqlite_syncer *sy;
	const char *wal;

	if (s->sy)
		return 0;
	wal = sqlite3_filename_wal(sqlite3_db_filename(s->db, "main"));
	if (wal == NULL || *wal == '\0') {
		sqlite_seterr(s, "deferred sync needs a spool file with a write-ahead log");
		return -1;
	}
	s->wal_path = xstrdup(wal);
	sy = xcalloc(1, sizeof(*sy));
	sy->fd = -1;
	if (pipe(sy->pipe) < 0) {
		sqlite_seterr(s, "pipe: %s", strerror(errno));
		free(sy);
		return -1;
	}
	for (int i = 0; i < 2; i++) {
		fcntl(sy->pipe[i], F_SETFD, FD_CLOEXEC);
		fcntl(sy->pipe[i], F_SETFL, fcntl(sy->pipe[i], F_GETFL) | O_NONBLOCK);
	}
	/* used by the checkpointer thread alone, so it needs no mutex of its own */
	if (sqlite3_open_v2(sqlite3_db_filename(s->db, "main"), &sy->ck,
		SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		sqlite_seterr(s, "cannot open the spool for checkpoints: %s",
		    sy->ck ? sqlite3_errmsg(sy->ck) : "out of memory");
		goto fail;
	}
	sqlite3_busy_timeout(sy->ck, SPOOL_BUSY_MS);
	/* a connection opens the WAL with its first read; until then it has none to checkpoint */
	if (sqlite3_exec(sy->ck, "SELECT count(*) FROM sqlite_schema", NULL, NULL, NULL) !=
	    SQLITE_OK) {
		sqlite_seterr(s, "cannot open the spool for checkpoints: %s", sqlite3_errmsg(sy->ck));
		goto fail;
	}
	pthread_mutex_init(&sy->mu, NULL);
	pthread_cond_init(&sy->cv, NULL);
	if (pthread_create(&sy->th, NULL, sqlite_sync_main, sy) != 0) {
		sqlite_seterr(s, "cannot start the sync thread");
		goto fail_thread;
	}
	if (pthread_create(&sy->ck_th, NULL, sqlite_ckpt_main, sy) != 0) {
		sqlite_seterr(s, "cannot start the checkpoint thread");
		pthread_mutex_lock(&sy->mu);
		sy->stop = 1;
		pthread_cond_broadcast(&sy->cv);
		pthread_mutex_unlock(&sy->mu);
		pthread_join(sy->th, NULL);
		goto fail_thread;
	}
	/* replaces SQLite's autocheckpoint, which would run inside our commits */
	sqlite3_wal_hook(s->db, sqlite_wal_hook, sy);
	s->sy = sy;
	return 0;

fail_thread:
	pthread_mutex_destroy(&sy->mu);
	pthread_cond_destroy(&sy->cv);
fail:
	sqlite3_close(sy->ck);
	close(sy->pipe[0]);
	close(sy->pipe[1]);
	free(sy);
	free(s->wal_path);
	s->wal_path = NULL;
	return -1;
}

int
sqlite_sync_fd(const struct spool *sp)
{
	const struct sqlite_spool *s = sqlite_of_const(sp);

	return s->sy ? s->sy->pipe[0] : -1;
}

uint64_t
sqlite_commit_seq(const struct spool *sp)
{
	const struct sqlite_spool *s = sqlite_of_const(sp);

	return s->seq;
}

/*
 * The WAL as we hold it open must be the file SQLite writes: it is made
 * when the first transaction commits and would only change if every
 * connection closed, but a stat per batch is cheap insurance.
 */
static int
sqlite_sync_wal_fd(struct sqlite_spool *s)
{
	struct sqlite_syncer *sy = s->sy;
	struct stat st;
	int fd;

	if (stat(s->wal_path, &st) < 0) {
		sqlite_seterr(s, "%s: %s", s->wal_path, strerror(errno));
		return -1;
	}
	if (sy->fd >= 0 && st.st_dev == sy->dev && st.st_ino == sy->ino)
		return 0;
	if ((fd = open(s->wal_path, O_RDONLY | O_CLOEXEC)) < 0 || fstat(fd, &st) < 0) {
		sqlite_seterr(s, "%s: %s", s->wal_path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	/* swapped while the thread is not using it; the old file is made durable first */
	pthread_mutex_lock(&sy->mu);
	while (sy->busy)
		pthread_cond_wait(&sy->cv, &sy->mu);
	if (sy->fd >= 0) {
		fdatasync(sy->fd);
		close(sy->fd);
	}
	sy->fd = fd;
	sy->dev = st.st_dev;
	sy->ino = st.st_ino;
	pthread_mutex_unlock(&sy->mu);
	return 0;
}

/*
 * The passive checkpoints of the thread copy the WAL, but it only starts
 * over if one of them ends with all of it copied before the next commit
 * begins, and under a steady load none does. Past its bound the loop,
 * between two batches, copies what is left (little, the thread has just
 * checkpointed) and has the next commit write the WAL from its start.
 * The writer lock this takes would hold the thread's checkpoints off;
 * they would hold the loop off if it waited (it does not: busy, it tries
 * again after the next batch).
 */
static void
sqlite_wal_restart(struct sqlite_spool *s)
{
	struct sqlite_syncer *sy = s->sy;
	int rc;

	sqlite3_busy_timeout(s->db, 0);
	rc = sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_RESTART, NULL, NULL);
	sqlite3_busy_timeout(s->db, SPOOL_BUSY_MS);
	if (rc == SQLITE_BUSY)
		return;
	pthread_mutex_lock(&sy->mu);
	sy->ck_restart = 0;
	if (rc == SQLITE_OK) {
		sy->ck_bound_hits++;
	} else if (sy->ck_rc == 0) {
		sy->ck_rc = rc;
		snprintf(sy->ck_err, sizeof(sy->ck_err), "%s", sqlite3_errmsg(s->db));
	}
	pthread_mutex_unlock(&sy->mu);
}

int
sqlite_sync_request(struct spool *sp)
{
	struct sqlite_spool *s = sqlite_of(sp);
	struct sqlite_syncer *sy = s->sy;
	int restart;

	/* want is written by this thread only: read without the lock */
	if (sy == NULL || sy->want >= s->seq)
		return 0;
	if (sqlite_sync_wal_fd(s) < 0)
		return -1;
	pthread_mutex_lock(&sy->mu);
	if (sy->want < s->seq) {
		sy->want = s->seq;
		pthread_cond_broadcast(&sy->cv);
	}
	restart = sy->ck_restart;
	pthread_mutex_unlock(&sy->mu);
	if (restart)
		sqlite_wal_restart(s);
	return 0;
}

int
sqlite_sync_now(struct spool *sp)
{
	struct sqlite_spool *s = sqlite_of(sp);
	struct sqlite_syncer *sy = s->sy;
	int e = 0, synced;

	if (sy == NULL || s->seq == 0)
		return 0;
	/* nothing committed since the last sync that worked: no need to wait for the disk */
	pthread_mutex_lock(&sy->mu);
	synced = sy->ok_done >= s->seq;
	pthread_mutex_unlock(&sy->mu);
	if (synced) {
		sqlite_deliv_synced(s, s->seq);
		return 0;
	}
	if (sqlite_sync_wal_fd(s) < 0)
		return -1;
	if (fdatasync(sy->fd) < 0)
		e = errno;
	pthread_mutex_lock(&sy->mu);
	if (sy->done < s->seq && !e)
		sy->done = s->seq;
	if (!e && sy->ok_done < s->seq)
		sy->ok_done = s->seq;
	if (sy->want < sy->done)
		sy->want = sy->done;
	pthread_mutex_unlock(&sy->mu);
	if (e) {
		sqlite_seterr(s, "%s: fdatasync: %s", s->wal_path, strerror(e));
		return -1;
	}
	sqlite_deliv_synced(s, s->seq);
	return 0;
}

uint64_t
sqlite_synced(struct spool *sp, int *err)
{
	struct sqlite_spool *s = sqlite_of(sp);
	struct sqlite_syncer *sy = s->sy;
	uint64_t done, ok_done;
	char drain[64];

	*err = 0;
	if (sy == NULL)
		return s->seq;
	while (read(sy->pipe[0], drain, sizeof(drain)) > 0)
		;
	pthread_mutex_lock(&sy->mu);
	done = sy->done;
	ok_done = sy->ok_done;
	*err = sy->err;
	sy->err = 0;
	pthread_mutex_unlock(&sy->mu);
	if (*err)
		sqlite_seterr(s, "%s: fdatasync: %s", s->wal_path, strerror(*err));
	/* a failed sync counts as done, but its deliveries wait for one that works */
	sqlite_deliv_synced(s, ok_done);
	return done;
}
