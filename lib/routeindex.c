/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "prefixtrie.h"
#include "routeindex.h"

typedef struct TableTrie {
	uint8_t family;
	uint32_t table;
	PrefixTrie *trie; /* values: the chain of routes with that destination */
} TableTrie;

typedef struct Gateway {
	uint8_t family;
	InAddr addr;
	uint64_t refs;	  /* pod routes through it */
	uint32_t ifindex; /* the verdict: connected on this device, or 0 */
	/* The kernel's answer, when questions are asked: it replaces the verdict of the kept
	 * routes, which miss the connected routes that are not kept. */
	bool answered;
	bool answer_local;   /* the node's own address: the kept routes decide (GatewayAnswer) */
	uint32_t answer_oif; /* the device the answer went out of, through a gateway or not */
	/* In the queue of questions to ask: no allocation, so that queueing cannot fail. */
	struct Gateway *queue_next, **queue_pprev;
} Gateway;

/* Pod-route counts by their gateway's verdict. A node has few distinct verdicts: the NIC, 0. */
typedef struct VerdictCount {
	uint32_t ifindex;
	uint64_t refs;
} VerdictCount;

struct RouteIndex {
	TableTrie *tables;
	size_t n_tables;
	PrefixTrie *gateways[2]; /* [0] IPv4, [1] IPv6; values: Gateway */
	VerdictCount *verdicts;
	size_t n_verdicts;
	uint64_t pod_gateway_refs;
	uint64_t pod_unresolved; /* pod routes whose first nexthop has no gateway to look up */
	uint64_t pod_tunnel;
	/* A verdict bucket could not be allocated: the counts may be wrong, so pod_routes_off()
	 * answers "some" for good and evaluation takes the full walk, which needs no counts. */
	bool degraded;
	bool asking; /* verdicts come from the kernel's answers (routeindex_set_asking) */
	/* Answered gateways per device their answer went out of, so that a link's change scans the
	 * gateways only when some went out of it: a pod's veth coming and going must not cost a
	 * walk over 5000 gateways. Same shape as the verdict counts. */
	VerdictCount *oifs;
	size_t n_oifs;
	bool oifs_degraded;  /* a count could not be allocated: every link change scans */
	Gateway *queue;	     /* gateways to ask about */
	uint64_t unanswered; /* gateways never answered since asking began or since they came */
};

static unsigned family_slot(int family)
{
	return family == AF_INET6 ? 1 : 0;
}

static void free_gateway(void *value, void *userdata)
{
	free(value);
}

static void dequeue(Gateway *g)
{
	if (!g->queue_pprev)
		return;
	*g->queue_pprev = g->queue_next;
	if (g->queue_next)
		g->queue_next->queue_pprev = g->queue_pprev;
	g->queue_next = NULL;
	g->queue_pprev = NULL;
}

static void enqueue(RouteIndex *x, Gateway *g)
{
	if (!x->asking || g->queue_pprev)
		return;
	g->queue_next = x->queue;
	if (x->queue)
		x->queue->queue_pprev = &g->queue_next;
	x->queue = g;
	g->queue_pprev = &x->queue;
}

static VerdictCount *oif_count(RouteIndex *x, uint32_t ifindex, bool create)
{
	for (size_t i = 0; i < x->n_oifs; i++)
		if (x->oifs[i].ifindex == ifindex)
			return &x->oifs[i];
	if (!create)
		return NULL;
	VerdictCount *grown = realloc(x->oifs, (x->n_oifs + 1) * sizeof(*grown));
	if (!grown)
		return NULL;
	x->oifs = grown;
	x->oifs[x->n_oifs] = (VerdictCount){ifindex, 0};
	return &x->oifs[x->n_oifs++];
}

/* The gateway's answer, and its count by device, go. */
static void drop_answer(RouteIndex *x, Gateway *g)
{
	if (!g->answered)
		return;
	VerdictCount *c = oif_count(x, g->answer_oif, false);
	if (c && c->refs > 0)
		c->refs--;
	g->answered = false;
}

/* A gateway about to be freed leaves the queue and the count of those not answered. */
static void gateway_forget(RouteIndex *x, Gateway *g)
{
	dequeue(g);
	if (x->asking && !g->answered)
		x->unanswered--;
	drop_answer(x, g);
}

int routeindex_new(RouteIndex **ret)
{
	RouteIndex *x = calloc(1, sizeof(*x));
	if (!x || prefixtrie_new(AF_INET, &x->gateways[0]) < 0 ||
	    prefixtrie_new(AF_INET6, &x->gateways[1]) < 0) {
		routeindex_free(x);
		return -ENOMEM;
	}
	*ret = x;
	return 0;
}

