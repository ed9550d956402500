/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"

static void header(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* Every finding check with both severities, zeros included: a series that comes and goes would
 * make "absent" and "0" mean the same to an alert rule. Alerts are not findings: none of theirs. */
static void write_findings(FILE *f, const Verdict *v)
{
	size_t counts[_CHECK_MAX][2] = {};

	for (size_t i = 0; i < v->n_findings; i++) {
		const Finding *finding = &v->findings[i];
		if (check_info(finding->check))
			counts[finding->check][finding->severity == SEVERITY_ERROR]++;
	}
	for (CheckId id = 0; id < _CHECK_MAX; id++) {
		if (check_info(id)->kind != CHECK_KIND_FINDING)
			continue;
		/* error, then warning: the order since the first release */
		for (int s = SEVERITY_ERROR; s >= SEVERITY_WARNING; s--)
			fprintf(f, "routeguard_findings{check=\"%s\",severity=\"%s\"} %zu\n",
				check_to_string(id), severity_to_string((Severity)s),
				counts[id][s == SEVERITY_ERROR]);
	}
}

int metrics_render(const StatusInput *in, uint64_t last_evaluation_usec, char **ret)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	const Verdict *v = in->verdict;

	if (!f)
		return -ENOMEM;
	header(f, "routeguard_ready", "gauge",
	       "Whether the node is ready for Cilium native routing (no error finding open).");
	fprintf(f, "routeguard_ready %d\n", v->ready ? 1 : 0);

	header(f, "routeguard_findings", "gauge", "Open findings by check and severity.");
	write_findings(f, v);
	header(f, "routeguard_devices_removed_total", "counter", "Devices routeguard removed.");
	fprintf(f, "routeguard_devices_removed_total %llu\n",
		(unsigned long long)in->counters.devices_removed);
	header(f, "routeguard_files_quarantined_total", "counter",
	       "CNI configuration files routeguard moved to the quarantine directory.");
	fprintf(f, "routeguard_files_quarantined_total %llu\n",
		(unsigned long long)in->counters.files_quarantined);
	header(f, "routeguard_netlink_overruns_total", "counter",
	       "rtnetlink receive-buffer overruns (ENOBUFS); each leads to a resync.");
	fprintf(f, "routeguard_netlink_overruns_total %llu\n",
		(unsigned long long)in->counters.overruns);
	header(f, "routeguard_resyncs_total", "counter", "Full or partial rtnetlink resyncs.");
	fprintf(f, "routeguard_resyncs_total %llu\n", (unsigned long long)in->counters.resyncs);
	header(f, "routeguard_evaluations_total", "counter", "Evaluations of the node.");
	fprintf(f, "routeguard_evaluations_total %llu\n",
		(unsigned long long)in->counters.evaluations);
	header(f, "routeguard_last_evaluation_timestamp_seconds", "gauge",
	       "When the node was last evaluated, in seconds since the epoch.");
	fprintf(f, "routeguard_last_evaluation_timestamp_seconds %llu.%03llu\n",
		(unsigned long long)(last_evaluation_usec / 1000000),
		(unsigned long long)(last_evaluation_usec / 1000 % 1000));
	/* One series, as routeguard_info: the mode and where it was read, "unknown"/"none" when
	 * nothing shows Cilium. */
	header(f, "routeguard_cilium_routing_mode", "gauge",
	       "Cilium's routing mode on this node, and the source that shows it.");
	const char *mode = cilium_routing_mode_to_string(v->cilium_routing_mode);
	fprintf(f, "routeguard_cilium_routing_mode{mode=\"%s\",source=\"%s\"} 1\n",
		mode ? mode : "unknown", v->cilium_source ? v->cilium_source : "none");
	/* Every phase, the node's at 1: one series per phase keeps an absent phase a 0. */
	header(f, "routeguard_phase", "gauge",
	       "The node's phase in a Flannel-to-Cilium move; the current one is 1.");
	for (Phase p = PHASE_FLANNEL; p <= _PHASE_MAX; p++) {
		Phase shown = p == _PHASE_MAX ? PHASE_UNKNOWN : p; /* unknown listed last */
		fprintf(f, "routeguard_phase{phase=\"%s\"} %d\n", phase_to_string(shown),
			v->phase.phase == shown);
	}
	header(f, "routeguard_host_files_stale", "gauge",
	       "Whether evaluation uses host files read before, a newer read being overdue.");
	fprintf(f, "routeguard_host_files_stale %d\n", in->host_files.stale_since_usec ? 1 : 0);
	header(f, "routeguard_info", "gauge", "routeguard's version and mode.");
	fprintf(f, "routeguard_info{version=\"%s\",mode=\"%s\"} 1\n", in->version,
		mode_to_string(in->config->mode));
	if (fclose(f) != 0) {
		free(text);
		return -ENOMEM;
	}
	*ret = text;
	return 0;
}
