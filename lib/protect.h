/* SPDX-License-Identifier: MIT */
/*
 * The devices routeguard never removes, whatever the configuration says (DESIGN.md §4): lo, the
 * native device, any device carrying a default route, cilium_*, lxc*, and devices.keep. Checked
 * when a finding is made and again by the enforcer right before it sends a delete.
 */
#pragma once

#include "config.h"
#include "netstate.h"

/* Cilium's own devices: cilium_* and lxc* (its pods' veths). */
bool device_name_is_cilium(const char *name);

/* Cilium's overlay device (tunnel mode: cilium_vxlan or cilium_geneve). */
bool device_is_cilium_overlay(const Link *link);

/* The Cilium overlay device present, the older one when both are; NULL when neither is. Looked up
 * by name, not by a pass over every link: a node may carry 5000 pods' devices. */
const Link *cilium_overlay_link(const NetState *ns);

/* The names no rule may remove, whatever the node looks like: lo and Cilium's devices. */
bool device_name_is_protected(const char *name);

/* Whether a devices.remove name is an fnmatch(3) glob rather than one device's name. */
bool device_name_is_glob(const char *name);

/*
 * Why a devices.remove name or glob may never remove anything, for the configuration's error:
 * a protected name, or a glob whose fixed start only Cilium's devices have. NULL otherwise.
 */
const char *device_rule_protection(const char *name);

/* Why link must not be removed, or NULL when it may be. native_ifindex 0 = unknown. */
const char *device_protection(const Config *c, const NetState *ns, const Link *link,
			      uint32_t native_ifindex);

/* The devices.remove rule matching this link, or NULL. Protection is not considered here. */
const DeviceRule *device_remove_rule(const Config *c, const Link *link);

bool device_in_keep(const Config *c, const char *name);

/*
 * The enforcer's last word before it sends a delete: a remove rule matches this link, and nothing
 * protects it. The daemon calls it with the current model right before each delete.
 */
bool device_may_be_removed(const Config *c, const NetState *ns, const Link *link,
			   uint32_t native_ifindex);
