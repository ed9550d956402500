/* SPDX-License-Identifier: MIT */
/* routeguard.yaml: every broken file names FILE:LINE:COLUMN, what was found and what was expected. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "protect.h"
#include "unit-main.h"

#define CIDR "native-routing-cidr: 10.42.0.0/16\n"

static const struct {
	const char *yaml;
	const char *error;
} BROKEN[] = {
	{"", "t.yaml:1:1: native-routing-cidr is missing, expected the pod CIDR that must be natively routed, such as native-routing-cidr: 10.42.0.0/16"},
	{"mode: observe\n", "t.yaml:1:1: native-routing-cidr is missing, expected the pod CIDR that must be natively routed, such as native-routing-cidr: 10.42.0.0/16"},
	{"native-routing-cidr: 10.42.1.0/16\n", "t.yaml:1:22: native-routing-cidr: found '10.42.1.0/16' with host bits set, expected a network CIDR"},
	{"native-routing-cidr: banana\n", "t.yaml:1:22: native-routing-cidr: found 'banana', expected a CIDR such as 10.42.0.0/16"},
	{"native-routing-cidr: 10.42.0.0\n", "t.yaml:1:22: native-routing-cidr: found '10.42.0.0', expected a CIDR such as 10.42.0.0/16"},
	{"native-routing-cidr: 0.0.0.0/0\n", "t.yaml:1:22: native-routing-cidr: found '0.0.0.0/0', expected a CIDR narrower than /0"},
	{"native-routing-cidr: [10.42.0.0/16]\n", "t.yaml:1:22: native-routing-cidr: found a list, expected a single value"},
	{"native-routing-cidr: 10.42.0.0/33\n", "t.yaml:1:22: native-routing-cidr: found '10.42.0.0/33', expected a CIDR such as 10.42.0.0/16"},
	{CIDR "nativ-device: eth0\n", "t.yaml:2:1: unknown key 'nativ-device', expected one of: mode, native-routing-cidr, native-device, peers, expect, k3s, cni, devices, enforce, metrics, cilium, firewall"},
	{CIDR "mode: enforcing\n", "t.yaml:2:7: mode: found 'enforcing', expected observe or enforce"},
	{CIDR "mode: {enforce: true}\n", "t.yaml:2:7: mode: found a mapping, expected a single value"},
	{CIDR "native-device: averyveryverylongname\n", "t.yaml:2:16: native-device: found 'averyveryverylongname', expected auto or a device name (1-15 characters, no '/', ':' or spaces)"},
	{CIDR "native-device: eth/0\n", "t.yaml:2:16: native-device: found 'eth/0', expected auto or a device name (1-15 characters, no '/', ':' or spaces)"},
	{CIDR "peers: 10.0.0.2\n", "t.yaml:2:8: peers: found a scalar, expected a list of node IP addresses"},
	{CIDR "peers: [10.0.0.2, 10.0.0.300]\n", "t.yaml:2:19: peers: found '10.0.0.300', expected an IPv4 or IPv6 address"},
	{CIDR "expect: true\n", "t.yaml:2:9: expect: found a scalar, expected a mapping of keys"},
	{CIDR "expect:\n  direct-routes: true\n", "t.yaml:3:3: unknown key 'direct-routes' in expect, expected one of: direct-node-routes, kube-proxy-replacement, mtu"},
	{CIDR "expect:\n  direct-node-routes: yes\n", "t.yaml:3:23: expect.direct-node-routes: found 'yes', expected true or false"},
	{CIDR "expect: {mtu: 70000}\n", "t.yaml:2:15: expect.mtu: found 70000, expected at most 65535"},
	{CIDR "expect: {mtu: 50}\n", "t.yaml:2:15: expect.mtu: found 50, expected 0 (not checked) or 68 to 65535"},
	{CIDR "expect: {mtu: big}\n", "t.yaml:2:15: expect.mtu: found 'big', expected a whole number"},
	{CIDR "expect: {mtu: -1}\n", "t.yaml:2:15: expect.mtu: found '-1', expected a whole number"},
	{CIDR "k3s: {config: etc/k3s.yaml}\n", "t.yaml:2:15: k3s.config: found 'etc/k3s.yaml', expected an absolute path"},
	{CIDR "k3s: {units: /etc/k3s.service}\n", "t.yaml:2:14: k3s.units: found a scalar, expected a list such as [a, b]"},
	{CIDR "cni:\n  conf-dirs: [/etc/cni/net.d, net.d]\n", "t.yaml:3:31: cni.conf-dirs: found 'net.d', expected an absolute path"},
	{CIDR "cni: {quarantine-dir: quarantine}\n", "t.yaml:2:23: cni.quarantine-dir: found 'quarantine', expected an absolute path"},
	{CIDR "devices: {remove: [{kind: vxlan}]}\n", "t.yaml:2:20: devices.remove: a rule without name, expected {name: GLOB, kind: KIND}"},
	{CIDR "devices:\n  remove:\n    - {name: x, type: vxlan}\n", "t.yaml:4:17: devices.remove: unknown key 'type', expected name or kind"},
	{CIDR "devices:\n  remove:\n    - {name: x, kind: 'VX LAN'}\n", "t.yaml:4:23: devices.remove.kind: found 'VX LAN', expected a link kind such as vxlan, bridge or wireguard"},
	{CIDR "devices:\n  remove: {name: cni0}\n", "t.yaml:3:11: devices.remove: found a mapping, expected a list of rules such as - {name: cni0, kind: bridge}"},
	{CIDR "devices:\n  remove:\n    - {name: lo}\n", "t.yaml:4:7: devices.remove: found 'lo', expected a device that may be removed: lo, cilium_* and lxc* are never removed"},
	{CIDR "devices:\n  remove:\n    - {name: cilium_vxlan, kind: vxlan}\n", "t.yaml:4:7: devices.remove: found 'cilium_vxlan', expected a device that may be removed: lo, cilium_* and lxc* are never removed"},
	{CIDR "devices:\n  remove:\n    - name: \"cilium_*\"\n", "t.yaml:4:7: devices.remove: found 'cilium_*', expected a device that may be removed: it can only match Cilium's devices (cilium_*, lxc*), which are never removed"},
	{CIDR "devices:\n  remove:\n    - name: \"lxc*\"\n", "t.yaml:4:7: devices.remove: found 'lxc*', expected a device that may be removed: it can only match Cilium's devices (cilium_*, lxc*), which are never removed"},
	{CIDR "native-device: enp7s0\ndevices:\n  remove:\n    - {name: enp7s0}\n", "t.yaml:5:7: devices.remove: found 'enp7s0', expected a device that may be removed: it is the native-device, which is never removed"},
	{CIDR "devices:\n  keep: [\"vxlan1*\"]\n  remove:\n    - {name: vxlan100, kind: vxlan}\n", "t.yaml:5:7: devices.remove: found 'vxlan100', expected a device that may be removed: devices.keep protects it"},
	{CIDR "devices:\n  keep: ['a/b']\n", "t.yaml:3:10: devices.keep: found 'a/b', expected a device name or glob (1-15 characters, no '/', ':' or spaces)"},
	{CIDR "enforce:\n  recreate-limit: {count: 0, window: 60s}\n", "t.yaml:3:27: enforce.recreate-limit.count: found 0, expected at least 1"},
	{CIDR "enforce:\n  recreate-limit: {count: 5, window: 1 minute}\n", "t.yaml:3:38: enforce.recreate-limit.window: found '1 minute', expected a duration such as 60s, 5m or 500ms"},
	{CIDR "enforce:\n  recreate-limit: {count: 5, window: 0s}\n", "t.yaml:3:38: enforce.recreate-limit.window: found '0s', expected a duration longer than 0"},
	{CIDR "enforce:\n  recreate-limit: {count: 5, window: 25h}\n", "t.yaml:3:38: enforce.recreate-limit.window: found '25h', expected at most 24h"},
	{CIDR "enforce:\n  recreate-limit: {max: 5}\n", "t.yaml:3:20: enforce.recreate-limit: unknown key 'max', expected count or window"},
	{CIDR "enforce:\n  recreate-limit: 5\n", "t.yaml:3:19: enforce.recreate-limit: found a scalar, expected {count: N, window: DURATION}"},
	{CIDR "enforce: {bridge-with-ports: drain}\n", "t.yaml:2:30: enforce.bridge-with-ports: found 'drain', expected pending or remove"},
	{CIDR "metrics: {textfile: routeguard.prom}\n", "t.yaml:2:21: metrics.textfile: found 'routeguard.prom', expected an absolute path or \"\" to disable"},
	{CIDR "cilium: {socket: cilium.sock}\n", "t.yaml:2:18: cilium.socket: found 'cilium.sock', expected an absolute path or \"\" to disable"},
	{CIDR "cilium:\n  kubelet-pods-dir: [/var/lib/kubelet/pods]\n", "t.yaml:3:21: cilium.kubelet-pods-dir: found a list, expected a single value"},
	{CIDR "cilium:\n  pod-logs-dir: var/log/pods\n", "t.yaml:3:17: cilium.pod-logs-dir: found 'var/log/pods', expected an absolute path or \"\" to disable"},
	{CIDR "cilium: {poll-interval: 30}\n", "t.yaml:2:25: cilium.poll-interval: found '30', expected a duration such as 60s, 5m or 500ms"},
	{CIDR "cilium: {poll-interval: 0s}\n", "t.yaml:2:25: cilium.poll-interval: found '0s', expected a duration longer than 0"},
	{CIDR "cilium:\n  sock: /run/cilium.sock\n", "t.yaml:3:3: unknown key 'sock' in cilium, expected one of: socket, kubelet-pods-dir, pod-logs-dir, poll-interval"},
	{CIDR "mode: observe\nmode: enforce\n", "t.yaml:3:1: duplicate key 'mode', expected each key once"},
	{CIDR "mode: [observe\n", "t.yaml:3:1: YAML syntax: did not find expected ',' or ']' while parsing a flow sequence"},
	{CIDR "mode: observe\n  bad: x\n", "t.yaml:3:6: YAML syntax: mapping values are not allowed in this context"},
	{CIDR "---\nmode: observe\n", "t.yaml:3:1: found a second YAML document, expected one per file"},
	{"- native-routing-cidr: 10.42.0.0/16\n", "t.yaml:1:1: found a list at the top of the file, expected keys such as native-routing-cidr: 10.42.0.0/16"},
	{CIDR "mode: *nothing\n", "t.yaml:2:7: YAML syntax: found undefined alias"},
	{"native-routing-cidr: 10.42.0.0/16\n\tmode: observe\n", "t.yaml:2:1: YAML syntax: found a tab character that violates indentation while scanning a plain scalar"},
	{"native-routing-cidr: 10.42.0.0/16\npeers: [{a: 1}]\n", "t.yaml:2:9: peers: found a mapping, expected a single value"},
	{CIDR "firewall: {poll-interval: 0s}\n", "t.yaml:2:27: firewall.poll-interval: found '0s', expected a duration longer than 0"},
	{CIDR "firewall: {poll-interval: often}\n", "t.yaml:2:27: firewall.poll-interval: found 'often', expected a duration such as 60s, 5m or 500ms"},
	{CIDR "firewall: {remove: FLANNEL-*}\n", "t.yaml:2:20: firewall.remove: found a scalar, expected a list such as [a, b]"},
	{CIDR "firewall: {remove: [\"FLANNEL POSTRTG\"]}\n", "t.yaml:2:21: firewall.remove: found 'FLANNEL POSTRTG', expected a chain name or glob such as FLANNEL-*"},
	{CIDR "firewall: {remove: [\"CILIUM_*\"]}\n", "t.yaml:2:21: firewall.remove: found 'CILIUM_*', expected a chain that may be removed: Cilium's chains are never removed"},
	{CIDR "firewall: {remove: [KUBE-FIREWALL]}\n", "t.yaml:2:21: firewall.remove: found 'KUBE-FIREWALL', expected a chain of Flannel, kube-router, kube-proxy or portmap (or their nftables table): only those are ever removed"},
	{CIDR "firewall: {keep: []}\n", "t.yaml:2:12: unknown key 'keep' in firewall, expected one of: poll-interval, remove"},
};

static void test_broken_files(void **state)
{
	size_t failures = 0;

	for (size_t i = 0; i < ELEMENTSOF(BROKEN); i++) {
		Config *c = NULL;
		ConfigError e = {};
		int r = config_load_string("t.yaml", BROKEN[i].yaml, strlen(BROKEN[i].yaml), &c, &e);
		if (r != -EINVAL || strcmp(e.text, BROKEN[i].error) != 0) {
			print_error("case %zu:\n%s\nexpected: %s\nfound:    %s (r=%d)\n", i,
				    BROKEN[i].yaml, BROKEN[i].error, e.text, r);
			failures++;
		}
		assert_null(c);
	}
	assert_true(ELEMENTSOF(BROKEN) >= 30);
	assert_int_equal(failures, 0);
}

static void test_minimal_file_gets_every_default(void **state)
{
	Config *c = NULL;
	ConfigError e = {};
	char buf[PREFIX_STRLEN];

	assert_int_equal(config_load_string("t.yaml", CIDR, strlen(CIDR), &c, &e), 0);
	assert_int_equal(c->mode, MODE_OBSERVE);
	assert_string_equal(prefix_format(&c->native_routing_cidr, buf), "10.42.0.0/16");
	assert_string_equal(c->native_device, "auto");
	assert_int_equal(c->n_peers, 0);
	assert_true(c->expect.direct_node_routes);
	assert_true(c->expect.kube_proxy_replacement);
	assert_int_equal(c->expect.mtu, 0);
	assert_string_equal(c->k3s.config, "/etc/rancher/k3s/config.yaml");
	/* no units by default: they are discovered by what they run */
	assert_false(c->k3s.config_set);
	assert_false(c->k3s.units_set);
	assert_int_equal(c->k3s.units.n, 0);
	assert_int_equal(c->cni.conf_dirs.n, 2);
	assert_string_equal(c->cni.conf_dirs.items[0], "/etc/cni/net.d");
	assert_string_equal(c->cni.conf_dirs.items[1], "/var/lib/rancher/k3s/agent/etc/cni/net.d");
	assert_string_equal(c->cni.quarantine_dir, "/var/lib/routeguard/quarantine");
	assert_int_equal(c->devices.n_remove, 5);
	assert_string_equal(c->devices.remove[0].name, "flannel.*");
	assert_string_equal(c->devices.remove[0].kind, "vxlan");
	assert_string_equal(c->devices.remove[1].name, "flannel-v6.*");
	assert_string_equal(c->devices.remove[2].name, "flannel-wg*");
	assert_string_equal(c->devices.remove[2].kind, "wireguard");
	assert_string_equal(c->devices.remove[3].name, "cni0");
	assert_string_equal(c->devices.remove[3].kind, "bridge");
	assert_int_equal(c->devices.keep.n, 0);
	assert_int_equal(c->enforce.recreate_count, 5);
	assert_int_equal(c->enforce.recreate_window_usec, 60 * 1000000ULL);
	assert_int_equal(c->enforce.bridge_with_ports, BRIDGE_WITH_PORTS_PENDING);
	assert_string_equal(c->metrics_textfile,
			    "/var/lib/prometheus/node-exporter/routeguard.prom");
	assert_string_equal(c->cilium.socket, "/var/run/cilium/cilium.sock");
	assert_string_equal(c->cilium.kubelet_pods_dir, "/var/lib/kubelet/pods");
	assert_string_equal(c->cilium.pod_logs_dir, "/var/log/pods");
	assert_int_equal(c->cilium.poll_interval_usec, 30 * 1000000ULL);
	config_free(c);
}

