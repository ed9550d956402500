/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "log.h"
#include "mirror.h"
#include "route-questions.h"
#include "rtnl-dump.h"
#include "timeutil.h"

/* 32 MiB: a listener with the default 208 KiB lost events during a 1M-route insert; 32–64 MiB lost
 * none. */
#define RCVBUF_DEFAULT (32 * 1024 * 1024)
/* The kernel fills dump replies up to 32 KiB when the reader offers that much; events are smaller.
 */
#define READ_BUFFER_SIZE (64 * 1024)
/* Reads per wakeup, so that signals and other sources get their turn during a storm. */
#define READS_PER_DISPATCH 64
/* Debounce: a storm of overruns costs one resync, started at most this long after the first. */
#define OVERRUN_RESYNC_DELAY_USEC (20 * 1000)
#define STALE_RESYNC_DELAY_USEC (10 * 1000)
#define FAILED_DUMP_RETRY_USEC (1000 * 1000)
/* Recounting after a notification raced a dump: soon, but doubling while counted routes keep
 * changing under every dump (a busy BGP table), so that the node does not dump without end. */
#define RECOUNT_DELAY_MIN_USEC (200 * 1000)
#define RECOUNT_DELAY_MAX_USEC (60 * 1000 * 1000)
/* A dump that sends nothing for this long is abandoned with its socket. */
#define DUMP_STALL_USEC (10 * 1000 * 1000)

typedef struct DumpStep {
	uint16_t type;
	uint8_t family;
	SyncScope scope;
} DumpStep;

/* Links first, so that addresses and routes find their device. */
static const DumpStep DUMP_STEPS[] = {
    {RTM_GETLINK, AF_UNSPEC, SYNC_LINKS},    {RTM_GETADDR, AF_INET, SYNC_ADDRESSES},
    {RTM_GETADDR, AF_INET6, SYNC_ADDRESSES}, {RTM_GETROUTE, AF_INET, SYNC_ROUTES4},
    {RTM_GETROUTE, AF_INET6, SYNC_ROUTES6},
};

static const unsigned SUBSCRIBED_GROUPS[] = {
    RTNLGRP_LINK,	RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR,
    RTNLGRP_IPV4_ROUTE, RTNLGRP_IPV6_ROUTE,  RTNLGRP_IPV4_NETCONF,
};

struct Mirror {
	sd_event *event;
	NetState *ns;
	MirrorCallbacks callbacks;
	int rcvbuf;

	struct mnl_socket *nl;
	uint32_t portid;
	uint32_t seq;
	sd_event_source *io;
	sd_event_source *resync_timer;
	sd_event_source *stall_timer;

	bool dumping;
	bool dump_interrupted;
	SyncScope dump_scope;
	size_t dump_step;
	uint32_t dump_seq;
	SyncScope resync_wanted;
	bool synced;
	uint64_t full_syncs;
	uint64_t recount_delay;

	/* Asks the kernel about pod routes' gateways; NULL when it could not be set up, and then
	 * every connected route is kept instead. */
	RouteQuestions *questions;
	/* While a buffer is handled: whether messages follow the one being applied. */
	bool more_in_buffer;

	MirrorCounters counters;
	RtnlMessage scratch;
	uint8_t buf[READ_BUFFER_SIZE];
};

static int on_readable(sd_event_source *s, int fd, uint32_t revents, void *userdata);

static void close_socket(Mirror *m)
{
	m->io = sd_event_source_disable_unref(m->io);
	if (m->nl)
		mnl_socket_close(m->nl);
	m->nl = NULL;
	m->dumping = false;
}

