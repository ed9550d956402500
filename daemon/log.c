/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-journal.h>

#include "log.h"

static const char *log_program = "routeguard";
static bool journal;
static int max_priority = LOG_INFO;

int log_target_from_string(const char *s, LogTarget *ret)
{
	if (strcmp(s, "auto") == 0)
		*ret = LOG_TARGET_AUTO;
	else if (strcmp(s, "journal") == 0)
		*ret = LOG_TARGET_JOURNAL;
	else if (strcmp(s, "stderr") == 0)
		*ret = LOG_TARGET_STDERR;
	else
		return -EINVAL;
	return 0;
}

void log_setup(const char *program, LogTarget target)
{
	log_program = program;
	/* systemd sets JOURNAL_STREAM when stderr is connected to the journal. */
	journal = target == LOG_TARGET_JOURNAL ||
		  (target == LOG_TARGET_AUTO && getenv("JOURNAL_STREAM") != NULL);
	const char *level = getenv("ROUTEGUARD_DEBUG");
	if (level && *level && strcmp(level, "0") != 0)
		max_priority = LOG_DEBUG;
}

bool log_to_journal(void)
{
	return journal;
}

static const char *priority_word(int priority)
{
	switch (priority) {
	case LOG_DEBUG:
		return "debug";
	case LOG_INFO:
	case LOG_NOTICE:
		return "info";
	case LOG_WARNING:
		return "warning";
	default:
		return "error";
	}
}

static void log_va(int priority, int error, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
static void log_va(int priority, int error, const char *fmt, va_list ap)
{
	char message[1024];

	if (priority > max_priority)
		return;
	int n = vsnprintf(message, sizeof(message), fmt, ap);
	if (error != 0 && n >= 0 && (size_t)n < sizeof(message))
		snprintf(message + n, sizeof(message) - (size_t)n, ": %s", strerror(abs(error)));

	if (journal)
		sd_journal_send("MESSAGE=%s", message, "PRIORITY=%d", priority,
				"SYSLOG_IDENTIFIER=%s", log_program, NULL);
	else
		fprintf(stderr, "%s: %s: %s\n", log_program, priority_word(priority), message);
}

void log_full(int priority, int error, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_va(priority, error, fmt, ap);
	va_end(ap);
}

int log_full_errno(int priority, int error, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_va(priority, error, fmt, ap);
	va_end(ap);
	return -abs(error);
}
