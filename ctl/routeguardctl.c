/* SPDX-License-Identifier: MIT */
/*
 * routeguardctl: the command line and the verb table; each verb lives in a file of its name.
 * Options may come before or after the verb, as systemctl and networkctl take them: the whole
 * command line is parsed once, and what is not an option is the verb and its arguments.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"
#include "macro.h"
#include "version.h"

typedef enum VerbFlags {
	/* The daemon refuses anyone else (SO_PEERCRED); saying so here spares a round trip. */
	VERB_MUST_BE_ROOT = 1 << 0,
	/* Evaluates the node itself, so --config (and the tests' --debug-host-root) apply. */
	VERB_READS_CONFIG = 1 << 1,
} VerbFlags;

typedef struct Verb {
	const char *name;
	CtlVerbHandler handler;
	unsigned min_args; /* arguments after the verb's name */
	unsigned max_args;
	VerbFlags flags;
	const char *synopsis; /* what follows the name in the verb's usage line */
	const char *summary;  /* one line in the list of verbs */
	const char *help;     /* VERB --help */
} Verb;

static const Verb VERBS[] = {
    {"status", verb_status, 0, 0, 0, "",
     "findings, actions and counters (the status object with --json)",
     "The verdict first, then every finding with its fix, the recent actions and the\n"
     "counters; with --json the status object. Exit 0 ready, 1 not ready, 3 when\n"
     "routeguardd does not answer.\n"},
    {"ready", verb_ready, 0, 0, 0, "",
     "one line; exit 0 ready, 1 not ready, 2 unknown (daemon unreachable)",
     "One line of at most 80 characters. Exit 0 ready, 1 not ready, 2 unknown (routeguardd\n"
     "does not answer): a node-problem-detector custom plugin and a readiness probe.\n"},
    {"monitor", verb_monitor, 0, 0, 0, "",
     "stream changes until interrupted (JSON lines with --json)",
     "The verdict, then one line per finding opened or resolved and per action, until\n"
     "interrupted; JSON lines with --json.\n"},
    {"reconcile", verb_reconcile, 0, 0, VERB_MUST_BE_ROOT, "",
     "resync, evaluate and enforce now (root)",
     "A full resync of the kernel's tables and the host's files, an evaluation and\n"
     "enforcement now; prints the new verdict. Root only. Exit 0 ready, 1 not ready,\n"
     "3 failure.\n"},
    {"reload", verb_reload, 0, 0, VERB_MUST_BE_ROOT, "", "re-read the configuration (root)",
     "Re-reads the configuration. A broken file prints FILE:LINE:COLUMN and exits 2;\n"
     "routeguardd keeps the previous configuration. Root only.\n"},
    {"preflight", verb_preflight, 0, 0, VERB_READS_CONFIG, " [--config PATH]",
     "evaluate this node once, without a daemon; print findings and Helm values",
     "Evaluates this node once, without a daemon, and prints the findings and the\n"
     "Cilium Helm values that fit it (with --json, the status object with helm-values).\n"
     "Changes nothing. --config PATH reads another routeguard.yaml. Exit 0 ready,\n"
     "1 not ready, 2 usage or configuration error, 3 runtime failure.\n"},
};

enum {
	OPT_SOCKET = 256,
	OPT_JSON,
	OPT_NO_COLOR,
	OPT_HELP,
	OPT_VERSION,
	OPT_CONFIG,
	OPT_DEBUG_HOST_ROOT,
};

static const struct option OPTIONS[] = {
    {"socket", required_argument, NULL, OPT_SOCKET},
    {"json", no_argument, NULL, OPT_JSON},
    {"no-color", no_argument, NULL, OPT_NO_COLOR},
    {"help", no_argument, NULL, OPT_HELP},
    {"version", no_argument, NULL, OPT_VERSION},
    {"config", required_argument, NULL, OPT_CONFIG},
    {"debug-host-root", required_argument, NULL, OPT_DEBUG_HOST_ROOT},
    {},
};

typedef struct CommandLine {
	CtlOptions options;
	bool help;
	bool version;
	const char *verb_option; /* the first option only some verbs take, for the error */
	char **words;		 /* the verb and its arguments, in order */
	int n_words;
} CommandLine;

static void usage(FILE *f)
{
	fprintf(f, "Usage: routeguardctl [OPTIONS] VERB [ARGS]\n"
		   "       routeguardctl VERB --help\n\nVerbs:\n");
	for (size_t i = 0; i < ELEMENTSOF(VERBS); i++)
		fprintf(f, "  %-12s %s\n", VERBS[i].name, VERBS[i].summary);
	fprintf(f,
		"\nOptions, before or after the verb:\n"
		"  --socket PATH  the daemon's socket (default $ROUTEGUARD_SOCKET or\n"
		"                 /run/routeguard/routeguard.sock)\n"
		"  --json         machine-readable output\n"
		"  --no-color     no colors (also when NO_COLOR is set or output is no terminal)\n"
		"  --help         this help; VERB --help for a verb's\n"
		"  --version      print the version\n"
		"  --config PATH  preflight: the routeguard.yaml to evaluate with\n");
}