/* Returns 0 or a negative errno, not logged: the caller logs once, with what it means. */
static int open_socket(Mirror *m)
{
	struct mnl_socket *nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_NONBLOCK | SOCK_CLOEXEC);
	int r;

	if (!nl)
		return negative_errno();
	m->nl = nl;
	int fd = mnl_socket_get_fd(nl);
	int size = m->rcvbuf > 0 ? m->rcvbuf : RCVBUF_DEFAULT;
	/* SO_RCVBUFFORCE passes net.core.rmem_max but needs CAP_NET_ADMIN, which the daemon has. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0) {
		log_warning_errno(errno, "SO_RCVBUFFORCE failed, falling back to SO_RCVBUF");
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	}
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
		return negative_errno();
	/* Subscribe before the first dump, so nothing between the dump and the events is missed;
	 * after bind(), which replaces the memberships of groups 1-32 with its nl_groups mask. */
	for (size_t i = 0; i < ELEMENTSOF(SUBSCRIBED_GROUPS); i++) {
		unsigned group = SUBSCRIBED_GROUPS[i];
		if (setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &group, sizeof(group)) < 0)
			return negative_errno();
	}
	m->portid = mnl_socket_get_portid(nl);
	r = sd_event_add_io(m->event, &m->io, fd, EPOLLIN, on_readable, m);
	if (r < 0)
		return r;
	(void)sd_event_source_set_description(m->io, "rtnetlink");
	return 0;
}

static int send_dump_request(Mirror *m)
{
	const DumpStep *step = &DUMP_STEPS[m->dump_step];
	uint8_t buf[RTNL_DUMP_REQUEST_SIZE];
	struct nlmsghdr *nlh;

	m->dump_seq = ++m->seq;
	nlh = rtnl_dump_request(buf, step->type, step->family, m->dump_seq);
	if (mnl_socket_sendto(m->nl, nlh, nlh->nlmsg_len) < 0)
		return negative_errno();
	return 0;
}

static void arm_stall_timer(Mirror *m)
{
	(void)sd_event_source_set_time(m->stall_timer, now_usec(CLOCK_MONOTONIC) + DUMP_STALL_USEC);
	(void)sd_event_source_set_enabled(m->stall_timer, SD_EVENT_ONESHOT);
}

static void schedule_resync(Mirror *m, SyncScope scope, uint64_t delay_usec)
{
	uint64_t when = now_usec(CLOCK_MONOTONIC) + delay_usec, armed;
	int enabled = SD_EVENT_OFF;

	m->resync_wanted |= scope;
	if (m->dumping)
		return; /* finish_dump() picks it up */
	(void)sd_event_source_get_enabled(m->resync_timer, &enabled);
	if (enabled != SD_EVENT_OFF && sd_event_source_get_time(m->resync_timer, &armed) >= 0 &&
	    armed <= when)
		return; /* never postpone a resync already promised */
	(void)sd_event_source_set_time(m->resync_timer, when);
	(void)sd_event_source_set_enabled(m->resync_timer, SD_EVENT_ONESHOT);
}

void mirror_request_resync(Mirror *m, SyncScope scope)
{
	schedule_resync(m, scope, 0);
}

static void finish_dump(Mirror *m);

/* Sends the next request of the current dump, or finishes it. */
static void advance_dump(Mirror *m, size_t from)
{
	int r;

	for (m->dump_step = from; m->dump_step < ELEMENTSOF(DUMP_STEPS); m->dump_step++) {
		if (!(DUMP_STEPS[m->dump_step].scope & m->dump_scope))
			continue;
		r = send_dump_request(m);
		if (r < 0) {
			log_warning_errno(r, "Failed to request an rtnetlink dump, retrying");
			m->dump_interrupted = true;
			break;
		}
		arm_stall_timer(m);
		return;
	}
	finish_dump(m);
}

static void start_dump(Mirror *m, SyncScope scope)
{
	m->dumping = true;
	m->dump_interrupted = false;
	m->dump_scope = scope;
	netstate_begin_sync(m->ns, scope);
	advance_dump(m, 0);
}

