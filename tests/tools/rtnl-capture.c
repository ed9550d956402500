/* SPDX-License-Identifier: MIT */
/*
 * Writes rtnetlink messages to a file, byte for byte, for the decoder's unit tests and fuzz seeds.
 * The file is the messages one after the other, each padded to 4 bytes as on the wire.
 *
 *   rtnl-capture dump FILE          the current namespace's links, addresses and routes
 *   rtnl-capture monitor FILE       link/address/route notifications until 1 s passes without one
 *   rtnl-capture synth FILE KIND    one RTM_NEWLINK for a geneve (external, VNI 0, port 6081)
 *                                   or wireguard device, laid out as the kernel's fill_info does
 *
 * This machine's kernel cannot create geneve or wireguard devices, so those two messages are
 * built here rather than captured: same header and attribute order as a captured vxlan message,
 * with IFLA_INFO_KIND and IFLA_INFO_DATA as geneve_fill_info() / wireguard (no INFO_DATA) emit.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "capture.h"

static int dump(struct mnl_socket *nl, FILE *out, uint16_t type, uint8_t family, unsigned seq)
{
	char buf[256]; /* the request only: replies go to capture_dump()'s own buffer */
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	struct rtgenmsg *g = mnl_nlmsg_put_extra_header(nlh, sizeof(struct rtmsg));
	g->rtgen_family = family;
	return capture_dump(nl, out, "rtnl-capture", nlh);
}

static int monitor(struct mnl_socket *nl, FILE *out)
{
	const unsigned groups[] = {RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR,
				   RTNLGRP_IPV4_ROUTE, RTNLGRP_IPV6_ROUTE};
	int count =
	    capture_monitor(nl, out, "rtnl-capture", groups, sizeof(groups) / sizeof(groups[0]));

	/* Nothing in 10 s: the caller changed nothing we listen to, which is its mistake. */
	return count > 0 ? 0 : -1;
}

static int synth(FILE *out, const char *kind)
{
	char buf[1024] = {};
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);

	nlh->nlmsg_type = RTM_NEWLINK;
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_type = 1; /* ARPHRD_ETHER */
	ifi->ifi_flags = IFF_BROADCAST | IFF_MULTICAST;
	if (strcmp(kind, "geneve") == 0) {
		ifi->ifi_index = 7;
		mnl_attr_put_strz(nlh, IFLA_IFNAME, "cilium_geneve");
		mnl_attr_put_u32(nlh, IFLA_MTU, 1500);
		struct nlattr *info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
		mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "geneve");
		struct nlattr *data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
		mnl_attr_put_u32(nlh, IFLA_GENEVE_ID, 0);
		mnl_attr_put(nlh, IFLA_GENEVE_COLLECT_METADATA, 0, NULL);
		mnl_attr_put_u16(nlh, IFLA_GENEVE_PORT, htons(6081));
		mnl_attr_nest_end(nlh, data);
		mnl_attr_nest_end(nlh, info);
	} else if (strcmp(kind, "wireguard") == 0) {
		ifi->ifi_index = 8;
		ifi->ifi_type = 65534; /* ARPHRD_NONE */
		ifi->ifi_flags = IFF_POINTOPOINT | IFF_NOARP;
		mnl_attr_put_strz(nlh, IFLA_IFNAME, "flannel-wg");
		mnl_attr_put_u32(nlh, IFLA_MTU, 1420);
		struct nlattr *info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
		mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "wireguard");
		mnl_attr_nest_end(nlh, info);
	} else {
		fprintf(stderr, "rtnl-capture: synth KIND is geneve or wireguard\n");
		return -1;
	}
	fwrite(nlh, 1, NLMSG_ALIGN(nlh->nlmsg_len), out);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "Usage: rtnl-capture dump FILE | monitor FILE | synth FILE KIND\n");
		return 2;
	}
	FILE *out = fopen(argv[2], "we");
	if (!out) {
		perror(argv[2]);
		return 1;
	}
	if (strcmp(argv[1], "synth") == 0)
		return argc == 4 && synth(out, argv[3]) == 0 && fclose(out) == 0 ? 0 : 1;

	struct mnl_socket *nl = capture_open(NETLINK_ROUTE);
	if (!nl) {
		perror("rtnetlink");
		return 1;
	}
	int r = 0;
	if (strcmp(argv[1], "dump") == 0) {
		unsigned seq = (unsigned)time(NULL);
		if (dump(nl, out, RTM_GETLINK, AF_UNSPEC, seq) < 0 ||
		    dump(nl, out, RTM_GETADDR, AF_UNSPEC, seq + 1) < 0 ||
		    dump(nl, out, RTM_GETROUTE, AF_INET, seq + 2) < 0 ||
		    dump(nl, out, RTM_GETROUTE, AF_INET6, seq + 3) < 0)
			r = -1;
	} else if (strcmp(argv[1], "monitor") == 0) {
		r = monitor(nl, out);
	} else {
		fprintf(stderr, "rtnl-capture: unknown mode '%s'\n", argv[1]);
		r = -1;
	}
	mnl_socket_close(nl);
	if (fclose(out) != 0)
		r = -1;
	if (r < 0)
		perror("rtnl-capture");
	return r < 0 ? 1 : 0;
}
