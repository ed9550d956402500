/* SPDX-License-Identifier: MIT */
/*
 * nf_tables messages (dump replies and NFNLGRP_NFTABLES events) decoded into the firewall model.
 * The same function serves both, as rtnl_decode() + netstate_apply() do for rtnetlink: a dump
 * reply is a NEW* message like an event.
 *
 * The attributes are walked with libmnl's validation, not parsed with libnftnl's
 * nftnl_*_nlmsg_parse(): in libnftnl 1.2.4 (Debian 12) those call exit() on an attribute of an
 * unexpected size ("nf_tables kernel ABI is broken"), dereference NULL for an expression without
 * a name and strdup() unterminated strings (all three found by tests/fuzz/fuzz-nft.c). A daemon
 * must not die on a message; of each object only a few attributes matter here. libnftnl builds
 * the requests (dumps, GETGEN, the deletion batch).
 */
#pragma once

#include <linux/netlink.h>
#include <stddef.h>
#include <stdint.h>

#include "firewall.h"

/* What one message was. */
typedef enum NftMessageKind {
	NFT_MESSAGE_IGNORED,  /* not nf_tables, or an object the model does not keep (sets, …) */
	NFT_MESSAGE_OBJECT,   /* a table, chain or rule: applied */
	NFT_MESSAGE_NEWGEN,   /* the end of a committed transaction; *ret_genid is its id */
	NFT_MESSAGE_MALFORMED /* too short, or libnftnl could not parse it: ignored */
} NftMessageKind;

/*
 * Applies one message to the model (nf_tables backend). ret_changed (may be NULL) is set when
 * the model changed; ret_genid (may be NULL) receives the generation of a NEWGEN message.
 * Returns an NftMessageKind, or -ENOMEM.
 */
_must_check_ int firewall_nft_apply(Firewall *fw, const struct nlmsghdr *nlh, bool *ret_changed,
				    uint32_t *ret_genid);

/* The low 16 bits of the ruleset generation that every nf_tables dump reply and event carries
 * (nfgenmsg.res_id); -EBADMSG when the message is too short. */
int firewall_nft_message_genid16(const struct nlmsghdr *nlh);

/* Applies every message of a buffer read from the socket, checking each length before libnftnl
 * or libmnl sees it. Returns the number of objects applied, or -EBADMSG / -ENOMEM. */
_must_check_ int firewall_nft_apply_buffer(Firewall *fw, const void *buf, size_t len);
