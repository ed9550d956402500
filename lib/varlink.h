/* SPDX-License-Identifier: MIT */
/*
 * The control protocol's messages (DESIGN.md §6): varlink, one JSON object followed by a NUL byte.
 * Calls: {"method": "io.routeguard.GetStatus", "parameters": {…}, "more": true, "oneway": false}.
 * Replies: {"parameters": {…}, "continues": true} or {"error": "io.routeguard.…", "parameters":
 * {…}}.
 */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#include "macro.h"

#define VARLINK_MESSAGE_MAX (64 * 1024)
#define VARLINK_INTERFACE "io.routeguard"

typedef struct VarlinkCall {
	char *method;
	json_object *parameters; /* an object, never NULL after a successful parse */
	bool more;
	bool oneway;
} VarlinkCall;

void varlink_call_clear(VarlinkCall *c);

/* Whether len bytes are UTF-8 (no overlong forms, no surrogates) without a NUL. */
bool varlink_string_valid(const char *s, size_t len);

/*
 * Parses one message (without its NUL). Returns 0, or -EBADMSG with *ret_problem naming what is
 * wrong ("not a JSON object", "method", "parameters", "more", "oneway"). Every string of method
 * and parameters is valid UTF-8 without NUL: none is cut short at a \u0000 or echoed broken.
 */
_must_check_ int varlink_call_parse(const char *text, size_t len, VarlinkCall *ret,
				    const char **ret_problem);

/* A reply or an error as bytes to send, NUL included; the caller frees. Takes parameters. */
_must_check_ int varlink_reply(json_object *parameters, bool continues, char **ret,
			       size_t *ret_len);
_must_check_ int varlink_error(const char *error, json_object *parameters, char **ret,
			       size_t *ret_len);
/* A call as bytes to send (for the client). Takes parameters (may be NULL). */
_must_check_ int varlink_call(const char *method, json_object *parameters, bool more, char **ret,
			      size_t *ret_len);

/* The interface description GetInterfaceDescription returns. */
const char *varlink_interface_description(void);
