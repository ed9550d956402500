/* SPDX-License-Identifier: MIT */
/* The status object of DESIGN.md §6, field by field, as GetStatus and `status --json` give it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit-main.h"
#include "netbuild.h"
#include "status.h"

#define T0 1764298800000000ULL /* 2025-11-28T03:00:00Z */

static Config *load(const char *yaml)
{
	Config *c = NULL;
	ConfigError e = {};
	if (config_load_string("/etc/routeguard/routeguard.yaml", yaml, strlen(yaml), &c, &e) < 0)
		fail_msg("%s", e.text);
	return c;
}

static NetState *node(void)
{
	NetState *ns = nb_new("10.42.0.0/16", NULL);
	nb_link(ns, 1, "lo", "", IFF_UP | IFF_LOOPBACK);
	nb_link(ns, 2, "eth0", "", IFF_UP);
	nb_vxlan(ns, 3, "flannel.1", 1, 8472, false);
	nb_route(ns, "10.42.1.0/24", "", 3);
	return ns;
}

static char *render(const StatusInput *in)
{
	json_object *o = NULL;
	assert_int_equal(status_to_json(in, &o), 0);
	char *text = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
								  JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return text;
}

static void test_every_field(void **state)
{
	Config *c = load("native-routing-cidr: 10.42.0.0/16\nmode: enforce\n");
	NetState *ns = node();
	Finding findings[] = {
	    {.check = CHECK_FLANNEL_DEVICE,
	     .severity = SEVERITY_ERROR,
	     .subject = "flannel.1",
	     .message = "flannel.1 (vxlan) is Flannel's",
	     .remedy = "ip link delete flannel.1",
	     .action = ACTION_REMOVED},
	    {.check = CHECK_MTU_MISMATCH,
	     .severity = SEVERITY_WARNING,
	     .subject = "eth0",
	     .message = "eth0 has MTU 1500",
	     .remedy = "Set Cilium's MTU"},
	};
	Verdict v = {.findings = findings,
		     .n_findings = 2,
		     .n_errors = 1,
		     .n_warnings = 1,
		     .native_device = "eth0",
		     .cilium_routing_mode = CILIUM_ROUTING_NATIVE,
		     .cilium_source = "agent",
		     .cilium_agent = "running",
		     .cilium_api = "reachable",
		     .phase = {.phase = PHASE_FLANNEL}};
	uint64_t since[] = {T0, T0 + 61 * 1000000ULL};
	ActionRecord actions[] = {
	    {.time_usec = T0 + 1000,
	     .check = CHECK_FLANNEL_DEVICE,
	     .subject = "flannel.1",
	     .result = ACTION_REMOVED},
	    {.time_usec = T0 + 3600 * 1000000ULL,
	     .check = CHECK_CNI_CONFLIST_CONFLICT,
	     .subject = "/etc/cni/net.d/10-flannel.conflist",
	     .result = ACTION_QUARANTINED},
	};
	StatusInput in = {
	    .version = "0.1.0",
	    .config = c,
	    .verdict = &v,
	    .netstate = ns,
	    .since_usec = since,
	    .now_usec = T0 + 7200 * 1000000ULL,
	    .actions = actions,
	    .n_actions = 2,
	    .counters = {.netlink_events = 12,
			 .resyncs = 1,
			 .overruns = 0,
			 .evaluations = 5,
			 .devices_removed = 1,
			 .files_quarantined = 1},
	    /* a read of the host's files overdue: the verdict stands on the previous one */
	    .host_files = {.read_usec = T0, .stale_since_usec = T0 + 60 * 1000000ULL},
	};
	char *text = render(&in);

	assert_string_equal(
	    text,
	    "{\"ready\":false,\"mode\":\"enforce\",\"version\":\"0.1.0\","
	    "\"config\":{\"path\":\"/etc/routeguard/routeguard.yaml\","
	    "\"native-routing-cidr\":\"10.42.0.0/16\",\"native-device\":\"eth0\"},"
	    "\"findings\":["
	    "{\"check\":\"flannel-device\",\"severity\":\"error\",\"subject\":\"flannel.1\","
	    "\"message\":\"flannel.1 (vxlan) is Flannel's\",\"remedy\":\"ip link delete "
	    "flannel.1\","
	    "\"action\":\"removed\",\"since\":\"2025-11-28T03:00:00Z\"},"
	    "{\"check\":\"mtu-mismatch\",\"severity\":\"warning\",\"subject\":\"eth0\","
	    "\"message\":\"eth0 has MTU 1500\",\"remedy\":\"Set Cilium's MTU\","
	    "\"action\":\"none\",\"since\":\"2025-11-28T03:01:01Z\"}],"
	    "\"actions\":["
	    "{\"time\":\"2025-11-28T03:00:00Z\",\"check\":\"flannel-device\","
	    "\"subject\":\"flannel.1\",\"result\":\"removed\"},"
	    "{\"time\":\"2025-11-28T04:00:00Z\",\"check\":\"cni-conflist-conflict\","
	    "\"subject\":\"/etc/cni/net.d/10-flannel.conflist\",\"result\":\"quarantined\"}],"
	    "\"counters\":{\"netlink-events\":12,\"resyncs\":1,\"overruns\":0,\"evaluations\":5,"
	    "\"devices-removed\":1,\"files-quarantined\":1},"
	    "\"netstate\":{\"links\":3,\"routes-kept\":1,\"routes-seen\":1},"
	    "\"phase\":\"flannel\","
	    "\"host-files\":{\"stale\":true,\"read\":\"2025-11-28T03:00:00Z\","
	    "\"reading-since\":\"2025-11-28T03:01:00Z\"},"
	    "\"cilium\":{\"routing-mode\":\"native\",\"source\":\"agent\",\"agent\":\"running\","
	    "\"api\":\"reachable\"}}");
	free(text);
	netstate_free(ns);
	config_free(c);
}

