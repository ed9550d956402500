/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer: a buffer as read from an rtnetlink socket, walked, decoded and applied to a model.
 * Seeds: the .dump files in tests/unit/data (captured from a real kernel, see capture.sh there).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "netstate.h"
#include "rtnl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static RtnlMessage m;
	const struct nlmsghdr *nlh;
	NetState *ns;
	Prefix native = {.family = 2, .len = 16, .addr.bytes = {10, 42}};
	size_t offset = 0;

	/* An exact-size copy, so reading one byte past the end is caught. */
	uint8_t *buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	if (netstate_new(&ns) < 0 || netstate_set_route_filter(ns, &native, 1, NULL, 0) < 0)
		abort();
	netstate_begin_sync(ns, SYNC_ALL);
	while (rtnl_next_message(buf, size, &offset, &nlh) > 0)
		if (rtnl_decode(nlh, &m) == 0 && netstate_apply(ns, &m) < 0)
			abort();
	(void)netstate_sweep(ns, SYNC_ROUTES4);
	netstate_free(ns);
	free(buf);
	return 0;
}
