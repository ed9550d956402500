/* SPDX-License-Identifier: MIT */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fileutil.h"
#include "k3sargs.h"
#include "yamlutil.h"

#define K3S_FILE_MAX (1024 * 1024)

/* ---- K3s's flags, as far as routeguard needs to know them ---- */

typedef enum FlagKind {
	FLAG_VALUE, /* takes a value: --x=v or --x v */
	FLAG_BOOL,  /* never takes a separate value */
	FLAG_SLICE, /* takes a value; repeated, the values add up */
} FlagKind;

typedef struct FlagSpec {
	const char *name;
	FlagKind kind;
	bool server_only;   /* k3s agent refuses it: "flag provided but not defined" */
	ssize_t offset;	    /* the K3sConfig value it sets, -1 when routeguard does not keep it */
	const char *modern; /* retired in v1.25 (fatal) and removed in v1.26: what to use instead */
} FlagSpec;

#define KEEP(f) ((ssize_t)offsetof(K3sConfig, f))

/* From k3s-io/k3s pkg/cli/cmds/server.go and agent.go: the flags whose kind matters (booleans,
 * which change how the next word is read) and the server-only ones. */
static const FlagSpec FLAGS[] = {
    {"flannel-backend", FLAG_VALUE, true, KEEP(flannel_backend), NULL},
    {"disable-network-policy", FLAG_BOOL, true, KEEP(disable_network_policy), NULL},
    {"disable-kube-proxy", FLAG_BOOL, true, KEEP(disable_kube_proxy), NULL},
    {"cluster-cidr", FLAG_SLICE, true, KEEP(cluster_cidr), NULL},
    {"disable", FLAG_SLICE, true, KEEP(disable), NULL},
    {"flannel-iface", FLAG_VALUE, false, KEEP(flannel_iface), NULL},
    {"data-dir", FLAG_VALUE, false, KEEP(data_dir), NULL},
    {"d", FLAG_VALUE, false, KEEP(data_dir), NULL},
    {"config", FLAG_VALUE, false, -1, NULL},
    {"c", FLAG_VALUE, false, -1, NULL},
    /* retired */
    {"no-flannel", FLAG_BOOL, false, -1, "flannel-backend: none (a server setting)"},
    {"no-deploy", FLAG_SLICE, false, -1, "disable"},
    {"cluster-secret", FLAG_VALUE, false, -1, "token"},
    {"disable-selinux", FLAG_BOOL, false, -1, "selinux: false"},
    /* server-only */
    {"service-cidr", FLAG_SLICE, true, -1, NULL},
    {"cluster-dns", FLAG_SLICE, true, -1, NULL},
    {"cluster-domain", FLAG_VALUE, true, -1, NULL},
    {"flannel-ipv6-masq", FLAG_BOOL, true, -1, NULL},
    {"flannel-external-ip", FLAG_BOOL, true, -1, NULL},
    {"egress-selector-mode", FLAG_VALUE, true, -1, NULL},
    {"service-node-port-range", FLAG_VALUE, true, -1, NULL},
    {"cluster-init", FLAG_BOOL, true, -1, NULL},
    {"cluster-reset", FLAG_BOOL, true, -1, NULL},
    {"disable-cloud-controller", FLAG_BOOL, true, -1, NULL},
    {"disable-helm-controller", FLAG_BOOL, true, -1, NULL},
    {"disable-scheduler", FLAG_BOOL, true, -1, NULL},
    {"disable-apiserver", FLAG_BOOL, true, -1, NULL},
    {"disable-controller-manager", FLAG_BOOL, true, -1, NULL},
    {"disable-etcd", FLAG_BOOL, true, -1, NULL},
    {"embedded-registry", FLAG_BOOL, true, -1, NULL},
    {"etcd-expose-metrics", FLAG_BOOL, true, -1, NULL},
    {"etcd-disable-snapshots", FLAG_BOOL, true, -1, NULL},
    {"etcd-snapshot-compress", FLAG_BOOL, true, -1, NULL},
    {"etcd-s3", FLAG_BOOL, true, -1, NULL},
    {"etcd-s3-insecure", FLAG_BOOL, true, -1, NULL},
    {"etcd-s3-skip-ssl-verify", FLAG_BOOL, true, -1, NULL},
    {"secrets-encryption", FLAG_BOOL, true, -1, NULL},
    {"supervisor-metrics", FLAG_BOOL, true, -1, NULL},
    {"tls-san", FLAG_SLICE, true, -1, NULL},
    {"write-kubeconfig-mode", FLAG_VALUE, true, -1, NULL},
    {"kube-apiserver-arg", FLAG_SLICE, true, -1, NULL},
    {"kube-controller-manager-arg", FLAG_SLICE, true, -1, NULL},
    {"kube-scheduler-arg", FLAG_SLICE, true, -1, NULL},
    {"etcd-arg", FLAG_SLICE, true, -1, NULL},
    /* both roles */
    {"debug", FLAG_BOOL, false, -1, NULL},
    {"rootless", FLAG_BOOL, false, -1, NULL},
    {"docker", FLAG_BOOL, false, -1, NULL},
    {"prefer-bundled-bin", FLAG_BOOL, false, -1, NULL},
    {"selinux", FLAG_BOOL, false, -1, NULL},
    {"protect-kernel-defaults", FLAG_BOOL, false, -1, NULL},
    {"disable-default-registry-endpoint", FLAG_BOOL, false, -1, NULL},
    {"disable-apiserver-lb", FLAG_BOOL, false, -1, NULL},
    {"with-node-id", FLAG_BOOL, false, -1, NULL},
    {"enable-pprof", FLAG_BOOL, false, -1, NULL},
    {"alsologtostderr", FLAG_BOOL, false, -1, NULL},
    {"node-ip", FLAG_SLICE, false, -1, NULL},
    {"node-external-ip", FLAG_SLICE, false, -1, NULL},
    {"node-label", FLAG_SLICE, false, -1, NULL},
    {"node-taint", FLAG_SLICE, false, -1, NULL},
    {"kubelet-arg", FLAG_SLICE, false, -1, NULL},
    {"kube-proxy-arg", FLAG_SLICE, false, -1, NULL},
};

