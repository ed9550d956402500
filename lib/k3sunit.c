/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fileutil.h"
#include "k3sunit.h"

/* systemd's own limit for environment files is large; K3s's are a few lines. */
#define ENV_FILE_MAX (1024 * 1024)
#define BLANKS " \t\n\r"

/* ---- a growable buffer ---- */

typedef struct Buf {
	char *s;
	size_t n, cap;
} Buf;

static int buf_add(Buf *b, const char *s, size_t n)
{
	if (b->n + n + 1 > b->cap) {
		size_t want = (b->n + n + 1) * 2;
		char *grown = realloc(b->s, want);
		if (!grown)
			return -ENOMEM;
		b->s = grown;
		b->cap = want;
	}
	memcpy(b->s + b->n, s, n);
	b->n += n;
	b->s[b->n] = '\0';
	return 0;
}

static int buf_addc(Buf *b, char c)
{
	return buf_add(b, &c, 1);
}

/* The buffer's text, "" when empty; the buffer is left empty. */
static char *buf_take(Buf *b)
{
	char *s = b->s ? b->s : strdup("");
	*b = (Buf){};
	return s;
}

static bool is_blank(char c)
{
	return c && strchr(BLANKS, c);
}

/* What bash accepts as a variable name: systemd expands only these in command lines. */
static bool env_name_valid(const char *s, size_t n)
{
	if (n == 0 || (s[0] >= '0' && s[0] <= '9'))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!(s[i] == '_' || (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9')))
			return false;
	return true;
}

/* ---- the environment ---- */

void k3s_env_clear(K3sEnv *e)
{
	for (size_t i = 0; i < e->n; i++) {
		free(e->vars[i].name);
		free(e->vars[i].value);
		free(e->vars[i].source);
	}
	free(e->vars);
	*e = (K3sEnv){};
}

const K3sEnvVar *k3s_env_get(const K3sEnv *e, const char *name)
{
	for (size_t i = 0; i < e->n; i++)
		if (strcmp(e->vars[i].name, name) == 0)
			return &e->vars[i];
	return NULL;
}

int k3s_env_set(K3sEnv *e, const char *name, const char *value, const char *source)
{
	char *v = strdup(value), *s = strdup(source);
	K3sEnvVar *var = (K3sEnvVar *)k3s_env_get(e, name);

	if (!v || !s)
		goto oom;
	if (!var) {
		K3sEnvVar *grown = realloc(e->vars, (e->n + 1) * sizeof(*grown));
		if (!grown)
			goto oom;
		e->vars = grown;
		var = &e->vars[e->n];
		if (!(var->name = strdup(name)))
			goto oom;
		var->value = var->source = NULL;
		e->n++;
	}
	free(var->value);
	free(var->source);
	var->value = v;
	var->source = s;
	return 0;
oom:
	free(v);
	free(s);
	return -ENOMEM;
}

/* ---- environment files ---- */

typedef enum EnvState {
	ENV_PRE_KEY,
	ENV_KEY,
	ENV_PRE_VALUE,
	ENV_VALUE,
	ENV_VALUE_ESCAPE,
	ENV_SINGLE,
	ENV_DOUBLE,
	ENV_DOUBLE_ESCAPE,
	ENV_COMMENT,
	ENV_COMMENT_ESCAPE,
} EnvState;

/* One KEY=VALUE found: blanks after the key and (unquoted) after the value dropped. Keys that
 * are no variable names are dropped as systemd drops them before exec. */
static int env_push(K3sEnv *e, const char *display, Buf *key, size_t key_end, Buf *value,
		    size_t value_end)
{
	int r = 0;

	if (key->s && key_end != SIZE_MAX)
		key->s[key_end] = '\0';
	if (value->s && value_end != SIZE_MAX)
		value->s[value_end] = '\0';
	if (key->s && env_name_valid(key->s, strlen(key->s))) {
		char *source = NULL;
		if (asprintf(&source, "%s: %s", display, key->s) < 0)
			return -ENOMEM;
		r = k3s_env_set(e, key->s, value->s ? value->s : "", source);
		free(source);
	}
	free(key->s);
	free(value->s);
	*key = *value = (Buf){};
	return r;
}

int k3s_env_file_parse(K3sEnv *e, const char *display, const char *text, size_t len)
{
	Buf key = {}, value = {};
	size_t key_end = SIZE_MAX, value_end = SIZE_MAX;
	EnvState st = ENV_PRE_KEY;
	int r = 0;

	for (size_t i = 0; i < len && text[i] && r == 0; i++) {
		char c = text[i];
		bool newline = c == '\n' || c == '\r';

		switch (st) {
		case ENV_PRE_KEY:
			if (c == '#' || c == ';')
				st = ENV_COMMENT;
			else if (!is_blank(c)) {
				st = ENV_KEY;
				key_end = SIZE_MAX;
				r = buf_addc(&key, c);
			}
			break;
		case ENV_KEY:
			if (newline) {
				st = ENV_PRE_KEY; /* a line without "=" */
				free(key.s);
				key = (Buf){};
			} else if (c == '=') {
				st = ENV_PRE_VALUE;
				value_end = SIZE_MAX;
			} else {
				if (!is_blank(c))
					key_end = SIZE_MAX;
				else if (key_end == SIZE_MAX)
					key_end = key.n;
				r = buf_addc(&key, c);
			}
			break;
		case ENV_PRE_VALUE:
			if (newline) {
				st = ENV_PRE_KEY;
				r = env_push(e, display, &key, key_end, &value, SIZE_MAX);
			} else if (c == '\'')
				st = ENV_SINGLE;
			else if (c == '"')
				st = ENV_DOUBLE;
			else if (c == '\\')
				st = ENV_VALUE_ESCAPE;
			else if (!is_blank(c)) {
				st = ENV_VALUE;
				r = buf_addc(&value, c);
			}
			break;
		case ENV_VALUE:
			if (newline) {
				st = ENV_PRE_KEY;
				r = env_push(e, display, &key, key_end, &value, value_end);
			} else if (c == '\\') {
				st = ENV_VALUE_ESCAPE;
				value_end = SIZE_MAX;
			} else {
				if (!is_blank(c))
					value_end = SIZE_MAX;
				else if (value_end == SIZE_MAX)
					value_end = value.n;
				r = buf_addc(&value, c);
			}
			break;
		case ENV_VALUE_ESCAPE:
			st = ENV_VALUE;
			if (!newline) /* an escaped newline continues the value */
				r = buf_addc(&value, c);
			break;
		case ENV_SINGLE:
			if (c == '\'')
				st = ENV_PRE_VALUE;
			else
				r = buf_addc(&value, c);
			break;
		case ENV_DOUBLE:
			if (c == '"')
				st = ENV_PRE_VALUE;
			else if (c == '\\')
				st = ENV_DOUBLE_ESCAPE;
			else
				r = buf_addc(&value, c);
			break;
		case ENV_DOUBLE_ESCAPE:
			st = ENV_DOUBLE;
			/* the shell's rule: only these lose their backslash */
			if (strchr("\"\\`$", c))
				r = buf_addc(&value, c);
			else if (c != '\n')
				r = buf_add(&value, (const char[]){'\\', c}, 2);
			break;
		case ENV_COMMENT:
			if (c == '\\')
				st = ENV_COMMENT_ESCAPE;
			else if (newline)
				st = ENV_PRE_KEY;
			break;
		case ENV_COMMENT_ESCAPE:
			st = newline ? ENV_PRE_KEY : ENV_COMMENT;
			break;
		}
	}
	if (r == 0 && st != ENV_PRE_KEY && st != ENV_KEY && st != ENV_COMMENT &&
	    st != ENV_COMMENT_ESCAPE)
		r = env_push(e, display, &key, key_end, &value,
			     st == ENV_VALUE ? value_end : SIZE_MAX);
	free(key.s);
	free(value.s);
	return r;
}

/* ---- specifiers ---- */

int k3s_unit_specifiers(const char *unit, const char *text, char **ret, char *ret_bad)
{
	const char *dot = strrchr(unit, '.'), *at = strchr(unit, '@');
	size_t name_len = dot ? (size_t)(dot - unit) : strlen(unit);
	size_t prefix_len = at && at < unit + name_len ? (size_t)(at - unit) : name_len;
	const char *instance = at && at < unit + name_len ? at + 1 : NULL;
	size_t instance_len = instance ? (size_t)(unit + name_len - instance) : 0;
	Buf b = {};
	int r = 0;

	for (const char *p = text; *p && r == 0; p++) {
		if (*p != '%') {
			r = buf_addc(&b, *p);
			continue;
		}
		char c = *++p;
		const char *fixed = NULL;
		switch (c) {
		case '%':
			r = buf_addc(&b, '%');
			break;
		case 'n':
			r = buf_add(&b, unit, strlen(unit));
			break;
		case 'N':
			r = buf_add(&b, unit, name_len);
			break;
		case 'p':
		case 'P':
			r = buf_add(&b, unit, prefix_len);
			break;
		case 'i':
		case 'I':
			r = buf_add(&b, instance ? instance : "", instance_len);
			break;
		case 'j':
		case 'J': {
			/* the prefix's last dash-separated part, the whole prefix without a dash */
			const char *last = memrchr(unit, '-', prefix_len);
			const char *from = last ? last + 1 : unit;
			r = buf_add(&b, from, (size_t)(unit + prefix_len - from));
			break;
		}
		case 'f':
			if ((r = buf_addc(&b, '/')) == 0)
				r = instance ? buf_add(&b, instance, instance_len)
					     : buf_add(&b, unit, prefix_len);
			break;
		case 't':
			fixed = "/run";
			break;
		case 'S':
			fixed = "/var/lib";
			break;
		case 'C':
			fixed = "/var/cache";
			break;
		case 'L':
			fixed = "/var/log";
			break;
		case 'E':
			fixed = "/etc";
			break;
		case 'T':
			fixed = "/tmp";
			break;
		case 'V':
			fixed = "/var/tmp";
			break;
		case 'h':
			fixed = "/root";
			break;
		case 'u':
		case 'g':
			fixed = "root";
			break;
		case 'U':
		case 'G':
			fixed = "0";
			break;
		default:
			free(b.s);
			*ret_bad = c;
			return -EBADMSG;
		}
		if (fixed && r == 0)
			r = buf_add(&b, fixed, strlen(fixed));
	}
	if (r < 0) {
		free(b.s);
		return r;
	}
	*ret = buf_take(&b);
	return *ret ? 0 : -ENOMEM;
}

/* ---- command lines ---- */

static int hex(char c)
{
	return c >= '0' && c <= '9'   ? c - '0'
	       : c >= 'a' && c <= 'f' ? c - 'a' + 10
	       : c >= 'A' && c <= 'F' ? c - 'A' + 10
				      : -1;
}

/* One C escape after a backslash at *p; advances *p past it. -EBADMSG for an unknown one. */
static int c_unescape(const char **p, Buf *b)
{
	const char *s = *p;
	static const char from[] = "abfnrtv\\\"' s", to[] = "\a\b\f\n\r\t\v\\\"'  ";
	const char *k = *s ? strchr(from, *s) : NULL;

	if (k) {
		*p = s + 1;
		return buf_addc(b, to[k - from]);
	}
	if (*s == 'x' && hex(s[1]) >= 0 && hex(s[2]) >= 0) {
		int v = hex(s[1]) * 16 + hex(s[2]);
		*p = s + 3;
		return v == 0 ? -EBADMSG : buf_addc(b, (char)v);
	}
	if (s[0] >= '0' && s[0] <= '3' && s[1] >= '0' && s[1] <= '7' && s[2] >= '0' &&
	    s[2] <= '7') {
		int v = (s[0] - '0') * 64 + (s[1] - '0') * 8 + (s[2] - '0');
		*p = s + 3;
		return v == 0 ? -EBADMSG : buf_addc(b, (char)v);
	}
	return -EBADMSG;
}

typedef struct Words {
	char **items;
	size_t n;
} Words;

static void words_clear(Words *w)
{
	for (size_t i = 0; i < w->n; i++)
		free(w->items[i]);
	free(w->items);
	*w = (Words){};
}

static int words_push(Words *w, char *s)
{
	if (!s)
		return -ENOMEM;
	char **grown = realloc(w->items, (w->n + 1) * sizeof(*grown));
	if (!grown) {
		free(s);
		return -ENOMEM;
	}
	w->items = grown;
	w->items[w->n++] = s;
	return 0;
}

/* Splits at blanks, quotes grouping; cunescape: C escapes (ExecStart=), else a backslash takes
 * the next character as is (a $VAR's value, as systemd splits it). */
static int split(const char *line, bool cunescape, Words *ret, bool *odd)
{
	const char *p = line;
	int r = 0;

	*odd = false;
	for (;;) {
		Buf b = {};
		char quote = 0;

		while (is_blank(*p))
			p++;
		if (!*p)
			return 0;
		while (*p && r == 0 && (quote || !is_blank(*p))) {
			char c = *p++;
			if (!quote && (c == '\'' || c == '"')) {
				*odd |= b.n > 0;
				quote = c;
				if (!b.s)
					r = buf_add(&b, "", 0);
			} else if (quote && c == quote) {
				*odd |= *p && !is_blank(*p);
				quote = 0;
			} else if (c == '\\' && cunescape) {
				r = c_unescape(&p, &b);
			} else if (c == '\\') {
				if (*p)
					r = buf_addc(&b, *p++);
			} else {
				r = buf_addc(&b, c);
			}
		}
		if (r == 0 && quote)
			r = -EBADMSG;
		if (r == 0)
			r = words_push(ret, buf_take(&b));
		else
			free(b.s);
		if (r < 0)
			return r;
	}
}

int k3s_exec_split(const char *line, char ***ret, size_t *ret_n, bool *ret_odd)
{
	Words w = {};
	bool odd = false;
	int r = split(line, true, &w, &odd);

	if (r < 0) {
		words_clear(&w);
		return r;
	}
	*ret = w.items;
	*ret_n = w.n;
	*ret_odd = odd;
	return 0;
}

void k3s_args_free(K3sArg *args, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(args[i].text);
		free(args[i].source);
		free(args[i].file);
	}
	free(args);
}

typedef struct Args {
	K3sArg *items;
	size_t n;
} Args;

static int args_push(Args *a, char *text, const char *source, const char *file)
{
	char *s = strdup(source), *f = file ? strdup(file) : NULL;
	K3sArg *grown =
	    text && s && (f || !file) ? realloc(a->items, (a->n + 1) * sizeof(*grown)) : NULL;
	if (!grown) {
		free(text);
		free(s);
		free(f);
		return -ENOMEM;
	}
	a->items = grown;
	a->items[a->n++] = (K3sArg){text, s, f};
	return 0;
}

static const char *env_value(const K3sEnv *env, const char *name, size_t n)
{
	for (size_t i = 0; i < env->n; i++)
		if (strlen(env->vars[i].name) == n && strncmp(env->vars[i].name, name, n) == 0)
			return env->vars[i].value;
	return NULL;
}

/* "${VAR}" anywhere in a word, "${VAR:-default}", "${VAR:+alternative}", "$$" a "$". */
static char *replace_braced(const char *word, const K3sEnv *env, const char **ret_var_source_name,
			    size_t *ret_var_len)
{
	Buf b = {};
	int r = 0;

	for (const char *p = word; *p && r == 0;) {
		if (p[0] == '$' && p[1] == '$') {
			r = buf_addc(&b, '$');
			p += 2;
			continue;
		}
		const char *close = p[0] == '$' && p[1] == '{' ? strchr(p + 2, '}') : NULL;
		if (!close) {
			r = buf_addc(&b, *p++);
			continue;
		}
		const char *name = p + 2, *colon = memchr(name, ':', (size_t)(close - name));
		size_t n = (size_t)((colon ? colon : close) - name);
		const char *v = env_value(env, name, n);
		if (colon && colon + 1 < close && (colon[1] == '-' || colon[1] == '+')) {
			bool set = v && *v;
			const char *alt = colon + 2;
			if ((colon[1] == '-' && !set) || (colon[1] == '+' && set))
				r = buf_add(&b, alt, (size_t)(close - alt));
			else if (colon[1] == '-')
				r = buf_add(&b, v, strlen(v));
		} else if (v) {
			r = buf_add(&b, v, strlen(v));
		}
		*ret_var_source_name = name;
		*ret_var_len = n;
		p = close + 1;
	}
	if (r < 0) {
		free(b.s);
		return NULL;
	}
	return buf_take(&b);
}

static const char *var_source(const K3sEnv *env, const char *name, size_t n)
{
	for (size_t i = 0; i < env->n; i++)
		if (strlen(env->vars[i].name) == n && strncmp(env->vars[i].name, name, n) == 0)
			return env->vars[i].source;
	return NULL;
}

int k3s_exec_expand(char *const *words, size_t n, const K3sEnv *env, const char *source,
		    const char *file, K3sArg **ret, size_t *ret_n)
{
	Args a = {};
	int r = 0;

	for (size_t i = 0; i < n && r == 0; i++) {
		const char *w = words[i];
		char *via = NULL;
		if (!env) { /* the ":" prefix: words as written */
			r = args_push(&a, strdup(w), source, file);
			continue;
		}
		if (w[0] == '$' && env_name_valid(w + 1, strlen(w + 1))) {
			/* "$VAR" alone: its value's words, quotes removed; none when unset */
			const char *v = env_value(env, w + 1, strlen(w + 1));
			Words split_words = {};
			bool odd;
			if (!v)
				continue;
			if (asprintf(&via, "%s via %s", source,
				     var_source(env, w + 1, strlen(w + 1))) < 0)
				r = -ENOMEM;
			if (r == 0 && (r = split(v, false, &split_words, &odd)) == -EBADMSG)
				r = 0; /* an unterminated quote: what was split so far */
			for (size_t j = 0; r == 0 && j < split_words.n; j++)
				r = args_push(&a, TAKE_PTR(split_words.items[j]), via, file);
			words_clear(&split_words);
			free(via);
			continue;
		}
		const char *var = NULL;
		size_t var_len = 0;
		char *text = replace_braced(w, env, &var, &var_len);
		const char *vs = var ? var_source(env, var, var_len) : NULL;
		if (vs && asprintf(&via, "%s via %s", source, vs) < 0)
			via = NULL, r = -ENOMEM;
		if (r == 0)
			r = args_push(&a, text, via ? via : source, file);
		else
			free(text);
		free(via);
	}
	if (r < 0) {
		k3s_args_free(a.items, a.n);
		return r;
	}
	*ret = a.items;
	*ret_n = a.n;
	return 0;
}

/* ---- the unit ---- */

K3sUnitRun *k3s_unit_run_free(K3sUnitRun *r)
{
	if (!r)
		return NULL;
	free(r->name);
	free(r->path);
	k3s_args_free(r->argv, r->argc);
	k3s_env_clear(&r->env);
	k3s_report_clear(&r->report);
	free(r);
	return NULL;
}

typedef struct EnvFileRef {
	char *path; /* after specifiers, "-" kept */
	char *source;
} EnvFileRef;

typedef struct Collected {
	const UnitAssignment **environment; /* since the last reset */
	size_t n_environment;
	const UnitAssignment **files;
	size_t n_files;
	const UnitAssignment **exec;
	size_t n_exec;
	const char *type;
} Collected;

static void collected_clear(Collected *c)
{
	free(c->environment);
	free(c->files);
	free(c->exec);
}

static int collect(const UnitAssignment ***list, size_t *n, const UnitAssignment *a)
{
	if (!*a->value) {
		*n = 0; /* an empty assignment resets the list */
		return 0;
	}
	const UnitAssignment **grown = realloc(*list, (*n + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	*list = grown;
	(*list)[(*n)++] = a;
	return 0;
}

/* "k3s.service: ExecStart", naming the file the assignment is in. */
static char *where(const char *root, const UnitAssignment *a)
{
	_cleanup_free_ char *name = k3s_display_name(k3s_strip_root(root, a->path));
	char *s = NULL;
	if (!name || asprintf(&s, "%s: %s", name, a->key) < 0)
		return NULL;
	return s;
}

static int specifiers_or_warn(K3sUnitRun *run, const char *root, const UnitAssignment *a,
			      char **ret)
{
	char bad = 0;
	int r = k3s_unit_specifiers(run->name, a->value, ret, &bad);
	if (r != -EBADMSG)
		return r;
	*ret = NULL;
	return k3s_report_problem(&run->report, true, k3s_strip_root(root, a->path),
				  "%s:%u: %s= has the unknown specifier %%%c: systemd ignores "
				  "the whole line",
				  k3s_strip_root(root, a->path), a->line, a->key, bad);
}

static int apply_environment(K3sUnitRun *run, const char *root, const UnitAssignment *a)
{
	_cleanup_free_ char *text = NULL, *src = where(root, a);
	Words w = {};
	bool odd;
	int r;

	if (!src)
		return -ENOMEM;
	if ((r = specifiers_or_warn(run, root, a, &text)) < 0 || !text)
		return r;
	if ((r = split(text, true, &w, &odd)) == -EBADMSG) {
		words_clear(&w);
		return k3s_report_problem(&run->report, true, k3s_strip_root(root, a->path),
					  "%s:%u: Environment= has an unterminated quote or a bad "
					  "escape: systemd ignores the line",
					  k3s_strip_root(root, a->path), a->line);
	}
	for (size_t i = 0; r == 0 && i < w.n; i++) {
		char *eq = strchr(w.items[i], '=');
		if (!eq || !env_name_valid(w.items[i], (size_t)(eq - w.items[i])))
			continue; /* systemd warns and ignores the word */
		*eq = '\0';
		r = k3s_env_set(&run->env, w.items[i], eq + 1, src);
	}
	words_clear(&w);
	return r;
}

static int apply_environment_file(K3sUnitRun *run, const char *root, const UnitAssignment *a)
{
	_cleanup_free_ char *text = NULL, *full = NULL, *content = NULL, *display = NULL;
	size_t len = 0;
	int r;

	if ((r = specifiers_or_warn(run, root, a, &text)) < 0 || !text)
		return r;
	bool optional = text[0] == '-';
	const char *path = text + optional;
	if (!root) /* the unit's text alone (tests, fuzzing) */
		return k3s_report_source(&run->report, path, "environment file, not read");
	if (path[0] != '/')
		return k3s_report_problem(&run->report, true, k3s_strip_root(root, a->path),
					  "%s:%u: EnvironmentFile=%s is not an absolute path: "
					  "systemd ignores it",
					  k3s_strip_root(root, a->path), a->line, text);
	if (asprintf(&full, "%s%s", root, path) < 0 || !(display = k3s_display_name(path)))
		return -ENOMEM;
	r = read_text_file(full, ENV_FILE_MAX, &content, &len);
	if (r == -ENOMEM)
		return r;
	if (r < 0 && optional)
		return k3s_report_source(&run->report, path, "environment file, %s (optional)",
					 r == -ENOENT ? "absent" : strerror(-r));
	if (r < 0) {
		if ((r = k3s_report_source(&run->report, path, "environment file, %s",
					   r == -ENOENT ? "absent" : strerror(-r))) < 0)
			return r;
		return k3s_report_problem(&run->report, false, k3s_strip_root(root, a->path),
					  "%s:%u: EnvironmentFile=%s cannot be read and has no "
					  "leading \"-\": systemd refuses to start %s",
					  k3s_strip_root(root, a->path), a->line, path, run->name);
	}
	if ((r = k3s_report_source(&run->report, path, "environment file")) < 0)
		return r;
	return k3s_env_file_parse(&run->env, display, content, len);
}

/* The program and its arguments: prefixes off; with "@" the second word is argv[0] only. */
static int build_argv(K3sUnitRun *run, const char *root, const UnitAssignment *a)
{
	_cleanup_free_ char *text = NULL, *src = where(root, a);
	char **words = NULL;
	size_t n = 0;
	bool odd = false;
	int r;

	if (!src)
		return -ENOMEM;
	if ((r = specifiers_or_warn(run, root, a, &text)) < 0 || !text)
		return r;
	if ((r = k3s_exec_split(text, &words, &n, &odd)) == -EBADMSG)
		return k3s_report_problem(&run->report, false, k3s_strip_root(root, a->path),
					  "%s:%u: ExecStart= has an unterminated quote or an "
					  "escape systemd does not know: systemd refuses the line",
					  k3s_strip_root(root, a->path), a->line);
	if (r < 0)
		return r;
	if (odd)
		r = k3s_report_problem(&run->report, true, k3s_strip_root(root, a->path),
				       "%s:%u: ExecStart= opens or closes a quote inside a word "
				       "(such as '\\''), which systemd.syntax(7) does not define: "
				       "read as the shell would",
				       k3s_strip_root(root, a->path), a->line);
	const char *program = n ? words[0] + strspn(words[0], "@-:+!|") : "";
	bool at = n && strcspn(words[0], "@") < (size_t)(program - words[0]);
	bool no_env = n && strcspn(words[0], ":") < (size_t)(program - words[0]);
	size_t first = at ? 2 : 1;
	if (r == 0 && *program && n >= first) {
		Args head = {};
		K3sArg *rest = NULL;
		size_t n_rest = 0;
		const char *file = k3s_strip_root(root, a->path);
		if ((r = args_push(&head, strdup(program), src, file)) == 0 &&
		    (r = k3s_exec_expand(words + first, n - first, no_env ? NULL : &run->env, src,
					 file, &rest, &n_rest)) == 0) {
			K3sArg *all = realloc(head.items, (1 + n_rest) * sizeof(*all));
			if (all) {
				if (n_rest)
					memcpy(all + 1, rest, n_rest * sizeof(*all));
				free(rest);
				run->argv = all;
				run->argc = 1 + n_rest;
				head.items = NULL;
			} else {
				k3s_args_free(rest, n_rest);
				r = -ENOMEM;
			}
		}
		k3s_args_free(head.items, head.items ? head.n : 0);
	}
	for (size_t i = 0; i < n; i++)
		free(words[i]);
	free(words);
	return r;
}

int k3s_unit_run(const char *root, const char *name, const UnitFile *u, K3sUnitRun **ret)
{
	_cleanup_(k3s_unit_run_freep) K3sUnitRun *run = calloc(1, sizeof(*run));
	Collected c = {};
	int r = 0;

	if (!run || !(run->name = strdup(name)))
		return -ENOMEM;
	if (u->main_path && !(run->path = strdup(k3s_strip_root(root, u->main_path))))
		return -ENOMEM;
	for (size_t i = 0; i < u->n_paths && r == 0; i++)
		r = k3s_report_source(&run->report, k3s_strip_root(root, u->paths[i]),
				      u->paths[i] == u->main_path ? "unit" : "drop-in");
	for (const UnitAssignment *a = NULL;
	     r == 0 && (a = unit_file_next(u, a, "Service", NULL));) {
		if (strcmp(a->key, "Environment") == 0)
			r = collect(&c.environment, &c.n_environment, a);
		else if (strcmp(a->key, "EnvironmentFile") == 0)
			r = collect(&c.files, &c.n_files, a);
		else if (strcmp(a->key, "ExecStart") == 0)
			r = collect(&c.exec, &c.n_exec, a);
		else if (strcmp(a->key, "Type") == 0)
			c.type = a->value;
	}
	/* Files are read after Environment= and override it (systemd.exec(5)). */
	for (size_t i = 0; r == 0 && i < c.n_environment; i++)
		r = apply_environment(run, root, c.environment[i]);
	for (size_t i = 0; r == 0 && i < c.n_files; i++)
		r = apply_environment_file(run, root, c.files[i]);
	if (r == 0 && c.n_exec > 1 && !(c.type && strcmp(c.type, "oneshot") == 0)) {
		const UnitAssignment *a = c.exec[c.n_exec - 1];
		r = k3s_report_problem(
		    &run->report, false, k3s_strip_root(root, a->path),
		    "%s has %zu ExecStart= commands (the last in %s:%u): systemd "
		    "refuses the unit unless Type=oneshot; a drop-in must reset "
		    "the list with an empty ExecStart= first",
		    name, c.n_exec, k3s_strip_root(root, a->path), a->line);
	}
	if (r == 0 && c.n_exec > 0)
		r = build_argv(run, root, c.exec[c.n_exec - 1]);
	collected_clear(&c);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(run);
	return 0;
}
