/* SPDX-License-Identifier: MIT */
/*
 * The exit codes of routeguardd and routeguardctl (DESIGN.md §7). Scripts, readiness probes and
 * node-problem-detector read them, so both programs take them from here and nowhere else.
 */
#pragma once

typedef enum ExitCode {
	EXIT_OK = 0,
	/* The verdict verbs (status, ready, reconcile, preflight) say "ready" with success. */
	EXIT_READY = EXIT_OK,
	EXIT_NOT_READY = 1,
	/* A bad command line or configuration: running again unchanged would fail again. */
	EXIT_USAGE = 2,
	/* `ready` without an answer: node-problem-detector reads 2 as "unknown". */
	EXIT_UNKNOWN = 2,
	/* Anything that went wrong while running, including a permission the daemon denied. */
	EXIT_RUNTIME = 3,
} ExitCode;
