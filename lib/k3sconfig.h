/* SPDX-License-Identifier: MIT */
/*
 * The effective K3s configuration of this node, as K3s itself computes it when systemd starts it:
 * the unit that runs "k3s server" or "k3s agent" (lib/k3sunit.c: its environment and command
 * line), the config file and drop-ins that command line and environment choose, and the flags
 * (lib/k3sargs.c). Only the keys routeguard checks are kept, each with the file and line or unit
 * line that set it. What K3s or systemd would refuse or ignore is reported, never fatal.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "inaddr.h"
#include "k3sdiscover.h"
#include "k3sreport.h"
#include "macro.h"

typedef enum K3sRole {
	K3S_ROLE_NONE, /* neither config files nor units: K3s checks are skipped */
	K3S_ROLE_SERVER,
	K3S_ROLE_AGENT,
} K3sRole;

/* One key's effective value and where it came from ("FILE:LINE" or "k3s.service: ExecStart"). */
typedef struct K3sValue {
	char *value; /* NULL when no file or flag sets it (the K3s default applies); booleans are
			"true" or "false", slices joined with commas */
	char *source;
	char *file; /* the file to fix: the config file, or the unit file or drop-in */
	size_t length, allocated; /* of value: slice flags append in linear time (issue 13) */
} K3sValue;

/* A value joined from slice flags longer than this is refused: K3s's flags are kilobytes. */
#define K3S_VALUE_MAX (1024 * 1024)

struct K3sFiles;
struct K3sArg;

typedef struct K3sConfig {
	K3sRole role;
	char *role_source;	  /* "k3s.service: ExecStart", or NULL when inferred from files */
	char *unit;		  /* the unit that runs K3s, NULL when none */
	K3sValue flannel_backend; /* K3s default: vxlan; server only */
	K3sValue disable_network_policy;
	K3sValue disable_kube_proxy;
	K3sValue cluster_cidr; /* K3s default: 10.42.0.0/16; may be "v4,v6" */
	K3sValue disable;      /* packaged components: traefik,servicelb,… */
	K3sValue flannel_iface;
	K3sValue data_dir;     /* K3s default: /var/lib/rancher/k3s */
	char *config_file;     /* the config file K3s reads (without the test root) */
	char *config_file_why; /* "k3s.service.env: K3S_CONFIG_FILE", NULL for the default */
	/* The CNI directory containerd reads, when it can be known: on a server from
	 * flannel-backend, on an agent from the containerd config K3s rendered at its last start.
	 */
	char *cni_dir;	    /* as the node names it */
	char *cni_dir_host; /* below the test root: what CNI file paths are compared with */
	char *cni_dir_why;
	/* The other of /etc/cni/net.d and K3s's own directory (below the test root) when
	 * containerd is known to read the one above: what is there is not read. */
	char *cni_unread_dir_host;
	K3sReport report; /* sources read in order, and problems found reading them */
	K3sReport eval;	  /* problems found evaluating the flags */
	/* what k3sconfig_apply_yaml() and k3sconfig_apply_unit() gathered */
	struct K3sFiles *files;
	struct K3sArg *cli;
	size_t n_cli;
} K3sConfig;

K3sConfig *k3sconfig_free(K3sConfig *k);
DEFINE_TRIVIAL_CLEANUP_FUNC(K3sConfig *, k3sconfig_free);

/*
 * The K3s configuration of the node below root (NULL or "" for the real host).
 * config_path: the file K3s reads when neither K3S_CONFIG_FILE nor --config names one; NULL for
 * K3s's default /etc/rancher/k3s/config.yaml below root. units: the unit files to read (their own
 * directory first, then the unit search path below root); NULL to discover them: every *.service
 * in the unit search path whose ExecStart= runs "k3s server" or "k3s agent". Of several, a
 * server's is used. discovery: NULL, or the previous load's scan of the unit directories, reused
 * while they are unchanged (k3s_discover_units()). Returns 0 (problems are in ret) or -ENOMEM.
 */
_must_check_ int k3sconfig_load(const char *root, const char *config_path, const StringList *units,
				K3sDiscovery **discovery, K3sConfig **ret);

/* Merges one K3s YAML text as the next config file (tests, fuzzing). */
_must_check_ int k3sconfig_apply_yaml(K3sConfig *k, const char *name, const char *text, size_t len);
/*
 * One unit file's text, as if it were the whole unit, its command line evaluated over the files
 * merged so far; environment files are not read (tests, fuzzing). A unit that does not run
 * "k3s server" or "k3s agent" changes nothing.
 */
_must_check_ int k3sconfig_apply_unit(K3sConfig *k, const char *name, const char *text);
_must_check_ int k3sconfig_new(K3sConfig **ret);

/* Problems of both kinds, reading first. */
size_t k3sconfig_n_problems(const K3sConfig *k);
const K3sProblem *k3sconfig_problem(const K3sConfig *k, size_t i);

/* The effective flannel-backend, with the K3s default. */
const char *k3sconfig_flannel_backend(const K3sConfig *k);
/* Whether a boolean flag is effectively true. */
bool k3s_value_is_true(const K3sValue *v);
/* The first IPv4 prefix of the effective cluster-cidr; -EINVAL when it is not parseable. */
int k3sconfig_cluster_cidr4(const K3sConfig *k, Prefix *ret);
const char *k3s_role_to_string(K3sRole role);
