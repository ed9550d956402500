/* SPDX-License-Identifier: MIT */
/*
 * The control protocol's messages (lib/varlink.c, DESIGN.md §6): one JSON object and a NUL per
 * message, calls refused whole when anything in them is wrong, replies and errors as the bytes
 * that go on the socket.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "varlink.h"
#include "unit-main.h"

static int parse(const char *text, VarlinkCall *ret, const char **ret_problem)
{
	return varlink_call_parse(text, strlen(text), ret, ret_problem);
}

/* One frame: a JSON object whose only NUL is its last byte. Returns the object; caller puts. */
static json_object *frame_object(const char *bytes, size_t len)
{
	assert_true(len >= 3);
	assert_int_equal(bytes[len - 1], '\0');
	assert_ptr_equal(memchr(bytes, '\0', len), bytes + len - 1);
	json_object *o = json_tokener_parse(bytes);
	assert_non_null(o);
	assert_true(json_object_is_type(o, json_type_object));
	return o;
}

static json_object *member(json_object *o, const char *key)
{
	json_object *v = NULL;
	return json_object_object_get_ex(o, key, &v) ? v : NULL;
}

static void test_call_parse_accepts(void **state)
{
	static const struct {
		const char *text, *method, *parameters;
		bool more, oneway;
	} good[] = {
	    {"{\"method\":\"io.routeguard.GetStatus\"}", "io.routeguard.GetStatus", "{}", false,
	     false},
	    {"{\"method\":\"io.routeguard.Monitor\",\"more\":true}", "io.routeguard.Monitor", "{}",
	     true, false},
	    {"{\"method\":\"io.routeguard.Reload\",\"parameters\":null,\"more\":null,"
	     "\"oneway\":null}",
	     "io.routeguard.Reload", "{}", false, false},
	    {"{\"method\":\"io.routeguard.Reconcile\",\"oneway\":true,\"more\":false}",
	     "io.routeguard.Reconcile", "{}", false, true},
	    {"{\"parameters\":{\"interface\":\"io.routeguard\"},"
	     "\"method\":\"org.varlink.service.GetInterfaceDescription\"}",
	     "org.varlink.service.GetInterfaceDescription", "{\"interface\":\"io.routeguard\"}",
	     false, false},
	    /* whitespace around and inside the object is JSON; unknown keys are the peer's */
	    {" \n{ \"method\" : \"x.y.Z\",\n\"upgrade\": true }\t", "x.y.Z", "{}", false, false},
	    {"{\"method\":\"x.y.\\u00e9\"}", "x.y.\xc3\xa9", "{}", false, false},
	};

	for (size_t i = 0; i < ELEMENTSOF(good); i++) {
		VarlinkCall c;
		const char *problem = "unset";

		assert_int_equal(parse(good[i].text, &c, &problem), 0);
		assert_null(problem);
		assert_string_equal(c.method, good[i].method);
		assert_non_null(c.parameters);
		assert_true(json_object_is_type(c.parameters, json_type_object));
		assert_string_equal(
		    json_object_to_json_string_ext(c.parameters, JSON_C_TO_STRING_PLAIN),
		    good[i].parameters);
		assert_int_equal(c.more, good[i].more);
		assert_int_equal(c.oneway, good[i].oneway);
		varlink_call_clear(&c);
		assert_null(c.method);
		assert_null(c.parameters);
	}
}

static void test_call_parse_refuses_bad_json(void **state)
{
	static const char *const bad[] = {
	    "",
	    " ",
	    "not json",
	    "{",
	    "{\"method\":}",
	    "{\"method\":\"a.b.C\"",
	    "{\"method\":\"a.b.C\"}}",
	    "{\"method\":\"a.b.C\"}x",
	    "{\"method\":\"a.b.C\"}{\"method\":\"a.b.C\"}",
	    "{method:\"a.b.C\"}",
	    "[]",
	    "[{\"method\":\"a.b.C\"}]",
	    "\"a.b.C\"",
	    "42",
	    "true",
	    "null",
	    "\xff\xfe",
	    /* raw bytes that are not UTF-8 are no JSON text: never parsed, never echoed */
	    "{\"method\":\"a.b.\xff\"}",
	};

	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		VarlinkCall c = {.method = (char *)"untouched"};
		const char *problem = NULL;

		assert_int_equal(parse(bad[i], &c, &problem), -EBADMSG);
		assert_string_equal(problem, "not a JSON object");
		assert_string_equal(c.method, "untouched"); /* ret is written on success only */
	}
}

