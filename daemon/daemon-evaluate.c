/* SPDX-License-Identifier: MIT */
/*
 * One evaluation per batch of changes: evaluate(), then enforcement (the delete goes out first),
 * then the transitions (alerts, Monitor), the saved state, STATUS=, metrics.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <systemd/sd-daemon.h>

#include "alerts.h"
#include "daemon.h"
#include "fileio.h"
#include "fileutil.h"
#include "firewall-enforcer.h"
#include "log.h"
#include "netstate-json.h"
#include "protect.h"
#include "version.h"

#define STATE_FILE "state.json"

static void record_action(Daemon *d, CheckId check, const char *subject, Action result,
			  uint64_t now)
{
	if (d->n_actions == STATUS_ACTIONS_MAX) {
		memmove(d->actions, d->actions + 1,
			(STATUS_ACTIONS_MAX - 1) * sizeof(ActionRecord));
		d->n_actions--;
	}
	daemon_status_changed(d);
	ActionRecord *a = &d->actions[d->n_actions++];
	a->time_usec = now;
	a->check = check;
	snprintf(a->subject, sizeof(a->subject), "%s", subject);
	a->result = result;
}

static json_object *event_object(Daemon *d, const char *type, CheckId check, const char *subject,
				 uint64_t now)
{
	json_object *o = json_object_new_object();
	char ts[32];
	json_object_object_add(o, "type", json_object_new_string(type));
	json_object_object_add(o, "check", json_object_new_string(check_to_string(check)));
	json_object_object_add(o, "subject", json_object_new_string(subject));
	json_object_object_add(o, "time", json_object_new_string(timestamp_format(now, ts)));
	json_object_object_add(o, "ready",
			       json_object_new_boolean(d->verdict ? d->verdict->ready : false));
	return o;
}

static int save_state(Daemon *d)
{
	_cleanup_(json_object_putp) json_object *o = NULL;
	_cleanup_free_ char *path = NULL;
	int r;

	if (mkdir(d->options.state_dir, 0755) < 0 && errno != EEXIST)
		return log_warning_errno(errno, "Cannot create %s; state is not saved",
					 d->options.state_dir);
	if (asprintf(&path, "%s/%s", d->options.state_dir, STATE_FILE) < 0 ||
	    (r = tracker_to_json(d->tracker, &o)) < 0)
		return -ENOMEM;
	size_t len;
	const char *text = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN, &len);
	if ((r = write_file_atomic(path, text, len, 0644)) < 0)
		return log_warning_errno(r, "Cannot save state to %s", path);
	return 0;
}

int daemon_load_state(Daemon *d)
{
	_cleanup_free_ char *path = NULL, *text = NULL;
	size_t len;

	if (asprintf(&path, "%s/%s", d->options.state_dir, STATE_FILE) < 0)
		return log_error_errno(ENOMEM, "Out of memory");
	int r = read_text_file(path, 16 * 1024 * 1024, &text, &len);
	if (r == -ENOENT)
		return 0;
	if (r < 0) {
		log_warning_errno(r, "Cannot read %s; starting without saved state", path);
		return 0;
	}
	json_object *o = json_tokener_parse(text);
	r = o ? tracker_from_json(d->tracker, o) : -EINVAL;
	json_object_put(o);
	if (r < 0)
		log_warning(
		    "%s is not routeguard state; starting without it (open findings alert again)",
		    path);
	else
		log_info("Loaded %zu open finding(s) from %s", d->tracker->n_open, path);
	return 0;
}

/* ---- transitions ---- */

static void on_transition(CheckId check, const char *subject, Transition t, const Finding *f,
			  void *userdata)
{
	Daemon *d = userdata;
	uint64_t now = realtime_usec();
	char message[1024];

	if (t == TRANSITION_OPENED)
		snprintf(message, sizeof(message), "%s: %s Fix: %s", check_to_string(check),
			 f->message, f->remedy);
	else
		snprintf(message, sizeof(message), "%s %s resolved", check_to_string(check),
			 subject);
	alert_transition(check, subject, t, f ? f->severity : SEVERITY_WARNING, ACTION_NONE,
			 message);
	json_object *e = event_object(d, transition_to_string(t), check, subject, now);
	if (f) {
		json_object_object_add(e, "severity",
				       json_object_new_string(severity_to_string(f->severity)));
		json_object_object_add(e, "message", json_object_new_string(f->message));
		json_object_object_add(e, "remedy", json_object_new_string(f->remedy));
	}
	control_broadcast(d->control, e);
}

