/* SPDX-License-Identifier: MIT */
/* Enforcement: the enforce policy's steps carried out, their results announced. */
#pragma once

#include <stdint.h>

#include "checktable.h"
#include "netstate.h"

typedef struct Daemon Daemon;
typedef struct Enforcer Enforcer;
typedef struct EnforcerResult EnforcerResult;
typedef struct Verdict Verdict;

/* Sends the deletes and moves the files v asks for; does nothing in observe mode. */
void daemon_enforce(Daemon *d, const Verdict *v);
/* A link just appeared, as its notification says (the model does not have it yet): deletes it at
 * once when the coming evaluation would (reaction at the kernel's floor); the evaluation then
 * finds the delete pending. */
void daemon_enforce_new_link(Daemon *d, const Link *link);
/* The enforcer's completion (EnforcerDone): a delete was acknowledged or refused. */
void daemon_on_removed(Enforcer *e, const EnforcerResult *result, void *userdata);
/* The enforcer's last question before a delete goes out (EnforcerMaySend). */
int daemon_may_send(Enforcer *e, uint32_t ifindex, const char *name, void *userdata);
