/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

#include "statustext.h"

typedef struct Line {
	char *buf;
	size_t size;
	size_t len;
	bool full; /* once cut, nothing more is added: a cut line stays a prefix of the whole one */
} Line;

__attribute__((format(printf, 2, 3))) static void append(Line *l, const char *fmt, ...)
{
	va_list ap;

	if (l->full)
		return;
	va_start(ap, fmt);
	int n = vsnprintf(l->buf + l->len, l->size - l->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= l->size - l->len)
		l->full = true;
	else
		l->len += (size_t)n;
}

static void append_readiness(Line *l, const Verdict *v)
{
	size_t shown = 0;

	if (v->ready) {
		append(l, "ready");
		return;
	}
	append(l, "not ready: %zu error%s (", v->n_errors, v->n_errors == 1 ? "" : "s");
	for (size_t i = 0; i < v->n_findings; i++) {
		const Finding *f = &v->findings[i];
		if (f->severity != SEVERITY_ERROR)
			continue;
		if (shown == 2) {
			append(l, ", …");
			break;
		}
		append(l, "%s%s %s", shown ? ", " : "", check_to_string(f->check), f->subject);
		shown++;
	}
	append(l, ")");
}

void status_text_format(const Verdict *v, const StatusTextCounts *counts, char *buf, size_t size)
{
	Line l = {.buf = buf, .size = size, .full = size == 0};

	if (size > 0)
		buf[0] = '\0';
	append_readiness(&l, v);
	/* Then the mirror's counts, for whoever reads systemctl status. */
	append(&l, "; %zu links, %zu routes kept of %llu seen, %llu overruns, %llu resyncs",
	       counts->links, counts->routes_kept, (unsigned long long)counts->routes_seen,
	       (unsigned long long)counts->overruns, (unsigned long long)counts->resyncs);
}
