/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <libiptc/libip6tc.h>
#include <libiptc/libiptc.h>
#include <libmnl/libmnl.h>
#include <libnftnl/batch.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/rule.h>
#include <libnftnl/table.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "array.h"
#include "firewall-enforcer.h"

/* iptables-legacy, kube-proxy and flannel (go-iptables -w) serialise on this lock; libiptc does
 * not take it itself. */
#define XTABLES_LOCK "/run/xtables.lock"
#define XTABLES_LOCK_WAIT_MS 5000
/* The kernel answers a batch within milliseconds; this only bounds a kernel that does not. */
#define ACK_TIMEOUT_MS 2000

typedef struct Victim {
	bool whole_table;
	char table[FW_NAME_MAX];
	char name[FW_NAME_MAX];
} Victim;

static int parse_subject(const char *subject, Victim *v)
{
	const char *slash = strchr(subject, '/');
	if (!slash || slash == subject || !slash[1] || (size_t)(slash - subject) >= FW_NAME_MAX ||
	    strlen(slash + 1) >= FW_NAME_MAX)
		return -EINVAL;
	*v = (Victim){.whole_table = strcmp(slash + 1, "*") == 0};
	memcpy(v->table, subject, (size_t)(slash - subject));
	snprintf(v->name, sizeof(v->name), "%s", slash + 1);
	return 0;
}

/* ---- nf_tables: one batch ---- */

typedef struct Batch {
	struct nftnl_batch *b;
	uint32_t seq;
	size_t n_acks; /* object messages: each asks for an ACK */
} Batch;

static struct nlmsghdr *batch_header(Batch *batch, uint16_t type, uint8_t family)
{
	batch->n_acks++;
	return nftnl_nlmsg_build_hdr(nftnl_batch_buffer(batch->b), type, family, NLM_F_ACK,
				     batch->seq++);
}

static int add_delrule(Batch *batch, uint8_t family, const char *table, const char *chain,
		       const uint64_t *handle)
{
	struct nftnl_rule *r = nftnl_rule_alloc();
	if (!r)
		return -ENOMEM;
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, table);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, chain);
	/* Without a handle, DELRULE flushes the chain. */
	if (handle)
		nftnl_rule_set_u64(r, NFTNL_RULE_HANDLE, *handle);
	nftnl_rule_nlmsg_build_payload(batch_header(batch, NFT_MSG_DELRULE, family), r);
	nftnl_rule_free(r);
	nftnl_batch_update(batch->b);
	return 0;
}

static int add_delchain(Batch *batch, uint8_t family, const char *table, const char *name)
{
	struct nftnl_chain *c = nftnl_chain_alloc();
	if (!c)
		return -ENOMEM;
	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, table);
	nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, name);
	nftnl_chain_nlmsg_build_payload(batch_header(batch, NFT_MSG_DELCHAIN, family), c);
	nftnl_chain_free(c);
	nftnl_batch_update(batch->b);
	return 0;
}

static int add_deltable(Batch *batch, uint8_t family, const char *name)
{
	struct nftnl_table *t = nftnl_table_alloc();
	if (!t)
		return -ENOMEM;
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, name);
	nftnl_table_nlmsg_build_payload(batch_header(batch, NFT_MSG_DELTABLE, family), t);
	nftnl_table_free(t);
	nftnl_batch_update(batch->b);
	return 0;
}

/* Every jump to the chain first (a referenced chain cannot go: EBUSY), then its own rules, then
 * the chain. Jumps from inside the chain itself go with the flush. */
static int add_chain_removal(Batch *batch, const Firewall *fw, const FwChain *c, size_t *ret_jumps)
{
	size_t n;
	const FwRule *rules = firewall_rules(fw, &n);
	int r;

	for (size_t i = 0; i < n; i++) {
		const FwRule *x = &rules[i];
		if (x->backend != FW_BACKEND_NFT || x->family != c->family ||
		    strcmp(x->table, c->table) != 0 || strcmp(x->target, c->name) != 0 ||
		    strcmp(x->chain, c->name) == 0)
			continue;
		if ((r = add_delrule(batch, x->family, x->table, x->chain, &x->handle)) < 0)
			return r;
		(*ret_jumps)++;
	}
	if ((r = add_delrule(batch, c->family, c->table, c->name, NULL)) < 0)
		return r;
	return add_delchain(batch, c->family, c->table, c->name);
}

/* Sends the batch and reads its ACKs. A batch is all or nothing: the first error aborted all of
 * it, and ACKs of 0 before it do not mean those parts were committed. */
