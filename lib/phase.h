/* SPDX-License-Identifier: MIT */
/*
 * The node's phase in a Flannel-to-Cilium move, from its devices and Cilium's configuration
 * (DESIGN.md §5), and, while it migrates, the step of Cilium's per-node migration guide
 * ("Migrating a cluster to Cilium": a second overlay on VXLAN port 8473 beside Flannel's 8472,
 * nodes moved one by one with a CiliumNodeConfig) it looks to be at.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "hostfacts.h"
#include "netstate.h"

typedef enum Phase {
	PHASE_UNKNOWN,	 /* both, but not as the guide runs them (e.g. one UDP port for both) */
	PHASE_FLANNEL,	 /* Flannel's devices in use, no Cilium */
	PHASE_MIGRATING, /* both, the way the migration guide runs them */
	PHASE_TUNNEL,	 /* Cilium alone, in tunnel mode */
	PHASE_NATIVE,	 /* no overlay in the way: Cilium native routing, or ready for it */
	_PHASE_MAX,
} Phase;

typedef enum MigrationStep {
	MIGRATION_STEP_NONE,
	MIGRATION_STEP_BESIDE,	 /* Cilium's overlay runs beside Flannel; every pod still on cni0 */
	MIGRATION_STEP_SWITCHED, /* the node's new pods are Cilium's, old ones still on cni0 */
	MIGRATION_STEP_MOVED, /* every pod on Cilium; Flannel's devices still up for other nodes */
} MigrationStep;

typedef struct PhaseFacts {
	Phase phase;
	MigrationStep step;
	size_t flannel_pods;	   /* ports of Flannel's bridge cni0 */
	size_t cilium_pods;	   /* lxc* devices, lxc_health aside */
	const Link *flannel_vxlan; /* flannel.1 (or flannel-v6.1); NULL when none */
	const Link *cilium_tunnel; /* cilium_vxlan or cilium_geneve; NULL when none */
} PhaseFacts;

void phase_detect(const NetState *ns, const HostFacts *h, PhaseFacts *ret);

const char *phase_to_string(Phase p);
/* One sentence: where the node is in the guide and what comes next. NULL for no step. */
const char *migration_step_text(MigrationStep s);
