/* SPDX-License-Identifier: MIT */
/* routeguardctl: what the verbs share. Each verb lives in its own ctl-VERB.c. */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>

#define EXIT_READY 0
#define EXIT_NOT_READY 1
#define EXIT_USAGE 2
#define EXIT_RUNTIME 3

typedef struct CtlOptions {
	const char *socket_path;
	bool json;
	bool color;
} CtlOptions;

int verb_preflight(const CtlOptions *o, int argc, char **argv);

/* Output for people: colors only when asked for and on a terminal. */
const char *ctl_color(const CtlOptions *o, const char *ansi);
/* Prints text wrapped at 100 columns, each line after the first indented by indent spaces. */
void ctl_print_wrapped(FILE *f, const char *text, int indent, int first_column);
/* The findings of a status-shaped object, as a table for people. */
void ctl_print_findings(const CtlOptions *o, json_object *status);
/* Prints json to stdout, pretty. */
void ctl_print_json(json_object *o);
