/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>

#include "rtnl-answer.h"

bool rtnl_answer_matches(uint32_t sender_port, const struct nlmsghdr *nlh, uint32_t port,
			 uint32_t seq)
{
	/* The sender's port is set by the kernel on delivery and cannot be forged; the header's
	 * port and sequence can, so they only pick our answer among the kernel's messages. */
	return sender_port == 0 && nlh->nlmsg_pid == port && nlh->nlmsg_seq == seq;
}

int rtnl_ack_error(const struct nlmsghdr *nlh, int *ret_error)
{
	if (nlh->nlmsg_type != NLMSG_ERROR ||
	    nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(struct nlmsgerr))
		return -EBADMSG;
	int error = ((const struct nlmsgerr *)NLMSG_DATA(nlh))->error;
	/* The kernel sends 0 or a negative errno; anything else is not an errno to pass on. */
	if (error > 0 || error < -4095)
		return -EBADMSG;
	*ret_error = error;
	return 0;
}

void rtnl_ack_message(const struct nlmsghdr *nlh, char *buf, size_t size)
{
	if (size == 0)
		return;
	buf[0] = '\0';
	if (nlh->nlmsg_type != NLMSG_ERROR || !(nlh->nlmsg_flags & NLM_F_ACK_TLVS) ||
	    nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(struct nlmsgerr))
		return;
	const struct nlmsgerr *err = NLMSG_DATA(nlh);
	size_t len = nlh->nlmsg_len - NLMSG_HDRLEN, offset = sizeof(*err);
	/* Uncapped, the whole request is echoed before the attributes (the kernel pads it to 4). */
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) {
		if (err->msg.nlmsg_len < sizeof(struct nlmsghdr) ||
		    err->msg.nlmsg_len - sizeof(struct nlmsghdr) > len - offset)
			return;
		offset = NLMSG_ALIGN(offset + err->msg.nlmsg_len - sizeof(struct nlmsghdr));
	}
	while (offset <= len && len - offset >= sizeof(struct nlattr)) {
		const struct nlattr *a = (const struct nlattr *)((const char *)err + offset);
		if (a->nla_len < sizeof(*a) || a->nla_len > len - offset)
			return;
		if ((a->nla_type & NLA_TYPE_MASK) == NLMSGERR_ATTR_MSG) {
			snprintf(buf, size, "%.*s", (int)(a->nla_len - sizeof(*a)),
				 (const char *)(a + 1));
			return;
		}
		offset += NLA_ALIGN(a->nla_len);
	}
}

RtnlDeleteNext rtnl_delete_next(int error, int *attempts)
{
	if (error == -ETIMEDOUT || error == -ENOBUFS)
		return RTNL_DELETE_LOST;
	/* EBUSY is the kernel asking to come back, not a refusal. */
	if (error == -EBUSY && *attempts + 1 < RTNL_DELETE_ATTEMPTS) {
		(*attempts)++;
		return RTNL_DELETE_RETRY;
	}
	return RTNL_DELETE_DONE;
}
