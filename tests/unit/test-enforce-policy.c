/* SPDX-License-Identifier: MIT */
/* The enforce policy: what to do about a finding now, when to retry, when a backoff ends. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "unit-main.h"
#include "enforce-policy.h"

#define SEC 1000000ULL

static void test_failed_recently(void **state)
{
	ActionLog log = {};

	assert_false(enforce_failed_recently(&log, CHECK_FLANNEL_DEVICE, "cni0", 100 * SEC));
	actionlog_record(&log, CHECK_FLANNEL_DEVICE, "cni0", ACTION_FAILED, 100 * SEC);
	assert_true(enforce_failed_recently(&log, CHECK_FLANNEL_DEVICE, "cni0", 100 * SEC));
	assert_true(enforce_failed_recently(&log, CHECK_FLANNEL_DEVICE, "cni0",
					    100 * SEC + ENFORCE_RETRY_USEC - 1));
	/* A minute later it is tried again. */
	assert_false(enforce_failed_recently(&log, CHECK_FLANNEL_DEVICE, "cni0",
					     100 * SEC + ENFORCE_RETRY_USEC));
	/* Another subject, another check: not held back. */
	assert_false(enforce_failed_recently(&log, CHECK_FLANNEL_DEVICE, "flannel.1", 101 * SEC));
	assert_false(enforce_failed_recently(&log, CHECK_DEVICE_RECREATED, "cni0", 101 * SEC));
}

static void test_only_the_newest_action_counts(void **state)
{
	ActionLog log = {};

	actionlog_record(&log, CHECK_FLANNEL_DEVICE, "cni0", ACTION_FAILED, 100 * SEC);
	actionlog_record(&log, CHECK_FLANNEL_DEVICE, "cni0", ACTION_REMOVED, 101 * SEC);
	assert_false(enforce_failed_recently(&log, CHECK_FLANNEL_DEVICE, "cni0", 102 * SEC));
	actionlog_record(&log, CHECK_FLANNEL_DEVICE, "cni0", ACTION_FAILED, 103 * SEC);
	assert_true(enforce_failed_recently(&log, CHECK_FLANNEL_DEVICE, "cni0", 104 * SEC));
}

static void test_next_step(void **state)
{
	ActionLog log = {};
	Finding device = {.check = CHECK_FLANNEL_DEVICE,
			  .subject = "flannel.1",
			  .remediation = REMEDIATION_REMOVE_DEVICE};
	Finding file = {.check = CHECK_CNI_CONFLIST_CONFLICT,
			.subject = "/etc/cni/net.d/10-flannel.conflist",
			.remediation = REMEDIATION_QUARANTINE_FILE};
	Finding alert = {.check = CHECK_IP_FORWARD_DISABLED, .subject = "net.ipv4.ip_forward"};

	assert_int_equal(enforce_next_step(MODE_ENFORCE, &device, &log, SEC),
			 REMEDIATION_REMOVE_DEVICE);
	assert_int_equal(enforce_next_step(MODE_ENFORCE, &file, &log, SEC),
			 REMEDIATION_QUARANTINE_FILE);
	assert_int_equal(enforce_next_step(MODE_ENFORCE, &alert, &log, SEC),
			 REMEDIATION_ALERT_ONLY);
	/* Observe mode never acts, whatever the finding says. */
	assert_int_equal(enforce_next_step(MODE_OBSERVE, &device, &log, SEC),
			 REMEDIATION_ALERT_ONLY);
	assert_int_equal(enforce_next_step(MODE_OBSERVE, &file, &log, SEC), REMEDIATION_ALERT_ONLY);
	/* A recent failure holds the step back until the retry interval passed. */
	actionlog_record(&log, CHECK_FLANNEL_DEVICE, "flannel.1", ACTION_FAILED, 2 * SEC);
	assert_int_equal(enforce_next_step(MODE_ENFORCE, &device, &log, 3 * SEC),
			 REMEDIATION_ALERT_ONLY);
	assert_int_equal(enforce_next_step(MODE_ENFORCE, &file, &log, 3 * SEC),
			 REMEDIATION_QUARANTINE_FILE);
	assert_int_equal(
	    enforce_next_step(MODE_ENFORCE, &device, &log, 2 * SEC + ENFORCE_RETRY_USEC),
	    REMEDIATION_REMOVE_DEVICE);
}

static void test_backoff_end(void **state)
{
	uint64_t flannel_times[] = {100 * SEC, 150 * SEC, 170 * SEC};
	uint64_t cni_times[] = {90 * SEC, 160 * SEC};
	uint64_t other_times[] = {10 * SEC};
	RemovalHistory removals[] = {
	    {.name = "flannel.1", .times_usec = flannel_times, .n_times = 3},
	    {.name = "cni0", .times_usec = cni_times, .n_times = 2},
	    {.name = "veth0", .times_usec = other_times, .n_times = 1},
	    {.name = "empty", .times_usec = NULL, .n_times = 0},
	};
	History h = {.removals = removals, .n_removals = ELEMENTSOF(removals)};
	Finding findings[] = {
	    {.check = CHECK_FLANNEL_DEVICE, .subject = "flannel.1", .action = ACTION_BACKOFF},
	    {.check = CHECK_FLANNEL_DEVICE, .subject = "cni0", .action = ACTION_NONE},
	    {.check = CHECK_FLANNEL_DEVICE, .subject = "empty", .action = ACTION_BACKOFF},
	};
	Verdict v = {.findings = findings, .n_findings = ELEMENTSOF(findings)};

	/* flannel.1's oldest removal leaves the 300 s window first; cni0 is not in backoff. */
	assert_int_equal(enforce_backoff_end_usec(&v, &h, 300 * SEC), 400 * SEC);
	findings[1].action = ACTION_BACKOFF;
	assert_int_equal(enforce_backoff_end_usec(&v, &h, 300 * SEC), 390 * SEC);
	findings[0].action = findings[1].action = ACTION_REMOVED;
	assert_int_equal(enforce_backoff_end_usec(&v, &h, 300 * SEC), 0);
	Verdict none = {};
	assert_int_equal(enforce_backoff_end_usec(&none, &h, 300 * SEC), 0);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_failed_recently),
	    cmocka_unit_test(test_only_the_newest_action_counts),
	    cmocka_unit_test(test_next_step),
	    cmocka_unit_test(test_backoff_end),
	};
	/* ctest runs each case alone: tests/CMakeLists.txt passes its name. */
	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return unit_main(argc, argv, tests);
}
