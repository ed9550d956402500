/* SPDX-License-Identifier: MIT */
#include <errno.h>

#include "yamlutil.h"

int yaml_load_next(yaml_parser_t *parser, yaml_document_t *ret_doc)
{
	if (yaml_parser_load(parser, ret_doc))
		return 0;
	/* libyaml fails a load the same way for bad text and for a failed allocation. */
	return parser->error == YAML_MEMORY_ERROR ? -ENOMEM : -EBADMSG;
}

int yaml_load_string(yaml_parser_t *parser, const char *text, size_t len, yaml_document_t *ret_doc)
{
	if (!yaml_parser_initialize(parser))
		return -ENOMEM;
	yaml_parser_set_input_string(parser, (const unsigned char *)text, len);
	return yaml_load_next(parser, ret_doc);
}

const char *yaml_problem(const yaml_parser_t *parser)
{
	return parser->problem ? parser->problem : "malformed";
}
