/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "enforcer.h"
#include "log.h"
#include "rtnl-answer.h"
#include "rtnl.h"
#include "timeutil.h"

/* Deletes in flight at most: one per sender thread. */
#define SENDERS 8
/* The answer is queued before sendmsg() returns (the kernel works in our call): waiting longer
 * than this for it means it was lost. */
#define ANSWER_TIMEOUT_SEC 10
/* The same wait on the loop's own socket, which must never hold the loop: the answer is there
 * already unless the kernel dropped it. */
#define LOOP_ANSWER_TIMEOUT_USEC 100000
/* slots[LOOP_SLOT] holds the delete the loop sent itself (enforcer_remove_link_now()). */
#define LOOP_SLOT SENDERS
/* Unicast answers only, one request at a time: far more than one link message and an ACK. */
#define SOCKET_BUFFER (1024 * 1024)
#define RECEIVE_BUFFER (64 * 1024)
/* Shutdown waits this long for all senders together. A delete stuck in the kernel may take up to
 * ANSWER_TIMEOUT_SEC per attempt; the unit's stop timeout (systemd's 90 s default) must never be
 * the one that ends it. */
#define STOP_WAIT_SEC 2

typedef enum SlotState {
	SLOT_FREE,
	SLOT_READY,   /* handed over, no sender has taken it yet */
	SLOT_SENDING, /* a sender works on it */
	SLOT_DONE,    /* result filled in, for the loop to take */
} SlotState;

typedef struct Request {
	uint32_t ifindex;
	char name[IFNAMSIZ];
	char kind[LINK_KIND_MAX];
	CheckId check;
	int attempts;
} Request;

typedef struct Slot {
	SlotState state;
	Request request;
	EnforcerResult result;
} Slot;

typedef struct Sender {
	Enforcer *enforcer;
	pthread_t thread;
	bool started;
	struct nl_sock *sock;
	uint32_t port;
	uint8_t buf[RECEIVE_BUFFER];
	RtnlMessage scratch;
} Sender;

struct Enforcer {
	sd_event *event;
	sd_event_source *io;
	sd_event_source *dispatch;
	int eventfd;
	EnforcerOptions options;

	Request *queue; /* waiting for a sender, oldest first from queue_head */
	size_t queue_head, n_queue, queue_allocated;

	pthread_mutex_t lock; /* guards slots[] and stopping, shared with the senders */
	pthread_cond_t wake;
	bool stopping;
	Slot slots[SENDERS + 1];
	Sender senders[SENDERS];
	Sender loop_sender; /* no thread: the loop's socket for enforcer_remove_link_now() */
};

/* ---- the sender threads: blocking sockets, nothing of the daemon but their slot ---- */

/*
 * Reads the answer to seq. A link message of ours (RTM_GETLINK's reply, RTM_DELLINK's echo) is
 * decoded into *ret_link; a GETLINK reply is the whole answer, a delete's ends with its ACK.
 * Only the kernel (port 0), only to our port, only our sequence (lib/rtnl-answer.c): anything
 * else is ignored, and a stream of it cannot hold us past the timeout. Returns the ACK's error (0
 * for success), -ETIMEDOUT or -ENOBUFS when the answer was lost.
 */
static int receive_answer(Sender *s, uint32_t seq, bool until_ack, Link *ret_link, bool *ret_seen,
			  EnforcerResult *result)
{
	int fd = nl_socket_get_fd(s->sock);
	uint64_t deadline = now_usec(CLOCK_MONOTONIC) + ANSWER_TIMEOUT_SEC * 1000000ULL;

	*ret_seen = false;
	for (;;) {
		struct sockaddr_nl sender = {};
		struct iovec iov = {s->buf, sizeof(s->buf)};
		struct msghdr msg = {.msg_name = &sender,
				     .msg_namelen = sizeof(sender),
				     .msg_iov = &iov,
				     .msg_iovlen = 1};
		if (now_usec(CLOCK_MONOTONIC) > deadline)
			return -ETIMEDOUT;
		ssize_t n = recvmsg(fd, &msg, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? -ETIMEDOUT
								       : negative_errno();
		if (sender.nl_pid != 0)
			continue; /* a forgery: not even its length is the kernel's word */
		if (msg.msg_flags & MSG_TRUNC)
			return -ENOBUFS; /* part of the answer is gone */
		const struct nlmsghdr *nlh;
		size_t offset = 0;
		while (rtnl_next_message(s->buf, (size_t)n, &offset, &nlh) > 0) {
			int error;
			if (!rtnl_answer_matches(sender.nl_pid, nlh, s->port, seq))
				continue;
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				if (rtnl_ack_error(nlh, &error) < 0)
					continue;
				rtnl_ack_message(nlh, result->kernel_message,
						 sizeof(result->kernel_message));
				return error;
			}
			if ((nlh->nlmsg_type == RTM_NEWLINK || nlh->nlmsg_type == RTM_DELLINK) &&
			    rtnl_decode(nlh, &s->scratch) == 0 &&
			    (s->scratch.kind == RTNL_LINK_NEW ||
			     s->scratch.kind == RTNL_LINK_DEL)) {
				*ret_link = s->scratch.link;
				*ret_seen = true;
				if (!until_ack)
					return 0;
			}
		}
	}
}