static void test_call_parse_names_the_wrong_member(void **state)
{
	static const struct {
		const char *text, *problem;
	} bad[] = {
	    {"{}", "method"},
	    {"{\"parameters\":{}}", "method"},
	    {"{\"method\":null}", "method"},
	    {"{\"method\":\"\"}", "method"},
	    {"{\"method\":42}", "method"},
	    {"{\"method\":true}", "method"},
	    {"{\"method\":[\"a.b.C\"]}", "method"},
	    {"{\"method\":{\"name\":\"a.b.C\"}}", "method"},
	    /* a \u0000 would cut the name short: the daemon would run a method nobody named */
	    {"{\"method\":\"io.routeguard.Reconcile\\u0000x\"}", "method"},
	    /* json-c lets overlong forms through: "\xc0\xaf" is a '/' in disguise */
	    {"{\"method\":\"a.b.\xc0\xaf\"}", "method"},
	    {"{\"method\":\"a.b.C\",\"parameters\":{\"interface\":\"io.routeguard\\u0000x\"}}",
	     "parameters"},
	    {"{\"method\":\"a.b.C\",\"parameters\":{\"a\":[{\"b\":\"\xed\xa0\x80\"}]}}",
	     "parameters"},
	    {"{\"method\":\"a.b.C\",\"parameters\":[]}", "parameters"},
	    {"{\"method\":\"a.b.C\",\"parameters\":\"{}\"}", "parameters"},
	    {"{\"method\":\"a.b.C\",\"parameters\":0}", "parameters"},
	    {"{\"method\":\"a.b.C\",\"parameters\":false}", "parameters"},
	    {"{\"method\":\"a.b.C\",\"more\":\"true\"}", "more"},
	    {"{\"method\":\"a.b.C\",\"more\":1}", "more"},
	    {"{\"method\":\"a.b.C\",\"more\":{}}", "more"},
	    {"{\"method\":\"a.b.C\",\"oneway\":0}", "oneway"},
	    {"{\"method\":\"a.b.C\",\"oneway\":[true]}", "oneway"},
	    /* checked in this order: the first wrong member is the one named */
	    {"{\"method\":\"a.b.C\",\"parameters\":1,\"more\":1}", "parameters"},
	    {"{\"method\":1,\"oneway\":1}", "method"},
	};

	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		VarlinkCall c = {.method = (char *)"untouched"};
		const char *problem = NULL;

		assert_int_equal(parse(bad[i].text, &c, &problem), -EBADMSG);
		assert_non_null(problem);
		assert_string_equal(problem, bad[i].problem);
		assert_string_equal(c.method, "untouched");
	}
}

static void test_string_valid(void **state)
{
	static const char *const good[] = {"", "io.routeguard.GetStatus", "\xc3\xa9",
					   "\xe2\x82\xac", "\xf0\x9f\x98\x80", "\xf4\x8f\xbf\xbf"};
	static const char *const bad[] = {
	    "\xff",		 "\x80",	      "\xc0\xaf" /* overlong '/' */,
	    "\xe0\x80\xaf",	 "\xed\xa0\x80" /* U+D800 */, "\xf4\x90\x80\x80" /* past U+10FFFF */,
	    "\xe2\x82" /* cut */, "a\xc3",
	};

	for (size_t i = 0; i < ELEMENTSOF(good); i++)
		assert_true(varlink_string_valid(good[i], strlen(good[i])));
	for (size_t i = 0; i < ELEMENTSOF(bad); i++)
		assert_false(varlink_string_valid(bad[i], strlen(bad[i])));
	assert_false(varlink_string_valid("a\0b", 3));

	/* Characters of every length pass whole; json-c gives a lone escaped surrogate as U+FFFD. */
	VarlinkCall c;
	const char *problem;
	static const char text[] =
	    "{\"method\":\"a.b.C\",\"parameters\":{\"x\":[\"\xc3\xa9\\u20ac\\ud83d\\ude00\\ud800\"]}}";
	assert_int_equal(varlink_call_parse(text, strlen(text), &c, &problem), 0);
	varlink_call_clear(&c);
}

