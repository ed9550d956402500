/* SPDX-License-Identifier: MIT */
/*
 * evaluate(): a table of node states, each with the exact set of findings it must give, including
 * the negatives (Cilium's devices, a user's tunnel in keep, an agent's K3s flags, protected devices
 * a glob happens to match). The Helm values follow the same facts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "helmvalues.h"
#include "firewall.h"
#include "netbuild.h"
#include "testdata.h"
#include "unit-main.h"

enum {
	LO = 1,
	ETH0 = 2,
	FLANNEL = 3,
	CNI0 = 4,
	POD1 = 5,
	CILIUM_VXLAN = 6,
	USER_VXLAN = 7,
	CILIUM_HOST = 8,
	LXC_POD = 9
};

typedef struct Node {
	NetState *ns;
	HostFacts *h;
	Config *c;
	History history;
	RemovalHistory removals[2];
	uint64_t times[8];
	Firewall *fw;
	CiliumFacts *cilium;
} Node;

/* An L2 node: eth0 192.168.1.2/24, default via 192.168.1.1, one peer on the segment. */
static void base_node(Node *n)
{
	static const char *const peers[] = {"192.168.1.3", NULL};
	n->ns = nb_new("10.42.0.0/16", peers);
	nb_link(n->ns, LO, "lo", "", IFF_UP | IFF_LOOPBACK);
	nb_link(n->ns, ETH0, "eth0", "", IFF_UP);
	nb_addr(n->ns, ETH0, "192.168.1.2/24");
	nb_route(n->ns, "192.168.1.0/24", "", ETH0);
	nb_route(n->ns, "0.0.0.0/0", "192.168.1.1", ETH0);
	n->h = calloc(1, sizeof(*n->h));
	n->h->ip_forward = 1;
	assert_int_equal(k3sconfig_new(&n->h->k3s), 0);
	n->history.now_usec = 1000ULL * 1000000;
}

static void configure(Node *n, const char *extra)
{
	char yaml[2048];
	ConfigError e = {};
	extra = extra ? extra : "";
	/* The base keys, unless the scenario sets them itself. */
	snprintf(yaml, sizeof(yaml), "%s%s%s",
		 strstr(extra, "native-routing-cidr:") ? "" : "native-routing-cidr: 10.42.0.0/16\n",
		 strstr(extra, "peers:") ? "" : "peers: [192.168.1.3]\n", extra);
	if (config_load_string("t.yaml", yaml, strlen(yaml), &n->c, &e) < 0)
		fail_msg("%s", e.text);
}

static void free_node(Node *n)
{
	netstate_free(n->ns);
	hostfacts_free(n->h);
	config_free(n->c);
	firewall_free(n->fw);
	cilium_facts_free(n->cilium);
}

/* ---- the scenarios ---- */

static void clean(Node *n)
{
	(void)n;
}

static void flannel_leftovers(Node *n)
{
	nb_vxlan(n->ns, FLANNEL, "flannel.1", 1, 8472, false);
	nb_link(n->ns, CNI0, "cni0", "bridge", IFF_UP);
	nb_route(n->ns, "10.42.1.0/24", "10.42.1.0", FLANNEL);
}

static void bridge_with_a_pod(Node *n)
{
	nb_link(n->ns, CNI0, "cni0", "bridge", IFF_UP);
	nb_port(n->ns, POD1, "veth1234", CNI0);
}

static void cilium_devices(Node *n)
{
	nb_link(n->ns, 10, "cilium_host", "veth", IFF_UP);
	nb_link(n->ns, 11, "cilium_net", "veth", IFF_UP);
	nb_link(n->ns, 12, "lxc_health", "veth", IFF_UP);
	nb_link(n->ns, 13, "lxc0a1b2c3d", "veth", IFF_UP);
	nb_vxlan(n->ns, CILIUM_VXLAN, "cilium_vxlan", 0, 8472, true);
	nb_route(n->ns, "10.42.0.0/24", "10.42.0.7", 10);
}

static void user_vxlan(Node *n)
{
	nb_vxlan(n->ns, USER_VXLAN, "vxlan-user", 100, 4789, false);
}

static void veth_everywhere(Node *n)
{
	nb_link(n->ns, 10, "cilium_host", "veth", IFF_UP);
	nb_link(n->ns, 13, "lxc0a1b2c3d", "veth", IFF_UP);
	nb_link(n->ns, 14, "veth-old", "veth", IFF_UP);
	nb_link(n->ns, 15, "uplink", "veth", IFF_UP);
	nb_route(n->ns, "0.0.0.0/0", "172.16.0.1", 15); /* a second default route, via uplink */
}

static void hetzner_cloud(Node *n)
{
	static const char *const peers[] = {"10.0.0.3", NULL};
	netstate_free(n->ns);
	n->ns = nb_new("10.42.0.0/16", peers);
	nb_link(n->ns, LO, "lo", "", IFF_UP | IFF_LOOPBACK);
	nb_link(n->ns, ETH0, "enp7s0", "", IFF_UP);
	nb_mtu(n->ns, ETH0, 1450);
	nb_addr(n->ns, ETH0, "10.0.0.2/32");
	nb_route(n->ns, "10.0.0.1/32", "", ETH0);
	nb_route(n->ns, "10.0.0.0/16", "10.0.0.1", ETH0);
	nb_route(n->ns, "0.0.0.0/0", "10.0.0.1", ETH0);
	nb_route(n->ns, "10.42.2.0/24", "10.0.0.3", ETH0);
}

static void l2_pod_route(Node *n)
{
	nb_route(n->ns, "10.42.2.0/24", "192.168.1.3", ETH0);
}

static void no_routes(Node *n)
{
	netstate_free(n->ns);
	n->ns = nb_new("10.42.0.0/16", NULL);
	nb_link(n->ns, LO, "lo", "", IFF_UP | IFF_LOOPBACK);
	nb_link(n->ns, ETH0, "eth0", "", IFF_UP);
}

static void k3s_server_defaults(Node *n)
{
	assert_int_equal(k3sconfig_apply_unit(n->h->k3s, "k3s.service",
					      "[Service]\nExecStart=/usr/local/bin/k3s server\n"),
			 0);
}

static void k3s_agent_defaults(Node *n)
{
	assert_int_equal(k3sconfig_apply_unit(n->h->k3s, "k3s-agent.service",
					      "[Service]\nExecStart=/usr/local/bin/k3s agent\n"),
			 0);
}

static void k3s_server_ready(Node *n)
{
	static const char yaml[] = "flannel-backend: none\ndisable-network-policy: true\n"
				   "disable-kube-proxy: true\ncluster-cidr: 10.42.0.0/16\n";
	assert_int_equal(k3sconfig_apply_yaml(n->h->k3s, "config.yaml", yaml, strlen(yaml)), 0);
	n->h->k3s->role = K3S_ROLE_SERVER;
}

static void k3s_dropin_reenables_flannel(Node *n)
{
	k3s_server_ready(n);
	static const char yaml[] = "flannel-backend: vxlan\ncluster-cidr: 10.244.0.0/16\n";
	assert_int_equal(k3sconfig_apply_yaml(n->h->k3s, "config.yaml.d/99-old.yaml", yaml, strlen(yaml)), 0);
}

static void k3s_broken_file(Node *n)
{
	k3s_server_ready(n);
	assert_int_equal(k3sconfig_apply_yaml(n->h->k3s, "/etc/rancher/k3s/config.yaml.d/x.yaml", "a: [", 4), 0);
}