static void nlmsg_freep(struct nl_msg **m)
{
	if (*m)
		nlmsg_free(*m);
}

static int send_request(Sender *s, struct nl_msg *msg, uint32_t *ret_seq)
{
	/* nl_send_auto() fills in our port id and the next sequence number. */
	if (nl_send_auto(s->sock, msg) < 0)
		return -EIO;
	*ret_seq = nlmsg_hdr(msg)->nlmsg_seq;
	return 0;
}

/* The device as the kernel has it now: still the name and kind the delete was decided on? */
static int check_still_same(Sender *s, const Request *q, EnforcerResult *result)
{
	_cleanup_(nlmsg_freep) struct nl_msg *msg = NULL;
	uint32_t seq;
	Link link;
	bool seen;
	int r;

	if (rtnl_link_build_get_request((int)q->ifindex, NULL, &msg) < 0)
		return -ENOMEM;
	if ((r = send_request(s, msg, &seq)) < 0)
		return r;
	if ((r = receive_answer(s, seq, false, &link, &seen, result)) < 0)
		return r;
	if (!seen)
		return -ENODEV;
	if (strcmp(link.name, q->name) != 0 || strcmp(link.kind, q->kind) != 0) {
		snprintf(result->renamed_to, sizeof(result->renamed_to), "%s", link.name);
		return -ESTALE;
	}
	return 0;
}

/* Built by hand on the stack, not by libnl: a delete is a header and an ifinfomsg, and the loop
 * sends it on the reaction path, where libnl's allocations cost a third of the time. */
static int delete_link(Sender *s, const Request *q, EnforcerResult *result)
{
	struct {
		struct nlmsghdr nlh;
		struct ifinfomsg ifi;
	} request = {
	    .nlh = {.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg)),
		    .nlmsg_type = RTM_DELLINK,
		    /* NLM_F_ECHO: the kernel sends us the deleted link, under the name it had
		     * (Linux 6.3+). */
		    .nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_ECHO,
		    .nlmsg_seq = nl_socket_use_seq(s->sock),
		    .nlmsg_pid = s->port},
	    .ifi = {.ifi_family = AF_UNSPEC, .ifi_index = (int)q->ifindex},
	};
	struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
	struct iovec iov = {&request, sizeof(request)};
	struct msghdr msg = {
	    .msg_name = &kernel, .msg_namelen = sizeof(kernel), .msg_iov = &iov, .msg_iovlen = 1};
	Link echoed;
	bool seen;
	int r;

	if (sendmsg(nl_socket_get_fd(s->sock), &msg, 0) < 0)
		return negative_errno();
	r = receive_answer(s, request.nlh.nlmsg_seq, true, &echoed, &seen, result);
	if (r == 0 && seen && echoed.name[0] && strcmp(echoed.name, q->name) != 0)
		snprintf(result->renamed_to, sizeof(result->renamed_to), "%s", echoed.name);
	return r;
}

static void run_request(Sender *s, const Request *q, EnforcerResult *result)
{
	*result = (EnforcerResult){.ifindex = q->ifindex, .check = q->check};
	snprintf(result->name, sizeof(result->name), "%s", q->name);
	result->error = check_still_same(s, q, result);
	if (result->error < 0)
		return;
	if (s->enforcer->options.debug_delay_ms)
		(void)nanosleep(
		    &(struct timespec){
			.tv_sec = s->enforcer->options.debug_delay_ms / 1000,
			.tv_nsec = (long)(s->enforcer->options.debug_delay_ms % 1000) * 1000000L},
		    NULL);
	result->error = delete_link(s, q, result);
}

