/* SPDX-License-Identifier: MIT */
/* The effective K3s configuration: files in order, "key+:" appends, unit flags win, roles. */
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

#include "k3sargs.h"
#include "k3sconfig.h"
#include "unit-main.h"

static K3sConfig *fresh(void)
{
	K3sConfig *k;
	assert_int_equal(k3sconfig_new(&k), 0);
	return k;
}

static void yaml(K3sConfig *k, const char *name, const char *text)
{
	assert_int_equal(k3sconfig_apply_yaml(k, name, text, strlen(text)), 0);
}

static void test_defaults_when_nothing_is_set(void **state)
{
	K3sConfig *k = fresh();
	Prefix p;
	char buf[PREFIX_STRLEN];

	assert_string_equal(k3sconfig_flannel_backend(k), "vxlan");
	assert_false(k3s_value_is_true(&k->disable_network_policy));
	assert_int_equal(k3sconfig_cluster_cidr4(k, &p), 0);
	assert_string_equal(prefix_format(&p, buf), "10.42.0.0/16");
	k3sconfig_free(k);
}

static void test_files_in_order_last_wins(void **state)
{
	K3sConfig *k = fresh();
	yaml(k, "/etc/rancher/k3s/config.yaml",
	     "# comments and keys routeguard does not read are fine\n"
	     "write-kubeconfig-mode: \"0644\"\n"
	     "flannel-backend: none\n"
	     "disable-network-policy: true\n"
	     "cluster-cidr: 10.42.0.0/16\n"
	     "node-label: [a=b, c=d]\n");
	/* a drop-in that turns Flannel back on: the incident's second trap */
	yaml(k, "/etc/rancher/k3s/config.yaml.d/50-old.yaml", "flannel-backend: vxlan\n");
	assert_string_equal(k3sconfig_flannel_backend(k), "vxlan");
	assert_string_equal(k->flannel_backend.source,
			    "/etc/rancher/k3s/config.yaml.d/50-old.yaml:1");
	assert_true(k3s_value_is_true(&k->disable_network_policy));
	assert_string_equal(k->disable_network_policy.source, "/etc/rancher/k3s/config.yaml:4");
	assert_int_equal(k3sconfig_n_problems(k), 0);
	k3sconfig_free(k);
}

static void test_append_and_lists(void **state)
{
	K3sConfig *k = fresh();
	Prefix p;
	char buf[PREFIX_STRLEN];

	yaml(k, "a.yaml", "cluster-cidr: [fd00:42::/56]\n");
	yaml(k, "b.yaml", "cluster-cidr+: 10.244.0.0/16\n");
	assert_string_equal(k->cluster_cidr.value, "fd00:42::/56,10.244.0.0/16");
	assert_int_equal(k3sconfig_cluster_cidr4(k, &p), 0);
	assert_string_equal(prefix_format(&p, buf), "10.244.0.0/16");
	yaml(k, "c.yaml", "cluster-cidr: fd00::/56\n");
	assert_int_equal(k3sconfig_cluster_cidr4(k, &p), -EINVAL);
	k3sconfig_free(k);
}

/* Hostile K3s files (issue 13): aliases refused where they are, 80k keys found by hash, list
 * items joined in linear time, values capped at 1 MiB, files over 1 MiB not read. */
