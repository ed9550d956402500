/* SPDX-License-Identifier: MIT */
/* K3s's reading of its files and flags: which file, YAML 1.1, merging, Go's flag rules. */
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

#include "k3sargs.h"
#include "unit-main.h"

static void test_go_parse_bool(void **state)
{
	const char *yes[] = {"1", "t", "T", "TRUE", "true", "True"};
	const char *no[] = {"0", "f", "F", "FALSE", "false", "False"};
	const char *bad[] = {"yes", "on", "y", "tRUE", "", "2", " true"};
	for (size_t i = 0; i < ELEMENTSOF(yes); i++)
		assert_int_equal(go_parse_bool(yes[i]), 1);
	for (size_t i = 0; i < ELEMENTSOF(no); i++)
		assert_int_equal(go_parse_bool(no[i]), 0);
	for (size_t i = 0; i < ELEMENTSOF(bad); i++)
		assert_int_equal(go_parse_bool(bad[i]), -EINVAL);
}

static void test_yaml11_scalars(void **state)
{
	static const struct {
		const char *in, *out;
	} rows[] = {
	    {"yes", "true"},
	    {"Yes", "true"},
	    {"on", "true"},
	    {"ON", "true"},
	    {"y", "true"},
	    {"Y", "true"},
	    {"no", "false"},
	    {"off", "false"},
	    {"n", "false"},
	    {"FALSE", "false"},
	    {"~", ""},
	    {"null", ""},
	    {"", ""},
	    {"0644", "420"},
	    {"0x10", "16"},
	    {"1_000", "1000"},
	    {"-12", "-12"},
	    {"1.10", "1.1"},
	    {"1e3", "1000"},
	    {"08", "8"},
	    {"none", "none"},
	    {"vxlan", "vxlan"},
	    {"10.42.0.0/16", "10.42.0.0/16"},
	    {"yEs", "yEs"},
	    {".inf", "+Inf"},
	    {"1e21", "1e+21"},
	};
	for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
		char *s = yaml11_plain_scalar(rows[i].in);
		assert_non_null(s);
		if (strcmp(s, rows[i].out) != 0)
			fail_msg("%s: got %s, expected %s", rows[i].in, s, rows[i].out);
		free(s);
	}
}

static K3sConfig *config_of(const char *const *yaml, size_t n_yaml, const char *const *argv,
			    size_t argc)
{
	K3sConfig *k = NULL;
	K3sArg args[32];
	assert_int_equal(k3sconfig_new(&k), 0);
	for (size_t i = 0; i < n_yaml; i += 2)
		assert_int_equal(k3s_files_apply_yaml(k->files, &k->report, yaml[i], yaml[i + 1],
						      strlen(yaml[i + 1])),
				 0);
	for (size_t i = 0; i < argc; i++)
		args[i] = (K3sArg){(char *)argv[i], (char *)"k3s.service: ExecStart",
				   (char *)"/etc/systemd/system/k3s.service"};
	assert_int_equal(k3s_args_evaluate(k, args, argc, k->files), 0);
	return k;
}

#define YAML(...)                                                                                  \
	(const char *const[]){__VA_ARGS__}, ELEMENTSOF(((const char *const[]){__VA_ARGS__}))
#define ARGV(...)                                                                                  \
	(const char *const[]){__VA_ARGS__}, ELEMENTSOF(((const char *const[]){__VA_ARGS__}))

/* YAML 1.1 booleans from the files, quoted strings stay strings. */
static void test_file_booleans(void **state)
{
	K3sConfig *k = config_of(YAML("/opt/k3s/k3s.yaml.d/50-net.YML",
				      "disable-kube-proxy: yes\ndisable-network-policy: on\n"),
				 ARGV("/usr/local/bin/k3s", "server"));
	assert_string_equal(k->disable_kube_proxy.value, "true");
	assert_string_equal(k->disable_network_policy.value, "true");
	assert_string_equal(k->disable_network_policy.source, "/opt/k3s/k3s.yaml.d/50-net.YML:2");
	k3sconfig_free(k);

	/* "yes" quoted is the string yes: ParseBool refuses it, and so does K3s */
	k = config_of(YAML("c.yaml", "disable-network-policy: \"yes\"\n"),
		      ARGV("/usr/local/bin/k3s", "server"));
	assert_null(k->disable_network_policy.value);
	assert_int_equal(k->eval.n_problems, 1);
	assert_false(k->eval.problems[0].warning);
	assert_non_null(
	    strstr(k->eval.problems[0].message, "c.yaml:1: invalid boolean value 'yes'"));
	k3sconfig_free(k);
}

/* A plain key replaces, lists too; key+ appends; the command line overrides scalars and
 * appends to slices, whatever the K3s docs say about slices. */
