/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "array.h"

int array_grow(void **array, size_t *allocated, size_t needed, size_t size)
{
	if (needed <= *allocated)
		return 0;
	size_t n = *allocated ? *allocated * 2 : 16;
	while (n < needed)
		n *= 2;
	if (size && n > SIZE_MAX / size)
		return -ENOMEM;
	void *grown = realloc(*array, n * size);
	if (!grown)
		return -ENOMEM;
	*array = grown;
	*allocated = n;
	return 0;
}
