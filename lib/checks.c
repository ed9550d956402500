/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fnmatch.h>
#include <linux/rtnetlink.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "checks.h"
#include "protect.h"

typedef struct Evaluation {
	const Config *c;
	const NetState *ns;
	const HostFacts *h;
	const History *history;
	Verdict *v;
	size_t findings_allocated;
	int error; /* the first allocation failure; checks stop adding then */
} Evaluation;

const char *action_to_string(Action a)
{
	static const char *const names[] = {"none",    "removed", "quarantined",
					    "pending", "backoff", "failed"};
	return (size_t)a < ELEMENTSOF(names) ? names[a] : "none";
}

Verdict *verdict_free(Verdict *v)
{
	if (!v)
		return NULL;
	for (size_t i = 0; i < v->n_findings; i++) {
		free(v->findings[i].subject);
		free(v->findings[i].message);
		free(v->findings[i].remedy);
	}
	free(v->findings);
	free(v);
	return NULL;
}

static char *format(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *format(const char *fmt, ...)
{
	char *s = NULL;
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	return s;
}

/* Takes ownership of message and remedy (allocated with format()). The finding has its check's
 * default severity; a check whose severity depends on the configuration sets it after. */
static Finding *add(Evaluation *e, CheckId check, const char *subject, char *message, char *remedy)
{
	Verdict *v = e->v;
	char *subject_copy = strdup(subject);
	bool grown = !e->error && subject_copy && message && remedy &&
		     array_grow((void **)&v->findings, &e->findings_allocated, v->n_findings + 1,
				sizeof(Finding)) == 0;

	if (!grown) {
		free(subject_copy);
		free(message);
		free(remedy);
		e->error = -ENOMEM;
		return NULL;
	}
	Finding *f = &v->findings[v->n_findings++];
	*f = (Finding){
	    .check = check,
	    .severity = check_info(check)->severity,
	    .subject = subject_copy,
	    .message = message,
	    .remedy = remedy,
	};
	return f;
}

static const char *prefix_text(const Prefix *p, char buf[static PREFIX_STRLEN])
{
	return prefix_format(p, buf);
}

static const char *route_dst(const Route *r, char buf[static PREFIX_STRLEN])
{
	Prefix dst = {.family = r->family, .len = r->dst_len, .addr = r->dst};
	return prefix_format(&dst, buf);
}

/* ---- the native device ---- */

static void find_native_device(Evaluation *e)
{
	const Config *c = e->c;
	Verdict *v = e->v;
	const Link *link = NULL;

	if (strcmp(c->native_device, "auto") != 0) {
		link = netstate_link_by_name(e->ns, c->native_device);
		v->native_device_how = "configured";
	} else {
		for (size_t i = 0; !link && i < c->n_peers; i++) {
			const Route *r =
			    netstate_lookup(e->ns, c->peers[i].family, &c->peers[i].addr);
			if (r && r->n_nexthops > 0)
				link = netstate_link(e->ns, r->nexthops[0].ifindex);
			if (link && link_is_tunnel(link))
				link = NULL;
			v->native_device_how = "route to the first peer";
		}
		if (!link) {
			InAddr any = {};
			const Route *r = netstate_lookup(e->ns, AF_INET, &any);
			if (r && r->dst_len == 0 && r->n_nexthops > 0)
				link = netstate_link(e->ns, r->nexthops[0].ifindex);
			v->native_device_how = "default route";
		}
	}
	if (link) {
		snprintf(v->native_device, sizeof(v->native_device), "%s", link->name);
		v->native_ifindex = link->ifindex;
		return;
	}
	v->native_device_how = NULL;
	if (strcmp(c->native_device, "auto") != 0)
		add(e, CHECK_NATIVE_DEVICE_MISSING, c->native_device,
		    format("native-device %s does not exist on this node", c->native_device),
		    format("Set native-device in routeguard.yaml to the NIC of the node network "
			   "(ip -br link shows them), or to auto; "
			   "then Cilium's devices= Helm value to the same"));
	else
		add(e, CHECK_NATIVE_DEVICE_MISSING, "auto",
		    format("no native device found: no route to a peer and no IPv4 default route"),
		    format("Give the node a default route or list the other nodes' IPs in peers:, "
			   "or set native-device: to the NIC carrying node traffic"));
}

/* ---- devices ---- */

/* Removal stops; the remedy names the likely owner, which differs on an agent (DESIGN.md §5). */
static void add_device_recreated(Evaluation *e, const Link *l, size_t recent)
{
	const Config *c = e->c;
	bool agent = e->h->k3s && e->h->k3s->role == K3S_ROLE_AGENT;
	char *message, *remedy;

	message = format("%s came back after %zu removals within %llu s: "
			 "something keeps creating it; "
			 "routeguard stops removing it until the window passes",
			 l->name, recent,
			 (unsigned long long)(c->enforce.recreate_window_usec / 1000000));
	if (agent)
		remedy = format("Most likely the K3s servers still run Flannel "
				"(an agent's flannel-backend is decided by the servers): "
				"set flannel-backend: none in /etc/rancher/k3s/config.yaml "
				"on every server and restart k3s there (systemctl restart k3s), "
				"then k3s-agent here");
	else
		remedy = format("Most likely K3s still runs Flannel: "
				"set flannel-backend: none in /etc/rancher/k3s/config.yaml "
				"and run systemctl restart k3s (K3s only reads it at start)");
	add(e, CHECK_DEVICE_RECREATED, l->name, message, remedy);
}

static void check_flannel_device(Evaluation *e, const Link *l)
{
	const Config *c = e->c;
	size_t ports =
	    strcmp(l->kind, "bridge") == 0 ? netstate_bridge_ports(e->ns, l->ifindex) : 0;
	size_t recent =
	    history_recent_removals(e->history, l->name, c->enforce.recreate_window_usec);
	bool enforce = c->mode == MODE_ENFORCE;
	bool vxlan_8472 = l->tunnel.present && l->tunnel.dstport == 8472;
	char *message, *remedy;

	if (ports > 0)
		message = format("%s (%s) is Flannel's and conflicts with Cilium; "
				 "%zu pod(s) still attached to it",
				 l->name, l->kind, ports);
	else if (e->h->flannel_subnet_env)
		message = format("%s (%s%s) is Flannel's and conflicts with Cilium; "
				 "Flannel's state file %s is still there too",
				 l->name, l->kind[0] ? l->kind : "device",
				 vxlan_8472 ? ", UDP 8472 like cilium_vxlan" : "",
				 e->h->flannel_subnet_env);
	else
		message = format("%s (%s%s) is Flannel's and conflicts with Cilium", l->name,
				 l->kind[0] ? l->kind : "device",
				 vxlan_8472 ? ", UDP 8472 like cilium_vxlan" : "");
	if (enforce)
		remedy = format("routeguard removes it in enforce mode; by hand: ip link delete %s",
				l->name);
	else
		remedy =
		    format("Set mode: enforce in routeguard.yaml to remove it, "
			   "or run: ip link delete %s (after K3s runs with flannel-backend: none)",
			   l->name);
	Finding *f = add(e, CHECK_FLANNEL_DEVICE, l->name, message, remedy);
	if (!f)
		return;
	f->ifindex = l->ifindex;
	if (!enforce)
		return;
	if (recent >= c->enforce.recreate_count) {
		f->action = ACTION_BACKOFF;
		add_device_recreated(e, l, recent);
		return;
	}
	if (e->v->phase.phase == PHASE_MIGRATING) {
		/* Mid-migration, Flannel still carries this node's old pods and the traffic to
		 * the nodes not yet moved: removing its devices would cut them off. */
		f->action = ACTION_PENDING;
		free(f->remedy);
		f->remedy = format("The node is migrating to Cilium (%s): routeguard keeps %s "
				   "until the migration is over",
				   migration_step_text(e->v->phase.step), l->name);
		if (!f->remedy)
			e->error = -ENOMEM;
		return;
	}
	if (ports > 0 && c->enforce.bridge_with_ports == BRIDGE_WITH_PORTS_PENDING) {
		f->action = ACTION_PENDING;
		free(f->remedy);
		f->remedy = format(
		    "Drain the node (kubectl drain --ignore-daemonsets NODE) "
		    "so its pods move to Cilium; routeguard removes %s once it has no ports. "
		    "enforce.bridge-with-ports: remove removes it at once",
		    l->name);
		if (!f->remedy)
			e->error = -ENOMEM;
		return;
	}
	f->remediation = REMEDIATION_REMOVE_DEVICE;
}

static void add_tunnel_device(Evaluation *e, const Link *l)
{
	add(e, CHECK_TUNNEL_DEVICE, l->name,
	    format("%s is a %s tunnel (VNI %u, UDP %u) that is neither Cilium's "
		   "nor named by devices.remove; native routing expects no overlay",
		   l->name, l->kind, l->tunnel.vni, l->tunnel.dstport),
	    format("If it is yours, add it to devices.keep in routeguard.yaml; "
		   "if it is an overlay's leftover, delete it: ip link delete %s",
		   l->name));
}

static void check_devices(Evaluation *e)
{
	size_t n;
	const Link *const *links = netstate_links(e->ns, &n);

	for (size_t i = 0; i < n && !e->error; i++) {
		const Link *l = links[i];
		/* Cilium's own devices (its pods' lxc*, thousands of them) are never removed and no
		 * tunnel finding is about them: nothing below applies, so skip the rule matching.
		 */
		if (device_name_is_cilium(l->name))
			continue;
		const DeviceRule *rule = device_remove_rule(e->c, l);
		bool protected = device_protection(e->c, e->ns, l, e->v->native_ifindex) != NULL;

		if (rule && !protected) {
			check_flannel_device(e, l);
			continue;
		}
		if (device_is_cilium_overlay(l))
			continue; /* check_cilium() weighs it against better evidence */
		if ((strcmp(l->kind, "vxlan") == 0 || strcmp(l->kind, "geneve") == 0) &&
		    !device_name_is_cilium(l->name) && !device_in_keep(e->c, l->name))
			add_tunnel_device(e, l);
	}
}

/* ---- routes ---- */

typedef struct RouteWalk {
	Evaluation *e;
	const Route **pod_routes_via_gateway;
	size_t n;
	size_t allocated;
} RouteWalk;

static bool inside_native(const Config *c, const Route *r)
{
	Prefix dst = {.family = r->family, .len = r->dst_len, .addr = r->dst};
	return prefix_covers(&c->native_routing_cidr, &dst);
}

static void visit_route(const Route *r, void *userdata)
{
	RouteWalk *w = userdata;
	Evaluation *e = w->e;
	char dst[PREFIX_STRLEN];

	if (e->error || !inside_native(e->c, r) || r->type != RTN_UNICAST)
		return;
	for (size_t i = 0; i < r->n_nexthops; i++) {
		const Link *l = netstate_link(e->ns, r->nexthops[i].ifindex);
		if (!l)
			continue;
		if (link_is_tunnel(l)) {
			/* Formatted first: the order in which arguments are evaluated is
			 * unspecified. */
			route_dst(r, dst);
			add(e, CHECK_ROUTE_VIA_TUNNEL, dst,
			    format("the pod route %s goes through the tunnel device %s (%s), "
				   "not natively over the node network",
				   dst, l->name, l->kind),
			    format("Remove the tunnel's owner (for flannel.1: K3s with "
				   "flannel-backend: none, then ip link delete %s); "
				   "the kernel drops the route with its device",
				   l->name));
			return;
		}
		if (r->nexthops[i].gw_family && !device_name_is_cilium(l->name) &&
		    r->table == RT_TABLE_MAIN) {
			if (array_grow((void **)&w->pod_routes_via_gateway, &w->allocated, w->n + 1,
				       sizeof(*w->pod_routes_via_gateway)) < 0) {
				e->error = -ENOMEM;
				return;
			}
			w->pod_routes_via_gateway[w->n++] = r;
			return;
		}
	}
}

/* Whether addr is reached without a gateway, through the native device. */
static bool onlink_on_native(Evaluation *e, int family, const InAddr *addr)
{
	return netstate_connected_ifindex(e->ns, family, addr) == e->v->native_ifindex;
}

/* The model keeps counts of pod routes by their gateway's verdict: when they say no pod route can
 * be reported, the walk over every route is skipped, so an evaluation costs the same for 50 pod
 * routes as for 100k. */
static bool pod_routes_all_fine(const Evaluation *e)
{
	return netstate_native_is(e->ns, &e->c->native_routing_cidr) &&
	       netstate_pod_routes_via_tunnel(e->ns) == 0 &&
	       (e->v->native_ifindex == 0 ||
		netstate_pod_routes_off(e->ns, e->v->native_ifindex) == 0);
}

typedef struct GatewayVerdict {
	uint8_t family;
	InAddr gw;
	bool onlink;
} GatewayVerdict;

static bool gateway_onlink(Evaluation *e, const Nexthop *nh, GatewayVerdict *seen, size_t *n_seen,
			   size_t max)
{
	for (size_t i = 0; i < *n_seen; i++)
		if (seen[i].family == nh->gw_family &&
		    memcmp(&seen[i].gw, &nh->gw, sizeof(nh->gw)) == 0)
			return seen[i].onlink;
	bool onlink = onlink_on_native(e, nh->gw_family, &nh->gw);
	if (*n_seen < max)
		seen[(*n_seen)++] = (GatewayVerdict){nh->gw_family, nh->gw, onlink};
	return onlink;
}

static char *l3_remedy(const Evaluation *e)
{
	char cidr[PREFIX_STRLEN];
	prefix_text(&e->c->native_routing_cidr, cidr);
	if (e->c->expect.direct_node_routes)
		return format(
		    "The node network is routed (layer 3), as Hetzner Cloud networks are: "
		    "every peer is behind the gateway. "
		    "Install Cilium with autoDirectNodeRoutes=false and let the network "
		    "route %s (Hetzner: hcloud-cloud-controller-manager with its route "
		    "controller; elsewhere BGP), and set expect.direct-node-routes: false here. "
		    "autoDirectNodeRoutes=true needs all nodes on one layer-2 segment "
		    "(Hetzner Robot vSwitch)",
		    cidr);
	return format("Without autoDirectNodeRoutes the network must route %s to each node "
		      "(Hetzner: hcloud-cloud-controller-manager's route controller, or BGP)",
		      cidr);
}

/* Takes ownership of message. A layer-3 node network blocks readiness only when Cilium is to
 * install direct node routes (expect.direct-node-routes). */
static void add_not_onlink(Evaluation *e, const char *subject, char *message)
{
	Finding *f = add(e, CHECK_NEXTHOP_NOT_ONLINK, subject, message, l3_remedy(e));
	if (f && !e->c->expect.direct_node_routes)
		f->severity = SEVERITY_WARNING;
}

static void check_routes(Evaluation *e)
{
	RouteWalk w = {e, NULL, 0, 0};
	const Config *c = e->c;
	char buf[PREFIX_STRLEN], gw[INET6_ADDRSTRLEN];

	if (!pod_routes_all_fine(e))
		netstate_foreach_route(e->ns, visit_route, &w);
	if (e->v->native_ifindex == 0) {
		free(w.pod_routes_via_gateway);
		return; /* native-device-missing says it; on-link means nothing without a device */
	}
	for (size_t i = 0; i < c->n_peers && !e->error; i++) {
		const Prefix *p = &c->peers[i];
		if (onlink_on_native(e, p->family, &p->addr)) {
			e->v->n_peers_onlink++;
			continue;
		}
		inaddr_format(p->family, &p->addr, gw);
		add_not_onlink(
		    e, gw,
		    format("peer %s is not directly connected on %s: "
			   "it is reached through a gateway, so Cilium's autoDirectNodeRoutes "
			   "cannot install routes to its pods (\"route to destination contains "
			   "gateway, must be directly reachable\")",
			   gw, e->v->native_device));
	}
	/* Pod routes through a gateway that is not on-link: the same trap, seen in the table. A
	 * node may hold 100k pod routes through a handful of gateways: look each gateway up once.
	 */
	GatewayVerdict seen_gateways[64];
	size_t n_seen = 0;
	for (size_t i = 0; i < w.n && !e->error; i++) {
		const Route *r = w.pod_routes_via_gateway[i];
		const Nexthop *nh = &r->nexthops[0];
		if (gateway_onlink(e, nh, seen_gateways, &n_seen, ELEMENTSOF(seen_gateways)))
			continue;
		inaddr_format(nh->gw_family, &nh->gw, gw);
		route_dst(r, buf);
		add_not_onlink(e, buf,
			       format("the pod route %s goes via %s, "
				      "which is not directly connected on %s",
				      buf, gw, e->v->native_device));
	}
	free(w.pod_routes_via_gateway);
}

static void check_mtu(Evaluation *e)
{
	const Link *l = e->v->native_ifindex ? netstate_link(e->ns, e->v->native_ifindex) : NULL;

	if (!l || e->c->expect.mtu == 0 || l->mtu == e->c->expect.mtu)
		return;
	add(e, CHECK_MTU_MISMATCH, l->name,
	    format("%s has MTU %u, expected %u (expect.mtu)", l->name, l->mtu, e->c->expect.mtu),
	    format("Set Cilium's MTU Helm value to the NIC's "
		   "(Hetzner Cloud private networks 1450, vSwitch 1400), or correct expect.mtu; "
		   "pods with a larger MTU lose large packets"));
}

/* ---- host ---- */

/* The file K3s reads its settings from, for remedies: the one it really reads. */
static const char *k3s_file(const K3sConfig *k)
{
	return k->config_file ? k->config_file : "/etc/rancher/k3s/config.yaml";
}

/* Where a value was set ("FILE:LINE", "UNIT: ExecStart"), or that K3s's default applies. */
static char *k3s_where(const K3sValue *v)
{
	return v->source ? format("%s", v->source) : format("not set: K3s's default");
}

static void check_k3s_flannel(Evaluation *e, const K3sConfig *k)
{
	const char *backend = k3sconfig_flannel_backend(k);
	_cleanup_free_ char *where = k3s_where(&k->flannel_backend);

	if (strcmp(backend, "none") == 0)
		return;
	add(e, CHECK_K3S_FLANNEL_ENABLED, "flannel-backend",
	    format("K3s runs Flannel: flannel-backend is %s (%s); "
		   "it recreates flannel.1 and cni0 and keeps its routes",
		   backend, where ? where : "?"),
	    format("Set flannel-backend: none in %s and remove any other setting of it "
		   "(a flag in the unit's ExecStart= or a later config.yaml.d file wins), "
		   "then systemctl restart %s",
		   k3s_file(k), k->unit ? k->unit : "k3s"));
}

static const char *k3s_value(const K3sValue *v)
{
	return v->value ? v->value : "not set";
}

static void check_k3s_policy_and_proxy(Evaluation *e, const K3sConfig *k)
{
	_cleanup_free_ char *npc = k3s_where(&k->disable_network_policy);
	_cleanup_free_ char *proxy = k3s_where(&k->disable_kube_proxy);

	if (!k3s_value_is_true(&k->disable_network_policy))
		add(e, CHECK_K3S_NETWORK_POLICY_ENABLED, "disable-network-policy",
		    format("K3s runs its own network policy controller "
			   "(disable-network-policy is %s, %s); Cilium enforces policy itself",
			   k3s_value(&k->disable_network_policy), npc ? npc : "?"),
		    format("Set disable-network-policy: true in %s, "
			   "then systemctl restart %s",
			   k3s_file(k), k->unit ? k->unit : "k3s"));
	if (e->c->expect.kube_proxy_replacement && !k3s_value_is_true(&k->disable_kube_proxy))
		add(e, CHECK_K3S_KUBE_PROXY_ENABLED, "disable-kube-proxy",
		    format("K3s runs kube-proxy (disable-kube-proxy is %s, %s) "
			   "while Cilium is to replace it (expect.kube-proxy-replacement)",
			   k3s_value(&k->disable_kube_proxy), proxy ? proxy : "?"),
		    format("Set disable-kube-proxy: true in %s "
			   "and restart %s; install Cilium with kubeProxyReplacement=true "
			   "(strict is deprecated since 1.14), k8sServiceHost and k8sServicePort "
			   "set",
			   k3s_file(k), k->unit ? k->unit : "k3s"));
}

static void check_cluster_cidr(Evaluation *e, const K3sConfig *k)
{
	char cidr[PREFIX_STRLEN], k3s_cidr[PREFIX_STRLEN];
	Prefix cluster;

	prefix_text(&e->c->native_routing_cidr, cidr);
	if (k3sconfig_cluster_cidr4(k, &cluster) < 0) {
		add(e, CHECK_CLUSTER_CIDR_MISMATCH, "cluster-cidr",
		    format("K3s cluster-cidr '%s' has no IPv4 CIDR", k->cluster_cidr.value),
		    format("Set cluster-cidr: to the pod CIDR, e.g. %s", cidr));
		return;
	}
	if (prefix_covers(&e->c->native_routing_cidr, &cluster))
		return;
	prefix_text(&cluster, k3s_cidr);
	Finding *f =
	    add(e, CHECK_CLUSTER_CIDR_MISMATCH, "cluster-cidr",
		format("K3s gives pods addresses from %s (%s), outside native-routing-cidr %s: "
		       "their traffic would be masqueraded or dropped",
		       k3s_cidr,
		       k->cluster_cidr.source ? k->cluster_cidr.source : "the K3s default", cidr),
		format("Make them agree: native-routing-cidr in routeguard.yaml and "
		       "ipv4NativeRoutingCIDR in Cilium's values, "
		       "or cluster-cidr in K3s (which cannot change on a running cluster)"));
	/* The migration guide gives Cilium's pods a new CIDR of their own on purpose. */
	if (f && e->v->phase.phase == PHASE_MIGRATING)
		f->severity = SEVERITY_WARNING;
}

static void check_k3s(Evaluation *e)
{
	const K3sConfig *k = e->h->k3s;

	if (!k)
		return;
	e->v->k3s_role = k->role;
	for (size_t i = 0; i < k3sconfig_n_problems(k) && !e->error; i++) {
		const K3sProblem *p = k3sconfig_problem(k, i);
		Finding *f =
		    add(e, CHECK_K3S_CONFIG_INVALID, p->path,
			format("%s%s",
			       p->warning ? "K3s ignores part of its configuration: "
					  : "K3s configuration is invalid: ",
			       p->message),
			format(p->warning ? "Fix it where it is set, so that the file says "
					    "what K3s does, then run routeguardctl "
					    "preflight again"
					  : "Fix it where it is set (K3s or systemd refuses "
					    "it as well), then run routeguardctl preflight "
					    "again"));
		/* What K3s only ignores does not block readiness by itself. */
		if (f && p->warning)
			f->severity = SEVERITY_WARNING;
	}
	/* Flannel, network policy and kube-proxy are server flags: agents take them from the
	 * servers. */
	if (k->role != K3S_ROLE_SERVER)
		return;
	check_k3s_flannel(e, k);
	check_k3s_policy_and_proxy(e, k);
	check_cluster_cidr(e, k);
}

/* Whether a CNI file sits in the directory containerd is known not to read; a directory of
 * cni.conf-dirs that is neither /etc/cni/net.d nor K3s's own cannot be judged. */
static bool cni_dir_unread(const K3sConfig *k, const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!k || !k->cni_unread_dir_host || !slash)
		return false;
	size_t n = strlen(k->cni_unread_dir_host);
	while (n > 1 && k->cni_unread_dir_host[n - 1] == '/')
		n--;
	return (size_t)(slash - path) == n && strncmp(path, k->cni_unread_dir_host, n) == 0;
}

