/* SPDX-License-Identifier: MIT */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fileutil.h"
#include "k3sargs.h"
#include "k3sconfig.h"
#include "k3sunit.h"
#include "unitfile.h"

#define K3S_DEFAULT_CONFIG "/etc/rancher/k3s/config.yaml"
#define K3S_DEFAULT_DATA_DIR "/var/lib/rancher/k3s"
#define CONTAINERD_DEFAULT_CNI_DIR "/etc/cni/net.d"

int k3sconfig_new(K3sConfig **ret)
{
	K3sConfig *k = calloc(1, sizeof(*k));
	if (!k || !(k->files = calloc(1, sizeof(*k->files)))) {
		free(k);
		return -ENOMEM;
	}
	*ret = k;
	return 0;
}

static void value_clear(K3sValue *v)
{
	free(v->value);
	free(v->source);
	free(v->file);
	*v = (K3sValue){};
}

K3sConfig *k3sconfig_free(K3sConfig *k)
{
	if (!k)
		return NULL;
	K3sValue *values[] = {&k->flannel_backend,
			      &k->disable_network_policy,
			      &k->disable_kube_proxy,
			      &k->cluster_cidr,
			      &k->disable,
			      &k->flannel_iface,
			      &k->data_dir};
	for (size_t i = 0; i < ELEMENTSOF(values); i++)
		value_clear(values[i]);
	free(k->role_source);
	free(k->unit);
	free(k->config_file);
	free(k->config_file_why);
	free(k->cni_dir);
	free(k->cni_dir_host);
	free(k->cni_dir_why);
	free(k->cni_unread_dir_host);
	k3s_report_clear(&k->report);
	k3s_report_clear(&k->eval);
	if (k->files)
		k3s_files_clear(k->files);
	free(k->files);
	k3s_args_free(k->cli, k->n_cli);
	free(k);
	return NULL;
}

size_t k3sconfig_n_problems(const K3sConfig *k)
{
	return k->report.n_problems + k->eval.n_problems;
}

const K3sProblem *k3sconfig_problem(const K3sConfig *k, size_t i)
{
	return i < k->report.n_problems ? &k->report.problems[i]
					: &k->eval.problems[i - k->report.n_problems];
}

/* The values from the files and the unit's command line; with no unit, K3s as "k3s server". */
static int recompute(K3sConfig *k)
{
	if (k->n_cli > 0)
		return k3s_args_evaluate(k, k->cli, k->n_cli, k->files);
	K3sArg implicit[] = {{(char *)"k3s", (char *)"no K3s unit", NULL},
			     {(char *)"server", (char *)"no K3s unit", NULL}};
	int r = k3s_args_evaluate(k, implicit, ELEMENTSOF(implicit), k->files);
	free(k->role_source);
	k->role_source = NULL;
	return r;
}

int k3sconfig_apply_yaml(K3sConfig *k, const char *name, const char *text, size_t len)
{
	int r = k3s_files_apply_yaml(k->files, &k->report, name, text, len);
	return r < 0 ? r : recompute(k);
}

/* Takes the unit's command line, its files and problems. */
static int take_run(K3sConfig *k, K3sUnitRun *run)
{
	k3s_args_free(k->cli, k->n_cli);
	k->cli = TAKE_PTR(run->argv);
	k->n_cli = run->argc;
	run->argc = 0;
	free(k->unit);
	k->unit = TAKE_PTR(run->name);
	return k3s_report_take(&k->report, &run->report);
}

int k3sconfig_apply_unit(K3sConfig *k, const char *name, const char *text)
{
	_cleanup_(unit_file_freep) UnitFile *u = NULL;
	_cleanup_(k3s_unit_run_freep) K3sUnitRun *run = NULL;
	const char *base = strrchr(name, '/');
	int r;

	if ((r = unit_file_new(&u)) < 0 || (r = unit_file_parse(u, name, text, strlen(text))) < 0)
		return r;
	u->main_path = u->paths[0];
	if ((r = k3s_unit_run(NULL, base ? base + 1 : name, u, &run)) < 0)
		return r;
	if (k3s_command_role(run->argv, run->argc, NULL) == K3S_ROLE_NONE)
		return 0;
	if ((r = take_run(k, run)) < 0)
		return r;
	return recompute(k);
}

/* ---- the units ---- */

typedef struct Runs {
	K3sUnitRun **items;
	size_t n;
} Runs;

static void runs_clear(Runs *rs)
{
	for (size_t i = 0; i < rs->n; i++)
		k3s_unit_run_free(rs->items[i]);
	free(rs->items);
	*rs = (Runs){};
}

