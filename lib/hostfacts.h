/* SPDX-License-Identifier: MIT */
/*
 * What evaluation needs from the host's files: CNI configurations in the configured directories,
 * net.ipv4.ip_forward of this network namespace, systemd-networkd's foreign-route settings,
 * Flannel's subnet.env, and the effective K3s configuration.
 * Paths come from routeguard.yaml; the others sit below a root ("/" normally, a temporary
 * directory in tests).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "cilium.h"
#include "cniipam.h"
#include "config.h"
#include "fileutil.h"
#include "firewall.h"
#include "k3sconfig.h"
#include "macro.h"

typedef struct CniFile {
	char *path;
	char **plugin_types; /* the "type" of each plugin */
	size_t n_plugin_types;
	bool is_cilium;	       /* a plugin of type cilium-cni */
	char *error;	       /* set when the file is not valid JSON of a CNI config */
	FileIdentity identity; /* taken before reading: enforcement moves only this file */
} CniFile;

typedef struct HostFacts {
	CniFile *cni_files;
	size_t n_cni_files;

	int ip_forward; /* 0 or 1; -1 when it could not be read */

	bool networkd_running;
	bool manage_foreign_routes; /* effective, systemd's default yes */
	bool manage_foreign_rules;
	char *networkd_source; /* the file that set the value last, or the main file's path */

	char *flannel_subnet_env; /* its path when Flannel's state file is present */
	char *flannel_network;	  /* FLANNEL_NETWORK= in it */

	K3sConfig *k3s;

	/* Cilium as read from its socket, configuration directory and logs; NULL when not read.
	 * Borrowed: the daemon keeps it across host-file reloads (it has triggers of its own). */
	const CiliumFacts *cilium;

	CniNetwork *cni_networks; /* host-local IPAM directories */
	size_t n_cni_networks;

	/* The packet filter's chains; borrowed (the daemon's mirror, or preflight's one reading),
	 * NULL when not read: firewall-leftovers is then not evaluated. */
	const Firewall *firewall;
} HostFacts;

HostFacts *hostfacts_free(HostFacts *h);
DEFINE_TRIVIAL_CLEANUP_FUNC(HostFacts *, hostfacts_free);

/*
 * root: prefix for systemd's directories (/etc, /run, /usr/local/lib, /usr/lib, /lib) and /run
 * (NULL or "" for the real host). k3s_discovery: NULL, or where one load leaves its scan of the
 * unit directories for the next to reuse while they are unchanged (k3s_discover_units()).
 * Returns 0 or -ENOMEM.
 */
_must_check_ int hostfacts_load(const Config *c, const char *root, K3sDiscovery **k3s_discovery,
				HostFacts **ret);

/* Parses one CNI configuration file's text (tests, fuzzing). */
_must_check_ int cni_file_parse(const char *path, const char *text, CniFile *ret);
void cni_file_clear(CniFile *f);

/* systemd's boolean words; -EINVAL for anything else. */
int parse_systemd_boolean(const char *s);