static void check_cni_files(Evaluation *e)
{
	const HostFacts *h = e->h;
	const char *quarantine_dir = e->c->cni.quarantine_dir;
	bool enforce = e->c->mode == MODE_ENFORCE;

	for (size_t i = 0; i < h->n_cni_files && !e->error; i++) {
		const CniFile *f = &h->cni_files[i];
		char *message, *remedy;

		if (f->is_cilium)
			continue;
		bool unread = cni_dir_unread(h->k3s, f->path);
		if (unread)
			message =
			    format("%s is a leftover %s in a directory containerd does not "
				   "read: it reads %s (%s)",
				   f->path, f->error ? "file" : "non-Cilium CNI configuration",
				   h->k3s->cni_dir, h->k3s->cni_dir_why);
		else if (f->error)
			message = format("%s is not a valid CNI configuration (%s) "
					 "in a directory containerd reads",
					 f->path, f->error);
		else
			message = format("%s is a non-Cilium CNI configuration (%s%s) "
					 "that containerd may pick before Cilium's",
					 f->path, f->n_plugin_types ? f->plugin_types[0] : "?",
					 f->n_plugin_types > 1 ? ", …" : "");
		if (enforce)
			remedy =
			    format("routeguard moves it to %s in enforce mode (never deletes it)",
				   quarantine_dir);
		else
			remedy = format("Move it out of the directory: mv %s %s/ "
					"(mode: enforce does this)",
					f->path, quarantine_dir);
		Finding *fi = add(e, CHECK_CNI_CONFLIST_CONFLICT, f->path, message, remedy);
		if (fi && enforce)
			fi->remediation = REMEDIATION_QUARANTINE_FILE;
		/* Harmless until K3s's CNI directory is read again (Flannel back on). */
		if (fi && unread)
			fi->severity = SEVERITY_WARNING;
	}
}

