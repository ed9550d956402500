/* SPDX-License-Identifier: MIT */
/*
 * The main() of every unit test. ctest learns the cases from the binary itself (--list, read by
 * tests/unit/discover-cases.cmake), so a case counts whatever cmocka macro declared it, and runs
 * each one alone by name: a name that matches no case fails instead of running nothing.
 *   test-foo              every case
 *   test-foo --list       the case names, one a line
 *   test-foo CASE...      only these cases
 */
#pragma once

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

int unit_main_group(int argc, char **argv, const struct CMUnitTest *tests, size_t n_tests,
		    CMFixtureFunction group_setup, CMFixtureFunction group_teardown);

/* tests must be the array itself, not a pointer: its size gives the count. */
#define unit_main(argc, argv, tests)                                                               \
	unit_main_group(argc, argv, tests, sizeof(tests) / sizeof((tests)[0]), NULL, NULL)
