/* SPDX-License-Identifier: MIT */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fileutil.h"
#include "unitfile.h"

/* systemd reads lines up to 1 MiB (LONG_LINE_MAX); a larger file is no configuration. */
#define UNIT_FILE_MAX (1024 * 1024)
#define WHITESPACE " \t\n\r"
#define UTF8_BOM "\xef\xbb\xbf"

static const char *const UNIT_PATH[] = {
    "/etc/systemd/system",     "/run/systemd/system", "/usr/local/lib/systemd/system",
    "/usr/lib/systemd/system", "/lib/systemd/system",
};

static const char *const CONFIG_PATH[] = {"/etc", "/run", "/usr/local/lib", "/usr/lib", "/lib"};

/* ---- a growable list of owned strings ---- */

typedef struct Strv {
	char **items;
	size_t n;
} Strv;

static void strv_clear(Strv *v)
{
	for (size_t i = 0; i < v->n; i++)
		free(v->items[i]);
	free(v->items);
	*v = (Strv){};
}

static bool strv_contains(const Strv *v, const char *s)
{
	for (size_t i = 0; i < v->n; i++)
		if (strcmp(v->items[i], s) == 0)
			return true;
	return false;
}

/* Appends s (taken, even on failure) unless it is there already: a directory is searched once. */
static int strv_consume_unique(Strv *v, char *s)
{
	if (!s)
		return -ENOMEM;
	if (strv_contains(v, s)) {
		free(s);
		return 0;
	}
	char **grown = realloc(v->items, (v->n + 1) * sizeof(*grown));
	if (!grown) {
		free(s);
		return -ENOMEM;
	}
	v->items = grown;
	v->items[v->n++] = s;
	return 0;
}

static int strv_add_unique(Strv *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int strv_add_unique(Strv *v, const char *fmt, ...)
{
	char *s = NULL;
	va_list ap;

	va_start(ap, fmt);
	int n = vasprintf(&s, fmt, ap);
	va_end(ap);
	return strv_consume_unique(v, n < 0 ? NULL : s);
}

/* ---- the object ---- */

int unit_file_new(UnitFile **ret)
{
	UnitFile *u = calloc(1, sizeof(*u));
	if (!u)
		return -ENOMEM;
	*ret = u;
	return 0;
}

UnitFile *unit_file_free(UnitFile *u)
{
	if (!u)
		return NULL;
	for (size_t i = 0; i < u->n_paths; i++)
		free(u->paths[i]);
	free(u->paths);
	for (size_t i = 0; i < u->n_assignments; i++) {
		free((char *)u->assignments[i].section);
		free((char *)u->assignments[i].key);
		free((char *)u->assignments[i].value);
	}
	free(u->assignments);
	for (size_t i = 0; i < u->n_problems; i++)
		free(u->problems[i].path);
	free(u->problems);
	free(u);
	return NULL;
}

static int add_problem(UnitFile *u, const char *path, unsigned line, int error, const char *message)
{
	UnitProblem *grown = realloc(u->problems, (u->n_problems + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	u->problems = grown;
	char *p = strdup(path);
	if (!p)
		return -ENOMEM;
	u->problems[u->n_problems++] = (UnitProblem){p, line, error, message};
	return 0;
}

const UnitAssignment *unit_file_next(const UnitFile *u, const UnitAssignment *after,
				     const char *section, const char *key)
{
	if (u->n_assignments == 0)
		return NULL;
	for (const UnitAssignment *a = after ? after + 1 : u->assignments;
	     a < u->assignments + u->n_assignments; a++)
		if ((!section || strcmp(a->section, section) == 0) &&
		    (!key || strcmp(a->key, key) == 0))
			return a;
	return NULL;
}

/* ---- one file's text ---- */

typedef struct Parser {
	UnitFile *u;
	const char *path; /* owned by u->paths */
	char *section;	  /* NULL before the first header: assignments there are ignored */
} Parser;

static bool is_whitespace(char c)
{
	return c && strchr(WHITESPACE, c);
}

static char *strip(char *s)
{
	while (is_whitespace(*s))
		s++;
	size_t n = strlen(s);
	while (n > 0 && is_whitespace(s[n - 1]))
		s[--n] = '\0';
	return s;
}

/* What systemd's utf8_is_valid() accepts: no overlong forms, surrogates or non-characters. */
static bool utf8_valid(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p;) {
		unsigned n;
		uint32_t cp;

		if (*p < 0x80) {
			p++;
			continue;
		}
		if (*p >= 0xc2 && *p <= 0xdf)
			n = 1, cp = *p & 0x1f;
		else if (*p >= 0xe0 && *p <= 0xef)
			n = 2, cp = *p & 0x0f;
		else if (*p >= 0xf0 && *p <= 0xf4)
			n = 3, cp = *p & 0x07;
		else
			return false;
		for (unsigned i = 1; i <= n; i++) {
			if ((p[i] & 0xc0) != 0x80) /* also stops at the terminating NUL */
				return false;
			cp = cp << 6 | (p[i] & 0x3f);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff) || (cp >= 0xfdd0 && cp <= 0xfdef) ||
		    (cp & 0xfffe) == 0xfffe)
			return false;
		p += n + 1;
	}
	return true;
}

/* systemd's string_is_safe(): no control characters, quotes or backslashes in a section name. */
static bool section_name_safe(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < ' ' || *s == 127 || strchr("\\\"'", *s))
			return false;
	return true;
}

