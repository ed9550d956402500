/* SPDX-License-Identifier: MIT */
/* A unit's command line as systemd builds it: env files, specifiers, quoting, $VAR and ${VAR}. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "k3sunit.h"
#include "unit-main.h"

static const char *env(const K3sEnv *e, const char *name)
{
	const K3sEnvVar *v = k3s_env_get(e, name);
	return v ? v->value : NULL;
}

static void test_env_file_rules(void **state)
{
	static const struct {
		const char *text, *name, *value;
	} rows[] = {
	    /* the installer on dash: single quotes */
	    {"K3S_TOKEN='abc def'\n", "K3S_TOKEN", "abc def"},
	    /* bash as sh: double quotes, the shell's escapes only */
	    {"K3S_TOKEN=\"a\\\"b\\$c\\n\"\n", "K3S_TOKEN", "a\"b$c\\n"},
	    /* unquoted: blanks around dropped, inside kept, backslash escapes */
	    {"  A =  x  y  \n", "A", "x  y"},
	    {"A=x\\ y\\\\z\n", "A", "x y\\z"},
	    /* continuation lines */
	    {"A=one\\\ntwo\n", "A", "onetwo"},
	    {"A='multi\nline'\n", "A", "multi\nline"},
	    /* quotes concatenate with what follows, not inside a value */
	    {"A='x'y\n", "A", "xy"},
	    {"A=x'y'\n", "A", "x'y'"},
	    /* comments only at the start of a line */
	    {"# A=1\n;A=2\nA=3 # not a comment\n", "A", "3 # not a comment"},
	    /* the last line without a newline, an empty value */
	    {"A=", "A", ""},
	    {"A=1\nA=2", "A", "2"},
	    /* CRLF files */
	    {"A=1\r\nB=2\r\n", "B", "2"},
	    /* no "=": ignored; invalid names: ignored */
	    {"JUSTTEXT\nA=1\n", "JUSTTEXT", NULL},
	    {"1A=1\n", "1A", NULL},
	    {"export A=1\n", "A", NULL},
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		K3sEnv e = {};
		assert_int_equal(k3s_env_file_parse(&e, "f", rows[i].text, strlen(rows[i].text)),
				 0);
		if (rows[i].value)
			assert_string_equal(env(&e, rows[i].name), rows[i].value);
		else
			assert_null(env(&e, rows[i].name));
		k3s_env_clear(&e);
	}
}

static void test_env_file_sources(void **state)
{
	K3sEnv e = {};
	const char text[] = "K3S_TOKEN='t'\nK3S_URL='https://10.0.0.2:6443'\n";
	assert_int_equal(k3s_env_file_parse(&e, "k3s-agent.service.env", text, strlen(text)), 0);
	assert_string_equal(k3s_env_get(&e, "K3S_URL")->source, "k3s-agent.service.env: K3S_URL");
	k3s_env_clear(&e);
}

static void test_specifiers(void **state)
{
	static const struct {
		const char *unit, *text, *want;
	} rows[] = {
	    {"k3s.service", "-/etc/default/%N", "-/etc/default/k3s"},
	    {"k3s-agent.service", "/etc/sysconfig/%N", "/etc/sysconfig/k3s-agent"},
	    {"k3s-agent.service", "%n %p %j %i|", "k3s-agent.service k3s-agent agent |"},
	    {"k3s.service", "%j", "k3s"},
	    {"k3s@edge.service", "%N %p %i %I %f", "k3s@edge k3s edge edge /edge"},
	    {"k3s.service", "100%% %t/x", "100% /run/x"},
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char *out = NULL, bad = 0;
		assert_int_equal(k3s_unit_specifiers(rows[i].unit, rows[i].text, &out, &bad), 0);
		assert_string_equal(out, rows[i].want);
		free(out);
	}
	char *out = NULL, bad = 0;
	assert_int_equal(k3s_unit_specifiers("k3s.service", "%Z", &out, &bad), -EBADMSG);
	assert_int_equal(bad, 'Z');
}

static void split_is(const char *line, size_t n, const char *const *want, bool odd)
{
	char **words = NULL;
	size_t got = 0;
	bool was_odd = false;
	assert_int_equal(k3s_exec_split(line, &words, &got, &was_odd), 0);
	assert_int_equal(got, n);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(words[i], want[i]);
	assert_int_equal(was_odd, odd);
	for (size_t i = 0; i < got; i++)
		free(words[i]);
	free(words);
}

