/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "control.h"
#include "log.h"
#include "timeutil.h"

typedef struct Control Control;

typedef struct Client {
	Control *control;
	uint64_t id;
	int fd;
	uid_t uid;
	bool monitor;
	bool waiting; /* a call is being answered later (Reconcile) */
	sd_event_source *io;
	sd_event_source *idle;
	char *in;
	size_t in_len;
	char *out;
	size_t out_len;
	size_t out_allocated;
	struct Client *next;
} Client;

struct Control {
	sd_event *event;
	char *path;
	int fd;
	sd_event_source *io;
	const ControlMethod *methods;
	void *userdata;
	Client *clients;
	size_t n_clients;
	uint64_t next_id;
};

static Client *client_by_id(Control *c, uint64_t id)
{
	for (Client *cl = c->clients; cl; cl = cl->next)
		if (cl->id == id)
			return cl;
	return NULL;
}

static void client_close(Control *c, Client *cl)
{
	for (Client **p = &c->clients; *p; p = &(*p)->next)
		if (*p == cl) {
			*p = cl->next;
			break;
		}
	c->n_clients--;
	sd_event_source_disable_unref(cl->io);
	sd_event_source_disable_unref(cl->idle);
	close(cl->fd);
	free(cl->in);
	free(cl->out);
	free(cl);
}

static void arm_idle(Client *cl)
{
	/* Subscribers and clients awaiting an answer are not idle: they wait for us. */
	if (cl->monitor || cl->waiting) {
		(void)sd_event_source_set_enabled(cl->idle, SD_EVENT_OFF);
		return;
	}
	(void)sd_event_source_set_time(cl->idle, now_usec(CLOCK_MONOTONIC) + CONTROL_IDLE_USEC);
	(void)sd_event_source_set_enabled(cl->idle, SD_EVENT_ONESHOT);
}

/* Writes what is queued; returns -EPIPE when the client is gone. */
static int flush(Client *cl)
{
	size_t sent = 0;
	while (sent < cl->out_len) {
		ssize_t n =
		    send(cl->fd, cl->out + sent, cl->out_len - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			return -EPIPE;
		}
		sent += (size_t)n;
	}
	memmove(cl->out, cl->out + sent, cl->out_len - sent);
	cl->out_len -= sent;
	(void)sd_event_source_set_io_events(cl->io, EPOLLIN | (cl->out_len ? EPOLLOUT : 0));
	return 0;
}

/*
 * Queues bytes for a client. The limit bounds what piles up unread, not one message: a reply of
 * any size joins an empty queue, so a client that reads gets it whole (issue 13: a status over
 * 1 MiB dropped every caller); a client that stops reading while more is queued is dropped.
 */
static void client_send(Control *c, Client *cl, const char *bytes, size_t len)
{
	if (cl->out_len > 0 && cl->out_len + len > CONTROL_QUEUE_MAX) {
		log_warning("Control client %llu does not read its replies (%zu bytes queued), "
			    "disconnecting",
			    (unsigned long long)cl->id, cl->out_len);
		client_close(c, cl);
		return;
	}
	if (cl->out_len + len > cl->out_allocated) {
		size_t n = cl->out_allocated ? cl->out_allocated : 4096;
		while (n < cl->out_len + len)
			n *= 2;
		char *grown = realloc(cl->out, n);
		if (!grown) {
			client_close(c, cl);
			return;
		}
		cl->out = grown;
		cl->out_allocated = n;
	}
	memcpy(cl->out + cl->out_len, bytes, len);
	cl->out_len += len;
	if (flush(cl) < 0)
		client_close(c, cl);
}

/* Sends a reply or an error built from parameters (taken); a client gone meanwhile is no error. */
static void send_built(Control *c, uint64_t client, const char *error, json_object *parameters,
		       bool continues)
{
	Client *cl = client_by_id(c, client);
	_cleanup_free_ char *bytes = NULL;
	size_t len;

	if (!cl) {
		json_object_put(parameters);
		return;
	}
	int r = error ? varlink_error(error, parameters, &bytes, &len)
		      : varlink_reply(parameters, continues, &bytes, &len);
	if (r >= 0)
		client_send(c, cl, bytes, len);
}

