/* SPDX-License-Identifier: MIT */
/* The control methods of DESIGN.md §6, served by daemon-methods.c. */
#pragma once

#include <stdint.h>
#include <sys/types.h>

#include "control.h"

typedef struct Daemon Daemon;

/* Control's call handler; userdata is the Daemon. */
void daemon_on_call(Control *c, uint64_t client, uid_t uid, const VarlinkCall *call,
		    void *userdata);
/* Answers the Reconcile callers once the full sync they wait for has been evaluated. */
void daemon_answer_reconcile(Daemon *d);
