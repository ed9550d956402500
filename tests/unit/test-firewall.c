/* SPDX-License-Identifier: MIT */
/*
 * The firewall model and its nf_tables decoder, on messages the real iptables-nft and nft wrote in
 * a namespace (tests/unit/data/capture-nft.sh), and the names each tool gives its chains.
 */
#include <errno.h>
#include <linux/netfilter.h>
#include <stdlib.h>
#include <string.h>

#include "firewall-nft.h"
#include "testdata.h"
#include "unit-main.h"

static const FwChain *chain(const Firewall *fw, uint8_t family, const char *table, const char *name)
{
	size_t n;
	const FwChain *c = firewall_chains(fw, &n);
	for (size_t i = 0; i < n; i++)
		if (c[i].family == family && strcmp(c[i].table, table) == 0 &&
		    strcmp(c[i].name, name) == 0)
			return &c[i];
	return NULL;
}

static size_t jumps(const Firewall *fw, uint8_t family, const char *table, const char *name)
{
	const FwChain *c = chain(fw, family, table, name);
	if (!c)
		fail_msg("no chain %s/%s", table, name);
	return firewall_jumps_to(fw, c);
}

static Firewall *load(const char *name)
{
	Firewall *fw;
	void *buf;
	size_t len;

	testdata_read(name, &buf, &len);
	assert_int_equal(firewall_new(&fw), 0);
	firewall_begin_sync(fw, FW_BACKEND_NFT);
	assert_true(firewall_nft_apply_buffer(fw, buf, len) > 0);
	free(buf);
	return fw;
}

static void test_decode_dump(void **state)
{
	Firewall *fw = load("firewall-node.nft");
	size_t n_tables;

	firewall_tables(fw, &n_tables);
	assert_int_equal(n_tables,
			 6); /* ip filter, nat, mangle; ip6 nat; flannel-ipv4; kube-proxy */
	/* -j from POSTROUTING and -g from POSTROUTING: both count */
	assert_int_equal(jumps(fw, NFPROTO_IPV4, "nat", "FLANNEL-POSTRTG"), 2);
	assert_int_equal(jumps(fw, NFPROTO_IPV6, "nat", "FLANNEL-POSTRTG"), 1);
	assert_int_equal(jumps(fw, NFPROTO_IPV4, "filter", "FLANNEL-FWD"), 1);
	assert_int_equal(jumps(fw, NFPROTO_IPV4, "nat", "KUBE-SERVICES"), 2);
	assert_int_equal(jumps(fw, NFPROTO_IPV4, "nat", "KUBE-MARK-MASQ"), 1);
	assert_int_equal(jumps(fw, NFPROTO_IPV4, "filter", "KUBE-ROUTER-FORWARD"), 1);
	assert_int_equal(jumps(fw, NFPROTO_IPV4, "filter", "KUBE-POD-FW-4BDGZEWEU32YM75H"), 1);
	assert_int_equal(jumps(fw, NFPROTO_IPV4, "filter", "KUBE-FIREWALL"), 2);
	assert_int_equal(jumps(fw, NFPROTO_IPV4, "nat", "CNI-HOSTPORT-DNAT"), 2);
	assert_int_equal(jumps(fw, NFPROTO_IPV4, "nat", "OLD_CILIUM_POST_nat"), 0);
	assert_int_equal(jumps(fw, NFPROTO_IPV4, "kube-proxy", "services"), 1);
	/* built-in chains are base chains; user chains are not */
	assert_true(chain(fw, NFPROTO_IPV4, "nat", "POSTROUTING")->base);
	assert_true(chain(fw, NFPROTO_IPV4, "flannel-ipv4", "postrtg")->base);
	assert_false(chain(fw, NFPROTO_IPV4, "nat", "FLANNEL-POSTRTG")->base);

	size_t n_rules;
	const FwRule *rules = firewall_rules(fw, &n_rules);
	size_t gotos = 0;
	for (size_t i = 0; i < n_rules; i++) {
		assert_string_not_equal(rules[i].target, ""); /* only jumps are kept */
		if (rules[i].is_goto) {
			gotos++;
			assert_string_equal(rules[i].target, "FLANNEL-POSTRTG");
			assert_string_equal(rules[i].chain, "POSTROUTING");
		}
	}
	assert_int_equal(gotos, 1);
	firewall_free(fw);
}

