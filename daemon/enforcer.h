/* SPDX-License-Identifier: MIT */
/*
 * The enforcer carries out removals, never blocking the loop. A link delete is built with
 * libnl-route-3, sent on a non-blocking socket, and its ACK (or error) collected from the event
 * loop: the kernel acknowledges only after the teardown, ~15 ms (p99 ~40 ms) later. Files are
 * moved into the quarantine directory with a timestamped name, never deleted.
 */
#pragma once

#include <stdint.h>
#include <systemd/sd-event.h>

#include "checks.h"

typedef struct Enforcer Enforcer;

/*
 * A delete completed. check is the one its enforcer_remove_link() named, for the action's alert;
 * error: 0 removed, -ENODEV gone before us (also success), other negative errno: failed.
 */
typedef void (*EnforcerDone)(Enforcer *e, uint32_t ifindex, const char *name, CheckId check,
			     int error, const char *kernel_message, void *userdata);

_must_check_ int enforcer_new(sd_event *event, EnforcerDone done, void *userdata, Enforcer **ret);
Enforcer *enforcer_free(Enforcer *e);
DEFINE_TRIVIAL_CLEANUP_FUNC(Enforcer *, enforcer_free);

/* Sends RTM_DELLINK for ifindex, which the finding of check asked for. -EALREADY when a delete of
 * it is still in flight. */
_must_check_ int enforcer_remove_link(Enforcer *e, uint32_t ifindex, const char *name,
				      CheckId check);
bool enforcer_link_pending(const Enforcer *e, uint32_t ifindex);
/* Deletes sent and not yet acknowledged: their removals are not in the history yet. */
size_t enforcer_n_pending(const Enforcer *e);

/*
 * Moves path into dir as BASENAME.YYYYmmddTHHMMSSZ (a copy then unlink across filesystems).
 * Returns 0 and the new path, or a negative errno; the source is never lost.
 */
_must_check_ int quarantine_file(const char *path, const char *dir, uint64_t now_usec, char **ret);
