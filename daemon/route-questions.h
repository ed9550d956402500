/* SPDX-License-Identifier: MIT */
/*
 * The kernel asked about pod routes' gateways: which route it uses for each (RTM_GETROUTE, as
 * `ip route get`), on a socket of its own, non-blocking, many questions in flight, answers read
 * in the loop and stored in the model (netstate_gateway_answer). The model says what to ask
 * (netstate_take_gateway_questions); this file only carries questions and answers.
 */
#pragma once

#include <stdbool.h>
#include <systemd/sd-event.h>

#include "netstate.h"

typedef struct RouteQuestions RouteQuestions;

typedef struct RouteQuestionsCallbacks {
	/* Answers came that changed a verdict, or the last gateway without one got it. */
	void (*answered)(void *userdata);
	/* The socket failed and could not be reopened: the caller stops asking. error is a negative
	 * errno, not logged. */
	void (*failed)(int error, void *userdata);
	void *userdata;
} RouteQuestionsCallbacks;

/* Returns 0 or a negative errno, not logged. */
_must_check_ int route_questions_new(sd_event *event, NetState *ns,
				     const RouteQuestionsCallbacks *callbacks,
				     RouteQuestions **ret);
RouteQuestions *route_questions_free(RouteQuestions *q);
DEFINE_TRIVIAL_CLEANUP_FUNC(RouteQuestions *, route_questions_free);

/* Sends what the model has queued, as far as the answers in flight leave room. */
void route_questions_flush(RouteQuestions *q);
