/* SPDX-License-Identifier: MIT */
/* routeguardd: command line and start-up. The work is in daemon.c and the files it calls. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "daemon.h"
#include "exitcode.h"
#include "log.h"
#include "version.h"

static void usage(FILE *f)
{
	fprintf(
	    f,
	    "Usage: routeguardd [OPTIONS]\n"
	    "Keeps a Kubernetes node ready for Cilium native routing.\n\n"
	    "  --config PATH          routeguard.yaml (default %s)\n"
	    "  --socket PATH          control socket (default /run/routeguard/routeguard.sock)\n"
	    "  --state-dir DIR        state directory (default /var/lib/routeguard)\n"
	    "  --log-target TARGET    auto, journal or stderr (default auto)\n"
	    "  --debug-dump PATH      on SIGUSR1, write the mirrored links, addresses and routes\n"
	    "                         as JSON to PATH\n"
	    "  --debug-rcvbuf BYTES   netlink receive buffer (default 32 MiB; tests use a small "
	    "one)\n"
	    "  --debug-host-root DIR  read /etc/systemd and /run files below DIR (tests)\n"
	    "  --debug-delete-delay MS  pause before each link delete (tests of renames)\n"
	    "  --version              print the version\n"
	    "  --help                 print this help\n",
	    CONFIG_DEFAULT_PATH);
}

enum {
	OPT_CONFIG = 256,
	OPT_SOCKET,
	OPT_STATE_DIR,
	OPT_LOG_TARGET,
	OPT_DEBUG_DUMP,
	OPT_DEBUG_RCVBUF,
	OPT_DEBUG_HOST_ROOT,
	OPT_DEBUG_DELETE_DELAY,
	OPT_VERSION,
	OPT_HELP,
};

static const struct option OPTIONS[] = {
    {"config", required_argument, NULL, OPT_CONFIG},
    {"socket", required_argument, NULL, OPT_SOCKET},
    {"state-dir", required_argument, NULL, OPT_STATE_DIR},
    {"log-target", required_argument, NULL, OPT_LOG_TARGET},
    {"debug-dump", required_argument, NULL, OPT_DEBUG_DUMP},
    {"debug-rcvbuf", required_argument, NULL, OPT_DEBUG_RCVBUF},
    {"debug-host-root", required_argument, NULL, OPT_DEBUG_HOST_ROOT},
    {"debug-delete-delay", required_argument, NULL, OPT_DEBUG_DELETE_DELAY},
    {"version", no_argument, NULL, OPT_VERSION},
    {"help", no_argument, NULL, OPT_HELP},
    {},
};

static int parse_args(int argc, char **argv, DaemonOptions *o, LogTarget *target)
{
	int c;

	while ((c = getopt_long(argc, argv, "", OPTIONS, NULL)) != -1) {
		switch (c) {
		case OPT_CONFIG:
			o->config_path = optarg;
			break;
		case OPT_SOCKET:
			o->socket_path = optarg;
			break;
		case OPT_STATE_DIR:
			o->state_dir = optarg;
			break;
		case OPT_LOG_TARGET:
			if (log_target_from_string(optarg, target) < 0) {
				fprintf(stderr,
					"routeguardd: --log-target: found '%s', expected auto, "
					"journal or stderr\n",
					optarg);
				return EXIT_USAGE;
			}
			break;
		case OPT_DEBUG_DUMP:
			o->debug_dump_path = optarg;
			break;
		case OPT_DEBUG_RCVBUF: {
			char *end;
			long v = strtol(optarg, &end, 10);
			if (*end || v < 1024 || v > (1L << 30)) {
				fprintf(stderr,
					"routeguardd: --debug-rcvbuf: found '%s', expected bytes "
					"from 1024 to 1073741824\n",
					optarg);
				return EXIT_USAGE;
			}
			o->debug_rcvbuf = (int)v;
			break;
		}
		case OPT_DEBUG_HOST_ROOT:
			o->debug_host_root = optarg;
			break;
		case OPT_DEBUG_DELETE_DELAY: {
			char *end;
			long v = strtol(optarg, &end, 10);
			if (*end || v < 0 || v > 60000) {
				fprintf(stderr,
					"routeguardd: --debug-delete-delay: found '%s', expected "
					"milliseconds from 0 to 60000\n",
					optarg);
				return EXIT_USAGE;
			}
			o->debug_delete_delay_ms = (unsigned)v;
			break;
		}
		case OPT_VERSION:
			printf("routeguardd %s\n", ROUTEGUARD_VERSION);
			return EXIT_OK;
		case OPT_HELP:
			usage(stdout);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "routeguardd: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return EXIT_USAGE;
	}
	return -1;
}

int main(int argc, char **argv)
{
	DaemonOptions options = {
	    .config_path = CONFIG_DEFAULT_PATH,
	    .socket_path = "/run/routeguard/routeguard.sock",
	    .state_dir = "/var/lib/routeguard",
	};
	LogTarget target = LOG_TARGET_AUTO;
	_cleanup_(daemon_freep) Daemon *d = NULL;
	Config *config = NULL;
	ConfigError error = {};

	int done = parse_args(argc, argv, &options, &target);
	if (done >= 0)
		return done;
	log_setup("routeguardd", target);

	if (config_load(options.config_path, &config, &error) < 0) {
		/* Compiler-style, so editors and scripts can jump to the spot. */
		fprintf(stderr, "%s\n", error.text);
		if (log_to_journal())
			log_error("%s", error.text);
		return EXIT_USAGE;
	}
	if (daemon_new(&options, config, &d) < 0)
		return EXIT_RUNTIME;
	log_info("routeguardd %s starting in %s mode, native routing CIDR from %s",
		 ROUTEGUARD_VERSION, mode_to_string(d->config->mode), options.config_path);
	return daemon_run(d);
}
