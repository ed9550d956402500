/* SPDX-License-Identifier: MIT */
/*
 * The node's packet-filter state, as far as leftovers need it: tables, chains, and the rules that
 * jump (or goto) to another chain, per backend. nf_tables (iptables-nft and native nft rulesets)
 * fills it from netlink messages (firewall-nft.c); legacy xtables from libiptc in the daemon.
 *
 * Rules without a jump are not kept: a kube-proxy node holds tens of thousands of rules, and what
 * the checks and the enforcer need is which rules refer to a chain, not what every rule matches.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "macro.h"

/* NFT_TABLE_MAXNAMELEN and NFT_CHAIN_MAXNAMELEN are 256 in the kernel; xtables' names are 32. */
#define FW_NAME_MAX 256

typedef enum FwBackend {
	FW_BACKEND_NFT,	   /* nf_tables: iptables-nft, nft */
	FW_BACKEND_LEGACY, /* xtables: iptables-legacy */
	_FW_BACKEND_MAX,
} FwBackend;

/* Whose chain (or native nft table) it is; the checks decide what that means on this node. */
typedef enum FwOwner {
	FW_OWNER_NONE, /* the kubelet's, Cilium's, the user's, the tools' built-ins: never touched
			*/
	FW_OWNER_FLANNEL,
	FW_OWNER_KUBE_ROUTER,
	FW_OWNER_KUBE_PROXY,
	FW_OWNER_PORTMAP,
	_FW_OWNER_MAX,
} FwOwner;

typedef struct FwTable {
	FwBackend backend;
	uint8_t family; /* NFPROTO_* (ip 2, ip6 10, inet 1, arp 3, bridge 7, netdev 5) */
	char name[FW_NAME_MAX];
	uint64_t handle;
	uint32_t generation;
} FwTable;

typedef struct FwChain {
	FwBackend backend;
	uint8_t family;
	char table[FW_NAME_MAX];
	char name[FW_NAME_MAX];
	uint64_t handle;
	bool base; /* hooked into the stack (INPUT, POSTROUTING, …): never a leftover by name */
	uint32_t generation;
} FwChain;

/* A rule that jumps or goes to another chain of its table. */
typedef struct FwRule {
	FwBackend backend;
	uint8_t family;
	char table[FW_NAME_MAX];
	char chain[FW_NAME_MAX]; /* the chain holding the rule */
	uint64_t handle;	 /* nf_tables' rule handle; legacy: 1-based position in its chain */
	char target[FW_NAME_MAX];
	bool is_goto;
	uint32_t generation;
} FwRule;

typedef struct Firewall Firewall;

_must_check_ int firewall_new(Firewall **ret);
Firewall *firewall_free(Firewall *fw);
DEFINE_TRIVIAL_CLEANUP_FUNC(Firewall *, firewall_free);

/* Mark and sweep per backend: what is added or updated after begin is "seen"; sweep drops the
 * rest of that backend and returns how many objects went. */
void firewall_begin_sync(Firewall *fw, FwBackend backend);
size_t firewall_sweep(Firewall *fw, FwBackend backend);

/* Add or update; each returns 1 when the model changed, 0 when it already held it, or -ENOMEM. */
_must_check_ int firewall_add_table(Firewall *fw, FwBackend backend, uint8_t family,
				    const char *name, uint64_t handle);
_must_check_ int firewall_add_chain(Firewall *fw, const FwChain *chain);
_must_check_ int firewall_add_rule(Firewall *fw, const FwRule *rule);
/* Remove; a table takes its chains and rules, a chain its rules. Return 1 removed, 0 unknown. */
int firewall_del_table(Firewall *fw, FwBackend backend, uint8_t family, const char *name);
int firewall_del_chain(Firewall *fw, FwBackend backend, uint8_t family, const char *table,
		       const char *name);
int firewall_del_rule(Firewall *fw, FwBackend backend, uint8_t family, const char *table,
		      const char *chain, uint64_t handle);
/* Drops everything of one backend (the legacy tables are read whole). */
void firewall_clear(Firewall *fw, FwBackend backend);

const FwTable *firewall_tables(const Firewall *fw, size_t *ret_n);
const FwChain *firewall_chains(const Firewall *fw, size_t *ret_n);
const FwRule *firewall_rules(const Firewall *fw, size_t *ret_n);
/* Rules of the same backend, family and table that jump or go to the chain. */
size_t firewall_jumps_to(const Firewall *fw, const FwChain *chain);

/* The owner of an iptables-style chain by its name ("FLANNEL-POSTRTG", "KUBE-SVC-…"). */
FwOwner firewall_chain_owner(const char *chain);
/* The owner of a native nf_tables table ("flannel-ipv4", "kube-proxy", "cni_hostport"). */
FwOwner firewall_table_owner(const char *table);
/* Whether a table of this family and name is one iptables-nft (or arptables/ebtables-nft)
 * writes: its chains are judged by name, not the table as a whole. */
bool firewall_table_is_xtables(uint8_t family, const char *table);

const char *fw_backend_to_string(FwBackend b);	 /* "nf_tables", "legacy xtables" */
const char *fw_family_to_string(uint8_t family); /* "ip", "ip6", "inet", … */
const char *fw_owner_to_string(FwOwner o);	 /* "Flannel", "kube-router", … */
