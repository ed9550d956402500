/* SPDX-License-Identifier: MIT */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fileutil.h"
#include "k3sconfig.h"
#include "unitfile.h"
#include "yamlutil.h"

typedef struct TrackedKey {
	const char *name;
	size_t offset;
	bool boolean; /* a bare --flag means true; no value follows it */
} TrackedKey;

#define KEY(f) offsetof(K3sConfig, f)

static const TrackedKey TRACKED[] = {
	{"flannel-backend", KEY(flannel_backend), false},
	{"disable-network-policy", KEY(disable_network_policy), true},
	{"disable-kube-proxy", KEY(disable_kube_proxy), true},
	{"cluster-cidr", KEY(cluster_cidr), false},
	{"flannel-iface", KEY(flannel_iface), false},
};

static const TrackedKey *tracked_key(const char *name, size_t len)
{
	for (size_t i = 0; i < ELEMENTSOF(TRACKED); i++)
		if (strlen(TRACKED[i].name) == len && strncmp(TRACKED[i].name, name, len) == 0)
			return &TRACKED[i];
	return NULL;
}

static K3sValue *value_of(K3sConfig *k, const TrackedKey *t)
{
	return (K3sValue *)((char *)k + t->offset);
}

int k3sconfig_new(K3sConfig **ret)
{
	K3sConfig *k = calloc(1, sizeof(*k));
	if (!k)
		return -ENOMEM;
	*ret = k;
	return 0;
}

K3sConfig *k3sconfig_free(K3sConfig *k)
{
	if (!k)
		return NULL;
	for (size_t i = 0; i < ELEMENTSOF(TRACKED); i++) {
		free(value_of(k, &TRACKED[i])->value);
		free(value_of(k, &TRACKED[i])->source);
	}
	for (size_t i = 0; i < k->n_problems; i++) {
		free(k->problems[i].path);
		free(k->problems[i].message);
	}
	free(k->problems);
	free(k->role_source);
	free(k);
	return NULL;
}

static int add_problem(K3sConfig *k, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int add_problem(K3sConfig *k, const char *path, const char *fmt, ...)
{
	K3sProblem *grown = realloc(k->problems, (k->n_problems + 1) * sizeof(*grown));
	char *message = NULL;
	va_list ap;

	if (!grown)
		return -ENOMEM;
	k->problems = grown;
	va_start(ap, fmt);
	int n = vasprintf(&message, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -ENOMEM;
	char *p = strdup(path);
	if (!p) {
		free(message);
		return -ENOMEM;
	}
	k->problems[k->n_problems++] = (K3sProblem){p, message};
	return 0;
}

/* Sets (or with append, extends) a tracked key. */
static int set_value(K3sValue *v, const char *value, bool append, const char *source)
{
	char *joined = NULL, *src = strdup(source);

	if (!src)
		return -ENOMEM;
	if (append && v->value && *v->value) {
		if (asprintf(&joined, "%s,%s", v->value, value) < 0)
			joined = NULL;
	} else {
		joined = strdup(value);
	}
	if (!joined) {
		free(src);
		return -ENOMEM;
	}
	free(v->value);
	free(v->source);
	v->value = joined;
	v->source = src;
	return 0;
}

/* ---- config.yaml ---- */

/* A YAML value as K3s reads it: a scalar as is, a list joined with commas. */
static char *yaml_value_text(yaml_document_t *doc, yaml_node_t *node)
{
	if (node->type == YAML_SCALAR_NODE)
		return strdup((const char *)node->data.scalar.value);
	if (node->type != YAML_SEQUENCE_NODE)
		return NULL;
	size_t size = 1;
	for (yaml_node_item_t *i = node->data.sequence.items.start; i < node->data.sequence.items.top; i++) {
		yaml_node_t *item = yaml_document_get_node(doc, *i);
		if (!item || item->type != YAML_SCALAR_NODE)
			return NULL;
		size += item->data.scalar.length + 1;
	}
	char *text = calloc(1, size);
	if (!text)
		return NULL;
	for (yaml_node_item_t *i = node->data.sequence.items.start; i < node->data.sequence.items.top; i++) {
		yaml_node_t *item = yaml_document_get_node(doc, *i);
		if (*text)
			strcat(text, ",");
		strcat(text, (const char *)item->data.scalar.value);
	}
	return text;
}

static int apply_mapping(K3sConfig *k, const char *name, yaml_document_t *doc, yaml_node_t *root)
{
	int r;

	if (root->type != YAML_MAPPING_NODE)
		return add_problem(k, name, "%s:%zu:%zu: found no mapping of keys at the top, expected keys such as flannel-backend: none",
				   name, root->start_mark.line + 1, root->start_mark.column + 1);
	for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top; p++) {
		yaml_node_t *key = yaml_document_get_node(doc, p->key);
		yaml_node_t *value = yaml_document_get_node(doc, p->value);
		if (!key || !value || key->type != YAML_SCALAR_NODE)
			continue;
		const char *text = (const char *)key->data.scalar.value;
		size_t len = key->data.scalar.length;
		bool append = len > 0 && text[len - 1] == '+';
		const TrackedKey *t = tracked_key(text, append ? len - 1 : len);
		if (!t)
			continue; /* K3s has many keys; routeguard looks at a few */
		_cleanup_free_ char *v = yaml_value_text(doc, value);
		if (!v) {
			if ((r = add_problem(k, name, "%s:%zu:%zu: %s: found a mapping, expected a value or a list",
					     name, value->start_mark.line + 1,
					     value->start_mark.column + 1, t->name)) < 0)
				return r;
			continue;
		}
		char source[4200];
		snprintf(source, sizeof(source), "%s:%zu", name, key->start_mark.line + 1);
		if ((r = set_value(value_of(k, t), v, append, source)) < 0)
			return r;
	}
	return 0;
}

int k3sconfig_apply_yaml(K3sConfig *k, const char *name, const char *text, size_t len)
{
	_cleanup_(yaml_parser_deletep) yaml_parser_t parser = {};
	_cleanup_(yaml_document_deletep) yaml_document_t doc = {};
	int r = yaml_load_string(&parser, text, len, &doc);

	if (r == -EBADMSG)
		return add_problem(k, name, "%s:%zu:%zu: YAML syntax: %s", name,
				   parser.problem_mark.line + 1, parser.problem_mark.column + 1,
				   yaml_problem(&parser));
	if (r < 0)
		return r;
	yaml_node_t *root = yaml_document_get_root_node(&doc);
	bool empty = !root || (root->type == YAML_SCALAR_NODE && root->data.scalar.length == 0);
	return empty ? 0 : apply_mapping(k, name, &doc, root);
}

/* ---- the unit's ExecStart= ---- */

/* Splits a command line into words the way systemd does for ExecStart (quotes, backslashes). */
static int split_words(const char *line, char ***ret, size_t *ret_n)
{
	char **words = NULL;
	size_t n = 0;
	const char *p = line;

	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		char *word = malloc(strlen(p) + 1), *w = word;
		if (!word)
			goto oom;
		char quote = 0;
		for (; *p && (quote || (*p != ' ' && *p != '\t')); p++) {
			if (quote && *p == quote)
				quote = 0;
			else if (!quote && (*p == '\'' || *p == '"'))
				quote = *p;
			else if (*p == '\\' && p[1] && quote != '\'')
				*w++ = *++p;
			else
				*w++ = *p;
		}
		*w = '\0';
		char **grown = realloc(words, (n + 1) * sizeof(*words));
		if (!grown) {
			free(word);
			goto oom;
		}
		words = grown;
		words[n++] = word;
	}
	*ret = words;
	*ret_n = n;
	return 0;
oom:
	for (size_t i = 0; i < n; i++)
		free(words[i]);
	free(words);
	return -ENOMEM;
}

