/* SPDX-License-Identifier: MIT */
/*
 * Every check routeguard knows, in one table: its stable name (DESIGN.md §5), whether it is a
 * finding or an alert, its default severity, what its subject names, and its journald MESSAGE_IDs.
 * evaluate(), the alerts, the status object, the metrics, the tracker and the enforcer read it, and
 * a test holds systemd/routeguard.catalog and the README's checks table to it. Adding a check is a
 * row here, its evaluate function in checks.c, and its tests.
 */
#pragma once

#include <errno.h>
#include <stdbool.h>

typedef enum CheckId {
	CHECK_FLANNEL_DEVICE,
	CHECK_TUNNEL_DEVICE,
	CHECK_CILIUM_TUNNEL_MODE,
	CHECK_ROUTE_VIA_TUNNEL,
	CHECK_NEXTHOP_NOT_ONLINK,
	CHECK_NATIVE_DEVICE_MISSING,
	CHECK_K3S_FLANNEL_ENABLED,
	CHECK_K3S_NETWORK_POLICY_ENABLED,
	CHECK_K3S_KUBE_PROXY_ENABLED,
	CHECK_CLUSTER_CIDR_MISMATCH,
	CHECK_CNI_CONFLIST_CONFLICT,
	CHECK_IP_FORWARD_DISABLED,
	CHECK_MTU_MISMATCH,
	CHECK_DEVICE_RECREATED,
	CHECK_NETWORKD_FOREIGN_ROUTES,
	CHECK_K3S_CONFIG_INVALID,
	CHECK_CONFIG_RELOAD_FAILED,
	CHECK_CILIUM_AGENT_FAILING,
	CHECK_CILIUM_CONFIG_MISMATCH,
	CHECK_FIREWALL_LEFTOVERS,
	CHECK_VXLAN_PORT_CONFLICT,
	CHECK_CNI_IPAM_LEFTOVERS,
	_CHECK_MAX,
	_CHECK_INVALID = -EINVAL,
} CheckId;

typedef enum CheckKind {
	CHECK_KIND_FINDING, /* raised by evaluate(): opens, resolves, counted in the metrics */
	CHECK_KIND_ALERT,   /* an event of the daemon's own, alerted when it happens: never open */
} CheckKind;

typedef enum Severity {
	SEVERITY_WARNING, /* does not block readiness */
	SEVERITY_ERROR,
} Severity;

/* What a finding's subject names (DESIGN.md §5). */
typedef enum SubjectKind {
	SUBJECT_DEVICE,	 /* a network device: flannel.1; journald gets INTERFACE= for it */
	SUBJECT_ROUTE,	 /* a route's destination: 10.42.1.0/24 */
	SUBJECT_PEER,	 /* a peer's address, or the destination of a pod route through a gateway */
	SUBJECT_SETTING, /* a routeguard.yaml value that names nothing on the node: native-device */
	SUBJECT_KEY,	 /* a K3s configuration key: flannel-backend */
	SUBJECT_FILE,	 /* a file's full path */
	SUBJECT_SYSCTL,	 /* net.ipv4.ip_forward */
	/* what shows Cilium's state: cilium-agent, a key of its configuration (routing-mode), or
	 * its device (cilium_vxlan), by the evidence at hand */
	SUBJECT_CILIUM,
	SUBJECT_CHAIN, /* a packet-filter chain as TABLE/CHAIN: nat/FLANNEL-POSTRTG */
} SubjectKind;

/* The journald transitions of a check, each with its own MESSAGE_ID. */
typedef enum Transition {
	TRANSITION_OPENED,
	TRANSITION_RESOLVED,
	TRANSITION_ACTION, /* routeguard acted: removed, quarantined, failed, … */
	_TRANSITION_MAX,
} Transition;

typedef struct CheckInfo {
	const char *name; /* the stable id: status JSON, metrics, state file, ROUTEGUARD_CHECK= */
	CheckKind kind;
	Severity severity; /* with the default configuration; evaluate() may lower it */
	SubjectKind subject;
	/* 32 hex digits each; never change one once released (catalog, queries): add a new row. */
	const char *message_ids[_TRANSITION_MAX];
} CheckInfo;

/* The row of a check; NULL for an id outside the table. */
const CheckInfo *check_info(CheckId id);
/* The stable name, or NULL for an id outside the table. */
const char *check_to_string(CheckId id);
/* The check of a stable name, or _CHECK_INVALID. */
CheckId check_from_string(const char *name);
/* Whether the subject is a network device (for journald's INTERFACE= field). */
bool check_subject_is_device(CheckId id);
/* Whether this finding's subject is a network device: the check's subjects always are, or, for a
 * Cilium subject, the subject is one of Cilium's devices. */
bool check_subject_names_device(CheckId id, const char *subject);

const char *severity_to_string(Severity s);
