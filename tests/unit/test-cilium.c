/* SPDX-License-Identifier: MIT */
/*
 * Cilium read on the node: the agent's /v1/healthz and /v1/config bodies (shaped as
 * api/v1/openapi.yaml says, 1.13 to 1.16), its configuration directory in both layouts (with the
 * ..data swap), and CRI logs against the table of known fatal lines.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cilium.h"
#include "testdata.h"
#include "unit-main.h"

static void parse_file(const char *name, bool healthz, CiliumAgentView *v, int expected)
{
	void *body;
	size_t len;
	testdata_read(name, &body, &len);
	int r = healthz ? cilium_agent_parse_healthz(v, body, len)
			: cilium_agent_parse_config(v, body, len);
	free(body);
	assert_int_equal(r, expected);
}

static void test_agent_native(void **state)
{
	CiliumAgentView v = {.auto_direct_node_routes = -1};

	parse_file("cilium/healthz-native.json", true, &v, 0);
	assert_true(v.healthz);
	assert_string_equal(v.state, "Ok");
	assert_int_equal(v.routing_mode, CILIUM_ROUTING_NATIVE);
	parse_file("cilium/config-native.json", false, &v, 0);
	assert_true(v.config);
	assert_int_equal(v.auto_direct_node_routes, 0);
	assert_string_equal(v.native_routing_cidr, "10.42.0.0/16"); /* from {IP, Mask base64} */
	assert_int_equal(v.n_devices, 1);
	assert_string_equal(v.devices[0], "enp7s0");
	assert_int_equal(v.mtu, 0);
	assert_int_equal(v.device_mtu, 1450);
	assert_string_equal(v.kube_proxy_replacement, "true");
	assert_string_equal(v.ipam, "kubernetes");
	cilium_agent_view_clear(&v);
}

static void test_agent_tunnel(void **state)
{
	CiliumAgentView v = {.auto_direct_node_routes = -1};

	parse_file("cilium/healthz-tunnel.json", true, &v, 0);
	assert_int_equal(v.routing_mode, CILIUM_ROUTING_TUNNEL);
	parse_file("cilium/config-tunnel.json", false, &v, 0);
	assert_int_equal(v.routing_mode, CILIUM_ROUTING_TUNNEL);
	assert_null(v.native_routing_cidr); /* null */
	assert_string_equal(v.ipam, "cluster-pool");
	assert_string_equal(v.kube_proxy_replacement, "false");
	cilium_agent_view_clear(&v);
}

/* 1.14 and 1.15 have no "routing" in healthz: the mode comes from /v1/config alone. */
static void test_agent_before_1_16(void **state)
{
	CiliumAgentView v = {.auto_direct_node_routes = -1};

	parse_file("cilium/healthz-1.15.json", true, &v, 0);
	assert_true(v.healthz);
	assert_int_equal(v.routing_mode, CILIUM_ROUTING_UNKNOWN);
	parse_file("cilium/config-tunnel.json", false, &v, 0);
	assert_int_equal(v.routing_mode, CILIUM_ROUTING_TUNNEL);
	cilium_agent_view_clear(&v);

	parse_file("cilium/healthz-1.13.json", true, &v, 0);
	assert_int_equal(v.routing_mode, CILIUM_ROUTING_UNKNOWN);
	parse_file("cilium/config-cidr-string.json", false, &v, 0);
	assert_int_equal(v.routing_mode,
			 CILIUM_ROUTING_NATIVE); /* TunnelProtocol vxlan is no sign */
	assert_string_equal(v.native_routing_cidr, "10.42.0.0/16");
	cilium_agent_view_clear(&v);
}

