/* SPDX-License-Identifier: MIT */
/* The mirror as a JSON document: what the daemon's debug dump writes and the netns tests compare.
 */
#pragma once

#include <json-c/json.h>

#include "netstate.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(json_object *, json_object_put);

_must_check_ int netstate_to_json(const NetState *ns, json_object **ret);
