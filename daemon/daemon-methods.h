/* SPDX-License-Identifier: MIT */
/* The control methods of DESIGN.md §6, served by daemon-methods.c. */
#pragma once

#include <stdint.h>
#include <sys/types.h>

#include "control.h"

typedef struct Daemon Daemon;

/* The method table for control_new(); each handler's userdata is the Daemon. */
extern const ControlMethod daemon_methods[];
/* Answers the Reconcile callers once the full sync they wait for has been evaluated. */
void daemon_answer_reconcile(Daemon *d);
