/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "log.h"
#include "route-questions.h"
#include "routequery.h"
#include "rtnl.h"
#include "timeutil.h"

/* Answers in flight: each is a skb of about 1 KiB in the receive buffer, and an answer that finds
 * the buffer full is dropped by the kernel, so the buffer must hold all of them. */
#define IN_FLIGHT_MAX 256
#define RCVBUF_SIZE (1024 * 1024)
/* Questions per sendto(): the kernel answers every message of one datagram in turn. */
#define QUESTIONS_PER_SEND 64
#define READ_BUFFER_SIZE (64 * 1024)
#define READS_PER_DISPATCH 64
/* Answers that do not come in this long were lost: every gateway is asked again. */
#define ANSWER_STALL_USEC (2 * 1000 * 1000)

struct RouteQuestions {
	sd_event *event;
	NetState *ns;
	RouteQuestionsCallbacks callbacks;
	struct mnl_socket *nl;
	uint32_t portid;
	uint32_t seq;
	sd_event_source *io;
	sd_event_source *stall_timer;
	size_t in_flight;
	uint8_t buf[READ_BUFFER_SIZE];
};

static int on_readable(sd_event_source *s, int fd, uint32_t revents, void *userdata);

static void close_socket(RouteQuestions *q)
{
	q->io = sd_event_source_disable_unref(q->io);
	if (q->nl)
		mnl_socket_close(q->nl);
	q->nl = NULL;
	q->in_flight = 0;
}

