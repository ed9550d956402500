/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <syslog.h>
#include <systemd/sd-journal.h>

#include "alerts.h"
#include "log.h"

static int priority_of(Transition t, Severity severity, Action action)
{
	switch (t) {
	case TRANSITION_OPENED:
		return severity == SEVERITY_ERROR ? LOG_ERR : LOG_WARNING;
	case TRANSITION_ACTION:
		return action == ACTION_FAILED ? LOG_ERR : LOG_NOTICE;
	default:
		return LOG_NOTICE;
	}
}

void alert_transition(CheckId check, const char *subject, Transition t, Severity severity,
		      Action action, const char *message)
{
	const char *name = check_to_string(check), *id = message_id(check, t);
	int priority = priority_of(t, severity, action);

	if (!log_to_journal()) {
		fprintf(stderr, "routeguardd: alert: %s %s %s%s%s: %s\n", transition_to_string(t),
			name, subject, t == TRANSITION_ACTION ? " " : "",
			t == TRANSITION_ACTION ? action_to_string(action) : "", message);
		return;
	}
	/* INTERFACE= makes `journalctl INTERFACE=flannel.1` and networkctl-style tools find it. */
	sd_journal_send(
	    "MESSAGE=%s", message, "MESSAGE_ID=%s", id ? id : "", "PRIORITY=%d", priority,
	    "SYSLOG_IDENTIFIER=routeguardd", "ROUTEGUARD_CHECK=%s", name, "ROUTEGUARD_SUBJECT=%s",
	    subject, "ROUTEGUARD_TRANSITION=%s", transition_to_string(t), "ROUTEGUARD_ACTION=%s",
	    action_to_string(action), "ROUTEGUARD_SEVERITY=%s", severity_to_string(severity),
	    check_subject_names_device(check, subject) ? "INTERFACE=%s" : NULL, subject, NULL);
}
