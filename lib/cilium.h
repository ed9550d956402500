/* SPDX-License-Identifier: MIT */
/*
 * Cilium as it runs on this node, read from three node-local sources, each optional:
 *   - the agent's API on its Unix socket: GET /v1/healthz and GET /v1/config (CiliumAgentView);
 *   - the agent's configuration directory as the kubelet holds it (CiliumConfigView);
 *   - the agent pod's container logs in CRI format, for a known fatal start-up line (CiliumFatal).
 * The decoders here are pure; cilium-files.c finds and reads the files. Field names follow Cilium's
 * api/v1/openapi.yaml and pkg/option/config.go (1.14 to 1.16).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "inaddr.h"
#include "macro.h"

typedef enum CiliumRoutingMode {
	CILIUM_ROUTING_UNKNOWN,
	CILIUM_ROUTING_NATIVE,
	CILIUM_ROUTING_TUNNEL,
} CiliumRoutingMode;

const char *cilium_routing_mode_to_string(CiliumRoutingMode m); /* NULL for unknown */

/* ---- the agent's API ---- */

typedef struct CiliumAgentView {
	bool healthz; /* /v1/healthz answered with a status object */
	bool config;  /* /v1/config answered with daemonConfigurationMap */
	char *state;  /* healthz cilium.state: Ok, Warning, Failure */
	char *msg;
	/* healthz routing.inter-host-routing-mode (1.16+), else config RoutingMode (1.14+) */
	CiliumRoutingMode routing_mode;
	int auto_direct_node_routes; /* EnableAutoDirectRouting; -1 when not given */
	char *native_routing_cidr;   /* IPv4NativeRoutingCIDR as "a.b.c.d/n"; NULL when null */
	char **devices;
	size_t n_devices;
	uint32_t mtu;	     /* the configured MTU; 0 = auto-detect */
	uint32_t device_mtu; /* status.deviceMTU, the effective one */
	char *kube_proxy_replacement;
	char *ipam;
} CiliumAgentView;

void cilium_agent_view_clear(CiliumAgentView *v);
/* Each fills what its body holds; -EBADMSG for a body that is not JSON of the expected shape. */
_must_check_ int cilium_agent_parse_healthz(CiliumAgentView *v, const char *body, size_t len);
_must_check_ int cilium_agent_parse_config(CiliumAgentView *v, const char *body, size_t len);

/* ---- the configuration directory ---- */

typedef struct CiliumConfigView {
	char *dir;	    /* the directory read */
	char *routing_mode; /* NULL: not set, and Cilium's default is tunnel */
	char *tunnel;	    /* the key removed in 1.15; NULL unless a file has it */
	char *tunnel_protocol;
	char *auto_direct_node_routes;
	char *ipv4_native_routing_cidr;
	char *devices;
	char *mtu;
	char *kube_proxy_replacement;
	char *ipam;
	char *config_sources;
	/* "true" under the migration guide's cni.customConf: Cilium writes no CNI file */
	char *custom_cni_conf;
	size_t n_keys;
} CiliumConfigView;

void cilium_config_view_clear(CiliumConfigView *v);
/* One key with its file's text (trimmed here, as the agent does). Unknown keys are counted only. */
_must_check_ int cilium_config_set(CiliumConfigView *v, const char *key, const char *value);
/* What the agent runs with: routing-mode if set, else tunnel (Cilium's default, and what a
 * 1.15+ agent does with tunnel=disabled: it no longer reads tunnel). */
CiliumRoutingMode cilium_config_routing_mode(const CiliumConfigView *v);

/* ---- the container log ---- */

typedef struct CiliumFatalInfo {
	const char *id;	      /* R1, T2, …: the research's names, for tests and the README */
	const char *match[3]; /* stable inner texts; any one matches */
	const char *what;
	const char *remedy;
} CiliumFatalInfo;

/* The table of known fatal start-up lines: routing, tunnel, devices, IPAM, kube-proxy replacement.
 */
const CiliumFatalInfo *cilium_fatal_table(size_t *ret_n);

typedef struct CiliumFatal {
	const CiliumFatalInfo *info; /* NULL: the log shows none */
	char *line;		     /* the message, partial lines joined, cut to 512 bytes */
	char *timestamp;
	char *path; /* the log file, when read from one */
} CiliumFatal;

void cilium_fatal_clear(CiliumFatal *f);
/* The last known fatal line in a CRI log text (TIMESTAMP STREAM P|F MESSAGE lines, P parts
 * joined). Lines that are not CRI are skipped. Returns 0 (f->info NULL when none) or -ENOMEM. */
_must_check_ int cilium_log_newest_fatal(const char *text, size_t len, CiliumFatal *ret);
/* The table row whose text a terminal line (fatal, an Error: line, a failed start) holds. */
const CiliumFatalInfo *cilium_fatal_match(const char *message);

/* ---- all three, as evaluate() takes them ---- */

typedef enum CiliumAgentReach {
	CILIUM_AGENT_NOT_ASKED, /* socket "" or not there */
	CILIUM_AGENT_REACHED,
	CILIUM_AGENT_UNREACHABLE, /* refused, timed out, garbage, cut off, non-200 */
} CiliumAgentReach;

typedef struct CiliumFacts {
	CiliumAgentReach reach;
	CiliumAgentView agent;
	bool have_config;
	CiliumConfigView config;
	CiliumFatal fatal;
	char *pod_uid; /* the agent pod found under pod-logs-dir or kubelet-pods-dir */
} CiliumFacts;

CiliumFacts *cilium_facts_free(CiliumFacts *f);
DEFINE_TRIVIAL_CLEANUP_FUNC(CiliumFacts *, cilium_facts_free);
_must_check_ int cilium_facts_new(CiliumFacts **ret);

/* Reads the configuration directory and the logs (not the API): the agent pod by its log
 * directory kube-system_cilium-<x>_<uid> under pod_logs_dir, else by containers/cilium-agent
 * under kubelet_pods_dir. NULL or "" disables a source; absent files are no error. Fills f. */
_must_check_ int cilium_files_load(const char *kubelet_pods_dir, const char *pod_logs_dir,
				   CiliumFacts *f);
/* The configuration directory of a pod: the build-config emptyDir (1.13+) if it holds a ..data,
 * else the kubelet's ConfigMap volume cilium-config-path. */
_must_check_ int cilium_config_load_dir(const char *dir, CiliumConfigView *ret);
/* Two directories that may hold the agent's configuration, in order of preference. */
extern const char *const CILIUM_CONFIG_SUBDIRS[2];
