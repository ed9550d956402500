/* SPDX-License-Identifier: MIT */
/*
 * The Cilium Helm values that fit this node, from the same facts as the verdict: native routing
 * (routingMode replaced tunnel=disabled in 1.15), autoDirectNodeRoutes only when every peer is
 * on-link, kube-proxy replacement, the MTU, and a pod CIDR pool that does not overlap the node
 * network (Cilium's default 10.0.0.0/8 overlaps Hetzner's 10.0.0.0/16).
 */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "checks.h"
#include "config.h"
#include "hostfacts.h"
#include "netstate.h"

typedef struct HelmValues {
	char native_cidr[PREFIX_STRLEN];
	bool auto_direct_node_routes;
	const char *auto_direct_node_routes_why;
	bool kube_proxy_replacement;
	uint32_t mtu; /* 0: leave Cilium's default */
	char pod_cidr[PREFIX_STRLEN]; /* for ipam.operator.clusterPoolIPv4PodCIDRList */
	char pod_cidr_overlap[PREFIX_STRLEN]; /* a node network it overlaps, "" when none */
	char pod_cidr_overlap_device[16];     /* the (non-pod) device that carries it */
} HelmValues;

void helm_values_compute(const Config *c, const NetState *ns, const HostFacts *h,
			 const Verdict *v, HelmValues *ret);
/* {"routingMode": "native", "ipv4NativeRoutingCIDR": …, …} in Helm's nesting. */
json_object *helm_values_to_json(const HelmValues *hv);
/* {"pod-cidr", "node-network", "device"} of the overlap, NULL (JSON null) when none. */
json_object *helm_values_overlap_to_json(const HelmValues *hv);
