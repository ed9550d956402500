/* SPDX-License-Identifier: MIT */
/* The Daemon's life: start, the event loop and its signals, the watchdog, reload, and the host's
 * files watched. The evaluation itself is in daemon-evaluate.c. */
#include <errno.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>

#include "alerts.h"
#include "daemon-cilium.h"
#include "daemon-enforce.h"
#include "daemon-evaluate.h"
#include "daemon-hostfacts.h"
#include "daemon-methods.h"
#include "daemon-metrics.h"
#include "daemon-publish.h"
#include "daemon-state.h"
#include "daemon.h"
#include "exitcode.h"
#include "fileutil.h"
#include "log.h"
#include "netstate-json.h"

static int apply_route_filter(Daemon *d)
{
	const Config *c = d->config;
	return netstate_set_route_filter(d->netstate, &c->native_routing_cidr, 1, c->peers,
					 c->n_peers);
}

static void on_mirror_changed(Mirror *m, void *userdata)
{
	daemon_schedule_evaluation(userdata);
}

static void on_link_appeared(Mirror *m, const Link *link, void *userdata)
{
	daemon_enforce_new_link(userdata, link);
}

static void on_mirror_synced(Mirror *m, void *userdata)
{
	daemon_schedule_evaluation(userdata);
}

static void on_firewall_changed(void *userdata)
{
	daemon_schedule_evaluation(userdata);
}

static void on_netconf_changed(Mirror *m, void *userdata)
{
	Daemon *d = userdata;
	d->hostfacts_stale = true;
	daemon_schedule_evaluation(d);
}

/* The mirror could not recover its socket: without it every verdict would be stale, so exit and
 * let systemd restart us (Restart=on-failure). */
static void on_mirror_failed(Mirror *m, int error, void *userdata)
{
	Daemon *d = userdata;
	log_error_errno(error, "Lost the rtnetlink socket and cannot reopen it, exiting");
	(void)sd_event_exit(d->event, EXIT_RUNTIME);
}

/* ---- the host's files, watched ---- */

static int on_host_file_event(sd_event_source *s, const struct inotify_event *event, void *userdata)
{
	Daemon *d = userdata;
	d->hostfacts_stale = true;
	daemon_schedule_evaluation(d);
	return 0;
}

static void unwatch(Daemon *d)
{
	for (size_t i = 0; i < d->n_watches; i++)
		sd_event_source_disable_unref(d->watches[i]);
	free(d->watches);
	d->watches = NULL;
	d->n_watches = 0;
}

static void watch_dir(Daemon *d, const char *dir)
{
	struct stat st;
	sd_event_source *s = NULL;

	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
		return; /* not there: a Reload after creating it starts watching */
	sd_event_source **grown = realloc(d->watches, (d->n_watches + 1) * sizeof(*grown));
	if (!grown)
		return;
	d->watches = grown;
	if (sd_event_add_inotify(d->event, &s, dir,
				 IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO |
				     IN_CLOSE_WRITE | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF |
				     IN_ONLYDIR,
				 on_host_file_event, d) < 0) {
		log_warning("Cannot watch %s for changes; Reload re-reads it", dir);
		return;
	}
	d->watches[d->n_watches++] = s;
}

static void watch_parent_and_dropins(Daemon *d, const char *file)
{
	_cleanup_free_ char *copy = strdup(file), *dropins = NULL;
	if (!copy)
		return;
	watch_dir(d, dirname(copy));
	if (asprintf(&dropins, "%s.d", file) >= 0)
		watch_dir(d, dropins);
}

/* Every directory whose files evaluation reads: event-driven, nothing polls. */
static void watch_host_files(Daemon *d)
{
	const Config *c = d->config;
	unwatch(d);
	for (size_t i = 0; i < c->cni.conf_dirs.n; i++)
		watch_dir(d, c->cni.conf_dirs.items[i]);
	watch_parent_and_dropins(d, c->k3s.config);
	for (size_t i = 0; i < c->k3s.units.n; i++)
		watch_parent_and_dropins(d, c->k3s.units.items[i]);
}

/* ---- reload ---- */

int daemon_reload(Daemon *d, ConfigError *error)
{
	_cleanup_(config_freep) Config *c = NULL;
	int r;

	(void)sd_notify(false, "RELOADING=1");
	r = config_load(d->options.config_path, &c, error);
	if (r < 0) {
		log_error("Reload failed, keeping the previous configuration: %s", error->text);
		alert_transition(CHECK_CONFIG_RELOAD_FAILED, d->options.config_path,
				 TRANSITION_OPENED, SEVERITY_ERROR, ACTION_NONE, error->text);
		(void)sd_notify(false, "READY=1");
		return r;
	}
	daemon_hostfacts_retire_config(d, d->config);
	d->config = TAKE_PTR(c);
	if ((r = apply_route_filter(d)) < 0) {
		(void)sd_notify(false, "READY=1");
		return log_error_errno(r, "Failed to apply the new route filter");
	}
	/* Which routes are kept depends on the CIDR and peers: dump routes again. */
	mirror_request_resync(d->mirror, SYNC_ROUTES4 | SYNC_ROUTES6);
	fw_mirror_set_poll_interval(d->fw_mirror, d->config->firewall.poll_interval_usec);
	watch_host_files(d);
	daemon_cilium_reload(d);
	d->hostfacts_stale = true;
	daemon_schedule_evaluation(d);
	log_info("Configuration reloaded from %s (%s mode)", d->options.config_path,
		 mode_to_string(d->config->mode));
	(void)sd_notify(false, "READY=1");
	return 0;
}