static void test_agent_garbage(void **state)
{
	static const char *const bodies[] = {
	    "",
	    "{",
	    "[]",
	    "null",
	    "{\"cilium\": 3}",
	    "{\"cilium\":{}} trailing",
	    "<html>502</html>",
	    "{\"status\":{\"daemonConfigurationMap\":[]}}",
	};
	CiliumAgentView v = {.auto_direct_node_routes = -1};

	for (size_t i = 0; i < ELEMENTSOF(bodies); i++) {
		assert_int_equal(cilium_agent_parse_healthz(&v, bodies[i], strlen(bodies[i])),
				 -EBADMSG);
		assert_int_equal(cilium_agent_parse_config(&v, bodies[i], strlen(bodies[i])),
				 -EBADMSG);
	}
	assert_false(v.healthz);
	assert_false(v.config);
	/* Odd values are skipped, not trusted. */
	static const char odd[] =
	    "{\"status\":{\"deviceMTU\":-5,\"daemonConfigurationMap\":{\"RoutingMode\":\"bogus\","
	    "\"IPv4NativeRoutingCIDR\":{\"IP\":\"10.42.0.0\",\"Mask\":\"/wD/AA==\"},"
	    "\"Devices\":[1,\"eth0\",null],\"MTU\":99999}}}";
	assert_int_equal(cilium_agent_parse_config(&v, odd, strlen(odd)), 0);
	assert_int_equal(v.routing_mode, CILIUM_ROUTING_UNKNOWN);
	assert_null(v.native_routing_cidr); /* a mask with holes */
	assert_int_equal(v.n_devices, 1);
	assert_int_equal(v.mtu, 0);
	assert_int_equal(v.device_mtu, 0);
	cilium_agent_view_clear(&v);
}

static void test_config_keys(void **state)
{
	CiliumConfigView v = {};

	assert_int_equal(cilium_config_routing_mode(&v), CILIUM_ROUTING_TUNNEL); /* absent */
	assert_int_equal(cilium_config_set(&v, "tunnel", "disabled\n"), 0);
	assert_int_equal(cilium_config_routing_mode(&v),
			 CILIUM_ROUTING_TUNNEL); /* ignored since 1.15 */
	assert_string_equal(v.tunnel, "disabled");
	assert_int_equal(cilium_config_set(&v, "routing-mode", "  native \n"), 0);
	assert_int_equal(cilium_config_routing_mode(&v), CILIUM_ROUTING_NATIVE);
	assert_int_equal(cilium_config_set(&v, "routing-mode", "Native"), 0);
	assert_int_equal(cilium_config_routing_mode(&v), CILIUM_ROUTING_UNKNOWN);
	assert_int_equal(cilium_config_set(&v, "enable-bpf-masquerade", "true"), 0);
	assert_int_equal(v.n_keys, 4);
	cilium_config_view_clear(&v);
}

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[1200];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "we");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void make_dirs(const char *path)
{
	char buf[512];
	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			mkdir(buf, 0755);
			*p = '/';
		}
	mkdir(buf, 0755);
}

/* A directory as build-config (..data_<unix>, ..data.tmp) or the kubelet (..TIMESTAMP,
 * ..data_tmp) leaves it: the keys as symlinks into ..data. */
static void project(const char *dir, const char *data_dir, const char *tmp_name,
		    const char *const *kv)
{
	char path[1100], target[600], link[1100];

	make_dirs(dir);
	snprintf(path, sizeof(path), "%s/%s", dir, data_dir);
	make_dirs(path);
	for (size_t i = 0; kv[i]; i += 2) {
		write_file(path, kv[i], kv[i + 1]);
		snprintf(link, sizeof(link), "%s/%s", dir, kv[i]);
		snprintf(target, sizeof(target), "..data/%s", kv[i]);
		unlink(link);
		assert_int_equal(symlink(target, link), 0);
	}
	snprintf(link, sizeof(link), "%s/%s", dir, tmp_name);
	assert_int_equal(symlink(data_dir, link), 0);
	snprintf(path, sizeof(path), "%s/..data", dir);
	assert_int_equal(rename(link, path), 0);
}

static const char UID[] = "3f1c9a2e-7b4d-4c1e-9a55-0d2b6f8e1a10";

static const char *const INCIDENT[] = {
    "auto-direct-node-routes",
    "true",
    "tunnel",
    "disabled",
    "ipv4-native-routing-cidr",
    "10.42.0.0/16",
    "kube-proxy-replacement",
    "true",
    "ipam",
    "kubernetes",
    "enable-ipv4-masquerade",
    "true",
    "config-sources",
    "config-map:kube-system/cilium-config",
    NULL,
};

