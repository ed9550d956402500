/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <linux/netlink.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "enforcer.h"
#include "log.h"
#include "rtnl.h"

#define PENDING_MAX 256

typedef struct PendingDelete {
	uint32_t seq;
	uint32_t ifindex;
	char name[IFNAMSIZ];
	CheckId check; /* the finding that asked for it: its completion is that check's action */
} PendingDelete;

struct Enforcer {
	sd_event *event;
	struct nl_sock *sock;
	sd_event_source *io;
	EnforcerDone done;
	void *userdata;
	PendingDelete pending[PENDING_MAX];
	size_t n_pending;
};

static PendingDelete *take_pending(Enforcer *e, uint32_t seq, PendingDelete *ret)
{
	for (size_t i = 0; i < e->n_pending; i++)
		if (e->pending[i].seq == seq) {
			*ret = e->pending[i];
			e->pending[i] = e->pending[--e->n_pending];
			return ret;
		}
	return NULL;
}

size_t enforcer_n_pending(const Enforcer *e)
{
	return e->n_pending;
}

bool enforcer_link_pending(const Enforcer *e, uint32_t ifindex)
{
	for (size_t i = 0; i < e->n_pending; i++)
		if (e->pending[i].ifindex == ifindex)
			return true;
	return false;
}

/* NLMSGERR_ATTR_MSG from an extended ACK, when the kernel said more than an errno. */
static const char *extended_ack_message(const struct nlmsghdr *nlh, char *buf, size_t size)
{
	const struct nlmsgerr *err = NLMSG_DATA(nlh);
	size_t offset = sizeof(*err);

	buf[0] = '\0';
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return NULL;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		offset += err->msg.nlmsg_len - sizeof(struct nlmsghdr);
	size_t len = nlh->nlmsg_len - NLMSG_HDRLEN;
	while (offset + sizeof(struct nlattr) <= len) {
		const struct nlattr *a = (const struct nlattr *)((const char *)err + offset);
		if (a->nla_len < sizeof(*a) || offset + a->nla_len > len)
			break;
		if ((a->nla_type & NLA_TYPE_MASK) == NLMSGERR_ATTR_MSG) {
			snprintf(buf, size, "%.*s", (int)(a->nla_len - sizeof(*a)),
				 (const char *)(a + 1));
			return buf;
		}
		offset += NLA_ALIGN(a->nla_len);
	}
	return NULL;
}

static int on_readable(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	Enforcer *e = userdata;
	uint8_t buf[8192];

	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				log_warning_errno(errno, "Reading delete acknowledgements failed");
			return 0;
		}
		const struct nlmsghdr *nlh;
		size_t offset = 0;
		while (rtnl_next_message(buf, (size_t)n, &offset, &nlh) > 0) {
			PendingDelete p;
			if (nlh->nlmsg_type != NLMSG_ERROR ||
			    nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(struct nlmsgerr) ||
			    !take_pending(e, nlh->nlmsg_seq, &p))
				continue;
			const struct nlmsgerr *err = NLMSG_DATA(nlh);
			char text[256];
			const char *kernel_message = extended_ack_message(nlh, text, sizeof(text));
			e->done(e, p.ifindex, p.name, p.check, err->error, kernel_message,
				e->userdata);
		}
	}
}

