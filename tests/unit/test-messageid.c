/* SPDX-License-Identifier: MIT */
/* journald MESSAGE_IDs: one per check and transition, distinct, and never changed once released. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "unit-main.h"
#include "messageid.h"

static void test_ids_are_distinct_128_bit(void **state)
{
	for (CheckId c = 0; c < _CHECK_MAX; c++)
		for (Transition t = 0; t < _TRANSITION_MAX; t++) {
			const char *id = message_id(c, t);
			assert_non_null(id);
			assert_int_equal(strlen(id), 32);
			assert_int_equal(strspn(id, "0123456789abcdef"), 32);
			for (CheckId d = 0; d <= c; d++)
				for (Transition u = 0; u < _TRANSITION_MAX; u++)
					if (d != c || u != t)
						assert_string_not_equal(id, message_id(d, u));
		}
}

/* Released ids are a contract (queries, the catalog, alerting on them): a few pinned here, all
 * of them against the catalog by tests/check-catalog.sh. */
static void test_released_ids(void **state)
{
	assert_string_equal(message_id(CHECK_FLANNEL_DEVICE, TRANSITION_OPENED),
			    "5bee5cbc102147afb6ac48144aaf5ee9");
	assert_string_equal(message_id(CHECK_FLANNEL_DEVICE, TRANSITION_RESOLVED),
			    "266e241a235a4d25a1aba5edcc909b5d");
	assert_string_equal(message_id(CHECK_FLANNEL_DEVICE, TRANSITION_ACTION),
			    "3a776331ba3d4bdfa93f2a298eb917b1");
	assert_string_equal(message_id(CHECK_CNI_CONFLIST_CONFLICT, TRANSITION_ACTION),
			    "e4fe8920b0254977aae3fb6b71dd2930");
	assert_string_equal(message_id(CHECK_CONFIG_RELOAD_FAILED, TRANSITION_OPENED),
			    "8c0bc70ff6dc4d828b14026883621ba9");
}

static void test_out_of_range(void **state)
{
	assert_null(message_id(_CHECK_MAX, TRANSITION_OPENED));
	assert_null(message_id(_CHECK_INVALID, TRANSITION_OPENED));
	assert_null(message_id(CHECK_FLANNEL_DEVICE, _TRANSITION_MAX));
}

static void test_transition_names(void **state)
{
	assert_string_equal(transition_to_string(TRANSITION_OPENED), "opened");
	assert_string_equal(transition_to_string(TRANSITION_RESOLVED), "resolved");
	assert_string_equal(transition_to_string(TRANSITION_ACTION), "action");
	assert_string_equal(transition_to_string(_TRANSITION_MAX), "?");
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ids_are_distinct_128_bit),
	    cmocka_unit_test(test_released_ids),
	    cmocka_unit_test(test_out_of_range),
	    cmocka_unit_test(test_transition_names),
	};
	/* ctest runs each case alone: tests/CMakeLists.txt passes its name. */
	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return unit_main(argc, argv, tests);
}
