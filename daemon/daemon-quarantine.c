/* SPDX-License-Identifier: MIT */
/*
 * The quarantine's moves off the loop (issue 13). Across filesystems, the normal case under the
 * shipped unit, a move is a staging rename, a copy of up to 1 MiB, two fsyncs and an unlink
 * (lib/quarantine.c): on a slow disk, or a quarantine on a hung network or FUSE mount, that takes
 * as long as the storage does, and no bound on the steps can promise otherwise. A thread can: it
 * runs the one pure call and reports through an eventfd, and the loop announces the result.
 *
 * The thread shares nothing with the loop: the move object holds copies of the path, the
 * quarantine directory and the identity of the file evaluated, and host-local IPAM's lock while
 * it runs. Like a host-file load, it has two references, the loop's and the thread's; whoever
 * drops the last frees it, so shutdown never waits for a hung move.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "daemon-enforce.h"
#include "daemon-evaluate.h"
#include "daemon-quarantine.h"
#include "daemon.h"
#include "log.h"
#include "quarantine.h"
#include "timeutil.h"

typedef struct QuarantineMove {
	unsigned refs;
	int efd;  /* the thread writes 1 when done */
	int lock; /* host-local IPAM's lock, held until the directory moved, or -1 */
	CheckId check;
	char *path, *dir;
	uint64_t now_usec;
	FileIdentity expected;
	bool has_expected;
	/* The thread's result, read by the loop after the eventfd. */
	int error;
	char *dest;
} QuarantineMove;

static void move_unref(QuarantineMove *m)
{
	if (__atomic_sub_fetch(&m->refs, 1, __ATOMIC_ACQ_REL) > 0)
		return;
	if (m->lock >= 0)
		close(m->lock);
	if (m->efd >= 0)
		close(m->efd);
	free(m->path);
	free(m->dir);
	free(m->dest);
	free(m);
}

static void *move_thread(void *userdata)
{
	QuarantineMove *m = userdata;
	uint64_t one = 1;

	(void)pthread_setname_np(pthread_self(), "rg-quarantine");
	m->error = quarantine_file(m->path, m->dir, m->now_usec,
				   m->has_expected ? &m->expected : NULL, NULL, &m->dest);
	if (m->lock >= 0) {
		close(m->lock);
		m->lock = -1;
	}
	/* The eventfd's write and read order the result before the loop reads it. */
	if (write(m->efd, &one, sizeof(one)) < 0) {
		/* EAGAIN at most (a counter near 2^64): the loop still sees it readable */
	}
	move_unref(m);
	return NULL;
}

/* Why a move failed, in words an operator can act on. */
static const char *quarantine_error(int r)
{
	switch (r) {
	case -EINVAL:
		return "it is not a regular file (a FIFO, device or symlink); left in place";
	case -EXDEV:
		return "a directory moves only within its filesystem, and the quarantine is "
		       "elsewhere; left in place";
	case -EFBIG:
		return "it is larger than 1 MiB, which no CNI configuration is; left in place";
	case -EEXIST:
		return "every quarantine name for this second is taken; tried again later";
	case -EBUSY:
		return "it changed while it was copied (still being written); tried again later";
	case -ESTALE:
		return "it was replaced or rewritten since it was evaluated; evaluated again";
	default:
		return strerror(-r);
	}
}

static void announce_result(Daemon *d, const QuarantineMove *m)
{
	char message[1024];

	if (m->error == -ESTALE) {
		/* Not a failure: the new file gets its own verdict, from the event that made it. */
		log_info("%s changed since it was evaluated; evaluating it again", m->path);
		d->hostfacts_stale = true;
		return;
	}
	if (m->error < 0) {
		snprintf(message, sizeof(message), "Could not move %s to %s: %s%s%s", m->path,
			 m->dir, quarantine_error(m->error),
			 m->dest ? "; its content is kept as " : "", m->dest ? m->dest : "");
		daemon_announce(d, m->check, m->path, ACTION_FAILED, message);
		return;
	}
	d->counters.files_quarantined++;
	d->hostfacts_stale = true; /* the directory changed: evaluate what is left in it */
	snprintf(message, sizeof(message), "Moved %s to %s", m->path, m->dest);
	daemon_announce(d, m->check, m->path, ACTION_QUARANTINED, message);
}