/* ---- signals ---- */

static int write_debug_dump(Daemon *d)
{
	_cleanup_(json_object_putp) json_object *o = NULL;
	int r;

	if (!d->options.debug_dump_path)
		return log_warning_errno(EINVAL, "SIGUSR1 received but no --debug-dump path given");
	if ((r = netstate_to_json(d->netstate, &o)) < 0)
		return log_error_errno(r, "Failed to serialize the mirror");
	const MirrorCounters *k = mirror_counters(d->mirror);
	json_object *counters = json_object_new_object();
	json_object_object_add(counters, "netlink-events",
			       json_object_new_int64((int64_t)k->netlink_events));
	json_object_object_add(counters, "resyncs", json_object_new_int64((int64_t)k->resyncs));
	json_object_object_add(counters, "overruns", json_object_new_int64((int64_t)k->overruns));
	json_object_object_add(counters, "dumps-interrupted",
			       json_object_new_int64((int64_t)k->dumps_interrupted));
	json_object_object_add(counters, "malformed", json_object_new_int64((int64_t)k->malformed));
	json_object_object_add(o, "counters", counters);
	json_object_object_add(o, "synced", json_object_new_boolean(mirror_is_synced(d->mirror)));
	/* Deletes queued or in flight: a test sees that none is left behind. */
	json_object_object_add(o, "enforcer-pending",
			       json_object_new_int64((int64_t)enforcer_pending(d->enforcer)));
	json_object_object_add(o, "dumping", json_object_new_boolean(mirror_is_dumping(d->mirror)));

	size_t len;
	const char *text = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN, &len);
	if (!text)
		return log_error_errno(ENOMEM, "Failed to serialize the mirror");
	r = write_file_atomic(d->options.debug_dump_path, text, len, 0600);
	if (r < 0)
		return log_error_errno(r, "Failed to write %s", d->options.debug_dump_path);
	return 0;
}

static int on_sigusr1(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
	(void)write_debug_dump(userdata);
	return 0;
}

static int on_sighup(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
	ConfigError error = {};
	(void)daemon_reload(userdata, &error);
	return 0;
}

static int on_exit_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
	Daemon *d = userdata;
	log_info("Received %s, exiting", strsignal((int)si->ssi_signo));
	(void)sd_notify(false, "STOPPING=1");
	return sd_event_exit(d->event, 0);
}

/* ---- the watchdog ---- */

/*
 * WATCHDOG=1 from our own timer rather than sd-event's, so that the same wake-up can keep the
 * metrics textfile fresh: its age is how Prometheus tells a dead daemon from an idle one, and an
 * idle daemon wakes up for nothing else.
 */
static int on_watchdog(sd_event_source *s, uint64_t usec, void *userdata)
{
	Daemon *d = userdata;

	(void)sd_notify(false, "WATCHDOG=1");
	daemon_metrics_heartbeat(d);
	(void)sd_event_source_set_time(s, usec + d->watchdog_usec / 2);
	(void)sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
	return 0;
}

static int setup_watchdog(Daemon *d)
{
	uint64_t now;
	int r = sd_watchdog_enabled(false, &d->watchdog_usec);

	if (r < 0)
		log_warning_errno(r, "Ignoring a malformed WATCHDOG_USEC");
	if (r <= 0)
		return 0;
	(void)sd_event_now(d->event, CLOCK_MONOTONIC, &now);
	r = sd_event_add_time(d->event, &d->watchdog_timer, CLOCK_MONOTONIC,
			      now + d->watchdog_usec / 2, 0, on_watchdog, d);
	if (r < 0)
		return log_error_errno(r, "Failed to set up the watchdog");
	/* Before everything else due at the same moment: a busy loop must still ping in time. */
	(void)sd_event_source_set_priority(d->watchdog_timer, SD_EVENT_PRIORITY_IMPORTANT);
	return 0;
}

/* ---- life ---- */

