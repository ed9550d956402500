/* SPDX-License-Identifier: MIT */
/*
 * libyaml set up the one way both YAML readers need it: routeguard.yaml (config.c) and K3s's
 * config.yaml (k3sconfig.c). Each formats its own messages from what the parser reports.
 */
#pragma once

#include <stddef.h>
#include <yaml.h>

#include "macro.h"

/*
 * Loads the first document of text with parser, which this initialises. Returns 0; -EBADMSG for
 * a syntax error, which parser->problem, problem_mark and context describe; or -ENOMEM. Declare
 * both zeroed with _cleanup_(yaml_parser_deletep) and _cleanup_(yaml_document_deletep): they are
 * safe to delete whatever this returns.
 */
_must_check_ int yaml_load_string(yaml_parser_t *parser, const char *text, size_t len,
				  yaml_document_t *ret_doc);

/* The next document of the same text; at the end, one without a root node. Returns as above. */
_must_check_ int yaml_load_next(yaml_parser_t *parser, yaml_document_t *ret_doc);

/* libyaml's words for the syntax error, "malformed" when it has none. */
const char *yaml_problem(const yaml_parser_t *parser);
