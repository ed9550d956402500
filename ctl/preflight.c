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
#include "firewall-read.h"
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

/* What preflight could read of the packet filter, for its summary. */
typedef struct FirewallRead {
	int nft;    /* 0, or the error */
	int legacy; /* tables read, or the error */
	const char *legacy_failed;
} FirewallRead;

/* The packet filter, read once: nf_tables by a dump, legacy xtables through libiptc (as root).
 * What cannot be read is said in the summary, and firewall-leftovers looks at what could. */
static Firewall *read_firewall(FirewallRead *ret)
{
	Firewall *fw = NULL;
	if (firewall_new(&fw) < 0)
		return NULL;
	ret->nft = firewall_nft_read(fw, NULL);
	ret->legacy = firewall_legacy_read(fw, &ret->legacy_failed);
	if (ret->nft < 0 && ret->legacy < 0)
		return firewall_free(fw);
	return fw;
}

static void print_firewall(const HostFacts *h, const FirewallRead *fr)
{
	size_t n_chains;
	firewall_chains(h->firewall, &n_chains);
	printf("  firewall       ");
	if (fr->nft < 0)
		printf("nf_tables not read (%s)", strerror(-fr->nft));
	else
		printf("nf_tables read");
	if (fr->legacy < 0)
		printf(", legacy xtables %s not read (%s)", fr->legacy_failed ?: "",
		       strerror(-fr->legacy));
	else
		printf(", %d legacy xtables table(s)", fr->legacy);
	printf("; %zu chain(s)\n", n_chains);
}

/* The backend as this node can know it: an agent's is the servers' (DESIGN.md §5). */
static const char *k3s_backend_text(const K3sConfig *k, char *buf, size_t size)
{
	if (k->role == K3S_ROLE_AGENT)
		return "decided by the servers";
	snprintf(buf, size, "%s (%s)", k3sconfig_flannel_backend(k),
		 k->flannel_backend.source ? k->flannel_backend.source : "K3s's default");
	return buf;
}

static void print_k3s(const K3sConfig *k)
{
	char backend[512];

	if (k->role == K3S_ROLE_NONE) {
		printf("  K3s            not found (no unit runs k3s server or agent, no config "
		       "file): K3s checks skipped\n");
	} else {
		printf("  K3s            %s%s%s\n", k3s_role_to_string(k->role),
		       k->role_source ? " per " : " (config files only)",
		       k->role_source ? k->role_source : "");
		printf("  flannel        %s\n", k3s_backend_text(k, backend, sizeof(backend)));
		if (k->cni_dir)
			printf("  containerd CNI %s (%s)\n", k->cni_dir, k->cni_dir_why);
		else if (k->role == K3S_ROLE_AGENT)
			printf("  containerd CNI unknown until K3s has started once (its "
			       "containerd config.toml is not there)\n");
	}
	if (k->report.n_sources == 0)
		return;
	printf("  K3s sources    in the order read:\n");
	for (size_t i = 0; i < k->report.n_sources; i++)
		printf("    %2zu. %s  (%s)\n", i + 1, k->report.sources[i].path,
		       k->report.sources[i].role);
}

static json_object *string_or_null(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

/* What preflight read of K3s, for scripts: the same as the text. */
static json_object *k3s_to_json(const K3sConfig *k)
{
	json_object *o = json_object_new_object(), *sources = json_object_new_array();

	if (!o || !sources) {
		json_object_put(o);
		json_object_put(sources);
		return NULL;
	}
	json_object_object_add(o, "role", json_object_new_string(k3s_role_to_string(k->role)));
	json_object_object_add(o, "role-source", string_or_null(k->role_source));
	json_object_object_add(o, "unit", string_or_null(k->unit));
	json_object_object_add(o, "flannel-backend",
			       k->role == K3S_ROLE_NONE
				   ? NULL
				   : json_object_new_string(k->role == K3S_ROLE_AGENT
								? "decided by the servers"
								: k3sconfig_flannel_backend(k)));
	json_object_object_add(
	    o, "flannel-backend-source",
	    k->role == K3S_ROLE_SERVER ? string_or_null(k->flannel_backend.source) : NULL);
	json_object_object_add(o, "config-file", string_or_null(k->config_file));
	json_object_object_add(o, "config-file-source", string_or_null(k->config_file_why));
	json_object_object_add(o, "containerd-cni-dir", string_or_null(k->cni_dir));
	json_object_object_add(o, "containerd-cni-dir-source", string_or_null(k->cni_dir_why));
	for (size_t i = 0; i < k->report.n_sources; i++) {
		json_object *s = json_object_new_object();
		json_object_object_add(s, "path",
				       json_object_new_string(k->report.sources[i].path));
		json_object_object_add(s, "read-as",
				       json_object_new_string(k->report.sources[i].role));
		json_object_array_add(sources, s);
	}
	json_object_object_add(o, "sources", sources);
	return o;
}

static void print_summary(const CtlOptions *o, const Config *c, const NetState *ns,
			  const HostFacts *h, const Verdict *v, const FirewallRead *fr)
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
	print_k3s(h->k3s);
	const char *mode = cilium_routing_mode_to_string(v->cilium_routing_mode);
	printf("  Cilium         routing mode %s (source %s), agent %s, API %s\n",
	       mode ? mode : "unknown", v->cilium_source, v->cilium_agent, v->cilium_api);
	print_firewall(h, fr);
	printf("  phase          %s\n", phase_to_string(v->phase.phase));
	if (v->phase.phase == PHASE_MIGRATING)
		printf("  migration step %s\n", migration_step_text(v->phase.step));
	printf("  config         %s\n\n", c->path);
}

int verb_preflight(const CtlOptions *o, int argc, char **argv)
{
	_cleanup_(config_freep) Config *c = NULL;
	_cleanup_(netstate_freep) NetState *ns = NULL;
	_cleanup_(hostfacts_freep) HostFacts *h = NULL;
	_cleanup_(cilium_facts_freep) CiliumFacts *cilium = NULL;
	_cleanup_(verdict_freep) Verdict *v = NULL;
	_cleanup_(firewall_freep) Firewall *fw = NULL;
	FirewallRead fr = {};
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
	if ((r = hostfacts_load(c, o->debug_host_root, NULL, &h)) < 0) {
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
	h->firewall = fw = read_firewall(&fr);
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
		json_object_object_add(status, "node-network-overlap",
				       helm_values_overlap_to_json(&hv));
		json_object_object_add(status, "k3s", k3s_to_json(h->k3s));
		ctl_print_json(status);
	} else {
		print_summary(o, c, ns, h, v, &fr);
		ctl_print_findings(o, status);
		if ((r = print_helm_values(o, &hv)) < 0) {
			fprintf(stderr, "routeguardctl: %s\n", strerror(-r));
			return EXIT_RUNTIME;
		}
	}
	return v->ready ? EXIT_READY : EXIT_NOT_READY;
}
