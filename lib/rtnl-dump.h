/* SPDX-License-Identifier: MIT */
/* One blocking dump of links, addresses and routes into a model: for preflight, which runs once. */
#pragma once

#include "netstate.h"

/* Returns 0, or a negative errno (-EINTR when the kernel kept interrupting the dump). */
_must_check_ int rtnl_dump_once(NetState *ns);
