/* SPDX-License-Identifier: MIT */
/* The clocks in microseconds, the unit sd-event, the status object and the state file count in. */
#pragma once

#include <stdint.h>
#include <time.h>

/* CLOCK_MONOTONIC for timers; CLOCK_REALTIME for times that people and the state file read. */
uint64_t now_usec(clockid_t clock);