static void add_cni(Node *n, const char *path, const char *json)
{
	n->h->cni_files = realloc(n->h->cni_files, (n->h->n_cni_files + 1) * sizeof(CniFile));
	assert_int_equal(cni_file_parse(path, json, &n->h->cni_files[n->h->n_cni_files++]), 0);
}

static void cni_files(Node *n)
{
	add_cni(n, "/etc/cni/net.d/05-cilium.conflist",
		"{\"name\":\"cilium\",\"plugins\":[{\"type\":\"cilium-cni\"}]}");
	add_cni(n, "/var/lib/rancher/k3s/agent/etc/cni/net.d/10-flannel.conflist",
		"{\"name\":\"cbr0\",\"plugins\":[{\"type\":\"flannel\"},{\"type\":\"portmap\"}]}");
	add_cni(n, "/etc/cni/net.d/99-broken.conf", "{");
}

/* An agent whose containerd reads /etc/cni/net.d (the servers run without Flannel): Flannel's
 * conflist left in K3s's directory is not read, a warning; one in /etc/cni/net.d an error. */
static void agent_cni_leftovers(Node *n)
{
	k3s_agent_defaults(n);
	n->h->k3s->cni_dir = strdup("/etc/cni/net.d");
	n->h->k3s->cni_dir_host = strdup("/etc/cni/net.d");
	n->h->k3s->cni_unread_dir_host = strdup("/var/lib/rancher/k3s/agent/etc/cni/net.d");
	n->h->k3s->cni_dir_why = strdup("config.toml has no conf_dir: containerd's default");
	add_cni(n, "/var/lib/rancher/k3s/agent/etc/cni/net.d/10-flannel.conflist",
		"{\"name\":\"cbr0\",\"plugins\":[{\"type\":\"flannel\"}]}");
	add_cni(n, "/etc/cni/net.d/10-calico.conflist",
		"{\"name\":\"k8s-pod-network\",\"plugins\":[{\"type\":\"calico\"}]}");
}

/* What K3s only ignores is a warning, what it refuses an error: both name the file. */
static void k3s_ignored_and_refused(Node *n)
{
	static const char yaml[] = "no-flannel: true\n";
	k3s_server_ready(n);
	assert_int_equal(k3sconfig_apply_yaml(n->h->k3s, "/etc/rancher/k3s/config.yaml.d/50-old.yaml",
					      yaml, strlen(yaml)),
			 0);
	assert_int_equal(k3sconfig_apply_unit(n->h->k3s, "/etc/systemd/system/k3s.service",
					      "[Service]\nExecStart=/usr/local/bin/k3s server "
					      "--disable-selinux\n"),
			 0);
}

static void forwarding_off(Node *n)
{
	n->h->ip_forward = 0;
}

static void networkd_defaults(Node *n)
{
	n->h->networkd_running = true;
	n->h->manage_foreign_routes = true;
	n->h->manage_foreign_rules = false;
	n->h->networkd_source = strdup("/etc/systemd/networkd.conf");
}

static void networkd_off_everything(Node *n)
{
	n->h->networkd_running = true;
	n->h->networkd_source = strdup("/etc/systemd/networkd.conf");
}

static void networkd_not_running(Node *n)
{
	n->h->manage_foreign_routes = true;
	n->h->manage_foreign_rules = true;
	n->h->networkd_source = strdup("/etc/systemd/networkd.conf");
}

/* flannel.1 back after five removals: four within the minute before now, one just now. */
static void flannel_keeps_coming_back(Node *n, uint64_t age_usec)
{
	nb_vxlan(n->ns, FLANNEL, "flannel.1", 1, 8472, false);
	strcpy(n->removals[0].name, "flannel.1");
	for (size_t i = 0; i < 5; i++)
		n->times[i] = n->history.now_usec - age_usec - (5 - i) * 1000000;
	n->removals[0].times_usec = n->times;
	n->removals[0].n_times = 5;
	n->history.removals = n->removals;
	n->history.n_removals = 1;
}

static void recreated_recently(Node *n)
{
	flannel_keeps_coming_back(n, 0);
}

static void recreated_long_ago(Node *n)
{
	flannel_keeps_coming_back(n, 120 * 1000000ULL);
}

static void recreated_on_agent(Node *n)
{
	recreated_recently(n);
	k3s_agent_defaults(n);
}

/* ---- leftovers and phases (issue 11) ---- */

static void port_shared_with_cilium(Node *n)
{
	nb_vxlan(n->ns, FLANNEL, "flannel.1", 1, 8472, false);
	nb_link(n->ns, CILIUM_HOST, "cilium_host", "veth", IFF_UP);
	nb_vxlan(n->ns, CILIUM_VXLAN, "cilium_vxlan", 0, 8472, true);
}

static void user_vxlan_on_cilium_port(Node *n)
{
	nb_vxlan(n->ns, USER_VXLAN, "vxlan-user", 100, 8472, false);
	nb_vxlan(n->ns, CILIUM_VXLAN, "cilium_vxlan", 0, 8472, true);
}

/* The migration guide's second overlay on 8473, pods on both CNIs. */
static void dual_overlay(Node *n)
{
	nb_vxlan(n->ns, FLANNEL, "flannel.1", 1, 8472, false);
	nb_vxlan(n->ns, CILIUM_VXLAN, "cilium_vxlan", 0, 8473, true);
	nb_link(n->ns, CILIUM_HOST, "cilium_host", "veth", IFF_UP);
	nb_link(n->ns, CNI0, "cni0", "bridge", IFF_UP);
	nb_port(n->ns, POD1, "veth1234", CNI0);
	nb_link(n->ns, LXC_POD, "lxc0a1b2c3d", "veth", IFF_UP);
}

static void dual_overlay_k3s_new_cidr(Node *n)
{
	dual_overlay(n);
	static const char yaml[] = "flannel-backend: vxlan\ndisable-network-policy: true\n"
				   "disable-kube-proxy: true\ncluster-cidr: 10.245.0.0/16\n";
	assert_int_equal(k3sconfig_apply_yaml(n->h->k3s, "config.yaml", yaml, strlen(yaml)), 0);
	n->h->k3s->role = K3S_ROLE_SERVER;
}

static void cilium_config(Node *n, const char *const *kv);

/* The migration guide's values: cni.customConf, so Cilium writes no CNI file; tunnel mode. */
static void custom_conf_only(Node *n)
{
	static const char *const kv[] = {"custom-cni-conf", "true", "kube-proxy-replacement", "true",
					 NULL};
	cilium_config(n, kv);
}

static void fw_chain(Node *n, FwBackend b, uint8_t family, const char *table, const char *name,
		     bool base)
{
	FwChain c = {.backend = b, .family = family, .base = base};
	snprintf(c.table, sizeof(c.table), "%s", table);
	snprintf(c.name, sizeof(c.name), "%s", name);
	assert_true(firewall_add_chain(n->fw, &c) >= 0);
}

static void fw_jump(Node *n, FwBackend b, uint8_t family, const char *table, const char *from,
		    uint64_t handle, const char *to)
{
	FwRule r = {.backend = b, .family = family, .handle = handle};
	snprintf(r.table, sizeof(r.table), "%s", table);
	snprintf(r.chain, sizeof(r.chain), "%s", from);
	snprintf(r.target, sizeof(r.target), "%s", to);
	assert_true(firewall_add_rule(n->fw, &r) >= 0);
}

