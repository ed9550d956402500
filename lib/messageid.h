/* SPDX-License-Identifier: MIT */
/*
 * One fixed journald MESSAGE_ID per check and transition, so `journalctl MESSAGE_ID=…` finds every
 * time a check opened on any node, and `journalctl -x` explains it from systemd/routeguard.catalog.
 * Never change an id once released; add new ones.
 */
#pragma once

typedef enum Transition {
	TRANSITION_OPENED,
	TRANSITION_RESOLVED,
	TRANSITION_ACTION, /* routeguard acted: removed, quarantined, failed, … */
	_TRANSITION_MAX,
} Transition;

/* 32 hex digits, or NULL for an unknown check. */
const char *message_id(const char *check, Transition t);
const char *transition_to_string(Transition t);

/* For the catalog test: the checks with ids, NULL-terminated. */
const char *const *message_id_checks(void);
