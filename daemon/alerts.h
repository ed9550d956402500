/* SPDX-License-Identifier: MIT */
/*
 * Alerts: one journal entry per finding transition (opened, resolved), per action taken, and per
 * alert-kind check (config-reload-failed), with MESSAGE_ID from the check table, PRIORITY,
 * ROUTEGUARD_CHECK, ROUTEGUARD_SUBJECT, ROUTEGUARD_TRANSITION, ROUTEGUARD_ACTION,
 * ROUTEGUARD_SEVERITY, and INTERFACE when the check's subject is a device. With --log-target stderr
 * they are lines on stderr instead, for tests and foreground runs.
 */
#pragma once

#include "checks.h"
#include "messageid.h"

/* message says what happened in words; action is ACTION_NONE except for TRANSITION_ACTION. */
void alert_transition(CheckId check, const char *subject, Transition t, Severity severity,
		      Action action, const char *message);