/* A message is what precedes its NUL: a NUL inside the given length is not part of one. */
static void test_call_parse_refuses_embedded_nul(void **state)
{
	static const char two[] = "{\"method\":\"a.b.C\"}\0{\"method\":\"a.b.D\"}";
	static const char framed[] = "{\"method\":\"a.b.C\"}"; /* and its NUL */
	VarlinkCall c;
	const char *problem;

	assert_int_equal(varlink_call_parse(two, sizeof(two) - 1, &c, &problem), -EBADMSG);
	assert_string_equal(problem, "not a JSON object");
	assert_int_equal(varlink_call_parse(framed, sizeof(framed), &c, &problem), -EBADMSG);
	assert_int_equal(varlink_call_parse(framed, sizeof(framed) - 1, &c, &problem), 0);
	assert_string_equal(c.method, "a.b.C");
	varlink_call_clear(&c);
}

/*
 * A reader may hold any prefix of a message when its bytes arrive in pieces: no proper prefix of
 * a call may parse as a call, so only the complete message (up to its NUL) is ever dispatched.
 */
static void test_call_parse_refuses_every_partial_message(void **state)
{
	static const char *const calls[] = {
	    "{\"method\":\"io.routeguard.Monitor\",\"parameters\":{\"since\":[1,2,{\"a\":null}]},"
	    "\"more\":true,\"oneway\":false}",
	    "{\"method\":\"io.routeguard.GetStatus\"}",
	};

	for (size_t i = 0; i < ELEMENTSOF(calls); i++) {
		size_t len = strlen(calls[i]);
		for (size_t cut = 0; cut < len; cut++) {
			VarlinkCall c;
			const char *problem = NULL;
			char *piece =
			    malloc(cut ? cut : 1); /* exact size: ASan sees any over-read */

			assert_non_null(piece);
			memcpy(piece, calls[i], cut);
			assert_int_equal(varlink_call_parse(piece, cut, &c, &problem), -EBADMSG);
			assert_string_equal(problem, "not a JSON object");
			free(piece);
		}
		VarlinkCall c;
		const char *problem;
		assert_int_equal(varlink_call_parse(calls[i], len, &c, &problem), 0);
		varlink_call_clear(&c);
	}
}

/* A JSON object of exactly len bytes: a call whose parameter pads it out. */
static char *call_of_size(size_t len)
{
	static const char head[] = "{\"method\":\"a.b.C\",\"parameters\":{\"pad\":\"";
	static const char tail[] = "\"}}";
	size_t fixed = sizeof(head) - 1 + sizeof(tail) - 1;
	char *text = malloc(len);

	assert_non_null(text);
	assert_true(len > fixed);
	memcpy(text, head, sizeof(head) - 1);
	memset(text + sizeof(head) - 1, 'x', len - fixed);
	memcpy(text + len - (sizeof(tail) - 1), tail, sizeof(tail) - 1);
	return text;
}