/* The dump, then the events of: a chain and a jump to it added; both deleted in one transaction;
 * a native table deleted. */
static void test_decode_events(void **state)
{
	Firewall *fw = load("firewall-node.nft");
	void *buf;
	size_t len, offset = 0;
	unsigned newgens = 0;
	bool saw_new_chain = false;

	testdata_read("firewall-events.nft", &buf, &len);
	while (offset < len) {
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)((char *)buf + offset);
		bool changed;
		uint32_t genid = 0;
		int r = firewall_nft_apply(fw, nlh, &changed, &genid);
		assert_true(r >= 0);
		assert_int_not_equal(r, NFT_MESSAGE_MALFORMED);
		if (r == NFT_MESSAGE_NEWGEN) {
			newgens++;
			assert_true(genid > 0);
			assert_int_equal(firewall_nft_message_genid16(nlh), genid & 0xffff);
		}
		if (chain(fw, NFPROTO_IPV4, "nat", "FLANNEL-NEW")) {
			saw_new_chain = true;
		}
		offset += NLMSG_ALIGN(nlh->nlmsg_len);
	}
	free(buf);
	assert_true(saw_new_chain);
	assert_true(newgens >= 3);
	assert_null(chain(fw, NFPROTO_IPV4, "nat", "FLANNEL-NEW"));
	assert_null(chain(fw, NFPROTO_IPV4, "kube-proxy", "services"));
	/* the jump went with its transaction; the others stay */
	size_t n_rules;
	const FwRule *rules = firewall_rules(fw, &n_rules);
	for (size_t i = 0; i < n_rules; i++) {
		assert_string_not_equal(rules[i].target, "FLANNEL-NEW");
		assert_string_not_equal(rules[i].table, "kube-proxy");
	}
	assert_int_equal(jumps(fw, NFPROTO_IPV4, "nat", "FLANNEL-POSTRTG"), 2);
	firewall_free(fw);
}

static void test_sweep_and_deletes(void **state)
{
	Firewall *fw = load("firewall-node.nft");
	size_t n_chains, n_after;

	firewall_chains(fw, &n_chains);
	/* the same dump again: nothing changes, nothing is swept */
	firewall_begin_sync(fw, FW_BACKEND_NFT);
	void *buf;
	size_t len;
	testdata_read("firewall-node.nft", &buf, &len);
	assert_true(firewall_nft_apply_buffer(fw, buf, len) > 0);
	free(buf);
	assert_int_equal(firewall_sweep(fw, FW_BACKEND_NFT), 0);
	firewall_chains(fw, &n_after);
	assert_int_equal(n_after, n_chains);

	/* a legacy chain is another backend's: an nf_tables resync does not sweep it */
	FwChain legacy = {.backend = FW_BACKEND_LEGACY, .family = NFPROTO_IPV4};
	strcpy(legacy.table, "nat");
	strcpy(legacy.name, "FLANNEL-POSTRTG");
	assert_int_equal(firewall_add_chain(fw, &legacy), 1);
	assert_int_equal(firewall_add_chain(fw, &legacy), 0);
	size_t n_rules, n_tables;
	firewall_rules(fw, &n_rules);
	firewall_tables(fw, &n_tables);
	firewall_begin_sync(fw, FW_BACKEND_NFT);
	/* everything of nf_tables, but the legacy table and chain */
	assert_int_equal(firewall_sweep(fw, FW_BACKEND_NFT), n_rules + n_chains + n_tables - 1);
	firewall_chains(fw, &n_after);
	assert_int_equal(n_after, 1);
	assert_int_equal(
	    firewall_del_chain(fw, FW_BACKEND_LEGACY, NFPROTO_IPV4, "nat", "FLANNEL-POSTRTG"), 1);
	firewall_clear(fw, FW_BACKEND_LEGACY);
	firewall_tables(fw, &n_after);
	assert_int_equal(n_after, 0);
	firewall_free(fw);
}

