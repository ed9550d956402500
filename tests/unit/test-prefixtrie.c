/* SPDX-License-Identifier: MIT */
/* The prefix trie: exact get, longest-prefix match, "inside this prefix", removal, against a
 * linear scan of the same prefixes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "prefixtrie.h"
#include "unit-main.h"

static Prefix parse(const char *s)
{
	Prefix p;
	assert_int_equal(prefix_parse(s, &p), 0);
	return p;
}

static void *lookup(const PrefixTrie *t, const char *addr)
{
	Prefix p = parse(addr);
	return prefixtrie_lookup(t, &p.addr, NULL, NULL);
}

static int set(PrefixTrie *t, const char *s, void *value)
{
	Prefix p = parse(s);
	return prefixtrie_set(t, &p.addr, p.len, value);
}

static void *removed(PrefixTrie *t, const char *s)
{
	Prefix p = parse(s);
	return prefixtrie_remove(t, &p.addr, p.len);
}

static void count(void *value, void *userdata)
{
	(*(size_t *)userdata)++;
}

static size_t within(const PrefixTrie *t, const char *s)
{
	Prefix p = parse(s);
	size_t n = 0;
	prefixtrie_foreach_within(t, &p.addr, p.len, count, &n);
	return n;
}

static bool odd_only(const void *value, void *userdata)
{
	return (*(const int *)value) % 2 == 1;
}

static void test_longest_prefix_match(void **state)
{
	_cleanup_(prefixtrie_freep) PrefixTrie *t = NULL;
	int v[6] = {0, 1, 2, 3, 4, 5};

	assert_int_equal(prefixtrie_new(AF_INET, &t), 0);
	assert_null(lookup(t, "10.0.0.1"));
	assert_int_equal(set(t, "0.0.0.0/0", &v[0]), 0);
	assert_int_equal(set(t, "10.0.0.0/16", &v[1]), 0);
	assert_int_equal(set(t, "10.0.5.0/24", &v[2]), 0);
	assert_int_equal(set(t, "10.0.5.7/32", &v[3]), 0);
	assert_int_equal(set(t, "10.128.0.0/9", &v[4]), 0); /* beside 10.0/16: a branch point */
	assert_int_equal(prefixtrie_size(t), 5);
	assert_ptr_equal(lookup(t, "10.0.5.7"), &v[3]);
	assert_ptr_equal(lookup(t, "10.0.5.8"), &v[2]);
	assert_ptr_equal(lookup(t, "10.0.6.1"), &v[1]);
	assert_ptr_equal(lookup(t, "10.200.0.1"), &v[4]);
	assert_ptr_equal(lookup(t, "192.168.0.1"), &v[0]);
	/* the predicate skips a prefix whose value does not qualify, to the next shorter one */
	Prefix a = parse("10.0.5.8");
	assert_ptr_equal(prefixtrie_lookup(t, &a.addr, odd_only, NULL), &v[1]);

	/* exact get, with the bits past the length ignored */
	Prefix p = parse("10.0.5.99");
	assert_ptr_equal(prefixtrie_get(t, &p.addr, 24), &v[2]);
	assert_null(prefixtrie_get(t, &p.addr, 23));
	/* set replaces */
	assert_int_equal(set(t, "10.0.5.0/24", &v[5]), 0);
	assert_int_equal(prefixtrie_size(t), 5);
	assert_ptr_equal(lookup(t, "10.0.5.8"), &v[5]);

	/* replace touches a stored prefix only */
	Prefix q = parse("10.0.5.0/24");
	prefixtrie_replace(t, &q.addr, q.len, &v[2]);
	assert_ptr_equal(lookup(t, "10.0.5.8"), &v[2]);
	q = parse("10.0.6.0/24");
	prefixtrie_replace(t, &q.addr, q.len, &v[0]);
	assert_null(prefixtrie_get(t, &q.addr, q.len));
	q = parse("10.0.5.0/24");
	prefixtrie_replace(t, &q.addr, q.len, &v[5]);

	assert_int_equal(within(t, "10.0.0.0/8"), 4);
	assert_int_equal(within(t, "10.0.5.0/24"), 2);
	assert_int_equal(within(t, "10.0.5.7/32"), 1);
	assert_int_equal(within(t, "10.0.4.0/24"), 0);
	assert_int_equal(within(t, "0.0.0.0/0"), 5);

	assert_ptr_equal(removed(t, "10.0.5.0/24"), &v[5]);
	assert_null(removed(t, "10.0.5.0/24"));
	assert_null(removed(t, "10.0.0.0/15")); /* a prefix never stored */
	assert_ptr_equal(lookup(t, "10.0.5.8"), &v[1]);
	assert_ptr_equal(lookup(t, "10.0.5.7"), &v[3]);
	assert_int_equal(prefixtrie_size(t), 4);
}

