/* SPDX-License-Identifier: MIT */
/*
 * Findings over time: which are open and since when, which device names were removed and when.
 * Each evaluation's verdict is compared with the open set; a finding that appears is "opened", one
 * that is gone is "resolved", and only those transitions are alerted. The open set and the removal
 * history are saved in the state directory, so a restart neither forgets nor alerts again.
 */
#pragma once

#include <json-c/json.h>
#include <stdint.h>

#include "checks.h"

typedef struct OpenFinding {
	CheckId check; /* saved by its name */
	char *subject;
	uint64_t since_usec; /* CLOCK_REALTIME */
} OpenFinding;

typedef struct Tracker {
	OpenFinding *open;
	size_t n_open;
	RemovalHistory *removals;
	size_t n_removals;
} Tracker;

typedef void (*TransitionHandler)(CheckId check, const char *subject, Transition t,
				  const Finding *finding, void *userdata);

Tracker *tracker_free(Tracker *t);
DEFINE_TRIVIAL_CLEANUP_FUNC(Tracker *, tracker_free);
_must_check_ int tracker_new(Tracker **ret);

/*
 * Makes the open set the verdict's findings. Calls handler for each opened finding (with it) and
 * each resolved one (finding NULL), opened first, in the verdict's order. Fills since_usec[i] for
 * each verdict finding (the caller gives v->n_findings slots).
 */
_must_check_ int tracker_update(Tracker *t, const Verdict *v, uint64_t now_usec,
				TransitionHandler handler, void *userdata, uint64_t *since_usec);

/*
 * Forgets removals older than window_usec and the names left without one; clamps times later than
 * now (a clock that ran fast, then was corrected) to now, so no device stays in backoff for longer
 * than one window. The daemon calls it after loading the state file.
 */
void tracker_prune(Tracker *t, uint64_t now_usec, uint64_t window_usec);
/* Remembers a removal of name; prunes as tracker_prune() does. */
_must_check_ int tracker_record_removal(Tracker *t, const char *name, uint64_t now_usec,
					uint64_t window_usec);
/* The removal history as evaluate() takes it; valid until the tracker changes. */
History tracker_history(const Tracker *t, uint64_t now_usec);

_must_check_ int tracker_to_json(const Tracker *t, json_object **ret);
/*
 * Replaces t's content with the saved state; -EINVAL for a document that is not one. An open
 * finding of a check this build does not know (saved by another version) is dropped: it can never
 * be raised here, so it has nothing to resolve.
 */
_must_check_ int tracker_from_json(Tracker *t, json_object *o);