static void test_merge_and_override(void **state)
{
	K3sConfig *k = config_of(
	    YAML("config.yaml",
		 "flannel-backend: none\ndisable: [traefik]\ncluster-cidr: 10.42.0.0/16\n",
		 "config.yaml.d/10-a.yaml",
		 "disable: [servicelb, metrics-server]\ncluster-cidr+: fd00::/56\n",
		 "config.yaml.d/20-b.yaml", "disable+: local-storage\n"),
	    ARGV("/usr/local/bin/k3s", "server", "--disable=traefik", "--flannel-backend",
		 "host-gw"));
	assert_string_equal(k->disable.value, "servicelb,metrics-server,local-storage,traefik");
	assert_string_equal(k->disable.source, "k3s.service: ExecStart");
	assert_string_equal(k->cluster_cidr.value, "10.42.0.0/16,fd00::/56");
	assert_string_equal(k->cluster_cidr.source, "config.yaml.d/10-a.yaml:2");
	assert_string_equal(k3sconfig_flannel_backend(k), "host-gw");
	k3sconfig_free(k);
}

/* A boolean flag takes no separate value: parsing stops at "true", the backend is never set. */
static void test_bool_trap(void **state)
{
	K3sConfig *k = config_of(YAML("config.yaml", "node-label: [a=b]\n"),
				 ARGV("/usr/local/bin/k3s", "server", "--disable-network-policy",
				      "true", "--flannel-backend", "none"));
	assert_string_equal(k->disable_network_policy.value, "true");
	assert_null(k->flannel_backend.value);
	assert_string_equal(k3sconfig_flannel_backend(k), "vxlan");
	assert_int_equal(k->eval.n_problems, 1);
	assert_true(k->eval.problems[0].warning);
	assert_non_null(strstr(k->eval.problems[0].message, "stops reading flags at 'true'"));
	k3sconfig_free(k);

	/* --flag=false is how a boolean is turned off; -x and --x alike */
	k = config_of(YAML("c.yaml", "disable-kube-proxy: true\n"),
		      ARGV("/usr/local/bin/k3s", "server", "-disable-kube-proxy=F"));
	assert_string_equal(k->disable_kube_proxy.value, "false");
	k3sconfig_free(k);

	/* a value flag takes the next word whatever it is */
	k = config_of(YAML(), ARGV("/usr/local/bin/k3s", "server", "--flannel-iface", "--x"));
	assert_string_equal(k->flannel_iface.value, "--x");
	k3sconfig_free(k);

	/* an unknown flag followed by a word: the word is its value, parsing goes on */
	k = config_of(YAML(), ARGV("/usr/local/bin/k3s", "server", "--node-name", "n1",
				   "--flannel-backend=none"));
	assert_string_equal(k->flannel_backend.value, "none");
	assert_int_equal(k->eval.n_problems, 0);
	k3sconfig_free(k);
}

static void test_retired_flags(void **state)
{
	/* on the command line: K3s refuses to start */
	K3sConfig *k = config_of(YAML(), ARGV("/usr/local/bin/k3s", "server", "--no-flannel"));
	assert_int_equal(k->eval.n_problems, 1);
	assert_false(k->eval.problems[0].warning);
	assert_non_null(strstr(k->eval.problems[0].message, "flannel-backend: none"));
	assert_string_equal(k3sconfig_flannel_backend(k), "vxlan");
	k3sconfig_free(k);

	/* in a server's config file: skipped with a warning, Flannel stays on */
	k = config_of(
	    YAML("/etc/rancher/k3s/config.yaml", "no-flannel: true\nno-deploy: [traefik]\n"),
	    ARGV("/usr/local/bin/k3s", "server"));
	assert_int_equal(k->eval.n_problems, 2);
	assert_true(k->eval.problems[0].warning);
	assert_non_null(
	    strstr(k->eval.problems[0].message, "/etc/rancher/k3s/config.yaml:1: no-flannel"));
	assert_non_null(strstr(k->eval.problems[1].message, "use disable"));
	assert_string_equal(k3sconfig_flannel_backend(k), "vxlan");
	k3sconfig_free(k);
}

/* Agents: server flags refused from files and the command line, never taken as values. */
static void test_agent_refuses_server_flags(void **state)
{
	K3sConfig *k = config_of(
	    YAML("/etc/rancher/k3s/config.yaml", "flannel-iface: eth1\nflannel-backend: none\n"),
	    ARGV("/usr/local/bin/k3s", "agent", "--node-ip", "10.0.1.5"));
	assert_int_equal(k->role, K3S_ROLE_AGENT);
	assert_string_equal(k->flannel_iface.value, "eth1");
	assert_null(k->flannel_backend.value);
	assert_int_equal(k->eval.n_problems, 1);
	assert_false(k->eval.problems[0].warning);
	assert_string_equal(k->eval.problems[0].path, "/etc/rancher/k3s/config.yaml");
	assert_non_null(
	    strstr(k->eval.problems[0].message, "/etc/rancher/k3s/config.yaml:2: flannel-backend"));
	k3sconfig_free(k);

	k = config_of(YAML(), ARGV("/usr/local/bin/k3s", "agent", "--disable-network-policy"));
	assert_int_equal(k->eval.n_problems, 1);
	assert_null(k->disable_network_policy.value);
	k3sconfig_free(k);
}

