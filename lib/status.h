/* SPDX-License-Identifier: MIT */
/* The status object of DESIGN.md §6: what GetStatus returns and `--json` prints. */
#pragma once

#include <json-c/json.h>
#include <stdint.h>

#include "checks.h"
#include "config.h"
#include "netstate.h"

#define STATUS_ACTIONS_MAX 64
/* Findings of one check in the status object; the rest are counted in "findings-omitted":
 * {"flannel-device": 3936}, a key present only when something was left out. */
#define STATUS_FINDINGS_PER_CHECK_MAX 64

typedef struct ActionRecord {
	uint64_t time_usec; /* CLOCK_REALTIME */
	CheckId check;
	char subject[256];
	Action result;
} ActionRecord;

typedef struct StatusCounters {
	uint64_t netlink_events;
	uint64_t resyncs;
	uint64_t overruns;
	uint64_t evaluations;
	uint64_t devices_removed;
	uint64_t files_quarantined;
} StatusCounters;

/* The host's files behind the verdict (issue 13): a read that overran its wait leaves evaluation
 * on the facts read before, and says so. Times are CLOCK_REALTIME; 0 when none. */
typedef struct HostFilesStatus {
	uint64_t read_usec;	   /* when the read of the facts in use started */
	uint64_t stale_since_usec; /* when the read still running started, once overdue */
} HostFilesStatus;

typedef struct StatusInput {
	const char *version;
	const Config *config;
	const Verdict *verdict;
	const NetState *netstate;
	const uint64_t *since_usec; /* per finding, CLOCK_REALTIME; NULL: now_usec for all */
	uint64_t now_usec;
	const ActionRecord *actions; /* oldest first */
	size_t n_actions;
	StatusCounters counters;
	HostFilesStatus host_files;
} StatusInput;

_must_check_ int status_to_json(const StatusInput *in, json_object **ret);

/* "2026-11-28T03:00:00Z" */
const char *timestamp_format(uint64_t usec, char buf[static 32]);
