/* SPDX-License-Identifier: MIT */
/*
 * The effective K3s configuration of this node, as K3s itself computes it: config.yaml, then
 * the .yaml files of config.yaml.d in alphabetical order (last value wins, "key+:" appends), then the flags on
 * the ExecStart= line of the K3s unit, which the installer writes from INSTALL_K3S_EXEC.
 * Only the keys routeguard checks are kept. Broken files are reported, never fatal.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "inaddr.h"
#include "macro.h"

typedef enum K3sRole {
	K3S_ROLE_NONE, /* neither config files nor units: K3s checks are skipped */
	K3S_ROLE_SERVER,
	K3S_ROLE_AGENT,
} K3sRole;

/* One key's effective value and where it came from ("FILE:LINE" or "UNIT: --flag"). */
typedef struct K3sValue {
	char *value; /* NULL when no file or flag sets it (the K3s default applies) */
	char *source;
} K3sValue;

typedef struct K3sProblem {
	char *path;
	char *message; /* "FILE:LINE:COLUMN: …" or "FILE: …" */
} K3sProblem;

typedef struct K3sConfig {
	K3sRole role;
	char *role_source; /* the unit that runs k3s server/agent, or NULL when inferred from files */
	K3sValue flannel_backend; /* K3s default: vxlan */
	K3sValue disable_network_policy;
	K3sValue disable_kube_proxy;
	K3sValue cluster_cidr; /* K3s default: 10.42.0.0/16; may be "v4,v6" */
	K3sValue flannel_iface;
	K3sProblem *problems;
	size_t n_problems;
} K3sConfig;

K3sConfig *k3sconfig_free(K3sConfig *k);
DEFINE_TRIVIAL_CLEANUP_FUNC(K3sConfig *, k3sconfig_free);

/*
 * config_path and its drop-ins, then each unit of units with its drop-ins: found as systemd finds
 * them, the unit's own directory first, then the unit search path below root (NULL or "" for the
 * real host). Returns 0 (problems with the files are in ret->problems), or -ENOMEM.
 */
_must_check_ int k3sconfig_load(const char *root, const char *config_path, const StringList *units,
				K3sConfig **ret);

/* Parses one K3s YAML text into k (tests, fuzzing). */
_must_check_ int k3sconfig_apply_yaml(K3sConfig *k, const char *name, const char *text, size_t len);
/* Parses one unit file's text into k, as if it were the whole unit (tests, fuzzing). */
_must_check_ int k3sconfig_apply_unit(K3sConfig *k, const char *name, const char *text);
_must_check_ int k3sconfig_new(K3sConfig **ret);

/* The effective flannel-backend, with the K3s default. */
const char *k3sconfig_flannel_backend(const K3sConfig *k);
/* Whether a boolean flag is effectively true ("true", or a bare flag). */
bool k3s_value_is_true(const K3sValue *v);
/* The first IPv4 prefix of the effective cluster-cidr; -EINVAL when it is not parseable. */
int k3sconfig_cluster_cidr4(const K3sConfig *k, Prefix *ret);
const char *k3s_role_to_string(K3sRole role);