void control_reply(Control *c, uint64_t client, json_object *parameters, bool continues)
{
	send_built(c, client, NULL, parameters, continues);
}

void control_reply_error(Control *c, uint64_t client, const char *error, json_object *parameters)
{
	send_built(c, client, error, parameters, false);
}

void control_send_framed(Control *c, uint64_t client, const char *bytes, size_t len)
{
	Client *cl = client_by_id(c, client);
	if (cl)
		client_send(c, cl, bytes, len);
}

void control_set_monitor(Control *c, uint64_t client)
{
	Client *cl = client_by_id(c, client);
	if (cl) {
		cl->monitor = true;
		arm_idle(cl);
	}
}

void control_set_waiting(Control *c, uint64_t client, bool waiting)
{
	Client *cl = client_by_id(c, client);
	if (cl) {
		cl->waiting = waiting;
		arm_idle(cl);
	}
}

void control_broadcast(Control *c, json_object *parameters)
{
	_cleanup_free_ char *bytes = NULL;
	size_t len;

	if (varlink_reply(parameters, true, &bytes, &len) < 0)
		return;
	for (Client *cl = c->clients, *next; cl; cl = next) {
		next = cl->next; /* client_send may close cl */
		if (cl->monitor)
			client_send(c, cl, bytes, len);
	}
}

static const ControlMethod *method_find(const Control *c, const char *name)
{
	for (const ControlMethod *m = c->methods; m->method; m++)
		if (strcmp(m->method, name) == 0)
			return m;
	return NULL;
}

static void dispatch(Control *c, Client *cl, const char *text, size_t len)
{
	VarlinkCall call;
	const char *problem;
	uint64_t id = cl->id;

	int r = varlink_call_parse(text, len, &call, &problem);
	if (r == -ENOMEM)
		return;
	if (r < 0) {
		json_object *p = json_object_new_object();
		json_object_object_add(p, "parameter", json_object_new_string(problem));
		control_reply_error(c, id, "org.varlink.service.InvalidParameter", p);
		return;
	}
	const ControlMethod *m = method_find(c, call.method);
	bool root_only = m && m->flags & CONTROL_METHOD_ROOT;
	if (call.oneway && !root_only) {
		/* No reply wanted, and a reply is all these methods give. A root-only method acts:
		 * it still runs, or is refused. */
	} else if (root_only && cl->uid != 0) {
		control_reply_error(c, id, "io.routeguard.PermissionDenied", NULL);
	} else if (!m) {
		json_object *p = json_object_new_object();
		json_object_object_add(p, "method", json_object_new_string(call.method));
		control_reply_error(c, id, "org.varlink.service.MethodNotFound", p);
	} else {
		m->handler(c, id, &call, c->userdata);
	}
	varlink_call_clear(&call);
}

