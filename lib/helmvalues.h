/* SPDX-License-Identifier: MIT */
/*
 * The Cilium Helm values that fit this K3s node, from the same facts as the verdict: native
 * routing (routingMode replaced tunnel=disabled, removed in 1.15), ipv4NativeRoutingCIDR = K3s's
 * cluster-cidr, autoDirectNodeRoutes only when every peer is on-link (on a layer-3 network the
 * routes come from hcloud-cloud-controller-manager's route controller), kube-proxy replacement
 * with K3s's local API endpoint 127.0.0.1:6444, IPAM from the pod CIDRs K3s assigns each node,
 * devices when the node has several candidate NICs, and the native device's MTU.
 * One JSON object carries the values; the text form is rendered from it, so both say the same.
 */
#pragma once

#include <json-c/json.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include "checks.h"
#include "config.h"
#include "hostfacts.h"
#include "netstate.h"

#define HELM_K8S_SERVICE_HOST "127.0.0.1"
#define HELM_K8S_SERVICE_PORT 6444

typedef struct HelmValues {
	char native_cidr[PREFIX_STRLEN];
	const char *native_cidr_why;
	char native_cidr_overlap[PREFIX_STRLEN];   /* a node network it overlaps, "" when none */
	char native_cidr_overlap_device[IFNAMSIZ]; /* the (non-pod) device that carries it */
	bool auto_direct_node_routes;
	const char *auto_direct_node_routes_why;
	bool kube_proxy_replacement;
	char device[IFNAMSIZ]; /* devices: [device] when several NICs could carry node traffic */
	size_t n_candidate_nics;
	uint32_t mtu; /* 0: no native device known, leave Cilium's detection */
	char mtu_device[IFNAMSIZ];
} HelmValues;

void helm_values_compute(const Config *c, const NetState *ns, const HostFacts *h, const Verdict *v,
			 HelmValues *ret);
/* {"routingMode": "native", "ipv4NativeRoutingCIDR": …, …} in Helm's nesting. */
json_object *helm_values_to_json(const HelmValues *hv);
/* {"cidr", "node-network", "device"} of the overlap, NULL (JSON null) when none. */
json_object *helm_values_overlap_to_json(const HelmValues *hv);
/* The same values as a commented values.yaml, indented by indent spaces, then as --set flags. */
_must_check_ int helm_values_to_text(const HelmValues *hv, unsigned indent, char **ret);