static void test_call_parse_size_limit(void **state)
{
	VarlinkCall c;
	const char *problem;
	char *text = call_of_size(VARLINK_MESSAGE_MAX);

	assert_int_equal(varlink_call_parse(text, VARLINK_MESSAGE_MAX, &c, &problem), 0);
	json_object *pad = member(c.parameters, "pad");
	assert_non_null(pad);
	assert_true(json_object_get_string_len(pad) > VARLINK_MESSAGE_MAX - 64);
	varlink_call_clear(&c);
	free(text);

	text = call_of_size(VARLINK_MESSAGE_MAX + 1);
	assert_int_equal(varlink_call_parse(text, VARLINK_MESSAGE_MAX + 1, &c, &problem), -EBADMSG);
	assert_string_equal(problem, "not a JSON object");
	free(text);
}

static void test_call_parse_deep_nesting(void **state)
{
	/* json-c's tokener stops at its depth limit (32): refused, never a stack overflow. */
	size_t depth = 10000;
	char *text = malloc(2 * depth + 1);
	VarlinkCall c;
	const char *problem;

	assert_non_null(text);
	memset(text, '[', depth);
	memset(text + depth, ']', depth);
	text[2 * depth] = '\0';
	assert_int_equal(parse(text, &c, &problem), -EBADMSG);
	free(text);
}

static void test_reply(void **state)
{
	char *bytes;
	size_t len;
	json_object *p = json_object_new_object();

	json_object_object_add(p, "ready", json_object_new_boolean(true));
	assert_int_equal(varlink_reply(p, false, &bytes, &len), 0);
	assert_int_equal(len, strlen(bytes) + 1);
	assert_string_equal(bytes, "{\"parameters\":{\"ready\":true}}");
	json_object_put(frame_object(bytes, len));
	free(bytes);

	/* more: every reply but the last says it continues */
	assert_int_equal(varlink_reply(NULL, true, &bytes, &len), 0);
	json_object *o = frame_object(bytes, len);
	assert_true(json_object_get_boolean(member(o, "continues")));
	assert_int_equal(json_object_object_length(member(o, "parameters")), 0);
	assert_null(member(o, "error"));
	json_object_put(o);
	free(bytes);

	assert_int_equal(varlink_reply(NULL, false, &bytes, &len), 0);
	assert_string_equal(bytes, "{\"parameters\":{}}");
	free(bytes);
}

static void test_error(void **state)
{
	char *bytes;
	size_t len;
	json_object *p = json_object_new_object();

	json_object_object_add(p, "parameter", json_object_new_string("more"));
	assert_int_equal(varlink_error("org.varlink.service.InvalidParameter", p, &bytes, &len), 0);
	assert_string_equal(bytes, "{\"error\":\"org.varlink.service.InvalidParameter\","
				   "\"parameters\":{\"parameter\":\"more\"}}");
	json_object_put(frame_object(bytes, len));
	free(bytes);

	assert_int_equal(varlink_error("io.routeguard.PermissionDenied", NULL, &bytes, &len), 0);
	json_object *o = frame_object(bytes, len);
	assert_string_equal(json_object_get_string(member(o, "error")),
			    "io.routeguard.PermissionDenied");
	assert_true(json_object_is_type(member(o, "parameters"), json_type_object));
	assert_null(member(o, "continues"));
	json_object_put(o);
	free(bytes);
}

/* What a parameter holds never breaks the frame: a NUL in a string is escaped, not sent. */
static void test_frame_survives_any_string(void **state)
{
	static const char nasty[] = "a\0b\"c\\d\n\x01\xc3\xa9}";
	char *bytes;
	size_t len;
	json_object *p = json_object_new_object();

	json_object_object_add(p, "message", json_object_new_string_len(nasty, sizeof(nasty) - 1));
	assert_int_equal(varlink_error("io.routeguard.InvalidConfig", p, &bytes, &len), 0);
	json_object *o = frame_object(bytes, len);
	json_object *m = member(member(o, "parameters"), "message");
	assert_int_equal(json_object_get_string_len(m), sizeof(nasty) - 1);
	assert_memory_equal(json_object_get_string(m), nasty, sizeof(nasty) - 1);
	json_object_put(o);
	free(bytes);
}

