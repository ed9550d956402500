/* SPDX-License-Identifier: MIT */
/* routeguardctl: the client. A verb table; each verb in its own function. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "version.h"

#define EXIT_USAGE 2

typedef struct Verb {
	const char *name;
	const char *help;
	int (*run)(int argc, char **argv);
} Verb;

static const Verb VERBS[] = {
	{NULL, NULL, NULL},
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: routeguardctl [--socket PATH] [--json] [--no-color] VERB\n\nVerbs:\n");
	for (const Verb *v = VERBS; v->name; v++)
		fprintf(f, "  %-12s %s\n", v->name, v->help);
	fprintf(f, "\n  --help       print this help\n  --version    print the version\n");
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{},
	};
	int c;

	while ((c = getopt_long(argc, argv, "+", options, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("routeguardctl %s\n", ROUTEGUARD_VERSION);
			return 0;
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
			return v->run(argc - optind, argv + optind);
	fprintf(stderr, "routeguardctl: unknown verb '%s'\n", argv[optind]);
	usage(stderr);
	return EXIT_USAGE;
}
