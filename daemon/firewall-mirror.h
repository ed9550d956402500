/* SPDX-License-Identifier: MIT */
/*
 * The packet-filter mirror. nf_tables: one netlink socket subscribed to NFNLGRP_NFTABLES, a
 * consistent snapshot at start and whenever the copy may have drifted (ENOBUFS, a message that
 * could not be applied), events applied in between. Legacy xtables sends no events: its tables
 * are re-read on request (Reconcile, K3s's configuration changing) and every
 * firewall.poll-interval.
 */
#pragma once

#include <stdint.h>
#include <systemd/sd-event.h>

#include "firewall.h"

typedef struct FwMirrorCounters {
	uint64_t events;    /* nf_tables notifications applied */
	uint64_t resyncs;   /* snapshots after the first */
	uint64_t overruns;  /* ENOBUFS on the event socket */
	uint64_t malformed; /* notifications that could not be used, ignored */
	uint64_t legacy_reads;
} FwMirrorCounters;

typedef struct FwMirror FwMirror;

/* changed: the model changed (called once per batch of messages). */
_must_check_ int fw_mirror_new(sd_event *event, Firewall *fw, uint64_t poll_interval_usec,
			       void (*changed)(void *userdata), void *userdata, FwMirror **ret);
FwMirror *fw_mirror_free(FwMirror *m);
DEFINE_TRIVIAL_CLEANUP_FUNC(FwMirror *, fw_mirror_free);

/* Subscribes, then takes the first snapshot and reads the legacy tables. A node without
 * nf_tables support is logged once and mirrored as empty. */
int fw_mirror_start(FwMirror *m);
/* A fresh snapshot of both backends now (Reconcile). */
void fw_mirror_resync(FwMirror *m);
/* Re-reads the legacy tables now (K3s or kube-proxy may have restarted), for an evaluation the
 * caller runs next: no changed callback. */
void fw_mirror_read_legacy(FwMirror *m);
void fw_mirror_set_poll_interval(FwMirror *m, uint64_t usec);
const FwMirrorCounters *fw_mirror_counters(const FwMirror *m);
