/* SPDX-License-Identifier: MIT */
/*
 * routeguardd's state and its life on the event loop. daemon.c: start, signals, reload, files
 * watched; daemon-evaluate.c: evaluation, enforcement, transitions, state; daemon-methods.c: the
 * control methods; daemon-metrics.c: the textfile.
 */
#pragma once

#include <systemd/sd-event.h>

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
	const char *debug_dump_path; /* SIGUSR1 writes the mirror as JSON here */
	const char *debug_host_root; /* prefix for /etc/systemd and /run files, for tests */
	int debug_rcvbuf; /* netlink receive buffer override, for overrun tests */
} DaemonOptions;

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
	Tracker *tracker;
	Verdict *verdict;
	uint64_t *since; /* per verdict finding */
	Enforcer *enforcer;
	Control *control;

	sd_event_source *refresh; /* deferred: one evaluation after a batch of changes */
	sd_event_source *metrics_timer;
	sd_event_source *window_timer; /* re-evaluates when a recreate window ends */
	sd_event_source *watchdog_timer; /* WATCHDOG=1, and the textfile's heartbeat */
	uint64_t watchdog_usec;
	sd_event_source **watches; /* inotify on the host's configuration directories */
	size_t n_watches;

	ActionRecord actions[STATUS_ACTIONS_MAX]; /* oldest first */
	size_t n_actions;
	StatusCounters counters;
	uint64_t last_evaluation_usec;
	uint64_t last_metrics_usec;
	bool ready_sent;

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

/* daemon.c */
uint64_t realtime_usec(void);
/* Something the status object shows changed: the cached GetStatus reply is stale. */
void daemon_status_changed(Daemon *d);
void daemon_schedule_evaluation(Daemon *d);
/* Re-reads the configuration; on error keeps the old one, alerts, and fills error. */
int daemon_reload(Daemon *d, ConfigError *error);

/* daemon-evaluate.c */
void daemon_evaluate(Daemon *d);
void daemon_on_removed(Enforcer *e, uint32_t ifindex, const char *name, CheckId check, int error,
		       const char *kernel_message, void *userdata);
int daemon_load_state(Daemon *d);
int daemon_window_timer_new(Daemon *d);
/* The inputs of the status object and the metrics, as of now. */
void daemon_status_input(Daemon *d, StatusInput *in);
_must_check_ int daemon_status(Daemon *d, json_object **ret);

/* daemon-methods.c */
extern const ControlMethod daemon_methods[];
void daemon_answer_reconcile(Daemon *d);

/* daemon-metrics.c */
void daemon_schedule_metrics(Daemon *d);
/* Rewrites the textfile if it has not been written for a while, so its age tells liveness. */
void daemon_metrics_heartbeat(Daemon *d);
int daemon_metrics_timer_new(Daemon *d);