static void check_sysctl_and_networkd(Evaluation *e)
{
	const HostFacts *h = e->h;
	const char *what;

	if (h->ip_forward == 0)
		add(e, CHECK_IP_FORWARD_DISABLED, "net.ipv4.ip_forward",
		    format("IPv4 forwarding is off in this network namespace: "
			   "the node drops routed pod traffic"),
		    format("sysctl -w net.ipv4.ip_forward=1, and make it stick: "
			   "echo net.ipv4.ip_forward=1 > /etc/sysctl.d/90-routeguard.conf"));
	if (!h->networkd_running || !(h->manage_foreign_routes || h->manage_foreign_rules))
		return;
	if (h->manage_foreign_routes && h->manage_foreign_rules)
		what = "routes and routing policy rules";
	else
		what = h->manage_foreign_routes ? "routes" : "routing policy rules";
	add(e, CHECK_NETWORKD_FOREIGN_ROUTES, h->networkd_source,
	    format("systemd-networkd manages foreign %s (its default): "
		   "it deletes routes Cilium installs",
		   what),
	    format(
		"Put ManageForeignRoutes=no and ManageForeignRoutingPolicyRules=no under [Network] "
		"in /etc/systemd/networkd.conf.d/routeguard.conf, "
		"then systemctl restart systemd-networkd"));
}

