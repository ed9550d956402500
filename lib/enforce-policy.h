/* SPDX-License-Identifier: MIT */
/*
 * What enforce mode does about each finding, and when: the daemon carries the step out, this file
 * only decides it (no I/O, no clock: the caller passes the time).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "actionlog.h"
#include "checks.h"
#include "config.h"
#include "netstate.h"

/* A removal or move that failed is tried again after this long. */
#define ENFORCE_RETRY_USEC (60 * 1000000ULL)

/*
 * Whether the newest action on check and subject is a failure less than ENFORCE_RETRY_USEC old: a
 * busy node would otherwise retry, and alert, the same failure many times a second.
 */
bool enforce_failed_recently(const ActionLog *log, CheckId check, const char *subject,
			     uint64_t now_usec);

/*
 * The step to take on f now: REMEDIATION_REMOVE_DEVICE or REMEDIATION_QUARANTINE_FILE, or
 * REMEDIATION_ALERT_ONLY when there is nothing to do (observe mode, a recent failure, or a finding
 * that only alerts).
 */
Remediation enforce_next_step(Mode mode, const Finding *f, const ActionLog *log, uint64_t now_usec);

/*
 * When the earliest retry of a failed removal or move among v's findings comes due
 * (CLOCK_REALTIME), so that a quiet node, where no event would cause an evaluation, still tries
 * again (issue 13); 0 when none is waiting.
 */
uint64_t enforce_retry_due_usec(const Verdict *v, const ActionLog *log);

/*
 * When the earliest recreate backoff among v's findings ends (CLOCK_REALTIME), so the daemon can
 * evaluate again then; 0 when no finding is in backoff.
 */
uint64_t enforce_backoff_end_usec(const Verdict *v, const History *removals, uint64_t window_usec);

/*
 * Whether a link that has just appeared may be deleted at once, from the netlink handler, before
 * the evaluation of its batch: only when that evaluation would surely order its removal (a remove
 * rule matches, nothing protects it, no recreate backoff, no bridge with ports held back, no recent
 * failure). The never-removed check (device_may_be_removed()) is made on the model as it is now,
 * which need not hold link yet (the daemon decides before the model takes the notification in).
 * A new link carries no route yet, so it cannot be the native device found from routes.
 * last_phase is the migration phase of the latest verdict: a node in the middle of the per-node
 * migration (PHASE_MIGRATING), or one with Cilium's overlay device beside the new link, may need a
 * Flannel device while pods still use it, and only the evaluation, which knows the whole phase,
 * decides there.
 */
bool enforce_remove_at_once(const Config *c, const NetState *ns, const Link *link,
			    uint32_t native_ifindex, Phase last_phase, const History *removals,
			    const ActionLog *log, uint64_t now_usec);