static int open_socket(RouteQuestions *q)
{
	int size = RCVBUF_SIZE, r;

	q->nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (!q->nl)
		return negative_errno();
	int fd = mnl_socket_get_fd(q->nl);
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	if (mnl_socket_bind(q->nl, 0, MNL_SOCKET_AUTOPID) < 0)
		return negative_errno();
	/* Connected to the kernel, the socket takes no datagram from another port: no local process
	 * can forge a gateway's answer or fill the buffer (on_readable() checks the sender too). */
	struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
	if (connect(fd, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
		return negative_errno();
	q->portid = mnl_socket_get_portid(q->nl);
	if ((r = sd_event_add_io(q->event, &q->io, fd, EPOLLIN, on_readable, q)) < 0)
		return r;
	(void)sd_event_source_set_description(q->io, "route-questions");
	return 0;
}

/* Answers were lost (overrun, stall, a new socket): ask about every gateway again. */
static void ask_all_again(RouteQuestions *q)
{
	q->in_flight = 0;
	netstate_requeue_gateway_questions(q->ns);
}

static void reopen_or_fail(RouteQuestions *q, int error)
{
	int r;

	log_warning_errno(error, "Route questions socket failed, reopening it");
	close_socket(q);
	if ((r = open_socket(q)) < 0) {
		close_socket(q);
		if (q->callbacks.failed)
			q->callbacks.failed(r, q->callbacks.userdata);
		return;
	}
	ask_all_again(q);
}

static void arm_stall_timer(RouteQuestions *q)
{
	if (q->in_flight == 0) {
		(void)sd_event_source_set_enabled(q->stall_timer, SD_EVENT_OFF);
		return;
	}
	(void)sd_event_source_set_time(q->stall_timer,
				       now_usec(CLOCK_MONOTONIC) + ANSWER_STALL_USEC);
	(void)sd_event_source_set_enabled(q->stall_timer, SD_EVENT_ONESHOT);
}

void route_questions_flush(RouteQuestions *q)
{
	GatewayQuestion questions[QUESTIONS_PER_SEND];
	uint8_t buf[QUESTIONS_PER_SEND * ROUTEQUERY_REQUEST_SIZE];
	bool sent = false;

	while (q && q->nl && q->in_flight < IN_FLIGHT_MAX) {
		size_t room = IN_FLIGHT_MAX - q->in_flight, len = 0;
		size_t n = netstate_take_gateway_questions(
		    q->ns, questions, room < QUESTIONS_PER_SEND ? room : QUESTIONS_PER_SEND);
		if (n == 0)
			break;
		for (size_t i = 0; i < n; i++) {
			struct nlmsghdr *nlh =
			    routequery_request(buf + len, &questions[i], ++q->seq);
			len += NLMSG_ALIGN(nlh->nlmsg_len);
		}
		if (mnl_socket_sendto(q->nl, buf, len) < 0) {
			reopen_or_fail(q, negative_errno());
			return;
		}
		q->in_flight += n;
		sent = true;
	}
	if (sent)
		arm_stall_timer(q);
}

/* Returns whether a verdict changed. */
static bool handle_buffer(RouteQuestions *q, const uint8_t *buf, size_t len)
{
	const struct nlmsghdr *nlh;
	size_t offset = 0;
	bool changed = false;
	int r;

	while ((r = rtnl_next_message(buf, len, &offset, &nlh)) > 0) {
		GatewayAnswer a;
		if (nlh->nlmsg_pid != q->portid)
			continue;
		if (q->in_flight > 0)
			q->in_flight--;
		r = routequery_decode(nlh, nlh->nlmsg_len, &a);
		if (r == -ENOMSG)
			continue;
		if (r < 0) {
			log_warning("Malformed answer to a route question, asking every gateway "
				    "again");
			ask_all_again(q);
			return changed;
		}
		if (netstate_gateway_answer(q->ns, &a) & APPLY_CHANGED)
			changed = true;
	}
	return changed;
}

static int on_readable(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	RouteQuestions *q = userdata;
	uint64_t unanswered_before = netstate_gateways_unanswered(q->ns);
	bool changed = false;

	for (int i = 0; i < READS_PER_DISPATCH; i++) {
		struct sockaddr_nl sender = {};
		struct iovec iov = {q->buf, sizeof(q->buf)};
		struct msghdr msg = {
		    .msg_name = &sender,
		    .msg_namelen = sizeof(sender),
		    .msg_iov = &iov,
		    .msg_iovlen = 1,
		};
		ssize_t n = recvmsg(fd, &msg, 0);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS) {
				log_warning("Answers to route questions were lost, asking again");
				ask_all_again(q);
				continue;
			}
			reopen_or_fail(q, negative_errno());
			break;
		}
		if (sender.nl_pid != 0)
			continue; /* not the kernel's word (the socket is connected: cannot happen)
				   */
		if (msg.msg_flags & MSG_TRUNC) {
			/* The cut-off answers would wait for the stall timer: ask at once. */
			log_warning("An answer to route questions was truncated, asking again");
			ask_all_again(q);
			continue;
		}
		if (handle_buffer(q, q->buf, (size_t)n))
			changed = true;
	}
	arm_stall_timer(q);
	route_questions_flush(q);
	bool settled = unanswered_before > 0 && netstate_gateways_unanswered(q->ns) == 0;
	if ((changed || settled) && q->callbacks.answered)
		q->callbacks.answered(q->callbacks.userdata);
	return 0;
}

static int on_stall_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
	RouteQuestions *q = userdata;

	log_warning("%zu route questions unanswered for %d s, asking again", q->in_flight,
		    ANSWER_STALL_USEC / 1000000);
	ask_all_again(q);
	route_questions_flush(q);
	return 0;
}

int route_questions_new(sd_event *event, NetState *ns, const RouteQuestionsCallbacks *callbacks,
			RouteQuestions **ret)
{
	_cleanup_(route_questions_freep) RouteQuestions *q = calloc(1, sizeof(*q));
	int r;

	if (!q)
		return -ENOMEM;
	q->event = sd_event_ref(event);
	q->ns = ns;
	q->callbacks = *callbacks;
	if ((r = sd_event_add_time(event, &q->stall_timer, CLOCK_MONOTONIC, 0, 1000, on_stall_timer,
				   q)) < 0)
		return r;
	(void)sd_event_source_set_enabled(q->stall_timer, SD_EVENT_OFF);
	if ((r = open_socket(q)) < 0)
		return r;
	*ret = TAKE_PTR(q);
	return 0;
}

RouteQuestions *route_questions_free(RouteQuestions *q)
{
	if (!q)
		return NULL;
	close_socket(q);
	sd_event_source_disable_unref(q->stall_timer);
	sd_event_unref(q->event);
	free(q);
	return NULL;
}
