/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "firewall.h"

/*
 * Chains and rules are found through hash chains: a node with kube-proxy's chains holds tens of
 * thousands of them, and a snapshot adds each one, so a linear search per add would make a
 * resync quadratic (5000 services took 0.36 s with one, and jump counting 0.15 s more).
 * Indexes are 1-based in the buckets and next arrays, 0 ends a chain.
 */
typedef struct Index {
	size_t *buckets;
	size_t n_buckets; /* a power of two */
	size_t *next;	  /* one per element, as allocated as the element array */
} Index;

struct Firewall {
	FwTable *tables;
	size_t n_tables, allocated_tables;
	FwChain *chains;
	size_t n_chains, allocated_chains;
	FwRule *rules;
	size_t n_rules, allocated_rules;
	Index chain_index;  /* by backend, family, table, name */
	Index rule_index;   /* by backend, family, table, chain, handle */
	Index target_index; /* rules by backend, family, table, target: the jumps to a chain */
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

static void index_free(Index *x)
{
	free(x->buckets);
	free(x->next);
}

Firewall *firewall_free(Firewall *fw)
{
	if (!fw)
		return NULL;
	free(fw->tables);
	free(fw->chains);
	free(fw->rules);
	index_free(&fw->chain_index);
	index_free(&fw->rule_index);
	index_free(&fw->target_index);
	free(fw);
	return NULL;
}

/* ---- hashing ---- */

static uint64_t mix(uint64_t h, const void *data, size_t len)
{
	const unsigned char *p = data;
	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 1099511628211ULL; /* FNV-1a */
	return h;
}

static uint64_t key(FwBackend backend, uint8_t family, const char *table, const char *name,
		    const uint64_t *handle)
{
	uint64_t h = 14695981039346656037ULL;
	uint8_t head[2] = {(uint8_t)backend, family};
	h = mix(h, head, sizeof(head));
	h = mix(h, table, strlen(table) + 1);
	h = mix(h, name, strlen(name) + 1);
	return handle ? mix(h, handle, sizeof(*handle)) : h;
}

static uint64_t chain_key(const FwChain *c)
{
	return key(c->backend, c->family, c->table, c->name, NULL);
}

static uint64_t rule_key(const FwRule *r)
{
	return key(r->backend, r->family, r->table, r->chain, &r->handle);
}

static uint64_t target_key(const FwRule *r)
{
	return key(r->backend, r->family, r->table, r->target, NULL);
}

static size_t *bucket(const Index *x, uint64_t k)
{
	return &x->buckets[k & (x->n_buckets - 1)];
}

static void index_insert(Index *x, size_t i, uint64_t k)
{
	size_t *b = bucket(x, k);
	x->next[i] = *b;
	*b = i + 1;
}

static void index_unlink(Index *x, size_t i, uint64_t k)
{
	for (size_t *p = bucket(x, k); *p; p = &x->next[*p - 1])
		if (*p == i + 1) {
			*p = x->next[i];
			return;
		}
}

/* Grows an element array and its indexes' next arrays to hold needed elements; the caller then
 * rebuilds the buckets (ensure_buckets) when the elements outnumber them. *allocated moves only
 * once every array has the new size. */
static int grow(void **array, size_t *allocated, size_t needed, size_t size, Index *a, Index *b)
{
	size_t n = *allocated;
	if (array_grow(array, &n, needed, size) < 0)
		return -ENOMEM;
	if (n == *allocated)
		return 0;
	Index *indexes[] = {a, b};
	for (size_t k = 0; k < ELEMENTSOF(indexes); k++) {
		if (!indexes[k])
			continue;
		size_t *next = realloc(indexes[k]->next, n * sizeof(size_t));
		if (!next)
			return -ENOMEM;
		indexes[k]->next = next;
	}
	*allocated = n;
	return 0;
}

/* Keeps the buckets at least as many as the elements: rebuilt from the arrays when not. */
static int ensure_buckets(Index *x, size_t n_elements, const void *array, size_t size,
			  uint64_t (*key_of)(const void *))
{
	if (x->n_buckets >= n_elements && x->buckets)
		return 0;
	size_t n = x->n_buckets ? x->n_buckets : 64;
	while (n < n_elements)
		n *= 2;
	size_t *buckets = calloc(n, sizeof(size_t));
	if (!buckets)
		return -ENOMEM;
	free(x->buckets);
	x->buckets = buckets;
	x->n_buckets = n;
	for (size_t i = 0; i < n_elements - 1; i++) /* the caller inserts the newest */
		index_insert(x, i, key_of((const char *)array + i * size));
	return 0;
}

static uint64_t chain_key_of(const void *p)
{
	return chain_key(p);
}

static uint64_t rule_key_of(const void *p)
{
	return rule_key(p);
}

static uint64_t target_key_of(const void *p)
{
	return target_key(p);
}

static void copy_name(char dst[static FW_NAME_MAX], const char *src)
{
	string_copy(dst, FW_NAME_MAX, src ? src : "");
}

/* ---- removal, keeping the arrays dense ---- */

static void remove_chain_at(Firewall *fw, size_t i)
{
	size_t last = fw->n_chains - 1;
	index_unlink(&fw->chain_index, i, chain_key(&fw->chains[i]));
	if (i != last) {
		index_unlink(&fw->chain_index, last, chain_key(&fw->chains[last]));
		fw->chains[i] = fw->chains[last];
		index_insert(&fw->chain_index, i, chain_key(&fw->chains[i]));
	}
	fw->n_chains--;
}

static void remove_rule_at(Firewall *fw, size_t i)
{
	size_t last = fw->n_rules - 1;
	index_unlink(&fw->rule_index, i, rule_key(&fw->rules[i]));
	index_unlink(&fw->target_index, i, target_key(&fw->rules[i]));
	if (i != last) {
		index_unlink(&fw->rule_index, last, rule_key(&fw->rules[last]));
		index_unlink(&fw->target_index, last, target_key(&fw->rules[last]));
		fw->rules[i] = fw->rules[last];
		index_insert(&fw->rule_index, i, rule_key(&fw->rules[i]));
		index_insert(&fw->target_index, i, target_key(&fw->rules[i]));
	}
	fw->n_rules--;
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
			remove_rule_at(fw, i);
			gone++;
		}
	for (size_t i = fw->n_chains; i-- > 0;)
		if (fw->chains[i].backend == backend && fw->chains[i].generation != g) {
			remove_chain_at(fw, i);
			gone++;
		}
	for (size_t i = fw->n_tables; i-- > 0;)
		if (fw->tables[i].backend == backend && fw->tables[i].generation != g) {
			fw->tables[i] = fw->tables[--fw->n_tables];
			gone++;
		}
	return gone;
}

