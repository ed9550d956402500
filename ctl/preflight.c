/* SPDX-License-Identifier: MIT */
/*
 * routeguardctl preflight: this node, evaluated once without a daemon, before Cilium is installed.
 * One dump of the current network namespace, the host's files, evaluate(), then the findings and
 * the Cilium Helm values that fit the node. Changes nothing.
 */
#include <string.h>
#include <time.h>

#include "checks.h"
#include "config.h"
#include "ctl.h"
#include "helmvalues.h"
#include "hostfacts.h"
#include "netstate.h"
#include "netstate-json.h"
#include "rtnl-dump.h"
#include "status.h"
#include "timeutil.h"
#include "version.h"

static int print_helm_values(const CtlOptions *o, const HelmValues *hv)
{
	_cleanup_free_ char *text = NULL;
	int r = helm_values_to_text(hv, 2, &text);
	if (r < 0)
		return r;
	printf("%sCilium Helm values for this node:%s\n%s", ctl_color(o, "\033[1m"),
	       ctl_color(o, "\033[0m"), text);
	return 0;
}

static void print_summary(const CtlOptions *o, const Config *c, const NetState *ns,
			  const HostFacts *h, const Verdict *v)
{
	if (v->ready)
		printf("%sREADY%s for Cilium native routing", ctl_color(o, "\033[1;32m"),
		       ctl_color(o, "\033[0m"));
	else
		printf("%sNOT READY%s for Cilium native routing", ctl_color(o, "\033[1;31m"),
		       ctl_color(o, "\033[0m"));
	printf(": %zu error%s, %zu warning%s\n\n", v->n_errors, v->n_errors == 1 ? "" : "s",
	       v->n_warnings, v->n_warnings == 1 ? "" : "s");
	const Link *native = v->native_ifindex ? netstate_link(ns, v->native_ifindex) : NULL;
	if (native)
		printf("  native device  %s (%s), MTU %u\n", native->name, v->native_device_how,
		       native->mtu);
	else
		printf("  native device  none found\n");
	if (c->n_peers)
		printf("  peers          %zu of %zu directly connected\n", v->n_peers_onlink,
		       c->n_peers);
	if (h->k3s->role == K3S_ROLE_NONE)
		printf("  K3s            not found (%s, units): K3s checks skipped\n",
		       c->k3s.config);
	else
		printf("  K3s            %s%s%s, flannel-backend %s\n",
		       k3s_role_to_string(h->k3s->role), h->k3s->role_source ? " per " : "",
		       h->k3s->role_source ? h->k3s->role_source : "",
		       k3sconfig_flannel_backend(h->k3s));
	const char *mode = cilium_routing_mode_to_string(v->cilium_routing_mode);
	printf("  Cilium         routing mode %s (source %s), agent %s, API %s\n",
	       mode ? mode : "unknown", v->cilium_source, v->cilium_agent, v->cilium_api);
	printf("  config         %s\n\n", c->path);
}

int verb_preflight(const CtlOptions *o, int argc, char **argv)
{
	_cleanup_(config_freep) Config *c = NULL;
	_cleanup_(netstate_freep) NetState *ns = NULL;
	_cleanup_(hostfacts_freep) HostFacts *h = NULL;
	_cleanup_(cilium_facts_freep) CiliumFacts *cilium = NULL;
	_cleanup_(verdict_freep) Verdict *v = NULL;
	_cleanup_(json_object_putp) json_object *status = NULL;
	const char *config_path = o->config_path ?: CONFIG_DEFAULT_PATH;
	ConfigError error = {};
	int r;

	if (config_load(config_path, &c, &error) < 0) {
		fprintf(stderr, "%s\n", error.text);
		return EXIT_USAGE;
	}
	if ((r = netstate_new(&ns)) < 0 ||
	    (r = netstate_set_route_filter(ns, &c->native_routing_cidr, 1, c->peers, c->n_peers)) <
		0 ||
	    (r = rtnl_dump_once(ns)) < 0) {
		fprintf(stderr, "routeguardctl: cannot read the kernel's links and routes: %s\n",
			strerror(-r));
		return EXIT_RUNTIME;
	}
	if ((r = hostfacts_load(c, o->debug_host_root, &h)) < 0) {
		fprintf(stderr, "routeguardctl: cannot read the host's configuration: %s\n",
			strerror(-r));
		return EXIT_RUNTIME;
	}
	/* Cilium as the node shows it: its configuration directory and logs, then its API */
	if ((r = cilium_facts_new(&cilium)) < 0 ||
	    (r = cilium_files_load(c->cilium.kubelet_pods_dir, c->cilium.pod_logs_dir, cilium)) <
		0 ||
	    (r = ctl_cilium_api_fetch(c->cilium.socket, cilium)) < 0) {
		fprintf(stderr, "routeguardctl: cannot read Cilium's state: %s\n", strerror(-r));
		return EXIT_RUNTIME;
	}
	h->cilium = cilium;
	uint64_t now = now_usec(CLOCK_REALTIME);
	History history = {.now_usec = now};
	if ((r = evaluate(c, ns, h, &history, &v)) < 0) {
		fprintf(stderr, "routeguardctl: evaluation failed: %s\n", strerror(-r));
		return EXIT_RUNTIME;
	}
	HelmValues hv;
	helm_values_compute(c, ns, h, v, &hv);
	StatusInput in = {
	    .version = ROUTEGUARD_VERSION,
	    .config = c,
	    .verdict = v,
	    .netstate = ns,
	    .now_usec = now,
	};
	if ((r = status_to_json(&in, &status)) < 0) {
		fprintf(stderr, "routeguardctl: %s\n", strerror(-r));
		return EXIT_RUNTIME;
	}
	if (o->json) {
		json_object_object_add(status, "helm-values", helm_values_to_json(&hv));
		ctl_print_json(status);
	} else {
		print_summary(o, c, ns, h, v);
		ctl_print_findings(o, status);
		if ((r = print_helm_values(o, &hv)) < 0) {
			fprintf(stderr, "routeguardctl: %s\n", strerror(-r));
			return EXIT_RUNTIME;
		}
	}
	return v->ready ? EXIT_READY : EXIT_NOT_READY;
}
