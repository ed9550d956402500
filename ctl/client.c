/* SPDX-License-Identifier: MIT */
/*
 * The client side of the control protocol: connect, call, read NUL-framed replies, and what the
 * verbs make of the daemon's errors.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "macro.h"
#include "varlink.h"

int ctl_connect(const char *path, CtlConnection *ret)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return negative_errno();
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int r = negative_errno();
		close(fd);
		return r;
	}
	*ret = (CtlConnection){.fd = fd};
	return 0;
}

void ctl_disconnect(CtlConnection *c)
{
	if (c->fd >= 0)
		close(c->fd);
	free(c->buf);
	c->fd = -1;
	c->buf = NULL;
}

int ctl_call(CtlConnection *c, const char *method, json_object *parameters, bool more)
{
	_cleanup_free_ char *bytes = NULL;
	size_t len, sent = 0;
	int r = varlink_call(method, parameters, more, &bytes, &len);

	if (r < 0)
		return r;
	while (sent < len) {
		ssize_t n = send(c->fd, bytes + sent, len - sent, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return negative_errno();
		sent += (size_t)n;
	}
	return 0;
}

#define STATUS_TIMEOUT_MS 10000

/* Replies may be larger than requests (a status with many findings): allow 16 MiB. */
#define REPLY_MAX (16 * 1024 * 1024)

int ctl_read_reply(CtlConnection *c, int timeout_ms, json_object **ret)
{
	for (;;) {
		char *nul = c->buf ? memchr(c->buf, '\0', c->len) : NULL;
		if (nul) {
			size_t len = (size_t)(nul - c->buf);
			json_object *o = json_tokener_parse(c->buf);
			memmove(c->buf, nul + 1, c->len - len - 1);
			c->len -= len + 1;
			if (!o || !json_object_is_type(o, json_type_object)) {
				json_object_put(o);
				return -EBADMSG;
			}
			*ret = o;
			return 0;
		}
		if (c->len + 65536 > c->allocated) {
			if (c->allocated >= REPLY_MAX)
				return -EMSGSIZE;
			size_t n = c->allocated ? c->allocated * 2 : 131072;
			char *grown = realloc(c->buf, n);
			if (!grown)
				return -ENOMEM;
			c->buf = grown;
			c->allocated = n;
		}
		struct pollfd p = {c->fd, POLLIN, 0};
		int ready = poll(&p, 1, timeout_ms);
		if (ready < 0 && errno == EINTR)
			return -EINTR;
		if (ready < 0)
			return negative_errno();
		if (ready == 0)
			return -ETIMEDOUT;
		ssize_t n = recv(c->fd, c->buf + c->len, c->allocated - c->len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return negative_errno();
		if (n == 0)
			return -ECONNRESET;
		c->len += (size_t)n;
	}
}

const char *ctl_reply_error(json_object *reply)
{
	json_object *e;
	if (json_object_object_get_ex(reply, "error", &e) &&
	    json_object_is_type(e, json_type_string))
		return json_object_get_string(e);
	return NULL;
}

json_object *ctl_reply_parameters(json_object *reply)
{
	json_object *p;
	if (json_object_object_get_ex(reply, "parameters", &p) &&
	    json_object_is_type(p, json_type_object))
		return p;
	return NULL;
}

int ctl_simple_call(const CtlOptions *o, const char *method, int timeout_ms,
		    json_object **ret_reply)
{
	CtlConnection c = {.fd = -1};
	int r = ctl_connect(o->socket_path, &c);

	if (r < 0) {
		fprintf(stderr, "routeguardctl: cannot reach routeguardd at %s: %s\n",
			o->socket_path, strerror(-r));
		return r;
	}
	if ((r = ctl_call(&c, method, NULL, false)) < 0 ||
	    (r = ctl_read_reply(&c, timeout_ms, ret_reply)) < 0)
		fprintf(stderr, "routeguardctl: %s to %s failed: %s\n", method, o->socket_path,
			strerror(-r));
	ctl_disconnect(&c);
	return r;
}

int ctl_fetch_status(const CtlOptions *o, json_object **ret_reply, json_object **ret_status)
{
	int r = ctl_simple_call(o, "io.routeguard.GetStatus", STATUS_TIMEOUT_MS, ret_reply);
	if (r < 0)
		return r;
	const char *error = ctl_reply_error(*ret_reply);
	*ret_status = ctl_reply_parameters(*ret_reply);
	if (error || !*ret_status) {
		fprintf(stderr, "routeguardctl: routeguardd answered %s\n",
			error ? error : "nothing usable");
		return -EBADMSG;
	}
	return 0;
}

int ctl_explain_error(json_object *reply)
{
	const char *error = ctl_reply_error(reply);
	json_object *p = ctl_reply_parameters(reply), *message;

	if (!error)
		return EXIT_OK;
	if (strcmp(error, "io.routeguard.InvalidConfig") == 0 && p &&
	    json_object_object_get_ex(p, "message", &message)) {
		/* FILE:LINE:COLUMN: first, as the contract says. */
		fprintf(stderr, "%s\n", json_object_get_string(message));
		fprintf(stderr, "routeguardctl: the configuration was not reloaded; routeguardd "
				"keeps the previous one\n");
		return EXIT_USAGE;
	}
	if (strcmp(error, "io.routeguard.PermissionDenied") == 0) {
		fputs("routeguardctl: permission denied: this needs root (sudo routeguardctl …)\n",
		      stderr);
		return EXIT_RUNTIME;
	}
	fprintf(stderr, "routeguardctl: routeguardd answered %s\n", error);
	return EXIT_RUNTIME;
}
