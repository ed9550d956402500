/* SPDX-License-Identifier: MIT */
/*
 * routeguard.yaml: the desired state (DESIGN.md §4). The main file, then the *.yaml files of
 * routeguard.yaml.d in alphabetical order; a later file's scalar replaces an earlier one, a later
 * list replaces the list. Every error names FILE:LINE:COLUMN, what was found and what was expected.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "inaddr.h"
#include "macro.h"

#define CONFIG_DEFAULT_PATH "/etc/routeguard/routeguard.yaml"

typedef enum Mode {
	MODE_OBSERVE,
	MODE_ENFORCE,
} Mode;

typedef enum BridgePolicy {
	BRIDGE_WITH_PORTS_PENDING,
	BRIDGE_WITH_PORTS_REMOVE,
} BridgePolicy;

typedef struct StringList {
	char **items;
	size_t n;
} StringList;

typedef struct DeviceRule {
	char *name; /* a name or an fnmatch(3) glob */
	char *kind; /* IFLA_INFO_KIND to match, NULL = any */
} DeviceRule;

typedef struct Config {
	char *path;
	Mode mode;
	Prefix native_routing_cidr;
	char *native_device; /* "auto" or a device name */
	Prefix *peers;	     /* addresses, as full-length prefixes */
	size_t n_peers;
	struct {
		bool direct_node_routes;
		bool kube_proxy_replacement;
		uint32_t mtu; /* 0 = not checked */
	} expect;
	struct {
		char *config;
		StringList units;
		/* Set in routeguard.yaml rather than defaulted: a configured config path is read
		 * as is, a configured units list replaces discovery (even when empty). */
		bool config_set;
		bool units_set;
	} k3s;
	struct {
		StringList conf_dirs;
		char *quarantine_dir;
	} cni;
	struct {
		DeviceRule *remove;
		size_t n_remove;
		StringList keep;
	} devices;
	struct {
		unsigned recreate_count;
		uint64_t recreate_window_usec;
		BridgePolicy bridge_with_ports;
	} enforce;
	char *metrics_textfile; /* "" disables */
	struct {
		/* node-local views of Cilium (lib/cilium.h); "" disables one */
		char *socket;
		char *kubelet_pods_dir;
		char *pod_logs_dir;
		uint64_t poll_interval_usec;
	} cilium;
	struct {
		uint64_t poll_interval_usec; /* legacy xtables only: nf_tables sends events */
		StringList remove;	     /* chain (or native table) globs removed in enforce */
	} firewall;
} Config;

#define CONFIG_ERROR_MAX 512

typedef struct ConfigError {
	char text[CONFIG_ERROR_MAX]; /* "FILE:LINE:COLUMN: message" */
} ConfigError;

Config *config_free(Config *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(Config *, config_free);

/*
 * Loads path and its drop-in directory (path + ".d"). Returns 0, or -EINVAL with ret_error filled
 * for a configuration error, or another negative errno when a file cannot be read (also described).
 */
_must_check_ int config_load(const char *path, Config **ret, ConfigError *ret_error);

/* Loads one YAML text as if it were the whole configuration (tests, fuzzing). */
_must_check_ int config_load_string(const char *name, const char *text, size_t len, Config **ret,
				    ConfigError *ret_error);

const char *mode_to_string(Mode m);
