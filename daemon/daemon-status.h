/* SPDX-License-Identifier: MIT */
/* The status view: the object GetStatus returns, its cached reply, and the STATUS= line. */
#pragma once

#include <json-c/json.h>

#include "macro.h"
#include "status.h"

typedef struct Daemon Daemon;

/* Something the status object shows changed: the cached GetStatus reply is stale. */
void daemon_status_changed(Daemon *d);
/* The inputs of the status object and the metrics, as of now. */
void daemon_status_input(Daemon *d, StatusInput *in);
_must_check_ int daemon_status(Daemon *d, json_object **ret);
/* Sends STATUS= for systemctl status. */
void daemon_status_notify(Daemon *d);
