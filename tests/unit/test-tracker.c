/* SPDX-License-Identifier: MIT */
/* Findings over time: transitions alerted once, state that survives a restart, removal history. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "messageid.h"
#include "tracker.h"
#include "unit-main.h"

static Finding findings[4];

static Verdict verdict(size_t n, const char *const *pairs)
{
	for (size_t i = 0; i < n; i++)
		findings[i] = (Finding){.check = check_from_string(pairs[2 * i]),
					.subject = (char *)pairs[2 * i + 1]};
	return (Verdict){.findings = findings, .n_findings = n};
}

typedef struct Seen {
	char lines[16][96];
	size_t n;
} Seen;

static void record(CheckId check, const char *subject, Transition t, const Finding *f,
		   void *userdata)
{
	Seen *s = userdata;
	assert_true(s->n < 16);
	assert_true((t == TRANSITION_OPENED) == (f != NULL));
	snprintf(s->lines[s->n++], 96, "%s %s %s", transition_to_string(t), check_to_string(check),
		 subject);
}

static void test_transitions(void **state)
{
	Tracker *t;
	Seen seen = {};
	uint64_t since[4];
	static const char *const a[] = {"flannel-device", "flannel.1", "flannel-device", "cni0"};
	static const char *const b[] = {"flannel-device", "cni0"};

	assert_int_equal(tracker_new(&t), 0);
	Verdict v = verdict(2, a);
	assert_int_equal(tracker_update(t, &v, 100, record, &seen, since), 0);
	assert_int_equal(seen.n, 2);
	assert_string_equal(seen.lines[0], "opened flannel-device flannel.1");
	assert_string_equal(seen.lines[1], "opened flannel-device cni0");
	assert_int_equal(since[1], 100);

	/* the same verdict again: nothing to say */
	assert_int_equal(tracker_update(t, &v, 200, record, &seen, since), 0);
	assert_int_equal(seen.n, 2);
	assert_int_equal(since[0], 100);

	v = verdict(1, b);
	assert_int_equal(tracker_update(t, &v, 300, record, &seen, since), 0);
	assert_int_equal(seen.n, 3);
	assert_string_equal(seen.lines[2], "resolved flannel-device flannel.1");
	assert_int_equal(since[0], 100); /* cni0 still open since the start */
	tracker_free(t);
}

static void test_restart_does_not_alert_again(void **state)
{
	Tracker *t, *restored;
	Seen seen = {};
	json_object *saved;
	static const char *const a[] = {"cilium-tunnel-mode", "cilium_vxlan", "ip-forward-disabled",
					"net.ipv4.ip_forward"};
	static const char *const b[] = {"cilium-tunnel-mode", "cilium_vxlan"};

	assert_int_equal(tracker_new(&t), 0);
	Verdict v = verdict(2, a);
	assert_int_equal(tracker_update(t, &v, 100, NULL, NULL, NULL), 0);
	assert_int_equal(tracker_record_removal(t, "flannel.1", 150, 60), 0);
	assert_int_equal(tracker_to_json(t, &saved), 0);
	tracker_free(t);

	/* through text, as the state file holds it */
	json_object *parsed = json_tokener_parse(json_object_to_json_string(saved));
	assert_int_equal(tracker_new(&restored), 0);
	assert_int_equal(tracker_from_json(restored, parsed), 0);
	uint64_t since[2];
	v = verdict(1, b);
	assert_int_equal(tracker_update(restored, &v, 500, record, &seen, since), 0);
	assert_int_equal(seen.n, 1); /* only what changed while it was down */
	assert_string_equal(seen.lines[0], "resolved ip-forward-disabled net.ipv4.ip_forward");
	assert_int_equal(since[0], 100);
	History h = tracker_history(restored, 160);
	assert_int_equal(history_recent_removals(&h, "flannel.1", 60), 1);
	json_object_put(saved);
	json_object_put(parsed);
	tracker_free(restored);
}

