/* SPDX-License-Identifier: MIT */
/* Host facts from files: CNI configurations, systemd-networkd, Flannel's subnet.env. */
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

#include "hostfacts.h"
#include "unit-main.h"

/* As K3s writes it with Flannel on. */
static const char FLANNEL_CONFLIST[] =
    "{\"name\":\"cbr0\",\"cniVersion\":\"1.0.0\",\"plugins\":["
    "{\"type\":\"flannel\",\"delegate\":{\"hairpinMode\":true,\"forceAddress\":true,"
    "\"isDefaultGateway\":true}},"
    "{\"type\":\"portmap\",\"capabilities\":{\"portMappings\":true}},"
    "{\"type\":\"bandwidth\",\"capabilities\":{\"bandwidth\":true}}]}";

static const char CILIUM_CONFLIST[] = "{\"cniVersion\":\"0.3.1\",\"name\":\"cilium\",\"plugins\":[{"
				      "\"type\":\"cilium-cni\",\"enable-debug\":false}]}";

static void test_cni_files(void **state)
{
	CniFile f;

	assert_int_equal(cni_file_parse("/x/10-flannel.conflist", FLANNEL_CONFLIST, &f), 0);
	assert_null(f.error);
	assert_false(f.is_cilium);
	assert_int_equal(f.n_plugin_types, 3);
	assert_string_equal(f.plugin_types[0], "flannel");
	assert_string_equal(f.plugin_types[2], "bandwidth");
	cni_file_clear(&f);

	assert_int_equal(cni_file_parse("/x/05-cilium.conflist", CILIUM_CONFLIST, &f), 0);
	assert_true(f.is_cilium);
	cni_file_clear(&f);

	/* a .conf: one plugin, no list */
	assert_int_equal(
	    cni_file_parse("/x/10-bridge.conf", "{\"type\": \"bridge\", \"bridge\": \"cni0\"}", &f),
	    0);
	assert_int_equal(f.n_plugin_types, 1);
	assert_string_equal(f.plugin_types[0], "bridge");
	cni_file_clear(&f);

	static const struct {
		const char *text, *error;
	} broken[] = {
	    {"{\"plugins\": [", "incomplete JSON"},
	    {"{\"type\": x}", "unexpected character"},
	    {"[1, 2]", "not a JSON object"},
	    {"{\"plugins\": {}}", "\"plugins\" is not a list"},
	    {"{\"plugins\": [{\"name\": \"x\"}]}", "a plugin without a \"type\""},
	    {"{\"name\": \"x\"}", "no \"type\" and no \"plugins\""},
	};
	for (size_t i = 0; i < ELEMENTSOF(broken); i++) {
		assert_int_equal(cni_file_parse("/x/bad.conf", broken[i].text, &f), 0);
		assert_non_null(f.error);
		assert_string_equal(f.error, broken[i].error);
		assert_false(f.is_cilium);
		cni_file_clear(&f);
	}
}

static void test_systemd_booleans(void **state)
{
	assert_int_equal(parse_systemd_boolean("no"), 0);
	assert_int_equal(parse_systemd_boolean("Off"), 0);
	assert_int_equal(parse_systemd_boolean("yes"), 1);
	assert_int_equal(parse_systemd_boolean("1"), 1);
	assert_int_equal(parse_systemd_boolean("maybe"), -EINVAL);
}

static char root[] = "/tmp/routeguard-host-XXXXXX";

static void put(const char *relative, const char *text)
{
	char path[512], cmd[600];
	snprintf(path, sizeof(path), "%s%s", root, relative);
	snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname '%s')\"", path);
	assert_int_equal(system(cmd), 0);
	if (!text) {
		assert_int_equal(mkdir(path, 0755), 0);
		return;
	}
	FILE *f = fopen(path, "we");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static Config *config_for_root(void)
{
	char yaml[2048];
	Config *c = NULL;
	ConfigError e = {};
	snprintf(yaml, sizeof(yaml),
		 "native-routing-cidr: 10.42.0.0/16\n"
		 "k3s: {config: %s/etc/rancher/k3s/config.yaml, units: "
		 "[%s/etc/systemd/system/k3s.service]}\n"
		 "cni: {conf-dirs: [%s/etc/cni/net.d, %s/agent/net.d]}\n",
		 root, root, root, root);
	if (config_load_string("t.yaml", yaml, strlen(yaml), &c, &e) < 0)
		fail_msg("%s", e.text);
	return c;
}

