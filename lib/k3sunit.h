/* SPDX-License-Identifier: MIT */
/*
 * The command a systemd unit runs, computed as systemd computes it (systemd.service(5) "Command
 * lines", systemd.exec(5) "Environment", systemd.unit(5) "Specifiers"):
 *  - Environment= and EnvironmentFile= in the order given, an empty assignment resetting each;
 *    the files are read after the Environment= assignments and override them, later files
 *    overriding earlier ones; a leading "-" makes a file optional, a missing required one fails
 *    the start;
 *  - environment files parsed as systemd's env-file parser does: # and ; comment lines, KEY=VALUE
 *    with blanks around the key and before the value dropped, '…' verbatim, "…" with the shell's
 *    backslash rules (\" \\ \` \$ and line continuation), unquoted values with backslash escapes
 *    and trailing blanks dropped;
 *  - specifiers (%n %N %p %i %j %f %%, and the fixed directories) in Environment=,
 *    EnvironmentFile= and ExecStart=;
 *  - ExecStart= split into words with quotes and C escapes, its prefixes (@ - : + ! !! |) taken
 * off, then "$VAR" as a whole word split at blanks into words and "${VAR}" replaced by its value in
 *    one word (not after ":"); $$ is a literal $;
 *  - an empty ExecStart= resets the list; more than one command is refused unless Type=oneshot.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "k3sreport.h"
#include "macro.h"
#include "unitfile.h"

typedef struct K3sEnvVar {
	char *name;
	char *value;
	char *source; /* "k3s.service.env: K3S_TOKEN", "k3s.service: Environment" */
} K3sEnvVar;

typedef struct K3sEnv {
	K3sEnvVar *vars;
	size_t n;
} K3sEnv;

/* One word of a command line and where it came from: "k3s.service: ExecStart", or
 * "k3s.service: ExecStart via /etc/default/k3s: K3S_ARGS" when a $VAR gave it. */
typedef struct K3sArg {
	char *text;
	char *source;
	char *file; /* the unit file or drop-in it is in (without the test root), for findings */
} K3sArg;

typedef struct K3sUnitRun {
	char *name;   /* "k3s.service" */
	char *path;   /* the unit file, without the test root; NULL when none was found */
	K3sArg *argv; /* argv[0] is the program; NULL when the unit runs nothing */
	size_t argc;
	K3sEnv env;
	K3sReport report; /* files read, and what systemd would refuse or ignore */
} K3sUnitRun;

void k3s_env_clear(K3sEnv *e);
_must_check_ int k3s_env_set(K3sEnv *e, const char *name, const char *value, const char *source);
const K3sEnvVar *k3s_env_get(const K3sEnv *e, const char *name);
/* Parses an environment file's text into e; display names the file in sources. */
_must_check_ int k3s_env_file_parse(K3sEnv *e, const char *display, const char *text, size_t len);

/*
 * Expands the specifiers of unit in text. Returns 0; -EBADMSG for a specifier systemd does not
 * know (systemd ignores the whole assignment then), *ret_bad set to its letter; or -ENOMEM.
 */
_must_check_ int k3s_unit_specifiers(const char *unit, const char *text, char **ret, char *ret_bad);

/*
 * Splits a command line as systemd does (quotes, C escapes). *ret_odd is set when a quote opens
 * or closes inside a word, which systemd.syntax(7) does not define (the installer's '\'' idiom).
 * Returns 0, -EBADMSG for an unterminated quote or a bad escape, or -ENOMEM.
 */
_must_check_ int k3s_exec_split(const char *line, char ***ret, size_t *ret_n, bool *ret_odd);

/* Replaces $VAR and ${VAR} in words as systemd does before exec; env NULL (the ":" prefix)
 * leaves them as written. Returns 0 or -ENOMEM. */
_must_check_ int k3s_exec_expand(char *const *words, size_t n, const K3sEnv *env,
				 const char *source, const char *file, K3sArg **ret, size_t *ret_n);

void k3s_args_free(K3sArg *args, size_t n);

/*
 * The command unit name (loaded in u, its files below root) would run, with the environment it
 * would get. Returns 0 (what systemd would refuse is in ret->report) or -ENOMEM.
 */
_must_check_ int k3s_unit_run(const char *root, const char *name, const UnitFile *u,
			      K3sUnitRun **ret);
K3sUnitRun *k3s_unit_run_free(K3sUnitRun *r);
DEFINE_TRIVIAL_CLEANUP_FUNC(K3sUnitRun *, k3s_unit_run_free);
