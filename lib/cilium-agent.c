/* SPDX-License-Identifier: MIT */
/*
 * The agent's answers to GET /v1/healthz and GET /v1/config, decoded into a CiliumAgentView.
 * healthz has "routing" only from Cilium 1.16 (cilium/cilium#32036; 1.14 and 1.15 have
 * "host-routing" instead), so the routing mode comes from /v1/config's
 * daemonConfigurationMap.RoutingMode when healthz lacks it. "tunnel-protocol" is never used to
 * judge the mode: 1.14 fills it even in native mode.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cilium.h"
#include "netstate-json.h" /* json_object_putp */

const char *cilium_routing_mode_to_string(CiliumRoutingMode m)
{
	switch (m) {
	case CILIUM_ROUTING_NATIVE:
		return "native";
	case CILIUM_ROUTING_TUNNEL:
		return "tunnel";
	default:
		return NULL;
	}
}

void cilium_agent_view_clear(CiliumAgentView *v)
{
	free(v->state);
	free(v->msg);
	free(v->native_routing_cidr);
	for (size_t i = 0; i < v->n_devices; i++)
		free(v->devices[i]);
	free(v->devices);
	free(v->kube_proxy_replacement);
	free(v->ipam);
	*v = (CiliumAgentView){.auto_direct_node_routes = -1};
}

/* A body that json-c cannot parse whole, or whose top level is not an object. */
static json_object *parse_object(const char *body, size_t len)
{
	json_tokener *tok = json_tokener_new();
	json_object *o;

	if (!tok)
		return NULL;
	o = json_tokener_parse_ex(tok, body, (int)len);
	if (!o || json_tokener_get_error(tok) != json_tokener_success ||
	    tok->char_offset != (int)len || !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		o = NULL;
	}
	json_tokener_free(tok);
	return o;
}

static json_object *member(json_object *o, const char *key, json_type type)
{
	json_object *m;
	if (!o || !json_object_object_get_ex(o, key, &m) || !json_object_is_type(m, type))
		return NULL;
	return m;
}

static int set_string(char **field, json_object *s)
{
	if (!s)
		return 0;
	char *copy = strdup(json_object_get_string(s));
	if (!copy)
		return -ENOMEM;
	free(*field);
	*field = copy;
	return 0;
}

static CiliumRoutingMode routing_mode_from(const char *s)
{
	if (strcasecmp(s, "native") == 0)
		return CILIUM_ROUTING_NATIVE;
	if (strcasecmp(s, "tunnel") == 0)
		return CILIUM_ROUTING_TUNNEL;
	return CILIUM_ROUTING_UNKNOWN;
}

int cilium_agent_parse_healthz(CiliumAgentView *v, const char *body, size_t len)
{
	_cleanup_(json_object_putp) json_object *o = parse_object(body, len);
	json_object *cilium, *routing, *mode;
	int r;

	if (!o)
		return -EBADMSG;
	cilium = member(o, "cilium", json_type_object);
	if (!cilium)
		return -EBADMSG;
	if ((r = set_string(&v->state, member(cilium, "state", json_type_string))) < 0 ||
	    (r = set_string(&v->msg, member(cilium, "msg", json_type_string))) < 0)
		return r;
	routing = member(o, "routing", json_type_object);
	mode = member(routing, "inter-host-routing-mode", json_type_string);
	if (mode && routing_mode_from(json_object_get_string(mode)) != CILIUM_ROUTING_UNKNOWN)
		v->routing_mode = routing_mode_from(json_object_get_string(mode));
	v->healthz = true;
	return 0;
}

/* A Go *cidr.CIDR: {"IP":"10.42.0.0","Mask":"//8AAA=="} (net.IPMask as base64) or, tolerated,
 * "10.42.0.0/16". */
static int decode_base64_mask(const char *s, uint8_t mask[static 16], size_t *ret_len)
{
	static const char alphabet[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	uint32_t acc = 0;
	size_t bits = 0, n = 0;

	for (; *s && *s != '='; s++) {
		const char *p = strchr(alphabet, *s);
		if (!p || *s == '\0')
			return -EINVAL;
		acc = (acc << 6) | (uint32_t)(p - alphabet);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (n == 16)
				return -EINVAL;
			mask[n++] = (uint8_t)(acc >> bits);
		}
	}
	*ret_len = n;
	return 0;
}

