/* SPDX-License-Identifier: MIT */
/* One blocking dump of links, addresses and routes into a model: for preflight, which runs once. */
#pragma once

#include <linux/netlink.h>
#include <stdint.h>

#include "netstate.h"

/* Room for any request rtnl_dump_request() writes. */
#define RTNL_DUMP_REQUEST_SIZE 64

/*
 * Writes into buf (RTNL_DUMP_REQUEST_SIZE bytes) a request to dump every object of type
 * (RTM_GETLINK, RTM_GETADDR or RTM_GETROUTE) of family, and returns it, ready to send.
 */
struct nlmsghdr *rtnl_dump_request(void *buf, uint16_t type, uint8_t family, uint32_t seq);

/* Returns 0, or a negative errno (-EINTR when the kernel kept interrupting the dump). */
_must_check_ int rtnl_dump_once(NetState *ns);
