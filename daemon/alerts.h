/* SPDX-License-Identifier: MIT */
/*
 * Alerts: one journal entry per finding transition (opened, resolved) and per action taken, with
 * MESSAGE_ID, PRIORITY, ROUTEGUARD_CHECK, ROUTEGUARD_SUBJECT, ROUTEGUARD_ACTION and INTERFACE for
 * devices. With --log-target stderr they are lines on stderr instead, for tests and foreground runs.
 */
#pragma once

#include "checks.h"
#include "messageid.h"

/* finding is NULL for resolved transitions; message says what happened in words. */
void alert_transition(const char *check, const char *subject, Transition t, Severity severity,
		      Action action, bool is_device, const char *message);
