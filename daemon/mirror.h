/* SPDX-License-Identifier: MIT */
/*
 * The rtnetlink mirror: one socket subscribed to link, address and route groups, dumped once at
 * start and again (mark and sweep) whenever the copy may have drifted: ENOBUFS, an interrupted
 * dump, or the kernel's silent IPv4 flushes. Event-driven on sd-event; nothing polls. It owns the
 * questions about gateways (route-questions.h): the batch that brings or moves a gateway asks.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "netstate.h"
#include "rtnl.h"

typedef struct MirrorCounters {
	uint64_t netlink_events;    /* kernel notifications applied (dump replies not counted) */
	uint64_t resyncs;	    /* dumps after the first, whatever the reason */
	uint64_t overruns;	    /* ENOBUFS on the socket: notifications were lost */
	uint64_t dumps_interrupted; /* NLM_F_DUMP_INTR: the table changed under a dump */
	uint64_t malformed;	    /* messages that failed validation and were ignored */
} MirrorCounters;

typedef struct Mirror Mirror;

typedef struct MirrorCallbacks {
	void (*changed)(Mirror *m, void *userdata); /* the model changed; called once per message */
	/* A kernel notification adds a link the model does not have: link as the notification
	 * says, before the model takes it in (a reactor's moment: the model's own work waits). */
	void (*link_appeared)(Mirror *m, const Link *link, void *userdata);
	void (*synced)(Mirror *m,
		       void *userdata); /* a full dump completed and the model is exact */
	void (*netconf_changed)(Mirror *m, void *userdata); /* IPv4 forwarding may have changed */
	/* The socket was lost and could not be reopened: the mirror follows the kernel no more.
	 * error is a negative errno, not logged; what to do (exit) is the caller's choice. */
	void (*failed)(Mirror *m, int error, void *userdata);
	void *userdata;
} MirrorCallbacks;

typedef struct MirrorOptions {
	int rcvbuf; /* receive buffer in bytes; 0 = the default 32 MiB */
} MirrorOptions;

/* Returns 0 or a negative errno, not logged. */
_must_check_ int mirror_new(sd_event *event, NetState *ns, const MirrorOptions *options,
			    const MirrorCallbacks *callbacks, Mirror **ret);
Mirror *mirror_free(Mirror *m);
DEFINE_TRIVIAL_CLEANUP_FUNC(Mirror *, mirror_free);

/* Starts the first dump. The synced callback fires when it is complete. */
_must_check_ int mirror_start(Mirror *m);
/* Asks for a full mark-and-sweep resync soon (used after a filter change and by Reconcile). */
void mirror_request_resync(Mirror *m, SyncScope scope);

const MirrorCounters *mirror_counters(const Mirror *m);
/* Full dumps completed so far, and the number a Reconcile asked now must wait for. */
uint64_t mirror_full_syncs(const Mirror *m);
uint64_t mirror_next_full_sync(const Mirror *m);
/* A full dump completed, and the kernel has answered about every pod route's gateway. */
bool mirror_is_synced(const Mirror *m);
/* Reads what the kernel has sent and the model has not seen yet (a bounded amount), so that a
 * decision taken now is taken on the newest view: the enforcer asks before each delete. */
void mirror_catch_up(Mirror *m);
/*
 * From a notification's callback: whether the notification being applied is the newest word of
 * the kernel, with nothing after it in this read or waiting on the socket. A rename or a delete
 * after it would be waiting there (the kernel queues a notification before its request returns),
 * so a decision made on this notification is as fresh as a fresh RTM_GETLINK would make it.
 */
bool mirror_notification_is_latest(Mirror *m);
bool mirror_is_dumping(const Mirror *m);
