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
int verb_status(const CtlOptions *o, int argc, char **argv);
int verb_ready(const CtlOptions *o, int argc, char **argv);
int verb_monitor(const CtlOptions *o, int argc, char **argv);
int verb_reconcile(const CtlOptions *o, int argc, char **argv);
int verb_reload(const CtlOptions *o, int argc, char **argv);

/* ---- the connection to routeguardd (ctl-client.c) ---- */

typedef struct CtlConnection {
	int fd;
	char *buf;
	size_t len;
	size_t allocated;
} CtlConnection;

int ctl_connect(const char *path, CtlConnection *ret);
void ctl_disconnect(CtlConnection *c);
int ctl_call(CtlConnection *c, const char *method, json_object *parameters, bool more);
/* One reply; -ETIMEDOUT after timeout_ms (-1: wait). */
int ctl_read_reply(CtlConnection *c, int timeout_ms, json_object **ret);
const char *ctl_reply_error(json_object *reply);
json_object *ctl_reply_parameters(json_object *reply);
/* Connects, calls method without parameters, reads one reply; errors are printed. */
int ctl_simple_call(const CtlOptions *o, const char *method, int timeout_ms, json_object **ret_reply);

/* Output for people: colors only when asked for and on a terminal. */
const char *ctl_color(const CtlOptions *o, const char *ansi);
/* Prints text wrapped at 100 columns, each line after the first indented by indent spaces. */
void ctl_print_wrapped(FILE *f, const char *text, int indent, int first_column);
/* The findings of a status-shaped object, as a table for people. */
void ctl_print_findings(const CtlOptions *o, json_object *status);
/* The one-line verdict of a status object: "ready" or "not ready: …", at most max characters. */
void ctl_verdict_line(json_object *status, char *buf, size_t max);
/* The whole status for people: verdict first, then findings, actions, counters. */
void ctl_print_status(const CtlOptions *o, json_object *status);
/* Prints json to stdout, pretty. */
void ctl_print_json(json_object *o);
