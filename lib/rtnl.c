/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/netconf.h>
#include <linux/rtnetlink.h>
#include <string.h>
#include <sys/socket.h>

#include "rtnl.h"

int rtnl_next_message(const void *buf, size_t len, size_t *offset, const struct nlmsghdr **ret)
{
	size_t left = len - *offset;

	if (*offset >= len)
		return 0;
	if (left < sizeof(struct nlmsghdr))
		return -EBADMSG;

	const struct nlmsghdr *nlh = (const struct nlmsghdr *)((const char *)buf + *offset);
	/* Unsigned comparisons on purpose: see the note on libmnl in rtnl.h. */
	if (nlh->nlmsg_len < sizeof(struct nlmsghdr) || nlh->nlmsg_len > left)
		return -EBADMSG;

	size_t step = NLMSG_ALIGN(nlh->nlmsg_len);
	*offset += step < left ? step : left;
	*ret = nlh;
	return 1;
}

/* The first attribute at p, or NULL when none fits before end. Walks as libmnl's
 * mnl_attr_for_each does (the same attributes, the walk ends without error at the first one that
 * does not fit), but inline: a dump of a million routes made a library call per attribute. */
static inline const struct nlattr *attr_at(const uint8_t *p, const uint8_t *end)
{
	const struct nlattr *a = (const struct nlattr *)p;

	if (end - p < (ptrdiff_t)sizeof(*a) || a->nla_len < sizeof(*a) || a->nla_len > end - p)
		return NULL;
	return a;
}

static inline const uint8_t *attr_after(const struct nlattr *a)
{
	return (const uint8_t *)a + NLA_ALIGN(a->nla_len);
}

static inline uint16_t attr_type(const struct nlattr *a)
{
	return a->nla_type & NLA_TYPE_MASK;
}

static inline size_t attr_len(const struct nlattr *a)
{
	return a->nla_len - NLA_HDRLEN;
}

static inline const void *attr_data(const struct nlattr *a)
{
	return (const uint8_t *)a + NLA_HDRLEN;
}

#define for_each_attr(a, start, end)                                                               \
	for (const struct nlattr *a = attr_at((start), (end)); a; a = attr_at(attr_after(a), (end)))

static size_t payload_len(const struct nlmsghdr *nlh)
{
	return nlh->nlmsg_len - NLMSG_HDRLEN;
}

/* The attributes after a message's fixed header; rtnl_decode() has checked that nlmsg_len is
 * aligned, so the end is the message's end. */
static const uint8_t *message_attrs(const struct nlmsghdr *nlh, size_t header_size)
{
	return (const uint8_t *)nlh + NLMSG_HDRLEN + NLMSG_ALIGN(header_size);
}

static const uint8_t *message_end(const struct nlmsghdr *nlh)
{
	return (const uint8_t *)nlh + NLMSG_ALIGN(nlh->nlmsg_len);
}

/* Unknown (newer) attributes are skipped, not errors; of two with one type, the last counts. */
static void collect_attrs(const uint8_t *start, const uint8_t *end, const struct nlattr **tb,
			  uint16_t max)
{
	memset(tb, 0, sizeof(*tb) * (max + 1u));
	for_each_attr(a, start, end) if (attr_type(a) <= max) tb[attr_type(a)] = a;
}

static int parse_message_attrs(const struct nlmsghdr *nlh, size_t header_size,
			       const struct nlattr **tb, uint16_t max)
{
	if (payload_len(nlh) < header_size)
		return -EBADMSG;
	collect_attrs(message_attrs(nlh, header_size), message_end(nlh), tb, max);
	return 0;
}

static int parse_nested_attrs(const struct nlattr *nest, const struct nlattr **tb, uint16_t max)
{
	collect_attrs(attr_data(nest), (const uint8_t *)nest + nest->nla_len, tb, max);
	return 0;
}

static int attr_u32(const struct nlattr *a, uint32_t *ret)
{
	if (mnl_attr_validate(a, MNL_TYPE_U32) < 0)
		return -EBADMSG;
	*ret = mnl_attr_get_u32(a);
	return 0;
}

static int attr_u8(const struct nlattr *a, uint8_t *ret)
{
	if (mnl_attr_validate(a, MNL_TYPE_U8) < 0)
		return -EBADMSG;
	*ret = mnl_attr_get_u8(a);
	return 0;
}

