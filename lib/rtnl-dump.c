/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rtnl-dump.h"
#include "rtnl.h"

#define DUMP_BUFFER_SIZE (64 * 1024)
#define DUMP_ATTEMPTS 5

static void mnl_socket_closep(struct mnl_socket **nl)
{
	if (*nl)
		mnl_socket_close(*nl);
}

struct nlmsghdr *rtnl_dump_request(void *buf, uint16_t type, uint8_t family, uint32_t seq)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	/* Each type has its own header; the family byte leads all three. */
	switch (type) {
	case RTM_GETLINK: {
		struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
		ifi->ifi_family = family;
		break;
	}
	case RTM_GETADDR: {
		struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
		ifa->ifa_family = family;
		break;
	}
	default: {
		struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
		rtm->rtm_family = family;
		break;
	}
	}
	return nlh;
}

/* One request; returns 1 when the kernel flagged the dump as interrupted. */
static int dump_one(struct mnl_socket *nl, NetState *ns, uint8_t *buf, RtnlMessage *m,
		    uint16_t type, uint8_t family, uint32_t seq)
{
	struct nlmsghdr *nlh = rtnl_dump_request(buf, type, family, seq);
	bool interrupted = false;

	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return negative_errno();
	uint32_t portid = mnl_socket_get_portid(nl);
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl, buf, DUMP_BUFFER_SIZE);
		if (n < 0)
			return negative_errno();
		const struct nlmsghdr *msg;
		size_t offset = 0;
		int r;
		while ((r = rtnl_next_message(buf, (size_t)n, &offset, &msg)) > 0) {
			if (msg->nlmsg_seq != seq || msg->nlmsg_pid != portid)
				continue;
			if (msg->nlmsg_flags & NLM_F_DUMP_INTR)
				interrupted = true;
			if (msg->nlmsg_type == NLMSG_DONE)
				return interrupted;
			if (msg->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = mnl_nlmsg_get_payload(msg);
				return msg->nlmsg_len >= NLMSG_HDRLEN + sizeof(*e) && e->error
					   ? e->error
					   : -EIO;
			}
			if (rtnl_decode(msg, m) == 0 && (r = netstate_apply(ns, m)) < 0)
				return r;
		}
		if (r < 0)
			return r;
	}
}

int rtnl_dump_once(NetState *ns)
{
	static const struct {
		uint16_t type;
		uint8_t family;
	} steps[] = {
	    {RTM_GETLINK, AF_UNSPEC}, {RTM_GETADDR, AF_INET},	{RTM_GETADDR, AF_INET6},
	    {RTM_GETROUTE, AF_INET},  {RTM_GETROUTE, AF_INET6},
	};
	_cleanup_(mnl_socket_closep) struct mnl_socket *nl =
	    mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	_cleanup_free_ uint8_t *buf = malloc(DUMP_BUFFER_SIZE);
	_cleanup_free_ RtnlMessage *m = malloc(sizeof(*m));
	uint32_t seq = (uint32_t)time(NULL);

	if (!buf || !m)
		return -ENOMEM;
	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
		return negative_errno();
	/* A table changing under the dump is dumped again: a preflight must not judge half a view.
	 */
	for (int attempt = 0; attempt < DUMP_ATTEMPTS; attempt++) {
		bool interrupted = false;
		netstate_begin_sync(ns, SYNC_ALL);
		for (size_t i = 0; i < ELEMENTSOF(steps); i++) {
			int r = dump_one(nl, ns, buf, m, steps[i].type, steps[i].family, ++seq);
			if (r < 0)
				return r;
			interrupted |= r > 0;
		}
		(void)netstate_sweep(ns, SYNC_ALL);
		if (!interrupted)
			return 0;
	}
	return -EINTR;
}
