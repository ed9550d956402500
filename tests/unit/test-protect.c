/* SPDX-License-Identifier: MIT */
/*
 * The never-removed set, against 2000 generated nodes: random device names and kinds (protected
 * ones among them), random remove rules including broad globs, random keep lists, default routes
 * on random devices. Whatever evaluate() asks for and whatever the enforcer's own last check lets
 * through, no protected device is ever removed.
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
#include "netbuild.h"
#include "protect.h"
#include "unit-main.h"

static const char *const NAMES[] = {
	"lo", "eth0", "enp7s0", "cilium_host", "cilium_net", "cilium_vxlan", "cilium_geneve",
	"lxc_health", "lxc1a2b", "lxcfe01", "flannel.1", "flannel.2", "flannel-v6.1", "flannel-wg",
	"cni0", "cni1", "vxlan-user", "kube-ipvs0", "veth0", "veth1", "docker0", "br0",
};
static const char *const KINDS[] = {"", "veth", "vxlan", "bridge", "wireguard", "geneve", "dummy"};
static const char *const GLOBS[] = {"*", "flannel*", "*0", "c*", "l*", "e*", "cni?", "*.*",
				    "v*", "flannel.1", "cni0", "kube-ipvs0", "[a-z]*"};

static unsigned next_random(unsigned *state)
{
	*state = *state * 1103515245u + 12345u;
	return (*state >> 16) & 0x7fff;
}

/* Why a device must never be removed, recomputed here from first principles. */
static bool truly_protected(const Config *c, const NetState *ns, const Link *l, uint32_t native)
{
	if (strcmp(l->name, "lo") == 0 || strncmp(l->name, "cilium_", 7) == 0 ||
	    strncmp(l->name, "lxc", 3) == 0 || l->ifindex == native ||
	    strcmp(c->native_device, l->name) == 0 || netstate_link_has_default_route(ns, l->ifindex))
		return true;
	return device_in_keep(c, l->name);
}

static void test_generated_nodes(void **state)
{
	unsigned seed = 20261128;
	size_t removals_asked = 0, protected_seen = 0, evaluated = 0;

	for (int round = 0; round < 2000; round++) {
		char yaml[2048];
		int used = snprintf(yaml, sizeof(yaml), "native-routing-cidr: 10.42.0.0/16\nmode: enforce\n%s"
					  "enforce: {bridge-with-ports: remove}\ndevices:\n  remove:\n",
				    next_random(&seed) % 3 == 0 ? "native-device: eth0\n" : "");
		unsigned n_rules = 1 + next_random(&seed) % 4;
		for (unsigned i = 0; i < n_rules; i++) {
			const char *glob = GLOBS[next_random(&seed) % ELEMENTSOF(GLOBS)];
			const char *kind = KINDS[next_random(&seed) % ELEMENTSOF(KINDS)];
			used += snprintf(yaml + used, sizeof(yaml) - (size_t)used,
					 "    - {name: \"%s\"%s%s}\n", glob, *kind ? ", kind: " : "", kind);
		}
		used += snprintf(yaml + used, sizeof(yaml) - (size_t)used, "  keep: [\"%s\"]\n",
				 NAMES[next_random(&seed) % ELEMENTSOF(NAMES)]);
		Config *c = NULL;
		ConfigError e = {};
		if (config_load_string("gen.yaml", yaml, strlen(yaml), &c, &e) < 0)
			continue; /* a rule naming a protected device literally: refused, rightly */

		evaluated++;
		NetState *ns = nb_new("10.42.0.0/16", NULL);
		unsigned n_links = 1 + next_random(&seed) % 12;
		for (unsigned i = 0; i < n_links; i++) {
			uint32_t ifindex = i + 1;
			const char *name = NAMES[next_random(&seed) % ELEMENTSOF(NAMES)];
			if (netstate_link_by_name(ns, name))
				continue;
			assert_true(nb_link(ns, ifindex, name, KINDS[next_random(&seed) % ELEMENTSOF(KINDS)],
					    IFF_UP) >= 0);
			if (next_random(&seed) % 5 == 0)
				nb_route(ns, "0.0.0.0/0", "10.0.0.1", ifindex);
		}
		HostFacts *h = calloc(1, sizeof(*h));
		h->ip_forward = 1;
		assert_int_equal(k3sconfig_new(&h->k3s), 0);
		History history = {.now_usec = 1};
		Verdict *v;
		assert_int_equal(evaluate(c, ns, h, &history, &v), 0);

		size_t n;
		const Link *const *links = netstate_links(ns, &n);
		for (size_t i = 0; i < n; i++)
			if (truly_protected(c, ns, links[i], v->native_ifindex)) {
				protected_seen++;
				assert_false(device_may_be_removed(c, ns, links[i], v->native_ifindex));
			}
		for (size_t i = 0; i < v->n_findings; i++) {
			const Finding *f = &v->findings[i];
			if (f->remediation != REMEDIATION_REMOVE_DEVICE)
				continue;
			removals_asked++;
			const Link *l = netstate_link(ns, f->ifindex);
			assert_non_null(l);
			if (truly_protected(c, ns, l, v->native_ifindex))
				fail_msg("round %d: evaluate() asks to remove protected %s\n%s", round, l->name, yaml);
		}
		verdict_free(v);
		hostfacts_free(h);
		netstate_free(ns);
		config_free(c);
	}
	print_message("%zu device sets evaluated, %zu removals asked, %zu protected devices seen, none removable\n",
		      evaluated, removals_asked, protected_seen);
	assert_true(evaluated >= 1000);
	assert_true(removals_asked > 500);
	assert_true(protected_seen > 1000);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_generated_nodes),
	};
	return unit_main(argc, argv, tests);
}
