/* SPDX-License-Identifier: MIT */
/* The status view: what GetStatus, Monitor's first reply, the metrics and STATUS= show. */
#include <stdlib.h>
#include <systemd/sd-daemon.h>
#include <time.h>

#include "daemon-status.h"
#include "daemon.h"
#include "statustext.h"
#include "timeutil.h"
#include "version.h"

void daemon_status_changed(Daemon *d)
{
	free(d->status_reply);
	d->status_reply = NULL;
}

void daemon_status_input(Daemon *d, StatusInput *in)
{
	const MirrorCounters *k = mirror_counters(d->mirror);
	*in = (StatusInput){
	    .version = ROUTEGUARD_VERSION,
	    .config = d->config,
	    .verdict = d->verdict,
	    .netstate = d->netstate,
	    .since_usec = d->since,
	    .now_usec = now_usec(CLOCK_REALTIME),
	    .actions = d->actions.records,
	    .n_actions = d->actions.n,
	    .counters = d->counters,
	    .host_files = d->host_files,
	};
	in->counters.netlink_events = k->netlink_events;
	in->counters.resyncs = k->resyncs;
	in->counters.overruns = k->overruns;
}

int daemon_status(Daemon *d, json_object **ret)
{
	StatusInput in;
	Verdict empty = {.ready = false};

	daemon_status_input(d, &in);
	if (!d->verdict)
		in.verdict = &empty; /* before the first evaluation: not ready, no findings yet */
	return status_to_json(&in, ret);
}

void daemon_status_notify(Daemon *d)
{
	const MirrorCounters *k = mirror_counters(d->mirror);
	char status[STATUS_TEXT_MAX];
	StatusTextCounts counts = {
	    .routes_kept = netstate_routes_kept(d->netstate),
	    .routes_seen = netstate_routes_seen(d->netstate),
	    .overruns = k->overruns,
	    .resyncs = k->resyncs,
	};

	(void)netstate_links(d->netstate, &counts.links);
	status_text_format(d->verdict, &counts, status, sizeof(status));
	(void)sd_notifyf(false, "STATUS=%s", status);
}