/* ---- leftovers: VXLAN ports, packet-filter chains, IPAM reservations (issue 11) ---- */

/* The kernel's VXLAN sockets bind the wildcard address whatever `local` says, and devices share a
 * port only with the same receive flags: a plain device and an external (collect-metadata) one,
 * as Cilium's, cannot both be up on one port. So judge by port and flags, not name or address. */
/* The first letters first: this runs over every link, thousands of veths on a busy node. */
static bool is_vxlan(const Link *l)
{
	return l->kind[0] == 'v' && l->kind[1] == 'x' && strcmp(l->kind, "vxlan") == 0;
}

static void check_vxlan_ports(Evaluation *e)
{
	size_t n;
	const Link *const *links = netstate_links(e->ns, &n);

	for (size_t i = 0; i < n && !e->error; i++) {
		const Link *l = links[i];
		if (!is_vxlan(l) || l->tunnel.external)
			continue;
		for (size_t j = 0; j < n; j++) {
			const Link *m = links[j];
			if (!is_vxlan(m) || !m->tunnel.external ||
			    m->tunnel.dstport != l->tunnel.dstport)
				continue;
			add(e, CHECK_VXLAN_PORT_CONFLICT, l->name,
			    format("%s and %s are both VXLAN devices on UDP port %u: only one of "
				   "them can be up, and Cilium fails with \"address already in "
				   "use\" while %s holds the port",
				   l->name, m->name, l->tunnel.dstport, l->name),
			    format("Remove %s (for flannel.1: K3s with flannel-backend: none, then "
				   "ip link delete %s), or give Cilium a port of its own "
				   "(tunnelPort=8473, as the migration guide does), "
				   "or use routingMode=native",
				   l->name, l->name));
			break;
		}
	}
}

typedef struct ChainGroup {
	char subject[FW_NAME_MAX * 2 + 2];
	FwOwner owner;
	Severity severity;
	bool whole_table;
	const FwChain *first; /* names the table and chain for the words and the globs */
	size_t jumps;
	size_t chains;
	uint32_t where; /* bit (backend * 8 + family slot) per place it was seen */
} ChainGroup;

static const uint8_t FAMILY_SLOTS[] = {2, 10, 1, 3, 7, 5}; /* ip ip6 inet arp bridge netdev */

static unsigned family_slot(uint8_t family)
{
	for (unsigned i = 0; i < ELEMENTSOF(FAMILY_SLOTS); i++)
		if (FAMILY_SLOTS[i] == family)
			return i;
	return ELEMENTSOF(FAMILY_SLOTS);
}

