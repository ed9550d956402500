/* SPDX-License-Identifier: MIT */
/*
 * Removing a firewall-leftovers chain: the chain (or native nftables table) its subject names, and
 * exactly the rules that jump or go to it. nf_tables: one batch transaction, all or nothing, for
 * every family holding it. Legacy xtables: one libiptc commit per table, which replaces the table
 * atomically. The model says what to delete; the kernel refuses a batch that no longer fits it.
 */
#pragma once

#include <stddef.h>

#include "firewall.h"

/*
 * subject: "TABLE/CHAIN", or TABLE followed by "/" and "*" for a native table. On success the model
 * forgets what was deleted (the kernel's events then change nothing). message describes what was
 * done, or what failed. Returns 0, or a negative errno (-ENOENT when the model holds nothing of the
 * subject).
 */
int fw_remove_leftover(Firewall *fw, const char *subject, char *message, size_t size);
