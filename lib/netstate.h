/* SPDX-License-Identifier: MIT */
/*
 * The node's links, addresses and routes as the kernel reports them over rtnetlink.
 *
 * Links and their addresses are all kept. Routes are kept only when evaluation can need them
 * (netstate_route_is_kept()); the others are counted per link and family, so that a node carrying
 * a full Internet table costs a few counters, not a million objects.
 */
#pragma once

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "inaddr.h"
#include "macro.h"

#define LINK_KIND_MAX 24
#define ROUTE_NEXTHOPS_MAX 256

/* vxlan and geneve details; Cilium's tunnel devices are "external" (collect-metadata). */
typedef struct TunnelInfo {
	bool present;
	bool external;
	bool learning;
	uint32_t vni;
	uint16_t dstport;     /* host byte order */
	uint8_t local_family; /* 0 when no local address is set */
	InAddr local;
	uint32_t underlying; /* ifindex of the device the tunnel sends through, 0 when unset */
} TunnelInfo;

typedef struct LinkAddress {
	Prefix prefix; /* the local address and its prefix length */
	uint8_t scope;
	uint32_t generation;
} LinkAddress;

typedef struct Link {
	uint32_t ifindex;
	char name[IFNAMSIZ];
	char kind[LINK_KIND_MAX]; /* IFLA_INFO_KIND; "" for physical devices and lo */
	uint32_t flags;		  /* IFF_* */
	uint32_t mtu;
	uint32_t master; /* ifindex of the bridge or bond it is enslaved to, 0 when none */
	TunnelInfo tunnel;
	/* link_is_tunnel(), kept by the model: every dumped route asks it, and comparing the kind
	 * with each tunnel kind was a tenth of a million-route cold start. */
	bool tunnel_kind;

	LinkAddress *addresses;
	size_t n_addresses;
	uint64_t routes_other[2]; /* routes counted but not kept: [0] IPv4, [1] IPv6 */
	/* Of routes_other[0], those with several nexthops: whether the kernel flushes one when this
	 * link goes down depends on its other nexthops, which a count does not know. */
	uint64_t routes_other_multipath4;
	/* Of routes_other[0], those of scope host (the local routes of addresses): kept by the
	 * kernel when the link goes down, its nexthop's scope being "nowhere". */
	uint64_t routes_other_host4;
	uint32_t default_routes; /* kept default routes through this link */
	struct Link *name_next;	 /* the model's index by name */
	struct Route *routes;	 /* kept routes through this link alone, so that its going costs
				    its own routes, not a walk over the table */
	uint32_t generation;
} Link;

typedef struct Nexthop {
	uint8_t gw_family; /* 0: directly connected, no gateway */
	InAddr gw;
	uint32_t ifindex;
	uint8_t
	    flags; /* RTNH_F_ONLINK and friends; the kernel's own DEAD/LINKDOWN marks are dropped */
	uint8_t weight; /* rtnh_hops + 1 */
} Nexthop;

typedef struct Route {
	struct Route *hash_next;
	struct Route *same_prefix_next; /* the routes of one table with this destination */
	uint8_t index_flags;		/* how routeindex counts it (RouteIndexFlags) */
	/* In its link's list of routes when all its nexthops go through one known link, else in the
	 * model's list of the others; NULL pprev when it has no nexthop. */
	struct Route *by_link_next, **by_link_pprev;
	uint8_t family;
	uint8_t dst_len;
	uint8_t src_len;
	uint8_t tos;
	uint8_t protocol;
	uint8_t scope;
	uint8_t type;
	bool multipath; /* came as RTA_MULTIPATH, even with one nexthop */
	uint32_t table;
	uint32_t priority;
	uint32_t flags; /* rtm_flags without the kernel's own DEAD/LINKDOWN marks */
	InAddr dst;
	InAddr src;
	uint32_t generation;
	uint16_t n_nexthops;
	Nexthop *nexthops;
} Route;

/* A question for the kernel: which route does it use for this gateway? */
typedef struct GatewayQuestion {
	uint8_t family;
	InAddr addr;
} GatewayQuestion;

/* The kernel's answer (RTM_GETROUTE for the one address, as `ip route get` asks). */
typedef struct GatewayAnswer {
	uint8_t family;
	InAddr addr;
	uint32_t connected_ifindex; /* reached without a gateway through this device, else 0 */
	uint32_t oif;		    /* the device of the answer's route, 0 when none */
	/* The address is the node's own (a local route answered): the kernel checks a gateway
	 * against the main table, so the kept main table (it keeps the prefix routes of the node's
	 * addresses) gives the verdict, as it does without questions. */
	bool local;
} GatewayAnswer;

/* What a resync refreshes: objects of these classes not seen again are swept. */
typedef enum SyncScope {
	SYNC_LINKS = 1 << 0,
	SYNC_ADDRESSES = 1 << 1,
	SYNC_ROUTES4 = 1 << 2,
	SYNC_ROUTES6 = 1 << 3,
	SYNC_ALL = SYNC_LINKS | SYNC_ADDRESSES | SYNC_ROUTES4 | SYNC_ROUTES6,
} SyncScope;

