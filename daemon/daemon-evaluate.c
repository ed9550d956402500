/* SPDX-License-Identifier: MIT */
/*
 * The pipeline, once per batch of changes: evaluate(), enforcement (the delete goes out first),
 * the transitions, the saved state, then the one publish step. And the window timer, which
 * evaluates again when a recreate backoff ends.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon-cilium.h"
#include "daemon-enforce.h"
#include "daemon-evaluate.h"
#include "daemon-publish.h"
#include "daemon-state.h"
#include "daemon-status.h"
#include "daemon.h"
#include "enforce-policy.h"
#include "log.h"
#include "timeutil.h"

void daemon_schedule_evaluation(Daemon *d)
{
	daemon_status_changed(d); /* counters and the mirror moved */
	(void)sd_event_source_set_enabled(d->refresh, SD_EVENT_ONESHOT);
}

static void refresh_hostfacts(Daemon *d)
{
	HostFacts *h = NULL;
	int r;

	if (!d->hostfacts_stale)
		return;
	if ((r = hostfacts_load(d->config, d->options.debug_host_root, &h)) < 0) {
		log_error_errno(r, "Failed to re-read the host's configuration");
		return;
	}
	hostfacts_free(d->hostfacts);
	d->hostfacts = h;
	d->hostfacts->firewall = d->firewall;
	d->hostfacts_stale = false;
	/* What changed the host's files (K3s restarted, Reconcile) may have changed the legacy
	 * tables too, which send no events. */
	fw_mirror_read_legacy(d->fw_mirror);
}

/* Whether what the state file holds may have changed: the open set or the findings. */
static bool findings_changed(const Verdict *old, const Verdict *v, bool open_set_changed)
{
	if (!old || open_set_changed || old->n_findings != v->n_findings || old->ready != v->ready)
		return true;
	for (size_t i = 0; i < v->n_findings; i++)
		if (old->findings[i].check != v->findings[i].check ||
		    strcmp(old->findings[i].subject, v->findings[i].subject) != 0)
			return true;
	return false;
}

/* The earliest moment a backoff ends or a failure's retry comes due: then evaluate again. */
void daemon_arm_window_timer(Daemon *d)
{
	if (!d->verdict)
		return;
	History removals = tracker_history(d->tracker, 0);
	uint64_t end = enforce_backoff_end_usec(d->verdict, &removals,
						d->config->enforce.recreate_window_usec);
	uint64_t retry = enforce_retry_due_usec(d->verdict, &d->actions);
	if (retry && (!end || retry < end))
		end = retry;

	if (!end) {
		(void)sd_event_source_set_enabled(d->window_timer, SD_EVENT_OFF);
		return;
	}
	(void)sd_event_source_set_time(d->window_timer, end);
	(void)sd_event_source_set_enabled(d->window_timer, SD_EVENT_ONESHOT);
}

void daemon_evaluate(Daemon *d)
{
	Verdict *v = NULL;
	int r;

	if (!mirror_is_synced(d->mirror))
		return; /* a verdict on half a view would alert on things that are not so */
	refresh_hostfacts(d);
	daemon_cilium_links_seen(d);
	d->hostfacts->cilium = daemon_cilium_facts(d);
	uint64_t now = now_usec(CLOCK_REALTIME);
	History history = tracker_history(d->tracker, now);
	if ((r = evaluate(d->config, d->netstate, d->hostfacts, &history, &v)) < 0) {
		log_error_errno(r, "Evaluation failed");
		return;
	}
	uint64_t *since = calloc(v->n_findings ? v->n_findings : 1, sizeof(uint64_t));
	if (!since) {
		verdict_free(v);
		log_error_errno(ENOMEM, "Evaluation failed");
		return;
	}
	d->counters.evaluations++;
	d->last_evaluation_usec = now;

	/* The delete goes out first; alerts, state and metrics after. */
	daemon_enforce(d, v);

	size_t open_before = d->tracker->n_open;
	Verdict *old = d->verdict;
	d->verdict = v; /* transitions report the new readiness */
	free(d->since);
	d->since = since;
	if ((r = tracker_update(d->tracker, v, now, daemon_queue_transition, d, since)) < 0)
		log_error_errno(r, "Failed to track findings");
	bool changed = findings_changed(old, v, open_before != d->tracker->n_open);
	verdict_free(old);
	actionlog_overlay(&d->actions, v, since);
	if (changed)
		(void)daemon_save_state(d);
	daemon_arm_window_timer(d);
	daemon_publish(d, PUBLISH_VERDICT);
}

static int on_refresh(sd_event_source *s, void *userdata)
{
	daemon_evaluate(userdata);
	return 0;
}

static int on_window_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
	daemon_evaluate(userdata);
	return 0;
}

int daemon_evaluate_setup(Daemon *d)
{
	int r;

	if ((r = sd_event_add_defer(d->event, &d->refresh, on_refresh, d)) < 0)
		return r;
	(void)sd_event_source_set_enabled(d->refresh, SD_EVENT_OFF);
	/* After the netlink reads of the same iteration, so one batch gives one evaluation. */
	(void)sd_event_source_set_priority(d->refresh, SD_EVENT_PRIORITY_IDLE);
	if ((r = sd_event_add_time(d->event, &d->window_timer, CLOCK_REALTIME, 0, 1000000,
				   on_window_timer, d)) < 0)
		return r;
	(void)sd_event_source_set_enabled(d->window_timer, SD_EVENT_OFF);
	return 0;
}
