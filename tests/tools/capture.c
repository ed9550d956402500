/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <linux/netlink.h>
#include <poll.h>

#include "capture.h"

struct mnl_socket *capture_open(int bus)
{
	struct mnl_socket *nl = mnl_socket_open(bus);

	if (nl && mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		int saved = errno;
		mnl_socket_close(nl);
		errno = saved;
		return NULL;
	}
	return nl;
}

/* Writes the messages in buf of sequence seq (any when 0). Returns 1 at NLMSG_DONE, -1 at
 * NLMSG_ERROR, 0 when more is to come. */
static int write_messages(FILE *out, const char *tool, const void *buf, size_t len, unsigned seq,
			  int *count)
{
	const struct nlmsghdr *nlh = buf;
	int left = (int)len;

	for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
		if (nlh->nlmsg_type == NLMSG_DONE)
			return 1;
		if (nlh->nlmsg_type == NLMSG_ERROR) {
			fprintf(stderr, "%s: the kernel answered with an error\n", tool);
			return -1;
		}
		if (seq && nlh->nlmsg_seq != seq)
			continue;
		fwrite(nlh, 1, NLMSG_ALIGN(nlh->nlmsg_len), out);
		(*count)++;
	}
	return 0;
}

int capture_dump(struct mnl_socket *nl, FILE *out, const char *tool, const struct nlmsghdr *nlh)
{
	char buf[64 * 1024];
	int count = 0;

	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -1;
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (n < 0)
			return -1;
		int r = write_messages(out, tool, buf, (size_t)n, nlh->nlmsg_seq, &count);
		if (r != 0)
			return r < 0 ? -1 : count;
	}
}

int capture_monitor(struct mnl_socket *nl, FILE *out, const char *tool, const unsigned *groups,
		    size_t n_groups)
{
	char buf[64 * 1024];
	int count = 0;

	for (size_t i = 0; i < n_groups; i++) {
		unsigned group = groups[i]; /* setsockopt's value is not const in libmnl */
		if (mnl_socket_setsockopt(nl, NETLINK_ADD_MEMBERSHIP, &group, sizeof(group)) < 0)
			return -1;
	}
	printf("listening\n");
	fflush(stdout);
	for (;;) {
		struct pollfd p = {.fd = mnl_socket_get_fd(nl), .events = POLLIN};
		int ready = poll(&p, 1, count == 0 ? 10000 : 1000);
		if (ready < 0)
			return -1;
		if (ready == 0)
			return count;
		ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (n < 0 || write_messages(out, tool, buf, (size_t)n, 0, &count) < 0)
			return -1;
	}
}