static void finish_dump(Mirror *m)
{
	SyncScope scope = m->dump_scope;

	m->dumping = false;
	(void)sd_event_source_set_enabled(m->stall_timer, SD_EVENT_OFF);
	if (m->dump_interrupted) {
		/* A partial view must not sweep: what it missed still exists. */
		m->counters.dumps_interrupted++;
		log_info("rtnetlink dump was interrupted, dumping again");
		m->resync_wanted |= scope;
		schedule_resync(m, 0, OVERRUN_RESYNC_DELAY_USEC);
		return;
	}
	if (netstate_sweep(m->ns, scope) > 0 && m->callbacks.changed)
		m->callbacks.changed(m, m->callbacks.userdata);
	if (scope == SYNC_ALL) {
		m->synced = true;
		m->full_syncs++;
	}
	if (m->resync_wanted)
		schedule_resync(m, 0, 0);
	SyncScope raced = netstate_counts_raced(m->ns);
	if (raced) {
		m->recount_delay = m->recount_delay ? m->recount_delay * 2 : RECOUNT_DELAY_MIN_USEC;
		if (m->recount_delay > RECOUNT_DELAY_MAX_USEC)
			m->recount_delay = RECOUNT_DELAY_MAX_USEC;
		log_debug("A route notification raced the dump, recounting (scope 0x%x)",
			  (unsigned)raced);
		schedule_resync(m, raced, m->recount_delay);
	} else if (scope & (SYNC_ROUTES4 | SYNC_ROUTES6)) {
		m->recount_delay = 0;
	}
	if (scope == SYNC_ALL && m->callbacks.synced)
		m->callbacks.synced(m, m->callbacks.userdata);
}

static int on_resync_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
	Mirror *m = userdata;

	if (m->dumping || !m->resync_wanted)
		return 0;
	SyncScope scope = m->resync_wanted;
	m->resync_wanted = 0;
	m->counters.resyncs++;
	log_debug("Resyncing (scope 0x%x)", (unsigned)scope);
	start_dump(m, scope);
	return 0;
}

static int reopen(Mirror *m)
{
	int r;

	close_socket(m);
	r = open_socket(m);
	if (r < 0)
		return r;
	m->counters.resyncs++;
	m->resync_wanted = 0;
	start_dump(m, SYNC_ALL);
	return 0;
}

/* The caller decides what a mirror that cannot follow the kernel means (the daemon exits). */
static void fail(Mirror *m, int error)
{
	if (m->callbacks.failed)
		m->callbacks.failed(m, error, m->callbacks.userdata);
}

static int on_stall_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
	Mirror *m = userdata;
	int r;

	log_warning("rtnetlink dump stalled for %d s, reopening the socket",
		    DUMP_STALL_USEC / 1000000);
	if ((r = reopen(m)) < 0)
		fail(m, r);
	return 0;
}

static void handle_overrun(Mirror *m)
{
	if (!m->resync_wanted)
		log_warning("rtnetlink receive buffer overrun: notifications were lost, resyncing");
	m->counters.overruns++;
	if (m->dumping)
		m->dump_interrupted =
		    true; /* events lost during the dump were about parts already dumped */
	schedule_resync(m, SYNC_ALL, OVERRUN_RESYNC_DELAY_USEC);
}

static void apply_message(Mirror *m, const struct nlmsghdr *nlh, bool dump_reply)
{
	int r = rtnl_decode(nlh, &m->scratch);

	if (r < 0) {
		m->counters.malformed++;
		log_warning_errno(r, "Malformed rtnetlink message (type %u), ignoring",
				  nlh->nlmsg_type);
		return;
	}
	if (m->scratch.kind == RTNL_IGNORED)
		return;
	m->scratch.notification = !dump_reply;
	if (!dump_reply)
		m->counters.netlink_events++;
	bool appeared = !dump_reply && m->scratch.kind == RTNL_LINK_NEW &&
			!netstate_link(m->ns, m->scratch.link.ifindex);
	if (appeared && m->callbacks.link_appeared)
		m->callbacks.link_appeared(m, &m->scratch.link, m->callbacks.userdata);
	r = netstate_apply(m->ns, &m->scratch);
	if (r < 0) {
		log_error_errno(r, "Failed to apply an rtnetlink message, resyncing");
		schedule_resync(m, SYNC_ALL, FAILED_DUMP_RETRY_USEC);
		return;
	}
	if (r & APPLY_IPV4_ROUTES_STALE)
		schedule_resync(m, SYNC_ROUTES4, STALE_RESYNC_DELAY_USEC);
	if ((r & APPLY_CHANGED) && m->callbacks.changed)
		m->callbacks.changed(m, m->callbacks.userdata);
}