static void verb_usage(const Verb *v)
{
	printf("Usage: routeguardctl [OPTIONS] %s%s\n\n%s", v->name, v->synopsis, v->help);
}

static const Verb *verb_find(const char *name)
{
	for (size_t i = 0; i < ELEMENTSOF(VERBS); i++)
		if (strcmp(VERBS[i].name, name) == 0)
			return &VERBS[i];
	return NULL;
}

/* Fills cl from the whole command line; on a bad option, says so and returns -EINVAL. */
static int parse_args(int argc, char **argv, CommandLine *cl)
{
	int c;

	/* "-": words come back in order as option 1, whatever POSIXLY_CORRECT says; ":": a
	 * missing option argument is told apart from an unknown option. Our messages, not getopt's:
	 * they start with "routeguardctl: " however the program was called. */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "-:", OPTIONS, NULL)) != -1) {
		switch (c) {
		case 1:
			cl->words[cl->n_words++] = optarg;
			break;
		case OPT_SOCKET:
			cl->options.socket_path = optarg;
			break;
		case OPT_JSON:
			cl->options.json = true;
			break;
		case OPT_NO_COLOR:
			cl->options.color = false;
			break;
		case OPT_HELP:
			cl->help = true;
			break;
		case OPT_VERSION:
			cl->version = true;
			break;
		case OPT_CONFIG:
			cl->options.config_path = optarg;
			cl->verb_option = cl->verb_option ?: "--config";
			break;
		case OPT_DEBUG_HOST_ROOT:
			cl->options.debug_host_root = optarg;
			cl->verb_option = cl->verb_option ?: "--debug-host-root";
			break;
		case ':':
			fprintf(stderr, "routeguardctl: option '%s' needs an argument\n",
				argv[optind - 1]);
			return -EINVAL;
		default:
			/* optopt is one of ours when a flag was given a value (--json=yes). */
			if (optopt >= OPT_SOCKET)
				fprintf(stderr, "routeguardctl: option '%.*s' takes no argument\n",
					(int)strcspn(argv[optind - 1], "="), argv[optind - 1]);
			else if (optopt)
				fprintf(stderr, "routeguardctl: unknown option '-%c'\n", optopt);
			else
				fprintf(stderr, "routeguardctl: unknown option '%s'\n",
					argv[optind - 1]);
			return -EINVAL;
		}
	}
	/* After "--", everything is a word. */
	while (optind < argc)
		cl->words[cl->n_words++] = argv[optind++];
	return 0;
}

/* Whether v may run as the command line asks; if not, says why and returns the exit code. */
static int verb_check(const Verb *v, const CommandLine *cl)
{
	unsigned n = (unsigned)cl->n_words - 1;

	if (cl->verb_option && !(v->flags & VERB_READS_CONFIG)) {
		fprintf(stderr, "routeguardctl: %s does not take %s\n", v->name, cl->verb_option);
		return EXIT_USAGE;
	}
	if (n > v->max_args && v->max_args == 0) {
		fprintf(stderr, "routeguardctl: %s takes no arguments, found '%s'\n", v->name,
			cl->words[1]);
		return EXIT_USAGE;
	}
	if (n < v->min_args || n > v->max_args) {
		fprintf(stderr, "routeguardctl: %s takes %u to %u arguments, found %u\n", v->name,
			v->min_args, v->max_args, n);
		return EXIT_USAGE;
	}
	if (v->flags & VERB_MUST_BE_ROOT && geteuid() != 0) {
		fprintf(stderr,
			"routeguardctl: permission denied: %s needs root (sudo routeguardctl %s)\n",
			v->name, v->name);
		return EXIT_RUNTIME;
	}
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	const char *env_socket = getenv("ROUTEGUARD_SOCKET");
	const char *no_color = getenv("NO_COLOR");
	_cleanup_free_ char **words = calloc((size_t)argc + 1, sizeof(*words));
	CommandLine cl = {
	    .options =
		{
		    .socket_path =
			env_socket && *env_socket ? env_socket : "/run/routeguard/routeguard.sock",
		    .color = isatty(STDOUT_FILENO) && !(no_color && *no_color),
		},
	    .words = words,
	};
	const Verb *v;
	int code;

	if (!words) {
		fprintf(stderr, "routeguardctl: out of memory\n");
		return EXIT_RUNTIME;
	}
	if (parse_args(argc, argv, &cl) < 0) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (cl.version) {
		printf("routeguardctl %s\n", ROUTEGUARD_VERSION);
		return EXIT_OK;
	}
	if (cl.n_words == 0) {
		if (cl.help) {
			usage(stdout);
			return EXIT_OK;
		}
		fprintf(stderr, "routeguardctl: no verb given\n");
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!(v = verb_find(words[0]))) {
		fprintf(stderr, "routeguardctl: unknown verb '%s'\n", words[0]);
		usage(stderr);
		return EXIT_USAGE;
	}
	if (cl.help) {
		verb_usage(v);
		return EXIT_OK;
	}
	if ((code = verb_check(v, &cl)) != EXIT_OK)
		return code;
	return v->handler(&cl.options, cl.n_words - 1, words + 1);
}