static void remove_tree(const char *dir)
{
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

static void test_config_dir_layouts(void **state)
{
	char root[] = "/tmp/routeguard-cilium-XXXXXX", dir[512];
	CiliumConfigView v;

	assert_non_null(mkdtemp(root));
	snprintf(dir, sizeof(dir), "%s/build-config", root);
	project(dir, "..data_1730941200", "..data.tmp", INCIDENT);
	assert_int_equal(cilium_config_load_dir(dir, &v), 0);
	assert_null(v.routing_mode);
	assert_int_equal(cilium_config_routing_mode(&v), CILIUM_ROUTING_TUNNEL);
	assert_string_equal(v.tunnel, "disabled");
	assert_string_equal(v.auto_direct_node_routes, "true");
	assert_string_equal(v.config_sources, "config-map:kube-system/cilium-config");
	assert_int_equal(v.n_keys, 7); /* ..data and ..data_* skipped */
	cilium_config_view_clear(&v);

	/* build-config again in the same pod: a new ..data_<unix>, the old one stays */
	static const char *const fixed[] = {"routing-mode", "native", "tunnel", "disabled", NULL};
	project(dir, "..data_1730941500", "..data.tmp", fixed);
	assert_int_equal(cilium_config_load_dir(dir, &v), 0);
	assert_string_equal(v.routing_mode, "native");
	assert_int_equal(cilium_config_routing_mode(&v), CILIUM_ROUTING_NATIVE);
	cilium_config_view_clear(&v);

	/* the kubelet's ConfigMap volume */
	snprintf(dir, sizeof(dir), "%s/configmap", root);
	static const char *const tunnel[] = {"routing-mode", "tunnel", "tunnel-protocol", "vxlan",
					     NULL};
	project(dir, "..2024_11_07_01_00_00.1234567890", "..data_tmp", tunnel);
	assert_int_equal(cilium_config_load_dir(dir, &v), 0);
	assert_string_equal(v.routing_mode, "tunnel");
	assert_string_equal(v.tunnel_protocol, "vxlan");
	cilium_config_view_clear(&v);

	snprintf(dir, sizeof(dir), "%s/absent", root);
	assert_int_equal(cilium_config_load_dir(dir, &v), -ENOENT);
	remove_tree(root);
}

static void fatal_of(const char *name, const char *expected_id, const char *quoted)
{
	CiliumFatal f;
	void *text;
	size_t len;

	testdata_read(name, &text, &len);
	assert_int_equal(cilium_log_newest_fatal(text, len, &f), 0);
	free(text);
	if (!expected_id) {
		assert_null(f.info);
		return;
	}
	assert_non_null(f.info);
	assert_string_equal(f.info->id, expected_id);
	assert_string_equal(f.line, quoted);
	cilium_fatal_clear(&f);
}

static void test_log_fatal_lines(void **state)
{
	fatal_of("cilium/log-incident.log", "R1",
		 "auto-direct-node-routes cannot be used with tunneling. Packets must be routed "
		 "through the tunnel device.");
	fatal_of("cilium/log-vxlan-port.log", "T2",
		 "failed to start: daemon creation failed: error while initializing daemon: failed "
		 "while reinitializing datapath: failed to setup vxlan tunnel device: setting up "
		 "vxlan device: creating vxlan device: setting up device cilium_vxlan: address "
		 "already in use");
	fatal_of("cilium/log-config-k2.log", "K2",
		 "Error: Build config failed: failed to start: Get "
		 "\"https://10.43.0.1:443/api/v1/namespaces/kube-system\": dial tcp 10.43.0.1:443: "
		 "i/o timeout");
	/* P and F parts joined across an unrelated stdout line; a +01:00 timestamp */
	fatal_of(
	    "cilium/log-partial.log", "D1",
	    "unable to determine direct routing device. Use --direct-routing-device to specify "
	    "it");
	fatal_of("cilium/log-running.log", NULL, NULL);

	CiliumFatal f;
	static const char info_only[] =
	    "2024-11-07T01:00:03Z stderr F level=info msg=\"auto-direct-node-routes cannot be "
	    "used with tunneling\"\n";
	assert_int_equal(cilium_log_newest_fatal(info_only, strlen(info_only), &f), 0);
	assert_null(f.info); /* not a terminal line */
	assert_int_equal(cilium_log_newest_fatal("", 0, &f), 0);
	assert_null(f.info);
}

static void test_fatal_table(void **state)
{
	size_t n;
	const CiliumFatalInfo *t = cilium_fatal_table(&n);

	assert_int_equal(n, 14);
	for (size_t i = 0; i < n; i++) {
		assert_non_null(t[i].match[0]);
		assert_true(strlen(t[i].what) > 10);
		assert_true(strlen(t[i].remedy) > 20);
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(t[i].id, t[j].id);
		/* Each row's texts reach that row, not an earlier one. */
		for (size_t k = 0; k < ELEMENTSOF(t[i].match) && t[i].match[k]; k++) {
			char line[512];
			snprintf(line, sizeof(line), "level=fatal msg=\"x %s y\"", t[i].match[k]);
			assert_ptr_equal(cilium_fatal_match(line), &t[i]);
		}
	}
	assert_non_null(strstr(t[0].remedy, "routingMode: native"));
}

static void write_log(const char *dir, const char *name, const char *fixture, time_t mtime)
{
	void *text;
	size_t len;
	char path[600];
	testdata_read(fixture, &text, &len);
	make_dirs(dir);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "we");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	fclose(f);
	free(text);
	struct timespec ts[2] = {{mtime, 0}, {mtime, 0}};
	assert_int_equal(utimensat(AT_FDCWD, path, ts, 0), 0);
}

