/* SPDX-License-Identifier: MIT */
/* Builds node states for pure tests, through the same netstate_apply() the daemon uses. */
#pragma once

#include <stdint.h>

#include "netstate.h"
#include "rtnl.h"

/* A model keeping routes for this native CIDR and these peers (NULL-terminated, may be NULL). */
NetState *nb_new(const char *native_cidr, const char *const *peers);
/* Returns netstate_apply()'s result. flags: IFF_*; kind "" for a NIC. */
int nb_link(NetState *ns, uint32_t ifindex, const char *name, const char *kind, uint32_t flags);
int nb_link_full(NetState *ns, const Link *link);
int nb_del_link(NetState *ns, uint32_t ifindex);
void nb_vxlan(NetState *ns, uint32_t ifindex, const char *name, uint32_t vni, uint16_t port,
	      bool external);
void nb_port(NetState *ns, uint32_t ifindex, const char *name, uint32_t master);
void nb_mtu(NetState *ns, uint32_t ifindex, uint32_t mtu);
void nb_addr(NetState *ns, uint32_t ifindex, const char *prefix);
/* "dst/len" via gw ("" for none) through ifindex (0 for none); type unicast, main table. */
int nb_route(NetState *ns, const char *dst, const char *gw, uint32_t ifindex);
int nb_del_route(NetState *ns, const char *dst, const char *gw, uint32_t ifindex);
/* The message nb_route() would apply, for tests that adjust it first. */
RtnlMessage *nb_route_message(RtnlKind kind, const char *dst, const char *gw, uint32_t ifindex);
