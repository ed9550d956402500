/* SPDX-License-Identifier: MIT */
/*
 * Enforcement: lib/enforce-policy.c decides the step for each finding; this file carries it out
 * (the delete goes out at once, its acknowledgement comes back to daemon_on_removed) and queues
 * each result for the publish step.
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "daemon-enforce.h"
#include "daemon-evaluate.h"
#include "daemon-publish.h"
#include "daemon-state.h"
#include "daemon.h"
#include "enforce-policy.h"
#include "firewall-enforcer.h"
#include "log.h"
#include "protect.h"
#include "timeutil.h"

/* Remembered in the action log (for the retry policy and the status object) and published. */
static void announce(Daemon *d, CheckId check, const char *subject, Action result,
		     const char *message)
{
	uint64_t now = now_usec(CLOCK_REALTIME);

	actionlog_record(&d->actions, check, subject, result, now);
	daemon_queue_action(d, check, subject, result, message, now);
}

static void remove_device(Daemon *d, const Finding *f, uint32_t native_ifindex)
{
	const Link *link = netstate_link(d->netstate, f->ifindex);

	/* Checked again here, at the last moment: the never-removed set wins over any verdict. */
	if (!link || strcmp(link->name, f->subject) != 0 ||
	    !device_may_be_removed(d->config, d->netstate, link, native_ifindex) ||
	    enforcer_link_pending(d->enforcer, link->ifindex))
		return;
	int r = enforcer_remove_link(d->enforcer, link->ifindex, link->name, f->check);
	if (r < 0) {
		char message[256];
		snprintf(message, sizeof(message), "Could not send the delete of %s: %s",
			 link->name, strerror(-r));
		announce(d, f->check, f->subject, ACTION_FAILED, message);
		return;
	}
	log_info("Removing %s (%s): %s", link->name, link->kind, check_to_string(f->check));
}

void daemon_enforce_new_link(Daemon *d, uint32_t ifindex)
{
	const Link *link = netstate_link(d->netstate, ifindex);
	uint64_t now = now_usec(CLOCK_REALTIME);

	/* Only once a verdict exists: before it the model is half a view, and the native device
	 * not yet known. And not while a delete awaits its acknowledgement: that removal is not in
	 * the history yet, so the recreate limit would be counted short (the evaluation, which runs
	 * after the acknowledgement is read, decides then). */
	if (!link || !d->verdict || enforcer_n_pending(d->enforcer) > 0)
		return;
	History removals = tracker_history(d->tracker, now);
	if (!enforce_remove_at_once(d->config, d->netstate, link, d->verdict->native_ifindex,
				    &removals, &d->actions, now))
		return;
	char name[IFNAMSIZ];
	snprintf(name, sizeof(name), "%s", link->name);
	Finding f = {.check = CHECK_FLANNEL_DEVICE, .subject = name, .ifindex = ifindex};
	log_debug("%s appeared and may be removed: deleting it before the evaluation", name);
	remove_device(d, &f, d->verdict->native_ifindex);
}

/* host-local IPAM takes an flock on the network directory's lock file around each allocation:
 * move the directory only while holding it, so no allocation is cut in half. -1 when there is
 * no lock file (nothing to hold), -EBUSY when IPAM holds it now. */
static int lock_ipam_dir(const char *dir)
{
	_cleanup_free_ char *path = NULL;
	if (asprintf(&path, "%s/lock", dir) < 0)
		return -ENOMEM;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		close(fd);
		return -EBUSY;
	}
	return fd;
}

static void quarantine(Daemon *d, const Finding *f)
{
	_cleanup_free_ char *dest = NULL;
	char message[1024];
	int lock = f->check == CHECK_CNI_IPAM_LEFTOVERS ? lock_ipam_dir(f->subject) : -1;
	if (lock == -EBUSY)
		return; /* an allocation is under way: the next evaluation tries again */
	int r = quarantine_file(f->subject, d->config->cni.quarantine_dir, now_usec(CLOCK_REALTIME),
				&dest);
	if (lock >= 0)
		close(lock);

	if (r < 0) {
		snprintf(message, sizeof(message), "Could not move %s to %s: %s", f->subject,
			 d->config->cni.quarantine_dir, strerror(-r));
		announce(d, f->check, f->subject, ACTION_FAILED, message);
		return;
	}
	d->counters.files_quarantined++;
	d->hostfacts_stale = true;
	snprintf(message, sizeof(message), "Moved %s to %s", f->subject, dest);
	announce(d, f->check, f->subject, ACTION_QUARANTINED, message);
	daemon_schedule_evaluation(d); /* the directory changed: evaluate what is left in it */
}

/* A firewall-leftovers chain (or native table) and the rules jumping to it, in one transaction;
 * it counts toward the recreate limit as a device does. */
static void remove_chain(Daemon *d, const Finding *f)
{
	char message[512];
	int r = fw_remove_leftover(d->firewall, f->subject, message, sizeof(message));

	if (r == -ENOENT) {
		log_debug("%s was gone before our removal", f->subject);
		return;
	}
	if (r < 0) {
		announce(d, f->check, f->subject, ACTION_FAILED, message);
		return;
	}
	if (tracker_record_removal(d->tracker, f->subject, now_usec(CLOCK_REALTIME),
				   d->config->enforce.recreate_window_usec) < 0)
		log_warning("Out of memory recording the removal of %s", f->subject);
	(void)daemon_save_state(d);
	log_info("%s", message);
	announce(d, f->check, f->subject, ACTION_REMOVED, message);
	daemon_schedule_evaluation(d); /* the model changed: evaluate what is left */
}

void daemon_enforce(Daemon *d, const Verdict *v)
{
	uint64_t now = now_usec(CLOCK_REALTIME);

	for (size_t i = 0; i < v->n_findings; i++) {
		const Finding *f = &v->findings[i];
		switch (enforce_next_step(d->config->mode, f, &d->actions, now)) {
		case REMEDIATION_REMOVE_DEVICE:
			remove_device(d, f, v->native_ifindex);
			break;
		case REMEDIATION_QUARANTINE_FILE:
			quarantine(d, f);
			break;
		case REMEDIATION_REMOVE_CHAIN:
			remove_chain(d, f);
			break;
		case REMEDIATION_ALERT_ONLY:
			break;
		}
	}
}

void daemon_on_removed(Enforcer *e, uint32_t ifindex, const char *name, CheckId check,
		       int error, const char *kernel_message, void *userdata)
{
	Daemon *d = userdata;
	char message[512];

	if (error == -ENODEV) {
		log_debug("%s (ifindex %u) was gone before our delete", name, ifindex);
		return;
	}
	if (error < 0) {
		snprintf(message, sizeof(message), "Failed to remove %s: %s%s%s", name,
			 strerror(-error), kernel_message ? ": " : "",
			 kernel_message ? kernel_message : "");
		announce(d, check, name, ACTION_FAILED, message);
		daemon_publish(d, PUBLISH_ACTIONS);
		return;
	}
	d->counters.devices_removed++;
	if (tracker_record_removal(d->tracker, name, now_usec(CLOCK_REALTIME),
				   d->config->enforce.recreate_window_usec) < 0)
		log_warning("Out of memory recording the removal of %s", name);
	(void)daemon_save_state(d);
	snprintf(message, sizeof(message), "Removed %s", name);
	announce(d, check, name, ACTION_REMOVED, message);
	daemon_publish(d, PUBLISH_ACTIONS);
}
