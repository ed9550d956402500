/* SPDX-License-Identifier: MIT */
/*
 * routeguardd: one Daemon object spread over files, one job each (networkd's Manager shape):
 *   daemon.c          life: start, signals, watchdog, reload, the host's files watched
 *   daemon-evaluate.c the pipeline: one evaluation per batch of changes; the window timer
 *   daemon-hostfacts.c the host's files, read by a thread so a slow one never stalls the loop
 *   daemon-enforce.c  carries out the enforce policy's steps; the enforcer's completions
 *   daemon-state.c    the state file: open findings and removals survive a restart
 *   daemon-publish.c  the one publish step ending each evaluation or action: alerts, Monitor,
 *                     STATUS=, READY=1, metrics, Reconcile answers
 *   daemon-status.c   the status view: GetStatus's object, its cache, the STATUS= line
 *   daemon-metrics.c  the textfile
 *   daemon-methods.c  the control methods
 *   daemon-cilium.c   Cilium's agent, configuration and logs: triggers and watches
 * The decisions themselves are pure and live in lib/ (checks, tracker, enforce-policy, actionlog,
 * statustext); these files carry them out.
 *
 * Includes go one way, never in a circle: a daemon-*.c includes this header and the narrow
 * daemon-*.h of the parts it calls; a daemon-*.h declares its functions on a forward-declared
 * Daemon and includes no daemon header; this header includes only lib/ and the components the
 * Daemon holds (mirror.h, enforcer.h, control.h).
 */
#pragma once

#include <systemd/sd-event.h>

#include "actionlog.h"
#include "checks.h"
#include "config.h"
#include "control.h"
#include "enforcer.h"
#include "firewall-mirror.h"
#include "hostfacts.h"
#include "mirror.h"
#include "netstate.h"
#include "status.h"
#include "tracker.h"

typedef struct DaemonOptions {
	const char *config_path;
	const char *socket_path;
	const char *state_dir;
	const char *debug_dump_path;	/* SIGUSR1 writes the mirror as JSON here */
	const char *debug_host_root;	/* prefix for /etc/systemd and /run files, for tests */
	int debug_rcvbuf;		/* netlink receive buffer override, for overrun tests */
	unsigned debug_delete_delay_ms; /* a pause before each delete, for rename tests */
} DaemonOptions;

struct PublishEvent;			    /* daemon-publish.c's */
typedef struct HostFactsLoad HostFactsLoad; /* daemon-hostfacts.c's */
struct DaemonCilium;			    /* daemon-cilium.c's */

typedef struct Daemon {
	DaemonOptions options;
	sd_event *event;
	Config *config;
	NetState *netstate;
	Mirror *mirror;
	Firewall *firewall; /* the packet filter, mirrored by fw_mirror; hostfacts borrow it */
	FwMirror *fw_mirror;
	HostFacts *hostfacts;
	bool hostfacts_stale;
	HostFactsLoad *loading;	     /* the host's files being read by a thread, or NULL */
	K3sDiscovery *k3s_discovery; /* the last scan of the unit directories; the load holds it */
	sd_event_source *hostfacts_done, *hostfacts_timer;
	Tracker *tracker;
	Verdict *verdict;
	uint64_t *since;	 /* per verdict finding */
	uint32_t native_ifindex; /* the last native device known: never removed, even when lost */
	Enforcer *enforcer;
	Control *control;
	struct DaemonCilium *cilium; /* Cilium's API, configuration directory and logs */

	sd_event_source *refresh; /* deferred: one evaluation after a batch of changes */
	sd_event_source *metrics_timer;
	sd_event_source *window_timer;	 /* re-evaluates when a recreate window ends */
	sd_event_source *watchdog_timer; /* WATCHDOG=1, and the textfile's heartbeat */
	uint64_t watchdog_usec;
	sd_event_source **watches; /* inotify on the host's configuration directories */
	size_t n_watches;

	ActionLog actions;
	StatusCounters counters;
	uint64_t last_evaluation_usec;
	uint64_t last_metrics_usec;
	bool ready_sent;

	struct PublishEvent *events; /* transitions and actions waiting for the publish step */
	size_t n_events;

	char *status_reply; /* GetStatus's framed reply, until anything in it changes */
	size_t status_reply_len;

	uint64_t *reconcile_waiters; /* control clients waiting for a Reconcile */
	size_t n_reconcile_waiters;
	uint64_t reconcile_target; /* the full sync that answers them */
} Daemon;

/* Takes ownership of config. Returns 0, or a negative errno that was logged. */
_must_check_ int daemon_new(const DaemonOptions *options, Config *config, Daemon **ret);
Daemon *daemon_free(Daemon *d);
DEFINE_TRIVIAL_CLEANUP_FUNC(Daemon *, daemon_free);

/* Runs until SIGTERM or SIGINT. Returns the process exit code. */
int daemon_run(Daemon *d);

/* Re-reads the configuration; on error keeps the old one, alerts, and fills error. */
int daemon_reload(Daemon *d, ConfigError *error);