static void test_hostile_files(void **state)
{
	K3sConfig *k = fresh();
	const size_t keys = 80000, items = 70000;
	size_t size = keys * 16, len = 0;
	_cleanup_free_ char *text = malloc(size);

	yaml(k, "k.yaml", "cidrs: &c [10.0.0.0/8, 10.1.0.0/16]\ncluster-cidr: *c\n");
	assert_int_equal(k3sconfig_n_problems(k), 1);
	assert_string_equal(
	    k3sconfig_problem(k, 0)->message,
	    "k.yaml:2:15: YAML syntax: found an alias, expected plain values (K3s's "
	    "configuration has no use for anchors and aliases): K3s refuses to start");
	assert_null(k->cluster_cidr.value);
	k3sconfig_free(k);

	/* 80k keys K3s does not know: each found by its hash, a few comparisons each */
	k = fresh();
	assert_non_null(text);
	for (size_t i = 0; i < keys; i++)
		len += (size_t)snprintf(text + len, size - len, "x%zu: 1\n", i);
	yaml(k, "keys.yaml", text);
	assert_int_equal(k->files->n, keys);
	assert_true(k->files->probes < 4 * keys); /* comparing each with all: 3.2e9 */
	k3sconfig_free(k);

	/* 70k list items: one value, every part in order */
	k = fresh();
	len = (size_t)snprintf(text, size, "cluster-cidr:  [");
	for (size_t i = 0; i < items; i++)
		len += (size_t)snprintf(text + len, size - len, "10.%zu.0.0/16,", i % 256);
	len += (size_t)snprintf(text + len, size - len, "10.42.0.0/16]\n");
	yaml(k, "a.yaml", text);
	assert_int_equal(k3sconfig_n_problems(k), 0);
	assert_true(k->cluster_cidr.length > items * 11);
	assert_int_equal(strlen(k->cluster_cidr.value), k->cluster_cidr.length);
	assert_memory_equal(k->cluster_cidr.value, "10.0.0.0/16,10.1.0.0/16,", 24);

	/* the same list appended by a drop-in joins past 1 MiB: one warning, the value capped */
	memcpy(text, "cluster-cidr+: ", 15);
	yaml(k, "b.yaml", text);
	assert_int_equal(k3sconfig_n_problems(k), 1);
	assert_non_null(strstr(k3sconfig_problem(k, 0)->message,
			       "--cluster-cidr: found a value joined past 1 MiB"));
	assert_true(k->cluster_cidr.length <= K3S_VALUE_MAX);
	k3sconfig_free(k);

	/* a nested list of 200k items is printed in linear time */
	k = fresh();
	len = (size_t)snprintf(text, size, "node-label: [[");
	for (size_t i = 0; i < 200000; i++)
		len += (size_t)snprintf(text + len, size - len, "a,");
	len += (size_t)snprintf(text + len, size - len, "a]]\n");
	yaml(k, "nested.yaml", text);
	k3sconfig_free(k);

	/* and a file over 1 MiB is not read at all */
	char dir[] = "/tmp/routeguard-k3s-XXXXXX", path[200];
	StringList none = {};
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/config.yaml", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	for (size_t i = 0; i < 2 * keys; i++)
		fputs("cluster-cidr+: 10.42.0.0/16\n", f);
	fclose(f);
	assert_int_equal(k3sconfig_load(dir, path, &none, NULL, &k), 0);
	assert_true(k3sconfig_n_problems(k) >= 1);
	assert_non_null(
	    strstr(k3sconfig_problem(k, 0)->message,
		   "config.yaml: found a file larger than 1 MiB, expected a configuration "
		   "of kilobytes: not read"));
	assert_null(k->cluster_cidr.value);
	k3sconfig_free(k);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(rmdir(dir), 0);
}

/* What the K3s installer writes for INSTALL_K3S_EXEC="server --flannel-backend=none …". */
static const char INSTALLER_UNIT[] =
    "[Unit]\n"
    "Description=Lightweight Kubernetes\n"
    "[Service]\n"
    "Type=notify\n"
    "EnvironmentFile=-/etc/systemd/system/k3s.service.env\n"
    "ExecStartPre=/bin/sh -xc '! /usr/bin/systemctl is-enabled --quiet nm-cloud-setup.service'\n"
    "ExecStartPre=-/sbin/modprobe br_netfilter\n"
    "ExecStart=/usr/local/bin/k3s \\\n"
    "    server \\\n"
    "\t'--flannel-backend=none' \\\n"
    "\t'--disable-network-policy' \\\n"
    "\t'--node-ip' '10.0.0.2' \\\n"
    "\t--disable-kube-proxy=false \\\n"
    "\t--cluster-cidr \"10.43.0.0/16\" \\\n"
    "\n"
    "KillMode=process\n";

