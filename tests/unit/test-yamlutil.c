/* SPDX-License-Identifier: MIT */
/* The YAML loader's limits (issue 13): depth, aliases, size, duplicate keys in O(n log n). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit-main.h"
#include "yamlutil.h"

/* n opening brackets, then as many closing ones. */
static char *nested_flow(size_t n)
{
	char *text = malloc(2 * n + 2);
	assert_non_null(text);
	memset(text, '[', n);
	memset(text + n, ']', n);
	text[2 * n] = '\n';
	text[2 * n + 1] = '\0';
	return text;
}

static void test_depth_64_loads(void **state)
{
	_cleanup_(yaml_parser_deletep) yaml_parser_t parser = {};
	_cleanup_(yaml_document_deletep) yaml_document_t doc = {};
	_cleanup_free_ char *text = nested_flow(YAML_DEPTH_MAX);

	assert_int_equal(yaml_load_string(&parser, text, strlen(text), 0, &doc), 0);
	assert_non_null(yaml_document_get_root_node(&doc));
}

/* 500k levels took libyaml more than 30 s: refused at the 65th, having read a few KiB. */
static void test_depth_500k_refused_early(void **state)
{
	_cleanup_(yaml_parser_deletep) yaml_parser_t parser = {};
	_cleanup_(yaml_document_deletep) yaml_document_t doc = {};
	_cleanup_free_ char *text = nested_flow(500000);

	assert_int_equal(yaml_load_string(&parser, text, strlen(text), 0, &doc), -EBADMSG);
	assert_non_null(strstr(yaml_problem(&parser), "deeper than 64"));
	assert_int_equal(parser.problem_mark.line, 0);
	assert_int_equal(parser.problem_mark.column, 64); /* the 65th '[' */
	/* The work is bounded by the depth, not by the text: the scanner stopped early. */
	assert_true(parser.mark.index < 4096);
	assert_null(yaml_document_get_root_node(&doc));
}

static void test_block_depth_refused(void **state)
{
	_cleanup_(yaml_parser_deletep) yaml_parser_t parser = {};
	_cleanup_(yaml_document_deletep) yaml_document_t doc = {};
	char text[8192] = "";
	size_t used = 0;

	/* a:\n b:\n  c: … 70 levels of block mappings */
	for (int i = 0; i < 70; i++)
		used += (size_t)snprintf(text + used, sizeof(text) - used, "%*sk%d:\n", i, "", i);
	assert_int_equal(yaml_load_string(&parser, text, used, 0, &doc), -EBADMSG);
	assert_non_null(strstr(yaml_problem(&parser), "deeper than 64"));
	assert_int_equal(parser.problem_mark.line, 64);
}

static void test_aliases(void **state)
{
	static const char text[] = "a: &x [10.0.0.0/8, 10.1.0.0/16]\n"
				   "b: *x\n";
	{
		_cleanup_(yaml_parser_deletep) yaml_parser_t parser = {};
		_cleanup_(yaml_document_deletep) yaml_document_t doc = {};
		assert_int_equal(yaml_load_string(&parser, text, strlen(text), 0, &doc), 0);
	}
	_cleanup_(yaml_parser_deletep) yaml_parser_t parser = {};
	_cleanup_(yaml_document_deletep) yaml_document_t doc = {};
	assert_int_equal(yaml_load_string(&parser, text, strlen(text), YAML_LOAD_NO_ALIASES, &doc),
			 -EBADMSG);
	assert_non_null(strstr(yaml_problem(&parser), "found an alias"));
	assert_int_equal(parser.problem_mark.line, 1);
	assert_int_equal(parser.problem_mark.column, 3);
}

static void test_over_1mib_refused(void **state)
{
	_cleanup_(yaml_parser_deletep) yaml_parser_t parser = {};
	_cleanup_(yaml_document_deletep) yaml_document_t doc = {};
	size_t len = YAML_TEXT_MAX + 1;
	_cleanup_free_ char *text = malloc(len);

	assert_non_null(text);
	memset(text, '#', len); /* one long comment */
	assert_int_equal(yaml_load_string(&parser, text, len, 0, &doc), -EBADMSG);
	assert_non_null(strstr(yaml_problem(&parser), "1 MiB"));
}

/* n keys "kN: 1", optionally with key k0 again at the end. */
static char *many_keys(size_t n, bool duplicate, size_t *ret_len)
{
	size_t size = n * 16 + 32, used = 0;
	char *text = malloc(size);
	assert_non_null(text);
	for (size_t i = 0; i < n; i++)
		used += (size_t)snprintf(text + used, size - used, "k%zu: 1\n", (n - i) * 7919 % n);
	if (duplicate)
		used += (size_t)snprintf(text + used, size - used, "k0: 2\n");
	*ret_len = used;
	return text;
}

/* The 80k keys that took 19 s: the comparisons stay within 2 n log2 n (n² / 2 would be 3.2e9). */
static void test_duplicates_80k_keys_n_log_n(void **state)
{
	const size_t n = 80000;
	size_t log2n = 0;
	while ((size_t)1 << log2n < n)
		log2n++;
	const size_t bound = 2 * n * log2n; /* 2.7 million */

	for (int duplicate = 0; duplicate <= 1; duplicate++) {
		_cleanup_(yaml_parser_deletep) yaml_parser_t parser = {};
		_cleanup_(yaml_document_deletep) yaml_document_t doc = {};
		size_t len, comparisons = 0;
		int error;
		_cleanup_free_ char *text = many_keys(n, duplicate, &len);

		assert_int_equal(yaml_load_string(&parser, text, len, 0, &doc), 0);
		yaml_node_t *root = yaml_document_get_root_node(&doc);
		yaml_node_t *k = yaml_mapping_find_duplicate(&doc, root, &comparisons, &error);
		assert_int_equal(error, 0);
		assert_true(comparisons > 0);
		assert_true(comparisons < bound);
		if (!duplicate) {
			assert_null(k);
			continue;
		}
		assert_non_null(k);
		assert_string_equal((const char *)k->data.scalar.value, "k0");
		assert_int_equal(k->start_mark.line, n); /* the repeat, not the first */
	}
}

/* Of several repeated keys, the first repeat in the document is reported, as before. */
static void test_duplicate_reported_in_document_order(void **state)
{
	static const char text[] = "b: 1\na: 1\nc: 1\na: 2\nb: 2\n";
	_cleanup_(yaml_parser_deletep) yaml_parser_t parser = {};
	_cleanup_(yaml_document_deletep) yaml_document_t doc = {};
	int error;

	assert_int_equal(yaml_load_string(&parser, text, strlen(text), 0, &doc), 0);
	yaml_node_t *k =
	    yaml_mapping_find_duplicate(&doc, yaml_document_get_root_node(&doc), NULL, &error);
	assert_non_null(k);
	assert_string_equal((const char *)k->data.scalar.value, "a");
	assert_int_equal(k->start_mark.line, 3);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_depth_64_loads),
	    cmocka_unit_test(test_depth_500k_refused_early),
	    cmocka_unit_test(test_block_depth_refused),
	    cmocka_unit_test(test_aliases),
	    cmocka_unit_test(test_over_1mib_refused),
	    cmocka_unit_test(test_duplicates_80k_keys_n_log_n),
	    cmocka_unit_test(test_duplicate_reported_in_document_order),
	};
	return unit_main(argc, argv, tests);
}
