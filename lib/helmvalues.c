/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helmvalues.h"
#include "k3sconfig.h"
#include "netstate-json.h" /* json_object_putp */

/* Devices that carry pod addresses (a /32 on cilium_host or flannel.1, a gateway on cni0), not
 * the node network: the pod CIDR overlapping them is the point, not a conflict. */
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

/* A NIC that could carry node traffic, so Cilium's device detection could pick it: a global
 * IPv4 address, and neither loopback, a bridge, a tunnel nor one of Cilium's devices. Hetzner
 * Cloud servers with a private network have two: the public one and the private one. */
static bool candidate_nic(const Link *l)
{
	if (strcmp(l->name, "lo") == 0 || strncmp(l->name, "cilium_", 7) == 0 ||
	    strncmp(l->name, "lxc", 3) == 0 || strcmp(l->kind, "bridge") == 0 || link_is_tunnel(l))
		return false;
	for (size_t j = 0; j < l->n_addresses; j++) {
		const Prefix *a = &l->addresses[j].prefix;
		if (a->family != AF_INET)
			continue;
		uint8_t first = a->addr.bytes[0], second = a->addr.bytes[1];
		if (first != 127 && !(first == 169 && second == 254))
			return true;
	}
	return false;
}

static size_t count_candidate_nics(const NetState *ns)
{
	size_t n, count = 0;
	const Link *const *links = netstate_links(ns, &n);
	for (size_t i = 0; i < n; i++)
		count += candidate_nic(links[i]);
	return count;
}

void helm_values_compute(const Config *c, const NetState *ns, const HostFacts *h, const Verdict *v,
			 HelmValues *ret)
{
	HelmValues hv = {};
	const Link *native = v->native_ifindex ? netstate_link(ns, v->native_ifindex) : NULL;
	Prefix cidr = c->native_routing_cidr, cluster;
	char overlap[PREFIX_STRLEN];

	/* K3s assigns the pod CIDRs from its cluster-cidr: that is what Cilium routes natively. */
	hv.native_cidr_why = "native-routing-cidr in routeguard.yaml";
	if (h && h->k3s && h->k3s->role != K3S_ROLE_NONE &&
	    k3sconfig_cluster_cidr4(h->k3s, &cluster) == 0) {
		cidr = cluster;
		hv.native_cidr_why = "K3s's cluster-cidr";
	}
	prefix_format(&cidr, hv.native_cidr);
	const char *dev = NULL;
	if (overlapping_node_network(ns, &cidr, overlap, &dev)) {
		strcpy(hv.native_cidr_overlap, overlap);
		snprintf(hv.native_cidr_overlap_device, sizeof(hv.native_cidr_overlap_device), "%s",
			 dev);
	}
	if (c->n_peers == 0) {
		hv.auto_direct_node_routes_why =
		    "no peers configured, so layer-2 adjacency is unknown";
	} else if (v->n_peers_onlink == c->n_peers) {
		hv.auto_direct_node_routes = true;
		hv.auto_direct_node_routes_why = "every peer is directly connected (layer 2)";
	} else {
		hv.auto_direct_node_routes_why =
		    "peers are behind a gateway (layer 3, like Hetzner Cloud): the pod routes come "
		    "from hcloud-cloud-controller-manager's route controller";
	}
	hv.kube_proxy_replacement = c->expect.kube_proxy_replacement;
	hv.n_candidate_nics = count_candidate_nics(ns);
	if (native && hv.n_candidate_nics > 1)
		snprintf(hv.device, sizeof(hv.device), "%s", native->name);
	if (c->expect.mtu) {
		hv.mtu = c->expect.mtu;
	} else if (native) {
		hv.mtu = native->mtu;
		snprintf(hv.mtu_device, sizeof(hv.mtu_device), "%s", native->name);
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
	if (hv->kube_proxy_replacement) {
		/* Without kube-proxy nothing serves the API's ClusterIP: the agent (and its config
		 * init container) must reach the API server directly. */
		json_object_object_add(o, "k8sServiceHost",
				       json_object_new_string(HELM_K8S_SERVICE_HOST));
		json_object_object_add(o, "k8sServicePort",
				       json_object_new_int(HELM_K8S_SERVICE_PORT));
	}
	if (hv->device[0]) {
		json_object *devices = json_object_new_array();
		json_object_array_add(devices, json_object_new_string(hv->device));
		json_object_object_add(o, "devices", devices);
	}
	if (hv->mtu)
		json_object_object_add(o, "MTU", json_object_new_int64(hv->mtu));
	json_object *ipam = json_object_new_object();
	json_object_object_add(ipam, "mode", json_object_new_string("kubernetes"));
	json_object_object_add(o, "ipam", ipam);
	return o;
}

/* Why each value, as a comment beside it in the text form; "" for none. */
static const char *comment(const HelmValues *hv, const char *key, char *buf, size_t size)
{
	if (strcmp(key, "routingMode") == 0)
		return "replaces tunnel: disabled (removed in Cilium 1.15; unset = tunnel)";
	if (strcmp(key, "ipv4NativeRoutingCIDR") == 0)
		return hv->native_cidr_why;
	if (strcmp(key, "autoDirectNodeRoutes") == 0)
		return hv->auto_direct_node_routes_why;
	if (strcmp(key, "k8sServiceHost") == 0)
		return "K3s's local API endpoint, on servers and agents";
	if (strcmp(key, "devices") == 0) {
		snprintf(buf, size, "the native device: the node has %zu NICs Cilium could pick",
			 hv->n_candidate_nics);
		return buf;
	}
	if (strcmp(key, "MTU") == 0) {
		if (!hv->mtu_device[0])
			return "expect.mtu";
		snprintf(buf, size, "of %s", hv->mtu_device);
		return buf;
	}
	if (strcmp(key, "mode") == 0)
		return "the pod CIDRs K3s assigns each node (the ranges a cloud controller routes)";
	return "";
}

static void scalar(FILE *f, json_object *v)
{
	if (json_object_is_type(v, json_type_string))
		fprintf(f, "%s", json_object_get_string(v));
	else
		fprintf(f, "%s", json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN));
}