static int read_acks(int fd, size_t expected)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	int r = 0;

	for (size_t acks = 0; acks < expected && r == 0;) {
		ssize_t len = recv(fd, buf, sizeof(buf), 0);
		if (len < 0)
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
		int left = (int)len;
		for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
			if (nlh->nlmsg_type != NLMSG_ERROR ||
			    nlh->nlmsg_len < NLMSG_LENGTH(sizeof(struct nlmsgerr)))
				continue;
			const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
			acks++;
			if (e->error < 0 && r == 0)
				r = e->error;
		}
	}
	return r;
}

/* Sends the batch and reads its ACKs. A batch is all or nothing: the first error aborted all of
 * it, and ACKs of 0 before it do not mean those parts were committed. */
static int send_batch(Batch *batch)
{
	struct mnl_socket *nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
	struct timeval timeout = {.tv_sec = ACK_TIMEOUT_MS / 1000,
				  .tv_usec = ACK_TIMEOUT_MS % 1000 * 1000};
	int r;

	if (!nl)
		return -errno;
	int fd = mnl_socket_get_fd(nl);
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout)) < 0) {
		r = -errno;
		mnl_socket_close(nl);
		return r;
	}
	/* nftnl_batch_buffer() is the write position, not the start: send the pages as iovecs. */
	int n_iov = nftnl_batch_iovec_len(batch->b);
	struct iovec *iov = calloc((size_t)n_iov, sizeof(*iov));
	if (!iov) {
		mnl_socket_close(nl);
		return -ENOMEM;
	}
	nftnl_batch_iovec(batch->b, iov, (uint32_t)n_iov);
	struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
	struct msghdr msg = {.msg_name = &kernel,
			     .msg_namelen = sizeof(kernel),
			     .msg_iov = iov,
			     .msg_iovlen = (size_t)n_iov};
	r = sendmsg(fd, &msg, 0) < 0 ? -errno : read_acks(fd, batch->n_acks);
	free(iov);
	mnl_socket_close(nl);
	return r;
}

typedef struct NftResult {
	size_t chains;
	size_t jumps;
	size_t tables;
} NftResult;

static int remove_nft(Firewall *fw, const Victim *v, NftResult *res)
{
	Batch batch = {.b = nftnl_batch_alloc(MNL_SOCKET_BUFFER_SIZE, MNL_SOCKET_BUFFER_SIZE),
		       .seq = (uint32_t)time(NULL)};
	size_t n;
	int r = 0;

	if (!batch.b)
		return -ENOMEM;
	nftnl_batch_begin(nftnl_batch_buffer(batch.b), batch.seq++);
	nftnl_batch_update(batch.b);
	if (v->whole_table) {
		const FwTable *tables = firewall_tables(fw, &n);
		for (size_t i = 0; i < n && r >= 0; i++)
			if (tables[i].backend == FW_BACKEND_NFT &&
			    strcmp(tables[i].name, v->table) == 0) {
				r = add_deltable(&batch, tables[i].family, v->table);
				res->tables++;
			}
	} else {
		const FwChain *chains = firewall_chains(fw, &n);
		for (size_t i = 0; i < n && r >= 0; i++)
			if (chains[i].backend == FW_BACKEND_NFT && !chains[i].base &&
			    strcmp(chains[i].table, v->table) == 0 &&
			    strcmp(chains[i].name, v->name) == 0) {
				r = add_chain_removal(&batch, fw, &chains[i], &res->jumps);
				res->chains++;
			}
	}
	nftnl_batch_end(nftnl_batch_buffer(batch.b), batch.seq++);
	nftnl_batch_update(batch.b);
	if (r >= 0 && batch.n_acks > 0)
		r = send_batch(&batch);
	nftnl_batch_free(batch.b);
	if (r < 0)
		return r;
	/* Committed: the model forgets it now; the kernel's events will agree. */
	if (v->whole_table) {
		for (uint8_t family = 0; family < 16; family++)
			(void)firewall_del_table(fw, FW_BACKEND_NFT, family, v->table);
	} else {
		const FwRule *rules = firewall_rules(fw, &n);
		for (size_t i = n; i-- > 0;)
			if (rules[i].backend == FW_BACKEND_NFT &&
			    strcmp(rules[i].table, v->table) == 0 &&
			    strcmp(rules[i].target, v->name) == 0)
				(void)firewall_del_rule(fw, FW_BACKEND_NFT, rules[i].family,
							v->table, rules[i].chain, rules[i].handle);
		for (uint8_t family = 0; family < 16; family++)
			(void)firewall_del_chain(fw, FW_BACKEND_NFT, family, v->table, v->name);
	}
	return 0;
}

