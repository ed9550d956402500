/* SPDX-License-Identifier: MIT */
/* The clocks in microseconds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <time.h>

#include "unit-main.h"
#include "timeutil.h"

static void test_realtime_is_the_wall_clock(void **state)
{
	uint64_t before = (uint64_t)time(NULL) * 1000000u;
	uint64_t now = now_usec(CLOCK_REALTIME);
	uint64_t after = (uint64_t)time(NULL) * 1000000u;

	/* time() truncates to the second. */
	assert_true(now >= before);
	assert_true(now < after + 1000000u);
}

static void test_monotonic_never_goes_back(void **state)
{
	uint64_t last = now_usec(CLOCK_MONOTONIC);

	for (int i = 0; i < 1000; i++) {
		uint64_t now = now_usec(CLOCK_MONOTONIC);
		assert_true(now >= last);
		last = now;
	}
	assert_true(last > 0);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_realtime_is_the_wall_clock),
	    cmocka_unit_test(test_monotonic_never_goes_back),
	};
	/* ctest runs each case alone: tests/CMakeLists.txt passes its name. */
	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return unit_main(argc, argv, tests);
}
