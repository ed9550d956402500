/* SPDX-License-Identifier: MIT */
/* IPv4/IPv6 addresses and prefixes: parsing, formatting, containment. */
#pragma once

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "macro.h"

typedef union InAddr {
	struct in_addr in;
	struct in6_addr in6;
	uint8_t bytes[16];
} InAddr;

typedef struct Prefix {
	uint8_t family; /* AF_INET or AF_INET6 */
	uint8_t len;
	InAddr addr;
} Prefix;

/* "255.255.255.255/32" or the longest IPv6 text plus "/128". */
#define PREFIX_STRLEN (INET6_ADDRSTRLEN + 4)

size_t inaddr_size(int family);

/* An address without a length. Returns -EINVAL when it is not one. */
_must_check_ int inaddr_parse(const char *s, uint8_t *ret_family, InAddr *ret);

/* "A/LEN". A bare address is /32 or /128. -EINVAL: not a prefix; -EDOM: bits set past the length.
 */
_must_check_ int prefix_parse(const char *s, Prefix *ret);

const char *inaddr_format(int family, const InAddr *a, char buf[static INET6_ADDRSTRLEN]);
const char *prefix_format(const Prefix *p, char buf[static PREFIX_STRLEN]);

bool inaddr_is_null(int family, const InAddr *a);
bool prefix_contains(const Prefix *p, int family, const InAddr *a);
bool prefix_overlaps(const Prefix *a, const Prefix *b);
/* Whether inner lies wholly inside outer. */
bool prefix_covers(const Prefix *outer, const Prefix *inner);
