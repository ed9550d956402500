/* SPDX-License-Identifier: MIT */
/*
 * Creates flannel.1 (vxlan id 1, dstport 8472) ROUNDS times and measures, for each, the time until
 * the RTM_DELLINK that some reactor's delete caused: from the RTM_NEWLINK notification (the moment
 * any reactor can first know of the device: its reaction time) and from the create request (which
 * adds the kernel's own work to create it). Waits GAP_MS between rounds (a link's teardown holds
 * the kernel's lock). Prints "FROM_EVENT_MS FROM_REQUEST_MS" a line.
 *
 *   reaction-probe ROUNDS GAP_MS TIMEOUT_MS
 */
#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int create_vxlan(struct mnl_socket *nl, unsigned seq)
{
	char buf[1024];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL;
	nlh->nlmsg_seq = seq;
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, "flannel.1");
	struct nlattr *info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "vxlan");
	struct nlattr *data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	mnl_attr_put_u32(nlh, IFLA_VXLAN_ID, 1);
	mnl_attr_put_u16(nlh, IFLA_VXLAN_PORT, htons(8472));
	mnl_attr_put_u8(nlh, IFLA_VXLAN_LEARNING, 0);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, info);
	return mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0 ? -1 : 0;
}

/*
 * Waits for the RTM_NEWLINK of flannel.1 (to learn its ifindex: older events about an earlier
 * flannel.1 must not count), then for the RTM_DELLINK of that ifindex. 0, or -1 on timeout.
 */
static int wait_created_then_deleted(struct mnl_socket *events, double deadline, double *ret_created)
{
	char buf[65536];
	int ifindex = 0;

	for (;;) {
		int left = (int)(deadline - now_ms());
		if (left <= 0)
			return -1;
		struct pollfd p = {mnl_socket_get_fd(events), POLLIN, 0};
		if (poll(&p, 1, left) <= 0)
			continue;
		ssize_t n = recv(mnl_socket_get_fd(events), buf, sizeof(buf), 0);
		if (n < 0) {
			if (errno == ENOBUFS)
				continue;
			return -1;
		}
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
		int len = (int)n;
		for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
			if (nlh->nlmsg_type != RTM_NEWLINK && nlh->nlmsg_type != RTM_DELLINK)
				continue;
			const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
			if (ifi->ifi_family != AF_UNSPEC)
				continue;
			if (nlh->nlmsg_type == RTM_DELLINK) {
				if (ifindex && ifi->ifi_index == ifindex)
					return 0;
				continue;
			}
			const struct nlattr *a;
			mnl_attr_for_each(a, nlh, sizeof(*ifi))
			{
				if (!ifindex && mnl_attr_get_type(a) == IFLA_IFNAME &&
				    strcmp(mnl_attr_get_str(a), "flannel.1") == 0) {
					ifindex = ifi->ifi_index;
					*ret_created = now_ms();
				}
			}
		}
	}
}

static void drain(struct mnl_socket *nl)
{
	char buf[65536];
	while (recv(mnl_socket_get_fd(nl), buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "Usage: reaction-probe ROUNDS GAP_MS TIMEOUT_MS\n");
		return 2;
	}
	int rounds = atoi(argv[1]), gap = atoi(argv[2]), timeout = atoi(argv[3]);
	struct mnl_socket *nl = mnl_socket_open(NETLINK_ROUTE);
	struct mnl_socket *events = mnl_socket_open(NETLINK_ROUTE);
	unsigned group = RTNLGRP_LINK;
	int rcvbuf = 4 * 1024 * 1024;

	if (!nl || !events || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0 ||
	    mnl_socket_bind(events, 0, MNL_SOCKET_AUTOPID) < 0 ||
	    setsockopt(mnl_socket_get_fd(events), SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &group,
		       sizeof(group)) < 0) {
		perror("reaction-probe: netlink");
		return 1;
	}
	(void)setsockopt(mnl_socket_get_fd(events), SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf));
	int failures = 0;
	for (int i = 0; i < rounds; i++) {
		drain(events);
		double start = now_ms();
		if (create_vxlan(nl, (unsigned)i + 1) < 0) {
			perror("reaction-probe: create");
			return 1;
		}
		double created = 0;
		if (wait_created_then_deleted(events, start + timeout, &created) < 0) {
			fprintf(stderr, "reaction-probe: round %d: flannel.1 not deleted within %d ms\n", i, timeout);
			failures++;
			/* delete it ourselves, so the next round can create it */
			if (if_nametoindex("flannel.1"))
				(void)system("ip link del flannel.1 2>/dev/null");
			if (failures > 3)
				return 1;
			continue;
		}
		double deleted = now_ms();
		printf("%.3f %.3f\n", deleted - created, deleted - start);
		fflush(stdout);
		drain(nl); /* the create's ACK or error */
		usleep((useconds_t)gap * 1000);
	}
	return failures ? 1 : 0;
}