static void test_exec_quoting(void **state)
{
	/* the installer's shape, continuations joined by the reader */
	split_is("/usr/local/bin/k3s       server      '--flannel-backend'      'none'  ", 4,
		 (const char *const[]){"/usr/local/bin/k3s", "server", "--flannel-backend", "none"},
		 false);
	split_is("a \"b c\" 'd \"e\"' f\\tg \\x41", 5,
		 (const char *const[]){"a", "b c", "d \"e\"", "f\tg", "A"}, false);
	/* the installer's '\'' for an embedded quote: read as the shell would, flagged */
	split_is("k3s '--node-label=a'\\''b'", 2, (const char *const[]){"k3s", "--node-label=a'b"},
		 true);
	split_is("''", 1, (const char *const[]){""}, false);
	char **words = NULL;
	size_t n = 0;
	bool odd = false;
	assert_int_equal(k3s_exec_split("k3s 'unterminated", &words, &n, &odd), -EBADMSG);
	assert_int_equal(k3s_exec_split("k3s \\q", &words, &n, &odd), -EBADMSG);
}

static void test_exec_variables(void **state)
{
	K3sEnv e = {};
	assert_int_equal(k3s_env_set(&e, "ARGS", "--flannel-backend=none  'a b' --x", "env: ARGS"),
			 0);
	assert_int_equal(k3s_env_set(&e, "EMPTY", "", "env: EMPTY"), 0);
	char *words[] = {"$ARGS",    "${ARGS}", "pre${ARGS}post", "$UNSET",	   "$EMPTY",
			 "${UNSET}", "$$ARGS",	"x$ARGS",	  "${UNSET:-def}", "${ARGS:+alt}"};
	K3sArg *args = NULL;
	size_t n = 0;
	assert_int_equal(
	    k3s_exec_expand(words, ELEMENTSOF(words), &e, "u: ExecStart", "u", &args, &n), 0);
	const char *want[] = {"--flannel-backend=none",
			      "a b",
			      "--x",
			      "--flannel-backend=none  'a b' --x",
			      "pre--flannel-backend=none  'a b' --xpost",
			      "",
			      "$ARGS",
			      "x$ARGS",
			      "def",
			      "alt"};
	assert_int_equal(n, ELEMENTSOF(want));
	for (size_t i = 0; i < n; i++)
		assert_string_equal(args[i].text, want[i]);
	assert_string_equal(args[0].source, "u: ExecStart via env: ARGS");
	assert_string_equal(args[3].source, "u: ExecStart via env: ARGS");
	assert_string_equal(args[7].source, "u: ExecStart");
	k3s_args_free(args, n);
	k3s_env_clear(&e);
}

static UnitFile *parse(const char *path, const char *text)
{
	UnitFile *u = NULL;
	assert_int_equal(unit_file_new(&u), 0);
	assert_int_equal(unit_file_parse(u, path, text, strlen(text)), 0);
	u->main_path = u->paths[0];
	return u;
}

static void write_text(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "we");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(chmod(path, mode), 0);
}

