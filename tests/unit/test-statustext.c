/* SPDX-License-Identifier: MIT */
/* The STATUS= line: readiness in a few words, then the mirror's counts; never overrun. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "unit-main.h"
#include "statustext.h"

static const StatusTextCounts COUNTS = {
    .links = 12,
    .routes_kept = 7,
    .routes_seen = 1000042,
    .overruns = 1,
    .resyncs = 2,
};
#define COUNTS_TEXT "; 12 links, 7 routes kept of 1000042 seen, 1 overruns, 2 resyncs"

static void test_ready(void **state)
{
	Verdict v = {.ready = true};
	char buf[STATUS_TEXT_MAX];

	status_text_format(&v, &COUNTS, buf, sizeof(buf));
	assert_string_equal(buf, "ready" COUNTS_TEXT);
}

static void test_not_ready_names_the_errors(void **state)
{
	Finding findings[] = {
	    {.check = CHECK_MTU_MISMATCH, .subject = "eth0", .severity = SEVERITY_WARNING},
	    {.check = CHECK_FLANNEL_DEVICE, .subject = "flannel.1", .severity = SEVERITY_ERROR},
	};
	Verdict v = {.findings = findings, .n_findings = 2, .n_errors = 1, .n_warnings = 1};
	char buf[STATUS_TEXT_MAX];

	status_text_format(&v, &COUNTS, buf, sizeof(buf));
	/* One error, singular; the warning is not named. */
	assert_string_equal(buf, "not ready: 1 error (flannel-device flannel.1)" COUNTS_TEXT);
}

static void test_not_ready_names_two_errors_at_most(void **state)
{
	Finding findings[] = {
	    {.check = CHECK_FLANNEL_DEVICE, .subject = "cni0", .severity = SEVERITY_ERROR},
	    {.check = CHECK_FLANNEL_DEVICE, .subject = "flannel.1", .severity = SEVERITY_ERROR},
	    {.check = CHECK_IP_FORWARD_DISABLED,
	     .subject = "net.ipv4.ip_forward",
	     .severity = SEVERITY_ERROR},
	};
	Verdict v = {.findings = findings, .n_findings = 3, .n_errors = 3};
	char buf[STATUS_TEXT_MAX];

	status_text_format(&v, &COUNTS, buf, sizeof(buf));
	assert_string_equal(
	    buf,
	    "not ready: 3 errors (flannel-device cni0, flannel-device flannel.1, …)" COUNTS_TEXT);
	v.n_findings = 2;
	v.n_errors = 2;
	status_text_format(&v, &COUNTS, buf, sizeof(buf));
	assert_string_equal(
	    buf, "not ready: 2 errors (flannel-device cni0, flannel-device flannel.1)" COUNTS_TEXT);
}

static void test_cut_never_overruns(void **state)
{
	char subject[STATUS_TEXT_MAX * 2];
	Finding f = {.check = CHECK_FLANNEL_DEVICE, .subject = subject, .severity = SEVERITY_ERROR};
	Verdict v = {.findings = &f, .n_findings = 1, .n_errors = 1};
	char buf[STATUS_TEXT_MAX + 8];

	memset(subject, 'x', sizeof(subject) - 1);
	subject[sizeof(subject) - 1] = '\0';
	memset(buf, '#', sizeof(buf));
	status_text_format(&v, &COUNTS, buf, STATUS_TEXT_MAX);
	assert_int_equal(strlen(buf), STATUS_TEXT_MAX - 1);
	assert_memory_equal(buf, "not ready: 1 error (flannel-device xxx", 38);
	for (size_t i = STATUS_TEXT_MAX; i < sizeof(buf); i++)
		assert_int_equal(buf[i], '#');

	/* Cut in the middle of the counts: a prefix of the whole line, nothing after the cut. */
	Verdict ready = {.ready = true};
	char small[20];
	status_text_format(&ready, &COUNTS, small, sizeof(small));
	assert_string_equal(small, "ready; 12 links, 7 ");
	status_text_format(&ready, &COUNTS, small, 1);
	assert_string_equal(small, "");
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ready),
	    cmocka_unit_test(test_not_ready_names_the_errors),
	    cmocka_unit_test(test_not_ready_names_two_errors_at_most),
	    cmocka_unit_test(test_cut_never_overruns),
	};
	/* ctest runs each case alone: tests/CMakeLists.txt passes its name. */
	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return unit_main(argc, argv, tests);
}
