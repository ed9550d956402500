/* SPDX-License-Identifier: MIT */
/*
 * libcurl's multi-socket interface on sd-event. libcurl calls socket_cb to say which file
 * descriptor to watch for what (one sd-event io source each, kept with curl_multi_assign) and
 * timer_cb to say when to call it back (one sd-event timer); the loop hands readiness and timeouts
 * back through curl_multi_socket_action, and finished transfers come out of curl_multi_info_read.
 * libcurl may not be called back into from inside its own callbacks, so neither callback does.
 */
#include <curl/curl.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <time.h>

#include "cilium-client.h"
#include "log.h"

#define REQUEST_TIMEOUT_MS 2000L
/* healthz and config bodies are tens of KiB: anything past this is not the agent */
#define BODY_MAX (4u * 1024 * 1024)

typedef enum Step {
	STEP_IDLE,
	STEP_HEALTHZ,
	STEP_CONFIG,
} Step;

struct CiliumClient {
	sd_event *event;
	CURLM *multi;
	CURL *easy;
	sd_event_source *timer;
	sd_event_source *report; /* defer: NOT_ASKED is reported from the loop, not the caller */
	CiliumClientDone done;
	void *userdata;

	Step step;
	char *socket_path;
	char *again; /* a query asked while one ran: its socket path */
	bool again_pending;
	char *body;
	size_t body_len;
	bool body_too_big;
	CiliumAgentView view;
	bool global_init;
};

bool cilium_client_busy(const CiliumClient *c)
{
	return c->step != STEP_IDLE;
}

static size_t on_body(char *ptr, size_t size, size_t n, void *userdata)
{
	CiliumClient *c = userdata;
	size_t add = size * n;
	if (c->body_len + add > BODY_MAX) {
		c->body_too_big = true;
		return 0; /* fails the transfer: CURLE_WRITE_ERROR */
	}
	char *grown = realloc(c->body, c->body_len + add + 1);
	if (!grown)
		return 0;
	memcpy(grown + c->body_len, ptr, add);
	c->body = grown;
	c->body_len += add;
	c->body[c->body_len] = '\0';
	return add;
}

static void reset_body(CiliumClient *c)
{
	free(c->body);
	c->body = NULL;
	c->body_len = 0;
	c->body_too_big = false;
}

static int start_request(CiliumClient *c, const char *path)
{
	char url[64];

	reset_body(c);
	if (c->easy) {
		curl_multi_remove_handle(c->multi, c->easy);
		curl_easy_cleanup(c->easy);
	}
	if (!(c->easy = curl_easy_init()))
		return -ENOMEM;
	/* Go's HTTP server answers 400 without a Host header: Cilium's own client sends localhost
	 */
	snprintf(url, sizeof(url), "http://localhost%s", path);
	curl_easy_setopt(c->easy, CURLOPT_URL, url);
	curl_easy_setopt(c->easy, CURLOPT_UNIX_SOCKET_PATH, c->socket_path);
	curl_easy_setopt(c->easy, CURLOPT_TIMEOUT_MS, REQUEST_TIMEOUT_MS);
	curl_easy_setopt(c->easy, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c->easy, CURLOPT_WRITEDATA, c);
	curl_easy_setopt(c->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c->easy, CURLOPT_PROTOCOLS_STR, "http");
	if (curl_multi_add_handle(c->multi, c->easy) != CURLM_OK)
		return -ENOMEM;
	return 0;
}

static void finish(CiliumClient *c, CiliumAgentReach reach)
{
	CiliumAgentView view = c->view;

	c->view = (CiliumAgentView){.auto_direct_node_routes = -1};
	if (c->easy) {
		curl_multi_remove_handle(c->multi, c->easy);
		curl_easy_cleanup(c->easy);
		c->easy = NULL;
	}
	reset_body(c);
	c->step = STEP_IDLE;
	if (reach != CILIUM_AGENT_REACHED)
		cilium_agent_view_clear(&view);
	c->done(c, reach, &view, c->userdata);
	if (c->again_pending) {
		_cleanup_free_ char *path = TAKE_PTR(c->again);
		c->again_pending = false;
		cilium_client_query(c, path);
	}
}

/* One transfer ended: parse its body, go on to /v1/config or finish. */
static void transfer_done(CiliumClient *c, CURLcode result)
{
	long status = 0;
	int r;

	curl_easy_getinfo(c->easy, CURLINFO_RESPONSE_CODE, &status);
	if (result != CURLE_OK || status != 200) {
		log_debug("Cilium agent at %s: %s %s, HTTP %ld", c->socket_path,
			  c->step == STEP_HEALTHZ ? "/v1/healthz" : "/v1/config",
			  c->body_too_big ? "body too large" : curl_easy_strerror(result), status);
		finish(c, CILIUM_AGENT_UNREACHABLE);
		return;
	}
	if (c->step == STEP_HEALTHZ) {
		r = cilium_agent_parse_healthz(&c->view, c->body ? c->body : "", c->body_len);
		if (r < 0 || (r = start_request(c, "/v1/config")) < 0) {
			finish(c, CILIUM_AGENT_UNREACHABLE);
			return;
		}
		c->step = STEP_CONFIG;
		return;
	}
	r = cilium_agent_parse_config(&c->view, c->body ? c->body : "", c->body_len);
	finish(c, r < 0 ? CILIUM_AGENT_UNREACHABLE : CILIUM_AGENT_REACHED);
}

static void drain(CiliumClient *c)
{
	CURLMsg *msg;
	int left;
	while ((msg = curl_multi_info_read(c->multi, &left)))
		if (msg->msg == CURLMSG_DONE && msg->easy_handle == c->easy) {
			transfer_done(c, msg->data.result);
			return; /* the handle changed: read on at the next action */
		}
}