/* A syntax error that fails the file in systemd: what was read so far stays applied. */
static int file_error(Parser *p, unsigned line, const char *message)
{
	int r = add_problem(p->u, p->path, line, -EBADMSG, message);
	return r < 0 ? r : -EBADMSG;
}

static int add_assignment(Parser *p, const char *key, const char *value, unsigned line)
{
	UnitFile *u = p->u;
	UnitAssignment *grown = realloc(u->assignments, (u->n_assignments + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	u->assignments = grown;
	char *s = strdup(p->section), *k = strdup(key), *v = strdup(value);
	if (!s || !k || !v) {
		free(s);
		free(k);
		free(v);
		return -ENOMEM;
	}
	u->assignments[u->n_assignments++] = (UnitAssignment){s, k, v, p->path, line};
	return 0;
}

/* One logical line, continuations joined. Returns 0, -ENOMEM, or -EBADMSG when the file ends. */
static int parse_logical_line(Parser *p, char *l, unsigned line)
{
	l = strip(l);
	if (!*l)
		return 0;
	if (!utf8_valid(l))
		return file_error(p, line, "not UTF-8");
	if (*l == '[') {
		size_t k = strlen(l);
		if (l[k - 1] != ']')
			return file_error(p, line, "invalid section header");
		l[k - 1] = '\0';
		if (!section_name_safe(l + 1))
			return file_error(p, line, "bad characters in section header");
		free(p->section);
		return (p->section = strdup(l + 1)) ? 0 : -ENOMEM;
	}
	/* systemd warns and goes on: an assignment before any section, no '=', no key. */
	char *eq = strchr(l, '=');
	if (!p->section || !eq || eq == l)
		return 0;
	*eq = '\0';
	return add_assignment(p, strip(l), strip(eq + 1), line);
}

/* systemd's read_line() ends a line at \n, \r or NUL, a run of distinct ones ("\r\n") once. */
static unsigned eol_marker(char c)
{
	return c == '\n' ? 1 : c == '\r' ? 2 : c == '\0' ? 4 : 0;
}

static size_t next_line(const char *text, size_t len, size_t *pos)
{
	size_t i = *pos, n;
	unsigned seen = 0;

	while (i < len && !eol_marker(text[i]))
		i++;
	n = i - *pos;
	while (i < len && eol_marker(text[i]) && !(seen & eol_marker(text[i])))
		seen |= eol_marker(text[i++]);
	*pos = i;
	return n;
}

static bool ends_with_odd_backslashes(const char *s, size_t n)
{
	size_t k = 0;
	while (k < n && s[n - 1 - k] == '\\')
		k++;
	return k % 2 == 1;
}

static int append(char **buf, size_t *len, size_t *cap, const char *s, size_t n)
{
	if (*len + n + 1 > *cap) {
		size_t want = (*len + n + 1) * 2;
		char *grown = realloc(*buf, want);
		if (!grown)
			return -ENOMEM;
		*buf = grown;
		*cap = want;
	}
	memcpy(*buf + *len, s, n);
	*len += n;
	(*buf)[*len] = '\0';
	return 0;
}

static int add_path(UnitFile *u, const char *path)
{
	char **grown = realloc(u->paths, (u->n_paths + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	u->paths = grown;
	if (!(u->paths[u->n_paths] = strdup(path)))
		return -ENOMEM;
	u->n_paths++;
	return 0;
}

static int parse_text(Parser *p, const char *text, size_t len)
{
	_cleanup_free_ char *buf = NULL;
	size_t pos = 0, buf_len = 0, cap = 0;
	unsigned line = 0, start = 0;
	bool continued = false, bom_seen = false;
	int r;

	while (pos < len) {
		const char *l = text + pos;
		size_t n = next_line(text, len, &pos), skip = 0;

		line++;
		while (skip < n && is_whitespace(l[skip]))
			skip++;
		/* Comments are dropped before continuations are joined: one inside a continuation
		 * neither ends it nor becomes part of it. */
		if (skip < n && (l[skip] == '#' || l[skip] == ';'))
			continue;
		if (!bom_seen && n >= 3 && memcmp(l, UTF8_BOM, 3) == 0) {
			l += 3;
			n -= 3;
			bom_seen = true;
		}
		if (!continued) {
			buf_len = 0;
			start = line;
		}
		if ((r = append(&buf, &buf_len, &cap, l, n)) < 0)
			return r;
		continued = ends_with_odd_backslashes(buf, buf_len);
		if (continued) {
			buf[buf_len - 1] = ' ';
			continue;
		}
		if ((r = parse_logical_line(p, buf, start)) < 0)
			return r;
	}
	/* A backslash on the last line: what was joined is still one assignment. */
	return continued ? parse_logical_line(p, buf, start) : 0;
}

int unit_file_parse(UnitFile *u, const char *path, const char *text, size_t len)
{
	Parser p = {u, NULL, NULL};
	int r;

	if ((r = add_path(u, path)) < 0)
		return r;
	p.path = u->paths[u->n_paths - 1];
	r = parse_text(&p, text, len);
	free(p.section);
	return r == -EBADMSG ? 0 : r;
}

/* ---- files and directories ---- */

/* Reads and parses one file; a missing one or /dev/null (a drop-in masking its name) adds nothing.
 */
static int read_file(UnitFile *u, const char *path, bool is_main)
{
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	int r = read_text_file(path, UNIT_FILE_MAX, &text, &len);

	if (r == -ENOENT || r == -EISDIR || r == -EINVAL)
		return 0;
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		return add_problem(u, path, 0, r, NULL);
	if ((r = unit_file_parse(u, path, text, len)) < 0)
		return r;
	if (is_main)
		u->main_path = u->paths[u->n_paths - 1];
	return 0;
}

/* The first candidate that exists is the main file; a unit's may mask the unit. */
static int read_main(UnitFile *u, const Strv *candidates, bool is_unit)
{
	for (size_t i = 0; i < candidates->n; i++) {
		const char *path = candidates->items[i];
		struct stat st;

		if (stat(path, &st) < 0) {
			if (errno == ENOENT || errno == ENOTDIR)
				continue;
			return errno == ENOMEM ? -ENOMEM
					       : add_problem(u, path, 0, negative_errno(), NULL);
		}
		if (S_ISDIR(st.st_mode))
			continue;
		/* systemd's null_or_empty(): a link to /dev/null or an empty file masks a unit. */
		if (is_unit && (S_ISCHR(st.st_mode) || (S_ISREG(st.st_mode) && st.st_size == 0))) {
			u->masked = true;
			return 0;
		}
		return read_file(u, path, true);
	}
	return 0;
}

typedef struct DropIn {
	char *name;
	size_t dir; /* index in the directory list: lower wins a tie */
} DropIn;

static int dropin_compare(const void *a, const void *b)
{
	const DropIn *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	return c ? c : (x->dir > y->dir) - (x->dir < y->dir);
}

static bool is_conf_name(const char *name)
{
	size_t n = strlen(name);
	return name[0] != '.' && n > 5 && strcmp(name + n - 5, ".conf") == 0;
}

static int list_dir(const char *path, size_t index, DropIn **list, size_t *n)
{
	DIR *dir = opendir(path);
	struct dirent *de;
	int r = 0;

	if (!dir)
		return errno == ENOMEM ? -ENOMEM : 0; /* absent or unreadable: systemd skips it */
	while (r == 0 && (de = readdir(dir))) {
		struct stat st;
		if (!is_conf_name(de->d_name))
			continue;
		/* A directory or a dangling link is no drop-in and masks nothing. */
		if (fstatat(dirfd(dir), de->d_name, &st, 0) < 0 || S_ISDIR(st.st_mode))
			continue;
		DropIn *grown = realloc(*list, (*n + 1) * sizeof(*grown));
		if (!grown) {
			r = -ENOMEM;
			break;
		}
		*list = grown;
		if (!((*list)[*n].name = strdup(de->d_name)))
			r = -ENOMEM;
		else
			(*list)[(*n)++].dir = index;
	}
	closedir(dir);
	return r;
}

/* All directories' drop-ins sorted together by file name; the first directory with a name wins. */
static int read_dropins(UnitFile *u, const Strv *dirs)
{
	DropIn *list = NULL;
	size_t n = 0;
	int r = 0;

	for (size_t d = 0; r == 0 && d < dirs->n; d++)
		r = list_dir(dirs->items[d], d, &list, &n);
	if (r == 0 && n > 0)
		qsort(list, n, sizeof(*list), dropin_compare);
	for (size_t i = 0; r == 0 && i < n; i++) {
		_cleanup_free_ char *path = NULL;
		if (i > 0 && strcmp(list[i].name, list[i - 1].name) == 0)
			continue; /* masked by the same name in an earlier directory */
		if (asprintf(&path, "%s/%s", dirs->items[list[i].dir], list[i].name) < 0)
			r = -ENOMEM;
		else
			r = read_file(u, path, false);
	}
	for (size_t i = 0; i < n; i++)
		free(list[i].name);
	free(list);
	return r;
}

/*
 * The drop-in directory names of a unit, most specific first, as systemd's dropin.c derives them:
 * the name's, the template's for an instance, those of the prefixes up to each dash
 * ("foo-bar-baz.service" → "foo-bar-.service", "foo-.service"); the type's ("service") last.
 */
static int add_name_dropins(Strv *v, const char *name)
{
	const char *at = strchr(name, '@'), *dot = strrchr(name, '.');
	_cleanup_free_ char *prefix = NULL, *derived = NULL;
	bool chopped = false;
	int r;

	if ((r = strv_add_unique(v, "%s.d", name)) < 0)
		return r;
	if (!dot || (at && at > dot))
		return 0; /* no type suffix: nothing to derive */
	bool instance = at && at + 1 < dot;
	if (instance) {
		if (asprintf(&derived, "%.*s%s", (int)(at - name + 1), name, dot) < 0)
			return -ENOMEM;
		if ((r = add_name_dropins(v, derived)) < 0)
			return r;
		free(TAKE_PTR(derived));
	}
	if (!(prefix = strndup(name, (size_t)((at ? at : dot) - name))))
		return -ENOMEM;
	for (;;) {
		char *dash = strrchr(prefix, '-');
		if (!dash || dash == prefix)
			return 0;
		if (dash[1] || chopped) {
			dash[1] = '\0';
			break;
		}
		*dash = '\0'; /* a trailing dash is chopped once, then the next one counts */
		chopped = true;
	}
	int n = instance ? asprintf(&derived, "%s@%.*s%s", prefix, (int)(dot - at - 1), at + 1, dot)
			 : asprintf(&derived, "%s%s", prefix, dot);
	if (n < 0)
		return -ENOMEM;
	return add_name_dropins(v, derived);
}

static int unit_dropin_dirs(const char *name, const Strv *search, Strv *ret)
{
	_cleanup_(strv_clear) Strv names = {};
	const char *dot = strrchr(name, '.');
	int r;

	if ((r = add_name_dropins(&names, name)) < 0)
		return r;
	if (dot && dot[1] && (r = strv_add_unique(&names, "%s.d", dot + 1)) < 0)
		return r;
	/* Name by name, each in every directory: a more specific name wins a file name. */
	for (size_t i = 0; i < names.n; i++) {
		for (size_t d = 0; d < search->n; d++) {
			r = strv_add_unique(ret, "%s/%s", search->items[d], names.items[i]);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

static int load_unit(const char *name, const char *first, const Strv *search, UnitFile **ret)
{
	_cleanup_(unit_file_freep) UnitFile *u = NULL;
	_cleanup_(strv_clear) Strv candidates = {}, dropin_dirs = {};
	int r;

	if ((r = unit_file_new(&u)) < 0)
		return r;
	if (first && (r = strv_add_unique(&candidates, "%s", first)) < 0)
		return r;
	for (size_t d = 0; d < search->n; d++)
		if ((r = strv_add_unique(&candidates, "%s/%s", search->items[d], name)) < 0)
			return r;
	/* An instance without a file of its own uses its template's (foo@.service). */
	const char *at = strchr(name, '@'), *dot = strrchr(name, '.');
	for (size_t d = 0; at && dot && dot > at + 1 && d < search->n; d++)
		if ((r = strv_add_unique(&candidates, "%s/%.*s%s", search->items[d],
					 (int)(at - name + 1), name, dot)) < 0)
			return r;
	if ((r = read_main(u, &candidates, true)) < 0)
		return r;
	/* A masked unit is not loaded at all: its drop-ins do not matter. */
	if (!u->masked && ((r = unit_dropin_dirs(name, search, &dropin_dirs)) < 0 ||
			   (r = read_dropins(u, &dropin_dirs)) < 0))
		return r;
	*ret = TAKE_PTR(u);
	return 0;
}

static int unit_search_path(const char *root, Strv *ret)
{
	int r;
	for (size_t i = 0; i < ELEMENTSOF(UNIT_PATH); i++)
		if ((r = strv_add_unique(ret, "%s%s", root ? root : "", UNIT_PATH[i])) < 0)
			return r;
	return 0;
}

const char *const *unit_file_search_path(size_t *ret_n)
{
	*ret_n = ELEMENTSOF(UNIT_PATH);
	return UNIT_PATH;
}

int unit_file_load(const char *root, const char *name, UnitFile **ret)
{
	_cleanup_(strv_clear) Strv search = {};
	int r = unit_search_path(root, &search);
	return r < 0 ? r : load_unit(name, NULL, &search, ret);
}

int unit_file_load_path(const char *root, const char *path, UnitFile **ret)
{
	_cleanup_(strv_clear) Strv search = {};
	const char *slash = strrchr(path, '/');
	int r;

	if (!slash)
		return unit_file_load(root, path, ret);
	if ((r = strv_add_unique(&search, "%.*s", (int)(slash - path), path)) < 0 ||
	    (r = unit_search_path(root, &search)) < 0)
		return r;
	return load_unit(slash + 1, path, &search, ret);
}

int unit_file_load_config(const char *root, const char *name, UnitFile **ret)
{
	_cleanup_(unit_file_freep) UnitFile *u = NULL;
	_cleanup_(strv_clear) Strv main_file = {}, dropin_dirs = {};
	int r;

	if (!root)
		root = "";
	if ((r = unit_file_new(&u)) < 0 ||
	    (r = strv_add_unique(&main_file, "%s/etc/%s", root, name)) < 0)
		return r;
	for (size_t i = 0; i < ELEMENTSOF(CONFIG_PATH); i++)
		if ((r = strv_add_unique(&dropin_dirs, "%s%s/%s.d", root, CONFIG_PATH[i], name)) <
		    0)
			return r;
	if ((r = read_main(u, &main_file, false)) < 0 || (r = read_dropins(u, &dropin_dirs)) < 0)
		return r;
	*ret = TAKE_PTR(u);
	return 0;
}