static const FlagSpec *flag_spec(const char *name, size_t n)
{
	for (size_t i = 0; i < ELEMENTSOF(FLAGS); i++)
		if (strlen(FLAGS[i].name) == n && strncmp(FLAGS[i].name, name, n) == 0)
			return &FLAGS[i];
	return NULL;
}

static K3sValue *value_at(K3sConfig *k, const FlagSpec *f)
{
	return (K3sValue *)((char *)k + f->offset);
}

int go_parse_bool(const char *s)
{
	static const char *const yes[] = {"1", "t", "T", "TRUE", "true", "True"};
	static const char *const no[] = {"0", "f", "F", "FALSE", "false", "False"};
	for (size_t i = 0; i < ELEMENTSOF(yes); i++) {
		if (strcmp(s, yes[i]) == 0)
			return 1;
		if (strcmp(s, no[i]) == 0)
			return 0;
	}
	return -EINVAL;
}

/* ---- YAML 1.1 scalars as gopkg.in/yaml.v2 resolves them ---- */

static bool in_list(const char *s, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(s, list[i]) == 0)
			return true;
	return false;
}

/* Go's %v of a float64: the shortest digits that read back the same, an exponent only below
 * 1e-4 or from 1e21 on. */
static char *go_float(double v)
{
	char digits[40], *s = NULL;
	int prec;

	if (isinf(v))
		return strdup(v > 0 ? "+Inf" : "-Inf");
	if (isnan(v))
		return strdup("NaN");
	for (prec = 1; prec <= 17; prec++) {
		snprintf(digits, sizeof(digits), "%.*e", prec - 1, v);
		if (strtod(digits, NULL) == v)
			break;
	}
	int exp = atoi(strchr(digits, 'e') + 1);
	if (exp < -4 || exp >= 21) {
		char mant[40];
		snprintf(mant, sizeof(mant), "%.*s", (int)(strchr(digits, 'e') - digits), digits);
		return asprintf(&s, "%se%c%02d", mant, exp < 0 ? '-' : '+', abs(exp)) < 0 ? NULL
											  : s;
	}
	int decimals = prec - 1 - exp;
	return asprintf(&s, "%.*f", decimals > 0 ? decimals : 0, v) < 0 ? NULL : s;
}

static bool all_digits(const char *s, const char *set)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!strchr(set, *s))
			return false;
	return true;
}

