/* SPDX-License-Identifier: MIT */
/*
 * The Cilium agent's API, asked from the event loop: GET /v1/healthz, then GET /v1/config, over
 * the agent's Unix socket with libcurl's multi-socket interface driven by sd-event. Never blocks:
 * libcurl tells which sockets to watch and when to wake it, and each request has 2 s and a body
 * cap. A query asked while one runs is run once more after it.
 */
#pragma once

#include <systemd/sd-event.h>

#include "cilium.h"

typedef struct CiliumClient CiliumClient;

/* A query ended: reach is REACHED with view filled, or UNREACHABLE (view empty), or NOT_ASKED
 * when the socket is not there. The view is the callee's to keep (cilium_agent_view_clear). */
typedef void (*CiliumClientDone)(CiliumClient *c, CiliumAgentReach reach, CiliumAgentView *view,
				 void *userdata);

_must_check_ int cilium_client_new(sd_event *event, CiliumClientDone done, void *userdata,
				   CiliumClient **ret);
CiliumClient *cilium_client_free(CiliumClient *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(CiliumClient *, cilium_client_free);

/* Asks the agent at socket_path; "" or NULL reports NOT_ASKED at once (from the loop). */
void cilium_client_query(CiliumClient *c, const char *socket_path);
/* Whether a query is under way (tests, the debug dump). */
bool cilium_client_busy(const CiliumClient *c);
