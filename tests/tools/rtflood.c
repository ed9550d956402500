/* SPDX-License-Identifier: MIT */
/*
 * Adds or deletes many routes as fast as rtnetlink takes them: 64 KiB batches of requests, no
 * per-request ACK, errors collected from the socket after each batch.
 *
 *   rtflood add|del FIRST_PREFIX COUNT DEV GATEWAY [SHAPE]
 *
 * FIRST_PREFIX is like 100.64.0.0/32 or 2001:db8:1::/128 (IPv6 prefixes of length 96 or more);
 * each next route is the next prefix of the same length. SHAPE is one of
 *   gateway     via GATEWAY on DEV (the default)
 *   link        on DEV, scope link, no gateway (GATEWAY is ignored)
 *   multipath   two nexthops on DEV: GATEWAY and GATEWAY + 10
 *   blackhole   no device at all (DEV and GATEWAY are ignored)
 *   table=N     via GATEWAY on DEV, in routing table N
 * Prints "N ok, M failed" and exits 1 if any failed. Used by the overrun test and the benchmarks.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static unsigned long failed;

static void drain_errors(struct mnl_socket *nl)
{
	char buf[64 * 1024];
	for (;;) {
		ssize_t n = recv(mnl_socket_get_fd(nl), buf, sizeof(buf), MSG_DONTWAIT);
		if (n <= 0)
			return;
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
		int left = (int)n;
		for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
			if (nlh->nlmsg_type != NLMSG_ERROR)
				continue;
			const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
			if (e->error != 0) {
				if (failed++ == 0)
					fprintf(stderr, "rtflood: first failure: %s\n",
						strerror(-e->error));
			}
		}
	}
}

static int send_batch(struct mnl_socket *nl, struct mnl_nlmsg_batch *batch)
{
	if (mnl_socket_sendto(nl, mnl_nlmsg_batch_head(batch), mnl_nlmsg_batch_size(batch)) < 0) {
		perror("rtflood: send");
		return -1;
	}
	drain_errors(nl);
	return 0;
}

/* The next route's destination: the address advanced by one prefix of this length. */
static void advance(uint8_t *addr, unsigned len)
{
	unsigned bit = len - 1; /* the prefix's last bit, counted from the first */
	for (int i = (int)(bit / 8); i >= 0; i--) {
		unsigned add = i == (int)(bit / 8) ? 1u << (7 - bit % 8) : 1u;
		unsigned sum = addr[i] + add;
		addr[i] = (uint8_t)sum;
		if (sum < 256)
			return;
	}
}

static void put_gateway(struct nlmsghdr *nlh, int family, const uint8_t *gw, unsigned plus)
{
	uint8_t g[16];
	size_t size = family == AF_INET6 ? 16 : 4;
	memcpy(g, gw, size);
	g[size - 1] = (uint8_t)(g[size - 1] + plus);
	mnl_attr_put(nlh, RTA_GATEWAY, size, g);
}