static void test_truncated_buffers(void **state)
{
	Firewall *fw;
	void *buf;
	size_t len;

	testdata_read("firewall-node.nft", &buf, &len);
	assert_int_equal(firewall_new(&fw), 0);
	/* cut inside a message: an error, never a read past the end */
	assert_int_equal(firewall_nft_apply_buffer(fw, buf, len - 3), -EBADMSG);
	assert_int_equal(firewall_nft_apply_buffer(fw, buf, 10), -EBADMSG);
	/* a length far beyond the buffer */
	struct nlmsghdr *nlh = buf;
	nlh->nlmsg_len = 0x80000010;
	assert_int_equal(firewall_nft_apply_buffer(fw, buf, len), -EBADMSG);
	free(buf);
	firewall_free(fw);
}

/* Thousands of chains and jumps, as kube-proxy leaves them: added, replaced, deleted in an order
 * that moves elements around the dense arrays; the indexes must keep finding each one. */
static void test_many_chains(void **state)
{
	enum { N = 3000 };
	Firewall *fw;
	assert_int_equal(firewall_new(&fw), 0);
	for (unsigned i = 0; i < N; i++) {
		FwChain c = {.backend = FW_BACKEND_NFT, .family = NFPROTO_IPV4};
		strcpy(c.table, "nat");
		snprintf(c.name, sizeof(c.name), "KUBE-SVC-%016u", i);
		assert_int_equal(firewall_add_chain(fw, &c), 1);
		/* two jumps to each: from KUBE-SERVICES, and from the previous service */
		FwRule r = {
		    .backend = FW_BACKEND_NFT, .family = NFPROTO_IPV4, .handle = 2 * i + 10};
		strcpy(r.table, "nat");
		strcpy(r.chain, "KUBE-SERVICES");
		strcpy(r.target, c.name);
		assert_int_equal(firewall_add_rule(fw, &r), 1);
		r.handle++;
		snprintf(r.chain, sizeof(r.chain), "KUBE-SVC-%016u", i ? i - 1 : N - 1);
		assert_int_equal(firewall_add_rule(fw, &r), 1);
	}
	/* the same rule again changes nothing; a new target re-files it */
	FwRule again = {.backend = FW_BACKEND_NFT, .family = NFPROTO_IPV4, .handle = 10};
	strcpy(again.table, "nat");
	strcpy(again.chain, "KUBE-SERVICES");
	snprintf(again.target, sizeof(again.target), "KUBE-SVC-%016u", 0);
	assert_int_equal(firewall_add_rule(fw, &again), 0);
	snprintf(again.target, sizeof(again.target), "KUBE-SVC-%016u", 1);
	assert_int_equal(firewall_add_rule(fw, &again), 1);
	assert_int_equal(jumps(fw, NFPROTO_IPV4, "nat", "KUBE-SVC-0000000000000000"), 1);
	assert_int_equal(jumps(fw, NFPROTO_IPV4, "nat", "KUBE-SVC-0000000000000001"), 3);
	/* every third chain goes (with the rules in it), then every jump from KUBE-SERVICES */
	for (unsigned i = 0; i < N; i += 3) {
		char name[FW_NAME_MAX];
		snprintf(name, sizeof(name), "KUBE-SVC-%016u", i);
		assert_int_equal(firewall_del_chain(fw, FW_BACKEND_NFT, NFPROTO_IPV4, "nat", name),
				 1);
	}
	for (unsigned i = 0; i < N; i++)
		firewall_del_rule(fw, FW_BACKEND_NFT, NFPROTO_IPV4, "nat", "KUBE-SERVICES",
				  2 * i + 10);
	size_t n_chains, n_rules;
	const FwChain *chains = firewall_chains(fw, &n_chains);
	firewall_rules(fw, &n_rules);
	assert_int_equal(n_chains, N - N / 3);
	assert_int_equal(n_rules, N - N / 3); /* the service-to-service jumps of the chains left */
	for (size_t i = 0; i < n_chains; i++) {
		unsigned k;
		assert_int_equal(sscanf(chains[i].name, "KUBE-SVC-%u", &k), 1);
		/* its jump came from chain k-1, which is gone when k-1 is a multiple of 3 */
		unsigned from = k ? k - 1 : N - 1;
		assert_int_equal(firewall_jumps_to(fw, &chains[i]), from % 3 == 0 ? 0 : 1);
	}
	firewall_free(fw);
}

