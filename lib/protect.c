/* SPDX-License-Identifier: MIT */
#include <fnmatch.h>
#include <string.h>

#include "protect.h"

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
		return "lo, cilium_* and lxc* are never removed";
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
