/* SPDX-License-Identifier: MIT */
/*
 * The limit for following a busy node: one rtnetlink socket subscribed to the groups routeguardd
 * joins, every message parsed down to its attributes with libmnl, nothing kept. Runs until
 * SIGTERM, then prints the messages it read and its own CPU seconds.
 */
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	stop = 1;
}

static int count_attr(const struct nlattr *attr, void *data)
{
	(*(unsigned long *)data)++;
	return MNL_CB_OK;
}

static int on_message(const struct nlmsghdr *nlh, void *data)
{
	size_t header = nlh->nlmsg_type <= RTM_GETLINK	 ? sizeof(struct ifinfomsg)
			: nlh->nlmsg_type <= RTM_GETADDR ? sizeof(struct ifaddrmsg)
							 : sizeof(struct rtmsg);
	unsigned long attrs = 0;

	if (mnl_attr_parse(nlh, (unsigned)header, count_attr, &attrs) < 0)
		return MNL_CB_ERROR;
	(*(unsigned long *)data)++;
	return MNL_CB_OK;
}

int main(void)
{
	static const unsigned groups[] = {RTNLGRP_LINK,	       RTNLGRP_IPV4_IFADDR,
					  RTNLGRP_IPV6_IFADDR, RTNLGRP_IPV4_ROUTE,
					  RTNLGRP_IPV6_ROUTE,  RTNLGRP_IPV4_NETCONF};
	static char buf[64 * 1024];
	struct sigaction sa = {.sa_handler = on_term};
	unsigned long messages = 0, overruns = 0;
	int size = 32 * 1024 * 1024;

	struct mnl_socket *nl = mnl_socket_open(NETLINK_ROUTE);
	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		perror("bare-listener");
		return 1;
	}
	int fd = mnl_socket_get_fd(nl);
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		perror("bare-listener: SO_RCVBUFFORCE");
	for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++)
		if (setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &groups[i],
			       sizeof(groups[i])) < 0) {
			perror("bare-listener: NETLINK_ADD_MEMBERSHIP");
			return 1;
		}
	sigaction(SIGTERM, &sa, NULL); /* no SA_RESTART: recv returns EINTR */
	printf("listening\n");
	fflush(stdout);
	while (!stop) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0) {
			if (errno == ENOBUFS)
				overruns++;
			else if (errno != EINTR)
				break;
			continue;
		}
		mnl_cb_run(buf, (size_t)n, 0, 0, on_message, &messages);
	}
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	double cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
		     (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
	printf("{\"messages\": %lu, \"overruns\": %lu, \"cpu_s\": %.4f, \"rss_kib\": %ld}\n",
	       messages, overruns, cpu, ru.ru_maxrss);
	return 0;
}
