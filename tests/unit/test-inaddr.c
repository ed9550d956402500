/* SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <sys/socket.h>

#include "inaddr.h"
#include "unit-main.h"

static Prefix P(const char *s)
{
	Prefix p;
	assert_int_equal(prefix_parse(s, &p), 0);
	return p;
}

static void test_prefix_parse_and_format(void **state)
{
	static const struct {
		const char *in, *out;
	} good[] = {
		{"10.42.0.0/16", "10.42.0.0/16"}, {"10.0.0.2", "10.0.0.2/32"},
		{"0.0.0.0/0", "0.0.0.0/0"},	  {"fd00::/8", "fd00::/8"},
		{"2001:db8::1", "2001:db8::1/128"},
	};
	char buf[PREFIX_STRLEN];
	for (size_t i = 0; i < ELEMENTSOF(good); i++) {
		Prefix p = P(good[i].in);
		assert_string_equal(prefix_format(&p, buf), good[i].out);
	}
}

static void test_prefix_parse_rejects(void **state)
{
	static const char *const bad[] = {"",	       "10.42.0.0/", "10.42.0.0/33", "10.42/16",
					  "10.42.0.0/-1", "10.42.0.0/1a", "fd00::/129", "host",
					  "10.42.0.0/16/1"};
	Prefix p;
	for (size_t i = 0; i < ELEMENTSOF(bad); i++)
		assert_int_equal(prefix_parse(bad[i], &p), -EINVAL);
	assert_int_equal(prefix_parse("10.42.1.0/16", &p), -EDOM);
	assert_int_equal(prefix_parse("fd00::1/8", &p), -EDOM);
}

static InAddr A(const char *s)
{
	uint8_t family;
	InAddr a;
	assert_int_equal(inaddr_parse(s, &family, &a), 0);
	return a;
}

static void test_prefix_relations(void **state)
{
	InAddr a;
	Prefix cidr = P("10.42.0.0/16"), sub = P("10.42.1.0/24"), other = P("10.43.0.0/24"),
	       wide = P("10.0.0.0/8"), v6 = P("fd00::/8");

	assert_true(prefix_overlaps(&cidr, &sub));
	assert_true(prefix_overlaps(&sub, &cidr));
	assert_true(prefix_overlaps(&wide, &cidr));
	assert_false(prefix_overlaps(&cidr, &other));
	assert_false(prefix_overlaps(&cidr, &v6));
	assert_true(prefix_covers(&cidr, &sub));
	assert_false(prefix_covers(&sub, &cidr));
	assert_true(prefix_contains(&cidr, AF_INET, (a = A("10.42.200.1"), &a)));
	assert_false(prefix_contains(&cidr, AF_INET, (a = A("10.43.0.1"), &a)));
	assert_false(prefix_contains(&cidr, AF_INET6, (a = A("fd00::1"), &a)));
	/* a length that is not a multiple of 8 */
	Prefix odd = P("10.42.0.0/17");
	assert_true(prefix_contains(&odd, AF_INET, (a = A("10.42.127.255"), &a)));
	assert_false(prefix_contains(&odd, AF_INET, (a = A("10.42.128.0"), &a)));
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prefix_parse_and_format),
		cmocka_unit_test(test_prefix_parse_rejects),
		cmocka_unit_test(test_prefix_relations),
	};
	return unit_main(argc, argv, tests);
}