/* ---- tables: a handful per node, kept in a plain array ---- */

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
	if (grow((void **)&fw->tables, &fw->allocated_tables, fw->n_tables + 1, sizeof(FwTable),
		 NULL, NULL))
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

/* ---- chains ---- */

static ssize_t find_chain(const Firewall *fw, FwBackend backend, uint8_t family, const char *table,
			  const char *name)
{
	if (!fw->chain_index.buckets)
		return -1;
	for (size_t i = *bucket(&fw->chain_index, key(backend, family, table, name, NULL)); i;
	     i = fw->chain_index.next[i - 1]) {
		const FwChain *c = &fw->chains[i - 1];
		if (same_table(c->backend, c->family, c->table, backend, family, table) &&
		    strcmp(c->name, name) == 0)
			return (ssize_t)(i - 1);
	}
	return -1;
}

int firewall_add_chain(Firewall *fw, const FwChain *chain)
{
	ssize_t at = find_chain(fw, chain->backend, chain->family, chain->table, chain->name);
	int r = 0;

	/* A chain's event may come before its table's was seen (a resync in flight): the table
	 * exists if the chain does. */
	if (!find_table(fw, chain->backend, chain->family, chain->table)) {
		r = firewall_add_table(fw, chain->backend, chain->family, chain->table, 0);
		if (r < 0)
			return r;
	}
	FwChain copy = *chain;
	copy.generation = fw->generation[chain->backend];
	if (at >= 0) {
		FwChain *c = &fw->chains[at];
		r = c->base != chain->base || c->handle != chain->handle;
		*c = copy;
		return r;
	}
	if (grow((void **)&fw->chains, &fw->allocated_chains, fw->n_chains + 1, sizeof(FwChain),
		 &fw->chain_index, NULL))
		return -ENOMEM;
	size_t i = fw->n_chains++;
	fw->chains[i] = copy;
	if (ensure_buckets(&fw->chain_index, fw->n_chains, fw->chains, sizeof(FwChain),
			   chain_key_of) < 0) {
		fw->n_chains--;
		return -ENOMEM;
	}
	index_insert(&fw->chain_index, i, chain_key(&fw->chains[i]));
	return 1;
}

