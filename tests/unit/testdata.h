/* SPDX-License-Identifier: MIT */
#pragma once

#include <stddef.h>

/* Reads tests/unit/data/NAME whole; fails the test when it cannot. The caller frees *ret. */
void testdata_read(const char *name, void **ret, size_t *ret_len);