/* What the fixture of tests/netns/firewall-fixture.sh leaves, in short, plus native tables. */
static void firewall_chains_of_every_tool(Node *n)
{
	const FwBackend NFT = FW_BACKEND_NFT, LEGACY = FW_BACKEND_LEGACY;
	assert_int_equal(firewall_new(&n->fw), 0);
	n->h->firewall = n->fw;
	fw_chain(n, NFT, 2, "nat", "POSTROUTING", true);
	fw_chain(n, NFT, 2, "nat", "FLANNEL-POSTRTG", false);
	fw_jump(n, NFT, 2, "nat", "POSTROUTING", 5, "FLANNEL-POSTRTG");
	fw_jump(n, NFT, 2, "nat", "POSTROUTING", 6, "FLANNEL-POSTRTG");
	fw_chain(n, NFT, 10, "nat", "FLANNEL-POSTRTG", false);
	fw_jump(n, NFT, 10, "nat", "POSTROUTING", 3, "FLANNEL-POSTRTG");
	fw_chain(n, LEGACY, 2, "filter", "FLANNEL-FWD", false);
	fw_jump(n, LEGACY, 2, "filter", "FORWARD", 1, "FLANNEL-FWD");
	fw_chain(n, NFT, 2, "filter", "KUBE-ROUTER-INPUT", false);
	fw_chain(n, NFT, 2, "nat", "KUBE-SVC-NPX46M4PTMTKRN6Y", false);
	fw_chain(n, NFT, 2, "nat", "CNI-HOSTPORT-DNAT", false);
	/* never leftovers: the kubelet's, Cilium's, a user's, the built-ins */
	fw_chain(n, NFT, 2, "filter", "KUBE-FIREWALL", false);
	fw_chain(n, NFT, 2, "mangle", "KUBE-IPTABLES-HINT", false);
	fw_chain(n, NFT, 2, "nat", "CILIUM_POST_nat", false);
	fw_chain(n, NFT, 2, "nat", "OLD_CILIUM_POST_nat", false);
	fw_chain(n, NFT, 2, "filter", "ADMIN-SSH", false);
	/* native tables: one finding each */
	fw_chain(n, NFT, 2, "flannel-ipv4", "postrtg", true);
	fw_chain(n, NFT, 2, "flannel-ipv4", "forward", true);
	fw_chain(n, NFT, 2, "kube-proxy", "services", false);
	fw_chain(n, NFT, 1, "my-own", "input", true);
}

static void firewall_after_the_move(Node *n)
{
	k3s_server_ready(n);
	firewall_chains_of_every_tool(n);
}

static void firewall_on_a_flannel_node(Node *n)
{
	nb_vxlan(n->ns, FLANNEL, "flannel.1", 1, 8472, false);
	firewall_chains_of_every_tool(n);
}

static void firewall_on_an_agent(Node *n)
{
	k3s_agent_defaults(n);
	firewall_chains_of_every_tool(n);
}

static void add_network(Node *n, const char *name, size_t reservations)
{
	n->h->cni_networks =
	    realloc(n->h->cni_networks, (n->h->n_cni_networks + 1) * sizeof(CniNetwork));
	CniNetwork *net = &n->h->cni_networks[n->h->n_cni_networks++];
	net->name = strdup(name);
	assert_int_equal(asprintf(&net->dir, "/var/lib/cni/networks/%s", name) > 0, 1);
	net->n_reservations = reservations;
}

static void ipam_leftovers(Node *n)
{
	add_network(n, "cbr0", 3);
	add_network(n, "other-net", 2); /* its bridge is not known: not judged */
}

static void ipam_in_use(Node *n)
{
	add_network(n, "cbr0", 3);
	nb_link(n->ns, CNI0, "cni0", "bridge", IFF_UP);
}

/* ---- Cilium as the node shows it ---- */

static CiliumFacts *cilium(Node *n)
{
	if (!n->cilium) {
		assert_int_equal(cilium_facts_new(&n->cilium), 0);
		n->h->cilium = n->cilium;
	}
	return n->cilium;
}

/* The configuration directory's keys, "key", "value", …, NULL. */
static void cilium_config(Node *n, const char *const *kv)
{
	CiliumFacts *f = cilium(n);
	for (size_t i = 0; kv[i]; i += 2)
		assert_int_equal(cilium_config_set(&f->config, kv[i], kv[i + 1]), 0);
	f->config.dir = strdup("/var/lib/kubelet/pods/3f1c/volumes/kubernetes.io~empty-dir/tmp/"
			       "cilium/config-map");
	f->have_config = true;
}

static void cilium_log(Node *n, const char *fixture)
{
	CiliumFacts *f = cilium(n);
	void *text;
	size_t len;
	testdata_read(fixture, &text, &len);
	assert_int_equal(cilium_log_newest_fatal(text, len, &f->fatal), 0);
	free(text);
	assert_non_null(f->fatal.info);
	f->fatal.path = strdup("/var/log/pods/kube-system_cilium-7xk2p_3f1c/cilium-agent/5.log");
}

static void cilium_agent(Node *n, const char *healthz, const char *config)
{
	CiliumFacts *f = cilium(n);
	void *body;
	size_t len;
	testdata_read(healthz, &body, &len);
	assert_int_equal(cilium_agent_parse_healthz(&f->agent, body, len), 0);
	free(body);
	testdata_read(config, &body, &len);
	assert_int_equal(cilium_agent_parse_config(&f->agent, body, len), 0);
	free(body);
	f->reach = CILIUM_AGENT_REACHED;
}

/* The incident: Flannel's leftovers, tunnel: disabled with auto-direct-node-routes and no
 * routing-mode, no cilium_vxlan (the agent died before making it), the fatal line in its log. */
static void incident(Node *n)
{
	static const char *const keys[] = {
		"tunnel", "disabled", "auto-direct-node-routes", "true",
		"ipv4-native-routing-cidr", "10.42.0.0/16", "kube-proxy-replacement", "true",
		"ipam", "kubernetes", NULL,
	};
	flannel_leftovers(n);
	cilium_config(n, keys);
	cilium_log(n, "cilium/log-incident.log");
}

static void tunnel_on_purpose(Node *n)
{
	static const char *const keys[] = {
		"routing-mode", "tunnel", "tunnel-protocol", "vxlan", "kube-proxy-replacement", "true",
		"ipam", "kubernetes", NULL,
	};
	cilium_devices(n);
	cilium_config(n, keys);
}

static void agent_in_tunnel_mode(Node *n)
{
	cilium_devices(n);
	cilium_agent(n, "cilium/healthz-tunnel.json", "cilium/config-tunnel.json");
}

static void cilium_native_ready(Node *n)
{
	static const char *const keys[] = {
		"routing-mode", "native", "ipv4-native-routing-cidr", "10.42.0.0/16",
		"auto-direct-node-routes", "true", "devices", "eth0", "mtu", "1500",
		"kube-proxy-replacement", "true", "ipam", "kubernetes", NULL,
	};
	cilium_config(n, keys);
	cilium_agent(n, "cilium/healthz-native.json", "cilium/config-native.json");
}

/* 1.14/1.15: no routing in healthz; the mode from /v1/config; no configuration dir readable. */
static void cilium_1_15_agent_only(Node *n)
{
	cilium_agent(n, "cilium/healthz-1.15.json", "cilium/config-native.json");
}

static void hetzner_cilium_mismatches(Node *n)
{
	static const char *const keys[] = {
		"routing-mode", "native", "ipv4-native-routing-cidr", "10.0.0.0/8",
		"auto-direct-node-routes", "true", "devices", "eth+ ens10", "mtu", "1500",
		"kube-proxy-replacement", "false", NULL,
	};
	hetzner_cloud(n);
	cilium_config(n, keys);
}

static void cilium_other_cidr(Node *n)
{
	static const char *const keys[] = {
		"routing-mode", "native", "ipv4-native-routing-cidr", "10.244.0.0/16",
		"kube-proxy-replacement", "true", "devices", "eth+", NULL,
	};
	cilium_config(n, keys);
}

