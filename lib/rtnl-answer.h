/* SPDX-License-Identifier: MIT */
/*
 * The answer to one rtnetlink request: which messages read on a request socket belong to it, what
 * its ACK says, and what a delete's outcome asks for next.
 *
 * Any local process may send a datagram to any netlink port that is not connected, so a socket
 * that waits for the kernel's answer also reads forgeries: an answer comes only from the kernel
 * (the sender's address, filled in by the kernel, has port 0), is addressed to our port and
 * carries the sequence number we sent. Pure functions over bytes.
 */
#pragma once

#include <linux/netlink.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "macro.h"

/* A kernel that answers a delete with EBUSY is asked again this often in all before the delete
 * counts as failed. */
#define RTNL_DELETE_ATTEMPTS 5

/*
 * Whether nlh, read in a datagram whose sender had port sender_port, belongs to the request that
 * socket port sent with sequence seq.
 */
bool rtnl_answer_matches(uint32_t sender_port, const struct nlmsghdr *nlh, uint32_t port,
			 uint32_t seq);

/*
 * The error an NLMSG_ERROR message carries (0 for an ACK, a negative errno for a refusal) in
 * *ret_error. -EBADMSG when nlh is not an NLMSG_ERROR long enough to hold one.
 */
_must_check_ int rtnl_ack_error(const struct nlmsghdr *nlh, int *ret_error);

/*
 * The words of an extended ACK (NLMSGERR_ATTR_MSG) into buf, "" when there are none or the
 * attributes do not fit the message. Reads nothing past nlh->nlmsg_len.
 */
void rtnl_ack_message(const struct nlmsghdr *nlh, char *buf, size_t size);

typedef enum RtnlDeleteNext {
	RTNL_DELETE_DONE,  /* the outcome is final: removed, gone, or refused */
	RTNL_DELETE_RETRY, /* the kernel asked us to come back (EBUSY): send it again */
	RTNL_DELETE_LOST,  /* the answer was lost (timeout, overrun): the outcome is unknown */
} RtnlDeleteNext;

/*
 * What the outcome (0 or a negative errno) of an attempt to delete asks for. *attempts is 0 for a
 * request's first attempt and is incremented by each retry: the RTNL_DELETE_ATTEMPTS-th EBUSY is
 * final.
 */
RtnlDeleteNext rtnl_delete_next(int error, int *attempts);
