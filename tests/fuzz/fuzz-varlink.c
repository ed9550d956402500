/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer: bytes from a control socket client. Each NUL-ended piece is parsed as routeguardd's
 * control server does; a call that parses must say so completely (a method without NUL, an object
 * of parameters), and the client's encoding of it must parse back to the same call.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "varlink.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_round_trip(const VarlinkCall *c)
{
	VarlinkCall again;
	const char *problem;
	char *bytes;
	size_t len;

	if (varlink_call(c->method, json_object_get(c->parameters), c->more, &bytes, &len) < 0)
		abort();
	if (len == 0 || bytes[len - 1] != '\0' || memchr(bytes, '\0', len - 1))
		abort(); /* one frame, one NUL, at its end */
	if (varlink_call_parse(bytes, len - 1, &again, &problem) < 0)
		abort();
	/* As text, not json_object_equal(): a NaN the tokener accepted is not equal to itself. */
	if (strcmp(again.method, c->method) != 0 || again.more != c->more ||
	    strcmp(json_object_to_json_string_ext(again.parameters, JSON_C_TO_STRING_PLAIN),
		   json_object_to_json_string_ext(c->parameters, JSON_C_TO_STRING_PLAIN)) != 0)
		abort();
	varlink_call_clear(&again);
	free(bytes);
}

static void parse_one(const char *text, size_t len)
{
	VarlinkCall c;
	const char *problem = NULL;

	int r = varlink_call_parse(text, len, &c, &problem);
	if (r == -EBADMSG || r == -ENOMEM) {
		if (r == -EBADMSG && !problem)
			abort(); /* the error reply names the wrong member */
		return;
	}
	if (r != 0 || problem || !c.method || !c.method[0] || !c.parameters ||
	    !json_object_is_type(c.parameters, json_type_object))
		abort();
	check_round_trip(&c);
	varlink_call_clear(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;

	/* The whole input as one message, NULs and all, then each frame as the server splits them.
	 */
	parse_one(text, size);
	for (size_t start = 0; start < size;) {
		const char *nul = memchr(text + start, '\0', size - start);
		size_t end = nul ? (size_t)(nul - text) : size;

		parse_one(text + start, end - start);
		start = end + 1;
	}
	return 0;
}
