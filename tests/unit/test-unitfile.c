/* SPDX-License-Identifier: MIT */
/* systemd-style files: syntax, the unit search path, drop-ins across directories. */
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
#include <unistd.h>

#include "unit-main.h"
#include "unitfile.h"

static UnitFile *parse(const char *text, size_t len)
{
	UnitFile *u = NULL;
	assert_int_equal(unit_file_new(&u), 0);
	assert_int_equal(unit_file_parse(u, "t.service", text, len), 0);
	return u;
}

/* Every assignment as "Section.Key=Value@line", joined with '|'. */
static const char *dump(const UnitFile *u)
{
	static char out[4096];
	size_t used = 0;

	out[0] = '\0';
	for (const UnitAssignment *a = NULL; (a = unit_file_next(u, a, NULL, NULL));)
		used += (size_t)snprintf(out + used, sizeof(out) - used, "%s%s.%s=%s@%u",
					 used ? "|" : "", a->section, a->key, a->value, a->line);
	return out;
}

static void test_sections_keys_comments(void **state)
{
	static const char text[] = "# a comment\n"
				   "Outside=ignored\n"
				   "[Unit]\n"
				   "  Description = A unit  \n"
				   "; another comment\n"
				   "\t#Description=commented out\n"
				   "no equals sign\n"
				   "=no key\n"
				   "[Service]\n"
				   "Environment=A=1 B=2\n"
				   "ExecStart=\n"
				   "X-Vendor=kept for the caller\n";
	UnitFile *u = parse(text, strlen(text));

	assert_string_equal(dump(u),
			    "Unit.Description=A unit@4|Service.Environment=A=1 B=2@10|"
			    "Service.ExecStart=@11|Service.X-Vendor=kept for the caller@12");
	assert_int_equal(u->n_problems, 0);
	assert_int_equal(u->n_paths, 1);
	assert_string_equal(u->assignments[0].path, "t.service");
	unit_file_free(u);
}

static void test_continuation_lines(void **state)
{
	static const char text[] = "[Service]\n"
				   "ExecStart=/usr/local/bin/k3s \\\n"
				   "    server \\\n"
				   "# a comment inside a continuation is dropped\n"
				   "\t--flannel-backend=none\n"
				   "Even=a\\\\\n"
				   "Odd=b\\\\\\\n"
				   "c\n"
				   "Last=d\\";
	UnitFile *u = parse(text, strlen(text));

	/* The backslash becomes a space; an even run of backslashes continues nothing. */
	assert_string_equal(
	    dump(u), "Service.ExecStart=/usr/local/bin/k3s      server  \t--flannel-backend=none@2|"
		     "Service.Even=a\\\\@6|Service.Odd=b\\\\ c@7|Service.Last=d@9");
	unit_file_free(u);
}

static void test_line_endings_and_bom(void **state)
{
	static const char text[] = "\xef\xbb\xbf[Service]\r\nA=1\r\nB=2\rC=3\n\rD=4\n\nE=5\0F=6\n";
	UnitFile *u = parse(text, sizeof(text) - 1);

	/* \r\n and \n\r end one line; \n\n two, like systemd's read_line(). */
	assert_string_equal(
	    dump(u),
	    "Service.A=1@2|Service.B=2@3|Service.C=3@4|Service.D=4@5|Service.E=5@7|Service.F=6@8");
	unit_file_free(u);
}

static void test_syntax_errors_end_the_file(void **state)
{
	UnitFile *u = parse("[Service]\nA=1\n[Broken\nB=2\n", 23);

	/* systemd fails the file there: what came before stays applied, nothing after. */
	assert_string_equal(dump(u), "Service.A=1@2");
	assert_int_equal(u->n_problems, 1);
	assert_string_equal(u->problems[0].path, "t.service");
	assert_int_equal(u->problems[0].line, 3);
	assert_int_equal(u->problems[0].error, -EBADMSG);
	assert_string_equal(u->problems[0].message, "invalid section header");
	assert_int_equal(unit_file_parse(u, "next.conf", "[Service]\nC=\xc3\x28\nD=4\n", 22), 0);
	assert_int_equal(unit_file_parse(u, "third.conf", "[Bad\"Name]\nE=5\n[Service]\nF=6\n", 29),
			 0);
	assert_string_equal(dump(u), "Service.A=1@2");
	assert_int_equal(u->n_problems, 3);
	assert_string_equal(u->problems[1].message, "not UTF-8");
	assert_string_equal(u->problems[2].message, "bad characters in section header");
	assert_int_equal(u->n_paths, 3);
	unit_file_free(u);
}

