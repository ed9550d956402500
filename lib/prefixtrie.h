/* SPDX-License-Identifier: MIT */
/*
 * A path-compressed binary trie keyed by prefix (one address family): longest-prefix match and
 * "everything inside this prefix" in O(address bits), whatever the number of prefixes.
 *
 * Each prefix holds one opaque value; the caller chains what shares a prefix. Lookups take a
 * predicate, because "the route the kernel would use" skips prefixes whose routes cannot carry
 * traffic (a blackhole of the same length, a route in a source-specific subtree).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "inaddr.h"
#include "macro.h"

typedef struct PrefixTrie PrefixTrie;

_must_check_ int prefixtrie_new(int family, PrefixTrie **ret);
PrefixTrie *prefixtrie_free(PrefixTrie *t);
DEFINE_TRIVIAL_CLEANUP_FUNC(PrefixTrie *, prefixtrie_free);

/* The value stored at exactly addr/len, or NULL. Bits of addr past len are ignored. */
void *prefixtrie_get(const PrefixTrie *t, const InAddr *addr, uint8_t len);
/* Stores value (not NULL) at addr/len, replacing any. Returns 0 or -ENOMEM. */
_must_check_ int prefixtrie_set(PrefixTrie *t, const InAddr *addr, uint8_t len, void *value);
/* Gives a prefix already stored a new value (not NULL); allocates nothing, so cannot fail. Does
 * nothing when the prefix is not stored. */
void prefixtrie_replace(PrefixTrie *t, const InAddr *addr, uint8_t len, void *value);
/* Removes the value at addr/len. Returns it, or NULL when there was none. */
void *prefixtrie_remove(PrefixTrie *t, const InAddr *addr, uint8_t len);

/* The value of the longest prefix containing addr for which accept(value, userdata) holds (every
 * value when accept is NULL), or NULL. */
void *prefixtrie_lookup(const PrefixTrie *t, const InAddr *addr,
			bool (*accept)(const void *value, void *userdata), void *userdata);

/* Calls f for every value whose prefix lies inside addr/len (itself included), in no particular
 * order. f must not change the trie. */
void prefixtrie_foreach_within(const PrefixTrie *t, const InAddr *addr, uint8_t len,
			       void (*f)(void *value, void *userdata), void *userdata);

size_t prefixtrie_size(const PrefixTrie *t);