/* Before the first evaluation: not ready, no native device yet (null, not ""), no findings; a
 * caller without per-finding times gets now for all. */
static void test_before_evaluation_and_defaults(void **state)
{
	Config *c = load("native-routing-cidr: 10.42.0.0/16\n");
	NetState *ns = nb_new("10.42.0.0/16", NULL);
	Finding f = {.check = CHECK_IP_FORWARD_DISABLED,
		     .severity = SEVERITY_ERROR,
		     .subject = "net.ipv4.ip_forward",
		     .message = "off",
		     .remedy = "on"};
	Verdict empty = {.ready = false}, one = {.findings = &f, .n_findings = 1};
	StatusInput in = {
	    .version = "0.1.0", .config = c, .verdict = &empty, .netstate = ns, .now_usec = T0};
	char *text = render(&in);

	assert_non_null(strstr(text, "{\"ready\":false,\"mode\":\"observe\","));
	assert_non_null(strstr(text, ",\"native-device\":null},\"findings\":[],\"actions\":[],"));
	assert_non_null(
	    strstr(text, "\"netstate\":{\"links\":0,\"routes-kept\":0,\"routes-seen\":0}"));
	/* a verdict that knows no phase says so */
	assert_non_null(strstr(text, "\"phase\":\"unknown\""));
	/* no read of the host's files yet, none overdue */
	assert_non_null(strstr(text, "\"host-files\":{\"stale\":false,\"read\":null}"));
	assert_non_null(strstr(text, "\"cilium\":{\"routing-mode\":null,\"source\":\"none\","
				     "\"agent\":\"absent\",\"api\":\"not-asked\"}}"));
	free(text);

	in.verdict = &one;
	text = render(&in);
	assert_non_null(strstr(text, "\"check\":\"ip-forward-disabled\""));
	assert_non_null(strstr(text, "\"since\":\"2025-11-28T03:00:00Z\""));
	free(text);
	netstate_free(ns);
	config_free(c);
}

/* 4000 flannel.N (issue 13): 64 of them in the status, the rest counted by check; the reply stays
 * small, and a check under the cap is whole. */
static void test_findings_capped_per_check(void **state)
{
	Config *c = load("native-routing-cidr: 10.42.0.0/16\n");
	NetState *ns = nb_new("10.42.0.0/16", NULL);
	const size_t n = 4000;
	Finding *findings = calloc(n + 3, sizeof(*findings));
	json_object *o = NULL, *list, *rest, *count;

	assert_non_null(findings);
	for (size_t i = 0; i < n + 3; i++) {
		Finding *f = &findings[i];
		f->check = i < 2 || i >= n + 1 ? CHECK_MTU_MISMATCH : CHECK_FLANNEL_DEVICE;
		f->severity = f->check == CHECK_FLANNEL_DEVICE ? SEVERITY_ERROR : SEVERITY_WARNING;
		assert_true(asprintf(&f->subject, "flannel.%zu", i) > 0);
		assert_true(asprintf(&f->message, "%s (vxlan) is Flannel's", f->subject) > 0);
		assert_true(asprintf(&f->remedy, "ip link delete %s", f->subject) > 0);
	}
	Verdict v = {.findings = findings, .n_findings = n + 3};
	StatusInput in = {
	    .version = "0.1.0", .config = c, .verdict = &v, .netstate = ns, .now_usec = T0};

	assert_int_equal(status_to_json(&in, &o), 0);
	assert_true(json_object_object_get_ex(o, "findings", &list));
	assert_int_equal(json_object_array_length(list), STATUS_FINDINGS_PER_CHECK_MAX + 4);
	assert_true(json_object_object_get_ex(o, "findings-omitted", &rest));
	assert_int_equal(json_object_object_length(rest), 1);
	assert_true(json_object_object_get_ex(rest, "flannel-device", &count));
	assert_int_equal(json_object_get_int64(count), n - 1 - STATUS_FINDINGS_PER_CHECK_MAX);
	/* the first ones of each check, in the verdict's order */
	assert_string_equal(json_object_get_string(json_object_object_get(
				json_object_array_get_idx(list, 2), "subject")),
			    "flannel.2");
	assert_true(strlen(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN)) < 64 * 1024);
	json_object_put(o);

	/* under the cap: no "findings-omitted" at all */
	v.n_findings = 10;
	assert_int_equal(status_to_json(&in, &o), 0);
	assert_false(json_object_object_get_ex(o, "findings-omitted", NULL));
	json_object_put(o);
	for (size_t i = 0; i < n + 3; i++) {
		free(findings[i].subject);
		free(findings[i].message);
		free(findings[i].remedy);
	}
	free(findings);
	netstate_free(ns);
	config_free(c);
}

static void test_timestamp_format(void **state)
{
	char buf[32];
	assert_string_equal(timestamp_format(0, buf), "1970-01-01T00:00:00Z");
	assert_string_equal(timestamp_format(T0 + 999999, buf), "2025-11-28T03:00:00Z");
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_every_field),
	    cmocka_unit_test(test_before_evaluation_and_defaults),
	    cmocka_unit_test(test_findings_capped_per_check),
	    cmocka_unit_test(test_timestamp_format),
	};
	/* ctest runs each case alone: tests/CMakeLists.txt passes its name. */
	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return unit_main(argc, argv, tests);
}
