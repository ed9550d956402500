/* SPDX-License-Identifier: MIT */
/*
 * The agent's configuration directory, one file per key, as the node holds it. Since Cilium 1.13
 * the agent reads /tmp/cilium/config-map, written by its `config` init container (cilium
 * build-config, cilium/cilium#22163) into the pod's emptyDir `tmp`: a dir ..data_<unix>, a symlink
 * ..data to it (made as ..data.tmp and renamed over), and key -> ..data/key. Before 1.13, and for
 * the operator, the kubelet projects the ConfigMap into the volume cilium-config-path with the
 * same ..data swap (..data_tmp renamed over ..data). Both are read the way the agent's
 * ReadDirConfig reads them: skip directories and names starting with "..", follow symlinks, trim.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cilium.h"
#include "fileutil.h"

const char *const CILIUM_CONFIG_SUBDIRS[2] = {
    "volumes/kubernetes.io~empty-dir/tmp/cilium/config-map",
    "volumes/kubernetes.io~configmap/cilium-config-path",
};

void cilium_config_view_clear(CiliumConfigView *v)
{
	free(v->dir);
	free(v->routing_mode);
	free(v->tunnel);
	free(v->tunnel_protocol);
	free(v->auto_direct_node_routes);
	free(v->ipv4_native_routing_cidr);
	free(v->devices);
	free(v->mtu);
	free(v->kube_proxy_replacement);
	free(v->ipam);
	free(v->config_sources);
	free(v->custom_cni_conf);
	*v = (CiliumConfigView){};
}

static char **key_field(CiliumConfigView *v, const char *key)
{
	static const struct {
		const char *key;
		size_t offset;
	} KEYS[] = {
	    {"routing-mode", offsetof(CiliumConfigView, routing_mode)},
	    {"tunnel", offsetof(CiliumConfigView, tunnel)},
	    {"tunnel-protocol", offsetof(CiliumConfigView, tunnel_protocol)},
	    {"auto-direct-node-routes", offsetof(CiliumConfigView, auto_direct_node_routes)},
	    {"ipv4-native-routing-cidr", offsetof(CiliumConfigView, ipv4_native_routing_cidr)},
	    {"devices", offsetof(CiliumConfigView, devices)},
	    {"mtu", offsetof(CiliumConfigView, mtu)},
	    {"kube-proxy-replacement", offsetof(CiliumConfigView, kube_proxy_replacement)},
	    {"ipam", offsetof(CiliumConfigView, ipam)},
	    {"config-sources", offsetof(CiliumConfigView, config_sources)},
	    {"custom-cni-conf", offsetof(CiliumConfigView, custom_cni_conf)},
	};
	for (size_t i = 0; i < ELEMENTSOF(KEYS); i++)
		if (strcmp(KEYS[i].key, key) == 0)
			return (char **)((char *)v + KEYS[i].offset);
	return NULL;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

int cilium_config_set(CiliumConfigView *v, const char *key, const char *value)
{
	char **field = key_field(v, key);
	size_t len;

	v->n_keys++;
	if (!field)
		return 0;
	while (is_space(*value))
		value++;
	len = strlen(value);
	while (len > 0 && is_space(value[len - 1]))
		len--;
	char *copy = strndup(value, len);
	if (!copy)
		return -ENOMEM;
	free(*field);
	*field = copy;
	return 0;
}

CiliumRoutingMode cilium_config_routing_mode(const CiliumConfigView *v)
{
	if (v->routing_mode && strcmp(v->routing_mode, "native") == 0)
		return CILIUM_ROUTING_NATIVE;
	if (!v->routing_mode || strcmp(v->routing_mode, "tunnel") == 0)
		return CILIUM_ROUTING_TUNNEL;
	return CILIUM_ROUTING_UNKNOWN; /* the agent refuses it: "invalid routing mode" */
}

#define CONFIG_VALUE_MAX (64 * 1024)

int cilium_config_load_dir(const char *dir, CiliumConfigView *ret)
{
	CiliumConfigView v = {};
	DIR *d = opendir(dir);
	struct dirent *de;
	int r = 0;

	if (!d)
		return negative_errno();
	/* Names in directory order; the keys are distinct, so the order does not matter. */
	while ((de = readdir(d))) {
		_cleanup_free_ char *value = NULL;
		size_t len;
		if (strncmp(de->d_name, "..", 2) == 0 || strcmp(de->d_name, ".") == 0)
			continue;
		/* A key removed or swapped away under us, a subdirectory: skip, as the agent does.
		 */
		if (read_text_fileat(dirfd(d), de->d_name, CONFIG_VALUE_MAX, &value, &len) < 0)
			continue;
		if ((r = cilium_config_set(&v, de->d_name, value)) < 0)
			break;
	}
	closedir(d);
	if (r == 0 && !(v.dir = strdup(dir)))
		r = -ENOMEM;
	if (r < 0) {
		cilium_config_view_clear(&v);
		return r;
	}
	*ret = v;
	return 0;
}
