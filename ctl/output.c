/* SPDX-License-Identifier: MIT */
/* Output for people: wrapped text, the findings table, the one-line verdict; and pretty JSON. */
#include <inttypes.h>
#include <string.h>

#include "ctl.h"

#define WRAP_COLUMNS 100

const char *ctl_color(const CtlOptions *o, const char *ansi)
{
	return o->color ? ansi : "";
}

void ctl_print_wrapped(FILE *f, const char *text, int indent, int first_column)
{
	int column = first_column;
	bool first_word = true;

	for (const char *p = text; *p;) {
		while (*p == ' ')
			p++;
		size_t word = strcspn(p, " ");
		if (word == 0)
			break;
		if (!first_word && column + 1 + (int)word > WRAP_COLUMNS) {
			fprintf(f, "\n%*s", indent, "");
			column = indent;
		} else if (!first_word) {
			fputc(' ', f);
			column++;
		}
		fwrite(p, 1, word, f);
		column += (int)word;
		p += word;
		first_word = false;
	}
	fputc('\n', f);
}

void ctl_print_findings(const CtlOptions *o, json_object *status)
{
	json_object *findings;
	if (!json_object_object_get_ex(status, "findings", &findings) ||
	    json_object_array_length(findings) == 0) {
		printf("No findings.\n");
		return;
	}
	/* Errors first: they are what blocks readiness. */
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < json_object_array_length(findings); i++) {
			json_object *f = json_object_array_get_idx(findings, i);
			bool error = strcmp(string_of(f, "severity"), "error") == 0;
			if (error != (pass == 0))
				continue;
			const char *action = string_of(f, "action");
			printf("%s%-8s%s %s%s%s  %s",
			       ctl_color(o, error ? "\033[1;31m" : "\033[1;33m"),
			       error ? "ERROR" : "WARNING", ctl_color(o, "\033[0m"),
			       ctl_color(o, "\033[1m"), string_of(f, "check"),
			       ctl_color(o, "\033[0m"), string_of(f, "subject"));
			if (strcmp(action, "none") != 0)
				printf("  [%s]", action);
			printf("\n         ");
			ctl_print_wrapped(stdout, string_of(f, "message"), 9, 9);
			printf("         %sfix:%s ", ctl_color(o, "\033[36m"),
			       ctl_color(o, "\033[0m"));
			ctl_print_wrapped(stdout, string_of(f, "remedy"), 14, 14);
			printf("\n");
		}
	/* The daemon sends at most 64 findings of a check and counts the rest (issue 13). */
	json_object *rest;
	if (!json_object_object_get_ex(status, "findings-omitted", &rest))
		return;
	json_object_object_foreach(rest, check, count)
	    printf("... and %" PRId64 " more %s findings, not shown\n",
		   json_object_get_int64(count), check);
}

/* Errors among the findings left out: those of a check whose shown findings are errors. */
static size_t omitted_errors(json_object *status, json_object *findings)
{
	json_object *rest;
	size_t n = 0;

	if (!json_object_object_get_ex(status, "findings-omitted", &rest))
		return 0;
	json_object_object_foreach(
	    rest, check, count) for (size_t i = 0; i < json_object_array_length(findings); i++)
	{
		json_object *f = json_object_array_get_idx(findings, i);
		if (strcmp(string_of(f, "check"), check) == 0) {
			if (strcmp(string_of(f, "severity"), "error") == 0)
				n += (size_t)json_object_get_int64(count);
			break;
		}
	}
	return n;
}

void ctl_verdict_line(json_object *status, char *buf, size_t max)
{
	json_object *findings = NULL;
	size_t errors = 0, used;

	if (bool_of(status, "ready")) {
		snprintf(buf, max + 1, "ready");
		return;
	}
	if (json_object_object_get_ex(status, "findings", &findings))
		for (size_t i = 0; i < json_object_array_length(findings); i++)
			if (strcmp(string_of(json_object_array_get_idx(findings, i), "severity"),
				   "error") == 0)
				errors++;
	if (findings)
		errors += omitted_errors(status, findings);
	/* Not ready without an error: the node is in a phase other than native (tunnel mode,
	 * mid-migration), which is no error by itself. */
	if (errors == 0) {
		json_object *phase = NULL;
		json_object_object_get_ex(status, "phase", &phase);
		snprintf(buf, max + 1, "not ready: phase %s, not native routing",
			 phase ? json_object_get_string(phase) : "unknown");
		return;
	}
	used = (size_t)snprintf(buf, max + 1, "not ready: %zu error%s", errors,
				errors == 1 ? "" : "s");
	/* As many "check subject" as fit, then ", ...": ASCII, so bytes are characters. */
	bool first = true;
	for (size_t i = 0; findings && i < json_object_array_length(findings); i++) {
		json_object *f = json_object_array_get_idx(findings, i);
		if (strcmp(string_of(f, "severity"), "error") != 0)
			continue;
		char item[300];
		int n = snprintf(item, sizeof(item), "%s%s %s", first ? ": " : ", ",
				 string_of(f, "check"), string_of(f, "subject"));
		if (n < 0 || used + (size_t)n > max - 4) {
			snprintf(buf + used, max + 1 - used, ", ...");
			return;
		}
		memcpy(buf + used, item, (size_t)n + 1);
		used += (size_t)n;
		first = false;
	}
}

void ctl_print_json(json_object *o)
{
	printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
							     JSON_C_TO_STRING_NOSLASHESCAPE));
}