/* "nf_tables ip, ip6; legacy xtables ip" */
static void format_where(uint32_t where, char *buf, size_t size)
{
	size_t used = 0;

	buf[0] = '\0';
	for (int b = 0; b < _FW_BACKEND_MAX; b++) {
		char families[64] = "";
		size_t n = 0;
		for (unsigned slot = 0; slot <= ELEMENTSOF(FAMILY_SLOTS); slot++) {
			if (!(where & (1u << (b * 8 + slot))))
				continue;
			int k = snprintf(families + n, sizeof(families) - n, "%s%s", n ? ", " : "",
					 slot < ELEMENTSOF(FAMILY_SLOTS)
					     ? fw_family_to_string(FAMILY_SLOTS[slot])
					     : "other");
			if (k > 0 && (size_t)k < sizeof(families) - n)
				n += (size_t)k;
		}
		if (!n)
			continue;
		int k = snprintf(buf + used, size - used, "%s%s %s", used ? "; " : "",
				 fw_backend_to_string((FwBackend)b), families);
		if (k > 0 && (size_t)k < size - used)
			used += (size_t)k;
	}
}

/* Whether Flannel still runs on this node: its devices are in use, or K3s starts it. */
static bool flannel_runs(const Evaluation *e)
{
	const K3sConfig *k = e->h->k3s;
	Phase p = e->v->phase.phase;
	if (p == PHASE_FLANNEL || p == PHASE_MIGRATING)
		return true;
	return k && k->role == K3S_ROLE_SERVER && strcmp(k3sconfig_flannel_backend(k), "none") != 0;
}

/*
 * Whether a tool's chains are leftovers here, and how bad: 1 error, 0 warning, -1 not a leftover.
 * kube-router's and kube-proxy's depend on server flags: on an agent (or without K3s) routeguard
 * cannot tell whether the servers turned them off, so they are warnings there.
 */
static int leftover_severity(const Evaluation *e, FwOwner owner)
{
	const K3sConfig *k = e->h->k3s;
	bool server = k && k->role == K3S_ROLE_SERVER;

	switch (owner) {
	case FW_OWNER_FLANNEL:
		return flannel_runs(e) ? -1 : 1;
	case FW_OWNER_KUBE_ROUTER:
		if (!server)
			return 0;
		return k3s_value_is_true(&k->disable_network_policy) ? 1 : -1;
	case FW_OWNER_KUBE_PROXY:
		if (!e->c->expect.kube_proxy_replacement)
			return -1;
		if (!server)
			return 0;
		return k3s_value_is_true(&k->disable_kube_proxy) ? 1 : -1;
	case FW_OWNER_PORTMAP:
		/* K3s's Flannel conflist chains portmap: its chains are Flannel-era ones. */
		return flannel_runs(e) ? -1 : 0;
	default:
		return -1;
	}
}

/* By subject; one subject's chains (families, backends) in a fixed order, so the first one, whose
 * table and backend the remedy names, is always the same. */
static int compare_groups(const void *pa, const void *pb)
{
	const ChainGroup *a = pa, *b = pb;
	int d = strcmp(a->subject, b->subject);
	if (d)
		return d;
	if (a->first->backend != b->first->backend)
		return (int)a->first->backend - (int)b->first->backend;
	return (int)a->first->family - (int)b->first->family;
}

/* The glob of firewall.remove that names this chain (or native table), or NULL. */
static const char *firewall_remove_glob(const Config *c, const char *name)
{
	for (size_t i = 0; i < c->firewall.remove.n; i++)
		if (fnmatch(c->firewall.remove.items[i], name, 0) == 0)
			return c->firewall.remove.items[i];
	return NULL;
}

static const char *iptables_command(const FwChain *ch)
{
	bool v6 = ch->family == 10;
	if (ch->backend == FW_BACKEND_LEGACY)
		return v6 ? "ip6tables-legacy" : "iptables-legacy";
	return v6 ? "ip6tables-nft" : "iptables-nft";
}

/* The length of a glob's literal part for a remedy's example: FLANNEL-, KUBE-ROUTER-, CNI-. */
static int glob_example_length(const char *chain)
{
	size_t skip = strncmp(chain, "KUBE-", 5) == 0 ? 5 : 0;
	return (int)(skip + strcspn(chain + skip, "-_") + 1);
}

static void add_chain_group(Evaluation *e, const ChainGroup *g)
{
	const FwChain *ch = g->first;
	const char *target = g->whole_table ? ch->table : ch->name;
	const char *glob = firewall_remove_glob(e->c, target);
	bool enforce = e->c->mode == MODE_ENFORCE && glob;
	char where[160], *message, *remedy;

	format_where(g->where, where, sizeof(where));
	if (g->whole_table)
		message = format("%s nftables table %s %s (%zu chain(s)) remains in %s",
				 fw_owner_to_string(g->owner), fw_family_to_string(ch->family),
				 ch->table, g->chains, where);
	else
		message =
		    format("%s chain %s remains in table %s (%s); %zu rule(s) jump to it",
			   fw_owner_to_string(g->owner), ch->name, ch->table, where, g->jumps);
	if (enforce && g->whole_table)
		remedy = format("routeguard deletes the table in one transaction "
				"(firewall.remove matches %s)",
				glob);
	else if (enforce)
		remedy = format("routeguard deletes the chain and the %zu rule(s) jumping to it "
				"in one transaction (firewall.remove matches %s)",
				g->jumps, glob);
	else if (g->whole_table)
		remedy = format("Add %s to firewall.remove with mode: enforce, or by hand: "
				"nft delete table %s %s",
				ch->table, fw_family_to_string(ch->family), ch->table);
	else
		remedy = format("Add a glob for it (e.g. %.*s*) to firewall.remove with mode: "
				"enforce, or by hand: delete the rules jumping to it "
				"(%s -t %s -S | grep -e '-[jg] %s$'), then "
				"%s -t %s -F %s and %s -t %s -X %s",
				glob_example_length(ch->name), ch->name, iptables_command(ch),
				ch->table, ch->name, iptables_command(ch), ch->table, ch->name,
				iptables_command(ch), ch->table, ch->name);
	Finding *f = add(e, CHECK_FIREWALL_LEFTOVERS, g->subject, message, remedy);
	if (!f)
		return;
	f->severity = g->severity;
	if (!enforce)
		return;
	/* Chains that come back fall under the recreate limit as devices do. */
	size_t recent =
	    history_recent_removals(e->history, g->subject, e->c->enforce.recreate_window_usec);
	if (recent >= e->c->enforce.recreate_count) {
		f->action = ACTION_BACKOFF;
		free(f->remedy);
		f->remedy =
		    format("%s came back after %zu removals within %llu s: what writes "
			   "%s chains still runs and recreates it; routeguard stops "
			   "removing it until the window passes. Stop that first",
			   target, recent,
			   (unsigned long long)(e->c->enforce.recreate_window_usec / 1000000),
			   fw_owner_to_string(g->owner));
		if (!f->remedy)
			e->error = -ENOMEM;
		return;
	}
	f->remediation = REMEDIATION_REMOVE_CHAIN;
}