static void yaml(FILE *f, const HelmValues *hv, json_object *o, unsigned indent)
{
	json_object_object_foreach(o, key, v)
	{
		fprintf(f, "%*s%s:", (int)indent, "", key);
		if (json_object_is_type(v, json_type_object)) {
			fprintf(f, "\n");
			yaml(f, hv, v, indent + 2);
			continue;
		}
		fprintf(f, " ");
		if (json_object_is_type(v, json_type_array)) {
			fprintf(f, "[");
			for (size_t i = 0; i < json_object_array_length(v); i++) {
				fprintf(f, "%s", i ? ", " : "");
				scalar(f, json_object_array_get_idx(v, i));
			}
			fprintf(f, "]");
		} else {
			scalar(f, v);
		}
		char buf[96];
		const char *why = comment(hv, key, buf, sizeof(buf));
		fprintf(f, "%s%s\n", why[0] ? "   # " : "", why);
		if (strcmp(key, "ipv4NativeRoutingCIDR") == 0 && hv->native_cidr_overlap[0])
			fprintf(
			    f,
			    "%*s# WARNING: %s overlaps the node network %s on %s: traffic to the "
			    "node network would not be masqueraded\n",
			    (int)indent, "", hv->native_cidr, hv->native_cidr_overlap,
			    hv->native_cidr_overlap_device);
	}
}

static void flags(FILE *f, json_object *o, const char *prefix)
{
	json_object_object_foreach(o, key, v)
	{
		if (json_object_is_type(v, json_type_object)) {
			char nested[128];
			snprintf(nested, sizeof(nested), "%s%s.", prefix, key);
			flags(f, v, nested);
			continue;
		}
		fprintf(f, " --set %s%s=", prefix, key);
		if (json_object_is_type(v, json_type_array)) {
			fprintf(f, "'{");
			for (size_t i = 0; i < json_object_array_length(v); i++) {
				fprintf(f, "%s", i ? "," : "");
				scalar(f, json_object_array_get_idx(v, i));
			}
			fprintf(f, "}'");
		} else {
			scalar(f, v);
		}
	}
}

int helm_values_to_text(const HelmValues *hv, unsigned indent, char **ret)
{
	_cleanup_(json_object_putp) json_object *o = helm_values_to_json(hv);
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	if (!o || !(f = open_memstream(&text, &len)))
		return -ENOMEM;
	yaml(f, hv, o, indent);
	fprintf(f, "\n%*sas flags:", (int)indent, "");
	flags(f, o, "");
	fprintf(f, "\n");
	if (fclose(f) != 0) {
		free(text);
		return -ENOMEM;
	}
	*ret = text;
	return 0;
}

json_object *helm_values_overlap_to_json(const HelmValues *hv)
{
	if (!hv->native_cidr_overlap[0])
		return NULL; /* JSON null: no overlap */
	json_object *o = json_object_new_object();
	if (!o)
		return NULL;
	json_object_object_add(o, "cidr", json_object_new_string(hv->native_cidr));
	json_object_object_add(o, "node-network", json_object_new_string(hv->native_cidr_overlap));
	json_object_object_add(o, "device", json_object_new_string(hv->native_cidr_overlap_device));
	return o;
}