/* ---- legacy xtables: one commit per table ---- */

static int lock_xtables(void)
{
	int fd = open(XTABLES_LOCK, O_CREAT | O_RDONLY | O_CLOEXEC, 0600);
	/* Under ProtectSystem=strict /run is read-only: a lock file nobody made yet cannot be
	 * made, and nobody holds it either. */
	if (fd < 0 && errno == EROFS)
		fd = open(XTABLES_LOCK, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && (errno == ENOENT || errno == EROFS))
		return -ENOENT;
	if (fd < 0)
		return -errno;
	for (int waited = 0; flock(fd, LOCK_EX | LOCK_NB) < 0; waited += 10) {
		if (errno != EWOULDBLOCK || waited >= XTABLES_LOCK_WAIT_MS) {
			int r = errno == EWOULDBLOCK ? -ETIMEDOUT : -errno;
			close(fd);
			return r;
		}
		usleep(10 * 1000);
	}
	return fd;
}

typedef struct Jump {
	char chain[FW_NAME_MAX];
	unsigned index; /* 0-based, as iptc_delete_num_entry() counts */
} Jump;

/*
 * libiptc's v4 and v6 APIs are twins with other names and entry types (ipt_entry, ip6t_entry):
 * one table of calls per family, and one removal that runs on either. Rules pass through the
 * table as opaque pointers; small adapters convert them rather than casting the functions, since
 * calling through a pointer of another function type is undefined.
 */
typedef struct IptcOps {
	struct xtc_handle *(*init)(const char *table);
	void (*free)(struct xtc_handle *h);
	int (*is_chain)(const char *chain, struct xtc_handle *const h);
	int (*builtin)(const char *chain, struct xtc_handle *const h);
	const char *(*first_chain)(struct xtc_handle *h);
	const char *(*next_chain)(struct xtc_handle *h);
	const void *(*first_rule)(const char *chain, struct xtc_handle *h);
	const void *(*next_rule)(const void *rule, struct xtc_handle *h);
	const char *(*get_target)(const void *rule, struct xtc_handle *h);
	int (*delete_num_entry)(const char *chain, unsigned index, struct xtc_handle *h);
	int (*flush_entries)(const char *chain, struct xtc_handle *h);
	int (*delete_chain)(const char *chain, struct xtc_handle *h);
	int (*commit)(struct xtc_handle *h);
} IptcOps;

#define DEFINE_IPTC_OPS(name, p, entry)                                                            \
	static const void *p##_first_rule_opaque(const char *chain, struct xtc_handle *h)          \
	{                                                                                          \
		return p##_first_rule(chain, h);                                                   \
	}                                                                                          \
	static const void *p##_next_rule_opaque(const void *rule, struct xtc_handle *h)            \
	{                                                                                          \
		return p##_next_rule((const struct entry *)rule, h);                               \
	}                                                                                          \
	static const char *p##_get_target_opaque(const void *rule, struct xtc_handle *h)           \
	{                                                                                          \
		return p##_get_target((const struct entry *)rule, h);                              \
	}                                                                                          \
	static const IptcOps name = {                                                              \
	    .init = p##_init,                                                                      \
	    .free = p##_free,                                                                      \
	    .is_chain = p##_is_chain,                                                              \
	    .builtin = p##_builtin,                                                                \
	    .first_chain = p##_first_chain,                                                        \
	    .next_chain = p##_next_chain,                                                          \
	    .first_rule = p##_first_rule_opaque,                                                   \
	    .next_rule = p##_next_rule_opaque,                                                     \
	    .get_target = p##_get_target_opaque,                                                   \
	    .delete_num_entry = p##_delete_num_entry,                                              \
	    .flush_entries = p##_flush_entries,                                                    \
	    .delete_chain = p##_delete_chain,                                                      \
	    .commit = p##_commit,                                                                  \
	}

DEFINE_IPTC_OPS(iptc_ops4, iptc, ipt_entry);
DEFINE_IPTC_OPS(iptc_ops6, ip6tc, ip6t_entry);

