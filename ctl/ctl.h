/* SPDX-License-Identifier: MIT */
/*
 * routeguardctl: what the verbs share. routeguardctl.c parses the command line and dispatches from
 * its verb table; each verb lives in a file of its name; client.c talks to routeguardd, output.c
 * prints for people, fields.c reads the daemon's JSON.
 */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>

#include "cilium.h"
#include "exitcode.h"

typedef struct CtlOptions {
	const char *socket_path;
	bool json;
	bool color;
	/* preflight only: it reads the configuration itself */
	const char *config_path;
	const char *debug_host_root;
} CtlOptions;

/* A verb gets the arguments after its name (none for today's verbs) and returns an ExitCode. */
typedef int (*CtlVerbHandler)(const CtlOptions *o, int argc, char **argv);

int verb_status(const CtlOptions *o, int argc, char **argv);
int verb_ready(const CtlOptions *o, int argc, char **argv);
int verb_monitor(const CtlOptions *o, int argc, char **argv);
int verb_reconcile(const CtlOptions *o, int argc, char **argv);
int verb_reload(const CtlOptions *o, int argc, char **argv);
int verb_preflight(const CtlOptions *o, int argc, char **argv);

/* The agent's API, blocking, 2 s per request (cilium-api.c). f->reach says how it went; returns
 * 0, or -ENOMEM. */
int ctl_cilium_api_fetch(const char *socket, CiliumFacts *f);

/* ---- the connection to routeguardd (client.c) ---- */

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
int ctl_simple_call(const CtlOptions *o, const char *method, int timeout_ms,
		    json_object **ret_reply);
/* GetStatus; on success *ret_status points into *ret_reply. Errors are printed. */
int ctl_fetch_status(const CtlOptions *o, json_object **ret_reply, json_object **ret_status);
/* For a reply of a root verb: prints its error, if any, and returns the exit code it means
 * (EXIT_OK when there is none). */
int ctl_explain_error(json_object *reply);

/* ---- the daemon's JSON (fields.c): a missing or mistyped field reads as "" or false ---- */

const char *string_of(json_object *o, const char *key);
bool bool_of(json_object *o, const char *key);

/* ---- output for people (output.c): colors only when asked for and on a terminal ---- */

const char *ctl_color(const CtlOptions *o, const char *ansi);
/* Prints text wrapped at 100 columns, each line after the first indented by indent spaces. */
void ctl_print_wrapped(FILE *f, const char *text, int indent, int first_column);
/* The findings of a status-shaped object, as a table for people. */
void ctl_print_findings(const CtlOptions *o, json_object *status);
/* The one-line verdict of a status object: "ready" or "not ready: …", at most max characters. */
void ctl_verdict_line(json_object *status, char *buf, size_t max);
/* Prints json to stdout, pretty. */
void ctl_print_json(json_object *o);