static void announce_action(Daemon *d, CheckId check, const char *subject, Action result,
			    const char *message)
{
	uint64_t now = realtime_usec();
	record_action(d, check, subject, result, now);
	alert_transition(check, subject, TRANSITION_ACTION, SEVERITY_ERROR, result, message);
	json_object *e = event_object(d, "action", check, subject, now);
	json_object_object_add(e, "result", json_object_new_string(action_to_string(result)));
	json_object_object_add(e, "message", json_object_new_string(message));
	control_broadcast(d->control, e);
	daemon_schedule_metrics(d);
}

/* ---- enforcement ---- */

#define FAILED_ACTION_RETRY_USEC (60 * 1000000ULL)

/* A removal or move that failed is tried again after a minute, not at every event: a busy node
 * would otherwise alert the same failure many times a second. */
static bool failed_recently(const Daemon *d, CheckId check, const char *subject, uint64_t now)
{
	for (size_t i = d->n_actions; i-- > 0;) {
		const ActionRecord *a = &d->actions[i];
		if (a->check != check || strcmp(a->subject, subject) != 0)
			continue;
		return a->result == ACTION_FAILED && a->time_usec + FAILED_ACTION_RETRY_USEC > now;
	}
	return false;
}

static void remove_device(Daemon *d, const Finding *f, uint32_t native_ifindex)
{
	const Link *link = netstate_link(d->netstate, f->ifindex);

	/* Checked again here, at the last moment: the never-removed set wins over any verdict. */
	if (!link || strcmp(link->name, f->subject) != 0 ||
	    !device_may_be_removed(d->config, d->netstate, link, native_ifindex) ||
	    enforcer_link_pending(d->enforcer, link->ifindex))
		return;
	int r = enforcer_remove_link(d->enforcer, link->ifindex, link->name, f->check);
	if (r < 0) {
		char message[256];
		snprintf(message, sizeof(message), "Could not send the delete of %s: %s",
			 link->name, strerror(-r));
		announce_action(d, f->check, f->subject, ACTION_FAILED, message);
		return;
	}
	log_info("Removing %s (%s): %s", link->name, link->kind, check_to_string(f->check));
}

/* host-local IPAM takes an flock on the network directory's lock file around each allocation:
 * move the directory only while holding it, so no allocation is cut in half. -1 when there is
 * no lock file (nothing to hold), -EBUSY when IPAM holds it now. */
static int lock_ipam_dir(const char *dir)
{
	_cleanup_free_ char *path = NULL;
	if (asprintf(&path, "%s/lock", dir) < 0)
		return -ENOMEM;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		close(fd);
		return -EBUSY;
	}
	return fd;
}

static void quarantine(Daemon *d, const Finding *f)
{
	_cleanup_free_ char *dest = NULL;
	char message[1024];
	int lock = f->check == CHECK_CNI_IPAM_LEFTOVERS ? lock_ipam_dir(f->subject) : -1;
	if (lock == -EBUSY)
		return; /* an allocation is under way: the next evaluation tries again */
	int r = quarantine_file(f->subject, d->config->cni.quarantine_dir, realtime_usec(), &dest);
	if (lock >= 0)
		close(lock);

	if (r < 0) {
		snprintf(message, sizeof(message), "Could not move %s to %s: %s", f->subject,
			 d->config->cni.quarantine_dir, strerror(-r));
		announce_action(d, f->check, f->subject, ACTION_FAILED, message);
		return;
	}
	d->counters.files_quarantined++;
	d->hostfacts_stale = true;
	snprintf(message, sizeof(message), "Moved %s to %s", f->subject, dest);
	announce_action(d, f->check, f->subject, ACTION_QUARANTINED, message);
	daemon_schedule_evaluation(d);
}

static void remove_chain(Daemon *d, const Finding *f)
{
	char message[512];
	int r = fw_remove_leftover(d->firewall, f->subject, message, sizeof(message));

	if (r == -ENOENT) {
		log_debug("%s was gone before our removal", f->subject);
		return;
	}
	if (r < 0) {
		announce_action(d, f->check, f->subject, ACTION_FAILED, message);
		return;
	}
	if (tracker_record_removal(d->tracker, f->subject, realtime_usec(),
				   d->config->enforce.recreate_window_usec) < 0)
		log_warning("Out of memory recording the removal of %s", f->subject);
	(void)save_state(d);
	log_info("%s", message);
	announce_action(d, f->check, f->subject, ACTION_REMOVED, message);
	daemon_schedule_evaluation(d);
}

