/* SPDX-License-Identifier: MIT */
/*
 * The rtnetlink decoder against messages a real kernel sent. The data in tests/unit/data/ was made
 * by tests/unit/data/capture.sh with tests/tools/rtnl-capture.c: a namespace shaped like a Flannel
 * node (flannel.1, cni0 with a port, Flannel's and Cilium's routes, IPv6, cilium_vxlan external),
 * dumped (flannel-node.dump), then notifications while it changed (events.dump). geneve.dump and
 * wireguard.dump are built by the same tool, since this kernel cannot create those devices.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>

#include "rtnl.h"
#include "testdata.h"
#include "unit-main.h"

typedef struct Capture {
	void *buf;
	size_t len;
} Capture;

static Capture load(const char *name)
{
	Capture c;
	testdata_read(name, &c.buf, &c.len);
	return c;
}

/* Decodes every message of a capture; calls visit for each that decoded to something. */
static size_t decode_all(const Capture *c, void (*visit)(const RtnlMessage *, void *), void *arg)
{
	static RtnlMessage m;
	const struct nlmsghdr *nlh;
	size_t offset = 0, n = 0;
	int r;

	while ((r = rtnl_next_message(c->buf, c->len, &offset, &nlh)) > 0) {
		assert_int_equal(rtnl_decode(nlh, &m), 0);
		if (visit)
			visit(&m, arg);
		n++;
	}
	assert_int_equal(r, 0);
	return n;
}

typedef struct Found {
	const char *name;
	Link link;
	bool found;
} Found;

static void find_link(const RtnlMessage *m, void *arg)
{
	Found *f = arg;
	if (m->kind == RTNL_LINK_NEW && strcmp(m->link.name, f->name) == 0) {
		f->link = m->link;
		f->found = true;
	}
}

static Link link_named(const Capture *c, const char *name)
{
	Found f = {.name = name};
	decode_all(c, find_link, &f);
	if (!f.found)
		fail_msg("no link %s in the capture", name);
	return f.link;
}

static void test_dump_decodes_flannel_devices(void **state)
{
	Capture c = load("flannel-node.dump");

	assert_int_equal(decode_all(&c, NULL, NULL), 48);
	Link eth0 = link_named(&c, "eth0"), flannel = link_named(&c, "flannel.1");
	assert_string_equal(flannel.kind, "vxlan");
	assert_true(flannel.tunnel.present);
	assert_int_equal(flannel.tunnel.vni, 1);
	assert_int_equal(flannel.tunnel.dstport, 8472);
	assert_false(flannel.tunnel.external);
	assert_false(flannel.tunnel.learning);
	assert_int_equal(flannel.tunnel.local_family, AF_INET);
	assert_int_equal(flannel.tunnel.local.in.s_addr, inet_addr("10.0.0.2"));
	assert_int_equal(flannel.tunnel.underlying, eth0.ifindex);
	assert_int_equal(flannel.mtu, 1450);
	assert_true(flannel.flags & IFF_UP);

	Link cilium = link_named(&c, "cilium_vxlan");
	assert_string_equal(cilium.kind, "vxlan");
	assert_true(cilium.tunnel.external);
	assert_int_equal(cilium.tunnel.dstport, 8472);
	assert_int_equal(cilium.tunnel.underlying, 0);

	Link cni0 = link_named(&c, "cni0"), port = link_named(&c, "veth-pod1");
	assert_string_equal(cni0.kind, "bridge");
	assert_string_equal(port.kind, "veth");
	assert_int_equal(port.master, cni0.ifindex);
	assert_string_equal(link_named(&c, "lo").kind, "");
	free(c.buf);
}

typedef struct RouteQuery {
	int family;
	const char *dst;
	uint8_t dst_len;
	Route route;
	Nexthop nexthops[4];
	bool found;
} RouteQuery;

static void find_route(const RtnlMessage *m, void *arg)
{
	RouteQuery *q = arg;
	InAddr dst = {};
	if (m->kind != RTNL_ROUTE_NEW || m->route.family != q->family ||
	    m->route.dst_len != q->dst_len || m->route.table != RT_TABLE_MAIN)
		return;
	assert_int_equal(inet_pton(q->family, q->dst, &dst), 1);
	if (memcmp(&dst, &m->route.dst, sizeof(dst)) != 0)
		return;
	q->route = m->route;
	for (size_t i = 0; i < m->route.n_nexthops && i < 4; i++)
		q->nexthops[i] = m->route.nexthops[i];
	q->found = true;
}

