/* SPDX-License-Identifier: MIT */
/* The host's files, read by a thread of their own so a slow one never stalls the loop. */
#pragma once

#include <stdbool.h>

#include "config.h"

typedef struct Daemon Daemon;

/*
 * Whether evaluation may use d->hostfacts now. Stale facts start a load in the thread and wait
 * for it, up to DAEMON_HOSTFACTS_WAIT_USEC: its end schedules the evaluation. A load that takes
 * longer lets evaluation go on with the facts it has (none before the first load: no verdict).
 */
bool daemon_hostfacts_ready(Daemon *d);

/* Frees the configuration a Reload replaced, or hands it to the load still reading it. */
void daemon_hostfacts_retire_config(Daemon *d, Config *old);

/* At exit: a load still running keeps what it reads, d->config included, and frees it itself. */
void daemon_hostfacts_abandon(Daemon *d);