int firewall_del_chain(Firewall *fw, FwBackend backend, uint8_t family, const char *table,
		       const char *name)
{
	/* Its rules go with it (the kernel sends their DELRULEs too, but not every version). */
	for (size_t i = fw->n_rules; i-- > 0;) {
		FwRule *x = &fw->rules[i];
		if (same_table(x->backend, x->family, x->table, backend, family, table) &&
		    strcmp(x->chain, name) == 0)
			remove_rule_at(fw, i);
	}
	ssize_t at = find_chain(fw, backend, family, table, name);
	if (at < 0)
		return 0;
	remove_chain_at(fw, (size_t)at);
	return 1;
}

/* ---- rules ---- */

static ssize_t find_rule(const Firewall *fw, const FwRule *rule)
{
	if (!fw->rule_index.buckets)
		return -1;
	for (size_t i = *bucket(&fw->rule_index, rule_key(rule)); i;
	     i = fw->rule_index.next[i - 1]) {
		const FwRule *x = &fw->rules[i - 1];
		if (same_table(x->backend, x->family, x->table, rule->backend, rule->family,
			       rule->table) &&
		    strcmp(x->chain, rule->chain) == 0 && x->handle == rule->handle)
			return (ssize_t)(i - 1);
	}
	return -1;
}

int firewall_add_rule(Firewall *fw, const FwRule *rule)
{
	ssize_t at = find_rule(fw, rule);
	FwRule copy = *rule;
	copy.generation = fw->generation[rule->backend];

	if (at >= 0) {
		FwRule *x = &fw->rules[at];
		int r = strcmp(x->target, rule->target) != 0 || x->is_goto != rule->is_goto;
		/* The target may have changed: re-file the rule under it. */
		index_unlink(&fw->target_index, (size_t)at, target_key(x));
		*x = copy;
		index_insert(&fw->target_index, (size_t)at, target_key(x));
		return r;
	}
	if (grow((void **)&fw->rules, &fw->allocated_rules, fw->n_rules + 1, sizeof(FwRule),
		 &fw->rule_index, &fw->target_index))
		return -ENOMEM;
	size_t i = fw->n_rules++;
	fw->rules[i] = copy;
	if (ensure_buckets(&fw->rule_index, fw->n_rules, fw->rules, sizeof(FwRule), rule_key_of) <
		0 ||
	    ensure_buckets(&fw->target_index, fw->n_rules, fw->rules, sizeof(FwRule),
			   target_key_of) < 0) {
		/* Rebuilt on the next successful add; until then lookups use what exists. */
		fw->n_rules--;
		return -ENOMEM;
	}
	index_insert(&fw->rule_index, i, rule_key(&fw->rules[i]));
	index_insert(&fw->target_index, i, target_key(&fw->rules[i]));
	return 1;
}

int firewall_del_rule(Firewall *fw, FwBackend backend, uint8_t family, const char *table,
		      const char *chain, uint64_t handle)
{
	FwRule probe = {.backend = backend, .family = family, .handle = handle};
	copy_name(probe.table, table);
	copy_name(probe.chain, chain);
	ssize_t at = find_rule(fw, &probe);
	if (at < 0)
		return 0;
	remove_rule_at(fw, (size_t)at);
	return 1;
}

int firewall_del_table(Firewall *fw, FwBackend backend, uint8_t family, const char *name)
{
	int r = 0;
	for (size_t i = fw->n_rules; i-- > 0;)
		if (same_table(fw->rules[i].backend, fw->rules[i].family, fw->rules[i].table,
			       backend, family, name))
			remove_rule_at(fw, i);
	for (size_t i = fw->n_chains; i-- > 0;)
		if (same_table(fw->chains[i].backend, fw->chains[i].family, fw->chains[i].table,
			       backend, family, name))
			remove_chain_at(fw, i);
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
	if (!fw->target_index.buckets)
		return 0;
	for (size_t i = *bucket(&fw->target_index, chain_key(chain)); i;
	     i = fw->target_index.next[i - 1]) {
		const FwRule *x = &fw->rules[i - 1];
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
