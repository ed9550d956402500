/* SPDX-License-Identifier: MIT */
#include <dirent.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "fileutil.h"
#include "hostfacts.h"
#include "unitfile.h"

#define HOST_FILE_MAX (1024 * 1024)

void cni_file_clear(CniFile *f)
{
	free(f->path);
	for (size_t i = 0; i < f->n_plugin_types; i++)
		free(f->plugin_types[i]);
	free(f->plugin_types);
	free(f->error);
	memset(f, 0, sizeof(*f));
}

HostFacts *hostfacts_free(HostFacts *h)
{
	if (!h)
		return NULL;
	for (size_t i = 0; i < h->n_cni_files; i++)
		cni_file_clear(&h->cni_files[i]);
	free(h->cni_files);
	free(h->networkd_source);
	free(h->flannel_subnet_env);
	free(h->flannel_network);
	k3sconfig_free(h->k3s);
	cni_networks_free(h->cni_networks, h->n_cni_networks);
	free(h);
	return NULL;
}

static int add_plugin_type(CniFile *f, json_object *plugin)
{
	json_object *type;
	if (!json_object_is_type(plugin, json_type_object) ||
	    !json_object_object_get_ex(plugin, "type", &type) ||
	    !json_object_is_type(type, json_type_string))
		return -EINVAL;
	char **grown = realloc(f->plugin_types, (f->n_plugin_types + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	f->plugin_types = grown;
	if (!(f->plugin_types[f->n_plugin_types] = strdup(json_object_get_string(type))))
		return -ENOMEM;
	if (strcmp(f->plugin_types[f->n_plugin_types], "cilium-cni") == 0)
		f->is_cilium = true;
	f->n_plugin_types++;
	return 0;
}

static int set_error(CniFile *f, const char *message)
{
	return (f->error = strdup(message)) ? 0 : -ENOMEM;
}

int cni_file_parse(const char *path, const char *text, CniFile *ret)
{
	CniFile f = {};
	json_object *plugins;
	int r = 0;

	if (!(f.path = strdup(path)))
		return -ENOMEM;
	json_tokener *tok = json_tokener_new();
	if (!tok) {
		cni_file_clear(&f);
		return -ENOMEM;
	}
	json_object *root = json_tokener_parse_ex(tok, text, (int)strlen(text));
	enum json_tokener_error jerr = json_tokener_get_error(tok);
	json_tokener_free(tok);
	if (jerr == json_tokener_continue) {
		r = set_error(&f, "incomplete JSON");
	} else if (!root || jerr != json_tokener_success) {
		r = set_error(&f, json_tokener_error_desc(jerr));
	} else if (!json_object_is_type(root, json_type_object)) {
		r = set_error(&f, "not a JSON object");
	} else if (json_object_object_get_ex(root, "plugins", &plugins)) {
		/* a .conflist: a list of plugins */
		bool is_list = json_object_is_type(plugins, json_type_array);
		if (!is_list)
			r = set_error(&f, "\"plugins\" is not a list");
		for (size_t i = 0;
		     is_list && r == 0 && !f.error && i < json_object_array_length(plugins); i++)
			if ((r = add_plugin_type(&f, json_object_array_get_idx(plugins, i))) ==
			    -EINVAL)
				r = set_error(&f, "a plugin without a \"type\"");
	} else if ((r = add_plugin_type(&f, root)) == -EINVAL) {
		r = set_error(&f, "no \"type\" and no \"plugins\"");
	}
	json_object_put(root);
	if (r < 0) {
		cni_file_clear(&f);
		return r;
	}
	*ret = f;
	return 0;
}

/* containerd's CNI loader reads these extensions; *.cilium_bak and the like are ignored. */
static int cni_extension(const struct dirent *d)
{
	const char *dot = strrchr(d->d_name, '.');
	return d->d_name[0] != '.' && dot &&
	       (strcmp(dot, ".conf") == 0 || strcmp(dot, ".conflist") == 0 ||
		strcmp(dot, ".json") == 0);
}

static int load_cni_dir(HostFacts *h, const char *dir)
{
	struct dirent **entries = NULL;
	int n = scandir(dir, &entries, cni_extension, alphasort), r = 0;

	if (n < 0 && errno == ENOMEM)
		return -ENOMEM; /* a missing or unreadable directory holds no configuration */
	for (int i = 0; i < n; i++) {
		_cleanup_free_ char *path = NULL, *text = NULL;
		size_t len;
		if (r < 0 || asprintf(&path, "%s/%s", dir, entries[i]->d_name) < 0) {
			r = r < 0 ? r : -ENOMEM;
			free(entries[i]);
			continue;
		}
		free(entries[i]);
		/* Before the read: a file replaced in between is then seen as changed, never the
		 * other way round (issue 13). */
		struct stat st = {};
		(void)lstat(path, &st);
		int e = read_text_file(path, HOST_FILE_MAX, &text, &len);
		if (e == -EISDIR || e == -ENOENT)
			continue;
		CniFile *grown = realloc(h->cni_files, (h->n_cni_files + 1) * sizeof(*grown));
		if (!grown) {
			r = -ENOMEM;
			continue;
		}
		h->cni_files = grown;
		CniFile *f = &h->cni_files[h->n_cni_files];
		if (e < 0) {
			memset(f, 0, sizeof(*f));
			f->path = TAKE_PTR(path);
			if (!(f->error = strdup(strerror(-e))))
				r = -ENOMEM;
		} else if ((r = cni_file_parse(path, text, f)) < 0) {
			continue;
		}
		f->identity = file_identity(&st);
		h->n_cni_files++;
	}
	free(entries);
	return r;
}

static int read_ip_forward(HostFacts *h)
{
	_cleanup_free_ char *text = NULL;
	size_t len;

	h->ip_forward = -1;
	if (read_text_file("/proc/sys/net/ipv4/ip_forward", 64, &text, &len) == 0 &&
	    (text[0] == '0' || text[0] == '1'))
		h->ip_forward = text[0] - '0';
	return 0;
}

int parse_systemd_boolean(const char *s)
{
	static const char *const yes[] = {"1", "yes", "y", "true", "t", "on"};
	static const char *const no[] = {"0", "no", "n", "false", "f", "off"};
	for (size_t i = 0; i < ELEMENTSOF(yes); i++) {
		if (strcasecmp(s, yes[i]) == 0)
			return 1;
		if (strcasecmp(s, no[i]) == 0)
			return 0;
	}
	return -EINVAL;
}

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		s[--n] = '\0';
	return s;
}

/*
 * networkd.conf and its drop-ins, read as networkd reads them: the last valid [Network] value of
 * each key wins, across /etc/systemd/networkd.conf and networkd.conf.d/ of every directory.
 */
static int read_networkd(HostFacts *h, const char *root)
{
	_cleanup_(unit_file_freep) UnitFile *u = NULL;
	_cleanup_free_ char *netif = NULL;
	struct stat st;
	int r;

	h->manage_foreign_routes = true;
	h->manage_foreign_rules = true;
	if (asprintf(&netif, "%s/run/systemd/netif/links", root) < 0 ||
	    asprintf(&h->networkd_source, "%s/etc/systemd/networkd.conf", root) < 0)
		return -ENOMEM;
	/* networkd writes its state there while it runs. */
	h->networkd_running = stat(netif, &st) == 0 && S_ISDIR(st.st_mode);
	if ((r = unit_file_load_config(root, "systemd/networkd.conf", &u)) < 0)
		return r;
	for (const UnitAssignment *a = NULL; (a = unit_file_next(u, a, "Network", NULL));) {
		int value = parse_systemd_boolean(a->value);
		bool *field = strcmp(a->key, "ManageForeignRoutes") == 0 ? &h->manage_foreign_routes
			      : strcmp(a->key, "ManageForeignRoutingPolicyRules") == 0
				  ? &h->manage_foreign_rules
				  : NULL;
		if (!field || value < 0)
			continue;
		*field = value;
		free(h->networkd_source);
		if (!(h->networkd_source = strdup(a->path)))
			return -ENOMEM;
	}
	return 0;
}

static int read_flannel_subnet_env(HostFacts *h, const char *root)
{
	_cleanup_free_ char *path = NULL, *text = NULL;
	size_t len;
	char *save = NULL;

	if (asprintf(&path, "%s/run/flannel/subnet.env", root) < 0)
		return -ENOMEM;
	if (read_text_file(path, HOST_FILE_MAX, &text, &len) < 0)
		return 0;
	h->flannel_subnet_env = TAKE_PTR(path);
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (strncmp(line, "FLANNEL_NETWORK=", 16) == 0 &&
		    !(h->flannel_network = strdup(trim(line + 16))))
			return -ENOMEM;
	return 0;
}

int hostfacts_load(const Config *c, const char *root, K3sDiscovery **k3s_discovery, HostFacts **ret)
{
	_cleanup_(hostfacts_freep) HostFacts *h = calloc(1, sizeof(*h));
	int r;

	if (!h)
		return -ENOMEM;
	if (!root)
		root = "";
	for (size_t i = 0; i < c->cni.conf_dirs.n; i++)
		if ((r = load_cni_dir(h, c->cni.conf_dirs.items[i])) < 0)
			return r;
	if ((r = read_ip_forward(h)) < 0 || (r = read_networkd(h, root)) < 0 ||
	    (r = read_flannel_subnet_env(h, root)) < 0 ||
	    (r = k3sconfig_load(root, c->k3s.config_set ? c->k3s.config : NULL,
				c->k3s.units_set ? &c->k3s.units : NULL, k3s_discovery, &h->k3s)) <
		0 ||
	    (r = cni_networks_load(root, &h->cni_networks, &h->n_cni_networks)) < 0)
		return r;
	*ret = TAKE_PTR(h);
	return 0;
}
