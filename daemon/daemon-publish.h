/* SPDX-License-Identifier: MIT */
/*
 * The publish step. Evaluation and enforcement queue what happened (transitions, actions); one
 * call to daemon_publish() then hands it to everyone who reads it, in the order it happened:
 * alerts, Monitor subscribers, the status cache, STATUS= and READY=1, metrics, Reconcile answers.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "checks.h"
#include "messageid.h"

typedef struct Daemon Daemon;

typedef enum PublishWhat {
	PUBLISH_VERDICT, /* an evaluation ended: a new verdict and what it changed */
	PUBLISH_ACTIONS, /* an action completed outside an evaluation */
} PublishWhat;

/* A TransitionHandler for tracker_update(); userdata is the Daemon. */
void daemon_queue_transition(CheckId check, const char *subject, Transition t,
			     const Finding *finding, void *userdata);
void daemon_queue_action(Daemon *d, CheckId check, const char *subject, Action result,
			 const char *message, uint64_t time_usec);

void daemon_publish(Daemon *d, PublishWhat what);
/* Drops what was queued and not published (at exit). */
void daemon_publish_clear(Daemon *d);
