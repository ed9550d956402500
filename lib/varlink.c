/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "varlink.h"

void varlink_call_clear(VarlinkCall *c)
{
	free(c->method);
	json_object_put(c->parameters);
	memset(c, 0, sizeof(*c));
}

static int optional_bool(json_object *o, const char *key, bool *ret)
{
	json_object *v;
	*ret = false;
	if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
		return 0;
	if (!json_object_is_type(v, json_type_boolean))
		return -EBADMSG;
	*ret = json_object_get_boolean(v);
	return 0;
}

bool varlink_string_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;

	while (p < end) {
		unsigned char c = *p;
		size_t n;
		uint32_t cp, min;

		if (c == 0)
			return false;
		if (c < 0x80) {
			p++;
			continue;
		}
		if ((c & 0xe0) == 0xc0)
			n = 2, cp = c & 0x1f, min = 0x80;
		else if ((c & 0xf0) == 0xe0)
			n = 3, cp = c & 0x0f, min = 0x800;
		else if ((c & 0xf8) == 0xf0)
			n = 4, cp = c & 0x07, min = 0x10000;
		else
			return false;
		if ((size_t)(end - p) < n)
			return false;
		for (size_t i = 1; i < n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (p[i] & 0x3f);
		}
		/* no overlong forms, no UTF-16 surrogates, nothing beyond U+10FFFF */
		if (cp < min || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
			return false;
		p += n;
	}
	return true;
}

/* Every string in o, however deep: UTF-8 without NUL, so none is cut short or echoed broken. */
static bool strings_valid(json_object *o)
{
	switch (json_object_get_type(o)) {
	case json_type_string:
		return varlink_string_valid(json_object_get_string(o),
					    (size_t)json_object_get_string_len(o));
	case json_type_array:
		for (size_t i = 0; i < json_object_array_length(o); i++)
			if (!strings_valid(json_object_array_get_idx(o, i)))
				return false;
		return true;
	case json_type_object: {
		struct json_object_iterator it = json_object_iter_begin(o);
		struct json_object_iterator end = json_object_iter_end(o);
		for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it)) {
			const char *key = json_object_iter_peek_name(&it);
			if (!varlink_string_valid(key, strlen(key)) ||
			    !strings_valid(json_object_iter_peek_value(&it)))
				return false;
		}
		return true;
	}
	default:
		return true;
	}
}

int varlink_call_parse(const char *text, size_t len, VarlinkCall *ret, const char **ret_problem)
{
	VarlinkCall c = {};
	json_object *method, *parameters;
	enum json_tokener_error jerr;

	*ret_problem = "not a JSON object";
	if (len > VARLINK_MESSAGE_MAX || memchr(text, '\0', len))
		return -EBADMSG;
	json_tokener *tok = json_tokener_new();
	if (!tok)
		return -ENOMEM;
	/* Raw bytes that are not UTF-8 are no JSON text (RFC 8259 §8.1). */
	json_tokener_set_flags(tok, JSON_TOKENER_VALIDATE_UTF8);
	json_object *o = json_tokener_parse_ex(tok, text, (int)len);
	jerr = json_tokener_get_error(tok);
	/* Trailing bytes after the object are garbage too. */
	bool trailing =
	    jerr == json_tokener_success && (size_t)json_tokener_get_parse_end(tok) != len;
	json_tokener_free(tok);
	if (!o || jerr != json_tokener_success || trailing ||
	    !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return -EBADMSG;
	}
	*ret_problem = "method";
	if (!json_object_object_get_ex(o, "method", &method) ||
	    !json_object_is_type(method, json_type_string) ||
	    json_object_get_string_len(method) == 0)
		goto bad;
	/* A \u0000 would cut the copy short: a method the peer did not name would run. Overlong
	 * forms pass json-c's check, and an error would echo them. */
	if (!strings_valid(method))
		goto bad;
	*ret_problem = "parameters";
	if (json_object_object_get_ex(o, "parameters", &parameters) &&
	    !json_object_is_type(parameters, json_type_null)) {
		if (!json_object_is_type(parameters, json_type_object) ||
		    !strings_valid(parameters))
			goto bad;
		c.parameters = json_object_get(parameters);
	} else if (!(c.parameters = json_object_new_object())) {
		goto oom;
	}
	*ret_problem = "more";
	if (optional_bool(o, "more", &c.more) < 0)
		goto bad;
	*ret_problem = "oneway";
	if (optional_bool(o, "oneway", &c.oneway) < 0)
		goto bad;
	if (!(c.method = strdup(json_object_get_string(method))))
		goto oom;
	json_object_put(o);
	*ret_problem = NULL;
	*ret = c;
	return 0;
bad:
	varlink_call_clear(&c);
	json_object_put(o);
	return -EBADMSG;
oom:
	varlink_call_clear(&c);
	json_object_put(o);
	return -ENOMEM;
}