static void test_empty_assignment_in_order(void **state)
{
	static const char text[] = "[Service]\nExecStart=/bin/a\nEnvironment=X=1\nExecStart=\n"
				   "EnvironmentFile=-/etc/x.env\nExecStart=/bin/b\n";
	UnitFile *u = parse(text, strlen(text));
	const char *seen[3];
	size_t n = 0;

	for (const UnitAssignment *a = NULL; (a = unit_file_next(u, a, "Service", "ExecStart"));)
		seen[n++] = a->value;
	assert_int_equal(n, 3);
	assert_string_equal(seen[0], "/bin/a");
	assert_string_equal(seen[1], ""); /* the caller resets its list here */
	assert_string_equal(seen[2], "/bin/b");
	assert_null(unit_file_next(u, NULL, "Unit", NULL));
	/* Environment= and EnvironmentFile= keep their relative order for the caller. */
	const UnitAssignment *a = unit_file_next(u, NULL, "Service", "Environment");
	assert_non_null(a);
	assert_true(a < unit_file_next(u, NULL, "Service", "EnvironmentFile"));
	unit_file_free(u);
}

/* ---- files below a root ---- */

static char root[] = "/tmp/routeguard-unitfile-XXXXXX";

static void put(const char *relative, const char *text)
{
	char path[512], cmd[600];
	snprintf(path, sizeof(path), "%s%s", root, relative);
	snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname '%s')\"", path);
	assert_int_equal(system(cmd), 0);
	if (!text) {
		assert_int_equal(symlink("/dev/null", path), 0);
		return;
	}
	FILE *f = fopen(path, "we");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* Each case gets a fresh root (ctest registers plain cmocka_unit_test cases only). */
static void make_root(void)
{
	strcpy(root, "/tmp/routeguard-unitfile-XXXXXX");
	assert_non_null(mkdtemp(root));
}

static void remove_root(void)
{
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	assert_int_equal(system(cmd), 0);
}

/* The files read, below the root, joined with '|'. */
static const char *files(const UnitFile *u)
{
	static char out[4096];
	size_t used = 0, skip = strlen(root);

	out[0] = '\0';
	for (size_t i = 0; i < u->n_paths; i++)
		used += (size_t)snprintf(out + used, sizeof(out) - used, "%s%s", i ? "|" : "",
					 u->paths[i] + skip);
	return out;
}

static void test_dropins_sorted_across_directories(void **state)
{
	UnitFile *u = NULL;

	make_root();
	put("/usr/lib/systemd/system/foo.service", "[Service]\nExecStart=/bin/foo\n");
	put("/usr/lib/systemd/system/foo.service.d/10-vendor.conf", "[Service]\nA=usr\n");
	put("/etc/systemd/system/foo.service.d/20-admin.conf", "[Service]\nA=etc\n");
	put("/run/systemd/system/foo.service.d/05-runtime.conf", "[Service]\nA=run\n");
	put("/lib/systemd/system/foo.service.d/30-lib.conf", "[Service]\nA=lib\n");
	put("/usr/local/lib/systemd/system/foo.service.d/15-local.conf", "[Service]\nA=local\n");
	put("/etc/systemd/system/foo.service.d/ignored.txt", "[Service]\nA=txt\n");
	put("/etc/systemd/system/foo.service.d/.hidden.conf", "[Service]\nA=hidden\n");

	assert_int_equal(unit_file_load(root, "foo.service", &u), 0);
	assert_false(u->masked);
	assert_non_null(u->main_path);
	assert_string_equal(u->main_path + strlen(root), "/usr/lib/systemd/system/foo.service");
	/* By file name, whatever the directory: /etc does not simply come last. */
	assert_string_equal(files(u), "/usr/lib/systemd/system/foo.service|"
				      "/run/systemd/system/foo.service.d/05-runtime.conf|"
				      "/usr/lib/systemd/system/foo.service.d/10-vendor.conf|"
				      "/usr/local/lib/systemd/system/foo.service.d/15-local.conf|"
				      "/etc/systemd/system/foo.service.d/20-admin.conf|"
				      "/lib/systemd/system/foo.service.d/30-lib.conf");
	assert_string_equal(unit_file_next(u, NULL, "Service", "ExecStart")->value, "/bin/foo");
	unit_file_free(u);
	remove_root();
}

static void test_same_name_masks_later_directories(void **state)
{
	UnitFile *u = NULL;

	make_root();
	put("/usr/lib/systemd/system/foo.service", "[Service]\nExecStart=/bin/foo\n");
	put("/usr/lib/systemd/system/foo.service.d/10-a.conf", "[Service]\nA=usr\n");
	put("/run/systemd/system/foo.service.d/10-a.conf", "[Service]\nA=run\n");
	put("/etc/systemd/system/foo.service.d/10-a.conf", "[Service]\nA=etc\n");
	put("/usr/lib/systemd/system/foo.service.d/20-b.conf", "[Service]\nB=usr\n");
	put("/etc/systemd/system/foo.service.d/20-b.conf", NULL); /* -> /dev/null: masks it */

	assert_int_equal(unit_file_load(root, "foo.service", &u), 0);
	assert_string_equal(dump(u), "Service.ExecStart=/bin/foo@2|Service.A=etc@2");
	assert_string_equal(files(u), "/usr/lib/systemd/system/foo.service|"
				      "/etc/systemd/system/foo.service.d/10-a.conf");
	unit_file_free(u);
	remove_root();
}