static void cilium_native_without_cidr(Node *n)
{
	static const char *const keys[] = {
		"routing-mode", "native", "kube-proxy-replacement", "strict", NULL,
	};
	cilium_config(n, keys);
	cilium_log(n, "cilium/log-partial.log");
	cilium(n)->reach = CILIUM_AGENT_UNREACHABLE;
}

/* A log that ends in a fatal line, but the agent answers: it restarted since. */
static void cilium_recovered(Node *n)
{
	cilium_native_ready(n);
	cilium_log(n, "cilium/log-vxlan-port.log");
}

typedef struct Scenario {
	const char *name;
	const char *config;
	void (*build)(Node *n);
	const char *expected[12]; /* "check subject severity action", any order */
	bool ready;
} Scenario;

static const Scenario SCENARIOS[] = {
	{"a clean L2 node", NULL, clean, {NULL}, true},
	{"Flannel's leftovers, observe", NULL, flannel_leftovers,
	 {"flannel-device cni0 error none", "flannel-device flannel.1 error none",
	  "route-via-tunnel 10.42.1.0/24 error none"}, false},
	{"a bridge with a pod, enforce", "mode: enforce\n", bridge_with_a_pod,
	 {"flannel-device cni0 error pending"}, false},
	{"a bridge with a pod, enforce, bridge-with-ports: remove",
	 "mode: enforce\nenforce: {bridge-with-ports: remove}\n", bridge_with_a_pod,
	 {"flannel-device cni0 error none"}, false},
	{"Cilium's own devices, tunnel mode", NULL, cilium_devices,
	 {"cilium-tunnel-mode cilium_vxlan error none"}, false},
	{"a user's vxlan", NULL, user_vxlan, {"tunnel-device vxlan-user error none"}, false},
	{"a user's vxlan in keep", "devices: {keep: [\"vxlan-u*\"]}\n", user_vxlan, {NULL}, true},
	{"a glob over protected devices", "devices: {remove: [{name: \"*\", kind: veth}]}\n",
	 veth_everywhere, {"flannel-device veth-old error none"}, false},
	{"Hetzner Cloud: peers behind the gateway", "peers: [10.0.0.3]\n", hetzner_cloud,
	 {"nexthop-not-onlink 10.0.0.3 error none", "nexthop-not-onlink 10.42.2.0/24 error none"}, false},
	{"Hetzner Cloud without direct node routes",
	 "peers: [10.0.0.3]\nexpect: {direct-node-routes: false, mtu: 1450}\n", hetzner_cloud,
	 {"nexthop-not-onlink 10.0.0.3 warning none", "nexthop-not-onlink 10.42.2.0/24 warning none"},
	 true},
	{"a pod route via an L2 peer", NULL, l2_pod_route, {NULL}, true},
	{"a configured native device that is not there", "native-device: enp7s0\n", clean,
	 {"native-device-missing enp7s0 error none"}, false},
	{"no route at all", "peers: []\n", no_routes, {"native-device-missing auto error none"}, false},
	{"an MTU other than expected", "expect: {mtu: 1450}\n", clean,
	 {"mtu-mismatch eth0 warning none"}, true},
	{"K3s server with its defaults", NULL, k3s_server_defaults,
	 {"k3s-flannel-enabled flannel-backend error none",
	  "k3s-kube-proxy-enabled disable-kube-proxy error none",
	  "k3s-network-policy-enabled disable-network-policy warning none"}, false},
	{"K3s server, kube-proxy kept on purpose", "expect: {kube-proxy-replacement: false}\n",
	 k3s_server_defaults,
	 {"k3s-flannel-enabled flannel-backend error none",
	  "k3s-network-policy-enabled disable-network-policy warning none"}, false},
	{"K3s agent: server flags are the servers' business", NULL, k3s_agent_defaults, {NULL}, true},
	{"K3s server ready for Cilium", NULL, k3s_server_ready, {NULL}, true},
	{"a K3s drop-in re-enables Flannel", NULL, k3s_dropin_reenables_flannel,
	 {"cluster-cidr-mismatch cluster-cidr error none",
	  "k3s-flannel-enabled flannel-backend error none"}, false},
	{"a broken K3s file", NULL, k3s_broken_file,
	 {"k3s-config-invalid /etc/rancher/k3s/config.yaml.d/x.yaml error none"}, false},
	{"CNI configurations, observe", NULL, cni_files,
	 {"cni-conflist-conflict /etc/cni/net.d/99-broken.conf error none",
	  "cni-conflist-conflict /var/lib/rancher/k3s/agent/etc/cni/net.d/10-flannel.conflist error none"}, false},
	{"an agent's CNI leftovers, by what containerd reads", NULL, agent_cni_leftovers,
	 {"cni-conflist-conflict /etc/cni/net.d/10-calico.conflist error none",
	  "cni-conflist-conflict /var/lib/rancher/k3s/agent/etc/cni/net.d/10-flannel.conflist warning none"},
	 false},
	{"K3s ignores a retired key, refuses a retired flag", NULL, k3s_ignored_and_refused,
	 {"k3s-config-invalid /etc/rancher/k3s/config.yaml.d/50-old.yaml warning none",
	  "k3s-config-invalid /etc/systemd/system/k3s.service error none"},
	 false},
	{"ip_forward off", NULL, forwarding_off, {"ip-forward-disabled net.ipv4.ip_forward error none"}, false},
	{"networkd with foreign routes managed", NULL, networkd_defaults,
	 {"networkd-foreign-routes /etc/systemd/networkd.conf warning none"}, true},
	{"networkd with both off", NULL, networkd_off_everything, {NULL}, true},
	{"networkd not running", NULL, networkd_not_running, {NULL}, true},
	{"flannel.1 recreated five times in the window", "mode: enforce\n", recreated_recently,
	 {"device-recreated flannel.1 error none", "flannel-device flannel.1 error backoff"}, false},
	{"flannel.1 removed five times, long ago", "mode: enforce\n", recreated_long_ago,
	 {"flannel-device flannel.1 error none"}, false},
	{"flannel.1 recreated on an agent", "mode: enforce\n", recreated_on_agent,
	 {"device-recreated flannel.1 error none", "flannel-device flannel.1 error backoff"}, false},
	{"flannel.1 and cilium_vxlan on one port", NULL, port_shared_with_cilium,
	 {"cilium-tunnel-mode cilium_vxlan error none", "flannel-device flannel.1 error none",
	  "vxlan-port-conflict flannel.1 error none"}, false},
	{"a user's vxlan on Cilium's port", NULL, user_vxlan_on_cilium_port,
	 {"cilium-tunnel-mode cilium_vxlan error none", "tunnel-device vxlan-user error none",
	  "vxlan-port-conflict vxlan-user error none"}, false},
	{"dual overlay, migrating, observe", NULL, dual_overlay,
	 {"cilium-tunnel-mode cilium_vxlan warning none", "flannel-device cni0 error none",
	  "flannel-device flannel.1 error none"}, false},
	{"dual overlay, migrating, enforce", "mode: enforce\nenforce: {bridge-with-ports: remove}\n",
	 dual_overlay,
	 {"cilium-tunnel-mode cilium_vxlan warning none", "flannel-device cni0 error pending",
	  "flannel-device flannel.1 error pending"}, false},
	{"dual overlay with the guide's new pod CIDR", NULL, dual_overlay_k3s_new_cidr,
	 {"cilium-tunnel-mode cilium_vxlan warning none", "flannel-device cni0 error none",
	  "flannel-device flannel.1 error none", "k3s-flannel-enabled flannel-backend error none",
	  "cluster-cidr-mismatch cluster-cidr warning none"}, false},
	{"cni.customConf alone: migrating, tunnel mode a warning, not ready", NULL, custom_conf_only,
	 {"cilium-tunnel-mode routing-mode warning none"}, false},
	{"firewall leftovers after the move", NULL, firewall_after_the_move,
	 {"firewall-leftovers filter/FLANNEL-FWD error none",
	  "firewall-leftovers filter/KUBE-ROUTER-INPUT error none",
	  "firewall-leftovers flannel-ipv4/* error none",
	  "firewall-leftovers kube-proxy/* error none",
	  "firewall-leftovers nat/CNI-HOSTPORT-DNAT warning none",
	  "firewall-leftovers nat/FLANNEL-POSTRTG error none",
	  "firewall-leftovers nat/KUBE-SVC-NPX46M4PTMTKRN6Y error none"}, false},
	{"firewall leftovers, kube-proxy kept on purpose",
	 "expect: {kube-proxy-replacement: false}\n", firewall_after_the_move,
	 {"firewall-leftovers filter/FLANNEL-FWD error none",
	  "firewall-leftovers filter/KUBE-ROUTER-INPUT error none",
	  "firewall-leftovers flannel-ipv4/* error none",
	  "firewall-leftovers nat/CNI-HOSTPORT-DNAT warning none",
	  "firewall-leftovers nat/FLANNEL-POSTRTG error none"}, false},
	{"Flannel's chains while Flannel runs", NULL, firewall_on_a_flannel_node,
	 {"flannel-device flannel.1 error none",
	  "firewall-leftovers filter/KUBE-ROUTER-INPUT warning none",
	  "firewall-leftovers kube-proxy/* warning none",
	  "firewall-leftovers nat/KUBE-SVC-NPX46M4PTMTKRN6Y warning none"}, false},
	{"firewall leftovers on an agent", NULL, firewall_on_an_agent,
	 {"firewall-leftovers filter/FLANNEL-FWD error none",
	  "firewall-leftovers filter/KUBE-ROUTER-INPUT warning none",
	  "firewall-leftovers flannel-ipv4/* error none",
	  "firewall-leftovers kube-proxy/* warning none",
	  "firewall-leftovers nat/CNI-HOSTPORT-DNAT warning none",
	  "firewall-leftovers nat/FLANNEL-POSTRTG error none",
	  "firewall-leftovers nat/KUBE-SVC-NPX46M4PTMTKRN6Y warning none"}, false},
	{"IPAM reservations of a gone bridge", NULL, ipam_leftovers,
	 {"cni-ipam-leftovers /var/lib/cni/networks/cbr0 warning none"}, true},
	{"IPAM reservations of a bridge in use", NULL, ipam_in_use,
	 {"flannel-device cni0 error none"}, false},
	{"the incident: tunnel: disabled ignored, the agent dies", NULL, incident,
	 {"cilium-agent-failing cilium-agent error none", "cilium-tunnel-mode routing-mode error none",
	  "flannel-device cni0 error none", "flannel-device flannel.1 error none",
	  "route-via-tunnel 10.42.1.0/24 error none"}, false},
	{"Cilium in tunnel mode on purpose", NULL, tunnel_on_purpose,
	 {"cilium-tunnel-mode routing-mode error none"}, false},
	{"the agent says tunnel", NULL, agent_in_tunnel_mode,
	 {"cilium-tunnel-mode cilium-agent error none", "cilium-config-mismatch devices error none",
	  "cilium-config-mismatch kube-proxy-replacement error none"}, false},
	{"Cilium native, agent and configuration agree", NULL, cilium_native_ready, {NULL}, true},
	{"a 1.15 agent, its mode from /v1/config", "native-device: eth0\n", cilium_1_15_agent_only,
	 {"cilium-config-mismatch devices error none"}, false},
	{"Hetzner Cloud: Cilium's keys against the node", "peers: [10.0.0.3]\n",
	 hetzner_cilium_mismatches,
	 {"nexthop-not-onlink 10.0.0.3 error none", "nexthop-not-onlink 10.42.2.0/24 error none",
	  "cilium-config-mismatch auto-direct-node-routes error none",
	  "cilium-config-mismatch devices error none", "cilium-config-mismatch ipam warning none",
	  "cilium-config-mismatch ipv4-native-routing-cidr error none",
	  "cilium-config-mismatch kube-proxy-replacement error none",
	  "cilium-config-mismatch mtu error none"}, false},
	{"ipv4-native-routing-cidr other than ours", NULL, cilium_other_cidr,
	 {"cilium-config-mismatch ipv4-native-routing-cidr error none"}, false},
	{"native routing without a CIDR, the agent unreachable", NULL, cilium_native_without_cidr,
	 {"cilium-agent-failing cilium-agent error none",
	  "cilium-config-mismatch ipv4-native-routing-cidr error none"}, false},
	{"an old fatal line, the agent answers", NULL, cilium_recovered, {NULL}, true},
};