static void test_host_from_a_root(void **state)
{
	HostFacts *h = NULL;
	Config *c;

	assert_non_null(mkdtemp(root));
	c = config_for_root();

	/* an empty host */
	assert_int_equal(hostfacts_load(c, root, NULL, &h), 0);
	assert_int_equal(h->n_cni_files, 0);
	assert_false(h->networkd_running);
	assert_null(h->flannel_subnet_env);
	assert_int_equal(h->k3s->role, K3S_ROLE_NONE);
	assert_true(h->ip_forward == 0 || h->ip_forward == 1);
	hostfacts_free(h);

	put("/etc/cni/net.d/05-cilium.conflist", CILIUM_CONFLIST);
	put("/etc/cni/net.d/10-flannel.conflist.cilium_bak", FLANNEL_CONFLIST); /* ignored */
	put("/agent/net.d/10-flannel.conflist", FLANNEL_CONFLIST);
	put("/agent/net.d/README", "not a config\n"); /* ignored */
	put("/run/flannel/subnet.env",
	    "FLANNEL_NETWORK=10.42.0.0/16\nFLANNEL_SUBNET=10.42.0.1/24\n");
	put("/run/systemd/netif/links", NULL);
	put("/etc/systemd/networkd.conf", "[Network]\nManageForeignRoutes=no\n");
	put("/usr/lib/systemd/networkd.conf.d/50-vendor.conf",
	    "[Network]\nManageForeignRoutingPolicyRules=no\n");
	put("/etc/systemd/networkd.conf.d/50-vendor.conf",
	    "[Network]\nManageForeignRoutingPolicyRules=yes\n");
	put("/etc/rancher/k3s/config.yaml", "flannel-backend: none\n");

	assert_int_equal(hostfacts_load(c, root, NULL, &h), 0);
	assert_int_equal(h->n_cni_files, 2);
	assert_true(h->cni_files[0].is_cilium);
	assert_false(h->cni_files[1].is_cilium);
	assert_non_null(strstr(h->cni_files[1].path, "/agent/net.d/10-flannel.conflist"));
	assert_non_null(h->flannel_subnet_env);
	assert_string_equal(h->flannel_network, "10.42.0.0/16");
	assert_true(h->networkd_running);
	assert_false(h->manage_foreign_routes);
	/* /etc's drop-in overrides /usr/lib's of the same name */
	assert_true(h->manage_foreign_rules);
	assert_non_null(strstr(h->networkd_source, "/etc/systemd/networkd.conf.d/50-vendor.conf"));
	assert_int_equal(h->k3s->role, K3S_ROLE_SERVER);
	assert_string_equal(k3sconfig_flannel_backend(h->k3s), "none");
	hostfacts_free(h);

	/* Drop-ins apply by file name across directories: /usr/lib's 60- comes after /etc's 50-. */
	put("/usr/lib/systemd/networkd.conf.d/60-late.conf",
	    "[Network]\nManageForeignRoutingPolicyRules=no\n");
	assert_int_equal(hostfacts_load(c, root, NULL, &h), 0);
	assert_false(h->manage_foreign_rules);
	assert_non_null(
	    strstr(h->networkd_source, "/usr/lib/systemd/networkd.conf.d/60-late.conf"));
	hostfacts_free(h);
	config_free(c);

	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	assert_int_equal(system(cmd), 0);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cni_files),
	    cmocka_unit_test(test_systemd_booleans),
	    cmocka_unit_test(test_host_from_a_root),
	};
	return unit_main(argc, argv, tests);
}