/* Serializes o with its NUL terminator; takes o. */
static int finish(json_object *o, char **ret, size_t *ret_len)
{
	size_t len;
	const char *text = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN, &len);
	char *copy = text ? malloc(len + 1) : NULL;

	if (copy) {
		memcpy(copy, text, len + 1); /* the NUL is the frame's end */
		*ret = copy;
		*ret_len = len + 1;
	}
	json_object_put(o);
	return copy ? 0 : -ENOMEM;
}

int varlink_reply(json_object *parameters, bool continues, char **ret, size_t *ret_len)
{
	json_object *o = json_object_new_object();
	if (!o) {
		json_object_put(parameters);
		return -ENOMEM;
	}
	json_object_object_add(o, "parameters", parameters ? parameters : json_object_new_object());
	if (continues)
		json_object_object_add(o, "continues", json_object_new_boolean(true));
	return finish(o, ret, ret_len);
}

int varlink_error(const char *error, json_object *parameters, char **ret, size_t *ret_len)
{
	json_object *o = json_object_new_object();
	if (!o) {
		json_object_put(parameters);
		return -ENOMEM;
	}
	json_object_object_add(o, "error", json_object_new_string(error));
	json_object_object_add(o, "parameters", parameters ? parameters : json_object_new_object());
	return finish(o, ret, ret_len);
}

int varlink_call(const char *method, json_object *parameters, bool more, char **ret,
		 size_t *ret_len)
{
	json_object *o = json_object_new_object();
	if (!o) {
		json_object_put(parameters);
		return -ENOMEM;
	}
	json_object_object_add(o, "method", json_object_new_string(method));
	json_object_object_add(o, "parameters", parameters ? parameters : json_object_new_object());
	if (more)
		json_object_object_add(o, "more", json_object_new_boolean(true));
	return finish(o, ret, ret_len);
}

const char *varlink_interface_description(void)
{
	return "# routeguard: keeps a Kubernetes node ready for Cilium native routing\n"
	       "interface io.routeguard\n"
	       "\n"
	       "type Finding (check: string, severity: string, subject: string, message: string,\n"
	       "  remedy: string, action: string, since: string)\n"
	       "\n"
	       "# The status object: verdict, findings, recent actions, counters.\n"
	       "method GetStatus() -> (ready: bool, mode: string, version: string, config: "
	       "object,\n"
	       "  findings: []Finding, actions: []object, counters: object, netstate: object)\n"
	       "\n"
	       "# With more: the status first, then one reply per finding opened or resolved and "
	       "per action.\n"
	       "method Monitor() -> (type: string, status: ?object, check: ?string, subject: "
	       "?string,\n"
	       "  severity: ?string, message: ?string, result: ?string, time: string)\n"
	       "\n"
	       "# Resync, evaluate and enforce now (uid 0). Returns the new status.\n"
	       "method Reconcile() -> (status: object)\n"
	       "\n"
	       "# Re-read the configuration (uid 0); on error the old one stays.\n"
	       "method Reload() -> (path: string)\n"
	       "\n"
	       "error PermissionDenied ()\n"
	       "error InvalidConfig (message: string)\n";
}