static int compare_strings(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void run_scenario(const Scenario *s, Verdict **ret_verdict, Node *ret_node)
{
	Node n = {};
	base_node(&n);
	configure(&n, s->config);
	s->build(&n);
	if (evaluate(n.c, n.ns, n.h, &n.history, ret_verdict) < 0)
		fail_msg("%s: evaluate failed", s->name);
	*ret_node = n;
}

static void test_scenarios(void **state)
{
	size_t failures = 0;

	for (size_t i = 0; i < ELEMENTSOF(SCENARIOS); i++) {
		const Scenario *s = &SCENARIOS[i];
		Verdict *v = NULL;
		Node n;
		char *found[32], *expected[12];
		size_t n_found = 0, n_expected = 0;

		run_scenario(s, &v, &n);
		for (size_t j = 0; j < v->n_findings && j < 32; j++) {
			const Finding *f = &v->findings[j];
			assert_non_null(f->message);
			assert_true(strlen(f->remedy) > 20); /* a remedy a person can act on */
			assert_int_equal(asprintf(&found[n_found++], "%s %s %s %s",
						  check_to_string(f->check), f->subject,
						  severity_to_string(f->severity),
						  action_to_string(f->action)) > 0, 1);
		}
		for (; s->expected[n_expected]; n_expected++)
			expected[n_expected] = (char *)s->expected[n_expected];
		qsort(found, n_found, sizeof(char *), compare_strings);
		qsort(expected, n_expected, sizeof(char *), compare_strings);
		bool same = n_found == n_expected && v->ready == s->ready;
		for (size_t j = 0; same && j < n_found; j++)
			same = strcmp(found[j], expected[j]) == 0;
		if (!same) {
			failures++;
			print_error("scenario '%s' (ready %d, expected %d):\n", s->name, v->ready, s->ready);
			for (size_t j = 0; j < n_found; j++)
				print_error("  found:    %s\n", found[j]);
			for (size_t j = 0; j < n_expected; j++)
				print_error("  expected: %s\n", expected[j]);
		}
		for (size_t j = 0; j < n_found; j++)
			free(found[j]);
		verdict_free(v);
		free_node(&n);
	}
	assert_int_equal(failures, 0);
}

static const Finding *find(const Verdict *v, const char *check, const char *subject)
{
	for (size_t i = 0; i < v->n_findings; i++)
		if (strcmp(check_to_string(v->findings[i].check), check) == 0 &&
		    strcmp(v->findings[i].subject, subject) == 0)
			return &v->findings[i];
	fail_msg("no %s %s", check, subject);
	return NULL;
}

static const Scenario *scenario(const char *name)
{
	for (size_t i = 0; i < ELEMENTSOF(SCENARIOS); i++)
		if (strcmp(SCENARIOS[i].name, name) == 0)
			return &SCENARIOS[i];
	fail_msg("no scenario %s", name);
	return NULL;
}

/* What the enforcer may act on, and the words an operator reads. */
static void test_remediation_and_words(void **state)
{
	Verdict *v;
	Node n;

	run_scenario(scenario("Flannel's leftovers, observe"), &v, &n);
	assert_int_equal(find(v, "flannel-device", "flannel.1")->remediation, REMEDIATION_ALERT_ONLY);
	assert_int_equal(find(v, "flannel-device", "flannel.1")->ifindex, FLANNEL);
	verdict_free(v);
	free_node(&n);

	Scenario enforce = *scenario("Flannel's leftovers, observe");
	enforce.config = "mode: enforce\n";
	run_scenario(&enforce, &v, &n);
	assert_int_equal(find(v, "flannel-device", "flannel.1")->remediation, REMEDIATION_REMOVE_DEVICE);
	assert_int_equal(find(v, "route-via-tunnel", "10.42.1.0/24")->remediation, REMEDIATION_ALERT_ONLY);
	verdict_free(v);
	free_node(&n);

	/* the device alone: no tunnel key seen, so no 1.15 story */
	run_scenario(scenario("Cilium's own devices, tunnel mode"), &v, &n);
	const Finding *f = find(v, "cilium-tunnel-mode", "cilium_vxlan");
	assert_non_null(strstr(f->message, "Cilium runs in tunnel mode; native routing is intended here"));
	assert_null(strstr(f->message, "1.15"));
	assert_non_null(strstr(f->remedy, "routingMode=native"));
	assert_int_equal(v->cilium_routing_mode, CILIUM_ROUTING_TUNNEL);
	assert_string_equal(v->cilium_source, "devices");
	assert_string_equal(v->cilium_agent, "absent");
	verdict_free(v);
	free_node(&n);

	run_scenario(scenario("the incident: tunnel: disabled ignored, the agent dies"), &v, &n);
	f = find(v, "cilium-tunnel-mode", "routing-mode");
	assert_non_null(strstr(f->message, "tunnel: disabled but no routing-mode"));
	assert_non_null(strstr(f->message, "the 1.15.3 chart dropped the Helm value without a word"));
	assert_non_null(strstr(f->message, "tunnel was deprecated in v1.14 and has been removed in v1.15"));
	assert_non_null(strstr(f->message, "with routing-mode unset Cilium runs in tunnel mode"));
	assert_non_null(strstr(f->remedy, "routingMode: native and ipv4NativeRoutingCIDR: 10.42.0.0/16"));
	assert_non_null(strstr(f->remedy, "drop the tunnel value"));
	f = find(v, "cilium-agent-failing", "cilium-agent");
	assert_non_null(strstr(f->message, "\"auto-direct-node-routes cannot be used with tunneling. "
					   "Packets must be routed through the tunnel device.\""));
	assert_non_null(strstr(f->message, "cilium-agent/5.log"));
	assert_non_null(strstr(f->remedy, "routingMode: native"));
	assert_int_equal(v->cilium_routing_mode, CILIUM_ROUTING_TUNNEL);
	assert_string_equal(v->cilium_source, "config-map");
	assert_string_equal(v->cilium_agent, "failing");
	assert_string_equal(v->cilium_api, "not-asked");
	verdict_free(v);
	free_node(&n);

	run_scenario(scenario("Cilium in tunnel mode on purpose"), &v, &n);
	f = find(v, "cilium-tunnel-mode", "routing-mode");
	assert_non_null(strstr(f->message, "Cilium runs in tunnel mode; native routing is intended here"));
	assert_null(strstr(f->message, "1.15"));
	assert_null(strstr(f->remedy, "tunnel value"));
	verdict_free(v);
	free_node(&n);

	run_scenario(scenario("Cilium native, agent and configuration agree"), &v, &n);
	assert_int_equal(v->cilium_routing_mode, CILIUM_ROUTING_NATIVE);
	assert_string_equal(v->cilium_source, "agent");
	assert_string_equal(v->cilium_agent, "running");
	assert_string_equal(v->cilium_api, "reachable");
	verdict_free(v);
	free_node(&n);

	run_scenario(scenario("a 1.15 agent, its mode from /v1/config"), &v, &n);
	assert_int_equal(v->cilium_routing_mode, CILIUM_ROUTING_NATIVE);
	assert_string_equal(v->cilium_source, "agent");
	verdict_free(v);
	free_node(&n);

	run_scenario(scenario("Hetzner Cloud: Cilium's keys against the node"), &v, &n);
	f = find(v, "cilium-config-mismatch", "ipv4-native-routing-cidr");
	assert_non_null(strstr(f->message, "covers the node's own network (10.0.0.2)"));
	assert_non_null(strstr(f->message, "masqueraded"));
	assert_non_null(strstr(find(v, "cilium-config-mismatch", "auto-direct-node-routes")->remedy,
			       "hcloud-cloud-controller-manager"));
	assert_non_null(strstr(find(v, "cilium-config-mismatch", "devices")->remedy, "devices: [enp7s0]"));
	assert_non_null(strstr(find(v, "cilium-config-mismatch", "mtu")->message, "(1450)"));
	assert_non_null(strstr(find(v, "cilium-config-mismatch", "ipam")->remedy, "ipam.mode: kubernetes"));
	verdict_free(v);
	free_node(&n);

	run_scenario(scenario("native routing without a CIDR, the agent unreachable"), &v, &n);
	assert_non_null(strstr(find(v, "cilium-agent-failing", "cilium-agent")->remedy, "devices: [NATIVE]"));
	assert_string_equal(v->cilium_api, "unreachable");
	assert_string_equal(v->cilium_agent, "failing");
	verdict_free(v);
	free_node(&n);

	run_scenario(scenario("Hetzner Cloud: peers behind the gateway"), &v, &n);
	f = find(v, "nexthop-not-onlink", "10.0.0.3");
	assert_non_null(strstr(f->remedy, "Hetzner Cloud"));
	assert_non_null(strstr(f->remedy, "autoDirectNodeRoutes=false"));
	assert_string_equal(v->native_device, "enp7s0");
	verdict_free(v);
	free_node(&n);

	run_scenario(scenario("a K3s drop-in re-enables Flannel"), &v, &n);
	assert_non_null(strstr(find(v, "k3s-flannel-enabled", "flannel-backend")->message,
			       "config.yaml.d/99-old.yaml:1"));
	assert_non_null(strstr(find(v, "k3s-flannel-enabled", "flannel-backend")->remedy,
			       "flannel-backend: none"));
	verdict_free(v);
	free_node(&n);

	run_scenario(scenario("CNI configurations, observe"), &v, &n);
	Scenario cni_enforce = *scenario("CNI configurations, observe");
	cni_enforce.config = "mode: enforce\n";
	verdict_free(v);
	free_node(&n);
	run_scenario(&cni_enforce, &v, &n);
	assert_int_equal(find(v, "cni-conflist-conflict", "/etc/cni/net.d/99-broken.conf")->remediation,
			 REMEDIATION_QUARANTINE_FILE);
	verdict_free(v);
	free_node(&n);

	run_scenario(scenario("flannel.1 recreated on an agent"), &v, &n);
	assert_non_null(strstr(find(v, "device-recreated", "flannel.1")->remedy, "K3s servers still run Flannel"));
	assert_int_equal(find(v, "flannel-device", "flannel.1")->remediation, REMEDIATION_ALERT_ONLY);
	verdict_free(v);
	free_node(&n);
}

/* The words of issue 11's checks, and what the enforcer may do about them. */
static void test_leftover_words(void **state)
{
	Verdict *v;
	Node n;

	Scenario s = *scenario("firewall leftovers after the move");
	s.config = "mode: enforce\nfirewall: {remove: [FLANNEL-*, kube-proxy]}\n";
	run_scenario(&s, &v, &n);
	const Finding *f = find(v, "firewall-leftovers", "nat/FLANNEL-POSTRTG");
	assert_string_equal(f->message, "Flannel's chain FLANNEL-POSTRTG remains in table nat "
					"(nf_tables ip, ip6); 3 rule(s) jump to it");
	assert_int_equal(f->remediation, REMEDIATION_REMOVE_CHAIN);
	assert_non_null(strstr(f->remedy, "one transaction (firewall.remove matches FLANNEL-*)"));
	f = find(v, "firewall-leftovers", "filter/FLANNEL-FWD");
	assert_string_equal(f->message, "Flannel's chain FLANNEL-FWD remains in table filter "
					"(legacy xtables ip); 1 rule(s) jump to it");
	assert_int_equal(f->remediation, REMEDIATION_REMOVE_CHAIN);
	f = find(v, "firewall-leftovers", "kube-proxy/*");
	assert_int_equal(f->remediation, REMEDIATION_REMOVE_CHAIN);
	assert_non_null(strstr(f->message, "kube-proxy's nftables table ip kube-proxy"));
	/* not named by firewall.remove: alert only, with the commands to do it by hand */
	f = find(v, "firewall-leftovers", "filter/KUBE-ROUTER-INPUT");
	assert_int_equal(f->remediation, REMEDIATION_ALERT_ONLY);
	assert_non_null(strstr(f->remedy, "iptables-nft -t filter -X KUBE-ROUTER-INPUT"));
	assert_non_null(strstr(f->remedy, "(e.g. KUBE-ROUTER-*)"));
	assert_non_null(strstr(find(v, "firewall-leftovers", "flannel-ipv4/*")->remedy,
			       "nft delete table ip flannel-ipv4"));
	verdict_free(v);
	free_node(&n);

	run_scenario(scenario("flannel.1 and cilium_vxlan on one port"), &v, &n);
	f = find(v, "vxlan-port-conflict", "flannel.1");
	assert_non_null(strstr(f->message, "flannel.1 and cilium_vxlan are both VXLAN devices on "
					   "UDP port 8472"));
	assert_non_null(strstr(f->remedy, "tunnelPort=8473"));
	assert_int_equal(v->phase.phase, PHASE_UNKNOWN);
	verdict_free(v);
	free_node(&n);

	run_scenario(scenario("dual overlay, migrating, enforce"), &v, &n);
	f = find(v, "flannel-device", "cni0");
	assert_non_null(strstr(f->message, "1 pod(s) still attached to it"));
	assert_int_equal(f->remediation, REMEDIATION_ALERT_ONLY);
	assert_non_null(strstr(f->remedy, "The node is migrating to Cilium"));
	assert_int_equal(find(v, "flannel-device", "flannel.1")->remediation,
			 REMEDIATION_ALERT_ONLY);
	verdict_free(v);
	free_node(&n);

	Scenario ipam = *scenario("IPAM reservations of a gone bridge");
	ipam.config = "mode: enforce\n";
	run_scenario(&ipam, &v, &n);
	f = find(v, "cni-ipam-leftovers", "/var/lib/cni/networks/cbr0");
	assert_string_equal(f->message, "3 IP reservation(s) of the CNI network cbr0 remain in "
					"/var/lib/cni/networks/cbr0, but its bridge cni0 is gone");
	assert_int_equal(f->remediation, REMEDIATION_QUARANTINE_FILE);
	verdict_free(v);
	free_node(&n);

	Scenario env = *scenario("Flannel's leftovers, observe");
	run_scenario(&env, &v, &n);
	verdict_free(v);
	n.h->flannel_subnet_env = strdup("/run/flannel/subnet.env");
	assert_int_equal(evaluate(n.c, n.ns, n.h, &n.history, &v), 0);
	assert_non_null(strstr(find(v, "flannel-device", "flannel.1")->message,
			       "Flannel's state file /run/flannel/subnet.env is still there"));
	verdict_free(v);
	free_node(&n);
}

/* The phase of each kind of node, the step of the guide, and readiness only in native. */
static void test_phases(void **state)
{
	static const struct {
		const char *scenario;
		Phase phase;
		MigrationStep step;
	} cases[] = {
	    {"a clean L2 node", PHASE_NATIVE, MIGRATION_STEP_NONE},
	    {"Flannel's leftovers, observe", PHASE_FLANNEL, MIGRATION_STEP_NONE},
	    {"a bridge with a pod, enforce", PHASE_FLANNEL, MIGRATION_STEP_NONE},
	    {"Cilium's own devices, tunnel mode", PHASE_TUNNEL, MIGRATION_STEP_NONE},
	    {"a glob over protected devices", PHASE_NATIVE, MIGRATION_STEP_NONE},
	    {"flannel.1 and cilium_vxlan on one port", PHASE_UNKNOWN, MIGRATION_STEP_NONE},
	    {"dual overlay, migrating, observe", PHASE_MIGRATING, MIGRATION_STEP_SWITCHED},
	    {"cni.customConf alone: migrating, tunnel mode a warning, not ready", PHASE_MIGRATING,
	     MIGRATION_STEP_BESIDE},
	};
	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		Verdict *v;
		Node n;
		run_scenario(scenario(cases[i].scenario), &v, &n);
		if (v->phase.phase != cases[i].phase || v->phase.step != cases[i].step)
			fail_msg("%s: phase %s step %d, expected %s step %d", cases[i].scenario,
				 phase_to_string(v->phase.phase), v->phase.step,
				 phase_to_string(cases[i].phase), cases[i].step);
		if (v->ready)
			assert_int_equal(v->phase.phase, PHASE_NATIVE);
		verdict_free(v);
		free_node(&n);
	}

	/* The guide's steps on one node: Cilium beside Flannel, pods on both, all moved. */
	Node n = {};
	Verdict *v;
	base_node(&n);
	configure(&n, NULL);
	nb_vxlan(n.ns, FLANNEL, "flannel.1", 1, 8472, false);
	nb_vxlan(n.ns, CILIUM_VXLAN, "cilium_vxlan", 0, 8473, true);
	nb_link(n.ns, CNI0, "cni0", "bridge", IFF_UP);
	nb_port(n.ns, POD1, "veth1234", CNI0);
	assert_int_equal(evaluate(n.c, n.ns, n.h, &n.history, &v), 0);
	assert_int_equal(v->phase.step, MIGRATION_STEP_BESIDE);
	assert_non_null(strstr(migration_step_text(v->phase.step),
			       "io.cilium.migration/cilium-default=true"));
	verdict_free(v);
	nb_link(n.ns, LXC_POD, "lxc0a1b2c3d", "veth", IFF_UP);
	assert_int_equal(evaluate(n.c, n.ns, n.h, &n.history, &v), 0);
	assert_int_equal(v->phase.step, MIGRATION_STEP_SWITCHED);
	assert_int_equal(v->phase.flannel_pods, 1);
	assert_int_equal(v->phase.cilium_pods, 1);
	verdict_free(v);
	nb_del_link(n.ns, POD1);
	assert_int_equal(evaluate(n.c, n.ns, n.h, &n.history, &v), 0);
	assert_int_equal(v->phase.phase, PHASE_MIGRATING); /* the second overlay */
	assert_int_equal(v->phase.step, MIGRATION_STEP_MOVED);
	verdict_free(v);
	/* Flannel gone: Cilium alone in tunnel mode */
	nb_del_link(n.ns, FLANNEL);
	nb_del_link(n.ns, CNI0);
	assert_int_equal(evaluate(n.c, n.ns, n.h, &n.history, &v), 0);
	assert_int_equal(v->phase.phase, PHASE_TUNNEL);
	verdict_free(v);
	/* native routing: no tunnel device */
	nb_del_link(n.ns, CILIUM_VXLAN);
	assert_int_equal(evaluate(n.c, n.ns, n.h, &n.history, &v), 0);
	assert_int_equal(v->phase.phase, PHASE_NATIVE);
	assert_true(v->ready);
	verdict_free(v);
	free_node(&n);
}