static const char FULL[] =
	"# every key, none at its default\n"
	"mode: enforce\n"
	"native-routing-cidr: 10.244.0.0/16\n"
	"native-device: enp7s0\n"
	"peers: [10.0.0.3, '10.0.0.4', fd00::5]\n"
	"expect:\n"
	"  direct-node-routes: false\n"
	"  kube-proxy-replacement: false\n"
	"  mtu: 1450\n"
	"k3s:\n"
	"  config: /tmp/k3s/config.yaml\n"
	"  units: [/tmp/k3s.service]\n"
	"cni:\n"
	"  conf-dirs: [/tmp/net.d]\n"
	"  quarantine-dir: /tmp/quarantine\n"
	"devices:\n"
	"  remove:\n"
	"    - {name: \"flannel.*\", kind: vxlan}\n"
	"    - name: kube-ipvs0\n"
	"  keep: [\"vxlan-user*\"]\n"
	"enforce:\n"
	"  recreate-limit: {count: 3, window: 1m30s}\n"
	"  bridge-with-ports: remove\n"
	"metrics:\n"
	"  textfile: \"\"\n"
	"cilium:\n"
	"  socket: \"\"\n"
	"  kubelet-pods-dir: /tmp/pods\n"
	"  pod-logs-dir: \"\"\n"
	"  poll-interval: 2m\n";

