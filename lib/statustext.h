/* SPDX-License-Identifier: MIT */
/*
 * The STATUS= line `systemctl status routeguard` shows: readiness in a few words, then the
 * mirror's counts. "ready; 12 links, …" or "not ready: 2 errors (flannel-device flannel.1, …); …".
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "checks.h"

/* systemd keeps STATUS= short; the daemon's line fits in this and is cut, never overrun, past it.
 */
#define STATUS_TEXT_MAX 512

typedef struct StatusTextCounts {
	size_t links;
	size_t routes_kept;
	uint64_t routes_seen;
	uint64_t overruns;
	uint64_t resyncs;
} StatusTextCounts;

/* Writes the line into buf (always NUL-terminated, cut at size). Names at most two errors. */
void status_text_format(const Verdict *v, const StatusTextCounts *counts, char *buf, size_t size);
