/* SPDX-License-Identifier: MIT */
/* routeguardctl reconcile and reload (root: the daemon checks SO_PEERCRED). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ctl.h"

#define RECONCILE_TIMEOUT_MS 120000

static int explain_error(json_object *reply)
{
	const char *error = ctl_reply_error(reply);
	json_object *p = ctl_reply_parameters(reply), *message;

	if (!error)
		return 0;
	if (strcmp(error, "io.routeguard.InvalidConfig") == 0 && p &&
	    json_object_object_get_ex(p, "message", &message)) {
		/* FILE:LINE:COLUMN: first, as the contract says. */
		fprintf(stderr, "%s\n", json_object_get_string(message));
		fprintf(stderr, "routeguardctl: the configuration was not reloaded; routeguardd keeps the previous one\n");
		return EXIT_USAGE;
	}
	if (strcmp(error, "io.routeguard.PermissionDenied") == 0) {
		fprintf(stderr, "routeguardctl: permission denied: this needs root (sudo routeguardctl …)\n");
		return EXIT_RUNTIME;
	}
	fprintf(stderr, "routeguardctl: routeguardd answered %s\n", error);
	return EXIT_RUNTIME;
}

int verb_reconcile(const CtlOptions *o, int argc, char **argv)
{
	json_object *reply = NULL;
	(void)argv;

	if (argc > 1) {
		fprintf(stderr, "routeguardctl: reconcile takes no arguments\n");
		return EXIT_USAGE;
	}
	if (ctl_simple_call(o, "io.routeguard.Reconcile", RECONCILE_TIMEOUT_MS, &reply) < 0)
		return EXIT_RUNTIME;
	int code = explain_error(reply);
	if (code == 0) {
		json_object *status = ctl_reply_parameters(reply);
		if (o->json) {
			ctl_print_json(status);
		} else {
			char line[256];
			ctl_verdict_line(status, line, 200);
			printf("reconciled: %s\n", line);
		}
		code = json_object_get_boolean(json_object_object_get(status, "ready")) ? EXIT_READY
											 : EXIT_NOT_READY;
	}
	json_object_put(reply);
	return code;
}

int verb_reload(const CtlOptions *o, int argc, char **argv)
{
	json_object *reply = NULL;
	(void)argv;

	if (argc > 1) {
		fprintf(stderr, "routeguardctl: reload takes no arguments\n");
		return EXIT_USAGE;
	}
	if (ctl_simple_call(o, "io.routeguard.Reload", 30000, &reply) < 0)
		return EXIT_RUNTIME;
	int code = explain_error(reply);
	if (code == 0) {
		json_object *p = ctl_reply_parameters(reply);
		if (o->json)
			ctl_print_json(p);
		else
			printf("reloaded %s\n", json_object_get_string(json_object_object_get(p, "path")));
	}
	json_object_put(reply);
	return code;
}