/* strconv.ParseInt(s, 0, 64): 0x, 0o, 0b prefixes, a leading 0 for octal. */
static bool go_parse_int(const char *s, long long *ret)
{
	bool neg = *s == '-';
	const char *p = s + (*s == '-' || *s == '+');
	int base = 10;

	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
		base = 16, p += 2;
	else if (p[0] == '0' && (p[1] == 'o' || p[1] == 'O'))
		base = 8, p += 2;
	else if (p[0] == '0' && (p[1] == 'b' || p[1] == 'B'))
		base = 2, p += 2;
	else if (p[0] == '0' && p[1])
		base = 8, p += 1;
	if (!all_digits(p, base == 16  ? "0123456789abcdefABCDEF"
			   : base == 8 ? "01234567"
			   : base == 2 ? "01"
				       : "0123456789"))
		return false;
	errno = 0;
	unsigned long long u = strtoull(p, NULL, base);
	if (errno || u > (unsigned long long)LLONG_MAX + neg)
		return false;
	*ret = neg ? (long long)(0 - u) : (long long)u;
	return true;
}

/* yaml.v2's float pattern: [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)? */
static bool yaml_float_syntax(const char *s)
{
	const char *p = s + (*s == '-' || *s == '+');
	size_t whole = strspn(p, "0123456789");
	p += whole;
	if (*p == '.') {
		size_t frac = strspn(p + 1, "0123456789");
		if (!whole && !frac)
			return false;
		p += 1 + frac;
	} else if (!whole) {
		return false;
	}
	if (*p == 'e' || *p == 'E') {
		p++;
		p += *p == '-' || *p == '+';
		size_t e = strspn(p, "0123456789");
		if (!e)
			return false;
		p += e;
	}
	return *p == '\0';
}

char *yaml11_plain_scalar(const char *text)
{
	static const char *const yes[] = {"y",	  "Y",	  "yes", "Yes", "YES", "true",
					  "True", "TRUE", "on",	 "On",	"ON"};
	static const char *const no[] = {"n",	  "N",	   "no",  "No",	 "NO", "false",
					 "False", "FALSE", "off", "Off", "OFF"};
	static const char *const null[] = {"", "~", "null", "Null", "NULL"};

	if (in_list(text, yes, ELEMENTSOF(yes)))
		return strdup("true");
	if (in_list(text, no, ELEMENTSOF(no)))
		return strdup("false");
	if (in_list(text, null, ELEMENTSOF(null)))
		return strdup("");
	if (!strchr("-+0123456789.", text[0]))
		return strdup(text);
	_cleanup_free_ char *plain = strdup(text);
	if (!plain)
		return NULL;
	/* underscores are digit separators in YAML 1.1 numbers */
	char *w = plain;
	for (const char *r = text; *r; r++)
		if (*r != '_')
			*w++ = *r;
	*w = '\0';
	long long i;
	char *s = NULL;
	if (go_parse_int(plain, &i))
		return asprintf(&s, "%lld", i) < 0 ? NULL : s;
	if (yaml_float_syntax(plain))
		return go_float(strtod(plain, NULL));
	if (in_list(text, (const char *const[]){".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"},
		    6))
		return strdup("+Inf");
	if (in_list(text, (const char *const[]){"-.inf", "-.Inf", "-.INF"}, 3))
		return strdup("-Inf");
	return strdup(text);
}

/* ---- merging files ---- */

void k3s_files_clear(K3sFiles *f)
{
	for (size_t i = 0; i < f->n; i++) {
		for (size_t j = 0; j < f->keys[i].n; j++) {
			free(f->keys[i].items[j].value);
			free(f->keys[i].items[j].source);
		}
		free(f->keys[i].items);
		free(f->keys[i].name);
	}
	free(f->keys);
	*f = (K3sFiles){};
}

typedef struct Items {
	K3sFileItem *items;
	size_t n;
} Items;

static void items_clear(Items *it)
{
	for (size_t i = 0; i < it->n; i++) {
		free(it->items[i].value);
		free(it->items[i].source);
	}
	free(it->items);
	*it = (Items){};
}

static int items_push(Items *it, char *value, const char *display, size_t line)
{
	char *source = NULL;
	K3sFileItem *grown = realloc(it->items, (it->n + 1) * sizeof(*grown));
	if (!value || !grown || asprintf(&source, "%s:%zu", display, line) < 0) {
		free(value);
		if (grown)
			it->items = grown;
		return -ENOMEM;
	}
	it->items = grown;
	it->items[it->n++] = (K3sFileItem){value, source};
	return 0;
}

