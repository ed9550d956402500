/* SPDX-License-Identifier: MIT */
/* The Prometheus textfile (DESIGN.md §9): stable series, every check with both severities. */
#pragma once

#include "status.h"

/* Renders the text exposition format; the caller frees. */
_must_check_ int metrics_render(const StatusInput *in, uint64_t last_evaluation_usec, char **ret);