static int runs_push(Runs *rs, K3sUnitRun *run)
{
	K3sUnitRun **grown = realloc(rs->items, (rs->n + 1) * sizeof(*grown));
	if (!grown) {
		k3s_unit_run_free(run);
		return -ENOMEM;
	}
	rs->items = grown;
	rs->items[rs->n++] = run;
	return 0;
}

/* A unit: kept in rs when it runs k3s server or agent. */
static int consider_unit(K3sConfig *k, const char *root, UnitFile *u, const char *name, Runs *rs)
{
	K3sUnitRun *run = NULL;
	int r;

	for (size_t i = 0; i < u->n_problems; i++)
		if (u->problems[i].error != -EBADMSG &&
		    (r = k3s_report_problem(
			 &k->report, false, k3s_strip_root(root, u->problems[i].path),
			 "%s: cannot read: %s", k3s_strip_root(root, u->problems[i].path),
			 strerror(-u->problems[i].error))) < 0)
			return r;
	if (u->masked || u->n_paths == 0)
		return 0;
	if ((r = k3s_unit_run(root, name, u, &run)) < 0)
		return r;
	if (k3s_command_role(run->argv, run->argc, NULL) == K3S_ROLE_NONE) {
		k3s_unit_run_free(run);
		return 0;
	}
	return runs_push(rs, run);
}

/* Every *.service in the unit search path that runs k3s server or agent, by name. */
static int discover_units(K3sConfig *k, const char *root, K3sDiscovery **discovery, Runs *rs)
{
	char **names = NULL;
	size_t n = 0;
	int r = k3s_discover_units(root, discovery, &names, &n);

	for (size_t i = 0; i < n && r == 0; i++) {
		_cleanup_(unit_file_freep) UnitFile *u = NULL;
		if ((r = unit_file_load(root, names[i], &u)) == 0)
			r = consider_unit(k, root, u, names[i], rs);
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return r;
}

static int configured_units(K3sConfig *k, const char *root, const StringList *units, Runs *rs)
{
	int r = 0;

	for (size_t i = 0; i < units->n && r == 0; i++) {
		_cleanup_(unit_file_freep) UnitFile *u = NULL;
		const char *path = units->items[i], *base = strrchr(path, '/');
		if ((r = unit_file_load_path(root, path, &u)) == 0)
			r = consider_unit(k, root, u, base ? base + 1 : path, rs);
	}
	return r;
}

/* Of several K3s units, a server's: its flags are the ones that decide Flannel. */
static K3sUnitRun *pick(K3sConfig *k, Runs *rs, int *r)
{
	K3sUnitRun *chosen = NULL;

	for (size_t i = 0; i < rs->n && !chosen; i++)
		if (k3s_command_role(rs->items[i]->argv, rs->items[i]->argc, NULL) ==
		    K3S_ROLE_SERVER)
			chosen = rs->items[i];
	if (!chosen && rs->n)
		chosen = rs->items[0];
	for (size_t i = 0; i < rs->n && *r == 0; i++)
		if (rs->items[i] != chosen)
			*r = k3s_report_source(
			    &k->report,
			    rs->items[i]->path ? rs->items[i]->path : rs->items[i]->name,
			    "unit, also runs k3s: not used (%s is)", chosen->name);
	return chosen;
}

/* ---- containerd's CNI directory ---- */

/* conf_dir = "…" in the containerd configuration K3s rendered at its last start. */
static int containerd_conf_dir(const char *text, char **ret, unsigned *ret_line)
{
	unsigned line = 0;
	for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		line++;
		p += strspn(p, " \t");
		if (strncmp(p, "conf_dir", 8) != 0)
			continue;
		const char *q = p + 8 + strspn(p + 8, " \t");
		if (*q != '=')
			continue;
		q += 1 + strspn(q + 1, " \t");
		if (*q != '"' && *q != '\'')
			continue;
		const char *end = strchr(q + 1, *q);
		if (!end)
			continue;
		*ret = strndup(q + 1, (size_t)(end - q - 1));
		*ret_line = line;
		return *ret ? 1 : -ENOMEM;
	}
	return 0;
}

/* dir is what containerd reads; of the two directories K3s nodes have, the other is unread. */
static int set_cni_dir(K3sConfig *k, const char *root, const char *dir, const char *k3s_dir,
		       char *why)
{
	const char *other = strcmp(dir, CONTAINERD_DEFAULT_CNI_DIR) == 0 ? k3s_dir
			    : strcmp(dir, k3s_dir) == 0 ? CONTAINERD_DEFAULT_CNI_DIR
							: NULL;
	free(k->cni_dir);
	free(k->cni_dir_host);
	free(k->cni_dir_why);
	free(k->cni_unread_dir_host);
	k->cni_dir_why = why;
	k->cni_dir = strdup(dir);
	k->cni_unread_dir_host = NULL;
	if (!why || !k->cni_dir || asprintf(&k->cni_dir_host, "%s%s", root, dir) < 0) {
		k->cni_dir_host = NULL;
		return -ENOMEM;
	}
	if (other && asprintf(&k->cni_unread_dir_host, "%s%s", root, other) < 0) {
		k->cni_unread_dir_host = NULL;
		return -ENOMEM;
	}
	return 0;
}