/* What routeguardctl sends is what routeguardd parses. */
static void test_call_round_trip(void **state)
{
	static const struct {
		const char *method;
		bool more;
	} calls[] = {
	    {"io.routeguard.GetStatus", false},
	    {"io.routeguard.Monitor", true},
	    {"org.varlink.service.GetInfo", false},
	};

	for (size_t i = 0; i < ELEMENTSOF(calls); i++) {
		char *bytes;
		size_t len;
		VarlinkCall c;
		const char *problem;
		json_object *p = json_object_new_object();

		json_object_object_add(p, "n", json_object_new_int((int)i));
		assert_int_equal(varlink_call(calls[i].method, p, calls[i].more, &bytes, &len), 0);
		json_object_put(frame_object(bytes, len));
		assert_int_equal(varlink_call_parse(bytes, len - 1, &c, &problem), 0);
		assert_string_equal(c.method, calls[i].method);
		assert_int_equal(c.more, calls[i].more);
		assert_false(c.oneway);
		assert_int_equal(json_object_get_int(member(c.parameters, "n")), (int)i);
		varlink_call_clear(&c);
		free(bytes);
	}

	char *bytes;
	size_t len;
	assert_int_equal(varlink_call("io.routeguard.Reload", NULL, false, &bytes, &len), 0);
	assert_string_equal(bytes, "{\"method\":\"io.routeguard.Reload\",\"parameters\":{}}");
	free(bytes);
}

/* Several frames in one read, split at their NULs, give each call in order. */
static void test_frames_in_one_buffer(void **state)
{
	static const char *const methods[] = {"a.b.One", "a.b.Two", "a.b.Three"};
	char buf[512];
	size_t used = 0;

	for (size_t i = 0; i < ELEMENTSOF(methods); i++) {
		char *bytes;
		size_t len;
		assert_int_equal(varlink_call(methods[i], NULL, i == 1, &bytes, &len), 0);
		assert_true(used + len <= sizeof(buf));
		memcpy(buf + used, bytes, len);
		used += len;
		free(bytes);
	}
	const char *at = buf;
	for (size_t i = 0; i < ELEMENTSOF(methods); i++) {
		const char *nul = memchr(at, '\0', (size_t)(buf + used - at));
		VarlinkCall c;
		const char *problem;

		assert_non_null(nul);
		assert_int_equal(varlink_call_parse(at, (size_t)(nul - at), &c, &problem), 0);
		assert_string_equal(c.method, methods[i]);
		assert_int_equal(c.more, i == 1);
		varlink_call_clear(&c);
		at = nul + 1;
	}
	assert_ptr_equal(at, buf + used);
}

static void test_interface_description(void **state)
{
	const char *d = varlink_interface_description();

	assert_non_null(strstr(d, "interface " VARLINK_INTERFACE "\n"));
	/* the methods and errors of DESIGN.md §6 */
	static const char *const names[] = {
	    "method GetStatus(", "method Monitor(",	   "method Reconcile(",
	    "method Reload(",	 "error PermissionDenied", "error InvalidConfig",
	};
	for (size_t i = 0; i < ELEMENTSOF(names); i++)
		assert_non_null(strstr(d, names[i]));
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_call_parse_accepts),
	    cmocka_unit_test(test_call_parse_refuses_bad_json),
	    cmocka_unit_test(test_call_parse_names_the_wrong_member),
	    cmocka_unit_test(test_string_valid),
	    cmocka_unit_test(test_call_parse_refuses_embedded_nul),
	    cmocka_unit_test(test_call_parse_refuses_every_partial_message),
	    cmocka_unit_test(test_call_parse_size_limit),
	    cmocka_unit_test(test_call_parse_deep_nesting),
	    cmocka_unit_test(test_reply),
	    cmocka_unit_test(test_error),
	    cmocka_unit_test(test_frame_survives_any_string),
	    cmocka_unit_test(test_call_round_trip),
	    cmocka_unit_test(test_frames_in_one_buffer),
	    cmocka_unit_test(test_interface_description),
	};
	return unit_main(argc, argv, tests);
}
