/* SPDX-License-Identifier: MIT */
/*
 * evaluate(): the node against the desired state. Pure and deterministic: no I/O, no clock (the
 * caller passes the time in History), findings in a stable order. This is where routeguard's
 * knowledge of Flannel, Cilium, K3s and Hetzner lives (DESIGN.md §5, DOMAIN.md).
 */
#pragma once

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "checktable.h"
#include "config.h"
#include "hostfacts.h"
#include "netstate.h"
#include "phase.h"

typedef enum Action {
	ACTION_NONE,
	ACTION_REMOVED,
	ACTION_QUARANTINED,
	ACTION_PENDING, /* a bridge that still has ports waits for the pods to drain */
	ACTION_BACKOFF, /* recreated too often: removal stopped for the window */
	ACTION_FAILED,
} Action;

/* What the enforcer may do about a finding, in enforce mode. */
typedef enum Remediation {
	REMEDIATION_ALERT_ONLY,
	REMEDIATION_REMOVE_DEVICE,
	REMEDIATION_QUARANTINE_FILE,
	REMEDIATION_REMOVE_CHAIN, /* a firewall-leftovers chain (or native table) firewall.remove
				     names */
} Remediation;

typedef struct Finding {
	CheckId check;
	Severity severity; /* the check's default, or what the configuration makes it */
	char *subject;
	char *message;
	char *remedy;
	Action action;
	Remediation remediation;
	uint32_t ifindex; /* for devices */
} Finding;

#define REMOVAL_NAME_MAX 128

/* When each device name (or firewall-leftovers subject, TABLE/CHAIN) was removed, for the
 * recreate limit. */
typedef struct RemovalHistory {
	char name[REMOVAL_NAME_MAX];
	uint64_t *times_usec; /* CLOCK_REALTIME, oldest first */
	size_t n_times;
} RemovalHistory;

typedef struct History {
	uint64_t now_usec;
	const RemovalHistory *removals;
	size_t n_removals;
} History;

typedef struct Verdict {
	Finding *findings;
	size_t n_findings;
	size_t n_errors;
	size_t n_warnings;
	bool ready;

	char native_device[IFNAMSIZ]; /* "" when none was found */
	uint32_t native_ifindex;
	/* "configured", "route to the first peer", "default route" */
	const char *native_device_how;
	size_t n_peers_onlink; /* of config->n_peers */
	K3sRole k3s_role;

	/* Cilium's routing mode and where it was read (DESIGN.md §6 "cilium") */
	CiliumRoutingMode cilium_routing_mode;
	const char *cilium_source; /* "agent", "config-map", "devices", "none" */
	const char *cilium_agent;  /* "running", "failing", "absent" */
	const char *cilium_api;	   /* the agent's API: "reachable", "unreachable", "not-asked" */
	PhaseFacts phase;	   /* its Link pointers point into the NetState evaluated */
} Verdict;

Verdict *verdict_free(Verdict *v);
DEFINE_TRIVIAL_CLEANUP_FUNC(Verdict *, verdict_free);

_must_check_ int evaluate(const Config *c, const NetState *ns, const HostFacts *h,
			  const History *history, Verdict **ret);

/* Removals of name within the recreate window ending at history->now_usec. */
size_t history_recent_removals(const History *history, const char *name, uint64_t window_usec);

const char *action_to_string(Action a);
