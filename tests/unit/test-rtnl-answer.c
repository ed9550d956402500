/* SPDX-License-Identifier: MIT */
/*
 * The answer path of a request socket: forged, misaddressed and stale messages are not answers,
 * ACKs are read within their length, extended ACK words are found capped or not, and EBUSY is
 * retried a bounded number of times. The ACKs are built here the way the kernel lays them out
 * (netlink_ack(): header, nlmsgerr, the request unless capped, padded, then the attributes).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <linux/rtnetlink.h>
#include <string.h>

#include "rtnl-answer.h"
#include "unit-main.h"

#define PORT 4242u
#define SEQ 1000u

typedef struct Ack {
	union {
		struct nlmsghdr nlh;
		uint8_t bytes[512];
	};
} Ack;

/* Written with memcpy: the parts are not objects of the union's types, and an optimiser may drop
 * stores through pointers of other types into it. */
static size_t put(Ack *a, size_t at, const void *p, size_t len)
{
	memcpy(a->bytes + at, p, len);
	return at + len;
}

static size_t put_attr(Ack *a, size_t at, uint16_t type, const void *data, size_t len)
{
	struct nlattr attr = {.nla_len = (uint16_t)(NLA_HDRLEN + len), .nla_type = type};
	put(a, at, &attr, sizeof(attr));
	put(a, at + NLA_HDRLEN, data, len);
	return at + NLA_ALIGN(attr.nla_len);
}

/* An ACK of a request of request_len bytes (header included) with error, and the kernel's words
 * in an NLMSGERR_ATTR_MSG when message is not NULL. Capped: the request's header only. */
static Ack ack(int error, uint32_t request_len, bool capped, const char *message)
{
	Ack a = {};
	struct nlmsgerr err = {.error = error,
			       .msg = {.nlmsg_len = request_len,
				       .nlmsg_type = RTM_DELLINK,
				       .nlmsg_seq = SEQ,
				       .nlmsg_pid = PORT}};
	size_t len = put(&a, NLMSG_HDRLEN, &err, sizeof(err));
	uint16_t flags = capped ? NLM_F_CAPPED : 0;

	if (!capped)
		len = NLMSG_ALIGN(len + request_len - sizeof(struct nlmsghdr));
	if (message) {
		/* An attribute the reader must step over first, then the words. */
		uint32_t offs = 0;
		len = put_attr(&a, len, NLMSGERR_ATTR_OFFS, &offs, sizeof(offs));
		len = put_attr(&a, len, NLMSGERR_ATTR_MSG, message, strlen(message) + 1);
		flags |= NLM_F_ACK_TLVS;
	}
	struct nlmsghdr nlh = {.nlmsg_len = (uint32_t)len,
			       .nlmsg_type = NLMSG_ERROR,
			       .nlmsg_flags = flags,
			       .nlmsg_seq = SEQ,
			       .nlmsg_pid = PORT};
	put(&a, 0, &nlh, sizeof(nlh));
	return a;
}

static void test_only_the_kernel_answers(void **state)
{
	Ack a = ack(-EPERM, 32, true, NULL);

	assert_true(rtnl_answer_matches(0, &a.nlh, PORT, SEQ));
	/* A local process forging the kernel's answer: its own port is the sender's. */
	assert_false(rtnl_answer_matches(PORT + 1, &a.nlh, PORT, SEQ));
	assert_false(rtnl_answer_matches(1, &a.nlh, PORT, SEQ));
	/* The kernel's, but for another socket or another (earlier, lost) request. */
	assert_false(rtnl_answer_matches(0, &a.nlh, PORT + 1, SEQ));
	assert_false(rtnl_answer_matches(0, &a.nlh, PORT, SEQ + 1));
	assert_false(rtnl_answer_matches(0, &a.nlh, PORT, SEQ - 1));
}

static void test_ack_error(void **state)
{
	int error = 1;

	Ack a = ack(0, 32, true, NULL);
	assert_int_equal(rtnl_ack_error(&a.nlh, &error), 0);
	assert_int_equal(error, 0);
	a = ack(-EBUSY, 32, false, NULL);
	assert_int_equal(rtnl_ack_error(&a.nlh, &error), 0);
	assert_int_equal(error, -EBUSY);
}

static void test_truncated_ack_is_refused(void **state)
{
	int error = 7;
	Ack a = ack(-EPERM, 32, true, NULL);

	/* Every length short of the nlmsgerr: nothing is read past it, *ret_error untouched. */
	for (uint32_t len = 0; len < NLMSG_HDRLEN + sizeof(struct nlmsgerr); len++) {
		a.nlh.nlmsg_len = len;
		assert_int_equal(rtnl_ack_error(&a.nlh, &error), -EBADMSG);
	}
	assert_int_equal(error, 7);
	/* Not an NLMSG_ERROR, or an error no kernel sends. */
	a = ack(-EPERM, 32, true, NULL);
	a.nlh.nlmsg_type = RTM_NEWLINK;
	assert_int_equal(rtnl_ack_error(&a.nlh, &error), -EBADMSG);
	a = ack(5, 32, true, NULL);
	assert_int_equal(rtnl_ack_error(&a.nlh, &error), -EBADMSG);
	assert_int_equal(error, 7);
}

