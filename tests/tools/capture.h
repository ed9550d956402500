/* SPDX-License-Identifier: MIT */
/*
 * What rtnl-capture and nft-capture share: a bound netlink socket, a dump written reply by reply,
 * notifications written until the bus goes quiet. Messages go to the file one after the other,
 * each padded to 4 bytes as on the wire. Errors are -1 with errno; tool names the tool in
 * messages.
 */
#pragma once

#include <libmnl/libmnl.h>
#include <stddef.h>
#include <stdio.h>

/* A netlink socket of bus (NETLINK_ROUTE, NETLINK_NETFILTER), bound; NULL with errno. */
struct mnl_socket *capture_open(int bus);

/* Sends the dump request nlh and writes every reply of its nlmsg_seq until NLMSG_DONE.
 * Returns how many messages it wrote, or -1. */
int capture_dump(struct mnl_socket *nl, FILE *out, const char *tool, const struct nlmsghdr *nlh);

/* Joins groups, prints "listening" on stdout (the caller may start changing things), then writes
 * notifications until 1 s passes without one (10 s for the first). Returns how many, or -1. */
int capture_monitor(struct mnl_socket *nl, FILE *out, const char *tool, const unsigned *groups,
		    size_t n_groups);
