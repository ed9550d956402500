/* SPDX-License-Identifier: MIT */
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "fileutil.h"
#include "firewall.h"
#include "protect.h"
#include "yamlutil.h"

#define CONFIG_FILE_MAX (1024 * 1024)

/* Where each devices.remove rule was written, for errors found after all files are merged. */
typedef struct RuleOrigin {
	char text[CONFIG_ERROR_MAX];
} RuleOrigin;

/* What outlives one file while the main file and its drop-ins are merged. */
typedef struct LoadState {
	RuleOrigin *rule_origins;
	size_t n_rule_origins;
	bool saw_cidr;
} LoadState;

typedef struct Loader {
	const char *file;
	yaml_document_t *doc;
	ConfigError *error;
	Config *c;
	LoadState *state;
	const char *key; /* the dotted key being parsed, for messages */
} Loader;

typedef int (*ValueParser)(Loader *l, yaml_node_t *value, void *field);

typedef struct KeySpec {
	const char *key;
	ValueParser parse; /* NULL: a nested mapping described by children */
	size_t offset;	   /* of the field in Config */
	const struct KeySpec *children;
} KeySpec;

static void set_error(ConfigError *e, const char *file, unsigned line, unsigned column,
		      const char *fmt, va_list ap) __attribute__((format(printf, 5, 0)));
static void set_error(ConfigError *e, const char *file, unsigned line, unsigned column,
		      const char *fmt, va_list ap)
{
	int n = snprintf(e->text, sizeof(e->text), "%s:%u:%u: ", file, line, column);
	if (n < 0 || (size_t)n >= sizeof(e->text))
		return;
	vsnprintf(e->text + n, sizeof(e->text) - (size_t)n, fmt, ap);
}