/* A scalar as K3s prints it into a flag (fmt.Sprint of what yaml.v2 decoded, trimmed). */
static char *scalar_text(yaml_node_t *node)
{
	const char *text = (const char *)node->data.scalar.value;
	char *s;

	if (node->data.scalar.style == YAML_PLAIN_SCALAR_STYLE)
		s = yaml11_plain_scalar(text);
	else
		s = strdup(text);
	if (!s)
		return NULL;
	/* strings.TrimSpace */
	size_t lead = strspn(s, " \t\n\r\v\f"), n = strlen(s);
	while (n > lead && strchr(" \t\n\r\v\f", s[n - 1]))
		n--;
	memmove(s, s + lead, n - lead);
	s[n - lead] = '\0';
	return s;
}

/* What fmt.Sprint prints for a nested value: "map[a:b]" or "[a b]"; K3s passes it on as is. */
static char *nested_text(yaml_document_t *doc, yaml_node_t *node, int depth)
{
	if (node->type == YAML_SCALAR_NODE || depth > 8)
		return node->type == YAML_SCALAR_NODE ? scalar_text(node) : strdup("…");
	bool map = node->type == YAML_MAPPING_NODE;
	char *out = strdup(map ? "map[" : "[");
	size_t count = 0;
	if (map) {
		for (yaml_node_pair_t *p = node->data.mapping.pairs.start;
		     out && p < node->data.mapping.pairs.top; p++) {
			yaml_node_t *k = yaml_document_get_node(doc, p->key);
			yaml_node_t *v = yaml_document_get_node(doc, p->value);
			_cleanup_free_ char *ks = k ? nested_text(doc, k, depth + 1) : NULL;
			_cleanup_free_ char *vs = v ? nested_text(doc, v, depth + 1) : NULL;
			char *joined = NULL;
			if (!ks || !vs ||
			    asprintf(&joined, "%s%s%s:%s", out, count++ ? " " : "", ks, vs) < 0)
				joined = NULL;
			free(out);
			out = joined;
		}
	} else {
		for (yaml_node_item_t *i = node->data.sequence.items.start;
		     out && i < node->data.sequence.items.top; i++) {
			yaml_node_t *v = yaml_document_get_node(doc, *i);
			_cleanup_free_ char *vs = v ? nested_text(doc, v, depth + 1) : NULL;
			char *joined = NULL;
			if (!vs || asprintf(&joined, "%s%s%s", out, count++ ? " " : "", vs) < 0)
				joined = NULL;
			free(out);
			out = joined;
		}
	}
	char *closed = NULL;
	if (out && asprintf(&closed, "%s]", out) < 0)
		closed = NULL;
	free(out);
	return closed;
}

static int value_items(yaml_document_t *doc, yaml_node_t *value, const char *display,
		       size_t key_line, Items *ret)
{
	if (value->type != YAML_SEQUENCE_NODE)
		return items_push(ret, nested_text(doc, value, 0), display, key_line);
	for (yaml_node_item_t *i = value->data.sequence.items.start;
	     i < value->data.sequence.items.top; i++) {
		yaml_node_t *item = yaml_document_get_node(doc, *i);
		int r;
		if (item && (r = items_push(ret, nested_text(doc, item, 0), display,
					    item->start_mark.line + 1)) < 0)
			return r;
	}
	return 0;
}

static K3sFileKey *file_key(K3sFiles *f, const char *name, size_t n)
{
	for (size_t i = 0; i < f->n; i++)
		if (strlen(f->keys[i].name) == n && strncmp(f->keys[i].name, name, n) == 0)
			return &f->keys[i];
	K3sFileKey *grown = realloc(f->keys, (f->n + 1) * sizeof(*grown));
	if (!grown)
		return NULL;
	f->keys = grown;
	char *copy = strndup(name, n);
	if (!copy)
		return NULL;
	f->keys[f->n] = (K3sFileKey){copy, NULL, 0};
	return &f->keys[f->n++];
}