static int setup_event_loop(Daemon *d)
{
	sigset_t mask;
	int r;

	if ((r = sd_event_new(&d->event)) < 0)
		return log_error_errno(r, "Failed to create the event loop");
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGUSR1);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	if ((r = sd_event_add_signal(d->event, NULL, SIGTERM, on_exit_signal, d)) < 0 ||
	    (r = sd_event_add_signal(d->event, NULL, SIGINT, on_exit_signal, d)) < 0 ||
	    (r = sd_event_add_signal(d->event, NULL, SIGHUP, on_sighup, d)) < 0 ||
	    (r = sd_event_add_signal(d->event, NULL, SIGUSR1, on_sigusr1, d)) < 0)
		return log_error_errno(r, "Failed to watch signals");
	if ((r = setup_watchdog(d)) < 0)
		return r;
	if ((r = daemon_evaluate_setup(d)) < 0)
		return log_error_errno(r, "Failed to set up the evaluation's event sources");
	return 0;
}

int daemon_new(const DaemonOptions *options, Config *config, Daemon **ret)
{
	_cleanup_(daemon_freep) Daemon *d = calloc(1, sizeof(*d));
	int r;

	if (!d) {
		config_free(config);
		return log_error_errno(ENOMEM, "Failed to allocate the daemon");
	}
	d->options = *options;
	d->config = config;
	if ((r = netstate_new(&d->netstate)) < 0 || (r = apply_route_filter(d)) < 0 ||
	    (r = tracker_new(&d->tracker)) < 0)
		return log_error_errno(r, "Failed to set up the model");
	if ((r = setup_event_loop(d)) < 0)
		return r;
	r = control_new(d->event, options->socket_path, daemon_methods, d, &d->control);
	if (r == -EADDRINUSE)
		return log_error_errno(r,
				       "Another routeguardd answers on %s; not taking its socket",
				       options->socket_path);
	if (r < 0)
		return log_error_errno(r, "Failed to create the control socket %s",
				       options->socket_path);
	EnforcerOptions eo = {
	    .done = daemon_on_removed,
	    .may_send = daemon_may_send,
	    .userdata = d,
	    .debug_delay_ms = options->debug_delete_delay_ms,
	};
	if ((r = enforcer_new(d->event, &eo, &d->enforcer)) < 0)
		return log_error_errno(r, "Failed to open the enforcer's netlink socket");
	if ((r = daemon_metrics_timer_new(d)) < 0)
		return log_error_errno(r, "Failed to set up the metrics timer");
	if ((r = daemon_load_state(d)) < 0)
		return r;
	d->hostfacts_stale = true; /* read by the first evaluation, off the loop */
	watch_host_files(d);
	if ((r = daemon_cilium_new(d)) < 0)
		return r;
	if ((r = firewall_new(&d->firewall)) < 0)
		return log_error_errno(r, "Failed to set up the firewall model");
	if ((r = fw_mirror_new(d->event, d->firewall, d->config->firewall.poll_interval_usec,
			       on_firewall_changed, d, &d->fw_mirror)) < 0)
		return r;

	MirrorOptions mo = {.rcvbuf = options->debug_rcvbuf};
	MirrorCallbacks cb = {
	    .changed = on_mirror_changed,
	    .link_appeared = on_link_appeared,
	    .synced = on_mirror_synced,
	    .netconf_changed = on_netconf_changed,
	    .failed = on_mirror_failed,
	    .userdata = d,
	};
	if ((r = mirror_new(d->event, d->netstate, &mo, &cb, &d->mirror)) < 0)
		return log_error_errno(r, "Failed to set up the rtnetlink mirror");
	*ret = TAKE_PTR(d);
	return 0;
}

Daemon *daemon_free(Daemon *d)
{
	if (!d)
		return NULL;
	unwatch(d);
	daemon_hostfacts_abandon(d);
	daemon_cilium_free(d);
	mirror_free(d->mirror);
	fw_mirror_free(d->fw_mirror);
	firewall_free(d->firewall);
	control_free(d->control);
	enforcer_free(d->enforcer);
	sd_event_source_disable_unref(d->refresh);
	sd_event_source_disable_unref(d->metrics_timer);
	sd_event_source_disable_unref(d->window_timer);
	sd_event_source_disable_unref(d->watchdog_timer);
	sd_event_unref(d->event);
	netstate_free(d->netstate);
	hostfacts_free(d->hostfacts);
	tracker_free(d->tracker);
	verdict_free(d->verdict);
	free(d->since);
	daemon_publish_clear(d);
	free(d->reconcile_waiters);
	free(d->status_reply);
	config_free(d->config);
	free(d);
	return NULL;
}

int daemon_run(Daemon *d)
{
	int r = mirror_start(d->mirror);
	if (r < 0) {
		log_error_errno(r, "Failed to start the first dump");
		return EXIT_RUNTIME;
	}
	(void)fw_mirror_start(d->fw_mirror);
	r = sd_event_loop(d->event);
	if (r < 0) {
		log_error_errno(r, "Event loop failed");
		return EXIT_RUNTIME;
	}
	return r;
}