int enforcer_new(sd_event *event, EnforcerDone done, void *userdata, Enforcer **ret)
{
	_cleanup_(enforcer_freep) Enforcer *e = calloc(1, sizeof(*e));
	int r, one = 1;

	if (!e)
		return -ENOMEM;
	e->event = sd_event_ref(event);
	e->done = done;
	e->userdata = userdata;
	if (!(e->sock = nl_socket_alloc()))
		return -ENOMEM;
	if ((r = nl_connect(e->sock, NETLINK_ROUTE)) < 0)
		return -EIO;
	if (nl_socket_set_nonblocking(e->sock) < 0)
		return -EIO;
	int fd = nl_socket_get_fd(e->sock);
	(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
	/* The kernel's reason in words ("Cannot delete …"), not only an errno. */
	(void)setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	if ((r = sd_event_add_io(event, &e->io, fd, EPOLLIN, on_readable, e)) < 0)
		return r;
	(void)sd_event_source_set_description(e->io, "enforcer");
	*ret = TAKE_PTR(e);
	return 0;
}

Enforcer *enforcer_free(Enforcer *e)
{
	if (!e)
		return NULL;
	sd_event_source_disable_unref(e->io);
	if (e->sock)
		nl_socket_free(e->sock);
	sd_event_unref(e->event);
	free(e);
	return NULL;
}

static void rtnl_link_putp(struct rtnl_link **l)
{
	if (*l)
		rtnl_link_put(*l);
}

static void nlmsg_freep(struct nl_msg **m)
{
	if (*m)
		nlmsg_free(*m);
}

int enforcer_remove_link(Enforcer *e, uint32_t ifindex, const char *name, CheckId check)
{
	_cleanup_(rtnl_link_putp) struct rtnl_link *link = rtnl_link_alloc();
	_cleanup_(nlmsg_freep) struct nl_msg *msg = NULL;

	if (enforcer_link_pending(e, ifindex))
		return -EALREADY;
	if (e->n_pending == PENDING_MAX)
		return -EBUSY;
	if (!link)
		return -ENOMEM;
	rtnl_link_set_ifindex(link, (int)ifindex);
	if (rtnl_link_build_delete_request(link, &msg) < 0)
		return -ENOMEM;
	nlmsg_hdr(msg)->nlmsg_flags |= NLM_F_ACK;
	/* nl_send_auto() fills in our port id and the next sequence number. */
	if (nl_send_auto(e->sock, msg) < 0)
		return -EIO;
	PendingDelete *p = &e->pending[e->n_pending++];
	p->seq = nlmsg_hdr(msg)->nlmsg_seq;
	p->ifindex = ifindex;
	snprintf(p->name, sizeof(p->name), "%s", name);
	p->check = check;
	return 0;
}

/* Copies src to a new file dst (O_EXCL), then fsyncs it: for moves across filesystems. */
static int copy_file(const char *src, const char *dst)
{
	_cleanup_close_ int in = open(src, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	_cleanup_close_ int out = -1;
	struct stat st;
	char buf[65536];

	if (in < 0 || fstat(in, &st) < 0)
		return negative_errno();
	out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, st.st_mode & 07777);
	if (out < 0)
		return negative_errno();
	for (;;) {
		ssize_t n = read(in, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto fail;
		if (n == 0)
			break;
		for (ssize_t done = 0; done < n;) {
			ssize_t w = write(out, buf + done, (size_t)(n - done));
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0)
				goto fail;
			done += w;
		}
	}
	if (fsync(out) < 0)
		goto fail;
	return 0;
fail: {
	int r = negative_errno();
	(void)unlink(dst);
	return r;
}
}

int quarantine_file(const char *path, const char *dir, uint64_t now_usec, char **ret)
{
	_cleanup_free_ char *copy = strdup(path), *dest = NULL;
	char stamp[32];
	time_t t = (time_t)(now_usec / 1000000);
	struct tm tm;

	if (!copy)
		return -ENOMEM;
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return negative_errno();
	gmtime_r(&t, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	/* A name the CNI loader ignores (no .conf/.conflist/.json ending), unique per second. */
	for (int attempt = 0; attempt < 100; attempt++) {
		free(dest);
		dest = NULL;
		if (asprintf(&dest, "%s/%s.%s%s%.0d", dir, basename(copy), stamp, attempt ? "-" : "",
			     attempt) < 0)
			return -ENOMEM;
		if (access(dest, F_OK) == 0)
			continue;
		if (rename(path, dest) == 0)
			break;
		if (errno != EXDEV)
			return negative_errno();
		int r = copy_file(path, dest);
		if (r == -EEXIST)
			continue;
		if (r < 0)
			return r;
		if (unlink(path) < 0)
			return negative_errno();
		break;
	}
	*ret = TAKE_PTR(dest);
	return 0;
}