/*
 * The command a unit runs: its ExecStart= lines in the order systemd applies them, an empty one
 * resetting the list. A K3s unit (Type=notify) runs one command, the last one; K3s's flags are
 * there, not yet with $VAR expansion or specifiers (issue 9).
 */
static int apply_unit_file(K3sConfig *k, const char *name, const UnitFile *u)
{
	const UnitAssignment *exec = NULL;
	char **words = NULL;
	size_t n = 0, i = 0;
	int r;

	for (const UnitAssignment *a = NULL; (a = unit_file_next(u, a, "Service", "ExecStart"));)
		exec = a;
	if (!exec)
		return 0;
	if ((r = split_words(exec->value, &words, &n)) < 0)
		return r;
	if (n == 0)
		goto out; /* "ExecStart=" alone resets */
	/* systemd's prefixes before the path: -, @, :, +, ! */
	const char *binary = words[0] + strspn(words[0], "-@:+!");
	if (!strstr(binary, "k3s"))
		goto out;
	for (i = 1; i < n && words[i][0] == '-'; i++)
		;
	if (i < n && (strcmp(words[i], "server") == 0 || strcmp(words[i], "agent") == 0)) {
		K3sRole role = strcmp(words[i], "server") == 0 ? K3S_ROLE_SERVER : K3S_ROLE_AGENT;
		/* Of several units, a server's wins: its flags are the ones that matter. */
		if (k->role != K3S_ROLE_SERVER) {
			k->role = role;
			free(k->role_source);
			if (!(k->role_source = strdup(name))) {
				r = -ENOMEM;
				goto out;
			}
		}
		i++;
	}
	for (; i < n; i++) {
		const char *w = words[i];
		if (w[0] != '-')
			continue;
		w += w[1] == '-' ? 2 : 1;
		const char *eq = strchr(w, '=');
		const TrackedKey *t = tracked_key(w, eq ? (size_t)(eq - w) : strlen(w));
		const char *value = eq ? eq + 1 : NULL;
		if (!value && !(t && t->boolean) && i + 1 < n && words[i + 1][0] != '-')
			value = words[++i]; /* --flag value */
		if (!t)
			continue;
		if (!value)
			value = "true";
		char source[4200];
		snprintf(source, sizeof(source), "%s: --%s", name, t->name);
		/* Flags given twice: K3s keeps the last; slice flags (cluster-cidr) would append. */
		if ((r = set_value(value_of(k, t), value, false, source)) < 0)
			goto out;
	}
	r = 0;
out:
	for (size_t j = 0; j < n; j++)
		free(words[j]);
	free(words);
	return r;
}