static int find_cni_dir(K3sConfig *k, const char *root)
{
	const char *data_dir =
	    k->data_dir.value && *k->data_dir.value ? k->data_dir.value : K3S_DEFAULT_DATA_DIR;
	_cleanup_free_ char *k3s_dir = NULL, *toml = NULL, *full = NULL, *text = NULL;
	char *why = NULL;
	size_t len;
	int r;

	if (asprintf(&k3s_dir, "%s/agent/etc/cni/net.d", data_dir) < 0)
		return -ENOMEM;
	if (k->role == K3S_ROLE_SERVER) {
		/* K3s sets containerd's conf_dir only when it runs Flannel (embed.go). */
		bool none = strcmp(k3sconfig_flannel_backend(k), "none") == 0;
		if (asprintf(&why, "flannel-backend %s (%s)", k3sconfig_flannel_backend(k),
			     k->flannel_backend.source ? k->flannel_backend.source
						       : "K3s's default") < 0)
			return -ENOMEM;
		return set_cni_dir(k, root, none ? CONTAINERD_DEFAULT_CNI_DIR : k3s_dir, k3s_dir,
				   why);
	}
	if (k->role != K3S_ROLE_AGENT)
		return 0;
	/* An agent's backend is the servers': the rendered file shows what its last start used. */
	if (asprintf(&toml, "%s/agent/etc/containerd/config.toml", data_dir) < 0 ||
	    asprintf(&full, "%s%s", root, toml) < 0)
		return -ENOMEM;
	r = read_text_file(full, 1024 * 1024, &text, &len);
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		return k3s_report_source(&k->report, toml, "containerd config rendered by K3s, %s",
					 r == -ENOENT ? "absent: CNI directory unknown"
						      : strerror(-r));
	if ((r = k3s_report_source(&k->report, toml, "containerd config rendered by K3s")) < 0)
		return r;
	_cleanup_free_ char *dir = NULL;
	unsigned line = 0;
	if ((r = containerd_conf_dir(text, &dir, &line)) < 0)
		return r;
	if (r == 0) {
		if (asprintf(&why, "%s has no conf_dir: containerd's default", toml) < 0)
			return -ENOMEM;
		return set_cni_dir(k, root, CONTAINERD_DEFAULT_CNI_DIR, k3s_dir, why);
	}
	if (asprintf(&why, "%s:%u, rendered at K3s's last start", toml, line) < 0)
		return -ENOMEM;
	return set_cni_dir(k, root, dir, k3s_dir, why);
}

/* ---- all of it ---- */

int k3sconfig_load(const char *root, const char *config_path, const StringList *units,
		   K3sDiscovery **discovery, K3sConfig **ret)
{
	_cleanup_(k3sconfig_freep) K3sConfig *k = NULL;
	Runs rs = {};
	int r;

	if (!root)
		root = "";
	if ((r = k3sconfig_new(&k)) < 0)
		return r;
	r = units ? configured_units(k, root, units, &rs) : discover_units(k, root, discovery, &rs);
	K3sUnitRun *run = r == 0 ? pick(k, &rs, &r) : NULL;
	bool explicit = false;
	if (r == 0 && run) {
		r = k3s_config_choose(run->argv, run->argc, &run->env,
				      config_path ? config_path : K3S_DEFAULT_CONFIG,
				      &k->config_file, &k->config_file_why);
		explicit = k->config_file_why != NULL;
		if (r == 0)
			r = take_run(k, run);
	} else if (r == 0 &&
		   !(k->config_file = strdup(config_path ? config_path : K3S_DEFAULT_CONFIG))) {
		r = -ENOMEM;
	}
	runs_clear(&rs);
	if (r < 0)
		return r;
	/* routeguard.yaml's k3s.config names a file on this host as it is; K3s's own paths are
	 * below the root. */
	const char *files_root = config_path && !explicit ? "" : root;
	int files = k3s_files_load(k->files, &k->report, files_root, k->config_file, explicit);
	if (files < 0)
		return files;
	if (k->n_cli == 0 && files == 0) {
		*ret = TAKE_PTR(k); /* no K3s here */
		return 0;
	}
	if ((r = recompute(k)) < 0 || (r = find_cni_dir(k, root)) < 0)
		return r;
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
