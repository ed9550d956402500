/* SPDX-License-Identifier: MIT */
/*
 * Adds or deletes many IPv4 routes as fast as rtnetlink takes them: 64 KiB batches of requests,
 * no per-request ACK, errors collected from the socket after each batch.
 *
 *   rtflood add|del FIRST_PREFIX COUNT DEV GATEWAY
 *
 * FIRST_PREFIX is like 100.64.0.0/32; each next route is the next prefix of the same length.
 * Prints "N ok, M failed" and exits 1 if any failed. Used by the overrun test and the benchmarks.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
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

int main(int argc, char **argv)
{
	if (argc != 6) {
		fprintf(stderr, "Usage: rtflood add|del FIRST_PREFIX COUNT DEV GATEWAY\n");
		return 2;
	}
	int add = strcmp(argv[1], "add") == 0;
	char first[64];
	snprintf(first, sizeof(first), "%s", argv[2]);
	char *slash = strchr(first, '/');
	unsigned len = slash ? (unsigned)atoi(slash + 1) : 32;
	if (slash)
		*slash = '\0';
	struct in_addr base, gw;
	if (inet_pton(AF_INET, first, &base) != 1 || inet_pton(AF_INET, argv[5], &gw) != 1 ||
	    len == 0 || len > 32) {
		fprintf(stderr, "rtflood: bad prefix or gateway\n");
		return 2;
	}
	unsigned long count = strtoul(argv[3], NULL, 10);
	unsigned ifindex = if_nametoindex(argv[4]);
	if (!ifindex) {
		fprintf(stderr, "rtflood: no device %s\n", argv[4]);
		return 2;
	}

	struct mnl_socket *nl = mnl_socket_open(NETLINK_ROUTE);
	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		perror("rtflood: rtnetlink");
		return 1;
	}
	int rcvbuf = 4 * 1024 * 1024;
	(void)setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf));

	static char buf[64 * 1024];
	struct mnl_nlmsg_batch *batch = mnl_nlmsg_batch_start(buf, sizeof(buf) - 512);
	uint32_t host = ntohl(base.s_addr), step = len == 32 ? 1 : 1u << (32 - len);
	for (unsigned long i = 0; i < count; i++, host += step) {
		struct nlmsghdr *nlh = mnl_nlmsg_put_header(mnl_nlmsg_batch_current(batch));
		nlh->nlmsg_type = add ? RTM_NEWROUTE : RTM_DELROUTE;
		nlh->nlmsg_flags = NLM_F_REQUEST | (add ? NLM_F_CREATE | NLM_F_REPLACE : 0);
		nlh->nlmsg_seq = (uint32_t)i + 1;
		struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
		rtm->rtm_family = AF_INET;
		rtm->rtm_dst_len = (unsigned char)len;
		rtm->rtm_table = RT_TABLE_MAIN;
		rtm->rtm_protocol = RTPROT_STATIC;
		rtm->rtm_scope = RT_SCOPE_UNIVERSE;
		rtm->rtm_type = RTN_UNICAST;
		mnl_attr_put_u32(nlh, RTA_DST, htonl(host));
		if (add) {
			mnl_attr_put_u32(nlh, RTA_GATEWAY, gw.s_addr);
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
