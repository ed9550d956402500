/* SPDX-License-Identifier: MIT */
/* Moving CNI files into the quarantine, by a thread of its own so a slow move never stalls the
 * loop. */
#pragma once

typedef struct Daemon Daemon;
typedef struct Finding Finding;

/*
 * Starts moving f's file (or host-local IPAM directory) into the quarantine; its result (moved,
 * failed, changed since evaluated) is announced from the loop when the move ends. One move at a
 * time: while one runs, other files wait for the evaluation its end schedules.
 */
void daemon_quarantine(Daemon *d, const Finding *f);

/* At exit: a move still running keeps what it uses and frees it itself. */
void daemon_quarantine_abandon(Daemon *d);
