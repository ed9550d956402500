/* SPDX-License-Identifier: MIT */
#pragma once

#include <stddef.h>

#include "macro.h"

/*
 * Reads a regular file whole, NUL-terminated. Returns 0, -ENOENT and other negative errno,
 * -EISDIR/-EINVAL when it is not a regular file, -EFBIG when it is larger than max.
 */
_must_check_ int read_text_file(const char *path, size_t max, char **ret, size_t *ret_len);