static void enforce(Daemon *d, const Verdict *v)
{
	if (d->config->mode != MODE_ENFORCE)
		return;
	uint64_t now = realtime_usec();
	for (size_t i = 0; i < v->n_findings; i++) {
		const Finding *f = &v->findings[i];
		if (failed_recently(d, f->check, f->subject, now))
			continue;
		if (f->remediation == REMEDIATION_REMOVE_DEVICE)
			remove_device(d, f, v->native_ifindex);
		else if (f->remediation == REMEDIATION_QUARANTINE_FILE)
			quarantine(d, f);
		else if (f->remediation == REMEDIATION_REMOVE_CHAIN)
			remove_chain(d, f);
	}
}

void daemon_on_removed(Enforcer *e, uint32_t ifindex, const char *name, CheckId check, int error,
		       const char *kernel_message, void *userdata)
{
	Daemon *d = userdata;
	char message[512];
	uint64_t now = realtime_usec();
	(void)e;

	if (error == -ENODEV) {
		log_debug("%s (ifindex %u) was gone before our delete", name, ifindex);
		return;
	}
	if (error < 0) {
		snprintf(message, sizeof(message), "Failed to remove %s: %s%s%s", name,
			 strerror(-error), kernel_message ? ": " : "",
			 kernel_message ? kernel_message : "");
		announce_action(d, check, name, ACTION_FAILED, message);
		return;
	}
	d->counters.devices_removed++;
	if (tracker_record_removal(d->tracker, name, now, d->config->enforce.recreate_window_usec) <
	    0)
		log_warning("Out of memory recording the removal of %s", name);
	(void)save_state(d);
	snprintf(message, sizeof(message), "Removed %s", name);
	announce_action(d, check, name, ACTION_REMOVED, message);
}

/* ---- status ---- */

/* The latest action on a finding since it opened shows in its "action" field. */
static void overlay_actions(Daemon *d)
{
	Verdict *v = d->verdict;
	for (size_t i = 0; i < v->n_findings; i++) {
		Finding *f = &v->findings[i];
		if (f->action != ACTION_NONE)
			continue;
		for (size_t j = d->n_actions; j-- > 0;) {
			const ActionRecord *a = &d->actions[j];
			if (a->time_usec >= d->since[i] && a->check == f->check &&
			    strcmp(a->subject, f->subject) == 0) {
				f->action = a->result;
				break;
			}
		}
	}
}

void daemon_status_input(Daemon *d, StatusInput *in)
{
	const MirrorCounters *k = mirror_counters(d->mirror);
	*in = (StatusInput){
	    .version = ROUTEGUARD_VERSION,
	    .config = d->config,
	    .verdict = d->verdict,
	    .netstate = d->netstate,
	    .since_usec = d->since,
	    .now_usec = realtime_usec(),
	    .actions = d->actions,
	    .n_actions = d->n_actions,
	    .counters = d->counters,
	};
	in->counters.netlink_events = k->netlink_events;
	in->counters.resyncs = k->resyncs;
	in->counters.overruns = k->overruns;
}

int daemon_status(Daemon *d, json_object **ret)
{
	StatusInput in;
	Verdict empty = {.ready = false};

	daemon_status_input(d, &in);
	if (!d->verdict)
		in.verdict = &empty; /* before the first evaluation: not ready, no findings yet */
	return status_to_json(&in, ret);
}

/* STATUS= in a few words: "ready", or "not ready: 2 errors (flannel-device flannel.1, …)". */
static void notify_status(Daemon *d)
{
	const Verdict *v = d->verdict;
	char status[512];
	int n;

	if (v->ready) {
		n = snprintf(status, sizeof(status), "ready");
	} else {
		n = snprintf(status, sizeof(status), "not ready: %zu error%s (", v->n_errors,
			     v->n_errors == 1 ? "" : "s");
		size_t shown = 0;
		for (size_t i = 0; i < v->n_findings && n > 0 && (size_t)n < sizeof(status); i++) {
			const Finding *f = &v->findings[i];
			if (f->severity != SEVERITY_ERROR)
				continue;
			if (shown == 2) {
				n += snprintf(status + n, sizeof(status) - (size_t)n, ", …");
				break;
			}
			n += snprintf(status + n, sizeof(status) - (size_t)n, "%s%s %s",
				      shown ? ", " : "", check_to_string(f->check), f->subject);
			shown++;
		}
		if (n > 0 && (size_t)n < sizeof(status))
			n += snprintf(status + n, sizeof(status) - (size_t)n, ")");
	}
	/* Then the mirror's counts, for whoever reads systemctl status. */
	const MirrorCounters *k = mirror_counters(d->mirror);
	size_t n_links;
	(void)netstate_links(d->netstate, &n_links);
	if (n > 0 && (size_t)n < sizeof(status))
		snprintf(status + n, sizeof(status) - (size_t)n,
			 "; %zu links, %zu routes kept of %llu seen, %llu overruns, %llu resyncs",
			 n_links, netstate_routes_kept(d->netstate),
			 (unsigned long long)netstate_routes_seen(d->netstate),
			 (unsigned long long)k->overruns, (unsigned long long)k->resyncs);
	(void)sd_notifyf(false, "STATUS=%s", status);
}

