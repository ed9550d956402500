/* SPDX-License-Identifier: MIT */
/*
 * Reading the packet filter into the firewall model, once: nf_tables by a netlink dump (preflight,
 * and the daemon's start and resyncs), legacy xtables through libiptc (preflight, and the daemon's
 * polls: xtables sends no events).
 */
#pragma once

#include <stdint.h>

#include "firewall.h"

/*
 * A consistent snapshot of nf_tables, as nft's own cache takes one: the ruleset generation, a dump
 * of tables, chains and rules, the generation again; a changed generation or an interrupted dump
 * (NLM_F_DUMP_INTR) starts over, up to a few times (then -EAGAIN). Replaces the model's nf_tables
 * part. ret_genid (may be NULL) is the generation the snapshot shows.
 */
_must_check_ int firewall_nft_read(Firewall *fw, uint32_t *ret_genid);

/*
 * The legacy tables listed in /proc/net/ip_tables_names and ip6_tables_names, through libiptc
 * (which needs CAP_NET_ADMIN and CAP_NET_RAW). Only listed tables are opened: iptc_init() of
 * another one would create it in the kernel. Replaces the model's legacy part. Returns the number
 * of tables read (0 on a node without legacy tables), or a negative errno; ret_failed_table (may
 * be NULL) names the table that failed.
 */
_must_check_ int firewall_legacy_read(Firewall *fw, const char **ret_failed_table);

/* How many legacy tables the kernel lists (both families), or a negative errno. */
int firewall_legacy_tables(void);
