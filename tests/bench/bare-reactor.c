/* SPDX-License-Identifier: MIT */
/*
 * The limit for reaction: a bare libmnl listener that sees RTM_NEWLINK for a flannel.* device and
 * sends RTM_DELLINK for it, nothing else (no model, no checks, no logging). Runs until killed.
 */
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <string.h>
#include <stdbool.h>
#include <sys/socket.h>

int main(void)
{
	struct mnl_socket *nl = mnl_socket_open(NETLINK_ROUTE);
	unsigned group = RTNLGRP_LINK;
	char buf[65536], req[256];
	unsigned seq = 0;

	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0 ||
	    setsockopt(mnl_socket_get_fd(nl), SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &group, sizeof(group)) < 0) {
		perror("bare-reactor");
		return 1;
	}
	printf("listening\n");
	fflush(stdout);
	for (;;) {
		ssize_t n = recv(mnl_socket_get_fd(nl), buf, sizeof(buf), 0);
		if (n <= 0)
			continue;
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
		int len = (int)n;
		for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
			if (nlh->nlmsg_type != RTM_NEWLINK)
				continue;
			const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
			const struct nlattr *a;
			bool flannel = false;
			mnl_attr_for_each(a, nlh, sizeof(*ifi))
			{
				if (mnl_attr_get_type(a) == IFLA_IFNAME &&
				    strncmp(mnl_attr_get_str(a), "flannel.", 8) == 0)
					flannel = true;
			}
			if (!flannel || ifi->ifi_family != AF_UNSPEC)
				continue;
			struct nlmsghdr *del = mnl_nlmsg_put_header(req);
			del->nlmsg_type = RTM_DELLINK;
			del->nlmsg_flags = NLM_F_REQUEST;
			del->nlmsg_seq = ++seq;
			struct ifinfomsg *d = mnl_nlmsg_put_extra_header(del, sizeof(*d));
			d->ifi_index = ifi->ifi_index;
			(void)mnl_socket_sendto(nl, del, del->nlmsg_len);
		}
	}
}
