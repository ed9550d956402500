/* SPDX-License-Identifier: MIT */
/*
 * The control methods of DESIGN.md §6, as one table. control.c looks each call up in it and
 * refuses the root-only ones to other peers (SO_PEERCRED) before a handler runs.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "daemon-cilium.h"
#include "daemon-methods.h"
#include "daemon-status.h"
#include "daemon.h"
#include "log.h"
#include "version.h"

static void reply_status(Daemon *d, uint64_t client, bool continues, bool wrapped)
{
	json_object *status = NULL;
	if (daemon_status(d, &status) < 0) {
		control_reply_error(d->control, client, "org.varlink.service.InvalidParameter",
				    NULL);
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
static void get_status(Control *c, uint64_t client, const VarlinkCall *call, void *userdata)
{
	Daemon *d = userdata;

	if (!d->status_reply) {
		json_object *status = NULL;
		if (daemon_status(d, &status) < 0 ||
		    varlink_reply(status, false, &d->status_reply, &d->status_reply_len) < 0) {
			control_reply_error(c, client, "org.varlink.service.InvalidParameter",
					    NULL);
			return;
		}
	}
	control_send_framed(c, client, d->status_reply, d->status_reply_len);
}

static void monitor(Control *c, uint64_t client, const VarlinkCall *call, void *userdata)
{
	if (!call->more) {
		json_object *p = json_object_new_object();
		json_object_object_add(p, "parameter", json_object_new_string("more"));
		control_reply_error(c, client, "org.varlink.service.InvalidParameter", p);
		return;
	}
	control_set_monitor(c, client);
	reply_status(userdata, client, true, true);
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

static void reconcile(Control *c, uint64_t client, const VarlinkCall *call, void *userdata)
{
	Daemon *d = userdata;
	uint64_t *grown =
	    realloc(d->reconcile_waiters, (d->n_reconcile_waiters + 1) * sizeof(*grown));

	if (!grown) {
		control_reply_error(c, client, "org.varlink.service.InvalidParameter", NULL);
		return;
	}
	d->reconcile_waiters = grown;
	d->reconcile_waiters[d->n_reconcile_waiters++] = client;
	control_set_waiting(c, client, true);
	/* A full resync of the kernel's tables and the host's files; the answer follows its
	 * evaluation, in daemon_answer_reconcile(). */
	d->reconcile_target = mirror_next_full_sync(d->mirror);
	d->hostfacts_stale = true;
	daemon_cilium_refresh(d);
	fw_mirror_resync(d->fw_mirror);
	mirror_request_resync(d->mirror, SYNC_ALL);
	log_info("Reconcile requested");
}

static void reload(Control *c, uint64_t client, const VarlinkCall *call, void *userdata)
{
	Daemon *d = userdata;
	ConfigError error = {};

	if (daemon_reload(d, &error) < 0) {
		json_object *p = json_object_new_object();
		json_object_object_add(p, "message", json_object_new_string(error.text));
		control_reply_error(c, client, "io.routeguard.InvalidConfig", p);
		return;
	}
	json_object *o = json_object_new_object();
	json_object_object_add(o, "path", json_object_new_string(d->options.config_path));
	control_reply(c, client, o, false);
}

static void get_info(Control *c, uint64_t client, const VarlinkCall *call, void *userdata)
{
	json_object *o = json_object_new_object(), *interfaces = json_object_new_array();

	json_object_object_add(o, "vendor", json_object_new_string("routeguard"));
	json_object_object_add(o, "product", json_object_new_string("routeguardd"));
	json_object_object_add(o, "version", json_object_new_string(ROUTEGUARD_VERSION));
	json_object_object_add(o, "url", json_object_new_string(""));
	json_object_array_add(interfaces, json_object_new_string("org.varlink.service"));
	json_object_array_add(interfaces, json_object_new_string(VARLINK_INTERFACE));
	json_object_object_add(o, "interfaces", interfaces);
	control_reply(c, client, o, false);
}

static void get_interface_description(Control *c, uint64_t client, const VarlinkCall *call,
				      void *userdata)
{
	json_object *name;

	if (!json_object_object_get_ex(call->parameters, "interface", &name) ||
	    !json_object_is_type(name, json_type_string)) {
		json_object *p = json_object_new_object();
		json_object_object_add(p, "parameter", json_object_new_string("interface"));
		control_reply_error(c, client, "org.varlink.service.InvalidParameter", p);
		return;
	}
	if (strcmp(json_object_get_string(name), VARLINK_INTERFACE) != 0) {
		json_object *p = json_object_new_object();
		json_object_object_add(p, "interface", json_object_get(name));
		control_reply_error(c, client, "org.varlink.service.InterfaceNotFound", p);
		return;
	}
	json_object *o = json_object_new_object();
	json_object_object_add(o, "description",
			       json_object_new_string(varlink_interface_description()));
	control_reply(c, client, o, false);
}

const ControlMethod daemon_methods[] = {
    {"io.routeguard.GetStatus", get_status, 0},
    {"io.routeguard.Monitor", monitor, 0},
    {"io.routeguard.Reconcile", reconcile, CONTROL_METHOD_ROOT},
    {"io.routeguard.Reload", reload, CONTROL_METHOD_ROOT},
    {"org.varlink.service.GetInfo", get_info, 0},
    {"org.varlink.service.GetInterfaceDescription", get_interface_description, 0},
    {},
};
