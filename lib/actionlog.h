/* SPDX-License-Identifier: MIT */
/*
 * The actions routeguard took (removals, moves, failures), oldest first and bounded: what the
 * status object lists, what the enforce policy asks before a retry, and which action a finding
 * shows.
 */
#pragma once

#include <stdint.h>

#include "checks.h"
#include "status.h"

typedef struct ActionLog {
	ActionRecord records[STATUS_ACTIONS_MAX];
	size_t n;
} ActionLog;

/* Appends a record; when the log is full the oldest one goes. check is a static check id. */
void actionlog_record(ActionLog *log, CheckId check, const char *subject, Action result,
		      uint64_t time_usec);

/* The newest record about check and subject, or NULL. */
const ActionRecord *actionlog_latest(const ActionLog *log, CheckId check, const char *subject);

/*
 * Sets the action of each finding that evaluate() left at ACTION_NONE to the newest action taken
 * on it since it opened (since_usec[i], one per finding): the status object then says what
 * routeguard did about it, not only what it found.
 */
void actionlog_overlay(const ActionLog *log, Verdict *v, const uint64_t *since_usec);
