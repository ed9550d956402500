/* SPDX-License-Identifier: MIT */
/* Cleanup attributes and small helpers shared by the library, the daemon and the tests. */
#pragma once

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yaml.h>

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _must_check_ __attribute__((warn_unused_result))

#define ELEMENTSOF(a) (sizeof(a) / sizeof((a)[0]))

/* Hand the pointer to the caller and leave NULL behind, so the cleanup attribute does nothing. */
#define TAKE_PTR(p)                                                                                \
	({                                                                                         \
		__typeof__(p) _p = (p);                                                            \
		(p) = NULL;                                                                        \
		_p;                                                                                \
	})

#define TAKE_FD(fd)                                                                                \
	({                                                                                         \
		int _fd = (fd);                                                                    \
		(fd) = -1;                                                                         \
		_fd;                                                                               \
	})

/* Defines NAME##p(type **), calling func on the pointee when it is not NULL. */
#define DEFINE_TRIVIAL_CLEANUP_FUNC(type, func)                                                    \
	static inline void func##p(type *p)                                                        \
	{                                                                                          \
		if (*p)                                                                            \
			func(*p);                                                                  \
	}

static inline void freep(void *p)
{
	free(*(void **)p);
}

static inline void closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		close(*fd);
		errno = saved;
	}
}

/* libyaml's objects live on the stack: declared zeroed, they are safe to delete before any load. */
static inline void yaml_parser_deletep(yaml_parser_t *p)
{
	yaml_parser_delete(p);
}

static inline void yaml_document_deletep(yaml_document_t *d)
{
	yaml_document_delete(d);
}

#define _cleanup_free_ _cleanup_(freep)
#define _cleanup_close_ _cleanup_(closep)

/* errno as a negative value, never 0: a failing libc call that forgot errno still reports failure.
 */
/* snprintf(dst, size, "%s", src) without the formatter: src cut to size - 1 bytes, terminated. */
static inline void string_copy(char *dst, size_t size, const char *src)
{
	size_t n = strnlen(src, size - 1);
	memcpy(dst, src, n);
	dst[n] = '\0';
}

static inline int negative_errno(void)
{
	return errno > 0 ? -errno : -EIO;
}
