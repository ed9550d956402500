/* SPDX-License-Identifier: MIT */
/*
 * The publish step. What an evaluation or an action changed is queued where it happens and handed
 * out here, once, in the order it happened: each reader sees the same events and the same state.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include <time.h>

#include "alerts.h"
#include "daemon-methods.h"
#include "daemon-metrics.h"
#include "daemon-publish.h"
#include "daemon-status.h"
#include "daemon.h"
#include "log.h"
#include "timeutil.h"

typedef struct PublishEvent {
	Transition transition;
	CheckId check;
	char *subject;
	Severity severity;
	Action result;	       /* TRANSITION_ACTION */
	bool ready;	       /* the daemon's readiness when it happened */
	uint64_t time_usec;    /* CLOCK_REALTIME */
	char *message;	       /* the alert's words */
	char *finding_message; /* TRANSITION_OPENED: the finding's own words */
	char *remedy;	       /* TRANSITION_OPENED */
} PublishEvent;

static void event_done(PublishEvent *e)
{
	free(e->subject);
	free(e->message);
	free(e->finding_message);
	free(e->remedy);
}

/* A new event at the end of the queue, or NULL (logged) when memory ran out. */
static PublishEvent *queue(Daemon *d, Transition t, CheckId check, const char *subject,
			   const char *message, uint64_t time_usec)
{
	PublishEvent *grown = realloc(d->events, (d->n_events + 1) * sizeof(*grown));
	if (!grown) {
		log_error_errno(ENOMEM, "Dropping the %s event of %s %s", transition_to_string(t),
				check_to_string(check), subject);
		return NULL;
	}
	d->events = grown;
	PublishEvent *e = &d->events[d->n_events];
	*e = (PublishEvent){
	    .transition = t,
	    .check = check,
	    .subject = strdup(subject),
	    .message = strdup(message),
	    .ready = d->verdict ? d->verdict->ready : false,
	    .time_usec = time_usec,
	};
	if (!e->subject || !e->message) {
		event_done(e);
		log_error_errno(ENOMEM, "Dropping the %s event of %s %s", transition_to_string(t),
				check_to_string(check), subject);
		return NULL;
	}
	d->n_events++;
	return e;
}

void daemon_queue_transition(CheckId check, const char *subject, Transition t, const Finding *f,
			     void *userdata)
{
	Daemon *d = userdata;
	char message[1024];

	if (t == TRANSITION_OPENED)
		snprintf(message, sizeof(message), "%s: %s Fix: %s", check_to_string(check),
			 f->message, f->remedy);
	else
		snprintf(message, sizeof(message), "%s %s resolved", check_to_string(check),
			 subject);
	PublishEvent *e = queue(d, t, check, subject, message, now_usec(CLOCK_REALTIME));
	if (!e)
		return;
	e->severity = f ? f->severity : SEVERITY_WARNING;
	e->result = ACTION_NONE;
	if (f && (!(e->finding_message = strdup(f->message)) || !(e->remedy = strdup(f->remedy)))) {
		/* Published without the details rather than not at all. */
		free(e->finding_message);
		e->finding_message = NULL;
		log_error_errno(ENOMEM, "Publishing %s %s without its message",
				check_to_string(check), subject);
	}
}

void daemon_queue_action(Daemon *d, CheckId check, const char *subject, Action result,
			 const char *message, uint64_t time_usec)
{
	PublishEvent *e = queue(d, TRANSITION_ACTION, check, subject, message, time_usec);
	if (!e)
		return;
	e->severity = SEVERITY_ERROR;
	e->result = result;
}

/* The Monitor event (DESIGN.md §6). */
static json_object *monitor_event(const PublishEvent *e)
{
	json_object *o = json_object_new_object();
	char ts[32];

	json_object_object_add(o, "type",
			       json_object_new_string(transition_to_string(e->transition)));
	json_object_object_add(o, "check", json_object_new_string(check_to_string(e->check)));
	json_object_object_add(o, "subject", json_object_new_string(e->subject));
	json_object_object_add(o, "time",
			       json_object_new_string(timestamp_format(e->time_usec, ts)));
	json_object_object_add(o, "ready", json_object_new_boolean(e->ready));
	if (e->transition == TRANSITION_ACTION) {
		json_object_object_add(o, "result",
				       json_object_new_string(action_to_string(e->result)));
		json_object_object_add(o, "message", json_object_new_string(e->message));
	} else if (e->finding_message) {
		json_object_object_add(o, "severity",
				       json_object_new_string(severity_to_string(e->severity)));
		json_object_object_add(o, "message", json_object_new_string(e->finding_message));
		json_object_object_add(o, "remedy", json_object_new_string(e->remedy));
	}
	return o;
}

void daemon_publish_clear(Daemon *d)
{
	for (size_t i = 0; i < d->n_events; i++)
		event_done(&d->events[i]);
	free(d->events);
	d->events = NULL;
	d->n_events = 0;
}

static void publish_events(Daemon *d)
{
	for (size_t i = 0; i < d->n_events; i++) {
		const PublishEvent *e = &d->events[i];
		alert_transition(e->check, e->subject, e->transition, e->severity, e->result,
				 e->message);
		control_broadcast(d->control, monitor_event(e));
	}
	daemon_publish_clear(d);
}

void daemon_publish(Daemon *d, PublishWhat what)
{
	daemon_status_changed(d);
	publish_events(d);
	if (what == PUBLISH_VERDICT) {
		daemon_status_notify(d);
		if (!d->ready_sent) {
			d->ready_sent = true;
			(void)sd_notify(false, "READY=1");
			log_info("First evaluation done: %s",
				 d->verdict->ready ? "ready" : "not ready");
		}
	}
	daemon_schedule_metrics(d);
	/* Only a new verdict answers a Reconcile: an action alone may come before its evaluation.
	 */
	if (what == PUBLISH_VERDICT)
		daemon_answer_reconcile(d);
}
