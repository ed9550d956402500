/* SPDX-License-Identifier: MIT */
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "firewall-nft.h"

static bool long_enough(const struct nlmsghdr *nlh)
{
	return nlh->nlmsg_len >= NLMSG_HDRLEN + sizeof(struct nfgenmsg);
}

int firewall_nft_message_genid16(const struct nlmsghdr *nlh)
{
	if (!long_enough(nlh))
		return -EBADMSG;
	const struct nfgenmsg *g = NLMSG_DATA(nlh);
	return ntohs(g->res_id);
}

/* Both names must fit: a longer one is not from a kernel (NFT_*_MAXNAMELEN is 256). */
static bool names_fit(const char *a, const char *b)
{
	return strlen(a) < FW_NAME_MAX && strlen(b) < FW_NAME_MAX;
}

/* A string attribute that is NUL-terminated within its payload, or NULL. */
static const char *attr_str(const struct nlattr *attr)
{
	if (!attr || mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0)
		return NULL;
	return mnl_attr_get_str(attr);
}

static uint64_t attr_be64(const struct nlattr *attr, bool *ok)
{
	*ok = mnl_attr_validate(attr, MNL_TYPE_U64) == 0;
	return *ok ? be64toh(mnl_attr_get_u64(attr)) : 0;
}

static int apply_table(Firewall *fw, const struct nlmsghdr *nlh, bool del, bool *changed)
{
	const struct nfgenmsg *g = NLMSG_DATA(nlh);
	const struct nlattr *attr;
	const char *name = NULL;
	uint64_t handle = 0;
	bool ok;
	int r;

	mnl_attr_for_each(attr, nlh, sizeof(struct nfgenmsg))
	{
		if (mnl_attr_get_type(attr) == NFTA_TABLE_NAME)
			name = attr_str(attr);
		else if (mnl_attr_get_type(attr) == NFTA_TABLE_HANDLE)
			handle = attr_be64(attr, &ok);
	}
	if (!name || !names_fit(name, ""))
		return NFT_MESSAGE_MALFORMED;
	if (del) {
		*changed = firewall_del_table(fw, FW_BACKEND_NFT, g->nfgen_family, name) > 0;
		return NFT_MESSAGE_OBJECT;
	}
	r = firewall_add_table(fw, FW_BACKEND_NFT, g->nfgen_family, name, handle);
	if (r < 0)
		return r;
	*changed = r > 0;
	return NFT_MESSAGE_OBJECT;
}

static int apply_chain(Firewall *fw, const struct nlmsghdr *nlh, bool del, bool *changed)
{
	const struct nfgenmsg *g = NLMSG_DATA(nlh);
	const struct nlattr *attr;
	const char *table = NULL, *name = NULL;
	FwChain chain = {.backend = FW_BACKEND_NFT, .family = g->nfgen_family};
	bool ok;
	int r;

	mnl_attr_for_each(attr, nlh, sizeof(struct nfgenmsg))
	{
		switch (mnl_attr_get_type(attr)) {
		case NFTA_CHAIN_TABLE:
			table = attr_str(attr);
			break;
		case NFTA_CHAIN_NAME:
			name = attr_str(attr);
			break;
		case NFTA_CHAIN_HANDLE:
			chain.handle = attr_be64(attr, &ok);
			break;
		case NFTA_CHAIN_HOOK:
			/* Only base chains are hooked into the stack. */
			chain.base = true;
			break;
		}
	}
	if (!table || !name || !names_fit(table, name))
		return NFT_MESSAGE_MALFORMED;
	if (del) {
		*changed = firewall_del_chain(fw, FW_BACKEND_NFT, g->nfgen_family, table, name) > 0;
		return NFT_MESSAGE_OBJECT;
	}
	snprintf(chain.table, sizeof(chain.table), "%s", table);
	snprintf(chain.name, sizeof(chain.name), "%s", name);
	r = firewall_add_chain(fw, &chain);
	if (r < 0)
		return r;
	*changed = r > 0;
	return NFT_MESSAGE_OBJECT;
}

