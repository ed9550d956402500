/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "firewall.h"

struct Firewall {
	FwTable *tables;
	size_t n_tables, allocated_tables;
	FwChain *chains;
	size_t n_chains, allocated_chains;
	FwRule *rules;
	size_t n_rules, allocated_rules;
	uint32_t generation[_FW_BACKEND_MAX];
};

int firewall_new(Firewall **ret)
{
	Firewall *fw = calloc(1, sizeof(*fw));
	if (!fw)
		return -ENOMEM;
	*ret = fw;
	return 0;
}

Firewall *firewall_free(Firewall *fw)
{
	if (!fw)
		return NULL;
	free(fw->tables);
	free(fw->chains);
	free(fw->rules);
	free(fw);
	return NULL;
}

/* Geometric growth: a resync adds thousands of kube-proxy jumps one by one. */
static int grow(void **array, size_t *allocated, size_t needed, size_t size)
{
	if (needed <= *allocated)
		return 0;
	size_t n = *allocated ? *allocated * 2 : 16;
	while (n < needed)
		n *= 2;
	void *grown = realloc(*array, n * size);
	if (!grown)
		return -ENOMEM;
	*array = grown;
	*allocated = n;
	return 0;
}

static void copy_name(char dst[static FW_NAME_MAX], const char *src)
{
	snprintf(dst, FW_NAME_MAX, "%s", src ? src : "");
}

void firewall_begin_sync(Firewall *fw, FwBackend backend)
{
	fw->generation[backend]++;
}

size_t firewall_sweep(Firewall *fw, FwBackend backend)
{
	uint32_t g = fw->generation[backend];
	size_t gone = 0;

	for (size_t i = fw->n_rules; i-- > 0;)
		if (fw->rules[i].backend == backend && fw->rules[i].generation != g) {
			fw->rules[i] = fw->rules[--fw->n_rules];
			gone++;
		}
	for (size_t i = fw->n_chains; i-- > 0;)
		if (fw->chains[i].backend == backend && fw->chains[i].generation != g) {
			fw->chains[i] = fw->chains[--fw->n_chains];
			gone++;
		}
	for (size_t i = fw->n_tables; i-- > 0;)
		if (fw->tables[i].backend == backend && fw->tables[i].generation != g) {
			fw->tables[i] = fw->tables[--fw->n_tables];
			gone++;
		}
	return gone;
}

static FwTable *find_table(Firewall *fw, FwBackend backend, uint8_t family, const char *name)
{
	for (size_t i = 0; i < fw->n_tables; i++) {
		FwTable *t = &fw->tables[i];
		if (t->backend == backend && t->family == family && strcmp(t->name, name) == 0)
			return t;
	}
	return NULL;
}

int firewall_add_table(Firewall *fw, FwBackend backend, uint8_t family, const char *name,
		       uint64_t handle)
{
	FwTable *t = find_table(fw, backend, family, name);
	if (t) {
		t->generation = fw->generation[backend];
		t->handle = handle;
		return 0;
	}
	if (grow((void **)&fw->tables, &fw->allocated_tables, fw->n_tables + 1, sizeof(FwTable)))
		return -ENOMEM;
	t = &fw->tables[fw->n_tables++];
	*t = (FwTable){.backend = backend, .family = family, .handle = handle};
	copy_name(t->name, name);
	t->generation = fw->generation[backend];
	return 1;
}

static bool same_table(FwBackend b1, uint8_t f1, const char *t1, FwBackend b2, uint8_t f2,
		       const char *t2)
{
	return b1 == b2 && f1 == f2 && strcmp(t1, t2) == 0;
}

static FwChain *find_chain(Firewall *fw, FwBackend backend, uint8_t family, const char *table,
			   const char *name)
{
	for (size_t i = 0; i < fw->n_chains; i++) {
		FwChain *c = &fw->chains[i];
		if (same_table(c->backend, c->family, c->table, backend, family, table) &&
		    strcmp(c->name, name) == 0)
			return c;
	}
	return NULL;
}

int firewall_add_chain(Firewall *fw, const FwChain *chain)
{
	FwChain *c = find_chain(fw, chain->backend, chain->family, chain->table, chain->name);
	int r = 0;

	/* A chain's event may come before its table's was seen (a resync in flight): the table
	 * exists if the chain does. */
	if (!find_table(fw, chain->backend, chain->family, chain->table)) {
		r = firewall_add_table(fw, chain->backend, chain->family, chain->table, 0);
		if (r < 0)
			return r;
	}
	if (!c) {
		if (grow((void **)&fw->chains, &fw->allocated_chains, fw->n_chains + 1,
			 sizeof(FwChain)))
			return -ENOMEM;
		c = &fw->chains[fw->n_chains++];
		r = 1;
	} else if (c->base != chain->base || c->handle != chain->handle) {
		r = 1;
	}
	FwChain copy = *chain;
	copy.generation = fw->generation[chain->backend];
	*c = copy;
	return r;
}

