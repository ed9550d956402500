/* SPDX-License-Identifier: MIT */
/*
 * K3s's own reading of its configuration (k3s-io/k3s pkg/configfilearg, pkg/cli/cmds, and Go's
 * flag package under urfave/cli):
 *  - the config file is $K3S_CONFIG_FILE when set and not empty, else the first --config FILE,
 *    --config=FILE, -c FILE or -c=FILE anywhere on the command line, else the default
 *    (/etc/rancher/k3s/config.yaml); then every *.yaml or *.yml (any case) of FILE.d/ in byte
 *    order of the name. A missing file is skipped, even one named explicitly (current K3s;
 *    older releases failed);
 *  - each file is YAML 1.1 as gopkg.in/yaml.v2 reads it: plain y/yes/on/true… are booleans,
 *    ~/null/empty are null, 0644 is the integer 420, 1_000 is 1000; a plain "key:" in a later file
 *    replaces the earlier value, lists too; "key+:" appends;
 *  - every value becomes --key=value (one per list item), put right after the first "server" or
 *    "agent" word, so that the command line's own flags come later: a scalar flag there overrides,
 *    a slice flag (cluster-cidr, disable, node-label, …) appends;
 *  - flags parse as Go's flag package does: -x and --x alike, --x=v or --x v, a boolean flag never
 *    takes a separate value (--x=false turns one off), values as strconv.ParseBool reads them
 *    (1 t T TRUE true True 0 f F FALSE false False), and parsing stops at the first word that is
 *    no flag: everything after it is ignored;
 *  - a server drops unknown config-file keys with a warning; an agent refuses server flags,
 *    whether from the command line or a config file; the retired flags (--no-flannel, --no-deploy,
 *    --cluster-secret, --disable-selinux, removed in v1.26) are refused on the command line.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "k3sconfig.h"
#include "k3sreport.h"
#include "k3sunit.h"
#include "macro.h"

typedef struct K3sFileItem {
	char *value;
	char *source; /* "FILE:LINE" */
} K3sFileItem;

typedef struct K3sFileKey {
	char *name;
	K3sFileItem *items; /* one --name=value each */
	size_t n;
} K3sFileKey;

/* The config files merged as K3s merges them, keys in the order first seen. */
typedef struct K3sFiles {
	K3sFileKey *keys;
	size_t n;
} K3sFiles;

void k3s_files_clear(K3sFiles *f);

/* One file's YAML text (display names it in sources and problems). Returns 0 or -ENOMEM. */
_must_check_ int k3s_files_apply_yaml(K3sFiles *f, K3sReport *rep, const char *display,
				      const char *text, size_t len);

/*
 * The chosen file (path below root) and its drop-ins, as K3s reads them; every file looked at is
 * listed in rep's sources, those K3s skips too. explicit: named by K3S_CONFIG_FILE or --config,
 * so that a missing one is worth a warning. Returns the number of files read, or -ENOMEM.
 */
_must_check_ int k3s_files_load(K3sFiles *f, K3sReport *rep, const char *root, const char *path,
				bool explicit);

/*
 * Which config file K3s reads for this command line and environment. *ret_path is the file
 * (default_path when nothing names one), *ret_why where the choice came from ("k3s.service.env:
 * K3S_CONFIG_FILE", "k3s.service: ExecStart", NULL for the default). Returns 0 or -ENOMEM.
 */
_must_check_ int k3s_config_choose(const K3sArg *argv, size_t argc, const K3sEnv *env,
				   const char *default_path, char **ret_path, char **ret_why);

/* The role argv (argv[0] the program) runs K3s in: "k3s … server" or "k3s … agent", else NONE;
 * *ret_sub (when not NULL) the index of that word. */
K3sRole k3s_command_role(const K3sArg *argv, size_t argc, size_t *ret_sub);

/* Go's strconv.ParseBool: 1 or 0, -EINVAL for anything else. */
int go_parse_bool(const char *s);

/*
 * The YAML 1.1 reading of a plain (unquoted) scalar, printed as K3s prints it into a flag:
 * "yes" → "true", "~" → "", "0644" → "420", "1.10" → "1.1", anything else as written.
 * Returns a new string or NULL on -ENOMEM.
 */
char *yaml11_plain_scalar(const char *text);

/*
 * Evaluates argv (argv[0] the program) with the files' flags spliced in after "server"/"agent",
 * into k's values and role. Problems go to k->eval. Returns 0 or -ENOMEM.
 */
_must_check_ int k3s_args_evaluate(K3sConfig *k, const K3sArg *argv, size_t argc,
				   const K3sFiles *files);