typedef struct RuleFields {
	const char *table;
	const char *chain;
	bool has_handle;
	uint64_t handle;
	const char *target; /* of the first jump or goto */
	bool is_goto;
} RuleFields;

/* NFTA_IMMEDIATE_DATA > NFTA_DATA_VERDICT > {NFTA_VERDICT_CODE, NFTA_VERDICT_CHAIN}. */
static void immediate_jump(const struct nlattr *data, RuleFields *f)
{
	const struct nlattr *a, *b, *c;

	mnl_attr_for_each_nested(a, data)
	{
		if (mnl_attr_get_type(a) != NFTA_IMMEDIATE_DATA)
			continue;
		mnl_attr_for_each_nested(b, a)
		{
			const char *chain = NULL;
			int code = 0;
			bool has_code = false;
			if (mnl_attr_get_type(b) != NFTA_DATA_VERDICT)
				continue;
			mnl_attr_for_each_nested(c, b)
			{
				if (mnl_attr_get_type(c) == NFTA_VERDICT_CODE &&
				    mnl_attr_validate(c, MNL_TYPE_U32) == 0) {
					code = (int)ntohl(mnl_attr_get_u32(c));
					has_code = true;
				} else if (mnl_attr_get_type(c) == NFTA_VERDICT_CHAIN) {
					chain = attr_str(c);
				}
			}
			if (has_code && chain && (code == NFT_JUMP || code == NFT_GOTO)) {
				f->target = chain;
				f->is_goto = code == NFT_GOTO;
			}
		}
	}
}

/*
 * iptables-nft writes -j CHAIN / -g CHAIN as an immediate expression with verdict NFT_JUMP /
 * NFT_GOTO and the chain's name. Verdict maps (native rulesets) can jump too; they are not
 * followed, so a chain reached only through one counts no jump.
 * Of a rule only its table, chain, handle and that one verdict matter here.
 */
static bool rule_fields(const struct nlmsghdr *nlh, RuleFields *f)
{
	const struct nlattr *attr, *elem, *inner;

	mnl_attr_for_each(attr, nlh, sizeof(struct nfgenmsg))
	{
		switch (mnl_attr_get_type(attr)) {
		case NFTA_RULE_TABLE:
			f->table = attr_str(attr);
			break;
		case NFTA_RULE_CHAIN:
			f->chain = attr_str(attr);
			break;
		case NFTA_RULE_HANDLE:
			if (mnl_attr_validate(attr, MNL_TYPE_U64) == 0) {
				f->handle = be64toh(mnl_attr_get_u64(attr));
				f->has_handle = true;
			}
			break;
		case NFTA_RULE_EXPRESSIONS:
			mnl_attr_for_each_nested(elem, attr)
			{
				const char *name = NULL;
				const struct nlattr *data = NULL;
				mnl_attr_for_each_nested(inner, elem)
				{
					if (mnl_attr_get_type(inner) == NFTA_EXPR_NAME)
						name = attr_str(inner);
					else if (mnl_attr_get_type(inner) == NFTA_EXPR_DATA)
						data = inner;
				}
				if (!f->target && name && data && strcmp(name, "immediate") == 0)
					immediate_jump(data, f);
			}
			break;
		}
	}
	return f->table && f->chain && f->has_handle;
}

