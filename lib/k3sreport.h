/* SPDX-License-Identifier: MIT */
/*
 * What reading K3s's configuration found, for an operator: every source read (or looked for) in
 * the order K3s and systemd apply them, and problems that name the file and line that caused them.
 * A problem is an error when K3s or systemd would refuse to start, a warning when they would go
 * on and ignore something the operator probably meant.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "macro.h"

typedef struct K3sSource {
	char *path; /* as the node names it, without the test root */
	char *role; /* "unit", "drop-in", "environment file", "config file", … with "absent" etc. */
} K3sSource;

typedef struct K3sProblem {
	char *path;    /* the file to fix, without the test root */
	char *message; /* names FILE:LINE or "UNIT: ExecStart" */
	bool warning;  /* K3s goes on; false: K3s or systemd would refuse to start */
} K3sProblem;

typedef struct K3sReport {
	K3sSource *sources;
	size_t n_sources;
	K3sProblem *problems;
	size_t n_problems;
} K3sReport;

void k3s_report_clear(K3sReport *r);
_must_check_ int k3s_report_source(K3sReport *r, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
_must_check_ int k3s_report_problem(K3sReport *r, bool warning, const char *path, const char *fmt,
				    ...) __attribute__((format(printf, 4, 5)));
/* Appends src's entries to dst and empties src. Returns 0 or -ENOMEM. */
_must_check_ int k3s_report_take(K3sReport *dst, K3sReport *src);

/*
 * How findings name a file: a unit or environment file in a unit directory by its name
 * ("k3s.service", "k3s.service.env"), a drop-in with its directory ("k3s.service.d/20-x.conf"),
 * anything else by its full path. path is without the test root. Returns NULL on -ENOMEM.
 */
char *k3s_display_name(const char *path);

/* path without root's prefix (root NULL or "": path itself); points into path. */
const char *k3s_strip_root(const char *root, const char *path);
