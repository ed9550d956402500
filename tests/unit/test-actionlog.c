/* SPDX-License-Identifier: MIT */
/* The action log: bounded, oldest first; which action a finding shows. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "unit-main.h"
#include "actionlog.h"

#define SEC 1000000ULL

static void test_record_keeps_the_newest(void **state)
{
	static ActionLog log;
	char subject[32];

	for (unsigned i = 0; i < STATUS_ACTIONS_MAX + 3; i++) {
		snprintf(subject, sizeof(subject), "flannel.%u", i);
		actionlog_record(&log, CHECK_FLANNEL_DEVICE, subject, ACTION_REMOVED, i * SEC);
	}
	assert_int_equal(log.n, STATUS_ACTIONS_MAX);
	/* The three oldest went; the rest kept their order. */
	assert_string_equal(log.records[0].subject, "flannel.3");
	assert_int_equal(log.records[0].time_usec, 3 * SEC);
	snprintf(subject, sizeof(subject), "flannel.%u", STATUS_ACTIONS_MAX + 2);
	assert_string_equal(log.records[STATUS_ACTIONS_MAX - 1].subject, subject);
	assert_null(actionlog_latest(&log, CHECK_FLANNEL_DEVICE, "flannel.0"));
}

static void test_record_cuts_a_long_subject(void **state)
{
	ActionLog log = {};
	char subject[400];

	memset(subject, 'a', sizeof(subject) - 1);
	subject[sizeof(subject) - 1] = '\0';
	actionlog_record(&log, CHECK_CNI_CONFLIST_CONFLICT, subject, ACTION_FAILED, SEC);
	assert_int_equal(strlen(log.records[0].subject), sizeof(log.records[0].subject) - 1);
}

static void test_latest(void **state)
{
	ActionLog log = {};

	assert_null(actionlog_latest(&log, CHECK_FLANNEL_DEVICE, "cni0"));
	actionlog_record(&log, CHECK_FLANNEL_DEVICE, "cni0", ACTION_FAILED, 1 * SEC);
	actionlog_record(&log, CHECK_FLANNEL_DEVICE, "flannel.1", ACTION_REMOVED, 2 * SEC);
	actionlog_record(&log, CHECK_FLANNEL_DEVICE, "cni0", ACTION_REMOVED, 3 * SEC);
	const ActionRecord *a = actionlog_latest(&log, CHECK_FLANNEL_DEVICE, "cni0");
	assert_non_null(a);
	assert_int_equal(a->result, ACTION_REMOVED);
	assert_int_equal(a->time_usec, 3 * SEC);
	/* Both check and subject must match. */
	assert_null(actionlog_latest(&log, CHECK_DEVICE_RECREATED, "cni0"));
}

static void test_overlay(void **state)
{
	ActionLog log = {};
	Finding findings[] = {
	    {.check = CHECK_FLANNEL_DEVICE, .subject = "flannel.1"},
	    {.check = CHECK_FLANNEL_DEVICE, .subject = "cni0", .action = ACTION_BACKOFF},
	    {.check = CHECK_CNI_CONFLIST_CONFLICT, .subject = "/etc/cni/net.d/10-flannel.conflist"},
	    {.check = CHECK_FLANNEL_DEVICE, .subject = "cni1"},
	};
	Verdict v = {.findings = findings, .n_findings = ELEMENTSOF(findings)};
	uint64_t since[] = {10 * SEC, 10 * SEC, 10 * SEC, 10 * SEC};

	actionlog_record(&log, CHECK_FLANNEL_DEVICE, "flannel.1", ACTION_FAILED, 11 * SEC);
	actionlog_record(&log, CHECK_FLANNEL_DEVICE, "flannel.1", ACTION_REMOVED, 12 * SEC);
	actionlog_record(&log, CHECK_FLANNEL_DEVICE, "cni0", ACTION_REMOVED, 12 * SEC);
	/* Before the finding opened: an action on an earlier incarnation does not show. */
	actionlog_record(&log, CHECK_CNI_CONFLIST_CONFLICT, "/etc/cni/net.d/10-flannel.conflist",
			 ACTION_QUARANTINED, 9 * SEC);
	/* At the very moment it opened, it does. */
	actionlog_record(&log, CHECK_FLANNEL_DEVICE, "cni1", ACTION_FAILED, 10 * SEC);

	actionlog_overlay(&log, &v, since);
	assert_int_equal(findings[0].action, ACTION_REMOVED); /* the newest wins */
	assert_int_equal(findings[1].action, ACTION_BACKOFF); /* evaluate()'s own action stays */
	assert_int_equal(findings[2].action, ACTION_NONE);
	assert_int_equal(findings[3].action, ACTION_FAILED);
}

static void test_overlay_takes_the_newest_since_it_opened(void **state)
{
	ActionLog log = {};
	Finding f = {.check = CHECK_FLANNEL_DEVICE, .subject = "flannel.1"};
	Verdict v = {.findings = &f, .n_findings = 1};
	uint64_t since = 10 * SEC;

	/* The log is in the order actions happened; a clock stepped back can put an older time
	 * last. The newest entry at or after the opening counts, not merely the last one. */
	actionlog_record(&log, CHECK_FLANNEL_DEVICE, "flannel.1", ACTION_FAILED, 11 * SEC);
	actionlog_record(&log, CHECK_FLANNEL_DEVICE, "flannel.1", ACTION_REMOVED, 5 * SEC);
	actionlog_overlay(&log, &v, &since);
	assert_int_equal(f.action, ACTION_FAILED);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_record_keeps_the_newest),
	    cmocka_unit_test(test_record_cuts_a_long_subject),
	    cmocka_unit_test(test_latest),
	    cmocka_unit_test(test_overlay),
	    cmocka_unit_test(test_overlay_takes_the_newest_since_it_opened),
	};
	/* ctest runs each case alone: tests/CMakeLists.txt passes its name. */
	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return unit_main(argc, argv, tests);
}