static void test_full_file_sets_every_value(void **state)
{
	Config *c = NULL;
	ConfigError e = {};
	char buf[PREFIX_STRLEN];

	if (config_load_string("full.yaml", FULL, strlen(FULL), &c, &e) < 0)
		fail_msg("%s", e.text);
	assert_int_equal(c->mode, MODE_ENFORCE);
	assert_string_equal(prefix_format(&c->native_routing_cidr, buf), "10.244.0.0/16");
	assert_string_equal(c->native_device, "enp7s0");
	assert_int_equal(c->n_peers, 3);
	assert_string_equal(prefix_format(&c->peers[0], buf), "10.0.0.3/32");
	assert_string_equal(prefix_format(&c->peers[1], buf), "10.0.0.4/32");
	assert_string_equal(prefix_format(&c->peers[2], buf), "fd00::5/128");
	assert_false(c->expect.direct_node_routes);
	assert_false(c->expect.kube_proxy_replacement);
	assert_int_equal(c->expect.mtu, 1450);
	assert_string_equal(c->k3s.config, "/tmp/k3s/config.yaml");
	assert_true(c->k3s.config_set);
	assert_true(c->k3s.units_set);
	assert_int_equal(c->k3s.units.n, 1);
	assert_string_equal(c->k3s.units.items[0], "/tmp/k3s.service");
	assert_int_equal(c->cni.conf_dirs.n, 1);
	assert_string_equal(c->cni.conf_dirs.items[0], "/tmp/net.d");
	assert_string_equal(c->cni.quarantine_dir, "/tmp/quarantine");
	assert_int_equal(c->devices.n_remove, 2);
	assert_string_equal(c->devices.remove[1].name, "kube-ipvs0");
	assert_null(c->devices.remove[1].kind);
	assert_int_equal(c->devices.keep.n, 1);
	assert_string_equal(c->devices.keep.items[0], "vxlan-user*");
	assert_int_equal(c->enforce.recreate_count, 3);
	assert_int_equal(c->enforce.recreate_window_usec, 90 * 1000000ULL);
	assert_int_equal(c->enforce.bridge_with_ports, BRIDGE_WITH_PORTS_REMOVE);
	assert_string_equal(c->metrics_textfile, "");
	assert_string_equal(c->cilium.socket, "");
	assert_string_equal(c->cilium.kubelet_pods_dir, "/tmp/pods");
	assert_string_equal(c->cilium.pod_logs_dir, "");
	assert_int_equal(c->cilium.poll_interval_usec, 120 * 1000000ULL);
	config_free(c);
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* Drop-ins merge in alphabetical order: scalars replace, lists replace whole, mappings merge. */
static void test_dropins_merge_in_order(void **state)
{
	char dir[] = "/tmp/routeguard-config-XXXXXX", path[128], dropins[160], file[300];
	Config *c = NULL;
	ConfigError e = {};

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/routeguard.yaml", dir);
	snprintf(dropins, sizeof(dropins), "%s.d", path);
	assert_int_equal(mkdir(dropins, 0755), 0);
	write_text(path, CIDR "expect: {mtu: 1450}\npeers: [10.0.0.3]\n");
	snprintf(file, sizeof(file), "%s/20-enforce.yaml", dropins);
	write_text(file, "mode: enforce\npeers: [10.0.0.9]\n");
	snprintf(file, sizeof(file), "%s/10-mtu.yaml", dropins);
	write_text(file, "expect: {direct-node-routes: false}\nmode: observe\n");
	snprintf(file, sizeof(file), "%s/30-ignored.conf", dropins);
	write_text(file, "this is not yaml: [\n");

	if (config_load(path, &c, &e) < 0)
		fail_msg("%s", e.text);
	assert_int_equal(c->mode, MODE_ENFORCE);	/* 20 wins over 10 */
	assert_int_equal(c->expect.mtu, 1450);		/* kept from the main file */
	assert_false(c->expect.direct_node_routes);	/* merged from 10 */
	assert_int_equal(c->n_peers, 1);		/* the list was replaced */
	config_free(c);
	c = NULL;

	/* An error in a drop-in names the drop-in. */
	snprintf(file, sizeof(file), "%s/15-bad.yaml", dropins);
	write_text(file, "\n\nmode: always\n");
	assert_int_equal(config_load(path, &c, &e), -EINVAL);
	char expected[512];
	snprintf(expected, sizeof(expected),
		 "%s:3:7: mode: found 'always', expected observe or enforce", file);
	assert_string_equal(e.text, expected);
	assert_null(c);

	/* A drop-in may supply the CIDR, and a rule in one is checked against keep in another. */
	write_text(path, "mode: observe\n");
	write_text(file, CIDR "devices: {remove: [{name: vxlan7}]}\n");
	snprintf(file, sizeof(file), "%s/20-enforce.yaml", dropins);
	write_text(file, "devices: {keep: [vxlan7]}\n");
	assert_int_equal(config_load(path, &c, &e), -EINVAL);
	assert_non_null(strstr(e.text, "15-bad.yaml:2:20: devices.remove: found 'vxlan7'"));

	char cmd[400];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

static void test_unreadable_file(void **state)
{
	Config *c = NULL;
	ConfigError e = {};
	assert_int_equal(config_load("/nonexistent/routeguard.yaml", &c, &e), -ENOENT);
	assert_string_equal(e.text,
			    "/nonexistent/routeguard.yaml:1:1: cannot read the file: No such file or directory");
	assert_int_equal(config_load("/tmp", &c, &e), -EINVAL);
	assert_string_equal(e.text, "/tmp:1:1: found something other than a file, expected a YAML file");
}

/* packaging/routeguard.yaml, the file a fresh install gets, loads and only observes. */
static void test_shipped_default_file(void **state)
{
	Config *c = NULL;
	ConfigError e = {};

	if (config_load(DEFAULT_CONFIG_FILE, &c, &e) < 0)
		fail_msg("%s", e.text);
	assert_int_equal(c->mode, MODE_OBSERVE);
	assert_int_equal(c->devices.n_remove, 5);
	assert_int_equal(c->enforce.recreate_count, 5);
	/* K3s's units are discovered unless a file sets them */
	assert_false(c->k3s.units_set);
	assert_false(c->k3s.config_set);
	config_free(c);
}

static void test_protected_names(void **state)
{
	assert_true(device_name_is_protected("lo"));
	assert_true(device_name_is_protected("cilium_host"));
	assert_true(device_name_is_protected("lxc_health"));
	assert_true(device_name_is_protected("lxc12ab"));
	assert_false(device_name_is_protected("flannel.1"));
	assert_false(device_name_is_protected("local0"));
	assert_false(device_name_is_protected("cilium"));
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_broken_files),
		cmocka_unit_test(test_minimal_file_gets_every_default),
		cmocka_unit_test(test_full_file_sets_every_value),
		cmocka_unit_test(test_dropins_merge_in_order),
		cmocka_unit_test(test_unreadable_file),
		cmocka_unit_test(test_shipped_default_file),
		cmocka_unit_test(test_protected_names),
	};
	return unit_main(argc, argv, tests);
}
