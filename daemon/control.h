/* SPDX-License-Identifier: MIT */
/*
 * The control server (OpenBSD shape: init, listen, accept, dispatch, close). Non-blocking
 * throughout: a client that sends more than 64 KiB without a NUL, sends no complete message for
 * 30 s, or does not read its replies (more than 1 MiB queued behind one) is disconnected; at most
 * 256 clients, 64 of one uid, 16 kept for root. The daemon never waits for a client.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <systemd/sd-event.h>

#include "varlink.h"

#define CONTROL_CLIENTS_MAX 256
/* One uid's share, a quarter as in systemd's varlink server (1024 of 4096). */
#define CONTROL_CLIENTS_PER_UID_MAX 64
/* Slots only uid 0 may take: root's GetStatus, Reconcile and `routeguardctl ready` always get in.
 */
#define CONTROL_CLIENTS_ROOT_RESERVED 16
#define CONTROL_IDLE_USEC (30 * 1000000ULL)
#define CONTROL_QUEUE_MAX (1024 * 1024)

typedef struct Control Control;

typedef enum ControlMethodFlags {
	/* uid 0 only (SO_PEERCRED): the methods that change what the daemon does. */
	CONTROL_METHOD_ROOT = 1 << 0,
} ControlMethodFlags;

/* Answers a well-formed call with control_reply*(), now or later. */
typedef void (*ControlMethodHandler)(Control *c, uint64_t client, const VarlinkCall *call,
				     void *userdata);

/* One row of the method table, as networkd binds its varlink methods. The server looks the call
 * up, refuses a root-only method to anyone else with io.routeguard.PermissionDenied, answers an
 * unknown one with org.varlink.service.MethodNotFound, and hands the rest to the handler. */
typedef struct ControlMethod {
	const char *method;
	ControlMethodHandler handler;
	ControlMethodFlags flags;
} ControlMethod;

/* Creates the socket at path (mode 0660, group routeguard when it exists) answering the methods
 * of a table ended by an empty row, which must outlive the server. -EADDRINUSE when a live daemon
 * answers there: its socket is never taken over. */
_must_check_ int control_new(sd_event *event, const char *path, const ControlMethod *methods,
			     void *userdata, Control **ret);
Control *control_free(Control *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(Control *, control_free);

/* Replies to a client by id; a client gone meanwhile is no error. Take parameters. */
void control_reply(Control *c, uint64_t client, json_object *parameters, bool continues);
void control_reply_error(Control *c, uint64_t client, const char *error, json_object *parameters);
/* Sends an already framed message (its NUL included), e.g. a cached reply. */
void control_send_framed(Control *c, uint64_t client, const char *bytes, size_t len);

/* Marks a client as a Monitor subscriber (not idle-limited) or as waiting for an answer. */
void control_set_monitor(Control *c, uint64_t client);
void control_set_waiting(Control *c, uint64_t client, bool waiting);
/* Sends parameters, with continues, to every Monitor subscriber. Takes parameters. */
void control_broadcast(Control *c, json_object *parameters);
