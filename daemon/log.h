/* SPDX-License-Identifier: MIT */
/* The daemon's log: the journal when run by systemd, stderr otherwise. The library never logs. */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <syslog.h>

typedef enum LogTarget {
	LOG_TARGET_AUTO,
	LOG_TARGET_JOURNAL,
	LOG_TARGET_STDERR,
} LogTarget;

int log_target_from_string(const char *s, LogTarget *ret);
void log_setup(const char *program, LogTarget target);
bool log_to_journal(void);

void log_full(int priority, int error, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#define log_debug(...) log_full(LOG_DEBUG, 0, __VA_ARGS__)
#define log_info(...) log_full(LOG_INFO, 0, __VA_ARGS__)
#define log_notice(...) log_full(LOG_NOTICE, 0, __VA_ARGS__)
#define log_warning(...) log_full(LOG_WARNING, 0, __VA_ARGS__)
#define log_error(...) log_full(LOG_ERR, 0, __VA_ARGS__)

/* Logs with the errno text appended and returns the error as a negative number, for
 * `return log_error_errno(r, …)`. Takes errno values of either sign. */
int log_full_errno(int priority, int error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define log_error_errno(e, ...) log_full_errno(LOG_ERR, (e), __VA_ARGS__)
#define log_warning_errno(e, ...) log_full_errno(LOG_WARNING, (e), __VA_ARGS__)
