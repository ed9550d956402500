/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit-main.h"

static const struct CMUnitTest *find_case(const struct CMUnitTest *tests, size_t n_tests,
					  const char *name)
{
	for (size_t i = 0; i < n_tests; i++)
		if (strcmp(tests[i].name, name) == 0)
			return &tests[i];
	return NULL;
}

int unit_main_group(int argc, char **argv, const struct CMUnitTest *tests, size_t n_tests,
		    CMFixtureFunction group_setup, CMFixtureFunction group_teardown)
{
	const char *group = program_invocation_short_name;

	if (argc == 2 && strcmp(argv[1], "--list") == 0) {
		for (size_t i = 0; i < n_tests; i++)
			printf("%s\n", tests[i].name);
		/* No case at all is a mistake too: ctest would register nothing and say nothing. */
		return n_tests > 0 && fflush(stdout) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
	}
	if (argc < 2)
		return _cmocka_run_group_tests(group, tests, n_tests, group_setup, group_teardown);

	/* Exact names, not cmocka's glob filter: a filter that matches nothing runs nothing and
	 * passes, which would let a renamed case vanish from ctest unnoticed. */
	struct CMUnitTest *chosen = calloc(argc - 1, sizeof(*chosen));
	if (!chosen) {
		fprintf(stderr, "%s: out of memory\n", group);
		return EXIT_FAILURE;
	}
	for (int i = 1; i < argc; i++) {
		const struct CMUnitTest *t = find_case(tests, n_tests, argv[i]);
		if (!t) {
			fprintf(stderr, "%s: no case named \"%s\" (--list shows them)\n", group,
				argv[i]);
			free(chosen);
			return EXIT_FAILURE;
		}
		chosen[i - 1] = *t;
	}
	int failed = _cmocka_run_group_tests(group, chosen, argc - 1, group_setup, group_teardown);
	free(chosen);
	return failed;
}