static void move_finish(Daemon *d)
{
	sd_event_source_disable_unref(d->quarantine_done);
	d->quarantine_done = NULL;
	move_unref(d->moving);
	d->moving = NULL;
}

static int on_move_done(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	Daemon *d = userdata;

	announce_result(d, d->moving);
	move_finish(d);
	/* Files that waited for this move, and what the move changed, are decided on now. */
	daemon_schedule_evaluation(d);
	return 0;
}

/* The file as evaluation read it: only that one is moved. */
static const FileIdentity *evaluated_file(const Daemon *d, const char *path)
{
	for (size_t i = 0; d->hostfacts && i < d->hostfacts->n_cni_files; i++)
		if (strcmp(d->hostfacts->cni_files[i].path, path) == 0)
			return &d->hostfacts->cni_files[i].identity;
	return NULL;
}

/* host-local IPAM takes an flock on the network directory's lock file around each allocation:
 * move the directory only while holding it, so no allocation is cut in half. -1 when there is
 * no lock file (nothing to hold), -EBUSY when IPAM holds it now. */
static int lock_ipam_dir(const char *dir)
{
	_cleanup_free_ char *path = NULL;
	if (asprintf(&path, "%s/lock", dir) < 0)
		return -ENOMEM;
	/* Never blocks, whatever is planted there: a FIFO named lock would otherwise hang the loop
	 * in open(), as a FIFO named *.conflist once did (issue 13). IPAM's lock is a regular file.
	 */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW | O_NOCTTY);
	if (fd < 0)
		return -1;
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		close(fd);
		return -EBUSY;
	}
	return fd;
}

static int move_new(Daemon *d, const Finding *f, QuarantineMove **ret)
{
	QuarantineMove *m = calloc(1, sizeof(*m));
	const FileIdentity *expected = evaluated_file(d, f->subject);

	if (!m)
		return -ENOMEM;
	*m = (QuarantineMove){.refs = 1,
			      .efd = -1,
			      .lock = -1,
			      .check = f->check,
			      .now_usec = now_usec(CLOCK_REALTIME),
			      .has_expected = expected};
	if (expected)
		m->expected = *expected;
	if (!(m->path = strdup(f->subject)) || !(m->dir = strdup(d->config->cni.quarantine_dir))) {
		move_unref(m);
		return -ENOMEM;
	}
	if ((m->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0) {
		int r = negative_errno();
		move_unref(m);
		return r;
	}
	*ret = m;
	return 0;
}

/* Takes m: on error it is freed, IPAM's lock with it. */
static int move_start(Daemon *d, QuarantineMove *m)
{
	pthread_attr_t attr;
	pthread_t thread;
	int r;

	if ((r = sd_event_add_io(d->event, &d->quarantine_done, m->efd, EPOLLIN, on_move_done, d)) <
	    0) {
		move_unref(m);
		return r;
	}
	d->moving = m;
	m->refs = 2;
	if ((r = -pthread_attr_init(&attr)) == 0) {
		(void)pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		r = -pthread_create(&thread, &attr, move_thread, m);
		pthread_attr_destroy(&attr);
	}
	if (r < 0) {
		m->refs = 1;
		move_finish(d);
	}
	return r;
}

void daemon_quarantine(Daemon *d, const Finding *f)
{
	QuarantineMove *m = NULL;
	char message[512];
	int r;

	if (d->moving) {
		log_debug("%s waits for the move of %s", f->subject, d->moving->path);
		return;
	}
	int lock = f->check == CHECK_CNI_IPAM_LEFTOVERS ? lock_ipam_dir(f->subject) : -1;
	if (lock == -EBUSY)
		return; /* an allocation is under way: the next evaluation tries again */
	if ((r = move_new(d, f, &m)) < 0) {
		if (lock >= 0)
			close(lock);
	} else {
		m->lock = lock;
		r = move_start(d, m);
	}
	if (r < 0) {
		snprintf(message, sizeof(message), "Could not start moving %s to %s: %s",
			 f->subject, d->config->cni.quarantine_dir, strerror(-r));
		daemon_announce(d, f->check, f->subject, ACTION_FAILED, message);
		return;
	}
	log_info("Moving %s to %s", f->subject, d->config->cni.quarantine_dir);
}

void daemon_quarantine_abandon(Daemon *d)
{
	if (d->moving)
		move_finish(d);
}
