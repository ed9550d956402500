/* SPDX-License-Identifier: MIT */
/* routeguardctl status and ready: the daemon's verdict, for people and for probes. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "ctl.h"

#define READY_LINE_MAX 80
#define STATUS_TIMEOUT_MS 10000

static const char *string_of(json_object *o, const char *key)
{
	json_object *v;
	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string)
		       ? json_object_get_string(v)
		       : "";
}

static bool bool_of(json_object *o, const char *key)
{
	json_object *v;
	return json_object_object_get_ex(o, key, &v) && json_object_get_boolean(v);
}

void ctl_verdict_line(json_object *status, char *buf, size_t max)
{
	json_object *findings;
	size_t errors = 0, used;

	if (bool_of(status, "ready")) {
		snprintf(buf, max + 1, "ready");
		return;
	}
	if (json_object_object_get_ex(status, "findings", &findings))
		for (size_t i = 0; i < json_object_array_length(findings); i++)
			if (strcmp(string_of(json_object_array_get_idx(findings, i), "severity"), "error") == 0)
				errors++;
	used = (size_t)snprintf(buf, max + 1, "not ready: %zu error%s", errors, errors == 1 ? "" : "s");
	/* As many "check subject" as fit, then ", ...": ASCII, so bytes are characters. */
	bool first = true;
	for (size_t i = 0; findings && i < json_object_array_length(findings); i++) {
		json_object *f = json_object_array_get_idx(findings, i);
		if (strcmp(string_of(f, "severity"), "error") != 0)
			continue;
		char item[300];
		int n = snprintf(item, sizeof(item), "%s%s %s", first ? ": " : ", ",
				 string_of(f, "check"), string_of(f, "subject"));
		if (n < 0 || used + (size_t)n > max - 4) {
			snprintf(buf + used, max + 1 - used, ", ...");
			return;
		}
		memcpy(buf + used, item, (size_t)n + 1);
		used += (size_t)n;
		first = false;
	}
}

static void print_actions(json_object *status)
{
	json_object *actions;
	if (!json_object_object_get_ex(status, "actions", &actions) ||
	    json_object_array_length(actions) == 0)
		return;
	printf("Recent actions:\n");
	size_t n = json_object_array_length(actions);
	for (size_t i = n > 10 ? n - 10 : 0; i < n; i++) {
		json_object *a = json_object_array_get_idx(actions, i);
		printf("  %s  %-12s %-22s %s\n", string_of(a, "time"), string_of(a, "result"),
		       string_of(a, "check"), string_of(a, "subject"));
	}
	printf("\n");
}

static void print_counters(json_object *status)
{
	json_object *counters, *netstate;
	if (json_object_object_get_ex(status, "counters", &counters)) {
		printf("Counters:");
		const char *sep = " ";
		json_object_object_foreach(counters, key, value)
		{
			printf("%s%s %lld", sep, key, (long long)json_object_get_int64(value));
			sep = ", ";
		}
		printf("\n");
	}
	if (json_object_object_get_ex(status, "netstate", &netstate))
		printf("Mirror: %lld links, %lld routes kept of %lld seen\n",
		       (long long)json_object_get_int64(json_object_object_get(netstate, "links")),
		       (long long)json_object_get_int64(json_object_object_get(netstate, "routes-kept")),
		       (long long)json_object_get_int64(json_object_object_get(netstate, "routes-seen")));
}

void ctl_print_status(const CtlOptions *o, json_object *status)
{
	json_object *config = json_object_object_get(status, "config");
	bool ready = bool_of(status, "ready");
	char line[256];

	ctl_verdict_line(status, line, 200);
	printf("%s%s%s  (%s mode, routeguard %s)\n",
	       ctl_color(o, ready ? "\033[1;32m" : "\033[1;31m"), line, ctl_color(o, "\033[0m"),
	       string_of(status, "mode"), string_of(status, "version"));
	if (config)
		printf("config %s, native-routing-cidr %s, native device %s\n\n", string_of(config, "path"),
		       string_of(config, "native-routing-cidr"),
		       *string_of(config, "native-device") ? string_of(config, "native-device") : "none");
	ctl_print_findings(o, status);
	print_actions(status);
	print_counters(status);
}

static int fetch_status(const CtlOptions *o, json_object **ret_reply, json_object **ret_status)
{
	int r = ctl_simple_call(o, "io.routeguard.GetStatus", STATUS_TIMEOUT_MS, ret_reply);
	if (r < 0)
		return r;
	const char *error = ctl_reply_error(*ret_reply);
	*ret_status = ctl_reply_parameters(*ret_reply);
	if (error || !*ret_status) {
		fprintf(stderr, "routeguardctl: routeguardd answered %s\n", error ? error : "nothing usable");
		return -EBADMSG;
	}
	return 0;
}

int verb_status(const CtlOptions *o, int argc, char **argv)
{
	json_object *reply = NULL, *status;
	(void)argv;

	if (argc > 1) {
		fprintf(stderr, "routeguardctl: status takes no arguments\n");
		return EXIT_USAGE;
	}
	if (fetch_status(o, &reply, &status) < 0) {
		json_object_put(reply);
		return EXIT_RUNTIME;
	}
	if (o->json)
		ctl_print_json(status);
	else
		ctl_print_status(o, status);
	bool ready = bool_of(status, "ready");
	json_object_put(reply);
	return ready ? EXIT_READY : EXIT_NOT_READY;
}

/* A node-problem-detector plugin and a readiness probe: one line, exit 0 ready, 1 not, 2 unknown. */
int verb_ready(const CtlOptions *o, int argc, char **argv)
{
	json_object *reply = NULL, *status;
	char line[READY_LINE_MAX + 1];
	(void)argv;

	if (argc > 1) {
		fprintf(stderr, "routeguardctl: ready takes no arguments\n");
		return EXIT_USAGE;
	}
	if (fetch_status(o, &reply, &status) < 0) {
		json_object_put(reply);
		printf("unknown: routeguardd does not answer on %s\n", o->socket_path);
		return EXIT_USAGE; /* 2: unknown, as node-problem-detector reads it */
	}
	ctl_verdict_line(status, line, READY_LINE_MAX);
	bool ready = bool_of(status, "ready");
	if (o->json) {
		json_object *out = json_object_new_object();
		json_object_object_add(out, "ready", json_object_new_boolean(ready));
		json_object_object_add(out, "message", json_object_new_string(line));
		ctl_print_json(out);
		json_object_put(out);
	} else {
		printf("%s\n", line);
	}
	json_object_put(reply);
	return ready ? EXIT_READY : EXIT_NOT_READY;
}
