/* SPDX-License-Identifier: MIT */
/*
 * The Prometheus textfile of DESIGN.md §9, line by line: every finding check with both severities
 * (zeros included, alerts never), the counters, the timestamp in seconds. The netns tests run
 * promtool on the daemon's file; here the exact text.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "unit-main.h"
#include "metrics.h"

static Config *load(const char *yaml)
{
	Config *c = NULL;
	ConfigError e = {};
	if (config_load_string("/etc/routeguard/routeguard.yaml", yaml, strlen(yaml), &c, &e) < 0)
		fail_msg("%s", e.text);
	return c;
}

static void test_exact_text(void **state)
{
	Config *c = load("native-routing-cidr: 10.42.0.0/16\nmode: enforce\n");
	Finding findings[] = {
	    {.check = CHECK_FLANNEL_DEVICE, .severity = SEVERITY_ERROR, .subject = "cni0"},
	    {.check = CHECK_FLANNEL_DEVICE, .severity = SEVERITY_ERROR, .subject = "flannel.1"},
	    {.check = CHECK_NEXTHOP_NOT_ONLINK,
	     .severity = SEVERITY_WARNING,
	     .subject = "10.0.0.3"},
	    {.check = CHECK_NEXTHOP_NOT_ONLINK, .severity = SEVERITY_ERROR, .subject = "10.0.0.4"},
	    {.check = CHECK_MTU_MISMATCH, .severity = SEVERITY_WARNING, .subject = "eth0"},
	};
	Verdict v = {.findings = findings,
		     .n_findings = 5,
		     .n_errors = 3,
		     .n_warnings = 2,
		     .cilium_routing_mode = CILIUM_ROUTING_TUNNEL,
		     .cilium_source = "config-map",
		     .phase = {.phase = PHASE_MIGRATING}};
	StatusInput in = {
	    .version = "0.1.0",
	    .config = c,
	    .verdict = &v,
	    .counters = {.netlink_events = 99,
			 .resyncs = 2,
			 .overruns = 1,
			 .evaluations = 7,
			 .devices_removed = 3,
			 .files_quarantined = 4},
	    .host_files = {.read_usec = 1764298800000000ULL,
			   .stale_since_usec = 1764298860000000ULL},
	};
	char *text = NULL;

	assert_int_equal(metrics_render(&in, 1764298800123456ULL, &text), 0);
	assert_string_equal(
	    text,
	    "# HELP routeguard_ready Whether the node is ready for Cilium native routing (no error "
	    "finding open).\n"
	    "# TYPE routeguard_ready gauge\n"
	    "routeguard_ready 0\n"
	    "# HELP routeguard_findings Open findings by check and severity.\n"
	    "# TYPE routeguard_findings gauge\n"
	    "routeguard_findings{check=\"flannel-device\",severity=\"error\"} 2\n"
	    "routeguard_findings{check=\"flannel-device\",severity=\"warning\"} 0\n"
	    "routeguard_findings{check=\"tunnel-device\",severity=\"error\"} 0\n"
	    "routeguard_findings{check=\"tunnel-device\",severity=\"warning\"} 0\n"
	    "routeguard_findings{check=\"cilium-tunnel-mode\",severity=\"error\"} 0\n"
	    "routeguard_findings{check=\"cilium-tunnel-mode\",severity=\"warning\"} 0\n"
	    "routeguard_findings{check=\"route-via-tunnel\",severity=\"error\"} 0\n"
	    "routeguard_findings{check=\"route-via-tunnel\",severity=\"warning\"} 0\n"
	    "routeguard_findings{check=\"nexthop-not-onlink\",severity=\"error\"} 1\n"
	    "routeguard_findings{check=\"nexthop-not-onlink\",severity=\"warning\"} 1\n"
	    "routeguard_findings{check=\"native-device-missing\",severity=\"error\"} 0\n"
	    "routeguard_findings{check=\"native-device-missing\",severity=\"warning\"} 0\n"
	    "routeguard_findings{check=\"k3s-flannel-enabled\",severity=\"error\"} 0\n"
	    "routeguard_findings{check=\"k3s-flannel-enabled\",severity=\"warning\"} 0\n"
	    "routeguard_findings{check=\"k3s-network-policy-enabled\",severity=\"error\"} 0\n"
	    "routeguard_findings{check=\"k3s-network-policy-enabled\",severity=\"warning\"} 0\n"
	    "routeguard_findings{check=\"k3s-kube-proxy-enabled\",severity=\"error\"} 0\n"
	    "routeguard_findings{check=\"k3s-kube-proxy-enabled\",severity=\"warning\"} 0\n"
	    "routeguard_findings{check=\"cluster-cidr-mismatch\",severity=\"error\"} 0\n"
	    "routeguard_findings{check=\"cluster-cidr-mismatch\",severity=\"warning\"} 0\n"
	    "routeguard_findings{check=\"cni-conflist-conflict\",severity=\"error\"} 0\n"
	    "routeguard_findings{check=\"cni-conflist-conflict\",severity=\"warning\"} 0\n"
	    "routeguard_findings{check=\"ip-forward-disabled\",severity=\"error\"} 0\n"
	    "routeguard_findings{check=\"ip-forward-disabled\",severity=\"warning\"} 0\n"
	    "routeguard_findings{check=\"mtu-mismatch\",severity=\"error\"} 0\n"
	    "routeguard_findings{check=\"mtu-mismatch\",severity=\"warning\"} 1\n"
	    "routeguard_findings{check=\"device-recreated\",severity=\"error\"} 0\n"
	    "routeguard_findings{check=\"device-recreated\",severity=\"warning\"} 0\n"
	    "routeguard_findings{check=\"networkd-foreign-routes\",severity=\"error\"} 0\n"
	    "routeguard_findings{check=\"networkd-foreign-routes\",severity=\"warning\"} 0\n"
	    "routeguard_findings{check=\"k3s-config-invalid\",severity=\"error\"} 0\n"
	    "routeguard_findings{check=\"k3s-config-invalid\",severity=\"warning\"} 0\n"
	    "routeguard_findings{check=\"cilium-agent-failing\",severity=\"error\"} 0\n"
	    "routeguard_findings{check=\"cilium-agent-failing\",severity=\"warning\"} 0\n"
	    "routeguard_findings{check=\"cilium-config-mismatch\",severity=\"error\"} 0\n"
	    "routeguard_findings{check=\"cilium-config-mismatch\",severity=\"warning\"} 0\n"
	    "routeguard_findings{check=\"firewall-leftovers\",severity=\"error\"} 0\n"
	    "routeguard_findings{check=\"firewall-leftovers\",severity=\"warning\"} 0\n"
	    "routeguard_findings{check=\"vxlan-port-conflict\",severity=\"error\"} 0\n"
	    "routeguard_findings{check=\"vxlan-port-conflict\",severity=\"warning\"} 0\n"
	    "routeguard_findings{check=\"cni-ipam-leftovers\",severity=\"error\"} 0\n"
	    "routeguard_findings{check=\"cni-ipam-leftovers\",severity=\"warning\"} 0\n"
	    "# HELP routeguard_devices_removed_total Devices routeguard removed.\n"
	    "# TYPE routeguard_devices_removed_total counter\n"
	    "routeguard_devices_removed_total 3\n"
	    "# HELP routeguard_files_quarantined_total CNI configuration files routeguard moved to "
	    "the quarantine directory.\n"
	    "# TYPE routeguard_files_quarantined_total counter\n"
	    "routeguard_files_quarantined_total 4\n"
	    "# HELP routeguard_netlink_overruns_total rtnetlink receive-buffer overruns (ENOBUFS); "
	    "each leads to a resync.\n"
	    "# TYPE routeguard_netlink_overruns_total counter\n"
	    "routeguard_netlink_overruns_total 1\n"
	    "# HELP routeguard_resyncs_total Full or partial rtnetlink resyncs.\n"
	    "# TYPE routeguard_resyncs_total counter\n"
	    "routeguard_resyncs_total 2\n"
	    "# HELP routeguard_evaluations_total Evaluations of the node.\n"
	    "# TYPE routeguard_evaluations_total counter\n"
	    "routeguard_evaluations_total 7\n"
	    "# HELP routeguard_last_evaluation_timestamp_seconds When the node was last evaluated, "
	    "in seconds since the epoch.\n"
	    "# TYPE routeguard_last_evaluation_timestamp_seconds gauge\n"
	    "routeguard_last_evaluation_timestamp_seconds 1764298800.123\n"
	    "# HELP routeguard_cilium_routing_mode Cilium's routing mode on this node, and the "
	    "source that shows it.\n"
	    "# TYPE routeguard_cilium_routing_mode gauge\n"
	    "routeguard_cilium_routing_mode{mode=\"tunnel\",source=\"config-map\"} 1\n"
	    "# HELP routeguard_phase The node's phase in a Flannel-to-Cilium move; the current one "
	    "is 1.\n"
	    "# TYPE routeguard_phase gauge\n"
	    "routeguard_phase{phase=\"flannel\"} 0\n"
	    "routeguard_phase{phase=\"migrating\"} 1\n"
	    "routeguard_phase{phase=\"tunnel\"} 0\n"
	    "routeguard_phase{phase=\"native\"} 0\n"
	    "routeguard_phase{phase=\"unknown\"} 0\n"
	    "# HELP routeguard_host_files_stale Whether evaluation uses host files read before, a "
	    "newer read being overdue.\n"
	    "# TYPE routeguard_host_files_stale gauge\n"
	    "routeguard_host_files_stale 1\n"
	    "# HELP routeguard_info routeguard's version and mode.\n"
	    "# TYPE routeguard_info gauge\n"
	    "routeguard_info{version=\"0.1.0\",mode=\"enforce\"} 1\n");
	free(text);
	config_free(c);
}

/* A ready node with no findings still has every series, at 0; the milliseconds keep their zeros. */
static void test_ready_and_zeros(void **state)
{
	Config *c = load("native-routing-cidr: 10.42.0.0/16\n");
	Verdict v = {.ready = true};
	StatusInput in = {.version = "0.1.0", .config = c, .verdict = &v};
	char *text = NULL, *save = NULL;
	size_t series = 0;

	assert_int_equal(metrics_render(&in, 1000007000, &text), 0);
	assert_non_null(strstr(text, "\nrouteguard_ready 1\n"));
	assert_non_null(strstr(text, "\nrouteguard_last_evaluation_timestamp_seconds 1000.007\n"));
	assert_non_null(strstr(text, "\nrouteguard_info{version=\"0.1.0\",mode=\"observe\"} 1\n"));
	/* host files read in time: not stale */
	assert_non_null(strstr(text, "\nrouteguard_host_files_stale 0\n"));
	/* nothing shows Cilium: still one series, saying so */
	assert_non_null(
	    strstr(text, "\nrouteguard_cilium_routing_mode{mode=\"unknown\",source=\"none\"} 1\n"));
	/* config-reload-failed is an alert, not a finding: no series */
	assert_null(strstr(text, "config-reload-failed"));
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "routeguard_findings{", 20) != 0)
			continue;
		assert_string_equal(line + strlen(line) - 2, " 0");
		series++;
	}
	assert_int_equal(series, 2 * (_CHECK_MAX - 1));
	free(text);
	config_free(c);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_exact_text),
	    cmocka_unit_test(test_ready_and_zeros),
	};
	/* ctest runs each case alone: tests/CMakeLists.txt passes its name. */
	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return unit_main(argc, argv, tests);
}
