/* SPDX-License-Identifier: MIT */
#include <fnmatch.h>
#include <string.h>

#include "protect.h"

/* DESIGN.md §4: never removed, whatever the configuration says. */
#define NEVER_REMOVED "lo, cilium_* and lxc* are never removed"
static const char *const CILIUM_PREFIXES[] = {"cilium_", "lxc"};

bool device_name_is_cilium(const char *name)
{
	/* The first letter first: evaluation asks this of every link, 5000 on a busy node. */
	for (size_t i = 0; i < ELEMENTSOF(CILIUM_PREFIXES); i++)
		if (name[0] == CILIUM_PREFIXES[i][0] &&
		    strncmp(name, CILIUM_PREFIXES[i], strlen(CILIUM_PREFIXES[i])) == 0)
			return true;
	return false;
}

bool device_is_cilium_overlay(const Link *link)
{
	return strcmp(link->name, "cilium_vxlan") == 0 || strcmp(link->name, "cilium_geneve") == 0;
}

const Link *cilium_overlay_link(const NetState *ns)
{
	const Link *vxlan = netstate_link_by_name(ns, "cilium_vxlan");
	const Link *geneve = netstate_link_by_name(ns, "cilium_geneve");
	if (vxlan && geneve)
		return vxlan->ifindex < geneve->ifindex ? vxlan : geneve;
	return vxlan ? vxlan : geneve;
}

bool device_name_is_protected(const char *name)
{
	return strcmp(name, "lo") == 0 || device_name_is_cilium(name);
}

/* The part of a glob before its first special character. */
static size_t literal_prefix_length(const char *glob)
{
	return strcspn(glob, "*?[\\");
}

bool device_name_is_glob(const char *name)
{
	return name[literal_prefix_length(name)] != '\0';
}

const char *device_rule_protection(const char *name)
{
	size_t literal = literal_prefix_length(name);

	if (!device_name_is_glob(name))
		return device_name_is_protected(name) ? NEVER_REMOVED : NULL;
	for (size_t i = 0; i < ELEMENTSOF(CILIUM_PREFIXES); i++) {
		size_t n = strlen(CILIUM_PREFIXES[i]);
		if (literal >= n && strncmp(name, CILIUM_PREFIXES[i], n) == 0)
			return "it can only match Cilium's devices (cilium_*, lxc*), which are "
			       "never removed";
	}
	return NULL;
}

bool device_in_keep(const Config *c, const char *name)
{
	for (size_t i = 0; i < c->devices.keep.n; i++)
		if (fnmatch(c->devices.keep.items[i], name, 0) == 0)
			return true;
	return false;
}

const char *device_protection(const Config *c, const NetState *ns, const Link *link,
			      uint32_t native_ifindex)
{
	if (device_name_is_protected(link->name))
		return NEVER_REMOVED;
	if (native_ifindex != 0 && link->ifindex == native_ifindex)
		return "it is the native device";
	if (strcmp(c->native_device, link->name) == 0)
		return "it is the configured native-device";
	if (netstate_link_has_default_route(ns, link->ifindex))
		return "it carries a default route";
	if (device_in_keep(c, link->name))
		return "devices.keep names it";
	return NULL;
}

const DeviceRule *device_remove_rule(const Config *c, const Link *link)
{
	for (size_t i = 0; i < c->devices.n_remove; i++) {
		const DeviceRule *rule = &c->devices.remove[i];
		if (fnmatch(rule->name, link->name, 0) == 0 &&
		    (!rule->kind || strcmp(rule->kind, link->kind) == 0))
			return rule;
	}
	return NULL;
}

bool device_may_be_removed(const Config *c, const NetState *ns, const Link *link,
			   uint32_t native_ifindex)
{
	return device_remove_rule(c, link) && !device_protection(c, ns, link, native_ifindex);
}
