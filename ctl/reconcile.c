/* SPDX-License-Identifier: MIT */
/* routeguardctl reconcile: a full resync, evaluation and enforcement now (root only). */
#include <stdio.h>

#include "ctl.h"

/* A full dump of a node with a million routes, then an evaluation: minutes, not seconds. */
#define RECONCILE_TIMEOUT_MS 120000

int verb_reconcile(const CtlOptions *o, int argc, char **argv)
{
	json_object *reply = NULL;

	if (ctl_simple_call(o, "io.routeguard.Reconcile", RECONCILE_TIMEOUT_MS, &reply) < 0)
		return EXIT_RUNTIME;
	int code = ctl_explain_error(reply);
	if (code == EXIT_OK) {
		json_object *status = ctl_reply_parameters(reply);
		if (o->json) {
			ctl_print_json(status);
		} else {
			char line[256];
			ctl_verdict_line(status, line, 200);
			printf("reconciled: %s\n", line);
		}
		code = bool_of(status, "ready") ? EXIT_READY : EXIT_NOT_READY;
	}
	json_object_put(reply);
	return code;
}
