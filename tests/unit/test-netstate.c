/* SPDX-License-Identifier: MIT */
/* The model: which routes it keeps, what it counts, what a vanished link takes with it, resync. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netstate.h"
#include "rtnl.h"
#include "netbuild.h"
#include "testdata.h"
#include "unit-main.h"

static RtnlMessage msg;

static NetState *new_state(void)
{
	static const char *const peers[] = {"192.168.7.7", NULL};
	return nb_new("10.42.0.0/16", peers);
}

#define add_link nb_link
#define del_link nb_del_link
#define add_route nb_route
#define del_route nb_del_route

static void build_route(RtnlKind kind, const char *dst, const char *gw, uint32_t ifindex)
{
	msg = *nb_route_message(kind, dst, gw, ifindex);
	msg.route.nexthops = msg.nexthops;
}

static NetState *node(void)
{
	NetState *ns = new_state();
	assert_int_equal(add_link(ns, 1, "lo", "", IFF_UP | IFF_LOOPBACK), APPLY_CHANGED);
	assert_int_equal(add_link(ns, 2, "eth0", "", IFF_UP), APPLY_CHANGED);
	assert_int_equal(add_link(ns, 3, "flannel.1", "vxlan", IFF_UP), APPLY_CHANGED);
	assert_int_equal(add_link(ns, 4, "cni0", "bridge", IFF_UP), APPLY_CHANGED);
	return ns;
}

static void test_route_filter(void **state)
{
	static const struct {
		const char *dst, *gw;
		uint32_t ifindex;
		bool kept;
	} cases[] = {
	    {"0.0.0.0/0", "10.0.0.1", 2, true},	      /* default */
	    {"10.42.1.0/24", "10.42.1.0", 3, true},   /* into the native CIDR */
	    {"10.0.0.0/8", "10.0.0.1", 2, true},      /* overlaps the native CIDR */
	    {"10.43.0.0/16", "10.0.0.1", 2, false},   /* beside it */
	    {"192.168.7.0/24", "10.0.0.1", 2, true},  /* covers a peer */
	    {"192.168.8.0/24", "10.0.0.1", 2, false}, /* does not */
	    {"172.16.0.0/12", "172.16.0.1", 3, true}, /* through a tunnel device */
	    {"10.0.0.0/24", "", 2, true},	      /* connected */
	    {"100.64.0.1/32", "10.0.0.1", 2, false},  /* one of a million */
	    {"2001:db8::/64", "", 2, true},	      /* connected IPv6 */
	    {"2001:db8:1::/64", "fe80::1", 2, false}, /* IPv6 via a gateway */
	};
	NetState *ns = node();
	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		build_route(RTNL_ROUTE_NEW, cases[i].dst, cases[i].gw, cases[i].ifindex);
		if (netstate_route_is_kept(ns, &msg.route) != cases[i].kept)
			fail_msg("%s via '%s': expected %s", cases[i].dst, cases[i].gw,
				 cases[i].kept ? "kept" : "counted only");
	}
	/* the kernel's own local and broadcast entries are never kept */
	build_route(RTNL_ROUTE_NEW, "10.42.0.1/32", "", 4);
	msg.route.type = RTN_LOCAL;
	assert_false(netstate_route_is_kept(ns, &msg.route));
	netstate_free(ns);
}

static void test_counting_routes_not_kept(void **state)
{
	NetState *ns = node();
	assert_int_equal(add_route(ns, "100.64.0.1/32", "10.0.0.1", 2), 0);
	assert_int_equal(add_route(ns, "100.64.0.2/32", "10.0.0.1", 2), 0);
	assert_int_equal(add_route(ns, "10.42.1.0/24", "10.42.1.0", 3), APPLY_CHANGED);
	assert_int_equal(netstate_routes_kept(ns), 1);
	assert_int_equal(netstate_routes_seen(ns), 3);
	assert_int_equal(del_route(ns, "100.64.0.1/32", "10.0.0.1", 2), 0);
	assert_int_equal(netstate_routes_seen(ns), 2);
	/* a replace notification does not add one */
	build_route(RTNL_ROUTE_NEW, "100.64.0.2/32", "10.0.0.9", 2);
	msg.replace = true;
	assert_int_equal(netstate_apply(ns, &msg), 0);
	assert_int_equal(netstate_routes_seen(ns), 2);
	/* deleting what was never seen does not go below zero */
	assert_int_equal(del_route(ns, "100.64.0.7/32", "10.0.0.1", 2), 0);
	assert_int_equal(del_route(ns, "100.64.0.8/32", "10.0.0.1", 2), 0);
	assert_int_equal(netstate_routes_seen(ns), 1);
	netstate_free(ns);
}

static void test_vanished_link_takes_its_routes(void **state)
{
	NetState *ns = node();
	assert_int_equal(add_route(ns, "10.42.1.0/24", "10.42.1.0", 3), APPLY_CHANGED);
	assert_int_equal(add_route(ns, "10.42.2.0/24", "10.42.2.0", 3), APPLY_CHANGED);
	assert_int_equal(add_route(ns, "10.42.3.0/24", "10.0.0.3", 2), APPLY_CHANGED);
	assert_int_equal(add_route(ns, "100.64.0.1/32", "10.42.2.0", 3),
			 APPLY_CHANGED); /* tunnel */
	assert_int_equal(add_route(ns, "100.64.0.2/32", "10.0.0.3", 2), 0);
	assert_int_equal(netstate_routes_kept(ns), 4);

	/* The kernel sends one RTM_DELLINK and no RTM_DELROUTE for the IPv4 routes. */
	assert_int_equal(del_link(ns, 3), APPLY_CHANGED);
	assert_null(netstate_link(ns, 3));
	assert_int_equal(netstate_routes_kept(ns), 1);
	assert_int_equal(netstate_routes_seen(ns), 2);
	assert_int_equal(del_link(ns, 3), 0);
	netstate_free(ns);
}