static void test_flannel_backend_values(void **state)
{
	K3sConfig *k =
	    config_of(YAML(), ARGV("/opt/bin/k3s", "server", "--flannel-backend=wireguard"));
	assert_int_equal(k->eval.n_problems, 1);
	assert_non_null(strstr(k->eval.problems[0].message, "wireguard-native"));
	k3sconfig_free(k);
	/* ${VAR} gives one word: the whole value is the backend */
	k = config_of(YAML(), ARGV("/opt/bin/k3s", "server",
				   "--flannel-backend=none --disable-network-policy"));
	assert_int_equal(k->eval.n_problems, 1);
	assert_false(k->eval.problems[0].warning);
	k3sconfig_free(k);
	/* not k3s, or no server/agent: nothing */
	k = config_of(YAML(), ARGV("/usr/bin/sleep", "server"));
	assert_int_equal(k->role, K3S_ROLE_NONE);
	k3sconfig_free(k);
}

static void test_config_choice(void **state)
{
	K3sEnv env = {};
	char *path = NULL, *why = NULL;
	K3sArg argv[] = {{"/usr/local/bin/k3s", "u: ExecStart", NULL},
			 {"--debug", "u: ExecStart", NULL},
			 {"server", "u: ExecStart", NULL},
			 {"--disable=x", "u: ExecStart", NULL},
			 {"-c", "u: ExecStart", NULL},
			 {"/srv/k3s.yaml", "u: ExecStart", NULL},
			 {"--config=/srv/other.yaml", "u: ExecStart", NULL}};

	/* the default */
	assert_int_equal(
	    k3s_config_choose(argv, 4, &env, "/etc/rancher/k3s/config.yaml", &path, &why), 0);
	assert_string_equal(path, "/etc/rancher/k3s/config.yaml");
	assert_null(why);
	free(path);
	/* the first --config/-c anywhere */
	assert_int_equal(k3s_config_choose(argv, 7, &env, "/d.yaml", &path, &why), 0);
	assert_string_equal(path, "/srv/k3s.yaml");
	assert_string_equal(why, "u: ExecStart");
	free(path);
	free(why);
	assert_int_equal(k3s_config_choose(argv + 1, 6, &env, "/d.yaml", &path, &why), 0);
	assert_string_equal(path, "/srv/k3s.yaml");
	free(path);
	free(why);
	/* a trailing -c: no file named, the default */
	assert_int_equal(k3s_config_choose(argv, 5, &env, "/d.yaml", &path, &why), 0);
	assert_string_equal(path, "/d.yaml");
	free(path);
	/* K3S_CONFIG_FILE first; empty is no value */
	assert_int_equal(
	    k3s_env_set(&env, "K3S_CONFIG_FILE", "", "k3s.service.env: K3S_CONFIG_FILE"), 0);
	assert_int_equal(k3s_config_choose(argv, 7, &env, "/d.yaml", &path, &why), 0);
	assert_string_equal(path, "/srv/k3s.yaml");
	free(path);
	free(why);
	assert_int_equal(k3s_env_set(&env, "K3S_CONFIG_FILE", "/opt/k3s/k3s.yaml",
				     "k3s.service.env: K3S_CONFIG_FILE"),
			 0);
	assert_int_equal(k3s_config_choose(argv, 7, &env, "/d.yaml", &path, &why), 0);
	assert_string_equal(path, "/opt/k3s/k3s.yaml");
	assert_string_equal(why, "k3s.service.env: K3S_CONFIG_FILE");
	free(path);
	free(why);
	k3s_env_clear(&env);
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* config.yaml.d: .yaml and .yml in any case, bytewise name order, others listed as not read. */
static void test_dropins_on_disk(void **state)
{
	char dir[] = "/tmp/routeguard-k3sargs-XXXXXX", p[300], cmd[400];
	assert_non_null(mkdtemp(dir));
	snprintf(cmd, sizeof(cmd), "mkdir -p %s/etc/rancher/k3s/config.yaml.d/sub.yaml", dir);
	assert_int_equal(system(cmd), 0);
#define FILE_AT(name, text)                                                                        \
	do {                                                                                       \
		snprintf(p, sizeof(p), "%s/etc/rancher/k3s/%s", dir, name);                        \
		write_text(p, text);                                                               \
	} while (0)
	FILE_AT("config.yaml", "flannel-backend: none\ndisable-network-policy: true\n");
	FILE_AT("config.yaml.d/10-labels.yaml", "node-label: [a=b]\n");
	FILE_AT("config.yaml.d/90-legacy.yml", "flannel-backend: vxlan\n");
	FILE_AT("config.yaml.d/95-notes.txt", "flannel-backend: none\n");
	FILE_AT("config.yaml.d/99-old.yaml.bak", "flannel-backend: none\n");
	FILE_AT("config.yaml.d/A0-upper.YAML", "disable-kube-proxy: true\n");

	K3sConfig *k = NULL;
	assert_int_equal(k3sconfig_new(&k), 0);
	int n = k3s_files_load(k->files, &k->report, dir, "/etc/rancher/k3s/config.yaml", false);
	assert_int_equal(n, 4);
	K3sArg argv[] = {{"k3s", "u", NULL}, {"server", "u", NULL}};
	assert_int_equal(k3s_args_evaluate(k, argv, 2, k->files), 0);
	assert_string_equal(k3sconfig_flannel_backend(k), "vxlan");
	assert_string_equal(k->flannel_backend.source,
			    "/etc/rancher/k3s/config.yaml.d/90-legacy.yml:1");
	/* an upper-case suffix counts */
	assert_string_equal(k->disable_kube_proxy.value, "true");
	const char *want[][2] = {
	    {"/etc/rancher/k3s/config.yaml", "config file"},
	    {"/etc/rancher/k3s/config.yaml.d/10-labels.yaml", "config drop-in"},
	    {"/etc/rancher/k3s/config.yaml.d/90-legacy.yml", "config drop-in"},
	    {"/etc/rancher/k3s/config.yaml.d/95-notes.txt",
	     "not read: K3s reads only *.yaml and *.yml"},
	    {"/etc/rancher/k3s/config.yaml.d/99-old.yaml.bak",
	     "not read: K3s reads only *.yaml and *.yml"},
	    {"/etc/rancher/k3s/config.yaml.d/A0-upper.YAML", "config drop-in"},
	};
	assert_int_equal(k->report.n_sources, ELEMENTSOF(want));
	for (size_t i = 0; i < ELEMENTSOF(want); i++) {
		assert_string_equal(k->report.sources[i].path, want[i][0]);
		assert_string_equal(k->report.sources[i].role, want[i][1]);
	}
	k3sconfig_free(k);

	/* a file named explicitly but missing: a warning; its drop-ins still count */
	assert_int_equal(k3sconfig_new(&k), 0);
	assert_int_equal(k3s_files_load(k->files, &k->report, dir, "/opt/missing.yaml", true), 0);
	assert_int_equal(k->report.n_problems, 1);
	assert_true(k->report.problems[0].warning);
	k3sconfig_free(k);

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

/* kube-hetzner writes config.yaml with Terraform's yamlencode: every key and string quoted,
 * booleans and null bare. */
static void test_yamlencode_style(void **state)
{
	K3sConfig *k =
	    config_of(YAML("/etc/rancher/k3s/config.yaml",
			   "\"disable\":\n- \"local-storage\"\n- \"traefik\"\n"
			   "\"disable-kube-proxy\": false\n\"disable-network-policy\": true\n"
			   "\"flannel-backend\": \"none\"\n\"flannel-iface\": \"eth1\"\n"
			   "\"server\": null\n\"write-kubeconfig-mode\": \"0644\"\n"),
		      ARGV("/usr/local/bin/k3s", "server"));
	assert_string_equal(k3sconfig_flannel_backend(k), "none");
	assert_string_equal(k->flannel_backend.source, "/etc/rancher/k3s/config.yaml:6");
	assert_string_equal(k->disable_network_policy.value, "true");
	assert_string_equal(k->disable_kube_proxy.value, "false");
	assert_string_equal(k->disable.value, "local-storage,traefik");
	assert_string_equal(k->flannel_iface.value, "eth1");
	assert_int_equal(k->eval.n_problems, 0);
	k3sconfig_free(k);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_go_parse_bool),
	    cmocka_unit_test(test_yaml11_scalars),
	    cmocka_unit_test(test_file_booleans),
	    cmocka_unit_test(test_merge_and_override),
	    cmocka_unit_test(test_bool_trap),
	    cmocka_unit_test(test_retired_flags),
	    cmocka_unit_test(test_agent_refuses_server_flags),
	    cmocka_unit_test(test_flannel_backend_values),
	    cmocka_unit_test(test_config_choice),
	    cmocka_unit_test(test_dropins_on_disk),
	    cmocka_unit_test(test_yamlencode_style),
	};
	return unit_main(argc, argv, tests);
}