static int attr_string(const struct nlattr *a, char *buf, size_t size)
{
	if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0)
		return -EBADMSG;
	const char *s = mnl_attr_get_str(a);
	size_t n = strnlen(s, mnl_attr_get_payload_len(a));
	if (n == 0 || n >= size)
		return -EBADMSG;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return 0;
}

static int attr_address(const struct nlattr *a, int family, InAddr *ret)
{
	size_t n = inaddr_size(family);

	if (attr_len(a) != n)
		return -EBADMSG;
	memset(ret, 0, sizeof(*ret));
	memcpy(ret->bytes, attr_data(a), n);
	return 0;
}

static int decode_vxlan(const struct nlattr *data, TunnelInfo *t)
{
	const struct nlattr *tb[IFLA_VXLAN_MAX + 1];
	int r;

	if (parse_nested_attrs(data, tb, IFLA_VXLAN_MAX) < 0)
		return -EBADMSG;
	t->present = true;
	t->learning = true; /* the kernel's default when the attribute is absent */
	if (tb[IFLA_VXLAN_ID] && (r = attr_u32(tb[IFLA_VXLAN_ID], &t->vni)) < 0)
		return r;
	if (tb[IFLA_VXLAN_PORT]) {
		if (mnl_attr_validate(tb[IFLA_VXLAN_PORT], MNL_TYPE_U16) < 0)
			return -EBADMSG;
		t->dstport = ntohs(mnl_attr_get_u16(tb[IFLA_VXLAN_PORT]));
	}
	uint8_t flag;
	if (tb[IFLA_VXLAN_LEARNING]) {
		if ((r = attr_u8(tb[IFLA_VXLAN_LEARNING], &flag)) < 0)
			return r;
		t->learning = flag != 0;
	}
	if (tb[IFLA_VXLAN_COLLECT_METADATA]) {
		if ((r = attr_u8(tb[IFLA_VXLAN_COLLECT_METADATA], &flag)) < 0)
			return r;
		t->external = flag != 0;
	}
	if (tb[IFLA_VXLAN_LOCAL]) {
		if ((r = attr_address(tb[IFLA_VXLAN_LOCAL], AF_INET, &t->local)) < 0)
			return r;
		t->local_family = AF_INET;
	} else if (tb[IFLA_VXLAN_LOCAL6]) {
		if ((r = attr_address(tb[IFLA_VXLAN_LOCAL6], AF_INET6, &t->local)) < 0)
			return r;
		t->local_family = AF_INET6;
	}
	if (tb[IFLA_VXLAN_LINK] && (r = attr_u32(tb[IFLA_VXLAN_LINK], &t->underlying)) < 0)
		return r;
	return 0;
}

static int decode_geneve(const struct nlattr *data, TunnelInfo *t)
{
	const struct nlattr *tb[IFLA_GENEVE_MAX + 1];
	int r;

	if (parse_nested_attrs(data, tb, IFLA_GENEVE_MAX) < 0)
		return -EBADMSG;
	t->present = true;
	if (tb[IFLA_GENEVE_ID] && (r = attr_u32(tb[IFLA_GENEVE_ID], &t->vni)) < 0)
		return r;
	if (tb[IFLA_GENEVE_PORT]) {
		if (mnl_attr_validate(tb[IFLA_GENEVE_PORT], MNL_TYPE_U16) < 0)
			return -EBADMSG;
		t->dstport = ntohs(mnl_attr_get_u16(tb[IFLA_GENEVE_PORT]));
	}
	/* A flag attribute: present means external, as `ip link add … geneve external` sets it. */
	t->external = tb[IFLA_GENEVE_COLLECT_METADATA] != NULL;
	return 0;
}

static int decode_linkinfo(const struct nlattr *linkinfo, Link *l)
{
	const struct nlattr *tb[IFLA_INFO_MAX + 1];
	int r;

	if (parse_nested_attrs(linkinfo, tb, IFLA_INFO_MAX) < 0)
		return -EBADMSG;
	if (!tb[IFLA_INFO_KIND])
		return 0;
	if ((r = attr_string(tb[IFLA_INFO_KIND], l->kind, sizeof(l->kind))) < 0)
		return r;
	if (!tb[IFLA_INFO_DATA])
		return 0;
	if (strcmp(l->kind, "vxlan") == 0)
		return decode_vxlan(tb[IFLA_INFO_DATA], &l->tunnel);
	if (strcmp(l->kind, "geneve") == 0)
		return decode_geneve(tb[IFLA_INFO_DATA], &l->tunnel);
	return 0;
}

