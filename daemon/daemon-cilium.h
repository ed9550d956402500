/* SPDX-License-Identifier: MIT */
/*
 * Cilium as the daemon keeps it: the agent's API asked through the event loop, its configuration
 * directory and its pod's logs re-read, on these triggers: start, a cilium_* link appearing or
 * going, the socket appearing (inotify on its directory), the configuration directory's ..data
 * swap and a new log (inotify), Reconcile, a Reload, and every cilium.poll-interval.
 */
#pragma once

#include "cilium.h"
#include "macro.h"

typedef struct Daemon Daemon;

_must_check_ int daemon_cilium_new(Daemon *d);
void daemon_cilium_free(Daemon *d);
/* Ask the agent again and re-read the files (Reconcile, the timer, the watches). */
void daemon_cilium_refresh(Daemon *d);
/* The configuration changed: new paths to watch, then a refresh. */
void daemon_cilium_reload(Daemon *d);
/* Before each evaluation: a cilium_* link that came or went asks for a refresh. */
void daemon_cilium_links_seen(Daemon *d);
/* What evaluate() reads (HostFacts.cilium); never NULL once daemon_cilium_new succeeded. */
const CiliumFacts *daemon_cilium_facts(Daemon *d);