static void test_first_unit_file_wins_or_masks(void **state)
{
	UnitFile *u = NULL;

	make_root();
	put("/usr/lib/systemd/system/foo.service", "[Service]\nExecStart=/bin/vendor\n");
	put("/etc/systemd/system/foo.service", "[Service]\nExecStart=/bin/admin\n");
	put("/usr/lib/systemd/system/foo.service.d/10-a.conf", "[Service]\nA=1\n");
	assert_int_equal(unit_file_load(root, "foo.service", &u), 0);
	assert_string_equal(dump(u), "Service.ExecStart=/bin/admin@2|Service.A=1@2");
	unit_file_free(u);

	/* Linked to /dev/null in /run: the unit is masked, drop-ins and all. */
	put("/run/systemd/system/bar.service", NULL);
	put("/usr/lib/systemd/system/bar.service", "[Service]\nExecStart=/bin/bar\n");
	put("/etc/systemd/system/bar.service.d/10-a.conf", "[Service]\nA=1\n");
	assert_int_equal(unit_file_load(root, "bar.service", &u), 0);
	assert_true(u->masked);
	assert_null(u->main_path);
	assert_int_equal(u->n_assignments, 0);
	assert_int_equal(u->n_paths, 0);
	unit_file_free(u);

	/* No unit file at all: drop-ins still load, as systemd shows them for a missing unit. */
	assert_int_equal(unit_file_load(root, "none.service", &u), 0);
	assert_false(u->masked);
	assert_null(u->main_path);
	assert_int_equal(u->n_paths, 0);
	unit_file_free(u);
	remove_root();
}

static void test_prefix_and_type_dropins(void **state)
{
	UnitFile *u = NULL;

	make_root();
	put("/etc/systemd/system/k3s-agent.service",
	    "[Service]\nExecStart=/usr/local/bin/k3s agent\n");
	put("/usr/lib/systemd/system/service.d/10-all.conf", "[Service]\nA=type\n");
	put("/etc/systemd/system/service.d/50-all.conf", "[Service]\nB=type\n");
	put("/etc/systemd/system/k3s-.service.d/50-all.conf", "[Service]\nB=prefix\n");
	put("/run/systemd/system/k3s-agent.service.d/50-all.conf", "[Service]\nB=name\n");
	put("/etc/systemd/system/k3s-.service.d/20-k3s.conf", "[Service]\nC=prefix\n");

	assert_int_equal(unit_file_load(root, "k3s-agent.service", &u), 0);
	/* The more specific directory wins a name, even from a later directory of the path. */
	assert_string_equal(dump(u), "Service.ExecStart=/usr/local/bin/k3s agent@2|"
				     "Service.A=type@2|Service.C=prefix@2|Service.B=name@2");
	unit_file_free(u);

	/* A template's drop-ins apply to its instances. */
	put("/etc/systemd/system/getty@.service", "[Service]\nExecStart=/sbin/agetty\n");
	put("/etc/systemd/system/getty@.service.d/10-t.conf", "[Service]\nT=template\n");
	put("/etc/systemd/system/getty@tty1.service.d/20-i.conf", "[Service]\nI=instance\n");
	assert_int_equal(unit_file_load(root, "getty@tty1.service", &u), 0);
	/* The instance has no file of its own: the template's is its unit file. */
	assert_string_equal(dump(u), "Service.ExecStart=/sbin/agetty@2|Service.A=type@2|"
				     "Service.T=template@2|Service.I=instance@2|Service.B=type@2");
	unit_file_free(u);
	remove_root();
}