static void test_installer_unit_flags(void **state)
{
	K3sConfig *k = fresh();
	Prefix p;
	char buf[PREFIX_STRLEN];

	yaml(k, "config.yaml", "flannel-backend: vxlan\ndisable-kube-proxy: true\n");
	assert_int_equal(k3sconfig_apply_unit(k, "/etc/systemd/system/k3s.service", INSTALLER_UNIT),
			 0);
	assert_int_equal(k->role, K3S_ROLE_SERVER);
	assert_string_equal(k->role_source, "k3s.service: ExecStart");
	/* flags override the files */
	assert_string_equal(k3sconfig_flannel_backend(k), "none");
	assert_string_equal(k->flannel_backend.source, "k3s.service: ExecStart");
	assert_true(k3s_value_is_true(&k->disable_network_policy));
	assert_false(k3s_value_is_true(&k->disable_kube_proxy));
	assert_int_equal(k3sconfig_cluster_cidr4(k, &p), 0);
	assert_string_equal(prefix_format(&p, buf), "10.43.0.0/16");
	k3sconfig_free(k);
}

static void test_agent_unit_and_reset(void **state)
{
	K3sConfig *k = fresh();
	assert_int_equal(
	    k3sconfig_apply_unit(
		k, "k3s-agent.service",
		"[Service]\nExecStart=/usr/local/bin/k3s agent --flannel-iface=enp7s0\n"),
	    0);
	assert_int_equal(k->role, K3S_ROLE_AGENT);
	assert_string_equal(k->flannel_iface.value, "enp7s0");
	/* a unit without ExecStart or not running k3s changes nothing */
	assert_int_equal(k3sconfig_apply_unit(k, "other.service",
					      "[Service]\nExecStart=/usr/bin/sleep infinity\n"),
			 0);
	assert_int_equal(k->role, K3S_ROLE_AGENT);
	/* an indented last line without a newline once looped forever (found by fuzz-k3sconfig) */
	assert_int_equal(k3sconfig_apply_unit(k, "odd.service", "[Service]\n  ExecStartPre=x"), 0);
	assert_int_equal(k3sconfig_apply_unit(k, "odd.service", "\t"), 0);
	k3sconfig_free(k);
}

