/* SPDX-License-Identifier: MIT */
/* routeguardctl status: the daemon's verdict, findings, actions and counters. */
#include <stdio.h>

#include "ctl.h"

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
		       (long long)json_object_get_int64(
			   json_object_object_get(netstate, "routes-kept")),
		       (long long)json_object_get_int64(
			   json_object_object_get(netstate, "routes-seen")));
}

static void print_status(const CtlOptions *o, json_object *status)
{
	json_object *config = json_object_object_get(status, "config");
	bool ready = bool_of(status, "ready");
	char line[256];

	ctl_verdict_line(status, line, 200);
	printf("%s%s%s  (%s mode, routeguard %s)\n",
	       ctl_color(o, ready ? "\033[1;32m" : "\033[1;31m"), line, ctl_color(o, "\033[0m"),
	       string_of(status, "mode"), string_of(status, "version"));
	if (config)
		printf("config %s, native-routing-cidr %s, native device %s\n\n",
		       string_of(config, "path"), string_of(config, "native-routing-cidr"),
		       *string_of(config, "native-device") ? string_of(config, "native-device")
							   : "none");
	ctl_print_findings(o, status);
	print_actions(status);
	print_counters(status);
}

int verb_status(const CtlOptions *o, int argc, char **argv)
{
	json_object *reply = NULL, *status;

	if (ctl_fetch_status(o, &reply, &status) < 0) {
		json_object_put(reply);
		return EXIT_RUNTIME;
	}
	if (o->json)
		ctl_print_json(status);
	else
		print_status(o, status);
	bool ready = bool_of(status, "ready");
	json_object_put(reply);
	return ready ? EXIT_READY : EXIT_NOT_READY;
}
