/* SPDX-License-Identifier: MIT */
/* The state file (state.json in the state directory): the tracker's open findings and removals. */
#pragma once

typedef struct Daemon Daemon;

/* A missing or unreadable file is no error: the daemon starts without saved state. */
int daemon_load_state(Daemon *d);
/* Returns 0 or a negative errno, logged as a warning. */
int daemon_save_state(Daemon *d);