int firewall_add_rule(Firewall *fw, const FwRule *rule)
{
	int r = 0;

	for (size_t i = 0; i < fw->n_rules; i++) {
		FwRule *x = &fw->rules[i];
		if (same_table(x->backend, x->family, x->table, rule->backend, rule->family,
			       rule->table) &&
		    strcmp(x->chain, rule->chain) == 0 && x->handle == rule->handle) {
			r = strcmp(x->target, rule->target) != 0 || x->is_goto != rule->is_goto;
			*x = *rule;
			x->generation = fw->generation[rule->backend];
			return r;
		}
	}
	if (grow((void **)&fw->rules, &fw->allocated_rules, fw->n_rules + 1, sizeof(FwRule)))
		return -ENOMEM;
	FwRule *x = &fw->rules[fw->n_rules++];
	*x = *rule;
	x->generation = fw->generation[rule->backend];
	return 1;
}

int firewall_del_rule(Firewall *fw, FwBackend backend, uint8_t family, const char *table,
		      const char *chain, uint64_t handle)
{
	for (size_t i = 0; i < fw->n_rules; i++) {
		FwRule *x = &fw->rules[i];
		if (same_table(x->backend, x->family, x->table, backend, family, table) &&
		    strcmp(x->chain, chain) == 0 && x->handle == handle) {
			fw->rules[i] = fw->rules[--fw->n_rules];
			return 1;
		}
	}
	return 0;
}

int firewall_del_chain(Firewall *fw, FwBackend backend, uint8_t family, const char *table,
		       const char *name)
{
	int r = 0;
	for (size_t i = fw->n_rules; i-- > 0;) {
		FwRule *x = &fw->rules[i];
		if (same_table(x->backend, x->family, x->table, backend, family, table) &&
		    strcmp(x->chain, name) == 0)
			fw->rules[i] = fw->rules[--fw->n_rules];
	}
	for (size_t i = fw->n_chains; i-- > 0;) {
		FwChain *c = &fw->chains[i];
		if (same_table(c->backend, c->family, c->table, backend, family, table) &&
		    strcmp(c->name, name) == 0) {
			fw->chains[i] = fw->chains[--fw->n_chains];
			r = 1;
		}
	}
	return r;
}

int firewall_del_table(Firewall *fw, FwBackend backend, uint8_t family, const char *name)
{
	int r = 0;
	for (size_t i = fw->n_rules; i-- > 0;)
		if (same_table(fw->rules[i].backend, fw->rules[i].family, fw->rules[i].table,
			       backend, family, name))
			fw->rules[i] = fw->rules[--fw->n_rules];
	for (size_t i = fw->n_chains; i-- > 0;)
		if (same_table(fw->chains[i].backend, fw->chains[i].family, fw->chains[i].table,
			       backend, family, name))
			fw->chains[i] = fw->chains[--fw->n_chains];
	for (size_t i = fw->n_tables; i-- > 0;)
		if (same_table(fw->tables[i].backend, fw->tables[i].family, fw->tables[i].name,
			       backend, family, name)) {
			fw->tables[i] = fw->tables[--fw->n_tables];
			r = 1;
		}
	return r;
}

void firewall_clear(Firewall *fw, FwBackend backend)
{
	firewall_begin_sync(fw, backend);
	(void)firewall_sweep(fw, backend);
}

const FwTable *firewall_tables(const Firewall *fw, size_t *ret_n)
{
	*ret_n = fw ? fw->n_tables : 0;
	return fw ? fw->tables : NULL;
}

const FwChain *firewall_chains(const Firewall *fw, size_t *ret_n)
{
	*ret_n = fw ? fw->n_chains : 0;
	return fw ? fw->chains : NULL;
}

const FwRule *firewall_rules(const Firewall *fw, size_t *ret_n)
{
	*ret_n = fw ? fw->n_rules : 0;
	return fw ? fw->rules : NULL;
}