static void handle_dump_end(Mirror *m, const struct nlmsghdr *nlh)
{
	int32_t error = 0;

	if (nlh->nlmsg_len >= NLMSG_HDRLEN + sizeof(error))
		memcpy(&error, mnl_nlmsg_get_payload(nlh), sizeof(error));
	if (nlh->nlmsg_type == NLMSG_ERROR || error < 0) {
		if (nlh->nlmsg_type == NLMSG_ERROR &&
		    nlh->nlmsg_len >= NLMSG_HDRLEN + sizeof(struct nlmsgerr))
			error = ((const struct nlmsgerr *)mnl_nlmsg_get_payload(nlh))->error;
		log_warning_errno(error ? error : EIO, "rtnetlink dump failed, retrying");
		m->dump_interrupted = true;
		finish_dump(m);
		return;
	}
	advance_dump(m, m->dump_step + 1);
}

static void handle_buffer(Mirror *m, const uint8_t *buf, size_t len)
{
	const struct nlmsghdr *nlh;
	size_t offset = 0;
	bool dump_progress = false;
	int r;

	while ((r = rtnl_next_message(buf, len, &offset, &nlh)) > 0) {
		if (nlh->nlmsg_pid == m->portid) {
			/* Replies to us: only the current dump's count; older ones were abandoned.
			 */
			if (!m->dumping || nlh->nlmsg_seq != m->dump_seq)
				continue;
			dump_progress = true;
			if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
				m->dump_interrupted = true;
			if (nlh->nlmsg_type == NLMSG_DONE || nlh->nlmsg_type == NLMSG_ERROR) {
				handle_dump_end(m, nlh);
				continue;
			}
			apply_message(m, nlh, true);
			continue;
		}
		/* net.ipv4.ip_forward changes arrive as netconf notifications: no file to poll. */
		if (nlh->nlmsg_type == RTM_NEWNETCONF && rtnl_netconf_is_global_ipv4(nlh) &&
		    m->callbacks.netconf_changed)
			m->callbacks.netconf_changed(m, m->callbacks.userdata);
		else if (nlh->nlmsg_type >= NLMSG_MIN_TYPE) {
			m->more_in_buffer = offset < len;
			apply_message(m, nlh, false);
		}
	}
	m->more_in_buffer = false;
	if (r < 0) {
		m->counters.malformed++;
		log_warning("Malformed rtnetlink buffer, ignoring its rest and resyncing");
		schedule_resync(m, SYNC_ALL, OVERRUN_RESYNC_DELAY_USEC);
	}
	if (dump_progress && m->dumping)
		arm_stall_timer(m);
	/* The gateways this batch brought or moved: asked now, answered in the loop. */
	route_questions_flush(m->questions);
}

static int on_readable(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	Mirror *m = userdata;

	for (int i = 0; i < READS_PER_DISPATCH; i++) {
		struct sockaddr_nl sender = {};
		struct iovec iov = {m->buf, sizeof(m->buf)};
		struct msghdr msg = {
		    .msg_name = &sender,
		    .msg_namelen = sizeof(sender),
		    .msg_iov = &iov,
		    .msg_iovlen = 1,
		};
		ssize_t n = recvmsg(fd, &msg, 0);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS) {
				handle_overrun(m);
				continue;
			}
			log_warning_errno(errno, "Reading rtnetlink failed, reopening the socket");
			int r = reopen(m);
			if (r < 0)
				fail(m, r);
			return 0;
		}
		if (msg.msg_flags & MSG_TRUNC) {
			m->counters.malformed++;
			log_warning(
			    "rtnetlink message larger than %d bytes was truncated, resyncing",
			    READ_BUFFER_SIZE);
			schedule_resync(m, SYNC_ALL, OVERRUN_RESYNC_DELAY_USEC);
			continue;
		}
		if (sender.nl_pid != 0)
			continue; /* only the kernel speaks on rtnetlink groups we trust */
		handle_buffer(m, m->buf, (size_t)n);
	}
	return 0;
}

