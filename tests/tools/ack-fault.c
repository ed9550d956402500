/* SPDX-License-Identifier: MIT */
/*
 * Test tool (issue 13): fault injection at the boundary between a process and rtnetlink, loaded
 * into routeguardd with LD_PRELOAD. The kernel never answers RTM_DELLINK with EBUSY (rtnl_dellink
 * and rtnl_delete_link have no such return) and does not lose a unicast answer on a quiet
 * socket, so these cases are made here, once per process, on the first request of the kind:
 *
 *   ACK_FAULT=ebusy-delete      the first RTM_DELLINK is not sent; its answer is an NLMSG_ERROR
 *                               -EBUSY from "the kernel" (sender port 0, our port, our sequence)
 *   ACK_FAULT=enobufs-delete    the first RTM_DELLINK is sent; the read of its answer fails with
 *                               ENOBUFS, as after an overrun (the answer stays queued)
 *   ACK_FAULT=timeout-getlink   the first RTM_GETLINK of one device is not sent; the read of its
 *                               answer fails with EAGAIN, as when SO_RCVTIMEO expires
 *
 * Each injection is written to stderr ("ack-fault: …"), so a test can tell it happened.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

typedef enum Fault { FAULT_NONE, FAULT_EBUSY, FAULT_ENOBUFS, FAULT_TIMEOUT } Fault;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static bool used;	  /* the one injection was armed */
static int armed_fd = -1; /* the next read on this socket gets the fault */
static struct nlmsghdr armed_request;

static Fault fault(void)
{
	const char *f = getenv("ACK_FAULT");
	if (!f)
		return FAULT_NONE;
	if (strcmp(f, "ebusy-delete") == 0)
		return FAULT_EBUSY;
	if (strcmp(f, "enobufs-delete") == 0)
		return FAULT_ENOBUFS;
	if (strcmp(f, "timeout-getlink") == 0)
		return FAULT_TIMEOUT;
	return FAULT_NONE;
}

static bool is_netlink(int fd)
{
	struct sockaddr_storage a;
	socklen_t len = sizeof(a);
	return getsockname(fd, (struct sockaddr *)&a, &len) == 0 && a.ss_family == AF_NETLINK;
}

ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
	static ssize_t (*real)(int, const struct msghdr *, int);
	if (!real)
		real = (ssize_t(*)(int, const struct msghdr *, int))dlsym(RTLD_NEXT, "sendmsg");

	Fault f = fault();
	struct nlmsghdr nlh;
	if (f == FAULT_NONE || msg->msg_iovlen < 1 || msg->msg_iov[0].iov_len < sizeof(nlh) ||
	    !is_netlink(fd))
		return real(fd, msg, flags);
	memcpy(&nlh, msg->msg_iov[0].iov_base, sizeof(nlh));
	uint16_t want = f == FAULT_TIMEOUT ? RTM_GETLINK : RTM_DELLINK;
	if (nlh.nlmsg_type != want || (nlh.nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP)
		return real(fd, msg, flags);

	pthread_mutex_lock(&lock);
	bool inject = !used;
	if (inject) {
		used = true;
		armed_fd = fd;
		armed_request = nlh;
	}
	pthread_mutex_unlock(&lock);
	if (!inject)
		return real(fd, msg, flags);
	fprintf(stderr, "ack-fault: %s request seq %u on port %u\n",
		f == FAULT_EBUSY     ? "answering -EBUSY to the first RTM_DELLINK (not sent),"
		: f == FAULT_ENOBUFS ? "losing the answer (ENOBUFS) to the first RTM_DELLINK,"
				     : "timing out the first RTM_GETLINK (not sent),",
		nlh.nlmsg_seq, nlh.nlmsg_pid);
	if (f == FAULT_ENOBUFS)
		return real(fd, msg, flags);
	ssize_t len = 0;
	for (size_t i = 0; i < msg->msg_iovlen; i++)
		len += (ssize_t)msg->msg_iov[i].iov_len;
	return len;
}

ssize_t recvmsg(int fd, struct msghdr *msg, int flags)
{
	static ssize_t (*real)(int, struct msghdr *, int);
	if (!real)
		real = (ssize_t(*)(int, struct msghdr *, int))dlsym(RTLD_NEXT, "recvmsg");

	pthread_mutex_lock(&lock);
	bool take = armed_fd >= 0 && armed_fd == fd;
	struct nlmsghdr request = armed_request;
	if (take)
		armed_fd = -1;
	pthread_mutex_unlock(&lock);
	if (!take)
		return real(fd, msg, flags);

	switch (fault()) {
	case FAULT_ENOBUFS:
		errno = ENOBUFS;
		return -1;
	case FAULT_TIMEOUT:
		errno = EAGAIN;
		return -1;
	default:
		break;
	}
	/* The kernel's answer as netlink_ack() lays it out, capped: header, error, request header.
	 */
	struct {
		struct nlmsghdr nlh;
		struct nlmsgerr err;
	} answer = {.nlh = {.nlmsg_len = sizeof(answer),
			    .nlmsg_type = NLMSG_ERROR,
			    .nlmsg_flags = NLM_F_CAPPED,
			    .nlmsg_seq = request.nlmsg_seq,
			    .nlmsg_pid = request.nlmsg_pid},
		    .err = {.error = -EBUSY, .msg = request}};
	if (msg->msg_iovlen < 1 || msg->msg_iov[0].iov_len < sizeof(answer)) {
		errno = EINVAL;
		return -1;
	}
	memcpy(msg->msg_iov[0].iov_base, &answer, sizeof(answer));
	if (msg->msg_name && msg->msg_namelen >= sizeof(struct sockaddr_nl)) {
		struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
		memcpy(msg->msg_name, &kernel, sizeof(kernel));
		msg->msg_namelen = sizeof(kernel);
	}
	msg->msg_flags = 0;
	return sizeof(answer);
}