RouteIndex *routeindex_free(RouteIndex *x)
{
	if (!x)
		return NULL;
	for (size_t i = 0; i < x->n_tables; i++)
		prefixtrie_free(x->tables[i].trie);
	free(x->tables);
	for (int f = 0; f < 2; f++) {
		if (!x->gateways[f])
			continue;
		InAddr any = {};
		prefixtrie_foreach_within(x->gateways[f], &any, 0, free_gateway, NULL);
		prefixtrie_free(x->gateways[f]);
	}
	free(x->verdicts);
	free(x->oifs);
	free(x);
	return NULL;
}

static PrefixTrie *table_trie(const RouteIndex *x, int family, uint32_t table)
{
	for (size_t i = 0; i < x->n_tables; i++)
		if (x->tables[i].family == family && x->tables[i].table == table)
			return x->tables[i].trie;
	return NULL;
}

static int table_trie_add(RouteIndex *x, int family, uint32_t table, PrefixTrie **ret)
{
	PrefixTrie *t = table_trie(x, family, table);
	if (t) {
		*ret = t;
		return 0;
	}
	TableTrie *grown = realloc(x->tables, (x->n_tables + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	x->tables = grown;
	if (prefixtrie_new(family, &t) < 0)
		return -ENOMEM;
	x->tables[x->n_tables++] = (TableTrie){(uint8_t)family, table, t};
	*ret = t;
	return 0;
}

/* ---- lookups ---- */

static bool usable(const Route *r)
{
	return r->type == RTN_UNICAST && r->src_len == 0;
}

static bool chain_has_usable(const void *value, void *userdata)
{
	for (const Route *r = value; r; r = r->same_prefix_next)
		if (usable(r))
			return true;
	return false;
}

const Route *routeindex_lookup(const RouteIndex *x, int family, uint32_t table, const InAddr *addr)
{
	const PrefixTrie *t = table_trie(x, family, table);
	const Route *best = NULL;

	if (!t)
		return NULL;
	for (const Route *r = prefixtrie_lookup(t, addr, chain_has_usable, NULL); r;
	     r = r->same_prefix_next)
		if (usable(r) && (!best || r->priority < best->priority))
			best = r;
	return best;
}

uint32_t routeindex_gateway_verdict(const RouteIndex *x, int family, const InAddr *addr)
{
	const Gateway *g =
	    prefixtrie_get(x->gateways[family_slot(family)], addr, family == AF_INET6 ? 128 : 32);
	return g ? g->ifindex : routeindex_connected_ifindex(x, family, addr);
}

uint32_t routeindex_connected_ifindex(const RouteIndex *x, int family, const InAddr *addr)
{
	const Route *r = routeindex_lookup(x, family, RT_TABLE_MAIN, addr);

	if (!r || r->n_nexthops == 0)
		return 0;
	for (size_t i = 0; i < r->n_nexthops; i++)
		if (r->nexthops[i].gw_family || r->nexthops[i].ifindex != r->nexthops[0].ifindex)
			return 0;
	return r->nexthops[0].ifindex;
}

/* ---- gateway verdicts ---- */

static VerdictCount *verdict_count(RouteIndex *x, uint32_t ifindex, bool create)
{
	for (size_t i = 0; i < x->n_verdicts; i++)
		if (x->verdicts[i].ifindex == ifindex)
			return &x->verdicts[i];
	if (!create)
		return NULL;
	VerdictCount *grown = realloc(x->verdicts, (x->n_verdicts + 1) * sizeof(*grown));
	if (!grown)
		return NULL;
	x->verdicts = grown;
	x->verdicts[x->n_verdicts] = (VerdictCount){ifindex, 0};
	return &x->verdicts[x->n_verdicts++];
}

/* Moves a gateway's routes to the bucket of a verdict; the buckets exist for every verdict that
 * holds routes, so only a new verdict can fail to find memory. */
static int move_refs(RouteIndex *x, uint32_t from, uint32_t to, uint64_t refs)
{
	if (refs == 0 || from == to)
		return 0;
	VerdictCount *dst = verdict_count(x, to, true);
	if (!dst)
		return -ENOMEM;
	VerdictCount *src = verdict_count(x, from, false);
	if (src)
		src->refs -= refs;
	dst->refs += refs;
	return 0;
}

static void set_verdict(RouteIndex *x, Gateway *g, uint32_t ifindex)
{
	if (ifindex == g->ifindex)
		return;
	if (move_refs(x, g->ifindex, ifindex, g->refs) < 0)
		x->degraded = true;
	g->ifindex = ifindex;
}

/* The verdict of the kept routes, for gateways the kernel has not answered about. */
static uint32_t kept_verdict(const RouteIndex *x, const Gateway *g)
{
	return routeindex_connected_ifindex(x, g->family, &g->addr);
}

static void recompute_gateway(void *value, void *userdata)
{
	RouteIndex *x = userdata;
	Gateway *g = value;

	/* An answered gateway keeps its answer until the next one: the change that moved it
	 * queued the question (routeindex_queue_within). */
	if (!g->answered || g->answer_local)
		set_verdict(x, g, kept_verdict(x, g));
}

/* A main-table route appeared or went: only the gateways inside its prefix can change verdict. */
static void recompute_within(RouteIndex *x, const Route *r)
{
	if (r->table == RT_TABLE_MAIN)
		prefixtrie_foreach_within(x->gateways[family_slot(r->family)], &r->dst, r->dst_len,
					  recompute_gateway, x);
}

static int gateway_ref(RouteIndex *x, const Nexthop *nh)
{
	PrefixTrie *t = x->gateways[family_slot(nh->gw_family)];
	uint8_t bits = nh->gw_family == AF_INET6 ? 128 : 32;
	Gateway *g = prefixtrie_get(t, &nh->gw, bits);

	if (!g) {
		g = calloc(1, sizeof(*g));
		if (!g)
			return -ENOMEM;
		g->family = nh->gw_family;
		g->addr = nh->gw;
		g->ifindex = kept_verdict(x, g);
		if (prefixtrie_set(t, &g->addr, bits, g) < 0) {
			free(g);
			return -ENOMEM;
		}
		if (x->asking)
			x->unanswered++;
		enqueue(x, g);
	}
	VerdictCount *v = verdict_count(x, g->ifindex, true);
	if (!v) {
		if (g->refs == 0) {
			gateway_forget(x, g);
			free(prefixtrie_remove(t, &g->addr, bits));
		}
		return -ENOMEM;
	}
	v->refs++;
	g->refs++;
	x->pod_gateway_refs++;
	return 0;
}

static void gateway_unref(RouteIndex *x, const Nexthop *nh)
{
	PrefixTrie *t = x->gateways[family_slot(nh->gw_family)];
	uint8_t bits = nh->gw_family == AF_INET6 ? 128 : 32;
	Gateway *g = prefixtrie_get(t, &nh->gw, bits);

	if (!g)
		return;
	VerdictCount *v = verdict_count(x, g->ifindex, false);
	if (v)
		v->refs--;
	x->pod_gateway_refs--;
	if (--g->refs == 0) {
		gateway_forget(x, g);
		free(prefixtrie_remove(t, &g->addr, bits));
	}
}

static bool first_gateway_resolvable(const Route *r)
{
	return r->n_nexthops > 0 &&
	       (r->nexthops[0].gw_family == AF_INET || r->nexthops[0].gw_family == AF_INET6);
}

/* ---- routes ---- */

static void chain_remove(RouteIndex *x, Route *r)
{
	PrefixTrie *t = table_trie(x, r->family, r->table);
	Route *head = t ? prefixtrie_get(t, &r->dst, r->dst_len) : NULL;

	if (!head)
		return;
	if (head == r) {
		if (r->same_prefix_next)
			prefixtrie_replace(t, &r->dst, r->dst_len, r->same_prefix_next);
		else
			(void)prefixtrie_remove(t, &r->dst, r->dst_len);
	} else {
		for (Route *p = head; p->same_prefix_next; p = p->same_prefix_next)
			if (p->same_prefix_next == r) {
				p->same_prefix_next = r->same_prefix_next;
				break;
			}
	}
	r->same_prefix_next = NULL;
}

int routeindex_add(RouteIndex *x, Route *r, unsigned flags)
{
	PrefixTrie *t;
	int e;

	r->index_flags = 0;
	r->same_prefix_next = NULL;
	if ((e = table_trie_add(x, r->family, r->table, &t)) < 0)
		return e;
	/* Replacing the chain's head with itself cannot allocate: the prefix is already there. */
	r->same_prefix_next = prefixtrie_get(t, &r->dst, r->dst_len);
	if ((e = prefixtrie_set(t, &r->dst, r->dst_len, r)) < 0) {
		r->same_prefix_next = NULL;
		return e;
	}
	if ((flags & ROUTE_INDEX_POD_GATEWAY) && first_gateway_resolvable(r)) {
		if ((e = gateway_ref(x, &r->nexthops[0])) < 0) {
			chain_remove(x, r);
			return e;
		}
	} else if (flags & ROUTE_INDEX_POD_GATEWAY) {
		x->pod_unresolved++;
	}
	if (flags & ROUTE_INDEX_POD_TUNNEL)
		x->pod_tunnel++;
	r->index_flags = (uint8_t)flags;
	recompute_within(x, r);
	return 0;
}

void routeindex_remove(RouteIndex *x, Route *r)
{
	if (r->index_flags & ROUTE_INDEX_POD_GATEWAY) {
		if (first_gateway_resolvable(r))
			gateway_unref(x, &r->nexthops[0]);
		else
			x->pod_unresolved--;
	}
	if (r->index_flags & ROUTE_INDEX_POD_TUNNEL)
		x->pod_tunnel--;
	r->index_flags = 0;
	chain_remove(x, r);
	recompute_within(x, r);
}

uint64_t routeindex_pod_routes_off(const RouteIndex *x, uint32_t ifindex)
{
	uint64_t on = 0;

	for (size_t i = 0; i < x->n_verdicts; i++)
		if (x->verdicts[i].ifindex == ifindex)
			on = x->verdicts[i].refs;
	if (x->degraded)
		return 1;
	return x->pod_gateway_refs + x->pod_unresolved - on;
}

uint64_t routeindex_pod_routes_via_tunnel(const RouteIndex *x)
{
	return x->pod_tunnel;
}

/* ---- questions to the kernel ---- */

static void start_asking(void *value, void *userdata)
{
	RouteIndex *x = userdata;
	Gateway *g = value;

	drop_answer(x, g);
	x->unanswered++;
	enqueue(x, g);
}

static void stop_asking(void *value, void *userdata)
{
	RouteIndex *x = userdata;
	Gateway *g = value;

	dequeue(g);
	drop_answer(x, g);
	set_verdict(x, g, kept_verdict(x, g));
}

void routeindex_set_asking(RouteIndex *x, bool asking)
{
	InAddr any = {};

	if (x->asking == asking)
		return;
	x->unanswered = 0;
	x->asking = asking;
	for (int f = 0; f < 2; f++)
		prefixtrie_foreach_within(x->gateways[f], &any, 0,
					  asking ? start_asking : stop_asking, x);
}

bool routeindex_asking(const RouteIndex *x)
{
	return x->asking;
}

static void queue_gateway(void *value, void *userdata)
{
	enqueue(userdata, value);
}

void routeindex_queue_within(RouteIndex *x, int family, const InAddr *addr, uint8_t len)
{
	if (x->asking)
		prefixtrie_foreach_within(x->gateways[family_slot(family)], addr, len,
					  queue_gateway, x);
}

typedef struct OifQueue {
	RouteIndex *x;
	uint32_t ifindex;
} OifQueue;

static void queue_if_through(void *value, void *userdata)
{
	OifQueue *q = userdata;
	Gateway *g = value;

	if (g->answered && g->answer_oif == q->ifindex)
		enqueue(q->x, g);
}

void routeindex_queue_oif(RouteIndex *x, uint32_t ifindex)
{
	OifQueue q = {x, ifindex};
	InAddr any = {};
	const VerdictCount *c = oif_count(x, ifindex, false);

	if (!x->asking || (!x->oifs_degraded && (!c || c->refs == 0)))
		return;
	for (int f = 0; f < 2; f++)
		prefixtrie_foreach_within(x->gateways[f], &any, 0, queue_if_through, &q);
}

size_t routeindex_take_questions(RouteIndex *x, GatewayQuestion *out, size_t max)
{
	size_t n = 0;

	while (n < max && x->queue) {
		Gateway *g = x->queue;
		dequeue(g);
		out[n++] = (GatewayQuestion){g->family, g->addr};
	}
	return n;
}

int routeindex_answer(RouteIndex *x, const GatewayAnswer *a)
{
	Gateway *g = prefixtrie_get(x->gateways[family_slot(a->family)], &a->addr,
				    a->family == AF_INET6 ? 128 : 32);
	uint32_t before;

	if (!x->asking || !g)
		return 0; /* the gateway went while the question was out */
	before = g->ifindex;
	if (!g->answered)
		x->unanswered--;
	drop_answer(x, g);
	VerdictCount *c = oif_count(x, a->oif, true);
	if (c)
		c->refs++;
	else
		x->oifs_degraded = true;
	g->answered = true;
	g->answer_local = a->local;
	g->answer_oif = a->oif;
	set_verdict(x, g, a->local ? kept_verdict(x, g) : a->connected_ifindex);
	return before != g->ifindex;
}

uint64_t routeindex_unanswered(const RouteIndex *x)
{
	return x->asking ? x->unanswered : 0;
}
