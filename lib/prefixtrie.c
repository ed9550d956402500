/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "prefixtrie.h"

/* A node is a stored prefix (value set) or a branch point two prefixes need (value NULL), so
 * there are fewer than two nodes per prefix and the depth is bounded by the address length. */
typedef struct Node {
	struct Node *child[2];
	void *value;
	uint8_t len;
	InAddr key; /* bits past len are zero */
} Node;

struct PrefixTrie {
	Node *root;
	uint8_t bits;
	size_t n_values;
};

int prefixtrie_new(int family, PrefixTrie **ret)
{
	PrefixTrie *t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->bits = family == AF_INET6 ? 128 : 32;
	*ret = t;
	return 0;
}

static void free_subtree(Node *n)
{
	while (n) {
		free_subtree(n->child[0]);
		Node *next = n->child[1];
		free(n);
		n = next;
	}
}

PrefixTrie *prefixtrie_free(PrefixTrie *t)
{
	if (!t)
		return NULL;
	free_subtree(t->root);
	free(t);
	return NULL;
}

static unsigned bit_at(const InAddr *a, unsigned i)
{
	return (a->bytes[i / 8] >> (7 - i % 8)) & 1u;
}

/* How many leading bits a and b share, at most max. */
static unsigned common_bits(const InAddr *a, const InAddr *b, unsigned max)
{
	unsigned n = 0;

	while (n < max) {
		uint8_t diff = a->bytes[n / 8] ^ b->bytes[n / 8];
		if (n % 8 == 0 && diff == 0) {
			n += 8;
			continue;
		}
		if (diff & (0x80u >> (n % 8)))
			break;
		n++;
	}
	return n < max ? n : max;
}

static InAddr masked(const InAddr *a, unsigned len)
{
	InAddr m = {};

	memcpy(m.bytes, a->bytes, len / 8);
	if (len % 8)
		m.bytes[len / 8] = a->bytes[len / 8] & (uint8_t)(0xffu << (8 - len % 8));
	return m;
}

static Node *node_new(const InAddr *addr, uint8_t len, void *value)
{
	Node *n = calloc(1, sizeof(*n));
	if (!n)
		return NULL;
	n->key = masked(addr, len);
	n->len = len;
	n->value = value;
	return n;
}

static bool covers(const Node *n, const InAddr *addr, unsigned len)
{
	return n->len <= len && common_bits(&n->key, addr, n->len) == n->len;
}

void *prefixtrie_get(const PrefixTrie *t, const InAddr *addr, uint8_t len)
{
	for (const Node *n = t->root; n && covers(n, addr, len);) {
		if (n->len == len)
			return n->value;
		n = n->child[bit_at(addr, n->len)];
	}
	return NULL;
}

int prefixtrie_set(PrefixTrie *t, const InAddr *addr, uint8_t len, void *value)
{
	Node **slot = &t->root;

	if (len > t->bits || !value)
		return -EINVAL;
	while (*slot) {
		Node *n = *slot;
		unsigned c = common_bits(&n->key, addr, n->len < len ? n->len : len);
		if (c == n->len) {
			if (n->len == len) {
				if (!n->value)
					t->n_values++;
				n->value = value;
				return 0;
			}
			slot = &n->child[bit_at(addr, n->len)];
			continue;
		}
		/* The new prefix leaves n's path at bit c: it sits above n, or beside it under a
		 * new branch point. */
		Node *leaf = node_new(addr, len, value);
		if (!leaf)
			return -ENOMEM;
		if (c == len) {
			leaf->child[bit_at(&n->key, len)] = n;
			*slot = leaf;
		} else {
			Node *branch = node_new(addr, (uint8_t)c, NULL);
			if (!branch) {
				free(leaf);
				return -ENOMEM;
			}
			branch->child[bit_at(addr, c)] = leaf;
			branch->child[bit_at(&n->key, c)] = n;
			*slot = branch;
		}
		t->n_values++;
		return 0;
	}
	if (!(*slot = node_new(addr, len, value)))
		return -ENOMEM;
	t->n_values++;
	return 0;
}

void prefixtrie_replace(PrefixTrie *t, const InAddr *addr, uint8_t len, void *value)
{
	for (Node *n = t->root; n && value && covers(n, addr, len);) {
		if (n->len == len) {
			if (n->value)
				n->value = value;
			return;
		}
		n = n->child[bit_at(addr, n->len)];
	}
}

void *prefixtrie_remove(PrefixTrie *t, const InAddr *addr, uint8_t len)
{
	Node **slot = &t->root, **parent_slot = NULL;

	while (*slot && covers(*slot, addr, len) && (*slot)->len != len) {
		parent_slot = slot;
		slot = &(*slot)->child[bit_at(addr, (*slot)->len)];
	}
	Node *n = *slot;
	if (!n || !n->value || n->len != len || !covers(n, addr, len))
		return NULL;
	void *value = n->value;
	n->value = NULL;
	t->n_values--;
	if (n->child[0] && n->child[1])
		return value; /* still a branch point */
	*slot = n->child[0] ? n->child[0] : n->child[1];
	free(n);
	/* A branch point left with one child is no longer needed either. */
	Node *p = parent_slot ? *parent_slot : NULL;
	if (p && !p->value && !(p->child[0] && p->child[1])) {
		*parent_slot = p->child[0] ? p->child[0] : p->child[1];
		free(p);
	}
	return value;
}

void *prefixtrie_lookup(const PrefixTrie *t, const InAddr *addr,
			bool (*accept)(const void *value, void *userdata), void *userdata)
{
	void *best = NULL;

	for (const Node *n = t->root; n && covers(n, addr, t->bits);) {
		if (n->value && (!accept || accept(n->value, userdata)))
			best = n->value;
		if (n->len == t->bits)
			break;
		n = n->child[bit_at(addr, n->len)];
	}
	return best;
}

static void visit_subtree(const Node *n, void (*f)(void *value, void *userdata), void *userdata)
{
	for (; n; n = n->child[1]) {
		if (n->value)
			f(n->value, userdata);
		visit_subtree(n->child[0], f, userdata);
	}
}

void prefixtrie_foreach_within(const PrefixTrie *t, const InAddr *addr, uint8_t len,
			       void (*f)(void *value, void *userdata), void *userdata)
{
	const Node *n = t->root;

	/* Down to the first node at least as long as the prefix: it and its subtree are inside
	 * when its first len bits are the prefix's. */
	while (n && n->len < len) {
		if (!covers(n, addr, len))
			return;
		n = n->child[bit_at(addr, n->len)];
	}
	if (n && common_bits(&n->key, addr, len) == len)
		visit_subtree(n, f, userdata);
}

size_t prefixtrie_size(const PrefixTrie *t)
{
	return t->n_values;
}
