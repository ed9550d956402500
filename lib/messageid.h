/* SPDX-License-Identifier: MIT */
/*
 * One fixed journald MESSAGE_ID per check and transition, so `journalctl MESSAGE_ID=…` finds every
 * time a check opened on any node, and `journalctl -x` explains it from systemd/routeguard.catalog.
 * The ids live in the check table (checktable.c); never change one once released, add new ones.
 */
#pragma once

#include "checktable.h"

/* 32 hex digits, or NULL for a check or transition outside the table. */
const char *message_id(CheckId check, Transition t);
const char *transition_to_string(Transition t);
