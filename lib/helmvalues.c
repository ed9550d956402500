/* SPDX-License-Identifier: MIT */
#include <fnmatch.h>
#include <stdio.h>
#include <string.h>

#include "helmvalues.h"
#include "k3sconfig.h"

/* Devices that carry pod addresses (a /32 on cilium_host or flannel.1, a gateway on cni0), not
 * the node network: Cilium's pool overlapping them is the point, not a conflict. */
static bool pod_device(const char *name)
{
	static const char *const globs[] = {"lo",	 "cilium_*", "lxc*",	   "flannel.*",
					    "flannel-*", "cni0",     "kube-ipvs0", "vxlan.calico"};
	for (size_t i = 0; i < ELEMENTSOF(globs); i++)
		if (fnmatch(globs[i], name, 0) == 0)
			return true;
	return false;
}

/* A node network: an address prefix on the native device or another non-pod device. */
static const char *overlapping_node_network(const NetState *ns, const Prefix *pool,
					    char buf[static PREFIX_STRLEN], const char **ret_dev)
{
	size_t n;
	const Link *const *links = netstate_links(ns, &n);

	for (size_t i = 0; i < n; i++) {
		if (pod_device(links[i]->name))
			continue;
		*ret_dev = links[i]->name;
		for (size_t j = 0; j < links[i]->n_addresses; j++) {
			Prefix net = links[i]->addresses[j].prefix;
			if (net.family == pool->family && prefix_overlaps(&net, pool))
				return prefix_format(&net, buf);
		}
	}
	return NULL;
}

void helm_values_compute(const Config *c, const NetState *ns, const HostFacts *h, const Verdict *v,
			 HelmValues *ret)
{
	HelmValues hv = {};
	const Link *native = v->native_ifindex ? netstate_link(ns, v->native_ifindex) : NULL;
	Prefix pool = c->native_routing_cidr, cluster;

	prefix_format(&c->native_routing_cidr, hv.native_cidr);
	if (c->n_peers == 0) {
		hv.auto_direct_node_routes_why =
		    "no peers: configured, so layer-2 adjacency is unknown";
	} else if (v->n_peers_onlink == c->n_peers) {
		hv.auto_direct_node_routes = true;
		hv.auto_direct_node_routes_why = "every peer is directly connected (layer 2)";
	} else {
		hv.auto_direct_node_routes_why =
		    "peers are behind a gateway (layer 3, like Hetzner Cloud)";
	}
	hv.kube_proxy_replacement = c->expect.kube_proxy_replacement;
	if (c->expect.mtu)
		hv.mtu = c->expect.mtu;
	else if (native && native->mtu < 1500)
		hv.mtu = native->mtu;
	/* K3s assigns the pod CIDRs: Cilium's pool should be the same range when it fits. */
	if (h && h->k3s && h->k3s->role != K3S_ROLE_NONE &&
	    k3sconfig_cluster_cidr4(h->k3s, &cluster) == 0 &&
	    prefix_covers(&c->native_routing_cidr, &cluster))
		pool = cluster;
	prefix_format(&pool, hv.pod_cidr);
	char overlap[PREFIX_STRLEN];
	const char *dev = NULL;
	if (overlapping_node_network(ns, &pool, overlap, &dev)) {
		strcpy(hv.pod_cidr_overlap, overlap);
		snprintf(hv.pod_cidr_overlap_device, sizeof(hv.pod_cidr_overlap_device), "%s", dev);
	}
	*ret = hv;
}

json_object *helm_values_to_json(const HelmValues *hv)
{
	json_object *o = json_object_new_object();
	if (!o)
		return NULL;
	json_object_object_add(o, "routingMode", json_object_new_string("native"));
	json_object_object_add(o, "ipv4NativeRoutingCIDR", json_object_new_string(hv->native_cidr));
	json_object_object_add(o, "autoDirectNodeRoutes",
			       json_object_new_boolean(hv->auto_direct_node_routes));
	json_object_object_add(o, "kubeProxyReplacement",
			       json_object_new_boolean(hv->kube_proxy_replacement));
	if (hv->mtu)
		json_object_object_add(o, "MTU", json_object_new_int64(hv->mtu));
	json_object *ipam = json_object_new_object(), *operator= json_object_new_object();
	json_object *pools = json_object_new_array();
	json_object_array_add(pools, json_object_new_string(hv->pod_cidr));
	json_object_object_add(operator, "clusterPoolIPv4PodCIDRList", pools);
	json_object_object_add(ipam, "mode", json_object_new_string("cluster-pool"));
	json_object_object_add(ipam, "operator", operator);
	json_object_object_add(o, "ipam", ipam);
	return o;
}

json_object *helm_values_overlap_to_json(const HelmValues *hv)
{
	if (!hv->pod_cidr_overlap[0])
		return NULL; /* JSON null: no overlap */
	json_object *o = json_object_new_object();
	if (!o)
		return NULL;
	json_object_object_add(o, "pod-cidr", json_object_new_string(hv->pod_cidr));
	json_object_object_add(o, "node-network", json_object_new_string(hv->pod_cidr_overlap));
	json_object_object_add(o, "device", json_object_new_string(hv->pod_cidr_overlap_device));
	return o;
}
