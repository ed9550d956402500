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
#include <sys/stat.h>
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
#include "quarantine.h"
#include "timeutil.h"

/* Remembered in the action log (for the retry policy and the status object) and published. */
static void announce(Daemon *d, CheckId check, const char *subject, Action result,
		     const char *message)
{
	uint64_t now = now_usec(CLOCK_REALTIME);

	actionlog_record(&d->actions, check, subject, result, now);
	daemon_queue_action(d, check, subject, result, message, now);
}

/* The delete of link goes to the enforcer; what it answers comes back to daemon_on_removed(). */
static void send_remove(Daemon *d, const Link *link, CheckId check, bool at_once)
{
	int r = -EBUSY;

	if (at_once)
		r = enforcer_remove_link_now(d->enforcer, link->ifindex, link->name, link->kind,
					     check);
	if (r == -EBUSY)
		r = enforcer_remove_link(d->enforcer, link->ifindex, link->name, link->kind, check);
	if (r < 0) {
		char message[256];
		snprintf(message, sizeof(message), "Could not queue the delete of %s: %s",
			 link->name, strerror(-r));
		announce(d, check, link->name, ACTION_FAILED, message);
		return;
	}
	log_info("Removing %s (%s): %s", link->name, link->kind, check_to_string(check));
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
	send_remove(d, link, f->check, false);
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
	/* A name whose delete still awaits its answer is left to the evaluation: that removal is
	 * not counted in the history yet (daemon_on_removed). */
	if (enforcer_link_pending(d->enforcer, link->ifindex) ||
	    enforcer_name_pending(d->enforcer, link->name))
		return;
	/* Not the newest word, or the enforcer busy: the senders take it, checked against the
	 * model again when handed over (daemon_may_send()), by then with this link in it. */
	send_remove(d, link, CHECK_FLANNEL_DEVICE, mirror_notification_is_latest(d->mirror));
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

/* Why a move failed, in words an operator can act on. */
static const char *quarantine_error(int r)
{
	switch (r) {
	case -EINVAL:
		return "it is not a regular file (a FIFO, device or symlink); left in place";
	case -EXDEV:
		return "a directory moves only within its filesystem, and the quarantine is "
		       "elsewhere; left in place";
	case -EFBIG:
		return "it is larger than 1 MiB, which no CNI configuration is; left in place";
	case -EEXIST:
		return "every quarantine name for this second is taken; tried again later";
	case -EBUSY:
		return "it changed while it was copied (still being written); tried again later";
	case -ESTALE:
		return "it was replaced or rewritten since it was evaluated; evaluated again";
	default:
		return strerror(-r);
	}
}

/* The file as evaluation read it: only that one is moved. */
static const FileIdentity *evaluated_file(const Daemon *d, const char *path)
{
	for (size_t i = 0; d->hostfacts && i < d->hostfacts->n_cni_files; i++)
		if (strcmp(d->hostfacts->cni_files[i].path, path) == 0)
			return &d->hostfacts->cni_files[i].identity;
	return NULL;
}

/* host-local IPAM takes an flock on the network directory's lock file around each allocation:
 * move the directory only while holding it, so no allocation is cut in half. -1 when there is
 * no lock file (nothing to hold), -EBUSY when IPAM holds it now. */
static int lock_ipam_dir(const char *dir)
{
	_cleanup_free_ char *path = NULL;
	if (asprintf(&path, "%s/lock", dir) < 0)
		return -ENOMEM;
	/* Never blocks, whatever is planted there: a FIFO named lock would otherwise hang the loop
	 * in open(), as a FIFO named *.conflist once did (issue 13). IPAM's lock is a regular file.
	 */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW | O_NOCTTY);
	if (fd < 0)
		return -1;
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -1;
	}
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
				evaluated_file(d, f->subject), NULL, &dest);
	if (lock >= 0)
		close(lock);

	if (r == -ESTALE) {
		/* Not a failure: the new file gets its own verdict, from the event that made it. */
		log_info("%s changed since it was evaluated; evaluating it again", f->subject);
		d->hostfacts_stale = true;
		daemon_schedule_evaluation(d);
		return;
	}
	if (r < 0) {
		snprintf(message, sizeof(message), "Could not move %s to %s: %s%s%s", f->subject,
			 d->config->cni.quarantine_dir, quarantine_error(r),
			 dest ? "; its content is kept as " : "", dest ? dest : "");
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
			quarantine(d, f);
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
		announce(d, result->check, name, ACTION_FAILED, message);
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
		announce(d, result->check, name, ACTION_FAILED, message);
		daemon_publish(d, PUBLISH_ACTIONS);
		return;
	}
	if (tracker_record_removal(d->tracker, name, now_usec(CLOCK_REALTIME),
				   d->config->enforce.recreate_window_usec) < 0)
		log_warning("Out of memory recording the removal of %s", name);
	(void)daemon_save_state(d);
	snprintf(message, sizeof(message), "Removed %s", name);
	announce(d, result->check, name, ACTION_REMOVED, message);
	daemon_publish(d, PUBLISH_ACTIONS);
	/* A device recreated under this name while we waited is decided on now, counting this. */
	daemon_schedule_evaluation(d);
}