size_t firewall_jumps_to(const Firewall *fw, const FwChain *chain)
{
	size_t n = 0;
	for (size_t i = 0; i < fw->n_rules; i++) {
		const FwRule *x = &fw->rules[i];
		if (same_table(x->backend, x->family, x->table, chain->backend, chain->family,
			       chain->table) &&
		    strcmp(x->target, chain->name) == 0)
			n++;
	}
	return n;
}

static bool starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/*
 * Names as each tool writes them (firewall-research.md §3). Never: the kubelet's
 * KUBE-IPTABLES-HINT, KUBE-FIREWALL, KUBE-KUBELET-CANARY, KUBE-MARK-DROP (and KUBE-MARK-MASQ,
 * which kubelets before 1.28 still created), Cilium's CILIUM_* and OLD_CILIUM_* (its chains while
 * the agent restarts): they fall through to FW_OWNER_NONE.
 */
FwOwner firewall_chain_owner(const char *chain)
{
	static const char *const kube_proxy_exact[] = {
	    "KUBE-SERVICES", "KUBE-NODEPORTS",	    "KUBE-POSTROUTING",	 "KUBE-EXTERNAL-SERVICES",
	    "KUBE-FORWARD",  "KUBE-PROXY-FIREWALL", "KUBE-PROXY-CANARY", "KUBE-LOAD-BALANCER",
	};
	/* Per-service chains: prefix + 16 base32 characters (isServiceChainName). */
	static const char *const kube_proxy_prefixes[] = {"KUBE-SVC-", "KUBE-SVL-", "KUBE-SEP-",
							  "KUBE-EXT-", "KUBE-FW-",  "KUBE-XLB-"};

	if (starts_with(chain, "FLANNEL-"))
		return FW_OWNER_FLANNEL;
	if (starts_with(chain, "KUBE-ROUTER-") || starts_with(chain, "KUBE-NWPLCY-") ||
	    starts_with(chain, "KUBE-POD-FW-"))
		return FW_OWNER_KUBE_ROUTER;
	for (size_t i = 0; i < ELEMENTSOF(kube_proxy_exact); i++)
		if (strcmp(chain, kube_proxy_exact[i]) == 0)
			return FW_OWNER_KUBE_PROXY;
	for (size_t i = 0; i < ELEMENTSOF(kube_proxy_prefixes); i++)
		if (starts_with(chain, kube_proxy_prefixes[i]) &&
		    strlen(chain) > strlen(kube_proxy_prefixes[i]))
			return FW_OWNER_KUBE_PROXY;
	/* portmap: its three fixed chains and one CNI-DN-<hash> per container with host ports. */
	if (starts_with(chain, "CNI-HOSTPORT-") || starts_with(chain, "CNI-DN-"))
		return FW_OWNER_PORTMAP;
	return FW_OWNER_NONE;
}

FwOwner firewall_table_owner(const char *table)
{
	/* flannel ≥ 0.25 nftables mode; kube-proxy's nftables mode; portmap's nftables mode;
	 * kube-router 2.x's nftables policy backend. Cilium writes no native table. */
	if (strcmp(table, "flannel-ipv4") == 0 || strcmp(table, "flannel-ipv6") == 0)
		return FW_OWNER_FLANNEL;
	if (strcmp(table, "kube-proxy") == 0)
		return FW_OWNER_KUBE_PROXY;
	if (strcmp(table, "cni_hostport") == 0)
		return FW_OWNER_PORTMAP;
	if (starts_with(table, "kube-router"))
		return FW_OWNER_KUBE_ROUTER;
	return FW_OWNER_NONE;
}

bool firewall_table_is_xtables(uint8_t family, const char *table)
{
	static const char *const names[] = {"filter", "nat", "mangle", "raw", "security", "broute"};
	for (size_t i = 0; i < ELEMENTSOF(names); i++)
		if (strcmp(table, names[i]) == 0)
			return family != 1 && family != 5; /* not inet, not netdev */
	return false;
}

const char *fw_backend_to_string(FwBackend b)
{
	return b == FW_BACKEND_LEGACY ? "legacy xtables" : "nf_tables";
}

const char *fw_family_to_string(uint8_t family)
{
	switch (family) {
	case 1:
		return "inet";
	case 2:
		return "ip";
	case 3:
		return "arp";
	case 5:
		return "netdev";
	case 7:
		return "bridge";
	case 10:
		return "ip6";
	default:
		return "unknown";
	}
}

const char *fw_owner_to_string(FwOwner o)
{
	static const char *const names[] = {"no tool's", "Flannel's", "kube-router's",
					    "kube-proxy's", "the portmap plugin's"};
	return (size_t)o < ELEMENTSOF(names) ? names[o] : "no tool's";
}
