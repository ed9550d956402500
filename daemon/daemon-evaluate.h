/* SPDX-License-Identifier: MIT */
/* The pipeline: evaluate(), enforce, track the transitions, save, publish. */
#pragma once

typedef struct Daemon Daemon;

/* Evaluates now, if the mirror is synced. */
void daemon_evaluate(Daemon *d);
/* One evaluation soon, after the rest of this batch of events. */
void daemon_schedule_evaluation(Daemon *d);
/* Evaluates again when the earliest recreate backoff ends or a failed action's retry comes due. */
void daemon_arm_window_timer(Daemon *d);
/* The deferred evaluation and the window timer. Returns 0 or a negative errno (not logged). */
int daemon_evaluate_setup(Daemon *d);
