/* SPDX-License-Identifier: MIT */
/*
 * The enforcer carries out link removals without ever blocking the loop.
 *
 * A non-blocking netlink socket does not make a delete asynchronous: the kernel runs RTM_DELLINK
 * in the sender's own system call, teardown included, so sendmsg() itself takes ~15-35 ms per
 * device (issue 13 measured a 1000-device burst stalling GetStatus for 4.3 s). The deletes are
 * therefore sent by a few sender threads, each with its own socket and one request in flight:
 * the number of threads bounds the deletes in flight, and the kernel overlaps their teardowns
 * (8 senders delete 100 vxlan devices ~8x faster than one). The loop hands requests over and
 * takes results back through an eventfd; the threads touch nothing else of the daemon.
 *
 * A device that has just appeared, on an idle enforcer, is deleted by the loop itself on a socket
 * of its own (enforcer_remove_link_now()): a hand-over to a thread and a fresh RTM_GETLINK would
 * double the reaction time, and the notification just read is the kernel's newest word.
 *
 * Each queued request is checked three times against a rename between decision and delete: by the
 * daemon (EnforcerMaySend, on the current model) when it is handed over, by the sender
 * (RTM_GETLINK: name and kind) right before the delete, and in the answer (the kernel echoes the
 * deleted link, with the name it had, since Linux 6.3). rtnetlink deletes by index and has no
 * "delete only if the name is still X", so the gap between the last check and the delete cannot be
 * closed; the echo makes a delete that hit a renamed device known rather than silent.
 */
#pragma once

#include <net/if.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "checks.h"
#include "netstate.h"

typedef struct Enforcer Enforcer;

typedef struct EnforcerResult {
	uint32_t ifindex;
	char name[IFNAMSIZ]; /* the name the delete was decided on */
	CheckId check; /* the finding that asked for it: its completion is that check's action */
	/*
	 * 0 removed; -ENODEV gone before us (also success); -ESTALE not removed, it had been
	 * renamed (renamed_to) or had changed kind; -ETIMEDOUT / -ENOBUFS the answer was lost, the
	 * outcome is unknown (resync); other negative errno: the kernel refused (after retries for
	 * EBUSY).
	 */
	int error;
	/* Set when the device was removed (or found, for -ESTALE) under another name than name. */
	char renamed_to[IFNAMSIZ];
	char kernel_message[256]; /* the extended ACK's words, or "" */
} EnforcerResult;

typedef void (*EnforcerDone)(Enforcer *e, const EnforcerResult *result, void *userdata);

/*
 * Asked right before a queued delete is handed to a sender: 0 to send it, -EAGAIN to hold it (and
 * every later one) until enforcer_dispatch(), another negative errno to drop it silently (gone,
 * renamed, protected now).
 */
typedef int (*EnforcerMaySend)(Enforcer *e, uint32_t ifindex, const char *name, void *userdata);

typedef struct EnforcerOptions {
	EnforcerDone done;
	EnforcerMaySend may_send;
	void *userdata;
	/* Tests: a pause between the sender's last check and the delete, to rename meanwhile. */
	unsigned debug_delay_ms;
} EnforcerOptions;

_must_check_ int enforcer_new(sd_event *event, const EnforcerOptions *options, Enforcer **ret);
Enforcer *enforcer_free(Enforcer *e);
DEFINE_TRIVIAL_CLEANUP_FUNC(Enforcer *, enforcer_free);

/*
 * Queues the delete of ifindex, a device of that name and kind, which the finding of check asked
 * for; it goes out as soon as a sender is free. -EALREADY when a delete of it is queued or in
 * flight.
 */
_must_check_ int enforcer_remove_link(Enforcer *e, uint32_t ifindex, const char *name,
				      const char *kind, CheckId check);
/*
 * The same delete, sent at once from the loop on its own socket, for a device that has just
 * appeared (issue 12: a reaction at the kernel's floor). The caller has decided on the kernel's
 * newest word (mirror_notification_is_latest()), which stands in for the sender's RTM_GETLINK. The
 * loop waits for the kernel's work on this one device, like any reactor; the result comes back
 * through EnforcerDone like a sender's. -EBUSY, nothing sent, when other deletes are queued or in
 * flight: those go first, and one blocking delete per event at most keeps the loop responsive.
 */
_must_check_ int enforcer_remove_link_now(Enforcer *e, uint32_t ifindex, const char *name,
					  const char *kind, CheckId check);
bool enforcer_link_pending(Enforcer *e, uint32_t ifindex);
/*
 * Whether a delete of a device of this name is queued or in flight. The kernel sends the device's
 * RTM_DELLINK before it answers our delete, so a device recreated at once under the same name can
 * be seen before the removal is counted: its delete waits for that answer, or the recreate limit
 * would count one removal short.
 */
bool enforcer_name_pending(Enforcer *e, const char *name);
/* Hands queued deletes to free senders soon, from the loop (after EnforcerMaySend said -EAGAIN). */
void enforcer_dispatch(Enforcer *e);
/* Deletes queued and in flight, for tests and the status. */
size_t enforcer_pending(Enforcer *e);
