/* SPDX-License-Identifier: MIT */
#pragma once

#include <stddef.h>

/* Writes a temporary file beside path and renames it over path, so readers never see half a file. */
int write_file_atomic(const char *path, const void *data, size_t len, unsigned mode);