static void test_owners(void **state)
{
	static const struct {
		const char *chain;
		FwOwner owner;
	} cases[] = {
	    {"FLANNEL-POSTRTG", FW_OWNER_FLANNEL},
	    {"FLANNEL-FWD", FW_OWNER_FLANNEL},
	    {"KUBE-ROUTER-INPUT", FW_OWNER_KUBE_ROUTER},
	    {"KUBE-NWPLCY-DEFAULT", FW_OWNER_KUBE_ROUTER},
	    {"KUBE-POD-FW-4BDGZEWEU32YM75H", FW_OWNER_KUBE_ROUTER},
	    {"KUBE-SERVICES", FW_OWNER_KUBE_PROXY},
	    {"KUBE-SVC-NPX46M4PTMTKRN6Y", FW_OWNER_KUBE_PROXY},
	    {"KUBE-SEP-B5VO6EBO7JWDMZQ2", FW_OWNER_KUBE_PROXY},
	    {"KUBE-NODEPORTS", FW_OWNER_KUBE_PROXY},
	    {"KUBE-POSTROUTING", FW_OWNER_KUBE_PROXY},
	    {"KUBE-PROXY-CANARY", FW_OWNER_KUBE_PROXY},
	    {"CNI-HOSTPORT-DNAT", FW_OWNER_PORTMAP},
	    {"CNI-DN-1b2c3d4e5f6a7b8c9d0e1", FW_OWNER_PORTMAP},
	    /* the kubelet's */
	    {"KUBE-IPTABLES-HINT", FW_OWNER_NONE},
	    {"KUBE-FIREWALL", FW_OWNER_NONE},
	    {"KUBE-KUBELET-CANARY", FW_OWNER_NONE},
	    {"KUBE-MARK-DROP", FW_OWNER_NONE},
	    {"KUBE-MARK-MASQ", FW_OWNER_NONE},
	    {"KUBE-SVC-", FW_OWNER_NONE},
	    /* Cilium's, also while its agent restarts */
	    {"CILIUM_POST_nat", FW_OWNER_NONE},
	    {"OLD_CILIUM_POST_nat", FW_OWNER_NONE},
	    {"cilium-feeder", FW_OWNER_NONE},
	    /* the bridge plugin's ipMasq chains and the user's */
	    {"CNI-0123456789abcdef01234567", FW_OWNER_NONE},
	    {"ADMIN-SSH", FW_OWNER_NONE},
	    {"POSTROUTING", FW_OWNER_NONE},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (firewall_chain_owner(cases[i].chain) != cases[i].owner)
			fail_msg("%s: owner %d, expected %d", cases[i].chain,
				 firewall_chain_owner(cases[i].chain), cases[i].owner);
	assert_int_equal(firewall_table_owner("flannel-ipv4"), FW_OWNER_FLANNEL);
	assert_int_equal(firewall_table_owner("flannel-ipv6"), FW_OWNER_FLANNEL);
	assert_int_equal(firewall_table_owner("kube-proxy"), FW_OWNER_KUBE_PROXY);
	assert_int_equal(firewall_table_owner("cni_hostport"), FW_OWNER_PORTMAP);
	assert_int_equal(firewall_table_owner("nat"), FW_OWNER_NONE);
	assert_int_equal(firewall_table_owner("cilium-test"), FW_OWNER_NONE);
	assert_true(firewall_table_is_xtables(NFPROTO_IPV4, "nat"));
	assert_true(firewall_table_is_xtables(NFPROTO_IPV6, "filter"));
	assert_false(firewall_table_is_xtables(NFPROTO_INET, "filter"));
	assert_false(firewall_table_is_xtables(NFPROTO_IPV4, "flannel-ipv4"));
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_decode_dump),
	    cmocka_unit_test(test_decode_events),
	    cmocka_unit_test(test_sweep_and_deletes),
	    cmocka_unit_test(test_truncated_buffers),
	    cmocka_unit_test(test_owners),
	    cmocka_unit_test(test_many_chains),
	};
	return unit_main(argc, argv, tests);
}