static void action(CiliumClient *c, curl_socket_t fd, int flags)
{
	int running;
	curl_multi_socket_action(c->multi, fd, flags, &running);
	drain(c);
}

static int on_io(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	int flags = 0;
	if (revents & EPOLLIN)
		flags |= CURL_CSELECT_IN;
	if (revents & EPOLLOUT)
		flags |= CURL_CSELECT_OUT;
	if (revents & (EPOLLERR | EPOLLHUP))
		flags |= CURL_CSELECT_ERR;
	action(userdata, fd, flags);
	return 0;
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
	action(userdata, CURL_SOCKET_TIMEOUT, 0);
	return 0;
}

static int socket_cb(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
	CiliumClient *c = userp;
	sd_event_source *s = socketp;
	uint32_t events = 0;

	if (what == CURL_POLL_REMOVE) {
		sd_event_source_disable_unref(s);
		curl_multi_assign(c->multi, fd, NULL);
		return 0;
	}
	if (what == CURL_POLL_IN || what == CURL_POLL_INOUT)
		events |= EPOLLIN;
	if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT)
		events |= EPOLLOUT;
	if (s)
		return sd_event_source_set_io_events(s, events) < 0 ? -1 : 0;
	if (sd_event_add_io(c->event, &s, fd, events, on_io, c) < 0)
		return -1;
	curl_multi_assign(c->multi, fd, s);
	return 0;
}

static int timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
	CiliumClient *c = userp;
	uint64_t now;

	if (timeout_ms < 0)
		return sd_event_source_set_enabled(c->timer, SD_EVENT_OFF) < 0 ? -1 : 0;
	(void)sd_event_now(c->event, CLOCK_MONOTONIC, &now);
	if (sd_event_source_set_time(c->timer, now + (uint64_t)timeout_ms * 1000) < 0 ||
	    sd_event_source_set_enabled(c->timer, SD_EVENT_ONESHOT) < 0)
		return -1;
	return 0;
}

static int on_report(sd_event_source *s, void *userdata)
{
	CiliumClient *c = userdata;
	(void)sd_event_source_set_enabled(s, SD_EVENT_OFF);
	c->step = STEP_HEALTHZ; /* finish() sets it idle again */
	finish(c, CILIUM_AGENT_NOT_ASKED);
	return 0;
}

void cilium_client_query(CiliumClient *c, const char *socket_path)
{
	struct stat st;
	char *copy;

	if (c->step != STEP_IDLE || sd_event_source_get_enabled(c->report, NULL) > 0) {
		/* coalesced: one more query after this one, at the newest path */
		copy = strdup(socket_path ? socket_path : "");
		if (!copy)
			return;
		free(c->again);
		c->again = copy;
		c->again_pending = true;
		return;
	}
	if (!socket_path || !socket_path[0] || stat(socket_path, &st) < 0 ||
	    !S_ISSOCK(st.st_mode)) {
		(void)sd_event_source_set_enabled(c->report, SD_EVENT_ONESHOT);
		return;
	}
	if (!(copy = strdup(socket_path)))
		return;
	free(c->socket_path);
	c->socket_path = copy;
	if (start_request(c, "/v1/healthz") < 0) {
		log_warning("Cannot ask the Cilium agent: out of memory");
		return;
	}
	c->step = STEP_HEALTHZ;
}

int cilium_client_new(sd_event *event, CiliumClientDone done, void *userdata, CiliumClient **ret)
{
	CiliumClient *c = calloc(1, sizeof(*c));
	int r;

	if (!c)
		return -ENOMEM;
	c->event = sd_event_ref(event);
	c->done = done;
	c->userdata = userdata;
	c->view.auto_direct_node_routes = -1;
	/* Once per process; without SSL or Win32 there is nothing else to set up. */
	if (curl_global_init(CURL_GLOBAL_NOTHING) != CURLE_OK) {
		cilium_client_free(c);
		return -ENOMEM;
	}
	c->global_init = true;
	if (!(c->multi = curl_multi_init())) {
		cilium_client_free(c);
		return -ENOMEM;
	}
	curl_multi_setopt(c->multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
	curl_multi_setopt(c->multi, CURLMOPT_SOCKETDATA, c);
	curl_multi_setopt(c->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
	curl_multi_setopt(c->multi, CURLMOPT_TIMERDATA, c);
	if ((r = sd_event_add_time(event, &c->timer, CLOCK_MONOTONIC, 0, 0, on_timer, c)) < 0 ||
	    (r = sd_event_source_set_enabled(c->timer, SD_EVENT_OFF)) < 0 ||
	    (r = sd_event_add_defer(event, &c->report, on_report, c)) < 0 ||
	    (r = sd_event_source_set_enabled(c->report, SD_EVENT_OFF)) < 0) {
		cilium_client_free(c);
		return r;
	}
	*ret = c;
	return 0;
}

CiliumClient *cilium_client_free(CiliumClient *c)
{
	if (!c)
		return NULL;
	if (c->easy) {
		/* removing the handle makes libcurl close its socket: socket_cb drops the source */
		curl_multi_remove_handle(c->multi, c->easy);
		curl_easy_cleanup(c->easy);
	}
	if (c->multi)
		curl_multi_cleanup(c->multi);
	if (c->global_init)
		curl_global_cleanup();
	sd_event_source_disable_unref(c->timer);
	sd_event_source_disable_unref(c->report);
	sd_event_unref(c->event);
	cilium_agent_view_clear(&c->view);
	reset_body(c);
	free(c->socket_path);
	free(c->again);
	free(c);
	return NULL;
}