/* What an applied message did, as bits. */
typedef enum ApplyResult {
	APPLY_CHANGED = 1 << 0,
	/* A link lost an IPv4 address, or went down carrying counted multipath IPv4 routes: the
	 * kernel may have flushed IPv4 routes without sending one RTM_DELROUTE each, and the model
	 * cannot tell which, so the caller should resync IPv4 routes. (A link going down otherwise
	 * has its flush done by the model itself.) */
	APPLY_IPV4_ROUTES_STALE = 1 << 1,
} ApplyResult;

typedef struct NetState NetState;
typedef struct RtnlMessage RtnlMessage;

_must_check_ int netstate_new(NetState **ret);
NetState *netstate_free(NetState *ns);
DEFINE_TRIVIAL_CLEANUP_FUNC(NetState *, netstate_free);

/* Which routes are kept: those into the native-routing CIDRs, and those covering a peer. Copies. */
_must_check_ int netstate_set_route_filter(NetState *ns, const Prefix *native, size_t n_native,
					   const Prefix *peers, size_t n_peers);

/* Applies one decoded message. Returns ApplyResult bits, or -ENOMEM. */
_must_check_ int netstate_apply(NetState *ns, const RtnlMessage *m);

/* Starts a mark-and-sweep resync of the given classes; messages applied from now on are "seen". */
void netstate_begin_sync(NetState *ns, SyncScope scope);
/* Drops what the resync begun last did not see again. Returns how many objects went. */
size_t netstate_sweep(NetState *ns, SyncScope scope);
/*
 * The route classes whose counts the last sweep may have got wrong: a notification about a counted
 * route came while its family was being dumped. Counted routes are bare counters, so a route that
 * the notification counted and the dump then counted again (or that the dump had counted and the
 * notification already uncounted) cannot be told apart; only a recount settles it.
 */
SyncScope netstate_counts_raced(const NetState *ns);

bool netstate_route_is_kept(const NetState *ns, const Route *r);

/*
 * Asking the kernel about gateways (the daemon does; preflight and tests do not). Without it every
 * connected route is kept, so that the kept routes decide whether a gateway is directly connected.
 * With it, a connected route outside the native CIDRs is kept only when it is the prefix route of
 * one of the node's own addresses (proto kernel): the others (a million scope-link /32s) are
 * counted, and each pod route's gateway gets its verdict from the kernel's answer instead. Set it
 * before the first dump; changing it later needs a routes resync, as a filter change does.
 */
void netstate_set_gateway_questions(NetState *ns, bool asking);
bool netstate_gateway_questions(const NetState *ns);
/* Takes up to max queued questions (netstate_apply() queues them). Returns how many. */
size_t netstate_take_gateway_questions(NetState *ns, GatewayQuestion *out, size_t max);
/* Queues every gateway again: answers were lost, or may be stale. */
void netstate_requeue_gateway_questions(NetState *ns);
/* Stores the kernel's answer. Returns APPLY_CHANGED when a verdict changed, else 0. */
int netstate_gateway_answer(NetState *ns, const GatewayAnswer *a);
/* Gateways without an answer yet: until they have one, a verdict would be a guess. */
uint64_t netstate_gateways_unanswered(const NetState *ns);

const Link *netstate_link(const NetState *ns, uint32_t ifindex);
const Link *netstate_link_by_name(const NetState *ns, const char *name);
/* Links in ifindex order. */
const Link *const *netstate_links(const NetState *ns, size_t *ret_n);
size_t netstate_bridge_ports(const NetState *ns, uint32_t bridge_ifindex);
bool link_is_tunnel(const Link *l);

/* Kept routes in a stable order (family, table, destination, metric). The caller frees the array.
 */
_must_check_ int netstate_sorted_routes(const NetState *ns, const Route ***ret, size_t *ret_n);
size_t netstate_routes_kept(const NetState *ns);
/* Kept plus counted routes. */
uint64_t netstate_routes_seen(const NetState *ns);

int route_compare(const Route *a, const Route *b);

/* The kept main-table unicast route that the kernel would use for addr (longest prefix, then lowest
 * metric); NULL when none. */
const Route *netstate_lookup(const NetState *ns, int family, const InAddr *addr);
/* The device on which addr is directly connected, 0 when it is reached through a gateway or not at
 * all: for a pod route's gateway the verdict held (the kernel's answer when asking), otherwise
 * the kept main table's. */
uint32_t netstate_connected_ifindex(const NetState *ns, int family, const InAddr *addr);
/* Whether the route filter's native CIDRs are exactly this one. */
bool netstate_native_is(const NetState *ns, const Prefix *native);
/*
 * Pod routes (kept main-table unicast routes inside a native CIDR with a gateway) whose first
 * nexthop's gateway is not directly connected on ifindex, and pod routes through a tunnel device:
 * kept as counts while routes change, so that a node whose pod routes are all fine is told so
 * without a walk over its routes.
 */
uint64_t netstate_pod_routes_off(const NetState *ns, uint32_t ifindex);
uint64_t netstate_pod_routes_via_tunnel(const NetState *ns);
/* Whether a kept route with destination length 0 goes out through this link. */
bool netstate_link_has_default_route(const NetState *ns, uint32_t ifindex);
/* Calls f for every kept route, in no particular order. */
void netstate_foreach_route(const NetState *ns, void (*f)(const Route *r, void *userdata),
			    void *userdata);
