/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <libiptc/libip6tc.h>
#include <libiptc/libiptc.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "firewall-nft.h"
#include "firewall-read.h"

#define READ_BUFFER (64 * 1024)
#define SNAPSHOT_ATTEMPTS 5

static int send_request(struct mnl_socket *nl, uint16_t type, uint16_t flags, uint32_t seq)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = (NFNL_SUBSYS_NFTABLES << 8) | type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = seq;
	struct nfgenmsg *g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->nfgen_family = AF_UNSPEC; /* every family: ip, ip6, inet, arp, bridge, netdev */
	g->version = NFNETLINK_V0;
	g->res_id = 0;
	return mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0 ? -errno : 0;
}

/* Reads the replies to seq until NLMSG_DONE (dumps) or the ACK (requests). Objects go to fw;
 * *ret_genid gets a NEWGEN's id. -EINTR when the kernel marked the dump interrupted. */
static int read_replies(struct mnl_socket *nl, uint32_t seq, Firewall *fw, uint32_t *ret_genid)
{
	_cleanup_free_ char *buf = malloc(READ_BUFFER);
	bool interrupted = false;

	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl, buf, READ_BUFFER);
		if (n < 0)
			return -errno;
		size_t len = (size_t)n, offset = 0;
		while (offset < len) {
			const struct nlmsghdr *nlh = (const struct nlmsghdr *)(buf + offset);
			if (len - offset < sizeof(*nlh) || nlh->nlmsg_len < sizeof(*nlh) ||
			    nlh->nlmsg_len > len - offset)
				return -EBADMSG;
			offset += NLMSG_ALIGN(nlh->nlmsg_len);
			if (nlh->nlmsg_seq != seq)
				continue;
			if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
				interrupted = true;
			if (nlh->nlmsg_type == NLMSG_DONE)
				return interrupted ? -EINTR : 0;
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(nlh);
				if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
					return -EBADMSG;
				return e->error;
			}
			int r = firewall_nft_apply(fw, nlh, NULL, ret_genid);
			if (r < 0)
				return r;
		}
	}
}

static int get_genid(struct mnl_socket *nl, uint32_t *seq, Firewall *fw, uint32_t *ret)
{
	int r = send_request(nl, NFT_MSG_GETGEN, NLM_F_ACK, ++*seq);
	if (r < 0)
		return r;
	*ret = 0;
	return read_replies(nl, *seq, fw, ret);
}

static int dump(struct mnl_socket *nl, uint32_t *seq, Firewall *fw, uint16_t type)
{
	int r = send_request(nl, type, NLM_F_DUMP, ++*seq);
	return r < 0 ? r : read_replies(nl, *seq, fw, NULL);
}

int firewall_nft_read(Firewall *fw, uint32_t *ret_genid)
{
	struct mnl_socket *nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
	uint32_t seq = (uint32_t)time(NULL), before = 0, after = 0;
	int r = -EAGAIN;

	if (!nl)
		return -errno;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		r = -errno;
		goto out;
	}
	for (int attempt = 0; attempt < SNAPSHOT_ATTEMPTS; attempt++) {
		firewall_begin_sync(fw, FW_BACKEND_NFT);
		if ((r = get_genid(nl, &seq, fw, &before)) < 0)
			break;
		r = dump(nl, &seq, fw, NFT_MSG_GETTABLE);
		if (r >= 0)
			r = dump(nl, &seq, fw, NFT_MSG_GETCHAIN);
		if (r >= 0)
			r = dump(nl, &seq, fw, NFT_MSG_GETRULE);
		/* An interrupted dump was read to its end: the socket holds nothing more of it. */
		if (r < 0 && r != -EINTR)
			break;
		int g = get_genid(nl, &seq, fw, &after);
		if (g < 0) {
			r = g;
			break;
		}
		if (r == 0 && before == after) {
			(void)firewall_sweep(fw, FW_BACKEND_NFT);
			if (ret_genid)
				*ret_genid = after;
			break;
		}
		r = -EAGAIN; /* the ruleset changed under the dump: take it again */
	}
out:
	mnl_socket_close(nl);
	return r;
}

/* The table names of one /proc/net/ip*_tables_names, newline-separated; NULL when the file is
 * missing (no legacy module loaded: no legacy table). */
static char *read_names(const char *path)
{
	FILE *f = fopen(path, "re");
	char *text = NULL;
	size_t size = 0;

	if (!f)
		return NULL;
	ssize_t n = getdelim(&text, &size, '\0', f);
	fclose(f);
	if (n <= 0) {
		free(text);
		return NULL;
	}
	return text;
}

