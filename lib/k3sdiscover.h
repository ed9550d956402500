/* SPDX-License-Identifier: MIT */
/*
 * K3s unit discovery: the *.service files of the unit search path that mention k3s, by name.
 * A scan is kept in a K3sDiscovery and reused while no directory of the search path changed.
 */
#pragma once

#include <stddef.h>

#include "macro.h"

typedef struct K3sDiscovery K3sDiscovery;

K3sDiscovery *k3s_discovery_free(K3sDiscovery *d);
DEFINE_TRIVIAL_CLEANUP_FUNC(K3sDiscovery *, k3s_discovery_free);

/*
 * The names, sorted, of the *.service files below root's unit search path (templates left out;
 * a name counts once, from the first directory that has it) whose text mentions k3s: the
 * candidates for the unit that runs K3s, to be loaded and checked by the caller. cache may be
 * NULL (scan, keep nothing); otherwise *cache is reused when it was made below the same root and
 * every directory of the search path is still the same, unchanged one, and replaced by a new scan
 * when not. *ret_names (free each and the array) and *ret_n are written only on success.
 * Returns 0 or -ENOMEM; unreadable directories and files are left out.
 */
_must_check_ int k3s_discover_units(const char *root, K3sDiscovery **cache, char ***ret_names,
				    size_t *ret_n);
