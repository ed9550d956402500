/* SPDX-License-Identifier: MIT */
/* routeguardctl monitor: the status once, then every change, until interrupted. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "ctl.h"

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	interrupted = 1;
}

static void print_event(const CtlOptions *o, json_object *e)
{
	const char *type = string_of(e, "type");

	if (o->json) {
		printf("%s\n", json_object_to_json_string_ext(
				   e, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	} else if (strcmp(type, "status") == 0) {
		char line[256];
		ctl_verdict_line(json_object_object_get(e, "status"), line, 200);
		printf("%s\n", line);
	} else if (strcmp(type, "action") == 0) {
		printf("%s  %-8s %s %s: %s\n", string_of(e, "time"), string_of(e, "result"),
		       string_of(e, "check"), string_of(e, "subject"), string_of(e, "message"));
	} else {
		bool error = strcmp(string_of(e, "severity"), "error") == 0;
		printf("%s  %-8s %s%s%s %s %s%s%s\n", string_of(e, "time"), type,
		       ctl_color(o, strcmp(type, "opened") == 0
					? (error ? "\033[1;31m" : "\033[1;33m")
					: "\033[32m"),
		       string_of(e, "check"), ctl_color(o, "\033[0m"), string_of(e, "subject"),
		       *string_of(e, "message") ? "— " : "", string_of(e, "message"),
		       bool_of(e, "ready") ? "  [node ready]" : "");
	}
	fflush(stdout);
}

int verb_monitor(const CtlOptions *o, int argc, char **argv)
{
	CtlConnection c = {.fd = -1};
	struct sigaction sa = {.sa_handler = on_signal};
	int r;

	/* No SA_RESTART: poll() returns EINTR and the loop ends cleanly on ^C. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if ((r = ctl_connect(o->socket_path, &c)) < 0) {
		fprintf(stderr, "routeguardctl: cannot reach routeguardd at %s: %s\n",
			o->socket_path, strerror(-r));
		return EXIT_RUNTIME;
	}
	if ((r = ctl_call(&c, "io.routeguard.Monitor", NULL, true)) < 0)
		goto failed;
	while (!interrupted) {
		json_object *reply = NULL;
		r = ctl_read_reply(&c, -1, &reply);
		if (r == -EINTR)
			break;
		if (r < 0)
			goto failed;
		const char *error = ctl_reply_error(reply);
		if (error) {
			fprintf(stderr, "routeguardctl: routeguardd answered %s\n", error);
			json_object_put(reply);
			ctl_disconnect(&c);
			return EXIT_RUNTIME;
		}
		print_event(o, ctl_reply_parameters(reply));
		json_object_put(reply);
	}
	ctl_disconnect(&c);
	return EXIT_OK;
failed:
	fprintf(stderr, "routeguardctl: monitor: %s\n",
		r == -ECONNRESET ? "routeguardd closed the connection" : strerror(-r));
	ctl_disconnect(&c);
	return EXIT_RUNTIME;
}
