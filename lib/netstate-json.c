/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <net/if.h>
#include <string.h>
#include <linux/rtnetlink.h>

#include "netstate-json.h"

/* json-c returns NULL on allocation failure and ignores NULL values; one check at the end catches
 * it. */
static json_object *link_to_json(const NetState *ns, const Link *l)
{
	json_object *o = json_object_new_object();
	char buf[PREFIX_STRLEN];

	if (!o)
		return NULL;
	json_object_object_add(o, "ifindex", json_object_new_int64(l->ifindex));
	json_object_object_add(o, "name", json_object_new_string(l->name));
	json_object_object_add(o, "kind", json_object_new_string(l->kind));
	json_object_object_add(o, "flags", json_object_new_int64(l->flags));
	json_object_object_add(o, "up", json_object_new_boolean(l->flags & IFF_UP));
	json_object_object_add(o, "mtu", json_object_new_int64(l->mtu));
	const Link *master = l->master ? netstate_link(ns, l->master) : NULL;
	json_object_object_add(o, "master", master ? json_object_new_string(master->name) : NULL);
	if (strcmp(l->kind, "bridge") == 0)
		json_object_object_add(
		    o, "ports", json_object_new_int64(netstate_bridge_ports(ns, l->ifindex)));
	if (l->tunnel.present) {
		const TunnelInfo *t = &l->tunnel;
		json_object *tun = json_object_new_object();
		json_object_object_add(tun, "vni", json_object_new_int64(t->vni));
		json_object_object_add(tun, "dstport", json_object_new_int(t->dstport));
		json_object_object_add(tun, "external", json_object_new_boolean(t->external));
		json_object_object_add(tun, "learning", json_object_new_boolean(t->learning));
		json_object_object_add(tun, "local",
				       t->local_family ? json_object_new_string(inaddr_format(
							     t->local_family, &t->local, buf))
						       : NULL);
		const Link *under = t->underlying ? netstate_link(ns, t->underlying) : NULL;
		json_object_object_add(tun, "underlying",
				       under ? json_object_new_string(under->name) : NULL);
		json_object_object_add(o, "tunnel", tun);
	}
	json_object *addrs = json_object_new_array();
	for (size_t i = 0; i < l->n_addresses; i++)
		json_object_array_add(
		    addrs, json_object_new_string(prefix_format(&l->addresses[i].prefix, buf)));
	json_object_object_add(o, "addresses", addrs);
	return o;
}

static json_object *nexthop_to_json(const NetState *ns, const Nexthop *nh)
{
	json_object *o = json_object_new_object();
	char buf[INET6_ADDRSTRLEN];

	if (!o)
		return NULL;
	json_object_object_add(
	    o, "gateway",
	    nh->gw_family ? json_object_new_string(inaddr_format(nh->gw_family, &nh->gw, buf))
			  : NULL);
	const Link *dev = netstate_link(ns, nh->ifindex);
	json_object_object_add(o, "dev", dev ? json_object_new_string(dev->name) : NULL);
	json_object_object_add(o, "weight", json_object_new_int(nh->weight));
	json_object_object_add(o, "onlink", json_object_new_boolean(nh->flags & RTNH_F_ONLINK));
	return o;
}

static json_object *route_to_json(const NetState *ns, const Route *r)
{
	json_object *o = json_object_new_object();
	char buf[PREFIX_STRLEN];
	Prefix dst = {.family = r->family, .len = r->dst_len, .addr = r->dst};

	if (!o)
		return NULL;
	json_object_object_add(o, "family",
			       json_object_new_string(r->family == AF_INET ? "inet" : "inet6"));
	json_object_object_add(o, "table", json_object_new_int64(r->table));
	json_object_object_add(o, "dst", json_object_new_string(prefix_format(&dst, buf)));
	if (r->src_len) {
		Prefix src = {.family = r->family, .len = r->src_len, .addr = r->src};
		json_object_object_add(o, "src", json_object_new_string(prefix_format(&src, buf)));
	}
	json_object_object_add(o, "metric", json_object_new_int64(r->priority));
	json_object_object_add(o, "tos", json_object_new_int(r->tos));
	json_object_object_add(o, "protocol", json_object_new_int(r->protocol));
	json_object_object_add(o, "scope", json_object_new_int(r->scope));
	json_object_object_add(o, "type", json_object_new_int(r->type));
	json_object_object_add(o, "onlink", json_object_new_boolean(r->flags & RTNH_F_ONLINK));
	json_object_object_add(o, "multipath", json_object_new_boolean(r->multipath));
	json_object *nhs = json_object_new_array();
	for (size_t i = 0; i < r->n_nexthops; i++)
		json_object_array_add(nhs, nexthop_to_json(ns, &r->nexthops[i]));
	json_object_object_add(o, "nexthops", nhs);
	return o;
}

int netstate_to_json(const NetState *ns, json_object **ret)
{
	_cleanup_(json_object_putp) json_object *o = json_object_new_object();
	_cleanup_free_ const Route **routes = NULL;
	size_t n_links, n_routes;
	int r;

	if (!o)
		return -ENOMEM;
	json_object *links = json_object_new_array();
	const Link *const *all = netstate_links(ns, &n_links);
	for (size_t i = 0; i < n_links; i++)
		json_object_array_add(links, link_to_json(ns, all[i]));
	json_object_object_add(o, "links", links);

	if ((r = netstate_sorted_routes(ns, &routes, &n_routes)) < 0)
		return r;
	json_object *rts = json_object_new_array();
	for (size_t i = 0; i < n_routes; i++)
		json_object_array_add(rts, route_to_json(ns, routes[i]));
	json_object_object_add(o, "routes", rts);
	json_object_object_add(o, "routes-kept", json_object_new_int64((int64_t)n_routes));
	json_object_object_add(o, "routes-seen",
			       json_object_new_int64((int64_t)netstate_routes_seen(ns)));

	/* json-c returns NULL when out of memory; a NULL element would just become null, so only
	 * the containers are worth checking. */
	if (!links || !rts)
		return -ENOMEM;
	*ret = TAKE_PTR(o);
	return 0;
}