static void test_bad_state_is_refused_whole(void **state)
{
	static const char *const docs[] = {
		"[]",
		"{\"open\": []}",
		"{\"open\": [{\"check\": \"x\"}], \"removals\": []}",
		"{\"open\": [{\"check\": \"x\", \"subject\": \"y\", \"since-usec\": \"soon\"}], \"removals\": []}",
		/* a name longer than any device name or firewall-leftovers subject kept */
		"{\"open\": [], \"removals\": [{\"name\": \"nat/averyveryverylongnameaveryveryverylongnameaveryveryverylongnameaveryveryverylongnameaveryveryverylongnameaveryveryverylongname\", \"times-usec\": []}]}",
		"{\"open\": [], \"removals\": [{\"name\": \"x\", \"times-usec\": [\"a\"]}]}",
	};
	static const char *const a[] = {"mtu-mismatch", "eth0"};
	Tracker *t;
	assert_int_equal(tracker_new(&t), 0);
	Verdict v = verdict(1, a);
	assert_int_equal(tracker_update(t, &v, 1, NULL, NULL, NULL), 0);
	for (size_t i = 0; i < ELEMENTSOF(docs); i++) {
		json_object *o = json_tokener_parse(docs[i]);
		assert_int_equal(tracker_from_json(t, o), -EINVAL);
		json_object_put(o);
		assert_int_equal(t->n_open, 1); /* untouched */
	}
	tracker_free(t);
}

static void test_removal_window(void **state)
{
	Tracker *t;
	assert_int_equal(tracker_new(&t), 0);
	for (uint64_t now = 0; now < 100; now += 10)
		assert_int_equal(tracker_record_removal(t, "cni0", now, 35), 0);
	/* only what is younger than the window is kept: 60..90 */
	assert_int_equal(t->removals[0].n_times, 4);
	History h = tracker_history(t, 95);
	assert_int_equal(history_recent_removals(&h, "cni0", 35), 3);
	assert_int_equal(history_recent_removals(&h, "flannel.1", 35), 0);
	/* bounded however often */
	for (uint64_t now = 1000; now < 1200; now++)
		assert_int_equal(tracker_record_removal(t, "cni0", now, 1000000), 0);
	assert_int_equal(t->removals[0].n_times, 64);
	tracker_free(t);
}

/* The state file keeps checks by name, as every release wrote it; a name this build does not
 * know is dropped, not the whole file. */
static void test_state_file_names_checks(void **state)
{
	static const char *const a[] = {"k3s-flannel-enabled", "flannel-backend"};
	static const char *const saved =
		"{\"open\": [{\"check\": \"flannel-device\", \"subject\": \"cni0\", \"since-usec\": 7},"
		" {\"check\": \"a-check-of-a-later-version\", \"subject\": \"x\", \"since-usec\": 8}],"
		" \"removals\": []}";
	Tracker *t;
	json_object *o;

	assert_int_equal(tracker_new(&t), 0);
	Verdict v = verdict(1, a);
	assert_int_equal(tracker_update(t, &v, 5, NULL, NULL, NULL), 0);
	assert_int_equal(tracker_to_json(t, &o), 0);
	assert_string_equal(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN),
			    "{\"open\":[{\"check\":\"k3s-flannel-enabled\",\"subject\":"
			    "\"flannel-backend\",\"since-usec\":5}],\"removals\":[]}");
	json_object_put(o);

	o = json_tokener_parse(saved);
	assert_int_equal(tracker_from_json(t, o), 0);
	json_object_put(o);
	assert_int_equal(t->n_open, 1);
	assert_int_equal(t->open[0].check, CHECK_FLANNEL_DEVICE);
	assert_string_equal(t->open[0].subject, "cni0");
	assert_int_equal(t->open[0].since_usec, 7);
	tracker_free(t);
}

/* A clock that ran a year ahead, then was corrected: the saved removals count from now, for one
 * window at most, not for a year (issue 13). */
