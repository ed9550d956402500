/* SPDX-License-Identifier: MIT */
/*
 * Writes nf_tables netlink messages to a file, byte for byte, for the decoder's unit tests and
 * fuzz seeds; the nf_tables twin of rtnl-capture. Messages one after the other, 4-byte aligned.
 *
 *   nft-capture dump FILE      tables, chains and rules of every family in this namespace
 *   nft-capture monitor FILE   NFNLGRP_NFTABLES events until 1 s passes without one
 *                              (prints "listening" on stdout once subscribed)
 */
#include <errno.h>
#include <libmnl/libmnl.h>
#include <libnftnl/common.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "capture.h"

static int dump(struct mnl_socket *nl, FILE *out, uint16_t type, unsigned seq)
{
	char buf[256]; /* the request only: replies go to capture_dump()'s own buffer */
	struct nlmsghdr *nlh = nftnl_nlmsg_build_hdr(buf, type, NFPROTO_UNSPEC, NLM_F_DUMP, seq);
	int count = capture_dump(nl, out, "nft-capture", nlh);

	if (count < 0)
		return -1;
	fprintf(stderr, "nft-capture: %d messages of type %u\n", count, type);
	return 0;
}

static int monitor(FILE *out)
{
	const unsigned groups[] = {NFNLGRP_NFTABLES};
	struct mnl_socket *nl = capture_open(NETLINK_NETFILTER);

	if (!nl)
		return -1;
	int count = capture_monitor(nl, out, "nft-capture", groups, 1);
	mnl_socket_close(nl);
	if (count < 0)
		return -1;
	fprintf(stderr, "nft-capture: %d events\n", count);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: nft-capture dump|monitor FILE\n");
		return 2;
	}
	FILE *out = fopen(argv[2], "wb");
	if (!out) {
		perror("nft-capture");
		return 1;
	}
	int r;
	if (strcmp(argv[1], "dump") == 0) {
		struct mnl_socket *nl = capture_open(NETLINK_NETFILTER);
		unsigned seq = (unsigned)time(NULL);
		r = nl ? 0 : -1;
		if (r == 0)
			r = dump(nl, out, NFT_MSG_GETTABLE, seq);
		if (r == 0)
			r = dump(nl, out, NFT_MSG_GETCHAIN, seq + 1);
		if (r == 0)
			r = dump(nl, out, NFT_MSG_GETRULE, seq + 2);
		if (nl)
			mnl_socket_close(nl);
	} else {
		r = monitor(out);
	}
	if (fclose(out) != 0 || r < 0) {
		perror("nft-capture");
		return 1;
	}
	return 0;
}
