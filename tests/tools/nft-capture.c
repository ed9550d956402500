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
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int write_messages(FILE *out, const void *buf, size_t len, unsigned *count)
{
	const struct nlmsghdr *nlh = buf;
	int left = (int)len;

	for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
		if (nlh->nlmsg_type == NLMSG_DONE)
			return 1;
		if (nlh->nlmsg_type == NLMSG_ERROR) {
			fprintf(stderr, "nft-capture: the kernel answered with an error\n");
			return -1;
		}
		fwrite(nlh, 1, NLMSG_ALIGN(nlh->nlmsg_len), out);
		(*count)++;
	}
	return 0;
}

static int dump(struct mnl_socket *nl, FILE *out, uint16_t type, unsigned seq)
{
	char buf[64 * 1024];
	unsigned count = 0;
	struct nlmsghdr *nlh = nftnl_nlmsg_build_hdr(buf, type, NFPROTO_UNSPEC, NLM_F_DUMP, seq);

	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -1;
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (n < 0)
			return -1;
		int r = write_messages(out, buf, (size_t)n, &count);
		if (r < 0)
			return -1;
		if (r > 0)
			break;
	}
	fprintf(stderr, "nft-capture: %u messages of type %u\n", count, type);
	return 0;
}

static int monitor(FILE *out)
{
	struct mnl_socket *nl = mnl_socket_open(NETLINK_NETFILTER);
	char buf[64 * 1024];
	unsigned count = 0;
	int group = NFNLGRP_NFTABLES;

	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0 ||
	    mnl_socket_setsockopt(nl, NETLINK_ADD_MEMBERSHIP, &group, sizeof(group)) < 0)
		return -1;
	printf("listening\n");
	fflush(stdout);
	struct pollfd p = {.fd = mnl_socket_get_fd(nl), .events = POLLIN};
	/* Wait up to 10 s for the first event, then stop after 1 s without one. */
	int timeout = 10000;
	while (poll(&p, 1, timeout) > 0) {
		ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (n < 0)
			return -1;
		write_messages(out, buf, (size_t)n, &count);
		timeout = 1000;
	}
	fprintf(stderr, "nft-capture: %u events\n", count);
	mnl_socket_close(nl);
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
		struct mnl_socket *nl = mnl_socket_open(NETLINK_NETFILTER);
		unsigned seq = (unsigned)time(NULL);
		r = !nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0 ? -1 : 0;
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
