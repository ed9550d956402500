/* SPDX-License-Identifier: MIT */
/* Whole files in and out: the configuration, the host's files, the state file, the metrics. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "macro.h"

/*
 * Reads a regular file whole, NUL-terminated. Returns 0, -ENOENT and other negative errno,
 * -EISDIR/-EINVAL when it is not a regular file, -EFBIG when it is larger than max.
 */
_must_check_ int read_text_file(const char *path, size_t max, char **ret, size_t *ret_len);
/* The same for name relative to dirfd (openat(2)): a directory read entry by entry stays the
 * directory that was opened, even if its path is swapped meanwhile. */
_must_check_ int read_text_fileat(int dirfd, const char *name, size_t max, char **ret,
				  size_t *ret_len);

/*
 * Writes a temporary file beside path and renames it over path, so readers never see half a file.
 * Returns 0 or a negative errno; on error path is untouched and the temporary file is gone.
 */
_must_check_ int write_file_atomic(const char *path, const void *data, size_t len, mode_t mode);

/*
 * Which file a name held when it was read, and in which state: a file replaced (another inode) or
 * rewritten in place (size, mtime) since then is another file. A rename keeps it the same.
 */
typedef struct FileIdentity {
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
} FileIdentity;

FileIdentity file_identity(const struct stat *st);
bool file_identity_equal(const FileIdentity *a, const FileIdentity *b);