/* "key:" replaces; "key+:" appends, empty values dropped (K3s's toSlice). */
static int merge_key(K3sFiles *f, const char *name, size_t n, bool append, Items *items)
{
	K3sFileKey *key = file_key(f, name, n);
	if (!key)
		return -ENOMEM;
	if (!append) {
		Items old = {key->items, key->n};
		items_clear(&old);
		key->items = TAKE_PTR(items->items);
		key->n = items->n;
		items->n = 0;
		return 0;
	}
	K3sFileItem *grown = realloc(key->items, (key->n + items->n + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	key->items = grown;
	size_t kept = 0;
	for (size_t i = 0; i < key->n; i++)
		if (*key->items[i].value)
			key->items[kept++] = key->items[i];
		else {
			free(key->items[i].value);
			free(key->items[i].source);
		}
	for (size_t i = 0; i < items->n; i++)
		if (*items->items[i].value)
			key->items[kept++] = items->items[i];
		else {
			free(items->items[i].value);
			free(items->items[i].source);
		}
	key->n = kept;
	free(items->items);
	*items = (Items){};
	return 0;
}

int k3s_files_apply_yaml(K3sFiles *f, K3sReport *rep, const char *display, const char *text,
			 size_t len)
{
	_cleanup_(yaml_parser_deletep) yaml_parser_t parser = {};
	_cleanup_(yaml_document_deletep) yaml_document_t doc = {};
	int r = yaml_load_string(&parser, text, len, &doc);

	if (r == -EBADMSG)
		return k3s_report_problem(rep, false, display,
					  "%s:%zu:%zu: YAML syntax: %s: K3s refuses to start",
					  display, parser.problem_mark.line + 1,
					  parser.problem_mark.column + 1, yaml_problem(&parser));
	if (r < 0)
		return r;
	yaml_node_t *root = yaml_document_get_root_node(&doc);
	if (!root || (root->type == YAML_SCALAR_NODE && root->data.scalar.length == 0))
		return 0;
	if (root->type != YAML_MAPPING_NODE)
		return k3s_report_problem(
		    rep, false, display,
		    "%s:%zu:%zu: found no mapping of keys at the top, expected "
		    "keys such as flannel-backend: none",
		    display, root->start_mark.line + 1, root->start_mark.column + 1);
	for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *key = yaml_document_get_node(&doc, p->key);
		yaml_node_t *value = yaml_document_get_node(&doc, p->value);
		Items items = {};
		if (!key || !value || key->type != YAML_SCALAR_NODE)
			continue;
		const char *name = (const char *)key->data.scalar.value;
		size_t n = key->data.scalar.length;
		bool append = n > 1 && name[n - 1] == '+';
		if (value->type == YAML_MAPPING_NODE && flag_spec(name, n - append) &&
		    flag_spec(name, n - append)->offset >= 0 &&
		    (r = k3s_report_problem(rep, false, display,
					    "%s:%zu:%zu: %.*s: found a mapping, expected a value "
					    "or a list",
					    display, value->start_mark.line + 1,
					    value->start_mark.column + 1, (int)(n - append),
					    name)) < 0)
			return r;
		if (value->type == YAML_MAPPING_NODE && flag_spec(name, n - append) &&
		    flag_spec(name, n - append)->offset >= 0)
			continue;
		if ((r = value_items(&doc, value, display, key->start_mark.line + 1, &items)) < 0 ||
		    (r = merge_key(f, name, n - append, append, &items)) < 0) {
			items_clear(&items);
			return r;
		}
	}
	return 0;
}

/* Hidden files are not skipped: K3s does not skip them either. */
static int yaml_dropin(const struct dirent *d)
{
	return strcmp(d->d_name, ".") != 0 && strcmp(d->d_name, "..") != 0;
}

static bool has_yaml_suffix(const char *name)
{
	size_t n = strlen(name);
	return (n >= 5 && strcasecmp(name + n - 5, ".yaml") == 0) ||
	       (n >= 4 && strcasecmp(name + n - 4, ".yml") == 0);
}

static int read_one(K3sFiles *f, K3sReport *rep, const char *full, const char *shown,
		    const char *role, bool *found)
{
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	int r = read_text_file(full, K3S_FILE_MAX, &text, &len);

	if (r == -ENOMEM)
		return r;
	if (r == -ENOENT)
		return k3s_report_source(rep, shown, "%s, absent", role);
	if (r < 0) {
		if ((r = k3s_report_source(rep, shown, "%s, %s", role, strerror(-r))) < 0)
			return r;
		return k3s_report_problem(rep, false, shown, "%s: cannot read: %s", shown,
					  strerror(-r));
	}
	*found = true;
	if ((r = k3s_report_source(rep, shown, "%s", role)) < 0)
		return r;
	return k3s_files_apply_yaml(f, rep, shown, text, len);
}

int k3s_files_load(K3sFiles *f, K3sReport *rep, const char *root, const char *path, bool explicit)
{
	_cleanup_free_ char *full = NULL, *dir = NULL;
	struct dirent **entries = NULL;
	bool found = false;
	int r, n, files = 0;

	if (asprintf(&full, "%s%s", root ? root : "", path) < 0 || asprintf(&dir, "%s.d", full) < 0)
		return -ENOMEM;
	if ((r = read_one(f, rep, full, path, "config file", &found)) < 0)
		return r;
	files += found;
	if (!found && explicit &&
	    (r = k3s_report_problem(
		 rep, true, path,
		 "%s is named as K3s's config file but does not exist: current K3s "
		 "goes on without it (only flags apply), older releases refused "
		 "to start",
		 path)) < 0)
		return r;
	if ((n = scandir(dir, &entries, yaml_dropin, alphasort)) < 0)
		return errno == ENOMEM ? -ENOMEM : files;
	/* os.ReadDir sorts bytewise: alphasort uses the locale; sort again bytewise. */
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && strcmp(entries[j - 1]->d_name, entries[j]->d_name) > 0;
		     j--) {
			struct dirent *t = entries[j];
			entries[j] = entries[j - 1];
			entries[j - 1] = t;
		}
	for (int i = 0; i < n; i++) {
		_cleanup_free_ char *file = NULL, *shown = NULL;
		if (r >= 0 && (asprintf(&file, "%s/%s", dir, entries[i]->d_name) < 0 ||
			       asprintf(&shown, "%s.d/%s", path, entries[i]->d_name) < 0))
			r = -ENOMEM;
		if (r >= 0) {
			DIR *is_dir = opendir(file);
			if (is_dir)
				closedir(is_dir);
			else if (!has_yaml_suffix(entries[i]->d_name))
				r = k3s_report_source(rep, shown,
						      "not read: K3s reads only *.yaml and *.yml");
			else {
				found = false;
				r = read_one(f, rep, file, shown, "config drop-in", &found);
				files += found;
			}
		}
		free(entries[i]);
	}
	free(entries);
	return r < 0 ? r : files;
}

