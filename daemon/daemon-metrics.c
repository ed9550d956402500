/* SPDX-License-Identifier: MIT */
/*
 * The metrics textfile, written atomically at most once per second from a timer: never inline on
 * the path between an event and its delete.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "daemon-metrics.h"
#include "daemon-status.h"
#include "daemon.h"
#include "fileutil.h"
#include "log.h"
#include "metrics.h"

#define METRICS_INTERVAL_USEC (1000 * 1000)
/* An unchanged textfile is rewritten this often (on a watchdog wake-up), so it never looks stale
 * while routeguardd runs: the shipped alert fires at 15 minutes. */
#define METRICS_HEARTBEAT_USEC (300 * 1000 * 1000ULL)

static int on_metrics_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
	Daemon *d = userdata;
	static int last_error;
	StatusInput in;
	_cleanup_free_ char *text = NULL;

	if (!d->verdict || !d->config->metrics_textfile[0])
		return 0;
	d->last_metrics_usec = usec;
	daemon_status_input(d, &in);
	int r = metrics_render(&in, d->last_evaluation_usec, &text);
	if (r >= 0)
		r = write_file_atomic(d->config->metrics_textfile, text, strlen(text), 0644);
	if (r < 0 && r != last_error)
		log_warning_errno(r, "Cannot write the metrics textfile %s",
				  d->config->metrics_textfile);
	last_error = r < 0 ? r : 0;
	return 0;
}

void daemon_schedule_metrics(Daemon *d)
{
	int enabled = SD_EVENT_OFF;
	uint64_t now;

	if (!d->config->metrics_textfile[0])
		return;
	(void)sd_event_source_get_enabled(d->metrics_timer, &enabled);
	if (enabled != SD_EVENT_OFF)
		return; /* already due: that write will include this change */
	(void)sd_event_now(d->event, CLOCK_MONOTONIC, &now);
	uint64_t when = d->last_metrics_usec + METRICS_INTERVAL_USEC;
	(void)sd_event_source_set_time(d->metrics_timer, when > now ? when : now);
	(void)sd_event_source_set_enabled(d->metrics_timer, SD_EVENT_ONESHOT);
}

void daemon_metrics_heartbeat(Daemon *d)
{
	uint64_t now;
	(void)sd_event_now(d->event, CLOCK_MONOTONIC, &now);
	if (now >= d->last_metrics_usec + METRICS_HEARTBEAT_USEC)
		daemon_schedule_metrics(d);
}

int daemon_metrics_timer_new(Daemon *d)
{
	int r = sd_event_add_time(d->event, &d->metrics_timer, CLOCK_MONOTONIC, 0, 10000,
				  on_metrics_timer, d);
	if (r >= 0) {
		(void)sd_event_source_set_enabled(d->metrics_timer, SD_EVENT_OFF);
		/* After everything else that is due at the same time. */
		(void)sd_event_source_set_priority(d->metrics_timer, SD_EVENT_PRIORITY_IDLE);
	}
	return r;
}