static void test_unit_named_by_path(void **state)
{
	char path[300], dropin[320], cmd[400];
	UnitFile *u = NULL;

	make_root();
	/* routeguard.yaml names /somewhere/k3s.service: that directory first, then the path. */
	snprintf(path, sizeof(path), "%s-units/k3s.service", root);
	snprintf(dropin, sizeof(dropin), "%s-units/k3s.service.d", root);
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s'", dropin);
	assert_int_equal(system(cmd), 0);
	FILE *f = fopen(path, "we");
	assert_non_null(f);
	fputs("[Service]\nExecStart=/usr/local/bin/k3s server\n", f);
	fclose(f);
	strcat(dropin, "/20-mine.conf");
	assert_non_null(f = fopen(dropin, "we"));
	fputs("[Service]\nExecStart=\nExecStart=/usr/local/bin/k3s agent\n", f);
	fclose(f);
	put("/usr/lib/systemd/system/k3s.service", "[Service]\nExecStart=/usr/lib/k3s\n");
	put("/etc/systemd/system/k3s.service.d/10-admin.conf", "[Service]\nEnvironment=A=1\n");

	assert_int_equal(unit_file_load_path(root, path, &u), 0);
	assert_string_equal(u->main_path, path);
	assert_int_equal(u->n_paths, 3);
	assert_string_equal(u->paths[2], dropin);
	assert_string_equal(dump(u), "Service.ExecStart=/usr/local/bin/k3s server@2|"
				     "Service.Environment=A=1@2|Service.ExecStart=@2|"
				     "Service.ExecStart=/usr/local/bin/k3s agent@3");
	unit_file_free(u);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s-units'", root);
	assert_int_equal(system(cmd), 0);
	remove_root();
}

static void test_daemon_configuration(void **state)
{
	UnitFile *u = NULL;

	make_root();
	assert_int_equal(unit_file_load_config(root, "systemd/networkd.conf", &u), 0);
	assert_null(u->main_path);
	assert_int_equal(u->n_assignments, 0);
	unit_file_free(u);

	put("/etc/systemd/networkd.conf", "[Network]\nManageForeignRoutes=no\n");
	put("/usr/lib/systemd/networkd.conf.d/50-vendor.conf",
	    "[Network]\nManageForeignRoutes=yes\n");
	put("/etc/systemd/networkd.conf.d/40-admin.conf", "[Network]\nManageForeignRoutes=no\n");
	put("/run/systemd/networkd.conf.d/60-run.conf", "[Network]\nRouteTable=x:100\n");
	/* Only /etc holds the main file; one in /usr/lib is not read. */
	put("/usr/lib/systemd/networkd.conf", "[Network]\nSpeedMeter=yes\n");

	assert_int_equal(unit_file_load_config(root, "systemd/networkd.conf", &u), 0);
	assert_string_equal(u->main_path + strlen(root), "/etc/systemd/networkd.conf");
	assert_string_equal(files(u), "/etc/systemd/networkd.conf|"
				      "/etc/systemd/networkd.conf.d/40-admin.conf|"
				      "/usr/lib/systemd/networkd.conf.d/50-vendor.conf|"
				      "/run/systemd/networkd.conf.d/60-run.conf");
	assert_string_equal(dump(u),
			    "Network.ManageForeignRoutes=no@2|Network.ManageForeignRoutes=no@2|"
			    "Network.ManageForeignRoutes=yes@2|Network.RouteTable=x:100@2");
	unit_file_free(u);
	remove_root();
}

static void test_unreadable_files_are_problems(void **state)
{
	UnitFile *u = NULL;
	char path[300];

	make_root();
	put("/etc/systemd/system/foo.service", "[Service]\nA=1\n");
	put("/etc/systemd/system/foo.service.d/10-a.conf", "[Service]\nB=1\n");
	put("/etc/systemd/system/foo.service.d/20-b.conf", "[Service]\nC=1\n");
	/* Larger than any line systemd reads (1 MiB): unreadable, even for root. */
	snprintf(path, sizeof(path), "%s/etc/systemd/system/foo.service.d/10-a.conf", root);
	assert_int_equal(truncate(path, 2 * 1024 * 1024), 0);
	assert_int_equal(unit_file_load(root, "foo.service", &u), 0);
	assert_string_equal(dump(u), "Service.A=1@2|Service.C=1@2");
	assert_int_equal(u->n_problems, 1);
	assert_string_equal(u->problems[0].path, path);
	assert_int_equal(u->problems[0].line, 0);
	assert_int_equal(u->problems[0].error, -EFBIG);
	assert_null(u->problems[0].message);
	unit_file_free(u);
	remove_root();
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sections_keys_comments),
	    cmocka_unit_test(test_continuation_lines),
	    cmocka_unit_test(test_line_endings_and_bom),
	    cmocka_unit_test(test_syntax_errors_end_the_file),
	    cmocka_unit_test(test_empty_assignment_in_order),
	    cmocka_unit_test(test_dropins_sorted_across_directories),
	    cmocka_unit_test(test_same_name_masks_later_directories),
	    cmocka_unit_test(test_first_unit_file_wins_or_masks),
	    cmocka_unit_test(test_prefix_and_type_dropins),
	    cmocka_unit_test(test_unit_named_by_path),
	    cmocka_unit_test(test_daemon_configuration),
	    cmocka_unit_test(test_unreadable_files_are_problems),
	};
	/* ctest runs each case alone: tests/CMakeLists.txt passes its name. */
	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return unit_main(argc, argv, tests);
}