static void test_ipv6(void **state)
{
	_cleanup_(prefixtrie_freep) PrefixTrie *t = NULL;
	int a = 1, b = 2;

	assert_int_equal(prefixtrie_new(AF_INET6, &t), 0);
	assert_int_equal(set(t, "2001:db8::/32", &a), 0);
	assert_int_equal(set(t, "2001:db8:0:1::/64", &b), 0);
	assert_ptr_equal(lookup(t, "2001:db8:0:1::5"), &b);
	assert_ptr_equal(lookup(t, "2001:db8:0:2::5"), &a);
	assert_null(lookup(t, "2001:db9::1"));
	assert_int_equal(within(t, "2001:db8::/48"), 1);
}

/* Random prefixes in a small space, so that they nest and collide; every answer checked against
 * a scan of what is stored. */
static unsigned next_random(unsigned *seed)
{
	*seed = *seed * 1103515245u + 12345u;
	return *seed >> 8;
}

typedef struct Stored {
	Prefix p;
	bool present;
} Stored;

static void test_against_linear_scan(void **state)
{
	_cleanup_(prefixtrie_freep) PrefixTrie *t = NULL;
	static Stored s[400];
	unsigned seed = 42;

	assert_int_equal(prefixtrie_new(AF_INET, &t), 0);
	for (size_t i = 0; i < ELEMENTSOF(s); i++) {
		s[i].p.family = AF_INET;
		s[i].p.len = (uint8_t)(next_random(&seed) % 33);
		uint32_t bits = next_random(&seed) & 0xff0f0000u; /* few distinct high bits */
		if (s[i].p.len < 32)
			bits &= s[i].p.len ? ~0u << (32 - s[i].p.len) : 0;
		for (int b = 0; b < 4; b++)
			s[i].p.addr.bytes[b] = (uint8_t)(bits >> (24 - 8 * b));
	}
	for (int round = 0; round < 2000; round++) {
		Stored *x = &s[next_random(&seed) % ELEMENTSOF(s)];
		void *at = prefixtrie_get(t, &x->p.addr, x->p.len);
		if (at) {
			assert_non_null(prefixtrie_remove(t, &x->p.addr, x->p.len));
			for (size_t i = 0; i < ELEMENTSOF(s); i++)
				if (s[i].p.len == x->p.len &&
				    memcmp(&s[i].p.addr, &x->p.addr, 4) == 0)
					s[i].present = false;
		} else {
			assert_int_equal(prefixtrie_set(t, &x->p.addr, x->p.len, x), 0);
			x->present = true;
		}
		/* one lookup and one "within" per round, checked by scanning */
		InAddr probe = {};
		uint32_t bits = next_random(&seed) & 0xff0f00ffu;
		for (int b = 0; b < 4; b++)
			probe.bytes[b] = (uint8_t)(bits >> (24 - 8 * b));
		const Stored *want = NULL;
		size_t n_present = 0;
		for (size_t i = 0; i < ELEMENTSOF(s); i++) {
			if (!s[i].present || prefixtrie_get(t, &s[i].p.addr, s[i].p.len) != &s[i])
				continue;
			n_present++;
			if (prefix_contains(&s[i].p, AF_INET, &probe) &&
			    (!want || s[i].p.len > want->p.len))
				want = &s[i];
		}
		assert_int_equal(prefixtrie_size(t), n_present);
		const Stored *got = prefixtrie_lookup(t, &probe, NULL, NULL);
		if (want)
			assert_true(got && got->p.len == want->p.len &&
				    prefix_contains(&got->p, AF_INET, &probe));
		else
			assert_null(got);

		Prefix outer = {.family = AF_INET, .len = (uint8_t)(next_random(&seed) % 17)};
		outer.addr = probe;
		for (unsigned b = outer.len; b < 32; b++)
			outer.addr.bytes[b / 8] &= (uint8_t) ~(0x80u >> (b % 8));
		size_t expected = 0, found = 0;
		for (size_t i = 0; i < ELEMENTSOF(s); i++)
			if (s[i].present && prefixtrie_get(t, &s[i].p.addr, s[i].p.len) == &s[i] &&
			    prefix_covers(&outer, &s[i].p))
				expected++;
		prefixtrie_foreach_within(t, &outer.addr, outer.len, count, &found);
		assert_int_equal(found, expected);
	}
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_longest_prefix_match),
	    cmocka_unit_test(test_ipv6),
	    cmocka_unit_test(test_against_linear_scan),
	};
	return unit_main(argc, argv, tests);
}
