/* SPDX-License-Identifier: MIT */
/* Arrays that grow by doubling. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "unit-main.h"
#include "array.h"

static void test_first_growth_gives_sixteen(void **state)
{
	int *a = NULL;
	size_t allocated = 0;

	assert_int_equal(array_grow((void **)&a, &allocated, 1, sizeof(*a)), 0);
	assert_non_null(a);
	assert_int_equal(allocated, 16);
	a[15] = 7; /* every slot it claims is there (valgrind and ASan check) */
	free(a);
}

static void test_doubles_until_needed_fits(void **state)
{
	int *a = NULL;
	size_t allocated = 0;

	assert_int_equal(array_grow((void **)&a, &allocated, 16, sizeof(*a)), 0);
	assert_int_equal(allocated, 16);
	assert_int_equal(array_grow((void **)&a, &allocated, 17, sizeof(*a)), 0);
	assert_int_equal(allocated, 32);
	assert_int_equal(array_grow((void **)&a, &allocated, 200, sizeof(*a)), 0);
	assert_int_equal(allocated, 256);
	a[255] = 1;
	free(a);
}

static void test_enough_room_keeps_the_array(void **state)
{
	int *a = NULL;
	size_t allocated = 0;

	assert_int_equal(array_grow((void **)&a, &allocated, 10, sizeof(*a)), 0);
	a[0] = 42;
	int *before = a;
	assert_int_equal(array_grow((void **)&a, &allocated, 16, sizeof(*a)), 0);
	assert_ptr_equal(a, before);
	assert_int_equal(allocated, 16);
	assert_int_equal(a[0], 42);
	free(a);
}

static void test_overflowing_size_fails_untouched(void **state)
{
	int *a = NULL;
	size_t allocated = 0;

	assert_int_equal(array_grow((void **)&a, &allocated, SIZE_MAX / 8, 64), -ENOMEM);
	assert_null(a);
	assert_int_equal(allocated, 0);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_first_growth_gives_sixteen),
	    cmocka_unit_test(test_doubles_until_needed_fits),
	    cmocka_unit_test(test_enough_room_keeps_the_array),
	    cmocka_unit_test(test_overflowing_size_fails_untouched),
	};
	/* ctest runs each case alone: tests/CMakeLists.txt passes its name. */
	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return unit_main(argc, argv, tests);
}