static int on_client_io(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	Client *cl = userdata;
	Control *c = cl->control;

	if (revents & EPOLLOUT && flush(cl) < 0) {
		client_close(c, cl);
		return 0;
	}
	if (!(revents & (EPOLLIN | EPOLLHUP | EPOLLERR)))
		return 0;
	if (!cl->in && !(cl->in = malloc(VARLINK_MESSAGE_MAX + 1))) {
		client_close(c, cl);
		return 0;
	}
	ssize_t n =
	    recv(fd, cl->in + cl->in_len, VARLINK_MESSAGE_MAX + 1 - cl->in_len, MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n <= 0) {
		client_close(c, cl);
		return 0;
	}
	cl->in_len += (size_t)n;
	uint64_t id = cl->id;
	bool complete = false;
	/* Every complete message; the client may go away while one is answered. */
	for (;;) {
		cl = client_by_id(c, id);
		if (!cl)
			return 0;
		char *nul = memchr(cl->in, '\0', cl->in_len);
		if (!nul)
			break;
		size_t len = (size_t)(nul - cl->in);
		char *copy = malloc(len + 1);
		if (!copy) {
			client_close(c, cl);
			return 0;
		}
		memcpy(copy, cl->in, len + 1);
		memmove(cl->in, nul + 1, cl->in_len - len - 1);
		cl->in_len -= len + 1;
		complete = true;
		dispatch(c, cl, copy, len);
		free(copy);
	}
	if (cl->in_len > VARLINK_MESSAGE_MAX) {
		log_warning("Control client %llu sent more than %d bytes without a message end, "
			    "disconnecting",
			    (unsigned long long)cl->id, VARLINK_MESSAGE_MAX);
		client_close(c, cl);
		return 0;
	}
	/* The idle time counts from the last complete message, not the last byte: a byte every 10 s
	 * (slowloris) would otherwise hold a slot for ever (issue 13). */
	if (complete)
		arm_idle(cl);
	return 0;
}

static int on_client_idle(sd_event_source *s, uint64_t usec, void *userdata)
{
	Control *c = userdata;
	for (Client *cl = c->clients; cl; cl = cl->next)
		if (cl->idle == s) {
			log_debug("Control client %llu idle for 30 s, disconnecting",
				  (unsigned long long)cl->id);
			client_close(c, cl);
			break;
		}
	return 0;
}

/*
 * Whether a new client of uid fits: at most CONTROL_CLIENTS_MAX in all; as systemd's varlink
 * server, at most CONTROL_CLIENTS_PER_UID_MAX of one uid; and root's reserve, which no other uid
 * may take, so 256 idle clients of one user cannot lock root's GetStatus or Reconcile out.
 */
static bool client_allowed(const Control *c, uid_t uid)
{
	size_t same = 0, others = 0;

	if (c->n_clients >= CONTROL_CLIENTS_MAX)
		return false;
	if (uid == 0)
		return true;
	for (const Client *cl = c->clients; cl; cl = cl->next) {
		same += cl->uid == uid;
		others += cl->uid != 0;
	}
	if (same >= CONTROL_CLIENTS_PER_UID_MAX) {
		log_debug("Control client of uid %u refused: it has %zu connections", (unsigned)uid,
			  same);
		return false;
	}
	return others < CONTROL_CLIENTS_MAX - CONTROL_CLIENTS_ROOT_RESERVED;
}