static void check_firewall(Evaluation *e)
{
	size_t n, n_groups = 0, allocated = 0;
	const FwChain *chains = firewall_chains(e->h->firewall, &n);
	ChainGroup *groups = NULL;

	/* One group per leftover chain, then sorted and merged by subject: a kube-proxy node has
	 * thousands, and a search per chain would be quadratic. */
	for (size_t i = 0; i < n && !e->error; i++) {
		const FwChain *ch = &chains[i];
		bool xtables = ch->backend == FW_BACKEND_LEGACY ||
			       firewall_table_is_xtables(ch->family, ch->table);
		FwOwner owner = xtables
				    ? (ch->base ? FW_OWNER_NONE : firewall_chain_owner(ch->name))
				    : firewall_table_owner(ch->table);
		int severity = leftover_severity(e, owner);
		if (severity < 0)
			continue;
		if (array_grow((void **)&groups, &allocated, n_groups + 1, sizeof(ChainGroup)) <
		    0) {
			e->error = -ENOMEM;
			break;
		}
		ChainGroup *g = &groups[n_groups++];
		*g = (ChainGroup){
		    .owner = owner,
		    .severity = severity ? SEVERITY_ERROR : SEVERITY_WARNING,
		    .whole_table = !xtables,
		    .first = ch,
		    .jumps = xtables ? firewall_jumps_to(e->h->firewall, ch) : 0,
		    .chains = 1,
		    .where = 1u << (ch->backend * 8 + family_slot(ch->family)),
		};
		/* A native table is one leftover, whatever its chains: subject "TABLE/" + "*". */
		snprintf(g->subject, sizeof(g->subject), "%s/%s", ch->table,
			 xtables ? ch->name : "*");
	}
	if (n_groups > 1)
		qsort(groups, n_groups, sizeof(ChainGroup), compare_groups);
	size_t merged = 0;
	for (size_t i = 0; i < n_groups; i++) {
		if (merged > 0 && strcmp(groups[merged - 1].subject, groups[i].subject) == 0) {
			ChainGroup *g = &groups[merged - 1];
			g->chains += groups[i].chains;
			g->jumps += groups[i].jumps;
			g->where |= groups[i].where;
			continue;
		}
		groups[merged++] = groups[i];
	}
	for (size_t i = 0; i < merged && !e->error; i++)
		add_chain_group(e, &groups[i]);
	free(groups);
}

static void check_cni_ipam(Evaluation *e)
{
	const HostFacts *h = e->h;
	bool enforce = e->c->mode == MODE_ENFORCE;

	for (size_t i = 0; i < h->n_cni_networks && !e->error; i++) {
		const CniNetwork *net = &h->cni_networks[i];
		const char *bridge = cni_network_bridge(net->name);
		if (net->n_reservations == 0 || !bridge || netstate_link_by_name(e->ns, bridge))
			continue;
		Finding *f = add(
		    e, CHECK_CNI_IPAM_LEFTOVERS, net->dir,
		    format("%zu IP reservation(s) of the CNI network %s remain in %s, "
			   "but its bridge %s is gone",
			   net->n_reservations, net->name, net->dir, bridge),
		    enforce ? format("routeguard moves %s to %s in enforce mode (never deletes it)",
				     net->dir, e->c->cni.quarantine_dir)
			    : format("Move it out of the way: mv %s %s/ (mode: enforce does this); "
				     "if the network comes back, its IPAM starts afresh",
				     net->dir, e->c->cni.quarantine_dir));
		if (f && enforce)
			f->remediation = REMEDIATION_QUARANTINE_FILE;
	}
}

static void check_leftovers(Evaluation *e)
{
	check_vxlan_ports(e);
	if (e->h->firewall)
		check_firewall(e);
	check_cni_ipam(e);
}

/* ---- Cilium, as its agent, its configuration and its logs show it ---- */

/* The ipv4NativeRoutingCIDR to recommend: K3s's cluster-cidr when known, else ours. */
static const char *cilium_native_cidr(const Evaluation *e, char buf[static PREFIX_STRLEN])
{
	Prefix cluster;
	const K3sConfig *k = e->h->k3s;
	if (k && k->role != K3S_ROLE_NONE && k3sconfig_cluster_cidr4(k, &cluster) == 0)
		return prefix_format(&cluster, buf);
	return prefix_format(&e->c->native_routing_cidr, buf);
}

/* Why Cilium is in tunnel mode, as precisely as the configuration says. A tunnel key is blamed
 * only when one is seen: a node installed in tunnel mode on purpose (hetzner-k3s does so by
 * default) has nothing to do with Cilium 1.15. */
static char *tunnel_mode_why(const CiliumConfigView *cfg)
{
	if (cfg && cfg->tunnel && !cfg->routing_mode)
		return format("the configuration has tunnel: %s but no routing-mode. Cilium 1.15 "
			      "removed tunnel: "
			      "the 1.15.3 chart dropped the Helm value without a word (Helm "
			      "ignores values no "
			      "template reads), later charts refuse it (\"tunnel was deprecated in "
			      "v1.14 and has "
			      "been removed in v1.15\"), and the agent ignores the key in "
			      "cilium-config; with "
			      "routing-mode unset Cilium runs in tunnel mode",
			      cfg->tunnel);
	if (cfg && cfg->tunnel)
		return format("routing-mode is %s; the tunnel: %s key beside it is ignored since "
			      "Cilium 1.15",
			      cfg->routing_mode, cfg->tunnel);
	if (cfg && !cfg->routing_mode)
		return format("routing-mode is not set, and Cilium's default is tunnel");
	return format("Cilium runs in tunnel mode; native routing is intended here");
}

static char *tunnel_mode_remedy(const Evaluation *e, const CiliumConfigView *cfg)
{
	char cidr[PREFIX_STRLEN];
	cilium_native_cidr(e, cidr);
	return format(
	    "Set routingMode: native and ipv4NativeRoutingCIDR: %s in Cilium's Helm values "
	    "(helm upgrade cilium cilium/cilium -n kube-system --reuse-values "
	    "--set routingMode=native --set ipv4NativeRoutingCIDR=%s)%s; "
	    "Cilium deletes its tunnel device itself once it runs in native mode",
	    cidr, cidr,
	    cfg && cfg->tunnel ? ", and drop the tunnel value (and the tunnel key, "
				 "if cilium-config was edited by hand)"
			       : "");
}

static void add_tunnel_mode(Evaluation *e, const char *subject, const char *what,
			    const CiliumConfigView *cfg)
{
	_cleanup_free_ char *why = tunnel_mode_why(cfg);
	if (!why) {
		e->error = -ENOMEM;
		return;
	}
	Finding *f = add(e, CHECK_CILIUM_TUNNEL_MODE, subject, format("%s: %s", what, why),
			 tunnel_mode_remedy(e, cfg));
	/* The migration guide runs Cilium in tunnel mode on purpose until every node moved. */
	if (f && e->v->phase.phase == PHASE_MIGRATING)
		f->severity = SEVERITY_WARNING;
}

static void summarize_cilium(Evaluation *e, const CiliumFacts *cf, const Link *tunnel)
{
	Verdict *v = e->v;
	bool cilium_host = netstate_link_by_name(e->ns, "cilium_host") != NULL;
	v->cilium_api = "not-asked";
	if (cf && cf->reach != CILIUM_AGENT_NOT_ASKED)
		v->cilium_api = cf->reach == CILIUM_AGENT_REACHED ? "reachable" : "unreachable";
	v->cilium_agent = "absent";
	if (cf && cf->reach == CILIUM_AGENT_REACHED)
		v->cilium_agent = "running";
	else if (cf && cf->fatal.info)
		v->cilium_agent = "failing";
	v->cilium_source = "none";
	v->cilium_routing_mode = CILIUM_ROUTING_UNKNOWN;
	if (cf && cf->reach == CILIUM_AGENT_REACHED && cf->agent.routing_mode) {
		v->cilium_source = "agent";
		v->cilium_routing_mode = cf->agent.routing_mode;
	} else if (cf && cf->have_config) {
		v->cilium_source = "config-map";
		v->cilium_routing_mode = cilium_config_routing_mode(&cf->config);
	} else if (tunnel || cilium_host) {
		/* Cilium creates cilium_host in both modes, its tunnel device only in tunnel mode
		 */
		v->cilium_source = "devices";
		v->cilium_routing_mode = tunnel ? CILIUM_ROUTING_TUNNEL : CILIUM_ROUTING_NATIVE;
	}
}

