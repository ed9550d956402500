/* SPDX-License-Identifier: MIT */
/*
 * The control server (OpenBSD shape: init, listen, accept, dispatch, close). Non-blocking
 * throughout: a client that sends more than 64 KiB without a NUL, stays idle past 30 s, or does not
 * read its replies (more than 1 MiB queued) is disconnected; at most 256 clients. The daemon never
 * waits for a client.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <systemd/sd-event.h>

#include "varlink.h"

#define CONTROL_CLIENTS_MAX 256
#define CONTROL_IDLE_USEC (30 * 1000000ULL)
#define CONTROL_QUEUE_MAX (1024 * 1024)

typedef struct Control Control;

/* Called for each well-formed call; the handler answers with control_reply*(). */
typedef void (*ControlCallHandler)(Control *c, uint64_t client, uid_t uid, const VarlinkCall *call,
				   void *userdata);

/* Creates the socket at path (mode 0660, group routeguard when it exists). -EADDRINUSE when a live
 * daemon answers there: its socket is never taken over. */
_must_check_ int control_new(sd_event *event, const char *path, ControlCallHandler handler,
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