bool mirror_notification_is_latest(Mirror *m)
{
	char byte;

	if (!m->nl || m->more_in_buffer || m->dumping || m->resync_wanted)
		return false;
	/* Netlink has no FIONREAD: a one-byte peek says whether anything waits, taking nothing. */
	ssize_t n = recv(mnl_socket_get_fd(m->nl), &byte, sizeof(byte), MSG_PEEK | MSG_DONTWAIT);
	return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

void mirror_catch_up(Mirror *m)
{
	if (m->nl)
		(void)on_readable(m->io, mnl_socket_get_fd(m->nl), EPOLLIN, m);
}

static void on_questions_answered(void *userdata)
{
	Mirror *m = userdata;
	if (m->callbacks.changed)
		m->callbacks.changed(m, m->callbacks.userdata);
}

/* Without answers, the model falls back to keeping every connected route: dump routes again so
 * that it has them. */
static void stop_asking(Mirror *m)
{
	netstate_set_gateway_questions(m->ns, false);
	m->questions = route_questions_free(m->questions);
	schedule_resync(m, SYNC_ROUTES4 | SYNC_ROUTES6, 0);
}

static void on_questions_failed(int error, void *userdata)
{
	log_warning_errno(error, "Cannot ask the kernel about gateways any more; keeping every "
				 "connected route instead");
	stop_asking(userdata);
}

static void start_asking(Mirror *m)
{
	RouteQuestionsCallbacks cb = {
	    .answered = on_questions_answered,
	    .failed = on_questions_failed,
	    .userdata = m,
	};
	int r = route_questions_new(m->event, m->ns, &cb, &m->questions);

	if (r < 0) {
		log_warning_errno(r, "Cannot open a socket to ask the kernel about gateways; "
				     "keeping every connected route instead");
		return;
	}
	netstate_set_gateway_questions(m->ns, true);
}

int mirror_new(sd_event *event, NetState *ns, const MirrorOptions *options,
	       const MirrorCallbacks *callbacks, Mirror **ret)
{
	_cleanup_(mirror_freep) Mirror *m = calloc(1, sizeof(*m));
	int r;

	if (!m)
		return -ENOMEM;
	m->event = sd_event_ref(event);
	m->ns = ns;
	m->callbacks = *callbacks;
	m->rcvbuf = options ? options->rcvbuf : 0;
	r = sd_event_add_time(event, &m->resync_timer, CLOCK_MONOTONIC, 0, 1000, on_resync_timer,
			      m);
	if (r < 0)
		return r;
	(void)sd_event_source_set_enabled(m->resync_timer, SD_EVENT_OFF);
	r = sd_event_add_time(event, &m->stall_timer, CLOCK_MONOTONIC, 0, 1000, on_stall_timer, m);
	if (r < 0)
		return r;
	(void)sd_event_source_set_enabled(m->stall_timer, SD_EVENT_OFF);
	r = open_socket(m);
	if (r < 0)
		return r;
	start_asking(m);
	*ret = TAKE_PTR(m);
	return 0;
}

Mirror *mirror_free(Mirror *m)
{
	if (!m)
		return NULL;
	close_socket(m);
	route_questions_free(m->questions);
	sd_event_source_disable_unref(m->resync_timer);
	sd_event_source_disable_unref(m->stall_timer);
	sd_event_unref(m->event);
	free(m);
	return NULL;
}

int mirror_start(Mirror *m)
{
	start_dump(m, SYNC_ALL);
	return m->dumping || m->synced ? 0 : -EIO;
}

const MirrorCounters *mirror_counters(const Mirror *m)
{
	return &m->counters;
}

uint64_t mirror_full_syncs(const Mirror *m)
{
	return m->full_syncs;
}

uint64_t mirror_next_full_sync(const Mirror *m)
{
	/* A full dump already running began before the request: wait for the one after it. */
	bool full_running = m->dumping && m->dump_scope == SYNC_ALL;
	return m->full_syncs + (full_running ? 2 : 1);
}

bool mirror_is_synced(const Mirror *m)
{
	/* A gateway the kernel has not answered about yet has no verdict to tell. */
	return m->synced && netstate_gateways_unanswered(m->ns) == 0;
}

bool mirror_is_dumping(const Mirror *m)
{
	return m->dumping;
}
