/* SPDX-License-Identifier: MIT */
/*
 * Decoding rtnetlink messages (RTM_NEW/DEL LINK, ADDR, ROUTE) into netstate objects.
 *
 * Pure functions over bytes: every length and every attribute read is checked here, because
 * libmnl 1.0.4 casts nlmsg_len to int and so accepts values >= 0x80000000 as valid.
 */
#pragma once

#include <linux/netlink.h>
#include <stddef.h>

#include "netstate.h"

typedef enum RtnlKind {
	RTNL_IGNORED, /* well formed, but nothing routeguard mirrors (AF_BRIDGE port events, IPMR,
			 …) */
	RTNL_LINK_NEW,
	RTNL_LINK_DEL,
	RTNL_ADDR_NEW,
	RTNL_ADDR_DEL,
	RTNL_ROUTE_NEW,
	RTNL_ROUTE_DEL,
} RtnlKind;

struct RtnlMessage {
	RtnlKind kind;
	bool replace; /* NLM_F_REPLACE: a new route that took the place of one with its identity */
	/* A kernel notification, not a dump reply. Set by the reader, which alone can tell them
	 * apart: a notification carries the port id of whoever made the change. */
	bool notification;
	Link link;
	uint32_t addr_ifindex;
	LinkAddress address;
	Route route; /* route.nexthops points into nexthops below */
	Nexthop nexthops[ROUTE_NEXTHOPS_MAX];
};

/*
 * Steps through a buffer received from a netlink socket. *offset starts at 0. Returns 1 and the
 * next message, 0 at the clean end of the buffer, -EBADMSG when a length does not fit the buffer.
 */
_must_check_ int rtnl_next_message(const void *buf, size_t len, size_t *offset,
				   const struct nlmsghdr **ret);

/* Returns 0 (ret->kind says what it was), or -EBADMSG / -E2BIG for a message that is malformed. */
_must_check_ int rtnl_decode(const struct nlmsghdr *nlh, RtnlMessage *ret);

/* Whether an RTM_NEWNETCONF is about IPv4 for "all" devices, where net.ipv4.ip_forward lives;
 * every new device also gets one for itself, which changes nothing routeguard reads. */
bool rtnl_netconf_is_global_ipv4(const struct nlmsghdr *nlh);
