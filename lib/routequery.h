/* SPDX-License-Identifier: MIT */
/*
 * One question to the kernel about one address, as `ip route get` asks it: RTM_GETROUTE with
 * RTA_DST, answered by the route the kernel would use (RTM_NEWROUTE) or an error. Pure: building
 * the request and reading the answer; the daemon owns the socket.
 */
#pragma once

#include <linux/netlink.h>
#include <stdint.h>

#include "netstate.h"

/* Room for any request routequery_request() writes. */
#define ROUTEQUERY_REQUEST_SIZE 64

/* Writes into buf (ROUTEQUERY_REQUEST_SIZE bytes) the question for q, and returns it. */
struct nlmsghdr *routequery_request(void *buf, const GatewayQuestion *q, uint32_t seq);

/*
 * Reads an answer: a route without a gateway out of one device means the address is connected on
 * it; a route through a gateway, of another type (local, unreachable…), or an error (no route)
 * means it is not. The address comes from the answer itself (or, for an error, from the request
 * the kernel echoes back), so answers need no bookkeeping of what was asked.
 * Returns 0, -ENOMSG for a message that is no answer (an ACK), -EBADMSG when malformed.
 */
_must_check_ int routequery_decode(const struct nlmsghdr *nlh, size_t len, GatewayAnswer *ret);