int main(int argc, char **argv)
{
	if (argc != 6 && argc != 7) {
		fprintf(stderr, "Usage: rtflood add|del FIRST_PREFIX COUNT DEV GATEWAY [SHAPE]\n");
		return 2;
	}
	int add = strcmp(argv[1], "add") == 0;
	const char *shape = argc == 7 ? argv[6] : "gateway";
	unsigned table = RT_TABLE_MAIN;
	if (strncmp(shape, "table=", 6) == 0)
		table = (unsigned)strtoul(shape + 6, NULL, 10);
	else if (strcmp(shape, "gateway") != 0 && strcmp(shape, "link") != 0 &&
		 strcmp(shape, "multipath") != 0 && strcmp(shape, "blackhole") != 0) {
		fprintf(stderr, "rtflood: unknown shape %s\n", shape);
		return 2;
	}
	bool blackhole = strcmp(shape, "blackhole") == 0, link = strcmp(shape, "link") == 0;
	bool multipath = strcmp(shape, "multipath") == 0;
	char first[64];
	snprintf(first, sizeof(first), "%s", argv[2]);
	char *slash = strchr(first, '/');
	int family = strchr(first, ':') ? AF_INET6 : AF_INET;
	unsigned bits = family == AF_INET6 ? 128 : 32;
	unsigned len = slash ? (unsigned)atoi(slash + 1) : bits;
	if (slash)
		*slash = '\0';
	uint8_t dst[16] = {}, gw[16] = {};
	if (inet_pton(family, first, dst) != 1 || len == 0 || len > bits ||
	    (family == AF_INET6 && len < 96) ||
	    (!blackhole && !link && inet_pton(family, argv[5], gw) != 1)) {
		fprintf(stderr, "rtflood: bad prefix or gateway\n");
		return 2;
	}
	unsigned long count = strtoul(argv[3], NULL, 10);
	unsigned ifindex = blackhole ? 0 : if_nametoindex(argv[4]);
	if (!blackhole && !ifindex) {
		fprintf(stderr, "rtflood: no device %s\n", argv[4]);
		return 2;
	}

	struct mnl_socket *nl = mnl_socket_open(NETLINK_ROUTE);
	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		perror("rtflood: rtnetlink");
		return 1;
	}
	int rcvbuf = 4 * 1024 * 1024;
	(void)setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf,
			 sizeof(rcvbuf));

	static char buf[64 * 1024];
	struct mnl_nlmsg_batch *batch = mnl_nlmsg_batch_start(buf, sizeof(buf) - 512);
	for (unsigned long i = 0; i < count; i++, advance(dst, len)) {
		struct nlmsghdr *nlh = mnl_nlmsg_put_header(mnl_nlmsg_batch_current(batch));
		nlh->nlmsg_type = add ? RTM_NEWROUTE : RTM_DELROUTE;
		nlh->nlmsg_flags = NLM_F_REQUEST | (add ? NLM_F_CREATE | NLM_F_REPLACE : 0);
		nlh->nlmsg_seq = (uint32_t)i + 1;
		struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
		rtm->rtm_family = (unsigned char)family;
		rtm->rtm_dst_len = (unsigned char)len;
		rtm->rtm_table = table < 256 ? (unsigned char)table : RT_TABLE_UNSPEC;
		rtm->rtm_protocol = RTPROT_STATIC;
		rtm->rtm_scope = link ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE;
		rtm->rtm_type = blackhole ? RTN_BLACKHOLE : RTN_UNICAST;
		if (table >= 256)
			mnl_attr_put_u32(nlh, RTA_TABLE, table);
		mnl_attr_put(nlh, RTA_DST, bits / 8, dst);
		if (add && multipath) {
			struct nlattr *nest = mnl_attr_nest_start(nlh, RTA_MULTIPATH);
			for (unsigned k = 0; k < 2; k++) {
				struct rtnexthop *rtnh = mnl_nlmsg_get_payload_tail(nlh);
				nlh->nlmsg_len += MNL_ALIGN(sizeof(*rtnh));
				memset(rtnh, 0, sizeof(*rtnh));
				rtnh->rtnh_ifindex = (int)ifindex;
				put_gateway(nlh, family, gw, 10 * k);
				rtnh->rtnh_len =
				    (unsigned short)((char *)mnl_nlmsg_get_payload_tail(nlh) -
						     (char *)rtnh);
			}
			mnl_attr_nest_end(nlh, nest);
		} else if (add && !blackhole) {
			if (!link)
				put_gateway(nlh, family, gw, 0);
			mnl_attr_put_u32(nlh, RTA_OIF, ifindex);
		}
		/* A request that did not fit stays in the batch and leads the next one. */
		if (!mnl_nlmsg_batch_next(batch)) {
			if (send_batch(nl, batch) < 0)
				return 1;
			mnl_nlmsg_batch_reset(batch);
		}
	}
	if (mnl_nlmsg_batch_size(batch) > 0 && send_batch(nl, batch) < 0)
		return 1;
	drain_errors(nl);
	mnl_nlmsg_batch_stop(batch);
	mnl_socket_close(nl);
	printf("%lu ok, %lu failed\n", count - failed, failed);
	return failed ? 1 : 0;
}