static int fail_at(ConfigError *e, const char *file, unsigned line, unsigned column,
		   const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static int fail_at(ConfigError *e, const char *file, unsigned line, unsigned column,
		   const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	set_error(e, file, line, column, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* libyaml counts lines and columns from 0; editors and compilers from 1. */
static int fail(Loader *l, const yaml_node_t *node, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(Loader *l, const yaml_node_t *node, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	set_error(l->error, l->file, (unsigned)node->start_mark.line + 1,
		  (unsigned)node->start_mark.column + 1, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static const char *node_type_name(const yaml_node_t *node)
{
	switch (node->type) {
	case YAML_MAPPING_NODE:
		return "a mapping";
	case YAML_SEQUENCE_NODE:
		return "a list";
	default:
		return "a scalar";
	}
}

static const char *scalar(const yaml_node_t *node)
{
	return (const char *)node->data.scalar.value;
}

/* A scalar as a string; YAML nulls ("", "~", "null" unquoted) are empty strings. */
static int get_scalar(Loader *l, yaml_node_t *node, const char *what, const char **ret)
{
	if (node->type != YAML_SCALAR_NODE)
		return fail(l, node, "%s: found %s, expected %s", what, node_type_name(node),
			    "a single value");
	if (strlen(scalar(node)) != node->data.scalar.length)
		return fail(l, node, "%s: found a NUL byte, expected text", what);
	*ret = scalar(node);
	return 0;
}

static int replace_string(char **field, const char *value)
{
	char *copy = strdup(value);
	if (!copy)
		return -ENOMEM;
	free(*field);
	*field = copy;
	return 0;
}

static void string_list_clear(StringList *list)
{
	for (size_t i = 0; i < list->n; i++)
		free(list->items[i]);
	free(list->items);
	list->items = NULL;
	list->n = 0;
}

static void device_rules_clear(Config *c)
{
	for (size_t i = 0; i < c->devices.n_remove; i++) {
		free(c->devices.remove[i].name);
		free(c->devices.remove[i].kind);
	}
	free(c->devices.remove);
	c->devices.remove = NULL;
	c->devices.n_remove = 0;
}

/* ---- value parsers ---- */

/* A scalar that must be one of two words; *ret is 0 for the first, 1 for the second. */
static int parse_one_of_two(Loader *l, yaml_node_t *node, const char *first, const char *second,
			    int *ret)
{
	const char *s;
	int r = get_scalar(l, node, l->key, &s);
	if (r < 0)
		return r;
	if (strcmp(s, first) != 0 && strcmp(s, second) != 0)
		return fail(l, node, "%s: found '%s', expected %s or %s", l->key, s, first, second);
	*ret = strcmp(s, second) == 0;
	return 0;
}

static int parse_mode(Loader *l, yaml_node_t *node, void *field)
{
	int second, r = parse_one_of_two(l, node, "observe", "enforce", &second);
	if (r >= 0)
		*(Mode *)field = second ? MODE_ENFORCE : MODE_OBSERVE;
	return r;
}

static int parse_cidr(Loader *l, yaml_node_t *node, void *field)
{
	const char *s;
	Prefix p;
	int r = get_scalar(l, node, l->key, &s);
	if (r < 0)
		return r;
	r = prefix_parse(s, &p);
	if (r == -EDOM)
		return fail(l, node, "%s: found '%s' with host bits set, expected a network CIDR",
			    l->key, s);
	if (r < 0 || !strchr(s, '/'))
		return fail(l, node, "%s: found '%s', expected a CIDR such as 10.42.0.0/16", l->key,
			    s);
	if (p.len == 0)
		return fail(l, node, "%s: found '%s', expected a CIDR narrower than /0", l->key, s);
	*(Prefix *)field = p;
	return 0;
}

static bool valid_device_name(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n >= IFNAMSIZ || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return false;
	for (const char *p = s; *p; p++)
		if (*p == '/' || *p == ':' || *p <= ' ' || *p == 0x7f)
			return false;
	return true;
}

static int parse_native_device(Loader *l, yaml_node_t *node, void *field)
{
	const char *s;
	int r = get_scalar(l, node, l->key, &s);
	if (r < 0)
		return r;
	if (strcmp(s, "auto") != 0 && !valid_device_name(s))
		return fail(l, node,
			    "%s: found '%s', expected auto or a device name (1-15 characters, no "
			    "'/', ':' or spaces)",
			    l->key, s);
	return replace_string(field, s);
}

static int parse_bool(Loader *l, yaml_node_t *node, void *field)
{
	int second, r = parse_one_of_two(l, node, "true", "false", &second);
	if (r >= 0)
		*(bool *)field = !second;
	return r;
}

static int parse_unsigned(Loader *l, yaml_node_t *node, const char *s, unsigned long max,
			  unsigned long *ret)
{
	char *end;
	if (*s < '0' || *s > '9')
		return fail(l, node, "%s: found '%s', expected a whole number", l->key, s);
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (*end != '\0')
		return fail(l, node, "%s: found '%s', expected a whole number", l->key, s);
	if (errno != 0 || v > max)
		return fail(l, node, "%s: found %s, expected at most %lu", l->key, s, max);
	*ret = v;
	return 0;
}

static int parse_mtu(Loader *l, yaml_node_t *node, void *field)
{
	const char *s;
	unsigned long v;
	int r = get_scalar(l, node, l->key, &s);
	if (r < 0 || (r = parse_unsigned(l, node, s, 65535, &v)) < 0)
		return r;
	if (v != 0 && v < 68)
		return fail(l, node, "%s: found %lu, expected 0 (not checked) or 68 to 65535",
			    l->key, v);
	*(uint32_t *)field = (uint32_t)v;
	return 0;
}

static int parse_path(Loader *l, yaml_node_t *node, bool empty_ok, char **field)
{
	const char *s;
	int r = get_scalar(l, node, l->key, &s);
	if (r < 0)
		return r;
	if (*s == '\0' && empty_ok)
		return replace_string(field, s);
	if (s[0] != '/')
		return fail(l, node, "%s: found '%s', expected an absolute path%s", l->key, s,
			    empty_ok ? " or \"\" to disable" : "");
	if (strlen(s) >= 4096)
		return fail(l, node, "%s: found a path of %zu characters, expected fewer than 4096",
			    l->key, strlen(s));
	return replace_string(field, s);
}

static int parse_absolute_path(Loader *l, yaml_node_t *node, void *field)
{
	return parse_path(l, node, false, field);
}

static int parse_path_or_empty(Loader *l, yaml_node_t *node, void *field)
{
	return parse_path(l, node, true, field);
}

static int get_sequence(Loader *l, yaml_node_t *node, const char *expected)
{
	if (node->type == YAML_SEQUENCE_NODE)
		return 0;
	return fail(l, node, "%s: found %s, expected %s", l->key, node_type_name(node), expected);
}

#define FOREACH_ITEM(l, seq, item)                                                                 \
	for (yaml_node_item_t *_i = (seq)->data.sequence.items.start;                              \
	     _i < (seq)->data.sequence.items.top &&                                                \
	     ((item) = yaml_document_get_node((l)->doc, *_i)) != NULL;                             \
	     _i++)

static int parse_string_list(Loader *l, yaml_node_t *node, StringList *list,
			     int (*check)(Loader *, yaml_node_t *, const char *))
{
	StringList parsed = {};
	yaml_node_t *item;
	int r;

	if ((r = get_sequence(l, node, "a list such as [a, b]")) < 0)
		return r;
	size_t n = (size_t)(node->data.sequence.items.top - node->data.sequence.items.start);
	parsed.items = calloc(n ? n : 1, sizeof(char *));
	if (!parsed.items)
		return -ENOMEM;
	FOREACH_ITEM(l, node, item)
	{
		const char *s;
		if ((r = get_scalar(l, item, l->key, &s)) < 0 || (r = check(l, item, s)) < 0)
			goto error;
		if (!(parsed.items[parsed.n] = strdup(s))) {
			r = -ENOMEM;
			goto error;
		}
		parsed.n++;
	}
	string_list_clear(list);
	*list = parsed;
	return 0;
error:
	string_list_clear(&parsed);
	return r;
}

static int check_absolute(Loader *l, yaml_node_t *node, const char *s)
{
	if (s[0] != '/' || strlen(s) >= 4096)
		return fail(l, node, "%s: found '%s', expected an absolute path", l->key, s);
	return 0;
}

static int check_device_glob(Loader *l, yaml_node_t *node, const char *s)
{
	if (!valid_device_name(s)) /* a glob obeys the same rules as a name */
		return fail(l, node,
			    "%s: found '%s', expected a device name or glob (1-15 characters, no "
			    "'/', ':' or spaces)",
			    l->key, s);
	return 0;
}

static int parse_duration(Loader *l, yaml_node_t *node, const char *s, uint64_t *ret);

/* What iptables and nft accept in a chain or table name, and fnmatch(3)'s specials. */
static int check_chain_glob(Loader *l, yaml_node_t *node, const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 255 ||
	    strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		      "0123456789-_.*?[]!") != n)
		return fail(l, node,
			    "%s: found '%s', expected a chain name or glob such as FLANNEL-*",
			    l->key, s);
	if (strncmp(s, "CILIUM_", 7) == 0 || strncmp(s, "OLD_CILIUM_", 11) == 0 ||
	    strncmp(s, "cilium", 6) == 0)
		return fail(l, node,
			    "%s: found '%s', expected a chain that may be removed: Cilium's chains "
			    "are never removed",
			    l->key, s);
	if (strcspn(s, "*?[") == n && firewall_chain_owner(s) == FW_OWNER_NONE &&
	    firewall_table_owner(s) == FW_OWNER_NONE)
		return fail(l, node,
			    "%s: found '%s', expected a chain of Flannel, kube-router, kube-proxy "
			    "or portmap (or their nftables table): only those are ever removed",
			    l->key, s);
	return 0;
}

static int parse_chain_globs(Loader *l, yaml_node_t *node, void *field)
{
	return parse_string_list(l, node, field, check_chain_glob);
}

static int parse_path_list(Loader *l, yaml_node_t *node, void *field)
{
	return parse_string_list(l, node, field, check_absolute);
}

/* K3s's config path and units: remembered as set, so that defaults stay distinguishable. */
static int parse_k3s_config(Loader *l, yaml_node_t *node, void *field)
{
	int r = parse_absolute_path(l, node, field);
	if (r >= 0)
		l->c->k3s.config_set = true;
	return r;
}

static int parse_k3s_units(Loader *l, yaml_node_t *node, void *field)
{
	int r = parse_path_list(l, node, field);
	if (r >= 0)
		l->c->k3s.units_set = true;
	return r;
}

static int parse_keep(Loader *l, yaml_node_t *node, void *field)
{
	return parse_string_list(l, node, field, check_device_glob);
}

static int parse_peers(Loader *l, yaml_node_t *node, void *field)
{
	Config *c = l->c;
	yaml_node_t *item;
	int r;

	if ((r = get_sequence(l, node, "a list of node IP addresses")) < 0)
		return r;
	size_t n = (size_t)(node->data.sequence.items.top - node->data.sequence.items.start);
	_cleanup_free_ Prefix *peers = calloc(n ? n : 1, sizeof(*peers));
	size_t count = 0;
	if (!peers)
		return -ENOMEM;
	FOREACH_ITEM(l, node, item)
	{
		const char *s;
		Prefix *p = &peers[count];
		if ((r = get_scalar(l, item, l->key, &s)) < 0)
			return r;
		if (inaddr_parse(s, &p->family, &p->addr) < 0)
			return fail(l, item, "%s: found '%s', expected an IPv4 or IPv6 address",
				    l->key, s);
		p->len = (uint8_t)(inaddr_size(p->family) * 8);
		count++;
	}
	free(c->peers);
	c->peers = TAKE_PTR(peers);
	c->n_peers = count;
	return 0;
}

static int find_duplicate_key(Loader *l, yaml_node_t *mapping);

static int parse_device_rule(Loader *l, yaml_node_t *node, DeviceRule *rule)
{
	const char *saved_key = l->key;
	int r;

	if (node->type != YAML_MAPPING_NODE)
		return fail(
		    l, node,
		    "%s: found %s, expected a rule such as {name: \"flannel.*\", kind: vxlan}",
		    l->key, node_type_name(node));
	if ((r = find_duplicate_key(l, node)) < 0)
		return r;
	for (yaml_node_pair_t *p = node->data.mapping.pairs.start; p < node->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *k = yaml_document_get_node(l->doc, p->key);
		yaml_node_t *v = yaml_document_get_node(l->doc, p->value);
		const char *key, *s;
		if ((r = get_scalar(l, k, "devices.remove", &key)) < 0)
			return r;
		if (strcmp(key, "name") != 0 && strcmp(key, "kind") != 0)
			return fail(l, k, "devices.remove: unknown key '%s', expected name or kind",
				    key);
		l->key = strcmp(key, "name") == 0 ? "devices.remove.name" : "devices.remove.kind";
		if ((r = get_scalar(l, v, l->key, &s)) < 0)
			return r;
		if (strcmp(key, "name") == 0) {
			if ((r = check_device_glob(l, v, s)) < 0)
				return r;
			if ((r = replace_string(&rule->name, s)) < 0)
				return r;
		} else {
			if (*s == '\0' || strlen(s) >= 24 ||
			    strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_-") != strlen(s))
				return fail(l, v,
					    "%s: found '%s', expected a link kind such as vxlan, "
					    "bridge or wireguard",
					    l->key, s);
			if ((r = replace_string(&rule->kind, s)) < 0)
				return r;
		}
		l->key = saved_key;
	}
	if (!rule->name)
		return fail(
		    l, node,
		    "devices.remove: a rule without name, expected {name: GLOB, kind: KIND}");
	return 0;
}

static int parse_remove_rules(Loader *l, yaml_node_t *node, void *field)
{
	Config *c = l->c;
	yaml_node_t *item;
	int r;

	if ((r = get_sequence(l, node, "a list of rules such as - {name: cni0, kind: bridge}")) < 0)
		return r;
	size_t n = (size_t)(node->data.sequence.items.top - node->data.sequence.items.start);
	DeviceRule *rules = calloc(n ? n : 1, sizeof(*rules));
	RuleOrigin *origins = calloc(n ? n : 1, sizeof(*origins));
	size_t count = 0;
	if (!rules || !origins) {
		free(rules);
		free(origins);
		return -ENOMEM;
	}
	FOREACH_ITEM(l, node, item)
	{
		if ((r = parse_device_rule(l, item, &rules[count])) < 0) {
			count++;
			goto error;
		}
		snprintf(origins[count].text, sizeof(origins[count].text), "%s:%u:%u", l->file,
			 (unsigned)item->start_mark.line + 1,
			 (unsigned)item->start_mark.column + 1);
		count++;
	}
	device_rules_clear(c);
	c->devices.remove = rules;
	c->devices.n_remove = count;
	free(l->state->rule_origins);
	l->state->rule_origins = origins;
	l->state->n_rule_origins = count;
	return 0;
error:
	for (size_t i = 0; i < count; i++) {
		free(rules[i].name);
		free(rules[i].kind);
	}
	free(rules);
	free(origins);
	return r;
}

static int parse_duration(Loader *l, yaml_node_t *node, const char *s, uint64_t *ret)
{
	uint64_t total = 0;
	const char *p = s;

	if (*p == '\0')
		goto bad;
	while (*p) {
		char *end;
		if (*p < '0' || *p > '9')
			goto bad;
		errno = 0;
		unsigned long long v = strtoull(p, &end, 10);
		if (errno != 0 || v > 1000000000ULL)
			goto bad;
		uint64_t unit;
		if (strncmp(end, "ms", 2) == 0) {
			unit = 1000;
			end += 2;
		} else if (*end == 's') {
			unit = 1000000;
			end++;
		} else if (*end == 'm') {
			unit = 60 * 1000000ULL;
			end++;
		} else if (*end == 'h') {
			unit = 3600 * 1000000ULL;
			end++;
		} else {
			goto bad;
		}
		total += v * unit;
		p = end;
	}
	if (total == 0)
		return fail(l, node, "%s: found '%s', expected a duration longer than 0", l->key,
			    s);
	if (total > 24 * 3600 * 1000000ULL)
		return fail(l, node, "%s: found '%s', expected at most 24h", l->key, s);
	*ret = total;
	return 0;
bad:
	return fail(l, node, "%s: found '%s', expected a duration such as 60s, 5m or 500ms", l->key,
		    s);
}

static int parse_recreate_limit(Loader *l, yaml_node_t *node, void *field)
{
	Config *c = l->c;
	int r;

	if (node->type != YAML_MAPPING_NODE)
		return fail(l, node, "%s: found %s, expected {count: N, window: DURATION}", l->key,
			    node_type_name(node));
	if ((r = find_duplicate_key(l, node)) < 0)
		return r;
	for (yaml_node_pair_t *p = node->data.mapping.pairs.start; p < node->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *k = yaml_document_get_node(l->doc, p->key);
		yaml_node_t *v = yaml_document_get_node(l->doc, p->value);
		const char *key, *s;
		if ((r = get_scalar(l, k, l->key, &key)) < 0)
			return r;
		if (strcmp(key, "count") == 0) {
			unsigned long n;
			l->key = "enforce.recreate-limit.count";
			if ((r = get_scalar(l, v, l->key, &s)) < 0 ||
			    (r = parse_unsigned(l, v, s, 1000000, &n)) < 0)
				return r;
			if (n == 0)
				return fail(l, v, "%s: found 0, expected at least 1", l->key);
			c->enforce.recreate_count = (unsigned)n;
		} else if (strcmp(key, "window") == 0) {
			l->key = "enforce.recreate-limit.window";
			if ((r = get_scalar(l, v, l->key, &s)) < 0 ||
			    (r = parse_duration(l, v, s, &c->enforce.recreate_window_usec)) < 0)
				return r;
		} else {
			return fail(
			    l, k,
			    "enforce.recreate-limit: unknown key '%s', expected count or window",
			    key);
		}
		l->key = "enforce.recreate-limit";
	}
	return 0;
}

static int parse_bridge_policy(Loader *l, yaml_node_t *node, void *field)
{
	int second, r = parse_one_of_two(l, node, "pending", "remove", &second);
	if (r >= 0)
		*(BridgePolicy *)field =
		    second ? BRIDGE_WITH_PORTS_REMOVE : BRIDGE_WITH_PORTS_PENDING;
	return r;
}

/* ---- the schema ---- */

#define FIELD(f) offsetof(Config, f)

static const KeySpec EXPECT_KEYS[] = {
    {"direct-node-routes", parse_bool, FIELD(expect.direct_node_routes), NULL},
    {"kube-proxy-replacement", parse_bool, FIELD(expect.kube_proxy_replacement), NULL},
    {"mtu", parse_mtu, FIELD(expect.mtu), NULL},
    {},
};

static const KeySpec K3S_KEYS[] = {
    {"config", parse_k3s_config, FIELD(k3s.config), NULL},
    {"units", parse_k3s_units, FIELD(k3s.units), NULL},
    {},
};

static const KeySpec CNI_KEYS[] = {
    {"conf-dirs", parse_path_list, FIELD(cni.conf_dirs), NULL},
    {"quarantine-dir", parse_absolute_path, FIELD(cni.quarantine_dir), NULL},
    {},
};

static const KeySpec DEVICES_KEYS[] = {
    {"remove", parse_remove_rules, 0, NULL},
    {"keep", parse_keep, FIELD(devices.keep), NULL},
    {},
};

static const KeySpec ENFORCE_KEYS[] = {
    {"recreate-limit", parse_recreate_limit, 0, NULL},
    {"bridge-with-ports", parse_bridge_policy, FIELD(enforce.bridge_with_ports), NULL},
    {},
};

static const KeySpec METRICS_KEYS[] = {
    {"textfile", parse_path_or_empty, FIELD(metrics_textfile), NULL},
    {},
};

static int parse_poll_interval(Loader *l, yaml_node_t *node, void *field)
{
	const char *s = NULL;
	int r = get_scalar(l, node, l->key, &s);
	return r < 0 ? r : parse_duration(l, node, s, field);
}

static const KeySpec CILIUM_KEYS[] = {
    {"socket", parse_path_or_empty, FIELD(cilium.socket), NULL},
    {"kubelet-pods-dir", parse_path_or_empty, FIELD(cilium.kubelet_pods_dir), NULL},
    {"pod-logs-dir", parse_path_or_empty, FIELD(cilium.pod_logs_dir), NULL},
    {"poll-interval", parse_poll_interval, FIELD(cilium.poll_interval_usec), NULL},
    {},
};

static const KeySpec FIREWALL_KEYS[] = {
    {"poll-interval", parse_poll_interval, FIELD(firewall.poll_interval_usec), NULL},
    {"remove", parse_chain_globs, FIELD(firewall.remove), NULL},
    {},
};

static const KeySpec TOP_KEYS[] = {
    {"mode", parse_mode, FIELD(mode), NULL},
    {"native-routing-cidr", parse_cidr, FIELD(native_routing_cidr), NULL},
    {"native-device", parse_native_device, FIELD(native_device), NULL},
    {"peers", parse_peers, 0, NULL},
    {"expect", NULL, 0, EXPECT_KEYS},
    {"k3s", NULL, 0, K3S_KEYS},
    {"cni", NULL, 0, CNI_KEYS},
    {"devices", NULL, 0, DEVICES_KEYS},
    {"enforce", NULL, 0, ENFORCE_KEYS},
    {"metrics", NULL, 0, METRICS_KEYS},
    {"cilium", NULL, 0, CILIUM_KEYS},
    {"firewall", NULL, 0, FIREWALL_KEYS},
    {},
};

static void list_keys(const KeySpec *specs, char *buf, size_t size)
{
	size_t used = 0;
	buf[0] = '\0';
	for (const KeySpec *s = specs; s->key; s++) {
		int n = snprintf(buf + used, size - used, "%s%s", used ? ", " : "", s->key);
		if (n < 0 || (size_t)n >= size - used)
			break;
		used += (size_t)n;
	}
}

static int find_duplicate_key(Loader *l, yaml_node_t *mapping)
{
	int r;
	yaml_node_t *k = yaml_mapping_find_duplicate(l->doc, mapping, NULL, &r);

	if (r < 0)
		return r;
	if (k)
		return fail(l, k, "duplicate key '%s', expected each key once", scalar(k));
	return 0;
}

static int parse_mapping(Loader *l, yaml_node_t *node, const KeySpec *specs, const char *where)
{
	char expected[256], path[96];
	int r;

	if (node->type != YAML_MAPPING_NODE && !*where)
		return fail(l, node,
			    "found %s at the top of the file, expected keys such as "
			    "native-routing-cidr: 10.42.0.0/16",
			    node_type_name(node));
	if (node->type != YAML_MAPPING_NODE)
		return fail(l, node, "%s: found %s, expected a mapping of keys", where,
			    node_type_name(node));
	if ((r = find_duplicate_key(l, node)) < 0)
		return r;
	for (yaml_node_pair_t *p = node->data.mapping.pairs.start; p < node->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *k = yaml_document_get_node(l->doc, p->key);
		yaml_node_t *v = yaml_document_get_node(l->doc, p->value);
		const KeySpec *spec;
		const char *key;

		if (k->type != YAML_SCALAR_NODE)
			return fail(l, k, "%s: found %s as a key, expected a key name", where,
				    node_type_name(k));
		key = scalar(k);
		for (spec = specs; spec->key; spec++)
			if (strcmp(spec->key, key) == 0)
				break;
		if (!spec->key) {
			list_keys(specs, expected, sizeof(expected));
			return fail(l, k, "unknown key '%s'%s%s, expected one of: %s", key,
				    *where ? " in " : "", where, expected);
		}
		if (*where)
			snprintf(path, sizeof(path), "%s.%s", where, key);
		else
			snprintf(path, sizeof(path), "%s", key);
		if (!spec->parse) {
			r = parse_mapping(l, v, spec->children, path);
		} else {
			l->key = path;
			r = spec->parse(l, v, (char *)l->c + spec->offset);
		}
		if (r < 0)
			return r;
	}
	return 0;
}

/* ---- files ---- */

static int load_document(Config *c, LoadState *state, const char *file, const char *text,
			 size_t len, ConfigError *error)
{
	_cleanup_(yaml_parser_deletep) yaml_parser_t parser = {};
	_cleanup_(yaml_document_deletep) yaml_document_t doc = {};
	int r = yaml_load_string(&parser, text, len, 0, &doc);

	if (r == -EBADMSG)
		return fail_at(error, file, (unsigned)parser.problem_mark.line + 1,
			       (unsigned)parser.problem_mark.column + 1, "YAML syntax: %s%s%s",
			       yaml_problem(&parser), parser.context ? " " : "",
			       parser.context ? parser.context : "");
	if (r < 0)
		return r;

	yaml_node_t *root = yaml_document_get_root_node(&doc);
	/* An empty file, or one holding only comments or "~", configures nothing. */
	bool empty = !root || (root->type == YAML_SCALAR_NODE &&
			       (root->data.scalar.length == 0 || strcmp(scalar(root), "~") == 0 ||
				strcmp(scalar(root), "null") == 0));
	if (!empty) {
		Loader l = {file, &doc, error, c, state, ""};
		r = parse_mapping(&l, root, TOP_KEYS, "");
		for (yaml_node_pair_t *p = root->data.mapping.pairs.start;
		     r >= 0 && p < root->data.mapping.pairs.top; p++)
			if (strcmp(scalar(yaml_document_get_node(&doc, p->key)),
				   "native-routing-cidr") == 0)
				state->saw_cidr = true;
	}
	if (root && r >= 0) {
		/* A second document in one file would be silently ignored: refuse it. */
		_cleanup_(yaml_document_deletep) yaml_document_t next = {};
		yaml_node_t *second;
		if ((r = yaml_load_next(&parser, &next)) == -EBADMSG)
			r = fail_at(error, file, (unsigned)parser.problem_mark.line + 1,
				    (unsigned)parser.problem_mark.column + 1, "YAML syntax: %s",
				    yaml_problem(&parser));
		else if (r >= 0 && (second = yaml_document_get_root_node(&next)))
			r = fail_at(error, file, (unsigned)second->start_mark.line + 1,
				    (unsigned)second->start_mark.column + 1,
				    "found a second YAML document, expected one per file");
	}
	return r;
}

static int read_file(const char *path, char **ret, size_t *ret_len, ConfigError *error)
{
	int r = read_text_file(path, CONFIG_FILE_MAX, ret, ret_len);

	if (r == -EISDIR || r == -EINVAL)
		return fail_at(error, path, 1, 1,
			       "found something other than a file, expected a YAML file");
	if (r == -EFBIG)
		return fail_at(error, path, 1, 1,
			       "found a file larger than %d bytes, expected a small YAML file",
			       CONFIG_FILE_MAX);
	if (r < 0)
		fail_at(error, path, 1, 1, "cannot read the file: %s", strerror(-r));
	return r;
}

static int config_new_default(const char *path, Config **ret)
{
	_cleanup_(config_freep) Config *c = calloc(1, sizeof(*c));
	static const char *const conf_dirs[] = {"/etc/cni/net.d",
						"/var/lib/rancher/k3s/agent/etc/cni/net.d"};
	static const DeviceRule rules[] = {
	    {"flannel.*", "vxlan"}, {"flannel-v6.*", "vxlan"}, {"flannel-wg*", "wireguard"},
	    {"cni0", "bridge"},	    {"kube-ipvs0", "dummy"}, /* kube-proxy's IPVS mode leaves it */
	};

	if (!c)
		return -ENOMEM;
	c->mode = MODE_OBSERVE;
	c->expect.direct_node_routes = true;
	c->expect.kube_proxy_replacement = true;
	c->enforce.recreate_count = 5;
	c->enforce.recreate_window_usec = 60 * 1000000ULL;
	c->enforce.bridge_with_ports = BRIDGE_WITH_PORTS_PENDING;
	c->firewall.poll_interval_usec = 60 * 1000000ULL;
	if (!(c->path = strdup(path)) || !(c->native_device = strdup("auto")) ||
	    !(c->k3s.config = strdup("/etc/rancher/k3s/config.yaml")) ||
	    !(c->cni.quarantine_dir = strdup("/var/lib/routeguard/quarantine")) ||
	    !(c->metrics_textfile = strdup("/var/lib/prometheus/node-exporter/routeguard.prom")) ||
	    !(c->cilium.socket = strdup("/var/run/cilium/cilium.sock")) ||
	    !(c->cilium.kubelet_pods_dir = strdup("/var/lib/kubelet/pods")) ||
	    !(c->cilium.pod_logs_dir = strdup("/var/log/pods")))
		return -ENOMEM;
	c->cilium.poll_interval_usec = 30 * 1000000ULL;
	/* k3s.units has no default list: unset, the K3s units are discovered (units_set). */
	if (!(c->cni.conf_dirs.items = calloc(ELEMENTSOF(conf_dirs), sizeof(char *))) ||
	    !(c->devices.remove = calloc(ELEMENTSOF(rules), sizeof(DeviceRule))))
		return -ENOMEM;
	for (size_t i = 0; i < ELEMENTSOF(conf_dirs); i++)
		if (!(c->cni.conf_dirs.items[c->cni.conf_dirs.n++] = strdup(conf_dirs[i])))
			return -ENOMEM;
	for (size_t i = 0; i < ELEMENTSOF(rules); i++) {
		DeviceRule *d = &c->devices.remove[c->devices.n_remove++];
		if (!(d->name = strdup(rules[i].name)) || !(d->kind = strdup(rules[i].kind)))
			return -ENOMEM;
	}
	*ret = TAKE_PTR(c);
	return 0;
}

Config *config_free(Config *c)
{
	if (!c)
		return NULL;
	free(c->path);
	free(c->native_device);
	free(c->peers);
	free(c->k3s.config);
	string_list_clear(&c->k3s.units);
	string_list_clear(&c->cni.conf_dirs);
	free(c->cni.quarantine_dir);
	device_rules_clear(c);
	string_list_clear(&c->devices.keep);
	free(c->metrics_textfile);
	free(c->cilium.socket);
	free(c->cilium.kubelet_pods_dir);
	free(c->cilium.pod_logs_dir);
	string_list_clear(&c->firewall.remove);
	free(c);
	return NULL;
}

static int check_rules_against_protected(const Config *c, const LoadState *state,
					 const char *default_origin, ConfigError *error)
{
	for (size_t i = 0; i < c->devices.n_remove; i++) {
		const char *name = c->devices.remove[i].name;
		const char *origin =
		    i < state->n_rule_origins ? state->rule_origins[i].text : default_origin;
		bool is_glob = device_name_is_glob(name);
		const char *why = device_rule_protection(name);

		if (!why && !is_glob && strcmp(c->native_device, name) == 0)
			why = "it is the native-device, which is never removed";
		for (size_t k = 0; !why && !is_glob && k < c->devices.keep.n; k++)
			if (fnmatch(c->devices.keep.items[k], name, 0) == 0)
				why = "devices.keep protects it";
		if (why) {
			/* Precisions keep the sum under CONFIG_ERROR_MAX: a very long path is cut.
			 */
			snprintf(error->text, sizeof(error->text),
				 "%.280s: devices.remove: found '%.15s', expected a device that "
				 "may be removed: %s",
				 origin, name, why);
			return -EINVAL;
		}
	}
	return 0;
}

static int finish(const Config *c, const LoadState *state, const char *main_file,
		  ConfigError *error)
{
	char origin[CONFIG_ERROR_MAX];

	if (!state->saw_cidr)
		return fail_at(error, main_file, 1, 1,
			       "native-routing-cidr is missing, expected the pod CIDR that must be "
			       "natively routed, such as native-routing-cidr: 10.42.0.0/16");
	snprintf(origin, sizeof(origin), "%s:1:1", main_file);
	return check_rules_against_protected(c, state, origin, error);
}

int config_load_string(const char *name, const char *text, size_t len, Config **ret,
		       ConfigError *ret_error)
{
	_cleanup_(config_freep) Config *c = NULL;
	LoadState state = {};
	int r;

	if ((r = config_new_default(name, &c)) < 0)
		return r;
	r = load_document(c, &state, name, text, len, ret_error);
	if (r >= 0)
		r = finish(c, &state, name, ret_error);
	free(state.rule_origins);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(c);
	return 0;
}

static int yaml_file_filter(const struct dirent *d)
{
	size_t n = strlen(d->d_name);
	return d->d_name[0] != '.' && n > 5 && strcmp(d->d_name + n - 5, ".yaml") == 0;
}

static int load_file(Config *c, LoadState *state, const char *path, ConfigError *error)
{
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	int r = read_file(path, &text, &len, error);
	if (r < 0)
		return r;
	return load_document(c, state, path, text, len, error);
}

static int load_dropins(Config *c, LoadState *state, const char *path, ConfigError *error)
{
	_cleanup_free_ char *dir = NULL;
	struct dirent **entries = NULL;
	int r = 0;

	if (asprintf(&dir, "%s.d", path) < 0)
		return -ENOMEM;
	int n = scandir(dir, &entries, yaml_file_filter, alphasort);
	for (int i = 0; i < n; i++) {
		_cleanup_free_ char *file = NULL;
		if (r >= 0 && asprintf(&file, "%s/%s", dir, entries[i]->d_name) < 0)
			r = -ENOMEM;
		if (r >= 0)
			r = load_file(c, state, file, error);
		free(entries[i]);
	}
	free(entries);
	return r;
}

int config_load(const char *path, Config **ret, ConfigError *ret_error)
{
	_cleanup_(config_freep) Config *c = NULL;
	LoadState state = {};
	int r;

	if ((r = config_new_default(path, &c)) < 0)
		return r;
	r = load_file(c, &state, path, ret_error);
	if (r >= 0)
		r = load_dropins(c, &state, path, ret_error);
	if (r >= 0)
		r = finish(c, &state, path, ret_error);
	free(state.rule_origins);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(c);
	return 0;
}

const char *mode_to_string(Mode m)
{
	return m == MODE_ENFORCE ? "enforce" : "observe";
}
