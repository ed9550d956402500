/* SPDX-License-Identifier: MIT */
#include <string.h>

#include "phase.h"
#include "protect.h"

static bool starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static bool is_flannel_vxlan(const Link *l)
{
	return strcmp(l->kind, "vxlan") == 0 && starts_with(l->name, "flannel") &&
	       !l->tunnel.external;
}

/* Cilium's configuration as the migration guide sets it: cni.customConf (custom-cni-conf: true),
 * so the agent writes no CNI file and the node's pods stay on Flannel until it is moved. */
static bool cilium_custom_conf(const HostFacts *h)
{
	const CiliumConfigView *c =
	    h && h->cilium && h->cilium->have_config ? &h->cilium->config : NULL;
	return c && c->custom_cni_conf && strcmp(c->custom_cni_conf, "true") == 0;
}

void phase_detect(const NetState *ns, const HostFacts *h, PhaseFacts *ret)
{
	size_t n;
	const Link *const *links = netstate_links(ns, &n);
	const Link *cni0 = netstate_link_by_name(ns, "cni0");
	PhaseFacts f = {.phase = PHASE_UNKNOWN};
	bool cilium = false;

	/* Once per evaluation over every link, 5000 on a busy node: the first letter decides which
	 * comparisons can matter. */
	for (size_t i = 0; i < n; i++) {
		const Link *l = links[i];
		if (l->name[0] == 'l') {
			if (starts_with(l->name, "lxc")) {
				cilium = true;
				if (l->name[3] != '_' || strcmp(l->name, "lxc_health") != 0)
					f.cilium_pods++;
			}
			continue;
		}
		if (!f.flannel_vxlan && l->name[0] == 'f' && is_flannel_vxlan(l))
			f.flannel_vxlan = l;
		if (l->name[0] == 'c' && starts_with(l->name, "cilium_")) {
			cilium = true;
			if (device_is_cilium_overlay(l))
				f.cilium_tunnel = l;
		}
	}
	if (cni0 && strcmp(cni0->kind, "bridge") == 0)
		f.flannel_pods = netstate_bridge_ports(ns, cni0->ifindex);

	bool flannel = f.flannel_vxlan || f.flannel_pods > 0;
	/* The guide's markers: a second overlay on a port of its own (a shared port is the
	 * vxlan-port-conflict trap, not a migration), cni.customConf, or pods on both CNIs. */
	bool second_overlay = f.flannel_vxlan && f.cilium_tunnel &&
			      f.cilium_tunnel->tunnel.dstport != f.flannel_vxlan->tunnel.dstport;
	bool migrating =
	    second_overlay || cilium_custom_conf(h) || (f.flannel_pods > 0 && f.cilium_pods > 0);

	if (migrating) {
		f.phase = PHASE_MIGRATING;
		if (f.flannel_pods > 0)
			f.step =
			    f.cilium_pods > 0 ? MIGRATION_STEP_SWITCHED : MIGRATION_STEP_BESIDE;
		else
			f.step = f.cilium_pods > 0 ? MIGRATION_STEP_MOVED : MIGRATION_STEP_BESIDE;
	} else if (!cilium) {
		f.phase = flannel ? PHASE_FLANNEL : PHASE_NATIVE;
	} else if (f.cilium_tunnel) {
		f.phase = flannel ? PHASE_UNKNOWN : PHASE_TUNNEL;
	} else {
		/* Cilium native beside Flannel's leftovers: native, and the leftovers are
		 * findings of their own. */
		f.phase = PHASE_NATIVE;
	}
	*ret = f;
}

const char *phase_to_string(Phase p)
{
	static const char *const names[] = {"unknown", "flannel", "migrating", "tunnel", "native"};
	return (size_t)p < ELEMENTSOF(names) ? names[p] : "unknown";
}

const char *migration_step_text(MigrationStep s)
{
	switch (s) {
	case MIGRATION_STEP_BESIDE:
		return "Cilium runs beside Flannel and every pod is still on cni0 "
		       "(the guide's install step): cordon and drain this node, label it "
		       "io.cilium.migration/cilium-default=true, delete its cilium pod, reboot";
	case MIGRATION_STEP_SWITCHED:
		return "the node has switched to Cilium (new pods on lxc*) but pods remain on "
		       "cni0 (the guide's per-node step): drain and reboot it so every pod moves";
	case MIGRATION_STEP_MOVED:
		return "every pod here is on Cilium; Flannel's devices stay for the nodes not yet "
		       "moved: uncordon, move the other nodes, then finish the guide "
		       "(cni.customConf=false, delete the CiliumNodeConfig, flannel-backend: none) "
		       "and switch to routingMode=native";
	default:
		return NULL;
	}
}
