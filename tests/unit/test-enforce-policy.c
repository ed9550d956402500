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
#include "netbuild.h"

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

static Config *config_of(const char *yaml)
{
	Config *c;
	ConfigError e;
	assert_int_equal(config_load_string("t.yaml", yaml, strlen(yaml), &c, &e), 0);
	return c;
}

/* The netlink handler's shortcut takes a new device exactly when the evaluation would. */
static void test_remove_at_once(void **state)
{
	Config *enforce = config_of("native-routing-cidr: 10.42.0.0/16\nmode: enforce\n");
	Config *observe = config_of("native-routing-cidr: 10.42.0.0/16\n");
	Config *keep = config_of("native-routing-cidr: 10.42.0.0/16\nmode: enforce\n"
				 "devices: {keep: [flannel.1]}\n");
	NetState *ns = nb_new("10.42.0.0/16", NULL);
	ActionLog log = {};
	History none = {.now_usec = 100 * SEC};

	nb_link(ns, 1, "lo", "", IFF_UP | IFF_LOOPBACK);
	nb_link(ns, 2, "eth0", "", IFF_UP);
	nb_link(ns, 3, "flannel.1", "vxlan", 0);
	nb_link(ns, 4, "cni0", "bridge", 0);
	nb_port(ns, 5, "veth1", 4);
	nb_link(ns, 6, "lxc1", "veth", IFF_UP);
	const Link *flannel = netstate_link(ns, 3), *cni0 = netstate_link(ns, 4);

	assert_true(
	    enforce_remove_at_once(enforce, ns, flannel, 2, PHASE_NATIVE, &none, &log, 100 * SEC));
	assert_false(
	    enforce_remove_at_once(observe, ns, flannel, 2, PHASE_NATIVE, &none, &log, 100 * SEC));
	assert_false(
	    enforce_remove_at_once(keep, ns, flannel, 2, PHASE_NATIVE, &none, &log, 100 * SEC));
	/* never-removed devices, and the native device */
	assert_false(enforce_remove_at_once(enforce, ns, netstate_link(ns, 6), 2, PHASE_NATIVE,
					    &none, &log, 100 * SEC));
	assert_false(
	    enforce_remove_at_once(enforce, ns, flannel, 3, PHASE_NATIVE, &none, &log, 100 * SEC));
	/* a bridge with ports waits for the drain (enforce.bridge-with-ports: pending) */
	assert_false(
	    enforce_remove_at_once(enforce, ns, cni0, 2, PHASE_NATIVE, &none, &log, 100 * SEC));
	/* recreated too often: backoff */
	uint64_t times[] = {90 * SEC, 91 * SEC, 92 * SEC, 93 * SEC, 94 * SEC, 95 * SEC};
	RemovalHistory rh = {.name = "flannel.1", .times_usec = times, .n_times = 6};
	History recent = {.now_usec = 100 * SEC, .removals = &rh, .n_removals = 1};
	assert_false(enforce_remove_at_once(enforce, ns, flannel, 2, PHASE_NATIVE, &recent, &log,
					    100 * SEC));
	/* mid-migration, flannel.1 may still carry pods: only the evaluation decides */
	assert_false(enforce_remove_at_once(enforce, ns, flannel, 2, PHASE_MIGRATING, &none, &log,
					    100 * SEC));
	assert_true(
	    enforce_remove_at_once(enforce, ns, flannel, 2, PHASE_FLANNEL, &none, &log, 100 * SEC));
	/* beside Cilium's overlay device, whatever the last verdict said */
	nb_link(ns, 7, "cilium_vxlan", "vxlan", IFF_UP);
	assert_false(
	    enforce_remove_at_once(enforce, ns, flannel, 2, PHASE_NATIVE, &none, &log, 100 * SEC));
	nb_del_link(ns, 7);
	assert_true(
	    enforce_remove_at_once(enforce, ns, flannel, 2, PHASE_NATIVE, &none, &log, 100 * SEC));
	nb_link(ns, 8, "cilium_geneve", "geneve", IFF_UP);
	assert_false(
	    enforce_remove_at_once(enforce, ns, flannel, 2, PHASE_NATIVE, &none, &log, 100 * SEC));
	nb_del_link(ns, 8);
	/* a failure a moment ago is not retried from here either */
	actionlog_record(&log, CHECK_FLANNEL_DEVICE, "flannel.1", ACTION_FAILED, 99 * SEC);
	assert_false(
	    enforce_remove_at_once(enforce, ns, flannel, 2, PHASE_NATIVE, &none, &log, 100 * SEC));

	netstate_free(ns);
	config_free(enforce);
	config_free(observe);
	config_free(keep);
}

/* A quiet node has no event to evaluate on: the retry of a failure is a timer (issue 13). */
static void test_retry_due(void **state)
{
	ActionLog log = {};
	Finding findings[] = {
	    {.check = CHECK_FLANNEL_DEVICE,
	     .subject = (char *)"cni0",
	     .remediation = REMEDIATION_REMOVE_DEVICE},
	    {.check = CHECK_CNI_CONFLIST_CONFLICT,
	     .subject = (char *)"/etc/cni/net.d/10-flannel.conflist",
	     .remediation = REMEDIATION_QUARANTINE_FILE},
	    {.check = CHECK_TUNNEL_DEVICE,
	     .subject = (char *)"vx0",
	     .remediation = REMEDIATION_ALERT_ONLY},
	};
	Verdict v = {.findings = findings, .n_findings = ELEMENTSOF(findings)};

	assert_int_equal(enforce_retry_due_usec(&v, &log), 0);
	actionlog_record(&log, CHECK_TUNNEL_DEVICE, "vx0", ACTION_FAILED, 10 * SEC);
	assert_int_equal(enforce_retry_due_usec(&v, &log), 0); /* nothing to retry there */
	actionlog_record(&log, CHECK_CNI_CONFLIST_CONFLICT, "/etc/cni/net.d/10-flannel.conflist",
			 ACTION_FAILED, 30 * SEC);
	actionlog_record(&log, CHECK_FLANNEL_DEVICE, "cni0", ACTION_FAILED, 20 * SEC);
	assert_int_equal(enforce_retry_due_usec(&v, &log), 20 * SEC + ENFORCE_RETRY_USEC);
	actionlog_record(&log, CHECK_FLANNEL_DEVICE, "cni0", ACTION_REMOVED, 40 * SEC);
	assert_int_equal(enforce_retry_due_usec(&v, &log), 30 * SEC + ENFORCE_RETRY_USEC);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_remove_at_once),
	    cmocka_unit_test(test_failed_recently),
	    cmocka_unit_test(test_only_the_newest_action_counts),
	    cmocka_unit_test(test_next_step),
	    cmocka_unit_test(test_backoff_end),
	    cmocka_unit_test(test_retry_due),
	};
	/* ctest runs each case alone: tests/CMakeLists.txt passes its name. */
	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return unit_main(argc, argv, tests);
}
