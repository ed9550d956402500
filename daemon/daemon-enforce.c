/* SPDX-License-Identifier: MIT */
/*
 * Enforcement: lib/enforce-policy.c decides the step for each finding; this file carries it out
 * (the delete goes out at once, its acknowledgement comes back to daemon_on_removed) and queues
 * each result for the publish step.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "daemon-enforce.h"
#include "daemon-evaluate.h"
#include "daemon-publish.h"
#include "daemon-quarantine.h"
#include "daemon-state.h"
#include "daemon.h"
#include "enforce-policy.h"
#include "firewall-enforcer.h"
#include "log.h"
#include "protect.h"
#include "timeutil.h"

void daemon_announce(Daemon *d, CheckId check, const char *subject, Action result,
		     const char *message)
{
	uint64_t now = now_usec(CLOCK_REALTIME);

	actionlog_record(&d->actions, check, subject, result, now);
	daemon_queue_action(d, check, subject, result, message, now);
}

static void log_removing(const Link *link, CheckId check)
{
	log_info("Removing %s (%s): %s", link->name, link->kind, check_to_string(check));
}

/* The delete of link goes to the enforcer's senders; what they answer comes back to
 * daemon_on_removed(). */
static void send_remove(Daemon *d, const Link *link, CheckId check)
{
	int r = enforcer_remove_link(d->enforcer, link->ifindex, link->name, link->kind, check);
	if (r < 0) {
		char message[256];
		snprintf(message, sizeof(message), "Could not queue the delete of %s: %s",
			 link->name, strerror(-r));
		daemon_announce(d, check, link->name, ACTION_FAILED, message);
		return;
	}
	log_removing(link, check);
}

static void remove_device(Daemon *d, const Finding *f)
{
	const Link *link = netstate_link(d->netstate, f->ifindex);

	/* Checked again here, at the last moment: the never-removed set wins over any verdict. */
	if (!link || strcmp(link->name, f->subject) != 0 ||
	    !device_may_be_removed(d->config, d->netstate, link, d->native_ifindex) ||
	    enforcer_link_pending(d->enforcer, link->ifindex) ||
	    enforcer_name_pending(d->enforcer, link->name))
		return; /* a pending name: decided again once its answer is in (on_removed) */
	send_remove(d, link, f->check);
}

void daemon_enforce_new_link(Daemon *d, const Link *link)
{
	uint64_t now = now_usec(CLOCK_REALTIME);

	/* Only once a verdict with a native device exists: before it the model is half a view, and
	 * nothing says which device must stay (daemon_may_send() holds deletes then too). */
	if (!d->verdict || !d->verdict->native_ifindex || !d->native_ifindex)
		return;
	History removals = tracker_history(d->tracker, now);
	if (!enforce_remove_at_once(d->config, d->netstate, link, d->native_ifindex,
				    d->verdict->phase.phase, &removals, &d->actions, now))
		return;
	/* The kernel's newest word and an idle enforcer (so no delete of this name awaits its
	 * answer): the loop sends the delete itself. */
	if (mirror_notification_is_latest(d->mirror) &&
	    enforcer_remove_link_now(d->enforcer, link->ifindex, link->name, link->kind,
				     CHECK_FLANNEL_DEVICE) == 0) {
		log_removing(link, CHECK_FLANNEL_DEVICE);
		return;
	}
	/* A name whose delete still awaits its answer is left to the evaluation: that removal is
	 * not counted in the history yet (daemon_on_removed). */
	if (enforcer_link_pending(d->enforcer, link->ifindex) ||
	    enforcer_name_pending(d->enforcer, link->name))
		return;
	/* Otherwise the senders take it, checked against the model again when handed over
	 * (daemon_may_send()), by then with this link in it. */
	send_remove(d, link, CHECK_FLANNEL_DEVICE);
}

int daemon_may_send(Enforcer *e, uint32_t ifindex, const char *name, void *userdata)
{
	Daemon *d = userdata;

	/* Without a native device nothing says which device must stay: wait for one. The latest
	 * verdict decides, so deletes queued before it went missing wait too. */
	if (!d->native_ifindex || !d->verdict || !d->verdict->native_ifindex)
		return -EAGAIN;
	/* Decide on the newest view: a rename already sent by the kernel is applied first. */
	mirror_catch_up(d->mirror);
	const Link *link = netstate_link(d->netstate, ifindex);
	if (!link)
		return -ENODEV;
	if (strcmp(link->name, name) != 0) {
		log_info("%s was renamed to %s before its delete went out; not removing it", name,
			 link->name);
		return -ESTALE;
	}
	if (!device_may_be_removed(d->config, d->netstate, link, d->native_ifindex))
		return -EPERM;
	return 0;
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
		daemon_announce(d, f->check, f->subject, ACTION_FAILED, message);
		return;
	}
	if (tracker_record_removal(d->tracker, f->subject, now_usec(CLOCK_REALTIME),
				   d->config->enforce.recreate_window_usec) < 0)
		log_warning("Out of memory recording the removal of %s", f->subject);
	(void)daemon_save_state(d);
	log_info("%s", message);
	daemon_announce(d, f->check, f->subject, ACTION_REMOVED, message);
	daemon_schedule_evaluation(d); /* the model changed: evaluate what is left */
}

