/* SPDX-License-Identifier: MIT */
/* routeguardd's state and its life on the event loop: config, mirror, notifications, signals. */
#pragma once

#include <systemd/sd-event.h>

#include "config.h"
#include "mirror.h"
#include "netstate.h"

typedef struct DaemonOptions {
	const char *config_path;
	const char *socket_path;
	const char *state_dir;
	const char *debug_dump_path; /* SIGUSR1 writes the mirror as JSON here */
	int debug_rcvbuf; /* netlink receive buffer override, for overrun tests */
} DaemonOptions;

typedef struct Daemon {
	DaemonOptions options;
	sd_event *event;
	Config *config;
	NetState *netstate;
	Mirror *mirror;
	sd_event_source *refresh; /* deferred: runs once after a batch of changes */
	bool ready_sent;
} Daemon;

/* Takes ownership of config. Returns 0, or a negative errno that was logged. */
_must_check_ int daemon_new(const DaemonOptions *options, Config *config, Daemon **ret);
Daemon *daemon_free(Daemon *d);
DEFINE_TRIVIAL_CLEANUP_FUNC(Daemon *, daemon_free);

/* Runs until SIGTERM or SIGINT. Returns the process exit code. */
int daemon_run(Daemon *d);
