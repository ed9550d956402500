/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "firewall-mirror.h"
#include "firewall-nft.h"
#include "firewall-read.h"
#include "log.h"

/* nft monitor raises its event socket to 16 MiB (NFTABLES_NLEVENT_BUFSIZ): a kube-proxy restart
 * rewrites thousands of rules in one transaction. */
#define RCVBUF (16 * 1024 * 1024)
#define READ_BUFFER_SIZE (64 * 1024)
#define READS_PER_DISPATCH 64
/* Debounce: a storm of overruns costs one snapshot. */
#define RESYNC_DELAY_USEC (20 * 1000)
#define FAILED_RESYNC_RETRY_USEC (1000 * 1000)

struct FwMirror {
	sd_event *event;
	Firewall *fw;
	void (*changed)(void *userdata);
	void *userdata;
	uint64_t poll_interval_usec;

	struct mnl_socket *nl;
	sd_event_source *io;
	sd_event_source *resync_timer;
	sd_event_source *poll_timer;

	bool snapshot_taken;
	uint16_t snapshot_genid16; /* events of this generation or older are in the snapshot */
	bool nft_unavailable_logged;
	int legacy_error_logged; /* the errno last logged, so a failing read is logged once */
	FwMirrorCounters counters;
	uint8_t buf[READ_BUFFER_SIZE];
};

static uint64_t now_usec(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void notify_changed(FwMirror *m)
{
	if (m->changed)
		m->changed(m->userdata);
}

static void take_snapshot(FwMirror *m)
{
	uint32_t genid = 0;
	int r = firewall_nft_read(m->fw, &genid);

	if (r < 0) {
		if (!m->nft_unavailable_logged)
			log_warning_errno(r, "Failed to read nf_tables, retrying in %d s",
					  FAILED_RESYNC_RETRY_USEC / 1000000);
		m->nft_unavailable_logged = true;
		(void)sd_event_source_set_time(m->resync_timer,
					       now_usec() + FAILED_RESYNC_RETRY_USEC);
		(void)sd_event_source_set_enabled(m->resync_timer, SD_EVENT_ONESHOT);
		return;
	}
	if (m->snapshot_taken)
		m->counters.resyncs++;
	m->snapshot_taken = true;
	m->nft_unavailable_logged = false;
	m->snapshot_genid16 = (uint16_t)genid;
	notify_changed(m);
}

static void schedule_resync(FwMirror *m, uint64_t delay_usec)
{
	int enabled = SD_EVENT_OFF;
	(void)sd_event_source_get_enabled(m->resync_timer, &enabled);
	if (enabled != SD_EVENT_OFF)
		return; /* one promised already */
	(void)sd_event_source_set_time(m->resync_timer, now_usec() + delay_usec);
	(void)sd_event_source_set_enabled(m->resync_timer, SD_EVENT_ONESHOT);
}

static int on_resync_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
	take_snapshot(userdata);
	return 0;
}

static void read_legacy(FwMirror *m, bool notify)
{
	const char *failed = NULL;

	/* Only tables the kernel lists: reading another would create it. No listed table, no
	 * libiptc, and no raw socket. */
	if (firewall_legacy_tables() <= 0) {
		firewall_clear(m->fw, FW_BACKEND_LEGACY);
	} else {
		int r = firewall_legacy_read(m->fw, &failed);
		m->counters.legacy_reads++;
		if (r < 0 && r != m->legacy_error_logged)
			/* EPERM or EAFNOSUPPORT under the shipped unit: libiptc reads through a
			 * raw IP socket, which it does not allow (README, legacy xtables). */
			log_warning_errno(r, "Failed to read the legacy xtables table %s", failed);
		m->legacy_error_logged = r < 0 ? r : 0;
	}
	/* A read is rare enough to re-evaluate after each, changed or not. */
	if (notify)
		notify_changed(m);
}

void fw_mirror_read_legacy(FwMirror *m)
{
	read_legacy(m, false);
}

static int on_poll_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
	FwMirror *m = userdata;
	read_legacy(m, true);
	(void)sd_event_source_set_time(s, now_usec() + m->poll_interval_usec);
	(void)sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
	return 0;
}

/* Whether an event belongs to a generation the snapshot already shows: then applying it again
 * could bring back what a later transaction of the same snapshot deleted. 16-bit serial
 * arithmetic, as the kernel only sends the low 16 bits. */
static bool in_snapshot(const FwMirror *m, const struct nlmsghdr *nlh)
{
	int g = firewall_nft_message_genid16(nlh);
	return g >= 0 && (int16_t)((uint16_t)g - m->snapshot_genid16) <= 0;
}