static void test_broken_files_are_problems(void **state)
{
	K3sConfig *k = fresh();
	yaml(k, "/etc/rancher/k3s/config.yaml", "flannel-backend: [none\n");
	yaml(k, "/etc/rancher/k3s/config.yaml.d/a.yaml", "- just a list\n");
	yaml(k, "/etc/rancher/k3s/config.yaml.d/b.yaml", "flannel-backend: {a: b}\n");
	assert_int_equal(k3sconfig_n_problems(k), 3);
	assert_string_equal(k3sconfig_problem(k, 0)->path, "/etc/rancher/k3s/config.yaml");
	assert_string_equal(k3sconfig_problem(k, 0)->message,
			    "/etc/rancher/k3s/config.yaml:2:1: YAML syntax: did not find expected "
			    "',' or ']': K3s refuses to start");
	assert_string_equal(k3sconfig_problem(k, 1)->message,
			    "/etc/rancher/k3s/config.yaml.d/a.yaml:1:1: found no mapping of keys "
			    "at the top, expected keys such as flannel-backend: none");
	assert_string_equal(k3sconfig_problem(k, 2)->message,
			    "/etc/rancher/k3s/config.yaml.d/b.yaml:1:18: flannel-backend: found a "
			    "mapping, expected a value or a list");
	assert_null(k->flannel_backend.value);
	k3sconfig_free(k);
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_load_from_disk(void **state)
{
	char dir[] = "/tmp/routeguard-k3s-XXXXXX", path[200], unit[200], file[300];
	K3sConfig *k = NULL;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/config.yaml", dir);
	snprintf(unit, sizeof(unit), "%s/k3s.service", dir);
	char *units_items[] = {unit};
	StringList units = {units_items, 1};

	/* nothing there: no K3s */
	assert_int_equal(k3sconfig_load(dir, path, &units, NULL, &k), 0);
	assert_int_equal(k->role, K3S_ROLE_NONE);
	k3sconfig_free(k);

	/* files only: a server */
	write_text(path, "flannel-backend: none\n");
	snprintf(file, sizeof(file), "%s.d", path);
	assert_int_equal(mkdir(file, 0755), 0);
	snprintf(file, sizeof(file), "%s.d/20-b.yaml", path);
	write_text(file, "flannel-backend: wireguard-native\n");
	snprintf(file, sizeof(file), "%s.d/10-a.yaml", path);
	write_text(file, "flannel-backend: host-gw\n");
	assert_int_equal(k3sconfig_load(dir, path, &units, NULL, &k), 0);
	assert_int_equal(k->role, K3S_ROLE_SERVER);
	assert_string_equal(k3sconfig_flannel_backend(k), "wireguard-native");
	k3sconfig_free(k);

	/* a unit with a drop-in that replaces ExecStart */
	write_text(unit, "[Service]\nExecStart=/usr/local/bin/k3s server\n");
	snprintf(file, sizeof(file), "%s.d", unit);
	assert_int_equal(mkdir(file, 0755), 0);
	snprintf(file, sizeof(file), "%s.d/override.conf", unit);
	write_text(
	    file,
	    "[Service]\nExecStart=\nExecStart=/usr/local/bin/k3s agent --flannel-backend none\n");
	assert_int_equal(k3sconfig_load(dir, path, &units, NULL, &k), 0);
	assert_int_equal(k->role, K3S_ROLE_AGENT);
	/* a server flag on an agent: K3s refuses to start, and the value is no agent's */
	assert_null(k->flannel_backend.value);
	assert_int_equal(k3sconfig_n_problems(k), 2); /* the flag, and the file's key */
	assert_false(k3sconfig_problem(k, 0)->warning);
	k3sconfig_free(k);

	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

/* Drop-ins in the unit search path below the root count too, sorted with the unit's own. */
static void test_unit_dropins_from_the_search_path(void **state)
{
	char dir[] = "/tmp/routeguard-k3s-XXXXXX", path[200], unit[200], file[300], cmd[400];
	K3sConfig *k = NULL;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/config.yaml", dir);
	snprintf(unit, sizeof(unit), "%s/units/k3s.service", dir);
	char *units_items[] = {unit};
	StringList units = {units_items, 1};
	snprintf(cmd, sizeof(cmd),
		 "mkdir -p '%s/units/k3s.service.d' '%s/run/systemd/system/k3s.service.d'", dir,
		 dir);
	assert_int_equal(system(cmd), 0);
	write_text(unit, "[Service]\nExecStart=/usr/local/bin/k3s server\n");
	snprintf(file, sizeof(file), "%s/units/k3s.service.d/10-flannel.conf", dir);
	write_text(file, "[Service]\nExecStart=\nExecStart=/usr/local/bin/k3s server "
			 "--flannel-backend=host-gw\n");
	snprintf(file, sizeof(file), "%s/run/systemd/system/k3s.service.d/20-cilium.conf", dir);
	write_text(
	    file,
	    "[Service]\nExecStart=\nExecStart=/usr/local/bin/k3s server --flannel-backend=none\n");

	assert_int_equal(k3sconfig_load(dir, path, &units, NULL, &k), 0);
	assert_int_equal(k->role, K3S_ROLE_SERVER);
	assert_string_equal(k3sconfig_flannel_backend(k), "none");
	assert_string_equal(k->flannel_backend.source, "k3s.service.d/20-cilium.conf: ExecStart");
	k3sconfig_free(k);

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

/* A node below a temporary root, written the way the K3s installer writes it. */
static void put(const char *root, const char *path, const char *text)
{
	char full[512], cmd[600];
	snprintf(full, sizeof(full), "%s%s", root, path);
	snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname '%s')\"", full);
	assert_int_equal(system(cmd), 0);
	write_text(full, text);
}

static char *installer_unit(const char *name, const char *binary, const char *role,
			    const char *args)
{
	char *s = NULL;
	assert_true(asprintf(&s,
			     "[Unit]\nDescription=Lightweight Kubernetes\n"
			     "[Install]\nWantedBy=multi-user.target\n"
			     "[Service]\nType=notify\n"
			     "EnvironmentFile=-/etc/default/%%N\n"
			     "EnvironmentFile=-/etc/sysconfig/%%N\n"
			     "EnvironmentFile=-/etc/systemd/system/%s.env\n"
			     "KillMode=process\n"
			     "ExecStartPre=-/sbin/modprobe br_netfilter\n"
			     "ExecStart=%s \\\n    %s \\\n%s\n",
			     name, binary, role, args) > 0);
	return s;
}

static K3sConfig *load_discovered(const char *root)
{
	K3sConfig *k = NULL;
	assert_int_equal(k3sconfig_load(root, NULL, NULL, NULL, &k), 0);
	return k;
}

/* Units are found by what they run: a named unit, the binary in /opt/bin, K3S_CONFIG_FILE from
 * a prefix drop-in's Environment=, a sleeping decoy named k3s-like. */
static void test_discovery_by_execstart(void **state)
{
	char root[] = "/tmp/routeguard-k3sd-XXXXXX", cmd[300];
	assert_non_null(mkdtemp(root));
	char *unit = installer_unit("k3s-edge.service", "/opt/bin/k3s", "server",
				    "\t'--flannel-backend=wireguard-native' \\\n");
	put(root, "/etc/systemd/system/k3s-edge.service", unit);
	free(unit);
	put(root, "/etc/systemd/system/k3s-edge.service.env", "K3S_TOKEN='t'\n");
	put(root, "/etc/systemd/system/k3s-.service.d/10-x.conf",
	    "[Service]\nEnvironment=K3S_CONFIG_FILE=/etc/k3s-edge.yaml\n");
	put(root, "/etc/k3s-edge.yaml", "disable-network-policy: true\n");
	put(root, "/etc/rancher/k3s/config.yaml", "disable-network-policy: false\n");
	put(root, "/lib/systemd/system/k3s-lookalike.service",
	    "[Service]\nExecStart=/usr/bin/sleep k3s server\n");

	K3sConfig *k = load_discovered(root);
	assert_int_equal(k->role, K3S_ROLE_SERVER);
	assert_string_equal(k->unit, "k3s-edge.service");
	assert_string_equal(k3sconfig_flannel_backend(k), "wireguard-native");
	assert_string_equal(k->config_file, "/etc/k3s-edge.yaml");
	assert_string_equal(k->config_file_why, "k3s-.service.d/10-x.conf: Environment");
	assert_string_equal(k->disable_network_policy.value, "true");
	assert_string_equal(k->disable_network_policy.source, "/etc/k3s-edge.yaml:1");
	/* Flannel on: containerd reads K3s's own CNI directory */
	assert_string_equal(k->cni_dir, "/var/lib/rancher/k3s/agent/etc/cni/net.d");
	assert_int_equal(k3sconfig_n_problems(k), 0);
	k3sconfig_free(k);

	/* routeguard.yaml's units replace discovery: a unit list without K3s, files only */
	char *items[] = {"/etc/systemd/system/other.service"};
	StringList units = {items, 1};
	assert_int_equal(k3sconfig_load(root, NULL, &units, NULL, &k), 0);
	assert_int_equal(k->role, K3S_ROLE_SERVER);
	assert_null(k->role_source);
	assert_string_equal(k->config_file, "/etc/rancher/k3s/config.yaml");
	assert_string_equal(k->disable_network_policy.value, "false");
	k3sconfig_free(k);

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	assert_int_equal(system(cmd), 0);
}

/* An agent: its env file is named after its unit; containerd's CNI dir from config.toml. */
static void test_agent_and_containerd(void **state)
{
	char root[] = "/tmp/routeguard-k3sd-XXXXXX", cmd[300];
	assert_non_null(mkdtemp(root));
	char *unit = installer_unit("k3s-agent.service", "/usr/local/bin/k3s", "agent",
				    "\t'--node-ip' \\\n\t'10.0.1.5' \\\n");
	put(root, "/etc/systemd/system/k3s-agent.service", unit);
	free(unit);
	put(root, "/etc/systemd/system/k3s-agent.service.env",
	    "K3S_URL='https://10.0.0.2:6443'\nK3S_TOKEN='t'\n");
	put(root, "/etc/rancher/k3s/config.yaml", "flannel-iface: eth1\n");

	K3sConfig *k = load_discovered(root);
	assert_int_equal(k->role, K3S_ROLE_AGENT);
	assert_string_equal(k->role_source, "k3s-agent.service: ExecStart");
	assert_null(k->cni_dir); /* no config.toml yet: unknown */
	k3sconfig_free(k);

	put(root, "/var/lib/rancher/k3s/agent/etc/containerd/config.toml",
	    "version = 2\n[plugins.\"io.containerd.grpc.v1.cri\".cni]\n"
	    "  bin_dir = \"/var/lib/rancher/k3s/data/abc/bin\"\n"
	    "  conf_dir = \"/var/lib/rancher/k3s/agent/etc/cni/net.d\"\n");
	k = load_discovered(root);
	assert_string_equal(k->cni_dir, "/var/lib/rancher/k3s/agent/etc/cni/net.d");
	assert_non_null(strstr(k->cni_dir_why, "config.toml:4"));
	k3sconfig_free(k);

	put(root, "/var/lib/rancher/k3s/agent/etc/containerd/config.toml", "version = 2\n");
	k = load_discovered(root);
	assert_string_equal(k->cni_dir, "/etc/cni/net.d");
	k3sconfig_free(k);

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	assert_int_equal(system(cmd), 0);
}

/* $VAR from the env files, the later file winning; the sources in the order read. */
static void test_flags_through_env_variable(void **state)
{
	char root[] = "/tmp/routeguard-k3sd-XXXXXX", cmd[300];
	assert_non_null(mkdtemp(root));
	char *unit = installer_unit("k3s.service", "/usr/local/bin/k3s", "server", "");
	put(root, "/etc/systemd/system/k3s.service", unit);
	free(unit);
	put(root, "/etc/systemd/system/k3s.service.d/override.conf",
	    "[Service]\nExecStart=\nExecStart=/usr/local/bin/k3s server $K3S_NET_ARGS\n");
	put(root, "/etc/default/k3s",
	    "K3S_NET_ARGS=\"--flannel-backend=none --disable-network-policy\"\n");
	put(root, "/etc/systemd/system/k3s.service.env", "K3S_TOKEN='t'\n");

	K3sConfig *k = load_discovered(root);
	assert_string_equal(k3sconfig_flannel_backend(k), "none");
	assert_string_equal(
	    k->flannel_backend.source,
	    "k3s.service.d/override.conf: ExecStart via /etc/default/k3s: K3S_NET_ARGS");
	assert_string_equal(k->disable_network_policy.value, "true");
	assert_string_equal(k->cni_dir, "/etc/cni/net.d");
	const char *want[][2] = {
	    {"/etc/systemd/system/k3s.service", "unit"},
	    {"/etc/systemd/system/k3s.service.d/override.conf", "drop-in"},
	    {"/etc/default/k3s", "environment file"},
	    {"/etc/sysconfig/k3s", "environment file, absent (optional)"},
	    {"/etc/systemd/system/k3s.service.env", "environment file"},
	    {"/etc/rancher/k3s/config.yaml", "config file, absent"},
	};
	assert_int_equal(k->report.n_sources, ELEMENTSOF(want));
	for (size_t i = 0; i < ELEMENTSOF(want); i++) {
		assert_string_equal(k->report.sources[i].path, want[i][0]);
		assert_string_equal(k->report.sources[i].role, want[i][1]);
	}
	k3sconfig_free(k);

	/* k3s.service.env is read last and wins */
	put(root, "/etc/systemd/system/k3s.service.env",
	    "K3S_TOKEN='t'\nK3S_NET_ARGS=--flannel-backend=vxlan\n");
	k = load_discovered(root);
	assert_string_equal(k3sconfig_flannel_backend(k), "vxlan");
	assert_null(k->disable_network_policy.value);
	k3sconfig_free(k);

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	assert_int_equal(system(cmd), 0);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_defaults_when_nothing_is_set),
	    cmocka_unit_test(test_files_in_order_last_wins),
	    cmocka_unit_test(test_append_and_lists),
	    cmocka_unit_test(test_hostile_files),
	    cmocka_unit_test(test_installer_unit_flags),
	    cmocka_unit_test(test_agent_unit_and_reset),
	    cmocka_unit_test(test_broken_files_are_problems),
	    cmocka_unit_test(test_load_from_disk),
	    cmocka_unit_test(test_unit_dropins_from_the_search_path),
	    cmocka_unit_test(test_discovery_by_execstart),
	    cmocka_unit_test(test_agent_and_containerd),
	    cmocka_unit_test(test_flags_through_env_variable),
	};
	return unit_main(argc, argv, tests);
}