/* The earliest moment a backoff can end: then evaluate again. */
static void arm_window_timer(Daemon *d)
{
	uint64_t window = d->config->enforce.recreate_window_usec, earliest = 0;
	const Tracker *t = d->tracker;

	for (size_t i = 0; i < d->verdict->n_findings; i++) {
		const Finding *f = &d->verdict->findings[i];
		if (f->action != ACTION_BACKOFF)
			continue;
		for (size_t j = 0; j < t->n_removals; j++)
			if (strcmp(t->removals[j].name, f->subject) == 0 &&
			    t->removals[j].n_times > 0) {
				uint64_t end = t->removals[j].times_usec[0] + window;
				if (!earliest || end < earliest)
					earliest = end;
			}
	}
	if (!earliest) {
		(void)sd_event_source_set_enabled(d->window_timer, SD_EVENT_OFF);
		return;
	}
	(void)sd_event_source_set_time(d->window_timer, earliest);
	(void)sd_event_source_set_enabled(d->window_timer, SD_EVENT_ONESHOT);
}

static int on_window_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
	(void)s;
	(void)usec;
	daemon_evaluate(userdata);
	return 0;
}

void daemon_evaluate(Daemon *d)
{
	Verdict *v = NULL;
	int r;

	if (!mirror_is_synced(d->mirror))
		return; /* a verdict on half a view would alert on things that are not so */
	if (d->hostfacts_stale) {
		HostFacts *h = NULL;
		if ((r = hostfacts_load(d->config, d->options.debug_host_root, &h)) < 0) {
			log_error_errno(r, "Failed to re-read the host's configuration");
		} else {
			hostfacts_free(d->hostfacts);
			d->hostfacts = h;
			d->hostfacts->firewall = d->firewall;
			d->hostfacts_stale = false;
		}
		/* What changed the host's files (K3s restarted, Reconcile) may have changed the
		 * legacy tables too, which send no events. */
		fw_mirror_read_legacy(d->fw_mirror);
	}
	uint64_t now = realtime_usec();
	History history = tracker_history(d->tracker, now);
	if ((r = evaluate(d->config, d->netstate, d->hostfacts, &history, &v)) < 0) {
		log_error_errno(r, "Evaluation failed");
		return;
	}
	d->counters.evaluations++;
	d->last_evaluation_usec = now;
	daemon_status_changed(d);

	/* The delete goes out first; alerts, state and metrics after. */
	enforce(d, v);

	uint64_t *since = calloc(v->n_findings ? v->n_findings : 1, sizeof(uint64_t));
	if (!since) {
		verdict_free(v);
		log_error_errno(ENOMEM, "Evaluation failed");
		return;
	}
	size_t open_before = d->tracker->n_open;
	bool changed = false;
	Verdict *old = d->verdict;
	d->verdict = v; /* transitions report the new readiness */
	free(d->since);
	d->since = since;
	if ((r = tracker_update(d->tracker, v, now, on_transition, d, since)) < 0)
		log_error_errno(r, "Failed to track findings");
	changed = !old || old->n_findings != v->n_findings || open_before != d->tracker->n_open ||
		  old->ready != v->ready;
	for (size_t i = 0; !changed && i < v->n_findings; i++)
		changed = old->findings[i].check != v->findings[i].check ||
			  strcmp(old->findings[i].subject, v->findings[i].subject) != 0;
	verdict_free(old);
	overlay_actions(d);
	if (changed)
		(void)save_state(d);

	notify_status(d);
	if (!d->ready_sent) {
		d->ready_sent = true;
		(void)sd_notify(false, "READY=1");
		log_info("First evaluation done: %s", v->ready ? "ready" : "not ready");
	}
	arm_window_timer(d);
	daemon_schedule_metrics(d);
	daemon_answer_reconcile(d);
}

int daemon_window_timer_new(Daemon *d)
{
	int r = sd_event_add_time(d->event, &d->window_timer, CLOCK_REALTIME, 0, 1000000,
				  on_window_timer, d);
	if (r >= 0)
		(void)sd_event_source_set_enabled(d->window_timer, SD_EVENT_OFF);
	return r;
}
