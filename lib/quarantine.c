/* SPDX-License-Identifier: MIT */
/*
 * The invariant of every move here: the file's content always has a name. It is under path until
 * one atomic rename takes it to the quarantine (same filesystem) or to a hidden staging name in its
 * own directory (another filesystem); under the staging name until its copy in the quarantine is
 * complete and fsynced; and only then is the staging name, which nobody else knows, unlinked. path
 * itself is never unlinked, so a file that someone puts there meanwhile (mv new.conflist over it)
 * is never touched; a copy that went wrong is undone by putting the staged file back, and when its
 * name was taken meanwhile it stays under the staging name rather than replace anything. A file
 * that is no longer the one evaluated (expected) goes back the same way: it was never judged.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "quarantine.h"

/* Copied in one go: the file is regular and at most QUARANTINE_FILE_MAX, checked first. */
#define COPY_CHUNK (64 * 1024)
/* Random staging names tried before giving up: a clash means leftovers of earlier crashes. */
#define STAGING_ATTEMPTS 16

int quarantine_name(const char *base, uint64_t now_usec, int attempt, char *buf, size_t size)
{
	char stamp[32];
	time_t t = (time_t)(now_usec / 1000000);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	int n = attempt ? snprintf(buf, size, "%s.%s-%d", base, stamp, attempt)
			: snprintf(buf, size, "%s.%s", base, stamp);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

/* A regular file, or a directory when directory is true (moved by rename only). */
static int check_file(const struct stat *st, bool directory)
{
	if (directory && S_ISDIR(st->st_mode))
		return 0;
	if (!S_ISREG(st->st_mode))
		return -EINVAL;
	if (st->st_size > QUARANTINE_FILE_MAX)
		return -EFBIG;
	return 0;
}

static int check_expected(const struct stat *st, const FileIdentity *expected)
{
	FileIdentity found = file_identity(st);
	return expected && !file_identity_equal(&found, expected) ? -ESTALE : 0;
}

static bool same_content_state(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
	       a->st_ctim.tv_sec == b->st_ctim.tv_sec && a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

static int quarantine_path(const char *dir, const char *base, uint64_t now_usec, int attempt,
			   char **ret)
{
	char name[256];
	int r = quarantine_name(base, now_usec, attempt, name, sizeof(name));

	if (r < 0)
		return r;
	if (asprintf(ret, "%s/%s", dir, name) < 0)
		return -ENOMEM;
	return 0;
}

/*
 * Same filesystem: one atomic rename under the first free name. -EXDEV: it must be copied. What
 * arrived is checked against expected, and a file that is not the one evaluated goes back.
 */
static int move_by_rename(const char *path, const char *dir, const char *base, uint64_t now_usec,
			  bool directory, const FileIdentity *expected, char **ret)
{
	for (int attempt = 0; attempt < QUARANTINE_NAME_ATTEMPTS; attempt++) {
		_cleanup_free_ char *dest = NULL;
		int r = quarantine_path(dir, base, now_usec, attempt, &dest);
		if (r < 0)
			return r;
		if (renameat2(AT_FDCWD, path, AT_FDCWD, dest, RENAME_NOREPLACE) < 0) {
			if (errno == EEXIST)
				continue;
			return negative_errno();
		}
		struct stat st;
		if (lstat(dest, &st) < 0)
			return negative_errno();
		if ((r = check_file(&st, directory)) < 0 ||
		    (r = check_expected(&st, expected)) < 0) {
			/* Kept where it is, and named, when its name was taken meanwhile. */
			if (renameat2(AT_FDCWD, dest, AT_FDCWD, path, RENAME_NOREPLACE) < 0)
				*ret = TAKE_PTR(dest);
			return r;
		}
		*ret = TAKE_PTR(dest);
		return 0;
	}
	return -EEXIST;
}

/* path renamed to ".BASENAME.routeguard-XXXXXX" beside it: atomic, and no CNI loader reads it. */
static int stage(const char *path, const char *base, char **ret)
{
	const char *slash = strrchr(path, '/');
	int dir_len = slash ? (int)(slash - path + 1) : 0;

	for (int attempt = 0; attempt < STAGING_ATTEMPTS; attempt++) {
		_cleanup_free_ char *staging = NULL;
		uint32_t random;
		if (getrandom(&random, sizeof(random), GRND_NONBLOCK) != sizeof(random))
			random =
			    (uint32_t)getpid() ^ (uint32_t)attempt << 24 ^ (uint32_t)time(NULL);
		/* The base shortened so that the name fits NAME_MAX. */
		if (asprintf(&staging, "%.*s.%.200s.routeguard-%08x", dir_len, path, base, random) <
		    0)
			return -ENOMEM;
		if (renameat2(AT_FDCWD, path, AT_FDCWD, staging, RENAME_NOREPLACE) == 0) {
			*ret = TAKE_PTR(staging);
			return 0;
		}
		if (errno != EEXIST)
			return negative_errno();
	}
	return -EEXIST;
}

/* A new file in dir under the first free name, created O_EXCL: never anyone else's. */
static int create_destination(const char *dir, const char *base, uint64_t now_usec, mode_t mode,
			      char **ret_path)
{
	for (int attempt = 0; attempt < QUARANTINE_NAME_ATTEMPTS; attempt++) {
		_cleanup_free_ char *dest = NULL;
		int r = quarantine_path(dir, base, now_usec, attempt, &dest);
		if (r < 0)
			return r;
		int fd = open(dest, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
		if (fd >= 0) {
			*ret_path = TAKE_PTR(dest);
			return fd;
		}
		if (errno != EEXIST)
			return negative_errno();
	}
	return -EEXIST;
}

static int copy_fd(int in, int out)
{
	char buf[COPY_CHUNK];
	size_t total = 0;

	for (;;) {
		ssize_t n = read(in, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return negative_errno();
		if (n == 0)
			return 0;
		/* It grew past the limit after the check: someone is writing it. */
		if ((total += (size_t)n) > QUARANTINE_FILE_MAX)
			return -EBUSY;
		for (ssize_t done = 0; done < n;) {
			ssize_t w = write(out, buf + done, (size_t)(n - done));
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0)
				return negative_errno();
			done += w;
		}
	}
}

static int fsync_dir(const char *dir)
{
	_cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) < 0)
		return negative_errno();
	return 0;
}

/*
 * Copies the staged file into dir and fsyncs the copy. -EBUSY when the file changed during the
 * copy (size, mtime or ctime): someone still writes it, and the copy would be torn.
 */
static int copy_staged(const char *staging, const char *dir, const char *base, uint64_t now_usec,
		       const FileIdentity *expected, const QuarantineOptions *options, char **ret)
{
	/* O_NONBLOCK: whatever took the staged name, opening it never waits (a FIFO would). */
	_cleanup_close_ int in =
	    open(staging, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
	_cleanup_close_ int out = -1;
	_cleanup_free_ char *dest = NULL;
	struct stat before, after;
	int r;

	if (in < 0 || fstat(in, &before) < 0)
		return negative_errno();
	if ((r = check_file(&before, false)) < 0 || (r = check_expected(&before, expected)) < 0)
		return r;
	if ((out = create_destination(dir, base, now_usec, before.st_mode & 0777, &dest)) < 0)
		return out;
	r = copy_fd(in, out);
	if (r == 0 && options && options->after_copy)
		options->after_copy(staging, options->userdata);
	if (r == 0 && fsync(out) < 0)
		r = negative_errno();
	if (r == 0 && (fstat(in, &after) < 0 || !same_content_state(&before, &after)))
		r = -EBUSY;
	if (r == 0 && close(TAKE_FD(out)) < 0)
		r = negative_errno();
	if (r == 0)
		r = fsync_dir(dir);
	if (r < 0) {
		(void)unlink(dest); /* ours: created O_EXCL */
		return r;
	}
	*ret = TAKE_PTR(dest);
	return 0;
}

int quarantine_file(const char *path, const char *dir, uint64_t now_usec,
		    const FileIdentity *expected, const QuarantineOptions *options, char **ret)
{
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	_cleanup_free_ char *staging = NULL, *dest = NULL;
	struct stat st;
	int r;

	*ret = NULL;
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return negative_errno();
	/* Looked at, not opened: a FIFO or a device is refused before anything touches it. */
	if (lstat(path, &st) < 0)
		return negative_errno();
	/* A directory (cni-ipam-leftovers) only ever moves whole, by one rename: never copied. */
	bool directory = S_ISDIR(st.st_mode);
	if ((r = check_file(&st, directory)) < 0 || (r = check_expected(&st, expected)) < 0)
		return r;
	if (directory)
		return options && options->always_copy
			   ? -EXDEV
			   : move_by_rename(path, dir, base, now_usec, true, expected, ret);
	if (!options || !options->always_copy) {
		r = move_by_rename(path, dir, base, now_usec, false, expected, ret);
		/* EINVAL: a filesystem without RENAME_NOREPLACE; the copy creates O_EXCL. */
		if (r != -EXDEV && r != -EINVAL)
			return r;
	}

	if ((r = stage(path, base, &staging)) < 0)
		return r;
	r = copy_staged(staging, dir, base, now_usec, expected, options, &dest);
	if (r == 0) {
		/* The copy is durable: only now may the staged name go. */
		if (unlink(staging) < 0) {
			int e = negative_errno();
			(void)unlink(dest); /* both copies otherwise: keep the one in place */
			(void)renameat2(AT_FDCWD, staging, AT_FDCWD, path, RENAME_NOREPLACE);
			return e;
		}
		*ret = TAKE_PTR(dest);
		return 0;
	}
	/* Put back under its own name, unless another file took that name meanwhile. */
	if (renameat2(AT_FDCWD, staging, AT_FDCWD, path, RENAME_NOREPLACE) < 0)
		*ret = TAKE_PTR(staging);
	return r;
}
