/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>

#include "daemon.h"
#include "fileio.h"
#include "log.h"
#include "netstate-json.h"

static int apply_route_filter(Daemon *d)
{
	const Config *c = d->config;
	return netstate_set_route_filter(d->netstate, &c->native_routing_cidr, 1, c->peers,
					 c->n_peers);
}

static void notify_status(Daemon *d)
{
	const MirrorCounters *k = mirror_counters(d->mirror);
	size_t n_links;

	(void)netstate_links(d->netstate, &n_links);
	(void)sd_notifyf(false,
			 "STATUS=%zu links, %zu routes kept of %llu seen, %llu overruns, %llu resyncs",
			 n_links, netstate_routes_kept(d->netstate),
			 (unsigned long long)netstate_routes_seen(d->netstate),
			 (unsigned long long)k->overruns, (unsigned long long)k->resyncs);
}

/* Runs once per loop iteration in which the model changed, never once per message. */
static int on_refresh(sd_event_source *s, void *userdata)
{
	Daemon *d = userdata;
	(void)s;

	if (mirror_is_synced(d->mirror))
		notify_status(d);
	return 0;
}

static void on_mirror_changed(Mirror *m, void *userdata)
{
	Daemon *d = userdata;
	(void)m;
	(void)sd_event_source_set_enabled(d->refresh, SD_EVENT_ONESHOT);
}

static void on_mirror_synced(Mirror *m, void *userdata)
{
	Daemon *d = userdata;
	(void)m;

	(void)sd_event_source_set_enabled(d->refresh, SD_EVENT_ONESHOT);
	if (d->ready_sent)
		return;
	d->ready_sent = true;
	notify_status(d);
	(void)sd_notify(false, "READY=1");
	log_info("Mirror synced: ready");
}

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
	json_object_object_add(counters, "netlink-events", json_object_new_int64((int64_t)k->netlink_events));
	json_object_object_add(counters, "resyncs", json_object_new_int64((int64_t)k->resyncs));
	json_object_object_add(counters, "overruns", json_object_new_int64((int64_t)k->overruns));
	json_object_object_add(counters, "dumps-interrupted",
			       json_object_new_int64((int64_t)k->dumps_interrupted));
	json_object_object_add(counters, "malformed", json_object_new_int64((int64_t)k->malformed));
	json_object_object_add(o, "counters", counters);
	json_object_object_add(o, "synced", json_object_new_boolean(mirror_is_synced(d->mirror)));
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
	(void)s;
	(void)si;
	(void)write_debug_dump(userdata);
	return 0;
}

static int reload_config(Daemon *d)
{
	_cleanup_(config_freep) Config *c = NULL;
	ConfigError error = {};
	int r;

	(void)sd_notify(false, "RELOADING=1");
	r = config_load(d->options.config_path, &c, &error);
	if (r < 0) {
		log_error("Reload failed, keeping the previous configuration: %s", error.text);
		(void)sd_notify(false, "READY=1");
		return r;
	}
	config_free(d->config);
	d->config = TAKE_PTR(c);
	r = apply_route_filter(d);
	if (r < 0)
		return log_error_errno(r, "Failed to apply the new route filter");
	/* Which routes are kept depends on the CIDR and peers: dump routes again. */
	mirror_request_resync(d->mirror, SYNC_ROUTES4 | SYNC_ROUTES6);
	log_info("Configuration reloaded from %s", d->options.config_path);
	(void)sd_notify(false, "READY=1");
	return 0;
}

static int on_sighup(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
	(void)s;
	(void)si;
	(void)reload_config(userdata);
	return 0;
}

static int on_exit_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
	Daemon *d = userdata;
	(void)s;
	log_info("Received %s, exiting", strsignal((int)si->ssi_signo));
	(void)sd_notify(false, "STOPPING=1");
	return sd_event_exit(d->event, 0);
}

int daemon_new(const DaemonOptions *options, Config *config, Daemon **ret)
{
	_cleanup_(daemon_freep) Daemon *d = calloc(1, sizeof(*d));
	sigset_t mask;
	int r;

	if (!d) {
		config_free(config);
		return log_error_errno(ENOMEM, "Failed to allocate the daemon");
	}
	d->options = *options;
	d->config = config;
	if ((r = netstate_new(&d->netstate)) < 0 || (r = apply_route_filter(d)) < 0)
		return log_error_errno(r, "Failed to set up the mirror");
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
	/* WATCHDOG=1 from the loop itself, when systemd set WATCHDOG_USEC. */
	if ((r = sd_event_set_watchdog(d->event, true)) < 0)
		return log_error_errno(r, "Failed to set up the watchdog");
	if ((r = sd_event_add_defer(d->event, &d->refresh, on_refresh, d)) < 0)
		return log_error_errno(r, "Failed to add the refresh source");
	(void)sd_event_source_set_enabled(d->refresh, SD_EVENT_OFF);
	/* After the netlink reads of the same iteration, so one batch gives one refresh. */
	(void)sd_event_source_set_priority(d->refresh, SD_EVENT_PRIORITY_IDLE);

	MirrorOptions mo = {.rcvbuf = options->debug_rcvbuf};
	MirrorCallbacks cb = {on_mirror_changed, on_mirror_synced, d};
	if ((r = mirror_new(d->event, d->netstate, &mo, &cb, &d->mirror)) < 0)
		return r;
	*ret = TAKE_PTR(d);
	return 0;
}

Daemon *daemon_free(Daemon *d)
{
	if (!d)
		return NULL;
	mirror_free(d->mirror);
	sd_event_source_disable_unref(d->refresh);
	sd_event_unref(d->event);
	netstate_free(d->netstate);
	config_free(d->config);
	free(d);
	return NULL;
}

int daemon_run(Daemon *d)
{
	int r = mirror_start(d->mirror);
	if (r < 0) {
		log_error_errno(r, "Failed to start the first dump");
		return 3;
	}
	r = sd_event_loop(d->event);
	if (r < 0) {
		log_error_errno(r, "Event loop failed");
		return 3;
	}
	return r;
}