static void test_future_removal_times_are_clamped(void **state)
{
	static const char *const saved =
		"{\"open\": [{\"check\": \"flannel-device\", \"subject\": \"cni0\", "
		"\"since-usec\": 99000}],"
		" \"removals\": [{\"name\": \"flannel.1\", \"times-usec\": [31536001000, 31536002000, "
		"31536003000]}]}";
	Tracker *t;
	json_object *o = json_tokener_parse(saved);

	assert_int_equal(tracker_new(&t), 0);
	assert_int_equal(tracker_from_json(t, o), 0);
	json_object_put(o);
	tracker_prune(t, 1000, 60);
	assert_int_equal(t->open[0].since_usec, 1000);
	assert_int_equal(t->n_removals, 1);
	assert_int_equal(t->removals[0].n_times, 3);
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(t->removals[0].times_usec[i], 1000);
	History h = tracker_history(t, 1059);
	assert_int_equal(history_recent_removals(&h, "flannel.1", 60), 3);
	/* one window later the device is free to be removed again */
	tracker_prune(t, 1060, 60);
	assert_int_equal(t->n_removals, 0);
	tracker_free(t);
}

/* A name whose device never came back is forgotten once its last removal leaves the window. */
static void test_removal_names_are_pruned(void **state)
{
	Tracker *t;
	char name[IFNAMSIZ];

	assert_int_equal(tracker_new(&t), 0);
	for (int i = 0; i < 100; i++) {
		snprintf(name, sizeof(name), "flannel.%d", i % 100);
		assert_int_equal(tracker_record_removal(t, name, (uint64_t)i, 10), 0);
	}
	/* only the names removed within the last 10 us are left: 90..99 */
	assert_int_equal(t->n_removals, 10);
	assert_string_equal(t->removals[0].name, "flannel.90");
	tracker_free(t);
}

/* n removal entries, one name each, and flannel.7 70 times more with older and newer times. */
static json_object *many_names(int n)
{
	json_object *o = json_object_new_object(), *removals = json_object_new_array();
	char name[IFNAMSIZ];

	json_object_object_add(o, "open", json_object_new_array());
	for (int i = 0; i < n + 70; i++) {
		json_object *r = json_object_new_object(), *times = json_object_new_array();
		int64_t time = i < n ? 1000 + i : (i % 2 ? 5000 + i - n : 10 + i - n);
		snprintf(name, sizeof(name), "flannel.%d", (i < n ? i : 7) % 100000);
		json_object_object_add(r, "name", json_object_new_string(name));
		json_object_array_add(times, json_object_new_int64(time));
		json_object_object_add(r, "times-usec", times);
		json_object_array_add(removals, r);
	}
	json_object_object_add(o, "removals", removals);
	return o;
}

static double load_seconds(Tracker *t, int n)
{
	json_object *o = many_names(n);
	struct timespec a, b;

	clock_gettime(CLOCK_MONOTONIC, &a);
	assert_int_equal(tracker_from_json(t, o), 0);
	clock_gettime(CLOCK_MONOTONIC, &b);
	json_object_put(o);
	return (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
}

/*
 * 60000 names took 4 s to load, a lookup per entry (issue 13). Timed against 6000 names rather
 * than the clock, so that valgrind's slowdown does not matter: ten times the names must cost far
 * less than the hundred times a quadratic load costs. Duplicates of a name are merged, oldest
 * first, bounded.
 */
static void test_many_names_load_fast(void **state)
{
	Tracker *t;

	assert_int_equal(tracker_new(&t), 0);
	double small = load_seconds(t, 6000), large = load_seconds(t, 60000);
	assert_true(large < 30 * small + 0.05);
	assert_int_equal(t->n_removals, 60000);
	History h = tracker_history(t, 0);
	const RemovalHistory *seven = NULL;
	for (size_t i = 0; i < h.n_removals; i++)
		if (strcmp(h.removals[i].name, "flannel.7") == 0)
			seven = &h.removals[i];
	assert_non_null(seven);
	assert_int_equal(seven->n_times, 64);
	for (size_t i = 1; i < seven->n_times; i++)
		assert_true(seven->times_usec[i - 1] <= seven->times_usec[i]);
	assert_int_equal(seven->times_usec[63], 5069); /* the newest kept */
	tracker_free(t);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_transitions),
		cmocka_unit_test(test_restart_does_not_alert_again),
		cmocka_unit_test(test_bad_state_is_refused_whole),
		cmocka_unit_test(test_removal_window),
		cmocka_unit_test(test_state_file_names_checks),
		cmocka_unit_test(test_future_removal_times_are_clamped),
		cmocka_unit_test(test_removal_names_are_pruned),
		cmocka_unit_test(test_many_names_load_fast),
	};
	return unit_main(argc, argv, tests);
}