static int decode_link(const struct nlmsghdr *nlh, RtnlMessage *m)
{
	const struct nlattr *tb[IFLA_MAX + 1];
	Link *l = &m->link;
	int r;

	if (parse_message_attrs(nlh, sizeof(struct ifinfomsg), tb, IFLA_MAX) < 0)
		return -EBADMSG;
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	/* The bridge sends AF_BRIDGE RTM_NEWLINK/RTM_DELLINK about its ports on the same group; a
	 * port leaving the bridge is not the device going away. */
	if (ifi->ifi_family != AF_UNSPEC) {
		m->kind = RTNL_IGNORED;
		return 0;
	}
	if (ifi->ifi_index <= 0)
		return -EBADMSG;

	memset(l, 0, sizeof(*l));
	l->ifindex = (uint32_t)ifi->ifi_index;
	l->flags = ifi->ifi_flags;
	if (nlh->nlmsg_type == RTM_DELLINK) {
		m->kind = RTNL_LINK_DEL;
		/* The name it had when it went, for the enforcer's echo (issue 13); the mirror goes
		 * by index, and a malformed name there only loses the name. */
		if (tb[IFLA_IFNAME] && attr_string(tb[IFLA_IFNAME], l->name, sizeof(l->name)) < 0)
			l->name[0] = '\0';
		return 0;
	}
	m->kind = RTNL_LINK_NEW;
	if (!tb[IFLA_IFNAME])
		return -EBADMSG;
	if ((r = attr_string(tb[IFLA_IFNAME], l->name, sizeof(l->name))) < 0)
		return r;
	if (tb[IFLA_MTU] && (r = attr_u32(tb[IFLA_MTU], &l->mtu)) < 0)
		return r;
	if (tb[IFLA_MASTER] && (r = attr_u32(tb[IFLA_MASTER], &l->master)) < 0)
		return r;
	if (tb[IFLA_LINKINFO] && (r = decode_linkinfo(tb[IFLA_LINKINFO], l)) < 0)
		return r;
	return 0;
}

static int decode_addr(const struct nlmsghdr *nlh, RtnlMessage *m)
{
	const struct nlattr *tb[IFA_MAX + 1];
	int r;

	if (parse_message_attrs(nlh, sizeof(struct ifaddrmsg), tb, IFA_MAX) < 0)
		return -EBADMSG;
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	if (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6) {
		m->kind = RTNL_IGNORED;
		return 0;
	}
	if (ifa->ifa_index == 0 || ifa->ifa_prefixlen > inaddr_size(ifa->ifa_family) * 8)
		return -EBADMSG;

	LinkAddress *a = &m->address;
	memset(a, 0, sizeof(*a));
	m->addr_ifindex = ifa->ifa_index;
	a->prefix.family = ifa->ifa_family;
	a->prefix.len = ifa->ifa_prefixlen;
	a->scope = ifa->ifa_scope;
	/* IFA_LOCAL is the address itself; IFA_ADDRESS is the peer on point-to-point links. */
	const struct nlattr *local = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	if (!local)
		return -EBADMSG;
	if ((r = attr_address(local, ifa->ifa_family, &a->prefix.addr)) < 0)
		return r;
	m->kind = nlh->nlmsg_type == RTM_NEWADDR ? RTNL_ADDR_NEW : RTNL_ADDR_DEL;
	return 0;
}

/* RTA_VIA: an IPv4 route whose gateway is an IPv6 address. */
static int decode_via(const struct nlattr *a, Nexthop *nh)
{
	const struct rtvia *via = attr_data(a);
	size_t len = attr_len(a);

	if (len < sizeof(*via))
		return -EBADMSG;
	if (via->rtvia_family != AF_INET && via->rtvia_family != AF_INET6)
		return -EBADMSG;
	if (len - sizeof(*via) != inaddr_size(via->rtvia_family))
		return -EBADMSG;
	memset(&nh->gw, 0, sizeof(nh->gw));
	memcpy(nh->gw.bytes, via->rtvia_addr, inaddr_size(via->rtvia_family));
	nh->gw_family = (uint8_t)via->rtvia_family;
	return 0;
}