static void test_files_load(void **state)
{
	char root[] = "/tmp/routeguard-cilium-XXXXXX", pods[300], logs[300], dir[600];
	CiliumFacts *f;

	assert_non_null(mkdtemp(root));
	snprintf(pods, sizeof(pods), "%s/pods", root);
	snprintf(logs, sizeof(logs), "%s/logs", root);
	assert_int_equal(cilium_facts_new(&f), 0);

	/* nothing there at all */
	assert_int_equal(cilium_files_load(pods, logs, f), 0);
	assert_false(f->have_config);
	assert_null(f->fatal.info);
	assert_null(f->pod_uid);

	/* the incident: the agent's newest attempt ends in R1; the operator's pod is not the agent
	 */
	snprintf(dir, sizeof(dir), "%s/kube-system_cilium-7xk2p_%s/cilium-agent", logs, UID);
	write_log(dir, "4.log", "cilium/log-vxlan-port.log", 1730941000);
	write_log(dir, "5.log", "cilium/log-incident.log", 1730940000); /* highest N wins */
	write_log(dir, "3.log.20241107-010000.gz", "cilium/log-config-k2.log", 1730942000);
	snprintf(dir, sizeof(dir), "%s/kube-system_cilium-7xk2p_%s/config", logs, UID);
	write_log(dir, "0.log", "cilium/log-running.log", 1730930000);
	snprintf(dir, sizeof(dir), "%s/kube-system_cilium-operator-5d7f_%s/cilium-operator", logs,
		 "aaaa");
	write_log(dir, "0.log", "cilium/log-config-k2.log", 1730943000);
	snprintf(dir, sizeof(dir), "%s/%s/%s", pods, UID, CILIUM_CONFIG_SUBDIRS[0]);
	project(dir, "..data_1730941200", "..data.tmp", INCIDENT);

	assert_int_equal(cilium_files_load(pods, logs, f), 0);
	assert_string_equal(f->pod_uid, UID);
	assert_true(f->have_config);
	assert_string_equal(f->config.tunnel, "disabled");
	assert_non_null(f->fatal.info);
	assert_string_equal(f->fatal.info->id, "R1");
	assert_non_null(strstr(f->fatal.path, "/cilium-agent/5.log"));
	assert_string_equal(f->fatal.timestamp, "2024-11-07T01:00:03.204511873Z");

	/* the config init container failed later than the agent's last attempt */
	snprintf(dir, sizeof(dir), "%s/kube-system_cilium-7xk2p_%s/config", logs, UID);
	write_log(dir, "1.log", "cilium/log-config-k2.log", 1730950000);
	assert_int_equal(cilium_files_load(pods, logs, f), 0);
	assert_string_equal(f->fatal.info->id, "K2");

	/* logs disabled: the pod is found by its containers/cilium-agent dir */
	snprintf(dir, sizeof(dir), "%s/%s/containers/cilium-agent", pods, UID);
	make_dirs(dir);
	assert_int_equal(cilium_files_load(pods, "", f), 0);
	assert_string_equal(f->pod_uid, UID);
	assert_true(f->have_config);
	assert_null(f->fatal.info);

	/* every source disabled */
	assert_int_equal(cilium_files_load(NULL, "", f), 0);
	assert_false(f->have_config);
	assert_null(f->pod_uid);

	cilium_facts_free(f);
	remove_tree(root);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_agent_native),      cmocka_unit_test(test_agent_tunnel),
	    cmocka_unit_test(test_agent_before_1_16), cmocka_unit_test(test_agent_garbage),
	    cmocka_unit_test(test_config_keys),	      cmocka_unit_test(test_config_dir_layouts),
	    cmocka_unit_test(test_log_fatal_lines),   cmocka_unit_test(test_fatal_table),
	    cmocka_unit_test(test_files_load),
	};
	return unit_main(argc, argv, tests);
}
