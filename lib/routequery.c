/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <string.h>
#include <sys/socket.h>

#include "routequery.h"

struct nlmsghdr *routequery_request(void *buf, const GatewayQuestion *q, uint32_t seq)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));

	nlh->nlmsg_type = RTM_GETROUTE;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	nlh->nlmsg_seq = seq;
	rtm->rtm_family = q->family;
	rtm->rtm_dst_len = q->family == AF_INET6 ? 128 : 32;
	mnl_attr_put(nlh, RTA_DST, inaddr_size(q->family), &q->addr);
	return nlh;
}

typedef struct RouteAttrs {
	const struct nlattr *dst, *oif, *gateway;
} RouteAttrs;

static int collect(const struct nlattr *a, void *data)
{
	RouteAttrs *attrs = data;

	switch (mnl_attr_get_type(a)) {
	case RTA_DST:
		attrs->dst = a;
		break;
	case RTA_OIF:
		if (mnl_attr_validate(a, MNL_TYPE_U32) < 0)
			return MNL_CB_ERROR;
		attrs->oif = a;
		break;
	case RTA_GATEWAY:
	case RTA_VIA:
	case RTA_MULTIPATH: /* several nexthops: not one device reached directly */
		attrs->gateway = a;
		break;
	}
	return MNL_CB_OK;
}

/* The rtmsg and attributes of a route message of len bytes (a request or an answer). */
static int parse_route(const struct nlmsghdr *nlh, size_t len, const struct rtmsg **ret_rtm,
		       RouteAttrs *attrs, GatewayAnswer *a)
{
	const struct rtmsg *rtm;

	if (len < NLMSG_HDRLEN || nlh->nlmsg_len > len ||
	    nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*rtm)))
		return -EBADMSG;
	rtm = mnl_nlmsg_get_payload(nlh);
	if (rtm->rtm_family != AF_INET && rtm->rtm_family != AF_INET6)
		return -EBADMSG;
	*attrs = (RouteAttrs){};
	if (mnl_attr_parse(nlh, sizeof(*rtm), collect, attrs) < 0 || !attrs->dst ||
	    mnl_attr_get_payload_len(attrs->dst) != inaddr_size(rtm->rtm_family))
		return -EBADMSG;
	*a = (GatewayAnswer){.family = rtm->rtm_family};
	memcpy(&a->addr, mnl_attr_get_payload(attrs->dst), inaddr_size(rtm->rtm_family));
	*ret_rtm = rtm;
	return 0;
}

int routequery_decode(const struct nlmsghdr *nlh, size_t len, GatewayAnswer *ret)
{
	const struct rtmsg *rtm;
	RouteAttrs attrs;
	GatewayAnswer a;
	int r;

	if (len < NLMSG_HDRLEN || nlh->nlmsg_len < NLMSG_HDRLEN || nlh->nlmsg_len > len)
		return -EBADMSG;
	if (nlh->nlmsg_type == NLMSG_ERROR) {
		const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);
		if (nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(*err))
			return -EBADMSG;
		if (err->error == 0)
			return -ENOMSG;
		/* No route (ENETUNREACH and friends): the request follows, as it was sent. */
		size_t echoed = nlh->nlmsg_len - NLMSG_HDRLEN - offsetof(struct nlmsgerr, msg);
		if ((r = parse_route(&err->msg, echoed, &rtm, &attrs, &a)) < 0)
			return r;
		*ret = a;
		return 0;
	}
	if (nlh->nlmsg_type != RTM_NEWROUTE)
		return -ENOMSG;
	if ((r = parse_route(nlh, nlh->nlmsg_len, &rtm, &attrs, &a)) < 0)
		return r;
	if (attrs.oif)
		a.oif = mnl_attr_get_u32(attrs.oif);
	if (rtm->rtm_type == RTN_UNICAST && !attrs.gateway)
		a.connected_ifindex = a.oif;
	a.local = rtm->rtm_type == RTN_LOCAL;
	*ret = a;
	return 0;
}
