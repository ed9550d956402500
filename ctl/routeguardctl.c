/* SPDX-License-Identifier: MIT */
/* routeguardctl: the client. A verb table; each verb in its own ctl-VERB.c. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"
#include "version.h"

typedef struct Verb {
	const char *name;
	const char *help;
	int (*run)(const CtlOptions *o, int argc, char **argv);
} Verb;

static const Verb VERBS[] = {
	{"status", "findings, actions and counters (the status object with --json)", verb_status},
	{"ready", "one line; exit 0 ready, 1 not ready, 2 unknown (daemon unreachable)", verb_ready},
	{"monitor", "stream changes until interrupted (JSON lines with --json)", verb_monitor},
	{"reconcile", "resync, evaluate and enforce now (root)", verb_reconcile},
	{"reload", "re-read the configuration (root)", verb_reload},
	{"preflight", "evaluate this node once, without a daemon; print findings and Helm values",
	 verb_preflight},
	{},
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: routeguardctl [--socket PATH] [--json] [--no-color] VERB [ARGS]\n\nVerbs:\n");
	for (const Verb *v = VERBS; v->name; v++)
		fprintf(f, "  %-12s %s\n", v->name, v->help);
	fprintf(f, "\nOptions:\n"
		   "  --socket PATH  the daemon's socket (default $ROUTEGUARD_SOCKET or\n"
		   "                 /run/routeguard/routeguard.sock)\n"
		   "  --json         machine-readable output\n"
		   "  --no-color     no colors (also when NO_COLOR is set or output is no terminal)\n"
		   "  --help         this help; VERB --help for a verb's\n"
		   "  --version      print the version\n");
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{"socket", required_argument, NULL, 's'},
		{"json", no_argument, NULL, 'j'},
		{"no-color", no_argument, NULL, 'n'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{},
	};
	const char *env_socket = getenv("ROUTEGUARD_SOCKET");
	const char *no_color = getenv("NO_COLOR");
	CtlOptions o = {
		.socket_path = env_socket && *env_socket ? env_socket : "/run/routeguard/routeguard.sock",
		.color = isatty(STDOUT_FILENO) && !(no_color && *no_color),
	};
	int c;

	/* "+": stop at the verb; its own options follow it. */
	while ((c = getopt_long(argc, argv, "+", options, NULL)) != -1) {
		switch (c) {
		case 's':
			o.socket_path = optarg;
			break;
		case 'j':
			o.json = true;
			break;
		case 'n':
			o.color = false;
			break;
		case 'h':
			usage(stdout);
			return EXIT_READY;
		case 'V':
			printf("routeguardctl %s\n", ROUTEGUARD_VERSION);
			return EXIT_READY;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "routeguardctl: no verb given\n");
		usage(stderr);
		return EXIT_USAGE;
	}
	for (const Verb *v = VERBS; v->name; v++)
		if (strcmp(v->name, argv[optind]) == 0)
			return v->run(&o, argc - optind, argv + optind);
	fprintf(stderr, "routeguardctl: unknown verb '%s'\n", argv[optind]);
	usage(stderr);
	return EXIT_USAGE;
}