static int mask_length(const uint8_t *mask, size_t n)
{
	int len = 0;
	size_t i = 0;
	for (; i < n && mask[i] == 0xff; i++)
		len += 8;
	if (i < n) {
		uint8_t b = mask[i++];
		while (b & 0x80) {
			len++;
			b = (uint8_t)(b << 1);
		}
		if (b)
			return -EINVAL; /* not contiguous */
	}
	for (; i < n; i++)
		if (mask[i])
			return -EINVAL;
	return len;
}

static int set_cidr(CiliumAgentView *v, json_object *c)
{
	char buf[64];
	Prefix p;

	if (!c)
		return 0;
	if (json_object_is_type(c, json_type_string)) {
		if (prefix_parse(json_object_get_string(c), &p) < 0)
			return 0;
	} else if (json_object_is_type(c, json_type_object)) {
		json_object *ip = member(c, "IP", json_type_string);
		json_object *mask = member(c, "Mask", json_type_string);
		uint8_t m[16];
		size_t n;
		int len;
		if (!ip || !mask || decode_base64_mask(json_object_get_string(mask), m, &n) < 0 ||
		    (n != 4 && n != 16) || (len = mask_length(m, n)) < 0)
			return 0;
		snprintf(buf, sizeof(buf), "%.45s/%d", json_object_get_string(ip), len);
		if (prefix_parse(buf, &p) < 0)
			return 0;
	} else {
		return 0;
	}
	char *s = strdup(prefix_format(&p, buf));
	if (!s)
		return -ENOMEM;
	free(v->native_routing_cidr);
	v->native_routing_cidr = s;
	return 0;
}

static int set_devices(CiliumAgentView *v, json_object *a)
{
	size_t n = a ? json_object_array_length(a) : 0;

	if (!a)
		return 0;
	for (size_t i = 0; i < v->n_devices; i++)
		free(v->devices[i]);
	free(v->devices);
	v->devices = NULL;
	v->n_devices = 0;
	if (n == 0)
		return 0;
	if (!(v->devices = calloc(n, sizeof(char *))))
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		json_object *d = json_object_array_get_idx(a, i);
		if (!json_object_is_type(d, json_type_string))
			continue;
		if (!(v->devices[v->n_devices] = strdup(json_object_get_string(d))))
			return -ENOMEM;
		v->n_devices++;
	}
	return 0;
}

static uint32_t get_mtu(json_object *i)
{
	int64_t n = i ? json_object_get_int64(i) : 0;
	return n > 0 && n <= 65535 ? (uint32_t)n : 0;
}

int cilium_agent_parse_config(CiliumAgentView *v, const char *body, size_t len)
{
	_cleanup_(json_object_putp) json_object *o = parse_object(body, len);
	json_object *status = member(o, "status", json_type_object);
	json_object *map = member(status, "daemonConfigurationMap", json_type_object);
	json_object *m, *cidr = NULL;
	int r;

	if (!map)
		return -EBADMSG;
	/* healthz's routing (1.16+) is the agent's own word; RoutingMode says the same on 1.14+ */
	m = member(map, "RoutingMode", json_type_string);
	if (m && v->routing_mode == CILIUM_ROUTING_UNKNOWN)
		v->routing_mode = routing_mode_from(json_object_get_string(m));
	if ((m = member(map, "EnableAutoDirectRouting", json_type_boolean)))
		v->auto_direct_node_routes = json_object_get_boolean(m);
	json_object_object_get_ex(map, "IPv4NativeRoutingCIDR", &cidr);
	if ((r = set_cidr(v, cidr)) < 0 ||
	    (r = set_devices(v, member(map, "Devices", json_type_array))) < 0 ||
	    (r = set_string(&v->kube_proxy_replacement,
			    member(map, "KubeProxyReplacement", json_type_string))) < 0 ||
	    (r = set_string(&v->ipam, member(map, "IPAM", json_type_string))) < 0)
		return r;
	if (!v->ipam &&
	    (r = set_string(&v->ipam, member(status, "ipam-mode", json_type_string))) < 0)
		return r;
	v->mtu = get_mtu(member(map, "MTU", json_type_int));
	v->device_mtu = get_mtu(member(status, "deviceMTU", json_type_int));
	v->config = true;
	return 0;
}