static int decode_gateway(const struct nlattr *gateway, const struct nlattr *via, int family,
			  Nexthop *nh)
{
	int r;

	if (gateway) {
		if ((r = attr_address(gateway, family, &nh->gw)) < 0)
			return r;
		nh->gw_family = (uint8_t)family;
	} else if (via) {
		return decode_via(via, nh);
	}
	return 0;
}

static const uint8_t KERNEL_NEXTHOP_MARKS = RTNH_F_DEAD | RTNH_F_LINKDOWN;

static int decode_multipath(const struct nlattr *mp, Route *r, Nexthop *storage)
{
	const uint8_t *p = attr_data(mp);
	size_t left = attr_len(mp);

	r->n_nexthops = 0;
	while (left > 0) {
		const struct rtnexthop *rtnh = (const struct rtnexthop *)p;
		if (left < sizeof(*rtnh) || rtnh->rtnh_len < sizeof(*rtnh) || rtnh->rtnh_len > left)
			return -EBADMSG;
		if (r->n_nexthops >= ROUTE_NEXTHOPS_MAX)
			return -E2BIG;
		if (rtnh->rtnh_ifindex < 0)
			return -EBADMSG;

		Nexthop *nh = &storage[r->n_nexthops++];
		*nh = (Nexthop){
		    .ifindex = (uint32_t)rtnh->rtnh_ifindex,
		    .flags = rtnh->rtnh_flags & (uint8_t)~KERNEL_NEXTHOP_MARKS,
		    .weight = (uint8_t)(rtnh->rtnh_hops + 1),
		};

		const struct nlattr *gateway = NULL, *via = NULL;
		for_each_attr(a, p + RTNH_ALIGN(sizeof(*rtnh)), p + rtnh->rtnh_len)
		{
			if (attr_type(a) == RTA_GATEWAY)
				gateway = a;
			else if (attr_type(a) == RTA_VIA)
				via = a;
		}
		int err = decode_gateway(gateway, via, r->family, nh);
		if (err < 0)
			return err;

		size_t step = RTNH_ALIGN(rtnh->rtnh_len);
		if (step > left)
			step = left;
		p += step;
		left -= step;
	}
	return 0;
}

/* A u32 attribute: exactly four bytes, as mnl_attr_validate(MNL_TYPE_U32) wants them. */
static int route_u32(const struct nlattr *a, uint32_t *ret)
{
	if (attr_len(a) != sizeof(*ret))
		return -EBADMSG;
	memcpy(ret, attr_data(a), sizeof(*ret));
	return 0;
}

/* The attributes a route is made of, found in one pass: a dump of a million routes is a million
 * of these, so no table of every RTA_* type to clear and no call per attribute. */
typedef struct RouteAttrs {
	const struct nlattr *table, *priority, *dst, *src, *oif, *gateway, *via, *multipath;
} RouteAttrs;

static void collect_route_attrs(const struct nlmsghdr *nlh, RouteAttrs *ra)
{
	*ra = (RouteAttrs){};
	for_each_attr(a, message_attrs(nlh, sizeof(struct rtmsg)), message_end(nlh))
	{
		switch (attr_type(a)) {
		case RTA_TABLE:
			ra->table = a;
			break;
		case RTA_PRIORITY:
			ra->priority = a;
			break;
		case RTA_DST:
			ra->dst = a;
			break;
		case RTA_SRC:
			ra->src = a;
			break;
		case RTA_OIF:
			ra->oif = a;
			break;
		case RTA_GATEWAY:
			ra->gateway = a;
			break;
		case RTA_VIA:
			ra->via = a;
			break;
		case RTA_MULTIPATH:
			ra->multipath = a;
			break;
		default:
			break;
		}
	}
}

