/* SPDX-License-Identifier: MIT */
#include <string.h>

#include "enforce-policy.h"
#include "protect.h"

bool enforce_failed_recently(const ActionLog *log, CheckId check, const char *subject,
			     uint64_t now_usec)
{
	const ActionRecord *a = actionlog_latest(log, check, subject);
	return a && a->result == ACTION_FAILED && a->time_usec + ENFORCE_RETRY_USEC > now_usec;
}

Remediation enforce_next_step(Mode mode, const Finding *f, const ActionLog *log, uint64_t now_usec)
{
	if (mode != MODE_ENFORCE || enforce_failed_recently(log, f->check, f->subject, now_usec))
		return REMEDIATION_ALERT_ONLY;
	return f->remediation;
}

uint64_t enforce_retry_due_usec(const Verdict *v, const ActionLog *log)
{
	uint64_t earliest = 0;

	for (size_t i = 0; i < v->n_findings; i++) {
		const Finding *f = &v->findings[i];
		if (f->remediation == REMEDIATION_ALERT_ONLY)
			continue;
		const ActionRecord *a = actionlog_latest(log, f->check, f->subject);
		if (!a || a->result != ACTION_FAILED)
			continue;
		uint64_t due = a->time_usec + ENFORCE_RETRY_USEC;
		if (!earliest || due < earliest)
			earliest = due;
	}
	return earliest;
}

uint64_t enforce_backoff_end_usec(const Verdict *v, const History *removals, uint64_t window_usec)
{
	uint64_t earliest = 0;

	for (size_t i = 0; i < v->n_findings; i++) {
		const Finding *f = &v->findings[i];
		if (f->action != ACTION_BACKOFF)
			continue;
		for (size_t j = 0; j < removals->n_removals; j++) {
			const RemovalHistory *r = &removals->removals[j];
			/* The count drops when the oldest removal leaves the window: look again
			 * then. */
			if (strcmp(r->name, f->subject) != 0 || r->n_times == 0)
				continue;
			uint64_t end = r->times_usec[0] + window_usec;
			if (!earliest || end < earliest)
				earliest = end;
		}
	}
	return earliest;
}

bool enforce_remove_at_once(const Config *c, const NetState *ns, const Link *link,
			    uint32_t native_ifindex, Phase last_phase, const History *removals,
			    const ActionLog *log, uint64_t now_usec)
{
	if (c->mode != MODE_ENFORCE || !device_may_be_removed(c, ns, link, native_ifindex))
		return false;
	if (last_phase == PHASE_MIGRATING || cilium_overlay_link(ns))
		return false;
	if (history_recent_removals(removals, link->name, c->enforce.recreate_window_usec) >=
	    c->enforce.recreate_count)
		return false;
	if (strcmp(link->kind, "bridge") == 0 &&
	    c->enforce.bridge_with_ports == BRIDGE_WITH_PORTS_PENDING &&
	    netstate_bridge_ports(ns, link->ifindex) > 0)
		return false;
	return !enforce_failed_recently(log, CHECK_FLANNEL_DEVICE, link->name, now_usec);
}