int k3sconfig_apply_unit(K3sConfig *k, const char *name, const char *text)
{
	_cleanup_(unit_file_freep) UnitFile *u = NULL;
	int r;

	if ((r = unit_file_new(&u)) < 0 || (r = unit_file_parse(u, name, text, strlen(text))) < 0)
		return r;
	return apply_unit_file(k, name, u);
}

/* ---- files ---- */

static int yaml_dropin(const struct dirent *d)
{
	size_t n = strlen(d->d_name);
	return d->d_name[0] != '.' && n > 5 && strcmp(d->d_name + n - 5, ".yaml") == 0;
}

static int report_unreadable(K3sConfig *k, const char *path, int error)
{
	return add_problem(k, path, "%s: cannot read: %s", path, strerror(-error));
}

static int apply_yaml_file(K3sConfig *k, const char *file, bool *found)
{
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	int r = read_text_file(file, 1024 * 1024, &text, &len);

	if (r == -ENOENT)
		return 0;
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		return report_unreadable(k, file, r);
	*found = true;
	return k3sconfig_apply_yaml(k, file, text, len);
}

/* config.yaml, then config.yaml.d/ in alphabetical order, each applied over the last. */
static int load_yaml_files(K3sConfig *k, const char *path, bool *found)
{
	_cleanup_free_ char *dir = NULL;
	struct dirent **entries = NULL;
	int r, n;

	if ((r = apply_yaml_file(k, path, found)) < 0)
		return r;
	if (asprintf(&dir, "%s.d", path) < 0)
		return -ENOMEM;
	if ((n = scandir(dir, &entries, yaml_dropin, alphasort)) < 0)
		return errno == ENOMEM ? -ENOMEM : 0; /* no drop-in directory */
	for (int i = 0; i < n; i++) {
		_cleanup_free_ char *file = NULL;
		if (r >= 0 && asprintf(&file, "%s/%s", dir, entries[i]->d_name) < 0)
			r = -ENOMEM;
		if (r >= 0)
			r = apply_yaml_file(k, file, found);
		free(entries[i]);
	}
	free(entries);
	return r;
}

/* The unit routeguard.yaml names, its drop-ins too, as systemd loads it below root. */
static int load_unit(K3sConfig *k, const char *root, const char *path, bool *found)
{
	_cleanup_(unit_file_freep) UnitFile *u = NULL;
	int r;

	if ((r = unit_file_load_path(root, path, &u)) < 0)
		return r;
	/* Syntax errors stay quiet, as they did: systemd warns about most and goes on. */
	for (size_t i = 0; i < u->n_problems; i++)
		if (u->problems[i].error != -EBADMSG &&
		    (r = report_unreadable(k, u->problems[i].path, u->problems[i].error)) < 0)
			return r;
	*found = u->n_paths > 0;
	return apply_unit_file(k, u->main_path ? u->main_path : path, u);
}

int k3sconfig_load(const char *root, const char *config_path, const StringList *units,
		   K3sConfig **ret)
{
	_cleanup_(k3sconfig_freep) K3sConfig *k = NULL;
	bool files = false, any_unit = false;
	int r;

	if ((r = k3sconfig_new(&k)) < 0)
		return r;
	if ((r = load_yaml_files(k, config_path, &files)) < 0)
		return r;
	/* Flags on the command line override the files: units come last. */
	for (size_t i = 0; i < units->n; i++) {
		bool found = false;
		if ((r = load_unit(k, root, units->items[i], &found)) < 0)
			return r;
		any_unit |= found;
	}
	if (k->role == K3S_ROLE_NONE && (files || any_unit))
		k->role = K3S_ROLE_SERVER; /* only config files: K3s defaults to server */
	*ret = TAKE_PTR(k);
	return 0;
}

const char *k3sconfig_flannel_backend(const K3sConfig *k)
{
	return k->flannel_backend.value ? k->flannel_backend.value : "vxlan";
}

bool k3s_value_is_true(const K3sValue *v)
{
	return v->value && strcmp(v->value, "true") == 0;
}

int k3sconfig_cluster_cidr4(const K3sConfig *k, Prefix *ret)
{
	const char *text = k->cluster_cidr.value ? k->cluster_cidr.value : "10.42.0.0/16";
	_cleanup_free_ char *copy = strdup(text);
	char *save = NULL;

	if (!copy)
		return -ENOMEM;
	for (char *part = strtok_r(copy, ",", &save); part; part = strtok_r(NULL, ",", &save)) {
		Prefix p;
		while (*part == ' ')
			part++;
		if (prefix_parse(part, &p) == 0 && p.family == AF_INET) {
			*ret = p;
			return 0;
		}
	}
	return -EINVAL;
}

const char *k3s_role_to_string(K3sRole role)
{
	switch (role) {
	case K3S_ROLE_SERVER:
		return "server";
	case K3S_ROLE_AGENT:
		return "agent";
	default:
		return "none";
	}
}
