/* SPDX-License-Identifier: MIT */
/*
 * The limit for a cold start: dump links, addresses and IPv4/IPv6 routes with libmnl and only count
 * the messages. Prints the count, the seconds it took, its CPU seconds and peak RSS.
 */
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/resource.h>
#include <time.h>

static long dump(struct mnl_socket *nl, uint16_t type, uint8_t family, unsigned seq)
{
	static char buf[64 * 1024];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	long count = 0;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = family;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -1;
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (n < 0)
			return -1;
		const struct nlmsghdr *m = (const struct nlmsghdr *)buf;
		int left = (int)n;
		for (; mnl_nlmsg_ok(m, left); m = mnl_nlmsg_next(m, &left)) {
			if (m->nlmsg_type == NLMSG_DONE)
				return count;
			if (m->nlmsg_type == NLMSG_ERROR)
				return -1;
			count++;
		}
	}
}

int main(void)
{
	struct timespec a, b;
	struct mnl_socket *nl = mnl_socket_open(NETLINK_ROUTE);
	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		perror("bare-dump");
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &a);
	long links = dump(nl, RTM_GETLINK, AF_UNSPEC, 1);
	long addrs = dump(nl, RTM_GETADDR, AF_UNSPEC, 2);
	long routes4 = dump(nl, RTM_GETROUTE, AF_INET, 3);
	long routes6 = dump(nl, RTM_GETROUTE, AF_INET6, 4);
	clock_gettime(CLOCK_MONOTONIC, &b);
	if (links < 0 || addrs < 0 || routes4 < 0 || routes6 < 0) {
		perror("bare-dump");
		return 1;
	}
	double s = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	double cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
		     (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
	printf("{\"routes\": %ld, \"messages\": %ld, \"seconds\": %.4f, \"cpu_s\": %.4f, "
	       "\"rss_kib\": %ld}\n",
	       routes4 + routes6, links + addrs + routes4 + routes6, s, cpu, ru.ru_maxrss);
	mnl_socket_close(nl);
	return 0;
}