static void test_replace_and_update(void **state)
{
	NetState *ns = node();
	const Route **routes;
	size_t n;

	assert_int_equal(add_route(ns, "10.42.1.0/24", "10.42.1.0", 3), APPLY_CHANGED);
	assert_int_equal(add_route(ns, "10.42.1.0/24", "10.42.1.0", 3), 0); /* same again */
	assert_int_equal(add_route(ns, "10.42.1.0/24", "10.0.0.5", 2), APPLY_CHANGED);
	assert_int_equal(netstate_routes_kept(ns), 1);
	assert_int_equal(netstate_sorted_routes(ns, &routes, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(routes[0]->nexthops[0].ifindex, 2);
	free(routes);

	/* default routes are counted per link, through replace and delete */
	assert_false(netstate_link_has_default_route(ns, 2));
	assert_int_equal(add_route(ns, "0.0.0.0/0", "10.0.0.1", 2), APPLY_CHANGED);
	assert_true(netstate_link_has_default_route(ns, 2));
	assert_int_equal(add_route(ns, "0.0.0.0/0", "10.42.0.1", 3), APPLY_CHANGED); /* replaced */
	assert_false(netstate_link_has_default_route(ns, 2));
	assert_true(netstate_link_has_default_route(ns, 3));
	assert_int_equal(del_route(ns, "0.0.0.0/0", "10.42.0.1", 3), APPLY_CHANGED);
	assert_false(netstate_link_has_default_route(ns, 3));

	/* a different metric is a different route */
	build_route(RTNL_ROUTE_NEW, "10.42.1.0/24", "10.42.1.0", 3);
	msg.route.priority = 100;
	assert_int_equal(netstate_apply(ns, &msg), APPLY_CHANGED);
	assert_int_equal(netstate_routes_kept(ns), 2);

	/* link attributes: rename and MTU are changes, the same message twice is not */
	assert_int_equal(add_link(ns, 2, "enp7s0", "", IFF_UP), APPLY_CHANGED);
	assert_string_equal(netstate_link(ns, 2)->name, "enp7s0");
	assert_non_null(netstate_link_by_name(ns, "enp7s0"));
	assert_null(netstate_link_by_name(ns, "eth0"));
	assert_int_equal(add_link(ns, 2, "enp7s0", "", IFF_UP), 0);
	netstate_free(ns);
}

/* A counted route added during the dump (an IPv6 address finishing DAD while the daemon starts):
 * its notification and the dump reply both count it, so the sweep must ask for a recount. */
static void test_notification_racing_a_dump_asks_for_a_recount(void **state)
{
	NetState *ns = node();

	netstate_begin_sync(ns, SYNC_ROUTES4);
	build_route(RTNL_ROUTE_NEW, "100.64.0.1/32", "10.0.0.1", 2);
	msg.notification = true;
	assert_int_equal(netstate_apply(ns, &msg), 0);
	msg.notification = false; /* the same route, in the dump */
	assert_int_equal(netstate_apply(ns, &msg), 0);
	assert_int_equal(netstate_routes_seen(ns), 2); /* one route counted twice */
	/* a kept route is idempotent: its notification during the dump raises nothing */
	build_route(RTNL_ROUTE_NEW, "10.42.1.0/24", "10.42.1.0", 3);
	msg.notification = true;
	assert_int_equal(netstate_apply(ns, &msg), APPLY_CHANGED);
	netstate_sweep(ns, SYNC_ROUTES4);
	assert_int_equal(netstate_counts_raced(ns), SYNC_ROUTES4);

	/* the recount sees the route once, and nothing raced it */
	netstate_begin_sync(ns, SYNC_ROUTES4);
	build_route(RTNL_ROUTE_NEW, "100.64.0.1/32", "10.0.0.1", 2);
	assert_int_equal(netstate_apply(ns, &msg), 0);
	build_route(RTNL_ROUTE_NEW, "10.42.1.0/24", "10.42.1.0", 3);
	assert_int_equal(netstate_apply(ns, &msg), 0);
	netstate_sweep(ns, SYNC_ROUTES4);
	assert_int_equal(netstate_counts_raced(ns), 0);
	assert_int_equal(netstate_routes_seen(ns), 2);

	/* a deletion during the dump may uncount a route the dump never counted */
	netstate_begin_sync(ns, SYNC_ROUTES4 | SYNC_ROUTES6);
	build_route(RTNL_ROUTE_DEL, "100.64.0.1/32", "10.0.0.1", 2);
	msg.notification = true;
	assert_int_equal(netstate_apply(ns, &msg), 0);
	netstate_sweep(ns, SYNC_ROUTES4 | SYNC_ROUTES6);
	assert_int_equal(netstate_counts_raced(ns), SYNC_ROUTES4);

	/* outside a dump, notifications are simply applied */
	netstate_begin_sync(ns, SYNC_ROUTES4);
	netstate_sweep(ns, SYNC_ROUTES4);
	build_route(RTNL_ROUTE_NEW, "100.64.0.1/32", "10.0.0.1", 2);
	msg.notification = true;
	assert_int_equal(netstate_apply(ns, &msg), 0);
	assert_int_equal(netstate_counts_raced(ns), 0);
	assert_int_equal(netstate_routes_seen(ns), 1);
	netstate_free(ns);
}

/* The counts evaluation reads instead of walking every route follow each change: a gateway's
 * verdict moves when a route covering it comes or goes, and only then. */
static void test_pod_route_counts_follow_changes(void **state)
{
	NetState *ns = node();

	assert_int_equal(add_route(ns, "10.0.0.0/16", "", 2), APPLY_CHANGED); /* the node network */
	assert_int_equal(add_route(ns, "10.42.1.0/24", "10.0.1.1", 2), APPLY_CHANGED);
	assert_int_equal(add_route(ns, "10.42.2.0/24", "10.0.5.1", 2), APPLY_CHANGED);
	assert_int_equal(add_route(ns, "10.42.3.0/24", "10.0.5.1", 2), APPLY_CHANGED);
	assert_int_equal(netstate_pod_routes_off(ns, 2), 0);
	assert_int_equal(netstate_pod_routes_off(ns, 4), 3);
	assert_int_equal(netstate_connected_ifindex(ns, AF_INET, &(InAddr){.bytes = {10, 0, 5, 1}}),
			 2);

	/* a more specific connected route on cni0 takes 10.0.5.1, and both routes through it */
	assert_int_equal(add_route(ns, "10.0.5.0/24", "", 4), APPLY_CHANGED);
	assert_int_equal(netstate_pod_routes_off(ns, 2), 2);
	assert_int_equal(netstate_pod_routes_off(ns, 4), 1);
	assert_int_equal(del_route(ns, "10.0.5.0/24", "", 4), APPLY_CHANGED);
	assert_int_equal(netstate_pod_routes_off(ns, 2), 0);

	/* a pod route through the tunnel, and a pod route leaving */
	assert_int_equal(add_route(ns, "10.42.9.0/24", "10.42.9.0", 3), APPLY_CHANGED);
	assert_int_equal(netstate_pod_routes_via_tunnel(ns), 1);
	assert_int_equal(netstate_pod_routes_off(ns, 2), 1); /* 10.42.9.0 is not connected */
	assert_int_equal(del_link(ns, 3), APPLY_CHANGED);
	assert_int_equal(netstate_pod_routes_via_tunnel(ns), 0);
	assert_int_equal(netstate_pod_routes_off(ns, 2), 0);

	/* the node network going takes every gateway off eth0 */
	assert_int_equal(del_route(ns, "10.0.0.0/16", "", 2), APPLY_CHANGED);
	assert_int_equal(netstate_pod_routes_off(ns, 2), 3);
	/* a default route through a gateway connects nothing */
	assert_int_equal(add_route(ns, "0.0.0.0/0", "10.0.0.1", 2), APPLY_CHANGED);
	assert_int_equal(netstate_pod_routes_off(ns, 2), 3);

	/* another native CIDR: the same routes are no pod routes any more */
	Prefix other;
	assert_int_equal(prefix_parse("10.99.0.0/16", &other), 0);
	assert_int_equal(netstate_set_route_filter(ns, &other, 1, NULL, 0), 0);
	assert_int_equal(netstate_pod_routes_off(ns, 2), 0);
	assert_false(netstate_native_is(
	    ns, &(Prefix){.family = AF_INET, .len = 16, .addr.bytes = {10, 42}}));
	assert_true(netstate_native_is(ns, &other));
	netstate_free(ns);
}

/* Random routes in and out; after each change the counts and the longest-prefix match must agree
 * with a scan of every kept route. */
typedef struct Scan {
	int family;
	InAddr addr;
	const Route *best;
} Scan;

static void scan_route(const Route *r, void *userdata)
{
	Scan *s = userdata;
	Prefix dst = {.family = r->family, .len = r->dst_len, .addr = r->dst};
	if (r->table != RT_TABLE_MAIN || r->type != RTN_UNICAST || r->src_len != 0 ||
	    !prefix_contains(&dst, s->family, &s->addr))
		return;
	if (!s->best || r->dst_len > s->best->dst_len ||
	    (r->dst_len == s->best->dst_len && r->priority < s->best->priority))
		s->best = r;
}

static uint32_t scanned_connected(const NetState *ns, int family, const InAddr *addr)
{
	Scan s = {family, *addr, NULL};
	netstate_foreach_route(ns, scan_route, &s);
	if (!s.best || s.best->n_nexthops == 0)
		return 0;
	for (size_t i = 0; i < s.best->n_nexthops; i++)
		if (s.best->nexthops[i].gw_family ||
		    s.best->nexthops[i].ifindex != s.best->nexthops[0].ifindex)
			return 0;
	return s.best->nexthops[0].ifindex;
}

typedef struct OffCount {
	const NetState *ns;
	uint32_t ifindex;
	uint64_t off;
} OffCount;

static void count_off(const Route *r, void *userdata)
{
	OffCount *o = userdata;
	Prefix native = {.family = AF_INET, .len = 16, .addr.bytes = {10, 42}};
	Prefix dst = {.family = r->family, .len = r->dst_len, .addr = r->dst};
	if (r->table != RT_TABLE_MAIN || r->type != RTN_UNICAST || !prefix_covers(&native, &dst) ||
	    r->n_nexthops == 0 || !r->nexthops[0].gw_family)
		return;
	if (scanned_connected(o->ns, r->nexthops[0].gw_family, &r->nexthops[0].gw) != o->ifindex)
		o->off++;
}

static void test_pod_route_counts_match_a_scan(void **state)
{
	NetState *ns = node();
	unsigned seed = 7;
	static const char *const devices_routes[] = {"10.0.0.0/16",   "10.0.0.0/24", "10.0.1.0/24",
						     "10.0.1.128/25", "10.0.1.7/32", "0.0.0.0/0"};
	char dst[32], gw[32];

	for (int round = 0; round < 3000; round++) {
		seed = seed * 1103515245u + 12345u;
		unsigned r = seed >> 8;
		bool add = (r & 1) == 0;
		uint32_t dev = (r >> 1) % 2 ? 2 : 4;
		if ((r >> 2) % 3 == 0) {
			/* a connected route of the node network on eth0 or cni0 */
			const char *p = devices_routes[(r >> 4) % ELEMENTSOF(devices_routes)];
			build_route(add ? RTNL_ROUTE_NEW : RTNL_ROUTE_DEL, p, "", dev);
			msg.route.priority = (r >> 8) % 2 ? 100 : 0;
		} else {
			/* a pod route through a gateway of the node network */
			snprintf(dst, sizeof(dst), "10.42.%u.0/24", (r >> 4) % 16);
			snprintf(gw, sizeof(gw), "10.0.%u.%u", (r >> 9) % 2, (r >> 10) % 8);
			build_route(add ? RTNL_ROUTE_NEW : RTNL_ROUTE_DEL, dst, gw, dev);
		}
		assert_true(netstate_apply(ns, &msg) >= 0);

		for (uint32_t ifindex = 2; ifindex <= 4; ifindex += 2) {
			OffCount o = {ns, ifindex, 0};
			netstate_foreach_route(ns, count_off, &o);
			assert_int_equal(netstate_pod_routes_off(ns, ifindex), o.off);
		}
		InAddr probe = {
		    .bytes = {10, 0, (uint8_t)((r >> 12) % 2), (uint8_t)((r >> 13) % 256)}};
		assert_int_equal(netstate_connected_ifindex(ns, AF_INET, &probe),
				 scanned_connected(ns, AF_INET, &probe));
	}
	netstate_free(ns);
}

/* The index by name follows links created, renamed and deleted, past its first growth. */
static void test_links_by_name(void **state)
{
	NetState *ns = new_state();
	char name[IFNAMSIZ];

	for (uint32_t i = 1; i <= 200; i++) {
		snprintf(name, sizeof(name), "lxc%u", i);
		assert_int_equal(add_link(ns, i, name, "veth", IFF_UP), APPLY_CHANGED);
	}
	assert_int_equal(netstate_link_by_name(ns, "lxc150")->ifindex, 150);
	assert_int_equal(add_link(ns, 150, "renamed", "veth", IFF_UP), APPLY_CHANGED);
	assert_null(netstate_link_by_name(ns, "lxc150"));
	assert_int_equal(netstate_link_by_name(ns, "renamed")->ifindex, 150);
	assert_int_equal(del_link(ns, 150), APPLY_CHANGED);
	assert_null(netstate_link_by_name(ns, "renamed"));
	assert_int_equal(netstate_link_by_name(ns, "lxc200")->ifindex, 200);
	assert_null(netstate_link_by_name(ns, "lxc201"));
	netstate_free(ns);
}

static void test_silent_ipv4_flushes_are_flagged(void **state)
{
	NetState *ns = node();
	/* link down: the kernel drops the IPv4 routes only through it without telling; the model
	 * drops the same */
	assert_int_equal(add_route(ns, "10.0.0.0/24", "", 2), APPLY_CHANGED);
	assert_int_equal(add_route(ns, "100.64.0.1/32", "10.0.0.1", 2), 0); /* counted */
	build_route(RTNL_ROUTE_NEW, "10.0.0.2/32", "", 2); /* the address's local route stays */
	msg.route.type = RTN_LOCAL;
	msg.route.scope = RT_SCOPE_HOST;
	msg.route.table = RT_TABLE_LOCAL;
	assert_int_equal(netstate_apply(ns, &msg), 0);
	assert_int_equal(add_route(ns, "10.42.1.0/24", "10.42.1.0", 3), APPLY_CHANGED);
	build_route(RTNL_ROUTE_NEW, "2001:db8::/64", "", 2); /* IPv6 stays, marked linkdown */
	assert_int_equal(netstate_apply(ns, &msg), APPLY_CHANGED);
	assert_int_equal(netstate_routes_seen(ns), 5);
	assert_int_equal(add_link(ns, 2, "eth0", "", 0), APPLY_CHANGED);
	assert_int_equal(netstate_routes_kept(ns), 2);
	assert_int_equal(netstate_routes_seen(ns), 3);
	assert_int_equal(add_link(ns, 2, "eth0", "", 0), 0);
	assert_int_equal(add_link(ns, 2, "eth0", "", IFF_UP), APPLY_CHANGED);
	/* a counted multipath route may keep a nexthop elsewhere: only a resync can tell */
	build_route(RTNL_ROUTE_NEW, "100.64.0.2/32", "10.0.0.1", 2);
	msg.route.n_nexthops = 2;
	msg.nexthops[1] = msg.nexthops[0];
	msg.nexthops[1].ifindex = 4;
	assert_int_equal(netstate_apply(ns, &msg), 0);
	assert_int_equal(add_link(ns, 2, "eth0", "", 0), APPLY_CHANGED | APPLY_IPV4_ROUTES_STALE);
	assert_int_equal(add_link(ns, 2, "eth0", "", IFF_UP), APPLY_CHANGED);

	memset(&msg, 0, sizeof(msg));
	msg.kind = RTNL_ADDR_NEW;
	msg.addr_ifindex = 2;
	assert_int_equal(prefix_parse("10.0.0.2", &msg.address.prefix), 0);
	msg.address.prefix.len = 24;
	assert_int_equal(netstate_apply(ns, &msg), APPLY_CHANGED);
	assert_int_equal(netstate_apply(ns, &msg), 0);
	assert_int_equal(netstate_link(ns, 2)->n_addresses, 1);
	/* removing an IPv4 address drops routes through gateways it made reachable, silently */
	msg.kind = RTNL_ADDR_DEL;
	assert_int_equal(netstate_apply(ns, &msg), APPLY_CHANGED | APPLY_IPV4_ROUTES_STALE);
	assert_int_equal(netstate_link(ns, 2)->n_addresses, 0);
	/* an address on an unknown link is ignored */
	msg.kind = RTNL_ADDR_NEW;
	msg.addr_ifindex = 99;
	assert_int_equal(netstate_apply(ns, &msg), 0);
	netstate_free(ns);
}

static void test_mark_and_sweep(void **state)
{
	NetState *ns = node();
	assert_int_equal(add_route(ns, "10.42.1.0/24", "10.42.1.0", 3), APPLY_CHANGED);
	assert_int_equal(add_route(ns, "10.42.2.0/24", "10.0.0.2", 2), APPLY_CHANGED);
	assert_int_equal(add_route(ns, "100.64.0.1/32", "10.0.0.2", 2), 0);

	/* A resync sees lo, eth0, cni0 and one route again: flannel.1 and the rest go. */
	netstate_begin_sync(ns, SYNC_ALL);
	assert_int_equal(add_link(ns, 1, "lo", "", IFF_UP | IFF_LOOPBACK), 0);
	assert_int_equal(add_link(ns, 2, "eth0", "", IFF_UP), 0);
	assert_int_equal(add_link(ns, 4, "cni0", "bridge", IFF_UP), 0);
	assert_int_equal(add_route(ns, "10.42.2.0/24", "10.0.0.2", 2), 0);
	assert_int_equal(netstate_sweep(ns, SYNC_ALL), 2); /* flannel.1 and its route */
	assert_int_equal(netstate_routes_seen(ns), 1);	   /* the counted one was not seen again */
	assert_null(netstate_link(ns, 3));
	assert_int_equal(netstate_routes_kept(ns), 1);

	/* A routes-only resync leaves links alone. */
	netstate_begin_sync(ns, SYNC_ROUTES4);
	assert_int_equal(netstate_sweep(ns, SYNC_ROUTES4), 1);
	assert_non_null(netstate_link(ns, 2));
	assert_int_equal(netstate_routes_kept(ns), 0);
	netstate_free(ns);
}

static void test_bridge_ports(void **state)
{
	NetState *ns = node();
	for (uint32_t i = 10; i < 13; i++)
		nb_port(ns, i, "vethX", 4);
	assert_int_equal(netstate_bridge_ports(ns, 4), 3);
	assert_int_equal(add_link(ns, 11, "vethX", "veth", IFF_UP), APPLY_CHANGED); /* nomaster */
	assert_int_equal(netstate_bridge_ports(ns, 4), 2);
	assert_int_equal(del_link(ns, 12), APPLY_CHANGED);
	assert_int_equal(netstate_bridge_ports(ns, 4), 1);
	netstate_free(ns);
}

static void test_many_routes_stay_sorted_and_exact(void **state)
{
	NetState *ns = node();
	char dst[32];
	const Route **routes;
	size_t n;

	for (unsigned i = 0; i < 20000; i++) {
		snprintf(dst, sizeof(dst), "10.42.%u.%u/32", (i * 7919u) % 256, i / 256);
		assert_int_equal(add_route(ns, dst, "10.0.0.1", 2), APPLY_CHANGED);
	}
	assert_int_equal(netstate_routes_kept(ns), 20000);
	assert_int_equal(netstate_sorted_routes(ns, &routes, &n), 0);
	assert_int_equal(n, 20000);
	for (size_t i = 1; i < n; i++)
		assert_true(route_compare(routes[i - 1], routes[i]) < 0);
	free(routes);
	for (unsigned i = 0; i < 20000; i += 2) {
		snprintf(dst, sizeof(dst), "10.42.%u.%u/32", (i * 7919u) % 256, i / 256);
		assert_int_equal(del_route(ns, dst, "10.0.0.1", 2), APPLY_CHANGED);
	}
	assert_int_equal(netstate_routes_kept(ns), 10000);
	netstate_free(ns);
}

static void apply_capture(NetState *ns, const char *file)
{
	void *buf;
	size_t len, offset = 0;
	const struct nlmsghdr *nlh;

	testdata_read(file, &buf, &len);
	while (rtnl_next_message(buf, len, &offset, &nlh) > 0) {
		assert_int_equal(rtnl_decode(nlh, &msg), 0);
		assert_true(netstate_apply(ns, &msg) >= 0);
	}
	free(buf);
}

static bool has_route(NetState *ns, const char *dst)
{
	const Route **routes;
	size_t n;
	bool found = false;
	Prefix p;

	assert_int_equal(prefix_parse(dst, &p), 0);
	assert_int_equal(netstate_sorted_routes(ns, &routes, &n), 0);
	for (size_t i = 0; i < n; i++)
		if (routes[i]->family == p.family && routes[i]->dst_len == p.len &&
		    memcmp(&routes[i]->dst, &p.addr, sizeof(p.addr)) == 0 &&
		    routes[i]->table == RT_TABLE_MAIN)
			found = true;
	free(routes);
	return found;
}

/* The captured Flannel node, then the captured notifications (see test-rtnl.c for their story). */
static void test_captured_dump_then_events(void **state)
{
	NetState *ns = new_state();

	apply_capture(ns, "flannel-node.dump");
	const Link *flannel = netstate_link_by_name(ns, "flannel.1");
	const Link *cni0 = netstate_link_by_name(ns, "cni0");
	assert_non_null(flannel);
	assert_non_null(cni0);
	assert_int_equal(netstate_bridge_ports(ns, cni0->ifindex), 1);
	assert_true(has_route(ns, "10.42.1.0/24"));
	assert_true(has_route(ns, "10.42.3.0/24"));
	assert_true(has_route(ns, "0.0.0.0/0"));
	assert_true(has_route(ns, "2001:db8::/64"));
	/* 24 IPv4 and IPv6 routes in all tables, local ones counted but not kept */
	assert_int_equal(netstate_routes_seen(ns), 30);
	assert_true(netstate_routes_kept(ns) < netstate_routes_seen(ns));

	apply_capture(ns, "events.dump");
	assert_null(netstate_link_by_name(ns, "flannel.1"));
	assert_false(has_route(ns, "10.42.1.0/24")); /* went with flannel.1, no DELROUTE */
	assert_false(has_route(ns, "10.42.9.0/24"));
	assert_int_equal(netstate_link_by_name(ns, "eth0")->mtu, 1400);
	const Link *pod = netstate_link_by_name(ns, "veth-pod1");
	assert_non_null(pod); /* the AF_BRIDGE RTM_DELLINK is about the port, not the device */
	assert_int_equal(pod->master, 0);
	assert_int_equal(netstate_bridge_ports(ns, cni0->ifindex), 0);
	netstate_free(ns);
}

/* Gateways queued for a question, as "a.b.c.d" lines sorted, "" when none. */
static char *questions(NetState *ns)
{
	GatewayQuestion q[64];
	size_t n = netstate_take_gateway_questions(ns, q, ELEMENTSOF(q));
	static char text[64 * INET6_ADDRSTRLEN];
	char lines[64][INET6_ADDRSTRLEN];

	for (size_t i = 0; i < n; i++)
		inet_ntop(q[i].family, &q[i].addr, lines[i], sizeof(lines[i]));
	qsort(lines, n, sizeof(lines[0]), (int (*)(const void *, const void *))strcmp);
	text[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		strcat(text, lines[i]);
		strcat(text, i + 1 < n ? " " : "");
	}
	return text;
}

static void answer(NetState *ns, const char *gw, uint32_t connected, uint32_t oif, int expected)
{
	GatewayAnswer a = {.family = AF_INET, .connected_ifindex = connected, .oif = oif};
	assert_int_equal(inet_pton(AF_INET, gw, &a.addr), 1);
	assert_int_equal(netstate_gateway_answer(ns, &a), expected);
}

static void notify_route(NetState *ns, RtnlKind kind, const char *dst, const char *gw,
			 uint32_t ifindex)
{
	build_route(kind, dst, gw, ifindex);
	msg.notification = true;
	assert_true(netstate_apply(ns, &msg) >= 0);
}

/* With questions on, a connected route outside the native CIDR is kept only when it is the prefix
 * route of an address (proto kernel): the million scope-link /32s of a BGP node are counted. */
static void test_questions_keep_fewer_connected_routes(void **state)
{
	NetState *ns = node();

	netstate_set_gateway_questions(ns, true);
	build_route(RTNL_ROUTE_NEW, "100.64.0.1/32", "", 2);
	assert_false(netstate_route_is_kept(ns, &msg.route));
	msg.route.protocol = RTPROT_KERNEL;
	assert_true(netstate_route_is_kept(ns, &msg.route));
	build_route(RTNL_ROUTE_NEW, "10.42.0.5/32", "", 4); /* a pod's route: inside native */
	assert_true(netstate_route_is_kept(ns, &msg.route));
	netstate_set_gateway_questions(ns, false);
	build_route(RTNL_ROUTE_NEW, "100.64.0.1/32", "", 2);
	assert_true(netstate_route_is_kept(ns, &msg.route)); /* preflight keeps them all */
	netstate_free(ns);
}

/* Which gateways are asked about again: those a change may have moved, and only those. */
static void test_questions_follow_changes(void **state)
{
	NetState *ns = node();

	netstate_set_gateway_questions(ns, true);
	assert_int_equal(add_route(ns, "10.42.1.0/24", "10.0.0.1", 2), APPLY_CHANGED);
	assert_int_equal(add_route(ns, "10.42.2.0/24", "10.0.0.1", 2), APPLY_CHANGED);
	assert_int_equal(add_route(ns, "10.42.3.0/24", "10.1.0.1", 2), APPLY_CHANGED);
	/* a new gateway is asked about once, however many routes go through it */
	assert_string_equal(questions(ns), "10.0.0.1 10.1.0.1");
	assert_string_equal(questions(ns), "");
	assert_int_equal(netstate_gateways_unanswered(ns), 2);
	/* no verdict for the gateways yet: not synced for evaluation (mirror_is_synced) */
	answer(ns, "10.0.0.1", 2, 2, APPLY_CHANGED); /* the verdict moves from "not connected" */
	assert_int_equal(netstate_gateways_unanswered(ns), 1);
	answer(ns, "10.1.0.1", 0, 2, 0);
	assert_int_equal(netstate_gateways_unanswered(ns), 0);
	assert_int_equal(netstate_pod_routes_off(ns, 2), 1);
	assert_int_equal(netstate_connected_ifindex(ns, AF_INET, &(InAddr){.bytes = {10, 0, 0, 1}}),
			 2);
	/* an answer for a gateway no pod route uses any more changes nothing */
	answer(ns, "10.9.9.9", 2, 2, 0);

	/* a route notification, kept or not, asks about the gateways inside it, only those */
	notify_route(ns, RTNL_ROUTE_NEW, "10.1.0.0/16", "", 2); /* scope link, not kept */
	assert_string_equal(questions(ns), "10.1.0.1");
	notify_route(ns, RTNL_ROUTE_NEW, "100.64.0.0/10", "10.0.0.254", 2);
	assert_string_equal(questions(ns), "");
	notify_route(ns, RTNL_ROUTE_DEL, "10.0.0.0/8", "10.0.0.254", 2);
	assert_string_equal(questions(ns), "10.0.0.1 10.1.0.1");
	/* the answer held stays until the new one: the kernel's view of a moment ago */
	answer(ns, "10.1.0.1", 2, 2, APPLY_CHANGED);
	assert_int_equal(netstate_pod_routes_off(ns, 2), 0);

	/* a dumped route does not ask; the sweep ending the dump asks about all */
	netstate_begin_sync(ns, SYNC_ROUTES4);
	assert_int_equal(add_route(ns, "10.0.0.0/24", "", 2), 0);
	assert_int_equal(add_route(ns, "10.42.1.0/24", "10.0.0.1", 2), 0);
	assert_int_equal(add_route(ns, "10.42.2.0/24", "10.0.0.1", 2), 0);
	assert_int_equal(add_route(ns, "10.42.3.0/24", "10.1.0.1", 2), 0);
	assert_string_equal(questions(ns), "");
	netstate_sweep(ns, SYNC_ROUTES4);
	assert_string_equal(questions(ns), "10.0.0.1 10.1.0.1");

	/* a link going down asks about the gateways whose answer went out of it, only those */
	assert_int_equal(add_link(ns, 5, "eth1", "", IFF_UP), APPLY_CHANGED);
	answer(ns, "10.1.0.1", 0, 5, APPLY_CHANGED); /* now via a router on eth1 */
	answer(ns, "10.0.0.1", 2, 2, 0);
	assert_int_equal(add_link(ns, 4, "cni0", "bridge", 0), APPLY_CHANGED);
	assert_string_equal(questions(ns), "");
	assert_int_equal(add_link(ns, 5, "eth1", "", 0), APPLY_CHANGED);
	assert_string_equal(questions(ns), "10.1.0.1");
	assert_int_equal(del_link(ns, 5), APPLY_CHANGED);
	assert_string_equal(questions(ns), "10.1.0.1");
	/* an address of their family asks about all of them */
	nb_addr(ns, 4, "2001:db8::1/64");
	assert_string_equal(questions(ns), "");
	nb_addr(ns, 4, "10.5.0.1/24");
	assert_string_equal(questions(ns), "10.0.0.1 10.1.0.1");

	/* the last route through a gateway takes it out of the queue and the unanswered count */
	assert_int_equal(add_route(ns, "10.42.4.0/24", "10.2.0.1", 2), APPLY_CHANGED);
	assert_int_equal(netstate_gateways_unanswered(ns), 1);
	assert_int_equal(del_route(ns, "10.42.4.0/24", "10.2.0.1", 2), APPLY_CHANGED);
	assert_int_equal(netstate_gateways_unanswered(ns), 0);
	assert_string_equal(questions(ns), "");

	/* questions off (the socket is gone): the kept routes decide again */
	netstate_set_gateway_questions(ns, false);
	assert_int_equal(netstate_gateways_unanswered(ns), 0);
	assert_int_equal(netstate_connected_ifindex(ns, AF_INET, &(InAddr){.bytes = {10, 0, 0, 1}}),
			 0);
	assert_int_equal(netstate_pod_routes_off(ns, 2),
			 3); /* no kept connected route covers them */
	/* on again: every gateway is unanswered and asked */
	netstate_set_gateway_questions(ns, true);
	assert_int_equal(netstate_gateways_unanswered(ns), 2);
	assert_string_equal(questions(ns), "10.0.0.1 10.1.0.1");
	netstate_free(ns);
}

/* A gateway that is the node's own address: the kernel answers with a local route; the kept main
 * table (which holds the address's prefix route) decides, as the kernel does for gateways. */
static void test_questions_local_answer(void **state)
{
	NetState *ns = node();

	netstate_set_gateway_questions(ns, true);
	build_route(RTNL_ROUTE_NEW, "192.168.1.0/24", "", 2);
	msg.route.protocol = RTPROT_KERNEL;
	assert_int_equal(netstate_apply(ns, &msg), APPLY_CHANGED);
	assert_int_equal(add_route(ns, "10.42.2.0/24", "192.168.1.2", 2), APPLY_CHANGED);
	GatewayAnswer a = {
	    .family = AF_INET, .addr.bytes = {192, 168, 1, 2}, .oif = 1, .local = true};
	assert_int_equal(netstate_gateway_answer(ns, &a),
			 0); /* the kept verdict already said eth0 */
	assert_int_equal(netstate_pod_routes_off(ns, 2), 0);
	assert_int_equal(del_route(ns, "192.168.1.0/24", "", 2), APPLY_CHANGED);
	assert_int_equal(netstate_pod_routes_off(ns, 2), 1);
	netstate_free(ns);
}

/* The peer test goes by binary search over the sorted peers: check it against every peer, one by
 * one, on 5000 peers of both families given in no order, for prefixes of every length. */
static void test_route_covers_peer_among_many(void **state)
{
	enum { N = 5000 };
	Prefix *peers = calloc(N, sizeof(*peers));
	uint32_t seed = 12345;
	assert_non_null(peers);
	for (size_t i = 0; i < N; i++) {
		seed = seed * 1103515245u + 12345u;
		peers[i].family = i % 3 == 0 ? AF_INET6 : AF_INET;
		peers[i].len = (uint8_t)(peers[i].family == AF_INET6 ? 128 : 32);
		/* 172.16.0.0/12 and 2001:db8::/32 with random low bits: neighbours share prefixes
		 */
		uint32_t v4 = htonl(0xac100000u | (seed >> 12));
		if (peers[i].family == AF_INET) {
			memcpy(peers[i].addr.bytes, &v4, 4);
		} else {
			memcpy(peers[i].addr.bytes, "\x20\x01\x0d\xb8", 4);
			memcpy(peers[i].addr.bytes + 12, &seed, 4);
		}
	}
	Prefix native;
	assert_int_equal(prefix_parse("10.42.0.0/16", &native), 0);
	NetState *ns;
	assert_int_equal(netstate_new(&ns), 0);
	assert_int_equal(netstate_set_route_filter(ns, &native, 1, peers, N), 0);
	assert_int_equal(add_link(ns, 2, "eth0", "", IFF_UP), APPLY_CHANGED);

	size_t kept = 0, counted = 0;
	for (size_t i = 0; i < 2000; i++) {
		seed = seed * 1103515245u + 12345u;
		bool v6 = i % 2;
		const Prefix *near = &peers[(seed >> 8) % N];
		build_route(RTNL_ROUTE_NEW, v6 ? "2001:db8::/64" : "100.64.0.0/24",
			    v6 ? "fe80::1" : "10.0.0.1", 2);
		Route *r = &msg.route;
		unsigned bits = v6 ? 128 : 32;
		r->dst_len = (uint8_t)(1 + seed % bits);
		/* near a peer, a bit flipped somewhere, and stray bits past the length left in */
		if (near->family == r->family)
			r->dst = near->addr;
		r->dst.bytes[(seed >> 16) % (bits / 8)] ^= (uint8_t)(1u << ((seed >> 24) % 8));
		bool expected = false;
		for (size_t p = 0; p < N && !expected; p++) {
			Prefix dst = {.family = r->family, .len = r->dst_len, .addr = r->dst};
			expected = prefix_contains(&dst, peers[p].family, &peers[p].addr);
		}
		if (prefix_overlaps(&native, &(Prefix){r->family, r->dst_len, r->dst}))
			continue; /* kept for the native CIDR, whatever the peers */
		if (netstate_route_is_kept(ns, r) != expected)
			fail_msg("route %zu (/%u): expected %s", i, r->dst_len,
				 expected ? "kept" : "counted only");
		expected ? kept++ : counted++;
	}
	/* both answers were exercised */
	assert_true(kept > 100);
	assert_true(counted > 100);
	netstate_free(ns);
	free(peers);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_route_filter),
	    cmocka_unit_test(test_counting_routes_not_kept),
	    cmocka_unit_test(test_notification_racing_a_dump_asks_for_a_recount),
	    cmocka_unit_test(test_pod_route_counts_follow_changes),
	    cmocka_unit_test(test_pod_route_counts_match_a_scan),
	    cmocka_unit_test(test_links_by_name),
	    cmocka_unit_test(test_vanished_link_takes_its_routes),
	    cmocka_unit_test(test_replace_and_update),
	    cmocka_unit_test(test_silent_ipv4_flushes_are_flagged),
	    cmocka_unit_test(test_mark_and_sweep),
	    cmocka_unit_test(test_bridge_ports),
	    cmocka_unit_test(test_many_routes_stay_sorted_and_exact),
	    cmocka_unit_test(test_captured_dump_then_events),
	    cmocka_unit_test(test_questions_keep_fewer_connected_routes),
	    cmocka_unit_test(test_questions_follow_changes),
	    cmocka_unit_test(test_questions_local_answer),
	    cmocka_unit_test(test_route_covers_peer_among_many),
	};
	return unit_main(argc, argv, tests);
}