/* ---- which file ---- */

int k3s_config_choose(const K3sArg *argv, size_t argc, const K3sEnv *env, const char *default_path,
		      char **ret_path, char **ret_why)
{
	const K3sEnvVar *var = k3s_env_get(env, "K3S_CONFIG_FILE");
	const char *path = NULL, *why = NULL;

	if (var && *var->value) {
		path = var->value;
		why = var->source;
	}
	for (size_t i = 1; !path && i < argc; i++) {
		const char *a = argv[i].text;
		if (strcmp(a, "--config") == 0 || strcmp(a, "-c") == 0)
			path = i + 1 < argc ? argv[i + 1].text : "";
		else if (strncmp(a, "--config=", 9) == 0)
			path = a + 9;
		else if (strncmp(a, "-c=", 3) == 0)
			path = a + 3;
		else
			continue;
		why = argv[i].source;
	}
	if (path && !*path)
		path = NULL, why = NULL; /* "-c" last with no value: K3s reads no file */
	if (!(*ret_path = strdup(path ? path : default_path)))
		return -ENOMEM;
	*ret_why = NULL;
	if (why && !(*ret_why = strdup(why))) {
		free(*ret_path);
		return -ENOMEM;
	}
	return 0;
}

/* ---- the flags ---- */

typedef struct Flag {
	const char *text; /* "--name=value" from a file is built into texts[] */
	const char *source;
	const char *file; /* the file to fix, the subject of a finding; NULL: the source */
} Flag;

/* The file a problem is in: a flag's file, else its source. */
static const char *flag_file(const Flag *f)
{
	return f->file ? f->file : f->source;
}