static void test_ack_message_capped_and_uncapped(void **state)
{
	char buf[64];

	Ack a = ack(-EOPNOTSUPP, 32, true, "Cannot delete this device");
	rtnl_ack_message(&a.nlh, buf, sizeof(buf));
	assert_string_equal(buf, "Cannot delete this device");
	/* The request echoed in full before the attributes, at a length that needs padding. */
	a = ack(-EOPNOTSUPP, 38, false, "Cannot delete this device");
	rtnl_ack_message(&a.nlh, buf, sizeof(buf));
	assert_string_equal(buf, "Cannot delete this device");
	/* Cut to the caller's buffer. */
	rtnl_ack_message(&a.nlh, buf, 7);
	assert_string_equal(buf, "Cannot");
	/* No NLM_F_ACK_TLVS: no words, whatever follows. */
	a.nlh.nlmsg_flags &= (uint16_t)~NLM_F_ACK_TLVS;
	rtnl_ack_message(&a.nlh, buf, sizeof(buf));
	assert_string_equal(buf, "");
	a = ack(-EPERM, 32, true, NULL);
	rtnl_ack_message(&a.nlh, buf, sizeof(buf));
	assert_string_equal(buf, "");
}

static void test_ack_message_within_its_length(void **state)
{
	char buf[64];

	/* Every cut of the message: words found only when they fit whole (the last attribute's
	 * padding may be cut), and what lies beyond the cut is garbage never read. */
	Ack full = ack(-EOPNOTSUPP, 32, false, "no");
	uint32_t words_end = full.nlh.nlmsg_len - (NLA_ALIGN(NLA_HDRLEN + 3) - (NLA_HDRLEN + 3));
	for (uint32_t len = 0; len <= full.nlh.nlmsg_len; len++) {
		Ack a = full;
		size_t garbage = len < NLMSG_HDRLEN ? NLMSG_HDRLEN : len;
		memset(a.bytes + garbage, 0xff, sizeof(a.bytes) - garbage);
		a.nlh.nlmsg_len = len;
		rtnl_ack_message(&a.nlh, buf, sizeof(buf));
		if (len >= words_end)
			assert_string_equal(buf, "no");
		else
			assert_string_equal(buf, "");
	}
	/* An echoed request longer than the ACK (uncapped), or shorter than a header. */
	size_t echoed_len = NLMSG_HDRLEN + offsetof(struct nlmsgerr, msg.nlmsg_len);
	Ack a = ack(-EOPNOTSUPP, 32, false, "no");
	put(&a, echoed_len, &(uint32_t){0xfffffff0}, sizeof(uint32_t));
	rtnl_ack_message(&a.nlh, buf, sizeof(buf));
	assert_string_equal(buf, "");
	put(&a, echoed_len, &(uint32_t){3}, sizeof(uint32_t));
	rtnl_ack_message(&a.nlh, buf, sizeof(buf));
	assert_string_equal(buf, "");
	/* An attribute claiming more than is left, or less than its own header. */
	size_t first_len =
	    NLMSG_HDRLEN + sizeof(struct nlmsgerr) + offsetof(struct nlattr, nla_len);
	a = ack(-EOPNOTSUPP, 32, true, "no");
	put(&a, first_len, &(uint16_t){0xffff}, sizeof(uint16_t));
	rtnl_ack_message(&a.nlh, buf, sizeof(buf));
	assert_string_equal(buf, "");
	put(&a, first_len, &(uint16_t){2}, sizeof(uint16_t));
	rtnl_ack_message(&a.nlh, buf, sizeof(buf));
	assert_string_equal(buf, "");
}

static void test_ebusy_is_retried_a_bounded_number_of_times(void **state)
{
	int attempts = 0;

	for (int i = 1; i < RTNL_DELETE_ATTEMPTS; i++) {
		assert_int_equal(rtnl_delete_next(-EBUSY, &attempts), RTNL_DELETE_RETRY);
		assert_int_equal(attempts, i);
	}
	/* The last attempt's EBUSY is final: a refusal, reported. */
	assert_int_equal(rtnl_delete_next(-EBUSY, &attempts), RTNL_DELETE_DONE);
	assert_int_equal(attempts, RTNL_DELETE_ATTEMPTS - 1);
}

static void test_delete_outcomes(void **state)
{
	int attempts = 0;

	assert_int_equal(rtnl_delete_next(0, &attempts), RTNL_DELETE_DONE);
	assert_int_equal(rtnl_delete_next(-ENODEV, &attempts), RTNL_DELETE_DONE);
	assert_int_equal(rtnl_delete_next(-EPERM, &attempts), RTNL_DELETE_DONE);
	assert_int_equal(rtnl_delete_next(-EOPNOTSUPP, &attempts), RTNL_DELETE_DONE);
	/* A lost answer is neither a removal nor a refusal, and never retried blind. */
	assert_int_equal(rtnl_delete_next(-ETIMEDOUT, &attempts), RTNL_DELETE_LOST);
	assert_int_equal(rtnl_delete_next(-ENOBUFS, &attempts), RTNL_DELETE_LOST);
	assert_int_equal(attempts, 0);
	/* After some EBUSY, the real outcome still counts as it is. */
	assert_int_equal(rtnl_delete_next(-EBUSY, &attempts), RTNL_DELETE_RETRY);
	assert_int_equal(rtnl_delete_next(0, &attempts), RTNL_DELETE_DONE);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_only_the_kernel_answers),
	    cmocka_unit_test(test_ack_error),
	    cmocka_unit_test(test_truncated_ack_is_refused),
	    cmocka_unit_test(test_ack_message_capped_and_uncapped),
	    cmocka_unit_test(test_ack_message_within_its_length),
	    cmocka_unit_test(test_ebusy_is_retried_a_bounded_number_of_times),
	    cmocka_unit_test(test_delete_outcomes),
	};
	return unit_main(argc, argv, tests);
}
