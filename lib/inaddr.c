/* SPDX-License-Identifier: MIT */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "inaddr.h"

size_t inaddr_size(int family)
{
	return family == AF_INET6 ? 16 : 4;
}

static unsigned family_bits(int family)
{
	return family == AF_INET6 ? 128 : 32;
}

int inaddr_parse(const char *s, uint8_t *ret_family, InAddr *ret)
{
	InAddr a = {};

	if (inet_pton(AF_INET, s, &a.in) == 1) {
		*ret_family = AF_INET;
		*ret = a;
		return 0;
	}
	if (inet_pton(AF_INET6, s, &a.in6) == 1) {
		*ret_family = AF_INET6;
		*ret = a;
		return 0;
	}
	return -EINVAL;
}

/* Whether the first len bits of a and b agree. */
static bool bits_equal(const InAddr *a, const InAddr *b, unsigned len)
{
	unsigned whole = len / 8, rest = len % 8;

	if (memcmp(a->bytes, b->bytes, whole) != 0)
		return false;
	if (rest == 0)
		return true;
	uint8_t mask = (uint8_t)(0xff << (8 - rest));
	return (a->bytes[whole] & mask) == (b->bytes[whole] & mask);
}

static bool host_bits_zero(const Prefix *p)
{
	unsigned bits = family_bits(p->family);

	for (unsigned i = p->len; i < bits; i++)
		if (p->addr.bytes[i / 8] & (0x80 >> (i % 8)))
			return false;
	return true;
}

int prefix_parse(const char *s, Prefix *ret)
{
	char text[INET6_ADDRSTRLEN + 8];
	Prefix p = {};

	if (strlen(s) >= sizeof(text))
		return -EINVAL;
	strcpy(text, s);

	char *slash = strchr(text, '/');
	if (slash)
		*slash = '\0';
	if (inaddr_parse(text, &p.family, &p.addr) < 0)
		return -EINVAL;

	unsigned bits = family_bits(p.family);
	p.len = (uint8_t)bits;
	if (slash) {
		const char *digits = slash + 1;
		char *end;
		if (*digits < '0' || *digits > '9')
			return -EINVAL;
		errno = 0;
		unsigned long len = strtoul(digits, &end, 10);
		if (errno != 0 || *end != '\0' || len > bits)
			return -EINVAL;
		p.len = (uint8_t)len;
	}
	if (!host_bits_zero(&p))
		return -EDOM;
	*ret = p;
	return 0;
}

const char *inaddr_format(int family, const InAddr *a, char buf[static INET6_ADDRSTRLEN])
{
	if (!inet_ntop(family == AF_INET6 ? AF_INET6 : AF_INET, a, buf, INET6_ADDRSTRLEN))
		strcpy(buf, "?");
	return buf;
}

const char *prefix_format(const Prefix *p, char buf[static PREFIX_STRLEN])
{
	char addr[INET6_ADDRSTRLEN];

	snprintf(buf, PREFIX_STRLEN, "%s/%u", inaddr_format(p->family, &p->addr, addr), p->len);
	return buf;
}

bool inaddr_is_null(int family, const InAddr *a)
{
	static const InAddr zero;
	return memcmp(a->bytes, zero.bytes, inaddr_size(family)) == 0;
}

bool prefix_contains(const Prefix *p, int family, const InAddr *a)
{
	return p->family == family && bits_equal(&p->addr, a, p->len);
}

bool prefix_overlaps(const Prefix *a, const Prefix *b)
{
	if (a->family != b->family)
		return false;
	return bits_equal(&a->addr, &b->addr, a->len < b->len ? a->len : b->len);
}

bool prefix_covers(const Prefix *outer, const Prefix *inner)
{
	return outer->family == inner->family && outer->len <= inner->len &&
	       bits_equal(&outer->addr, &inner->addr, outer->len);
}