static RouteQuery route_to(const Capture *c, int family, const char *dst, uint8_t len)
{
	RouteQuery q = {.family = family, .dst = dst, .dst_len = len};
	decode_all(c, find_route, &q);
	if (!q.found)
		fail_msg("no route to %s/%u in the capture", dst, len);
	return q;
}

static void test_dump_decodes_routes(void **state)
{
	Capture c = load("flannel-node.dump");
	uint32_t flannel = link_named(&c, "flannel.1").ifindex, eth0 = link_named(&c, "eth0").ifindex;

	/* Flannel's: 10.42.1.0/24 via 10.42.1.0 dev flannel.1 onlink, protocol boot. */
	RouteQuery q = route_to(&c, AF_INET, "10.42.1.0", 24);
	assert_int_equal(q.route.n_nexthops, 1);
	assert_int_equal(q.nexthops[0].ifindex, flannel);
	assert_int_equal(q.nexthops[0].gw.in.s_addr, inet_addr("10.42.1.0"));
	assert_true(q.nexthops[0].flags & RTNH_F_ONLINK);
	assert_true(q.route.flags & RTNH_F_ONLINK);
	assert_int_equal(q.route.protocol, RTPROT_BOOT);
	assert_false(q.route.multipath);

	/* Cilium's direct node route: proto kernel, via the peer on the NIC. */
	q = route_to(&c, AF_INET, "10.42.2.0", 24);
	assert_int_equal(q.route.protocol, RTPROT_KERNEL);
	assert_int_equal(q.nexthops[0].ifindex, eth0);
	assert_int_equal(q.nexthops[0].gw_family, AF_INET);

	q = route_to(&c, AF_INET, "10.42.3.0", 24);
	assert_true(q.route.multipath);
	assert_int_equal(q.route.n_nexthops, 2);
	assert_int_equal(q.nexthops[0].weight, 2);
	assert_int_equal(q.nexthops[1].weight, 1);
	assert_int_equal(q.nexthops[1].gw.in.s_addr, inet_addr("10.0.0.4"));

	q = route_to(&c, AF_INET, "0.0.0.0", 0);
	assert_int_equal(q.nexthops[0].gw.in.s_addr, inet_addr("10.0.0.1"));

	q = route_to(&c, AF_INET6, "2001:db8:42::", 64);
	assert_int_equal(q.nexthops[0].gw_family, AF_INET6);
	assert_int_equal(q.route.priority, 1024);

	q = route_to(&c, AF_INET, "10.0.0.0", 24);
	assert_int_equal(q.route.scope, RT_SCOPE_LINK);
	assert_int_equal(q.nexthops[0].gw_family, 0);
	free(c.buf);
}

static void count_addresses(const RtnlMessage *m, void *arg)
{
	char buf[PREFIX_STRLEN];
	if (m->kind == RTNL_ADDR_NEW &&
	    (strcmp(prefix_format(&m->address.prefix, buf), "10.0.0.2/24") == 0 ||
	     strcmp(buf, "2001:db8::2/64") == 0 || strcmp(buf, "10.42.0.0/32") == 0))
		(*(int *)arg)++;
}

static void test_dump_decodes_addresses(void **state)
{
	Capture c = load("flannel-node.dump");
	int n = 0;
	decode_all(&c, count_addresses, &n);
	assert_int_equal(n, 3);
	free(c.buf);
}

static void test_synthesized_geneve_and_wireguard(void **state)
{
	Capture c = load("geneve.dump");
	Link geneve = link_named(&c, "cilium_geneve");
	assert_string_equal(geneve.kind, "geneve");
	assert_true(geneve.tunnel.present);
	assert_true(geneve.tunnel.external);
	assert_int_equal(geneve.tunnel.dstport, 6081);
	free(c.buf);

	c = load("wireguard.dump");
	Link wg = link_named(&c, "flannel-wg");
	assert_string_equal(wg.kind, "wireguard");
	assert_false(wg.tunnel.present);
	assert_int_equal(wg.mtu, 1420);
	free(c.buf);
}

static void count_kinds(const RtnlMessage *m, void *arg)
{
	((int *)arg)[m->kind]++;
}