void daemon_enforce(Daemon *d, const Verdict *v)
{
	uint64_t now = now_usec(CLOCK_REALTIME);

	/* Remembered: a native device that goes missing (renamed, its route gone) stays protected,
	 * and with none known at all no device is removed (daemon_may_send holds the queue). */
	if (v->native_ifindex)
		d->native_ifindex = v->native_ifindex;

	for (size_t i = 0; i < v->n_findings; i++) {
		const Finding *f = &v->findings[i];
		switch (enforce_next_step(d->config->mode, f, &d->actions, now)) {
		case REMEDIATION_REMOVE_DEVICE:
			if (v->native_ifindex)
				remove_device(d, f);
			break;
		case REMEDIATION_QUARANTINE_FILE:
			daemon_quarantine(d, f);
			break;
		case REMEDIATION_REMOVE_CHAIN:
			remove_chain(d, f);
			break;
		case REMEDIATION_ALERT_ONLY:
			break;
		}
	}
	enforcer_dispatch(d->enforcer); /* what waited for a native device or a newer view */
}

void daemon_on_removed(Enforcer *e, const EnforcerResult *result, void *userdata)
{
	Daemon *d = userdata;
	const char *name = result->name, *kmsg = result->kernel_message;
	char message[512];

	switch (result->error) {
	case -ENODEV:
		log_debug("%s (ifindex %u) was gone before our delete", name, result->ifindex);
		return;
	case -ESTALE:
		/* Caught before the delete: nothing happened, the rename's event re-evaluates. */
		log_info("%s (ifindex %u) is now %s; not removing it", name, result->ifindex,
			 result->renamed_to[0] ? result->renamed_to : "another kind of device");
		return;
	case -ETIMEDOUT:
	case -ENOBUFS:
		/* The answer was lost, not necessarily the delete: neither a removal nor a failure
		 * is known, so none is counted or alerted. What happened is in the kernel's tables:
		 * the links are read again, and the device is decided on again now, on the newest
		 * view (may_send catches the mirror up first), and once more if the re-read finds
		 * the model had drifted (a sweep calls on_mirror_changed). */
		log_warning_errno(
		    result->error,
		    "No answer to the delete of %s; resyncing links and deciding again", name);
		mirror_request_resync(d->mirror, SYNC_LINKS);
		daemon_schedule_evaluation(d);
		return;
	case 0:
		break;
	default:
		snprintf(message, sizeof(message), "Failed to remove %s: %s%s%s", name,
			 strerror(-result->error), kmsg[0] ? ": " : "", kmsg);
		daemon_announce(d, result->check, name, ACTION_FAILED, message);
		daemon_arm_window_timer(d); /* retried then, even when nothing else happens */
		daemon_publish(d, PUBLISH_ACTIONS);
		return;
	}
	d->counters.devices_removed++;
	if (result->renamed_to[0]) {
		/* The race rtnetlink cannot close: renamed between our last look and the kernel's
		 * delete, which goes by index. Said loudly, never passed off as a removal. */
		snprintf(message, sizeof(message),
			 "%s was renamed to %s between the last check and the delete, and was "
			 "removed under that name (rtnetlink deletes by index)",
			 name, result->renamed_to);
		log_error("%s", message);
		daemon_announce(d, result->check, name, ACTION_FAILED, message);
		daemon_publish(d, PUBLISH_ACTIONS);
		return;
	}
	if (tracker_record_removal(d->tracker, name, now_usec(CLOCK_REALTIME),
				   d->config->enforce.recreate_window_usec) < 0)
		log_warning("Out of memory recording the removal of %s", name);
	(void)daemon_save_state(d);
	snprintf(message, sizeof(message), "Removed %s", name);
	daemon_announce(d, result->check, name, ACTION_REMOVED, message);
	daemon_publish(d, PUBLISH_ACTIONS);
	/* A device recreated under this name while we waited is decided on now, counting this. */
	daemon_schedule_evaluation(d);
}