/* Removes chain victim of table with every rule jumping to it; adds the jumps to *ret_jumps. */
static int remove_legacy_chain(const IptcOps *ops, const char *table, const char *victim,
			       size_t *ret_jumps)
{
	struct xtc_handle *h = ops->init(table);
	_cleanup_free_ Jump *jumps = NULL;
	size_t n = 0, allocated = 0;
	int r = 0;

	if (!h)
		return -errno;
	if (!ops->is_chain(victim, h) || ops->builtin(victim, h)) {
		ops->free(h);
		return -ENOENT;
	}
	for (const char *c = ops->first_chain(h); c && r == 0; c = ops->next_chain(h)) {
		unsigned index = 0;
		if (strcmp(c, victim) == 0)
			continue; /* its own rules go with the flush */
		for (const void *e = ops->first_rule(c, h); e; e = ops->next_rule(e, h), index++) {
			const char *target = ops->get_target(e, h);
			if (!target || strcmp(target, victim) != 0)
				continue;
			if ((r = array_grow((void **)&jumps, &allocated, n + 1, sizeof(*jumps))) <
			    0)
				break;
			snprintf(jumps[n].chain, sizeof(jumps[n].chain), "%s", c);
			jumps[n++].index = index;
		}
	}
	/* Highest index first within each chain: deleting one shifts those after it. */
	for (size_t i = n; r == 0 && i-- > 0;)
		if (!ops->delete_num_entry(jumps[i].chain, jumps[i].index, h))
			r = -errno;
	if (r == 0 &&
	    (!ops->flush_entries(victim, h) || !ops->delete_chain(victim, h) || !ops->commit(h)))
		r = -errno;
	ops->free(h);
	if (r == 0)
		*ret_jumps += n;
	return r;
}

static int remove_legacy(Firewall *fw, const Victim *v, size_t *ret_tables, size_t *ret_jumps)
{
	size_t n;
	const FwChain *chains = firewall_chains(fw, &n);
	uint8_t families[2];
	size_t n_families = 0;
	int r = 0;

	for (size_t i = 0; i < n && n_families < 2; i++)
		if (chains[i].backend == FW_BACKEND_LEGACY && !chains[i].base &&
		    strcmp(chains[i].table, v->table) == 0 &&
		    strcmp(chains[i].name, v->name) == 0 &&
		    (n_families == 0 || families[0] != chains[i].family))
			families[n_families++] = chains[i].family;
	if (n_families == 0)
		return 0;
	int lock = lock_xtables();
	if (lock < 0 && lock != -ENOENT)
		return lock;
	for (size_t i = 0; i < n_families && r == 0; i++) {
		/* EAGAIN: the table changed since iptc_init(); read it again, once. */
		for (int attempt = 0; attempt < 2; attempt++) {
			r = remove_legacy_chain(families[i] == 10 ? &iptc_ops6 : &iptc_ops4,
						v->table, v->name, ret_jumps);
			if (r != -EAGAIN)
				break;
		}
		if (r == 0) {
			(*ret_tables)++;
			(void)firewall_del_chain(fw, FW_BACKEND_LEGACY, families[i], v->table,
						 v->name);
		}
	}
	if (lock >= 0)
		close(lock);
	return r;
}

int fw_remove_leftover(Firewall *fw, const char *subject, char *message, size_t size)
{
	NftResult nft = {};
	size_t legacy_tables = 0, legacy_jumps = 0;
	Victim v;
	int r;

	if ((r = parse_subject(subject, &v)) < 0) {
		snprintf(message, size, "%s names no chain", subject);
		return r;
	}
	r = remove_nft(fw, &v, &nft);
	if (r < 0) {
		snprintf(message, size,
			 "Failed to remove %s from nf_tables: %s; the transaction was aborted, "
			 "nothing changed",
			 subject, strerror(-r));
		return r;
	}
	if (!v.whole_table && (r = remove_legacy(fw, &v, &legacy_tables, &legacy_jumps)) < 0) {
		snprintf(message, size, "Failed to remove %s from legacy xtables: %s%s", subject,
			 strerror(-r), nft.chains ? " (its nf_tables copy was removed)" : "");
		return r;
	}
	if (v.whole_table)
		snprintf(message, size,
			 "Deleted the nftables table %s (%zu famil%s) in one "
			 "transaction",
			 v.table, nft.tables, nft.tables == 1 ? "y" : "ies");
	else
		snprintf(message, size,
			 "Removed %s and the %zu rule(s) jumping to it (nf_tables: %zu chain(s) "
			 "in one transaction; legacy xtables: %zu table commit(s))",
			 subject, nft.jumps + legacy_jumps, nft.chains, legacy_tables);
	if (nft.chains + nft.tables + legacy_tables == 0)
		return -ENOENT;
	return 0;
}