static int apply_rule(Firewall *fw, const struct nlmsghdr *nlh, bool del, bool *changed)
{
	const struct nfgenmsg *g = NLMSG_DATA(nlh);
	RuleFields f = {};
	int r;

	if (!rule_fields(nlh, &f) || !names_fit(f.table, f.chain))
		return NFT_MESSAGE_MALFORMED;
	if (del || !f.target || !names_fit(f.target, "")) {
		/* Deleted, or (re)placed without a jump: what the model held under this handle
		 * is gone. */
		*changed = firewall_del_rule(fw, FW_BACKEND_NFT, g->nfgen_family, f.table, f.chain,
					     f.handle) > 0;
		return NFT_MESSAGE_OBJECT;
	}
	FwRule fr = {.backend = FW_BACKEND_NFT,
		     .family = g->nfgen_family,
		     .handle = f.handle,
		     .is_goto = f.is_goto};
	snprintf(fr.table, sizeof(fr.table), "%s", f.table);
	snprintf(fr.chain, sizeof(fr.chain), "%s", f.chain);
	snprintf(fr.target, sizeof(fr.target), "%s", f.target);
	r = firewall_add_rule(fw, &fr);
	if (r < 0)
		return r;
	*changed = r > 0;
	return NFT_MESSAGE_OBJECT;
}

static int parse_newgen(const struct nlmsghdr *nlh, uint32_t *ret_genid)
{
	const struct nlattr *attr;

	mnl_attr_for_each(attr, nlh, sizeof(struct nfgenmsg))
	{
		if (mnl_attr_get_type(attr) != NFTA_GEN_ID ||
		    mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
			continue;
		if (ret_genid)
			*ret_genid = ntohl(mnl_attr_get_u32(attr));
		return NFT_MESSAGE_NEWGEN;
	}
	return NFT_MESSAGE_MALFORMED;
}

int firewall_nft_apply(Firewall *fw, const struct nlmsghdr *nlh, bool *ret_changed,
		       uint32_t *ret_genid)
{
	bool changed = false;
	int r;

	if (ret_changed)
		*ret_changed = false;
	if (NFNL_SUBSYS_ID(nlh->nlmsg_type) != NFNL_SUBSYS_NFTABLES)
		return NFT_MESSAGE_IGNORED;
	if (!long_enough(nlh))
		return NFT_MESSAGE_MALFORMED;
	switch (NFNL_MSG_TYPE(nlh->nlmsg_type)) {
	case NFT_MSG_NEWTABLE:
	case NFT_MSG_DELTABLE:
		r = apply_table(fw, nlh, NFNL_MSG_TYPE(nlh->nlmsg_type) == NFT_MSG_DELTABLE,
				&changed);
		break;
	case NFT_MSG_NEWCHAIN:
	case NFT_MSG_DELCHAIN:
		r = apply_chain(fw, nlh, NFNL_MSG_TYPE(nlh->nlmsg_type) == NFT_MSG_DELCHAIN,
				&changed);
		break;
	case NFT_MSG_NEWRULE:
	case NFT_MSG_DELRULE:
		r = apply_rule(fw, nlh, NFNL_MSG_TYPE(nlh->nlmsg_type) == NFT_MSG_DELRULE,
			       &changed);
		break;
	case NFT_MSG_NEWGEN:
		return parse_newgen(nlh, ret_genid);
	default:
		return NFT_MESSAGE_IGNORED;
	}
	if (ret_changed)
		*ret_changed = changed;
	return r;
}

int firewall_nft_apply_buffer(Firewall *fw, const void *buf, size_t len)
{
	size_t offset = 0;
	int applied = 0;

	while (offset < len) {
		size_t left = len - offset;
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)((const char *)buf + offset);
		if (left < sizeof(struct nlmsghdr))
			return -EBADMSG;
		/* Unsigned on purpose: libmnl 1.0.4 trusts nlmsg_len values ≥ 0x80000000. */
		if (nlh->nlmsg_len < sizeof(struct nlmsghdr) || nlh->nlmsg_len > left)
			return -EBADMSG;
		size_t step = NLMSG_ALIGN(nlh->nlmsg_len);
		offset += step < left ? step : left;
		int r = firewall_nft_apply(fw, nlh, NULL, NULL);
		if (r < 0)
			return r;
		if (r == NFT_MESSAGE_OBJECT)
			applied++;
	}
	return applied;
}