static int count_names(const char *path)
{
	_cleanup_free_ char *names = read_names(path);
	int n = 0;
	for (char *save = NULL, *t = names ? strtok_r(names, "\n", &save) : NULL; t;
	     t = strtok_r(NULL, "\n", &save))
		n++;
	return n;
}

int firewall_legacy_tables(void)
{
	return count_names("/proc/net/ip_tables_names") + count_names("/proc/net/ip6_tables_names");
}

static int add_legacy_chain(Firewall *fw, uint8_t family, const char *table, const char *chain,
			    bool base)
{
	FwChain c = {.backend = FW_BACKEND_LEGACY, .family = family, .base = base};
	snprintf(c.table, sizeof(c.table), "%s", table);
	snprintf(c.name, sizeof(c.name), "%s", chain);
	return firewall_add_chain(fw, &c);
}

static int add_legacy_jump(Firewall *fw, uint8_t family, const char *table, const char *chain,
			   uint64_t position, const char *target, bool is_goto)
{
	FwRule rule = {
	    .backend = FW_BACKEND_LEGACY, .family = family, .handle = position, .is_goto = is_goto};
	snprintf(rule.table, sizeof(rule.table), "%s", table);
	snprintf(rule.chain, sizeof(rule.chain), "%s", chain);
	snprintf(rule.target, sizeof(rule.target), "%s", target);
	return firewall_add_rule(fw, &rule);
}

/* libiptc's v4 and v6 APIs are twins with other names and entry types; one reader each. */
static int read_table4(Firewall *fw, const char *table)
{
	struct xtc_handle *h = iptc_init(table);
	int r = 0;

	if (!h)
		return -errno;
	for (const char *c = iptc_first_chain(h); c && r >= 0; c = iptc_next_chain(h)) {
		r = add_legacy_chain(fw, 2, table, c, iptc_builtin(c, h));
		uint64_t position = 0;
		for (const struct ipt_entry *e = iptc_first_rule(c, h); e && r >= 0;
		     e = iptc_next_rule(e, h)) {
			const char *target = iptc_get_target(e, h);
			position++;
			/* A jump names a user chain; verdicts and extensions are no chain. */
			if (target && iptc_is_chain(target, h) && !iptc_builtin(target, h))
				r = add_legacy_jump(fw, 2, table, c, position, target,
						    e->ip.flags & IPT_F_GOTO);
		}
	}
	iptc_free(h);
	return r < 0 ? r : 0;
}

static int read_table6(Firewall *fw, const char *table)
{
	struct xtc_handle *h = ip6tc_init(table);
	int r = 0;

	if (!h)
		return -errno;
	for (const char *c = ip6tc_first_chain(h); c && r >= 0; c = ip6tc_next_chain(h)) {
		r = add_legacy_chain(fw, 10, table, c, ip6tc_builtin(c, h));
		uint64_t position = 0;
		for (const struct ip6t_entry *e = ip6tc_first_rule(c, h); e && r >= 0;
		     e = ip6tc_next_rule(e, h)) {
			const char *target = ip6tc_get_target(e, h);
			position++;
			if (target && ip6tc_is_chain(target, h) && !ip6tc_builtin(target, h))
				r = add_legacy_jump(fw, 10, table, c, position, target,
						    e->ipv6.flags & IP6T_F_GOTO);
		}
	}
	ip6tc_free(h);
	return r < 0 ? r : 0;
}

int firewall_legacy_read(Firewall *fw, const char **ret_failed_table)
{
	static char failed[64];
	int tables = 0, r = 0;

	firewall_begin_sync(fw, FW_BACKEND_LEGACY);
	for (int v6 = 0; v6 <= 1 && r >= 0; v6++) {
		_cleanup_free_ char *names =
		    read_names(v6 ? "/proc/net/ip6_tables_names" : "/proc/net/ip_tables_names");
		for (char *save = NULL, *t = names ? strtok_r(names, "\n", &save) : NULL;
		     t && r >= 0; t = strtok_r(NULL, "\n", &save)) {
			r = v6 ? read_table6(fw, t) : read_table4(fw, t);
			if (r < 0)
				snprintf(failed, sizeof(failed), "%s %s", v6 ? "ip6" : "ip", t);
			else
				tables++;
		}
	}
	if (r < 0) {
		if (ret_failed_table)
			*ret_failed_table = failed;
		return r;
	}
	(void)firewall_sweep(fw, FW_BACKEND_LEGACY);
	return tables;
}