static void check_cilium_tunnel_mode(Evaluation *e, const CiliumFacts *cf, const Link *tunnel)
{
	const CiliumConfigView *cfg = cf && cf->have_config ? &cf->config : NULL;
	bool agent_knows = cf && cf->reach == CILIUM_AGENT_REACHED && cf->agent.routing_mode;

	if (agent_knows && cf->agent.routing_mode == CILIUM_ROUTING_TUNNEL)
		add_tunnel_mode(e, "cilium-agent",
				"the running Cilium agent reports tunnel routing", cfg);
	if (cfg && cilium_config_routing_mode(cfg) == CILIUM_ROUTING_TUNNEL)
		add_tunnel_mode(e, "routing-mode",
				"cilium-config, as the agent reads it, asks for tunnel mode", cfg);
	if (tunnel && !agent_knows && !cfg) {
		_cleanup_free_ char *what = format("%s exists", tunnel->name);
		if (what)
			add_tunnel_mode(e, tunnel->name, what, NULL);
		else
			e->error = -ENOMEM;
	}
}

static void check_cilium_agent_failing(Evaluation *e, const CiliumFacts *cf)
{
	const CiliumFatal *f = &cf->fatal;
	const CiliumConfigView *cfg = cf->have_config ? &cf->config : NULL;

	if (!f->info || cf->reach == CILIUM_AGENT_REACHED)
		return;
	add(e, CHECK_CILIUM_AGENT_FAILING, "cilium-agent",
	    format("the Cilium agent's newest log (%s) ends in a known fatal line: \"%s\" (%s)",
		   f->path ? f->path : "?", f->line, f->info->what),
	    format(
		"%s%s", f->info->remedy,
		cfg && cfg->tunnel && !cfg->routing_mode
		    ? ". cilium-config has a tunnel key but no routing-mode: that key is ignored "
		      "since Cilium 1.15"
		    : ""));
}

/* The Cilium keys to compare with the node: the configuration directory's, else the agent's. */
typedef struct CiliumKeys {
	const char *where;
	CiliumRoutingMode mode;
	const char *native_cidr;
	int auto_direct_node_routes; /* -1 unknown */
	const char *devices;	     /* the key's text, space- or comma-separated */
	char *const *device_list;    /* or the agent's list */
	size_t n_device_list;
	uint32_t mtu;
	const char *kube_proxy_replacement; /* NULL: Cilium's default, false */
	const char *ipam;		    /* NULL: Cilium's default, cluster-pool */
} CiliumKeys;

static bool cilium_keys(const CiliumFacts *cf, CiliumKeys *ret)
{
	if (cf->have_config) {
		const CiliumConfigView *c = &cf->config;
		int adr = -1;
		if (c->auto_direct_node_routes)
			adr = strcmp(c->auto_direct_node_routes, "true") == 0;
		*ret = (CiliumKeys){
		    .where = "cilium-config",
		    .mode = cilium_config_routing_mode(c),
		    .native_cidr = c->ipv4_native_routing_cidr && c->ipv4_native_routing_cidr[0]
				       ? c->ipv4_native_routing_cidr
				       : NULL,
		    .auto_direct_node_routes = adr,
		    .devices = c->devices && c->devices[0] ? c->devices : NULL,
		    .mtu = c->mtu ? (uint32_t)strtoul(c->mtu, NULL, 10) : 0,
		    .kube_proxy_replacement = c->kube_proxy_replacement,
		    .ipam = c->ipam,
		};
		return true;
	}
	if (cf->reach == CILIUM_AGENT_REACHED && cf->agent.config) {
		const CiliumAgentView *a = &cf->agent;
		*ret = (CiliumKeys){
		    .where = "the agent's /v1/config",
		    .mode = a->routing_mode,
		    .native_cidr = a->native_routing_cidr,
		    .auto_direct_node_routes = a->auto_direct_node_routes,
		    .device_list = a->devices,
		    .n_device_list = a->n_devices,
		    .mtu = a->mtu,
		    .kube_proxy_replacement =
			a->kube_proxy_replacement ? a->kube_proxy_replacement : "false",
		    .ipam = a->ipam,
		};
		return true;
	}
	return false;
}

/* Cilium's devices entries: names, or a prefix ending in '+' (enp+). */
static bool device_entry_matches(const char *entry, size_t len, const char *name)
{
	if (len > 0 && entry[len - 1] == '+')
		return strncmp(entry, name, len - 1) == 0;
	return strlen(name) == len && strncmp(entry, name, len) == 0;
}

static bool devices_include(const CiliumKeys *k, const char *name)
{
	for (size_t i = 0; i < k->n_device_list; i++)
		if (device_entry_matches(k->device_list[i], strlen(k->device_list[i]), name))
			return true;
	for (const char *p = k->devices; p && *p;) {
		size_t len = strcspn(p, " ,");
		if (len && device_entry_matches(p, len, name))
			return true;
		p += len;
		p += strspn(p, " ,");
	}
	return false;
}

static bool devices_set(const CiliumKeys *k)
{
	return k->n_device_list > 0 || k->devices;
}

/* An address of the node inside cidr: the node's own network. */
static const char *node_address_inside(const Evaluation *e, const Prefix *cidr,
				       char buf[static INET6_ADDRSTRLEN])
{
	size_t n;
	const Link *const *links = netstate_links(e->ns, &n);
	for (size_t i = 0; i < n; i++) {
		if (strcmp(links[i]->name, "lo") == 0 || device_name_is_cilium(links[i]->name) ||
		    link_is_tunnel(links[i]) || strcmp(links[i]->kind, "bridge") == 0)
			continue;
		for (size_t j = 0; j < links[i]->n_addresses; j++) {
			const Prefix *a = &links[i]->addresses[j].prefix;
			if (prefix_contains(cidr, a->family, &a->addr))
				return inaddr_format(a->family, &a->addr, buf);
		}
	}
	return NULL;
}

static void mismatch(Evaluation *e, const char *key, char *message, char *remedy)
{
	add(e, CHECK_CILIUM_CONFIG_MISMATCH, key, message, remedy);
}

