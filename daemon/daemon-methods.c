/* SPDX-License-Identifier: MIT */
/* The control methods of DESIGN.md §6. Reconcile and Reload are for uid 0 only (SO_PEERCRED). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "daemon-methods.h"
#include "daemon-status.h"
#include "daemon.h"
#include "log.h"
#include "version.h"

static void reply_status(Daemon *d, uint64_t client, bool continues, bool wrapped)
{
	json_object *status = NULL;
	if (daemon_status(d, &status) < 0) {
		control_reply_error(d->control, client, "org.varlink.service.InvalidParameter", NULL);
		return;
	}
	if (wrapped) {
		json_object *o = json_object_new_object();
		json_object_object_add(o, "type", json_object_new_string("status"));
		json_object_object_add(o, "status", status);
		status = o;
	}
	control_reply(d->control, client, status, continues);
}

/* The hot path of status polling: built once per change, sent as bytes to every caller after. */
static void reply_status_cached(Daemon *d, uint64_t client)
{
	if (!d->status_reply) {
		json_object *status = NULL;
		if (daemon_status(d, &status) < 0 ||
		    varlink_reply(status, false, &d->status_reply, &d->status_reply_len) < 0) {
			control_reply_error(d->control, client, "org.varlink.service.InvalidParameter", NULL);
			return;
		}
	}
	control_send_framed(d->control, client, d->status_reply, d->status_reply_len);
}

static void reply_info(Daemon *d, uint64_t client)
{
	json_object *o = json_object_new_object(), *interfaces = json_object_new_array();
	json_object_object_add(o, "vendor", json_object_new_string("routeguard"));
	json_object_object_add(o, "product", json_object_new_string("routeguardd"));
	json_object_object_add(o, "version", json_object_new_string(ROUTEGUARD_VERSION));
	json_object_object_add(o, "url", json_object_new_string(""));
	json_object_array_add(interfaces, json_object_new_string("org.varlink.service"));
	json_object_array_add(interfaces, json_object_new_string(VARLINK_INTERFACE));
	json_object_object_add(o, "interfaces", interfaces);
	control_reply(d->control, client, o, false);
}

static void reply_description(Daemon *d, uint64_t client, const VarlinkCall *call)
{
	json_object *name;
	if (!json_object_object_get_ex(call->parameters, "interface", &name) ||
	    !json_object_is_type(name, json_type_string)) {
		json_object *p = json_object_new_object();
		json_object_object_add(p, "parameter", json_object_new_string("interface"));
		control_reply_error(d->control, client, "org.varlink.service.InvalidParameter", p);
		return;
	}
	if (strcmp(json_object_get_string(name), VARLINK_INTERFACE) != 0) {
		json_object *p = json_object_new_object();
		json_object_object_add(p, "interface", json_object_get(name));
		control_reply_error(d->control, client, "org.varlink.service.InterfaceNotFound", p);
		return;
	}
	json_object *o = json_object_new_object();
	json_object_object_add(o, "description", json_object_new_string(varlink_interface_description()));
	control_reply(d->control, client, o, false);
}

void daemon_answer_reconcile(Daemon *d)
{
	if (d->n_reconcile_waiters == 0 || mirror_full_syncs(d->mirror) < d->reconcile_target)
		return;
	for (size_t i = 0; i < d->n_reconcile_waiters; i++) {
		control_set_waiting(d->control, d->reconcile_waiters[i], false);
		reply_status(d, d->reconcile_waiters[i], false, false);
	}
	d->n_reconcile_waiters = 0;
}

static void start_reconcile(Daemon *d, uint64_t client)
{
	uint64_t *grown = realloc(d->reconcile_waiters, (d->n_reconcile_waiters + 1) * sizeof(*grown));
	if (!grown) {
		control_reply_error(d->control, client, "org.varlink.service.InvalidParameter", NULL);
		return;
	}
	d->reconcile_waiters = grown;
	d->reconcile_waiters[d->n_reconcile_waiters++] = client;
	control_set_waiting(d->control, client, true);
	/* A full resync of the kernel's tables and the host's files; the answer follows its evaluation. */
	d->reconcile_target = mirror_next_full_sync(d->mirror);
	d->hostfacts_stale = true;
	mirror_request_resync(d->mirror, SYNC_ALL);
	log_info("Reconcile requested");
}

static void reload(Daemon *d, uint64_t client)
{
	ConfigError error = {};
	if (daemon_reload(d, &error) < 0) {
		json_object *p = json_object_new_object();
		json_object_object_add(p, "message", json_object_new_string(error.text));
		control_reply_error(d->control, client, "io.routeguard.InvalidConfig", p);
		return;
	}
	json_object *o = json_object_new_object();
	json_object_object_add(o, "path", json_object_new_string(d->options.config_path));
	control_reply(d->control, client, o, false);
}

void daemon_on_call(Control *c, uint64_t client, uid_t uid, const VarlinkCall *call, void *userdata)
{
	Daemon *d = userdata;
	const char *m = call->method;
	bool privileged = strcmp(m, "io.routeguard.Reconcile") == 0 ||
			  strcmp(m, "io.routeguard.Reload") == 0;

	if (call->oneway && !privileged)
		return; /* nothing to do without a reply */
	if (privileged && uid != 0) {
		control_reply_error(c, client, "io.routeguard.PermissionDenied", NULL);
		return;
	}
	if (strcmp(m, "io.routeguard.GetStatus") == 0) {
		reply_status_cached(d, client);
	} else if (strcmp(m, "io.routeguard.Monitor") == 0) {
		if (!call->more) {
			json_object *p = json_object_new_object();
			json_object_object_add(p, "parameter", json_object_new_string("more"));
			control_reply_error(c, client, "org.varlink.service.InvalidParameter", p);
			return;
		}
		control_set_monitor(c, client);
		reply_status(d, client, true, true);
	} else if (strcmp(m, "io.routeguard.Reconcile") == 0) {
		start_reconcile(d, client);
	} else if (strcmp(m, "io.routeguard.Reload") == 0) {
		reload(d, client);
	} else if (strcmp(m, "org.varlink.service.GetInfo") == 0) {
		reply_info(d, client);
	} else if (strcmp(m, "org.varlink.service.GetInterfaceDescription") == 0) {
		reply_description(d, client, call);
	} else {
		json_object *p = json_object_new_object();
		json_object_object_add(p, "method", json_object_new_string(m));
		control_reply_error(c, client, "org.varlink.service.MethodNotFound", p);
	}
}