static void handle_buffer(FwMirror *m, size_t len)
{
	size_t offset = 0;
	bool changed = false;

	while (offset < len) {
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)(m->buf + offset);
		if (len - offset < sizeof(*nlh) || nlh->nlmsg_len < sizeof(*nlh) ||
		    nlh->nlmsg_len > len - offset) {
			log_warning("Malformed nf_tables buffer, ignoring its rest and resyncing");
			m->counters.malformed++;
			schedule_resync(m, RESYNC_DELAY_USEC);
			break;
		}
		offset += NLMSG_ALIGN(nlh->nlmsg_len);
		if (!m->snapshot_taken || in_snapshot(m, nlh))
			continue;
		bool c = false;
		int r = firewall_nft_apply(m->fw, nlh, &c, NULL);
		if (r < 0) {
			log_error_errno(r, "Failed to apply an nf_tables event, resyncing");
			schedule_resync(m, FAILED_RESYNC_RETRY_USEC);
			continue;
		}
		if (r == NFT_MESSAGE_MALFORMED) {
			/* Ignored, but what it changed is unknown: take a fresh snapshot. */
			m->counters.malformed++;
			schedule_resync(m, RESYNC_DELAY_USEC);
		}
		if (r == NFT_MESSAGE_OBJECT)
			m->counters.events++;
		changed |= c;
	}
	if (changed)
		notify_changed(m);
}

static int on_readable(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	FwMirror *m = userdata;

	for (int i = 0; i < READS_PER_DISPATCH; i++) {
		ssize_t n = recv(fd, m->buf, sizeof(m->buf), MSG_DONTWAIT);
		if (n < 0 && errno == EAGAIN)
			return 0;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == ENOBUFS) {
			/* Events were lost: the copy is unknown until a fresh snapshot. */
			if (m->counters.overruns++ == 0)
				log_warning("nf_tables event buffer overrun: events were lost, "
					    "resyncing");
			schedule_resync(m, RESYNC_DELAY_USEC);
			continue;
		}
		if (n < 0) {
			log_warning_errno(errno, "Failed to read nf_tables events, resyncing");
			schedule_resync(m, FAILED_RESYNC_RETRY_USEC);
			return 0;
		}
		handle_buffer(m, (size_t)n);
	}
	return 0;
}

int fw_mirror_new(sd_event *event, Firewall *fw, uint64_t poll_interval_usec,
		  void (*changed)(void *userdata), void *userdata, FwMirror **ret)
{
	_cleanup_(fw_mirror_freep) FwMirror *m = calloc(1, sizeof(*m));
	int r;

	if (!m)
		return log_error_errno(ENOMEM, "Failed to allocate the firewall mirror");
	m->event = sd_event_ref(event);
	m->fw = fw;
	m->changed = changed;
	m->userdata = userdata;
	m->poll_interval_usec = poll_interval_usec;
	r = sd_event_add_time(event, &m->resync_timer, CLOCK_MONOTONIC, 0, 0, on_resync_timer, m);
	if (r >= 0)
		r = sd_event_source_set_enabled(m->resync_timer, SD_EVENT_OFF);
	if (r >= 0)
		r = sd_event_add_time(event, &m->poll_timer, CLOCK_MONOTONIC, 0, 0, on_poll_timer,
				      m);
	if (r >= 0)
		r = sd_event_source_set_enabled(m->poll_timer, SD_EVENT_OFF);
	if (r < 0)
		return log_error_errno(r, "Failed to set up the firewall mirror's timers");
	*ret = TAKE_PTR(m);
	return 0;
}

static int subscribe(FwMirror *m)
{
	struct mnl_socket *nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_NONBLOCK | SOCK_CLOEXEC);
	unsigned group = NFNLGRP_NFTABLES;
	int size = RCVBUF, r;

	if (!nl)
		return -errno;
	m->nl = nl;
	int fd = mnl_socket_get_fd(nl);
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0 ||
	    setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &group, sizeof(group)) < 0)
		return -errno;
	r = sd_event_add_io(m->event, &m->io, fd, EPOLLIN, on_readable, m);
	if (r < 0)
		return r;
	(void)sd_event_source_set_description(m->io, "nf_tables");
	return 0;
}

int fw_mirror_start(FwMirror *m)
{
	/* Subscribe first, then snapshot: an event between the two is either in the snapshot (its
	 * generation says so) or applied after it. */
	int r = subscribe(m);
	if (r < 0)
		log_warning_errno(r, "Failed to subscribe to nf_tables events; "
				     "firewall leftovers are read on Reconcile and every "
				     "poll-interval only");
	take_snapshot(m);
	read_legacy(m, true);
	(void)sd_event_source_set_time(m->poll_timer, now_usec() + m->poll_interval_usec);
	(void)sd_event_source_set_enabled(m->poll_timer, SD_EVENT_ONESHOT);
	return 0;
}

void fw_mirror_resync(FwMirror *m)
{
	take_snapshot(m);
	read_legacy(m, true);
}

void fw_mirror_set_poll_interval(FwMirror *m, uint64_t usec)
{
	m->poll_interval_usec = usec;
	(void)sd_event_source_set_time(m->poll_timer, now_usec() + usec);
	(void)sd_event_source_set_enabled(m->poll_timer, SD_EVENT_ONESHOT);
}

const FwMirrorCounters *fw_mirror_counters(const FwMirror *m)
{
	return &m->counters;
}

FwMirror *fw_mirror_free(FwMirror *m)
{
	if (!m)
		return NULL;
	sd_event_source_disable_unref(m->io);
	sd_event_source_disable_unref(m->resync_timer);
	sd_event_source_disable_unref(m->poll_timer);
	if (m->nl)
		mnl_socket_close(m->nl);
	sd_event_unref(m->event);
	free(m);
	return NULL;
}