static void test_events_and_bridge_port_messages(void **state)
{
	Capture c = load("events.dump");
	int kinds[RTNL_ROUTE_DEL + 1] = {};
	decode_all(&c, count_kinds, kinds);
	/* veth-pod1 leaving cni0 makes the bridge send AF_BRIDGE RTM_NEWLINK/RTM_DELLINK about the
	 * port; they must be ignored, or the port would look deleted. Only flannel.1 is deleted. */
	assert_true(kinds[RTNL_IGNORED] >= 1);
	assert_int_equal(kinds[RTNL_LINK_DEL], 1);
	assert_true(kinds[RTNL_ROUTE_NEW] >= 1);
	assert_true(kinds[RTNL_ROUTE_DEL] >= 1);
	free(c.buf);
}

/* ---- lengths and malformed input ---- */

static void test_next_message_checks_lengths(void **state)
{
	uint8_t buf[64] = {};
	struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
	const struct nlmsghdr *out;
	size_t offset;

	/* libmnl 1.0.4 casts nlmsg_len to int: 0x80000000 would pass its check. */
	nlh->nlmsg_len = 0x80000000u;
	offset = 0;
	assert_int_equal(rtnl_next_message(buf, sizeof(buf), &offset, &out), -EBADMSG);
	nlh->nlmsg_len = 8;
	offset = 0;
	assert_int_equal(rtnl_next_message(buf, sizeof(buf), &offset, &out), -EBADMSG);
	nlh->nlmsg_len = 65;
	offset = 0;
	assert_int_equal(rtnl_next_message(buf, sizeof(buf), &offset, &out), -EBADMSG);
	offset = 0;
	assert_int_equal(rtnl_next_message(buf, 10, &offset, &out), -EBADMSG);

	nlh->nlmsg_len = 32;
	((struct nlmsghdr *)(buf + 32))->nlmsg_len = 32;
	offset = 0;
	assert_int_equal(rtnl_next_message(buf, sizeof(buf), &offset, &out), 1);
	assert_ptr_equal(out, buf);
	assert_int_equal(rtnl_next_message(buf, sizeof(buf), &offset, &out), 1);
	assert_ptr_equal(out, buf + 32);
	assert_int_equal(rtnl_next_message(buf, sizeof(buf), &offset, &out), 0);
}

static const struct nlattr *get_attr(const struct nlmsghdr *nlh, size_t header, uint16_t type)
{
	const struct nlattr *a;
	mnl_attr_for_each(a, nlh, header) if (mnl_attr_get_type(a) == type) return a;
	return NULL;
}

static struct nlattr *find_attr(struct nlmsghdr *nlh, size_t header, uint16_t type)
{
	const struct nlattr *a = get_attr(nlh, header, type);
	if (!a)
		fail_msg("attribute %u not found", type);
	return (struct nlattr *)a;
}

/* Copies the first message of a type and family that carries attribute attr, for corrupting. */
static struct nlmsghdr *copy_first(const char *file, uint16_t type, int family, size_t header,
				   uint16_t attr)
{
	Capture c = load(file);
	const struct nlmsghdr *nlh;
	size_t offset = 0;

	while (rtnl_next_message(c.buf, c.len, &offset, &nlh) > 0) {
		const uint8_t *family_byte = mnl_nlmsg_get_payload(nlh);
		if (nlh->nlmsg_type == type && *family_byte == family &&
		    get_attr(nlh, header, attr)) {
			struct nlmsghdr *copy = malloc(nlh->nlmsg_len);
			memcpy(copy, nlh, nlh->nlmsg_len);
			free(c.buf);
			return copy;
		}
	}
	fail_msg("no message of type %u with attribute %u in %s", type, attr, file);
	return NULL;
}