static void *sender_main(void *userdata)
{
	Sender *s = userdata;
	Enforcer *e = s->enforcer;

	pthread_mutex_lock(&e->lock);
	for (;;) {
		Slot *slot = NULL;
		for (size_t i = 0; !slot && i < SENDERS; i++)
			if (e->slots[i].state == SLOT_READY)
				slot = &e->slots[i];
		if (e->stopping)
			break;
		if (!slot) {
			pthread_cond_wait(&e->wake, &e->lock);
			continue;
		}
		slot->state = SLOT_SENDING;
		Request q = slot->request;
		pthread_mutex_unlock(&e->lock);

		EnforcerResult result;
		run_request(s, &q, &result);

		pthread_mutex_lock(&e->lock);
		slot->result = result;
		slot->state = SLOT_DONE;
		uint64_t one = 1;
		(void)!write(e->eventfd, &one, sizeof(one));
	}
	pthread_mutex_unlock(&e->lock);
	return NULL;
}

static int sender_open(Sender *s, uint64_t answer_timeout_usec)
{
	struct timeval timeout = {.tv_sec = (time_t)(answer_timeout_usec / 1000000),
				  .tv_usec = (suseconds_t)(answer_timeout_usec % 1000000)};

	if (!(s->sock = nl_socket_alloc()))
		return -ENOMEM;
	if (nl_connect(s->sock, NETLINK_ROUTE) < 0)
		return -EIO;
	int fd = nl_socket_get_fd(s->sock), one = 1;
	(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
	/* The kernel's reason in words ("Cannot delete …"), not only an errno. */
	(void)setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	(void)nl_socket_set_buffer_size(s->sock, SOCKET_BUFFER, 0);
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout)) < 0)
		return negative_errno();
	/* Connected to the kernel, the socket takes datagrams from no other port: the kernel
	 * refuses a local process's forgeries (ECONNREFUSED) before they could fill our buffer.
	 * receive_answer() still checks every answer's origin. */
	struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
	if (connect(fd, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
		return negative_errno();
	s->port = nl_socket_get_local_port(s->sock);
	return 0;
}

/* ---- the loop's side ---- */

static bool queued(const Enforcer *e, uint32_t ifindex)
{
	for (size_t i = e->queue_head; i < e->n_queue; i++)
		if (e->queue[i].ifindex == ifindex)
			return true;
	return false;
}

static bool queued_name(const Enforcer *e, const char *name)
{
	for (size_t i = e->queue_head; i < e->n_queue; i++)
		if (strcmp(e->queue[i].name, name) == 0)
			return true;
	return false;
}

/* The slots in use, and whether one of them holds ifindex or name (when given). */
static size_t slots_in_use(Enforcer *e, uint32_t ifindex, const char *name, bool *ret_found)
{
	size_t n = 0;

	*ret_found = false;
	pthread_mutex_lock(&e->lock);
	for (size_t i = 0; i < ELEMENTSOF(e->slots); i++) {
		const Request *q = &e->slots[i].request;
		if (e->slots[i].state == SLOT_FREE)
			continue;
		n++;
		if ((ifindex && q->ifindex == ifindex) || (name && strcmp(q->name, name) == 0))
			*ret_found = true;
	}
	pthread_mutex_unlock(&e->lock);
	return n;
}

bool enforcer_link_pending(Enforcer *e, uint32_t ifindex)
{
	bool found;
	if (queued(e, ifindex))
		return true;
	(void)slots_in_use(e, ifindex, NULL, &found);
	return found;
}

bool enforcer_name_pending(Enforcer *e, const char *name)
{
	bool found;
	if (queued_name(e, name))
		return true;
	(void)slots_in_use(e, 0, name, &found);
	return found;
}

size_t enforcer_pending(Enforcer *e)
{
	bool found;
	return e->n_queue - e->queue_head + slots_in_use(e, 0, NULL, &found);
}

static int enqueue(Enforcer *e, const Request *q)
{
	if (e->queue_head > 0 && e->queue_head == e->n_queue)
		e->queue_head = e->n_queue = 0;
	if (e->n_queue == e->queue_allocated) {
		if (e->queue_head > 0) { /* room at the front: move down first */
			memmove(e->queue, e->queue + e->queue_head,
				(e->n_queue - e->queue_head) * sizeof(Request));
			e->n_queue -= e->queue_head;
			e->queue_head = 0;
		} else {
			size_t allocated = e->queue_allocated ? e->queue_allocated * 2 : 64;
			Request *grown = realloc(e->queue, allocated * sizeof(Request));
			if (!grown)
				return -ENOMEM;
			e->queue = grown;
			e->queue_allocated = allocated;
		}
	}
	e->queue[e->n_queue++] = *q;
	(void)sd_event_source_set_enabled(e->dispatch, SD_EVENT_ONESHOT);
	return 0;
}

static void dispatch(Enforcer *e)
{
	bool handed = false;

	for (size_t i = 0; i < SENDERS && e->queue_head < e->n_queue; i++) {
		pthread_mutex_lock(&e->lock);
		bool free_slot = e->slots[i].state == SLOT_FREE;
		pthread_mutex_unlock(&e->lock);
		if (!free_slot)
			continue;
		/* A copy: may_send() catches the mirror up, whose handlers may enqueue, and
		 * enqueue() may move or reallocate the queue under a pointer into it. The request
		 * stays at the head either way (enqueue only appends, or shifts the queue down to
		 * its head). */
		const Request request = e->queue[e->queue_head];
		const Request *q = &request;
		int r = e->options.may_send(e, q->ifindex, q->name, e->options.userdata);
		if (r == -EAGAIN)
			break;
		e->queue_head++;
		if (r < 0) {
			i--; /* this slot is still free */
			continue;
		}
		pthread_mutex_lock(&e->lock);
		e->slots[i].request = *q;
		e->slots[i].state = SLOT_READY;
		pthread_mutex_unlock(&e->lock);
		handed = true;
	}
	if (handed)
		pthread_cond_broadcast(&e->wake);
}

void enforcer_dispatch(Enforcer *e)
{
	(void)sd_event_source_set_enabled(e->dispatch, SD_EVENT_ONESHOT);
}

static int on_dispatch(sd_event_source *s, void *userdata)
{
	dispatch(userdata);
	return 0;
}

static int on_results(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	Enforcer *e = userdata;
	EnforcerResult results[ELEMENTSOF(e->slots)];
	Request retry[ELEMENTSOF(e->slots)];
	size_t n = 0, n_retry = 0;
	uint64_t count;

	(void)!read(fd, &count, sizeof(count));
	pthread_mutex_lock(&e->lock);
	for (size_t i = 0; i < ELEMENTSOF(e->slots); i++) {
		Slot *slot = &e->slots[i];
		if (slot->state != SLOT_DONE)
			continue;
		if (rtnl_delete_next(slot->result.error, &slot->request.attempts) ==
		    RTNL_DELETE_RETRY)
			retry[n_retry++] = slot->request;
		else
			results[n++] = slot->result;
		slot->state = SLOT_FREE;
	}
	pthread_mutex_unlock(&e->lock);
	for (size_t i = 0; i < n_retry; i++)
		if (enqueue(e, &retry[i]) < 0) {
			EnforcerResult r = {
			    .ifindex = retry[i].ifindex, .check = retry[i].check, .error = -EBUSY};
			snprintf(r.name, sizeof(r.name), "%s", retry[i].name);
			results[n++] = r;
		}
	/* Free slots are filled before anyone hears of the results. */
	dispatch(e);
	for (size_t i = 0; i < n; i++)
		e->options.done(e, &results[i], e->options.userdata);
	return 0;
}

int enforcer_remove_link(Enforcer *e, uint32_t ifindex, const char *name, const char *kind,
			 CheckId check)
{
	Request q = {.ifindex = ifindex, .check = check};

	if (enforcer_link_pending(e, ifindex))
		return -EALREADY;
	snprintf(q.name, sizeof(q.name), "%s", name);
	snprintf(q.kind, sizeof(q.kind), "%s", kind);
	return enqueue(e, &q);
}

int enforcer_remove_link_now(Enforcer *e, uint32_t ifindex, const char *name, const char *kind,
			     CheckId check)
{
	bool found;

	/* A test's pause before the delete belongs to the senders; a busy enforcer is not
	 * overtaken (and the loop would wait for the kernel's lock the senders hold). */
	if (e->options.debug_delay_ms || e->queue_head < e->n_queue ||
	    slots_in_use(e, 0, NULL, &found) > 0)
		return -EBUSY;
	Slot *slot = &e->slots[LOOP_SLOT];
	slot->request = (Request){.ifindex = ifindex, .check = check};
	string_copy(slot->request.name, sizeof(slot->request.name), name);
	string_copy(slot->request.kind, sizeof(slot->request.kind), kind);
	slot->result = (EnforcerResult){.ifindex = ifindex, .check = check};
	string_copy(slot->result.name, sizeof(slot->result.name), name);
	slot->result.error = delete_link(&e->loop_sender, &slot->request, &slot->result);
	/* Reported from the results' handler like a sender's, never from inside the caller's. */
	pthread_mutex_lock(&e->lock);
	slot->state = SLOT_DONE;
	pthread_mutex_unlock(&e->lock);
	uint64_t one = 1;
	(void)!write(e->eventfd, &one, sizeof(one));
	return 0;
}

int enforcer_new(sd_event *event, const EnforcerOptions *options, Enforcer **ret)
{
	_cleanup_(enforcer_freep) Enforcer *e = calloc(1, sizeof(*e));
	int r;

	if (!e)
		return -ENOMEM;
	e->event = sd_event_ref(event);
	e->options = *options;
	e->eventfd = -1;
	pthread_mutex_init(&e->lock, NULL);
	pthread_cond_init(&e->wake, NULL);
	if ((e->eventfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0)
		return negative_errno();
	if ((r = sd_event_add_io(event, &e->io, e->eventfd, EPOLLIN, on_results, e)) < 0)
		return r;
	(void)sd_event_source_set_description(e->io, "enforcer-results");
	if ((r = sd_event_add_defer(event, &e->dispatch, on_dispatch, e)) < 0)
		return r;
	(void)sd_event_source_set_enabled(e->dispatch, SD_EVENT_OFF);
	(void)sd_event_source_set_description(e->dispatch, "enforcer-dispatch");
	e->loop_sender.enforcer = e;
	if ((r = sender_open(&e->loop_sender, LOOP_ANSWER_TIMEOUT_USEC)) < 0)
		return r;
	for (size_t i = 0; i < SENDERS; i++) {
		Sender *s = &e->senders[i];
		s->enforcer = e;
		if ((r = sender_open(s, ANSWER_TIMEOUT_SEC * 1000000ULL)) < 0)
			return r;
		if ((r = -pthread_create(&s->thread, NULL, sender_main, s)) < 0)
			return r;
		s->started = true;
		(void)pthread_setname_np(s->thread, "rg-delete"); /* for top -H and /proc */
	}
	*ret = TAKE_PTR(e);
	return 0;
}

/* Joins the senders until the deadline; false when one is still inside a delete. */
static bool join_senders(Enforcer *e)
{
	struct timespec deadline;
	bool all = true;

	(void)clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += STOP_WAIT_SEC;
	for (size_t i = 0; i < SENDERS; i++) {
		Sender *s = &e->senders[i];
		if (s->started &&
		    pthread_clockjoin_np(s->thread, NULL, CLOCK_MONOTONIC, &deadline)) {
			all = false; /* it keeps its socket */
			continue;
		}
		if (s->sock)
			nl_socket_free(s->sock);
	}
	return all;
}

Enforcer *enforcer_free(Enforcer *e)
{
	if (!e)
		return NULL;
	/* A sender inside a delete finishes it first: the kernel cannot be interrupted there. */
	pthread_mutex_lock(&e->lock);
	e->stopping = true;
	pthread_cond_broadcast(&e->wake);
	pthread_mutex_unlock(&e->lock);
	bool joined = join_senders(e);
	if (e->loop_sender.sock) /* the loop's own: no thread uses it */
		nl_socket_free(e->loop_sender.sock);
	sd_event_source_disable_unref(e->io);
	sd_event_source_disable_unref(e->dispatch);
	free(e->queue);
	sd_event_unref(e->event);
	if (!joined) {
		/* The process exits around it: what it still uses (the lock, its slot, the eventfd,
		 * its socket) stays, and it stops at the lock once the kernel lets it go. */
		log_warning("A link delete is still in the kernel after %d s; exiting without it",
			    STOP_WAIT_SEC);
		return NULL;
	}
	if (e->eventfd >= 0)
		close(e->eventfd);
	pthread_cond_destroy(&e->wake);
	pthread_mutex_destroy(&e->lock);
	free(e);
	return NULL;
}
