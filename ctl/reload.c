/* SPDX-License-Identifier: MIT */
/* routeguardctl reload: routeguardd re-reads its configuration, or keeps the old one (root only).
 */
#include <stdio.h>

#include "ctl.h"

#define RELOAD_TIMEOUT_MS 30000

int verb_reload(const CtlOptions *o, int argc, char **argv)
{
	json_object *reply = NULL;

	if (ctl_simple_call(o, "io.routeguard.Reload", RELOAD_TIMEOUT_MS, &reply) < 0)
		return EXIT_RUNTIME;
	int code = ctl_explain_error(reply);
	if (code == EXIT_OK) {
		json_object *p = ctl_reply_parameters(reply);
		if (o->json)
			ctl_print_json(p);
		else
			printf("reloaded %s\n", string_of(p, "path"));
	}
	json_object_put(reply);
	return code;
}
