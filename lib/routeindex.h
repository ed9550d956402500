/* SPDX-License-Identifier: MIT */
/*
 * What evaluation asks of the kept routes, kept up to date as they change, so that an evaluation
 * costs what changed rather than the table:
 *   - a prefix trie per (family, table): the route the kernel would use for an address;
 *   - every gateway that a pod route goes through, with its verdict (the device of the connected
 *     route covering it, or 0), recomputed only when a route covering that gateway changes;
 *   - counts of pod routes by their gateway's verdict, and of pod routes through a tunnel.
 *
 * "Pod route" is decided by the caller (netstate: a kept main-table unicast route inside the
 * native CIDR with a gateway); the index remembers the decision in the route, so that a route
 * leaves exactly the counts it entered.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "netstate.h"

typedef struct RouteIndex RouteIndex;

/* How a route is counted; stored in Route.index_flags. */
typedef enum RouteIndexFlags {
	ROUTE_INDEX_POD_GATEWAY = 1 << 0, /* a pod route through nexthops[0]'s gateway */
	/* a pod route with a nexthop through a tunnel device, or one not known yet */
	ROUTE_INDEX_POD_TUNNEL = 1 << 1,
} RouteIndexFlags;

_must_check_ int routeindex_new(RouteIndex **ret);
RouteIndex *routeindex_free(RouteIndex *x);

/* Indexes a route that is about to be kept; flags say how it counts. -ENOMEM leaves it out. */
_must_check_ int routeindex_add(RouteIndex *x, Route *r, unsigned flags);
void routeindex_remove(RouteIndex *x, Route *r);

/* The unicast route without a source prefix that the kernel would use for addr in this table:
 * longest prefix, then lowest metric. NULL when none is kept. */
const Route *routeindex_lookup(const RouteIndex *x, int family, uint32_t table, const InAddr *addr);

/* The device on which addr is directly connected according to the kept main table, 0 when it is
 * reached through a gateway or not at all. */
uint32_t routeindex_connected_ifindex(const RouteIndex *x, int family, const InAddr *addr);

/* The verdict held for a pod route's gateway (the kernel's answer when one is held), or for any
 * other address the verdict of the kept routes. */
uint32_t routeindex_gateway_verdict(const RouteIndex *x, int family, const InAddr *addr);

/*
 * Questions to the kernel. With asking on, a gateway's verdict is the kernel's answer about it
 * (RTM_GETROUTE), because the routes that would decide it may not be kept. A gateway is queued
 * when it appears and when something that may move its covering route happens; the caller takes
 * the queue, asks, and hands the answers back. Turning asking off drops the answers.
 */
void routeindex_set_asking(RouteIndex *x, bool asking);
bool routeindex_asking(const RouteIndex *x);
/* Queues the gateways inside addr/len: a route with that prefix appeared, went or changed. */
void routeindex_queue_within(RouteIndex *x, int family, const InAddr *addr, uint8_t len);
/* Queues the answered gateways whose answer went out of ifindex: it went down, up or away. */
void routeindex_queue_oif(RouteIndex *x, uint32_t ifindex);
/* Takes up to max queued questions, oldest change last. Returns how many. */
size_t routeindex_take_questions(RouteIndex *x, GatewayQuestion *out, size_t max);
/* Stores an answer. Returns 1 when the gateway's verdict changed, else 0 (also when the gateway
 * is no longer known). */
int routeindex_answer(RouteIndex *x, const GatewayAnswer *a);
/* Gateways known and never answered while asking: a verdict about them would be a guess. */
uint64_t routeindex_unanswered(const RouteIndex *x);

/* Pod routes whose gateway is not directly connected on ifindex (at least 1 when the counts could
 * not be kept for lack of memory). */
uint64_t routeindex_pod_routes_off(const RouteIndex *x, uint32_t ifindex);
uint64_t routeindex_pod_routes_via_tunnel(const RouteIndex *x);
