/* SPDX-License-Identifier: MIT */
/*
 * host-local IPAM's reservations on disk: /var/lib/cni/networks/<network>/, one file per reserved
 * address (named by the address, holding the container ID and interface), plus last_reserved_ip.N
 * and a lock file. A network's directory outlives its bridge when the CNI that used it is gone.
 */
#pragma once

#include <stddef.h>

#include "macro.h"

#define CNI_NETWORKS_DIR "/var/lib/cni/networks"

typedef struct CniNetwork {
	char *name; /* the network's name: cbr0 for K3s's Flannel */
	char *dir;  /* its full path */
	size_t n_reservations;
} CniNetwork;

/* Reads root + CNI_NETWORKS_DIR (root NULL or "" for the host); a missing directory is no
 * network. Returns 0 or -ENOMEM. */
_must_check_ int cni_networks_load(const char *root, CniNetwork **ret, size_t *ret_n);
void cni_networks_free(CniNetwork *networks, size_t n);

/* The bridge a network's pods hang on: cni0 for cbr0 (K3s's Flannel, whose bridge plugin
 * delegate uses the bridge plugin's default cni0); NULL when routeguard does not know it. */
const char *cni_network_bridge(const char *network);
