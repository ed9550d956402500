/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "yamlutil.h"

int yaml_load_next(yaml_parser_t *parser, yaml_document_t *ret_doc)
{
	if (yaml_parser_load(parser, ret_doc))
		return 0;
	/* libyaml fails a load the same way for bad text and for a failed allocation. */
	return parser->error == YAML_MEMORY_ERROR ? -ENOMEM : -EBADMSG;
}

/* Our own refusals read like libyaml's errors, so each reader formats both the same way. */
static int refuse(yaml_parser_t *parser, yaml_mark_t mark, const char *problem)
{
	parser->error = YAML_PARSER_ERROR;
	parser->problem = problem;
	parser->problem_mark = mark;
	parser->context = NULL;
	return -EBADMSG;
}

/*
 * The events of every document, without building one: stops at the first level past
 * YAML_DEPTH_MAX or, with YAML_LOAD_NO_ALIASES, at the first alias. libyaml looks ahead at most
 * 1024 characters for a simple key, so stopping here bounds the work however deep the text goes.
 */
static int check_events(yaml_parser_t *parser, YamlLoadFlags flags)
{
	unsigned depth = 0;

	for (;;) {
		yaml_event_t event;
		int r = 0;

		if (!yaml_parser_parse(parser, &event))
			return parser->error == YAML_MEMORY_ERROR ? -ENOMEM : -EBADMSG;
		switch (event.type) {
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			if (++depth > YAML_DEPTH_MAX)
				r = refuse(parser, event.start_mark,
					   "found lists or mappings nested deeper than 64 levels, "
					   "expected at most 64");
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			depth--;
			break;
		case YAML_ALIAS_EVENT:
			if (flags & YAML_LOAD_NO_ALIASES)
				r = refuse(parser, event.start_mark,
					   "found an alias, expected plain values (K3s's "
					   "configuration has no use for anchors and aliases)");
			break;
		case YAML_STREAM_END_EVENT:
			yaml_event_delete(&event);
			return 0;
		default:
			break;
		}
		yaml_event_delete(&event);
		if (r < 0)
			return r;
	}
}

int yaml_load_string(yaml_parser_t *parser, const char *text, size_t len, YamlLoadFlags flags,
		     yaml_document_t *ret_doc)
{
	int r;

	if (!yaml_parser_initialize(parser))
		return -ENOMEM;
	if (len > YAML_TEXT_MAX)
		return refuse(parser, (yaml_mark_t){},
			      "found more than 1 MiB of text, expected a small file");
	yaml_parser_set_input_string(parser, (const unsigned char *)text, len);
	if ((r = check_events(parser, flags)) < 0)
		return r;
	/* The text passed: parse it again, this time into documents. */
	yaml_parser_delete(parser);
	if (!yaml_parser_initialize(parser))
		return -ENOMEM;
	yaml_parser_set_input_string(parser, (const unsigned char *)text, len);
	return yaml_load_next(parser, ret_doc);
}

const char *yaml_problem(const yaml_parser_t *parser)
{
	return parser->problem ? parser->problem : "malformed";
}

typedef struct KeyRef {
	const yaml_node_t *node;
	size_t index; /* in the mapping: ties sort in document order */
} KeyRef;

static int key_compare(const void *a, const void *b, void *userdata)
{
	const KeyRef *x = a, *y = b;
	size_t n = x->node->data.scalar.length < y->node->data.scalar.length
		       ? x->node->data.scalar.length
		       : y->node->data.scalar.length;
	int c = memcmp(x->node->data.scalar.value, y->node->data.scalar.value, n);

	++*(size_t *)userdata;
	if (c == 0 && x->node->data.scalar.length != y->node->data.scalar.length)
		c = x->node->data.scalar.length < y->node->data.scalar.length ? -1 : 1;
	if (c == 0)
		c = x->index < y->index ? -1 : x->index > y->index;
	return c;
}

yaml_node_t *yaml_mapping_find_duplicate(yaml_document_t *doc, yaml_node_t *mapping,
					 size_t *ret_comparisons, int *ret_error)
{
	size_t n = (size_t)(mapping->data.mapping.pairs.top - mapping->data.mapping.pairs.start);
	_cleanup_free_ KeyRef *keys = malloc((n ? n : 1) * sizeof(*keys));
	size_t n_keys = 0, comparisons = 0, first = SIZE_MAX;

	if (ret_error)
		*ret_error = keys ? 0 : -ENOMEM;
	if (!keys)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		yaml_node_t *k =
		    yaml_document_get_node(doc, mapping->data.mapping.pairs.start[i].key);
		if (k && k->type == YAML_SCALAR_NODE)
			keys[n_keys++] = (KeyRef){k, i};
	}
	qsort_r(keys, n_keys, sizeof(*keys), key_compare, &comparisons);
	/* Equal keys now sit together, each run in document order: all but a run's first repeat it.
	 * The earliest of those in the document is the one to report. */
	for (size_t i = 1; i < n_keys; i++) {
		KeyRef a = keys[i - 1], b = keys[i];
		comparisons++;
		if (a.node->data.scalar.length == b.node->data.scalar.length &&
		    memcmp(a.node->data.scalar.value, b.node->data.scalar.value,
			   a.node->data.scalar.length) == 0 &&
		    b.index < first)
			first = b.index;
	}
	if (ret_comparisons)
		*ret_comparisons = comparisons;
	if (first == SIZE_MAX)
		return NULL;
	return yaml_document_get_node(doc, mapping->data.mapping.pairs.start[first].key);
}