static void test_evaluate_is_deterministic(void **state)
{
	Verdict *a, *b;
	Node n;

	run_scenario(scenario("K3s server with its defaults"), &a, &n);
	assert_int_equal(evaluate(n.c, n.ns, n.h, &n.history, &b), 0);
	assert_int_equal(a->n_findings, b->n_findings);
	for (size_t i = 0; i < a->n_findings; i++) {
		assert_int_equal(a->findings[i].check, b->findings[i].check);
		assert_string_equal(a->findings[i].subject, b->findings[i].subject);
		assert_string_equal(a->findings[i].message, b->findings[i].message);
		if (i > 0)
			assert_true(strcmp(check_to_string(a->findings[i - 1].check),
					   check_to_string(a->findings[i].check)) <= 0);
	}
	verdict_free(a);
	verdict_free(b);
	free_node(&n);
}

static void helm_for(const char *name, const char *config, HelmValues *hv)
{
	Scenario s = *scenario(name);
	Verdict *v;
	Node n;
	if (config)
		s.config = config;
	run_scenario(&s, &v, &n);
	helm_values_compute(n.c, n.ns, n.h, v, hv);
	verdict_free(v);
	free_node(&n);
}

static void test_helm_values(void **state)
{
	HelmValues hv;

	helm_for("a clean L2 node", NULL, &hv);
	assert_true(hv.auto_direct_node_routes);
	assert_string_equal(hv.native_cidr, "10.42.0.0/16");
	assert_string_equal(hv.native_cidr_why, "native-routing-cidr in routeguard.yaml");
	assert_int_equal(hv.mtu, 1500); /* the native device's */
	assert_string_equal(hv.mtu_device, "eth0");
	assert_true(hv.kube_proxy_replacement);
	assert_int_equal(hv.n_candidate_nics, 1);
	assert_string_equal(hv.device, ""); /* one NIC: Cilium finds it */

	helm_for("Hetzner Cloud: peers behind the gateway", NULL, &hv);
	assert_false(hv.auto_direct_node_routes);
	assert_non_null(strstr(hv.auto_direct_node_routes_why, "hcloud-cloud-controller-manager"));
	assert_int_equal(hv.mtu, 1450);

	helm_for("no route at all", NULL, &hv);
	assert_false(hv.auto_direct_node_routes); /* unknown without peers */
	assert_int_equal(hv.mtu, 0);		  /* no native device */

	helm_for("a clean L2 node", "expect: {mtu: 1400, kube-proxy-replacement: false}\n", &hv);
	assert_int_equal(hv.mtu, 1400);
	assert_false(hv.kube_proxy_replacement);
	json_object *o = helm_values_to_json(&hv);
	assert_null(json_object_object_get(o, "k8sServiceHost")); /* only with kube-proxy replacement */
	json_object_put(o);

	/* K3s's cluster-cidr is ipv4NativeRoutingCIDR */
	helm_for("K3s server ready for Cilium", "native-routing-cidr: 10.0.0.0/8\n", &hv);
	assert_string_equal(hv.native_cidr, "10.42.0.0/16");
	assert_string_equal(hv.native_cidr_why, "K3s's cluster-cidr");
	assert_string_equal(hv.native_cidr_overlap, "");
}