static void check_native_routing_cidr(Evaluation *e, const CiliumKeys *k)
{
	char ours[PREFIX_STRLEN], theirs[PREFIX_STRLEN], addr[INET6_ADDRSTRLEN];
	const char *inside;
	Prefix p;

	/* routeguard.yaml's native-routing-cidr is the reference (cluster-cidr-mismatch holds K3s
	 * to it) */
	prefix_format(&e->c->native_routing_cidr, ours);
	if (!k->native_cidr) {
		if (k->mode == CILIUM_ROUTING_NATIVE)
			mismatch(
			    e, "ipv4-native-routing-cidr",
			    format("%s asks for native routing without ipv4-native-routing-cidr: "
				   "the agent refuses to start (\"native routing cidr must be "
				   "configured\")",
				   k->where),
			    format("Set ipv4NativeRoutingCIDR: %s in Cilium's Helm values", ours));
		return;
	}
	if (prefix_parse(k->native_cidr, &p) < 0) {
		mismatch(e, "ipv4-native-routing-cidr",
			 format("ipv4-native-routing-cidr '%s' in %s is no CIDR", k->native_cidr,
				k->where),
			 format("Set ipv4NativeRoutingCIDR: %s in Cilium's Helm values", ours));
		return;
	}
	prefix_format(&p, theirs);
	inside = node_address_inside(e, &p, addr);
	if (inside)
		mismatch(
		    e, "ipv4-native-routing-cidr",
		    format("ipv4-native-routing-cidr %s (%s) covers the node's own network "
			   "(%s): Cilium does not masquerade traffic to it, and on Hetzner Cloud "
			   "the network's gateway drops packets from source addresses it does not "
			   "know, such as pod addresses; pod traffic to anything outside the pod "
			   "CIDR must be masqueraded",
			   theirs, k->where, inside),
		    format("Set ipv4NativeRoutingCIDR to the pod CIDR only: %s", ours));
	else if (strcmp(theirs, ours) != 0)
		mismatch(e, "ipv4-native-routing-cidr",
			 format("ipv4-native-routing-cidr is %s (%s), but the pod CIDR is %s",
				theirs, k->where, ours),
			 format("Set ipv4NativeRoutingCIDR: %s in Cilium's Helm values, or correct "
				"native-routing-cidr in routeguard.yaml",
				ours));
}

static bool network_is_layer3(const Evaluation *e)
{
	const Verdict *v = e->v;
	if (e->c->n_peers > 0 && v->n_peers_onlink < e->c->n_peers)
		return true;
	for (size_t i = 0; i < v->n_findings; i++)
		if (v->findings[i].check == CHECK_NEXTHOP_NOT_ONLINK)
			return true;
	return false;
}

static bool kube_proxy_replacement_on(const char *v)
{
	/* true since 1.14; strict before (partial and probe replaced only some of kube-proxy) */
	return v && (strcmp(v, "true") == 0 || strcmp(v, "strict") == 0);
}

static void check_cilium_config_mismatch(Evaluation *e, const CiliumFacts *cf)
{
	const Link *native =
	    e->v->native_ifindex ? netstate_link(e->ns, e->v->native_ifindex) : NULL;
	bool layer3 = network_is_layer3(e);
	CiliumKeys k;

	if (!cilium_keys(cf, &k))
		return;
	check_native_routing_cidr(e, &k);
	if (k.auto_direct_node_routes == 1 && e->c->n_peers > 0 &&
	    e->v->n_peers_onlink < e->c->n_peers)
		mismatch(
		    e, "auto-direct-node-routes",
		    format("auto-direct-node-routes is true (%s), but %zu of %zu peers are "
			   "behind a gateway (a layer-3 network): Cilium cannot install routes "
			   "to their pods",
			   k.where, e->c->n_peers - e->v->n_peers_onlink, e->c->n_peers),
		    format("Set autoDirectNodeRoutes: false and let the network route the pod "
			   "CIDRs (Hetzner Cloud: hcloud-cloud-controller-manager's route "
			   "controller)"));
	if (native && devices_set(&k) && !devices_include(&k, native->name))
		mismatch(e, "devices",
			 format("devices (%s%s) does not include the native device %s", k.where,
				k.devices ? ": " : "", native->name),
			 format("Set devices: [%s] in Cilium's Helm values (or a wildcard that "
				"matches it)",
				native->name));
	if (native && k.mtu > native->mtu)
		mismatch(
		    e, "mtu",
		    format("mtu is %u (%s), larger than %s carries (%u): large packets are lost",
			   k.mtu, k.where, native->name, native->mtu),
		    format("Set MTU: %u in Cilium's Helm values, or leave it unset so Cilium "
			   "detects it",
			   native->mtu));
	if (e->c->expect.kube_proxy_replacement &&
	    !kube_proxy_replacement_on(k.kube_proxy_replacement))
		mismatch(
		    e, "kube-proxy-replacement",
		    format("kube-proxy-replacement is %s (%s) while "
			   "expect.kube-proxy-replacement is true",
			   k.kube_proxy_replacement ? k.kube_proxy_replacement : "not set (false)",
			   k.where),
		    format("Set kubeProxyReplacement: true with k8sServiceHost: 127.0.0.1 and "
			   "k8sServicePort: 6444 (K3s's local API endpoint), or set "
			   "expect.kube-proxy-replacement: false in routeguard.yaml"));
	if (layer3 && (!k.ipam || strcmp(k.ipam, "cluster-pool") == 0)) {
		Finding *f = add(
		    e, CHECK_CILIUM_CONFIG_MISMATCH, "ipam",
		    format("ipam is %s (%s) on a layer-3 network whose routes follow the nodes' "
			   "Kubernetes pod CIDRs: cluster-pool hands out other ranges, which those "
			   "routes do not cover",
			   k.ipam ? k.ipam : "not set (cluster-pool)", k.where),
		    format("Set ipam.mode: kubernetes, so pods get addresses from the pod CIDR "
			   "K3s assigns each node (the ranges Hetzner's cloud controller routes)"));
		if (f)
			f->severity = SEVERITY_WARNING;
	}
}

static void check_cilium(Evaluation *e)
{
	const CiliumFacts *cf = e->h->cilium;
	const Link *tunnel = cilium_overlay_link(e->ns);

	summarize_cilium(e, cf, tunnel);
	check_cilium_tunnel_mode(e, cf, tunnel);
	if (!cf)
		return;
	check_cilium_agent_failing(e, cf);
	check_cilium_config_mismatch(e, cf);
}

/* ---- the verdict ---- */

static int compare_findings(const void *a, const void *b)
{
	const Finding *x = a, *y = b;
	/* By name, not by CheckId: the status object lists findings alphabetically. */
	int d = strcmp(check_to_string(x->check), check_to_string(y->check));
	return d ? d : strcmp(x->subject, y->subject);
}

size_t history_recent_removals(const History *history, const char *name, uint64_t window_usec)
{
	size_t n = 0;
	if (!history)
		return 0;
	for (size_t i = 0; i < history->n_removals; i++) {
		const RemovalHistory *rh = &history->removals[i];
		if (strcmp(rh->name, name) != 0)
			continue;
		for (size_t j = 0; j < rh->n_times; j++)
			if (rh->times_usec[j] + window_usec > history->now_usec)
				n++;
	}
	return n;
}

int evaluate(const Config *c, const NetState *ns, const HostFacts *h, const History *history,
	     Verdict **ret)
{
	_cleanup_(verdict_freep) Verdict *v = calloc(1, sizeof(*v));
	Evaluation e = {c, ns, h, history, v, 0, 0};

	if (!v)
		return -ENOMEM;
	phase_detect(ns, h, &v->phase);
	find_native_device(&e);
	check_devices(&e);
	check_routes(&e);
	check_mtu(&e);
	check_k3s(&e);
	check_cilium(&e);
	check_cni_files(&e);
	check_sysctl_and_networkd(&e);
	check_leftovers(&e);
	if (e.error)
		return e.error;
	if (v->n_findings > 0)
		qsort(v->findings, v->n_findings, sizeof(*v->findings), compare_findings);
	for (size_t i = 0; i < v->n_findings; i++) {
		if (v->findings[i].severity == SEVERITY_ERROR)
			v->n_errors++;
		else
			v->n_warnings++;
	}
	/* Ready means ready for native routing: a node in any other phase is not, even without
	 * an error (a tunnel-mode or migrating node has none by design). */
	v->ready = v->n_errors == 0 && v->phase.phase == PHASE_NATIVE;
	*ret = TAKE_PTR(v);
	return 0;
}
