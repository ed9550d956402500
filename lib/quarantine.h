/* SPDX-License-Identifier: MIT */
/*
 * Moving a CNI file into the quarantine directory, never deleting it, never blocking on it. The
 * quarantine is usually on another filesystem (under the shipped unit, ReadWritePaths= and
 * StateDirectory= are bind mounts, so rename() fails with EXDEV), where a move is a copy and an
 * unlink: issue 13 found a FIFO hanging that copy and a file replaced during it lost.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fileutil.h"
#include "macro.h"

/* No CNI configuration is anywhere near this; a larger file is refused, not copied. */
#define QUARANTINE_FILE_MAX (1024 * 1024)
/* BASENAME.STAMP, then BASENAME.STAMP-1 … -99: a second's worth of moves of one name. */
#define QUARANTINE_NAME_ATTEMPTS 100

typedef struct QuarantineOptions {
	/* Act as if dir were on another filesystem (copy files, refuse directories): lets the
	 * tests walk the cross-filesystem path. */
	bool always_copy;
	/* Tests: called after the copy and before it is checked, to change the file meanwhile. */
	void (*after_copy)(const char *staging, void *userdata);
	void *userdata;
} QuarantineOptions;

/*
 * The name of attempt (0 … QUARANTINE_NAME_ATTEMPTS - 1) for a file called base moved at
 * now_usec: BASENAME.YYYYmmddTHHMMSSZ[-N], which no CNI loader reads (no .conf, .conflist or
 * .json ending). Returns 0, or -ENAMETOOLONG when it does not fit size.
 */
_must_check_ int quarantine_name(const char *base, uint64_t now_usec, int attempt, char *buf,
				 size_t size);

/*
 * Moves the regular file path into dir (created 0700 when missing) under quarantine_name(). A
 * directory (host-local IPAM's, cni-ipam-leftovers) is moved by rename only, whole.
 * Returns 0 and the new path in *ret, or a negative errno, with path left where it was:
 *   -EINVAL  path is neither a regular file nor a directory (a FIFO, a device, a symlink): it is
 *            never opened nor followed
 *   -EXDEV   a directory, and dir is on another filesystem: never copied
 *   -EFBIG   it is larger than QUARANTINE_FILE_MAX
 *   -EEXIST  every name of this second is taken in dir
 *   -EBUSY   it changed while it was copied (someone still writes it): try again later
 *   -ESTALE  it is no longer the file expected (when not NULL): replaced or rewritten since it
 *            was evaluated, so the verdict was about another file
 * and others from the system calls. When the move failed after the file was staged and another
 * file took its name meanwhile, it stays under the hidden name beside it given in *ret
 * ("." + BASENAME + ".routeguard-XXXXXXXX"), never lost and never replacing that file; otherwise
 * *ret is NULL on error. options may be NULL.
 */
_must_check_ int quarantine_file(const char *path, const char *dir, uint64_t now_usec,
				 const FileIdentity *expected, const QuarantineOptions *options,
				 char **ret);
