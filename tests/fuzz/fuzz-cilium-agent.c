/* SPDX-License-Identifier: MIT */
/* libFuzzer: the agent's /v1/healthz and /v1/config decoders, fed the same bytes, in both orders.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "cilium.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	CiliumAgentView v = {.auto_direct_node_routes = -1};
	const char *body = (const char *)data;

	if (cilium_agent_parse_healthz(&v, body, size) == -ENOMEM ||
	    cilium_agent_parse_config(&v, body, size) == -ENOMEM ||
	    cilium_agent_parse_healthz(&v, body, size) == -ENOMEM)
		abort();
	(void)cilium_routing_mode_to_string(v.routing_mode);
	cilium_agent_view_clear(&v);
	return 0;
}
