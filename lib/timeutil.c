/* SPDX-License-Identifier: MIT */
#include "timeutil.h"

uint64_t now_usec(clockid_t clock)
{
	struct timespec ts;

	/* Cannot fail for the clocks routeguard reads: both exist on every kernel it runs on. */
	(void)clock_gettime(clock, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}
