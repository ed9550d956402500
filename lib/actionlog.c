/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <string.h>

#include "actionlog.h"

static bool is_about(const ActionRecord *a, CheckId check, const char *subject)
{
	return a->check == check && strcmp(a->subject, subject) == 0;
}

void actionlog_record(ActionLog *log, CheckId check, const char *subject, Action result,
		      uint64_t time_usec)
{
	if (log->n == ELEMENTSOF(log->records)) {
		memmove(log->records, log->records + 1, (log->n - 1) * sizeof(log->records[0]));
		log->n--;
	}
	ActionRecord *a = &log->records[log->n++];
	a->time_usec = time_usec;
	a->check = check;
	snprintf(a->subject, sizeof(a->subject), "%s", subject);
	a->result = result;
}

const ActionRecord *actionlog_latest(const ActionLog *log, CheckId check, const char *subject)
{
	for (size_t i = log->n; i-- > 0;)
		if (is_about(&log->records[i], check, subject))
			return &log->records[i];
	return NULL;
}

void actionlog_overlay(const ActionLog *log, Verdict *v, const uint64_t *since_usec)
{
	for (size_t i = 0; i < v->n_findings; i++) {
		Finding *f = &v->findings[i];
		if (f->action != ACTION_NONE)
			continue; /* evaluate() knows better: pending, backoff */
		for (size_t j = log->n; j-- > 0;) {
			const ActionRecord *a = &log->records[j];
			if (a->time_usec >= since_usec[i] && is_about(a, f->check, f->subject)) {
				f->action = a->result;
				break;
			}
		}
	}
}
