/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "k3sreport.h"
#include "unitfile.h"

void k3s_report_clear(K3sReport *r)
{
	for (size_t i = 0; i < r->n_sources; i++) {
		free(r->sources[i].path);
		free(r->sources[i].role);
	}
	free(r->sources);
	for (size_t i = 0; i < r->n_problems; i++) {
		free(r->problems[i].path);
		free(r->problems[i].message);
	}
	free(r->problems);
	*r = (K3sReport){};
}

int k3s_report_source(K3sReport *r, const char *path, const char *fmt, ...)
{
	K3sSource *grown = realloc(r->sources, (r->n_sources + 1) * sizeof(*grown));
	char *role = NULL, *p;
	va_list ap;

	if (!grown)
		return -ENOMEM;
	r->sources = grown;
	va_start(ap, fmt);
	int n = vasprintf(&role, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -ENOMEM;
	if (!(p = strdup(path))) {
		free(role);
		return -ENOMEM;
	}
	r->sources[r->n_sources++] = (K3sSource){p, role};
	return 0;
}

int k3s_report_problem(K3sReport *r, bool warning, const char *path, const char *fmt, ...)
{
	K3sProblem *grown = realloc(r->problems, (r->n_problems + 1) * sizeof(*grown));
	char *message = NULL, *p;
	va_list ap;

	if (!grown)
		return -ENOMEM;
	r->problems = grown;
	va_start(ap, fmt);
	int n = vasprintf(&message, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -ENOMEM;
	if (!(p = strdup(path))) {
		free(message);
		return -ENOMEM;
	}
	r->problems[r->n_problems++] = (K3sProblem){p, message, warning};
	return 0;
}

int k3s_report_take(K3sReport *dst, K3sReport *src)
{
	K3sSource *s = realloc(dst->sources, (dst->n_sources + src->n_sources + 1) * sizeof(*s));
	if (!s)
		return -ENOMEM;
	dst->sources = s;
	K3sProblem *p =
	    realloc(dst->problems, (dst->n_problems + src->n_problems + 1) * sizeof(*p));
	if (!p)
		return -ENOMEM;
	dst->problems = p;
	if (src->n_sources)
		memcpy(dst->sources + dst->n_sources, src->sources, src->n_sources * sizeof(*s));
	dst->n_sources += src->n_sources;
	if (src->n_problems)
		memcpy(dst->problems + dst->n_problems, src->problems,
		       src->n_problems * sizeof(*p));
	dst->n_problems += src->n_problems;
	free(src->sources);
	free(src->problems);
	*src = (K3sReport){};
	return 0;
}

static bool is_unit_dir(const char *dir, size_t len)
{
	size_t n;
	const char *const *dirs = unit_file_search_path(&n);
	for (size_t i = 0; i < n; i++)
		if (strlen(dirs[i]) == len && strncmp(dirs[i], dir, len) == 0)
			return true;
	return false;
}

char *k3s_display_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return strdup(path);
	if (is_unit_dir(path, (size_t)(slash - path)))
		return strdup(slash + 1);
	/* a drop-in: NAME.d/FILE in a unit directory */
	const char *parent = slash;
	while (parent > path && parent[-1] != '/')
		parent--;
	if (parent > path && is_unit_dir(path, (size_t)(parent - 1 - path)) && slash - parent > 2 &&
	    strncmp(slash - 2, ".d", 2) == 0)
		return strdup(parent);
	return strdup(path);
}

const char *k3s_strip_root(const char *root, const char *path)
{
	size_t n = root ? strlen(root) : 0;
	if (n > 0 && strncmp(path, root, n) == 0 && path[n] == '/')
		return path + n;
	return path;
}
