/* SPDX-License-Identifier: MIT */
/*
 * libyaml set up the one way both YAML readers need it: routeguard.yaml (config.c) and K3s's
 * config.yaml (k3sconfig.c). Each formats its own messages from what the parser reports.
 *
 * Hostile text is refused before a document is built (issue 13): libyaml keeps one possible
 * simple key per flow level and looks at all of them for every token, so a flow list nested 500k
 * deep costs minutes; a document of aliases to aliases costs memory when a reader walks it. A
 * first pass over the parser's events stops at the 65th level or at an alias, in time bounded by
 * YAML_DEPTH_MAX, not by the text.
 */
#pragma once

#include <stddef.h>
#include <yaml.h>

#include "macro.h"

/* Nesting of lists and mappings; routeguard.yaml needs 4, K3s's config 2. */
#define YAML_DEPTH_MAX 64
/* A configuration file is kilobytes; systemd reads unit lines up to 1 MiB. */
#define YAML_TEXT_MAX (1024 * 1024)

typedef enum YamlLoadFlags {
	/* K3s's config has no use for aliases (K3s's own loader expands them into flags): refuse
	 * them, so a list of 2000 CIDRs referenced 30k times is an error, not 155 MB. */
	YAML_LOAD_NO_ALIASES = 1 << 0,
} YamlLoadFlags;

/*
 * Loads the first document of text with parser, which this initialises. Returns 0; -EBADMSG for
 * a syntax error, for text nested deeper than YAML_DEPTH_MAX, for an alias with
 * YAML_LOAD_NO_ALIASES, or for text longer than YAML_TEXT_MAX, all of which parser->problem and
 * problem_mark describe (context may add to libyaml's own); or -ENOMEM. Declare both zeroed with
 * _cleanup_(yaml_parser_deletep) and _cleanup_(yaml_document_deletep): they are safe to delete
 * whatever this returns.
 */
_must_check_ int yaml_load_string(yaml_parser_t *parser, const char *text, size_t len,
				  YamlLoadFlags flags, yaml_document_t *ret_doc);

/* The next document of the same text; at the end, one without a root node. Returns as above. */
_must_check_ int yaml_load_next(yaml_parser_t *parser, yaml_document_t *ret_doc);

/* libyaml's words for the syntax error, "malformed" when it has none. */
const char *yaml_problem(const yaml_parser_t *parser);

/*
 * The first key of a mapping, in document order, whose scalar equals an earlier key's; NULL when
 * every scalar key is unique. Sorts the keys: O(n log n) for 80k keys, where comparing each pair
 * took 19 s. *ret_comparisons (may be NULL) counts the key comparisons, for tests. -ENOMEM leaves
 * NULL and sets *ret_error (may be NULL).
 */
yaml_node_t *yaml_mapping_find_duplicate(yaml_document_t *doc, yaml_node_t *mapping,
					 size_t *ret_comparisons, int *ret_error);
