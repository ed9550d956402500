/* SPDX-License-Identifier: MIT */
/*
 * systemd-style files read as systemd reads them: a unit file with its drop-ins, or a daemon's
 * configuration file with its drop-ins (networkd.conf). The rules, from systemd.syntax(7),
 * systemd.unit(5) and systemd's conf-parser.c and dropin.c:
 *  - a unit file is the first NAME found in the unit search path (/etc/systemd/system,
 *    /run/systemd/system, /usr/local/lib/systemd/system, /usr/lib/systemd/system,
 *    /lib/systemd/system); one linked to /dev/null or empty is masked: no file, no drop-ins;
 *  - drop-ins are the *.conf files of NAME.d/ in every directory of the path (and of the
 * template's, the dash prefixes' and the type's: foo@.service.d, foo-.service.d, service.d), all
 * sorted together by file name; a file name in an earlier directory masks the same name in a later
 * one;
 *  - [Section] headers, Key=Value with blanks around both trimmed, lines starting with # or ;
 *    ignored (even inside a continuation), a line ending in an odd number of backslashes continues
 *    on the next, the backslash replaced by a space. An invalid section header or a line that is
 *    not UTF-8 ends the file's parsing, as it fails the file in systemd.
 * Every path is taken below a root prefix ("" or NULL for the real host, a directory in tests).
 *
 * The reader interprets no key: the caller walks the assignments in the order systemd applies
 * them, so that an empty assignment (ExecStart=) resets a list and Environment= and
 * EnvironmentFile= keep their relative order.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "macro.h"

typedef struct UnitAssignment {
	const char *section; /* "Service" for [Service] */
	const char *key;
	const char *value; /* trimmed; "" for an empty assignment, which resets lists */
	const char *path;  /* the file it was read from */
	unsigned line;	   /* where the assignment starts */
} UnitAssignment;

typedef struct UnitProblem {
	char *path;
	unsigned line; /* 0 when the file could not be read */
	int error; /* -EBADMSG for a syntax error that ended the file's parsing, else from reading
		    */
	const char *message; /* for -EBADMSG: what was wrong; NULL otherwise */
} UnitProblem;

typedef struct UnitFile {
	const char *main_path; /* the unit or main configuration file read, NULL when none */
	bool masked;  /* the unit file links to /dev/null or is empty: systemd ignores the unit */
	char **paths; /* every file read, main file first, in the order applied */
	size_t n_paths;
	UnitAssignment *assignments;
	size_t n_assignments;
	UnitProblem *problems;
	size_t n_problems;
} UnitFile;

_must_check_ int unit_file_new(UnitFile **ret);
UnitFile *unit_file_free(UnitFile *u);
DEFINE_TRIVIAL_CLEANUP_FUNC(UnitFile *, unit_file_free);

/*
 * Parses one file's text and appends its assignments, as the next file read (tests, fuzzing, a
 * caller holding the text). Syntax errors become problems. Returns 0 or -ENOMEM.
 */
_must_check_ int unit_file_parse(UnitFile *u, const char *path, const char *text, size_t len);

/* The unit NAME ("k3s.service") from the unit search path below root. Returns 0 or -ENOMEM. */
_must_check_ int unit_file_load(const char *root, const char *name, UnitFile **ret);

/*
 * A unit named by its path, as routeguard.yaml names K3s's: its directory is searched first, then
 * the unit search path below root, for the file and for drop-ins. Returns 0 or -ENOMEM.
 */
_must_check_ int unit_file_load_path(const char *root, const char *path, UnitFile **ret);

/*
 * A daemon's configuration as systemd's daemons read theirs: name "systemd/networkd.conf" means
 * /etc/systemd/networkd.conf, then the *.conf of systemd/networkd.conf.d/ below /etc, /run,
 * /usr/local/lib, /usr/lib and /lib. Returns 0 or -ENOMEM.
 */
_must_check_ int unit_file_load_config(const char *root, const char *name, UnitFile **ret);

/* The unit search path, most important first (without a root). */
const char *const *unit_file_search_path(size_t *ret_n);

/*
 * The next assignment after `after` (NULL: the first) in section and with key, in the order
 * systemd applies them; a NULL section or key matches any. NULL at the end.
 */
const UnitAssignment *unit_file_next(const UnitFile *u, const UnitAssignment *after,
				     const char *section, const char *key);