static int set_value(K3sValue *v, const char *value, bool append, const char *source,
		     const char *file)
{
	char *joined = NULL, *src = strdup(source), *f = strdup(file ? file : source);

	if (!src || !f) {
		free(src);
		free(f);
		return -ENOMEM;
	}
	free(v->file);
	v->file = f;
	if (append && v->value && *v->value && *value) {
		if (asprintf(&joined, "%s,%s", v->value, value) < 0)
			joined = NULL;
	} else if (append && v->value && *v->value) {
		joined = strdup(v->value);
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

static void clear_value(K3sValue *v)
{
	free(v->value);
	free(v->source);
	free(v->file);
	*v = (K3sValue){};
}

static bool is_k3s_program(const char *path)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	return strncmp(base, "k3s", 3) == 0;
}

K3sRole k3s_command_role(const K3sArg *argv, size_t argc, size_t *ret_sub)
{
	if (argc == 0 || !is_k3s_program(argv[0].text))
		return K3S_ROLE_NONE;
	for (size_t i = 1; i < argc; i++)
		if (strcmp(argv[i].text, "server") == 0 || strcmp(argv[i].text, "agent") == 0) {
			if (ret_sub)
				*ret_sub = i;
			return argv[i].text[0] == 's' ? K3S_ROLE_SERVER : K3S_ROLE_AGENT;
		}
	return K3S_ROLE_NONE;
}

/* Flags of a file as K3s splices them in: server drops what it does not know, agent refuses
 * server flags. Returns the number of flags kept in out, or -ENOMEM. */
/* "FILE:LINE" → FILE */
static char *without_line(const char *source)
{
	const char *colon = strrchr(source, ':');
	return colon && colon[1] && strspn(colon + 1, "0123456789") == strlen(colon + 1)
		   ? strndup(source, (size_t)(colon - source))
		   : strdup(source);
}

static int file_flags(K3sConfig *k, const K3sFiles *files, bool agent, Flag *out, char **texts,
		      char **paths)
{
	int n = 0, r;

	for (size_t i = 0; files && i < files->n; i++) {
		const K3sFileKey *key = &files->keys[i];
		const FlagSpec *spec = flag_spec(key->name, strlen(key->name));
		const char *where = key->n ? key->items[key->n - 1].source : "?";
		_cleanup_free_ char *file = without_line(where);
		if (!file)
			return -ENOMEM;
		if (spec && spec->modern) {
			if (agent)
				r = k3s_report_problem(
				    &k->eval, false, file,
				    "%s: %s was removed in K3s v1.26: k3s agent refuses to start "
				    "(flag provided but not defined); use %s",
				    where, key->name, spec->modern);
			else
				r = k3s_report_problem(
				    &k->eval, true, file,
				    "%s: %s was removed in K3s v1.26: the server skips it "
				    "(\"Unknown flag --%s found in config.yaml, skipping\"), so it "
				    "has no effect; use %s",
				    where, key->name, key->name, spec->modern);
			if (r < 0)
				return r;
			continue;
		}
		if (spec && spec->server_only && agent) {
			if ((r = k3s_report_problem(&k->eval, false, file,
						    "%s: %s is a server flag: k3s agent refuses to "
						    "start (flag provided "
						    "but not defined: -%s); agents take it from "
						    "the servers, remove it "
						    "here",
						    where, key->name, key->name)) < 0)
				return r;
			continue;
		}
		for (size_t j = 0; j < key->n; j++) {
			const char *dashes = strlen(key->name) == 1 ? "-" : "--";
			if (asprintf(&texts[n], "%s%s=%s", dashes, key->name, key->items[j].value) <
			    0)
				return -ENOMEM;
			if (!(paths[n] = without_line(key->items[j].source)))
				return -ENOMEM;
			out[n] = (Flag){texts[n], key->items[j].source, paths[n]};
			n++;
		}
	}
	return n;
}

static int ignored_from(K3sConfig *k, const Flag *flags, size_t n, size_t i, const char *why)
{
	if (i >= n)
		return 0;
	return k3s_report_problem(&k->eval, true, flag_file(&flags[i]),
				  "%s: K3s stops reading flags at '%s'%s: the %zu argument(s) from "
				  "there on are ignored",
				  flags[i].source, flags[i].text, why, n - i);
}

static int apply_flags(K3sConfig *k, const Flag *flags, size_t n, bool agent)
{
	int r = 0;

	for (size_t i = 0; i < n && r == 0; i++) {
		const char *s = flags[i].text;
		if (s[0] != '-' || s[1] == '\0')
			return ignored_from(k, flags, n, i,
					    i > 0 && flags[i - 1].text[0] == '-'
						? " (a boolean flag takes no separate value: use "
						  "--flag=value)"
						: "");
		if (strcmp(s, "--") == 0)
			return ignored_from(k, flags, n, i + 1, " after \"--\"");
		const char *name = s + 1 + (s[1] == '-');
		if (name[0] == '-' || name[0] == '=')
			return k3s_report_problem(&k->eval, false, flag_file(&flags[i]),
						  "%s: bad flag syntax '%s': K3s refuses to start",
						  flags[i].source, s);
		const char *eq = strchr(name, '=');
		size_t len = eq ? (size_t)(eq - name) : strlen(name);
		const FlagSpec *spec = flag_spec(name, len);
		const char *value = eq ? eq + 1 : NULL;

		if (spec && spec->modern)
			r = k3s_report_problem(
			    &k->eval, false, flag_file(&flags[i]),
			    "%s: --%.*s was removed in K3s v1.26: K3s refuses to "
			    "start (flag provided but not defined); use %s",
			    flags[i].source, (int)len, name, spec->modern);
		else if (spec && spec->server_only && agent)
			r = k3s_report_problem(&k->eval, false, flag_file(&flags[i]),
					       "%s: --%.*s is a server flag: k3s agent refuses to "
					       "start (flag provided but not defined); agents take "
					       "it from the servers",
					       flags[i].source, (int)len, name);
		if (r < 0)
			return r;
		bool is_bool = spec ? spec->kind == FLAG_BOOL : false;
		if (!value && !is_bool) {
			if (i + 1 >= n) {
				if (spec)
					return k3s_report_problem(
					    &k->eval, false, flag_file(&flags[i]),
					    "%s: --%.*s needs a value: K3s refuses to start",
					    flags[i].source, (int)len, name);
				continue; /* an unknown flag last: taken as a boolean */
			}
			/* Unknown flags: a value follows unless the next word is a flag. */
			if (spec || flags[i + 1].text[0] != '-')
				value = flags[++i].text;
		}
		if (!spec || spec->offset < 0 || spec->modern || (spec->server_only && agent))
			continue;
		const char *source = flags[i].source;
		if (is_bool) {
			int b = go_parse_bool(value ? value : "true");
			if (b < 0) {
				r = k3s_report_problem(
				    &k->eval, false, source,
				    "%s: invalid boolean value '%s' for %.*s: K3s "
				    "refuses to start (it takes 1 t T TRUE true True "
				    "0 f F FALSE false False)",
				    source, value, (int)len, name);
				continue;
			}
			r = set_value(value_at(k, spec), b ? "true" : "false", false, source,
				      flags[i].file);
		} else {
			r = set_value(value_at(k, spec), value, spec->kind == FLAG_SLICE, source,
				      flags[i].file);
		}
	}
	return r;
}

static int check_backend(K3sConfig *k)
{
	const char *b = k->flannel_backend.value;
	if (!b || k->role != K3S_ROLE_SERVER)
		return 0;
	if (strcmp(b, "none") == 0 || strcmp(b, "vxlan") == 0 || strcmp(b, "host-gw") == 0 ||
	    strcmp(b, "wireguard-native") == 0)
		return 0;
	if (strcmp(b, "wireguard") == 0 || strcmp(b, "ipsec") == 0)
		return k3s_report_problem(&k->eval, false, k->flannel_backend.file,
					  "%s: flannel-backend %s was removed (wireguard in v1.27, "
					  "ipsec in v1.28): K3s refuses to start; use "
					  "wireguard-native, or none for Cilium",
					  k->flannel_backend.source, b);
	return k3s_report_problem(&k->eval, false, k->flannel_backend.file,
				  "%s: flannel-backend '%s' is none of none, vxlan, host-gw, "
				  "wireguard-native: K3s refuses to start",
				  k->flannel_backend.source, b);
}

int k3s_args_evaluate(K3sConfig *k, const K3sArg *argv, size_t argc, const K3sFiles *files)
{
	size_t sub = 0, n_file = 0;
	int r = 0;

	for (size_t i = 0; i < ELEMENTSOF(FLAGS); i++)
		if (FLAGS[i].offset >= 0)
			clear_value(value_at(k, &FLAGS[i]));
	k3s_report_clear(&k->eval);
	K3sRole role = k3s_command_role(argv, argc, &sub);
	if (role == K3S_ROLE_NONE)
		return 0;
	bool agent = role == K3S_ROLE_AGENT;
	k->role = role;
	free(k->role_source);
	if (!(k->role_source = strdup(argv[sub].source)))
		return -ENOMEM;

	size_t max = argc;
	for (size_t i = 0; files && i < files->n; i++)
		max += files->keys[i].n;
	Flag *flags = calloc(max + 1, sizeof(*flags));
	char **texts = calloc(max + 1, sizeof(*texts)), **paths = calloc(max + 1, sizeof(*paths));
	if (!flags || !texts || !paths)
		r = -ENOMEM;
	if (r == 0 && (r = file_flags(k, files, agent, flags, texts, paths)) >= 0) {
		n_file = (size_t)r;
		for (size_t i = sub + 1; i < argc; i++)
			flags[n_file + i - sub - 1] =
			    (Flag){argv[i].text, argv[i].source, argv[i].file};
		r = apply_flags(k, flags, n_file + argc - sub - 1, agent);
	}
	if (r == 0)
		r = check_backend(k);
	for (size_t i = 0; texts && paths && i < max; i++) {
		free(texts[i]);
		free(paths[i]);
	}
	free(texts);
	free(paths);
	free(flags);
	return r;
}