static int on_accept(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	Control *c = userdata;

	for (;;) {
		int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (cfd < 0) {
			if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
				log_warning_errno(errno, "accept() on the control socket failed");
			return 0;
		}
		struct ucred cred;
		socklen_t len = sizeof(cred);
		if (getsockopt(cfd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 ||
		    !client_allowed(c, cred.uid)) {
			close(cfd); /* the limits protect the daemon; the client may retry */
			continue;
		}
		Client *cl = calloc(1, sizeof(*cl));
		if (!cl) {
			close(cfd);
			continue;
		}
		cl->control = c;
		cl->id = ++c->next_id;
		cl->fd = cfd;
		cl->uid = cred.uid;
		if (sd_event_add_io(c->event, &cl->io, cfd, EPOLLIN, on_client_io, cl) < 0 ||
		    sd_event_add_time(c->event, &cl->idle, CLOCK_MONOTONIC, 0, 100000,
				      on_client_idle, c) < 0) {
			sd_event_source_disable_unref(cl->io);
			free(cl);
			close(cfd);
			continue;
		}
		cl->next = c->clients;
		c->clients = cl;
		c->n_clients++;
		arm_idle(cl);
	}
}

/* Refuses to take the socket of a daemon that still answers; removes a dead one's. */
static int claim_path(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	_cleanup_close_ int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct stat st;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : negative_errno();
	if (!S_ISSOCK(st.st_mode))
		return -EEXIST;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (probe >= 0 && connect(probe, (struct sockaddr *)&sa, sizeof(sa)) == 0)
		return -EADDRINUSE;
	if (unlink(path) < 0 && errno != ENOENT)
		return negative_errno();
	return 0;
}

/*
 * Refuses a socket directory that anyone but root (or our own uid) may write to, and such a
 * directory anywhere above it unless sticky (/tmp): there, a user could swap the new socket for a
 * symlink between bind() and chown(), and the chown would land on the link's target (issue 13).
 * lstat: a symlinked directory on the way is judged by its own owner, not by its target's.
 */
static int check_socket_dir(const char *path)
{
	_cleanup_free_ char *cwd = path[0] == '/' ? NULL : getcwd(NULL, 0), *dir = NULL;
	bool parent = true;

	if (path[0] != '/' && !cwd)
		return negative_errno();
	if (asprintf(&dir, "%s%s%s", cwd ? cwd : "", cwd ? "/" : "", path) < 0)
		return -ENOMEM;
	for (char *slash; (slash = strrchr(dir, '/')); parent = false) {
		struct stat st;
		if (slash == dir)
			slash[1] = '\0'; /* "/" itself */
		else
			*slash = '\0';
		if (lstat(dir, &st) < 0)
			return negative_errno();
		bool owner_ok = st.st_uid == 0 || st.st_uid == geteuid();
		bool others_write = st.st_mode & (S_IWGRP | S_IWOTH);
		if (S_ISDIR(st.st_mode) &&
		    (!owner_ok || (others_write && (parent || !(st.st_mode & S_ISVTX))))) {
			log_error("%s is %s by uid %u, mode %04o: the control socket needs a "
				  "directory only root may write to",
				  dir, others_write ? "writable by others and owned" : "owned",
				  (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777));
			return -EPERM;
		}
		if (slash == dir)
			break;
	}
	return 0;
}

int control_new(sd_event *event, const char *path, const ControlMethod *methods, void *userdata,
		Control **ret)
{
	_cleanup_(control_freep) Control *c = calloc(1, sizeof(*c));
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int r;

	if (!c)
		return -ENOMEM;
	c->fd = -1;
	c->event = sd_event_ref(event);
	c->methods = methods;
	c->userdata = userdata;
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	if ((r = check_socket_dir(path)) < 0 || (r = claim_path(path)) < 0)
		return r;
	if (!(c->path = strdup(path)))
		return -ENOMEM;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		return negative_errno();
	/* The umask gives the socket its final mode 0660 at bind(): no window in which others may
	 * connect, and no chmod() by path that a symlink could redirect. */
	mode_t old = umask(0117);
	r = bind(c->fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (r < 0)
		return negative_errno();
	/* By path, but never through a symlink: at worst a swapped-in link changes group. */
	struct group *g = getgrnam("routeguard");
	if (g && fchownat(AT_FDCWD, path, 0, g->gr_gid, AT_SYMLINK_NOFOLLOW) < 0)
		log_warning_errno(errno, "Failed to give %s to group routeguard", path);
	/* A backlog beyond the client limit: a burst of connects waits for accept(), not EAGAIN. */
	if (listen(c->fd, 2 * CONTROL_CLIENTS_MAX) < 0)
		return negative_errno();
	if ((r = sd_event_add_io(event, &c->io, c->fd, EPOLLIN, on_accept, c)) < 0)
		return r;
	*ret = TAKE_PTR(c);
	return 0;
}

Control *control_free(Control *c)
{
	if (!c)
		return NULL;
	while (c->clients)
		client_close(c, c->clients);
	sd_event_source_disable_unref(c->io);
	if (c->fd >= 0)
		close(c->fd);
	if (c->path)
		(void)unlink(c->path);
	free(c->path);
	sd_event_unref(c->event);
	free(c);
	return NULL;
}
