/* SPDX-License-Identifier: MIT */
/* routeguardctl ready: the verdict in one line, for probes. */
#include <stdio.h>

#include "ctl.h"

/* node-problem-detector keeps the first 80 characters of a plugin's output. */
#define READY_LINE_MAX 80

/* The daemon answers from the moment its socket is up, a little before its first evaluation: until
 * then its "ready": false means "not known yet", and a probe must not take it for "not ready". */
static bool has_evaluated(json_object *status)
{
	json_object *counters, *evaluations;

	return json_object_object_get_ex(status, "counters", &counters) &&
	       json_object_object_get_ex(counters, "evaluations", &evaluations) &&
	       json_object_get_int64(evaluations) > 0;
}

/* A node-problem-detector plugin and a readiness probe: one line, exit 0 ready, 1 not, 2 unknown.
 * "unknown" goes to stdout: the plugin shows what it printed, whatever the exit code. */
int verb_ready(const CtlOptions *o, int argc, char **argv)
{
	json_object *reply = NULL, *status;
	char line[READY_LINE_MAX + 1];

	if (ctl_fetch_status(o, &reply, &status) < 0) {
		json_object_put(reply);
		printf("unknown: routeguardd does not answer on %s\n", o->socket_path);
		return EXIT_UNKNOWN;
	}
	if (!has_evaluated(status)) {
		json_object_put(reply);
		printf("unknown: routeguardd has not evaluated this node yet\n");
		return EXIT_UNKNOWN;
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
