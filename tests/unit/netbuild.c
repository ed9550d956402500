/* SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include "netbuild.h"

static RtnlMessage msg;

NetState *nb_new(const char *native_cidr, const char *const *peers)
{
	NetState *ns;
	Prefix native, peer_list[16];
	size_t n = 0;

	assert_int_equal(netstate_new(&ns), 0);
	assert_int_equal(prefix_parse(native_cidr, &native), 0);
	for (; peers && peers[n]; n++)
		assert_int_equal(prefix_parse(peers[n], &peer_list[n]), 0);
	assert_int_equal(netstate_set_route_filter(ns, &native, 1, peer_list, n), 0);
	return ns;
}

int nb_link_full(NetState *ns, const Link *link)
{
	memset(&msg, 0, sizeof(msg));
	msg.kind = RTNL_LINK_NEW;
	msg.link = *link;
	return netstate_apply(ns, &msg);
}

int nb_link(NetState *ns, uint32_t ifindex, const char *name, const char *kind, uint32_t flags)
{
	Link l = {.ifindex = ifindex, .flags = flags, .mtu = 1500};
	snprintf(l.name, sizeof(l.name), "%s", name);
	snprintf(l.kind, sizeof(l.kind), "%s", kind);
	return nb_link_full(ns, &l);
}

int nb_del_link(NetState *ns, uint32_t ifindex)
{
	memset(&msg, 0, sizeof(msg));
	msg.kind = RTNL_LINK_DEL;
	msg.link.ifindex = ifindex;
	return netstate_apply(ns, &msg);
}

/* Re-applies a known link with one attribute changed. */
static void relink(NetState *ns, uint32_t ifindex, void (*change)(Link *, const void *),
		   const void *arg)
{
	const Link *old = netstate_link(ns, ifindex);
	assert_non_null(old);
	Link l = *old;
	l.addresses = NULL;
	l.n_addresses = 0;
	change(&l, arg);
	assert_true(nb_link_full(ns, &l) >= 0);
}

static void set_master(Link *l, const void *arg)
{
	l->master = *(const uint32_t *)arg;
}

static void set_mtu(Link *l, const void *arg)
{
	l->mtu = *(const uint32_t *)arg;
}

void nb_vxlan(NetState *ns, uint32_t ifindex, const char *name, uint32_t vni, uint16_t port,
	      bool external)
{
	Link l = {.ifindex = ifindex, .flags = IFF_UP, .mtu = 1450};
	snprintf(l.name, sizeof(l.name), "%s", name);
	strcpy(l.kind, "vxlan");
	l.tunnel = (TunnelInfo){.present = true, .vni = vni, .dstport = port, .external = external};
	assert_true(nb_link_full(ns, &l) >= 0);
}

void nb_port(NetState *ns, uint32_t ifindex, const char *name, uint32_t master)
{
	assert_true(nb_link(ns, ifindex, name, "veth", IFF_UP) >= 0);
	relink(ns, ifindex, set_master, &master);
}

void nb_mtu(NetState *ns, uint32_t ifindex, uint32_t mtu)
{
	relink(ns, ifindex, set_mtu, &mtu);
}

void nb_addr(NetState *ns, uint32_t ifindex, const char *prefix)
{
	char text[64];
	snprintf(text, sizeof(text), "%s", prefix);
	char *slash = strchr(text, '/');
	unsigned len = 0;
	if (slash) {
		len = (unsigned)atoi(slash + 1);
		*slash = '\0';
	}
	memset(&msg, 0, sizeof(msg));
	msg.kind = RTNL_ADDR_NEW;
	msg.addr_ifindex = ifindex;
	assert_int_equal(inaddr_parse(text, &msg.address.prefix.family, &msg.address.prefix.addr), 0);
	msg.address.prefix.len = (uint8_t)(slash ? len : inaddr_size(msg.address.prefix.family) * 8);
	assert_true(netstate_apply(ns, &msg) >= 0);
}

RtnlMessage *nb_route_message(RtnlKind kind, const char *dst, const char *gw, uint32_t ifindex)
{
	Prefix p;
	memset(&msg, 0, sizeof(msg));
	msg.kind = kind;
	assert_int_equal(prefix_parse(dst, &p), 0);
	Route *r = &msg.route;
	r->family = p.family;
	r->dst = p.addr;
	r->dst_len = p.len;
	r->table = RT_TABLE_MAIN;
	r->type = RTN_UNICAST;
	r->protocol = RTPROT_BOOT;
	r->nexthops = msg.nexthops;
	if (ifindex || *gw) {
		r->n_nexthops = 1;
		msg.nexthops[0].ifindex = ifindex;
		msg.nexthops[0].weight = 1;
		if (*gw)
			assert_int_equal(inaddr_parse(gw, &msg.nexthops[0].gw_family, &msg.nexthops[0].gw), 0);
	}
	return &msg;
}

int nb_route(NetState *ns, const char *dst, const char *gw, uint32_t ifindex)
{
	return netstate_apply(ns, nb_route_message(RTNL_ROUTE_NEW, dst, gw, ifindex));
}

int nb_del_route(NetState *ns, const char *dst, const char *gw, uint32_t ifindex)
{
	return netstate_apply(ns, nb_route_message(RTNL_ROUTE_DEL, dst, gw, ifindex));
}
