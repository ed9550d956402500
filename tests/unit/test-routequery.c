/* SPDX-License-Identifier: MIT */
/* The question about one address and the reading of the kernel's answer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <string.h>

#include "routequery.h"
#include "unit-main.h"

static uint8_t buf[1024];

/* An answer as the kernel writes it: RTM_NEWROUTE for addr/32 of type, out of oif, via gw. */
static struct nlmsghdr *answer(uint8_t type, const char *addr, uint32_t oif, const char *gw)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	struct in_addr a;

	nlh->nlmsg_type = RTM_NEWROUTE;
	rtm->rtm_family = AF_INET;
	rtm->rtm_dst_len = 32;
	rtm->rtm_type = type;
	rtm->rtm_table = RT_TABLE_MAIN;
	assert_int_equal(inet_pton(AF_INET, addr, &a), 1);
	mnl_attr_put(nlh, RTA_DST, sizeof(a), &a);
	if (oif)
		mnl_attr_put_u32(nlh, RTA_OIF, oif);
	if (gw) {
		assert_int_equal(inet_pton(AF_INET, gw, &a), 1);
		mnl_attr_put(nlh, RTA_GATEWAY, sizeof(a), &a);
	}
	return nlh;
}

static void test_connected(void **state)
{
	GatewayAnswer a;
	struct nlmsghdr *nlh = answer(RTN_UNICAST, "10.0.0.1", 2, NULL);

	assert_int_equal(routequery_decode(nlh, nlh->nlmsg_len, &a), 0);
	assert_int_equal(a.family, AF_INET);
	assert_memory_equal(a.addr.bytes, ((uint8_t[]){10, 0, 0, 1}), 4);
	assert_int_equal(a.connected_ifindex, 2);
	assert_int_equal(a.oif, 2);
	assert_false(a.local);
}

static void test_through_a_gateway(void **state)
{
	GatewayAnswer a;
	struct nlmsghdr *nlh = answer(RTN_UNICAST, "10.0.0.3", 2, "10.0.0.1");

	assert_int_equal(routequery_decode(nlh, nlh->nlmsg_len, &a), 0);
	assert_int_equal(a.connected_ifindex, 0);
	assert_int_equal(a.oif, 2);
}

static void test_local_and_unreachable(void **state)
{
	GatewayAnswer a;
	struct nlmsghdr *nlh = answer(RTN_LOCAL, "192.168.1.2", 1, NULL);

	assert_int_equal(routequery_decode(nlh, nlh->nlmsg_len, &a), 0);
	assert_int_equal(a.connected_ifindex, 0);
	assert_true(a.local);
	nlh = answer(RTN_UNREACHABLE, "10.9.0.1", 0, NULL);
	assert_int_equal(routequery_decode(nlh, nlh->nlmsg_len, &a), 0);
	assert_int_equal(a.connected_ifindex, 0);
	assert_false(a.local);
}

/* No route at all: the kernel answers an error echoing the question, which names the address. */
static void test_error_names_the_question(void **state)
{
	uint8_t request[ROUTEQUERY_REQUEST_SIZE];
	GatewayQuestion q = {.family = AF_INET6};
	GatewayAnswer a;

	assert_int_equal(inet_pton(AF_INET6, "2001:db8::7", &q.addr), 1);
	struct nlmsghdr *req = routequery_request(request, &q, 42);
	assert_int_equal(req->nlmsg_type, RTM_GETROUTE);
	assert_int_equal(req->nlmsg_seq, 42);
	assert_true(req->nlmsg_len <= ROUTEQUERY_REQUEST_SIZE);

	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = NLMSG_ERROR;
	struct nlmsgerr *err = mnl_nlmsg_put_extra_header(nlh, sizeof(int) + req->nlmsg_len);
	err->error = -ENETUNREACH;
	memcpy(&err->msg, req, req->nlmsg_len);
	assert_int_equal(routequery_decode(nlh, nlh->nlmsg_len, &a), 0);
	assert_int_equal(a.family, AF_INET6);
	assert_memory_equal(&a.addr, &q.addr, 16);
	assert_int_equal(a.connected_ifindex, 0);

	/* an ACK is no answer; a cut echo is malformed */
	err->error = 0;
	assert_int_equal(routequery_decode(nlh, nlh->nlmsg_len, &a), -ENOMSG);
	err->error = -ENETUNREACH;
	nlh->nlmsg_len -= 8;
	assert_int_equal(routequery_decode(nlh, nlh->nlmsg_len, &a), -EBADMSG);
}

static void test_malformed(void **state)
{
	GatewayAnswer a;
	struct nlmsghdr *nlh = answer(RTN_UNICAST, "10.0.0.1", 2, NULL);

	assert_int_equal(routequery_decode(nlh, nlh->nlmsg_len - 1, &a), -EBADMSG); /* cut */
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWROUTE;
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = AF_INET;
	assert_int_equal(routequery_decode(nlh, nlh->nlmsg_len, &a), -EBADMSG); /* no RTA_DST */
	mnl_attr_put(nlh, RTA_DST, 2, "ab");
	assert_int_equal(routequery_decode(nlh, nlh->nlmsg_len, &a), -EBADMSG); /* wrong size */
	nlh->nlmsg_type = RTM_NEWLINK;
	assert_int_equal(routequery_decode(nlh, nlh->nlmsg_len, &a), -ENOMSG);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_connected),
	    cmocka_unit_test(test_through_a_gateway),
	    cmocka_unit_test(test_local_and_unreachable),
	    cmocka_unit_test(test_error_names_the_question),
	    cmocka_unit_test(test_malformed),
	};
	return unit_main(argc, argv, tests);
}