static void test_malformed_messages_are_refused(void **state)
{
	static RtnlMessage m;
	struct nlmsghdr *route = copy_first("flannel-node.dump", RTM_NEWROUTE, AF_INET,
					   sizeof(struct rtmsg), RTA_DST);

	/* an address of the wrong size */
	struct nlattr *dst = find_attr(route, sizeof(struct rtmsg), RTA_DST);
	dst->nla_len = 7;
	assert_int_equal(rtnl_decode(route, &m), -EBADMSG);
	dst->nla_len = 8;
	assert_int_equal(rtnl_decode(route, &m), 0);
	/* a destination length past 32 bits */
	((struct rtmsg *)mnl_nlmsg_get_payload(route))->rtm_dst_len = 33;
	assert_int_equal(rtnl_decode(route, &m), -EBADMSG);
	/* shorter than its own header */
	route->nlmsg_len = NLMSG_HDRLEN + 4;
	assert_int_equal(rtnl_decode(route, &m), -EBADMSG);
	/* an unpadded length, which would let libmnl read past the end */
	route->nlmsg_len = NLMSG_HDRLEN + sizeof(struct rtmsg) + 2;
	assert_int_equal(rtnl_decode(route, &m), -EBADMSG);
	free(route);

	struct nlmsghdr *link = copy_first("flannel-node.dump", RTM_NEWLINK, AF_UNSPEC,
					  sizeof(struct ifinfomsg), IFLA_IFNAME);
	struct nlattr *name = find_attr(link, sizeof(struct ifinfomsg), IFLA_IFNAME);
	char *text = mnl_attr_get_payload(name);
	text[mnl_attr_get_payload_len(name) - 1] = 'x'; /* no terminating NUL */
	assert_int_equal(rtnl_decode(link, &m), -EBADMSG);
	free(link);
}

static void test_multipath_overrun_is_refused(void **state)
{
	static RtnlMessage m;
	Capture c = load("flannel-node.dump");
	const struct nlmsghdr *nlh;
	size_t offset = 0;
	struct nlmsghdr *copy = NULL;

	while (rtnl_next_message(c.buf, c.len, &offset, &nlh) > 0) {
		if (nlh->nlmsg_type != RTM_NEWROUTE)
			continue;
		assert_int_equal(rtnl_decode(nlh, &m), 0);
		if (m.route.multipath) {
			copy = malloc(nlh->nlmsg_len);
			memcpy(copy, nlh, nlh->nlmsg_len);
			break;
		}
	}
	assert_non_null(copy);
	struct nlattr *mp = find_attr(copy, sizeof(struct rtmsg), RTA_MULTIPATH);
	struct rtnexthop *rtnh = mnl_attr_get_payload(mp);
	rtnh->rtnh_len = (unsigned short)(mnl_attr_get_payload_len(mp) + 8);
	assert_int_equal(rtnl_decode(copy, &m), -EBADMSG);
	rtnh->rtnh_len = 4;
	assert_int_equal(rtnl_decode(copy, &m), -EBADMSG);
	free(copy);
	free(c.buf);
}

/* Every prefix of every captured message, as its own exact-size buffer: decoding may fail, but
 * must never read outside the buffer (ASan builds check that). */
static void test_every_truncation_is_safe(void **state)
{
	static const char *const files[] = {"flannel-node.dump", "events.dump", "geneve.dump",
					    "wireguard.dump"};
	static RtnlMessage m;
	size_t tried = 0;

	for (size_t f = 0; f < ELEMENTSOF(files); f++) {
		Capture c = load(files[f]);
		const struct nlmsghdr *nlh;
		size_t offset = 0;
		while (rtnl_next_message(c.buf, c.len, &offset, &nlh) > 0) {
			for (uint32_t len = NLMSG_HDRLEN; len <= nlh->nlmsg_len; len += 4) {
				struct nlmsghdr *copy = malloc(len);
				memcpy(copy, nlh, len);
				copy->nlmsg_len = len;
				const struct nlmsghdr *walked;
				size_t o = 0;
				assert_int_equal(rtnl_next_message(copy, len, &o, &walked), 1);
				int r = rtnl_decode(walked, &m);
				assert_true(r == 0 || r == -EBADMSG || r == -E2BIG);
				free(copy);
				tried++;
			}
		}
		free(c.buf);
	}
	assert_true(tried > 1000);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dump_decodes_flannel_devices),
		cmocka_unit_test(test_dump_decodes_routes),
		cmocka_unit_test(test_dump_decodes_addresses),
		cmocka_unit_test(test_synthesized_geneve_and_wireguard),
		cmocka_unit_test(test_events_and_bridge_port_messages),
		cmocka_unit_test(test_next_message_checks_lengths),
		cmocka_unit_test(test_malformed_messages_are_refused),
		cmocka_unit_test(test_multipath_overrun_is_refused),
		cmocka_unit_test(test_every_truncation_is_safe),
	};
	return unit_main(argc, argv, tests);
}
