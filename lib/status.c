/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <time.h>

#include "netstate-json.h"
#include "status.h"

const char *timestamp_format(uint64_t usec, char buf[static 32])
{
	time_t t = (time_t)(usec / 1000000);
	struct tm tm;
	if (!gmtime_r(&t, &tm) || strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		buf[0] = '\0';
	return buf;
}

static json_object *finding_to_json(const Finding *f, uint64_t since)
{
	json_object *o = json_object_new_object();
	char ts[32];
	if (!o)
		return NULL;
	json_object_object_add(o, "check", json_object_new_string(check_to_string(f->check)));
	json_object_object_add(o, "severity",
			       json_object_new_string(severity_to_string(f->severity)));
	json_object_object_add(o, "subject", json_object_new_string(f->subject));
	json_object_object_add(o, "message", json_object_new_string(f->message));
	json_object_object_add(o, "remedy", json_object_new_string(f->remedy));
	json_object_object_add(o, "action", json_object_new_string(action_to_string(f->action)));
	json_object_object_add(o, "since", json_object_new_string(timestamp_format(since, ts)));
	return o;
}

static void add_counter(json_object *o, const char *key, uint64_t value)
{
	json_object_object_add(o, key, json_object_new_int64((int64_t)value));
}

int status_to_json(const StatusInput *in, json_object **ret)
{
	_cleanup_(json_object_putp) json_object *o = json_object_new_object();
	const Verdict *v = in->verdict;
	char buf[PREFIX_STRLEN], ts[32];
	size_t n_links;

	if (!o)
		return -ENOMEM;
	json_object_object_add(o, "ready", json_object_new_boolean(v->ready));
	json_object_object_add(o, "mode", json_object_new_string(mode_to_string(in->config->mode)));
	json_object_object_add(o, "version", json_object_new_string(in->version));

	json_object *config = json_object_new_object();
	json_object_object_add(config, "path", json_object_new_string(in->config->path));
	json_object_object_add(
	    config, "native-routing-cidr",
	    json_object_new_string(prefix_format(&in->config->native_routing_cidr, buf)));
	json_object_object_add(config, "native-device",
			       v->native_device[0] ? json_object_new_string(v->native_device)
						   : NULL);
	json_object_object_add(o, "config", config);

	/* At most STATUS_FINDINGS_PER_CHECK_MAX of a check, the rest counted: 4000 flannel.N made a
	 * reply over 1 MiB that no client could be sent (issue 13). */
	size_t shown[_CHECK_MAX] = {}, omitted[_CHECK_MAX] = {};
	json_object *findings = json_object_new_array();
	for (size_t i = 0; i < v->n_findings; i++) {
		const Finding *f = &v->findings[i];
		if (f->check >= 0 && f->check < _CHECK_MAX &&
		    shown[f->check]++ >= STATUS_FINDINGS_PER_CHECK_MAX) {
			omitted[f->check]++;
			continue;
		}
		json_object_array_add(
		    findings,
		    finding_to_json(f, in->since_usec ? in->since_usec[i] : in->now_usec));
	}
	json_object_object_add(o, "findings", findings);
	json_object *rest = NULL;
	for (CheckId c = 0; c < _CHECK_MAX; c++) {
		if (!omitted[c])
			continue;
		if (!rest && !(rest = json_object_new_object()))
			return -ENOMEM;
		add_counter(rest, check_to_string(c), omitted[c]);
	}
	if (rest)
		json_object_object_add(o, "findings-omitted", rest);

	json_object *actions = json_object_new_array();
	for (size_t i = 0; i < in->n_actions; i++) {
		const ActionRecord *a = &in->actions[i];
		json_object *ao = json_object_new_object();
		json_object_object_add(ao, "time",
				       json_object_new_string(timestamp_format(a->time_usec, ts)));
		json_object_object_add(ao, "check",
				       json_object_new_string(check_to_string(a->check)));
		json_object_object_add(ao, "subject", json_object_new_string(a->subject));
		json_object_object_add(ao, "result",
				       json_object_new_string(action_to_string(a->result)));
		json_object_array_add(actions, ao);
	}
	json_object_object_add(o, "actions", actions);

	json_object *counters = json_object_new_object();
	add_counter(counters, "netlink-events", in->counters.netlink_events);
	add_counter(counters, "resyncs", in->counters.resyncs);
	add_counter(counters, "overruns", in->counters.overruns);
	add_counter(counters, "evaluations", in->counters.evaluations);
	add_counter(counters, "devices-removed", in->counters.devices_removed);
	add_counter(counters, "files-quarantined", in->counters.files_quarantined);
	json_object_object_add(o, "counters", counters);

	json_object *netstate = json_object_new_object();
	(void)netstate_links(in->netstate, &n_links);
	add_counter(netstate, "links", n_links);
	add_counter(netstate, "routes-kept", netstate_routes_kept(in->netstate));
	add_counter(netstate, "routes-seen", netstate_routes_seen(in->netstate));
	json_object_object_add(o, "netstate", netstate);
	json_object_object_add(o, "phase", json_object_new_string(phase_to_string(v->phase.phase)));

	/* "stale": evaluation uses facts read at "read" because the read started at
	 * "reading-since" has not ended within its wait (a hung mount, a huge file). */
	json_object *host_files = json_object_new_object();
	const HostFilesStatus *h = &in->host_files;
	json_object_object_add(host_files, "stale", json_object_new_boolean(h->stale_since_usec));
	json_object_object_add(
	    host_files, "read",
	    h->read_usec ? json_object_new_string(timestamp_format(h->read_usec, ts)) : NULL);
	if (h->stale_since_usec)
		json_object_object_add(
		    host_files, "reading-since",
		    json_object_new_string(timestamp_format(h->stale_since_usec, ts)));
	json_object_object_add(o, "host-files", host_files);

	json_object *cilium = json_object_new_object();
	const char *mode = cilium_routing_mode_to_string(v->cilium_routing_mode);
	json_object_object_add(cilium, "routing-mode", mode ? json_object_new_string(mode) : NULL);
	json_object_object_add(
	    cilium, "source", json_object_new_string(v->cilium_source ? v->cilium_source : "none"));
	json_object_object_add(
	    cilium, "agent", json_object_new_string(v->cilium_agent ? v->cilium_agent : "absent"));
	json_object_object_add(cilium, "api",
			       json_object_new_string(v->cilium_api ? v->cilium_api : "not-asked"));
	json_object_object_add(o, "cilium", cilium);

	if (!config || !findings || !actions || !counters || !netstate || !host_files || !cilium)
		return -ENOMEM;
	*ret = TAKE_PTR(o);
	return 0;
}