/* Environment=, then the files in order, later ones winning; a missing required file fails. */
static void test_unit_environment_order(void **state)
{
	char dir[] = "/tmp/routeguard-k3sunit-XXXXXX", path[300], cmd[400];
	assert_non_null(mkdtemp(dir));
	snprintf(cmd, sizeof(cmd), "mkdir -p %s/etc/default %s/etc/systemd/system", dir, dir);
	assert_int_equal(system(cmd), 0);
	snprintf(path, sizeof(path), "%s/etc/default/k3s", dir);
	write_text(path, "ARGS=\"--flannel-backend=none --disable-network-policy\"\nA=default\n",
		   0644);
	snprintf(path, sizeof(path), "%s/etc/systemd/system/k3s.service.env", dir);
	write_text(path, "ARGS=--flannel-backend=vxlan\n", 0600);

	UnitFile *u = parse("/etc/systemd/system/k3s.service",
			    "[Service]\n"
			    "Environment=A=unit B=\"two words\"\n"
			    "EnvironmentFile=-/etc/default/%N\n"
			    "EnvironmentFile=-/etc/sysconfig/%N\n"
			    "EnvironmentFile=-/etc/systemd/system/k3s.service.env\n"
			    "ExecStart=/usr/local/bin/k3s server $ARGS ${B}\n");
	K3sUnitRun *run = NULL;
	assert_int_equal(k3s_unit_run(dir, "k3s.service", u, &run), 0);
	assert_string_equal(env(&run->env, "A"), "default");
	assert_string_equal(env(&run->env, "B"), "two words");
	assert_int_equal(run->argc, 4);
	assert_string_equal(run->argv[0].text, "/usr/local/bin/k3s");
	assert_string_equal(run->argv[2].text, "--flannel-backend=vxlan");
	assert_string_equal(run->argv[2].source,
			    "k3s.service: ExecStart via k3s.service.env: ARGS");
	assert_string_equal(run->argv[3].text, "two words");
	/* sources in order: the unit, then each environment file */
	assert_int_equal(run->report.n_sources, 4);
	assert_string_equal(run->report.sources[1].path, "/etc/default/k3s");
	assert_string_equal(run->report.sources[2].role, "environment file, absent (optional)");
	assert_int_equal(run->report.n_problems, 0);
	k3s_unit_run_free(run);
	unit_file_free(u);

	/* a required file that is missing: systemd refuses to start the unit */
	u = parse("/etc/systemd/system/k3s.service",
		  "[Service]\nEnvironmentFile=/etc/systemd/system/missing.env\n"
		  "ExecStart=/usr/local/bin/k3s server\n");
	assert_int_equal(k3s_unit_run(dir, "k3s.service", u, &run), 0);
	assert_int_equal(run->report.n_problems, 1);
	assert_false(run->report.problems[0].warning);
	k3s_unit_run_free(run);
	unit_file_free(u);

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

/* Resets, prefixes, and two commands without Type=oneshot. */
static void test_unit_exec_rules(void **state)
{
	K3sUnitRun *run = NULL;
	UnitFile *u = parse("/etc/systemd/system/k3s.service",
			    "[Service]\nType=notify\n"
			    "ExecStart=/usr/local/bin/k3s server --flannel-backend=vxlan\n"
			    "ExecStart=\n"
			    "ExecStart=-@/opt/bin/k3s k3s-renamed agent\n");
	assert_int_equal(k3s_unit_run(NULL, "k3s.service", u, &run), 0);
	assert_int_equal(run->argc, 2);
	assert_string_equal(run->argv[0].text, "/opt/bin/k3s");
	assert_string_equal(run->argv[1].text, "agent");
	assert_int_equal(run->report.n_problems, 0);
	k3s_unit_run_free(run);
	unit_file_free(u);

	/* ":" turns expansion off */
	u = parse("k3s.service",
		  "[Service]\nEnvironment=X=1\nExecStart=:/usr/local/bin/k3s server $X\n");
	assert_int_equal(k3s_unit_run(NULL, "k3s.service", u, &run), 0);
	assert_string_equal(run->argv[2].text, "$X");
	k3s_unit_run_free(run);
	unit_file_free(u);

	/* a drop-in that forgot the empty ExecStart=: refused */
	u = parse("/etc/systemd/system/k3s.service",
		  "[Service]\nExecStart=/usr/local/bin/k3s server\n"
		  "ExecStart=/usr/local/bin/k3s server --flannel-backend=none\n");
	assert_int_equal(k3s_unit_run(NULL, "k3s.service", u, &run), 0);
	assert_int_equal(run->report.n_problems, 1);
	assert_false(run->report.problems[0].warning);
	assert_non_null(strstr(run->report.problems[0].message, "2 ExecStart="));
	k3s_unit_run_free(run);
	unit_file_free(u);

	/* an unknown specifier: the line is ignored, with a warning */
	u = parse("k3s.service", "[Service]\nExecStart=/usr/local/bin/k3s server %Z\n");
	assert_int_equal(k3s_unit_run(NULL, "k3s.service", u, &run), 0);
	assert_int_equal(run->argc, 0);
	assert_int_equal(run->report.n_problems, 1);
	assert_true(run->report.problems[0].warning);
	k3s_unit_run_free(run);
	unit_file_free(u);
}

static void test_display_names(void **state)
{
	static const struct {
		const char *path, *want;
	} rows[] = {
	    {"/etc/systemd/system/k3s.service", "k3s.service"},
	    {"/lib/systemd/system/k3s.service.d/20-cilium.conf", "k3s.service.d/20-cilium.conf"},
	    {"/etc/systemd/system/k3s.service.env", "k3s.service.env"},
	    {"/etc/default/k3s", "/etc/default/k3s"},
	    {"/etc/rancher/k3s/config.yaml", "/etc/rancher/k3s/config.yaml"},
	    {"k3s.service", "k3s.service"},
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char *s = k3s_display_name(rows[i].path);
		assert_string_equal(s, rows[i].want);
		free(s);
	}
	assert_string_equal(k3s_strip_root("/tmp/r", "/tmp/r/etc/x"), "/etc/x");
	assert_string_equal(k3s_strip_root("/tmp/r", "/tmp/rx/etc"), "/tmp/rx/etc");
	assert_string_equal(k3s_strip_root(NULL, "/etc/x"), "/etc/x");
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_env_file_rules),  cmocka_unit_test(test_env_file_sources),
	    cmocka_unit_test(test_specifiers),	    cmocka_unit_test(test_exec_quoting),
	    cmocka_unit_test(test_exec_variables),  cmocka_unit_test(test_unit_environment_order),
	    cmocka_unit_test(test_unit_exec_rules), cmocka_unit_test(test_display_names),
	};
	return unit_main(argc, argv, tests);
}
