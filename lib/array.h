/* SPDX-License-Identifier: MIT */
/* Arrays that grow by doubling. */
#pragma once

#include <stddef.h>

/* Makes *array hold at least needed elements of size bytes, doubling from 16: a node may give
 * 100k findings, pod routes or firewall rules, and adding one slot at a time would copy the array
 * each time (quadratic; glibc hides it, ASan does not). *array and *allocated change only on
 * success. Returns 0, or -ENOMEM (also when the byte count would overflow). */
__attribute__((warn_unused_result)) int array_grow(void **array, size_t *allocated, size_t needed,
						   size_t size);