static int decode_route(const struct nlmsghdr *nlh, RtnlMessage *m)
{
	Route *r = &m->route;
	RouteAttrs ra;
	int err;

	if (payload_len(nlh) < sizeof(struct rtmsg))
		return -EBADMSG;
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	/* Only IPv4 and IPv6 unicast tables; cloned entries are the IPv6 route cache, not config.
	 */
	if ((rtm->rtm_family != AF_INET && rtm->rtm_family != AF_INET6) ||
	    (rtm->rtm_flags & RTM_F_CLONED)) {
		m->kind = RTNL_IGNORED;
		return 0;
	}
	unsigned bits = (unsigned)inaddr_size(rtm->rtm_family) * 8;
	if (rtm->rtm_dst_len > bits || rtm->rtm_src_len > bits)
		return -EBADMSG;

	collect_route_attrs(nlh, &ra);
	*r = (Route){
	    .family = rtm->rtm_family,
	    .dst_len = rtm->rtm_dst_len,
	    .src_len = rtm->rtm_src_len,
	    .tos = rtm->rtm_tos,
	    .protocol = rtm->rtm_protocol,
	    .scope = rtm->rtm_scope,
	    .type = rtm->rtm_type,
	    .table = rtm->rtm_table,
	    .flags = rtm->rtm_flags & (RTNH_F_ONLINK | RTNH_F_PERVASIVE),
	    .nexthops = m->nexthops,
	};

	if (ra.table && (err = route_u32(ra.table, &r->table)) < 0)
		return err;
	if (ra.priority && (err = route_u32(ra.priority, &r->priority)) < 0)
		return err;
	if (ra.dst && (err = attr_address(ra.dst, r->family, &r->dst)) < 0)
		return err;
	if (ra.src && (err = attr_address(ra.src, r->family, &r->src)) < 0)
		return err;

	if (ra.multipath) {
		r->multipath = true;
		if ((err = decode_multipath(ra.multipath, r, m->nexthops)) < 0)
			return err;
	} else if (ra.oif || ra.gateway || ra.via) {
		Nexthop *nh = &m->nexthops[0];
		*nh = (Nexthop){.weight = 1, .flags = (uint8_t)r->flags};
		r->n_nexthops = 1;
		if (ra.oif && (err = route_u32(ra.oif, &nh->ifindex)) < 0)
			return err;
		if ((err = decode_gateway(ra.gateway, ra.via, r->family, nh)) < 0)
			return err;
	}
	m->kind = nlh->nlmsg_type == RTM_NEWROUTE ? RTNL_ROUTE_NEW : RTNL_ROUTE_DEL;
	return 0;
}

int rtnl_decode(const struct nlmsghdr *nlh, RtnlMessage *ret)
{
	ret->kind = RTNL_IGNORED;
	ret->replace = (nlh->nlmsg_flags & NLM_F_REPLACE) != 0;
	ret->notification = false; /* the reader knows better and says so after decoding */
	/* libmnl walks attributes up to the aligned end of the message; the kernel always pads, so
	 * an unpadded length can only be a forged message that would make it read past the buffer.
	 */
	if (nlh->nlmsg_len != NLMSG_ALIGN(nlh->nlmsg_len))
		return -EBADMSG;
	switch (nlh->nlmsg_type) {
	case RTM_NEWLINK:
	case RTM_DELLINK:
		return decode_link(nlh, ret);
	case RTM_NEWADDR:
	case RTM_DELADDR:
		return decode_addr(nlh, ret);
	case RTM_NEWROUTE:
	case RTM_DELROUTE:
		return decode_route(nlh, ret);
	default:
		return 0;
	}
}

bool rtnl_netconf_is_global_ipv4(const struct nlmsghdr *nlh)
{
	const struct nlattr *tb[NETCONFA_MAX + 1];
	uint32_t ifindex;

	if (nlh->nlmsg_len != NLMSG_ALIGN(nlh->nlmsg_len) ||
	    parse_message_attrs(nlh, sizeof(struct netconfmsg), tb, NETCONFA_MAX) < 0)
		return false;
	const struct netconfmsg *ncm = mnl_nlmsg_get_payload(nlh);
	if (ncm->ncm_family != AF_INET || !tb[NETCONFA_IFINDEX] ||
	    attr_u32(tb[NETCONFA_IFINDEX], &ifindex) < 0)
		return false;
	return (int32_t)ifindex == NETCONFA_IFINDEX_ALL;
}