/* Hetzner Cloud with a private network: a public and a private NIC, peers behind the gateway. */
static void hetzner_two_nics(Node *n)
{
	hetzner_cloud(n);
	nb_link(n->ns, 20, "eth0", "", IFF_UP);
	nb_addr(n->ns, 20, "203.0.113.5/32");
	k3s_server_ready(n);
}

/* The text and the JSON carry the same values: the text is rendered from the JSON. */
static void test_helm_values_hetzner_exact(void **state)
{
	Scenario s = {"Hetzner, two NICs", "peers: [10.0.0.3]\nnative-device: enp7s0\n",
		      hetzner_two_nics, {NULL}, false};
	HelmValues hv;
	Verdict *v;
	Node n;
	char *text;

	run_scenario(&s, &v, &n);
	helm_values_compute(n.c, n.ns, n.h, v, &hv);
	verdict_free(v);
	free_node(&n);
	assert_int_equal(hv.n_candidate_nics, 2);

	json_object *o = helm_values_to_json(&hv);
	assert_string_equal(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN),
			    "{\"routingMode\":\"native\",\"ipv4NativeRoutingCIDR\":\"10.42.0.0\\/16\","
			    "\"autoDirectNodeRoutes\":false,\"kubeProxyReplacement\":true,"
			    "\"k8sServiceHost\":\"127.0.0.1\",\"k8sServicePort\":6444,"
			    "\"devices\":[\"enp7s0\"],\"MTU\":1450,\"ipam\":{\"mode\":\"kubernetes\"}}");
	json_object_put(o);

	assert_int_equal(helm_values_to_text(&hv, 2, &text), 0);
	assert_string_equal(
	    text,
	    "  routingMode: native   # replaces tunnel: disabled (removed in Cilium 1.15; unset = "
	    "tunnel)\n"
	    "  ipv4NativeRoutingCIDR: 10.42.0.0/16   # K3s's cluster-cidr\n"
	    "  autoDirectNodeRoutes: false   # peers are behind a gateway (layer 3, like Hetzner "
	    "Cloud): the pod routes come from hcloud-cloud-controller-manager's route controller\n"
	    "  kubeProxyReplacement: true\n"
	    "  k8sServiceHost: 127.0.0.1   # K3s's local API endpoint, on servers and agents\n"
	    "  k8sServicePort: 6444\n"
	    "  devices: [enp7s0]   # the native device: the node has 2 NICs Cilium could pick\n"
	    "  MTU: 1450   # of enp7s0\n"
	    "  ipam:\n"
	    "    mode: kubernetes   # the pod CIDRs K3s assigns each node (the ranges a cloud "
	    "controller routes)\n"
	    "\n"
	    "  as flags: --set routingMode=native --set ipv4NativeRoutingCIDR=10.42.0.0/16 --set "
	    "autoDirectNodeRoutes=false --set kubeProxyReplacement=true --set "
	    "k8sServiceHost=127.0.0.1 --set k8sServicePort=6444 --set devices='{enp7s0}' --set "
	    "MTU=1450 --set ipam.mode=kubernetes\n");
	free(text);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scenarios),
		cmocka_unit_test(test_remediation_and_words),
		cmocka_unit_test(test_leftover_words),
		cmocka_unit_test(test_phases),
		cmocka_unit_test(test_evaluate_is_deterministic),
		cmocka_unit_test(test_helm_values),
		cmocka_unit_test(test_helm_values_hetzner_exact),
	};
	return unit_main(argc, argv, tests);
}
